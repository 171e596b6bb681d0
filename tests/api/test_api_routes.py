"""Every route and every status code of the API, through Flask's test client."""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import pytest
from flask import Flask
from mlflow.tracking import MlflowClient

from credit_scoring.api import create_app, register_api
from credit_scoring.api.observability import JsonFormatter, RequestIdFilter
from credit_scoring.features.families import ReasonPolicy
from credit_scoring.serving.description import IMPORTANCE_ARTIFACT
from credit_scoring.serving.loading import load_served_model
from tests.api.project import API_KEY, MODEL_NAME, api_config

PREFIX = "/api/v1"


def production_application(api_project: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """A production client's application fields as JSON would carry them (nulls dropped, ints as ints)."""
    frame = api_project["raw_tables"]["application_test"]
    row = json.loads(frame.iloc[[index]].to_json(orient="records"))[0]
    return {key: value for key, value in row.items() if value is not None}


def error_of(response) -> dict[str, Any]:
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]


# --- service routes --------------------------------------------------------------------------------------


def test_health_needs_no_key(client) -> None:
    response = client.get(f"{PREFIX}/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["X-Request-ID"]


def test_ready_names_the_model(client, headers, served_model) -> None:
    body = client.get(f"{PREFIX}/ready", headers=headers).get_json()
    assert body["ready"] is True
    assert body["model"] == {"name": "credit-scoring", "version": served_model.version, "alias": "champion"}


def test_not_ready_without_a_model_answers_503_with_the_reason(api_project, tmp_path, headers) -> None:
    config = api_config(
        api_project, tmp_path / "log.db", model={"tracking_uri": f"sqlite:///{tmp_path}/empty.db"}
    )
    app = create_app(config, json_logs=False)
    client = app.test_client()
    response = client.get(f"{PREFIX}/ready", headers=headers)
    error = error_of(response)
    assert response.status_code == 503 and error["code"] == "not_ready"
    assert "no model registered as credit-scoring@champion" in error["message"]
    assert client.get(f"{PREFIX}/health").status_code == 200
    predict = client.post(f"{PREFIX}/predict", json={"AMT_CREDIT": 1000.0}, headers=headers)
    assert predict.status_code == 503 and "model is not available" in error_of(predict)["message"]
    assert client.get(f"{PREFIX}/clients", headers=headers).status_code == 503


def test_model_info(client, headers, served_model) -> None:
    body = client.get(f"{PREFIX}/model", headers=headers).get_json()
    assert body["version"] == served_model.version and body["threshold"] == pytest.approx(0.3)
    assert body["features"] == served_model.model.features
    assert body["metrics"]["holdout_auc"] == 0.7
    assert body["cost_curve"][1] == {
        "threshold": 0.3,
        "tn": 60,
        "fp": 30,
        "fn": 1,
        "tp": 9,
        "cost": 40.0,
        "cost_per_client": 0.4,
        "sample": "holdout",
    }
    assert body["metrics"]["cv_auc"] is None  # not recorded by this version's run
    assert body["training_date"].endswith("Z") and body["global_importance"] is None


def test_model_info_describes_the_served_version_not_the_latest_reports(
    client, headers, api_project, served_model
) -> None:
    """Another run's reports in data/08_reporting (a refused challenger's) never reach /model."""
    reporting = api_project["root"] / "data" / "08_reporting"
    (reporting / "model_metrics.json").write_text('{"holdout_auc": 0.99}')
    try:
        body = client.get(f"{PREFIX}/model", headers=headers).get_json()
    finally:
        (reporting / "model_metrics.json").unlink()
    assert body["metrics"]["holdout_auc"] == 0.7
    assert "importance" in body["not_recorded"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_wording_names_every_feature_as_the_reasons_and_the_population_do(
    client, headers, api_project, lang
) -> None:
    """One name per feature and per reason family: the reasons, the population's features and GET /wording say
    the same words."""
    wording = client.get(f"{PREFIX}/wording?lang={lang}", headers=headers).get_json()
    assert set(wording["features"]) >= set(
        client.get(f"{PREFIX}/model", headers=headers).get_json()["features"]
    )
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    score = client.get(f"{PREFIX}/clients/{client_id}/score?lang={lang}&top_k=6", headers=headers).get_json()
    for reason in [*score["reasons"], *score["refusal_reasons"]]:
        assert wording["families"][reason["family"]] == reason["label"]
        for value in reason["values"]:
            assert wording["features"][value["feature"]] == value["label"]
    for feature in ("AGE_YEARS", "EMPLOYMENT_YEARS", "AMT_CREDIT"):
        query = f"feature={feature}&group=all&lang={lang}"
        distribution = client.get(f"{PREFIX}/population/distribution?{query}", headers=headers).get_json()
        assert distribution["label"] == wording["features"][feature]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_global_importance_is_labelled_as_the_reasons_in_the_language(  # noqa: PLR0917 - fixtures
    client, headers, api_project, row_builder, tmp_path, lang
) -> None:
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    score = client.get(f"{PREFIX}/clients/{client_id}/score?lang={lang}&top_k=4", headers=headers).get_json()
    reason_labels = {
        value["feature"]: value["label"] for reason in score["reasons"] for value in reason["values"]
    }
    features = [*reason_labels, "EXT_SOURCE_2"]
    version = score["model"]["version"]
    table = pd.DataFrame(  # as the explainability pipeline logs it for a version: English labels only
        {
            "feature": features,
            "label_en": [f"english {feature}" for feature in features],
            "mean_abs_shap": [0.5 - 0.1 * i for i in range(len(features))],
            "model_version": version,
        }
    )
    mlflow_client = MlflowClient(api_project["tracking_uri"])
    run_id = mlflow_client.get_model_version(MODEL_NAME, version).run_id
    mlflow_client.log_text(run_id, table.to_csv(index=False), IMPORTANCE_ARTIFACT)
    try:
        served = load_served_model(api_project["tracking_uri"], MODEL_NAME, "champion")
        app = create_app(
            api_config(api_project, tmp_path / "log.db"), served=served, rows=row_builder, json_logs=False
        )
        body = app.test_client().get(f"{PREFIX}/model?lang={lang}", headers=headers).get_json()
    finally:
        artifacts = Path(urlparse(mlflow_client.get_run(run_id).info.artifact_uri).path)
        (artifacts / IMPORTANCE_ARTIFACT).unlink()
    labels = {item["feature"]: item["label"] for item in body["global_importance"]}
    assert [item["feature"] for item in body["global_importance"]] == features
    assert {feature: labels[feature] for feature in reason_labels} == reason_labels
    expected = {"en": "External credit score 2", "fr": "Score de crédit externe 2"}[lang]
    assert labels["EXT_SOURCE_2"] == expected
    assert body["global_importance"][0]["importance"] == pytest.approx(0.5)


# --- authentication --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"), [(None, "missing X-API-Key header"), ("wrong-key-123", "invalid API key")]
)
def test_every_route_but_health_needs_a_valid_key(client, key, message) -> None:
    headers = {"X-API-Key": key} if key else {}
    for method, path in [("GET", "/ready"), ("GET", "/model"), ("POST", "/predict"), ("GET", "/clients/1")]:
        response = client.open(f"{PREFIX}{path}", method=method, headers=headers, json={})
        assert response.status_code == 401, path
        assert error_of(response)["message"] == message


def test_keys_never_reach_the_logs(client, headers, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        client.get(f"{PREFIX}/model", headers=headers)
        client.get(f"{PREFIX}/model", headers={"X-API-Key": "a-wrong-key-456"})
    logged = "\n".join(f"{record.getMessage()} {vars(record)}" for record in caplog.records)
    assert "GET /api/v1/model 200" in logged and "GET /api/v1/model 401" in logged
    assert API_KEY not in logged and "a-wrong-key-456" not in logged


def test_access_log_is_json_with_the_request_id(client, headers) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("credit_scoring.api.access")
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)  # create_app(json_logs=True) sets INFO; the tests' apps leave logging alone
    try:
        response = client.get(f"{PREFIX}/model", headers=headers)
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert (
        entry["request_id"] == response.headers["X-Request-ID"]
        and entry["logger"] == "credit_scoring.api.access"
    )
    assert entry["status"] == 200 and entry["path"] == "/api/v1/model" and entry["time"].endswith("Z")


# --- predict ---------------------------------------------------------------------------------------------


def test_predict_answers_the_decision_with_reasons(client, headers, api_project, app) -> None:
    application = production_application(api_project)
    response = client.post(f"{PREFIX}/predict?top_k=3&lang=fr", json=application, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["client_id"] == application["SK_ID_CURR"] and body["known_client"] is True
    assert body["decision"] == ("refused" if body["probability"] >= body["threshold"] else "granted")
    assert body["risk_band"] in {"low", "moderate", "high", "very_high"}
    assert len(body["reasons"]) == 3 and body["language"] == "fr"
    assert len({reason["family"] for reason in body["reasons"]}) == 3  # three different things to say
    assert set(body["reasons"][0]) == {
        "family", "label", "contribution", "direction", "values", "display_value", "sentence",
        "refusal_reason_allowed", "feature", "value",
    }  # fmt: skip
    value_keys = {"feature", "label", "value", "display_value", "contribution"}
    assert set(body["reasons"][0]["values"][0]) == value_keys
    told = body["refusal_reasons"]
    assert told == [] if body["decision"] == "granted" else 1 <= len(told) <= 3
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["timestamp"].endswith("Z") and body["latency_ms"] > 0
    [record] = app.extensions["credit_scoring_api"].decision_log.records()
    assert record["request_id"] == body["request_id"] and record["endpoint"] == "/api/v1/predict"
    assert json.loads(record["input_json"]) == application
    assert record["probability"] == body["probability"] and record["decision"] == body["decision"]
    assert (
        record["client_id"] == application["SK_ID_CURR"]
        and record["model_version"] == body["model"]["version"]
    )


def test_predict_without_reasons_and_for_a_new_applicant(client, headers, api_project) -> None:
    application = production_application(api_project, 1)
    del application["SK_ID_CURR"]
    body = client.post(f"{PREFIX}/predict?reasons=false", json=application, headers=headers).get_json()
    assert body["reasons"] is None and body["client_id"] is None and body["known_client"] is False


def test_batch_logs_one_record_per_application(client, headers, api_project, app) -> None:
    applications = [production_application(api_project, i) for i in range(3)]
    response = client.post(
        f"{PREFIX}/predict/batch?reasons=false", json={"applications": applications}, headers=headers
    )
    body = response.get_json()
    assert response.status_code == 200 and body["count"] == 3
    ids = [prediction["request_id"] for prediction in body["predictions"]]
    assert ids == [f"{body['request_id']}-{i}" for i in range(3)]
    records = app.extensions["credit_scoring_api"].decision_log.records()
    assert sorted(record["request_id"] for record in records) == sorted(ids)


def test_decisions_are_recorded_at_the_time_of_the_apps_clock(
    api_project, served_model, row_builder, headers, tmp_path: Path
) -> None:
    """The traffic simulation's seam: only the process that builds the app sets the clock, never a request."""
    moment = datetime(2027, 3, 15, 12, 30, tzinfo=UTC)
    config = api_config(api_project, tmp_path / "log.db")
    app = create_app(config, served=served_model, rows=row_builder, json_logs=False, clock=lambda: moment)
    client = app.test_client()
    one = client.post(f"{PREFIX}/predict", json=production_application(api_project, 0), headers=headers)
    batch = client.post(
        f"{PREFIX}/predict/batch?reasons=false",
        json={"applications": [production_application(api_project, 1)]},
        headers={**headers, "Date": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )
    assert one.status_code == batch.status_code == 200
    assert one.get_json()["timestamp"] == "2027-03-15T12:30:00.000Z"
    records = app.extensions["credit_scoring_api"].decision_log.records()
    assert {record["created_at"] for record in records} == {"2027-03-15T12:30:00.000Z"}


# --- input errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "problem"),
    [
        ({"AMT_CREDIT": 1000.0, "NOT_A_FIELD": 1}, "NOT_A_FIELD", "unknown field"),
        ({"AMT_CREDIT": "a lot"}, "AMT_CREDIT", "Input should be a valid number"),
        ({"AMT_CREDIT": -1.0}, "AMT_CREDIT", "greater than or equal to 0"),
        ({"CNT_CHILDREN": 1.5}, "CNT_CHILDREN", "valid integer"),
        ({"CODE_GENDER": "Q"}, "CODE_GENDER", "Input should be 'F', 'M' or 'XNA'"),
        ({"DAYS_EMPLOYED": 10}, "DAYS_EMPLOYED", "or be 365243 (no date)"),
        ({"FLAG_MOBIL": True}, "FLAG_MOBIL", "valid integer"),
        ([1, 2], None, "Input should be an object"),
    ],
)
def test_invalid_fields_are_named(client, headers, payload, field, problem) -> None:
    response = client.post(f"{PREFIX}/predict", json=payload, headers=headers)
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "validation_error"
    assert any(d["field"] == field and problem in d["problem"] for d in error["details"]), error


def test_unknown_fields_can_be_ignored_by_configuration(make_app, headers) -> None:
    client = make_app(requests={"unknown_fields": "ignore"}).test_client()
    response = client.post(f"{PREFIX}/predict", json={"AMT_CREDIT": 1000.0, "EXTRA": "x"}, headers=headers)
    assert response.status_code == 200


def test_query_parameters_are_validated(client, headers) -> None:
    response = client.post(f"{PREFIX}/predict?top_k=0&colour=red", json={}, headers=headers)
    fields = {detail["field"] for detail in error_of(response)["details"]}
    assert response.status_code == 422 and fields == {"top_k", "colour"}


def test_malformed_json_is_400(client, headers) -> None:
    response = client.post(
        f"{PREFIX}/predict", data='{"AMT_CREDIT": ', content_type="application/json", headers=headers
    )
    assert response.status_code == 400 and "not valid JSON" in error_of(response)["message"]
    empty = client.post(f"{PREFIX}/predict", data="", content_type="application/json", headers=headers)
    assert empty.status_code == 400 and "empty" in error_of(empty)["message"]


def test_body_must_be_json_415(client, headers) -> None:
    response = client.post(
        f"{PREFIX}/predict", data="AMT_CREDIT=1", content_type="text/plain", headers=headers
    )
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"


def test_request_size_is_limited_413(make_app, headers) -> None:
    client = make_app(requests={"max_body_bytes": 2048}).test_client()
    big = json.dumps({"applications": [{"AMT_CREDIT": 1000.0}] * 200})
    response = client.post(
        f"{PREFIX}/predict/batch", data=big, content_type="application/json", headers=headers
    )
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"


def test_batch_size_is_limited(make_app, headers) -> None:
    client = make_app(requests={"max_batch_size": 2}).test_client()
    response = client.post(f"{PREFIX}/predict/batch", json={"applications": [{}] * 3}, headers=headers)
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == "applications"


def test_wrong_method_and_unknown_route(client, headers) -> None:
    wrong = client.get(f"{PREFIX}/predict", headers=headers)
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    missing = client.get(f"{PREFIX}/no-such-route", headers=headers)
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


def test_an_unexpected_error_is_a_json_500_without_trace(app, headers, monkeypatch) -> None:
    services = app.extensions["credit_scoring_api"]

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services.scorer, "score", broken)
    app.testing = False
    response = app.test_client().post(f"{PREFIX}/predict", json={}, headers=headers)
    error = error_of(response)
    assert response.status_code == 500 and "secret internal detail" not in json.dumps(error)
    assert response.headers["X-Request-ID"] in error["message"]


# --- clients ---------------------------------------------------------------------------------------------


def test_client_search_filters_sorts_and_pages(client, headers, api_project) -> None:
    body = client.get(f"{PREFIX}/clients?sort=probability&order=desc&page_size=5", headers=headers).get_json()
    production = api_project["scoring_input_table"]
    assert body["total"] == len(production) and body["pages"] == -(-len(production) // 5)
    probabilities = [item["probability"] for item in body["items"]]
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == 5
    refused = client.get(f"{PREFIX}/clients?decision=refused&page_size=200", headers=headers).get_json()
    expected = api_project["predictions"].query("decision == 'refused'")["SK_ID_CURR"]
    assert sorted(item["client_id"] for item in refused["items"]) == sorted(expected)
    women = client.get(f"{PREFIX}/clients?gender=F&age_min=30&page_size=200", headers=headers).get_json()
    assert all(item["gender"] == "F" and item["age_years"] >= 30 for item in women["items"])
    bad = client.get(f"{PREFIX}/clients?sort=colour", headers=headers)
    assert bad.status_code == 422 and error_of(bad)["details"][0]["field"] == "sort"


def test_client_description_is_readable(client, headers, api_project) -> None:
    application = production_application(api_project, 1)
    body = client.get(f"{PREFIX}/clients/{application['SK_ID_CURR']}", headers=headers).get_json()
    assert body["age_years"] == pytest.approx(-application["DAYS_BIRTH"] / 365.25)
    assert body["credit_amount"] == application["AMT_CREDIT"]
    assert {k: v for k, v in body["application"].items() if v is not None} == application


def test_a_refusal_gives_the_families_the_lenders_policy_allows(make_app, headers, api_project) -> None:
    """The full explanation keeps every family; a refusal names only those the policy lists (here: the one
    that leads the refused clients' reasons is withheld), and a granted client gets no refusal reasons."""
    predictions = api_project["predictions"]
    refused = predictions.loc[predictions["decision"] == "refused", "SK_ID_CURR"].head(8).astype(int)
    granted = int(predictions.loc[predictions["decision"] == "granted", "SK_ID_CURR"].iloc[0])
    assert len(refused), "the tiny project has refused clients"
    client = make_app().test_client()

    def score(app_client, client_id: int) -> dict:
        return app_client.get(f"{PREFIX}/clients/{client_id}/score?top_k=8", headers=headers).get_json()

    scores = [score(client, client_id) for client_id in refused]
    leading = Counter(body["refusal_reasons"][0]["family"] for body in scores).most_common(1)[0][0]
    allowed = [code for code in ReasonPolicy().refusal_reason_families if code != leading]
    restricted = make_app(reasons={"refusal_reason_families": allowed, "refusal_reasons": 2}).test_client()
    for client_id, before in zip(refused, scores, strict=True):
        after = score(restricted, client_id)
        assert [r["family"] for r in after["reasons"]] == [r["family"] for r in before["reasons"]]
        told = [r["family"] for r in after["refusal_reasons"]]
        assert leading not in told and len(told) == len(set(told)) <= 2
        assert all(r["direction"] == "raises" for r in after["refusal_reasons"])
        assert all(r["refusal_reason_allowed"] for r in after["refusal_reasons"])
    assert score(restricted, granted)["refusal_reasons"] == []
    assert score(restricted, granted)["reasons"]
    without = restricted.get(f"{PREFIX}/clients/{granted}/score?reasons=false", headers=headers).get_json()
    assert without["reasons"] is None and without["refusal_reasons"] is None


def test_unknown_client_is_404(client, headers) -> None:
    for path in ("/clients/999", "/clients/999/score", "/clients/999/similar"):
        response = client.get(f"{PREFIX}{path}", headers=headers)
        assert response.status_code == 404 and error_of(response)["details"][0]["field"] == "client_id"


def test_client_score_is_the_batch_prediction(client, headers, api_project) -> None:
    batch = api_project["predictions"].iloc[2]
    body = client.get(
        f"{PREFIX}/clients/{int(batch['SK_ID_CURR'])}/score?top_k=2", headers=headers
    ).get_json()
    assert body["source"] == "batch" and body["probability"] == pytest.approx(batch["probability"], abs=0)
    assert body["decision"] == batch["decision"] and len(body["reasons"]) == 2


def test_similar_clients_come_with_their_default_rate(client, headers, api_project) -> None:
    client_id = int(api_project["scoring_input_table"]["SK_ID_CURR"].iloc[0])
    body = client.get(f"{PREFIX}/clients/{client_id}/similar?k=7", headers=headers).get_json()
    assert len(body["neighbours"]) == 7 and body["n_with_outcome"] == 7
    distances = [n["distance"] for n in body["neighbours"]]
    assert distances == sorted(distances)
    defaulted = [n["defaulted"] for n in body["neighbours"]]
    assert body["observed_default_rate"] == pytest.approx(sum(defaulted) / 7)
    train = api_project["raw_tables"]["application_train"].set_index("SK_ID_CURR")
    assert all(train.loc[n["client_id"], "TARGET"] == n["defaulted"] for n in body["neighbours"])


# --- population ------------------------------------------------------------------------------------------


def test_distribution_of_a_feature(client, headers, api_project) -> None:
    table = api_project["scoring_input_table"]
    client_id = int(table["SK_ID_CURR"].iloc[1])
    body = client.get(
        f"{PREFIX}/population/distribution?feature=AMT_CREDIT&client_id={client_id}", headers=headers
    ).get_json()
    assert body["n"] == len(table) and body["kind"] == "numeric" and not body["sampled"]
    assert body["summary"]["median"] == pytest.approx(table["AMT_CREDIT"].median())
    assert body["client_value"] == table["AMT_CREDIT"].iloc[1]
    assert body["client_percentile"] == (table["AMT_CREDIT"].dropna() <= table["AMT_CREDIT"].iloc[1]).mean()
    similar = client.get(
        f"{PREFIX}/population/distribution?feature=probability&group=similar&k=4&client_id={client_id}",
        headers=headers,
    ).get_json()
    assert similar["n"] == 4
    category = client.get(
        f"{PREFIX}/population/distribution?feature=CODE_GENDER&group=filtered&gender=F", headers=headers
    )
    assert category.get_json()["counts"] == {"F": int((table["CODE_GENDER"] == "F").sum())}
    unknown = client.get(f"{PREFIX}/population/distribution?feature=NOPE", headers=headers)
    assert unknown.status_code == 422 and error_of(unknown)["details"][0]["field"] == "feature"


def test_scatter_is_bounded(client, headers) -> None:
    body = client.get(
        f"{PREFIX}/population/scatter?x=AMT_CREDIT&y=probability&max_points=10", headers=headers
    ).get_json()
    assert len(body["points"]) == 10 and body["sampled"] is True and body["n"] > 10
    assert all(point["y"] == point["probability"] for point in body["points"])


# --- documentation ---------------------------------------------------------------------------------------


def test_openapi_document_comes_from_the_models(client) -> None:
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    predict = document["paths"]["/api/v1/predict"]["post"]
    schema_ref = predict["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    application = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert application["additionalProperties"] is False and "AMT_CREDIT" in application["properties"]
    assert {"200", "400", "401", "413", "415", "422"} <= set(predict["responses"])
    assert document["paths"]["/api/v1/health"]["get"]["security"] == []
    assert "/api/v1/clients/{client_id}/similar" in document["paths"]
    model = document["paths"]["/api/v1/model"]["get"]
    assert [parameter["name"] for parameter in model["parameters"]] == ["lang"]


def test_documentation_page_is_served_locally(client) -> None:
    page = client.get(f"{PREFIX}/docs")
    assert page.status_code == 200 and b"/api/v1/docs/assets/swagger-ui-bundle.js" in page.data
    assert b"http" not in page.data.replace(b"http-equiv", b"")  # no CDN
    asset = client.get(f"{PREFIX}/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_docs_need_a_key_when_configured_private(make_app) -> None:
    client = make_app(auth={"api_keys": [API_KEY], "public_docs": False}).test_client()
    assert client.get(f"{PREFIX}/openapi.json").status_code == 401
    assert client.get(f"{PREFIX}/openapi.json", headers={"X-API-Key": API_KEY}).status_code == 200


def test_register_api_mounts_on_any_flask_app(
    api_project, served_model, row_builder, tmp_path, headers
) -> None:
    host = Flask("host")

    @host.route("/")
    def home() -> str:
        return "<p>dashboard</p>"

    register_api(host, api_config(api_project, tmp_path / "log.db"), served=served_model, rows=row_builder)
    client = host.test_client()
    assert client.get("/").data == b"<p>dashboard</p>"
    assert client.get("/elsewhere").mimetype == "text/html"  # the host keeps its own error pages
    assert client.get(f"{PREFIX}/model", headers=headers).status_code == 200
    assert client.get(f"{PREFIX}/missing", headers=headers).is_json
