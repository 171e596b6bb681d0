"""A short, generated reading of a drift summary: what drifted, weighted by importance, and what to do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEEP_MONITORING = "keep_monitoring"
RETUNE_THRESHOLD = "retune_threshold"
RETRAIN = "retrain"

ACTION_TEXT = {
    KEEP_MONITORING: "Keep monitoring: no action on the model is needed.",
    RETUNE_THRESHOLD: (
        "Re-tune the decision threshold on recent labelled applications (the score distribution or some "
        "important features moved, the model's ranking may still hold), and watch the next windows "
        "closely."
    ),
    RETRAIN: (
        "Retrain the model on recent data once their outcomes are known, re-tune the threshold and compare "
        "the challenger with the champion before promoting it; meanwhile review the decisions of the "
        "affected segments."
    ),
}


def recommended_action(
    metrics: Mapping[str, Any], retrain_importance: float = 0.3, retune_importance: float = 0.1
) -> str:
    """``retrain`` when the score moved significantly or drifted top features carry at least
    ``retrain_importance`` of the model's importance; ``retune_threshold`` on a moderate score shift or when
    they carry at least ``retune_importance``; ``keep_monitoring`` otherwise (small drifts of minor features
    with a stable score do not change decisions)."""
    psi = metrics.get("score_psi")
    weight = metrics.get("top_features_drifted_importance") or 0.0
    if (psi is not None and psi >= metrics.get("psi_significant", 0.25)) or weight >= retrain_importance:
        return RETRAIN
    if (psi is not None and psi >= metrics.get("psi_moderate", 0.1)) or weight >= retune_importance:
        return RETUNE_THRESHOLD
    return KEEP_MONITORING


def interpret(summary: Mapping[str, Any], max_listed: int = 5) -> str:
    """Plain-English paragraph for the model owner, built only from the summary's figures."""
    metrics = summary["metrics"]
    columns = summary["columns"]  # sorted by model importance
    drifted = [c for c in columns if c["drifted"]]
    drifted_model = [c for c in drifted if c.get("importance_share", 0) > 0]
    lines = [
        f"Status {summary['status'].upper()}: {metrics['number_of_drifted_columns']} of "
        f"{metrics['number_of_columns']} columns drifted ({metrics['share_of_drifted_columns']:.0%}); "
        f"dataset-level drift: {'yes' if summary['dataset_drift'] else 'no'}."
    ]
    if drifted_model:
        listed = ", ".join(
            f"{c['column']} ({c['importance_share']:.1%} of importance, {c['method']} {c['score']:.3g})"
            for c in drifted_model[:max_listed]
        )
        more = f" and {len(drifted_model) - max_listed} more" if len(drifted_model) > max_listed else ""
        lines.append(
            f"Drifted features used by the model, most important first: {listed}{more}. The drifted top "
            f"features carry {metrics['top_features_drifted_importance']:.0%} of the model's importance "
            f"({metrics['top_features_drifted_share']:.0%} of the top {metrics['top_features']} features "
            "drifted)."
        )
    elif drifted:
        lines.append(
            "Only columns the model does not use drifted: "
            + ", ".join(c["column"] for c in drifted[:max_listed])
            + (" ..." if len(drifted) > max_listed else "")
            + "."
        )
    else:
        lines.append("No column drifted.")
    emptied = [c["column"] for c in columns if c["method"] == "missing share difference" and c["drifted"]]
    more_missing = [
        c["column"]
        for c in columns
        if (c.get("missing_share_current") or 0) - (c.get("missing_share_reference") or 0) >= 0.2
    ]
    if emptied or more_missing:
        lines.append(
            "Missing values rose sharply for "
            + ", ".join(sorted(set(emptied) | set(more_missing))[:max_listed])
            + ": check the data feeds before reading the drift as a change of population."
        )
    psi = metrics.get("score_psi")
    if psi is not None:
        lines.append(
            f"Score stability: PSI {psi:.3f} ({metrics['score_psi_band']}); mean predicted probability of "
            f"default {metrics['score_mean_reference']:.3f} in the reference, "
            f"{metrics['score_mean_current']:.3f} now."
        )
    for alert in summary.get("fired_rules", []):
        lines.append(
            f"Rule {alert['rule']} fired ({alert['severity']}): {alert['condition']}, "
            f"value {alert['value']:.3g}."
        )
    lines.append(f"Recommended action: {ACTION_TEXT[summary['recommended_action']]}")
    return "\n".join(lines)
