"""The performance pipeline's parts: its parameters, the outcome feed dataset, the score PSI against a
version's deciles, the drift share of a period, and the configuration of the simulation environment."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from kedro.io import DatasetError

from credit_scoring.monitoring.outcomes import loan_outcomes, metadata
from credit_scoring.pipelines.performance.datasets import OutcomeFeedDataset
from credit_scoring.pipelines.performance.nodes import VersionReference, _drift_share, _score_psi
from credit_scoring.pipelines.performance.params import parse_performance_params
from credit_scoring.project_config import read_config
from credit_scoring.records import REDUCED_INPUT_JSON

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _params(**changes: object) -> dict:
    return {**read_config(PROJECT_ROOT, "parameters")["performance"], **changes}


def test_as_of_now_a_moment_or_the_end_of_the_last_period() -> None:
    assert parse_performance_params(_params(as_of="2027-03-05T10:00:00Z")).as_of_moment() == datetime(
        2027, 3, 5, 10, tzinfo=UTC
    )
    replay = parse_performance_params(_params(as_of="end_of_last_period"))
    assert replay.as_of_moment(datetime(2027, 6, 30, 23, tzinfo=UTC)) == datetime(2027, 7, 1, tzinfo=UTC)
    weekly = parse_performance_params(_params(as_of="end_of_last_period", period="week"))
    assert weekly.as_of_moment(datetime(2027, 6, 30, tzinfo=UTC)) == datetime(
        2027, 7, 5, tzinfo=UTC
    )  # Monday
    now = parse_performance_params(_params(as_of=None)).as_of_moment()
    assert abs((now - datetime.now(UTC)).total_seconds()) < 60


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": "day"}, "period"),
        ({"observation_months": 0}, "observation_months"),
        ({"cost_alert": {"basis": "estimate"}}, "needs margin_absolute, margin_relative or both"),
        ({"as_of": "yesterday"}, "performance.as_of"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_parameters_name_what_is_wrong(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_performance_params(_params(**changes)).as_of_moment()


def test_the_feed_reads_a_folder_and_a_table_and_is_read_only(tmp_path: Path) -> None:
    assert OutcomeFeedDataset(str(tmp_path / "absent")).load().rows == []  # no drop yet: no outcome
    folder = tmp_path / "outcomes"
    folder.mkdir()
    (folder / "a.csv").write_text("SK_ID_CURR,observed_at,defaulted\n1,2027-01-01,0\n")
    url = f"sqlite:///{tmp_path / 'lender.db'}"
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            loan_outcomes.insert(), [{"SK_ID_CURR": 2, "observed_at": "2027-01-02", "defaulted": 1}]
        )
    engine.dispose()
    raw = OutcomeFeedDataset(str(folder), url=url).load()
    assert [(Path(row.source).name, row.line) for row in raw.rows] == [
        ("a.csv", 2),
        ("table loan_outcomes", 1),
    ]
    with pytest.raises(DatasetError, match="read-only"):
        OutcomeFeedDataset(str(folder)).save(raw)


def _reference(holdout: np.ndarray) -> VersionReference:
    parts = np.array_split(np.sort(holdout), 10)
    total = holdout.size
    return VersionReference(
        reference_cost=0.4,
        decile_edges=tuple(float(part.max()) for part in parts[:-1]),
        decile_shares=tuple(part.size / total for part in parts),
    )


def test_the_score_psi_compares_a_period_with_the_versions_holdout_deciles() -> None:
    rng = np.random.default_rng(0)
    reference = _reference(rng.beta(2, 20, 5000))
    assert _score_psi(rng.beta(2, 20, 3000), reference) < 0.02
    assert _score_psi(rng.beta(4, 20, 3000), reference) > 0.25  # probabilities about twice as high
    assert _score_psi(rng.beta(2, 20, 10), VersionReference(0.4, None, None)) is None
    assert _score_psi(np.array([]), reference) is None


def _log(applications: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(len(applications))],
            "client_id": applications["SK_ID_CURR"],
            "input_json": applications.to_json(orient="records", lines=True).splitlines(),
        }
    )


def test_the_drift_share_counts_the_fields_that_moved() -> None:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(4000),
            "TARGET": 0,
            "AMT_INCOME_TOTAL": rng.lognormal(11, 0.5, 4000),
            "AMT_CREDIT": rng.lognormal(13, 0.5, 4000),
            "NAME_CONTRACT_TYPE": rng.choice(["Cash loans", "Revolving loans"], 4000, p=[0.9, 0.1]),
        }
    )
    drift = read_config(PROJECT_ROOT, "parameters")["drift"]
    same = reference.sample(1000, random_state=0).drop(columns="TARGET")
    assert _drift_share(reference, _log(same), drift) == 0.0
    poorer = same.assign(AMT_INCOME_TOTAL=same["AMT_INCOME_TOTAL"] * 0.5)
    assert _drift_share(reference, _log(poorer), drift) == pytest.approx(1 / 3)
    reduced = _log(same).assign(input_json=REDUCED_INPUT_JSON)  # retention kept no field
    assert _drift_share(reference, reduced, drift) is None


def test_the_simulation_environment_reads_the_simulations_log_and_keeps_the_other_parameters() -> None:
    base_catalog = read_config(PROJECT_ROOT, "catalog")
    simulation_catalog = read_config(PROJECT_ROOT, "catalog", env="simulation")
    assert base_catalog["prediction_log"]["url"] == "sqlite:///data/07_model_output/prediction_log.db"
    assert simulation_catalog["prediction_log"]["url"] == "sqlite:///data/09_simulation/prediction_log.db"
    assert simulation_catalog["loan_outcomes"]["folder"] == simulation_catalog["traffic_outcomes"]["path"]
    parameters = read_config(PROJECT_ROOT, "parameters", env="simulation")
    performance = parse_performance_params(parameters["performance"])
    assert performance.observation_months == 2 and performance.as_of == "end_of_last_period"
    assert performance.estimation == parse_performance_params(_params()).estimation  # merged key by key
    assert parameters["traffic"]["decision_log_url"] == simulation_catalog["prediction_log"]["url"]
