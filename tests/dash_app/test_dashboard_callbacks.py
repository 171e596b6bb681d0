"""Callback handlers with a fake API client: what each journey shows, and how errors are shown."""

from __future__ import annotations

import copy

import dash_bootstrap_components as dbc
import pytest

from credit_scoring import records
from credit_scoring.api import schemas
from dash_app.api_client import ApiError
from dash_app.callbacks import client as client_callbacks
from dash_app.callbacks import compare, model, monitoring, search, shell, whatif
from dash_app.forms import FILTER_KEYS
from dash_app.i18n import t
from dash_app.whatif_fields import form_values
from tests.dash_app.components_text import find, text_of, walk, words_of
from tests.dash_app.fakes import (
    APPLICATION,
    REASONS,
    REASONS_FR,
    REFUSAL_REASONS,
    REFUSAL_REASONS_FR,
    FakeApiClient,
    score,
)


def no_filters() -> list:
    return [None] * len(FILTER_KEYS)


# --- journey 1: find a client ------------------------------------------------------------------------


def test_open_client_by_number() -> None:
    assert search.open_client(" 100002 ", "en") == ("/client?client=100002", "")
    href, message = search.open_client("abc", "fr")
    assert href is None and "chiffres" in message


def test_search_lists_clients_with_links_and_pages(fake: FakeApiClient) -> None:
    values = no_filters()
    values[FILTER_KEYS.index("decision")] = "refused"
    children, page, pages = search.search_clients(fake, values, 2, "en")
    assert (page, pages) == (2, 3)
    assert fake.calls[-1] == ("search_clients", ({"decision": "refused"},), {"page": 2, "page_size": 20})
    text = text_of(children)
    assert "45 clients match; page 2 of 3." in text and "Open client 100020" in text and "✖ Refused" in text
    links = [item for item in children.children[1].children[1].children]
    assert links[0].children[0].children.href == "/client?client=100020"


def test_search_page_beyond_the_last_is_brought_back(fake: FakeApiClient) -> None:
    _, page, _ = search.search_clients(fake, no_filters(), 9, "en")
    assert page == 3


def test_search_shows_filter_problems_without_calling_the_api(fake: FakeApiClient) -> None:
    values = no_filters()
    values[FILTER_KEYS.index("age_min")], values[FILTER_KEYS.index("age_max")] = 60, 20
    children, _, _ = search.search_clients(fake, values, 1, "en")
    assert isinstance(children, dbc.Alert) and "Age (years): the minimum is above the maximum." in text_of(
        children
    )
    assert fake.calls == []


def test_search_error_is_an_alert_not_a_trace() -> None:
    failing = FakeApiClient(fail=ApiError("The scoring service cannot be reached at http://x."))
    children, _, _ = search.search_clients(failing, no_filters(), 1, "fr")
    assert isinstance(children, dbc.Alert) and children.color == "danger"
    assert text_of(children).startswith("Données indisponibles : The scoring service cannot be reached")


# --- journeys 2 and 3: the score and the client ---------------------------------------------------------


def test_score_section_says_the_decision_in_words(fake: FakeApiClient) -> None:
    section = client_callbacks.score_section(fake, 100002, "en")
    text = words_of(section)
    assert "The estimated risk is 14.0%, above the 9.0% limit: the application would be refused." in text
    assert "✖ Refused" in text and "Risk band: High risk" in text and "Model version 3" in text
    # each reason a family, with the values that carry it and its direction, as the API words it
    assert "▲ What raises the risk" in text and "▼ What lowers the risk" in text
    assert (
        "External credit scores – lowest external credit score: 0.12 and average external credit score: "
        "0.31. This raises the risk." in text
    )
    assert "Age and family – age: 44 years. This lowers the risk." in text
    assert all(reason["sentence"] in text for reason in REASONS)
    assert find(section, "score-gauge").figure.data[0].gauge.threshold.value == 9.0
    assert len(find(section, "contributions").figure.data) == 2
    assert "Show the data as a table" in text


def refusal_items(section) -> list[str]:
    """The reasons of the refusal block, in their order on the page."""
    block = find(section, "refusal-reasons")
    return [words_of(item).strip() for item in walk(block) if getattr(item, "_type", "") == "Li"]


@pytest.mark.parametrize(
    ("lang", "heading", "told"),
    [
        ("en", "Reasons for refusal the client may be told", REFUSAL_REASONS),
        ("fr", "Motifs de refus pouvant être communiqués au client", REFUSAL_REASONS_FR),
    ],
)
def test_a_refusal_lists_the_reasons_the_client_may_be_told(fake: FakeApiClient, lang, heading, told) -> None:
    """Under the full explanation, a headed block lists the API's refusal reasons in order, with their
    values; the families the lender's policy keeps out of a refusal stay in the full explanation only."""
    section = client_callbacks.score_section(fake, 100002, lang)
    block = find(section, "refusal-reasons")
    assert find(block, "refusal-reasons-heading").children == heading
    assert block.to_plotly_json()["props"]["aria-labelledby"] == "refusal-reasons-heading"
    assert refusal_items(section) == [reason["sentence"] for reason in told]
    assert [reason["family"] for reason in told] == ["external_scores", "credit_amount", "repayment_history"]
    words = words_of(block)
    assert t("score.refusal_full", lang) in words and t("score.refusal_none", lang) not in words
    assert "(gender)" not in words and "(genre)" not in words  # never a reason for refusal
    assert "Age and family" not in words and "Âge et famille" not in words
    # the block comes after the full explanation it refers to ("above"), which keeps age and family
    parts = section.children
    assert parts[-1] is block and words_of(parts[1]).startswith(t("score.reasons_heading", lang))
    assert {"en": REASONS, "fr": REASONS_FR}[lang][1]["label"] in words_of(parts[1])


def test_a_granted_client_gets_no_refusal_block(fake: FakeApiClient) -> None:
    fake.client_score = lambda client_id, lang="en", top_k=6: score(client_id, 0.05, lang)  # type: ignore[method-assign]
    for lang in ("en", "fr"):
        section = client_callbacks.score_section(fake, 100002, lang)
        assert "✔" in words_of(section) and find(section, "contributions") is not None
        with pytest.raises(LookupError):
            find(section, "refusal-reasons")
        assert t("score.refusal_heading", lang) not in words_of(section)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_refusal_with_no_reason_the_policy_allows_says_so(fake: FakeApiClient, lang: str) -> None:
    fake.client_score = lambda client_id, lang="en", top_k=6: {  # type: ignore[method-assign]
        **score(client_id, 0.14, lang),
        "refusal_reasons": [],
    }
    section = client_callbacks.score_section(fake, 100002, lang)
    block = words_of(find(section, "refusal-reasons"))
    assert t("score.refusal_heading", lang) in block and t("score.refusal_none", lang) in block
    assert t("score.refusal_full", lang) in block and refusal_items(section) == []


def test_no_refusal_block_without_the_apis_refusal_reasons(fake: FakeApiClient) -> None:
    """An API that gave no ``refusal_reasons`` (null: reasons not asked) gets the full explanation only, not a
    claim that no reason may be given."""
    fake.client_score = lambda client_id, lang="en", top_k=6: {  # type: ignore[method-assign]
        **score(client_id, 0.14, lang),
        "refusal_reasons": None,
    }
    with pytest.raises(LookupError):
        find(client_callbacks.score_section(fake, 100002, "en"), "refusal-reasons")


def test_the_score_answers_of_the_fake_have_the_api_schema(fake: FakeApiClient) -> None:
    for lang in ("en", "fr"):
        for answer in (fake.client_score(100002, lang), score(100002, 0.05, lang)):
            assert schemas.ClientScore.model_validate(answer).model_dump(mode="json") == answer
        predicted = fake.predict(APPLICATION, lang=lang)
        assert schemas.PredictionOut.model_validate(predicted).model_dump(mode="json") == predicted
        wording = fake.wording(lang)
        assert schemas.Wording.model_validate(wording).model_dump(mode="json") == wording
        assert wording["families"]["external_scores"] == {"en": REASONS, "fr": REASONS_FR}[lang][0]["label"]


def test_score_section_in_french(fake: FakeApiClient) -> None:
    text = words_of(client_callbacks.score_section(fake, 100002, "fr"))
    assert "au-dessus de la limite de 9,0\u00a0% : la demande serait refusée." in text
    assert fake.calls[-1] == ("client_score", (100002,), {"lang": "fr"})
    assert "▲ Ce qui augmente le risque" in text and "▼ Ce qui diminue le risque" in text
    assert (
        "Scores de crédit externes – score de crédit externe le plus bas : 0,12 et score de crédit externe "
        "moyen : 0,31. Cela augmente le risque." in text
    )
    assert "Âge et famille – âge : 44 ans. Cela diminue le risque." in text
    assert "External" not in text and "raises the risk" not in text


def test_unknown_client_is_explained(fake: FakeApiClient) -> None:
    section = client_callbacks.score_section(fake, 404, "en")
    assert isinstance(section, dbc.Alert) and "Client 404 is not known." in text_of(section)


def test_info_section_is_readable(fake: FakeApiClient) -> None:
    text = text_of(client_callbacks.info_section(fake, 100002, "en"))
    for expected in (
        "Age 26 years",
        "Total income €202,500",
        "Time in current employment 1.7 years",  # the feature dictionary's labels, as the API words them
        "Single",
        "Labourer",
        "Owns a house or flat Yes",
        "Credit amount compared with income 2.01",
        "Contract type (cash or revolving) Cash loan",
    ):
        assert expected in text, expected
    french = text_of(client_callbacks.info_section(fake, 100002, "fr"))
    assert "Revenu total 202\u202f500\u00a0€" in french and "Célibataire" in french


# --- journey 4: compare ---------------------------------------------------------------------------------


def test_feature_choices_are_labelled_and_ranked(fake: FakeApiClient) -> None:
    assert compare.feature_options(fake, "fr")[1] == {"label": "Âge", "value": "DAYS_BIRTH"}
    assert fake.calls[-1] == ("model_info", (), {"lang": "fr"})
    options = compare.feature_options(fake, "en")
    assert options[0] == {"label": "External credit score 2", "value": "EXT_SOURCE_2"}
    assert [option["value"] for option in options] == [
        "EXT_SOURCE_2",
        "DAYS_BIRTH",
        "AMT_ANNUITY",
        "CODE_GENDER",
    ]


def test_distribution_of_all_clients(fake: FakeApiClient) -> None:
    block = compare.distribution_block(fake, 7, "DAYS_BIRTH", group="all", filters={"gender": "F"}, lang="en")
    assert fake.calls[-1][2]["filters"] is None  # filters only apply to the filtered group
    assert "Among 100 clients (All clients)" in text_of(block)
    assert find(block, "distribution-graph").figure.layout.shapes[0].x0 == 25.0


def test_distribution_of_a_filtered_group_and_of_similar_clients(fake: FakeApiClient) -> None:
    compare.distribution_block(fake, 7, "DAYS_BIRTH", group="filtered", filters={"gender": "F"}, lang="en")
    assert fake.calls[-1][2]["filters"] == {"gender": "F"} and fake.calls[-1][2]["group"] == "filtered"
    block = compare.distribution_block(fake, 7, "DAYS_BIRTH", group="similar", filters={}, lang="en")
    assert "The 50 most similar clients: observed default rate 12.0%." in text_of(block)


def test_categorical_distribution_in_words(fake: FakeApiClient) -> None:
    block = compare.distribution_block(fake, 7, "CODE_GENDER", group="all", filters={}, lang="en")
    assert "share this client's value, Man" in text_of(block)
    french = compare.distribution_block(fake, 7, "CODE_GENDER", group="all", filters={}, lang="fr")
    assert "partagent la valeur de ce client, Homme" in text_of(french)
    assert list(find(french, "distribution-graph").figure.data[0].x) == ["Femme", "Homme"]


def test_scatter_by_decision_and_by_score(fake: FakeApiClient) -> None:
    block = compare.scatter_block(fake, 7, "EXT_SOURCE_2", "DAYS_BIRTH", colour="decision", lang="en")
    figure = find(block, "scatter-graph").figure
    assert [trace.name for trace in figure.data] == ["✔ Granted", "✖ Refused", "This client"]
    assert "60 clients shown: 9 granted, 51 refused." in text_of(block)
    by_score = compare.scatter_block(fake, 7, "EXT_SOURCE_2", "DAYS_BIRTH", colour="score", lang="en")
    assert find(by_score, "scatter-graph").figure.data[0].marker.colorscale is not None


# --- journey 5: what if ---------------------------------------------------------------------------------


def test_what_if_shows_before_after_and_the_change(fake: FakeApiClient) -> None:
    original = whatif.load_application(fake, 100002)
    assert original["SK_ID_CURR"] == 100002 and original["AMT_CREDIT"] == APPLICATION["AMT_CREDIT"]
    entered = {**form_values(original), "AMT_CREDIT": 100000}
    result = whatif.compare_scores(fake, original, entered, "en")
    text = text_of(result)
    assert "The decision changes from Granted to Refused." not in text  # fake: risk grows with the amount
    assert "The decision changes from Refused to Granted." in text
    sent = [call[1][0] for call in fake.calls if call[0] == "predict"]
    assert sent[0]["AMT_CREDIT"] == APPLICATION["AMT_CREDIT"] and sent[1]["AMT_CREDIT"] == 100000.0
    assert all(call[2]["simulation"] for call in fake.calls if call[0] == "predict"), (
        "a what-if is no decision"
    )
    assert find(result, "whatif-after-gauge") is not None and find(result, "whatif-contributions") is not None
    # the simulated application is granted: its reasons, and no refusal block
    assert "External credit scores – lowest external credit score: 0.12" in words_of(result)
    with pytest.raises(LookupError):
        find(result, "whatif-refusal-reasons")


def test_what_if_unchanged_decision_and_bad_input(fake: FakeApiClient) -> None:
    original = whatif.load_application(fake, 100002)
    text = text_of(whatif.compare_scores(fake, original, form_values(original), "fr"))
    assert "La décision reste « Refusé »." in text
    result = whatif.compare_scores(fake, original, form_values(original), "fr")
    block = words_of(find(result, "whatif-refusal-reasons"))
    assert "Motifs de refus pouvant être communiqués au client" in block
    assert all(reason["sentence"] in block for reason in REFUSAL_REASONS_FR)
    bad = whatif.compare_scores(fake, original, {**form_values(original), "AMT_CREDIT": -5}, "en")
    assert isinstance(bad, dbc.Alert) and "Credit amount: enter a positive number." in text_of(bad)


# --- journeys 6 and 7: the model, monitoring ------------------------------------------------------------


def test_model_section(fake: FakeApiClient) -> None:
    section = model.model_section(fake, "en")
    text = text_of(section)
    assert "Model credit-scoring, version 3 (champion); decision limit 9.0%." in text
    assert "Defaulters caught (recall) 68.0%" in text and "Trained on 2026-12-01." in text
    assert find(section, "importance-graph") is not None and find(section, "cost-graph") is not None
    shown = find(section, "cost-graph").figure.data[0]
    assert len(shown.x) == 19 and min(shown.y) == 0.5 + min((step / 20 - 0.09) ** 2 for step in range(1, 20))


def band(name: str, count: int, defaults: int, predicted: float, ranks: bool | None) -> dict:
    rate = defaults / count if count else None
    row = {"band": name, "lower": None, "upper": None, "count": count, "defaults": defaults}
    return {
        **row,
        "default_rate": rate,
        "mean_predicted": predicted if count else None,
        "rank_order_ok": ranks,
    }


RISK_METRICS = {
    "gini": 0.5983,
    "ks": 0.4613,
    "score_bands": {
        "band_multiples": [0.5, 1.0, 2.0],
        "deciles": [],
        "risk_bands": [
            band("low", 2752, 54, 0.0198, True),
            band("moderate", 1274, 64, 0.0585, True),
            band("high", 1062, 50, 0.1211, False),
            band("very_high", 0, 0, 0.0, None),
        ],
        "rank_ordering_ok": False,
        "production_risk_bands": [],
    },
    "cost_sensitivity": [
        {"cost_ratio": ratio, "threshold": limit, "cost_per_client": cost, "approval_rate": granted,
         "approve_all_cost": 0.08 * ratio, "decision_ratio": ratio == 10}
        for ratio, limit, cost, granted in ((5, 0.168, 0.327, 0.827), (10, 0.084, 0.474, 0.654),
                                            (20, 0.044, 0.648, 0.471))
    ],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_model_page_shows_gini_ks_the_bands_and_the_cost_sensitivity(
    fake, monkeypatch, lang: str
) -> None:
    answer = fake.model_info(lang)
    answer["metrics"] = {**answer["metrics"], **RISK_METRICS}
    monkeypatch.setattr(fake, "model_info", lambda lang="en": answer)
    text = text_of(model.model_section(fake, lang))
    if lang == "en":
        assert "Gini (2 × AUC − 1) 0.598" in text and "Separation of defaulters and others (KS) 0.461" in text
        assert "Low risk 2,752 2.0% 2.0% in order" in text
        assert "High risk 1,062 4.7% 12.1% below the band before" in text
        assert "Very high risk 0 not provided not provided" in text and "does not rise everywhere" in text
        assert text.index("10 to 1 (used) 8.4% 0.474 65.4%") < text.index("5 to 1 16.8% 0.327 82.7%")
    else:
        assert "Risque faible 2\u202f752 2,0\u00a0% 2,0\u00a0% dans l'ordre" in text
        assert "10 pour 1 (utilisé) 8,4\u00a0% 0,474 65,4\u00a0%" in text


@pytest.mark.parametrize(
    ("beyond", "row_text", "verdict"),
    [
        (False, "below the band before, within chance", "each dip is small enough to be chance"),
        (True, "below the band before, beyond chance", "does not rise everywhere"),
    ],
)
def test_a_break_in_the_order_says_whether_chance_explains_it(
    fake, monkeypatch, beyond: bool, row_text: str, verdict: str
) -> None:
    answer = fake.model_info("en")
    metrics = copy.deepcopy(RISK_METRICS)
    metrics["score_bands"]["risk_bands"][2]["break_beyond_noise"] = beyond
    answer["metrics"] = {**answer["metrics"], **metrics}
    monkeypatch.setattr(fake, "model_info", lambda lang="en": answer)
    text = text_of(model.model_section(fake, "en"))
    assert f"High risk 1,062 4.7% 12.1% {row_text}" in text and verdict in text


def test_a_model_that_recorded_no_bands_says_so(fake: FakeApiClient) -> None:
    text = text_of(model.model_section(fake, "en"))
    assert "Default rate by risk band Not available yet." in text
    assert "If a missed defaulter cost more or less Not available yet." in text


def segment(name: str, count: int, defaults: int, auc: float | None, figures: tuple[float, float]) -> dict:
    cost, granted = figures if count else (None, None)
    rate = defaults / count if count else None
    row = {"segment": name, "count": count, "share": count / 6000, "defaults": defaults, "default_rate": rate}
    return row | {"mean_predicted": None, "auc": auc, "cost_per_client": cost, "approval_rate": granted}


SEGMENTS = {
    "thin_file": {
        "definition": "thin_file: BUREAU_LOAN_COUNT = 0 and PREV_APPLICATION_COUNT = 0",
        "rows": [
            segment("thin_file", 26, 3, 0.6812, (0.7692, 0.5385)),
            segment("others", 5974, 470, 0.7702, (0.49, 0.65)),
        ],
    },
    "no_bureau_record": {"definition": "", "rows": [], "unavailable_reason": "no column X"},
    "contract_type": {
        "definition": "",
        "rows": [
            segment("Cash loans", 5400, 480, 0.77, (0.5, 0.64)),
            segment("Revolving loans", 2, 0, None, (0.0, 1.0)),
            segment("unknown", 0, 0, None, (0.0, 0.0)),
        ],
    },
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_model_page_shows_the_segments(fake, monkeypatch, lang: str) -> None:
    answer = fake.model_info(lang)
    answer["metrics"] = {**answer["metrics"], "segments": SEGMENTS}
    monkeypatch.setattr(fake, "model_info", lambda lang="en": answer)
    section = model.model_section(fake, lang)
    text = text_of(section)
    captions = [
        text_of(item.children[0])
        for item in walk(section)
        if isinstance(item, dbc.Table) and "Segment" in text_of(item)
    ]
    if lang == "en":
        assert captions == ["Thin-file clients and the others", "By contract type"]
        assert "Default rate by client segment" in text and "no previous application with us" in text
        assert "Thin file 26 0.4% 11.5% 0.681 0.769 53.8%" in text
        assert "Other clients 5,974 99.6% 7.9% 0.770 0.490 65.0%" in text
        assert "Clients unknown to the credit bureau and the others: Not available yet." in text
        assert "Cash loan 5,400" in text  # the adviser's wording of the level
        assert "Revolving loan 2 0.0% 0.0% not measurable (all defaulted or none did) 0.000 100.0%" in text
        assert "unknown 0 0.0% not provided no client not provided not provided" in text
    else:
        assert captions == ["Clients au dossier mince et les autres", "Par type de contrat"]
        assert "Dossier mince 26 0,4\u00a0% 11,5\u00a0% 0,681 0,769 53,8\u00a0%" in text
        assert "Prêt d'espèces 5\u202f400" in text and "non mesurable" in text


def test_a_model_that_recorded_no_segments_says_so(fake: FakeApiClient) -> None:
    text = text_of(model.model_section(fake, "en"))
    assert "Default rate by client segment Not available yet." in text


def test_the_cost_curve_shows_the_holdout_sample_only() -> None:
    point = {"threshold": 0.1, "tn": 1, "fp": 3, "fn": 0, "tp": 2, "cost": 3.0, "cost_per_client": 0.5}
    curve = records.cost_curve_points(
        [
            {**point, "sample": "holdout"},
            {**point, "cost_per_client": 0.9, "sample": "out-of-fold (training)"},
        ]
    )
    assert model.cost_points(curve) == [{"threshold": 0.1, "cost": 0.5}]


def test_the_model_answer_of_the_fake_has_the_api_schema(fake: FakeApiClient) -> None:
    answer = fake.model_info()
    assert schemas.ModelInfo.model_validate(answer).model_dump(mode="json", exclude_none=True) == {
        key: value for key, value in answer.items() if value is not None
    }


def test_model_page_asks_for_the_importance_in_its_language(fake: FakeApiClient) -> None:
    section = model.model_section(fake, "fr")
    assert fake.calls[-1] == ("model_info", (), {"lang": "fr"})
    assert "Âge" in find(section, "importance-graph").figure.data[0].y


def test_the_drift_answer_of_the_fake_has_the_api_schema(fake: FakeApiClient) -> None:
    answer = fake.drift_summary()
    assert schemas.DriftSummary.model_validate(answer).model_dump(mode="json") == answer


def test_monitoring_section_reads_the_drift_summary(fake: FakeApiClient) -> None:
    section = monitoring.monitoring_section(fake, "en")
    assert fake.calls[-1] == ("drift_summary", (), {"lang": "en"})
    text = text_of(section)
    for expected in (
        "✖ Status: alert, action needed",
        "3 of 8 characteristics drifted (38%) between the training applications (48 clients) and the "
        "applications being scored (16 clients).",
        "No overall drift detected.",
        "Stability of the scores (PSI): 2.465, a major shift (below 0.10 stable, from 0.25 a major shift).",
        "Recommended action: retrain the model",
        "✖ Alert: score_psi > 0.25 (measured 2.465)",
        "⚠ Warning: current_rows < 500.0 (measured 16)",
        "Only columns the model does not use drifted",  # the pipeline's own reading, in English
        "Report of 2026-12-02 07:38.",
    ):
        assert expected in text, expected
    assert find(section, "drift-report-link").href == "/reports/drift"
    chart = find(section, "drift-graph").figure
    assert [trace.name for trace in chart.data] == ["⚠ Drifted", "✔ Stable", "Test limit"]
    assert "Income type" in chart.data[0].y and "Total income" in chart.data[0].y


def test_monitoring_section_in_french_has_no_english_text(fake: FakeApiClient) -> None:
    text = text_of(monitoring.monitoring_section(fake, "fr"))
    assert fake.calls[-1] == ("drift_summary", (), {"lang": "fr"})
    assert "✖ État : alerte, action nécessaire" in text
    assert (
        "3 caractéristiques sur 8 ont dérivé (38\u00a0%) entre les demandes d'apprentissage (48 clients)"
        in text
    )
    assert "Action recommandée : réentraîner le modèle" in text and "✖ Alerte : score_psi > 0.25" in text
    assert "Only columns" not in text and "Recommended" not in text


def test_monitoring_before_the_drift_pipeline_ran() -> None:
    missing = FakeApiClient(fail=ApiError("no drift summary yet", 404, "not_found"))
    section = monitoring.monitoring_section(missing, "fr")
    assert text_of(section) == "Pas encore de rapport de dérive."


def test_footer_names_the_model_version_or_stays_quiet(fake: FakeApiClient) -> None:
    assert shell.footer_text(fake, "en").endswith("model 3.")
    assert shell.footer_text(FakeApiClient(fail=ApiError("down")), "en") == ""


def test_a_bare_column_name_gives_way_to_the_plain_label() -> None:
    known = {"PREV_RATE": "Down payment rate of previous loans"}
    assert compare.plain_label("PREV_RATE", "PREV_RATE", known) == "Down payment rate of previous loans"
    assert compare.plain_label("Taux d'apport", "PREV_RATE", known) == "Taux d'apport"
    assert compare.plain_label(None, "OTHER", known) == "OTHER"
