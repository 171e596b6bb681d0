"""The human review in the dashboard, with a fake API: the client page's panel (the "to review" mark, the
form, errors next to the field in both languages, the past reviews), the risk team's queue (approve, reject
with a note) and the Monitoring page's override counts."""

from __future__ import annotations

import copy
from typing import Any

import dash_bootstrap_components as dbc
import pytest
from dash import no_update

from credit_scoring.api import schemas
from dash_app import review_panel
from dash_app.api_client import ApiError
from dash_app.callbacks import client as client_callbacks
from dash_app.callbacks import monitoring, reviews
from dash_app.i18n import t
from dash_app.shell import nav_links
from tests.dash_app.components_text import find, text_of
from tests.dash_app.fakes import THRESHOLD, FakeApiClient, score

WHY = "Payslips checked: stable income for ten years."
REVIEW = {
    "review_id": "r1",
    "subject": "client:100002",
    "subject_kind": "client",
    "client_id": 100002,
    "model_version": "3",
    "probability": 0.1,
    "threshold": THRESHOLD,
    "risk_band": "high",
    "in_review_band": True,
    "automated_decision": "refused",
    "reviewed_decision": "granted",
    "action": "override",
    "justification": WHY,
    "reviewer": "marie",
    "reviewer_role": "adviser",
    "reviewed_at": "2026-12-07T05:00:00.000Z",
    "status": "pending_approval",
    "approver": None,
    "approved_at": None,
    "approval_note": None,
}
SUMMARY = {
    "reviews": 4,
    "overrides": 3,
    "override_rate": 0.75,
    "by_status": {"confirmed": 1, "pending_approval": 1, "approved": 1, "rejected": 1},
    "by_reviewer": [
        {"reviewer": "marie", "reviews": 3, "overrides": 3, "override_rate": 1.0},
        {"reviewer": "paul", "reviews": 1, "overrides": 0, "override_rate": 0.0},
    ],
    "by_band": [
        {"band": "low", "reviews": 0, "overrides": 0, "override_rate": None},
        {"band": "moderate", "reviews": 1, "overrides": 0, "override_rate": 0.0},
        {"band": "high", "reviews": 3, "overrides": 3, "override_rate": 1.0},
        {"band": "very_high", "reviews": 0, "overrides": 0, "override_rate": None},
    ],
    "by_review_band": [
        {"in_review_band": True, "reviews": 4, "overrides": 3, "override_rate": 0.75},
        {"in_review_band": False, "reviews": 0, "overrides": 0, "override_rate": None},
    ],
    "band_multiples": [0.8, 1.25],
}


class ReviewingFake(FakeApiClient):
    """The fake API with the review routes: it keeps the reviews it was sent."""

    def __init__(self, fail: ApiError | None = None, refuse: ApiError | None = None) -> None:
        super().__init__(fail)
        self.refuse = refuse
        self.stored: list[dict[str, Any]] = []

    def client_reviews(self, client_id: int) -> dict[str, Any]:
        self._record("client_reviews", client_id)
        items = [review for review in self.stored if review["client_id"] == client_id]
        current = score(client_id, 0.1)
        return {
            "items": items,
            "total": len(items),
            "page": 1,
            "page_size": 50,
            "client_id": client_id,
            "probability": current["probability"],
            "decision": current["decision"],
            "threshold": current["threshold"],
            "to_review": True,
        }

    def review(self, decision, justification, *, client_id=None, request_id=None) -> dict[str, Any]:
        self._record("review", decision, justification, client_id=client_id, request_id=request_id)
        if self.refuse is not None:
            raise self.refuse
        action = "override" if decision != "refused" else "confirm"
        status = "pending_approval" if action == "override" else "confirmed"
        stored = {
            **REVIEW,
            "client_id": client_id,
            "subject": request_id or f"client:{client_id}",
            "reviewed_decision": decision,
            "action": action,
            "status": status,
            "justification": justification,
        }
        self.stored.append(stored)
        return stored

    def reviews(self, status=None, page=1, page_size=20) -> dict[str, Any]:
        self._record("reviews", status=status)
        items = [review for review in self.stored if status in (None, review["status"])]
        return {"items": items, "total": len(items), "page": page, "page_size": page_size}

    def decisions_to_review(self, page=1, page_size=20) -> dict[str, Any]:
        self._record("decisions_to_review")
        item = {
            "request_id": "abc123",
            "created_at": "2026-12-07T05:00:00.000Z",
            "client_id": None,
            "model_version": "3",
            "probability": 0.095,
            "threshold": THRESHOLD,
            "decision": "refused",
        }
        return {"items": [item], "total": 1, "page": 1, "page_size": page_size, "band_multiples": [0.8, 1.25]}

    def approve_review(self, review_id, outcome, note=None) -> dict[str, Any]:
        self._record("approve_review", review_id, outcome, note)
        if self.refuse is not None:
            raise self.refuse
        for review in self.stored:
            if review["review_id"] == review_id:
                review.update(status=outcome, approver="rita", approval_note=note)
                return review
        raise ApiError("no review", 404, "unknown_review")

    def review_summary(self) -> dict[str, Any]:
        self._record("review_summary")
        return copy.deepcopy(SUMMARY)


@pytest.fixture
def fake() -> ReviewingFake:
    return ReviewingFake()


def test_the_fake_answers_have_the_api_schemas(fake: ReviewingFake) -> None:
    schemas.ReviewOut.model_validate(REVIEW)
    schemas.ReviewSummary.model_validate(SUMMARY)
    schemas.ToReviewPage.model_validate(fake.decisions_to_review())
    fake.stored.append(copy.deepcopy(REVIEW))
    schemas.ClientReviews.model_validate(fake.client_reviews(100002))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_client_page_marks_a_close_call_and_offers_both_choices(fake: ReviewingFake, lang: str) -> None:
    panel = client_callbacks.review_section(fake, 100002, lang)
    assert text_of(find(panel, "review-mark")) == t("review.to_review", lang)
    options = find(panel, "review-decision").options
    assert [option["value"] for option in options] == ["refused", "granted"]
    assert t("review.history_none", lang) in text_of(panel)
    assert find(panel, "review-subject").data == {
        "client_id": 100002,
        "request_id": None,
        "decision": "refused",
        "lang": lang,
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [(None, "review.error_required"), ("   ", "review.error_required"), ("too short", "review.error_short")],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_missing_justification_is_said_next_to_the_field_and_nothing_is_sent(
    fake: ReviewingFake, text, key, lang
) -> None:
    subject = {"client_id": 100002, "decision": "refused", "lang": lang}
    error, invalid, _, history = review_panel.submit_review(fake, subject, "granted", text, "review")
    assert error == t(key, lang, min=15) and invalid is True and history is no_update
    assert not [call for call in fake.calls if call[0] == "review"]


def test_an_override_is_sent_and_shown_in_the_history(fake: ReviewingFake) -> None:
    subject = {"client_id": 100002, "decision": "refused", "lang": "en"}
    error, invalid, result, history = review_panel.submit_review(
        fake, subject, "granted", f" {WHY} ", "review"
    )
    assert (error, invalid) == ("", False)
    assert fake.calls[0] == ("review", ("granted", WHY), {"client_id": 100002, "request_id": None})
    assert "Override recorded: ✖ Refused" not in text_of(result)
    assert text_of(result) == "Override recorded: Refused → Granted. It awaits a risk user's approval."
    shown = text_of(history)
    assert "marie (adviser)" in shown and WHY in shown and "awaiting approval" in shown


def test_a_new_application_panel_reviews_its_request_id(fake: ReviewingFake) -> None:
    answer = {"request_id": "abc123", "decision": "granted", "to_review": False}
    panel = review_panel.review_panel(answer, "fr", prefix="newapp-review")
    assert text_of(find(panel, "newapp-review-mark")) == t("review.not_to_review", "fr")
    subject = find(panel, "newapp-review-subject").data
    _, _, result, history = review_panel.submit_review(fake, subject, "granted", WHY, "newapp-review")
    assert fake.calls[-1] == ("review", ("granted", WHY), {"client_id": None, "request_id": "abc123"})
    assert "enregistrée" in text_of(result) and WHY in text_of(history)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_refusal_of_the_api_is_said_in_the_page_language(lang: str) -> None:
    fake = ReviewingFake(refuse=ApiError("an override awaits approval", 409, "pending_approval"))
    subject = {"client_id": 100002, "decision": "refused", "lang": lang}
    _, _, result, _ = review_panel.submit_review(fake, subject, "granted", WHY, "review")
    assert isinstance(result, dbc.Alert) and text_of(result) == t("review.refused_pending_approval", lang)


def test_the_queue_lists_pending_overrides_and_approves_one(fake: ReviewingFake) -> None:
    fake.stored.append(copy.deepcopy(REVIEW))
    listing, options = reviews.queue_section(fake, "en")
    assert "Client 100002: Refused → Granted, by marie" in text_of(listing) and WHY in text_of(listing)
    assert [option["value"] for option in options] == ["r1"]
    assert "abc123" in text_of(reviews.to_review_section(fake, "en"))
    error, invalid, result, changed = reviews.decide(fake, "r1", "approved", None, "en")
    assert (error, invalid, changed) == ("", False, True) and text_of(result) == "Override approved."
    assert reviews.queue_section(fake, "en")[1] == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_rejection_needs_a_note_and_a_choice(fake: ReviewingFake, lang: str) -> None:
    fake.stored.append(copy.deepcopy(REVIEW))
    error, invalid, _, changed = reviews.decide(fake, "r1", "rejected", "no", lang)
    assert error == t("reviews.error_note", lang, min=15) and invalid and not changed
    _, _, result, _ = reviews.decide(fake, None, "approved", None, lang)
    assert text_of(result) == t("reviews.error_choose", lang)
    assert not [call for call in fake.calls if call[0] == "approve_review"]


def test_approving_ones_own_override_is_refused_in_words() -> None:
    fake = ReviewingFake(refuse=ApiError("own", 403, "own_override"))
    _, _, result, changed = reviews.decide(fake, "r1", "approved", None, "fr")
    assert text_of(result) == t("review.refused_own_override", "fr") and not changed


def test_monitoring_counts_overrides_per_adviser_and_band(fake: ReviewingFake) -> None:
    section = monitoring.review_summary_section(fake, "en")
    text = text_of(section)
    assert "4 reviews, 3 overrides (override rate 75%); 1 awaiting approval." in text
    assert "marie 3 3 100%" in text and "paul 1 0 0%" in text and "High risk 3 3 100%" in text
    assert "Low risk" not in text  # bands without a review are left out
    failing = ReviewingFake(fail=ApiError("down", 503))
    assert isinstance(monitoring.review_summary_section(failing, "en"), dbc.Alert)


def test_the_queue_is_for_risk_users_and_the_panel_for_advisers(tmp_path) -> None:
    from dash_app.app import create_app  # noqa: PLC0415
    from dash_app.permissions import page_role  # noqa: PLC0415
    from dash_app.sign_in import CALLBACK_ROLES  # noqa: PLC0415
    from tests.dash_app.signing import open_access  # noqa: PLC0415

    app = create_app(ReviewingFake(), access=open_access(tmp_path))
    assert page_role("/reviews") == "risk"

    def hrefs(role: str) -> list[str]:
        return [link.children.href for link in nav_links("/", None, "en", role)]

    assert "/reviews" in hrefs("risk") and "/reviews" in hrefs("admin") and "/reviews" not in hrefs("adviser")
    roles = app.server.extensions[CALLBACK_ROLES]  # what the sign-in enforces, per callback output
    assert {role for output, role in roles.items() if "approval-result" in output} == {"risk"}
    assert {role for output, role in roles.items() if "review-result" in output} == {"adviser"}
