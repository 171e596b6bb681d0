"""The finer second search: narrowed around the best trial, inside the first search's ranges, on the family of
the cheapest candidate, compared last."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from credit_scoring.pipelines.modelling import search
from credit_scoring.pipelines.modelling.evaluation import CandidateResult
from credit_scoring.pipelines.modelling.params import CandidateSpec, RefineParams, TuningSpec
from credit_scoring.pipelines.modelling.tuning import refined_study
from tests.fixtures.settings import settings_of

STUDY = TuningSpec.model_validate(
    {
        "name": "lgbm_tuned",
        "base": {"family": "lgbm", "imbalance": "none", "params": {"n_estimators": 50}},
        "search_space": {
            "learning_rate": {"type": "float", "low": 0.01, "high": 0.16, "log": True},
            "num_leaves": {"type": "int", "low": 4, "high": 64},
            "min_child_samples": {"type": "int", "low": 10, "high_share": 0.02},
            "subsample": {"type": "float", "low": 0.5, "high": 1.0},
            "imbalance": {"type": "categorical", "choices": ["none", "class_weight"]},
        },
        "n_trials": 6,
    }
)
BEST = CandidateSpec(
    family="lgbm",
    imbalance="class_weight",
    params={
        "n_estimators": 50,
        "learning_rate": 0.04,
        "num_leaves": 60,
        "min_child_samples": 30,
        "subsample": 0.7,
    },
)


def test_the_finer_study_narrows_every_range_around_the_best_trial() -> None:
    study = refined_study(STUDY, BEST, RefineParams(n_trials=4, shrink=0.5), n_rows=5000)
    space = study.search_space
    assert study.name == "lgbm_tuned_refined" and study.n_trials == 4
    # log scale: [0.01, 0.16] is 4 doublings wide; half of it, centred on 0.04, is one doubling each side
    assert space["learning_rate"].low == pytest.approx(0.02) and space["learning_rate"].high == pytest.approx(
        0.08
    )
    # linear, clipped at the first range's top (60 + 15 > 64), widened to whole numbers
    assert (space["num_leaves"].low, space["num_leaves"].high) == (45, 64)
    # high_share resolved on the rows: [10, 100] → [30 - 22.5, 30 + 22.5]
    assert (space["min_child_samples"].low, space["min_child_samples"].high) == (10, 53)
    assert space["subsample"].low == pytest.approx(0.575) and space["subsample"].high == pytest.approx(0.825)
    # the categorical choice is fixed to the best one, not searched again
    assert "imbalance" not in space and study.base.imbalance == "class_weight"
    for name, dimension in space.items():
        first = STUDY.search_space[name]
        assert dimension.low >= first.low and dimension.log == first.log


def _result(name: str, family: str, cost: float, spec: dict[str, Any] | None = None) -> Any:
    cv = type("CV", (), {"threshold": type("T", (), {"cost_per_client": cost})()})()
    return CandidateResult(name=name, spec=spec or {"family": family}, cv=cv)


def test_the_refinement_is_off_or_skipped_with_its_reason(tiny_params: dict[str, Any]) -> None:
    def refine(n_trials: int, baselines: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
        settings = settings_of({**tiny_params, "refine": {"n_trials": n_trials}})
        return search.refine_search(
            training_table=pd.DataFrame(),
            cv_folds=pd.DataFrame(),
            settings=settings,
            baseline_results=baselines,
            logreg=_result(
                "logreg_tuned", "logreg", 0.5, {**BEST.model_dump(), "family": "logreg", "params": {}}
            ),
            lgbm=_result("lgbm_tuned", "lgbm", 0.45, BEST.model_dump()),
        )

    off = refine(0, {"logreg_balanced": _result("logreg_balanced", "logreg", 0.4)})
    assert off[0] == {} and off[1].empty
    none = refine(2, {"scorecard": _result("scorecard", "scorecard", 0.1)})
    assert none[0] == {}  # no study tunes the scorecard family
