"""Nodes before any model: the settings parsed once, the holdout split, the folds, the leakage check.

A client's side of the split never depends on the other clients (a hash of its id), so adding clients leaves
every earlier client where it was; the holdout is only read to report, never to choose.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.pipelines.modelling.budget import modelling_plan
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    EvaluationRule,
    assign_folds,
    features_and_target,
    fold_indices,
    split_holdout,
    validate_model_input,
)
from credit_scoring.pipelines.modelling.guards import feature_auc_report
from credit_scoring.pipelines.modelling.params import (
    ModellingSettings,
    SplitParams,
    modelling_settings,
    parse_excluded_features,
)
from credit_scoring.serving.model import FeatureSpec

logger = logging.getLogger(__name__)


def parse_settings(modelling: dict[str, Any], random_state: int) -> ModellingSettings:
    """``params:modelling`` and the seed as one typed object (kedro-mlflow logs the parameters from here)."""
    return modelling_settings(modelling, random_state)


def evaluation_rule(split: SplitParams) -> EvaluationRule:
    return EvaluationRule(split.id_column, split.holdout_salt, split.holdout_fraction)


def split_model_input(
    *, model_input_table: pd.DataFrame, settings: ModellingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, holdout) by a hash of the client id, after checking the table can be modelled.

    ``settings.excluded_features`` (protected attributes) are dropped from the training table here, the one
    place: every candidate, tuning trial and the served model's feature list are built from it, so no model
    learns from them. The holdout keeps them: the fairness report measures decisions by gender on it, and a
    champion trained before the exclusion is still judged with its own features.
    """
    split = settings.split
    validate_model_input(model_input_table, split.id_column, split.target, split.n_folds)
    excluded = parse_excluded_features(
        list(settings.excluded_features),
        model_input_table.columns,
        id_column=split.id_column,
        target=split.target,
    )
    table = model_input_table.astype({split.target: np.int64})
    training, holdout = split_holdout(table, evaluation_rule(split))
    training = training.drop(columns=list(excluded))
    if excluded:
        logger.info("Excluded from the model's features (modelling.excluded_features): %s", list(excluded))
    for name, part in (("training", training), ("holdout", holdout)):
        if part[split.target].nunique() < 2:
            raise ValueError(
                f"The {name} split has a single class: too few clients ({len(table)}) for a holdout of "
                f"{split.holdout_fraction:.0%}"
            )
    logger.info(
        "Model input split by id hash: %d training rows (%.2f%% defaults), %d holdout rows (%.2f%%), "
        "%d features",
        len(training),
        100 * training[split.target].mean(),
        len(holdout),
        100 * holdout[split.target].mean(),
        training.shape[1] - 2,
    )
    return training, holdout


def make_cv_folds(*, training_table: pd.DataFrame, settings: ModellingSettings) -> pd.DataFrame:
    """The stratified folds every candidate and every tuning trial is evaluated on (fewer on big data).
    Logs the run's plan first: what will be fitted at this size and the time it is expected to take."""
    split = settings.split
    n_folds = split.folds_for(len(training_table))
    logger.info(modelling_plan(settings, len(training_table), training_table.shape[1] - 2).describe())
    return assign_folds(training_table, split.id_column, split.target, n_folds, settings.random_state)


def check_feature_leakage(
    *, training_table: pd.DataFrame, cv_folds: pd.DataFrame, settings: ModellingSettings
) -> pd.DataFrame:
    """AUC of each feature alone; features above the leakage limit are flagged (or fail the run if set)."""
    split, limits = settings.split, settings.guards
    fold_indices(cv_folds, training_table, split.id_column)  # checks alignment
    report = feature_auc_report(
        training_table, cv_folds[FOLD_COLUMN].to_numpy(), split.id_column, split.target, limits.leakage_auc
    )
    suspects = report.loc[report["suspect_leakage"], ["feature", "auc"]]
    if not suspects.empty:
        listed = ", ".join(f"{row.feature} (AUC {row.auc:.3f})" for row in suspects.itertuples())
        message = f"Possible target leakage: these features alone reach AUC > {limits.leakage_auc}: {listed}"
        if limits.fail_on_leakage:
            raise ValueError(message)
        logger.warning(message)
    return report


def training_data(
    training_table: pd.DataFrame, cv_folds: pd.DataFrame, split: SplitParams
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[np.ndarray, np.ndarray]], FeatureSpec]:
    """Features, labels, fold indices and feature list of the training split, as every search reads them."""
    X, y = features_and_target(training_table, split.id_column, split.target)
    return X, y, fold_indices(cv_folds, training_table, split.id_column), FeatureSpec.from_frame(X)
