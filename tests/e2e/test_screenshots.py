"""The README's pictures are taken by the same code from the tiny project on every test run: every page of
`tests.e2e.screenshots.NAMES` renders, as its role sees it, into a small PNG (``make screenshots`` takes them
from the demo data into docs/images/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.screenshots import HEIGHT, IMAGES, NAMES, WIDTH, take_screenshots

pytestmark = pytest.mark.browser
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_every_page_of_the_readme_is_photographed(browser, served, tmp_path: Path) -> None:
    try:
        written = take_screenshots(browser.driver, served.base_url, served.api_key, tmp_path)
    finally:
        browser.forget()  # it signed in and out by itself
    assert [path.stem for path in written] == list(NAMES)
    for path in written:
        width, height = png_size(path)  # the window's viewport: its size less the browser's frame
        assert width == WIDTH and HEIGHT - 200 < height <= HEIGHT, (path.name, width, height)
        assert path.stat().st_size < 400_000, f"{path.name}: {path.stat().st_size} bytes"


def test_the_readme_shows_every_picture_committed() -> None:
    readme = (IMAGES.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert (IMAGES / f"{name}.png").is_file(), f"docs/images/{name}.png: run `make screenshots`"
        assert f"docs/images/{name}.png" in readme, f"the README does not show docs/images/{name}.png"
