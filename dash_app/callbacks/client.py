"""Client page callbacks: the score with its reasons (by family), the reasons a refusal may give, and the
client's information."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html, no_update

from dash_app import alternatives, figures, review_panel, theme
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.client_fields import readable_fields
from dash_app.components import chart_block, decision_badge, error_alert
from dash_app.i18n import normalise_language, t, t_or


def reason_words(reason: dict[str, Any], lang: str) -> list:
    """A reason as the API words it ("External credit scores – lowest external credit score: 0.12 and ...
    This raises the risk."), its family's label in bold; a reason without a sentence gets label and values."""
    label = figures.reason_label(reason)
    sentence = reason.get("sentence") or f"{label}: {figures.reason_value(reason, lang)}"
    if label and sentence.startswith(label):
        return [html.Strong(label), sentence[len(label) :]]
    return [sentence]


def reason_list(reasons: list[dict[str, Any]], effect: str, lang: str) -> html.Div:
    """The reasons of one direction as sentences, each led by its arrow icon."""
    chosen = [reason for reason in reasons if figures.effect_of(reason) == effect]
    heading_key = "score.reasons_against" if effect == "raises" else "score.reasons_for"
    items = [
        html.Li(
            [
                html.Span(
                    theme.EFFECT_ICONS[effect],
                    className=f"effect-icon effect-{effect}",
                    **{"aria-hidden": "true"},
                ),
                " ",
                *reason_words(reason, lang),
            ]
        )
        for reason in chosen
    ]
    return html.Div(
        [
            html.H3(f"{theme.EFFECT_ICONS[effect]} {t(heading_key, lang)}", className=f"h5 effect-{effect}"),
            html.Ul(items, className="reason-list") if items else html.P(t("score.reasons_none", lang)),
        ]
    )


def refusal_block(score: dict[str, Any], lang: str, block_id: str = "refusal-reasons") -> html.Section | None:
    """For a refused application, the reasons the client may be told (the API's ``refusal_reasons``: the
    lender's policy, strongest first), or that none may be given; nothing for a granted one, or when the API
    gave no such list."""
    told = score.get("refusal_reasons")
    if score.get("decision") != "refused" or told is None:
        return None
    heading_id = f"{block_id}-heading"
    if told:
        body = [
            html.P(t("score.refusal_intro", lang)),
            html.Ol(
                [html.Li(reason_words(reason, lang)) for reason in told], className="refusal-reason-list"
            ),
        ]
    else:
        body = [html.P(t("score.refusal_none", lang), className="refusal-none")]
    return html.Section(
        [
            html.H2(t("score.refusal_heading", lang), id=heading_id, className="h4"),
            *body,
            html.P(t("score.refusal_full", lang), className="small mb-0"),
        ],
        id=block_id,
        className="refusal-reasons",
        **{"aria-labelledby": heading_id},
    )


def score_summary(score: dict[str, Any], lang: str, graph_id: str = "score-gauge") -> dbc.Row:
    """Gauge, decision, the plain-language sentence, risk band and model version."""
    probability, threshold = float(score["probability"]), float(score["threshold"])
    decision = score["decision"]  # the API's: the dashboard never recomputes a decision
    band = score.get("risk_band")
    version = (score.get("model") or {}).get("version")
    facts = [
        html.P(decision_badge(decision, lang), className="fs-4 mb-2", id=f"{graph_id}-decision"),
        html.P(
            alternatives.score_sentence(probability, threshold, decision, lang),
            className="lead score-sentence",
        ),
    ]
    if band:
        facts.append(html.P(t("score.band", lang, band=t_or(f"band.{band}", lang, band))))
    if version:
        facts.append(
            html.P(t("score.model_version", lang, version=version), className="small text-body-secondary")
        )
    gauge = chart_block(
        graph_id,
        figures.score_gauge(probability, threshold, decision, lang),
        alternatives.gauge_text(probability, threshold, decision, lang),
        lang,
    )
    return dbc.Row([dbc.Col(gauge, xs=12, md=6), dbc.Col(facts, xs=12, md=6, className="align-self-center")])


def reasons_block(reasons: list[dict[str, Any]], lang: str, graph_id: str = "contributions") -> html.Div:
    """The reasons in words for and against (as the API words them), then the contribution chart."""
    return html.Div(
        [
            html.H2(t("score.reasons_heading", lang), className="h3 mt-3"),
            dbc.Row(
                [
                    dbc.Col(reason_list(reasons, "raises", lang), xs=12, md=6),
                    dbc.Col(reason_list(reasons, "lowers", lang), xs=12, md=6),
                ]
            ),
            chart_block(
                graph_id,
                figures.contributions_chart(reasons, lang),
                alternatives.contributions_text(reasons, lang),
                lang,
            ),
        ]
    )


def score_section(client: ApiClient, client_id: int, lang: str) -> html.Div | dbc.Alert:
    try:
        score = client.client_score(client_id, lang=lang)
    except ApiError as error:
        return error_alert(error.message, lang)
    parts = [score_summary(score, lang), reasons_block(score.get("reasons") or [], lang)]
    return html.Div([*parts, *filter(None, [refusal_block(score, lang)])])


def info_section(client: ApiClient, client_id: int, lang: str) -> html.Div | dbc.Alert:
    try:
        info = client.client_info(client_id)
    except ApiError as error:
        return error_alert(error.message, lang)
    cards = []
    for title, fields in readable_fields(info, lang, client.settings.currency):
        rows = []
        for label, value in fields:
            rows += [html.Dt(label, className="col-12 col-sm-6"), html.Dd(value, className="col-12 col-sm-6")]
        cards.append(
            dbc.Col(
                dbc.Card(dbc.CardBody([html.H3(title, className="h5"), html.Dl(rows, className="row mb-0")])),
                xs=12,
                lg=6,
                xxl=4,
                className="mb-3",
            )
        )
    return dbc.Row(cards)


def review_section(client: ApiClient, client_id: int, lang: str) -> html.Section | dbc.Alert:
    """The human review panel of the client's current score: its mark, the form and the past reviews."""
    try:
        reviews = client.client_reviews(client_id)  # the current decision and the past reviews, in one call
    except ApiError as error:
        return error_alert(error.message, lang)
    subject = {"client_id": client_id, "decision": reviews["decision"], "to_review": reviews["to_review"]}
    history = review_panel.history_block(reviews["items"], lang, "review-history-heading")
    return review_panel.review_panel(subject, lang, prefix="review", history=history)


def register(app: Dash) -> None:
    review_panel.register_panel(app, "review")

    @app.callback(Output("review-section", "children"), Input("client-request", "data"))
    def render_review(request):
        return review_section(
            get_client(), int(request["client_id"]), normalise_language(request.get("lang"))
        )

    @app.callback(
        Output("score-section", "children"),
        Output("selected-client", "data"),
        Input("client-request", "data"),
    )
    def render_score(request):
        client_id, lang = int(request["client_id"]), normalise_language(request.get("lang"))
        children = score_section(get_client(), client_id, lang)
        # only a client the API knows becomes the selected client of the other pages
        return children, (no_update if isinstance(children, dbc.Alert) else client_id)

    @app.callback(Output("info-section", "children"), Input("client-request", "data"))
    def render_info(request):
        return info_section(get_client(), int(request["client_id"]), normalise_language(request.get("lang")))
