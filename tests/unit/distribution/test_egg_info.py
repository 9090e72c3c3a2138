from __future__ import annotations

from packaging.requirements import Requirement

from sula.distribution.egg_info import parse_requires_txt


def test_sections_become_markers() -> None:
    text = """
requests>=2
# a comment

[socks]
PySocks>=1.5

[:python_version < "3.8"]
importlib-metadata

[test:sys_platform == "win32"]
pywin32
"""
    assert parse_requires_txt(text) == [
        "requests>=2",
        'PySocks>=1.5; extra == "socks"',
        'importlib-metadata; python_version < "3.8"',
        'pywin32; sys_platform == "win32" and extra == "test"',
    ]


def test_url_requirement_under_an_extra_is_valid_pep_508() -> None:
    text = """
[url]
dep @ https://files.invalid/dep-1.0-py3-none-any.whl

[old:python_version < "3.9" or os_name == "nt"]
other @ https://files.invalid/other-1.0.tar.gz
"""
    lines = parse_requires_txt(text)
    assert lines == [
        'dep @ https://files.invalid/dep-1.0-py3-none-any.whl ; extra == "url"',
        'other @ https://files.invalid/other-1.0.tar.gz'
        ' ; (python_version < "3.9" or os_name == "nt") and extra == "old"',
    ]
    reqs = [Requirement(line) for line in lines]  # PEP 508 rejects `url;` without a space
    assert reqs[0].url == "https://files.invalid/dep-1.0-py3-none-any.whl"
    assert reqs[0].marker is not None and reqs[0].marker.evaluate({"extra": "url"})
    assert reqs[1].marker is not None and not reqs[1].marker.evaluate(
        {"extra": "old", "python_version": "3.11", "os_name": "posix"})
