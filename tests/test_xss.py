"""XSS corpus: every payload in every placement, through the real importer and a real build.

Each line of ``tests/fixtures/xss/payloads.txt`` is placed, one placement per capture, into

* text captures (title, caption line, body paragraph, byline source, breadcrumb category), and
* HTML captures in the webkhoedep CMS shape that its site rule reads (title, image caption,
  image alt text, author, tag, breadcrumb category, source credit, body paragraph, lead,
  original-link address),

imported with the importer into a temporary ``content/`` (every article forced to publish, every
image present in the "capture"), then built by Pelican with the project's pelicanconf.py, theme
and plugins.  Nothing may survive as live markup: not in the Markdown, not in any built page,
not in any feed (RSS/Atom content decoded, JSON Feed ``content_html``).  The only script the
site may carry is its own search script.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from lxml import etree

from scripts.importer import ImportOptions, import_paths
from tests.helpers import FIXTURES, render_like_pelican, unsafe_markup
from tests.sitebuild import build_site

pytestmark = pytest.mark.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

PAYLOADS = [
    line
    for line in (FIXTURES / "xss" / "payloads.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
TEXT_PLACEMENTS = ("title", "caption", "body", "source", "category")
HTML_PLACEMENTS = (
    "title", "caption", "alt", "author", "tags", "category", "source", "body", "lead",
    "original_link",
)  # fmt: skip
FILLER = (
    "Theo báo cáo của Sở Y tế, tính đến hết ngày 6/10, thành phố đã tiêm được hơn 6,8 triệu mũi "
    "vắc xin, trong đó gần 95% người từ 18 tuổi trở lên đã được tiêm ít nhất một mũi."
)
SEARCH_SCRIPT = "theme/js/search.js"


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def text_capture(n: int, placement: str, payload: str) -> str:
    """A text capture in the republisher shape with ``payload`` in one place."""
    put = {p: (payload if p == placement else None) for p in TEXT_PLACEMENTS}
    title = f"Bài kiểm tra số {n} {put['title']}" if put["title"] else f"Bài kiểm tra số {n}"
    source = put["source"] or "moh.gov.vn"
    category = put["category"] or "Sức khỏe"
    lines = [
        "DÒNG SỰ KIỆN ►",
        "0947268688 liên hệ quảng cáo",
        f"Trang chủ › {category}",
        title,
        f"Theo {source} - {n // 60 % 24:02d}:{n % 60:02d} | 18/02/2022",
        f"webkhoedep.vn - {FILLER}",
        put["body"] or FILLER,
        FILLER,
        put["caption"] or "Người dân chờ đến lượt tiêm tại điểm tiêm",
        FILLER,
        f"Theo {source}",
        "Bình luận",
    ]
    return "\n".join(lines) + "\n"


def html_capture(n: int, placement: str, payload: str) -> str:
    """A page in the webkhoedep CMS shape with ``payload`` (raw, unescaped) in one place."""
    put = {p: (payload if p == placement else None) for p in HTML_PLACEMENTS}
    url = f"https://webkhoedep.vn/suc-khoe/bai-kiem-tra-{n}.html"
    title = f"Bài kiểm tra HTML số {n} {put['title']}" if put["title"] else f"Bài HTML số {n}"
    original = put["original_link"] or f"https://moh.gov.vn/tin/{n}.html"
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{title} - WebKhoeDep</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2023-03-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+07:00">
</head><body>
<div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/suc-khoe/">{put["category"] or "Sức khỏe"}</a></div>
<article class="detail">
<h1 class="detail-title">{title}</h1>
<div class="detail-meta"><span class="detail-source">Theo {put["source"] or "moh.gov.vn"}</span> -
<span class="detail-time">08:00 | 0{1 + n % 9}/03/2023</span>
<span class="detail-author">{put["author"] or "Thanh Tâm"}</span></div>
<div class="detail-sapo"><strong>webkhoedep.vn</strong> - {put["lead"] or FILLER}</div>
<div class="detail-content">
<p>{put["body"] or FILLER}</p>
<p>{FILLER}</p>
<p style="text-align:center"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-lazy-src="https://cdn.webkhoedep.vn/anh-{n}.jpg" alt="{put["alt"] or "Ảnh minh họa"}"></p>
<p class="caption"><em>{put["caption"] or "Nhân viên y tế tiêm vắc xin cho người cao tuổi"}</em></p>
<p>{FILLER}</p>
</div>
<div class="detail-tags">Tags: <a href="/tag/x">{put["tags"] or "tiêm chủng"}</a> <a href="/tag/ha-noi">Hà Nội</a></div>
<div class="original-link"><a class="original-url" href="{original}">{original}</a></div>
</article></body></html>
"""


@dataclass
class Corpus:
    content: Path
    output: Path
    combinations: int
    outcomes: dict[str, int]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    root = tmp_path_factory.mktemp("xss")
    captures = root / "captures"
    captures.mkdir()
    n = 0
    for index, payload in enumerate(PAYLOADS):
        for placement in TEXT_PLACEMENTS:
            n += 1
            path = captures / f"t{index:03d}-{placement}.txt"
            path.write_text(text_capture(n, placement, payload), encoding="utf-8")
        for placement in HTML_PLACEMENTS:
            n += 1
            path = captures / f"h{index:03d}-{placement}.html"
            path.write_text(html_capture(n, placement, payload), encoding="utf-8")
    png = _png()
    options = ImportOptions(
        content_dir=root / "content",
        force=True,
        jobs=2,
        resources=lambda url: png if url.startswith("https://") else None,
    )
    outcomes = import_paths([captures], options)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
    build_site(root / "output", content=root / "content", DEFAULT_PAGINATION=50)
    return Corpus(root / "content", root / "output", n, counts)


def test_every_combination_was_imported(corpus):
    print(f"{corpus.combinations} payload x placement captures: {corpus.outcomes}")
    assert corpus.combinations == len(PAYLOADS) * (len(TEXT_PLACEMENTS) + len(HTML_PLACEMENTS))
    assert len(PAYLOADS) >= 100
    # A hostile value may make a capture unusable (quarantined: nothing written), but most of
    # the corpus must reach the site or the test proves nothing.
    written = sum(corpus.outcomes.get(a, 0) for a in ("wrote", "updated", "merged", "draft"))
    assert written >= 0.9 * corpus.combinations, corpus.outcomes
    assert len(list(corpus.content.rglob("*.md"))) >= 0.9 * corpus.combinations


def test_markdown_holds_no_live_markup(corpus):
    problems = []
    for path in sorted(corpus.content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        header, _, body = text.partition("\n\n")
        for line in header.splitlines():
            key, _, value = line.partition(": ")
            if "<" in value or ">" in value:
                problems.append(f"{path.name}: {key} holds {value[:80]!r}")
            if (key.endswith("_URL") or key == "Image") and not re.match(
                r"(https?://|images/)", value
            ):
                problems.append(f"{path.name}: {key} = {value[:80]!r}")
        for rendered in (render_like_pelican(body), render_like_pelican(_summary(header))):
            found = unsafe_markup(rendered)
            if found or "<script" in rendered.lower():
                problems.append(f"{path.name}: {found} in {rendered[:200]!r}")
    assert problems == [], "\n".join(problems[:40])


def _summary(header: str) -> str:
    return next((ln[9:] for ln in header.splitlines() if ln.startswith("Summary: ")), "")


def _own_search_script(script, page: Path, output: Path) -> bool:
    """The search page's module script, loaded from the site's own theme folder, nothing inline."""
    src = script.get("src") or ""
    if script.string and script.string.strip():
        return False
    if re.match(r"[a-z][a-z0-9+.-]*:|//", src, re.I):
        return False
    target = (page.parent / src).resolve() if not src.startswith("/") else None
    return target is not None and target == (output / SEARCH_SCRIPT).resolve()


_THEME_HEAD = {"meta", "link"}


@pytest.fixture(scope="module")
def theme_markup(built_site) -> dict[str, set[str]]:
    """What unsafe_markup reports on each page of a build of benign fixture articles: the
    theme's own markup (the search page's form, its noscript note), allowed on that page only."""
    return {
        str(page.relative_to(built_site.output)): set(_page_problems(page, built_site.output))
        for page in built_site.output.rglob("*.html")
    }


def _page_problems(page: Path, output: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    problems = []
    for script in soup.find_all("script"):
        if not _own_search_script(script, page, output):
            problems.append(f"<script src={script.get('src')!r}>{(script.string or '')[:60]}")
        script.decompose()
    for el in soup.find_all(_THEME_HEAD):
        # The theme's own head elements; anything in <body> or with http-equiv is not the theme's.
        in_head = el.find_parent("head") is not None
        href = str(el.get("href") or "")
        if not in_head or el.get("http-equiv") or re.match(r"\s*(javascript|data|vbscript):", href):
            problems.append(f"<{el.name} {dict(el.attrs)}>")
        el.decompose()
    problems += unsafe_markup(str(soup))
    return problems


def test_built_pages_hold_no_unsafe_markup(corpus, theme_markup):
    pages = sorted(corpus.output.rglob("*.html"))
    assert len(pages) > corpus.combinations  # every article page plus lists, tags, sources …
    problems = []
    for page in pages:
        name = str(page.relative_to(corpus.output))
        allowed = theme_markup.get(name, set())
        problems += [
            f"{name}: {p}" for p in _page_problems(page, corpus.output) if p not in allowed
        ]
    assert problems == [], "\n".join(problems[:40])
    search_pages = [p for p in pages if "search" in p.parts]
    assert search_pages, "the search page (the one script the site may carry) was not built"


_URL_ATTRS = ("href", "src", "url", "uri", "xmlUrl", "htmlUrl", "domain")
_HTML_TEXT = ("description", "encoded", "content", "summary", "title", "subtitle")


def _feed_texts(path: Path) -> list[str]:
    """Every text of an RSS/Atom/OPML/sitemap file that a reader might render as HTML."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    texts = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local in _HTML_TEXT and el.get("type") == "xhtml":
            texts.append(etree.tostring(el, encoding="unicode"))
        elif local in _HTML_TEXT:
            texts.append(el.text or "")
        for attr, value in el.attrib.items():
            if etree.QName(attr).localname in _URL_ATTRS and re.match(
                r"\s*(javascript|data|vbscript):", value, re.I
            ):
                texts.append(f'<a href="{html.escape(value)}">{attr}</a>')
    return texts


def test_feeds_hold_no_unsafe_markup(corpus):
    feeds = sorted(
        p for p in corpus.output.rglob("*") if p.suffix in (".xml", ".opml") and p.is_file()
    )
    assert any(p.name.endswith(".atom.xml") for p in feeds)
    assert any(p.name.endswith(".rss.xml") for p in feeds)
    problems = []
    for feed in feeds:
        for text in _feed_texts(feed):
            found = unsafe_markup(text)
            if found or re.search(r"<script", text, re.I):
                problems.append(f"{feed.relative_to(corpus.output)}: {found} in {text[:120]!r}")
    assert problems == [], "\n".join(problems[:40])


def test_json_feeds_hold_no_unsafe_markup(corpus):
    index = corpus.output / "search" / "data"  # the search index: text only, shown as text
    feeds = [p for p in sorted(corpus.output.rglob("*.json")) if not p.is_relative_to(index)]
    assert feeds
    problems = []
    for feed in feeds:
        data = json.loads(feed.read_text(encoding="utf-8"))
        for item in data.get("items", []):
            # summary and title are plain text in JSON Feed 1.1; content_html is HTML.
            for key in ("content_html",):
                value = str(item.get(key) or "")
                found = unsafe_markup(value)
                if found or re.search(r"<script", value, re.I):
                    problems.append(f"{feed.name} {key}: {found} in {value[:120]!r}")
            for key in ("url", "external_url", "image"):
                value = str(item.get(key) or "")
                if value and not re.match(r"https?://|/|[a-z0-9]", value):
                    problems.append(f"{feed.name} {key}: {value[:120]!r}")
    assert problems == [], "\n".join(problems[:40])
