"""The served model never uses an excluded protected attribute: the API accepts CODE_GENDER (a field of the
application) and ignores it for the score, and no reason names it."""

from __future__ import annotations

import pytest

from tests.api.project import EXCLUDED_FEATURES
from tests.api.test_api_routes import PREFIX, production_application


def test_the_configuration_excludes_gender_and_the_served_model_has_none(served_model, client, headers):
    assert {"CODE_GENDER", "CODE_GENDER_XNA"} <= set(EXCLUDED_FEATURES)
    assert not set(EXCLUDED_FEATURES) & set(served_model.model.features)
    described = client.get(f"{PREFIX}/model", headers=headers).get_json()
    assert not set(EXCLUDED_FEATURES) & set(described["features"])
    assert not set(EXCLUDED_FEATURES) & set(described.get("categorical_features", []))


@pytest.mark.parametrize("known", [True, False], ids=["known client", "new applicant"])
def test_a_woman_and_a_man_get_the_same_score_and_reasons(client, headers, api_project, known) -> None:
    application = production_application(api_project, 3)
    if not known:
        del application["SK_ID_CURR"]
    answers = {}
    for gender in ("F", "M", "XNA"):
        response = client.post(
            f"{PREFIX}/predict?top_k=20", json={**application, "CODE_GENDER": gender}, headers=headers
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        answers[gender] = response.get_json()
    for gender in ("M", "XNA"):
        assert answers[gender]["probability"] == answers["F"]["probability"]
        assert answers[gender]["decision"] == answers["F"]["decision"]
        assert answers[gender]["reasons"] == answers["F"]["reasons"]
    named = {reason["feature"] for reason in answers["F"]["reasons"]}
    assert named and not named & set(EXCLUDED_FEATURES)


def test_a_production_clients_stored_score_names_no_excluded_feature(client, headers, api_project) -> None:
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    body = client.get(f"{PREFIX}/clients/{client_id}/score?top_k=20", headers=headers).get_json()
    assert body["reasons"] and not {reason["feature"] for reason in body["reasons"]} & set(EXCLUDED_FEATURES)
