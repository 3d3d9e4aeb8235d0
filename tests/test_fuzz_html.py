"""Property tests: HTML extraction and conversion never crash, hang or leak markup.

Pages are the bundled captures and site fixtures, mutated the way broken generators and hostile
sites break them (truncated, tag spans deleted or repeated, payloads injected into attributes and
text), plus pages generated from scratch.  Every page goes through the importer's own
``extract_bounded`` with a time limit, so the properties are those of a real import:

* nothing but :class:`CaptureError`/:class:`ExtractError` (as a quarantine reason) comes out;
* no page runs into the time limit;
* the article body only holds what the sanitizer's allowlist permits;
* the Markdown file, rendered the way Pelican renders it, holds no script or foreign content.

Bounded in the suite (``CLEARPRESS_FUZZ_EXAMPLES``, default 200 per property); ``make fuzz`` runs
them far longer.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.convert import article_to_markdown, body_to_markdown
from scripts.extract.sanitize import ATTRIBUTES, TAGS, URL_SCHEMES, sanitize_html
from scripts.importer import extract_bounded
from scripts.models import Capture
from tests.helpers import FIXTURES, ROOT, render_like_pelican, unsafe_markup

EXAMPLES = int(os.environ.get("CLEARPRESS_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TIME_LIMIT = 10.0  # seconds per page; the real importer allows 20

SEEDS: list[Path] = sorted(
    [*(ROOT / "captures" / "demo").glob("*.html"), *(FIXTURES / "sites").rglob("*.html")]
)
_SEED_BYTES = {path: path.read_bytes() for path in SEEDS}
URLS = [
    None,
    "https://webkhoedep.vn/suc-khoe/bai-viet-123.html",
    "https://tinnhanh365.vn/thoi-su/bai-viet-456.html",
    "https://example.vn/tin/bai-viet.html",
]
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    '" onerror="alert(1)',
    "javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "\\<script>alert(1)\\</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "{{ 7*7 }}{% raw %}",
    "{static}/../../etc/passwd",
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="https://ads.example/"></iframe>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width:expression(alert(1))">x</p>',
    "<base href=javascript:alert(1)//>",
    "<object data=data:text/html,x></object>",
    "\x00<scr\x00ipt>alert(1)</script>",
    "<",
    "</",
    "&",
    "<div" * 50,
]
_TAG_START = re.compile(rb"<[a-zA-Z/!]")
_ATTR_VALUE = re.compile(rb'="')
_TEXT_START = re.compile(rb">[^<\s]")


def _positions(data: bytes, pattern: re.Pattern[bytes]) -> list[int]:
    return [m.start() for m in pattern.finditer(data)]


@st.composite
def mutated_pages(draw: st.DrawFn) -> tuple[bytes, str]:
    """A fixture page with a few random mutations applied, and a label saying which."""
    path = draw(st.sampled_from(SEEDS))
    data = _SEED_BYTES[path]
    steps = [path.name]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "delete", "duplicate", "attr", "text", "tag"]))
        tags = _positions(data, _TAG_START)
        if kind == "truncate":
            cut = draw(st.integers(0, len(data)))
            data = data[:cut]
        elif kind in ("delete", "duplicate") and len(tags) >= 2:
            i = draw(st.integers(0, len(tags) - 2))
            j = draw(st.integers(i + 1, min(len(tags) - 1, i + 40)))
            start, end = tags[i], tags[j]
            span = data[start:end]
            repeat = span * draw(st.integers(2, 4)) if kind == "duplicate" else b""
            data = data[:start] + repeat + data[end:]
        else:
            where = {"attr": _ATTR_VALUE, "text": _TEXT_START, "tag": _TAG_START}.get(kind)
            spots = _positions(data, where) if where is not None else []
            if not spots:
                continue
            at = draw(st.sampled_from(spots)) + (
                2 if kind == "attr" else 1 if kind == "text" else 0
            )
            payload = draw(st.sampled_from(PAYLOADS)).encode("utf-8")
            data = data[:at] + payload + data[at:]
        steps.append(kind)
    return data, "+".join(steps)


_GEN_TAGS = [
    "p", "div", "span", "a", "img", "figure", "figcaption", "table", "tr", "td", "ul", "li",
    "h1", "h2", "em", "strong", "br", "script", "style", "svg", "math", "iframe", "noscript",
    "template", "form", "embed", "object", "article", "section", "blockquote", "pre", "code",
]  # fmt: skip
_GEN_ATTRS = [
    "", ' class="detail-content"', ' class="detail-sapo"', ' class="caption"', ' class="ads"',
    ' href="javascript:alert(1)"', ' href="https://a.vn/x.html"', ' href="/tuong-doi.html"',
    ' src="https://cdn.a.vn/anh.jpg"', ' data-src="https://cdn.a.vn/lazy.jpg"',
    ' src="data:image/svg+xml,<svg onload=alert(1)>"', ' onerror="alert(1)"',
    ' style="background:url(javascript:alert(1))"', ' alt="](javascript:alert(1))"',
    ' srcset="javascript:alert(1) 2x, https://a.vn/b.jpg 800w"', ' hidden', ' xmlns="x"',
]  # fmt: skip
_words = st.one_of(
    st.text(max_size=60),
    st.sampled_from(PAYLOADS),
    st.sampled_from(["Hà Nội đẩy nhanh tiêm chủng cho người cao tuổi.", "Ảnh: Thanh Tâm", ""]),
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attr, inner, close: f"<{tag}{attr}>{inner}" + (f"</{tag}>" if close else ""),
        st.sampled_from(_GEN_TAGS),
        st.sampled_from(_GEN_ATTRS),
        st.lists(children, max_size=5).map("".join),
        st.booleans(),
    )


_fragment = st.recursive(_words.map(html.escape) | _words, _element, max_leaves=40)


@st.composite
def generated_pages(draw: st.DrawFn) -> tuple[bytes, str]:
    """A page built from scratch, sometimes in the webkhoedep CMS shape, sometimes not."""
    body = draw(_fragment)
    title = draw(_words)
    if draw(st.booleans()):
        page = (
            f"<html><head><title>{title}</title>"
            f'<meta property="og:title" content="{draw(_words)}">'
            f'<meta property="article:published_time" content="2023-05-0{draw(st.integers(1, 9))}T08:00:00+07:00">'
            f'</head><body><h1 class="detail-title">{title}</h1>'
            f'<span class="detail-time">08:00 | 05/05/2023</span>'
            f'<span class="detail-author">{draw(_words)}</span>'
            f'<div class="detail-content"><p>{"Nội dung bài viết. " * 20}</p>{body}</div>'
            f"</body></html>"
        )
    else:
        page = f"<title>{title}</title>{body}"
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1258", "latin-1"]))
    return page.encode(encoding, errors="replace"), "generated"


_SCHEME = re.compile(r"\s*([^:/?#]*):")


def _assert_allowlisted(body_html: str) -> None:
    """Every element and attribute of the body is on the sanitizer's allowlist."""
    if not body_html.strip():
        return
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for el in root.iter():
        if el is root or not isinstance(el.tag, str):
            continue
        assert el.tag in TAGS, f"<{el.tag}> is not on the allowlist"
        for attr, value in el.attrib.items():
            assert attr in ATTRIBUTES.get(el.tag, ()), f"<{el.tag} {attr}> is not allowed"
            if attr in ("href", "src"):
                # Relative URLs are allowed (nh3 keeps them; the converter drops them); a
                # scheme, if there is one, must be on the list.
                match = _SCHEME.match(value)
                assert not match or match[1].lower() in URL_SCHEMES, f"<{el.tag} {attr}={value!r}>"


def _check_page(data: bytes, label: str) -> None:
    capture = Capture(data=data, kind="html", origin="fuzz.html")
    url = URLS[len(data) % len(URLS)]
    article, reason = extract_bounded(capture, url, TIME_LIMIT)
    assert "longer than" not in reason, f"{label}: {reason}"
    if article is None:
        assert reason and "\n" not in reason, f"{label}: quarantined without a one-line reason"
        return
    _assert_allowlisted(article.body_html)
    text = article_to_markdown(article)
    header, sep, body = text.partition("\n\n")
    assert sep, f"{label}: no blank line after the header"
    for line in header.splitlines():
        key, colon, _ = line.partition(": ")
        assert colon and key.replace("_", "").isalpha(), f"{label}: bad header line {line!r}"
    summary = next((ln[9:] for ln in header.splitlines() if ln.startswith("Summary: ")), "")
    assert unsafe_markup(render_like_pelican(summary)) == [], f"{label}: summary {summary!r}"
    rendered = render_like_pelican(body)
    assert unsafe_markup(rendered) == [], f"{label}: {rendered[:500]}"
    assert "<script" not in rendered.lower(), f"{label}: {rendered[:500]}"


@FUZZ
@given(mutated_pages())
def test_mutated_fixture_pages_extract_safely(page):
    _check_page(*page)


@FUZZ
@given(generated_pages())
def test_generated_pages_extract_safely(page):
    _check_page(*page)


def test_every_seed_page_extracts_safely():
    """The unmutated seeds pass too (and give the mutations something real to break)."""
    for path, data in _SEED_BYTES.items():
        _check_page(data, path.name)


def test_sanitizer_escapes_leading_text():
    """Regression: text before the first element used to be written back unescaped."""
    text = "&lt;script&gt;alert(1)&lt;/script&gt; chữ trước đoạn<p>Đoạn văn.</p>"
    cleaned = sanitize_html(text)
    assert "<script" not in cleaned
    assert cleaned == "&lt;script&gt;alert(1)&lt;/script&gt; chữ trước đoạn<p>Đoạn văn.</p>"
    _assert_allowlisted(cleaned)


def test_extraction_keeps_leading_text_as_text():
    """Regression: ``&lt;b&gt;`` text at the start of the body stays text through extraction."""
    page = "<title>t</title><span>&lt;b&gt;Chú ý&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt;</span>"
    article, reason = extract_bounded(Capture(page.encode(), "html", origin="t.html"), None, 5)
    assert article is not None, reason
    _assert_allowlisted(article.body_html)
    assert "&lt;b&gt;Chú ý&lt;/b&gt;" in article.body_html


@pytest.mark.parametrize(
    "fragment",
    [
        "<pre>x\n```\n&lt;script&gt;alert(1)&lt;/script&gt;</pre>",
        "<p><code>a<br><br>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>",
        "<code>a<p>&lt;script&gt;alert(1)&lt;/script&gt;</p></code>",
        "<ul><li><code>a<p>&lt;img src=x onerror=alert(1)&gt;</p></code></li></ul>",
        "<ul><li><pre>&lt;script&gt;alert(1)&lt;/script&gt;</pre></li></ul>",
        "<em><pre>&lt;script&gt;alert(1)&lt;/script&gt;</pre></em>",
        '<a href="https://a.vn"><pre>&lt;script&gt;</pre></a>',
    ],
)
def test_code_cannot_leak_markup(fragment):
    """Regression: a blank line inside a code span, a fence inside a code block, or a code block
    inside a list item, emphasis or link once left the rest as raw HTML.  The converter alone
    must be safe on any allowlisted body: it is the last line of defence for every capture."""
    rendered = render_like_pelican(body_to_markdown(fragment))
    assert unsafe_markup(rendered) == [], rendered
