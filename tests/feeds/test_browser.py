"""The discovery pages in a real browser: headless Chromium (Debian's package) via Selenium.

`syndicator demo` runs as a subprocess (the bundled sample sites, collection, feeds on a
loopback port), exactly as a newcomer starts it; once it has collected, Chromium opens the
index and a category page at a phone's width and at a desktop's. The checks are the ones a
reader would notice: the page is laid out right to left (computed direction, headings and
lists flush right), nothing scrolls sideways on a phone, and every link on the page resolves.

Set SYNDICATOR_UPDATE_SCREENSHOT=1 to rewrite docs/screenshots/index-phone.png and
index-desktop.png from this run. Without Chromium and chromedriver the tests skip and say so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = (390, 844)
DESKTOP = (1280, 900)
# Flags that keep Chromium off the (closed) network and out of first-run work.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=ar",
)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    """`syndicator demo` on a free port, once it has collected and serves headlines."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "syndicator"), "demo", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise AssertionError(f"demo exited: {process.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                items = httpx.get(f"{base}/feeds/all.json", timeout=5).json()["items"]
                if len(items) >= 5:
                    break
            if time.monotonic() > deadline:
                raise AssertionError("the demo served no articles within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver: object, url: str, size: tuple[int, int]) -> None:
    driver.set_window_size(*size)  # type: ignore[attr-defined]
    driver.get(url)  # type: ignore[attr-defined]


def script(driver: object, code: str) -> object:
    return driver.execute_script(code)  # type: ignore[attr-defined]


LAYOUT = """
const width = document.documentElement.clientWidth;
const box = (el) => el.getBoundingClientRect();
const h1 = document.querySelector('h1');
const firstItem = document.querySelector('main li a, main a');
return {
  dir: document.documentElement.dir,
  lang: document.documentElement.lang,
  direction: getComputedStyle(document.body).direction,
  mainDirection: getComputedStyle(document.querySelector('main')).direction,
  width: width,
  scrollWidth: document.documentElement.scrollWidth,
  h1Left: box(h1).left, h1Right: box(h1).right,
  h1TextRight: (() => { const r = document.createRange(); r.selectNodeContents(h1);
                        return r.getBoundingClientRect().right; })(),
  h1TextLeft: (() => { const r = document.createRange(); r.selectNodeContents(h1);
                       return r.getBoundingClientRect().left; })(),
  itemLeft: box(firstItem).left, itemRight: box(firstItem).right,
  links: Array.from(document.querySelectorAll('a[href], link[href]'), (a) => a.href),
};
"""


def assert_right_to_left(layout: dict[str, object]) -> None:
    assert layout["dir"] == "rtl"
    assert layout["lang"] == "ar"
    assert layout["direction"] == layout["mainDirection"] == "rtl"
    width = float(layout["width"])  # type: ignore[arg-type]
    # The heading's text hugs the right edge of its box, with the free space on the left.
    text_right, text_left = float(layout["h1TextRight"]), float(layout["h1TextLeft"])  # type: ignore[arg-type]
    assert width - text_right < text_left, layout
    # A headline link starts at the right: nearer the right edge than the left one.
    item_left, item_right = float(layout["itemLeft"]), float(layout["itemRight"])  # type: ignore[arg-type]
    assert width - item_right < item_left + 1, layout


def assert_links_resolve(base: str, links: list[str], at_least: int) -> None:
    """Every link on the page answers 200; feeds with their feed content type."""
    seen = set()
    with httpx.Client(timeout=30) as client:
        for link in links:
            url = urljoin(base + "/", link).split("#")[0]
            if url in seen or urlsplit(url).scheme not in ("http", "https"):
                continue
            seen.add(url)
            assert urlsplit(url).hostname == "127.0.0.1", url  # everything is on loopback
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, url
            if "/feeds/" in url:
                assert response.headers["content-type"].split(";")[0] in (
                    "application/rss+xml",
                    "application/atom+xml",
                    "application/feed+json",
                ), url
    assert len(seen) >= at_least, seen


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_index_renders_right_to_left_and_every_link_resolves(
    demo: str, browser: object, size: tuple[int, int], tmp_path: Path
) -> None:
    open_page(browser, f"{demo}/", size)
    layout = script(browser, LAYOUT)
    assert isinstance(layout, dict)
    assert_right_to_left(layout)
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    # every feed in three formats, the OPML, the category pages and the headlines
    assert_links_resolve(demo, list(layout["links"]), at_least=20)
    name = f"index-{'phone' if size == PHONE else 'desktop'}.png"
    shot = tmp_path / name
    assert browser.save_screenshot(str(shot))  # type: ignore[attr-defined]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
    if os.environ.get("SYNDICATOR_UPDATE_SCREENSHOT"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)


def test_category_page_renders_right_to_left_and_every_link_resolves(
    demo: str, browser: object
) -> None:
    open_page(browser, f"{demo}/", PHONE)
    categories = script(
        browser,
        "return Array.from(document.querySelectorAll('a[href*=\"/c/\"]'), (a) => a.href);",
    )
    assert isinstance(categories, list)
    assert categories, "the index links no category page"
    open_page(browser, str(categories[0]), PHONE)
    layout = script(browser, LAYOUT)
    assert isinstance(layout, dict)
    assert_right_to_left(layout)
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    assert_links_resolve(demo, list(layout["links"]), at_least=7)  # its feeds, all, the index
