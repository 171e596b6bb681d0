"""One definition of every feature: the API scores a client exactly as the batch pipeline does."""

from __future__ import annotations

import pandas as pd

from tests.api.test_api_routes import PREFIX, production_application


def _clients_with_and_without_history(api_project) -> tuple[list[int], list[int]]:
    raw = api_project["raw_tables"]
    with_history = set(raw["bureau"]["SK_ID_CURR"]) | set(raw["previous_application"]["SK_ID_CURR"])
    ids = raw["application_test"]["SK_ID_CURR"].tolist()
    return [i for i in ids if i in with_history], [i for i in ids if i not in with_history]


def test_api_probability_equals_the_batch_prediction(client, headers, api_project) -> None:
    batch = api_project["predictions"].set_index("SK_ID_CURR")
    known, _ = _clients_with_and_without_history(api_project)
    assert known
    for index, client_id in enumerate(api_project["raw_tables"]["application_test"]["SK_ID_CURR"]):
        body = client.post(
            f"{PREFIX}/predict?reasons=false",
            json=production_application(api_project, index),
            headers=headers,
        ).get_json()
        assert body["probability"] == batch.loc[client_id, "probability"], client_id  # exactly
        assert body["decision"] == batch.loc[client_id, "decision"]
        assert body["known_client"] is True


def test_a_new_applicants_row_equals_the_batch_row(app, client, headers, api_project) -> None:
    """An applicant without history, sent without SK_ID_CURR: the row the API scores is the batch
    pipeline's row for that application, and so is the probability."""
    _, without_history = _clients_with_and_without_history(api_project)
    assert without_history
    client_id = without_history[0]
    index = int(api_project["raw_tables"]["application_test"]["SK_ID_CURR"].tolist().index(client_id))
    application = production_application(api_project, index)
    del application["SK_ID_CURR"]

    row = app.extensions["credit_scoring_api"].scorer.rows.build(application)
    batch_rows = api_project["scoring_input_table"]
    batch_row = batch_rows[batch_rows["SK_ID_CURR"] == client_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        row.drop(columns="SK_ID_CURR"), batch_row.drop(columns="SK_ID_CURR"), check_exact=True
    )

    body = client.post(f"{PREFIX}/predict?reasons=false", json=application, headers=headers).get_json()
    expected = api_project["predictions"].set_index("SK_ID_CURR").loc[client_id, "probability"]
    assert body["known_client"] is False and body["probability"] == expected
