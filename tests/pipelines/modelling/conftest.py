"""Tiny generated tables and tiny budgets: every modelling test runs in seconds on one thread."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.model_input import synthetic_model_input, with_gender

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def tiny_modelling_params() -> dict[str, Any]:
    """The project's modelling parameters with 3 folds, few and small trees, few trials per study."""
    params = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_modelling.yml").read_text())["modelling"]
    params["split"]["n_folds"] = 3
    params["n_jobs"] = 1
    params["registry"]["n_resamples"] = 500
    for spec in params["candidates"].values():
        if spec["family"] == "lgbm":
            spec["params"].update(n_estimators=60, num_leaves=7, min_child_samples=10, learning_rate=0.1)
            spec["early_stopping_rounds"] = 10
    params["tuning"]["logreg"].update(n_trials=2, pruner_startup_trials=1)
    lgbm = params["tuning"]["lgbm"]
    lgbm.update(n_trials=3, pruner_startup_trials=1)
    lgbm["base"]["params"]["n_estimators"] = 60
    lgbm["base"]["early_stopping_rounds"] = 10
    lgbm["search_space"]["learning_rate"] = {"type": "float", "low": 0.05, "high": 0.2, "log": True}
    lgbm["search_space"]["num_leaves"] = {"type": "int", "low": 4, "high": 8}
    params["refine"]["n_trials"] = 2
    return params


@pytest.fixture(scope="session")
def tiny_params() -> dict[str, Any]:
    """Shared by module-scoped fixtures; tests that change parameters use ``modelling_params``."""
    return tiny_modelling_params()


@pytest.fixture
def modelling_params(tiny_params: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(tiny_params)


@pytest.fixture(scope="session")
def model_input_table():
    """Bigger than the project-wide fixture: the promotion gate's floor needs a holdout with enough defaults
    for its paired interval (about 600 holdout clients, 70 defaults)."""
    table = synthetic_model_input(n_rows=3000, n_numeric=6, n_categorical=2, default_rate=0.12, seed=11)
    return with_gender(table, seed=11)  # the excluded features of the configuration: no model sees them
