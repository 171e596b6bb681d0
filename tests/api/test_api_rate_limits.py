"""Per-key rate limits (Flask-Limiter): above the configured rate a key gets 429 JSON with Retry-After, other
keys and /health are not affected, a bad setting is refused by name."""

from __future__ import annotations

import pytest

from credit_scoring.api.config import load_settings
from tests.api.project import API_KEY

PREFIX = "/api/v1"


def test_a_key_above_its_rate_gets_429_with_retry_after(make_app, headers) -> None:
    client = make_app(auth={"api_keys": [API_KEY], "rate_limit": "3 per minute"}).test_client()
    answers = [client.get(f"{PREFIX}/model", headers=headers) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.is_json and refused.get_json()["error"]["code"] == "rate_limited"
    assert "3 per 1 minute" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    other = client.get(f"{PREFIX}/model", headers={"X-API-Key": "another key, counted apart"})
    assert other.status_code == 401  # its own count: refused for the key, not for the rate
    assert all(client.get(f"{PREFIX}/health").status_code == 200 for _ in range(5))


def test_wrong_keys_are_limited_by_address_too(make_app) -> None:
    client = make_app(auth={"api_keys": [API_KEY], "rate_limit": "2 per minute"}).test_client()
    statuses = [client.get(f"{PREFIX}/model").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_a_rate_that_cannot_be_read_is_refused_by_name(tmp_path) -> None:
    with pytest.raises(ValueError, match="'fast' is not a rate") as refused:
        load_settings({"root": str(tmp_path), "auth": {"rate_limit": "fast"}})
    assert "auth.rate_limit" in str(refused.value)
