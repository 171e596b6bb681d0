"""Replay applications through the scoring API over HTTP, each month at its simulated time.

The API is the product's own (`credit_scoring.api.create_app`: validation, the served champion, the decision
log with its spool), served on a loopback port by werkzeug in a thread of this process, so that the process
can give it a simulated clock: a decision of March is recorded in March although the replay takes seconds.
A request can never set the time (a production API must not let a caller date its own decisions); only the
process that builds the app can. The decision log is the simulation's own database, never the production
one, so a simulation cannot pollute the monitoring of real decisions.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from flask import Flask
from werkzeug.serving import make_server

from credit_scoring.api import create_app

CLIENT = "SK_ID_CURR"


class SimulatedClock:
    """A clock the replay moves: the API records each decision at the time it reads."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass(frozen=True)
class ReplayApi:
    """The running API: its base URL, the key the replay uses and the clock it reads."""

    base_url: str
    api_key: str
    clock: SimulatedClock


def simulation_app(
    *, root: Path, decision_log_url: str, history_store: Path, clock: Callable[[], datetime], api_key: str
) -> Flask:
    """The scoring API of the project at ``root`` (its champion, its configuration), with the simulation's
    decision log and history store, one key for the replay, and ``clock``."""
    config: dict[str, Any] = {
        "root": str(root),
        "decision_log": {"url": decision_log_url},
        "data": {"client_history_features": str(history_store)},
        "auth": {"api_keys": [api_key], "database_keys": False},
        "model": {"check_interval_s": 0},
    }
    return create_app(config, json_logs=False, clock=clock)


@contextmanager
def served_api(
    *, root: Path, decision_log_url: str, history_store: Path, start: datetime
) -> Iterator[ReplayApi]:
    """The simulation's API listening on a free loopback port until the block ends."""
    clock = SimulatedClock(start)
    api_key = secrets.token_urlsafe(24)
    app = simulation_app(
        root=root,
        decision_log_url=decision_log_url,
        history_store=history_store,
        clock=clock,
        api_key=api_key,
    )
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="traffic-api", daemon=True)
    thread.start()
    try:
        yield ReplayApi(f"http://127.0.0.1:{server.server_port}/api/v1", api_key, clock)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def check_ready(api: ReplayApi, session: requests.Session) -> dict[str, Any]:
    """The API's readiness; a clear error when it cannot score (no champion, no history store)."""
    answer = session.get(f"{api.base_url}/ready", headers={"X-API-Key": api.api_key}, timeout=60)
    body = answer.json()
    if answer.status_code != 200:
        raise RuntimeError(
            f"the simulation's API is not ready ({answer.status_code}): {json.dumps(body)[:500]}. Run the "
            "default pipeline first (make pipelines) so that a champion model and the history store exist."
        )
    return body


def _records(applications: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready application fields (missing values as null)."""
    return json.loads(applications.to_json(orient="records"))


def replay_batch(
    api: ReplayApi, session: requests.Session, applications: pd.DataFrame, moment: datetime
) -> pd.DataFrame:
    """Score ``applications`` in one ``POST /predict/batch`` recorded at ``moment``: one row per decision
    (request id, client, time, probability, decision, threshold, model version)."""
    api.clock.moment = moment
    answer = session.post(
        f"{api.base_url}/predict/batch",
        params={"reasons": "false"},
        json={"applications": _records(applications)},
        headers={"X-API-Key": api.api_key},
        timeout=300,
    )
    if answer.status_code != 200:
        raise RuntimeError(f"POST /predict/batch answered {answer.status_code}: {answer.text[:1000]}")
    body = answer.json()
    return pd.DataFrame(
        {
            "request_id": [p["request_id"] for p in body["predictions"]],
            CLIENT: [p["client_id"] for p in body["predictions"]],
            "known_client": [p["known_client"] for p in body["predictions"]],
            "decided_at": pd.Timestamp(moment),
            "probability": [p["probability"] for p in body["predictions"]],
            "decision": [p["decision"] for p in body["predictions"]],
            "threshold": [p["threshold"] for p in body["predictions"]],
            "model_version": [p["model"]["version"] for p in body["predictions"]],
        }
    )
