"""Signing in without HTTP (`credit_scoring.access.sign_in`): each outcome recorded in the audit trail,
failures counted per name and per address, slowed then refused for a while, a success forgiving the name's
failures; on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from pydantic import ValidationError

from credit_scoring.access.audit import AuditTrail
from credit_scoring.access.sign_in import SignInDesk, SignInSettings, SignInThrottle
from credit_scoring.access.users import UserStore

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def desk_for(url: str, **settings: str) -> SignInDesk:
    users = UserStore(url, hasher=FAST)
    users.add("marie", "adviser", PASSWORD)
    users.add("paul", "risk", PASSWORD)
    return SignInDesk(users, AuditTrail(url), SignInThrottle(SignInSettings(**settings)))


def test_each_outcome_is_told_and_recorded(url: str) -> None:
    desk = desk_for(url)
    assert desk.attempt("marie", PASSWORD, "10.0.0.1").user.role == "adviser"
    assert desk.attempt("marie", "wrong password!", "10.0.0.1").result == "refused"
    assert desk.attempt("nobody", PASSWORD, "10.0.0.1").result == "refused"
    assert desk.attempt("not a name!", PASSWORD, "10.0.0.1").result == "refused"
    desk.users.disable("paul")
    assert desk.attempt("paul", PASSWORD, "10.0.0.2").result == "disabled"
    events = desk.trail.export()
    assert [(event["action"], event["actor"], event["actor_kind"]) for event in events] == [
        ("sign_in.success", "marie", "user"),
        ("sign_in.failure", "marie", "anonymous"),
        ("sign_in.failure", "nobody", "anonymous"),
        ("sign_in.failure", "not a name!", "anonymous"),
        ("sign_in.failure", "paul", "anonymous"),
    ]
    assert [event["detail"]["reason"] for event in events[1:]] == [
        "wrong_password",
        "unknown_user",
        "malformed",
        "disabled",
    ]
    assert {event["address"] for event in events} == {"10.0.0.1", "10.0.0.2"}
    assert all(PASSWORD not in str(event) for event in events)


def test_failures_per_name_slow_down_then_a_success_forgives_them(url: str) -> None:
    desk = desk_for(url, failures_per_name="2 per minute; 3 per hour")
    for _ in range(2):
        assert desk.attempt("marie", "wrong password!", "10.0.0.1").result == "refused"
    throttled = desk.attempt("marie", PASSWORD, "10.0.0.9")  # the right password, from elsewhere: still waits
    assert throttled.result == "throttled" and 0 < throttled.retry_after_s <= 60
    assert desk.trail.export()[-1]["detail"] == {
        "reason": "throttled",
        "retry_after_s": throttled.retry_after_s,
    }
    assert desk.attempt("paul", PASSWORD, "10.0.0.1").result == "ok", "another name is not held up"


def test_a_success_clears_the_names_failures(url: str) -> None:
    desk = desk_for(url, failures_per_name="2 per minute")
    assert desk.attempt("marie", "wrong password!", "10.0.0.1").result == "refused"
    assert desk.attempt("marie", PASSWORD, "10.0.0.1").result == "ok"
    assert desk.attempt("marie", "wrong password!", "10.0.0.1").result == "refused"
    assert desk.attempt("marie", PASSWORD, "10.0.0.1").result == "ok", "one failure since the success"


def test_one_address_trying_many_names_is_stopped(url: str) -> None:
    desk = desk_for(url, failures_per_address="3 per minute")
    for name in ("a1", "a2", "a3"):
        assert desk.attempt(name, "wrong password!", "10.6.6.6").result == "refused"
    assert desk.attempt("marie", PASSWORD, "10.6.6.6").result == "throttled"
    assert desk.attempt("marie", PASSWORD, "10.0.0.1").result == "ok"


def test_the_rates_are_checked_when_the_settings_are_read() -> None:
    with pytest.raises(ValidationError, match="is not a rate"):
        SignInSettings(failures_per_name="five a minute")
    with pytest.raises(ValidationError):
        SignInSettings(idle_timeout_minutes=0)
