"""Application-level features: the application's own fields, cleaned, plus the ratios an analyst reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

import credit_scoring
from credit_scoring.features.cleaning import (
    clean_sentinels,
    null_code_indicator_name,
    sentinel_indicator_name,
)
from credit_scoring.features.expressions import (
    CLIENT_KEY,
    DAYS_PER_YEAR,
    FeatureInfo,
    row_count_present,
    row_max,
    row_mean,
    row_min,
    row_sum,
    safe_divide,
)
from credit_scoring.features.labels import APPLICATION_LABELS, READINGS
from credit_scoring.raw import schema
from credit_scoring.raw.tables import RAW_TABLES

SOURCE_TABLE = "application"
TARGET = "TARGET"
EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
EXT_SOURCE_WEIGHTS = (2.0, 1.0, 3.0)
"""Weights of EXT_SOURCE_1..3 in their weighted mean (the weighted sum of public Home Credit solutions)."""
RAW_FIELDS: tuple[str, ...] = tuple(
    column for column in RAW_TABLES["application_test"] if column != CLIENT_KEY
)
"""The application fields a request carries (the test file's columns without the identifier)."""


@dataclass(frozen=True)
class RowFeature:
    """A feature computed from one application's own fields."""

    name: str
    expr: Callable[[ir.Table], ir.Value]
    unit: str
    label_en: str
    label_fr: str
    definition: str
    reading: str = ""

    def info(self) -> FeatureInfo:
        return FeatureInfo(
            self.name, SOURCE_TABLE, self.definition, self.unit, self.label_en, self.label_fr, self.reading
        )


def _weighted_ext_source_mean(t: ir.Table) -> ir.FloatingValue:
    """Weighted mean of the available external scores: a missing score drops out with its weight."""
    weighted = [t[c].cast("float64") * w for c, w in zip(EXT_SOURCES, EXT_SOURCE_WEIGHTS, strict=True)]
    present_weights = [
        ibis.cases((t[c].notnull(), w), else_=0.0)
        for c, w in zip(EXT_SOURCES, EXT_SOURCE_WEIGHTS, strict=True)
    ]
    return safe_divide(row_sum(weighted), sum(present_weights, ibis.literal(0.0)))


def _years(column: str) -> Callable[[ir.Table], ir.Value]:
    return lambda t: -t[column].cast("float64") / DAYS_PER_YEAR


def _ratio(numerator: str, denominator: str) -> Callable[[ir.Table], ir.Value]:
    return lambda t: safe_divide(t[numerator], t[denominator])


ENGINEERED_FEATURES: tuple[RowFeature, ...] = (
    RowFeature(
        "CREDIT_INCOME_RATIO",
        _ratio("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        "ratio",
        "Credit amount compared with income",
        "Montant du crédit rapporté au revenu",
        "AMT_CREDIT / AMT_INCOME_TOTAL",
    ),
    RowFeature(
        "ANNUITY_INCOME_RATIO",
        _ratio("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        "ratio",
        "Share of income needed for this loan's repayments",
        "Part du revenu consacrée aux remboursements de ce prêt",
        "AMT_ANNUITY / AMT_INCOME_TOTAL",
    ),
    RowFeature(
        "ANNUITY_CREDIT_RATIO",
        _ratio("AMT_ANNUITY", "AMT_CREDIT"),
        "ratio",
        "Repayment as a share of the credit amount (higher for a shorter loan)",
        "Remboursement rapporté au montant du crédit (plus élevé pour un prêt plus court)",
        "AMT_ANNUITY / AMT_CREDIT: the inverse of the loan's length in annuities (credit to annuity ratio, "
        "interest ignored)",
    ),
    RowFeature(
        "GOODS_CREDIT_RATIO",
        _ratio("AMT_GOODS_PRICE", "AMT_CREDIT"),
        "ratio",
        "Price of the goods compared with the credit amount",
        "Prix du bien rapporté au montant du crédit",
        "AMT_GOODS_PRICE / AMT_CREDIT (the inverse of the credit to goods price ratio)",
    ),
    RowFeature(
        "CREDIT_GOODS_DIFFERENCE",
        lambda t: t.AMT_CREDIT - t.AMT_GOODS_PRICE,
        "currency",
        "Credit amount beyond the price of the goods",
        "Montant du crédit au-delà du prix du bien",
        "AMT_CREDIT - AMT_GOODS_PRICE",
    ),
    RowFeature(
        "INCOME_PER_FAMILY_MEMBER",
        _ratio("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        "currency",
        "Income per family member",
        "Revenu par membre de la famille",
        "AMT_INCOME_TOTAL / CNT_FAM_MEMBERS",
    ),
    RowFeature(
        "CHILDREN_FAMILY_RATIO",
        _ratio("CNT_CHILDREN", "CNT_FAM_MEMBERS"),
        "ratio",
        "Share of children in the family",
        "Part des enfants dans la famille",
        "CNT_CHILDREN / CNT_FAM_MEMBERS",
    ),
    RowFeature("AGE_YEARS", _years("DAYS_BIRTH"), "years", "Age", "Âge", "-DAYS_BIRTH / 365.25", "age"),
    RowFeature(
        "EMPLOYMENT_YEARS",
        _years("DAYS_EMPLOYED"),
        "years",
        "Years in current employment",
        "Ancienneté dans l'emploi actuel",
        "-DAYS_EMPLOYED / 365.25; NULL when DAYS_EMPLOYED is the 365243 placeholder",
    ),
    RowFeature(
        "EMPLOYMENT_AGE_RATIO",
        _ratio("DAYS_EMPLOYED", "DAYS_BIRTH"),
        "ratio",
        "Share of the client's life spent in the current job",
        "Part de la vie du client passée dans l'emploi actuel",
        "DAYS_EMPLOYED / DAYS_BIRTH (NULL for the 365243 placeholder)",
    ),
    RowFeature(
        "ID_PUBLISH_AGE_RATIO",
        _ratio("DAYS_ID_PUBLISH", "DAYS_BIRTH"),
        "ratio",
        "Age of identity document relative to age",
        "Ancienneté de la pièce d'identité rapportée à l'âge",
        "DAYS_ID_PUBLISH / DAYS_BIRTH",
    ),
    RowFeature(
        "PHONE_CHANGE_AGE_RATIO",
        _ratio("DAYS_LAST_PHONE_CHANGE", "DAYS_BIRTH"),
        "ratio",
        "Time since phone change relative to age",
        "Ancienneté du téléphone rapportée à l'âge",
        "DAYS_LAST_PHONE_CHANGE / DAYS_BIRTH",
    ),
    RowFeature(
        "CAR_AGE_RATIO",
        lambda t: safe_divide(t.OWN_CAR_AGE, _years("DAYS_BIRTH")(t)),
        "ratio",
        "Car age relative to client age",
        "Âge de la voiture rapporté à l'âge du client",
        "OWN_CAR_AGE / AGE_YEARS",
    ),
    RowFeature(
        "EXT_SOURCE_MEAN",
        lambda t: row_mean([t[c] for c in EXT_SOURCES]),
        "score",
        "Average external credit score",
        "Score de crédit externe moyen",
        "Mean of the available EXT_SOURCE_1..3",
    ),
    RowFeature(
        "EXT_SOURCE_MIN",
        lambda t: row_min([t[c] for c in EXT_SOURCES]),
        "score",
        "Lowest external credit score",
        "Score de crédit externe le plus bas",
        "Minimum of the available EXT_SOURCE_1..3",
    ),
    RowFeature(
        "EXT_SOURCE_MAX",
        lambda t: row_max([t[c] for c in EXT_SOURCES]),
        "score",
        "Highest external credit score",
        "Score de crédit externe le plus haut",
        "Maximum of the available EXT_SOURCE_1..3",
    ),
    RowFeature(
        "EXT_SOURCE_PRODUCT",
        lambda t: t.EXT_SOURCE_1.cast("float64") * t.EXT_SOURCE_2 * t.EXT_SOURCE_3,
        "score",
        "Combined external credit scores (all three multiplied)",
        "Scores de crédit externes combinés (les trois multipliés)",
        "EXT_SOURCE_1 * EXT_SOURCE_2 * EXT_SOURCE_3 (NULL when one is missing)",
    ),
    RowFeature(
        "EXT_SOURCE_WEIGHTED_MEAN",
        _weighted_ext_source_mean,
        "score",
        "Weighted average of the external credit scores",
        "Moyenne pondérée des scores de crédit externes",
        f"({' + '.join(f'{w:g} * {c}' for c, w in zip(EXT_SOURCES, EXT_SOURCE_WEIGHTS, strict=True))}) "
        "/ (sum of the weights of the available scores): a missing score drops out with its weight; NULL "
        "when all are missing",
    ),
    RowFeature(
        "EXT_SOURCE_COUNT",
        lambda t: row_count_present([t[c] for c in EXT_SOURCES]).cast("float64"),
        "count",
        "Number of external credit scores available",
        "Nombre de scores de crédit externes disponibles",
        "Number of non-missing EXT_SOURCE_1..3",
    ),
    RowFeature(
        "DOCUMENT_COUNT",
        lambda t: row_sum([t[c] for c in schema.DOCUMENT_FLAGS]),
        "count",
        "Number of documents provided",
        "Nombre de documents fournis",
        "Sum of FLAG_DOCUMENT_2..21",
    ),
    RowFeature(
        "CONTACT_FLAG_COUNT",
        lambda t: row_sum([t[c] for c in schema.CONTACT_FLAGS]),
        "count",
        "Number of contact channels given",
        "Nombre de moyens de contact fournis",
        "FLAG_MOBIL + FLAG_EMP_PHONE + FLAG_WORK_PHONE + FLAG_CONT_MOBILE + FLAG_PHONE + FLAG_EMAIL",
    ),
    RowFeature(
        "ADDRESS_MISMATCH_COUNT",
        lambda t: row_sum([t[c] for c in schema.ADDRESS_MISMATCH_FLAGS]),
        "count",
        "Number of address mismatches",
        "Nombre d'incohérences d'adresse",
        "Sum of the six REG_/LIVE_ ... _NOT_ ... flags (permanent, contact and work addresses)",
    ),
    RowFeature(
        "CREDIT_BUREAU_REQUEST_COUNT",
        lambda t: row_sum([t[c] for c in schema.BUREAU_REQUEST_COLUMNS]),
        "count",
        "Credit bureau enquiries in the year before",
        "Consultations du bureau de crédit sur l'année",
        "Sum of AMT_REQ_CREDIT_BUREAU_HOUR..YEAR (disjoint periods covering one year)",
    ),
    RowFeature(
        "SOCIAL_CIRCLE_DEFAULT_RATIO_30",
        _ratio("DEF_30_CNT_SOCIAL_CIRCLE", "OBS_30_CNT_SOCIAL_CIRCLE"),
        "ratio",
        "Default rate of acquaintances (30 days past due)",
        "Taux de défaut des proches (30 jours de retard)",
        "DEF_30_CNT_SOCIAL_CIRCLE / OBS_30_CNT_SOCIAL_CIRCLE",
    ),
    RowFeature(
        "SOCIAL_CIRCLE_DEFAULT_RATIO_60",
        _ratio("DEF_60_CNT_SOCIAL_CIRCLE", "OBS_60_CNT_SOCIAL_CIRCLE"),
        "ratio",
        "Default rate of acquaintances (60 days past due)",
        "Taux de défaut des proches (60 jours de retard)",
        "DEF_60_CNT_SOCIAL_CIRCLE / OBS_60_CNT_SOCIAL_CIRCLE",
    ),
    RowFeature(
        "BUILDING_INFO_MISSING_COUNT",
        lambda t: (
            len(schema.BUILDING_COLUMNS) - row_count_present([t[c] for c in schema.BUILDING_COLUMNS])
        ).cast("float64"),
        "count",
        "Number of missing building fields",
        "Nombre d'informations manquantes sur l'immeuble",
        f"Number of missing values among the {len(schema.BUILDING_COLUMNS)} normalized building fields",
    ),
)

_INDICATOR_LABELS = {
    "DAYS_EMPLOYED": (
        "Employment date was the 365243 placeholder (pensioner, unemployed)",
        "Date d'emploi remplacée par 365243 (retraité, sans emploi)",
    ),
    "CODE_GENDER": ("Gender was coded XNA", "Genre codé XNA"),
    "ORGANIZATION_TYPE": ("Employer type was coded XNA", "Type d'employeur codé XNA"),
}


def _indicator_infos() -> list[FeatureInfo]:
    infos = []
    for column in schema.DAYS_SENTINEL_COLUMNS["application_test"]:
        en, fr = _INDICATOR_LABELS[column]
        infos.append(
            FeatureInfo(
                sentinel_indicator_name(column),
                SOURCE_TABLE,
                f"1 when {column} held 365243 (then set to NULL), else 0",
                "flag",
                en,
                fr,
            )
        )
    for column in schema.NULL_CODE_COLUMNS["application_test"]:
        en, fr = _INDICATOR_LABELS[column]
        infos.append(
            FeatureInfo(
                null_code_indicator_name(column),
                SOURCE_TABLE,
                f"1 when {column} held XNA/XAP (then set to NULL), else 0",
                "flag",
                en,
                fr,
            )
        )
    return infos


@cache
def _official_descriptions() -> dict[str, str]:
    source = Path(credit_scoring.__file__).parent / "resources" / "HomeCredit_columns_description.csv"
    table = pd.read_csv(source, encoding="latin-1")
    rows = table[table["Table"].str.startswith("application")]
    return {str(row.Row).strip(): str(row.Description).strip() for row in rows.itertuples()}


def _raw_infos() -> list[FeatureInfo]:
    descriptions = _official_descriptions()
    infos = []
    for column in RAW_FIELDS:
        unit, en, fr = APPLICATION_LABELS[column]
        note = ""
        if column in schema.DAYS_SENTINEL_COLUMNS["application_test"]:
            note = " The placeholder 365243 is set to NULL (see the _SENTINEL indicator)."
        elif column in schema.NULL_CODE_COLUMNS["application_test"]:
            note = " The codes XNA/XAP are set to NULL (see the _XNA indicator)."
        definition = f"Application field {column}: {descriptions.get(column, en)}.{note}"
        infos.append(FeatureInfo(column, SOURCE_TABLE, definition, unit, en, fr, READINGS.get(column, "")))
    return infos


def application_feature_infos() -> list[FeatureInfo]:
    """Dictionary entries of the application-level features, in output column order."""
    return [*_raw_infos(), *_indicator_infos(), *(feature.info() for feature in ENGINEERED_FEATURES)]


def application_feature_columns() -> list[str]:
    return [info.feature for info in application_feature_infos()]


def application_features(application: ir.Table) -> ir.Table:
    """One row per application: SK_ID_CURR, TARGET when present, then the application features.

    Input: a validated application table (train or test). Numeric fields become float64, categorical fields
    stay text; sentinels become NULL plus indicators.
    """
    cleaned = clean_sentinels(application, "application_test")
    columns: dict[str, ir.Value] = {CLIENT_KEY: cleaned[CLIENT_KEY]}
    if TARGET in application.columns:
        columns[TARGET] = cleaned[TARGET].cast("int64")
    for info in application_feature_infos():
        if info.unit == "category":
            columns[info.feature] = cleaned[info.feature].cast("string")
        elif info.feature in cleaned.columns:
            columns[info.feature] = cleaned[info.feature].cast("float64")
    for feature in ENGINEERED_FEATURES:
        columns[feature.name] = feature.expr(cleaned).cast("float64")
    return cleaned.select(**columns)
