"""The dashboard's only way to data: a small HTTP client for the scoring API (``/api/v1``).

Every score, explanation and client record comes from the API; the dashboard never loads the model.
Errors become :class:`ApiError` with a message fit for an adviser, never a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from dash_app.config import DashboardSettings


class ApiError(Exception):
    """The API could not answer: unreachable, refused the key, or rejected the request."""

    def __init__(self, message: str, status: int | None = None, code: str = "api_error") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class ApiClient:
    """Thin wrapper over the scoring API's JSON routes (one ``requests.Session``, keep-alive)."""

    def __init__(self, settings: DashboardSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        if settings.api_key:
            self.session.headers["X-API-Key"] = settings.api_key
        self.identify: Callable[[], dict[str, str]] = dict
        """The headers that tell the API who the call is for (`dash_app.sign_in`: the signed-in person)."""

    # --- transport -------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.settings.api_url}/{path.lstrip('/')}"
        try:
            response = self.session.request(
                method, url, headers=self.identify(), timeout=self.settings.timeout_seconds, **kwargs
            )
        except requests.RequestException as error:
            raise ApiError(f"The scoring service cannot be reached at {self.settings.api_url}.") from error
        if response.status_code >= 400:
            raise _error_from(response)
        return response

    def get(self, path: str, **params: Any) -> Any:
        clean = {key: value for key, value in params.items() if value not in (None, "", [])}
        return self._request("GET", path, params=clean).json()

    def post(self, path: str, payload: dict[str, Any], **params: Any) -> Any:
        clean = {key: value for key, value in params.items() if value not in (None, "")}
        return self._request("POST", path, json=payload, params=clean).json()

    # --- routes ----------------------------------------------------------------------------------------

    def ready(self) -> dict[str, Any]:
        return self.get("ready")

    def model_info(self, lang: str = "en") -> dict[str, Any]:
        """The served model; its global importance labelled in ``lang``."""
        return self.get("model", lang=lang)

    def predict(
        self, application: dict[str, Any], lang: str = "en", top_k: int = 6, *, simulation: bool = False
    ) -> dict[str, Any]:
        """A score and its reasons; a ``simulation`` (what-if) is not a decision: the API does not log it."""
        return self.post(
            "predict", application, lang=lang, top_k=top_k, simulation="true" if simulation else None
        )

    def search_clients(self, filters: dict[str, Any], page: int = 1, page_size: int = 20) -> dict[str, Any]:
        return self.get("clients", page=page, page_size=page_size, **filters)

    def client_info(self, client_id: int) -> dict[str, Any]:
        return self.get(f"clients/{int(client_id)}")

    def client_score(self, client_id: int, lang: str = "en", top_k: int = 6) -> dict[str, Any]:
        return self.get(f"clients/{int(client_id)}/score", lang=lang, top_k=top_k)

    def similar_clients(self, client_id: int, k: int = 10) -> dict[str, Any]:
        return self.get(f"clients/{int(client_id)}/similar", k=k)

    def distribution(
        self,
        feature: str,
        group: str = "all",
        client_id: int | None = None,
        filters: dict[str, Any] | None = None,
        lang: str = "en",
    ) -> dict[str, Any]:
        """One feature over all clients, a filtered group or the client's nearest clients."""
        return self.get(
            "population/distribution",
            feature=feature,
            group=group,
            client_id=client_id,
            lang=lang,
            **(filters or {}),
        )

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
        """A sample of clients on two features, with score and decision, and the client's own point."""
        return self.get(
            "population/scatter",
            x=x,
            y=y,
            client_id=client_id,
            max_points=max_points,
            lang=lang,
            **(filters or {}),
        )

    def wording(self, lang: str = "en") -> dict[str, Any]:
        """The words of every recorded category (schema ``Wording``): the dashboard's only wording table."""
        return self.get("wording", lang=lang)

    def drift_summary(self, lang: str = "en") -> dict[str, Any]:
        """The drift pipeline's latest summary (schema ``DriftSummary``), columns labelled in ``lang``."""
        return self.get("drift", lang=lang)

    def drift_report_html(self) -> str:
        return self._request("GET", "drift/report").text

    def performance_summary(self) -> dict[str, Any]:
        """The performance pipeline's latest summary (schema ``PerformanceSummary``): per period and model
        version, the estimated and realised cost and AUC, the approval rate, the drift and the alerts."""
        return self.get("performance")

    def counterfactual(self, application: dict[str, Any], lang: str = "en") -> dict[str, Any]:
        """What would change a refused application's decision: alternatives the model grants, each with its
        sentence, new probability and changed ``application`` (or ``none_reason``); a granted application is
        an :class:`ApiError` with code ``already_granted``."""
        return self.post("counterfactual", application, lang=lang)

    def letter(self, application: dict[str, Any], lang: str = "en", fmt: str = "html") -> str | bytes:
        """The decision letter of ``application`` for the client: HTML text, or PDF bytes (``fmt="pdf"``)."""
        response = self._request("POST", "letter", json=application, params={"lang": lang, "format": fmt})
        return response.content if fmt == "pdf" else response.text

    # human review (credit_scoring.api.review_routes): the signed-in person is the reviewer / approver

    def review(
        self,
        decision: str,
        justification: str,
        *,
        client_id: int | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Confirm or override the decision of a production client's score (``client_id``) or of a decision
        of the decision log (``request_id``, a POST /predict answer's): the stored review (``ReviewOut``)."""
        subject = {"client_id": int(client_id)} if client_id is not None else {"request_id": request_id}
        return self.post("reviews", {**subject, "decision": decision, "justification": justification})

    def approve_review(self, review_id: str, outcome: str, note: str | None = None) -> dict[str, Any]:
        """Approve or reject an override (``outcome``: approved / rejected): the review as it now stands."""
        return self.post(f"reviews/{review_id}/approval", {"outcome": outcome, "note": note or None})

    def reviews(self, status: str | None = None, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        """The recorded reviews, most recent first (``status=pending_approval``: the approval queue)."""
        return self.get("reviews", status=status, page=page, page_size=page_size)

    def decisions_to_review(self, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        """The decision log's decisions in the review band that nobody reviewed yet."""
        return self.get("reviews/to-review", page=page, page_size=page_size)

    def client_reviews(self, client_id: int) -> dict[str, Any]:
        """A client's current decision (``decision``, ``to_review``) and reviews (``items``)."""
        return self.get(f"clients/{int(client_id)}/reviews", page_size=50)

    def review_summary(self) -> dict[str, Any]:
        """Override counts and rates per reviewer and per risk band (``ReviewSummary``)."""
        return self.get("reviews/summary")


def _error_from(response: requests.Response) -> ApiError:
    """An :class:`ApiError` from the API's JSON error body (``{"error": {"code", "message", ...}}``)."""
    try:
        body = response.json().get("error", {})
    except (ValueError, AttributeError):
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    code = body.get("code", "api_error") if isinstance(body, dict) else "api_error"
    return ApiError(
        message or f"The scoring service answered {response.status_code}.", response.status_code, code
    )


_client: ApiClient | None = None


def get_client() -> ApiClient:
    """The process-wide client, built from the environment on first use."""
    global _client  # noqa: PLW0603 - one keep-alive session per process
    if _client is None:
        _client = ApiClient(DashboardSettings.from_env())
    return _client


def set_client(client: ApiClient | None) -> None:
    """Replace the process-wide client (the app factory and the tests do this)."""
    global _client  # noqa: PLW0603
    _client = client
