"""Fixtures of the API tests: one tiny project per session (see `tests.api.project`), a fresh app and decision
log per test, the model loaded once from the temporary registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from credit_scoring.api import create_app
from credit_scoring.api.config import load_settings
from credit_scoring.api.services import batch_validation
from credit_scoring.serving.loading import ServedModel, load_row_builder, load_served_model
from credit_scoring.serving.scoring import RowBuilder
from tests.api.burden import burden_served, refused_application
from tests.api.project import API_KEY, MODEL_NAME, api_config, build_project


@pytest.fixture(scope="session")
def api_project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_project(tmp_path_factory.mktemp("api_project"))


@pytest.fixture(scope="session")
def served_model(api_project: dict[str, Any]) -> ServedModel:
    return load_served_model(api_project["tracking_uri"], MODEL_NAME, "champion")


@pytest.fixture(scope="session")
def burden(api_project: dict[str, Any], row_builder: RowBuilder) -> ServedModel:
    """A small model of the repayment burden, which a smaller credit or a longer term does move (the tiny
    champion barely reacts to amounts): for what would change a refusal, and its letter."""
    return burden_served(api_project, row_builder)


@pytest.fixture
def refused(api_project: dict[str, Any]) -> dict[str, Any]:
    """An application `burden` refuses."""
    return refused_application(api_project)


@pytest.fixture(scope="session")
def row_builder(api_project: dict[str, Any]) -> RowBuilder:
    paths = load_settings({"root": str(api_project["root"])}).paths
    return load_row_builder(paths.client_history_features, batch_validation(api_project["root"]))


def app_maker(api_project: dict[str, Any], served: ServedModel, rows: RowBuilder, folder: Path):
    """``make(**config overrides)``: an app serving ``served`` over the tiny project, decision log in
    ``folder``."""

    def make(**overrides: Any) -> Flask:
        config = api_config(api_project, folder / "prediction_log.db", **overrides)
        app = create_app(config, served=served, rows=rows, json_logs=False)
        app.testing = True
        return app

    return make


@pytest.fixture
def make_app(api_project, served_model, row_builder, tmp_path: Path):
    """``make_app(**config overrides)``: an app over the tiny project, with a decision log in tmp_path."""
    return app_maker(api_project, served_model, row_builder, tmp_path)


@pytest.fixture
def make_burden_app(api_project, burden, row_builder, tmp_path: Path):
    """As ``make_app``, serving the `burden` model."""
    return app_maker(api_project, burden, row_builder, tmp_path)


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def headers() -> dict[str, str]:
    return {"X-API-Key": API_KEY}
