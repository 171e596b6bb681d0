"""Reusable accessible building blocks: charts with their text alternative, tables, badges, notices."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.exceptions import MissingCallbackContextException

from dash_app import theme
from dash_app.alternatives import ChartText
from dash_app.i18n import normalise_language, t

# No mode bar: its icon links have no accessible name, and the data table already offers the numbers.
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def data_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], caption: str | None = None
) -> dbc.Table:
    """A plain, screen-reader friendly table with column headers."""
    head = html.Thead(html.Tr([html.Th(column, scope="col") for column in columns]))
    body = html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])
    children = ([html.Caption(caption)] if caption else []) + [head, body]
    return dbc.Table(children, bordered=False, striped=True, hover=False, size="sm", responsive=True)


def wide_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], label: str, caption: bool = True
) -> html.Div:
    """A table too wide for a tablet: `data_table` in a horizontally scrollable region that the keyboard can
    reach and scroll (focusable, named ``label``: WCAG 2.1.1), its caption ``label`` when ``caption``."""
    table = data_table(columns, rows, caption=label if caption else None)
    table.responsive = False
    return html.Div(table, className="table-responsive", tabIndex="0", role="region", **{"aria-label": label})


def chart_block(
    graph_id: str, figure: go.Figure, text: ChartText, lang: str, *, wide: bool = False
) -> html.Figure:
    """A chart, its summary sentence as caption and its data as a table behind a disclosure (``wide``: a
    table that scrolls on a tablet, see `wide_table`)."""
    graph = dcc.Graph(
        id=graph_id,
        figure=figure,
        config=GRAPH_CONFIG,
        className="chart",
    )
    parts: list = [graph, html.Figcaption(text.summary)]
    if text.rows:
        parts.append(
            html.Details(
                [
                    html.Summary(t("common.data_table", lang)),
                    wide_table(
                        text.columns, text.rows, figure.layout.title.text or text.summary, caption=False
                    )
                    if wide
                    else data_table(text.columns, text.rows),
                ],
                className="chart-data",
            )
        )
    return html.Figure(parts, className="chart-block")


def decision_badge(decision: str, lang: str) -> html.Span:
    """The decision as icon, word and colour together."""
    return html.Span(
        f"{theme.DECISION_ICONS[decision]} {t('common.' + decision, lang)}",
        className=f"decision-badge decision-{decision}",
    )


def error_alert(message: str, lang: str) -> dbc.Alert:
    return dbc.Alert(t("common.error", lang, message=message), color="danger")


def no_client_notice(lang: str) -> dbc.Alert:
    return dbc.Alert(
        [t("common.no_client", lang), " ", dcc.Link(t("common.go_search", lang), href="/")],
        color="info",
    )


def missing_client_page(nav_key: str, lang: str) -> html.Div:
    """A client page opened without a (valid) client: say so and point to the search."""
    return html.Div([page_heading(t(nav_key, lang)), no_client_notice(lang)])


def page_heading(text: str) -> html.H1:
    """The page's one H1."""
    return html.H1(text, className="h2 mb-3")


def translated_title(key: str) -> Callable[..., str]:
    """A page title for ``register_page``, in the language of the routing callback that asks for it."""

    def title(**_path_variables: str) -> str:
        try:
            lang = dash.callback_context.inputs.get("language.value")
        except (MissingCallbackContextException, LookupError):  # the first HTML page: the default language
            lang = None
        return t(key, normalise_language(lang))

    return title
