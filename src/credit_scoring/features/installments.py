"""Repayment behaviour on previous loans (installments_payments): lateness, early payments, short payments."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from credit_scoring.features.expressions import (
    Aggregate,
    Measure,
    Subset,
    aggregate_per_client,
    count_aggregate,
    count_where,
    distinct_aggregate,
    from_source,
    safe_divide,
    share_aggregate,
    stat_aggregates,
)

SOURCE = "installments_payments"
PREFIX = "INSTAL"
RECENT_DAYS = 365


def prepare_installments(installments: ir.Table) -> ir.Table:
    """Instalment rows with days past due / early, payment ratio and shortfall."""
    t = installments
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


RECENT = Subset("RECENT", lambda t: t.DAYS_INSTALMENT >= -RECENT_DAYS, "last 12 months", "12 derniers mois")
OLD = Subset("OLD", lambda t: t.DAYS_INSTALMENT < -RECENT_DAYS, "older than 12 months", "plus de 12 mois")


def _late(t: ir.Table) -> ir.BooleanValue:
    return t.DPD > 0


def _short(t: ir.Table) -> ir.BooleanValue:
    return t.AMT_PAYMENT < t.AMT_INSTALMENT


def _late_share_in(subset: Subset) -> Aggregate:
    def expr(t: ir.Table) -> ir.Scalar:
        return safe_divide(
            count_where(t, _late(t) & subset.condition(t)), count_where(t, subset.condition(t))
        )

    return Aggregate(
        f"{PREFIX}_{subset.name}_LATE_SHARE",
        expr,
        "share",
        f"Share of late payments ({subset.label_en})",
        f"Part des paiements en retard ({subset.label_fr})",
        f"Rows with DPD > 0 / rows, among instalments due {subset.label_en} "
        f"(DAYS_INSTALMENT vs -{RECENT_DAYS})",
    )


def _measure(column: str, unit: str, en: str, fr: str, definition: str) -> Measure:
    return Measure(column, unit, en, fr, definition)


DPD = _measure(
    "DPD",
    "days",
    "Days past due per instalment",
    "Jours de retard par échéance",
    "max(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0)",
)
DBD = _measure(
    "DBD",
    "days",
    "Days paid early per instalment",
    "Jours d'avance par échéance",
    "max(DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT, 0)",
)
PAYMENT_RATIO = _measure(
    "PAYMENT_RATIO",
    "ratio",
    "Paid / due per instalment",
    "Payé / dû par échéance",
    "AMT_PAYMENT / AMT_INSTALMENT",
)
SHORTFALL = _measure(
    "PAYMENT_SHORTFALL",
    "currency",
    "Amount due minus amount paid",
    "Montant dû moins payé",
    "AMT_INSTALMENT - AMT_PAYMENT",
)
AMT_INSTALMENT = _measure(
    "AMT_INSTALMENT", "currency", "Instalment amount due", "Montant de l'échéance", "AMT_INSTALMENT"
)
AMT_PAYMENT = _measure("AMT_PAYMENT", "currency", "Amount paid", "Montant payé", "AMT_PAYMENT")
DAYS_ENTRY_PAYMENT = _measure(
    "DAYS_ENTRY_PAYMENT",
    "days",
    "Payment date (days before the application)",
    "Date de paiement (jours avant la demande)",
    "DAYS_ENTRY_PAYMENT",
)

AGGREGATES: list[Aggregate] = from_source(
    SOURCE,
    [
        count_aggregate(
            "INSTAL_COUNT",
            None,
            "Instalment payments recorded",
            "Paiements d'échéances enregistrés",
            "Number of the client's installments_payments rows",
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
            "Late payments",
            "Paiements en retard",
            "Number of rows paid after the due date (DPD > 0)",
        ),
        share_aggregate(
            "INSTAL_LATE_SHARE",
            _late,
            "Share of late payments",
            "Part des paiements en retard",
            "Rows with DPD > 0 / all rows",
        ),
        count_aggregate(
            "INSTAL_LATE_30_COUNT",
            lambda t: t.DPD > 30,
            "Payments more than 30 days late",
            "Paiements avec plus de 30 jours de retard",
            "Number of rows with DPD > 30",
        ),
        count_aggregate(
            "INSTAL_SHORT_PAYMENT_COUNT",
            _short,
            "Payments below the amount due",
            "Paiements inférieurs au montant dû",
            "Number of rows with AMT_PAYMENT < AMT_INSTALMENT",
        ),
        share_aggregate(
            "INSTAL_SHORT_PAYMENT_SHARE",
            _short,
            "Share of payments below the amount due",
            "Part des paiements inférieurs au dû",
            "Rows with AMT_PAYMENT < AMT_INSTALMENT / all rows",
        ),
        count_aggregate(
            "INSTAL_UNPAID_COUNT",
            lambda t: t.AMT_PAYMENT.isnull() | t.DAYS_ENTRY_PAYMENT.isnull(),
            "Instalments without a recorded payment",
            "Échéances sans paiement enregistré",
            "Number of rows where AMT_PAYMENT or DAYS_ENTRY_PAYMENT is missing",
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
            "Instalments due in the last year",
            "Échéances de la dernière année",
            f"Number of rows with DAYS_INSTALMENT >= -{RECENT_DAYS}",
        ),
        _late_share_in(RECENT),
        *stat_aggregates(PREFIX, DPD, ("MEAN", "MAX"), RECENT),
        *stat_aggregates(PREFIX, PAYMENT_RATIO, ("MEAN",), RECENT),
        *stat_aggregates(PREFIX, SHORTFALL, ("SUM",), RECENT),
        _late_share_in(OLD),
        *stat_aggregates(PREFIX, DPD, ("MEAN",), OLD),
        *stat_aggregates(PREFIX, PAYMENT_RATIO, ("MEAN",), OLD),
    ],
)


def installments_features(installments_payments: ir.Table) -> ir.Table:
    """One row per client with instalment payments: SK_ID_CURR and the INSTAL_ features."""
    return aggregate_per_client(prepare_installments(installments_payments), AGGREGATES)
