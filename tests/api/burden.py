"""A served model of the tiny API project that reacts to the loan's amounts, for the adviser's routes.

The tiny project's champion barely looks at the amounts, so few of its refusals have an alternative. This
one is a small LightGBM (n_jobs=1) trained on the same model-input table with a target that depends on the
repayment burden (annuity / income), at a threshold set between the probability of `APPLICATION` and that
of a fifth of its credit: `APPLICATION` is refused, and a smaller credit or a longer term grants it.
"""

from __future__ import annotations

import json
from typing import Any

from credit_scoring.serving.loading import ServedModel
from credit_scoring.serving.model import CreditScoringModel
from credit_scoring.serving.scoring import RowBuilder, Scorer
from tests.api.project import MODEL_NAME, train_model

VERSION = "901"  # its own version: the host cache keeps computed scores per version
AMOUNTS = {  # a cash loan the burden model refuses at the threshold below
    "NAME_CONTRACT_TYPE": "Cash loans",
    "AMT_CREDIT": 1_145_500.0,
    "AMT_ANNUITY": 48_500.0,
    "AMT_GOODS_PRICE": 1_000_000.0,
    "AMT_INCOME_TOTAL": 157_500.0,
}


def production_application(api_project: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """A production client's application fields as JSON would carry them (nulls dropped)."""
    frame = api_project["raw_tables"]["application_test"]
    row = json.loads(frame.iloc[[index]].to_json(orient="records"))[0]
    return {key: value for key, value in row.items() if value is not None}


def refused_application(api_project: dict[str, Any]) -> dict[str, Any]:
    """A new applicant (no SK_ID_CURR) with the first production client's fields and `AMOUNTS`."""
    application = production_application(api_project)
    application.pop("SK_ID_CURR")
    return {**application, **AMOUNTS}


_MODELS: dict[int, CreditScoringModel] = {}


def _burden_model(api_project: dict[str, Any]) -> CreditScoringModel:
    """Trained once per session's project."""
    if id(api_project) not in _MODELS:
        train = api_project["model_input_table"].copy()
        burden = train["ANNUITY_INCOME_RATIO"]
        train["TARGET"] = (burden > burden.median()).astype(int)
        _MODELS[id(api_project)] = train_model(train)
    return _MODELS[id(api_project)]


def burden_served(api_project: dict[str, Any], rows: RowBuilder) -> ServedModel:
    """The burden model, served at a threshold that refuses `refused_application` and grants a fifth of
    its credit."""
    model = _burden_model(api_project)
    probe = Scorer(ServedModel(model=model, name=MODEL_NAME, version=VERSION), rows)
    asked = refused_application(api_project)
    smaller = {**asked, "AMT_CREDIT": asked["AMT_CREDIT"] / 5, "AMT_ANNUITY": asked["AMT_ANNUITY"] / 5}
    high, low = (score.probability for score in probe.score([asked, smaller]))
    assert low < high, "the burden model must react to the amounts"
    at = CreditScoringModel(model.estimator, model.feature_spec, (high + low) / 2, model.model_name)
    return ServedModel(model=at, name=MODEL_NAME, version=VERSION, alias="champion")
