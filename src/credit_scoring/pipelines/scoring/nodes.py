"""Batch scoring by the champion, with the serving code (`credit_scoring.serving.scoring.Scorer`): the same
probability, decision, risk band and reasons as the API, for a whole table.

One function (`score_frame`) scores a pandas frame of model-input rows. On the default environment it runs on
the whole table; on Spark (``--env spark``) the same function runs inside ``mapInPandas`` on each Arrow batch,
with the scorer built once per task from the model shipped with the function (executors need the
``credit_scoring`` package installed, as they need pyspark)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd

from credit_scoring.features.families import ReasonPolicy
from credit_scoring.registry import RegisteredModel
from credit_scoring.serving.family_reasons import Reason
from credit_scoring.serving.loading import ServedModel
from credit_scoring.serving.scoring import CLIENT_ID, Scorer

#: The columns of ``batch_scores``, with their Spark SQL types (the schema of the Spark UDF's output).
SCORE_COLUMNS: dict[str, str] = {
    CLIENT_ID: "bigint",
    "probability": "double",
    "decision": "string",
    "threshold": "double",
    "risk_band": "string",
    "model_name": "string",
    "model_version": "string",
    "reasons": "string",  # JSON: the top reasons, strongest first
}


def score_batch(
    applications: Any,
    champion_model: RegisteredModel | None,
    scoring: dict[str, Any],
    reason_policy: dict[str, Any],
) -> Any:
    """Scores of ``applications`` (model-input rows with ``SK_ID_CURR``: a pandas frame, or a Spark DataFrame
    scored lazily by the executors) by the champion. Raises ``ValueError`` without a usable champion."""
    served = served_champion(champion_model)
    top_k = int(scoring.get("top_reasons", 3))
    language = str(scoring.get("language", "en"))
    policy = reason_policy_of(reason_policy)
    if isinstance(applications, pd.DataFrame):
        return score_frame(applications, make_scorer(served, policy), top_k, language)
    return _score_on_spark(applications, served, policy, top_k, language)


def served_champion(champion_model: RegisteredModel | None) -> ServedModel:
    if champion_model is None:
        raise ValueError("no champion to score with (run: kedro run --pipelines modelling)")
    if champion_model.model is None:
        raise ValueError(
            f"champion version {champion_model.version} cannot be loaded: {champion_model.load_error}"
        )
    model = champion_model.model
    return ServedModel(model=model, name=model.model_name, version=str(champion_model.version))


def reason_policy_of(reason_policy: dict[str, Any] | None) -> ReasonPolicy:
    return ReasonPolicy.model_validate(reason_policy or {})


def make_scorer(served: ServedModel, policy: ReasonPolicy) -> Scorer:
    # score_rows needs no row builder: the rows are already model inputs
    return Scorer(served, rows=None, policy=policy)  # type: ignore[arg-type]


def score_frame(frame: pd.DataFrame, scorer: Scorer, top_k: int, language: str) -> pd.DataFrame:
    """The scores of model-input rows, one row per application, columns `SCORE_COLUMNS`."""
    if CLIENT_ID not in frame.columns:
        raise ValueError(f"the applications to score lack the id column {CLIENT_ID!r}")
    if frame.empty:
        return pd.DataFrame(
            {name: pd.Series(dtype=_pandas_dtype(kind)) for name, kind in SCORE_COLUMNS.items()}
        )
    ids = frame[CLIENT_ID].astype("int64").tolist()
    rows = frame.drop(columns=[CLIENT_ID, "TARGET"], errors="ignore").reset_index(drop=True)
    scores = scorer.score_rows(rows, ids, [True] * len(ids), reasons=True, top_k=top_k, language=language)
    served = scorer.served
    return pd.DataFrame(
        {
            CLIENT_ID: pd.Series(ids, dtype="int64"),
            "probability": pd.Series([s.probability for s in scores], dtype="float64"),
            "decision": pd.Series([s.decision for s in scores], dtype=object),
            "threshold": pd.Series([s.threshold for s in scores], dtype="float64"),
            "risk_band": pd.Series([s.risk_band for s in scores], dtype=object),
            "model_name": pd.Series([served.model.model_name] * len(scores), dtype=object),
            "model_version": pd.Series([served.version] * len(scores), dtype=object),
            "reasons": pd.Series([reasons_json(s.reasons or []) for s in scores], dtype=object),
        }
    )


def reasons_json(reasons: list[Reason]) -> str:
    """The reasons as JSON text: family, label, direction, contribution (log-odds), main feature, sentence."""
    return json.dumps(
        [
            {
                "family": reason.family,
                "label": reason.label,
                "direction": reason.direction,
                "contribution": float(reason.contribution),
                "feature": reason.feature,
                "sentence": reason.sentence,
            }
            for reason in reasons
        ],
        ensure_ascii=False,
    )


def _pandas_dtype(kind: str) -> str:
    return {"bigint": "int64", "double": "float64"}.get(kind, "object")


def spark_schema() -> str:
    return ", ".join(f"`{name}` {kind}" for name, kind in SCORE_COLUMNS.items())


def _score_on_spark(
    applications: Any, served: ServedModel, policy: ReasonPolicy, top_k: int, language: str
) -> Any:
    """``mapInPandas`` over the Arrow batches of a Spark DataFrame: each task builds the scorer once (the
    explainer's preparation included) and scores its batches with `score_frame`."""

    def score_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        scorer = make_scorer(served, policy)
        for batch in batches:
            yield score_frame(batch, scorer, top_k, language)

    return spread(applications).mapInPandas(score_partition, schema=spark_schema())


def spread(applications: Any) -> Any:
    """The rows over at least as many partitions as the session has cores: one Parquet file smaller than a
    split is one partition, which one core would score alone (a table of many files keeps its partitions)."""
    cores = applications.sparkSession.sparkContext.defaultParallelism
    if applications.rdd.getNumPartitions() < cores:
        return applications.repartition(cores)
    return applications
