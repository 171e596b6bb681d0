"""Shared test configuration.

With ``CI=true`` in the environment, a Spark, browser or PostgreSQL test that skips (Java, pyspark, Chromium,
chromedriver or PostgreSQL missing) fails instead: CI must not go green by skipping what it was set up to run.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.fixtures.raw_fixtures", "tests.fixtures.model_fixtures", "tests.fixtures.postgres"]

SYSTEM_DEPENDENT_MARKERS = ("spark", "browser", "postgres", "stack")


def running_in_ci() -> bool:
    """True when the ``CI`` environment variable says so (GitHub Actions and .ci/run set CI=true)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    system_dependent = any(item.get_closest_marker(name) for name in SYSTEM_DEPENDENT_MARKERS)
    if report.skipped and system_dependent and running_in_ci():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: a system-dependent test may not skip ({reason})"
