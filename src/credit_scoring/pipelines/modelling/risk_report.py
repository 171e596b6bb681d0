"""What a risk committee reads about the selected model: Gini and KS, score bands with a rank-ordering check,
how the decision moves with the FN:FP cost ratio, and how it fares by client segment. Pure functions of labels
and probabilities (and, for the segments, of each client's segment)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score, roc_curve

from credit_scoring.cost import (
    CostWeights,
    approve_all_cost_per_client,
    best_threshold,
    cost_per_client,
    decisions,
    validate_labels,
    validate_probabilities,
)
from credit_scoring.records import (
    CostSensitivityRow,
    ProductionBandRow,
    ScoreBandRow,
    ScoreBands,
    SegmentComparison,
    SegmentRow,
    Segments,
)
from credit_scoring.serving.scoring import RISK_BANDS, risk_band

N_DECILES = 10
#: Two default rates this close are equal (1/3 and 2/6 may differ in the last bit).
RATE_TOLERANCE = 1e-12
#: The one-sided 5 % quantile of the standard normal: a fall in default rate beyond this many standard errors
#: between two bands is more than sampling noise.
ONE_SIDED_Z_5_PERCENT = 1.6449


@dataclass(frozen=True)
class Discrimination:
    """How well the scores separate defaulters from the others; None, with the reason, when undefined."""

    auc: float | None
    gini: float | None
    ks: float | None
    undefined_reason: str | None = None


def discrimination(y_true: ArrayLike, proba: ArrayLike) -> Discrimination:
    """AUC, Gini (2 AUC - 1) and KS (the largest gap between the score distributions of defaulters and
    non-defaulters); all None with a reason when the clients are of one class only."""
    labels = validate_labels(y_true)
    values = validate_probabilities(proba, labels.size)
    classes = np.unique(labels)
    if classes.size < 2:
        kind = "defaulters" if classes[0] == 1 else "non-defaulters"
        reason = (
            f"the {labels.size} clients are all {kind}: AUC, Gini and KS compare defaulters with "
            "non-defaulters and are undefined"
        )
        return Discrimination(None, None, None, reason)
    auc = float(roc_auc_score(labels, values))
    # each ROC point is (share of non-defaulters, share of defaulters) at or above a threshold: their gap
    # is the gap between the two score distributions at that threshold
    fpr, tpr, _ = roc_curve(labels, values, drop_intermediate=False)
    return Discrimination(auc=auc, gini=2.0 * auc - 1.0, ks=float(np.max(np.abs(tpr - fpr))))


def _band_row(
    band: str, y: np.ndarray, proba: np.ndarray, lower: float | None, upper: float | None
) -> ScoreBandRow:
    count = int(y.size)
    return ScoreBandRow(
        band=band,
        lower=lower,
        upper=upper,
        count=count,
        defaults=int(y.sum()),
        default_rate=float(y.mean()) if count else None,
        mean_predicted=float(proba.mean()) if count else None,
        rank_order_ok=None,
    )


def fall_beyond_noise(below: ScoreBandRow, row: ScoreBandRow) -> bool:
    """Whether ``row``'s observed default rate is below ``below``'s by more than sampling noise: a one-sided
    two-proportion z-test at 5 % (pooled rate), as a risk committee reads a dip between two bands."""
    pooled = (below.defaults + row.defaults) / (below.count + row.count)
    noise = np.sqrt(pooled * (1.0 - pooled) * (1.0 / below.count + 1.0 / row.count))
    fall = float(below.default_rate) - float(row.default_rate)
    return bool(noise > 0.0 and fall / noise > ONE_SIDED_Z_5_PERCENT)


def rank_ordered(rows: Sequence[ScoreBandRow]) -> list[ScoreBandRow]:
    """The rows (lowest risk first) with ``rank_order_ok``: False where a band's observed default rate is
    below that of the nearest band under it that has clients (and ``break_beyond_noise`` whether that fall
    exceeds sampling noise); None for a band without clients."""
    checked, previous = [], None
    for row in rows:
        if row.count == 0:
            checked.append(row.model_copy(update={"rank_order_ok": None}))
            continue
        ok = previous is None or row.default_rate >= previous.default_rate - RATE_TOLERANCE
        beyond = None if ok else fall_beyond_noise(previous, row)
        checked.append(row.model_copy(update={"rank_order_ok": ok, "break_beyond_noise": beyond}))
        previous = row
    return checked


def decile_rows(
    y_true: ArrayLike, proba: ArrayLike, tie_breaker: ArrayLike | None = None
) -> list[ScoreBandRow]:
    """Ten bands of equal size (to one client) by rising probability, rank-ordered.

    A calibrated probability repeats (isotonic calibration maps a range of scores to one value): clients of
    equal probability are ordered by ``tie_breaker`` (the model's raw score), then by position.
    """
    labels = validate_labels(y_true)
    values = validate_probabilities(proba, labels.size)
    keys = (values,) if tie_breaker is None else (np.asarray(tie_breaker, dtype=np.float64), values)
    order = np.lexsort(keys)  # stable; the last key is the primary one
    rows = []
    for number, rows_of_decile in enumerate(np.array_split(order, N_DECILES), start=1):
        p = values[rows_of_decile]
        low, high = (float(p.min()), float(p.max())) if p.size else (None, None)
        rows.append(_band_row(str(number), labels[rows_of_decile], p, low, high))
    return rank_ordered(rows)


def band_bounds(threshold: float, multiples: Sequence[float]) -> list[tuple[float, float]]:
    """[lower, upper) of each risk band, within [0, 1]."""
    edges = [0.0, *(min(1.0, m * threshold) for m in multiples), 1.0]
    return list(pairwise(edges))


def risk_bands_of(proba: np.ndarray, threshold: float, multiples: Sequence[float]) -> np.ndarray:
    """The risk band of each probability, by the API's own `risk_band`."""
    return np.array([risk_band(float(p), threshold, multiples) for p in proba], dtype=object)


def risk_band_rows(
    y_true: ArrayLike, proba: ArrayLike, threshold: float, multiples: Sequence[float]
) -> list[ScoreBandRow]:
    """The clients of each risk band (low to very_high), rank-ordered."""
    labels = validate_labels(y_true)
    values = validate_probabilities(proba, labels.size)
    bands = risk_bands_of(values, threshold, multiples)
    rows = [
        _band_row(name, labels[bands == name], values[bands == name], low, high)
        for name, (low, high) in zip(RISK_BANDS, band_bounds(threshold, multiples), strict=True)
    ]
    return rank_ordered(rows)


def production_band_rows(
    proba: ArrayLike, threshold: float, multiples: Sequence[float]
) -> list[ProductionBandRow]:
    """Count and mean predicted probability of unlabelled (production) clients per risk band."""
    values = np.asarray(proba, dtype=np.float64)
    values = validate_probabilities(values, values.size)
    bands = risk_bands_of(values, threshold, multiples)
    return [
        ProductionBandRow(
            band=name,
            count=int((bands == name).sum()),
            mean_predicted=float(values[bands == name].mean()) if (bands == name).any() else None,
        )
        for name in RISK_BANDS
    ]


def score_bands(
    y_true: ArrayLike,
    proba: ArrayLike,
    *,
    threshold: float,
    multiples: Sequence[float],
    tie_breaker: ArrayLike | None = None,
    production_proba: ArrayLike = (),
) -> ScoreBands:
    """Holdout deciles and risk bands with their rank-ordering check, and production clients by risk band."""
    deciles = decile_rows(y_true, proba, tie_breaker)
    bands = risk_band_rows(y_true, proba, threshold, multiples)
    return ScoreBands(
        band_multiples=tuple(float(m) for m in multiples),
        deciles=deciles,
        risk_bands=bands,
        rank_ordering_ok=all(row.rank_order_ok is not False for row in [*deciles, *bands]),
        breaks_beyond_noise=[
            f"{kind} {row.band}"
            for kind, rows in (("decile", deciles), ("risk band", bands))
            for row in rows
            if row.break_beyond_noise
        ],
        production_risk_bands=production_band_rows(production_proba, threshold, multiples),
    )


def cost_sensitivity(
    ratios: Sequence[float],
    *,
    choose_on: tuple[ArrayLike, ArrayLike],
    measure_on: tuple[ArrayLike, ArrayLike],
    false_positive: float = 1.0,
    decision_ratio: float | None = None,
) -> list[CostSensitivityRow]:
    """For each FN:FP ratio: the cost-minimising threshold on ``choose_on`` (labels, probabilities: the
    out-of-fold rows, where the served threshold is chosen), then the cost per client and the approval rate
    at that threshold on ``measure_on`` (the holdout). Costs are in units of ``false_positive``."""
    y_choice, proba_choice = choose_on
    y_measure, proba_measure = measure_on
    rows = []
    for ratio in ratios:
        weights = CostWeights(false_negative=ratio * false_positive, false_positive=false_positive)
        threshold = best_threshold(y_choice, proba_choice, weights).threshold
        granted = decisions(proba_measure, threshold) == 0
        rows.append(
            CostSensitivityRow(
                cost_ratio=float(ratio),
                threshold=threshold,
                cost_per_client=cost_per_client(y_measure, proba_measure, threshold, weights),
                approval_rate=float(granted.mean()),
                approve_all_cost=approve_all_cost_per_client(y_measure, weights),
                decision_ratio=decision_ratio is not None and bool(np.isclose(ratio, decision_ratio)),
            )
        )
    return rows


NO_CLIENT = "no client of the holdout is in this segment"


def segment_row(
    segment: str,
    y_true: ArrayLike,
    proba: ArrayLike,
    *,
    n_holdout: int,
    threshold: float,
    weights: CostWeights,
) -> SegmentRow:
    """Count, share, default rate, AUC, cost per client and approval rate at ``threshold`` of one segment's
    clients; null figures with the reason when it has no client, a null AUC with the reason when its clients
    are of one class."""
    y = np.asarray(y_true)
    share = y.size / n_holdout if n_holdout else None
    if y.size == 0:
        return SegmentRow(
            segment=segment,
            count=0,
            share=share,
            defaults=0,
            default_rate=None,
            mean_predicted=None,
            auc=None,
            cost_per_client=None,
            approval_rate=None,
            undefined_reason=NO_CLIENT,
        )
    labels = validate_labels(y)
    values = validate_probabilities(proba, labels.size)
    ranking = discrimination(labels, values)
    return SegmentRow(
        segment=segment,
        count=int(labels.size),
        share=share,
        defaults=int(labels.sum()),
        default_rate=float(labels.mean()),
        mean_predicted=float(values.mean()),
        auc=ranking.auc,
        cost_per_client=cost_per_client(labels, values, threshold, weights),
        approval_rate=float((decisions(values, threshold) == 0).mean()),
        undefined_reason=ranking.undefined_reason,
    )


def segment_comparison(
    y_true: ArrayLike,
    proba: ArrayLike,
    segments: ArrayLike,
    levels: Sequence[str],
    *,
    definition: str,
    threshold: float,
    weights: CostWeights,
) -> SegmentComparison:
    """One row per level of ``levels`` (in that order), each client counted in its segment of ``segments``.

    A client whose segment is not among ``levels`` would be lost from the comparison: that raises.
    """
    labels = np.asarray(y_true)
    values = np.asarray(proba, dtype=np.float64)
    groups = np.asarray(segments, dtype=object)
    if not (labels.shape == values.shape == groups.shape):
        raise ValueError(
            f"Labels, probabilities and segments must align: shapes {labels.shape}, {values.shape}, "
            f"{groups.shape}"
        )
    unknown = sorted(set(groups.tolist()) - set(levels))
    if unknown:
        raise ValueError(
            f"Clients in segments that are not reported: {unknown[:10]} (reported: {list(levels)})"
        )
    rows = [
        segment_row(
            level,
            labels[groups == level],
            values[groups == level],
            n_holdout=labels.size,
            threshold=threshold,
            weights=weights,
        )
        for level in levels
    ]
    return SegmentComparison(definition=definition, rows=rows)


def unavailable_segments(definition: str, missing: Sequence[str]) -> SegmentComparison:
    """A segmentation that cannot be computed: no rows, and which columns the model input lacks."""
    return SegmentComparison(
        definition=definition,
        rows=[],
        unavailable_reason=f"the model input has no column {', '.join(missing)}",
    )


def segment_metrics(segments: Segments) -> dict[str, float]:
    """The finite figures of every segment as flat MLflow metric names:
    ``segment.<segmentation>.<segment>.<figure>`` (characters MLflow refuses replaced by ``_``)."""
    logged = {}
    for name in Segments.model_fields:
        for row in getattr(segments, name).rows:
            segment = "".join(c if c.isalnum() or c in "_-." else "_" for c in row.segment)
            for figure in ("count", "share", "default_rate", "auc", "cost_per_client", "approval_rate"):
                value = getattr(row, figure)
                if value is not None and np.isfinite(value):
                    logged[f"segment.{name}.{segment}.{figure}"] = float(value)
    return logged
