"""Dashboard unit tests: no browser, no API; the API client is a fake (see ``fakes.py``)."""

from __future__ import annotations

import pytest

from dash_app import api_client, wording
from tests.dash_app.fakes import FakeApiClient


@pytest.fixture(autouse=True)
def wording_from_a_fake_api():
    """Pages ask the process-wide client for the words of the categories: a fake answers, as the API would."""
    api_client.set_client(FakeApiClient())
    wording.forget()
    yield
    api_client.set_client(None)
    wording.forget()


@pytest.fixture
def fake() -> FakeApiClient:
    return FakeApiClient()


@pytest.fixture
def installed_fake(fake: FakeApiClient):
    """The fake as the process-wide client, restored afterwards."""
    api_client.set_client(fake)
    yield fake
    api_client.set_client(None)
