"""The administration page: users added with a password shown once, roles changed, accounts disabled and
enabled, passwords reset, keys created (shown once) and revoked; each change recorded in the administrator's
name; the last administrator kept; bad input refused with a message. Through the real callback endpoint as a
signed-in administrator, and through the handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dash import Dash

from credit_scoring.access.administration import Administration, Administrator
from dash_app.app import create_app
from dash_app.callbacks import admin as admin_callbacks
from dash_app.sign_in import SignIn
from tests.dash_app.components_text import text_of
from tests.dash_app.fakes import FakeApiClient
from tests.dash_app.signing import ROLE_USERS, callback_headers, open_access, sign_in, signed_in_client

ADMIN = Administrator(ROLE_USERS["admin"], "10.0.0.5")


@pytest.fixture
def access(tmp_path: Path) -> SignIn:
    return open_access(tmp_path)


@pytest.fixture
def admin(access: SignIn) -> Administration:
    return access.administration


@pytest.fixture
def app(access: SignIn) -> Dash:
    return create_app(FakeApiClient(), access=access)


def submit(handler, admin: Administration, form: str, **values) -> str:
    return text_of(handler(admin, ADMIN, form, values, "en"))


def secret_in(answer: str) -> str:
    return answer.rsplit(" ", 1)[-1]


def test_a_user_added_signs_in_with_the_password_shown_once(app: Dash, admin: Administration) -> None:
    answer = submit(admin_callbacks.user_form, admin, "admin-add-form", new_name=" nina ", new_role="risk")
    assert answer.startswith("nina added (risk). Their password, shown only now:")
    assert sign_in(app.server.test_client(), "nina", secret_in(answer)) == 303
    added = admin.trail.export(action="user.add")[-1]
    assert (added["actor"], added["address"], added["detail"]) == (
        ADMIN.name,
        "10.0.0.5",
        {"user": "nina", "role": "risk"},
    )


def test_roles_states_and_passwords_change_and_are_recorded(app: Dash, admin: Administration) -> None:
    name = ROLE_USERS["adviser"]
    for change, expected in (
        ("role:risk", f"{name}: enabled, risk."),
        ("disable", f"{name}: disabled, risk."),
        ("enable", f"{name}: enabled, risk."),
    ):
        assert (
            submit(admin_callbacks.user_form, admin, "admin-change-form", user=name, change=change)
            == expected
        )
    reset = submit(admin_callbacks.user_form, admin, "admin-change-form", user=name, change="reset_password")
    assert sign_in(app.server.test_client(), name, secret_in(reset)) == 303
    actions = [(event["action"], event["actor"]) for event in admin.trail.export(user=ADMIN.name)]
    assert actions == [
        (action, ADMIN.name) for action in ("user.role", "user.disable", "user.enable", "user.password")
    ]
    assert secret_in(reset) not in str(admin.trail.export())


def test_the_last_administrator_cannot_be_disabled_or_demoted(admin: Administration) -> None:
    name = ROLE_USERS["admin"]
    for change in ("disable", "role:adviser"):
        answer = submit(admin_callbacks.user_form, admin, "admin-change-form", user=name, change=change)
        assert (
            answer == f"Not done: {name} is the only enabled administrator: add or enable another one first"
        )
    submit(
        admin_callbacks.user_form, admin, "admin-change-form", user=ROLE_USERS["risk"], change="role:admin"
    )
    assert submit(
        admin_callbacks.user_form, admin, "admin-change-form", user=name, change="disable"
    ).endswith("disabled, administrator.")


@pytest.mark.parametrize(
    ("form", "values", "message"),
    [
        ("admin-add-form", {"new_name": "", "new_role": "adviser"}, "invalid user name"),
        ("admin-add-form", {"new_name": ROLE_USERS["risk"], "new_role": "adviser"}, "exists already"),
        ("admin-add-form", {"new_name": "zoe", "new_role": "boss"}, "unknown role 'boss'"),
        ("admin-change-form", {"user": "", "change": "disable"}, "choose a user and a change"),
        ("admin-change-form", {"user": "nobody", "change": "disable"}, "no user named 'nobody'"),
    ],
)
def test_bad_user_forms_are_refused_with_a_message(admin: Administration, form, values, message) -> None:
    answer = submit(admin_callbacks.user_form, admin, form, **values)
    assert answer.startswith("Not done:") and message in answer
    assert not admin.trail.export(user=ADMIN.name)


def test_a_key_is_shown_once_then_revoked(admin: Administration) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    answer = submit(
        admin_callbacks.key_form,
        admin,
        "admin-key-form",
        name="crm",
        scopes=["score", "clients"],
        expires=tomorrow,
    )
    assert answer.startswith("Key crm created. Copy it now: it will not be shown again.")
    check = admin.keys.verify(secret_in(answer))
    assert check.valid and check.scopes == {"score", "clients"}
    assert admin.keys.get("crm").expires_at.startswith(
        (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    )
    assert submit(admin_callbacks.key_form, admin, "admin-revoke-form", key="crm") == "Key crm revoked."
    assert admin.keys.verify(secret_in(answer)).outcome == "revoked"
    created, revoked = admin.trail.export(user=ADMIN.name)
    assert created["detail"]["scopes"] == ["clients", "score"] and revoked["detail"] == {"name": "crm"}
    assert secret_in(answer) not in str(admin.trail.export())


@pytest.mark.parametrize(
    ("form", "values", "message"),
    [
        ("admin-key-form", {"name": "crm", "scopes": []}, "give at least one scope"),
        (
            "admin-key-form",
            {"name": "crm", "scopes": ["score"], "expires": "2020-01-01"},
            "not in the future",
        ),
        ("admin-key-form", {"name": "crm", "scopes": ["score"], "expires": "soon"}, "Invalid isoformat"),
        ("admin-key-form", {"name": "", "scopes": ["score"]}, "invalid key name"),
        ("admin-revoke-form", {"key": ""}, "choose a key"),
    ],
)
def test_bad_key_forms_are_refused_with_a_message(admin: Administration, form, values, message) -> None:
    answer = submit(admin_callbacks.key_form, admin, form, **values)
    assert answer.startswith("Not done:") and message in answer, answer


def add_user_request(app: Dash, name: str) -> dict:
    """The callback request the page sends when the 'Add a user' form is submitted (in French)."""
    output = "..admin-users.children...admin-user.options...admin-user-feedback.children.."
    values = {"admin-new-name": name, "admin-new-role": "adviser"}
    return {
        "output": output,
        "outputs": [
            {"id": part.split(".")[0], "property": part.split(".")[1]}
            for part in output.strip(".").split("...")
        ],
        "inputs": [
            {"id": "admin-request", "property": "data", "value": {"lang": "fr"}},
            {"id": "admin-add-form", "property": "n_submit", "value": 1},
            {"id": "admin-change-form", "property": "n_submit", "value": None},
        ],
        "state": [{**item, "value": values.get(item["id"])} for item in app.callback_map[output]["state"]],
        "changedPropIds": ["admin-add-form.n_submit"],
    }


def test_the_panels_through_the_callback_endpoint_as_an_administrator(
    app: Dash, admin: Administration
) -> None:
    client = signed_in_client(app, "admin")
    body = add_user_request(app, "omar")
    answer = client.post("/_dash-update-component", json=body, headers=callback_headers(client))
    assert answer.status_code == 200 and "omar ajouté (conseiller)" in answer.text
    assert admin.users.get("omar").role == "adviser"
    for role in ("adviser", "risk"):
        other = signed_in_client(app, role)
        body = add_user_request(app, f"by-{role}")
        refused = other.post("/_dash-update-component", json=body, headers=callback_headers(other))
        assert refused.status_code == 403 and admin.users.get(f"by-{role}") is None
