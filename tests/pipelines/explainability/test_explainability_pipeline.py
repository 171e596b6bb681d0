"""The explainability pipeline on tiny data: in memory with SequentialRunner, outputs checked one by one."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from matplotlib.figure import Figure

from credit_scoring.cost import confusion_counts, decisions
from credit_scoring.features.families import FAMILIES, FAMILY_BY_CODE
from credit_scoring.pipelines.explainability import create_pipeline, nodes
from credit_scoring.pipelines.explainability.params import parse_params
from credit_scoring.registry import RegisteredModel
from credit_scoring.serving.explain import ScoreExplainer
from credit_scoring.serving.model import CreditScoringModel
from tests.fixtures.explain_models import dictionary_model_input, fitted_bundle
from tests.fixtures.model_input import synthetic_model_input

PROJECT_ROOT = Path(__file__).resolve().parents[3]
FAMILY_LABELS_EN = {family.label_en for family in FAMILIES}
SIGNAL_FEATURES = {"FEATURE_000", "FEATURE_001", "FEATURE_002", "CATEGORY_00"}


def project_params() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_explainability.yml").read_text())[
        "explainability"
    ]


def reason_policy() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_reasons.yml").read_text())["reason_policy"]


class KeptDataset(MemoryDataset):
    """An in-memory dataset the runner does not release, so the test can read every output afterwards."""

    def __init__(self) -> None:
        super().__init__(copy_mode="assign")

    def _release(self) -> None:
        pass


def run_in_memory(model: CreditScoringModel, holdout: pd.DataFrame, scoring: pd.DataFrame) -> dict[str, Any]:
    pipeline = create_pipeline()
    params = {**project_params(), "global_sample_size": 150, "dependence_top_features": 4}
    catalog = DataCatalog(
        {
            **{name: KeptDataset() for name in pipeline.all_outputs()},
            "model_bundle": MemoryDataset(model, copy_mode="assign"),
            "registered_model": MemoryDataset(
                RegisteredModel(version="7", run_id=None, model=model), copy_mode="assign"
            ),
            "params:described_model": MemoryDataset("champion"),
            "modelling_holdout_table": MemoryDataset(holdout),
            "scoring_input_table": MemoryDataset(scoring),
            "params:explainability": MemoryDataset(params),
            "params:random_state": MemoryDataset(42),
            "params:reason_policy": MemoryDataset(reason_policy()),
        }
    )
    SequentialRunner().run(pipeline, catalog)
    return {name: catalog.load(name) for name in pipeline.all_outputs()}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {
        "training": synthetic_model_input(1200, n_numeric=6, n_categorical=2, seed=21),
        "holdout": synthetic_model_input(300, n_numeric=6, n_categorical=2, seed=22, first_id=500_000),
        "scoring": synthetic_model_input(
            40, n_numeric=6, n_categorical=2, seed=23, with_target=False, first_id=900_000
        ),
    }


@pytest.fixture(scope="module")
def lgbm_model(tables: dict[str, pd.DataFrame]) -> CreditScoringModel:
    return fitted_bundle(tables["training"], "lgbm")


@pytest.fixture(scope="module")
def outputs(lgbm_model: CreditScoringModel, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    return run_in_memory(lgbm_model, tables["holdout"], tables["scoring"])


def test_shap_tables_add_up_to_the_raw_output_for_every_client(
    outputs: dict[str, Any], lgbm_model: CreditScoringModel, tables: dict[str, pd.DataFrame]
) -> None:
    for name, table in (("holdout_shap_values", "holdout"), ("scoring_shap_values", "scoring")):
        shap_table = outputs[name]
        assert shap_table["SK_ID_CURR"].tolist() == tables[table]["SK_ID_CURR"].tolist()
        assert list(nodes.contributions_of(shap_table).columns) == lgbm_model.features
        assert nodes.additivity_error(shap_table) < 1e-9
        np.testing.assert_allclose(shap_table["probability"], lgbm_model.predict_proba(tables[table]))
    metrics = outputs["explainability_metrics"]
    assert metrics["explainability.additivity_max_error_holdout"]["value"] < 1e-9


def test_global_importance_ranks_the_signal_first_next_to_the_gain(outputs: dict[str, Any]) -> None:
    importance = outputs["shap_global_importance"]
    assert importance["rank"].tolist() == list(range(1, len(importance) + 1))
    assert importance["mean_abs_shap"].is_monotonic_decreasing
    assert set(importance["feature"].head(3)) <= SIGNAL_FEATURES
    assert (importance["model_importance_kind"] == "lightgbm_gain").all()
    assert importance["share_of_total"].sum() == pytest.approx(1.0)
    assert importance["n_clients"].iloc[0] == 150  # the documented sample, not the whole holdout
    assert (
        not importance["label_en"].str.contains("_").any()
        or importance["feature"].str.startswith("FEATURE").any()
    )


def test_every_client_has_reasons_in_both_languages(
    outputs: dict[str, Any], tables: dict[str, pd.DataFrame]
) -> None:
    explanations = outputs["client_explanations"]
    for dataset in ("scoring", "holdout"):
        rows = explanations[explanations["dataset"] == dataset]
        assert set(rows["SK_ID_CURR"]) == set(tables[dataset]["SK_ID_CURR"])
    assert explanations.loc[explanations["dataset"] == "scoring", "target"].isna().all()
    assert explanations.loc[explanations["dataset"] == "holdout", "target"].isin([0, 1]).all()
    assert (explanations["direction"] == np.where(explanations["contribution"] > 0, "raises", "lowers")).all()
    assert explanations["sentence_en"].str.endswith("risk.").all()
    assert explanations["sentence_fr"].str.endswith("risque.").all()


@pytest.fixture(scope="module")
def dictionary_run() -> dict[str, Any]:
    """client_explanations and reason_family_summary of a model over the real feature dictionary (so the
    features fall in their real families)."""
    training, holdout = dictionary_model_input(600, seed=3), dictionary_model_input(200, seed=4)
    holdout["SK_ID_CURR"] += 10_000
    scoring = dictionary_model_input(60, seed=5).drop(columns="TARGET")
    scoring["SK_ID_CURR"] += 20_000
    model = fitted_bundle(training, "lgbm")
    params = project_params()
    holdout_shap = nodes.shap_values_table(model, holdout, params)
    scoring_shap = nodes.shap_values_table(model, scoring, params)
    explanations = nodes.client_explanations(
        model, scoring, scoring_shap, holdout, holdout_shap, params, reason_policy()
    )
    summary = nodes.reason_family_summary(
        model, holdout_shap, scoring_shap, explanations, params, reason_policy()
    )
    return {"model": model, "scoring": scoring, "explanations": explanations, "summary": summary}


def test_stored_reasons_are_distinct_families_and_the_online_ones(dictionary_run: dict[str, Any]) -> None:
    explanations, per_direction = dictionary_run["explanations"], project_params()["reasons_per_direction"]
    assert set(explanations["family"]) <= set(FAMILY_BY_CODE)
    strongest = explanations.loc[explanations["rank"] <= per_direction]
    assert not strongest.duplicated(["dataset", "SK_ID_CURR", "family"]).any()
    for _, rows in explanations.groupby(["dataset", "SK_ID_CURR", "direction"]):
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert rows["contribution"].abs().is_monotonic_decreasing
    assert explanations["label_en"].map(lambda label: label in FAMILY_LABELS_EN).all()
    client = dictionary_run["scoring"].iloc[[7]]
    online = ScoreExplainer(dictionary_run["model"]).explain(client, top_k=3, language="fr")[0]
    stored = explanations[explanations["SK_ID_CURR"] == client["SK_ID_CURR"].iloc[0]].set_index("family")
    for reason in [*online.reasons, *online.refusal_reasons]:
        assert stored.loc[reason.family, "sentence_fr"] == reason.sentence
        assert stored.loc[reason.family, "contribution"] == pytest.approx(reason.contribution, abs=1e-12)
        assert stored.loc[reason.family, "features"].split(",") == [value.feature for value in reason.values]


def test_a_refused_client_gets_the_policys_refusal_reasons(dictionary_run: dict[str, Any]) -> None:
    explanations = dictionary_run["explanations"]
    told = explanations.dropna(subset=["refusal_rank"])
    assert not told.empty and (told["decision"] == "refused").all()
    assert told["refusal_reason_allowed"].all() and (told["direction"] == "raises").all()
    for _, rows in told.groupby(["dataset", "SK_ID_CURR"]):
        assert rows.sort_values("refusal_rank")["refusal_rank"].tolist() == list(range(1, len(rows) + 1))
        assert rows["family"].is_unique and len(rows) <= reason_policy()["refusal_reasons"]
        assert rows.sort_values("refusal_rank")["contribution"].is_monotonic_decreasing


def test_the_family_summary_counts_every_refused_client(dictionary_run: dict[str, Any]) -> None:
    explanations, summary = dictionary_run["explanations"], dictionary_run["summary"]
    refused = explanations.loc[explanations["decision"] == "refused"].drop_duplicates(
        ["dataset", "SK_ID_CURR"]
    )
    assert summary["refused_clients"] == len(refused) > 0
    assert sum(summary["refusal_reasons_per_client"].values()) == len(refused)
    assert sum(row["leads_refusals"] for row in summary["families"]) == len(refused) - int(
        summary["refusal_reasons_per_client"]["0"]
    )
    assert sum(row["share_of_total"] for row in summary["families"]) == pytest.approx(1.0)
    assert 0 <= summary["refused_with_all_refusal_reasons_share"] <= 1
    assert summary["refusal_reasons_distinct_share"] == 1.0
    assert 0 <= summary["feature_reasons_repeating_a_family_share"] <= 1


def test_error_analysis_counts_every_holdout_client(
    outputs: dict[str, Any], lgbm_model: CreditScoringModel, tables: dict[str, pd.DataFrame]
) -> None:
    by_score, summary = outputs["error_analysis_by_score"], outputs["error_analysis_summary"]
    holdout = tables["holdout"]
    assert by_score["clients"].sum() == len(holdout)
    expected = confusion_counts(
        holdout["TARGET"], decisions(lgbm_model.predict_proba(holdout), lgbm_model.threshold)
    )
    assert {
        outcome.lower(): int(by_score[outcome].sum()) for outcome in ("TN", "FP", "FN", "TP")
    } == expected.__dict__
    assert summary["at_threshold"]["fp"] == expected.fp
    assert lgbm_model.threshold in set(by_score["score_from"])  # the threshold is a band edge
    # bands below the threshold grant, bands above refuse: no refusal below, no grant above
    granted = by_score[by_score["decision"] == "granted"]
    assert granted[["FP", "TP"]].sum().sum() == 0
    assert by_score.loc[by_score["decision"] == "refused", ["TN", "FN"]].sum().sum() == 0
    drivers = outputs["error_drivers"]
    assert {"fp_minus_tn", "fn_minus_tp", "label_en"} <= set(drivers.columns)


def test_figures_are_built(outputs: dict[str, Any]) -> None:
    for name in ("shap_importance_plot", "shap_beeswarm_plot", "shap_dependence_plot", "error_analysis_plot"):
        figure = outputs[name]
        assert isinstance(figure, Figure) and figure.axes, name


def test_linear_model_importance_uses_coefficients(tables: dict[str, pd.DataFrame]) -> None:
    model = fitted_bundle(tables["training"], "logreg")
    params = project_params()
    shap_table = nodes.shap_values_table(model, tables["holdout"], params)
    assert nodes.additivity_error(shap_table) < 1e-9
    importance = nodes.global_importance(model, shap_table, params, 42)
    assert (importance["model_importance_kind"] == "abs_coefficient").all()
    assert len(importance) == len(model.features)  # one-hot levels and indicators summed back
    assert set(importance["feature"].head(2)) == {"FEATURE_000", "FEATURE_001"}  # the linear signal


def test_mismatched_shap_table_is_refused(
    outputs: dict[str, Any], lgbm_model: CreditScoringModel, tables
) -> None:
    shuffled = outputs["scoring_shap_values"].iloc[::-1]
    with pytest.raises(ValueError, match="do not match"):
        nodes.client_explanations(
            lgbm_model,
            tables["scoring"],
            shuffled,
            tables["holdout"],
            outputs["holdout_shap_values"],
            project_params(),
            reason_policy(),
        )


def test_parameters_are_validated() -> None:
    assert parse_params(project_params()).reasons_per_direction == 5
    with pytest.raises(ValueError, match=r"parameters_explainability\.yml"):
        parse_params({**project_params(), "threshold_margin": 0.9})
    with pytest.raises(ValueError, match="unknown_key"):
        parse_params({**project_params(), "unknown_key": 1})


def test_every_persisted_output_is_declared_in_the_catalog() -> None:
    catalog = {}
    for name in ("catalog.yml", "catalog_explainability.yml"):
        catalog |= yaml.safe_load((PROJECT_ROOT / "conf/base" / name).read_text())
    assert set(create_pipeline().all_outputs()) <= set(catalog)


def test_the_outputs_name_the_explained_version(outputs: dict[str, Any]) -> None:
    assert outputs["described_model_version"]["version"] == "7"
    assert set(outputs["shap_global_importance"]["model_version"]) == {"7"}
    assert set(outputs["client_explanations"]["model_version"]) == {"7"}


def test_default_pipeline_explains_after_modelling() -> None:
    from credit_scoring.pipeline_registry import DEFAULT_PIPELINES  # noqa: PLC0415

    assert DEFAULT_PIPELINES.index("explainability") > DEFAULT_PIPELINES.index("modelling")


def test_the_champion_is_described_unless_the_run_model_is_asked_for(lgbm_model: CreditScoringModel) -> None:
    from credit_scoring.pipelines.described_model import select_described_model  # noqa: PLC0415

    run_model = copy.copy(lgbm_model)
    champion = RegisteredModel(version="3", run_id="r", model=lgbm_model)
    model, described = select_described_model(champion, run_model, "champion")
    assert model is lgbm_model and described["version"] == "3" and described["source"] == "champion"
    model, described = select_described_model(champion, run_model, "run")
    assert model is run_model and described == {**described, "source": "run", "version": None}
    broken = RegisteredModel(version="3", run_id="r", model=None, load_error="gone")
    model, described = select_described_model(broken, run_model, "champion")
    assert model is run_model and "cannot be loaded" in described["note"]
    with pytest.raises(ValueError, match="described_model"):
        select_described_model(champion, run_model, "latest")


def test_long_loops_log_their_progress(
    tables: dict[str, pd.DataFrame],
    lgbm_model: CreditScoringModel,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SHAP by chunks of clients and the per-client reasons say how far they are on the full-size data."""
    monkeypatch.setattr(nodes, "CHUNK_ROWS", 50)
    monkeypatch.setattr(nodes, "PROGRESS_ROWS", 50)
    holdout = tables["holdout"]
    with caplog.at_level(logging.INFO):
        shap_table = nodes.shap_values_table(lgbm_model, holdout, project_params())
        nodes.client_explanations(
            lgbm_model,
            tables["scoring"],
            nodes.shap_values_table(lgbm_model, tables["scoring"], project_params()),
            holdout,
            shap_table,
            project_params(),
            reason_policy(),
        )
    clients = f"{len(holdout):,}"
    assert f"SHAP values (lightgbm): 50 of {clients} clients" in caplog.text
    assert f"SHAP values (lightgbm): {clients} of {clients} clients" in caplog.text
    assert f"Reasons of the holdout clients: 50 of {clients} clients" in caplog.text
