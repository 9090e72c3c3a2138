"""``sula pip tree``: installed packages as a dependency tree (or the inverse)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments

    parser.add_argument("-d", "--depth", type=int, default=255, metavar="N",
                        help="Show dependencies down to depth N (default: 255)")
    parser.add_argument("--invert", "--reverse", action="store_true",
                        help="Show the packages that depend on each package instead")
    parser.add_argument("--package", action="append", default=[], metavar="NAME",
                        help="Show only the tree rooted at NAME (repeatable)")
    parser.add_argument("--show-version-specifiers", action="store_true",
                        help="Show the version constraint of each edge")
    parser.add_argument("--prune", action="append", default=[], metavar="NAME",
                        help="Leave NAME and its subtree out (repeatable)")
    parser.add_argument("--no-dedupe", action="store_true",
                        help="Expand a package's subtree every time it appears, not once")
    parser.add_argument("--outdated", action="store_true",
                        help="Show the newer version the index has: `six v1.0 (latest: v2.0)`")
    add_target_arguments(parser, install=False)
    from sula.client.settings import add_index_arguments

    add_index_arguments(parser)


def build_edges(site: object, markers: dict[str, str]) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """``name -> [(dependency name, requirement text)]`` and ``name -> version``."""
    from sula.distribution.names import canonicalize_name
    from sula.installer.check import requirement_texts_of
    from sula.installer.site_packages import SitePackages

    assert isinstance(site, SitePackages)
    edges: dict[str, list[tuple[str, str]]] = {}
    versions: dict[str, str] = {}
    for dist in site:
        versions.setdefault(str(dist.name), dist.version)
        deps = edges.setdefault(str(dist.name), [])
        for text, req in requirement_texts_of(dist, markers):
            deps.append((str(canonicalize_name(req.name)), spelled_specifier(text, req.name)))
    return edges, versions


def spelled_specifier(text: str, name: str) -> str:
    """A requirement's specifier as uv shows it: in the metadata's order, ``, ``-separated,
    ``*`` when there is none (``mid<3,>=1`` stays ``<3, >=1``; packaging would sort it)."""
    rest = text.split(";", 1)[0].strip()[len(name):].strip()
    if rest.startswith("["):
        rest = rest.partition("]")[2].strip()
    if rest.startswith("@"):
        return rest
    rest = rest.strip("()")
    parts = [p.strip().replace(" ", "") for p in rest.split(",") if p.strip()]
    return ", ".join(parts) or "*"


def render(
    roots: list[str],
    edges: dict[str, list[tuple[str, str]]],
    versions: dict[str, str],
    depth: int,
    pruned: set[str],
    show_specifiers: bool = False,
    dedupe: bool = True,
    latest: dict[str, str] | None = None,
) -> list[str]:
    """Lines of the tree; with ``dedupe`` a package shown twice gets ``(*)`` and is not
    expanded again, and a legend line says so (as uv)."""
    lines: list[str] = []
    expanded: set[str] = set()
    deduped: list[str] = []

    def label(name: str, spec: str | None) -> str:
        version = versions.get(name)
        text = f"{name} v{version}" if version is not None else f"{name} (missing)"
        if spec and show_specifiers:
            text += f" [required: {spec}]"
        if latest and name in latest:
            text += f" (latest: v{latest[name]})"
        return text

    def walk(name: str, prefix: str, level: int, path: tuple[str, ...]) -> None:
        children = [(c, s) for c, s in edges.get(name, []) if c not in pruned]
        for i, (child, spec) in enumerate(children):
            last = i == len(children) - 1
            branch = "└── " if last else "├── "
            text = label(child, spec)
            repeat = child in expanded and edges.get(child)
            if child in path:
                lines.append(f"{prefix}{branch}{text} (cycle)")
                continue
            if repeat and dedupe:
                lines.append(f"{prefix}{branch}{text} (*)")
                deduped.append(child)
                continue
            lines.append(f"{prefix}{branch}{text}")
            if level + 1 < depth:
                if edges.get(child):
                    expanded.add(child)
                walk(child, prefix + ("    " if last else "│   "), level + 1, (*path, child))

    for root in roots:
        if root in pruned:
            continue
        lines.append(label(root, None))
        expanded.add(root)
        if depth > 0:
            walk(root, "", 0, (root,))
    if deduped:
        lines.append("(*) Package tree already displayed")
    return lines


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.commands._pip_env import find_target
    from sula.distribution.names import canonicalize_name
    from sula.installer.site_packages import SitePackages

    env, layout = find_target(args, ctx)
    site = SitePackages.from_layout(layout)
    edges, versions = build_edges(site, dict(env.interpreter.marker_environment()))
    if args.invert:
        inverted: dict[str, list[tuple[str, str]]] = {n: [] for n in versions}
        for parent, deps in edges.items():
            for child, spec in deps:
                inverted.setdefault(child, []).append((parent, spec))
        edges = {k: sorted(v) for k, v in inverted.items()}
    else:
        edges = {k: sorted(v) for k, v in edges.items()}
    if args.package:
        roots: list[str] = [str(canonicalize_name(p)) for p in args.package]
    else:
        has_parent = {c for deps in edges.values() for c, _ in deps}
        roots = sorted(n for n in versions if n not in has_parent)
        if not roots and versions:
            roots = sorted(versions)
    pruned = {str(canonicalize_name(p)) for p in args.prune}
    newer: dict[str, str] = {}
    if args.outdated:
        from sula.cli.commands._pip_env import latest_of

        registry = [(str(d.name), d.version) for d in site if d.direct_url is None and not d.editable]
        found = latest_of(args, ctx, env, registry)
        newer = {name: version for name, (version, is_newer, _) in found.items() if is_newer}
    for line in render(roots, edges, versions, args.depth, pruned, args.show_version_specifiers,
                       dedupe=not args.no_dedupe, latest=newer):
        ctx.printer.out(line)
    return 0
