"""The feature dictionary documents exactly the model-input features, in both languages."""

from __future__ import annotations

import re

from credit_scoring.features.definitions import HISTORY_FEATURE_SETS, feature_columns, feature_dictionary

PREFIXES = {
    "bureau": "BUREAU_",
    "previous_application": "PREV_",
    "pos_cash": "POS_",
    "installments": "INSTAL_",
    "credit_card": "CC_",
}


def test_dictionary_covers_every_feature_once_with_all_fields():
    dictionary = feature_dictionary()

    assert list(dictionary.columns) == [
        "feature",
        "source_table",
        "definition",
        "unit",
        "label_en",
        "label_fr",
    ]
    assert dictionary["feature"].tolist() == feature_columns()
    assert dictionary["feature"].is_unique
    assert (dictionary.map(lambda value: isinstance(value, str) and value.strip() != "")).all().all()
    assert 150 <= len(dictionary) <= 340


def test_feature_names_are_upper_snake_and_history_features_carry_their_source_prefix():
    assert all(re.fullmatch(r"[A-Z0-9_]+", name) for name in feature_columns())
    for feature_set in HISTORY_FEATURE_SETS:
        prefix = PREFIXES[feature_set.name]
        assert all(name.startswith(prefix) for name in feature_set.columns), feature_set.name


def test_labels_are_translated_and_sources_are_raw_tables():
    dictionary = feature_dictionary()

    translated = (dictionary["label_en"] != dictionary["label_fr"]).mean()
    assert translated > 0.95
    known_sources = {
        "application",
        "bureau",
        "bureau, bureau_balance",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
        "application, bureau",
    }
    assert set(dictionary["source_table"]) <= known_sources
    history = dictionary[dictionary["feature"].str.startswith(tuple(PREFIXES.values()))]
    assert not history["source_table"].eq("application").any()
