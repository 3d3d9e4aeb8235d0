"""Property tests: text captures and the converter never crash or leak markup, whatever the input.

Bounded here (a few hundred examples); ``make fuzz`` runs the same properties far longer.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.convert import article_to_markdown, body_to_markdown
from scripts.models import Capture, CaptureError, ExtractError
from scripts.textcapture import parse_text_capture
from tests.helpers import FIXTURES, render_like_pelican, unsafe_markup

EXAMPLES = int(os.environ.get("CLEARPRESS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_LINES = sorted(
    {
        line
        for path in (FIXTURES / "text").glob("*.txt")
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    }
)
_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[bấm](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<iframe src=https://ads.example/>",
    "`<script>`",
    "\\<script>alert(1)\\</script>",
    "<!-- <script> -->",
]
_line = st.one_of(
    st.sampled_from(_LINES),
    st.sampled_from(_PAYLOADS),
    st.text(max_size=120),
    st.builds(lambda a, b: a + b, st.sampled_from(_LINES), st.sampled_from(_PAYLOADS)),
)


def _assert_safe(markdown: str) -> None:
    html = render_like_pelican(markdown)
    assert unsafe_markup(html) == [], html


@FUZZ
@given(st.lists(_line, max_size=60), st.sampled_from(["utf-8", "utf-16", "cp1258"]))
def test_text_capture_never_crashes_and_never_leaks(lines, encoding):
    data = "\n".join(lines).encode(encoding, errors="replace")
    try:
        article = parse_text_capture(Capture(data, "text", origin="fuzz.txt"))
    except (CaptureError, ExtractError) as exc:
        assert str(exc).startswith("fuzz.txt: ") and "\n" not in str(exc)
        return
    markdown = article_to_markdown(article)
    header, _, body = markdown.partition("\n\n")
    assert all(line.count(": ") >= 1 for line in header.splitlines())
    _assert_safe(body)
    _assert_safe(markdown.split("Summary: ", 1)[-1].split("\n", 1)[0])


_TAGS = ["p", "a", "img", "em", "strong", "figure", "figcaption", "table", "td", "li", "h2", "b"]


@st.composite
def _fragments(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(_TAGS))
        text = draw(st.one_of(st.text(max_size=40), st.sampled_from(_PAYLOADS)))
        attr = draw(
            st.sampled_from(
                ["", ' href="javascript:alert(1)"', ' src="https://a.vn/x.png"',
                 ' alt="](javascript:alert(1))"', ' href="https://a.vn/?q=<b>"', ' onclick="x()"']
            )
        )  # fmt: skip
        from html import escape

        parts.append(f"<{tag}{attr}>{escape(text)}</{tag}>")
    return "".join(parts)


@FUZZ
@given(_fragments())
def test_converter_output_is_always_safe(fragment):
    _assert_safe(body_to_markdown(fragment))
