"""Build the candidate estimators: each is one (imbalanced-learn) pipeline from raw features to probabilities.

Resamplers sit inside the pipeline, so they only ever see the rows the pipeline is fitted on: the training
folds during cross-validation, never a validation fold or the holdout.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from credit_scoring.pipelines.modelling.params import BinningSpec, CandidateSpec, MonotoneSpec
from credit_scoring.serving.model import CategoryEncoder, FeatureSpec, TabularCleaner
from credit_scoring.serving.scorecard import ScorecardRegression, WoeBinner

# newton-cholesky: a few exact Newton steps, about 5 s on 16k x 600 whatever C (lbfgs takes 2 s at C=0.002 but
# 21 s at C=1: its iterations grow as the regularisation weakens)
LOGREG_DEFAULTS: dict[str, Any] = {"C": 0.01, "solver": "newton-cholesky", "max_iter": 200}
# the scorecard's regression weighs about 20 WoE columns of similar scale: little regularisation is needed
SCORECARD_DEFAULTS: dict[str, Any] = {"C": 1.0, "solver": "lbfgs", "max_iter": 500}
LGBM_DEFAULTS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.5,
    "reg_lambda": 1.0,
}
#: Rare levels of a one-hot encoded column are pooled (and unseen levels join that pool at prediction time).
ONE_HOT_MIN_FREQUENCY = 0.005


def build_estimator(
    spec: CandidateSpec, features: FeatureSpec, random_state: int, n_jobs: int = 1
) -> Pipeline:
    """The unfitted pipeline for a candidate: clean → encode → (resample) → classifier."""
    steps: list[tuple[str, Any]] = [("clean", TabularCleaner(features.features, features.categorical))]
    if spec.family == "dummy":
        steps.append(("model", DummyClassifier(**{"strategy": "prior", **spec.params})))
        return Pipeline(steps)
    class_weight = "balanced" if spec.imbalance == "class_weight" else None
    if spec.family == "logreg":
        steps.append(("encode", linear_encoder(features)))
        model: Any = LogisticRegression(
            **{**LOGREG_DEFAULTS, **spec.params, "class_weight": class_weight, "random_state": random_state}
        )
    elif spec.family == "scorecard":
        steps.append(("encode", woe_binner(spec.binning or BinningSpec(), features)))
        model = ScorecardRegression(
            **{
                **SCORECARD_DEFAULTS,
                **spec.params,
                "class_weight": class_weight,
                "random_state": random_state,
            }
        )
    else:
        steps.append(("encode", CategoryEncoder(features.categorical)))
        constraints = (
            {"monotone_constraints": monotone_constraints(spec.monotone, features)} if spec.monotone else {}
        )
        model = LGBMClassifier(
            **{
                **LGBM_DEFAULTS,
                **spec.params,
                "class_weight": class_weight,
                "random_state": random_state,
                "n_jobs": n_jobs,
                "deterministic": True,  # same data, parameters and threads give the same trees
                "force_col_wise": True,
                "verbose": -1,
                **({"metric": "auc"} if spec.early_stopping_rounds else {}),
                **constraints,
            }
        )
    sampler = build_sampler(spec, random_state)
    if sampler is not None:
        steps.append(("resample", sampler))
    steps.append(("model", model))
    return Pipeline(steps)


def woe_binner(binning: BinningSpec, features: FeatureSpec) -> WoeBinner:
    """The scorecard's binning step: optimal bins per feature, each value replaced by its bin's WoE."""
    return WoeBinner(features.categorical, **binning.model_dump())


def monotone_constraints(monotone: MonotoneSpec, features: FeatureSpec) -> list[int]:
    """LightGBM's ``monotone_constraints``, one per model column in order: +1 where the probability of default
    may only rise with the feature, -1 where it may only fall, 0 elsewhere.

    Entries are names or shell patterns (``EXT_SOURCE_*``); each must match at least one numeric feature, and
    no feature may be matched by both lists: the error names the offending entries.
    """
    numeric = list(features.numeric)
    direction: dict[str, int] = {}
    unmatched, categorical, clashes = [], [], set()
    for sign, patterns in ((1, monotone.increasing), (-1, monotone.decreasing)):
        for pattern in patterns:
            matched = [name for name in numeric if fnmatchcase(name, pattern)]
            if not matched:
                hit = [name for name in features.categorical if fnmatchcase(name, pattern)]
                (categorical if hit else unmatched).append(pattern)
            for name in matched:
                if direction.get(name, sign) != sign:
                    clashes.add(name)
                direction[name] = sign
    problems = []
    if unmatched:
        problems.append(f"{unmatched} match no model feature")
    if categorical:
        problems.append(f"{categorical} match only categorical features (a constraint needs an order)")
    if clashes:
        problems.append(f"{sorted(clashes)} are matched as both increasing and decreasing")
    if problems:
        raise ValueError("Invalid monotone constraints: " + "; ".join(problems))
    return [direction.get(name, 0) for name in features.features]


def build_sampler(spec: CandidateSpec, random_state: int) -> SMOTE | RandomUnderSampler | None:
    if spec.imbalance == "smote":
        return SMOTE(sampling_strategy=spec.sampling_strategy, random_state=random_state)
    if spec.imbalance == "undersample":
        return RandomUnderSampler(sampling_strategy=spec.sampling_strategy, random_state=random_state)
    return None


def linear_encoder(features: FeatureSpec) -> ColumnTransformer:
    """Median imputation with missing-value indicators and scaling for numbers; one-hot for categories."""
    numeric = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True), StandardScaler()
    )
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="__missing__", keep_empty_features=True),
        OneHotEncoder(
            handle_unknown="infrequent_if_exist", min_frequency=ONE_HOT_MIN_FREQUENCY, sparse_output=False
        ),
    )
    transformers: list[tuple[str, Any, list[str]]] = []
    if features.numeric:
        transformers.append(("numeric", numeric, list(features.numeric)))
    if features.categorical:
        transformers.append(("categorical", categorical, list(features.categorical)))
    return ColumnTransformer(transformers, remainder="drop")
