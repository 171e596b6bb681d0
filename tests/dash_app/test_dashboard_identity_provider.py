"""Sign-in through an OpenID Connect provider (a real one served in a thread, `oidc_provider.py`): the person
it vouches for is signed in with the highest role of their groups, kept in the users table without a password,
and recorded; a token signed by another key, for another client, expired or with another nonce, a callback
without its state, a person without a role, a disabled account, a provider that cannot be reached: each is a
clear refusal on the form, and recorded."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from dash import Dash
from flask.testing import FlaskClient

from credit_scoring.access.sign_in import IdentityProviderSettings
from credit_scoring.access.users import EXTERNAL_PASSWORD_HASH
from dash_app.app import create_app
from dash_app.sign_in import SignIn
from tests.dash_app.fakes import FakeApiClient
from tests.dash_app.oidc_provider import CLIENT_ID, CLIENT_SECRET, InTestProvider, running_provider
from tests.dash_app.signing import FAST_HASHER, SECRET, sign_in

GROUPS = {"credit-advisers": "adviser", "credit-risk": "risk", "credit-admins": "admin"}


@pytest.fixture(scope="module")
def provider() -> Iterator[InTestProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def access(provider: InTestProvider, tmp_path: Path) -> SignIn:
    provider.tamper = "none"
    settings = IdentityProviderSettings(
        label="Banque SSO",
        server_metadata_url=f"{provider.base_url}/.well-known/openid-configuration",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        roles=GROUPS,
    )
    return SignIn.open(
        f"sqlite:///{tmp_path / 'app.db'}", SECRET, hasher=FAST_HASHER, identity_provider=settings
    )


@pytest.fixture
def app(access: SignIn) -> Dash:
    return create_app(FakeApiClient(), access=access)


def through_provider(client: FlaskClient, provider: InTestProvider, person: dict, next_path: str = "/model"):
    """The browser's round trip: to the provider, which signs ``person`` in, and back to the callback."""
    provider.person = person
    start = client.get(f"/login/provider?next={next_path}")
    assert start.status_code == 302 and start.location.startswith(f"{provider.base_url}/authorize?")
    back = requests.get(start.location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/login/provider/callback"
    return client.get(f"{callback.path}?{callback.query}")


def test_the_form_offers_the_provider(app: Dash) -> None:
    page = app.server.test_client().get("/login?next=/compare").text
    assert 'href="/login/provider?next=%2Fcompare&amp;lang=en"' in page and "Sign in with Banque SSO" in page


def test_the_person_the_provider_vouches_for_is_signed_in_with_the_role_of_their_groups(
    app, access, provider
):
    client = app.server.test_client()
    answer = through_provider(client, provider, {"preferred_username": "rita", "groups": ["credit-advisers"]})
    assert answer.status_code == 303 and answer.location == "/model"
    assert client.get("/model").status_code == 200 and client.get("/monitoring").status_code == 403
    user = access.desk.users.get("rita")
    assert (user.role, user.disabled, user.last_sign_in_at is not None) == ("adviser", False, True)
    success = access.desk.trail.export(action="sign_in.success")[-1]
    assert success["actor"] == "rita" and success["detail"] == {"provider": "Banque SSO", "role": "adviser"}
    # the next sign-in brings the role up to date with the groups: the highest wins
    again = app.server.test_client()
    groups = ["credit-advisers", "credit-risk", "other"]
    assert (
        through_provider(again, provider, {"preferred_username": "rita", "groups": groups}).status_code == 303
    )
    assert access.desk.users.get("rita").role == "risk" and again.get("/monitoring").status_code == 200


def test_a_person_from_the_provider_has_no_password_here(app, access, provider) -> None:
    through_provider(
        app.server.test_client(), provider, {"preferred_username": "sam", "groups": ["credit-risk"]}
    )
    with access.desk.users.engine.connect() as connection:
        stored = connection.exec_driver_sql("select password_hash from app_users where name = 'sam'").scalar()
    assert stored == EXTERNAL_PASSWORD_HASH
    for password in (EXTERNAL_PASSWORD_HASH, "any password at all"):
        assert sign_in(app.server.test_client(), "sam", password) == 401


@pytest.mark.parametrize(
    ("person", "message", "reason"),
    [
        ({"preferred_username": "nora", "groups": ["marketing"]}, "Your account has no role", "no_role"),
        ({"preferred_username": "nora"}, "Your account has no role", "no_role"),
        (
            {"preferred_username": "not a name!", "groups": ["credit-risk"]},
            "identity provider failed",
            "malformed",
        ),
    ],
)
def test_a_person_without_a_usable_role_or_name_is_refused(app, access, provider, person, message, reason):  # noqa: PLR0917
    client = app.server.test_client()
    answer = through_provider(client, provider, person)
    assert answer.status_code == 403 and message in html.unescape(answer.text)
    assert client.get("/model").status_code == 302
    assert access.desk.trail.export(action="sign_in.failure")[-1]["detail"]["reason"] == reason


def test_a_disabled_account_stays_out(app, access, provider) -> None:
    person = {"preferred_username": "dan", "groups": ["credit-advisers"]}
    assert through_provider(app.server.test_client(), provider, person).status_code == 303
    access.desk.users.disable("dan")
    answer = through_provider(app.server.test_client(), provider, person)
    assert answer.status_code == 403 and "This account is disabled" in answer.text
    assert access.desk.users.get("dan").disabled


@pytest.mark.parametrize("tamper", ["foreign_key", "other_audience", "expired", "other_nonce"])
def test_an_id_token_that_does_not_verify_is_refused(app, access, provider, tamper) -> None:
    provider.tamper = tamper
    client = app.server.test_client()
    answer = through_provider(client, provider, {"preferred_username": "eve", "groups": ["credit-admins"]})
    assert answer.status_code == 401 and "Signing in through the identity provider failed" in answer.text
    assert access.desk.trail.export(action="access.denied")[-1]["detail"]["reason"] == "provider_refused"
    assert client.get("/model").status_code == 302 and access.desk.users.get("eve") is None


def test_a_callback_without_the_state_of_this_browser_is_refused(app, provider) -> None:
    """An attacker's code, pushed into another person's browser (login CSRF), does not sign them in."""
    attacker = app.server.test_client()
    provider.person = {"preferred_username": "mallory", "groups": ["credit-admins"]}
    start = attacker.get("/login/provider")
    back = urlsplit(requests.get(start.location, allow_redirects=False, timeout=10).headers["Location"])
    victim = app.server.test_client()
    answer = victim.get(f"{back.path}?{back.query}")
    assert answer.status_code == 401 and victim.get("/model").status_code == 302


def test_a_provider_that_cannot_be_reached_is_a_clear_message(tmp_path: Path) -> None:
    settings = IdentityProviderSettings(
        server_metadata_url="http://127.0.0.1:9/.well-known/openid-configuration",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        roles=GROUPS,
    )
    access = SignIn.open(f"sqlite:///{tmp_path / 'app.db'}", SECRET, identity_provider=settings)
    answer = create_app(FakeApiClient(), access=access).server.test_client().get("/login/provider")
    assert answer.status_code == 502 and "Signing in through the identity provider failed" in answer.text


def test_the_groups_claim_may_be_one_value_or_a_list() -> None:
    settings = IdentityProviderSettings(
        server_metadata_url="http://idp/.well-known/openid-configuration",
        client_id="c",
        client_secret="s",
        roles=GROUPS,
        roles_claim="roles",
    )
    assert settings.role_for({"roles": "credit-risk"}) == "risk"
    assert settings.role_for({"roles": ["credit-admins", "credit-advisers"]}) == "admin"
    assert settings.role_for({"roles": 7}) is None and settings.role_for({}) is None
