"""Features of the monthly balances of the client's previous credit cards (credit_card_balance)."""

from __future__ import annotations

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

SOURCE = "credit_card_balance"
PREFIX = "CC"
RECENT_MONTHS = 12


def prepare_credit_card(credit_card: ir.Table) -> ir.Table:
    """Monthly card balances with utilisation and payment-to-minimum ratios."""
    t = credit_card
    return t.mutate(
        UTILISATION=safe_divide(t.AMT_BALANCE, t.AMT_CREDIT_LIMIT_ACTUAL),
        PAYMENT_MINIMUM_RATIO=safe_divide(t.AMT_PAYMENT_TOTAL_CURRENT, t.AMT_INST_MIN_REGULARITY),
    )


RECENT = Subset("RECENT", lambda t: t.MONTHS_BALANCE >= -RECENT_MONTHS, "last 12 months", "12 derniers mois")


def _below_minimum(t: ir.Table) -> ir.BooleanValue:
    return t.AMT_PAYMENT_TOTAL_CURRENT < t.AMT_INST_MIN_REGULARITY


def _measure(column: str, unit: str, en: str, fr: str, definition: str | None = None) -> Measure:
    return Measure(column, unit, en, fr, definition or f"{column} of the monthly card balance")


AMT_BALANCE = _measure("AMT_BALANCE", "currency", "Card balance", "Solde de la carte")
CREDIT_LIMIT = _measure("AMT_CREDIT_LIMIT_ACTUAL", "currency", "Card limit", "Plafond de la carte")
UTILISATION = _measure(
    "UTILISATION",
    "ratio",
    "Card utilisation (balance / limit)",
    "Utilisation de la carte (solde / plafond)",
    "AMT_BALANCE / AMT_CREDIT_LIMIT_ACTUAL",
)
DRAWINGS = _measure("AMT_DRAWINGS_CURRENT", "currency", "Drawings in the month", "Retraits et achats du mois")
DRAWINGS_ATM = _measure(
    "AMT_DRAWINGS_ATM_CURRENT", "currency", "Cash withdrawals in the month", "Retraits d'espèces du mois"
)
CNT_DRAWINGS = _measure(
    "CNT_DRAWINGS_CURRENT", "count", "Number of drawings in the month", "Nombre d'opérations du mois"
)
PAYMENT_TOTAL = _measure(
    "AMT_PAYMENT_TOTAL_CURRENT", "currency", "Amount paid in the month", "Montant payé du mois"
)
PAYMENT_MINIMUM_RATIO = _measure(
    "PAYMENT_MINIMUM_RATIO",
    "ratio",
    "Paid / minimum instalment",
    "Payé / mensualité minimale",
    "AMT_PAYMENT_TOTAL_CURRENT / AMT_INST_MIN_REGULARITY",
)
MATURE_CUM = _measure(
    "CNT_INSTALMENT_MATURE_CUM", "count", "Instalments paid so far", "Échéances déjà payées"
)
SK_DPD = _measure("SK_DPD", "days", "Days past due", "Jours de retard")
SK_DPD_DEF = _measure(
    "SK_DPD_DEF", "days", "Days past due (tolerance applied)", "Jours de retard (avec tolérance)"
)
MONTHS_BALANCE = _measure(
    "MONTHS_BALANCE",
    "months",
    "Balance month (relative to the application)",
    "Mois du relevé (relatif à la demande)",
)

AGGREGATES: list[Aggregate] = from_source(
    SOURCE,
    [
        count_aggregate(
            "CC_MONTH_COUNT",
            None,
            "Months of credit card history",
            "Mois d'historique de carte",
            "Number of the client's credit_card_balance rows",
        ),
        distinct_aggregate(
            "CC_CARD_COUNT",
            "SK_ID_PREV",
            "Credit cards with monthly history",
            "Cartes de crédit avec historique",
            "Distinct SK_ID_PREV in credit_card_balance",
        ),
        count_aggregate(
            "CC_DPD_MONTH_COUNT",
            lambda t: t.SK_DPD > 0,
            "Card months with payments past due",
            "Mois de carte avec impayés",
            "Number of credit_card_balance rows with SK_DPD > 0",
        ),
        share_aggregate(
            "CC_DPD_MONTH_SHARE",
            lambda t: t.SK_DPD > 0,
            "Share of card months past due",
            "Part des mois de carte en retard",
            "Rows with SK_DPD > 0 / all credit_card_balance rows",
        ),
        count_aggregate(
            "CC_BELOW_MINIMUM_COUNT",
            _below_minimum,
            "Months paid below the minimum",
            "Mois payés sous le minimum",
            "Number of rows with AMT_PAYMENT_TOTAL_CURRENT < AMT_INST_MIN_REGULARITY",
        ),
        share_aggregate(
            "CC_BELOW_MINIMUM_SHARE",
            _below_minimum,
            "Share of months paid below the minimum",
            "Part des mois payés sous le minimum",
            "Rows with AMT_PAYMENT_TOTAL_CURRENT < AMT_INST_MIN_REGULARITY / all rows",
        ),
        count_aggregate(
            "CC_OVER_LIMIT_MONTH_COUNT",
            lambda t: t.UTILISATION > 1,
            "Months over the card limit",
            "Mois au-delà du plafond",
            "Number of rows with AMT_BALANCE > AMT_CREDIT_LIMIT_ACTUAL",
        ),
        *stat_aggregates(PREFIX, AMT_BALANCE, ("MEAN", "MAX")),
        *stat_aggregates(PREFIX, CREDIT_LIMIT, ("MAX",)),
        *stat_aggregates(PREFIX, UTILISATION, ("MEAN", "MAX")),
        *stat_aggregates(PREFIX, DRAWINGS, ("MEAN", "SUM")),
        *stat_aggregates(PREFIX, DRAWINGS_ATM, ("SUM",)),
        *stat_aggregates(PREFIX, CNT_DRAWINGS, ("MEAN",)),
        *stat_aggregates(PREFIX, PAYMENT_TOTAL, ("SUM",)),
        *stat_aggregates(PREFIX, PAYMENT_MINIMUM_RATIO, ("MEAN", "MIN")),
        *stat_aggregates(PREFIX, MATURE_CUM, ("MAX",)),
        *stat_aggregates(PREFIX, SK_DPD, ("MAX", "MEAN")),
        *stat_aggregates(PREFIX, SK_DPD_DEF, ("MAX",)),
        *stat_aggregates(PREFIX, MONTHS_BALANCE, ("MAX",)),
        *stat_aggregates(PREFIX, UTILISATION, ("MEAN",), RECENT),
        *stat_aggregates(PREFIX, DRAWINGS, ("MEAN",), RECENT),
        *stat_aggregates(PREFIX, SK_DPD, ("MAX",), RECENT),
    ],
)


def credit_card_features(credit_card_balance: ir.Table) -> ir.Table:
    """One row per client with credit card balances: SK_ID_CURR and the CC_ features."""
    return aggregate_per_client(prepare_credit_card(credit_card_balance), AGGREGATES)
