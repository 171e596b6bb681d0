"""Features of the client's previous applications at Home Credit: approved vs refused, asked vs granted."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from credit_scoring.features.cleaning import (
    clean_sentinels,
    null_code_indicator_name,
    sentinel_indicator_name,
)
from credit_scoring.features.expressions import (
    CLIENT_KEY,
    Aggregate,
    Measure,
    Subset,
    aggregate_per_client,
    count_aggregate,
    flag,
    from_source,
    row_sum,
    safe_divide,
    share_aggregate,
    stat_aggregates,
)
from credit_scoring.raw import schema

SOURCE = "previous_application"
PREFIX = "PREV"
RECENT_DAYS = 365
_SENTINEL_COLUMNS = schema.DAYS_SENTINEL_COLUMNS[SOURCE]
_CODE_COLUMNS = schema.NULL_CODE_COLUMNS[SOURCE]


def _is_most_recent(t: ir.Table) -> ir.BooleanValue:
    """True on each client's most recent previous application (latest decision; ties: highest SK_ID_PREV).

    The order is total (SK_ID_PREV is unique) and puts missing decision dates last on every engine, so
    DuckDB, Spark and the online path pick the same row.
    """
    order = [t.DAYS_DECISION.isnull(), ibis.desc(t.DAYS_DECISION), ibis.desc(t.SK_ID_PREV)]
    return ibis.row_number().over(group_by=t[CLIENT_KEY], order_by=order) == 0


def prepare_previous_applications(previous: ir.Table) -> ir.Table:
    """Previous applications with sentinels cleaned, row-level measures and the most recent one marked."""
    t = clean_sentinels(previous, SOURCE)
    return t.mutate(
        IS_MOST_RECENT=_is_most_recent(t),
        CREDIT_APPLICATION_RATIO=safe_divide(t.AMT_CREDIT, t.AMT_APPLICATION),
        APPLICATION_CREDIT_DIFFERENCE=t.AMT_APPLICATION - t.AMT_CREDIT,
        ANNUITY_CREDIT_RATIO=safe_divide(t.AMT_ANNUITY, t.AMT_CREDIT),
        LATE_END_DAYS=t.DAYS_LAST_DUE - t.DAYS_LAST_DUE_1ST_VERSION,
        XNA_FIELD_COUNT=row_sum([t[null_code_indicator_name(c)] for c in _CODE_COLUMNS]),
    )


APPROVED = Subset("APPROVED", lambda t: t.NAME_CONTRACT_STATUS == "Approved", "approved", "acceptées")
REFUSED = Subset("REFUSED", lambda t: t.NAME_CONTRACT_STATUS == "Refused", "refused", "refusées")


def _measure(column: str, unit: str, en: str, fr: str, definition: str | None = None) -> Measure:
    return Measure(column, unit, en, fr, definition or f"{column} of the previous application")


AMT_APPLICATION = _measure("AMT_APPLICATION", "currency", "Amount asked", "Montant demandé")
AMT_CREDIT = _measure("AMT_CREDIT", "currency", "Amount granted", "Montant accordé")
AMT_ANNUITY = _measure("AMT_ANNUITY", "currency", "Annuity", "Annuité")
AMT_DOWN_PAYMENT = _measure("AMT_DOWN_PAYMENT", "currency", "Down payment", "Apport")
CREDIT_APPLICATION_RATIO = _measure(
    "CREDIT_APPLICATION_RATIO",
    "ratio",
    "Granted / asked",
    "Accordé / demandé",
    "AMT_CREDIT / AMT_APPLICATION",
)
APPLICATION_CREDIT_DIFFERENCE = _measure(
    "APPLICATION_CREDIT_DIFFERENCE",
    "currency",
    "Asked minus granted",
    "Demandé moins accordé",
    "AMT_APPLICATION - AMT_CREDIT",
)
ANNUITY_CREDIT_RATIO = _measure(
    "ANNUITY_CREDIT_RATIO",
    "ratio",
    "Annuity / amount granted",
    "Annuité / montant accordé",
    "AMT_ANNUITY / AMT_CREDIT",
)
RATE_DOWN_PAYMENT = _measure("RATE_DOWN_PAYMENT", "ratio", "Down payment rate", "Taux d'apport")
CNT_PAYMENT = _measure("CNT_PAYMENT", "count", "Term (number of payments)", "Durée (nombre d'échéances)")
DAYS_DECISION = _measure(
    "DAYS_DECISION",
    "days",
    "Decision date (days before the application)",
    "Date de décision (jours avant la demande)",
)
DAYS_LAST_DUE_1ST_VERSION = _measure(
    "DAYS_LAST_DUE_1ST_VERSION",
    "days",
    "Planned last due date (days from the application)",
    "Dernière échéance prévue (jours depuis la demande)",
)
LATE_END_DAYS = _measure(
    "LATE_END_DAYS",
    "days",
    "Actual minus planned last due date",
    "Dernière échéance effective moins prévue",
    "DAYS_LAST_DUE - DAYS_LAST_DUE_1ST_VERSION",
)
XNA_FIELD_COUNT = _measure(
    "XNA_FIELD_COUNT",
    "count",
    "Fields coded XNA/XAP per application",
    "Champs codés XNA/XAP par demande",
    f"Number of fields among {', '.join(_CODE_COLUMNS)} that held XNA or XAP",
)


def _status_count(status: str, en: str, fr: str) -> Aggregate:
    return count_aggregate(
        f"PREV_{status.upper().replace(' ', '_')}_COUNT",
        lambda t: status == t.NAME_CONTRACT_STATUS,
        en,
        fr,
        f"Number of previous applications with NAME_CONTRACT_STATUS = {status}",
    )


def _of_most_recent(
    name: str, value: Callable[[ir.Table], ir.Value], *, unit: str, en: str, fr: str, definition: str
) -> Aggregate:
    """A value of the client's most recent previous application (NULL for a client without any)."""
    return Aggregate(
        f"PREV_LAST_{name}",
        lambda t: value(t).cast("float64").max(where=t.IS_MOST_RECENT),
        unit,
        en,
        fr,
        f"{definition}, on the most recent previous application (latest DAYS_DECISION)",
    )


def _sentinel_share(column: str) -> Aggregate:
    return share_aggregate(
        f"PREV_{sentinel_indicator_name(column)}_SHARE",
        lambda t: t[sentinel_indicator_name(column)] == 1.0,
        f"Share of previous applications without {column} (365243 placeholder)",
        f"Part des demandes précédentes sans {column} (valeur 365243)",
        f"Share of previous applications where {column} held 365243 (set to NULL)",
    )


AGGREGATES: list[Aggregate] = from_source(
    SOURCE,
    [
        count_aggregate(
            "PREV_APPLICATION_COUNT",
            None,
            "Previous applications",
            "Demandes précédentes",
            "Number of the client's previous applications",
        ),
        _status_count("Approved", "Approved previous applications", "Demandes précédentes acceptées"),
        _status_count("Refused", "Refused previous applications", "Demandes précédentes refusées"),
        _status_count("Canceled", "Canceled previous applications", "Demandes précédentes annulées"),
        _status_count("Unused offer", "Unused offers", "Offres non utilisées"),
        share_aggregate(
            "PREV_APPROVED_SHARE",
            APPROVED.condition,
            "Share of previous applications approved",
            "Part des demandes précédentes acceptées",
            "Approved / all previous applications",
        ),
        share_aggregate(
            "PREV_REFUSED_SHARE",
            REFUSED.condition,
            "Share of previous applications refused",
            "Part des demandes précédentes refusées",
            "Refused / all previous applications",
        ),
        count_aggregate(
            "PREV_RECENT_APPLICATION_COUNT",
            lambda t: t.DAYS_DECISION >= -RECENT_DAYS,
            "Previous applications in the last year",
            "Demandes précédentes dans l'année",
            f"Number of previous applications with DAYS_DECISION >= -{RECENT_DAYS}",
        ),
        count_aggregate(
            "PREV_RECENT_REFUSED_COUNT",
            lambda t: REFUSED.condition(t) & (t.DAYS_DECISION >= -RECENT_DAYS),
            "Refusals in the last year",
            "Refus dans l'année",
            f"Number of refused previous applications with DAYS_DECISION >= -{RECENT_DAYS}",
        ),
        count_aggregate(
            "PREV_CASH_LOAN_COUNT",
            lambda t: t.NAME_CONTRACT_TYPE == "Cash loans",
            "Previous cash loan applications",
            "Demandes précédentes de prêt personnel",
            "Number of previous applications with NAME_CONTRACT_TYPE = Cash loans",
        ),
        count_aggregate(
            "PREV_CONSUMER_LOAN_COUNT",
            lambda t: t.NAME_CONTRACT_TYPE == "Consumer loans",
            "Previous consumer loan applications",
            "Demandes précédentes de crédit à la consommation",
            "Number of previous applications with NAME_CONTRACT_TYPE = Consumer loans",
        ),
        count_aggregate(
            "PREV_REVOLVING_LOAN_COUNT",
            lambda t: t.NAME_CONTRACT_TYPE == "Revolving loans",
            "Previous revolving loan applications",
            "Demandes précédentes de crédit renouvelable",
            "Number of previous applications with NAME_CONTRACT_TYPE = Revolving loans",
        ),
        count_aggregate(
            "PREV_NEW_CLIENT_COUNT",
            lambda t: t.NAME_CLIENT_TYPE == "New",
            "Previous applications as a new client",
            "Demandes précédentes en tant que nouveau client",
            "Number of previous applications with NAME_CLIENT_TYPE = New",
        ),
        share_aggregate(
            "PREV_HIGH_YIELD_SHARE",
            lambda t: t.NAME_YIELD_GROUP == "high",
            "Share of high interest rate applications",
            "Part des demandes à taux élevé",
            "Share of previous applications with NAME_YIELD_GROUP = high",
        ),
        count_aggregate(
            "PREV_REJECT_LIMIT_COUNT",
            lambda t: t.CODE_REJECT_REASON == "LIMIT",
            "Refusals for the limit",
            "Refus pour plafond",
            "Number of previous applications with CODE_REJECT_REASON = LIMIT",
        ),
        count_aggregate(
            "PREV_REJECT_SCORING_COUNT",
            lambda t: t.CODE_REJECT_REASON.isin(("SCO", "SCOFR", "HC")),
            "Refusals for scoring or high credit risk",
            "Refus pour score ou risque élevé",
            "Number of previous applications with CODE_REJECT_REASON in SCO, SCOFR, HC",
        ),
        Aggregate(
            "PREV_INSURED_SHARE",
            lambda t: t.NFLAG_INSURED_ON_APPROVAL.mean(),
            "share",
            "Share of approved loans with insurance asked",
            "Part des prêts avec assurance demandée",
            "Mean of NFLAG_INSURED_ON_APPROVAL over the previous applications where it is known",
        ),
        count_aggregate(
            "PREV_RUNNING_LOAN_COUNT",
            lambda t: APPROVED.condition(t) & (t.DAYS_LAST_DUE_1ST_VERSION > 0),
            "Previous loans still running",
            "Prêts précédents encore en cours",
            "Number of approved previous applications whose planned last due date is after the application",
        ),
        *stat_aggregates(PREFIX, AMT_APPLICATION, ("MEAN",)),
        *stat_aggregates(PREFIX, AMT_CREDIT, ("MEAN", "MAX", "SUM")),
        *stat_aggregates(PREFIX, AMT_ANNUITY, ("MEAN",)),
        *stat_aggregates(PREFIX, AMT_DOWN_PAYMENT, ("MEAN",)),
        *stat_aggregates(PREFIX, CREDIT_APPLICATION_RATIO, ("MEAN", "MIN")),
        *stat_aggregates(PREFIX, APPLICATION_CREDIT_DIFFERENCE, ("MEAN",)),
        *stat_aggregates(PREFIX, ANNUITY_CREDIT_RATIO, ("MEAN",)),
        *stat_aggregates(PREFIX, RATE_DOWN_PAYMENT, ("MEAN",)),
        *stat_aggregates(PREFIX, CNT_PAYMENT, ("MEAN",)),
        *stat_aggregates(PREFIX, DAYS_DECISION, ("MIN", "MAX")),
        *stat_aggregates(PREFIX, DAYS_LAST_DUE_1ST_VERSION, ("MAX",)),
        *stat_aggregates(PREFIX, LATE_END_DAYS, ("MEAN",)),
        *stat_aggregates(PREFIX, XNA_FIELD_COUNT, ("MEAN",)),
        *stat_aggregates(PREFIX, AMT_CREDIT, ("SUM",), APPROVED),
        *stat_aggregates(PREFIX, AMT_ANNUITY, ("MEAN",), APPROVED),
        *stat_aggregates(PREFIX, CREDIT_APPLICATION_RATIO, ("MEAN",), APPROVED),
        *stat_aggregates(PREFIX, DAYS_DECISION, ("MAX",), APPROVED),
        *stat_aggregates(PREFIX, AMT_APPLICATION, ("MEAN",), REFUSED),
        *stat_aggregates(PREFIX, DAYS_DECISION, ("MAX",), REFUSED),
        *(_sentinel_share(column) for column in _SENTINEL_COLUMNS),
        _of_most_recent(
            "REFUSED",
            lambda t: flag(REFUSED.condition(t)),
            unit="flag",
            en="The most recent previous application was refused",
            fr="La dernière demande précédente a été refusée",
            definition="1 when NAME_CONTRACT_STATUS = Refused, else 0",
        ),
        _of_most_recent(
            "APPROVED",
            lambda t: flag(APPROVED.condition(t)),
            unit="flag",
            en="The most recent previous application was approved",
            fr="La dernière demande précédente a été acceptée",
            definition="1 when NAME_CONTRACT_STATUS = Approved, else 0",
        ),
        _of_most_recent(
            "CREDIT_APPLICATION_RATIO",
            lambda t: t.CREDIT_APPLICATION_RATIO,
            unit="ratio",
            en="Amount granted compared with amount asked, on the most recent previous application",
            fr="Montant accordé rapporté au montant demandé, lors de la dernière demande précédente",
            definition="AMT_CREDIT / AMT_APPLICATION",
        ),
    ],
)


def previous_application_features(previous_application: ir.Table) -> ir.Table:
    """One row per client with previous applications: SK_ID_CURR and the PREV_ features."""
    return aggregate_per_client(prepare_previous_applications(previous_application), AGGREGATES)
