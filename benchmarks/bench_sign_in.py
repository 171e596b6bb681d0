"""What signing in costs the dashboard, in process (Flask's test client, no network); prints JSON.

- ``sign_in_ms``: one sign-in through the form (``POST /login``) with the production hash parameters
  (argon2id, 64 MiB, 3 passes): the cost that slows down password guessing, paid once per session.
- ``session_check_ms``: what the gate adds to every request of a signed-in person: the signed cookie read and
  the user read again from the application database (SQLite here).
- ``callback_ms``: a whole signed-in callback (the footer's, which asks the fake API client for the model's
  version), the reference the session check is compared with, measured in the same run.

Medians over ``--rounds``; the ratio ``session_check / callback`` says how much of a cheap callback the check
takes.

Usage (from the project root):
    python benchmarks/bench_sign_in.py --rounds 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402

from dash_app.app import create_app  # noqa: E402
from dash_app.sessions import SESSION_COOKIE  # noqa: E402
from dash_app.sign_in import SignIn  # noqa: E402
from tests.dash_app.fakes import FakeApiClient  # noqa: E402
from tests.dash_app.signing import PASSWORD, SECRET, callback_headers, form_token  # noqa: E402
from tests.dash_app.test_dashboard_sign_in import callback_body  # noqa: E402


def median_ms(call, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--sign-ins", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        access = SignIn.open(f"sqlite:///{Path(folder) / 'app.db'}", SECRET, hasher=PasswordHasher())
        access.desk.users.add("ada", "adviser", PASSWORD)
        app = create_app(FakeApiClient(), access=access)

        def sign_in() -> None:
            client = app.server.test_client()
            token = form_token(client.get("/login").text)
            answer = client.post(
                "/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token}
            )
            assert answer.status_code == 303, answer.status_code

        sign_in_ms = median_ms(sign_in, args.sign_ins)
        client = app.server.test_client()
        token = form_token(client.get("/login").text)
        client.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
        check = next(
            f for f in app.server.before_request_funcs[None] if getattr(f, "__name__", "") == "check"
        )
        cookie = {"Cookie": f"{SESSION_COOKIE}={client.get_cookie(SESSION_COOKIE).value}"}

        def session_check() -> None:  # the gate alone, on a request context whose session is the client's
            with app.server.test_request_context("/_dash-layout", headers=cookie):
                assert check() is None

        body = callback_body("app-footer.children", app.callback_map["app-footer.children"])
        headers = callback_headers(client)

        def callback() -> None:
            assert client.post("/_dash-update-component", json=body, headers=headers).status_code == 200

        callback_ms = median_ms(callback, args.rounds)
        session_check_ms = median_ms(session_check, args.rounds)
    print(
        json.dumps(
            {
                "sign_in_ms": sign_in_ms,
                "session_check_ms": session_check_ms,
                "callback_ms": callback_ms,
                "session_check_over_callback": round(session_check_ms / callback_ms, 3),
                "rounds": args.rounds,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
