"""Figures of the selected model, as pure builders returning matplotlib figures (saved by the catalog)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

from credit_scoring.cost import ConfusionCounts, CostWeights
from credit_scoring.records import CostSensitivityRow

FIGSIZE = (6.4, 4.8)


def roc_figure(y_true: np.ndarray, probabilities: dict[str, np.ndarray], selected: str) -> Figure:
    """Holdout ROC curves of every candidate, the selected one in bold."""
    figure = Figure(figsize=FIGSIZE, layout="constrained")
    axes = figure.add_subplot()
    for name, proba in probabilities.items():
        fpr, tpr, _ = roc_curve(y_true, proba)
        auc = float(np.trapezoid(tpr, fpr))
        axes.plot(fpr, tpr, linewidth=2.5 if name == selected else 1.0, label=f"{name} (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    axes.set(
        xlabel="False positive rate (good clients refused)", ylabel="True positive rate (defaults caught)"
    )
    axes.set_title("ROC curves on the holdout")
    axes.legend(loc="lower right", fontsize="small")
    return figure


def precision_recall_figure(y_true: np.ndarray, proba: np.ndarray, threshold: float, name: str) -> Figure:
    """Holdout precision-recall curve of the selected model with its operating point."""
    precision, recall, _ = precision_recall_curve(y_true, proba)
    refused = proba >= threshold
    point_recall = float((refused & (y_true == 1)).sum() / max((y_true == 1).sum(), 1))
    point_precision = float((refused & (y_true == 1)).sum() / max(refused.sum(), 1))
    figure = Figure(figsize=FIGSIZE, layout="constrained")
    axes = figure.add_subplot()
    axes.plot(recall, precision, label=name)
    axes.scatter([point_recall], [point_precision], color="red", zorder=3, label=f"threshold {threshold:.3f}")
    axes.axhline(float(np.mean(y_true)), linestyle=":", color="grey", label="default rate")
    axes.set(xlabel="Recall (share of defaults refused)", ylabel="Precision (share of refusals that default)")
    axes.set_title("Precision-recall on the holdout")
    axes.legend(loc="upper right", fontsize="small")
    return figure


def cost_threshold_figure(curve: pd.DataFrame, threshold: float, approve_all_cost: float) -> Figure:
    """Business cost per client against the threshold: out-of-fold (where it was chosen) and holdout."""
    figure = Figure(figsize=FIGSIZE, layout="constrained")
    axes = figure.add_subplot()
    for sample, rows in curve.groupby("sample", sort=False):
        axes.plot(rows["threshold"], rows["cost_per_client"], label=str(sample))
    axes.axvline(threshold, color="red", linestyle="--", label=f"chosen threshold {threshold:.3f}")
    axes.axvline(0.5, color="grey", linestyle=":", label="0.5")
    axes.axhline(approve_all_cost, color="black", linestyle="-.", linewidth=0.8, label="grant everybody")
    axes.set(xlabel="Threshold on the probability of default", ylabel="Business cost per client")
    axes.set_title("Business cost versus decision threshold")
    axes.legend(loc="best", fontsize="small")
    return figure


def confusion_matrix_figure(counts: ConfusionCounts, threshold: float, weights: CostWeights) -> Figure:
    """Holdout confusion matrix at the chosen threshold, with each cell's cost."""
    cells = np.array([[counts.tn, counts.fp], [counts.fn, counts.tp]])
    costs = np.array([[0.0, weights.false_positive * counts.fp], [weights.false_negative * counts.fn, 0.0]])
    figure = Figure(figsize=(5.2, 4.6), layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(cells, cmap="Blues")
    for row in range(2):
        for column in range(2):
            dark = cells[row, column] > cells.max() / 2
            axes.text(
                column,
                row,
                f"{cells[row, column]}\ncost {costs[row, column]:.0f}",
                ha="center",
                va="center",
                color="white" if dark else "black",
            )
    axes.set_xticks([0, 1], labels=["granted", "refused"])
    axes.set_yticks([0, 1], labels=["repaid", "defaulted"])
    axes.set(xlabel="Decision", ylabel="Actual outcome")
    axes.set_title(f"Holdout confusion matrix (threshold {threshold:.3f})")
    return figure


def calibration_figure(reliability: pd.DataFrame, brier_raw: float, brier_calibrated: float) -> Figure:
    """Reliability curves on the holdout, before and after calibration."""
    figure = Figure(figsize=FIGSIZE, layout="constrained")
    axes = figure.add_subplot()
    briers = {"raw": brier_raw, "calibrated (served)": brier_calibrated}
    for version, rows in reliability.groupby("version", sort=False):
        label = f"{version} (Brier {briers.get(str(version), float('nan')):.4f})"
        axes.plot(rows["mean_predicted"], rows["observed_rate"], marker="o", label=label)
    upper = float(max(reliability["mean_predicted"].max(), reliability["observed_rate"].max(), 0.1))
    axes.plot([0, upper], [0, upper], linestyle=":", color="grey", label="perfect calibration")
    axes.set(xlabel="Mean predicted probability of default", ylabel="Observed default rate")
    axes.set_title("Reliability on the holdout")
    axes.legend(loc="upper left", fontsize="small")
    return figure


def cost_sensitivity_figure(rows: list[CostSensitivityRow]) -> Figure:
    """Threshold, approval rate and holdout cost per client against the FN:FP cost ratio."""
    ratios = [row.cost_ratio for row in rows]
    figure = Figure(figsize=(9.6, 4.2), layout="constrained")
    decision, cost = figure.subplots(1, 2)
    decision.plot(ratios, [row.threshold for row in rows], marker="o", label="threshold")
    decision.plot(ratios, [row.approval_rate for row in rows], marker="s", label="approval rate")
    decision.set(xlabel="FN:FP cost ratio", ylabel="Threshold / share of clients granted", ylim=(0, 1))
    decision.set_title("Decision by cost ratio")
    cost.plot(ratios, [row.cost_per_client for row in rows], marker="o", label="model at its threshold")
    cost.plot(
        ratios, [row.approve_all_cost for row in rows], linestyle="-.", color="black", label="grant everybody"
    )
    cost.set(xlabel="FN:FP cost ratio", ylabel="Holdout cost per client")
    cost.set_title("Holdout cost by cost ratio")
    for axes in (decision, cost):
        for row in rows:
            if row.decision_ratio:
                axes.axvline(
                    row.cost_ratio, color="red", linestyle="--", label=f"decision ({row.cost_ratio:g}:1)"
                )
        axes.set_xticks(ratios, labels=[f"{ratio:g}:1" for ratio in ratios])
        axes.legend(loc="best", fontsize="small")
    return figure
