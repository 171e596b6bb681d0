"""Decisions and errors per group of clients (gender, age band), for the model card's fairness section."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from credit_scoring.cost import CostWeights, confusion_counts, decisions

FAIRNESS_COLUMNS = [
    "attribute",
    "group",
    "n_clients",
    "share_of_clients",
    "observed_default_rate",
    "approval_rate",
    "false_refusal_rate",
    "missed_default_rate",
    "business_cost_per_client",
]


def age_band(age_years: pd.Series, edges: Sequence[float]) -> pd.Series:
    """Labels such as "30-39" for ages in [30, 40); the last band is open ("60+"); missing stays missing."""
    edges = sorted(edges)
    labels = [f"{int(low)}-{int(high) - 1}" for low, high in itertools.pairwise(edges)]
    labels[-1] = f"{int(edges[-2])}+"
    return pd.cut(age_years, bins=edges, right=False, labels=labels).astype("string")


def group_metrics(
    y_true: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    groups: pd.Series,
    *,
    attribute: str,
    weights: CostWeights,
) -> pd.DataFrame:
    """One row per group: size, observed default rate, approval rate and the two error rates of the decision.

    false_refusal_rate = refused good clients / good clients; missed_default_rate = granted defaulters /
    defaulters (NaN when a group has none). Clients with a missing group value form the group "unknown".
    """
    refused = decisions(proba, threshold)
    labels = groups.astype("string").fillna("unknown").to_numpy()
    rows = []
    for group in sorted(pd.unique(labels)):
        member = labels == group
        counts = confusion_counts(y_true[member], refused[member])
        good, bad = counts.tn + counts.fp, counts.fn + counts.tp
        rows.append(
            {
                "attribute": attribute,
                "group": str(group),
                "n_clients": int(member.sum()),
                "share_of_clients": float(member.mean()),
                "observed_default_rate": float(y_true[member].mean()),
                "approval_rate": float((refused[member] == 0).mean()),
                "false_refusal_rate": counts.fp / good if good else np.nan,
                "missed_default_rate": counts.fn / bad if bad else np.nan,
                "business_cost_per_client": (
                    weights.false_negative * counts.fn + weights.false_positive * counts.fp
                )
                / counts.n,
            }
        )
    return pd.DataFrame(rows, columns=FAIRNESS_COLUMNS)
