"""POST /api/v1/counterfactual: what would change a refusal. The issue's "done when": each alternative, sent
as-is to POST /predict, is granted (and the original refused); a granted application is a 422; the body is
validated as POST /predict's; nothing reaches the decision log; the audit trail records the search.

The tiny project's champion barely looks at the amounts: most tests serve the burden model of
`tests.api.burden` (same project, same history store), which a smaller credit or a longer term flips."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from credit_scoring.access.audit import AuditTrail
from credit_scoring.access.keys import KeyStore
from credit_scoring.api import create_app
from credit_scoring.api.config import API_KEYS_ENV, load_settings
from credit_scoring.raw.loans import format_money
from tests.api.burden import production_application
from tests.api.project import api_config

PREFIX = "/api/v1"
LEVERS = {"credit", "term", "credit_term", "goods", "co_borrower"}
AMOUNTS = {"AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"}


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


@pytest.fixture
def burden_app(make_burden_app) -> Flask:
    return make_burden_app()


def error_of(response) -> dict[str, Any]:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.get_json()["error"]


def counterfactual(client, application: dict[str, Any], headers: dict[str, str], lang: str = "en"):
    return client.post(f"{PREFIX}/counterfactual?lang={lang}", json=application, headers=headers)


def test_each_alternative_sent_to_predict_is_granted(burden_app, refused, headers) -> None:
    """The issue's "done when": the original refused, every alternative granted by POST /predict as is."""
    client = burden_app.test_client()
    original = client.post(f"{PREFIX}/predict?reasons=false", json=refused, headers=headers).get_json()
    assert original["decision"] == "refused"
    response = counterfactual(client, refused, headers)
    body = response.get_json()
    assert response.status_code == 200, body
    assert set(body) == {
        "request_id", "probability", "threshold", "decision", "alternatives", "none_reason", "language",
        "model", "timestamp", "latency_ms",
    }  # fmt: skip
    assert body["decision"] == "refused" and body["none_reason"] is None and body["language"] == "en"
    assert body["probability"] == pytest.approx(original["probability"])
    assert body["model"] == original["model"] and body["timestamp"].endswith("Z")
    alternatives = body["alternatives"]
    assert 1 <= len(alternatives) <= load_settings({}).counterfactual.max_alternatives
    assert len({a["lever"] for a in alternatives}) == len(alternatives)
    for alternative in alternatives:
        assert alternative["lever"] in LEVERS and alternative["decision"] == "granted"
        assert alternative["probability"] < body["threshold"]
        assert set(alternative["application"]) == set(refused)  # every field the request had
        changed = {f for f in refused if alternative["application"][f] != refused[f]}
        assert changed == {change["field"] for change in alternative["changes"]} and changed <= AMOUNTS
        for change in alternative["changes"]:
            assert change["before"] == refused[change["field"]]
            assert change["after"] == alternative["application"][change["field"]]
        assert alternative["sentence"].endswith("would be granted.")
        credit = alternative["application"]["AMT_CREDIT"]
        assert format_money(credit, "en") in alternative["sentence"]
        granted = client.post(f"{PREFIX}/predict", json=alternative["application"], headers=headers)
        assert granted.status_code == 200
        assert granted.get_json()["decision"] == "granted", alternative["lever"]
        assert granted.get_json()["probability"] == pytest.approx(alternative["probability"])


def test_the_answer_speaks_french(burden_app, refused, headers) -> None:
    client = burden_app.test_client()
    english = counterfactual(client, refused, headers).get_json()
    french = counterfactual(client, refused, headers, lang="fr").get_json()
    assert french["language"] == "fr"
    assert [a["lever"] for a in french["alternatives"]] == [a["lever"] for a in english["alternatives"]]
    labels = {c["field"]: c["label"] for a in french["alternatives"] for c in a["changes"]}
    assert labels.get("AMT_CREDIT", "Montant du crédit") == "Montant du crédit"
    for alternative in french["alternatives"]:
        assert alternative["sentence"].endswith("serait accordé.")
        credit = format_money(alternative["application"]["AMT_CREDIT"], "fr")
        assert credit in alternative["sentence"] and "\u202f" in credit and credit.endswith("\u00a0€")


def test_the_term_lever_names_the_number_of_annuities(burden_app, refused, headers) -> None:
    body = counterfactual(burden_app.test_client(), refused, headers).get_json()
    for alternative in body["alternatives"]:
        if alternative["lever"] in {"term", "credit_term"}:
            application = alternative["application"]
            term = application["AMT_CREDIT"] / application["AMT_ANNUITY"]
            assert alternative["term"] == pytest.approx(term, rel=1e-3)
            assert f"over {alternative['term']:.0f} annuities" in alternative["sentence"]
        elif alternative["lever"] == "credit":
            assert alternative["term"] == pytest.approx(refused["AMT_CREDIT"] / refused["AMT_ANNUITY"])


def test_a_granted_application_is_a_422(burden_app, refused, headers) -> None:
    smaller = {**refused, "AMT_CREDIT": refused["AMT_CREDIT"] / 5, "AMT_ANNUITY": refused["AMT_ANNUITY"] / 5}
    client = burden_app.test_client()
    assert client.post(f"{PREFIX}/predict", json=smaller, headers=headers).get_json()["decision"] == "granted"
    response = counterfactual(client, smaller, headers)
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "already_granted"
    assert "granted" in error["message"] and "nothing to change" in error["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"AMT_CREDITT": 1000.0}, "AMT_CREDITT"),
        ({"AMT_CREDIT": -5.0}, "AMT_CREDIT"),
        ({"NAME_CONTRACT_TYPE": "Mortgage"}, "NAME_CONTRACT_TYPE"),
        ({"CNT_CHILDREN": "two"}, "CNT_CHILDREN"),
    ],
)
def test_bad_fields_are_422s_naming_the_field_as_predict(client, refused, headers, change, field) -> None:
    application = {**refused, **change}
    response = counterfactual(client, application, headers)
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "validation_error"
    assert field in {detail["field"] for detail in error["details"]}
    predicted = client.post(f"{PREFIX}/predict", json=application, headers=headers)
    assert predicted.status_code == 422 and error_of(predicted)["details"] == error["details"]


def test_a_bad_language_and_a_bad_body_are_refused(client, refused, headers) -> None:
    response = counterfactual(client, refused, headers, lang="de")
    assert response.status_code == 422 and error_of(response)["details"][0]["field"] == "lang"
    assert (
        client.post(
            f"{PREFIX}/counterfactual", data="{", headers={**headers, "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert client.post(f"{PREFIX}/counterfactual", data="x", headers=headers).status_code == 415


def test_the_champion_answers_alternatives_that_flip_or_says_why_none(client, api_project, headers) -> None:
    """Over the tiny champion's refused production clients (known clients: their history is used): either
    alternatives /predict grants, or a reason in words."""
    reasons = set()
    for index in range(len(api_project["raw_tables"]["application_test"])):
        application = production_application(api_project, index)
        scored = client.post(
            f"{PREFIX}/predict?reasons=false&simulation=true", json=application, headers=headers
        )
        if scored.get_json()["decision"] != "refused":
            continue
        body = counterfactual(client, application, headers, lang="fr").get_json()
        assert (body["none_reason"] is None) == bool(body["alternatives"])
        if body["none_reason"]:
            reasons.add(body["none_reason"]["code"])
            assert body["none_reason"]["message"].startswith(("Aucune", "La demande"))
        for alternative in body["alternatives"]:
            again = client.post(
                f"{PREFIX}/predict?simulation=true", json=alternative["application"], headers=headers
            )
            assert again.get_json()["decision"] == "granted"
        if len(reasons) == 2:
            break
    assert reasons, "the tiny champion refuses some client"


def test_not_a_decision_nothing_in_the_decision_log_and_audited(burden_app, refused, tmp_path) -> None:
    key = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}").create("adviser-desk", "score")
    client = burden_app.test_client()
    body = counterfactual(client, refused, {"X-API-Key": key}).get_json()
    assert body["alternatives"]
    assert burden_app.extensions["credit_scoring_api"].decision_log.records() == []
    events = AuditTrail(f"sqlite:///{tmp_path / 'prediction_log.db'}").export(user="adviser-desk")
    assert [event["action"] for event in events] == ["client.counterfactual"]
    assert events[0]["request_id"] == body["request_id"] and events[0]["client_id"] is None
    assert events[0]["detail"]["alternatives"] == len(body["alternatives"])
    assert "AMT_CREDIT" not in str(events[0]["detail"])  # never the application


def test_a_key_without_the_score_scope_gets_403(burden_app, refused, tmp_path) -> None:
    key = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}").create("crm-reader", "clients,model")
    response = counterfactual(burden_app.test_client(), refused, {"X-API-Key": key})
    assert response.status_code == 403 and error_of(response)["code"] == "insufficient_scope"
    assert counterfactual(burden_app.test_client(), refused, {}).status_code == 401


def test_the_policy_comes_from_the_counterfactual_block(make_burden_app, refused, headers) -> None:
    """One alternative at most, and the co-borrower's income when the lender allows it."""
    one = make_burden_app(counterfactual={"max_alternatives": 1}).test_client()
    assert len(counterfactual(one, refused, headers).get_json()["alternatives"]) == 1
    every = make_burden_app(counterfactual={"co_borrower_income": True, "max_alternatives": 5})
    client = every.test_client()
    body = counterfactual(client, refused, headers).get_json()
    levers = [a["lever"] for a in body["alternatives"]]
    assert "co_borrower" in levers
    co = body["alternatives"][levers.index("co_borrower")]
    assert [c["field"] for c in co["changes"]] == ["AMT_INCOME_TOTAL"]
    assert "co-borrower earning" in co["sentence"]
    assert (
        client.post(f"{PREFIX}/predict", json=co["application"], headers=headers).get_json()["decision"]
        == "granted"
    )


def test_the_counterfactual_block_is_validated_at_start(api_project, tmp_path) -> None:
    assert load_settings({}).counterfactual.co_borrower_income is False  # conf/base/app.yml: off by default
    for bad in ({"min_amount_share": 1.5}, {"terms": []}, {"surprise": 1}):
        with pytest.raises(ValueError, match="counterfactual"):
            create_app(api_config(api_project, tmp_path / "log.db", counterfactual=bad), json_logs=False)
