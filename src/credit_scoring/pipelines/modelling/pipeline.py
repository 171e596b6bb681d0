"""Modelling pipeline, in five stages: preparation (settings, holdout, folds, leakage) → search (candidates,
Optuna studies, finer search, refit, comparison) → assessment (metrics, experiments, figures) → release
(bundle, promotion gate, registry, batch scores).

Every node takes keyword inputs, and every modelling parameter reaches it through one typed object,
``modelling_settings`` (`params.ModellingSettings`), parsed once from ``params:modelling``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.modelling import assessment, preparation, release, search
from credit_scoring.pipelines.modelling.protected import protected_attribute_experiment
from credit_scoring.pipelines.modelling.scorecard import build_scorecard_points
from credit_scoring.serving.serving_data import serving_tables

#: Optuna studies, one per entry of ``modelling.tuning`` in the parameters.
TUNING_STUDIES = ("logreg", "lgbm")

SETTINGS = "modelling_settings"
TRAINING, HOLDOUT, FOLDS = "modelling_training_table", "modelling_holdout_table", "cv_folds"
CANDIDATES, SELECTED, METRICS = "candidate_results", "selected_model_name", "model_metrics"


def _node(
    func: Callable[..., Any], outputs: str | list[str], *, name: str, tags: list[str], **inputs: str
) -> Node:
    """A node whose function receives each dataset as the keyword argument it is listed under."""
    return Node(func, inputs=inputs, outputs=outputs, name=name, tags=tags)


def _preparation() -> list[Node]:
    training = ["training"]
    return [
        _node(
            preparation.parse_settings,
            SETTINGS,
            name="parse_modelling_settings_node",
            tags=training,
            modelling="params:modelling",
            random_state="params:random_state",
        ),
        _node(
            preparation.split_model_input,
            [TRAINING, HOLDOUT],
            name="split_model_input_node",
            tags=training,
            model_input_table="model_input_table",
            settings=SETTINGS,
        ),
        _node(
            preparation.make_cv_folds,
            FOLDS,
            name="make_cv_folds_node",
            tags=training,
            training_table=TRAINING,
            settings=SETTINGS,
        ),
        _node(
            preparation.check_feature_leakage,
            "feature_leakage_report",
            name="check_feature_leakage_node",
            tags=["training", "reporting"],
            training_table=TRAINING,
            cv_folds=FOLDS,
            settings=SETTINGS,
        ),
    ]


def _study(study: str) -> Callable[..., Any]:
    return update_wrapper(partial(search.tune_candidate, study=study), search.tune_candidate)


def _search() -> list[Node]:
    training = ["training"]
    on_folds = {"training_table": TRAINING, "cv_folds": FOLDS, "settings": SETTINGS}
    studies = {study: f"{study}_tuning_result" for study in TUNING_STUDIES}
    return [
        _node(
            search.cross_validate_candidates,
            "baseline_cv_results",
            name="cross_validate_candidates_node",
            tags=training,
            **on_folds,
        ),
        *[
            _node(
                _study(study),
                [f"{study}_tuning_result", f"{study}_tuning_trials"],
                name=f"tune_{study}_node",
                tags=training,
                **on_folds,
            )
            for study in TUNING_STUDIES
        ],
        _node(
            search.refine_search,
            ["refined_tuning_results", "refined_tuning_trials"],
            name="refine_search_node",
            tags=training,
            baseline_results="baseline_cv_results",
            **on_folds,
            **studies,
        ),
        _node(
            search.gather_candidates,
            "tuned_candidates",
            name="gather_candidates_node",
            tags=training,
            baseline_results="baseline_cv_results",
            refined_results="refined_tuning_results",
            **studies,
        ),
        Node(
            search.combine_trials,
            inputs=[*(f"{study}_tuning_trials" for study in TUNING_STUDIES), "refined_tuning_trials"],
            outputs="tuning_trials",
            name="combine_trials_node",
            tags=["reporting"],
        ),
        _node(
            search.refit_candidates,
            CANDIDATES,
            name="refit_candidates_node",
            tags=training,
            candidates="tuned_candidates",
            holdout_table=HOLDOUT,
            **on_folds,
        ),
        _node(
            search.compare_candidates,
            ["model_comparison", SELECTED],
            name="compare_candidates_node",
            tags=["reporting"],
            candidate_results=CANDIDATES,
            training_table=TRAINING,
            holdout_table=HOLDOUT,
            settings=SETTINGS,
        ),
    ]


def _assessment() -> list[Node]:
    reporting = ["reporting"]
    selected = {"candidate_results": CANDIDATES, "selected_model": SELECTED}
    return [
        _node(
            assessment.evaluate_selected_model,
            [METRICS, "cost_threshold_curve", "calibration_curve"],
            name="evaluate_selected_model_node",
            tags=reporting,
            training_table=TRAINING,
            holdout_table=HOLDOUT,
            scoring_input_table="scoring_input_table",
            cv_folds=FOLDS,
            feature_leakage_report="feature_leakage_report",
            settings=SETTINGS,
            **selected,
        ),
        _node(
            protected_attribute_experiment,
            ["protected_attribute_experiment", "protected_attribute_metrics"],
            name="protected_attribute_experiment_node",
            tags=reporting,
            model_input_table="model_input_table",
            training_table=TRAINING,
            holdout_table=HOLDOUT,
            cv_folds=FOLDS,
            settings=SETTINGS,
            reporting="params:reporting",
            **selected,
        ),
        _node(
            assessment.mlflow_metrics,
            "modelling_metrics",
            name="log_modelling_metrics_node",
            tags=reporting,
            model_metrics=METRICS,
            model_comparison="model_comparison",
        ),
        _node(
            build_scorecard_points,
            "scorecard_points",
            name="build_scorecard_points_node",
            tags=reporting,
            settings=SETTINGS,
            **selected,
        ),
        *_figures(),
    ]


def _figures() -> list[Node]:
    reporting = ["reporting"]
    on_holdout = {"candidate_results": CANDIDATES, "holdout_table": HOLDOUT, "settings": SETTINGS}
    return [
        _node(
            assessment.plot_roc_curves,
            "roc_curve_plot",
            name="plot_roc_curves_node",
            tags=reporting,
            selected_model=SELECTED,
            **on_holdout,
        ),
        _node(
            assessment.plot_precision_recall,
            "precision_recall_plot",
            name="plot_precision_recall_node",
            tags=reporting,
            model_metrics=METRICS,
            **on_holdout,
        ),
        _node(
            assessment.plot_confusion_matrix,
            "confusion_matrix_plot",
            name="plot_confusion_matrix_node",
            tags=reporting,
            model_metrics=METRICS,
            **on_holdout,
        ),
        _node(
            assessment.plot_cost_threshold,
            "cost_threshold_plot",
            name="plot_cost_threshold_node",
            tags=reporting,
            cost_threshold_curve="cost_threshold_curve",
            model_metrics=METRICS,
        ),
        _node(
            assessment.plot_cost_sensitivity,
            "cost_sensitivity_plot",
            name="plot_cost_sensitivity_node",
            tags=reporting,
            model_metrics=METRICS,
        ),
        _node(
            assessment.plot_calibration,
            "calibration_plot",
            name="plot_calibration_node",
            tags=reporting,
            calibration_curve_table="calibration_curve",
            model_metrics=METRICS,
        ),
    ]


def _release() -> list[Node]:
    registry = ["registry"]
    return [
        _node(
            release.build_model_bundle,
            "model_bundle",
            name="build_model_bundle_node",
            tags=["training"],
            candidate_results=CANDIDATES,
            model_metrics=METRICS,
            training_table=TRAINING,
            settings=SETTINGS,
        ),
        _node(
            release.champion_evaluation,
            "champion_evaluation",
            name="evaluate_champion_node",
            tags=registry,
            champion_model="champion_model",
            holdout_table=HOLDOUT,
            settings=SETTINGS,
        ),
        _node(
            release.decide_promotion,
            "promotion_decision",
            name="decide_promotion_node",
            tags=registry,
            model_bundle="model_bundle",
            model_metrics=METRICS,
            champion_evaluation="champion_evaluation",
            holdout_table=HOLDOUT,
            settings=SETTINGS,
        ),
        # what a scoring host needs besides the model, published with the version (docs/deployment.md)
        _node(
            serving_tables,
            "serving_data",
            name="collect_serving_data_node",
            tags=registry,
            clients="staged_application_test",
            client_features="scoring_input_table",
            training_clients="staged_application_train",
            history_features="client_history_features",
        ),
        _node(
            release.package_model_release,
            "registered_model",
            name="register_model_node",
            tags=registry,
            model_bundle="model_bundle",
            model_metrics=METRICS,
            promotion_decision="promotion_decision",
            training_table=TRAINING,
            serving_data="serving_data",
            settings=SETTINGS,
        ),
        # reads the registry after publication: the scores come from the model that serves
        _node(
            release.score_applications,
            "scoring_predictions",
            name="score_applications_node",
            tags=["inference"],
            served_model="registered_model",
            scoring_input_table="scoring_input_table",
            settings=SETTINGS,
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([*_preparation(), *_search(), *_assessment(), *_release()])
