"""Every feature of the model input, in order, with its dictionary entry: the single source of truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import ibis.expr.types as ir
import pandas as pd

from credit_scoring.features import bureau, credit_card, installments, pos_cash, previous_application
from credit_scoring.features.application import application_feature_infos
from credit_scoring.features.expressions import Aggregate, FeatureInfo, safe_divide


@dataclass(frozen=True)
class HistoryFeatureSet:
    """Per-client aggregates of one or two raw history tables."""

    name: str
    tables: tuple[str, ...]
    build: Callable[..., ir.Table]
    aggregates: Sequence[Aggregate]

    @property
    def columns(self) -> list[str]:
        return [aggregate.name for aggregate in self.aggregates]


HISTORY_FEATURE_SETS: tuple[HistoryFeatureSet, ...] = (
    HistoryFeatureSet("bureau", ("bureau", "bureau_balance"), bureau.bureau_features, bureau.AGGREGATES),
    HistoryFeatureSet(
        "previous_application",
        ("previous_application",),
        previous_application.previous_application_features,
        previous_application.AGGREGATES,
    ),
    HistoryFeatureSet("pos_cash", ("POS_CASH_balance",), pos_cash.pos_cash_features, pos_cash.AGGREGATES),
    HistoryFeatureSet(
        "installments",
        ("installments_payments",),
        installments.installments_features,
        installments.AGGREGATES,
    ),
    HistoryFeatureSet(
        "credit_card", ("credit_card_balance",), credit_card.credit_card_features, credit_card.AGGREGATES
    ),
)


@dataclass(frozen=True)
class CrossFeature:
    """A feature combining the application with the client's history, computed after the join."""

    name: str
    expr: Callable[[ir.Table], ir.Value]
    info: FeatureInfo


CROSS_FEATURES: tuple[CrossFeature, ...] = (
    CrossFeature(
        "BUREAU_ACTIVE_DEBT_INCOME_RATIO",
        lambda t: safe_divide(t.BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM, t.AMT_INCOME_TOTAL),
        FeatureInfo(
            "BUREAU_ACTIVE_DEBT_INCOME_RATIO",
            "application, bureau",
            "Sum of AMT_CREDIT_SUM_DEBT over active bureau loans / AMT_INCOME_TOTAL",
            "ratio",
            "Outstanding bureau debt / income",
            "Dette restante au bureau / revenu",
        ),
    ),
    CrossFeature(
        "TOTAL_ANNUITY_INCOME_RATIO",
        lambda t: safe_divide(
            t.AMT_ANNUITY + t.BUREAU_ACTIVE_AMT_ANNUITY_SUM.fill_null(0.0), t.AMT_INCOME_TOTAL
        ),
        FeatureInfo(
            "TOTAL_ANNUITY_INCOME_RATIO",
            "application, bureau",
            "(AMT_ANNUITY + sum of AMT_ANNUITY over active bureau loans, missing counted as 0) "
            "/ AMT_INCOME_TOTAL",
            "ratio",
            "Total annuities (this loan and active bureau loans) / income",
            "Annuités totales (ce prêt et crédits en cours) / revenu",
        ),
    ),
)


@cache
def feature_infos() -> tuple[FeatureInfo, ...]:
    """Dictionary entries of every model-input feature, in column order."""
    infos = [
        *application_feature_infos(),
        *(aggregate.info() for feature_set in HISTORY_FEATURE_SETS for aggregate in feature_set.aggregates),
        *(cross.info for cross in CROSS_FEATURES),
    ]
    names = [info.feature for info in infos]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"Feature names must be unique; duplicated: {duplicated}")
    return tuple(infos)


def feature_columns() -> list[str]:
    """The feature columns of model_input_table and scoring_input_table, in order (identifiers excluded)."""
    return [info.feature for info in feature_infos()]


def categorical_columns() -> list[str]:
    """Feature columns that hold text categories (the model encodes them)."""
    return [info.feature for info in feature_infos() if info.unit == "category"]


def feature_dictionary() -> pd.DataFrame:
    """The feature dictionary: feature, source_table, definition, unit, label_en, label_fr."""
    return pd.DataFrame(
        [info.__dict__ for info in feature_infos()],
        columns=["feature", "source_table", "definition", "unit", "label_en", "label_fr"],
    )
