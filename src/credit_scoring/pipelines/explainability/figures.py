"""Figures of the explainability pipeline: pure builders returning matplotlib figures (saved by the catalog).

Features are shown by their plain-language English label, never by their column name.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from credit_scoring.features.expressions import DAYS_PER_YEAR
from credit_scoring.serving.reasons import FeatureText

#: Outcome of a decision on a client whose outcome is known (positive = default = refused).
OUTCOME_NAMES = {
    "TN": "good client granted",
    "FP": "good client refused",
    "FN": "defaulter granted",
    "TP": "defaulter refused",
}
BAR_COLOUR = "#1f77b4"
OUTCOME_COLOURS = {"TN": "#2e8b57", "FN": "#e67e22", "FP": "#9b59b6", "TP": "#7f1d1d"}
LABEL_WIDTH = 46


def short_label(label: str, width: int = LABEL_WIDTH) -> str:
    """A label on at most two lines of ``width`` characters."""
    return "\n".join(textwrap.wrap(label, width=width, max_lines=2, placeholder="…"))


def importance_figure(importance: pd.DataFrame, top: int) -> Figure:
    """Mean |SHAP| of the top features, next to the model's own importance (as shares of their totals)."""
    rows = importance.head(top).iloc[::-1]
    own_total = importance["model_importance"].sum()
    figure = Figure(figsize=(12, 0.42 * len(rows) + 1.8), layout="constrained")
    shap_axes, own_axes = figure.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    labels = [short_label(label) for label in rows["label_en"]]
    shap_axes.barh(labels, rows["mean_abs_shap"], color=BAR_COLOUR)
    shap_axes.set_xlabel("Mean |SHAP| on the holdout (log-odds of default)")
    shap_axes.set_title(
        f"Top {len(rows)} features by mean |SHAP| ({int(importance['n_clients'].iloc[0])} clients)"
    )
    kind = str(importance["model_importance_kind"].iloc[0]).replace("_", " ")
    own_axes.barh(labels, rows["model_importance"] / own_total if own_total > 0 else 0.0, color="grey")
    own_axes.set_xlabel("Share of the total")
    own_axes.set_title(f"Model's own importance\n({kind}; #rank)")
    for axes, column in ((own_axes, "model_importance_rank"),):
        for y, rank in enumerate(rows[column]):
            axes.annotate(
                f"#{rank}", (0, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7
            )
    shap_axes.tick_params(axis="y", labelsize=8)
    return figure


def beeswarm_figure(
    contributions: pd.DataFrame, values: pd.DataFrame, importance: pd.DataFrame, top: int
) -> Figure:
    """One row of points per top feature: each client's SHAP value, coloured by the client's feature value."""
    rows = importance.head(top)
    figure = Figure(figsize=(11, 0.45 * len(rows) + 1.8), layout="constrained")
    axes = figure.add_subplot()
    cmap = colormaps["coolwarm"]
    rng = np.random.default_rng(0)
    for position, feature in enumerate(rows["feature"]):
        y_base = len(rows) - 1 - position
        shap = contributions[feature].to_numpy()
        colour_values = _percentile_ranks(values[feature])
        offsets = _swarm_offsets(shap, rng)
        known = ~np.isnan(colour_values)
        axes.scatter(shap[~known], y_base + offsets[~known], s=5, color="#9e9e9e", alpha=0.6, linewidths=0)
        axes.scatter(
            shap[known], y_base + offsets[known], s=5, c=cmap(colour_values[known]), alpha=0.8, linewidths=0
        )
    axes.set_yticks(range(len(rows)), [short_label(label) for label in rows["label_en"]][::-1], fontsize=8)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_xlabel("SHAP value (log-odds of default): right raises the risk, left lowers it")
    axes.set_title(f"How each feature moves each client's risk (holdout, {len(contributions)} clients)")
    bar = figure.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=cmap), ax=axes, shrink=0.6, pad=0.01)
    bar.set_ticks([0, 1], labels=["low", "high"])
    bar.set_label("Feature value (grey: missing or category)")
    return figure


def dependence_figure(
    contributions: pd.DataFrame,
    values: pd.DataFrame,
    importance: pd.DataFrame,
    texts: dict[str, FeatureText],
    top: int,
) -> Figure:
    """SHAP value against the feature value for the top features (long spans of days shown in years)."""
    rows = importance.head(top)
    n_columns = min(3, len(rows))
    n_rows = int(np.ceil(len(rows) / n_columns))
    figure = Figure(figsize=(4.6 * n_columns, 3.6 * n_rows), layout="constrained")
    grid = figure.subplots(n_rows, n_columns, squeeze=False)
    for axes, (feature, label) in zip(
        grid.flat, zip(rows["feature"], rows["label_en"], strict=True), strict=False
    ):
        shap = contributions[feature].to_numpy()
        column = values[feature]
        if pd.api.types.is_numeric_dtype(column):
            x, unit = _axis_values(column.to_numpy(dtype=np.float64), texts.get(feature))
            known = ~np.isnan(x)
            axes.scatter(x[known], shap[known], s=4, alpha=0.4, color="#34495e", linewidths=0)
            axes.set_xlabel(unit or "value")
            if (~known).any():
                axes.annotate(
                    f"missing: {(~known).sum()} clients, mean SHAP {shap[~known].mean():+.2f}",
                    (0.02, 0.95), xycoords="axes fraction", fontsize=7, va="top",
                )  # fmt: skip
        else:
            levels = column.astype("string").fillna("(missing)")
            order = pd.Series(shap).groupby(levels.to_numpy()).mean().sort_values().index.tolist()
            axes.boxplot([shap[levels.to_numpy() == level] for level in order], vert=False, showfliers=False)
            axes.set_yticks(
                range(1, len(order) + 1), [short_label(str(level), 22) for level in order], fontsize=7
            )
            axes.set_xlabel("SHAP value")
        axes.axhline(0, color="grey", linewidth=0.6) if pd.api.types.is_numeric_dtype(column) else None
        axes.set_title(short_label(label, 44), fontsize=9)
        if pd.api.types.is_numeric_dtype(column):
            axes.set_ylabel("SHAP (log-odds)")
    for axes in list(grid.flat)[len(rows) :]:
        axes.set_visible(False)
    figure.suptitle("Dependence of the contribution on the value, top features (holdout)")
    return figure


def error_analysis_figure(by_score: pd.DataFrame, drivers: pd.DataFrame, summary: dict) -> Figure:
    """Decisions along the score (stacked counts per outcome), errors around the threshold, and what drives
    false positives."""
    threshold, margin = summary["threshold"], summary["threshold_margin"]
    figure = Figure(figsize=(14, 8.5), layout="constrained")
    left, right = figure.subfigures(1, 2, width_ratios=[3, 2])
    counts_axes, share_axes = left.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    centres = (by_score["score_from"] + by_score["score_to"]) / 2
    widths = (by_score["score_to"] - by_score["score_from"]) * 0.95
    bottom = np.zeros(len(by_score))
    for outcome in ("TN", "FN", "FP", "TP"):
        counts_axes.bar(
            centres, by_score[outcome], widths, bottom=bottom, color=OUTCOME_COLOURS[outcome],
            label=f"{outcome}: {OUTCOME_NAMES[outcome]}",
        )  # fmt: skip
        bottom += by_score[outcome].to_numpy()
    counts_axes.set_yscale("log", nonpositive="clip")
    counts_axes.set_ylim(0.8, max(bottom.max(), 1) * 2.5)
    counts_axes.set_ylabel("Holdout clients (log scale)")
    counts_axes.set_title(
        f"Decisions along the score: threshold {threshold:.3f}, "
        f"{summary['at_threshold']['fp']} good clients refused, "
        f"{summary['at_threshold']['fn']} defaulters granted"
    )
    share_axes.plot(
        centres, by_score["default_rate"], marker="o", color="black", label="observed default rate"
    )
    share_axes.plot(
        centres, by_score["wrong_share"], marker="s", color="#c0392b", label="share of wrong decisions"
    )
    share_axes.set_ylim(0, 1)
    share_axes.set_xlabel("Probability of default")
    share_axes.set_ylabel("Share of the band's clients")
    for axes in (counts_axes, share_axes):
        axes.axvline(threshold, color="red", linestyle="--", linewidth=1.2)
        axes.axvspan(threshold - margin, threshold + margin, color="red", alpha=0.08)
        axes.axvline(0.5, color="grey", linestyle=":", linewidth=1)
    counts_axes.legend(fontsize="small", loc="upper right")
    share_axes.legend(fontsize="small", loc="upper left")
    share_axes.annotate(
        f"±{margin:g} around the threshold: {summary['near_threshold_share_of_errors']:.0%} of the errors; "
        f"{summary['extra_false_positives_vs_0_5']} more refusals of good clients than at 0.5 "
        f"(cost {summary['cost_weights']['false_negative']:g}:{summary['cost_weights']['false_positive']:g})",
        (0.01, -0.32), xycoords="axes fraction", fontsize=8,
    )  # fmt: skip
    drivers_axes = right.subplots()
    rows = drivers.iloc[::-1]
    labels = [short_label(label, 40) for label in rows["label_en"]]
    y = np.arange(len(rows))
    drivers_axes.barh(
        y + 0.2,
        rows["fp_minus_tn"],
        0.4,
        color=OUTCOME_COLOURS["FP"],
        label="refused good (FP) − granted good (TN)",
    )
    drivers_axes.barh(
        y - 0.2,
        rows["fn_minus_tp"],
        0.4,
        color=OUTCOME_COLOURS["FN"],
        label="granted defaulter (FN) − refused defaulter (TP)",
    )
    drivers_axes.set_yticks(y, labels, fontsize=8)
    drivers_axes.axvline(0, color="black", linewidth=0.8)
    drivers_axes.set_xlabel("Difference of mean SHAP (log-odds)")
    drivers_axes.set_title("Wrong versus right decisions:\nmean SHAP difference, top features")
    drivers_axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.4, -0.08))
    return figure


def _axis_values(x: np.ndarray, text: FeatureText | None) -> tuple[np.ndarray, str]:
    """Values and axis label of a dependence plot: days in years when they span years."""
    unit = text.unit if text is not None else ""
    if unit != "days":
        return x, unit or "value"
    suffix = " (negative = before the application)" if text and text.time_mode in {"ago", "relative"} else ""
    spans_years = bool(np.isfinite(x).any()) and float(np.nanmedian(np.abs(x))) > DAYS_PER_YEAR
    return (x / DAYS_PER_YEAR, f"years{suffix}") if spans_years else (x, f"days{suffix}")


def _percentile_ranks(column: pd.Series) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(column):
        return np.full(len(column), np.nan)
    ranks = column.rank(pct=True).to_numpy(dtype=np.float64)
    return ranks


def _swarm_offsets(
    shap: np.ndarray, rng: np.random.Generator, n_bins: int = 80, height: float = 0.4
) -> np.ndarray:
    """Vertical offsets that spread points where they are dense, as in shap's beeswarm."""
    if len(shap) == 0:
        return np.zeros(0)
    span = np.ptp(shap) or 1.0
    bins = np.round((shap - shap.min()) / span * n_bins).astype(int)
    offsets = np.zeros(len(shap))
    order = rng.permutation(len(shap))
    seen: dict[int, int] = {}
    for index in order:
        k = seen.get(bins[index], 0)
        seen[bins[index]] = k + 1
        offsets[index] = (k + 1) // 2 * (1 if k % 2 else -1)
    peak = max(np.abs(offsets).max(), 1.0)
    return offsets / peak * height
