from __future__ import annotations

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
        'importlib-metadata; (python_version < "3.8")',
        'pywin32; (sys_platform == "win32") and extra == "test"',
    ]
