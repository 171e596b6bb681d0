"""A decision letter for the client: what was decided, why in plain words, what would change a refusal, and
the right to a human review (GDPR article 22). Nothing here knows about HTTP: `letter_html` turns a
`Letter` into a printable HTML page (the Jinja2 template ``resources/decision_letter.html.j2``: UTF-8, inline
print stylesheet, no external asset) and `letter_pdf` renders that same page to PDF with WeasyPrint.

The words are the lender's (`LetterSettings`, the ``letter:`` block of ``conf/base/app.yml``) and this
module's (`TEXTS`, English and French); the reasons are the refusal reasons' sentences the scorer writes and
the alternatives the counterfactual engine's sentences: no probability, no model term, no SHAP unit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from credit_scoring.serving.model import GRANTED, REFUSED

TEMPLATE = Path(__file__).resolve().parents[1] / "resources" / "decision_letter.html.j2"
LANGUAGES = ("en", "fr")
FORMATS = ("html", "pdf")

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}  # fmt: skip

#: The letter's own words; ``{...}`` are filled in by `letter_html`.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Decision on your credit application",
        "client": "Client number: {client_id}",
        "application": "Your application of {date}",
        "reference": "Reference: {reference}",
        "dear": "Dear client,",
        "granted": "We are pleased to tell you that your credit application is granted.",
        "refused": "We regret to tell you that we cannot grant your credit application as it stands.",
        "decision_heading": "Our decision",
        "decision_word_granted": "Granted",
        "decision_word_refused": "Refused",
        "reasons_heading": "The main reasons for this decision",
        "reasons_intro": "The application was assessed with an automated scoring system. These points "
        "weighed most in the decision:",
        "no_reasons": "No single point of your application stands out as a reason.",
        "alternatives_heading": "What would change the decision",
        "alternatives_intro": "Each of the following changes to your application, taken alone, would lead us "
        "to grant it:",
        "alternatives_none": "We found no change of the amount, the term or the price within our limits "
        "that would lead us to grant it.",
        "review_heading": "Your right to a human review",
        "review": "This decision was taken with the help of automated processing. Under article 22 of the "
        "General Data Protection Regulation, you have the right to obtain a review of your application by a "
        "member of our staff, to express your point of view and to contest the decision.",
        "review_how": "To ask for it, write to {contact} or to the address below within {days} days of this "
        "letter, that is by {deadline}, quoting {quote}.",
        "review_phone": "You can also call us on {phone}.",
        "review_postal": "Postal address for a review:",
        "closing": "Yours sincerely,",
        "signed_adviser": "{name}, credit adviser",
        "signed_department": "The credit department",
        "quote_client": "your client number",
        "quote_reference": "the reference above",
        "decision_label": "Decision:",
        "date_place": "{date}",
    },
    "fr": {
        "title": "Décision sur votre demande de crédit",
        "client": "Numéro de client\u00a0: {client_id}",
        "application": "Votre demande du {date}",
        "reference": "Référence\u00a0: {reference}",
        "dear": "Madame, Monsieur,",
        "granted": "Nous avons le plaisir de vous informer que votre demande de crédit est accordée.",
        "refused": "Nous avons le regret de vous informer que nous ne pouvons pas accorder votre demande de "
        "crédit en l'état.",
        "decision_heading": "Notre décision",
        "decision_word_granted": "Accordé",
        "decision_word_refused": "Refusé",
        "reasons_heading": "Les principales raisons de cette décision",
        "reasons_intro": "La demande a été évaluée par un système automatisé de notation. Ces éléments ont "
        "le plus pesé dans la décision\u00a0:",
        "no_reasons": "Aucun élément de votre demande ne ressort comme une raison particulière.",
        "alternatives_heading": "Ce qui changerait la décision",
        "alternatives_intro": "Chacune des modifications suivantes de votre demande, à elle seule, nous "
        "conduirait à l'accorder\u00a0:",
        "alternatives_none": "Nous n'avons trouvé aucune modification du montant, de la durée ou du prix "
        "dans nos limites qui nous conduirait à l'accorder.",
        "review_heading": "Votre droit à un réexamen par une personne",
        "review": "Cette décision a été prise à l'aide d'un traitement automatisé. En vertu de l'article 22 "
        "du Règlement général sur la protection des données, vous avez le droit d'obtenir le réexamen de "
        "votre demande par un membre de notre personnel, d'exprimer votre point de vue et de contester la "
        "décision.",
        "review_how": "Pour le demander, écrivez à {contact} ou à l'adresse ci-dessous dans les {days} jours "
        "suivant ce courrier, soit au plus tard le {deadline}, en rappelant {quote}.",
        "review_phone": "Vous pouvez aussi nous appeler au {phone}.",
        "review_postal": "Adresse postale pour un réexamen\u00a0:",
        "closing": "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        "signed_adviser": "{name}, conseiller crédit",
        "signed_department": "Le service crédit",
        "quote_client": "votre numéro de client",
        "quote_reference": "la référence ci-dessus",
        "decision_label": "Décision\u00a0:",
        "date_place": "Le {date}",
    },
}


class LetterSettings(BaseModel):
    """The lender's details a letter carries (the ``letter:`` block of ``conf/base/app.yml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lender_name: str = Field("Prêt à dépenser", min_length=1, max_length=200)
    lender_address: tuple[str, ...] = Field(
        ("1 rue de l'Exemple", "75000 Paris", "France"), min_length=1, max_length=8
    )
    review_contact: str = Field(
        "reexamen@pret-a-depenser.example",
        min_length=3,
        max_length=200,
        description="Where a client asks for a human review (an e-mail address)",
    )
    review_postal_address: tuple[str, ...] = Field(
        (), max_length=8, description="Where a client may also write (lines; empty: the lender's address)"
    )
    review_phone: str | None = Field(None, max_length=50)
    review_deadline_days: int = Field(30, ge=1, le=365, description="Days the client has to ask")
    max_reasons: int = Field(3, ge=1, le=10, description="Reasons the letter gives at most")


@dataclass(frozen=True)
class Letter:
    """What one letter says. ``client_id`` for a known client, else ``application_date`` (a new
    applicant); ``reasons`` and ``alternatives`` are sentences in ``language``; ``signer`` the adviser who
    prints it (None: the lender's credit department)."""

    language: str
    decision: str
    issued: date
    reference: str
    client_id: int | None = None
    application_date: date | None = None
    reasons: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    alternatives_none: bool = False
    signer: str | None = None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if self.decision not in (GRANTED, REFUSED):
            raise ValueError(f"decision must be {GRANTED!r} or {REFUSED!r}, not {self.decision!r}")


def long_date(day: date, language: str) -> str:
    """``7 December 2026``, ``7 décembre 2026`` (``1er`` in French)."""
    number = "1er" if language == "fr" and day.day == 1 else str(day.day)
    return f"{number} {_MONTHS[language][day.month - 1]} {day.year}"


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        autoescape=True,  # every value is text: a name or a sentence is never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.from_string(TEMPLATE.read_text(encoding="utf-8"))


def letter_context(letter: Letter, settings: LetterSettings) -> dict[str, Any]:
    """The template's values: every sentence already in ``letter.language``."""
    words = TEXTS[letter.language]
    deadline = letter.issued + timedelta(days=settings.review_deadline_days)
    issued = long_date(letter.issued, letter.language)
    if letter.client_id is not None:
        whom = words["client"].format(client_id=letter.client_id)
        quote = words["quote_client"]
    else:
        applied = letter.application_date or letter.issued
        whom = words["application"].format(date=long_date(applied, letter.language))
        quote = words["quote_reference"]
    signed = (
        words["signed_adviser"].format(name=letter.signer) if letter.signer else words["signed_department"]
    )
    return {
        "lang": letter.language,
        "words": words,
        "title": f"{words['title']} — {words['decision_word_' + letter.decision]}",
        "lender_name": settings.lender_name,
        "lender_address": settings.lender_address,
        "date": words["date_place"].format(date=issued),
        "whom": whom,
        "reference": words["reference"].format(reference=letter.reference),
        "decision": letter.decision,
        "decision_word": words["decision_word_" + letter.decision],
        "decision_sentence": words[letter.decision],
        "reasons": letter.reasons[: settings.max_reasons],
        "refused": letter.decision == REFUSED,
        "alternatives": letter.alternatives,
        "alternatives_none": letter.alternatives_none,
        "review_how": words["review_how"].format(
            contact=settings.review_contact,
            days=settings.review_deadline_days,
            deadline=long_date(deadline, letter.language),
            quote=quote,
        ),
        "review_postal": settings.review_postal_address or settings.lender_address,
        "review_phone": (
            words["review_phone"].format(phone=settings.review_phone) if settings.review_phone else None
        ),
        "signed": signed,
    }


def letter_html(letter: Letter, settings: LetterSettings) -> str:
    """The letter as one printable HTML page (UTF-8, inline CSS, nothing fetched)."""
    return _template().render(**letter_context(letter, settings))


def letter_pdf(html: str) -> bytes:
    """The PDF of the letter's HTML page, rendered by WeasyPrint (no network: the page references nothing).
    Tagged (headings, paragraphs and lists in a structure tree, the page's language), so that a screen reader
    reads it as the HTML page: about 20 ms more than untagged (PDF/UA-1 would triple the render time)."""
    from weasyprint import HTML  # noqa: PLC0415 - heavy (Pango); only the PDF route needs it

    return HTML(string=html, base_url=None).write_pdf(pdf_tags=True)


def letter_filename(client_id: int | None, language: str) -> str:
    """``decision-letter-<client id or new>-<language>.pdf``."""
    return f"decision-letter-{client_id if client_id is not None else 'new'}-{language}.pdf"
