"""Every example of the API guide (docs/api.md) is sent to the app, and the answer has the documented
status and shape: the guide cannot drift from the API.

An example is a ```http request block followed by a ```http response block. The request is sent as written,
with the test's key for ``YOUR_KEY`` and the tiny project's clients for the demo data's (`CLIENTS`). The
answer must have the documented status and the documented JSON shape: every documented key is in the answer,
at every level, with a value of the same type (values may differ; a null may stand for any value; the guide
may shorten a list or an object: a list's first item gives the shape of the answer's first item), and for
errors the same error code and the same fields in the details.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.api.project import API_KEY

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
KEY_PLACEHOLDER = "YOUR_KEY"
#: Demo-data client of the guide -> production client of the tiny test project.
CLIENTS = {"100004": "200003"}


def guide_examples() -> list[tuple[str, str]]:
    blocks = re.findall(r"```http\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    requests = [block for block in blocks if not block.startswith("HTTP/")]
    responses = [block for block in blocks if block.startswith("HTTP/")]
    assert len(requests) == len(responses), "every request of the guide is followed by its response"
    return list(zip(requests, responses, strict=True))


def parse_message(block: str) -> tuple[str, dict[str, str], str]:
    """(first line, headers, body) of an HTTP message written in the guide."""
    head, _, body = block.partition("\n\n")
    first, *header_lines = head.strip().splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return first, headers, body.strip()


def same_shape(documented: Any, live: Any, where: str = "$") -> list[str]:
    """Differences of JSON shape between a documented answer and a live one."""
    if documented is None or live is None:
        return []
    if isinstance(documented, dict) and isinstance(live, dict):
        missing = sorted(set(documented) - set(live))
        problems = [f"{where}: documented keys not in the answer: {missing}"] if missing else []
        for key in set(documented) & set(live):
            problems += same_shape(documented[key], live[key], f"{where}.{key}")
        return problems
    if isinstance(documented, list) and isinstance(live, list):
        return same_shape(documented[0], live[0], f"{where}[0]") if documented and live else []
    kinds = (bool, int | float, str)
    documented_kind = next((kind for kind in kinds if isinstance(documented, kind)), type(documented))
    return [] if isinstance(live, documented_kind) else [f"{where}: {documented!r} vs {live!r}"]


def test_the_guide_has_examples_of_every_kind() -> None:
    examples = guide_examples()
    statuses = {int(parse_message(response)[0].split()[1]) for _, response in examples}
    assert {200, 400, 401, 404, 415, 422} <= statuses
    paths = {parse_message(request)[0].split()[1].split("?")[0] for request, _ in examples}
    assert {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/model", "/api/v1/clients"} <= paths


@pytest.mark.parametrize(("request_text", "response_text"), guide_examples())
def test_each_guide_example_gets_its_documented_answer(client, request_text: str, response_text: str) -> None:
    for demo, tiny in CLIENTS.items():
        request_text = request_text.replace(demo, tiny)
    request_line, headers, body = parse_message(request_text)
    method, target, _ = request_line.split()
    headers = {name: API_KEY if value == KEY_PLACEHOLDER else value for name, value in headers.items()}
    answer = client.open(target, method=method, headers=headers, data=body.encode() or None)

    status_line, _, documented_body = parse_message(response_text)
    assert answer.status_code == int(status_line.split()[1]), answer.get_data(as_text=True)
    documented, live = json.loads(documented_body), answer.get_json()
    assert same_shape(documented, live) == []
    if "error" in documented:
        assert live["error"]["code"] == documented["error"]["code"]
        fields = [detail["field"] for detail in documented["error"]["details"]]
        assert [detail["field"] for detail in live["error"]["details"]] == fields
