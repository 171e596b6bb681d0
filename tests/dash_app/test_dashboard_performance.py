"""The Monitoring page's live performance (GET /performance): the trend charts per model version, the table of
each chart, the alerts, the loans by period, both languages, and a plain notice before the pipeline ran."""

from __future__ import annotations

import copy
import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pytest

from credit_scoring import records
from credit_scoring.api import schemas
from dash_app import alternatives, figures, theme
from dash_app.api_client import ApiError
from dash_app.app import create_app
from dash_app.callbacks import monitoring
from tests.dash_app.components_text import find, text_of, walk
from tests.dash_app.fakes import PERFORMANCE_SUMMARY_FILE, FakeApiClient
from tests.dash_app.signing import open_access
from tests.dash_app.test_dashboard_api_client import client_with

PERIODS = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2027-07"]


@pytest.fixture
def summary() -> dict[str, Any]:
    return json.loads(PERFORMANCE_SUMMARY_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def periods(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return summary["periods"]


def traces(figure) -> dict[str, Any]:
    return {trace.name: trace for trace in figure.data}


# --- the fixture and the client ---------------------------------------------------------------------------


def test_the_fixture_has_the_api_schema_and_what_the_page_must_show(summary: dict[str, Any]) -> None:
    validated = schemas.PerformanceSummary.model_validate(summary)
    assert validated.model_dump(mode="json", exclude_unset=True) == summary  # nothing ignored
    assert records.PerformanceSummary.model_validate(summary).status == "alert"
    rows = validated.periods
    assert figures.model_versions(summary["periods"]) == ["3", "4"]
    assert {row.model_version for row in rows if row.period == "2027-04"} == {"3", "4"}  # the promotion
    assert [row.period for row in rows if row.alert.status == "alert"] == ["2027-06"]
    unlabelled = [row for row in rows if row.n_labelled == 0 and row.model_version is not None]
    assert unlabelled and all(row.realised_cost is None and row.realised_auc is None for row in unlabelled)
    assert [row.period for row in rows if row.model_version is None] == ["2027-07"]


def test_the_client_asks_get_performance() -> None:
    client, session = client_with((200, {"periods": []}))
    assert client.performance_summary() == {"periods": []}
    assert session.sent[0]["url"] == "http://api.test/api/v1/performance"
    assert session.sent[0]["method"] == "GET" and session.sent[0]["params"] == {}


# --- figures ----------------------------------------------------------------------------------------------


def test_cost_chart_has_estimated_and_realised_per_version_told_apart_without_colour(periods) -> None:
    figure = figures.performance_cost_chart(periods, "en")
    named = traces(figure)
    assert list(named) == [
        "Model 3, estimate's interval",
        "Model 3, estimated",
        "Model 3, realised",
        "Model 4, estimate's interval",
        "Model 4, estimated",
        "Model 4, realised",
        "✖ Alert",
    ]
    estimated, realised = named["Model 3, estimated"], named["Model 3, realised"]
    assert estimated.line.dash == "dash" and realised.line.dash == "solid"
    assert estimated.marker.symbol == "circle-open" and realised.marker.symbol == "circle"
    assert named["Model 4, realised"].marker.symbol == "square"  # each version its own symbol too
    assert estimated.line.color == theme.GRANTED and named["Model 4, estimated"].line.color == theme.REFUSED
    assert list(estimated.x) == ["2027-01", "2027-02", "2027-03", "2027-04"]
    assert list(named["Model 4, estimated"].x) == ["2027-04", "2027-05", "2027-06"]
    assert list(estimated.y) == pytest.approx([0.6, 0.62, 0.65, 0.66])
    # the estimate's interval as a band: the highs forward, the lows back (0.48 to 0.72 around 0.60)
    band = named["Model 3, estimate's interval"]
    assert (
        band.fill == "toself" and band.showlegend is False and band.fillcolor.startswith("rgba(26, 94, 154")
    )
    assert list(band.x) == [
        "2027-01",
        "2027-02",
        "2027-03",
        "2027-04",
        "2027-04",
        "2027-03",
        "2027-02",
        "2027-01",
    ]
    assert band.y[0] == pytest.approx(0.72) and band.y[-1] == pytest.approx(0.48)
    # the realised interval as error bars: 0.36 to 0.90 around 0.60
    assert realised.error_y.array[0] == pytest.approx(0.3)
    assert realised.error_y.arrayminus[0] == pytest.approx(0.24)
    # no labelled loan: the realised figures are gaps, without error bar
    assert list(named["Model 4, realised"].y) == [None, None, None]
    assert list(named["Model 4, realised"].error_y.array) == [None, None, None]
    alert = named["✖ Alert"]
    assert list(alert.x) == ["2027-06"] and alert.marker.symbol == "x-thin-open"
    assert figure.layout.title.text == "Cost per granted loan: estimated and realised"
    assert figure.layout.xaxis.type == "category" and list(figure.layout.xaxis.categoryarray) == PERIODS
    assert figure.layout.xaxis.title.text == "Month" and list(figure.layout.xaxis.range) == [-0.5, 6.5]
    # model 4 first serves in 2027-04: a dotted line there, named
    assert figure.layout.shapes[0].x0 == PERIODS.index("2027-04")
    assert figure.layout.annotations[0].text == "▸ model 4" and figure.layout.annotations[0].x == "2027-04"


def test_auc_approval_and_drift_charts(periods) -> None:
    auc = traces(figures.performance_auc_chart(periods, "fr"))
    assert [name for name in auc if "intervalle" not in name] == [
        "Modèle 3, estimé",
        "Modèle 3, réalisé",
        "Modèle 4, estimé",
        "Modèle 4, réalisé",
    ]
    assert list(auc["Modèle 3, réalisé"].y) == pytest.approx([0.71, 0.70, 0.69, None])
    assert list(auc["Modèle 4, estimé"].y) == pytest.approx([0.74, 0.73, 0.68])
    approval = figures.approval_rate_chart(periods, "en")
    assert [trace.name for trace in approval.data] == ["Model 3", "Model 4"]
    assert list(approval.data[0].y) == pytest.approx([0.75, 0.7389, 0.7143, 0.6667])
    assert approval.layout.yaxis.tickformat == ".0%"
    drift = figures.performance_drift_chart(periods, "en")
    named = traces(drift)
    psi, share = named["Model 4, score PSI"], named["Model 4, drifted fields"]
    assert list(psi.y) == pytest.approx([0.03, 0.12, 0.31]) and psi.yaxis in (None, "y")
    assert list(share.y) == pytest.approx([0.15, 0.25, 0.45]) and share.yaxis == "y2"
    assert psi.line.dash == "solid" and share.line.dash == "dot" and share.marker.symbol == "square-open"
    assert drift.layout.yaxis2.tickformat == ".0%" and drift.layout.yaxis2.overlaying == "y"


def test_weekly_periods_stay_categories_in_time_order(periods) -> None:
    weekly = [{**row, "period": row["period"].replace("2027-0", "2027-W0")} for row in periods]
    figure = figures.performance_cost_chart(weekly, "fr", period="week")
    assert figure.layout.xaxis.title.text == "Semaine"
    assert list(figure.layout.xaxis.categoryarray)[:2] == ["2027-W01", "2027-W02"]


def test_a_summary_without_any_decision_draws_empty_charts(periods) -> None:
    empty = [row for row in periods if row["model_version"] is None]
    assert figures.performance_cost_chart(empty, "en").data == ()
    assert alternatives.performance_cost_text(empty, "en").summary == "No decision in any period yet."
    assert alternatives.approval_rate_text(empty, "fr").rows == []


# --- the tables of the charts -----------------------------------------------------------------------------


def test_cost_table_lists_every_period_and_version_with_intervals(periods) -> None:
    text = alternatives.performance_cost_text(periods, "en")
    assert text.columns == [
        "Month",
        "Model version",
        "Estimated cost per granted loan",
        "Interval",
        "Realised cost per labelled loan",
        "Interval",
        "Labelled loans",
        "Estimate on the labelled loans",
        "Realised against that estimate",
    ]
    assert text.rows[0] == [
        "2027-01",
        "3",
        "0.600",
        "0.480 to 0.720 (90%)",
        "0.600",
        "0.360 to 0.900 (90%)",
        "150",
        "0.450 to 0.780 (90%)",
        "✔ within",
    ]
    assert text.rows[2][-2:] == ["0.500 to 0.700 (90%)", "▲ above"]  # the same loans default more often
    assert text.rows[5][-2:] == ["not available", "not available"]
    assert [row[:2] for row in text.rows[3:5]] == [["2027-04", "3"], ["2027-04", "4"]]  # first served first
    assert text.rows[5][4:7] == ["not available", "not available", "0"]
    assert text.rows[-1][:3] == ["2027-07", "no decision", "not available"]
    assert text.summary == (
        "Cost per granted loan over 7 periods; estimates dashed with open markers in their interval's band, "
        "realised figures solid with filled markers and their interval's bars. Latest estimate: 0.860 "
        "(2027-06, model 4); realised cost known for 4 of the periods."
    )
    french = alternatives.performance_cost_text(periods, "fr")
    assert french.rows[0][2:4] == ["0,600", "0,480 à 0,720 (90\u00a0%)"]
    assert french.rows[-1][1] == "aucune décision" and french.rows[5][4] == "non disponible"
    assert (
        french.rows[2][-1] == "▲ au-dessus" and french.columns[-1] == "Réalisé par rapport à cette estimation"
    )


def test_auc_approval_and_drift_tables(periods) -> None:
    auc = alternatives.performance_auc_text(periods, "fr")
    assert auc.columns[2] == "AUC estimée" and auc.rows[0][2:5] == [
        "0,720",
        "0,670 à 0,770 (90\u00a0%)",
        "0,710",
    ]
    assert "AUC réalisée connue pour 3 des périodes" in auc.summary
    approval = alternatives.approval_rate_text(periods, "en")
    assert approval.rows[0] == ["2027-01", "3", "200", "150", "75.0%"]
    assert approval.rows[-1] == ["2027-07", "no decision", "0", "0", "not available"]
    assert approval.summary == "Approval rate over 7 periods, from 75.0% (2027-01) to 60.9% (2027-06)."
    drift = alternatives.performance_drift_text(periods, "fr")
    assert drift.columns == ["Mois", "Version du modèle", "PSI du score", "Champs en dérive"]
    assert drift.rows[6] == ["2027-06", "4", "0,310", "45\u00a0%"]
    assert "PSI le plus élevé 0,310 (2027-06)" in drift.summary and "45\u00a0%" in drift.summary


# --- the section -------------------------------------------------------------------------------------------


def test_performance_section_shows_status_charts_alerts_and_loans(fake: FakeApiClient) -> None:
    section = monitoring.performance_section(fake, "en")
    assert fake.calls[-1] == ("performance_summary", (), {})
    text = text_of(section)
    for expected in (
        "✖ Performance: the cost alert rule fired in 1 period(s)",
        "Refused applicants get no loan, hence no repayment outcome: the realised figures cover granted "
        "loans only",
        "A granted loan gets its outcome 3 months after the decision; until then it is open.",
        "Open loans (outcome not due yet): 409; labelled loans: 448.",
        "Outcome feed: 473 rows accepted, 3 rows refused",
        "Outcomes known as of 2027-07-10 00:00; decisions read from prediction_log "
        "(sqlite:///data/07_model_output/prediction_log.db).",
        "Summary of 2027-07-10 06:00.",
        "✖ Alert — 2027-06, model 4: estimated cost per client 0.773, interval 0.724 to 0.834 (90%), against "
        "the limit 0.708 (reference cost 0.590).",
        "estimated cost 0.773 above the bound 0.708 (reference 0.590 + 20%)",  # the pipeline's reason
        "Alert rule: alert when a period's estimated cost per client exceeds",
    ):
        assert expected in text, expected
    assert find(section, "performance-status").color == "danger"
    alerts = find(section, "performance-alerts").children
    assert len(alerts) == 2  # the cost alert, then the realised cost above its estimate
    assert (
        "⚠ Realised above the estimate — 2027-03, model 3: realised cost 0.714, above the estimate on the "
        "same loans, 0.500 to 0.700 (90%): these clients default more often than the model says; recalibrate "
        "or retrain." in text
    )
    for graph_id in ("cost", "auc", "approval", "drift"):
        block = find(section, f"performance-{graph_id}-graph")
        assert block.figure.layout.title.text and block.config["displayModeBar"] is False
    blocks = [item for item in walk(section) if getattr(item, "className", None) == "chart-block"]
    assert len(blocks) == 4
    for block in blocks:  # each chart, its summary as caption and its table behind a disclosure
        names = [type(part).__name__ for part in block.children]
        assert names == ["Graph", "Figcaption", "Details"]
    regions = [item for item in walk(section) if getattr(item, "role", None) == "region"]
    assert len(regions) == 5  # the four charts' tables and the loans: wide, they scroll, the keyboard too
    assert all(region.tabIndex == "0" and region.className == "table-responsive" for region in regions)
    assert getattr(regions[0], "aria-label") == "Cost per granted loan: estimated and realised"
    assert getattr(regions[-1], "aria-label") == "Decisions, loans and outcomes by period and model version"
    loans = [item for item in walk(section) if isinstance(item, dbc.Table)][-1]
    loans_text = text_of(loans)
    assert loans_text.startswith(
        "Decisions, loans and outcomes by period and model version Month Model version"
    )
    assert "Refused (no outcome)" in loans_text and "Open loans" in loans_text
    assert "2027-04 4 120 84 36 0 0 84 0 ✔ none no labelled loan yet" in loans_text
    assert "2027-06 4 230 140 90 0 0 140 0 ✖ alert" in loans_text
    assert "2027-07 no decision 0 0 0 0 0 0 0 ? unknown no decision in this period" in loans_text


def test_performance_section_in_french_has_no_english_text(fake: FakeApiClient) -> None:
    text = text_of(monitoring.performance_section(fake, "fr"))
    for expected in (
        "✖ Performance : la règle d'alerte sur le coût s'est déclenchée sur 1 période(s)",
        "Les demandeurs refusés n'obtiennent pas de prêt, donc aucune issue de remboursement",
        "Prêts en cours (issue pas encore due) : 409 ; prêts avec issue : 448.",
        "Flux des issues : 473 lignes acceptées, 3 lignes refusées",
        "✖ Alerte — 2027-06, modèle 4 : coût estimé par client 0,773, intervalle 0,724 à 0,834 (90\u00a0%), "
        "face à la limite 0,708 (coût de référence 0,590).",
        "Règle d'alerte : alerte lorsque le coût estimé par client",
        "Afficher les données",
    ):
        assert expected in text, expected
    for english in ("estimated cost", "bound", "no labelled loan", "Alert rule", "Model", "not available"):
        assert english not in text, english


def test_performance_section_without_alert_or_decision(fake: FakeApiClient, summary) -> None:
    quiet = copy.deepcopy(summary)
    quiet["status"] = "ok"
    for row in quiet["periods"]:
        if row["alert"]["status"] == "alert":
            row["alert"]["status"] = "ok"
        if row["realised_vs_estimate"] == "above":
            row["realised_vs_estimate"] = "within"
    fake.performance_summary = lambda: quiet
    section = monitoring.performance_section(fake, "en")
    assert find(section, "performance-status").color == "success"
    assert "✔ No alert in any period." in text_of(section)
    nothing = {
        **quiet,
        "status": "unknown",
        "periods": [row for row in quiet["periods"] if not row["n_decisions"]],
    }
    fake.performance_summary = lambda: nothing
    section = monitoring.performance_section(fake, "fr")
    assert find(section, "performance-status").children.startswith("? Performance : pas encore assez")
    with pytest.raises(LookupError):
        find(section, "performance-cost-graph")  # no chart without any decision, the table still says why


def test_before_the_performance_pipeline_ran_a_plain_notice_names_the_commands() -> None:
    missing = FakeApiClient(fail=ApiError("no performance summary yet", 404, "not_found"))
    for lang, expected in (
        ("en", "No performance summary yet."),
        ("fr", "Pas encore de synthèse de performance."),
    ):
        notice = monitoring.performance_section(missing, lang)
        assert isinstance(notice, dbc.Alert) and notice.color == "info"
        assert text_of(notice).startswith(expected)
        assert "make simulate" in text_of(notice) and "make monitor" in text_of(notice)


def test_a_broken_summary_is_an_error_with_the_api_s_message() -> None:
    broken = FakeApiClient(fail=ApiError("performance_summary.json does not match", 500, "invalid_report"))
    alert = monitoring.performance_section(broken, "en")
    assert alert.color == "danger" and "performance_summary.json does not match" in text_of(alert)


def test_the_page_has_a_labelled_performance_region_and_its_callback(tmp_path) -> None:
    app = create_app(FakeApiClient(), access=open_access(tmp_path))
    page = next(page for page in dash.page_registry.values() if page["path"] == "/monitoring")
    layout = page["layout"](lang="fr")
    heading = find(layout, "performance-heading")
    assert heading.children == "Performance en production" and type(heading).__name__ == "H2"
    region = next(item for item in walk(layout) if type(item).__name__ == "Section")
    assert getattr(region, "aria-labelledby") == "performance-heading"
    assert find(region, "performance-section") is not None
    assert "performance-section.children" in app.callback_map
