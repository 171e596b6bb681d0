"""The app: every page renders in both languages, assets are local, the dashboard never imports the model."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import dash
import pytest

from dash_app.app import create_app
from dash_app.i18n import LANGUAGES
from tests.dash_app.components_text import text_of
from tests.dash_app.signing import open_access, signed_in_client

DASH_APP = Path(__file__).resolve().parents[2] / "dash_app"
ALLOWED = "project_config|records|access|raw"
FORBIDDEN_IMPORTS = rf"^\s*(from|import)\s+(credit_scoring(?!\.({ALLOWED})\b)|mlflow|lightgbm|shap)\b"


@pytest.fixture(scope="module")
def access(tmp_path_factory):
    return open_access(tmp_path_factory.mktemp("access"))


@pytest.fixture(scope="module")
def app(access):
    from tests.dash_app.fakes import FakeApiClient  # noqa: PLC0415

    return create_app(FakeApiClient(), access=access)


def test_pages_are_registered_with_a_title(app) -> None:
    paths = {page["path"]: page for page in dash.page_registry.values()}
    assert {"/", "/client", "/compare", "/what-if", "/model", "/monitoring", "/404"} <= set(paths)
    assert all(page["title"]().endswith("Credit scoring") for page in paths.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_layout_renders_in_each_language(app, lang: str) -> None:
    for page in dash.page_registry.values():
        for query in ({}, {"client": "100002"}, {"client": "nonsense", "selected": 7}):
            layout = page["layout"](lang=lang, **query)
            text = text_of(layout)
            assert text.strip(), page["path"]
    client_page = next(page for page in dash.page_registry.values() if page["path"] == "/client")
    assert ("Score du client 7" if lang == "fr" else "Score of client 7") in text_of(
        client_page["layout"](lang=lang, selected=7)
    )
    assert ("Cherchez" if lang == "fr" else "Find a client first") in text_of(
        client_page["layout"](lang=lang)
    )


def test_index_serves_local_assets_only(app) -> None:
    client = signed_in_client(app)
    page = client.get("/").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert '<html lang="en">' in page
    assert "/assets/00-bootstrap.min.css" in page
    assert app.config.serve_locally is True
    assert client.get("/assets/00-bootstrap.min.css").status_code == 200
    plotly = [source for source in sources if "plotly" in source]
    assert all(source.startswith("/_dash-component-suites/") for source in plotly)


def test_drift_report_is_proxied_through_the_client(app) -> None:
    response = signed_in_client(app, "risk").get("/reports/drift")
    assert response.status_code == 200 and "report" in response.get_data(as_text=True)


def test_drift_report_error_is_a_page_not_a_trace(access) -> None:
    from dash_app.api_client import ApiError  # noqa: PLC0415
    from tests.dash_app.fakes import FakeApiClient  # noqa: PLC0415

    broken = create_app(FakeApiClient(fail=ApiError("no drift report yet", 404, "not_found")), access=access)
    response = signed_in_client(broken, "risk").get("/reports/drift")
    assert response.status_code == 404 and "no drift report yet" in response.get_data(as_text=True)


def test_the_dashboard_never_imports_the_model_or_the_serving_code() -> None:
    """Only the project's configuration reader (Kedro's loader, no model), the typed records the API answers
    with and the access control (users, roles, audit trail) may be imported from the package."""
    offenders = []
    for path in DASH_APP.rglob("*.py"):
        if path.name == "wsgi.py":  # the composition root mounts the API for `make serve`
            continue
        if re.search(FORBIDDEN_IMPORTS, path.read_text(), re.M):
            offenders.append(path.name)
    assert offenders == []


def test_no_cdn_reference_in_the_dashboard_code_or_css() -> None:
    for path in [*DASH_APP.rglob("*.py"), DASH_APP / "assets" / "10-app.css"]:
        assert not re.search(r"https?://(?!127\.0\.0\.1|in-process/?\b)", path.read_text()), path.name
    assert "@import" not in (DASH_APP / "assets" / "00-bootstrap.min.css").read_text()


def test_page_titles_outside_a_callback_fall_back_to_english(app) -> None:
    titles: list[str] = []
    pages = list(dash.page_registry.values())
    worker = threading.Thread(target=lambda: titles.extend(page["title"]() for page in pages))
    worker.start()
    worker.join()
    assert len(titles) == len(pages) and "Find a client — Credit scoring" in titles
    assert signed_in_client(app).get("/model").status_code == 200


def test_a_new_app_serves_its_scripts_to_concurrent_first_requests(access) -> None:
    """The first requests a fresh worker gets may all be scripts, at once (the page came from another worker):
    each must be served, which needs Dash's set-up done before (tests/e2e/test_served_start.py does the same
    on real 2-worker starts)."""
    from tests.dash_app.fakes import FakeApiClient  # noqa: PLC0415

    page = signed_in_client(create_app(FakeApiClient(), access=access)).get("/").text
    scripts = sorted(set(re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)))
    assert len(scripts) >= 5
    statuses: list[int] = []

    def fetch(app: dash.Dash, path: str) -> None:
        statuses.append(app.server.test_client().get(path).status_code)

    for _ in range(5):
        fresh = create_app(FakeApiClient(), access=access)
        threads = [threading.Thread(target=fetch, args=(fresh, path)) for path in scripts * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses and set(statuses) == {200}
