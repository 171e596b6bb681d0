"""Nodes of data_processing: validate the raw tables, build features with Ibis, hand over pandas model inputs.

Every node takes Ibis tables (lazy, on DuckDB or Spark: the catalog decides) and parameters; feature logic
lives in `credit_scoring.features`, shared with the online scoring path.
"""

from __future__ import annotations

import logging
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from credit_scoring.features import (
    bureau,
    credit_card,
    installments,
    pos_cash,
    previous_application,
)
from credit_scoring.features.application import TARGET, application_features
from credit_scoring.features.definitions import feature_columns, feature_dictionary
from credit_scoring.features.expressions import CLIENT_KEY
from credit_scoring.features.model_input import assemble_model_input, to_model_input_frame
from credit_scoring.raw.tables import APPLICATION_TABLES, CLIENT_HISTORY_TABLES, HISTORY_TABLES
from credit_scoring.raw.validation import ValidationSettings, stage_raw_table, validate_staged_table
from credit_scoring.serving.history import history_feature_columns

logger = logging.getLogger(__name__)

RAW_TABLE_NAMES: tuple[str, ...] = (*APPLICATION_TABLES, *HISTORY_TABLES)


class ClientIdentifierError(ValueError):
    """Raised when the same client appears in the training and the production applications."""


def stage_table(raw: ir.Table, table: str) -> ir.Table:
    """Parse a raw table (all columns as text) once: numbers as float64, text kept, bad numbers counted."""
    return stage_raw_table(raw, table)


def validate_table(
    staged: ir.Table, raw: ir.Table, validation: dict[str, Any], table: str
) -> tuple[ir.Table, dict[str, Any]]:
    """Validate a staged table (the raw text is read again only to describe unparsable values).

    Returns the typed table (lazy) and its summary for the validation report.
    """
    settings = ValidationSettings.model_validate(validation)
    result = validate_staged_table(staged, table, settings, raw=raw)
    logger.info("%s: %d rows valid", result.summary["file"], result.summary["rows"])
    return result.typed, result.summary


def build_application_features(validated_application: ir.Table) -> ir.Table:
    """Application-level features (one row per application)."""
    return application_features(validated_application)


def build_bureau_features(validated_bureau: ir.Table, validated_bureau_balance: ir.Table) -> ir.Table:
    """Per-client BUREAU_ features from bureau and bureau_balance."""
    return bureau.bureau_features(validated_bureau, validated_bureau_balance)


def build_previous_application_features(validated_previous_application: ir.Table) -> ir.Table:
    """Per-client PREV_ features from previous_application."""
    return previous_application.previous_application_features(validated_previous_application)


def build_pos_cash_features(validated_pos_cash_balance: ir.Table) -> ir.Table:
    """Per-client POS_ features from POS_CASH_balance."""
    return pos_cash.pos_cash_features(validated_pos_cash_balance)


def build_installments_features(validated_installments_payments: ir.Table) -> ir.Table:
    """Per-client INSTAL_ features from installments_payments."""
    return installments.installments_features(validated_installments_payments)


def build_credit_card_features(validated_credit_card_balance: ir.Table) -> ir.Table:
    """Per-client CC_ features from credit_card_balance."""
    return credit_card.credit_card_features(validated_credit_card_balance)


def _check_disjoint_clients(train: ir.Table, test: ir.Table, max_examples: int) -> None:
    shared = train.select(CLIENT_KEY).intersect(test.select(CLIENT_KEY))
    count = int(shared.count().to_pyarrow().as_py())
    if count:
        examples = shared.order_by(CLIENT_KEY).limit(max_examples).to_pyarrow().column(CLIENT_KEY).to_pylist()
        raise ClientIdentifierError(
            f"application_train.csv and application_test.csv share {count} SK_ID_CURR value(s), "
            f"e.g. {examples}: a client is either for training or in production"
        )


def _model_input(application_features: ir.Table, history: dict[str, ir.Table]) -> pd.DataFrame:
    frame = to_model_input_frame(assemble_model_input(application_features, history))
    logger.info("%d clients x %d features", len(frame), len(feature_columns()))
    return frame


def build_model_input_table(
    *,
    application_train_features: ir.Table,
    application_test_features: ir.Table,
    bureau_features: ir.Table,
    previous_application_features: ir.Table,
    pos_cash_features: ir.Table,
    installments_features: ir.Table,
    credit_card_features: ir.Table,
    validation: dict[str, Any],
) -> pd.DataFrame:
    """One row per training client: SK_ID_CURR, TARGET, the features; refuses clients also in production."""
    settings = ValidationSettings.model_validate(validation)
    _check_disjoint_clients(application_train_features, application_test_features, settings.max_examples)
    return _model_input(
        application_train_features,
        {
            "bureau": bureau_features,
            "previous_application": previous_application_features,
            "pos_cash": pos_cash_features,
            "installments": installments_features,
            "credit_card": credit_card_features,
        },
    )


def build_scoring_input_table(
    *,
    application_test_features: ir.Table,
    bureau_features: ir.Table,
    previous_application_features: ir.Table,
    pos_cash_features: ir.Table,
    installments_features: ir.Table,
    credit_card_features: ir.Table,
) -> pd.DataFrame:
    """One row per production client: SK_ID_CURR and exactly the model input's features."""
    return _model_input(
        application_test_features,
        {
            "bureau": bureau_features,
            "previous_application": previous_application_features,
            "pos_cash": pos_cash_features,
            "installments": installments_features,
            "credit_card": credit_card_features,
        },
    )


def build_client_history_features(
    *,
    application_train_features: ir.Table,
    application_test_features: ir.Table,
    bureau_features: ir.Table,
    previous_application_features: ir.Table,
    pos_cash_features: ir.Table,
    installments_features: ir.Table,
    credit_card_features: ir.Table,
) -> ir.Table:
    """The keyed store of the online path: one row per client of either application table, by SK_ID_CURR,
    with the model inputs' history columns (same assembly: 0 counts, NULLs for a client without history)."""
    clients = application_train_features.drop(TARGET).union(application_test_features)
    model_input = assemble_model_input(
        clients,
        {
            "bureau": bureau_features,
            "previous_application": previous_application_features,
            "pos_cash": pos_cash_features,
            "installments": installments_features,
            "credit_card": credit_card_features,
        },
    )
    return model_input.select(CLIENT_KEY, *history_feature_columns()).order_by(CLIENT_KEY)


def build_feature_dictionary(scoring_input_table: pd.DataFrame) -> pd.DataFrame:
    """The dictionary of exactly the model inputs' features, in their column order.

    Reads the (smaller) scoring table: both model inputs have the same feature columns.
    """
    dictionary = feature_dictionary().set_index("feature", drop=False)
    features = [column for column in scoring_input_table.columns if column not in (CLIENT_KEY, "TARGET")]
    undocumented = [feature for feature in features if feature not in dictionary.index]
    if undocumented:
        raise ValueError(f"Features without a dictionary entry: {undocumented}")
    return dictionary.loc[features].reset_index(drop=True)


def build_validation_report(**inputs: Any) -> dict[str, Any]:
    """Row counts, ignored columns, sentinels set to NULL, and history rows that no client or loan claims.

    Keyword inputs: ``<table>_summary`` (dict from `validate_table`) and ``<table>_validated`` (typed table)
    for every raw table, Kaggle table names.
    """
    summaries = {table: inputs[f"{table}_summary"] for table in RAW_TABLE_NAMES}
    validated = {table: inputs[f"{table}_validated"] for table in RAW_TABLE_NAMES}
    clients = (
        validated["application_train"]
        .select(CLIENT_KEY)
        .union(validated["application_test"].select(CLIENT_KEY))
    )
    unattributed: dict[str, int] = {}
    for table in CLIENT_HISTORY_TABLES:
        rows = validated[table]
        unattributed[f"{table} rows of clients in no application table"] = _count(
            rows.anti_join(clients, CLIENT_KEY)
        )
    unattributed["bureau_balance rows of loans absent from bureau"] = _count(
        validated["bureau_balance"].anti_join(validated["bureau"].select("SK_ID_BUREAU"), "SK_ID_BUREAU")
    )
    previous_loans = validated["previous_application"].select("SK_ID_PREV")
    for table in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        description = f"{table} rows of loans absent from previous_application (used: they carry SK_ID_CURR)"
        unattributed[description] = _count(validated[table].anti_join(previous_loans, "SK_ID_PREV"))
    for description, count in unattributed.items():
        if count:
            logger.info("%s: %d", description, count)
    return {"tables": summaries, "unattributed_rows": unattributed}


def _count(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())
