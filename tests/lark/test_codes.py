"""How a client reads the Open API's codes (orgstate.lark.codes)."""

from __future__ import annotations

from itertools import combinations

import pytest

from orgstate.errors import ErrorKind
from orgstate.lark.codes import CONFLICT, INVALID, NOT_FOUND, PERMISSION, RETRY, TOKEN_INVALID, LarkCode, kind_for

CLASSES = {"not found": NOT_FOUND, "conflict": CONFLICT, "permission": PERMISSION, "invalid": INVALID}


def test_a_code_means_one_thing() -> None:
    for (one, first), (other, second) in combinations({**CLASSES, "retry": RETRY, "token": TOKEN_INVALID}.items(), 2):
        assert not first & second, f"{one} and {other} share {sorted(first & second)}"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (LarkCode.USER_NOT_FOUND, ErrorKind.NOT_FOUND),
        (LarkCode.MOBILE_EXISTS, ErrorKind.CONFLICT),
        (LarkCode.SEAT_PERMISSION, ErrorKind.PERMISSION),
        (LarkCode.PASSWORD_FORMAT, ErrorKind.INVALID),
        (LarkCode.CANNOT_DELETE_ADMIN, ErrorKind.RULE),
        (12345, ErrorKind.RULE),  # a code nobody named: a console rule refused it
    ],
)
def test_kind_for_reads_the_classes(code: int, kind: ErrorKind) -> None:
    assert kind_for(code) is kind


def test_a_code_read_off_the_wire_finds_its_class() -> None:
    """The client compares plain ints from JSON with the named codes."""
    assert int("41050") in NOT_FOUND and kind_for(int("41001")) is ErrorKind.CONFLICT
