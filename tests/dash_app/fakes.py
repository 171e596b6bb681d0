"""A stand-in for the API client with answers shaped like the scoring API's response models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from credit_scoring.features.families import FAMILIES, family_label
from credit_scoring.raw.wording import wording_table
from credit_scoring.serving.family_reasons import FamilyExplainer
from credit_scoring.serving.reasons import dictionary_writer
from dash_app.api_client import ApiError
from dash_app.config import DashboardSettings

DRIFT_SUMMARY_FILE = Path(__file__).with_name("drift_summary.json")
"""An answer of GET /drift: the drift pipeline's summary on the tiny API project (``tests.api.drift_run``),
columns labelled in English; a test checks that it still has the API's schema."""

PERFORMANCE_SUMMARY_FILE = Path(__file__).with_name("performance_summary.json")
"""An answer of GET /performance, of the performance pipeline's shape: monthly periods 2027-01 to 2027-07,
model 3 then model 4 from 2027-04 (both serve that month), an alert in 2027-06, periods without labelled loans
(their realised figures null) and 2027-07 without decision; a test checks that it has the API's schema."""

MODEL = {"name": "credit-scoring", "version": "3", "alias": "champion"}
THRESHOLD = 0.09


#: One client's SHAP values and model-ready values, worded by the API's own family explainer (the lender's
#: default policy): six families, four raising the risk (protected characteristics among them, never a reason
#: for refusal) and two lowering it (age and family, not named in a refusal by default).
EXPLAINED = {  # feature: (contribution, value)
    "EXT_SOURCE_MIN": (0.30, 0.12),
    "EXT_SOURCE_MEAN": (0.12, 0.31),
    "DAYS_BIRTH": (-0.25, -16436),
    "AMT_ANNUITY": (0.18, 24700.5),
    "INSTAL_LATE_SHARE": (0.11, 0.12),
    "DAYS_EMPLOYED": (-0.07, -2920),
    "ORGANIZATION_TYPE": (0.02, "Business Entity Type 3"),
    "CODE_GENDER": (0.06, "M"),
}


def explanation(lang: str = "en", top_k: int = 6) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``reasons`` and ``refusal_reasons`` as the API answers them for the client of ``EXPLAINED`` (the API's
    explainer and feature dictionary: the fake says what the API says, in both languages)."""
    explainer = FamilyExplainer(list(EXPLAINED), dictionary_writer())
    contributions = np.array([[contribution for contribution, _ in EXPLAINED.values()]])
    [explained] = explainer.explain(contributions, [[value for _, value in EXPLAINED.values()]], top_k, lang)
    as_json = [
        [reason.to_dict() for reason in explained.reasons],
        [r.to_dict() for r in explained.refusal_reasons],
    ]
    reasons, refusal_reasons = json.loads(json.dumps(as_json))  # as they come over HTTP
    return reasons, refusal_reasons


REASONS, REFUSAL_REASONS = explanation("en")
REASONS_FR, REFUSAL_REASONS_FR = explanation("fr")


def score(client_id: int, probability: float, lang: str = "en") -> dict[str, Any]:
    decision = "refused" if probability >= THRESHOLD else "granted"
    reasons, refusal_reasons = explanation(lang)
    return {
        "client_id": client_id,
        "probability": probability,
        "decision": decision,
        "threshold": THRESHOLD,
        "risk_band": "high" if decision == "refused" else "low",
        "to_review": 0.8 * THRESHOLD <= probability < 1.25 * THRESHOLD,  # review.band_multiples' default
        "reasons": reasons,
        "refusal_reasons": refusal_reasons if decision == "refused" else [],
        "language": lang,
        "source": "batch",
        "model": MODEL,
    }


APPLICATION = {
    "SK_ID_CURR": 100002,
    "NAME_CONTRACT_TYPE": "Cash loans",
    "CODE_GENDER": "M",
    "CNT_CHILDREN": 0,
    "AMT_INCOME_TOTAL": 202500.0,
    "AMT_CREDIT": 406597.5,
    "AMT_ANNUITY": 24700.5,
    "AMT_GOODS_PRICE": 351000.0,
    "DAYS_BIRTH": -9461,
    "DAYS_EMPLOYED": -637,
}

INFO = {
    "client_id": 100002,
    "contract_type": "Cash loans",
    "gender": "M",
    "age_years": 25.9,
    "family_status": "Single / not married",
    "children": 0,
    "family_members": 1.0,
    "education": "Secondary / secondary special",
    "income_type": "Working",
    "occupation": "Laborers",
    "organization": "Business Entity Type 3",
    "employment_years": 1.7,
    "income": 202500.0,
    "credit_amount": 406597.5,
    "annuity": 24700.5,
    "goods_price": 351000.0,
    "own_car": False,
    "own_realty": True,
    "housing_type": "House / apartment",
    "region_rating": 2,
    "application": APPLICATION,
}


def drift_column(
    column: str, label: str, method: str, score: float, threshold: float, *, drifted: bool, share: float
) -> dict[str, Any]:
    """One column of GET /drift's answer."""
    return {
        "column": column,
        "label": label,
        "column_type": "numerical",
        "method": method,
        "score": score,
        "threshold": threshold,
        "drifted": drifted,
        "missing_share_reference": 0.0,
        "missing_share_current": 0.0,
        "source": "application",
        "importance_share": share,
        "importance_rank": None,
        "top_feature": share > 0,
    }


DRIFT_COLUMNS = [  # most important first, as GET /drift answers; distances and p-values mixed
    drift_column(
        "AMT_INCOME_TOTAL", "Income", "Wasserstein distance (normed)", 0.3, 0.1, drifted=True, share=0.4
    ),
    drift_column("DAYS_BIRTH", "Age", "K-S p_value", 0.001, 0.05, drifted=True, share=0.3),
    drift_column("AMT_CREDIT", "Credit", "K-S p_value", 0.5, 0.05, drifted=False, share=0.2),
    drift_column("CODE_GENDER", "Gender", "Jensen-Shannon distance", 0.02, 0.1, drifted=False, share=0.0),
]


class FakeApiClient:
    """Records calls; answers like the API. ``fail`` makes every call raise an :class:`ApiError`."""

    def __init__(self, fail: ApiError | None = None) -> None:
        self.settings = DashboardSettings(api_url="http://fake/api/v1", api_key="k")
        self.calls: list[tuple[str, tuple, dict]] = []
        self.fail = fail

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))
        if self.fail is not None:
            raise self.fail

    def ready(self) -> dict[str, Any]:
        self._record("ready")
        return {"ready": True, "model": MODEL}

    def model_info(self, lang: str = "en") -> dict[str, Any]:
        self._record("model_info", lang=lang)
        labels = {"en": ("External credit score 2", "Age", "Loan annuity", "Gender")}
        labels["fr"] = ("Score de crédit externe 2", "Âge", "Annuité du prêt", "Genre")
        return {
            **MODEL,
            "run_id": "abc",
            "model_family": "lightgbm_class_weight",
            "threshold": THRESHOLD,
            "features": ["EXT_SOURCE_2", "DAYS_BIRTH", "AMT_ANNUITY", "CODE_GENDER"],
            "categorical_features": ["CODE_GENDER"],
            "training_date": "2026-12-01T10:00:00Z",
            "not_recorded": {},
            "metrics": {  # what an older version recorded: the rest of ModelMetrics is null
                "model_name": "lightgbm_class_weight",
                "threshold": THRESHOLD,
                "holdout_auc": 0.771,
                "holdout_recall": 0.68,
                "holdout_precision": 0.19,
                "business_cost_per_client": 0.48,
            },
            "global_importance": [
                {"feature": feature, "label": label, "importance": importance}
                for feature, label, importance in zip(
                    ("EXT_SOURCE_2", "DAYS_BIRTH", "AMT_ANNUITY", "CODE_GENDER"),
                    labels[lang],
                    (0.31, 0.12, 0.08, 0.03),
                    strict=True,
                )
            ],
            "cost_curve": [
                {
                    "threshold": step / 20,
                    "tn": 50 - step,
                    "fp": step,
                    "fn": 20 - step,
                    "tp": step,
                    "cost": 100 * (0.5 + (step / 20 - THRESHOLD) ** 2),
                    "cost_per_client": 0.5 + (step / 20 - THRESHOLD) ** 2 + offset,
                    "sample": sample,
                }
                for sample, offset in (("out-of-fold (training)", 0.1), ("holdout", 0.0))
                for step in range(1, 20)
            ],
        }

    def predict(
        self, application: dict[str, Any], lang: str = "en", top_k: int = 6, *, simulation: bool = False
    ) -> dict[str, Any]:
        self._record("predict", application, lang=lang, simulation=simulation)
        probability = min(0.99, 0.04 + application.get("AMT_CREDIT", 0) / 4_000_000)
        answer = score(application.get("SK_ID_CURR") or 0, probability, lang)
        del answer["source"]  # a prediction's own: GET /clients/{id}/score says where its score came from
        return {**answer, "request_id": "r1", "known_client": True, "timestamp": "t", "latency_ms": 3.0}

    def search_clients(self, filters: dict[str, Any], page: int = 1, page_size: int = 20) -> dict[str, Any]:
        self._record("search_clients", filters, page=page, page_size=page_size)
        total = 45
        pages = 3
        start = (page - 1) * page_size
        items = [
            {
                "client_id": 100000 + index,
                "probability": 0.02 * (index % 10),
                "decision": "refused" if 0.02 * (index % 10) >= THRESHOLD else "granted",
                "risk_band": "low",
                "contract_type": "Cash loans",
                "gender": "F",
                "age_years": 30 + index % 30,
                "income": 100000.0 + index,
                "credit_amount": 300000.0,
                "annuity": 20000.0,
            }
            for index in range(start, min(total, start + page_size))
        ]
        return {"items": items, "total": total, "page": page, "page_size": page_size, "pages": pages}

    def client_info(self, client_id: int) -> dict[str, Any]:
        self._record("client_info", client_id)
        if client_id == 404:
            raise ApiError("Client 404 is not known.", 404, "not_found")
        return {**INFO, "client_id": client_id, "application": {**APPLICATION, "SK_ID_CURR": client_id}}

    def client_score(self, client_id: int, lang: str = "en", top_k: int = 6) -> dict[str, Any]:
        self._record("client_score", client_id, lang=lang)
        if client_id == 404:
            raise ApiError("Client 404 is not known.", 404, "not_found")
        return score(client_id, 0.14, lang)

    def similar_clients(self, client_id: int, k: int = 10) -> dict[str, Any]:
        self._record("similar_clients", client_id, k=k)
        return {
            "client_id": client_id,
            "k": k,
            "neighbours": [{"client_id": 1}] * k,
            "observed_default_rate": 0.12,
            "n_with_outcome": k,
            "space": [],
            "method": "m",
        }

    def distribution(
        self,
        feature: str,
        group: str = "all",
        client_id: int | None = None,
        filters: dict[str, Any] | None = None,
        lang: str = "en",
    ) -> dict[str, Any]:
        self._record("distribution", feature, group=group, client_id=client_id, filters=filters, lang=lang)
        if feature == "CODE_GENDER":
            return {
                "feature": feature,
                "label": "Gender",
                "kind": "categorical",
                "group": group,
                "n": 30,
                "values": [],
                "sampled": False,
                "summary": None,
                "counts": {"F": 20, "M": 10},
                "client_id": client_id,
                "client_value": "M",
                "client_percentile": None,
            }
        values = [float(value) for value in range(100)]
        return {
            "feature": feature,
            "label": "Age",
            "kind": "numeric",
            "group": group,
            "n": 100,
            "values": values,
            "sampled": False,
            "summary": None,
            "counts": None,
            "client_id": client_id,
            "client_value": 25.0,
            "client_percentile": 0.26,
        }

    def scatter(
        self,
        x: str,
        y: str,
        *,
        client_id: int | None = None,
        filters: dict[str, Any] | None = None,
        max_points: int = 1000,
        lang: str = "en",
    ) -> dict[str, Any]:
        self._record("scatter", x, y, client_id=client_id)
        points = [
            {
                "client_id": index,
                "x": float(index),
                "y": float(index % 7),
                "probability": index / 100,
                "decision": "refused" if index / 100 >= THRESHOLD else "granted",
            }
            for index in range(60)
        ]
        return {
            "x": x,
            "y": y,
            "x_label": "External credit score 2",
            "y_label": "Age",
            "n": 60,
            "sampled": False,
            "points": points,
            "client": {
                "client_id": client_id,
                "x": 10.0,
                "y": 3.0,
                "probability": 0.14,
                "decision": "refused",
            },
        }

    def wording(self, lang: str = "en") -> dict[str, Any]:
        self._record("wording", lang)
        return {
            "language": lang,
            "features": dictionary_writer().labels(lang),
            "families": {family.code: family_label(family.code, lang) for family in FAMILIES},
            "levels": wording_table(lang),
        }

    def drift_summary(self, lang: str = "en") -> dict[str, Any]:
        self._record("drift_summary", lang=lang)
        return json.loads(DRIFT_SUMMARY_FILE.read_text(encoding="utf-8"))

    def performance_summary(self) -> dict[str, Any]:
        self._record("performance_summary")
        return json.loads(PERFORMANCE_SUMMARY_FILE.read_text(encoding="utf-8"))

    def drift_report_html(self) -> str:
        self._record("drift_report_html")
        return "<!DOCTYPE html><html lang='en'><head><title>Drift</title></head><body>report</body></html>"
