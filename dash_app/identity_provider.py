"""Sign-in through the lender's identity provider (OpenID Connect), with Authlib's Flask client: the
authorization-code flow, the state and the nonce kept in the session, the ID token's signature, issuer,
audience, expiry and nonce checked by Authlib against the provider's published keys.

Configured by the ``identity_provider`` section of conf/local/credentials.yml
(`credit_scoring.access.sign_in.IdentityProviderSettings`). `dash_app.sign_in` owns the routes and the
session; this module only talks to the provider.
"""

from __future__ import annotations

from typing import Any

import flask
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from joserfc.errors import JoseError

from credit_scoring.access.sign_in import IdentityProviderSettings

CLIENT_NAME = "identity_provider"


class ProviderRefused(Exception):
    """The provider's answer cannot be trusted or used; the message says why (never a token)."""


def register(server: flask.Flask, settings: IdentityProviderSettings) -> Any:
    """The provider's client on ``server`` (its metadata and keys are fetched on first use)."""
    oauth = OAuth(server)
    return oauth.register(
        CLIENT_NAME,
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        server_metadata_url=settings.server_metadata_url,
        client_kwargs={"scope": settings.scope, "timeout": 10},
    )


def send_to_provider(client: Any, callback_url: str) -> flask.Response:
    """The redirect to the provider's sign-in page (`ProviderRefused`: the provider cannot be reached)."""
    try:
        return client.authorize_redirect(callback_url)
    except (AuthlibBaseError, requests.RequestException, RuntimeError, ValueError) as error:
        raise ProviderRefused(f"the identity provider cannot be reached ({type(error).__name__})") from None


def verified_claims(client: Any) -> dict[str, Any]:
    """The claims of the ID token the provider sent back to the callback, once verified."""
    try:
        token = client.authorize_access_token()
    except (
        AuthlibBaseError,
        JoseError,
        requests.RequestException,
        RuntimeError,
        ValueError,
        KeyError,
    ) as error:
        raise ProviderRefused(
            f"the identity provider's answer was refused ({type(error).__name__}: {error})"
        ) from None
    claims = token.get("userinfo")
    if not claims:
        raise ProviderRefused("the identity provider sent no ID token")
    return dict(claims)
