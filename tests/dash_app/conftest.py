"""Dashboard unit tests: no browser, no API; the API client is a fake (see ``fakes.py``)."""

from __future__ import annotations

import pytest

from dash_app import api_client
from tests.dash_app.fakes import FakeApiClient


@pytest.fixture
def fake() -> FakeApiClient:
    return FakeApiClient()


@pytest.fixture
def installed_fake(fake: FakeApiClient):
    """The fake as the process-wide client, restored afterwards."""
    api_client.set_client(fake)
    yield fake
    api_client.set_client(None)
