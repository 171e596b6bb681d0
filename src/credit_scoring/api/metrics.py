"""Operators' metrics in the Prometheus text format (``GET /api/v1/metrics``, scope ``metrics``).

Counted as they happen: the API's requests (route, method, status) and their latency, and the decisions served
(granted or refused, per model version). Noted as they happen: when this process loaded the model that serves,
and when it last read the registry alias successfully. Read when scraped: the decision-log spool's records
waiting for the database (one file shared by the workers), and the ages derived from the two moments.

Under gunicorn with several workers, each worker counts in its own memory unless ``PROMETHEUS_MULTIPROC_DIR``
names a directory (conf/gunicorn.conf.py sets one and cleans it): then every worker writes its values there
and any worker answering a scrape reports the whole server (counters and histograms summed over the workers,
the two moments the oldest among the live workers). See docs/mlops.md, "Operators' metrics".
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from flask import Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"
"""The route label of a request to no route of the API (the path itself would be unbounded)."""

REQUESTS = Counter(
    "credit_scoring_api_requests",
    "Requests answered by the scoring API, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "credit_scoring_api_request_duration_seconds",
    "Time to answer a request of the scoring API, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DECISIONS = Counter(
    "credit_scoring_decisions",
    "Credit decisions served and logged (simulations excluded), by decision and model version.",
    ["decision", "model_version"],
)
MODEL_LOADED = Gauge(
    "credit_scoring_model_loaded_timestamp_seconds",
    "When the model that serves was loaded (Unix time; the oldest among the live workers).",
    multiprocess_mode="liveall",
)
ALIAS_CHECKED = Gauge(
    "credit_scoring_model_alias_checked_timestamp_seconds",
    "When the registry alias was last read successfully (Unix time; the stalest among the live workers).",
    multiprocess_mode="liveall",
)
_AGES = {
    MODEL_LOADED._name: (
        "credit_scoring_model_load_age_seconds",
        "Seconds since the model that serves was loaded (the oldest among the live workers).",
    ),
    ALIAS_CHECKED._name: (
        "credit_scoring_model_alias_check_age_seconds",
        "Seconds since the registry alias was last read successfully (the stalest live worker).",
    ),
}


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def note_model_loaded() -> None:
    MODEL_LOADED.set(time.time())


def note_alias_checked() -> None:
    ALIAS_CHECKED.set(time.time())


def count_decisions(decisions: Iterable[tuple[str, str]]) -> None:
    """Count each ``(decision, model version)`` served."""
    for decision, version in decisions:
        DECISIONS.labels(decision=decision, model_version=version).inc()


def observe_request(response: Response, prefix: str) -> Response:
    """Count the answered request and its latency (from the clock `log_requests` started)."""
    rule = request.url_rule.rule if request.url_rule is not None else None
    if rule is None or request.endpoint is None or request.endpoint.endswith(".no_such_route"):
        route = UNMATCHED_ROUTE
    else:
        route = rule.removeprefix(prefix) or "/"
    REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
    started = getattr(g, "started", None)
    if started is not None:
        LATENCY.labels(route=route, method=request.method).observe(time.perf_counter() - started)
    return response


def spooled_records(path: Path) -> int:
    """The records waiting in the decision-log spool (its non-empty lines); 0 without a spool."""
    try:
        with open(path, "rb") as spool:
            return sum(1 for line in spool if line.strip())
    except FileNotFoundError:
        return 0


class _ScrapeTime(Collector):
    """The recorded metrics (this process's, or every worker's in multiprocess mode), then what is read now:
    the ages of the two moments and the spool's size."""

    def __init__(self, spool_path: Path) -> None:
        self.spool_path = spool_path

    def _recorded(self) -> Iterator[Metric]:
        directory = multiprocess_dir()
        if directory:
            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from REGISTRY.collect()

    def collect(self) -> Iterator[Metric]:
        now = time.time()
        for family in self._recorded():
            age = _AGES.get(family.name)
            if age is None:
                yield family
                continue
            # one sample per worker in multiprocess mode; 0 is a worker that has not loaded or checked yet
            moments = [sample.value for sample in family.samples if sample.value > 0]
            if moments:
                yield GaugeMetricFamily(family.name, family.documentation, value=min(moments))
                yield GaugeMetricFamily(age[0], age[1], value=max(0.0, now - min(moments)))
        yield GaugeMetricFamily(
            "credit_scoring_decision_log_spool_records",
            "Decisions waiting in the decision-log spool file for the database.",
            value=spooled_records(self.spool_path),
        )


def exposition(spool_path: Path) -> Response:
    """The metrics page, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ScrapeTime(spool_path))
    return Response(generate_latest(registry), status=200, headers={"Content-Type": CONTENT_TYPE_LATEST})
