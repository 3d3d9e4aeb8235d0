"""The reading site in headless Chromium: a reader's path, search, no outside requests, axe-core.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright against the fixture site served
on 127.0.0.1.  Every request is recorded and any request to another host is aborted and fails
the test; console errors and page errors fail it too.  Screenshots (desktop and phone) go to
test-artifacts/.  The accessibility check injects axe-core from tests/a11y/node_modules
(``npm ci --prefix tests/a11y``).  Missing tools fail rather than skip, so CI cannot pass
without having looked.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.sitebuild import ARTIFACTS, ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
HANOI = "thoi-su/2024/ha-noi-mo-rong-duong-vanh-dai.html"
DANANG_PAGES = {"thoi-su/2024/da-nang-cau-rong-phun-lua.html", "van-hoa/2022/le-hoi-phao-hoa.html"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Watch:
    """Record every request and console problem of a browser context."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def route(self, route) -> None:
        """Let requests to the local server through; abort and remember everything else."""
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def attach(self, page) -> None:
        """Listen to a page's console and uncaught errors."""
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture(scope="module")
def browser():
    """Launch Debian's Chromium (never a downloaded browser)."""
    if not CHROMIUM.is_file():
        pytest.fail("chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def watched(browser, site_url):
    """Return (page, watch) in a fresh context that only reaches 127.0.0.1."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    watch = Watch()
    context.route("**/*", watch.route)
    page = context.new_page()
    watch.attach(page)
    yield page, watch
    context.close()
    assert watch.blocked == [], f"requests left 127.0.0.1: {watch.blocked}"
    assert watch.errors == [], f"console errors: {watch.errors}"
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in watch.requests)


def shoot(page, name: str) -> None:
    """Save a full-page screenshot for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_reader_goes_from_home_to_a_topic_to_an_article(watched, site_url):
    page, _ = watched
    page.goto(site_url)
    assert page.locator("h1").inner_text() == "Bài mới"
    shoot(page, "home-desktop")
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Chủ đề").click()
    page.get_by_role("link", name="Thời sự").click()
    page.wait_for_url(re.compile(r"/thoi-su/$"))
    shoot(page, "topic-desktop")
    page.get_by_role("link", name=re.compile("^Hà Nội khởi công")).click()
    page.wait_for_url(re.compile(re.escape(HANOI) + "$"))
    source = page.locator(".provenance a.source-link")
    assert source.inner_text() == "hanoi.gov.vn"
    assert source.get_attribute("href") == (
        "https://hanoi.gov.vn/tin-tuc/khoi-cong-vanh-dai-25-4240315.htm"
    )
    assert page.locator("article header time").first.inner_text() == "Thứ sáu, 15/03/2024 08:30"
    assert page.evaluate("document.querySelector('figure img').naturalWidth") > 0
    shoot(page, "article-desktop")
    page.set_viewport_size(PHONE)
    # Nothing may overflow sideways on a phone: the wide table scrolls inside its own region.
    for path in (HANOI, "kinh-te/2024/so-lieu-ban-le.html"):
        page.goto(site_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    shoot(page, "table-mobile")
    page.goto(site_url + HANOI)
    shoot(page, "article-mobile")
    page.emulate_media(color_scheme="dark")
    shoot(page, "article-mobile-dark")


def test_skip_link_is_first_and_focus_is_visible(watched, site_url):
    page, _ = watched
    page.goto(site_url + HANOI)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused == ["skip", "solid"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def search(page, site_url: str, query: str) -> list[tuple[str, str]]:
    """Type ``query`` into the search page; return (link, excerpt) of each result."""
    page.goto(site_url + "search/")
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_function(
        "document.getElementById('search-status').textContent.startsWith('Tìm thấy')"
    )
    results = page.locator("#search-results li")
    return [
        (
            results.nth(i).locator("h2 a").get_attribute("href"),
            results.nth(i).locator("p").last.inner_text(),
        )
        for i in range(results.count())
    ]


def test_search_finds_ha_noi_and_da_nang_typed_without_diacritics(watched, site_url):
    page, _ = watched
    found = search(page, site_url, "ha noi")
    assert site_url + HANOI in [href for href, _ in found]
    assert any("Hà Nội" in excerpt for _, excerpt in found)
    found = search(page, site_url, "da nang")
    hrefs = {href.removeprefix(site_url) for href, _ in found}
    assert hrefs >= DANANG_PAGES
    excerpts = " ".join(excerpt for _, excerpt in found)
    assert "Đà Nẵng" in excerpts and "\u0335" not in excerpts  # the stroke is folded back
    page.locator("#search-results h2 a").first.click()
    page.wait_for_load_state()
    assert page.locator(".provenance").count() == 1
    # Typed with diacritics, the same words still match.
    assert site_url + HANOI in [href for href, _ in search(page, site_url, "Hà Nội")]
    shoot(page, "search-desktop")


AXE_PAGES = [
    "",
    "thoi-su/",
    HANOI,
    "kinh-te/2024/so-lieu-ban-le.html",
    "source/",
    "archives/2024/",
    "feeds/",
    "404.html",
    "search/?q=da+nang",
]


def test_no_serious_or_critical_axe_violations(watched, site_url):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/a11y`")
    page, _ = watched
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            for path in AXE_PAGES if viewport is DESKTOP else AXE_PAGES[:3]:
                if path.startswith("feeds/") and not (ROOT / "plugins" / "topic_feeds").is_dir():
                    continue
                page.goto(site_url + path)
                if "?q=" in path:
                    page.wait_for_selector("#search-results li")
                page.add_script_tag(path=str(AXE))
                violations = page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                    ".violations.map(v => [v.id, v.impact, v.nodes.length])"
                )
                problems += [
                    (scheme, viewport["width"], path, *v)
                    for v in violations
                    if v[1] in ("serious", "critical")
                ]
    assert problems == []


def test_the_watch_catches_a_request_to_another_host(browser):
    """The guard above is real: a page asking another host is recorded and aborted."""
    context = browser.new_context()
    watch = Watch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.set_content('<img src="https://example.invalid/pixel.png" alt="">')
    page.wait_for_timeout(200)
    context.close()
    assert watch.blocked == ["https://example.invalid/pixel.png"]


@pytest.fixture(scope="module")
def sub_path_url(built_site):
    """Serve the site one folder down (``/output/``), as GitHub Pages serves a project site."""
    import functools
    import http.server
    import threading

    from tests.conftest import _QuietHandler

    handler = functools.partial(_QuietHandler, directory=str(built_site.output.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{built_site.output.name}/"
    server.shutdown()
    server.server_close()


def test_site_and_search_work_under_a_project_sub_path(watched, sub_path_url):
    page, watch = watched
    page.goto(sub_path_url)
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"  # CSS loaded
    found = search(page, sub_path_url, "da nang")
    assert {href.removeprefix(sub_path_url) for href, _ in found} >= DANANG_PAGES
    index = [u for u in watch.requests if "/search/data/" in u]
    assert index and all(u.startswith(sub_path_url + "search/data/") for u in index)
