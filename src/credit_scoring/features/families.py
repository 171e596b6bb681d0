"""Reason families: every model feature belongs to exactly one family, a reason an adviser can say to a
client.

Correlated features split their SHAP credit between them, so "external score 3", "mean external score" and
"lowest external score" each look like a separate reason when they are one. A family groups them; its
contribution is the sum of its features' contributions, so the families still add up to the score.

The mapping is by rules, not by a list of every feature: `EXCEPTIONS` first (one feature, one family, and
why), then `RULES` in order, first match wins (shell-style patterns); a missing-value indicator
(``<COLUMN>_XNA``, ``<COLUMN>_SENTINEL``) takes its column's family. A feature matching nothing is an error:
a new feature must be given a family (`tests/features/test_families.py` checks every model feature).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from credit_scoring.features.cleaning import null_code_indicator_name, sentinel_indicator_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReasonFamily:
    """A group of features given to a client as one reason, in English and French.

    ``may_be_refusal_reason_default``: whether the family may be named as a reason for refusal unless the
    lender's configuration says otherwise (the full explanation keeps every family). ``protected``: never a
    reason for refusal, whatever the configuration.
    """

    code: str
    label_en: str
    label_fr: str
    may_be_refusal_reason_default: bool
    protected: bool = False


FAMILIES: tuple[ReasonFamily, ...] = (
    ReasonFamily("external_scores", "External credit scores", "Scores de crédit externes", True),
    ReasonFamily(
        "repayment_history",
        "Repayment behaviour on earlier loans",
        "Comportement de remboursement des prêts précédents",
        True,
    ),
    ReasonFamily(
        "bureau_records",
        "Loans and debts with other lenders (credit bureau)",
        "Crédits et dettes auprès d'autres prêteurs (bureau de crédit)",
        True,
    ),
    ReasonFamily(
        "bureau_enquiries",
        "Recent credit enquiries at the credit bureau",
        "Demandes auprès du bureau de crédit",
        True,
    ),
    ReasonFamily(
        "previous_applications",
        "Previous applications with us",
        "Demandes de crédit précédentes auprès de nous",
        True,
    ),
    ReasonFamily(
        "credit_amount",
        "Credit amount against income and goods price",
        "Montant du crédit rapporté aux revenus et au prix du bien",
        True,
    ),
    ReasonFamily("loan_type", "Type of loan applied for", "Type de prêt demandé", True),
    ReasonFamily("employment_income", "Employment and income", "Emploi et revenus", True),
    ReasonFamily("education", "Education", "Niveau d'études", True),
    # the building statistics (about 45 of them) are one reason, said as "housing details"
    ReasonFamily("housing", "Housing details", "Détails du logement", True),
    ReasonFamily("car", "Car owned", "Voiture possédée", True),
    ReasonFamily("documents_contact", "Documents and contact details", "Documents et coordonnées", True),
    # Age, family situation and place of residence are grounds of discrimination (French Penal Code art.
    # 225-1): kept in the model and the full explanation, not named in a refusal unless the lender says so.
    ReasonFamily("age_family", "Age and family", "Âge et famille", False),
    ReasonFamily("region_address", "Region and address", "Région et adresse", False),
    # Neither something the client did nor something they can change.
    ReasonFamily(
        "social_circle",
        "Payment defaults among acquaintances",
        "Défauts de paiement dans l'entourage",
        False,
    ),
    ReasonFamily(
        "application_circumstances",
        "When and how the application was made",
        "Moment et circonstances de la demande",
        False,
    ),
    ReasonFamily(
        "protected_attributes",
        "Protected characteristics (gender)",
        "Caractéristiques protégées (genre)",
        False,
        protected=True,
    ),
    # A feature no rule covers (a new feature not yet given a family) is told as "other information", never
    # as a reason for refusal, and logged; the tests fail on it before a release.
    ReasonFamily("other", "Other information", "Autres informations", False),
)
OTHER = FAMILIES[-1]

FAMILY_BY_CODE: dict[str, ReasonFamily] = {family.code: family for family in FAMILIES}

#: Features a rule would misplace (or that fit no rule): feature -> (family code, why).
EXCEPTIONS: dict[str, tuple[str, str]] = {
    "FLAG_EMP_PHONE": (
        "employment_income",
        "the employer's phone: 0 almost exactly when there is no employer (pensioners, the unemployed)",
    ),
    "TOTAL_ANNUITY_INCOME_RATIO": (
        "credit_amount",
        "this loan's repayments (with those of active bureau loans) against income: affordability",
    ),
    "INCOME_PER_FAMILY_MEMBER": ("employment_income", "an income, shared by the family"),
    "EMPLOYMENT_AGE_RATIO": ("employment_income", "time in the current job, relative to age"),
    "ID_PUBLISH_AGE_RATIO": ("documents_contact", "age of the identity document, relative to age"),
    "PHONE_CHANGE_AGE_RATIO": ("documents_contact", "time since the phone changed, relative to age"),
    "FLAG_OWN_REALTY": (
        "housing",
        "owning one's home goes with the housing situation (NAME_HOUSING_TYPE), not with other assets",
    ),
    "BUILDING_INFO_MISSING_COUNT": ("housing", "how much of the building's description is missing"),
}

#: (family code, patterns), in order; the first rule with a matching pattern wins.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # history tables first: their aggregates reuse application words (AMT_CREDIT, _MODE, ...)
    ("bureau_records", ("BUREAU_*",)),
    ("previous_applications", ("PREV_*",)),
    ("repayment_history", ("INSTAL_*", "POS_*", "CC_*")),
    ("external_scores", ("EXT_SOURCE_*",)),
    ("bureau_enquiries", ("AMT_REQ_CREDIT_BUREAU_*", "CREDIT_BUREAU_REQUEST_COUNT")),
    (
        "credit_amount",
        ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "CREDIT_*", "ANNUITY_*", "GOODS_*"),
    ),
    ("loan_type", ("NAME_CONTRACT_TYPE",)),
    (
        "employment_income",
        (
            "AMT_INCOME_*",
            "NAME_INCOME_TYPE",
            "DAYS_EMPLOYED",
            "EMPLOYMENT_*",
            "OCCUPATION_TYPE",
            "ORGANIZATION_TYPE",
        ),
    ),
    ("education", ("NAME_EDUCATION_TYPE",)),
    ("housing", ("NAME_HOUSING_TYPE", "*_AVG", "*_MODE", "*_MEDI")),
    ("car", ("FLAG_OWN_CAR", "*CAR_AGE*")),
    (
        "documents_contact",
        (
            "FLAG_DOCUMENT_*",
            "DOCUMENT_COUNT",
            "FLAG_MOBIL",
            "FLAG_*PHONE",
            "FLAG_CONT_MOBILE",
            "FLAG_EMAIL",
            "CONTACT_FLAG_COUNT",
            "DAYS_ID_PUBLISH",
            "DAYS_LAST_PHONE_CHANGE",
            "DAYS_REGISTRATION",
        ),
    ),
    (
        "age_family",
        ("DAYS_BIRTH", "AGE_YEARS", "CNT_CHILDREN", "CNT_FAM_MEMBERS", "NAME_FAMILY_STATUS", "CHILDREN_*"),
    ),
    ("region_address", ("REGION_*", "REG_*_NOT_*", "LIVE_*_NOT_*", "ADDRESS_*")),
    ("social_circle", ("*_SOCIAL_CIRCLE", "SOCIAL_CIRCLE_*")),
    (
        "application_circumstances",
        ("NAME_TYPE_SUITE", "WEEKDAY_APPR_PROCESS_START", "HOUR_APPR_PROCESS_START"),
    ),
    ("protected_attributes", ("CODE_GENDER",)),
)

#: Suffixes of the missing-value indicators (`credit_scoring.features.cleaning`).
INDICATOR_SUFFIXES = (null_code_indicator_name(""), sentinel_indicator_name(""))


def _match(feature: str) -> str | None:
    if feature in EXCEPTIONS:
        return EXCEPTIONS[feature][0]
    for code, patterns in RULES:
        if any(fnmatchcase(feature, pattern) for pattern in patterns):
            return code
    for suffix in INDICATOR_SUFFIXES:
        if feature.endswith(suffix) and len(feature) > len(suffix):
            return _match(feature.removesuffix(suffix))
    return None


def family_of(feature: str) -> ReasonFamily:
    """The family of a model feature; ValueError when no rule covers it (give it one in `RULES`)."""
    code = _match(feature)
    if code is None:
        raise ValueError(f"Feature {feature!r} belongs to no reason family: add a rule or an exception")
    return FAMILY_BY_CODE[code]


def family_code(feature: str) -> str:
    """The family code of a model feature, `OTHER` (logged once) when no rule covers it: a served model with
    a feature this code does not know still explains its scores."""
    code = _match(feature)
    if code is None:
        if feature not in _UNCOVERED:
            logger.warning("Feature %r belongs to no reason family: told as %r", feature, OTHER.label_en)
            _UNCOVERED.add(feature)
        return OTHER.code
    return code


_UNCOVERED: set[str] = set()


def family_table(features: Iterable[str]) -> dict[str, str]:
    """Feature -> family code, for each feature given (ValueError on the first without a family)."""
    return {feature: family_of(feature).code for feature in features}


def family_membership(features: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """The 0/1 matrix (n_features, n_families) of which family each feature belongs to, and the family codes
    of its columns (`FAMILIES` order, only families with a feature); cached per feature list, read-only."""
    return _membership(tuple(features))


@cache
def _membership(features: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    owners = [family_code(feature) for feature in features]
    codes = tuple(family.code for family in FAMILIES if family.code in owners)
    column = {code: j for j, code in enumerate(codes)}
    matrix = np.zeros((len(features), len(codes)))
    for i, code in enumerate(owners):
        matrix[i, column[code]] = 1.0
    matrix.flags.writeable = False
    return matrix, codes


def family_contributions(contributions: np.ndarray, features: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Per-client contribution of each family: the sum of its features' SHAP values.

    Vectorised: one matrix product of ``contributions`` (n_clients, n_features) with a 0/1 membership matrix
    (n_features, n_families), built once per feature list and cached. Returns the (n_clients, n_families)
    matrix and the family codes of its columns, in `FAMILIES` order. Only families with at least one of
    ``features`` are returned (a family the model does not use is no reason it can give), so each row still
    sums to the row's feature total: the families add up to the score like the features do.
    """
    values = np.asarray(contributions, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(features):
        raise ValueError(
            f"Contributions must be (n_clients, {len(features)} features); got shape {values.shape}"
        )
    membership, codes = family_membership(features)
    return values @ membership, list(codes)


def family_label(code: str, language: str) -> str:
    """The family's label in ``language`` ("en" or "fr")."""
    family = FAMILY_BY_CODE[code]
    return family.label_fr if language == "fr" else family.label_en


def default_refusal_reason_families() -> tuple[str, ...]:
    """The families that may be named in a refusal unless the lender says otherwise."""
    return tuple(family.code for family in FAMILIES if family.may_be_refusal_reason_default)


#: The parameters' key of the lender's policy (``conf/base/parameters_reasons.yml``).
REASON_POLICY = "reason_policy"


class ReasonPolicy(BaseModel):
    """What a client may be told: the lender's choice (``reason_policy`` in ``parameters_reasons.yml``), read
    by the explainability pipeline and the scoring API alike.

    The full explanation keeps every family; only the reasons given for a refusal are restricted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    refusal_reason_families: tuple[str, ...] = Field(
        default_factory=default_refusal_reason_families,
        description="Families that may be given as a reason for refusal (null: the defaults of FAMILIES)",
    )
    refusal_reasons: int = Field(3, ge=1, le=10, description="How many reasons a refusal gives")
    values_per_reason: int = Field(2, ge=1, le=4, description="Feature values shown with a family reason")
    min_value_share: float = Field(
        0.1,
        ge=0.0,
        lt=1.0,
        description="A value after the first is shown when its feature carries at least this share of its "
        "family's contribution",
    )

    @field_validator("refusal_reason_families", mode="before")
    @classmethod
    def _default_when_null(cls, value: object) -> object:
        return default_refusal_reason_families() if value is None else value

    @field_validator("refusal_reason_families")
    @classmethod
    def _known_and_not_protected(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [code for code in codes if code not in FAMILY_BY_CODE]
        if unknown:
            raise ValueError(f"unknown reason families {unknown}: use codes of {sorted(FAMILY_BY_CODE)}")
        protected = [code for code in codes if FAMILY_BY_CODE[code].protected]
        if protected:
            raise ValueError(f"protected families can never be a reason for refusal: {protected}")
        return tuple(dict.fromkeys(codes))

    def allows(self, code: str) -> bool:
        """Whether the family may be given as a reason for refusal."""
        return code in self.refusal_reason_families
