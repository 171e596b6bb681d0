"""Reasons by family: what an adviser can tell a client, from the features' SHAP contributions.

Correlated features split their credit between them ("external score 3", "average external score", "lowest
external score"), so ranking single features tells the client the same thing three times. A reason here is a
family (`credit_scoring.features.families`): its contribution is the sum of its features', so the families
still add up to the score, and the top reasons of a client are distinct families by construction. Each reason
shows the one or two feature values that carry most of it, in the family's direction ("External credit
scores – average external credit score: 0.31 and lowest external credit score: 0.12").

The lender's `ReasonPolicy` says which families may be given as a reason for a refusal (``refusal_reasons``);
the full explanation (``reasons``) keeps every family. The cost over feature reasons is one product of the
contributions with a cached 0/1 matrix and a few texts per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from credit_scoring.features.families import (
    ReasonPolicy,
    family_contributions,
    family_label,
    family_membership,
)
from credit_scoring.serving.reasons import (
    LOWERS,
    RAISES,
    ReasonWriter,
    check_language,
    is_missing,
    lower_first,
)

#: One sentence per direction and language; {label} (the family's) and {values} are filled in.
FAMILY_SENTENCES: dict[str, dict[str, str]] = {
    "en": {
        RAISES: "{label} – {values}. This raises the risk.",
        LOWERS: "{label} – {values}. This lowers the risk.",
    },
    "fr": {
        RAISES: "{label} – {values}. Cela augmente le risque.",
        LOWERS: "{label} – {values}. Cela diminue le risque.",
    },
}
_VALUE_PAIR = {"en": "{label}: {value}", "fr": "{label} : {value}"}
_AND = {"en": " and ", "fr": " et "}


@dataclass(frozen=True)
class FeatureValue:
    """One feature of a family reason: its value and its part of the family's contribution."""

    feature: str  # model feature name (for machines)
    label: str
    value: float | str | None
    display_value: str
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Reason:
    """One family's part in a client's score, with the words an adviser can use."""

    family: str  # family code (for machines)
    label: str  # the family's label in the requested language
    contribution: float  # sum of the family's SHAP values (log-odds)
    direction: str  # "raises" or "lowers" (the risk)
    values: tuple[FeatureValue, ...]  # the features carrying most of it, strongest first (at least one)
    display_value: str  # the values in words ("average external credit score: 0.31 and ...")
    sentence: str
    refusal_reason_allowed: bool  # the lender's policy lets this family be given as a reason for refusal

    @property
    def feature(self) -> str:
        """The feature carrying most of the family's contribution."""
        return self.values[0].feature

    @property
    def value(self) -> float | str | None:
        return self.values[0].value

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "feature": self.feature, "value": self.value}


@dataclass(frozen=True)
class Explanation:
    """A client's reasons: the full explanation and the reasons a refusal may give."""

    reasons: list[Reason]  # the strongest families, raising and lowering both represented
    refusal_reasons: list[Reason]  # the strongest raising families the policy allows, strongest first


def top_reason_indices(contributions: np.ndarray, top_k: int) -> list[int]:
    """Indices of the ``top_k`` largest |contributions| (zeros never count), by decreasing |contribution|.

    When they all push the same way and something pushes the other way, the strongest of those takes the
    last place: an adviser can always say what speaks for and against the client.
    """
    order = np.argsort(-np.abs(contributions), kind="stable")
    nonzero = order[contributions[order] != 0]
    chosen = nonzero[:top_k].tolist()
    if len(chosen) >= 2:
        signs = np.sign(contributions[nonzero])
        if np.all(signs[:top_k] == signs[0]):
            opposite = np.flatnonzero(signs == -signs[0])
            if len(opposite):
                chosen[-1] = int(nonzero[opposite[0]])
    return chosen


def top_indices_per_direction(contributions: np.ndarray, per_direction: int) -> list[int]:
    """The ``per_direction`` strongest raising and the ``per_direction`` strongest lowering indices."""
    order = np.argsort(-np.abs(contributions), kind="stable")
    ordered = contributions[order]
    return [*order[ordered > 0][:per_direction].tolist(), *order[ordered < 0][:per_direction].tolist()]


class FamilyExplainer:
    """Family reasons of one model's features, with a writer for the feature texts and the lender's policy."""

    def __init__(self, features: Sequence[str], writer: ReasonWriter, policy: ReasonPolicy | None = None):
        self.features = list(features)
        self.writer = writer
        self.policy = policy or ReasonPolicy()
        membership, codes = family_membership(self.features)
        self.codes = list(codes)
        self.members = [np.flatnonzero(membership[:, j]) for j in range(len(codes))]
        self.allowed = np.array([self.policy.allows(code) for code in self.codes], dtype=bool)

    def family_matrix(self, contributions: np.ndarray) -> np.ndarray:
        """(n_clients, n_families) contributions, columns in ``self.codes`` order."""
        return family_contributions(contributions, self.features)[0]

    def refusal_indices(self, family_row: np.ndarray) -> list[int]:
        """The strongest raising families the policy allows, strongest first, at most ``refusal_reasons``."""
        order = np.argsort(-family_row, kind="stable")
        chosen = order[(family_row[order] > 0) & self.allowed[order]]
        return chosen[: self.policy.refusal_reasons].tolist()

    def explain(
        self,
        contributions: np.ndarray,
        values: Sequence[Sequence[Any]],
        top_k: int,
        language: str,
    ) -> list[Explanation]:
        """For each row of feature ``contributions`` and the row's feature ``values`` (model order)."""
        check_language(language)
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        families = self.family_matrix(contributions)
        explanations = []
        for feature_row, family_row, row_values in zip(contributions, families, values, strict=True):
            strongest, against = top_reason_indices(family_row, top_k), self.refusal_indices(family_row)
            told = {
                j: self.reason(j, family_row, feature_row, row_values, language)
                for j in {*strongest, *against}
            }
            explanations.append(
                Explanation(reasons=[told[j] for j in strongest], refusal_reasons=[told[j] for j in against])
            )
        return explanations

    def reason(
        self,
        family: int,
        family_row: np.ndarray,
        feature_row: np.ndarray,
        row_values: Sequence[Any],
        language: str,
    ) -> Reason:
        """The reason of family number ``family`` (a column of `family_matrix`) for one client."""
        return self.reasons(family, family_row, feature_row, row_values, (language,))[language]

    def reasons(
        self,
        family: int,
        family_row: np.ndarray,
        feature_row: np.ndarray,
        row_values: Sequence[Any],
        languages: Sequence[str],
    ) -> dict[str, Reason]:
        """`reason` in each of ``languages``, the features that carry it chosen once."""
        contribution = float(family_row[family])
        code = self.codes[family]
        direction = RAISES if contribution > 0 else LOWERS
        carriers = [
            (self.features[position], model_value(row_values[position]), float(feature_row[position]))
            for position in self._carriers(self.members[family], contribution, feature_row)
        ]
        told = {}
        for language in languages:
            shown = self._shown(carriers, language)
            display = _AND[language].join(
                _VALUE_PAIR[language].format(label=lower_first(value.label), value=value.display_value)
                for value in shown
            )
            label = family_label(code, language)
            told[language] = Reason(
                family=code,
                label=label,
                contribution=contribution,
                direction=direction,
                values=tuple(shown),
                display_value=display,
                sentence=FAMILY_SENTENCES[language][direction].format(label=label, values=display),
                refusal_reason_allowed=bool(self.allowed[family]),
            )
        return told

    def _carriers(self, members: np.ndarray, contribution: float, feature_row: np.ndarray) -> np.ndarray:
        """The family's features that carry most of ``contribution``, in its direction, strongest first: the
        first always, the next while each carries at least ``min_value_share`` of it (one spare, in case two
        read the same)."""
        sign = 1.0 if contribution > 0 else -1.0
        parts = feature_row[members] * sign
        order = np.argsort(-parts, kind="stable")[: self.policy.values_per_reason + 1]
        keep = (parts[order] > 0) & (parts[order] >= self.policy.min_value_share * abs(contribution))
        keep[0] = True
        return members[order[: int(np.argmin(keep)) if not keep.all() else len(keep)]]

    def _shown(self, carriers: list[tuple[str, Any, float]], language: str) -> list[FeatureValue]:
        """The carriers in words, the same label and value once, at most ``values_per_reason``."""
        shown: list[FeatureValue] = []
        for feature, value, part in carriers:
            candidate = FeatureValue(
                feature=feature,
                label=self.writer.label(feature, language),
                value=value,
                display_value=self.writer.display_value(feature, value, language),
                contribution=part,
            )
            if all((v.label, v.display_value) != (candidate.label, candidate.display_value) for v in shown):
                shown.append(candidate)
            if len(shown) == self.policy.values_per_reason:
                break
        return shown


def model_value(value: Any) -> float | str | None:
    """A cleaned feature value as a plain Python float, str or None (missing)."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value
    return float(value)
