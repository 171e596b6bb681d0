"""Features and recorded categories in the adviser's language: every level of the raw-data contract has an
English and a French wording in the one table (`credit_scoring.raw.wording`), every feature its labels in the
feature dictionary; the API serves both, and the pages (client information, simulation, filters, search
results, comparisons) use the API's words."""

from __future__ import annotations

import pytest

from credit_scoring.raw.schema import KNOWN_CATEGORIES
from credit_scoring.raw.wording import LEVELS
from credit_scoring.serving.reasons import dictionary_writer
from dash_app import api_client, wording
from dash_app.api_client import ApiError
from dash_app.callbacks import client as client_callbacks
from dash_app.callbacks import search
from dash_app.client_fields import FIELD_GROUPS, LEVEL_FIELDS, field_label
from dash_app.forms import FILTER_KEYS, filter_controls
from dash_app.i18n import TEXTS
from dash_app.whatif_fields import EDITABLE_FIELDS
from dash_app.wording import feature_label, level_text
from tests.dash_app.components_text import text_of, words_of
from tests.dash_app.fakes import INFO, REASONS_FR, FakeApiClient

CONTRACT = KNOWN_CATEGORIES["application_test"]
#: French wordings that are the recorded English word too (the same word in both languages).
SAME_WORD = {"Agriculture", "Culture", "Police"}


def test_every_level_of_the_contract_has_both_wordings() -> None:
    assert set(LEVELS) == set(CONTRACT)
    for column, recorded in CONTRACT.items():
        assert set(LEVELS[column]) == set(recorded), column
        for level, (english, french) in LEVELS[column].items():
            assert english.strip() and french.strip(), (column, level)
            assert french != level or french in SAME_WORD, (column, level)
        for position in (0, 1):  # two levels never read the same
            wordings = [words[position] for words in LEVELS[column].values()]
            assert len(set(wordings)) == len(wordings), column


def test_an_unknown_level_is_shown_as_recorded() -> None:
    assert level_text("ORGANIZATION_TYPE", "Business Entity Type 3", "fr") == "Entreprise, type 3"
    assert level_text("ORGANIZATION_TYPE", "Space agency", "fr") == "Space agency"
    assert level_text("NO_SUCH_COLUMN", "M", "fr") == "M"


def test_the_client_page_shows_every_category_it_displays() -> None:
    assert set(LEVEL_FIELDS) == {
        "gender",
        "family_status",
        "education",
        "housing_type",
        "income_type",
        "occupation",
        "organization",
        "contract_type",
    }


@pytest.mark.parametrize("position", range(max(len(LEVELS[column]) for column in LEVEL_FIELDS.values())))
def test_the_client_page_in_french_shows_no_english_level(position: int) -> None:
    info = dict(INFO)
    for field, column in LEVEL_FIELDS.items():
        levels = sorted(CONTRACT[column])
        info[field] = levels[position % len(levels)]
    fake = FakeApiClient()
    fake.client_info = lambda client_id: info  # type: ignore[method-assign]
    text = text_of(client_callbacks.info_section(fake, 100002, "fr"))
    for field, column in LEVEL_FIELDS.items():
        level = info[field]
        assert LEVELS[column][level][1] in text, (column, level)
        if level not in SAME_WORD:
            assert f" {level} " not in f" {text} ", (column, level)


def test_reasons_are_shown_as_the_api_words_them() -> None:
    """Each reason is the API's sentence (its family, the values behind it, its direction), a recorded level
    among the values in the API's words; the dashboard adds no words of its own to it."""
    text = words_of(client_callbacks.reasons_block(REASONS_FR, "fr"))
    for reason in REASONS_FR:
        assert reason["sentence"] in text, reason["sentence"]
    assert "Caractéristiques protégées (genre) – genre : Homme. Cela augmente le risque." in text
    assert " M." not in text and "Man" not in text


def test_levels_are_shown_as_recorded_while_the_api_cannot_answer() -> None:
    wording.forget()
    api_client.set_client(FakeApiClient(fail=ApiError("down", 503)))
    assert level_text("CODE_GENDER", "F", "fr") == "F"
    api_client.set_client(FakeApiClient())  # asked again once it answers
    assert level_text("CODE_GENDER", "F", "fr") == "Femme"


def test_filters_and_search_results_in_french(fake: FakeApiClient) -> None:
    controls = text_of(filter_controls("search", "fr"))
    assert "Prêt d'espèces" in controls and "Crédit renouvelable" in controls and "Femme" in controls
    assert "Cash loans" not in controls
    children, _, _ = search.search_clients(fake, [None] * len(FILTER_KEYS), 1, "fr")
    assert "Prêt d'espèces" in text_of(children) and "Cash loans" not in text_of(children)


def test_every_feature_the_dashboard_names_is_worded_by_the_api(fake: FakeApiClient) -> None:
    """The client page and the simulation name features with the API's labels (the feature dictionary's, as
    the reasons say them), never with words of their own."""
    dictionary = dictionary_writer().labels("fr")
    named = [label for fields in FIELD_GROUPS.values() for _, label, _ in fields if label.isupper()]
    named += [field.label for field in EDITABLE_FIELDS if field.label.isupper()]
    assert set(named) <= set(dictionary), sorted(set(named) - set(dictionary))
    page = text_of(client_callbacks.info_section(fake, 100002, "fr"))
    for label in named:
        assert field_label(label, "fr") == dictionary[label], label
    assert all(dictionary[label] in page for _, label, _ in FIELD_GROUPS["info.group_work"])
    assert all(not key.startswith("info.") or not key[5:].isupper() for key in TEXTS)


def test_features_are_named_by_their_column_while_the_api_cannot_answer() -> None:
    wording.forget()
    api_client.set_client(FakeApiClient(fail=ApiError("down", 503)))
    assert feature_label("AMT_CREDIT", "fr") == "Amt credit"
    api_client.set_client(FakeApiClient())
    assert feature_label("AMT_CREDIT", "fr") == "Montant du crédit"
