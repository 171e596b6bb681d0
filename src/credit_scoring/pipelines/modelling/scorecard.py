"""The points table of a scorecard candidate: what a credit committee reads and an adviser can add up by hand.

A scorecard is a logistic regression on the WoE of a few binned features (`credit_scoring.serving.scorecard`).
Its log-odds become points on the lender's scale (``modelling.scorecard``):

    score = offset + factor x ln(odds of repaying)
    factor = pdo / ln 2,   offset = base_score - factor x ln(base_odds)

so ``base_score`` points mean odds of ``base_odds`` to 1 of repaying and each ``pdo`` more points double those
odds. With ln(odds of repaying) = -(intercept + sum of coefficient x WoE), the points of a feature's bin are

    points = -factor x coefficient x WoE + (offset - factor x intercept) / number of features

(the intercept is shared evenly between the features), and a client's score is the sum of the points of their
bins, exactly. The score is that of the regression's own (raw) probability; the served probability is its
calibrated map, which keeps the order of the scores.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from credit_scoring.pipelines.modelling.evaluation import CandidateResult
from credit_scoring.pipelines.modelling.params import ModellingSettings, ScorecardScaling
from credit_scoring.serving.scorecard import UNSEEN_LEVEL, WoeBinner

logger = logging.getLogger(__name__)

SCORECARD_FAMILY = "scorecard"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScorecardBin(_Record):
    feature: str
    bin: str  # interval "[a, b)", categories "A, B", "Missing", or UNSEEN_LEVEL
    bin_index: int  # `WoeBinner.bin_indices` of its clients (-1: a category level unseen in training)
    count: int  # training clients in the bin
    count_share: float
    event_rate: float  # observed default rate of those clients
    woe: float  # ln(share of non-defaulters / share of defaulters); 0 for an empty or one-class bin
    points: float


class ScorecardFeature(_Record):
    feature: str
    information_value: float
    coefficient: float  # of the WoE in the regression: negative when the points follow the bins' evidence
    sign_consistent: bool  # False: more evidence of repayment gives fewer points (collinearity)
    min_points: float
    max_points: float


class ScorecardPoints(_Record):
    """The ``scorecard_points`` dataset (data/08_reporting/scorecard_points.json)."""

    model_name: str | None  # the scorecard candidate; None when no candidate is a scorecard
    selected: bool  # the scorecard is the selected (served) model
    base_score: float
    base_odds: float
    pdo: float
    factor: float
    offset: float
    intercept: float | None
    min_score: float | None
    max_score: float | None
    formula: str
    features: list[ScorecardFeature]
    bins: list[ScorecardBin]
    # binned features the regression left out: their coefficient went against their bins' evidence
    left_out_features: list[str] = []
    note: str = ""


FORMULA = (
    "score = sum of the points of the client's bins = offset + factor * ln(odds of repaying); "
    "factor = pdo / ln 2, offset = base_score - factor * ln(base_odds)"
)


def scaling_constants(scaling: ScorecardScaling) -> tuple[float, float]:
    """(factor, offset) of ``score = offset + factor * ln(odds of repaying)``."""
    factor = scaling.pdo / math.log(2.0)
    return factor, scaling.base_score - factor * math.log(scaling.base_odds)


def _parts(estimator: Any) -> tuple[Any, WoeBinner, Any]:
    steps = dict(estimator.steps)
    binner, regression = steps.get("encode"), estimator.steps[-1][1]
    if not isinstance(binner, WoeBinner) or not hasattr(regression, "coef_"):
        raise TypeError("not a fitted scorecard pipeline (clean → WoeBinner → LogisticRegression)")
    return steps["clean"], binner, regression


def scores(estimator: Any, X: pd.DataFrame, scaling: ScorecardScaling) -> np.ndarray:
    """Each client's score on the points scale, from the regression's log-odds."""
    cleaner, binner, regression = _parts(estimator)
    log_odds = regression.decision_function(binner.transform(cleaner.transform(X)))
    factor, offset = scaling_constants(scaling)
    return offset - factor * np.asarray(log_odds, dtype=np.float64)


def client_points(estimator: Any, X: pd.DataFrame, table: ScorecardPoints) -> pd.DataFrame:
    """The points of each client's bin, a column per scorecard feature (their sum is the score)."""
    cleaner, binner, _ = _parts(estimator)
    names = {row.feature for row in table.bins}
    indices = binner.bin_indices(cleaner.transform(X))
    indices = indices[[name for name in indices.columns if name in names]]
    lookup = {(row.feature, row.bin_index): row.points for row in table.bins}
    return pd.DataFrame(
        {name: [lookup[(name, int(i))] for i in indices[name]] for name in indices.columns}, index=X.index
    )


def points_table(
    estimator: Any, scaling: ScorecardScaling, model_name: str, selected: bool
) -> ScorecardPoints:
    """The points of every bin of a fitted scorecard pipeline, with its scaling (see the module)."""
    _, binner, regression = _parts(estimator)
    factor, offset = scaling_constants(scaling)
    # columns the regression left out (`ScorecardRegression.support_`: a sign against the bins' evidence)
    support = getattr(regression, "support_", np.ones(len(binner.feature_names_out_), dtype=bool))
    names = [name for name, kept in zip(binner.feature_names_out_, support, strict=True) if kept]
    left_out = [name for name, kept in zip(binner.feature_names_out_, support, strict=True) if not kept]
    coefficients = np.asarray(regression.coef_, dtype=np.float64).reshape(-1)[support]
    intercept = float(np.asarray(regression.intercept_).reshape(-1)[0])
    shared = (offset - factor * intercept) / len(names)
    bins, features = [], []
    for name, coefficient in zip(names, coefficients, strict=True):
        table = binner.binning_table(name)
        table["bin_index"] = np.arange(len(table))
        table = table[table["bin"] != "Special"]  # no special codes are configured: always empty
        if binner.binnings_[name].dtype == "categorical":
            unseen = {"bin": UNSEEN_LEVEL, "count": 0, "n_event": 0, "event_rate": 0.0, "woe": 0.0}
            table = pd.concat([table, pd.DataFrame([{**unseen, "bin_index": -1}])], ignore_index=True)
        total = max(int(table["count"].sum()), 1)
        points = -factor * coefficient * table["woe"].to_numpy(dtype=np.float64) + shared
        for row, value in zip(table.itertuples(index=False), points, strict=True):
            bins.append(
                ScorecardBin(
                    feature=name,
                    bin=row.bin,
                    bin_index=int(row.bin_index),
                    count=int(row.count),
                    count_share=int(row.count) / total,
                    event_rate=float(row.event_rate),
                    woe=float(row.woe),
                    points=float(value),
                )
            )
        features.append(
            ScorecardFeature(
                feature=name,
                information_value=float(binner.information_value_[name]),
                coefficient=float(coefficient),
                sign_consistent=bool(coefficient <= 0),
                min_points=float(points.min()),
                max_points=float(points.max()),
            )
        )
    reversed_signs = [feature.feature for feature in features if not feature.sign_consistent]
    if reversed_signs:
        logger.warning(
            "Scorecard %s: the points of %s fall as their bins' evidence of repayment rises (collinear WoE)",
            model_name,
            reversed_signs,
        )
    return ScorecardPoints(
        model_name=model_name,
        selected=selected,
        base_score=scaling.base_score,
        base_odds=scaling.base_odds,
        pdo=scaling.pdo,
        factor=factor,
        offset=offset,
        intercept=intercept,
        min_score=float(sum(feature.min_points for feature in features)),
        max_score=float(sum(feature.max_points for feature in features)),
        formula=FORMULA,
        features=features,
        bins=bins,
        left_out_features=left_out,
    )


def build_scorecard_points(
    *, candidate_results: dict[str, CandidateResult], selected_model: str, settings: ModellingSettings
) -> dict[str, Any]:
    """The points table of the scorecard candidate (the selected one if it is a scorecard, else the first
    configured), refitted on the whole training split; an empty table saying why when none is configured."""
    scaling = settings.scorecard
    names = [name for name, result in candidate_results.items() if result.spec["family"] == SCORECARD_FAMILY]
    if not names:
        factor, offset = scaling_constants(scaling)
        return ScorecardPoints(
            model_name=None,
            selected=False,
            **scaling.model_dump(),
            factor=factor,
            offset=offset,
            intercept=None,
            min_score=None,
            max_score=None,
            formula=FORMULA,
            features=[],
            bins=[],
            note="no candidate of family 'scorecard' is configured in modelling.candidates",
        ).model_dump(mode="json")
    name = selected_model if selected_model in names else names[0]
    table = points_table(candidate_results[name].estimator, scaling, name, selected=name == selected_model)
    logger.info(
        "Scorecard %s: %d features (%s left out: sign against their bins), %d bins, scores %.0f to %.0f "
        "(%g points at odds %g:1, %g to double)",
        name,
        len(table.features),
        table.left_out_features or "none",
        len(table.bins),
        table.min_score,
        table.max_score,
        scaling.base_score,
        scaling.base_odds,
        scaling.pdo,
    )
    return table.model_dump(mode="json")
