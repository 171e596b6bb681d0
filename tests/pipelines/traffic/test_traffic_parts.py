"""The traffic pipeline's parts: the outcome drops, the settings, the simulation log's reset, the applicant
mix, and the applicants' history aggregates against the batch pipeline's store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_scoring.pipelines.demo_data.config import SignalParams, packaged_profile
from credit_scoring.pipelines.demo_data.generator import fit_generator
from credit_scoring.pipelines.traffic.applicants import (
    APPLICANT_MIXES,
    history_aggregates,
    month_applicants,
    months_history_aggregates,
    scenario_names,
)
from credit_scoring.pipelines.traffic.feed import FEED_COLUMNS, arriving_outcomes
from credit_scoring.pipelines.traffic.nodes import TrafficSettings, _reset_decision_log
from credit_scoring.serving.decision_log import DecisionLog
from credit_scoring.serving.history import history_feature_columns
from tests.api.project import write_batch_outputs
from tests.fixtures.decision_records import decision_record

UNTIL = pd.Timestamp("2027-07-01", tz="UTC")


@pytest.fixture(scope="module")
def generator_model():
    signal = SignalParams()
    return fit_generator(packaged_profile(), signal.beta, signal.weight_application, signal.weight_behaviour)


def _decisions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": ["r1", "r2", "r3", "r4"],
            "SK_ID_CURR": [1, 2, 3, 4],
            "decided_at": pd.to_datetime(["2027-01-10", "2027-01-20", "2027-02-05", "2027-05-20"], utc=True),
            "decision": ["granted", "refused", "granted", "granted"],
        }
    )


def test_outcomes_come_back_for_granted_loans_after_the_window_grouped_by_arrival_month() -> None:
    outcomes = pd.Series([1, 0, 0, 1], index=pd.Index([1, 2, 3, 4], name="SK_ID_CURR"))
    files = arriving_outcomes(
        _decisions(), outcomes, observation_months=2, max_delay_days=10, until=UNTIL, seed=0
    )
    rows = pd.concat(files.values(), ignore_index=True)
    assert list(rows.columns) == list(FEED_COLUMNS)
    # r2 was refused (no loan, no outcome); r4's window ends on 2027-07-20, after the simulation
    assert sorted(rows["request_id"]) == ["r1", "r3"]
    observed = pd.to_datetime(rows.set_index("request_id")["observed_at"], utc=True)
    assert pd.Timestamp("2027-03-10", tz="UTC") <= observed["r1"] <= pd.Timestamp("2027-03-20", tz="UTC")
    assert pd.Timestamp("2027-04-05", tz="UTC") <= observed["r3"] <= pd.Timestamp("2027-04-15", tz="UTC")
    assert set(files) == {"outcomes_2027-03", "outcomes_2027-04"}
    assert files["outcomes_2027-03"]["defaulted"].tolist() == [1]


def test_a_granted_client_without_a_drawn_outcome_is_an_error() -> None:
    outcomes = pd.Series([1], index=pd.Index([1], name="SK_ID_CURR"))
    with pytest.raises(ValueError, match="no drawn outcome"):
        arriving_outcomes(_decisions(), outcomes, observation_months=2, max_delay_days=0, until=UNTIL, seed=0)


def _settings(**changes: object) -> dict:
    base = {
        "folder": "data/09_simulation",
        "decision_log_url": "sqlite:///data/09_simulation/prediction_log.db",
        "first_month": "2027-11",
        "months": 3,
        "applicants_per_month": 100,
        "scenario": "riskier_applicants",
        "scenario_from_month": 2,
        "max_delay_days": 30,
        "batch_size": 50,
        "seed": 1,
    }
    return {**base, **changes}


def test_settings_give_the_months_and_the_scenario_of_each() -> None:
    settings = TrafficSettings.model_validate(_settings())
    assert [str(start.date()) for start in settings.month_starts()] == [
        "2027-11-01",
        "2027-12-01",
        "2028-01-01",
        "2028-02-01",
    ]
    assert [settings.scenario_of(k) for k in range(3)] == ["none", "riskier_applicants", "riskier_applicants"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scenario": "recession"}, "unknown scenario 'recession'; known scenarios: bureau_feed_outage"),
        ({"first_month": "2027-13"}, "first_month"),
        ({"months": 0}, "months"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_settings_name_what_is_wrong(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrafficSettings.model_validate(_settings(**changes))


def test_the_generators_and_the_mixes_scenarios_are_all_known() -> None:
    assert {"none", "economic_downturn", "riskier_applicants"} <= set(scenario_names())


def test_the_simulation_log_is_reset_only_inside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "simulation"
    folder.mkdir()
    log = folder / "prediction_log.db"
    log.write_text("old")
    _reset_decision_log(f"sqlite:///{log}", folder)
    assert not log.exists()
    outside = tmp_path / "production.db"
    outside.write_text("real decisions")
    with pytest.raises(ValueError, match=r"outside traffic\.folder"):
        _reset_decision_log(f"sqlite:///{outside}", folder)
    assert outside.read_text() == "real decisions"


@pytest.mark.postgres
def test_a_server_log_with_decisions_is_never_written_into(postgres_url: str, tmp_path: Path) -> None:
    _reset_decision_log(postgres_url, tmp_path)  # no table yet: nothing to protect
    assert DecisionLog(postgres_url, spool_path=tmp_path / "spool.jsonl").write(
        [decision_record("r-1", "2027-01-01T00:00:00.000Z", client_id=1, probability=0.1)]
    )
    with pytest.raises(ValueError, match="already holds 1 decisions: refused"):
        _reset_decision_log(postgres_url, tmp_path)


def test_the_riskier_mix_selects_on_what_the_application_shows(generator_model) -> None:
    ordinary = month_applicants(generator_model, month_index=0, n_applicants=400, seed=3, scenario="none")
    riskier = month_applicants(
        generator_model, month_index=0, n_applicants=400, seed=3, scenario="riskier_applicants"
    )
    assert len(riskier.applications) == 400 == len(riskier.outcomes)
    assert set(riskier.outcomes.index) == set(riskier.applications["SK_ID_CURR"])
    clients = set(riskier.applications["SK_ID_CURR"])
    for table, frame in riskier.history.items():
        if "SK_ID_CURR" in frame.columns:
            assert set(frame["SK_ID_CURR"]) <= clients, table
    bureau_ids = set(riskier.history["bureau"]["SK_ID_BUREAU"])
    assert set(riskier.history["bureau_balance"]["SK_ID_BUREAU"]) <= bureau_ids
    scores = ["EXT_SOURCE_2", "EXT_SOURCE_3"]
    assert riskier.applications[scores].mean().mean() < ordinary.applications[scores].mean().mean() - 0.03
    assert riskier.outcomes.mean() > ordinary.outcomes.mean()
    assert APPLICANT_MIXES["riskier_applicants"].strength > 0


def test_the_applicants_aggregates_are_what_data_processing_stores(generator_model, tmp_path: Path) -> None:
    month = month_applicants(generator_model, month_index=0, n_applicants=60, seed=5, scenario="none")
    ours = history_aggregates(month.applications, month.history)
    train = month.applications.head(0).assign(TARGET=pd.Series(dtype="int64"))
    tables = {"application_train": train, "application_test": month.applications, **month.history}
    write_batch_outputs(tables, tmp_path)
    stored = pd.read_parquet(tmp_path / "data" / "04_feature" / "client_history_features.parquet")
    assert list(ours.columns) == ["SK_ID_CURR", *history_feature_columns()] == list(stored.columns)
    assert ours["SK_ID_CURR"].tolist() == stored["SK_ID_CURR"].tolist()
    np.testing.assert_allclose(
        ours[history_feature_columns()].astype(float).to_numpy(),
        stored[history_feature_columns()].astype(float).to_numpy(),
        equal_nan=True,
        rtol=1e-12,
    )


def test_the_months_aggregates_in_one_batch_equal_them_month_by_month(generator_model) -> None:
    months = [
        month_applicants(generator_model, month_index=k, n_applicants=40, seed=5, scenario="none")
        for k in range(2)
    ]
    # each month's generator numbers its history records afresh: the batch must not mix them up
    assert set(months[0].history["bureau"]["SK_ID_BUREAU"]) & set(months[1].history["bureau"]["SK_ID_BUREAU"])
    one_by_one = pd.concat([history_aggregates(m.applications, m.history) for m in months], ignore_index=True)
    pd.testing.assert_frame_equal(months_history_aggregates(months), one_by_one)
