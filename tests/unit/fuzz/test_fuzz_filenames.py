"""Property: wheel and sdist filenames (and the versions and tags in them) parse or raise
FilenameError, nothing else."""

from __future__ import annotations

from hypothesis import given

from sula.distribution.filename import SdistFilename, WheelFilename, parse_dist_filename
from sula.errors import SulaError

from ._strategies import NAMES, VERSIONS, batches, examples, token_text

TOKENS = [*NAMES, *VERSIONS, "-", "-", "_", ".", ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz",
          "py3", "cp311", "none", "any", "abi3", "manylinux_2_17_x86_64", "linux_x86_64", "1",
          "py2.py3", "-1-", "..", ".tar", "foo", "%2F", "/"]


@examples(2500)
@given(batches(token_text(TOKENS, max_size=14)))
def test_filenames_parse_or_raise_sula_errors(names: list[str]) -> None:
    for name in names:
        for parse in (parse_dist_filename, WheelFilename.parse, SdistFilename.parse,
                      lambda n: SdistFilename.parse(n, "foo")):
            try:
                parsed = parse(name)
            except SulaError:
                continue
            try:
                str(parsed.version)
                if isinstance(parsed, WheelFilename):
                    parsed.tags  # noqa: B018
                    parsed.tag_strings()
                    parsed.is_pure()
            except SulaError:
                pass
