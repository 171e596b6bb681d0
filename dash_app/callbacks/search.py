"""Search callbacks: open a client by number; list clients matching filters, page by page."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import decision_badge, error_alert
from dash_app.forms import FILTER_KEYS, control_id, filter_states, parse_client_id, parse_filters
from dash_app.i18n import format_currency, format_number, format_percent, normalise_language, t, t_or
from dash_app.wording import level_text

PAGE_SIZE = 20


def open_client(text: str | None, lang: str) -> tuple[str | None, str]:
    """The client page's address for a typed number, or a message saying what is wrong."""
    client_id = parse_client_id(text)
    if client_id is None:
        return None, t("search.id_invalid", lang)
    return f"/client?client={client_id}", ""


def results_table(page: dict, lang: str, currency: str) -> html.Div:
    """The matching clients: a count sentence and a table whose first cell links to each client."""
    items = page.get("items", [])
    pages = max(1, int(page.get("pages") or 1))
    if not items:
        return html.P(t("search.none", lang))
    rows = []
    for item in items:
        decision = item.get("decision")
        band = item.get("risk_band")
        contract = item.get("contract_type")
        rows.append(
            html.Tr(
                [
                    html.Th(
                        dcc.Link(
                            t("common.open_client", lang, client_id=item["client_id"]),
                            href=f"/client?client={item['client_id']}",
                        ),
                        scope="row",
                    ),
                    html.Td(format_percent(item.get("probability"), lang, 1)),
                    html.Td(decision_badge(decision, lang) if decision in ("granted", "refused") else ""),
                    html.Td(t_or(f"band.{band}", lang, band or "")),
                    html.Td(level_text("NAME_CONTRACT_TYPE", contract, lang) if contract else ""),
                    html.Td(t("common.years", lang, value=format_number(item.get("age_years"), lang))),
                    html.Td(format_currency(item.get("income"), lang, currency)),
                    html.Td(format_currency(item.get("credit_amount"), lang, currency)),
                ]
            )
        )
    columns = ["id", "probability", "decision", "band", "contract", "age", "income", "credit"]
    head = html.Thead(html.Tr([html.Th(t(f"search.col_{name}", lang), scope="col") for name in columns]))
    summary = t(
        "search.count",
        lang,
        total=format_number(page.get("total", len(items)), lang),
        page=page.get("page", 1),
        pages=pages,
    )
    return html.Div(
        [html.P(summary), dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", responsive=True)]
    )


def search_clients(
    client: ApiClient, values: list, page: int, lang: str
) -> tuple[html.Div | dbc.Alert, int, int]:
    """The results for the filters and page (the page kept within bounds), with the number of pages."""
    filters, errors = parse_filters(values, lang)
    if errors:
        return dbc.Alert(errors, color="warning"), 1, 1
    try:
        answer = client.search_clients(filters, page=max(1, page), page_size=PAGE_SIZE)
    except ApiError as error:
        return error_alert(error.message, lang), 1, 1
    pages = max(1, int(answer.get("pages") or 1))
    if page > pages:
        answer = client.search_clients(filters, page=pages, page_size=PAGE_SIZE)
    return results_table(answer, lang, client.settings.currency), int(answer.get("page", 1)), pages


def register(app: Dash) -> None:
    @app.callback(
        Output("search-redirect", "href"),
        Output("search-id-feedback", "children"),
        Input("search-id-form", "n_submit"),
        State("search-id", "value"),
        State("search-page", "data"),
        prevent_initial_call=True,
    )
    def open_by_id(_submitted, text, state):
        href, message = open_client(text, normalise_language((state or {}).get("lang")))
        return (href or no_update), message

    @app.callback(
        Output("search-results", "children"),
        Output("search-page", "data"),
        Output("search-previous", "disabled"),
        Output("search-next", "disabled"),
        *[Output(control_id("search", key), "value") for key in FILTER_KEYS],
        Input("search-filter-form", "n_submit"),
        Input("search-previous", "n_clicks"),
        Input("search-next", "n_clicks"),
        Input("search-reset", "n_clicks"),
        State("search-page", "data"),
        *filter_states("search"),
    )
    def list_clients(_submitted, _previous, _next, _reset, state, *values):
        state = state or {}
        lang = normalise_language(state.get("lang"))
        page = int(state.get("page") or 1)
        trigger = ctx.triggered_id
        resets = [no_update] * len(FILTER_KEYS)
        if trigger == "search-reset":
            values = tuple(None if key.endswith(("_min", "_max")) else "" for key in FILTER_KEYS)
            resets = list(values)
        page = {"search-previous": page - 1, "search-next": page + 1}.get(trigger, 1)
        children, page, pages = search_clients(get_client(), list(values), page, lang)
        new_state = {**state, "page": page, "pages": pages}
        return children, new_state, page <= 1, page >= pages, *resets
