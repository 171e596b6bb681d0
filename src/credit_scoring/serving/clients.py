"""The production clients as advisers look them up: search, description, similar clients, population data.

Sources (written by data_processing and modelling): the staged application tables (raw descriptive fields;
``application_test`` holds the production clients, ``application_train`` the training clients and their
observed outcome TARGET), ``scoring_input_table`` (the production clients' model input) and the scores.

Similar clients live in a small standardised space of descriptive features (`SIMILARITY_FEATURES`): each is
turned into a z-score with the training clients' mean and standard deviation, a missing value sits at the
mean (z = 0), and the distance is Euclidean. Neighbours are searched among the training clients (their
outcome is known, hence an observed default rate) or among the production clients.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_TABLES
from credit_scoring.serving.reasons import ReasonWriter, check_language, dictionary_writer

CLIENT_ID = "SK_ID_CURR"
DAYS_PER_YEAR = 365.25
PROBABILITY = "probability"
SIMILARITY_FEATURES = (
    "AGE_YEARS",
    "EMPLOYMENT_YEARS",
    "LOG_INCOME",
    "LOG_CREDIT",
    "LOG_ANNUITY",
    "CNT_CHILDREN",
)
SIMILARITY_METHOD = (
    "Euclidean distance between z-scores (training clients' mean and standard deviation; a missing value "
    "counts as the mean) of: age in years, years in the current job, log(1 + income), log(1 + credit "
    "amount), log(1 + annuity), number of children"
)
_PROBABILITY_LABELS = {"en": "Probability of default", "fr": "Probabilité de défaut"}


class UnknownClientError(KeyError):
    """No production client has this SK_ID_CURR."""

    def __init__(self, client_id: int) -> None:
        super().__init__(client_id)
        self.client_id = client_id

    def __str__(self) -> str:
        return f"no production client with SK_ID_CURR {self.client_id}"


class UnknownFeatureError(ValueError):
    """A population query names a column that does not exist."""


def _years(days: pd.Series, *, sentinel: bool = False) -> pd.Series:
    days = pd.to_numeric(days, errors="coerce").astype(float)
    if sentinel:
        days = days.where(days != DAYS_SENTINEL)
    return -days / DAYS_PER_YEAR


def descriptive_columns(applications: pd.DataFrame) -> pd.DataFrame:
    """Readable columns derived from the raw application fields, indexed like the input."""
    return pd.DataFrame(
        {
            "AGE_YEARS": _years(applications["DAYS_BIRTH"]),
            "EMPLOYMENT_YEARS": _years(applications["DAYS_EMPLOYED"], sentinel=True),
            "LOG_INCOME": np.log1p(applications["AMT_INCOME_TOTAL"].astype(float).clip(lower=0)),
            "LOG_CREDIT": np.log1p(applications["AMT_CREDIT"].astype(float).clip(lower=0)),
            "LOG_ANNUITY": np.log1p(applications["AMT_ANNUITY"].astype(float).clip(lower=0)),
            "CNT_CHILDREN": applications["CNT_CHILDREN"].astype(float),
        },
        index=applications.index,
    )


def plain(value: Any) -> Any:
    """A JSON-ready scalar: None for missing, int for whole numbers of integer columns, float, str."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


@dataclass(frozen=True)
class SimilarityIndex:
    """Standardised descriptive vectors of one population."""

    ids: np.ndarray
    vectors: np.ndarray

    def nearest(
        self, vector: np.ndarray, k: int, exclude: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions and distances of the k nearest rows, nearest first (``exclude``: a client id to skip)."""
        distances = np.sqrt(((self.vectors - vector) ** 2).sum(axis=1))
        if exclude is not None:
            distances = np.where(self.ids == exclude, np.inf, distances)
        k = min(k, int(np.isfinite(distances).sum()))
        if k == 0:
            return np.empty(0, dtype=int), np.empty(0)
        candidates = np.argpartition(distances, k - 1)[:k]
        order = candidates[np.lexsort((self.ids[candidates], distances[candidates]))]
        return order, distances[order]


class Standardiser:
    """z-scores with the training population's mean and standard deviation; missing values become 0."""

    def __init__(self, reference: pd.DataFrame) -> None:
        self.mean = reference.mean().to_numpy(dtype=float)
        std = reference.std(ddof=0).to_numpy(dtype=float)
        self.std = np.where((std > 0) & np.isfinite(std), std, 1.0)
        self.mean = np.where(np.isfinite(self.mean), self.mean, 0.0)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        z = (frame.to_numpy(dtype=float) - self.mean) / self.std
        return np.where(np.isfinite(z), z, 0.0)


class ClientDirectory:
    """Look-ups over the production clients; ``scores`` holds one probability and decision per client."""

    def __init__(
        self,
        *,
        applications: pd.DataFrame,
        features: pd.DataFrame,
        scores: pd.DataFrame,
        training: pd.DataFrame,
        writer: ReasonWriter | None = None,
        score_source: str = "computed",
    ) -> None:
        self.applications = applications.set_index(applications[CLIENT_ID].astype("int64"), drop=False)
        self.applications.index.name = None
        self.features = features.set_index(features[CLIENT_ID].astype("int64"), drop=False)
        self.features.index.name = None
        self.score_source = score_source
        self.writer = writer or dictionary_writer()
        descriptive = descriptive_columns(self.applications)
        scores = scores.set_index(scores[CLIENT_ID].astype("int64"))
        self.summary = pd.DataFrame(
            {
                "client_id": self.applications.index.to_numpy(),
                PROBABILITY: scores[PROBABILITY].reindex(self.applications.index).to_numpy(),
                "decision": scores["decision"].reindex(self.applications.index).to_numpy(),
                "risk_band": scores["risk_band"].reindex(self.applications.index).to_numpy(),
                "contract_type": self.applications["NAME_CONTRACT_TYPE"].to_numpy(),
                "gender": self.applications["CODE_GENDER"].to_numpy(),
                "age_years": descriptive["AGE_YEARS"].to_numpy(),
                "income": self.applications["AMT_INCOME_TOTAL"].astype(float).to_numpy(),
                "credit_amount": self.applications["AMT_CREDIT"].astype(float).to_numpy(),
                "annuity": self.applications["AMT_ANNUITY"].astype(float).to_numpy(),
                "employment_years": descriptive["EMPLOYMENT_YEARS"].to_numpy(),
            },
            index=self.applications.index,
        )
        train = training.set_index(training[CLIENT_ID].astype("int64"), drop=False)
        train_descriptive = descriptive_columns(train)[list(SIMILARITY_FEATURES)]
        self.standardiser = Standardiser(train_descriptive)
        self.training = pd.DataFrame(
            {
                "client_id": train.index.to_numpy(),
                "defaulted": train["TARGET"].to_numpy(dtype=float),
                "age_years": train_descriptive["AGE_YEARS"].to_numpy(),
                "income": train["AMT_INCOME_TOTAL"].astype(float).to_numpy(),
                "credit_amount": train["AMT_CREDIT"].astype(float).to_numpy(),
                "annuity": train["AMT_ANNUITY"].astype(float).to_numpy(),
                "employment_years": train_descriptive["EMPLOYMENT_YEARS"].to_numpy(),
            }
        )
        self.training_index = SimilarityIndex(
            train.index.to_numpy(), self.standardiser.transform(train_descriptive)
        )
        self.production_vectors = self.standardiser.transform(descriptive[list(SIMILARITY_FEATURES)])
        self.production_index = SimilarityIndex(self.applications.index.to_numpy(), self.production_vectors)

    # --- single clients --------------------------------------------------------------------------------

    def __contains__(self, client_id: int) -> bool:
        return int(client_id) in self.applications.index

    def _require(self, client_id: int) -> int:
        client_id = int(client_id)
        if client_id not in self.applications.index:
            raise UnknownClientError(client_id)
        return client_id

    def application(self, client_id: int) -> dict[str, Any]:
        """The client's raw application fields (integers as int), ready to send back to POST /predict."""
        row = self.applications.loc[self._require(client_id)]
        fields: dict[str, Any] = {}
        for column, kind in RAW_TABLES["application_test"].items():
            value = plain(row.get(column))
            if kind == "int64" and isinstance(value, float) and value.is_integer():
                value = int(value)
            fields[column] = value
        return fields

    def describe(self, client_id: int) -> dict[str, Any]:
        """The client in readable units (years, amounts, yes/no) and the raw application."""
        fields = self.application(client_id)
        summary = self.summary.loc[int(client_id)]

        def flag(name: str) -> bool | None:
            return None if fields.get(name) is None else fields[name] == "Y"

        return {
            "client_id": int(client_id),
            "contract_type": fields["NAME_CONTRACT_TYPE"],
            "gender": fields["CODE_GENDER"],
            "age_years": plain(summary["age_years"]),
            "family_status": fields["NAME_FAMILY_STATUS"],
            "children": fields["CNT_CHILDREN"],
            "family_members": fields["CNT_FAM_MEMBERS"],
            "education": fields["NAME_EDUCATION_TYPE"],
            "income_type": fields["NAME_INCOME_TYPE"],
            "occupation": fields["OCCUPATION_TYPE"],
            "organization": fields["ORGANIZATION_TYPE"],
            "employment_years": plain(summary["employment_years"]),
            "income": fields["AMT_INCOME_TOTAL"],
            "credit_amount": fields["AMT_CREDIT"],
            "annuity": fields["AMT_ANNUITY"],
            "goods_price": fields["AMT_GOODS_PRICE"],
            "own_car": flag("FLAG_OWN_CAR"),
            "own_realty": flag("FLAG_OWN_REALTY"),
            "housing_type": fields["NAME_HOUSING_TYPE"],
            "region_rating": fields["REGION_RATING_CLIENT"],
            "application": fields,
        }

    def score(self, client_id: int) -> dict[str, Any]:
        row = self.summary.loc[self._require(client_id)]
        return {key: plain(row[key]) for key in (PROBABILITY, "decision", "risk_band")}

    def model_input_row(self, client_id: int) -> pd.DataFrame:
        """The client's row of scoring_input_table (one-row frame)."""
        client_id = self._require(client_id)
        return self.features.loc[[client_id]].reset_index(drop=True)

    # --- search ------------------------------------------------------------------------------------------

    def filter_mask(self, filters: Mapping[str, Any]) -> np.ndarray:
        """Rows matching every given filter (see `credit_scoring.api.schemas.ClientFilters`)."""
        table = self.summary
        mask = np.ones(len(table), dtype=bool)
        for key, column in (
            ("decision", "decision"),
            ("risk_band", "risk_band"),
            ("contract_type", "contract_type"),
            ("gender", "gender"),
        ):
            if filters.get(key) is not None:
                mask &= (table[column] == filters[key]).to_numpy()
        for prefix, column in (("age", "age_years"), ("income", "income"), ("credit", "credit_amount")):
            low, high = filters.get(f"{prefix}_min"), filters.get(f"{prefix}_max")
            values = table[column].to_numpy(dtype=float)
            if low is not None:
                mask &= values >= low
            if high is not None:
                mask &= values <= high
        return mask

    def search(
        self, filters: Mapping[str, Any], page: int, page_size: int, sort: str, order: str
    ) -> dict[str, Any]:
        """One page of the matching clients, sorted (missing values last, ties by client id)."""
        matching = self.summary[self.filter_mask(filters)]
        ascending = order == "asc"
        matching = matching.sort_values(
            [sort, "client_id"] if sort != "client_id" else ["client_id"],
            ascending=[ascending, True] if sort != "client_id" else [ascending],
            na_position="last",
            kind="mergesort",
        )
        total = len(matching)
        start = (page - 1) * page_size
        items = [
            {key: plain(value) for key, value in row.items() if key != "employment_years"}
            for row in matching.iloc[start : start + page_size].to_dict(orient="records")
        ]
        return {
            "items": items,
            "total": total,
            "page": page,
            "page_size": page_size,
            "pages": math.ceil(total / page_size) if total else 0,
        }

    # --- similar clients -------------------------------------------------------------------------------

    def similar(self, client_id: int, k: int) -> dict[str, Any]:
        """The k nearest training clients and their observed default rate."""
        position = self.applications.index.get_loc(self._require(client_id))
        rows, distances = self.training_index.nearest(self.production_vectors[position], k)
        neighbours = self.training.iloc[rows]
        outcomes = neighbours["defaulted"].dropna()
        return {
            "client_id": int(client_id),
            "k": k,
            "space": list(SIMILARITY_FEATURES),
            "method": SIMILARITY_METHOD + "; neighbours among the training clients (known outcome)",
            "neighbours": [
                {
                    **{key: plain(value) for key, value in row.items() if key != "defaulted"},
                    "client_id": int(row["client_id"]),
                    "defaulted": None if math.isnan(row["defaulted"]) else bool(row["defaulted"]),
                    "distance": float(distance),
                }
                for row, distance in zip(neighbours.to_dict(orient="records"), distances, strict=True)
            ],
            "observed_default_rate": float(outcomes.mean()) if len(outcomes) else None,
            "n_with_outcome": len(outcomes),
        }

    def similar_production_ids(self, client_id: int, k: int) -> np.ndarray:
        position = self.applications.index.get_loc(self._require(client_id))
        rows, _ = self.production_index.nearest(self.production_vectors[position], k, exclude=int(client_id))
        return self.production_index.ids[rows]

    # --- population ------------------------------------------------------------------------------------

    def feature_names(self) -> list[str]:
        extra = [PROBABILITY, "AGE_YEARS", "EMPLOYMENT_YEARS"]
        return extra + [column for column in self.features.columns if column != CLIENT_ID]

    def label(self, feature: str, language: str) -> str:
        """The feature's label as the reasons say it (the probability is not a feature)."""
        if feature == PROBABILITY:
            return _PROBABILITY_LABELS[check_language(language)]
        return self.writer.label(feature, language)

    def column(self, feature: str) -> pd.Series:
        """A feature over every production client (index: client id)."""
        if feature == PROBABILITY:
            return self.summary[PROBABILITY]
        if feature == "AGE_YEARS":
            return self.summary["age_years"]
        if feature == "EMPLOYMENT_YEARS":
            return self.summary["employment_years"]
        if feature == CLIENT_ID or feature not in self.features.columns:
            raise UnknownFeatureError(
                f"unknown feature {feature!r}: use probability, AGE_YEARS, EMPLOYMENT_YEARS or a column of "
                "the model input table (see GET /model, features)"
            )
        return self.features[feature].reindex(self.summary.index)

    def group_ids(self, group: str, filters: Mapping[str, Any], client_id: int | None, k: int) -> pd.Index:
        if group == "similar":
            if client_id is None:
                raise ValueError("group 'similar' needs client_id")
            return pd.Index(self.similar_production_ids(client_id, k))
        if group == "filtered":
            return self.summary.index[self.filter_mask(filters)]
        return self.summary.index

    def distribution(
        self,
        feature: str,
        *,
        group: str,
        filters: Mapping[str, Any],
        client_id: int | None,
        k: int,
        max_points: int,
        language: str,
    ) -> dict[str, Any]:
        """A feature's values over a group of production clients, and where the client stands."""
        column = self.column(feature)
        if client_id is not None:
            self._require(client_id)
        values = column.loc[self.group_ids(group, filters, client_id, k)]
        numeric = pd.api.types.is_numeric_dtype(values.dtype)
        sample = _sample(values, max_points)
        client_value = plain(column.loc[client_id]) if client_id is not None else None
        result: dict[str, Any] = {
            "feature": feature,
            "label": self.label(feature, language),
            "kind": "numeric" if numeric else "categorical",
            "group": group,
            "n": len(values),
            "values": [plain(value) for value in sample.to_numpy()],
            "sampled": len(sample) < len(values),
            "summary": _numeric_summary(values) if numeric else None,
            "counts": None if numeric else {str(k): int(v) for k, v in values.value_counts().items()},
            "client_id": client_id,
            "client_value": client_value,
            "client_percentile": None,
        }
        if numeric and isinstance(client_value, float | int):
            present = values.dropna().to_numpy(dtype=float)
            result["client_percentile"] = float((present <= client_value).mean()) if len(present) else None
        return result

    def scatter(
        self,
        x: str,
        y: str,
        *,
        filters: Mapping[str, Any],
        client_id: int | None,
        max_points: int,
        language: str,
    ) -> dict[str, Any]:
        """Points (x, y, probability, decision) of a seeded sample of the filtered production clients."""
        x_values, y_values = self.column(x), self.column(y)
        if client_id is not None:
            self._require(client_id)
        ids = self.summary.index[self.filter_mask(filters)]
        sample_ids = _sample(pd.Series(ids, index=ids), max_points).index

        def point(client: int) -> dict[str, Any]:
            return {
                "client_id": int(client),
                "x": plain(x_values.loc[client]),
                "y": plain(y_values.loc[client]),
                PROBABILITY: plain(self.summary.at[client, PROBABILITY]),
                "decision": plain(self.summary.at[client, "decision"]),
            }

        return {
            "x": x,
            "y": y,
            "x_label": self.label(x, language),
            "y_label": self.label(y, language),
            "n": len(ids),
            "sampled": len(sample_ids) < len(ids),
            "points": [point(client) for client in sample_ids],
            "client": point(client_id) if client_id is not None else None,
        }


def _sample(values: pd.Series, max_points: int, seed: int = 0) -> pd.Series:
    """At most ``max_points`` values, a seeded sample (the same request gives the same points)."""
    if len(values) <= max_points:
        return values
    return values.sample(n=max_points, random_state=seed).sort_index()


def _numeric_summary(values: pd.Series) -> dict[str, Any]:
    present = values.dropna().astype(float)
    if present.empty:
        quantiles: Sequence[Any] = [None] * 5
        mean = None
    else:
        quantiles = [float(v) for v in present.quantile([0, 0.25, 0.5, 0.75, 1]).to_numpy()]
        mean = float(present.mean())
    return {
        "count": len(present),
        "missing": int(values.isna().sum()),
        "mean": mean,
        "min": quantiles[0],
        "q1": quantiles[1],
        "median": quantiles[2],
        "q3": quantiles[3],
        "max": quantiles[4],
    }
