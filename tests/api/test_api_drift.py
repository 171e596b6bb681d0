"""GET /drift serves the drift pipeline's own summary through a documented schema: the schema and the keys
the pipeline writes cannot drift apart unnoticed."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from credit_scoring import records
from credit_scoring.api import schemas
from credit_scoring.pipelines.drift import nodes
from credit_scoring.pipelines.drift.datasets import PredictionLogDataset
from credit_scoring.serving.reasons import ReasonWriter
from tests.api.drift_run import DRIFT_COLUMNS, drift_params, run_drift_nodes, staged_applications
from tests.api.test_api_routes import PREFIX, error_of, production_application


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The response model inside ``annotation`` (``X``, ``X | None``, ``list[X]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _nested_model(argument)
        if found is not None:
            return found
    return None


def schema_differences(model: type[BaseModel], value: dict[str, Any], path: str = "") -> set[str]:
    """Dotted paths where ``value`` and ``model`` disagree: keys the schema lacks, required fields the value
    lacks, through nested models and lists of models."""
    differences = {f"{path}{key} (not in the schema)" for key in value.keys() - model.model_fields.keys()}
    for name, field in model.model_fields.items():
        if name not in value:
            if field.is_required():
                differences.add(f"{path}{name} (not written)")
            continue
        nested = _nested_model(field.annotation)
        items = value[name] if isinstance(value[name], list) else [value[name]]
        for item in items if nested is not None else []:
            differences |= schema_differences(nested, item, f"{path}{name}.")
    return differences


@pytest.fixture(scope="module")
def pipeline_summary(api_project: dict[str, Any]) -> dict[str, Any]:
    return run_drift_nodes(api_project)["summary"]


@pytest.fixture
def summary_file(api_project: dict[str, Any]):
    """Writes ``data/08_reporting/drift_summary.json`` as the drift pipeline's catalog does; removed after."""
    path = Path(api_project["root"]) / "data" / "08_reporting" / "drift_summary.json"

    def write(content: Any) -> Path:
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
        return path

    yield write
    path.unlink(missing_ok=True)


def test_the_schema_has_exactly_the_keys_the_pipeline_writes(pipeline_summary: dict[str, Any]) -> None:
    written_by_pipeline = {f"columns.{name} (not written)" for name in schemas.API_DRIFT_COLUMN_FIELDS}
    assert schema_differences(schemas.DriftSummary, pipeline_summary) == written_by_pipeline
    assert {column["column"] for column in pipeline_summary["columns"]} >= set(DRIFT_COLUMNS)


def test_the_prediction_log_description_has_the_schema_keys(api_project, client, headers, app) -> None:
    for index in range(3):  # the API's own decision log is the drift pipeline's current data
        response = client.post(
            f"{PREFIX}/predict", json=production_application(api_project, index), headers=headers
        )
        assert response.status_code == 200
    params = drift_params()
    params["current"] = {"source": "prediction_log", "prediction_log": {"last_days": 1}}
    log = PredictionLogDataset(url=str(app.extensions["credit_scoring_api"].settings.sqlalchemy_url())).load()
    importance = nodes.feature_importance(api_project["model"], api_project["model_input_table"], 0)
    _, _, described = nodes.current_population(
        staged_applications(api_project)[1][["SK_ID_CURR", *DRIFT_COLUMNS]],
        api_project["scoring_input_table"],
        api_project["model_input_table"],
        log,
        importance,
        params,
    )
    assert described["rows"] == 3
    assert set(described) == set(records.DriftCurrent.model_fields)
    records.DriftCurrent.model_validate(described)


def test_drift_serves_the_pipeline_summary_with_labels_in_the_language(
    client, headers, pipeline_summary, summary_file
) -> None:
    summary_file(pipeline_summary)
    writer = ReasonWriter()
    for lang in ("en", "fr"):
        body = client.get(f"{PREFIX}/drift", query_string={"lang": lang}, headers=headers).get_json()
        expected_columns = [
            {**column, "label": writer.label(column["column"], lang)}
            for column in pipeline_summary["columns"]
        ]
        # the prediction log's fields of the current data are null for application_test
        current = {**dict.fromkeys(records.DriftCurrent.model_fields), **pipeline_summary["current"]}
        assert body == {**pipeline_summary, "current": current, "columns": expected_columns}
    labels = {column["column"]: column["label"] for column in body["columns"]}
    assert labels["AMT_INCOME_TOTAL"] == "Revenu total" and labels["NAME_INCOME_TYPE"] == "Type de revenu"


def test_drift_routes_answer_404_until_the_drift_pipeline_ran(client, headers, api_project) -> None:
    for path in ("/drift", "/drift/report"):
        response = client.get(f"{PREFIX}{path}", headers=headers)
        assert response.status_code == 404 and "drift" in error_of(response)["message"]
    report = Path(api_project["root"]) / "data" / "08_reporting" / "drift_report.html"
    try:
        report.write_text("<html><body>report</body></html>")
        answer = client.get(f"{PREFIX}/drift/report", headers=headers)
        assert answer.status_code == 200 and answer.mimetype == "text/html" and b"report" in answer.data
    finally:
        report.unlink(missing_ok=True)


def test_a_summary_of_another_shape_is_a_named_error(client, headers, pipeline_summary, summary_file) -> None:
    broken = {**pipeline_summary, "status": "fine", "columns": [{"column": "AMT_CREDIT", "score": "high"}]}
    del broken["metrics"]
    summary_file(broken)
    response = client.get(f"{PREFIX}/drift", headers=headers)
    error = error_of(response)
    assert response.status_code == 500 and error["code"] == "invalid_report"
    fields = {detail["field"] for detail in error["details"]}
    assert {"status", "metrics", "columns.0.score", "columns.0.method"} <= fields
    summary_file("{not json")
    response = client.get(f"{PREFIX}/drift", headers=headers)
    assert (
        response.status_code == 500
        and "drift_summary.json is not valid JSON" in error_of(response)["message"]
    )


def test_the_openapi_document_describes_the_drift_summary(client) -> None:
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    drift = document["paths"]["/api/v1/drift"]["get"]
    assert [parameter["name"] for parameter in drift["parameters"]] == ["lang"]
    reference = drift["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    components = document["components"]["schemas"]
    summary = components[reference.rsplit("/", 1)[1]]
    assert set(summary["required"]) == set(schemas.DriftSummary.model_fields)
    assert set(components["ColumnDrift"]["properties"]) == set(schemas.ColumnDrift.model_fields)
    assert components["DriftMetrics"]["properties"]["score_psi"]["description"]
