"""The whole loop on generated data: months of applicants replayed through the scoring API (real HTTP, real
decision log), their outcomes sent back after the observation window, and the performance pipeline's nodes
reading both, at two moments: just after the downturn starts (no label yet) and at the end (labels back).

Two downturns, because they differ in what an estimate without labels can see:
- ``riskier_applicants``: riskier people apply, each profile defaults as before. The estimate moves the
  month the downturn starts, and the realised cost lands inside the estimate's interval when labels arrive.
- ``economic_downturn`` (the generator's): the clients' latent risk rises, so the same profile defaults more
  often. The estimate still moves first, but the realised cost lands above its interval, and the summary
  says so (``realised_above_estimate``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from credit_scoring.pipelines.drift.datasets import PredictionLogReader
from credit_scoring.pipelines.performance import nodes as performance
from credit_scoring.pipelines.performance.datasets import OutcomeFeedDataset
from credit_scoring.pipelines.traffic.nodes import replay_traffic
from credit_scoring.project_config import read_config
from credit_scoring.records import PerformanceSummary
from tests.fixtures.generated_project import build_generated_project

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[3]
MONTHS = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
DOWNTURN_FROM = 3  # 2027-03
COST = {"false_negative": 10, "false_positive": 1}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_generated_project(tmp_path_factory.mktemp("loop"))


def _parameters() -> dict:
    return read_config(PROJECT_ROOT, "parameters")


def _registry_of(root: Path) -> contextlib.AbstractContextManager:
    """$MLFLOW_TRACKING_URI (which the API's settings follow) set to the project's own registry."""
    return mock.patch.dict(os.environ, {"MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}"})


def _simulate(root: Path, scenario: str, *, months: int = len(MONTHS), downturn_from: int = DOWNTURN_FROM,
              applicants: int = 1200) -> tuple[Path, str, dict]:  # fmt: skip
    folder = root / "data" / "09_simulation" / scenario
    url = f"sqlite:///{folder / 'prediction_log.db'}"
    traffic = {
        "folder": str(folder),
        "decision_log_url": url,
        "first_month": MONTHS[0],
        "months": months,
        "applicants_per_month": applicants,
        "scenario": scenario,
        "scenario_from_month": downturn_from,
        "max_delay_days": 30,
        "batch_size": 100,
        "seed": 11,
    }
    with contextlib.chdir(root), _registry_of(root):
        files, manifest = replay_traffic(traffic, {}, {"observation_months": 2})
    (folder / "outcomes").mkdir(parents=True)
    for name, rows in files.items():
        rows.to_csv(folder / "outcomes" / f"{name}.csv", index=False)
    return folder, url, manifest


def _summary(root: Path, folder: Path, url: str, as_of: str) -> PerformanceSummary:
    parameters = _parameters()
    params = {**parameters["performance"], "observation_months": 2, "as_of": as_of}
    log = PredictionLogReader(url)
    with contextlib.chdir(root), _registry_of(root):
        labelled = performance.label_outcomes(
            log, OutcomeFeedDataset(str(folder / "outcomes")).load(), params
        )
        summary, _ = performance.summarize_performance(
            labelled_log=labelled,
            model_references=performance.model_references(labelled),
            staged_application_train=pd.read_parquet(
                root / "data" / "02_intermediate" / "staged_application_train.parquet"
            ),
            performance=params,
            cost=COST,
            drift=parameters["drift"],
            prediction_log=log,
        )
    return PerformanceSummary.model_validate(summary)


def _by_period(summary: PerformanceSummary) -> dict[str, object]:
    return {row.period: row for row in summary.periods}


@pytest.fixture(scope="module")
def riskier(generated: dict) -> dict:
    folder, url, manifest = _simulate(generated["root"], "riskier_applicants")
    return {
        "manifest": manifest,
        "early": _summary(generated["root"], folder, url, "2027-04-01T00:00:00Z"),
        "end": _summary(generated["root"], folder, url, "2027-06-01T00:00:00Z"),
    }


def test_every_decision_went_through_the_api_into_the_log(riskier: dict, generated: dict) -> None:
    manifest = riskier["manifest"]
    assert manifest["decisions"] == 1200 * len(MONTHS)
    assert [month["month"] for month in manifest["months"]] == MONTHS
    end = _by_period(riskier["end"])
    assert [end[m].n_decisions for m in MONTHS] == [1200] * len(MONTHS)
    assert {row.model_version for row in riskier["end"].periods} == {generated["version"]}
    # the project's own model served and was compared with its own holdout cost
    assert {row.alert.reference_cost for row in riskier["end"].periods} == {generated["reference_cost"]}
    assert all(month["known_clients"] == 1200 for month in manifest["months"])  # history found for all


def test_the_downturn_is_real_in_the_simulated_truth(riskier: dict) -> None:
    months = {month["month"]: month for month in riskier["manifest"]["months"]}
    before = max(months[m]["default_rate_all"] for m in MONTHS[: DOWNTURN_FROM - 1])
    assert min(months[m]["default_rate_all"] for m in MONTHS[DOWNTURN_FROM - 1 :]) > 1.3 * before


def test_the_estimate_moves_before_any_label_and_the_alert_fires(riskier: dict) -> None:
    early = _by_period(riskier["early"])
    downturn, normal = early["2027-03"], [early["2027-01"], early["2027-02"]]
    assert downturn.n_labelled == 0 and downturn.realised_cost is None  # no label yet...
    assert downturn.n_open == downturn.n_granted
    assert downturn.estimated_cost > 1.15 * max(row.estimated_cost for row in normal)  # ...the estimate moved
    assert downturn.alert.status == "alert"
    assert all(row.alert.status == "ok" for row in normal)
    assert riskier["early"].status == "alert"


def test_the_realised_cost_lands_within_the_estimate_once_labels_arrive(riskier: dict) -> None:
    end = _by_period(riskier["end"])
    for month in MONTHS[:2]:  # windows of two months plus up to 30 days: all labelled by 2027-06-01
        row = end[month]
        assert row.n_labelled == row.n_granted and row.n_open == 0, month
        interval = row.estimated_cost_granted_interval
        assert interval.low <= row.realised_cost <= interval.high, month
    downturn = end["2027-03"]  # windows ended in May, outcomes still arriving: about half are in
    assert 0 < downturn.n_labelled < downturn.n_granted and downturn.n_awaiting > 0
    for month in MONTHS[:3]:  # the same loans on both sides: the estimate on the labelled ones
        row = end[month]
        interval = row.estimated_cost_labelled_interval
        assert interval.low <= row.realised_cost <= interval.high, month
        assert row.realised_vs_estimate == "within", month
    assert end["2027-05"].n_labelled == 0 and end["2027-05"].n_open == end["2027-05"].n_granted


def test_the_labels_follow_the_delay(riskier: dict) -> None:
    early = _by_period(riskier["early"])
    # as of 2027-04-01: January's windows ended in March, most outcomes are in; February's are still open
    assert early["2027-01"].n_labelled > 0
    assert early["2027-01"].n_open == 0
    assert early["2027-02"].n_labelled == 0 and early["2027-02"].n_open > 0


def test_a_change_of_the_relation_is_caught_only_by_the_labels(generated: dict) -> None:
    # four months, the downturn from February: its labels arrive in April, before the end (1 May)
    folder, url, _ = _simulate(
        generated["root"], "economic_downturn", months=4, downturn_from=2, applicants=1000
    )
    early = _by_period(_summary(generated["root"], folder, url, "2027-03-01T00:00:00Z"))
    end = _by_period(_summary(generated["root"], folder, url, "2027-05-01T00:00:00Z"))
    assert early["2027-02"].n_labelled == 0
    assert early["2027-02"].alert.status == "alert"  # the estimate moved first
    assert early["2027-01"].alert.status == "ok"
    assert end["2027-01"].realised_vs_estimate == "within"
    downturn = end["2027-02"]
    assert downturn.n_labelled > 0
    assert downturn.realised_vs_estimate == "above"  # then the labels show more than it said
    assert downturn.realised_cost > downturn.estimated_cost_labelled_interval.high
