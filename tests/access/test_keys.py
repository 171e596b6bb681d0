"""Scoped API keys: shown once, stored as a SHA-256 hash only, verified as valid, unknown, expired or revoked;
on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from credit_scoring.access.keys import KEY_PREFIX, KeyStore, key_digest
from credit_scoring.access.tables import api_keys

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(f"sqlite:///{tmp_path / 'app.db'}")


def stored_rows(store: KeyStore) -> list[dict[str, object]]:
    with store.database.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.select(api_keys))]


def check_the_store(store: KeyStore) -> None:
    key = store.create("scoring-service", ["score", "clients"], now=NOW)
    assert key.startswith(KEY_PREFIX) and len(key) >= len(KEY_PREFIX) + 43  # 256 bits, URL-safe base64
    check = store.verify(key, now=NOW)
    assert (check.outcome, check.name, check.scopes) == ("valid", "scoring-service", {"score", "clients"})
    assert store.verify(KEY_PREFIX + "x" * 43, now=NOW).outcome == "unknown"
    assert store.verify("not-one-of-ours", now=NOW).outcome == "unknown"
    assert store.verify(None).outcome == "unknown"

    [row] = stored_rows(store)
    assert row["key_hash"] == key_digest(key) and len(row["key_hash"]) == 64
    assert not any(key in str(value) for value in row.values())  # only the hash, never the key

    with pytest.raises(ValueError, match="exists already"):
        store.create("scoring-service", "model")
    [info] = store.list()
    assert (info.name, info.scopes, info.expires_at, info.revoked_at) == (
        "scoring-service",
        {"score", "clients"},
        None,
        None,
    )
    assert not hasattr(info, "key_hash")

    revoked = store.revoke("scoring-service", now=NOW + timedelta(hours=1))
    assert revoked.revoked_at == "2026-03-01T13:00:00.000Z"
    check = store.verify(key, now=NOW + timedelta(hours=2))
    assert (check.outcome, check.name, check.scopes) == ("revoked", "scoring-service", frozenset())
    assert store.revoke("scoring-service").revoked_at == revoked.revoked_at  # the first date is kept
    with pytest.raises(ValueError, match="no key named 'nobody'"):
        store.revoke("nobody")


def test_keys_on_sqlite(store: KeyStore) -> None:
    check_the_store(store)


@pytest.mark.postgres
def test_keys_on_postgresql(postgres_url: str) -> None:
    store = KeyStore(postgres_url)
    try:
        check_the_store(store)
    finally:
        store.dispose()


def test_a_key_expires_at_its_time(store: KeyStore) -> None:
    key = store.create("batch-job", "drift", expires_at=NOW + timedelta(days=1), now=NOW)
    assert store.verify(key, now=NOW + timedelta(hours=23)).outcome == "valid"
    expired = store.verify(key, now=NOW + timedelta(days=1))
    assert (expired.outcome, expired.name, expired.key.expires_at) == (
        "expired",
        "batch-job",
        "2026-03-02T12:00:00.000Z",
    )
    assert store.list()[0].status(NOW + timedelta(days=2)) == "expired"


@pytest.mark.parametrize(
    ("name", "scopes", "expires_at", "problem"),
    [
        ("bad name", "score", None, "invalid key name"),
        ("", "score", None, "invalid key name"),
        ("service", "score,admin", None, "unknown scope"),
        ("service", "", None, "at least one scope"),
        ("service", "score", NOW - timedelta(seconds=1), "not in the future"),
        ("service", "score", datetime(2030, 1, 1), "no time zone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(store, name, scopes, expires_at, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        store.create(name, scopes, expires_at, now=NOW)
    assert store.list() == []


def test_every_key_is_new(store: KeyStore) -> None:
    keys = {store.create(f"service-{i}", "score") for i in range(5)}
    assert len(keys) == 5 and len({row["key_hash"] for row in stored_rows(store)}) == 5
