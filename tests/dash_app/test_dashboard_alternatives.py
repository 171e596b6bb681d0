"""Text alternatives: the summary sentence and the table behind every chart."""

from __future__ import annotations

from dash_app import alternatives
from tests.dash_app.fakes import DRIFT_COLUMNS, REASONS, REASONS_FR


def test_score_sentence_is_what_a_client_understands() -> None:
    assert alternatives.score_sentence(0.14, 0.09, "refused", "en") == (
        "The estimated risk is 14.0%, above the 9.0% limit: the application would be refused."
    )
    assert alternatives.score_sentence(0.05, 0.09, "granted", "fr").startswith(
        "Le risque estimé est de 5,0\u00a0%"
    )
    assert "accordée" in alternatives.score_sentence(0.05, 0.09, "granted", "fr")
    # at the threshold exactly, the API refuses: so does the sentence
    assert "refused" in alternatives.score_sentence(0.09, 0.09, "refused", "en")


def test_gauge_text_has_the_three_facts() -> None:
    text = alternatives.gauge_text(0.14, 0.09, "refused", "en")
    assert text.rows == [
        ["Estimated risk of default", "14.0%"],
        ["Decision limit", "9.0%"],
        ["Decision", "Refused"],
    ]


def test_contributions_text_names_the_strongest_reasons() -> None:
    text = alternatives.contributions_text(REASONS, "en")
    assert "4 reasons raise the risk, the strongest being External credit scores" in text.summary
    assert "2 lower it, the strongest being Age and family" in text.summary
    assert text.columns == ["Reason", "The client's values that weigh most", "Effect", "Contribution"]
    assert text.rows[0] == [
        "External credit scores",
        "lowest external credit score: 0.12 and average external credit score: 0.31",
        "▲ Raises the risk",
        "0.420",
    ]
    assert text.rows[1] == ["Age and family", "age: 44 years", "▼ Lowers the risk", "-0.250"]
    assert alternatives.contributions_text([], "en").rows == []


def test_contributions_text_in_french() -> None:
    text = alternatives.contributions_text(REASONS_FR, "fr")
    assert "4 raisons augmentent le risque, la plus forte étant Scores de crédit externes" in text.summary
    assert "2 le diminuent, la plus forte étant Âge et famille" in text.summary
    assert text.columns[1] == "Valeurs du client qui pèsent le plus"
    assert text.rows[0][:3] == [
        "Scores de crédit externes",
        "score de crédit externe le plus bas : 0,12 et score de crédit externe moyen : 0,31",
        "▲ Augmente le risque",
    ]


def test_distribution_text_gives_median_and_position() -> None:
    text = alternatives.distribution_text(list(range(1, 101)), 26, "Age", "All clients", "en")
    assert text.summary == (
        "Among 100 clients (All clients), the median Age is 50.50; this client's value, 26.00, "
        "is higher than that of 25% of them."
    )
    assert sum(int(row[1]) for row in text.rows) == 100
    assert "not provided" in alternatives.distribution_text([1, 2], None, "Age", "All", "en").summary
    assert alternatives.distribution_text([], 1, "Age", "All", "en").rows == []


def test_bivariate_text_counts_decisions_and_caps_the_table() -> None:
    points = [{"x": i, "y": i, "probability": 0.5, "decision": "refused"} for i in range(60)]
    text = alternatives.bivariate_text(
        points, {"x": 1, "y": 2}, x_label="A", y_label="B", lang="en", max_rows=10
    )
    assert "60 clients shown: 0 granted, 60 refused" in text.summary and "first 10" in text.summary
    assert len(text.rows) == 10 and text.rows[0][3] == "Refused"


def test_model_and_drift_texts() -> None:
    curve = [
        {"threshold": 0.1, "cost": 0.6},
        {"threshold": 0.3, "cost": 0.4},
        {"threshold": 0.5, "cost": 0.5},
    ]
    assert "lowest at a limit of 30.0%" in alternatives.cost_curve_text(curve, 0.3, "en").summary
    importance = [
        {"feature": "a", "label": "A", "importance": 1.0},
        {"feature": "b", "label": "B", "importance": 3.0},
    ]
    assert alternatives.importance_text(importance, "en").rows[0][0] == "B"
    drift = alternatives.drift_text(DRIFT_COLUMNS, "fr")
    assert drift.rows[0] == [
        "Income",
        "Wasserstein distance (normed)",
        "0,300",
        "0,100",
        "⚠ Dérive",
        "40,0\u00a0%",
    ]
    assert [row[0] for row in drift.rows] == ["Income", "Age", "Credit", "Gender"]  # the summary's order
    assert drift.summary.startswith("4 caractéristiques comparées") and "étant Age." in drift.summary
    category = alternatives.category_text({"F": 3, "M": 1}, "M", "All", "en")
    assert "25%" in category.summary and category.rows[1][0] == "◆ M"
