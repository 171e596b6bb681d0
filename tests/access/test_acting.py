"""The signed header naming the person a trusted client acts for: verified, bounded in time, never trusted
unsigned."""

from __future__ import annotations

import pytest

from credit_scoring.access.acting import ActingUserRefused, sign_acting_user, verify_acting_user
from credit_scoring.access.roles import Person

SECRET = "s" * 40


def test_a_signed_person_is_read_back() -> None:
    token = sign_acting_user(SECRET, "marie.dupont", "adviser")
    assert verify_acting_user(SECRET, token) == Person("marie.dupont", "adviser")


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (sign_acting_user("o" * 40, "marie", "admin"), "not signed by this deployment"),
        ("marie.dupont", "not signed by this deployment"),
        (sign_acting_user(SECRET, "marie", "admin") + "x", "not signed by this deployment"),
    ],
)
def test_a_name_not_signed_here_is_refused(token: str, problem: str) -> None:
    with pytest.raises(ActingUserRefused, match=problem):
        verify_acting_user(SECRET, token)


def test_an_old_signature_is_refused() -> None:
    token = sign_acting_user(SECRET, "marie", "risk")
    with pytest.raises(ActingUserRefused, match="older than -1 s"):
        verify_acting_user(SECRET, token, max_age_s=-1)


def test_a_short_secret_or_a_bad_role_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        sign_acting_user("short", "marie", "adviser")
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        sign_acting_user(SECRET, "marie", "boss")
