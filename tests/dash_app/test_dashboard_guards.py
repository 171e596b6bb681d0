"""The callback endpoint's guards: bad requests are 400s that say why, and concurrent callbacks are bounded
(one more than the bound waits briefly, then gets a 503, instead of holding a thread)."""

from __future__ import annotations

import threading

import pytest
from dash import Dash, Input, Output, html
from werkzeug.exceptions import BadRequest

from dash_app import guards


def callback_request(value: object) -> dict:
    return {
        "output": "out.children",
        "outputs": {"id": "out", "property": "children"},
        "inputs": [{"id": "in", "property": "title", "value": value}],
        "changedPropIds": ["in.title"],
    }


@pytest.fixture
def gate() -> threading.Event:
    return threading.Event()


@pytest.fixture
def app(gate: threading.Event) -> Dash:
    """A one-callback app bounded to one callback at a time; the callback waits for ``gate`` when asked."""
    dash_app = Dash(__name__, on_error=guards.refuse_bad_input)
    dash_app.layout = html.Div([html.Div(id="in", title="x"), html.Div(id="out")])

    @dash_app.callback(Output("out", "children"), Input("in", "title"))
    def echo(value: str) -> str:
        if value == "wait":
            gate.wait(10)
        return f"{int(value.removeprefix('n')) + 1}" if value.startswith("n") else value

    guards.install(dash_app, max_callbacks=1, wait_seconds=0.05)
    dash_app.server.test_client().get("/")  # Dash's set-up
    return dash_app


def test_a_valid_callback_answers(app: Dash) -> None:
    response = app.server.test_client().post("/_dash-update-component", json=callback_request("n41"))
    assert response.status_code == 200 and '"42"' in response.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "a callback request is a JSON object"),
        ({"output": "out.children"}, "inputs: Field required"),
        ({**callback_request("x"), "output": "elsewhere.children"}, "unknown callback output"),
    ],
)
def test_a_request_that_is_not_a_callback_of_this_app_is_a_400(app: Dash, body: object, message: str) -> None:
    client = app.server.test_client()
    response = (
        client.post("/_dash-update-component", data=body, content_type="application/json")
        if isinstance(body, str)
        else client.post("/_dash-update-component", json=body)
    )
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]


def test_a_value_the_callback_cannot_take_is_a_400(app: Dash) -> None:
    response = app.server.test_client().post("/_dash-update-component", json=callback_request("nabc"))
    assert response.status_code == 400 and "ValueError" in response.text


def test_other_errors_stay_server_errors() -> None:
    with pytest.raises(RuntimeError):
        guards.refuse_bad_input(RuntimeError("a bug"))
    with pytest.raises(BadRequest):
        guards.refuse_bad_input(KeyError("client_id"))


def test_one_callback_past_the_bound_gets_a_503_and_the_slot_comes_back(
    app: Dash, gate: threading.Event
) -> None:
    statuses: list[int] = []
    busy = threading.Thread(
        target=lambda: statuses.append(
            app.server.test_client()
            .post("/_dash-update-component", json=callback_request("wait"))
            .status_code
        )
    )
    busy.start()
    try:
        for _ in range(100):  # until the first callback holds the only slot
            refused = app.server.test_client().post("/_dash-update-component", json=callback_request("n1"))
            if refused.status_code == 503:
                break
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert refused.get_json()["error"]["code"] == "busy"
    finally:
        gate.set()
        busy.join()
    assert statuses == [200]
    after = app.server.test_client().post("/_dash-update-component", json=callback_request("n1"))
    assert after.status_code == 200
