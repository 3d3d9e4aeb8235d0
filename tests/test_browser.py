"""The reading site in headless Chromium: a reader's path, search, no outside requests, axe-core.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright against the fixture site served
on 127.0.0.1.  Every request is recorded and any request to another host is aborted and fails
the test; console errors and page errors fail it too.  Screenshots (desktop and phone) go to
test-artifacts/.  The accessibility check injects axe-core from tests/a11y/node_modules
(``npm ci --prefix tests/a11y``).  Missing tools fail rather than skip, so CI cannot pass
without having looked.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from search.index import IndexBuilder, Record
from search.text import tokens

from tests.sitebuild import ARTIFACTS, ROOT
from tests.test_search import decode

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


# Text the page and the plugin must fold and split alike: Vietnamese typed precomposed and
# decomposed, other scripts, digits of other systems, punctuation, stray marks, long words.
PARITY_CASES = [
    "Hà Nội",
    "ĐÀ NẴNG đường",
    unicodedata.normalize("NFD", "Thừa Thiên Huế, Ứng dụng"),
    "Ha\u0300 No\u0323\u0302i",
    "1.200 hộ dân, 14/10, 2,5 km — COVID-19, H5N1",
    "Москва 東京 Ελλάδα ١٢٣ ²½Ⅻ",
    "snake_case «Trường» “Sơn” 'Tây'",
    "x" * 40 + " " + "ự" * 40,
    "Café Zürich São Paulo ǅ Ǆ",
    "",
]
PARITY_ALPHABET = (
    "aăâdđeêioôơuưyAĂÂDĐEÊIOÔƠUƯY àáảãạằắẳẵặầấẩẫậềếểễệồốổỗộờớởỡợừứửữựỳýỷỹỵ"
    "0123456789 .,;:!?-–_/()'\"\n\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
    "çñüßøåæœΣσςλжЖ東京١٢²½Ⅻ\u200b\u00a0"
)


def test_the_page_folds_hashes_and_decodes_as_the_plugin_does(watched, site_url, built_site):
    page, _ = watched
    page.goto(site_url + "search/")
    rng = random.Random(7)
    cases = PARITY_CASES + [
        "".join(rng.choice(PARITY_ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(300)
    ]
    terms = sorted({t for case in cases for t in tokens(case)} | {"ha noi", "da nang"})
    postings = {}
    for path in sorted((built_site.output / "search" / "data" / "t").glob("*.json")):
        postings.update(json.loads(path.read_text(encoding="utf-8")))
    result = page.evaluate(
        """async ([url, cases, terms, postings]) => {
            const m = await import(url);
            const pairs = (p) => { const d = m.decode(p); return d.docs.map((doc, i) => [doc, d.values[i]]); };
            return { tokens: cases.map(m.tokens), crc: terms.map(m.crc32), decoded: postings.map(pairs) };
        }""",
        [site_url + "theme/js/search-index.js", cases, terms, list(postings.values())],
    )
    assert result["tokens"] == [tokens(case) for case in cases]
    assert result["crc"] == [zlib.crc32(t.encode()) for t in terms]
    assert result["decoded"] == [[list(p) for p in decode(v)] for v in postings.values()]


def test_results_are_ranked_and_every_syllable_must_match(watched, site_url):
    page, _ = watched
    page.goto(site_url + "search/")
    ranked = page.evaluate(
        """async (url) => {
            const m = await import(url + "theme/js/search-index.js");
            const index = new m.SearchIndex(new URL("search/data/", url));
            const run = async (q) => {
                const { docs, exact } = await index.rank(m.tokens(q));
                return { urls: (await index.records(docs)).map((r) => r[0]), exact };
            };
            return { hanoi: await run("ha noi"), both: await run("hà nội đà nẵng"),
                     none: await run("ha noi zzzq"), scattered: await run("nội hà"),
                     inherited: await run("constructor toString") };
        }""",
        site_url,
    )
    hanoi = ranked["hanoi"]
    assert hanoi["urls"][0] == HANOI  # in the title, as a phrase
    assert 1 <= hanoi["exact"] <= len(hanoi["urls"])
    assert ranked["none"] == {"urls": [], "exact": 0}  # AND: a syllable no article has
    assert ranked["inherited"] == {"urls": [], "exact": 0}  # not an object's inherited names
    assert set(ranked["both"]["urls"]) <= set(hanoi["urls"])
    # The same syllables in another order: the same articles, none of them as a phrase.
    assert sorted(ranked["scattered"]["urls"]) == sorted(hanoi["urls"])
    assert ranked["scattered"]["exact"] == 0


def test_result_records_are_shown_as_text_never_as_markup(watched, site_url):
    page, watch = watched
    hostile = [
        "javascript:alert(1)",
        '<img src=x onerror="window.pwned=1">Hà Nội',
        "01/01/2024",
        "<script>window.pwned=2</script>",
        "<b>Hà Nội</b> <iframe src=//example.invalid></iframe>",
    ]
    page.route(
        "**/search/data/d/*.json",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps([hostile] * 10)
        ),
    )
    search(page, site_url, "ha noi")
    results = page.locator("#search-results")
    assert results.locator("img, script, iframe, b").count() == 0
    assert page.evaluate("window.pwned") is None
    first = results.locator("li").first
    assert first.locator("h2 a").get_attribute("href") is None  # not an http(s) address
    assert first.locator("h2 a").inner_text() == hostile[1]
    assert first.locator("mark").all_inner_texts()[:2] == ["Hà", "Nội"]
    assert not [u for u in watch.requests if "example.invalid" in u]


def test_search_page_without_javascript_says_so_and_keeps_its_form(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "search/")
    page.fill("#q", "ha noi")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"search/\?q=ha\+noi$"))
    assert page.get_by_label(re.compile("^Từ khoá")).input_value() == ""
    assert "Trang tìm kiếm cần JavaScript" in page.locator("main").inner_text()
    context.close()


def test_a_query_downloads_few_small_files(watched, site_url):
    page, _ = watched
    sizes: dict[str, int] = {}
    page.on(
        "response",
        lambda r: "/search/data/" in r.url and sizes.setdefault(r.url, len(r.body())),
    )
    search(page, site_url, "ha noi")
    names = sorted(u.split("/search/data/")[1] for u in sizes)
    assert "meta.json" in names and len([n for n in names if n.startswith("t/")]) <= 3
    assert sum(sizes.values()) < 64 * 1024, sizes


def test_a_long_result_list_comes_twenty_at_a_time(watched, site_url):
    """A stand-in index of 45 matching articles, written by the plugin's own builder."""
    builder = IndexBuilder()
    for n in range(45):
        title = f"Hà Nội tin số {n}"
        record = Record(f"thoi-su/2024/tin-{n:02}.html", title, "01/01/2024", "Thời sự", title)
        builder.add(record, 5, ["ha", "noi", "ha noi"], bytes([1 | 16, 1 | 16, 1 | 16]))
    files = builder.files()
    page, _ = watched
    page.route(
        "**/search/data/**",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=files[route.request.url.split("/search/data/")[1]],
        ),
    )
    search(page, site_url, "ha noi")
    results = page.locator("#search-results li")
    more = page.locator("button.search-more")
    assert results.count() == 20 and more.inner_text() == "Xem thêm 20 bài"
    assert "đang hiện 20 bài đầu" in page.locator("#search-status").inner_text()
    more.click()
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 40")
    assert more.inner_text() == "Xem thêm 5 bài"
    more.click()
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 45")
    assert more.is_hidden()
    assert page.locator("#search-status").inner_text() == "Tìm thấy 45 bài cho “ha noi”."


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
