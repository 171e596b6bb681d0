"""data_processing: raw CSVs → staged → validated → features (Ibis: DuckDB or Spark) → model input tables."""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.data_processing import nodes
from credit_scoring.pipelines.data_processing.nodes import RAW_TABLE_NAMES

VALIDATION_PARAMS = "params:data_processing.validation"


def catalog_name(table: str) -> str:
    """Catalog name of a raw table (Kaggle names are mixed case: POS_CASH_balance → pos_cash_balance)."""
    return table.lower()


def _stage_and_validate_nodes(table: str) -> list[Node]:
    name = catalog_name(table)
    stage = update_wrapper(partial(nodes.stage_table, table=table), nodes.stage_table)
    validate = update_wrapper(partial(nodes.validate_table, table=table), nodes.validate_table)
    return [
        Node(stage, inputs=name, outputs=f"staged_{name}", name=f"stage_{name}_node", tags=["validation"]),
        Node(
            validate,
            inputs=[f"staged_{name}", name, VALIDATION_PARAMS],
            outputs=[f"validated_{name}", f"{name}_validation_summary"],
            name=f"validate_{name}_node",
            tags=["validation"],
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    """Validate the eight raw tables, build application and history features, write the model inputs."""
    validation = [node for table in RAW_TABLE_NAMES for node in _stage_and_validate_nodes(table)]
    report = Node(
        nodes.build_validation_report,
        inputs={
            **{f"{table}_summary": f"{catalog_name(table)}_validation_summary" for table in RAW_TABLE_NAMES},
            **{f"{table}_validated": f"validated_{catalog_name(table)}" for table in RAW_TABLE_NAMES},
        },
        outputs="raw_data_validation_report",
        name="raw_data_validation_report_node",
        tags=["validation"],
    )
    features = [
        Node(
            nodes.build_application_features,
            "validated_application_train",
            "application_train_features",
            name="application_train_features_node",
        ),
        Node(
            nodes.build_application_features,
            "validated_application_test",
            "application_test_features",
            name="application_test_features_node",
        ),
        Node(
            nodes.build_bureau_features,
            ["validated_bureau", "validated_bureau_balance"],
            "bureau_features",
            name="bureau_features_node",
        ),
        Node(
            nodes.build_previous_application_features,
            "validated_previous_application",
            "previous_application_features",
            name="previous_application_features_node",
        ),
        Node(
            nodes.build_pos_cash_features,
            "validated_pos_cash_balance",
            "pos_cash_features",
            name="pos_cash_features_node",
        ),
        Node(
            nodes.build_installments_features,
            "validated_installments_payments",
            "installments_features",
            name="installments_features_node",
        ),
        Node(
            nodes.build_credit_card_features,
            "validated_credit_card_balance",
            "credit_card_features",
            name="credit_card_features_node",
        ),
    ]
    history = {
        "bureau_features": "bureau_features",
        "previous_application_features": "previous_application_features",
        "pos_cash_features": "pos_cash_features",
        "installments_features": "installments_features",
        "credit_card_features": "credit_card_features",
    }
    model_input = [
        Node(
            nodes.build_model_input_table,
            inputs={
                "application_train_features": "application_train_features",
                "application_test_features": "application_test_features",
                **history,
                "validation": VALIDATION_PARAMS,
            },
            outputs="model_input_table",
            name="model_input_table_node",
        ),
        Node(
            nodes.build_scoring_input_table,
            inputs={"application_test_features": "application_test_features", **history},
            outputs="scoring_input_table",
            name="scoring_input_table_node",
        ),
        Node(
            nodes.build_client_history_features,
            inputs={
                "application_train_features": "application_train_features",
                "application_test_features": "application_test_features",
                **history,
            },
            outputs="client_history_features",
            name="client_history_features_node",
        ),
        Node(
            nodes.build_feature_dictionary,
            "scoring_input_table",
            "feature_dictionary",
            name="feature_dictionary_node",
        ),
    ]
    return Pipeline([*validation, report, *[n.tag("features") for n in features], *model_input])
