"""Human review of automated decisions: close calls marked "to review"; an adviser confirms or overrides with
a justification (who, when, from what to what, why), a risk user approves; every decision audited; a refused
request names its problem and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from credit_scoring.access.acting import ACTING_USER_HEADER, sign_acting_user
from credit_scoring.access.audit import AuditTrail
from credit_scoring.api.config import API_KEYS_ENV
from credit_scoring.records import decision_review_approvals, decision_reviews
from tests.api.project import API_KEY
from tests.api.test_api_routes import production_application

PREFIX = "/api/v1"
SECRET = "a-secret-of-this-deployment-" + "x" * 16
WHY = "Payslips checked: stable income for ten years, the bureau record is outdated."


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


@pytest.fixture
def client(make_app):
    return make_app(auth={"api_keys": [API_KEY], "secret_key": SECRET}).test_client()


@pytest.fixture
def client_id(api_project) -> int:
    return int(api_project["predictions"]["SK_ID_CURR"].iloc[0])


def as_person(name: str, role: str) -> dict[str, str]:
    return {"X-API-Key": API_KEY, ACTING_USER_HEADER: sign_acting_user(SECRET, name, role)}


def stored(tmp_path) -> tuple[int, int]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'prediction_log.db'}")
    try:
        with engine.connect() as connection:
            count = lambda table: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()  # noqa: E731
            return int(count(decision_reviews)), int(count(decision_review_approvals))
    except sa.exc.OperationalError:  # the tables were never created: nothing stored either
        return 0, 0
    finally:
        engine.dispose()


def events(tmp_path, action: str) -> list[dict[str, Any]]:
    return AuditTrail(f"sqlite:///{tmp_path / 'prediction_log.db'}").export(action=action)


def other(decision: str) -> str:
    return "granted" if decision == "refused" else "refused"


def automated(client, client_id: int) -> str:
    return client.get(
        f"{PREFIX}/clients/{client_id}/score?reasons=false", headers=as_person("m", "adviser")
    ).get_json()["decision"]


def test_close_calls_are_marked_to_review(make_app, api_project, client_id) -> None:
    for band, expected in (([0.0, 1000.0], True), ([1.0, 1.0], False)):
        client = make_app(review={"band_multiples": band}).test_client()
        score = client.get(f"{PREFIX}/clients/{client_id}/score", headers={"X-API-Key": API_KEY}).get_json()
        assert score["to_review"] is expected
        answer = client.post(
            f"{PREFIX}/predict", json=production_application(api_project), headers={"X-API-Key": API_KEY}
        )
        assert answer.get_json()["to_review"] is expected


def test_a_band_that_does_not_hold_the_threshold_is_refused(make_app) -> None:
    with pytest.raises(ValueError, match="band_multiples"):
        make_app(review={"band_multiples": [1.1, 1.5]})


def test_an_override_is_recorded_audited_and_approved_by_risk(client, client_id, tmp_path) -> None:
    before = automated(client, client_id)
    answer = client.post(
        f"{PREFIX}/reviews",
        json={"client_id": client_id, "decision": other(before), "justification": f"  {WHY}  "},
        headers=as_person("marie", "adviser"),
    )
    assert answer.status_code == 200, answer.get_json()
    review = answer.get_json()
    assert review["reviewer"] == "marie" and review["reviewer_role"] == "adviser"
    assert (review["automated_decision"], review["reviewed_decision"]) == (before, other(before))
    assert review["action"] == "override" and review["status"] == "pending_approval"
    assert review["justification"] == WHY and review["reviewed_at"].endswith("Z")
    assert review["subject"] == f"client:{client_id}" and review["client_id"] == client_id
    (event,) = events(tmp_path, "decision.override")
    assert (event["actor"], event["actor_kind"], event["client_id"]) == ("marie", "user", client_id)
    assert event["detail"]["justification"] == WHY and event["detail"]["to"] == other(before)

    queue = client.get(
        f"{PREFIX}/reviews?status=pending_approval", headers=as_person("rita", "risk")
    ).get_json()
    assert [item["review_id"] for item in queue["items"]] == [review["review_id"]] and queue["total"] == 1

    approval = client.post(
        f"{PREFIX}/reviews/{review['review_id']}/approval",
        json={"outcome": "approved", "note": "Agreed."},
        headers=as_person("rita", "risk"),
    )
    assert approval.status_code == 200, approval.get_json()
    approved = approval.get_json()
    assert (approved["status"], approved["approver"], approved["approval_note"]) == (
        "approved",
        "rita",
        "Agreed.",
    )
    (event,) = events(tmp_path, "override.approval")
    assert event["actor"] == "rita" and event["detail"]["outcome"] == "approved"

    history = client.get(
        f"{PREFIX}/clients/{client_id}/reviews", headers=as_person("marie", "adviser")
    ).get_json()
    assert [item["status"] for item in history["items"]] == ["approved"]
    assert history["decision"] == before and isinstance(history["to_review"], bool)
    assert stored(tmp_path) == (1, 1)


def test_a_confirmation_needs_no_approval(client, client_id, tmp_path) -> None:
    decision = automated(client, client_id)
    review = client.post(
        f"{PREFIX}/reviews",
        json={"client_id": client_id, "decision": decision, "justification": WHY},
        headers=as_person("marie", "adviser"),
    ).get_json()
    assert (review["action"], review["status"]) == ("confirm", "confirmed")
    assert len(events(tmp_path, "decision.review")) == 1
    refused = client.post(
        f"{PREFIX}/reviews/{review['review_id']}/approval",
        json={"outcome": "approved"},
        headers=as_person("rita", "risk"),
    )
    assert refused.status_code == 409 and stored(tmp_path) == (1, 0)


def test_a_decision_of_the_log_is_reviewed_and_leaves_the_queue(make_app, api_project, tmp_path) -> None:
    client = make_app(
        auth={"api_keys": [API_KEY], "secret_key": SECRET}, review={"band_multiples": [0.0, 1000.0]}
    ).test_client()
    scored = client.post(
        f"{PREFIX}/predict", json=production_application(api_project), headers=as_person("marie", "adviser")
    )
    request_id = scored.get_json()["request_id"]
    queue = client.get(f"{PREFIX}/reviews/to-review", headers=as_person("rita", "risk")).get_json()
    assert [item["request_id"] for item in queue["items"]] == [request_id]
    review = client.post(
        f"{PREFIX}/reviews",
        json={"request_id": request_id, "decision": scored.get_json()["decision"], "justification": WHY},
        headers=as_person("marie", "adviser"),
    ).get_json()
    assert (
        review["subject"] == request_id and review["subject_kind"] == "decision" and review["in_review_band"]
    )
    assert (
        client.get(f"{PREFIX}/reviews/to-review", headers=as_person("rita", "risk")).get_json()["total"] == 0
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "granted"}, "justification"),
        ({"decision": "granted", "justification": "   "}, "justification"),
        ({"decision": "granted", "justification": "too short"}, "justification"),
        ({"decision": "maybe", "justification": WHY}, "decision"),
    ],
)
def test_a_bad_review_is_a_422_naming_the_field_and_stores_nothing(
    client, client_id, tmp_path, body, field
) -> None:
    answer = client.post(
        f"{PREFIX}/reviews", json={"client_id": client_id, **body}, headers=as_person("marie", "adviser")
    )
    assert answer.status_code == 422
    assert field in [detail["field"] for detail in answer.get_json()["error"]["details"]]
    assert stored(tmp_path) == (0, 0) and events(tmp_path, "decision.override") == []


def test_one_subject_exactly(client, client_id, tmp_path) -> None:
    both = {"client_id": client_id, "request_id": "abc", "decision": "granted", "justification": WHY}
    assert client.post(f"{PREFIX}/reviews", json=both, headers=as_person("m", "adviser")).status_code == 422
    neither = {"decision": "granted", "justification": WHY}
    assert (
        client.post(f"{PREFIX}/reviews", json=neither, headers=as_person("m", "adviser")).status_code == 422
    )
    assert stored(tmp_path) == (0, 0)


def test_unknown_decisions_and_clients_are_404(client, tmp_path) -> None:
    person = as_person("marie", "adviser")
    unknown = client.post(
        f"{PREFIX}/reviews",
        json={"request_id": "no-such", "decision": "granted", "justification": WHY},
        headers=person,
    )
    assert unknown.status_code == 404 and unknown.get_json()["error"]["details"][0]["field"] == "request_id"
    missing = client.post(
        f"{PREFIX}/reviews",
        json={"client_id": 999_999_999, "decision": "granted", "justification": WHY},
        headers=person,
    )
    assert missing.status_code == 404
    assert client.get(f"{PREFIX}/clients/999999999/reviews", headers=person).status_code == 404
    approval = client.post(
        f"{PREFIX}/reviews/nope/approval", json={"outcome": "approved"}, headers=as_person("r", "risk")
    )
    assert approval.status_code == 404 and stored(tmp_path) == (0, 0)


def test_a_key_without_a_person_may_not_review(client, client_id, tmp_path) -> None:
    answer = client.post(
        f"{PREFIX}/reviews",
        json={"client_id": client_id, "decision": "granted", "justification": WHY},
        headers={"X-API-Key": API_KEY},
    )
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "person_required"
    assert stored(tmp_path) == (0, 0)
    # a key with the scope may read the counts
    assert client.get(f"{PREFIX}/reviews/summary", headers={"X-API-Key": API_KEY}).status_code == 200


def test_approvals_are_for_risk_once_and_never_ones_own(client, client_id, tmp_path) -> None:
    before = automated(client, client_id)
    body = {"client_id": client_id, "decision": other(before), "justification": WHY}
    review = client.post(f"{PREFIX}/reviews", json=body, headers=as_person("rita", "risk")).get_json()
    url = f"{PREFIX}/reviews/{review['review_id']}/approval"
    adviser = client.post(url, json={"outcome": "approved"}, headers=as_person("marie", "adviser"))
    assert adviser.status_code == 403 and adviser.get_json()["error"]["code"] == "insufficient_role"
    own = client.post(url, json={"outcome": "approved"}, headers=as_person("rita", "risk"))
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "own_override"
    no_note = client.post(url, json={"outcome": "rejected"}, headers=as_person("alain", "admin"))
    assert no_note.status_code == 422 and no_note.get_json()["error"]["details"][0]["field"] == "note"
    again = client.post(f"{PREFIX}/reviews", json=body, headers=as_person("marie", "adviser"))
    assert again.status_code == 409  # the pending override is decided first
    assert stored(tmp_path) == (1, 0)
    rejected = client.post(
        url, json={"outcome": "rejected", "note": WHY}, headers=as_person("alain", "admin")
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    twice = client.post(url, json={"outcome": "approved"}, headers=as_person("sam", "risk"))
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_decided"
    assert stored(tmp_path) == (1, 1)
    assert len(events(tmp_path, "override.approval")) == 1


def test_the_summary_counts_overrides_per_adviser_and_band(client, client_id, api_project) -> None:
    before = automated(client, client_id)
    second = int(api_project["predictions"]["SK_ID_CURR"].iloc[1])
    for subject, decision, who in (
        (client_id, other(before), "marie"),
        (second, automated(client, second), "paul"),
    ):
        answer = client.post(
            f"{PREFIX}/reviews",
            json={"client_id": subject, "decision": decision, "justification": WHY},
            headers=as_person(who, "adviser"),
        )
        assert answer.status_code == 200
    adviser = client.get(f"{PREFIX}/reviews/summary", headers=as_person("marie", "adviser"))
    assert adviser.status_code == 403
    summary = client.get(f"{PREFIX}/reviews/summary", headers=as_person("rita", "risk")).get_json()
    assert (summary["reviews"], summary["overrides"], summary["override_rate"]) == (2, 1, 0.5)
    rates = {row["reviewer"]: row["override_rate"] for row in summary["by_reviewer"]}
    assert rates == {"marie": 1.0, "paul": 0.0}
    assert sum(row["reviews"] for row in summary["by_band"]) == 2
    assert summary["by_status"]["pending_approval"] == 1


def test_the_review_routes_are_documented(client) -> None:
    paths = client.get(f"{PREFIX}/openapi.json").get_json()["paths"]
    assert paths[f"{PREFIX}/reviews"]["post"]["x-scope"] == "review"
    assert (
        f"{PREFIX}/reviews/{{review_id}}/approval" in paths
        and f"{PREFIX}/clients/{{client_id}}/reviews" in paths
    )
