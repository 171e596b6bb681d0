"""The HTTP client: URLs, the key header, parameters, and errors an adviser can read."""

from __future__ import annotations

import json

import pytest
import requests

from dash_app.api_client import ApiClient, ApiError
from dash_app.config import DashboardSettings


class RecordingSession(requests.Session):
    """A session that answers from a queue instead of the network and remembers each request."""

    def __init__(self, *answers: tuple[int, object]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[dict] = []

    def request(self, method, url, **kwargs):  # type: ignore[override]
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}  # as requests merges them
        self.sent.append({"method": method, "url": url, "headers": headers, **kwargs})
        status, body = self.answers.pop(0)
        if isinstance(body, Exception):
            raise body
        response = requests.Response()
        response.status_code = status
        response._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return response


def client_with(*answers) -> tuple[ApiClient, RecordingSession]:
    session = RecordingSession(*answers)
    settings = DashboardSettings(api_url="http://api.test/api/v1", api_key="secret", timeout_seconds=3)
    return ApiClient(settings, session=session), session


def test_requests_carry_the_key_and_drop_empty_parameters() -> None:
    client, session = client_with((200, {"items": []}))
    client.search_clients({"decision": "refused", "gender": None, "age_min": 30.0}, page=2, page_size=10)
    sent = session.sent[0]
    assert sent["url"] == "http://api.test/api/v1/clients" and sent["timeout"] == 3
    assert sent["headers"]["X-API-Key"] == "secret"
    assert sent["params"] == {"page": 2, "page_size": 10, "decision": "refused", "age_min": 30.0}


def test_requests_say_who_they_are_for() -> None:
    """`dash_app.sign_in` sets ``identify``: every request carries its headers (the signed acting user)."""
    client, session = client_with((200, {}), (200, {}))
    client.model_info()
    client.identify = lambda: {"X-Acting-User": "signed"}
    client.model_info()
    assert "X-Acting-User" not in session.sent[0]["headers"]
    assert session.sent[1]["headers"]["X-Acting-User"] == "signed"
    assert session.sent[1]["headers"]["X-API-Key"] == "secret"


def test_routes_and_bodies() -> None:
    client, session = client_with(*[(200, {})] * 6)
    client.client_score(7, lang="fr")
    client.predict({"SK_ID_CURR": 7}, lang="fr")
    client.distribution("AGE", group="filtered", client_id=7, filters={"gender": "F"}, lang="fr")
    client.scatter("A", "B", client_id=7)
    client.drift_summary()
    client.similar_clients(7, k=5)
    urls = [sent["url"].removeprefix("http://api.test/api/v1/") for sent in session.sent]
    assert urls == [
        "clients/7/score",
        "predict",
        "population/distribution",
        "population/scatter",
        "drift",
        "clients/7/similar",
    ]
    assert session.sent[1]["json"] == {"SK_ID_CURR": 7} and session.sent[1]["method"] == "POST"
    assert session.sent[2]["params"] == {
        "feature": "AGE",
        "group": "filtered",
        "client_id": 7,
        "lang": "fr",
        "gender": "F",
    }


def test_api_error_body_becomes_the_message() -> None:
    body = {"error": {"code": "not_found", "message": "client 9 is not a known client", "details": []}}
    client, _ = client_with((404, body))
    with pytest.raises(ApiError) as raised:
        client.client_info(9)
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        404,
        "not_found",
        "client 9 is not a known client",
    )


def test_unreachable_or_non_json_errors_are_explained() -> None:
    client, _ = client_with((0, requests.ConnectionError("refused")), (502, "<html>bad gateway</html>"))
    with pytest.raises(ApiError, match=r"cannot be reached at http://api\.test/api/v1"):
        client.ready()
    with pytest.raises(ApiError, match="answered 502"):
        client.ready()


def test_report_html_is_returned_as_text() -> None:
    client, _ = client_with((200, "<html>report</html>"))
    assert client.drift_report_html() == "<html>report</html>"
