"""Session fixture: the tiny drift world (a fitted LightGBM bundle and populations, built once)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.drift_world import make_drift_world


@pytest.fixture(scope="session")
def drift_world() -> dict[str, Any]:
    return make_drift_world()
