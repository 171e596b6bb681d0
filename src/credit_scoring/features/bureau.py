"""Credit bureau features: other institutions' loans (bureau) and their monthly status (bureau_balance)."""

from __future__ import annotations

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

PREFIX = "BUREAU"
RECENT_MONTHS = 12
RECENT_DAYS = 365
_LOAN_KEY = "SK_ID_BUREAU"
_STATUS_LEVELS = {str(level): level for level in range(6)}
"""bureau_balance STATUS: 0 no days past due, 1 = 1-30 DPD, ..., 5 = 120+ DPD or sold; C closed, X unknown."""


def _balance_per_loan(bureau_balance: ir.Table) -> ir.Table:
    level = bureau_balance.STATUS.cases(*_STATUS_LEVELS.items(), else_=ibis.null("int64"))
    months = bureau_balance.MONTHS_BALANCE
    late = level > 0
    recent = months >= -RECENT_MONTHS
    return bureau_balance.group_by(_LOAN_KEY).aggregate(
        BALANCE_MONTHS=bureau_balance.count(),
        BALANCE_FIRST_MONTH=months.min(),
        BALANCE_DPD_MONTHS=count_where(bureau_balance, late),
        BALANCE_RECENT_DPD_MONTHS=count_where(bureau_balance, late & recent),
        BALANCE_RECENT_KNOWN_MONTHS=count_where(bureau_balance, recent & (bureau_balance.STATUS != "X")),
        BALANCE_SEVERE_DPD_MONTHS=count_where(bureau_balance, level >= 2),
        BALANCE_WORST_STATUS=level.max(),
        BALANCE_RECENT_WORST_STATUS=level.max(where=recent),
        BALANCE_UNKNOWN_MONTHS=count_where(bureau_balance, bureau_balance.STATUS == "X"),
        BALANCE_LAST_DPD_MONTH=months.max(where=late),
    )


def prepare_bureau(bureau: ir.Table, bureau_balance: ir.Table) -> ir.Table:
    """Bureau loans with row-level measures and their monthly-status summary (NULL when no monthly rows)."""
    per_loan = _balance_per_loan(bureau_balance)
    joined = bureau.left_join(per_loan, _LOAN_KEY).drop(f"{_LOAN_KEY}_right")
    return joined.mutate(
        CREDIT_DURATION_DAYS=joined.DAYS_CREDIT_ENDDATE - joined.DAYS_CREDIT,
        ENDDATE_GAP_DAYS=joined.DAYS_ENDDATE_FACT - joined.DAYS_CREDIT_ENDDATE,
        DEBT_CREDIT_RATIO=safe_divide(joined.AMT_CREDIT_SUM_DEBT, joined.AMT_CREDIT_SUM),
    )


def _measure(column: str, unit: str, en: str, fr: str, definition: str | None = None) -> Measure:
    return Measure(column, unit, en, fr, definition or f"{column} of the bureau loan")


ACTIVE = Subset("ACTIVE", lambda t: t.CREDIT_ACTIVE == "Active", "active loans", "crédits en cours")
CLOSED = Subset("CLOSED", lambda t: t.CREDIT_ACTIVE == "Closed", "closed loans", "crédits clos")
RECENT = Subset(
    "RECENT",
    lambda t: t.DAYS_CREDIT >= -RECENT_DAYS,
    "loans opened in the last 12 months",
    "crédits ouverts sur les 12 derniers mois",
)

DAYS_CREDIT = _measure(
    "DAYS_CREDIT",
    "days",
    "Loan start (days before the application)",
    "Début du crédit (jours avant la demande)",
)
DAYS_CREDIT_UPDATE = _measure(
    "DAYS_CREDIT_UPDATE",
    "days",
    "Last bureau update (days before the application)",
    "Dernière mise à jour au bureau (jours avant la demande)",
)
DAYS_CREDIT_ENDDATE = _measure(
    "DAYS_CREDIT_ENDDATE",
    "days",
    "Planned end (days from the application)",
    "Fin prévue (jours depuis la demande)",
)
DAYS_ENDDATE_FACT = _measure(
    "DAYS_ENDDATE_FACT",
    "days",
    "Actual end of closed loans (days before the application)",
    "Fin effective des crédits clos (jours avant la demande)",
)
CREDIT_DURATION = _measure(
    "CREDIT_DURATION_DAYS",
    "days",
    "Planned loan duration",
    "Durée prévue du crédit",
    "DAYS_CREDIT_ENDDATE - DAYS_CREDIT",
)
ENDDATE_GAP = _measure(
    "ENDDATE_GAP_DAYS",
    "days",
    "Actual minus planned end (positive = closed late)",
    "Fin effective moins fin prévue (positif = clos en retard)",
    "DAYS_ENDDATE_FACT - DAYS_CREDIT_ENDDATE",
)
DAY_OVERDUE = _measure(
    "CREDIT_DAY_OVERDUE",
    "days",
    "Days past due at the application",
    "Jours de retard à la date de la demande",
)
MAX_OVERDUE = _measure(
    "AMT_CREDIT_MAX_OVERDUE", "currency", "Largest amount ever overdue", "Plus grand montant jamais en retard"
)
PROLONG = _measure("CNT_CREDIT_PROLONG", "count", "Number of prolongations", "Nombre de prolongations")
CREDIT_SUM = _measure("AMT_CREDIT_SUM", "currency", "Credit amount", "Montant du crédit")
CREDIT_DEBT = _measure("AMT_CREDIT_SUM_DEBT", "currency", "Outstanding debt", "Dette restante")
CREDIT_LIMIT = _measure("AMT_CREDIT_SUM_LIMIT", "currency", "Credit card limit", "Plafond de carte de crédit")
CREDIT_OVERDUE = _measure("AMT_CREDIT_SUM_OVERDUE", "currency", "Amount overdue", "Montant en retard")
ANNUITY = _measure("AMT_ANNUITY", "currency", "Annuity", "Annuité")
DEBT_RATIO = _measure(
    "DEBT_CREDIT_RATIO",
    "ratio",
    "Debt / credit amount per loan",
    "Dette / montant par crédit",
    "AMT_CREDIT_SUM_DEBT / AMT_CREDIT_SUM of the loan",
)


def _balance(column: str, en: str, fr: str, definition: str, unit: str = "months") -> Measure:
    return Measure(column, unit, en, fr, f"{definition} in the loan's bureau_balance months")


BALANCE_MONTHS = _balance(
    "BALANCE_MONTHS", "Months of status history", "Mois d'historique de statut", "Number of rows"
)
BALANCE_FIRST_MONTH = _balance(
    "BALANCE_FIRST_MONTH",
    "Oldest status month (relative)",
    "Mois de statut le plus ancien (relatif)",
    "Minimum MONTHS_BALANCE",
)
BALANCE_DPD = _balance(
    "BALANCE_DPD_MONTHS",
    "Months with payments past due",
    "Mois avec impayés",
    "Number of months with STATUS 1-5",
)
BALANCE_RECENT_DPD = _balance(
    "BALANCE_RECENT_DPD_MONTHS",
    "Months past due in the last year",
    "Mois avec impayés sur la dernière année",
    f"Number of months with STATUS 1-5 and MONTHS_BALANCE >= -{RECENT_MONTHS}",
)
BALANCE_SEVERE_DPD = _balance(
    "BALANCE_SEVERE_DPD_MONTHS",
    "Months more than 30 days past due",
    "Mois avec plus de 30 jours de retard",
    "Number of months with STATUS 2-5",
)
BALANCE_WORST = _balance(
    "BALANCE_WORST_STATUS",
    "Worst delinquency status (0-5)",
    "Pire statut de retard (0-5)",
    "Highest STATUS among 0-5",
    unit="status",
)
BALANCE_RECENT_WORST = _balance(
    "BALANCE_RECENT_WORST_STATUS",
    "Worst status in the last year (0-5)",
    "Pire statut sur la dernière année (0-5)",
    f"Highest STATUS among 0-5 with MONTHS_BALANCE >= -{RECENT_MONTHS}",
    unit="status",
)
BALANCE_LAST_DPD = _balance(
    "BALANCE_LAST_DPD_MONTH",
    "Most recent month past due (relative)",
    "Mois le plus récent avec impayé (relatif)",
    "Latest MONTHS_BALANCE with STATUS 1-5",
)


def _loan_type(t: ir.Table, *types: str) -> ir.BooleanValue:
    return t.CREDIT_TYPE.isin(types)


_BUREAU_AGGREGATES: list[Aggregate] = [
    count_aggregate(
        "BUREAU_LOAN_COUNT",
        None,
        "Loans at the credit bureau",
        "Crédits déclarés au bureau",
        "Number of the client's bureau loans",
    ),
    count_aggregate(
        "BUREAU_ACTIVE_LOAN_COUNT",
        ACTIVE.condition,
        "Active bureau loans",
        "Crédits en cours au bureau",
        "Number of bureau loans with CREDIT_ACTIVE = Active",
    ),
    count_aggregate(
        "BUREAU_CLOSED_LOAN_COUNT",
        CLOSED.condition,
        "Closed bureau loans",
        "Crédits clos au bureau",
        "Number of bureau loans with CREDIT_ACTIVE = Closed",
    ),
    count_aggregate(
        "BUREAU_BAD_DEBT_OR_SOLD_COUNT",
        lambda t: t.CREDIT_ACTIVE.isin(("Bad debt", "Sold")),
        "Bureau loans sold or in bad debt",
        "Crédits cédés ou en créance douteuse",
        "Number of bureau loans with CREDIT_ACTIVE = Bad debt or Sold",
    ),
    share_aggregate(
        "BUREAU_ACTIVE_LOAN_SHARE",
        ACTIVE.condition,
        "Share of bureau loans still active",
        "Part des crédits encore en cours",
        "Active loans / all bureau loans",
    ),
    distinct_aggregate(
        "BUREAU_CREDIT_TYPE_COUNT",
        "CREDIT_TYPE",
        "Number of different credit types",
        "Nombre de types de crédit différents",
        "Distinct CREDIT_TYPE values",
    ),
    count_aggregate(
        "BUREAU_CREDIT_CARD_COUNT",
        lambda t: _loan_type(t, "Credit card"),
        "Credit cards at the bureau",
        "Cartes de crédit au bureau",
        "Number of bureau loans of type Credit card",
    ),
    count_aggregate(
        "BUREAU_CAR_OR_MORTGAGE_COUNT",
        lambda t: _loan_type(t, "Car loan", "Mortgage", "Real estate loan"),
        "Car and housing loans at the bureau",
        "Crédits auto et immobiliers au bureau",
        "Number of bureau loans of type Car loan, Mortgage or Real estate loan",
    ),
    count_aggregate(
        "BUREAU_MICROLOAN_COUNT",
        lambda t: _loan_type(t, "Microloan"),
        "Microloans at the bureau",
        "Microcrédits au bureau",
        "Number of bureau loans of type Microloan",
    ),
    count_aggregate(
        "BUREAU_OVERDUE_LOAN_COUNT",
        lambda t: (t.CREDIT_DAY_OVERDUE > 0) | (t.AMT_CREDIT_SUM_OVERDUE > 0),
        "Bureau loans overdue at the application",
        "Crédits en retard à la date de la demande",
        "Number of bureau loans with CREDIT_DAY_OVERDUE > 0 or AMT_CREDIT_SUM_OVERDUE > 0",
    ),
    count_aggregate(
        "BUREAU_RECENT_LOAN_COUNT",
        RECENT.condition,
        "Bureau loans opened in the last year",
        "Crédits ouverts dans l'année",
        f"Number of bureau loans with DAYS_CREDIT >= -{RECENT_DAYS}",
    ),
    *stat_aggregates(PREFIX, DAYS_CREDIT, ("MIN", "MAX", "MEAN")),
    *stat_aggregates(PREFIX, DAYS_CREDIT_UPDATE, ("MEAN",)),
    *stat_aggregates(PREFIX, DAYS_CREDIT_ENDDATE, ("MAX",)),
    *stat_aggregates(PREFIX, DAYS_ENDDATE_FACT, ("MAX",)),
    *stat_aggregates(PREFIX, CREDIT_DURATION, ("MEAN",)),
    *stat_aggregates(PREFIX, ENDDATE_GAP, ("MEAN",)),
    *stat_aggregates(PREFIX, DAY_OVERDUE, ("MAX",)),
    *stat_aggregates(PREFIX, MAX_OVERDUE, ("MAX",)),
    *stat_aggregates(PREFIX, PROLONG, ("SUM",)),
    *stat_aggregates(PREFIX, CREDIT_SUM, ("SUM", "MEAN")),
    *stat_aggregates(PREFIX, CREDIT_DEBT, ("SUM", "MEAN")),
    *stat_aggregates(PREFIX, CREDIT_LIMIT, ("SUM",)),
    *stat_aggregates(PREFIX, CREDIT_OVERDUE, ("SUM",)),
    *stat_aggregates(PREFIX, ANNUITY, ("SUM", "MEAN")),
    *stat_aggregates(PREFIX, DEBT_RATIO, ("MEAN",)),
    *stat_aggregates(PREFIX, DAYS_CREDIT, ("MEAN",), ACTIVE),
    *stat_aggregates(PREFIX, DAYS_CREDIT_ENDDATE, ("MAX",), ACTIVE),
    *stat_aggregates(PREFIX, CREDIT_SUM, ("SUM",), ACTIVE),
    *stat_aggregates(PREFIX, CREDIT_DEBT, ("SUM",), ACTIVE),
    *stat_aggregates(PREFIX, ANNUITY, ("SUM",), ACTIVE),
    *stat_aggregates(PREFIX, DAYS_CREDIT, ("MAX",), CLOSED),
    *stat_aggregates(PREFIX, CREDIT_SUM, ("SUM",), RECENT),
    Aggregate(
        "BUREAU_DEBT_CREDIT_RATIO",
        lambda t: safe_divide(t.AMT_CREDIT_SUM_DEBT.sum(), t.AMT_CREDIT_SUM.sum()),
        "ratio",
        "Total bureau debt / total bureau credit",
        "Dette totale / crédit total au bureau",
        "Sum of AMT_CREDIT_SUM_DEBT / sum of AMT_CREDIT_SUM over the client's bureau loans",
    ),
    Aggregate(
        "BUREAU_ACTIVE_DEBT_CREDIT_RATIO",
        lambda t: safe_divide(
            t.AMT_CREDIT_SUM_DEBT.sum(where=ACTIVE.condition(t)),
            t.AMT_CREDIT_SUM.sum(where=ACTIVE.condition(t)),
        ),
        "ratio",
        "Debt / credit of active bureau loans",
        "Dette / crédit des crédits en cours",
        "Sum of AMT_CREDIT_SUM_DEBT / sum of AMT_CREDIT_SUM over active bureau loans",
    ),
    Aggregate(
        "BUREAU_OVERDUE_DEBT_RATIO",
        lambda t: safe_divide(t.AMT_CREDIT_SUM_OVERDUE.sum(), t.AMT_CREDIT_SUM_DEBT.sum()),
        "ratio",
        "Share of bureau debt overdue",
        "Part de la dette en retard",
        "Sum of AMT_CREDIT_SUM_OVERDUE / sum of AMT_CREDIT_SUM_DEBT over the client's bureau loans",
    ),
]

_BALANCE_AGGREGATES: list[Aggregate] = [
    count_aggregate(
        "BUREAU_BALANCE_LOAN_COUNT",
        lambda t: t.BALANCE_MONTHS.notnull(),
        "Bureau loans with a monthly status history",
        "Crédits avec historique mensuel",
        "Number of bureau loans that have bureau_balance rows",
    ),
    *stat_aggregates(PREFIX, BALANCE_MONTHS, ("SUM",)),
    *stat_aggregates(PREFIX, BALANCE_FIRST_MONTH, ("MIN",)),
    *stat_aggregates(PREFIX, BALANCE_DPD, ("SUM",)),
    *stat_aggregates(PREFIX, BALANCE_RECENT_DPD, ("SUM",)),
    *stat_aggregates(PREFIX, BALANCE_SEVERE_DPD, ("SUM",)),
    *stat_aggregates(PREFIX, BALANCE_WORST, ("MAX",)),
    *stat_aggregates(PREFIX, BALANCE_RECENT_WORST, ("MAX",)),
    *stat_aggregates(PREFIX, BALANCE_LAST_DPD, ("MAX",)),
    Aggregate(
        "BUREAU_BALANCE_DPD_MONTH_SHARE",
        lambda t: safe_divide(
            t.BALANCE_DPD_MONTHS.sum(), t.BALANCE_MONTHS.sum() - t.BALANCE_UNKNOWN_MONTHS.sum()
        ),
        "share",
        "Share of known months with payments past due",
        "Part des mois connus avec impayés",
        "Months with STATUS 1-5 / months with a known status (not X), over all the client's bureau loans",
    ),
    Aggregate(
        "BUREAU_BALANCE_RECENT_DPD_MONTH_SHARE",
        lambda t: safe_divide(t.BALANCE_RECENT_DPD_MONTHS.sum(), t.BALANCE_RECENT_KNOWN_MONTHS.sum()),
        "share",
        "Share of months with a late payment on loans from other lenders in the last 12 months",
        "Part des mois avec un retard de paiement sur les crédits d'autres prêteurs sur les 12 derniers mois",
        "Months with STATUS 1-5 / months with a known status (not X), with MONTHS_BALANCE >= "
        f"-{RECENT_MONTHS}, over all the client's bureau loans",
    ),
    Aggregate(
        "BUREAU_BALANCE_UNKNOWN_MONTH_SHARE",
        lambda t: safe_divide(t.BALANCE_UNKNOWN_MONTHS.sum(), t.BALANCE_MONTHS.sum()),
        "share",
        "Share of months with unknown status",
        "Part des mois au statut inconnu",
        "Months with STATUS X / all months, over all the client's bureau loans",
    ),
]

AGGREGATES: list[Aggregate] = [
    *from_source("bureau", _BUREAU_AGGREGATES),
    *from_source("bureau, bureau_balance", _BALANCE_AGGREGATES),
]


def bureau_features(bureau: ir.Table, bureau_balance: ir.Table) -> ir.Table:
    """One row per client with bureau loans: SK_ID_CURR and the BUREAU_ features."""
    return aggregate_per_client(prepare_bureau(bureau, bureau_balance), AGGREGATES)
