"""An OpenID Connect provider for the tests, served on 127.0.0.1 by a real HTTP server in a thread: discovery,
an authorization endpoint that signs in the person the test chose, a token endpoint checking the client's
secret and issuing an RS256 ID token, and its key set. ``tamper`` makes it misbehave the ways an attacker or a
broken provider would (a token signed by another key, for another client, expired, with another nonce)."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import flask
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "credit-scoring-dashboard"
CLIENT_SECRET = "the dashboard's client secret at the provider"
Tampering = Literal["none", "foreign_key", "other_audience", "expired", "other_nonce"]


@dataclass
class InTestProvider:
    """The provider's state: who signs in next, how to misbehave, the codes it issued."""

    base_url: str = ""
    person: dict[str, Any] = field(default_factory=lambda: {"preferred_username": "pat", "groups": []})
    tamper: Tampering = "none"
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    tokens_issued: int = 0

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base_url,
            "sub": f"subject-{self.person.get('preferred_username')}",
            "aud": "another-client" if self.tamper == "other_audience" else CLIENT_ID,
            "iat": now - (7200 if self.tamper == "expired" else 0),
            "exp": now + (-3600 if self.tamper == "expired" else 300),
            "nonce": "not-the-nonce" if self.tamper == "other_nonce" else grant["nonce"],
            **self.person,
        }
        key = (
            RSAKey.generate_key(2048, parameters={"kid": "k1"}) if self.tamper == "foreign_key" else self.key
        )
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def provider_app(provider: InTestProvider) -> flask.Flask:
    app = flask.Flask("test_identity_provider")

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        return provider.metadata()

    @app.get("/jwks")
    def jwks() -> Any:
        return {"keys": [provider.key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize() -> Any:
        args = flask.request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            return {"error": "invalid_request"}, 400
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"]}
        query = urlencode({"code": code, "state": args.get("state", "")})
        return flask.redirect(f"{args['redirect_uri']}?{query}")

    @app.post("/token")
    def token() -> Any:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if flask.request.headers.get("Authorization") != f"Basic {expected}":
            return {"error": "invalid_client"}, 401
        grant = provider.codes.pop(flask.request.form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != flask.request.form.get("redirect_uri"):
            return {"error": "invalid_grant"}, 400
        provider.tokens_issued += 1
        return {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": provider.id_token(grant),
        }

    return app


@contextmanager
def running_provider() -> Iterator[InTestProvider]:
    """A provider served on a free port of 127.0.0.1 until the block ends."""
    provider = InTestProvider()
    server = make_server("127.0.0.1", 0, provider_app(provider), threaded=True)
    provider.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
