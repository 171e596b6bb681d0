"""Repayment behaviour on previous loans (installments_payments): lateness, early payments, short payments.

A row of installments_payments is one payment: an instalment paid in several parts has several rows. Every
feature here is computed per instalment (`per_instalment`), as an analyst would: a split payment that settles
its instalment is neither several short payments nor several instalments.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from credit_scoring.features.expressions import (
    Aggregate,
    Measure,
    Subset,
    aggregate_per_client,
    count_aggregate,
    distinct_aggregate,
    from_source,
    safe_divide,
    share_aggregate,
    stat_aggregates,
)
from credit_scoring.ibis_helpers import count_where

SOURCE = "installments_payments"
PREFIX = "INSTAL"
RECENT_DAYS = 365
INSTALMENT_KEY = ("SK_ID_CURR", "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER")
"""One instalment of one previous loan (the client is part of the key so that a loan is never shared)."""
SHORT_TOLERANCE = 0.01
"""Currency units an instalment may fall short by and still count as paid in full: the sum of a split
payment carries float rounding."""


def per_instalment(installments: ir.Table) -> ir.Table:
    """One row per instalment: the payment rows of a split payment together.

    The amount paid is the sum of the payments, the payment date the last payment's (when the instalment was
    settled); the due date and amount, repeated on every payment row, are the earliest and the largest. An
    instalment without any recorded payment keeps NULL amount paid and payment date.
    """
    t = installments
    return t.group_by(list(INSTALMENT_KEY)).aggregate(
        DAYS_INSTALMENT=t.DAYS_INSTALMENT.min(),
        AMT_INSTALMENT=t.AMT_INSTALMENT.max(),
        DAYS_ENTRY_PAYMENT=t.DAYS_ENTRY_PAYMENT.max(),
        AMT_PAYMENT=t.AMT_PAYMENT.sum(),
    )


def prepare_installments(installments: ir.Table) -> ir.Table:
    """Instalments (split payments summed) with days past due / early, payment ratio and shortfall."""
    t = per_instalment(installments)
    delay = t.DAYS_ENTRY_PAYMENT - t.DAYS_INSTALMENT
    return t.mutate(
        DPD=_positive_part(delay),
        DBD=_positive_part(-delay),
        PAYMENT_RATIO=safe_divide(t.AMT_PAYMENT, t.AMT_INSTALMENT),
        PAYMENT_SHORTFALL=t.AMT_INSTALMENT - t.AMT_PAYMENT,
    )


def _positive_part(value: ir.NumericValue) -> ir.FloatingValue:
    # Not GREATEST(value, 0): engines disagree on NULL there, and an unpaid instalment must stay NULL.
    return ibis.cases((value > 0, value.cast("float64")), (value <= 0, 0.0), else_=ibis.null("float64"))


RECENT = Subset(
    "RECENT", lambda t: t.DAYS_INSTALMENT >= -RECENT_DAYS, "in the last 12 months", "sur les 12 derniers mois"
)
OLD = Subset(
    "OLD", lambda t: t.DAYS_INSTALMENT < -RECENT_DAYS, "more than 12 months ago", "il y a plus de 12 mois"
)


def _late(t: ir.Table) -> ir.BooleanValue:
    return t.DPD > 0


def _short(t: ir.Table) -> ir.BooleanValue:
    return t.AMT_PAYMENT < t.AMT_INSTALMENT - SHORT_TOLERANCE


_LATE_WORDS = ("paid late", "payées en retard", "instalments paid after the due date (DPD > 0)")
_SHORT_WORDS = (
    "not paid in full",
    "non payées en totalité",
    f"instalments whose payments add up to less than the amount due (by more than {SHORT_TOLERANCE})",
)


def _share_in(
    name: str, condition: Callable[[ir.Table], ir.BooleanValue], words: tuple[str, str, str], subset: Subset
) -> Aggregate:
    en, fr, definition = words

    def expr(t: ir.Table) -> ir.Scalar:
        return safe_divide(
            count_where(t, condition(t) & subset.condition(t)), count_where(t, subset.condition(t))
        )

    return Aggregate(
        f"{PREFIX}_{subset.name}_{name}_SHARE",
        expr,
        "share",
        f"Share of instalments {en} {subset.label_en}",
        f"Part des échéances {fr} {subset.label_fr}",
        f"Share of {definition}, among instalments due {subset.label_en} (DAYS_INSTALMENT vs -{RECENT_DAYS})",
    )


def _measure(column: str, unit: str, en: str, fr: str, definition: str) -> Measure:
    return Measure(column, unit, en, fr, definition)


DPD = _measure(
    "DPD",
    "days",
    "Days late per instalment",
    "Jours de retard par échéance",
    "max(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0), with the last payment of a split payment",
)
DBD = _measure(
    "DBD",
    "days",
    "Days paid in advance per instalment",
    "Jours d'avance par échéance",
    "max(DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT, 0), with the last payment of a split payment",
)
PAYMENT_RATIO = _measure(
    "PAYMENT_RATIO",
    "ratio",
    "Share of each instalment paid",
    "Part payée de chaque échéance",
    "AMT_PAYMENT / AMT_INSTALMENT per instalment (split payments summed)",
)
SHORTFALL = _measure(
    "PAYMENT_SHORTFALL",
    "currency",
    "Amount left unpaid per instalment",
    "Montant resté impayé par échéance",
    "AMT_INSTALMENT - AMT_PAYMENT per instalment (split payments summed; negative when overpaid)",
)
AMT_INSTALMENT = _measure(
    "AMT_INSTALMENT", "currency", "Instalment amount due", "Montant de l'échéance", "AMT_INSTALMENT"
)
AMT_PAYMENT = _measure(
    "AMT_PAYMENT", "currency", "Amount paid", "Montant payé", "AMT_PAYMENT (split payments summed)"
)
DAYS_ENTRY_PAYMENT = _measure(
    "DAYS_ENTRY_PAYMENT",
    "days",
    "Date of the most recent payment (days before the application)",
    "Date du paiement le plus récent (jours avant la demande)",
    "DAYS_ENTRY_PAYMENT (the last payment of a split payment)",
)

AGGREGATES: list[Aggregate] = from_source(
    SOURCE,
    [
        count_aggregate(
            "INSTAL_COUNT",
            None,
            "Number of instalments on previous loans",
            "Nombre d'échéances des prêts précédents",
            "Number of the client's instalments (SK_ID_PREV, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER)",
        ),
        distinct_aggregate(
            "INSTAL_LOAN_COUNT",
            "SK_ID_PREV",
            "Previous loans with instalments",
            "Prêts précédents avec échéances",
            "Distinct SK_ID_PREV in installments_payments",
        ),
        count_aggregate(
            "INSTAL_LATE_COUNT",
            _late,
            "Number of instalments paid late",
            "Nombre d'échéances payées en retard",
            "Number of instalments settled after the due date (DPD > 0)",
        ),
        share_aggregate(
            "INSTAL_LATE_SHARE",
            _late,
            "Share of instalments paid late",
            "Part des échéances payées en retard",
            "Instalments with DPD > 0 / all instalments",
        ),
        count_aggregate(
            "INSTAL_LATE_30_COUNT",
            lambda t: t.DPD > 30,
            "Number of instalments paid more than 30 days late",
            "Nombre d'échéances payées avec plus de 30 jours de retard",
            "Number of instalments with DPD > 30",
        ),
        count_aggregate(
            "INSTAL_SHORT_PAYMENT_COUNT",
            _short,
            "Number of instalments not paid in full",
            "Nombre d'échéances non payées en totalité",
            f"Number of {_SHORT_WORDS[2]}",
        ),
        share_aggregate(
            "INSTAL_SHORT_PAYMENT_SHARE",
            _short,
            "Share of instalments not paid in full",
            "Part des échéances non payées en totalité",
            f"Share of {_SHORT_WORDS[2]}, among all instalments",
        ),
        count_aggregate(
            "INSTAL_UNPAID_COUNT",
            lambda t: t.AMT_PAYMENT.isnull() | t.DAYS_ENTRY_PAYMENT.isnull(),
            "Number of instalments without any payment",
            "Nombre d'échéances sans aucun paiement",
            "Number of instalments without a recorded payment (AMT_PAYMENT or DAYS_ENTRY_PAYMENT missing)",
        ),
        *stat_aggregates(PREFIX, DPD, ("MEAN", "MAX", "SUM")),
        *stat_aggregates(PREFIX, DBD, ("MEAN", "MAX")),
        *stat_aggregates(PREFIX, PAYMENT_RATIO, ("MEAN", "MIN")),
        *stat_aggregates(PREFIX, SHORTFALL, ("MEAN", "SUM")),
        *stat_aggregates(PREFIX, AMT_INSTALMENT, ("SUM",)),
        *stat_aggregates(PREFIX, AMT_PAYMENT, ("SUM",)),
        *stat_aggregates(PREFIX, DAYS_ENTRY_PAYMENT, ("MAX",)),
        count_aggregate(
            "INSTAL_RECENT_COUNT",
            RECENT.condition,
            "Number of instalments due in the last 12 months",
            "Nombre d'échéances des 12 derniers mois",
            f"Number of instalments with DAYS_INSTALMENT >= -{RECENT_DAYS}",
        ),
        _share_in("LATE", _late, _LATE_WORDS, RECENT),
        _share_in("SHORT_PAYMENT", _short, _SHORT_WORDS, RECENT),
        *stat_aggregates(PREFIX, DPD, ("MEAN", "MAX"), RECENT),
        *stat_aggregates(PREFIX, PAYMENT_RATIO, ("MEAN",), RECENT),
        *stat_aggregates(PREFIX, SHORTFALL, ("SUM",), RECENT),
        _share_in("LATE", _late, _LATE_WORDS, OLD),
        *stat_aggregates(PREFIX, DPD, ("MEAN",), OLD),
        *stat_aggregates(PREFIX, PAYMENT_RATIO, ("MEAN",), OLD),
    ],
)


def installments_features(installments_payments: ir.Table) -> ir.Table:
    """One row per client with instalments: SK_ID_CURR and the INSTAL_ features (per instalment)."""
    return aggregate_per_client(prepare_installments(installments_payments), AGGREGATES)
