"""Figure builders: pure functions returning go.Figure, with consistent colours, symbols and patterns."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dash_app import figures, theme
from tests.dash_app.fakes import DRIFT_COLUMNS, REASONS, REASONS_FR


def test_gauge_marks_the_threshold_and_colours_the_decision() -> None:
    figure = figures.score_gauge(0.14, 0.09, "refused", "en")
    indicator = figure.data[0]
    assert isinstance(figure, go.Figure) and indicator.value == pytest.approx(14.0)
    assert indicator.gauge.threshold.value == 9.0
    assert indicator.gauge.bar.color == theme.REFUSED
    assert "Limit 9.0%" in figure.layout.annotations[0].text
    granted = figures.score_gauge(0.05, 0.09, "granted", "fr")
    assert granted.data[0].gauge.bar.color == theme.GRANTED
    assert "Limite 9,0\u00a0%" in granted.layout.annotations[0].text


def test_contributions_split_raising_and_lowering_with_pattern_and_words() -> None:
    figure = figures.contributions_chart(REASONS, "en")
    raising, lowering = figure.data
    assert raising.name == "▲ Raises the risk" and lowering.name == "▼ Lowers the risk"
    assert raising.marker.color == theme.REFUSED and raising.marker.pattern.shape == "/"
    assert lowering.marker.color == theme.GRANTED and lowering.marker.pattern.shape == ""
    assert all(value > 0 for value in raising.x) and all(value < 0 for value in lowering.x)
    # one bar per family, named by its label (long ones on two lines), its values in the hover
    assert "External credit scores" in raising.y and "Age and family" in lowering.y
    assert "Credit amount against<br>income and goods price" in raising.y
    assert "Protected characteristics<br>(gender)" in raising.y
    assert any("lowest external credit score: 0.12" in values for values in raising.customdata)
    assert "%{customdata}" in raising.hovertemplate
    # the strongest reason is at the top (last in Plotly's category order)
    assert figure.layout.yaxis.categoryarray[-1] == "External credit scores"


def test_contributions_name_the_families_in_french() -> None:
    figure = figures.contributions_chart(REASONS_FR, "fr")
    assert figure.layout.yaxis.categoryarray[-1] == "Scores de crédit externes"
    assert "Âge et famille" in figure.data[1].y
    assert any("score de crédit externe le plus bas : 0,12" in values for values in figure.data[0].customdata)


def test_long_labels_wrap_without_losing_a_word() -> None:
    label = "Loans and debts with other lenders (credit bureau)"
    assert figures.axis_label(label) == "Loans and debts with other<br>lenders (credit bureau)"
    assert figures.axis_label(label).replace("<br>", " ") == label
    assert figures.axis_label("Education") == "Education"


def test_contributions_of_no_reason_is_an_empty_chart() -> None:
    assert len(figures.contributions_chart([], "en").data) == 0


def test_distribution_places_the_client() -> None:
    figure = figures.distribution_chart([1, 2, 2, 3, None, float("nan")], 2.5, "Age", "en")
    assert sum(figure.data[0].y) == 4
    assert figure.layout.shapes[0].x0 == 2.5
    assert "This client: 2.50" in figure.layout.annotations[0].text
    assert figures.distribution_chart([5, 5], None, "Age", "en").data[0].y.tolist() == [2]


def test_category_chart_highlights_the_client_level() -> None:
    figure = figures.category_chart({"F": 20, "M": 10}, "M", "Gender", "en")
    bar = figure.data[0]
    assert list(bar.x) == ["F", "M"]
    assert list(bar.marker.pattern.shape) == ["", "x"] and bar.text[1].endswith("This client")


def test_bivariate_by_decision_uses_colour_and_symbol_and_stars_the_client() -> None:
    points = [
        {"x": 1, "y": 2, "probability": 0.05, "decision": "granted"},
        {"x": 2, "y": 3, "probability": 0.5, "decision": "refused"},
    ]
    figure = figures.bivariate_chart(
        points, {"x": 1.5, "y": 2.5}, x_label="A", y_label="B", color_by="decision", lang="en"
    )
    granted, refused, client = figure.data
    assert (granted.marker.color, granted.marker.symbol) == (theme.GRANTED, "circle")
    assert (refused.marker.color, refused.marker.symbol) == (theme.REFUSED, "x")
    assert client.marker.symbol == "star" and client.name == "This client"
    by_score = figures.bivariate_chart(points, None, x_label="A", y_label="B", color_by="score", lang="fr")
    assert len(by_score.data) == 1 and list(by_score.data[0].marker.color) == [5.0, 50.0]
    assert by_score.layout.xaxis.title.text == "A"


def test_model_and_drift_charts() -> None:
    importance = [{"feature": "a", "label": "A", "importance": 1.0}, {"feature": "b", "importance": 3.0}]
    assert list(figures.importance_chart(importance, "en").data[0].y) == ["A", "b"]
    curve = [{"threshold": 0.1, "cost": 0.6}, {"threshold": 0.3, "cost": 0.4}]
    cost = figures.cost_curve_chart(curve, 0.3, "en")
    assert cost.layout.shapes[0].x0 == 0.3 and "Chosen limit" in cost.layout.annotations[0].text
    drift = figures.drift_chart(DRIFT_COLUMNS, "en")
    drifted, stable, limit = drift.data
    assert drifted.name.startswith("⚠") and drifted.marker.pattern.shape == "/"
    assert stable.name.startswith("✔") and limit.name == "Test limit" and limit.line.dash == "dash"
    # relative to each test's limit, strongest at the top: p-value 0.001 of 0.05 is 50x (drawn at 10)
    assert list(drifted.y) == ["Income", "Age"] and list(drifted.x) == pytest.approx([3.0, 10.0])
    assert list(stable.y) == ["Credit", "Gender"] and list(stable.x) == pytest.approx([0.1, 0.2])
    assert list(drift.layout.yaxis.categoryarray) == ["Credit", "Gender", "Income", "Age"]
    assert drift.layout.shapes[0].x0 == 1


@pytest.mark.parametrize(
    ("method", "score", "limit", "ratio"),
    [
        ("Wasserstein distance (normed)", 0.05, 0.1, 0.5),
        ("chi-square p_value", 0.01, 0.05, 5.0),
        ("Z-test p_value", 0.0, 0.05, figures.DRIFT_RATIO_CAP),
        ("missing share difference", 0.3, 0.1, 3.0),
        ("K-S p_value", None, 0.05, None),
    ],
)
def test_drift_ratio_puts_the_limit_at_one_whatever_the_test(method, score, limit, ratio) -> None:
    column = {"method": method, "score": score, "threshold": limit}
    assert figures.drift_ratio(column) == (pytest.approx(ratio) if ratio is not None else None)
