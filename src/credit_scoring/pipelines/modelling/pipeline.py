"""Modelling pipeline: holdout and folds → baselines → Optuna → comparison → selected model → registry."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.modelling import nodes
from credit_scoring.pipelines.modelling.protected import protected_attribute_experiment
from credit_scoring.pipelines.modelling.scorecard import build_scorecard_points

#: Optuna studies, one per entry of ``modelling.tuning`` in the parameters.
TUNING_STUDIES = ("logreg", "lgbm")
STUDY_RESULTS = {study: f"{study}_tuning_result" for study in TUNING_STUDIES}

SPLIT = "params:modelling.split"
COST = "params:modelling.cost"
N_JOBS = "params:modelling.n_jobs"
SEED = "params:random_state"
EXCLUDED = "params:modelling.excluded_features"


def _tuning_node(study: str) -> Node:
    return Node(
        nodes.tune_candidate,
        inputs=[
            "modelling_training_table",
            "cv_folds",
            SPLIT,
            f"params:modelling.tuning.{study}",
            COST,
            N_JOBS,
            SEED,
        ],
        outputs=[f"{study}_tuning_result", f"{study}_tuning_trials"],
        name=f"tune_{study}_node",
        tags=["training"],
    )


def create_pipeline(**kwargs) -> Pipeline:
    split_and_guard = [
        Node(
            nodes.split_model_input,
            inputs=["model_input_table", SPLIT, EXCLUDED],
            outputs=["modelling_training_table", "modelling_holdout_table"],
            name="split_model_input_node",
            tags=["training"],
        ),
        Node(
            nodes.make_cv_folds,
            inputs=["modelling_training_table", SPLIT, SEED],
            outputs="cv_folds",
            name="make_cv_folds_node",
            tags=["training"],
        ),
        Node(
            nodes.check_feature_leakage,
            inputs=["modelling_training_table", "cv_folds", SPLIT, "params:modelling.guards"],
            outputs="feature_leakage_report",
            name="check_feature_leakage_node",
            tags=["training", "reporting"],
        ),
    ]
    search = [
        Node(
            nodes.cross_validate_candidates,
            inputs=[
                "modelling_training_table",
                "cv_folds",
                SPLIT,
                "params:modelling.candidates",
                COST,
                N_JOBS,
                SEED,
            ],
            outputs="baseline_cv_results",
            name="cross_validate_candidates_node",
            tags=["training"],
        ),
        *[_tuning_node(study) for study in TUNING_STUDIES],
        Node(
            nodes.refine_search,
            inputs={
                "training_table": "modelling_training_table",
                "cv_folds": "cv_folds",
                "split": SPLIT,
                "refine": "params:modelling.refine",
                "cost": COST,
                "n_jobs": N_JOBS,
                "random_state": SEED,
                "baseline_results": "baseline_cv_results",
                **{f"{study}_result": f"{study}_tuning_result" for study in TUNING_STUDIES},
                **{f"{study}_spec": f"params:modelling.tuning.{study}" for study in TUNING_STUDIES},
            },
            outputs=["refined_tuning_results", "refined_tuning_trials"],
            name="refine_search_node",
            tags=["training"],
        ),
        Node(
            nodes.gather_candidates,
            inputs={
                "baseline_results": "baseline_cv_results",
                "refined_results": "refined_tuning_results",
                **STUDY_RESULTS,
            },
            outputs="tuned_candidates",
            name="gather_candidates_node",
            tags=["training"],
        ),
        Node(
            nodes.combine_trials,
            inputs=[*(f"{study}_tuning_trials" for study in TUNING_STUDIES), "refined_tuning_trials"],
            outputs="tuning_trials",
            name="combine_trials_node",
            tags=["reporting"],
        ),
        Node(
            nodes.refit_candidates,
            inputs=[
                "modelling_training_table",
                "modelling_holdout_table",
                "cv_folds",
                SPLIT,
                COST,
                "params:modelling.calibration",
                N_JOBS,
                SEED,
                "tuned_candidates",
            ],
            outputs="candidate_results",
            name="refit_candidates_node",
            tags=["training"],
        ),
    ]
    evaluate = [
        Node(
            nodes.compare_candidates,
            inputs=[
                "candidate_results",
                "modelling_training_table",
                "modelling_holdout_table",
                SPLIT,
                COST,
                "params:modelling.guards",
                "params:modelling.selection",
            ],
            outputs=["model_comparison", "selected_model_name"],
            name="compare_candidates_node",
            tags=["reporting"],
        ),
        Node(
            nodes.evaluate_selected_model,
            inputs={
                "candidate_results": "candidate_results",
                "selected_model": "selected_model_name",
                "training_table": "modelling_training_table",
                "holdout_table": "modelling_holdout_table",
                "scoring_input_table": "scoring_input_table",
                "cv_folds": "cv_folds",
                "feature_leakage_report": "feature_leakage_report",
                "split": SPLIT,
                "cost": COST,
                "guards": "params:modelling.guards",
                "calibration": "params:modelling.calibration",
                "risk_report": "params:modelling.risk_report",
            },
            outputs=["model_metrics", "cost_threshold_curve", "calibration_curve"],
            name="evaluate_selected_model_node",
            tags=["reporting"],
        ),
        Node(
            protected_attribute_experiment,
            inputs={
                "candidate_results": "candidate_results",
                "selected_model": "selected_model_name",
                "model_input_table": "model_input_table",
                "training_table": "modelling_training_table",
                "holdout_table": "modelling_holdout_table",
                "cv_folds": "cv_folds",
                "split": SPLIT,
                "cost": COST,
                "calibration": "params:modelling.calibration",
                "excluded_features": EXCLUDED,
                "experiment": "params:modelling.protected_experiment",
                "reporting": "params:reporting",
                "n_jobs": N_JOBS,
                "random_state": SEED,
            },
            outputs=["protected_attribute_experiment", "protected_attribute_metrics"],
            name="protected_attribute_experiment_node",
            tags=["reporting"],
        ),
        Node(
            nodes.mlflow_metrics,
            inputs=["model_metrics", "model_comparison"],
            outputs="modelling_metrics",
            name="log_modelling_metrics_node",
            tags=["reporting"],
        ),
        Node(
            build_scorecard_points,
            inputs={
                "candidate_results": "candidate_results",
                "selected_model": "selected_model_name",
                "scaling": "params:modelling.scorecard",
            },
            outputs="scorecard_points",
            name="build_scorecard_points_node",
            tags=["reporting"],
        ),
    ]
    plots = [
        Node(
            nodes.plot_roc_curves,
            inputs=["candidate_results", "selected_model_name", "modelling_holdout_table", SPLIT],
            outputs="roc_curve_plot",
            name="plot_roc_curves_node",
        ),
        Node(
            nodes.plot_precision_recall,
            inputs=["candidate_results", "model_metrics", "modelling_holdout_table", SPLIT],
            outputs="precision_recall_plot",
            name="plot_precision_recall_node",
        ),
        Node(
            nodes.plot_cost_threshold,
            inputs=["cost_threshold_curve", "model_metrics"],
            outputs="cost_threshold_plot",
            name="plot_cost_threshold_node",
        ),
        Node(
            nodes.plot_confusion_matrix,
            inputs=["candidate_results", "model_metrics", "modelling_holdout_table", SPLIT, COST],
            outputs="confusion_matrix_plot",
            name="plot_confusion_matrix_node",
        ),
        Node(
            nodes.plot_cost_sensitivity,
            inputs="model_metrics",
            outputs="cost_sensitivity_plot",
            name="plot_cost_sensitivity_node",
        ),
        Node(
            nodes.plot_calibration,
            inputs=["calibration_curve", "model_metrics"],
            outputs="calibration_plot",
            name="plot_calibration_node",
        ),
    ]
    release = [
        Node(
            nodes.build_model_bundle,
            inputs=["candidate_results", "model_metrics", "modelling_training_table", SPLIT, COST],
            outputs="model_bundle",
            name="build_model_bundle_node",
            tags=["training"],
        ),
        Node(
            nodes.evaluate_champion,
            inputs=["champion_model", "modelling_holdout_table", SPLIT],
            outputs="champion_evaluation",
            name="evaluate_champion_node",
            tags=["registry"],
        ),
        Node(
            nodes.decide_promotion,
            inputs=[
                "model_bundle",
                "model_metrics",
                "champion_evaluation",
                "modelling_holdout_table",
                SPLIT,
                COST,
                "params:modelling.registry",
                SEED,
            ],
            outputs="promotion_decision",
            name="decide_promotion_node",
            tags=["registry"],
        ),
        Node(
            nodes.package_model_release,
            inputs=[
                "model_bundle",
                "model_metrics",
                "promotion_decision",
                "modelling_training_table",
                "params:modelling.registry",
            ],
            outputs="registered_model",
            name="register_model_node",
            tags=["registry"],
        ),
        # reads the registry after publication: the scores come from the model that serves
        Node(
            nodes.score_applications,
            inputs=["registered_model", "scoring_input_table", SPLIT],
            outputs="scoring_predictions",
            name="score_applications_node",
            tags=["inference"],
        ),
    ]
    plot_nodes = [node.tag(["reporting"]) for node in plots]
    return Pipeline([*split_and_guard, *search, *evaluate, *plot_nodes, *release])
