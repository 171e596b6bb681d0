"""Features of the monthly balances of the client's previous point-of-sale and cash loans (POS_CASH)."""

from __future__ import annotations

import ibis.expr.types as ir

from credit_scoring.features.cleaning import clean_sentinels
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

SOURCE = "POS_CASH_balance"
PREFIX = "POS"
RECENT_MONTHS = 12


def prepare_pos_cash(pos_cash: ir.Table) -> ir.Table:
    """Monthly POS/cash balances with sentinels cleaned and row-level measures."""
    t = clean_sentinels(pos_cash, SOURCE)
    return t.mutate(REMAINING_INSTALMENT_SHARE=safe_divide(t.CNT_INSTALMENT_FUTURE, t.CNT_INSTALMENT))


RECENT = Subset("RECENT", lambda t: t.MONTHS_BALANCE >= -RECENT_MONTHS, "last 12 months", "12 derniers mois")


def _measure(column: str, unit: str, en: str, fr: str, definition: str | None = None) -> Measure:
    return Measure(column, unit, en, fr, definition or f"{column} of the monthly POS/cash balance")


MONTHS_BALANCE = _measure(
    "MONTHS_BALANCE",
    "months",
    "Balance month (relative to the application)",
    "Mois du relevé (relatif à la demande)",
)
SK_DPD = _measure("SK_DPD", "days", "Days past due", "Jours de retard")
SK_DPD_DEF = _measure(
    "SK_DPD_DEF", "days", "Days past due (tolerance applied)", "Jours de retard (avec tolérance)"
)
CNT_INSTALMENT = _measure(
    "CNT_INSTALMENT", "count", "Term of the loan (instalments)", "Durée du prêt (échéances)"
)
CNT_INSTALMENT_FUTURE = _measure(
    "CNT_INSTALMENT_FUTURE", "count", "Instalments left to pay", "Échéances restant à payer"
)
REMAINING_SHARE = _measure(
    "REMAINING_INSTALMENT_SHARE",
    "share",
    "Share of instalments left to pay",
    "Part des échéances restant à payer",
    "CNT_INSTALMENT_FUTURE / CNT_INSTALMENT",
)

AGGREGATES: list[Aggregate] = from_source(
    SOURCE,
    [
        count_aggregate(
            "POS_MONTH_COUNT",
            None,
            "Months of POS/cash loan history",
            "Mois d'historique POS/espèces",
            "Number of the client's POS_CASH_balance rows",
        ),
        distinct_aggregate(
            "POS_LOAN_COUNT",
            "SK_ID_PREV",
            "POS/cash loans with monthly history",
            "Prêts POS/espèces avec historique",
            "Distinct SK_ID_PREV in POS_CASH_balance",
        ),
        count_aggregate(
            "POS_DPD_MONTH_COUNT",
            lambda t: t.SK_DPD > 0,
            "Months with payments past due",
            "Mois avec impayés",
            "Number of POS_CASH_balance rows with SK_DPD > 0",
        ),
        count_aggregate(
            "POS_DPD_DEF_MONTH_COUNT",
            lambda t: t.SK_DPD_DEF > 0,
            "Months past due beyond tolerance",
            "Mois en retard au-delà de la tolérance",
            "Number of POS_CASH_balance rows with SK_DPD_DEF > 0",
        ),
        share_aggregate(
            "POS_DPD_MONTH_SHARE",
            lambda t: t.SK_DPD > 0,
            "Share of months past due",
            "Part des mois en retard",
            "Rows with SK_DPD > 0 / all POS_CASH_balance rows",
        ),
        count_aggregate(
            "POS_RECENT_DPD_MONTH_COUNT",
            lambda t: (t.SK_DPD > 0) & RECENT.condition(t),
            "Months past due in the last year",
            "Mois en retard sur la dernière année",
            f"Number of rows with SK_DPD > 0 and MONTHS_BALANCE >= -{RECENT_MONTHS}",
        ),
        count_aggregate(
            "POS_COMPLETED_MONTH_COUNT",
            lambda t: t.NAME_CONTRACT_STATUS == "Completed",
            "Months with a completed contract",
            "Mois avec contrat soldé",
            "Number of rows with NAME_CONTRACT_STATUS = Completed",
        ),
        share_aggregate(
            "POS_ACTIVE_MONTH_SHARE",
            lambda t: t.NAME_CONTRACT_STATUS == "Active",
            "Share of months with an active contract",
            "Part des mois avec contrat actif",
            "Rows with NAME_CONTRACT_STATUS = Active / all rows",
        ),
        *stat_aggregates(PREFIX, MONTHS_BALANCE, ("MIN", "MAX")),
        *stat_aggregates(PREFIX, SK_DPD, ("MAX", "MEAN")),
        *stat_aggregates(PREFIX, SK_DPD_DEF, ("MAX", "MEAN")),
        *stat_aggregates(PREFIX, CNT_INSTALMENT, ("MEAN",)),
        *stat_aggregates(PREFIX, CNT_INSTALMENT_FUTURE, ("MEAN",)),
        *stat_aggregates(PREFIX, REMAINING_SHARE, ("MEAN",)),
        *stat_aggregates(PREFIX, SK_DPD, ("MAX", "MEAN"), RECENT),
        *stat_aggregates(PREFIX, CNT_INSTALMENT_FUTURE, ("MEAN",), RECENT),
    ],
)


def pos_cash_features(pos_cash_balance: ir.Table) -> ir.Table:
    """One row per client with POS/cash balances: SK_ID_CURR and the POS_ features."""
    return aggregate_per_client(prepare_pos_cash(pos_cash_balance), AGGREGATES)
