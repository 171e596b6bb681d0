"""Render the methodology note and the model card from a run's datasets (no number is typed by hand)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markdown_it import MarkdownIt

TEMPLATES = Path(__file__).parent / "templates"


def number(value: Any, digits: int = 4) -> str:
    """A figure as printed in the documents: fixed decimals, '—' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def percent(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * float(value):.{digits}f}%"


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table; floats with ``digits`` decimals (the same rounding as `number`)."""
    header = "| " + " | ".join(str(column) for column in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(number(_python(value), digits) for value in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def records_table(records: list[dict[str, Any]], digits: int = 4) -> str:
    """`markdown_table` of records (rows of ``model_metrics.json``), columns in the records' order."""
    return markdown_table(pd.DataFrame.from_records(records), digits)


def _python(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,  # a missing figure fails the run instead of printing nothing
        keep_trailing_newline=True,
        autoescape=False,  # Markdown output; the HTML step escapes through markdown-it
    )
    environment.filters.update(
        number=number, percent=percent, table=markdown_table, records_table=records_table
    )
    return environment


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with the run's figures."""
    return _environment().get_template(template).render(**context)


def markdown_to_html(markdown_text: str, title: str) -> str:
    """A self-contained HTML page (inline CSS, no external asset) from the Markdown document."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)
    return render("page.html.j2", title=title, body=body)
