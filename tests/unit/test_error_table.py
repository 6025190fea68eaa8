"""docs/errors.md lists exactly the codes and statuses the server answers with."""

import re
from pathlib import Path

from devgroups.domain import errors
from devgroups.http.errors import STATUS

DOC = Path(__file__).parents[2] / "docs" / "errors.md"


def all_error_classes() -> set[type[errors.HekrError]]:
    found = set()
    pending = [errors.HekrError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__ == errors.__name__:
                found.add(sub)
                pending.append(sub)
    return found - {errors.AuthError}


def documented() -> set[tuple[int, int, str]]:
    rows = re.findall(r"^\| (\d+) \| (\d+) \| ([^|]+?) \|", DOC.read_text(), re.MULTILINE)
    return {(int(code), int(status), desc) for code, status, desc in rows}


def test_every_error_class_has_a_status() -> None:
    assert all_error_classes() == set(STATUS)


def test_the_doc_table_matches_the_code_table() -> None:
    in_code = set()
    for cls, status in STATUS.items():
        desc = cls.desc if cls is not errors.InvalidParam else "Invalid Param {name}"
        if cls is errors.DevTidEmpty:
            desc = "devTid can not be empty"
        in_code.add((cls.code, status, desc))
    assert documented() == in_code


def test_the_channel_codes_are_documented() -> None:
    from devgroups.channels import codes

    rows = re.findall(r"^\| (\d+) \| (?:device|app|both) \|", DOC.read_text(), re.MULTILINE)
    in_code = {value for name, value in vars(codes).items() if name.isupper()}
    assert {int(code) for code in rows} == in_code
