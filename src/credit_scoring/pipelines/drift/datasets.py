"""Datasets of the drift pipeline: the API's prediction log (read in SQL by window) and the alert webhook.

The webhook is the pipeline's one side effect outside files: isolated here, bounded by a timeout, and never
allowed to fail a run (a failed call is logged and the alert stays in the alerts log).
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from kedro.io import AbstractDataset, DatasetError

from credit_scoring.monitoring.prediction_log import TimeWindow, read_prediction_log

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictionLogReader:
    """A handle on the log database; `read` runs one windowed query (nothing is read before)."""

    url: str

    def read(self, window: TimeWindow, filters: dict[str, str | None] | None = None) -> pd.DataFrame:
        engine = sa.create_engine(self.url)
        try:
            return read_prediction_log(engine, window, filters)
        finally:
            engine.dispose()


class PredictionLogDataset(AbstractDataset[None, PredictionLogReader]):
    """Loads a `PredictionLogReader` for a SQLAlchemy URL (SQLite file by default, Postgres in production).

    The URL comes from ``credentials`` (key ``url``) when given, else from ``url``. Loading does not open the
    database, so a pipeline that does not read the log runs without one.
    """

    def __init__(
        self,
        url: str | None = None,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        self._url = (credentials or {}).get("url") or url
        self.metadata = metadata  # ignored by Kedro; Kedro-Viz reads its layer
        if not self._url:
            raise DatasetError("PredictionLogDataset needs a database URL (url or credentials.url)")

    def load(self) -> PredictionLogReader:
        return PredictionLogReader(self._url)

    def save(self, data: None) -> None:
        raise DatasetError("The prediction log is written by the scoring API, not by the pipelines")

    def _describe(self) -> dict[str, Any]:
        return {"url": sa.make_url(self._url).render_as_string(hide_password=True)}


class AlertWebhookDataset(AbstractDataset[list[dict[str, Any]], None]):
    """POSTs each alert record as JSON to a webhook URL, once per alert; no URL configured, no call.

    The URL is read at save time from the environment variable ``url_env_var`` (default
    ``DRIFT_ALERT_WEBHOOK_URL``), else from ``credentials`` (key ``url``) or ``url``; it is never committed.
    A failed call (network error, HTTP error, timeout) is logged and does not fail the run.
    """

    def __init__(
        self,
        url: str | None = None,
        url_env_var: str = "DRIFT_ALERT_WEBHOOK_URL",
        timeout_s: float = 5.0,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        self._url = (credentials or {}).get("url") or url
        self.metadata = metadata  # ignored by Kedro; Kedro-Viz reads its layer
        self._url_env_var = url_env_var
        self._timeout_s = float(timeout_s)

    def _target(self) -> str | None:
        return os.environ.get(self._url_env_var) or self._url

    def save(self, data: list[dict[str, Any]]) -> None:
        url = self._target()
        if not url or not data:
            return
        for alert in data:
            post_alert(url, alert, self._timeout_s)

    def load(self) -> None:
        raise DatasetError("The alert webhook can only be written to")

    def _describe(self) -> dict[str, Any]:
        return {
            "url_env_var": self._url_env_var,
            "configured": bool(self._target()),
            "timeout_s": self._timeout_s,
        }


def post_alert(url: str, alert: dict[str, Any], timeout_s: float) -> bool:
    """POST one alert as JSON; True when the webhook answered 2xx. Never raises."""
    body = json.dumps(alert, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "credit-scoring-drift"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        logger.error(
            "Drift alert webhook call failed (%s): %s; the alert is kept in the alerts log",
            alert.get("rule"),
            error,
        )
        return False
