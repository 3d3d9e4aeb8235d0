"""Text captures: the seed and our own captures in the same site style."""

from __future__ import annotations

import re
import tomllib

import pytest

from scripts.convert import article_to_markdown
from scripts.dates import format_datetime
from scripts.models import Capture, CaptureError, ExtractError
from scripts.textcapture import parse_text_capture
from tests.helpers import FIXTURES, SEED, check_golden, render_like_pelican

TEXT = FIXTURES / "text"
CASES = tomllib.loads((TEXT / "cases.toml").read_text(encoding="utf-8"))


def _capture(path):
    return Capture(data=path.read_bytes(), kind="text", origin=str(path))


def _paragraph_texts(body_html: str) -> list[str]:
    return re.findall(r"<p>(.*?)</p>", body_html)


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed capture is not beside this clone")
def test_seed_capture_gives_the_clean_article():
    article = parse_text_capture(_capture(SEED))
    assert article.title == "Triển khai công tác cải cách hành chính của thành phố năm 2022"
    assert article.date is not None
    assert format_datetime(article.date) == "2022-02-18 21:16+07:00"
    assert article.source == "hanoi.gov.vn"
    assert article.source_url == (
        "https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/3/2851207/"
        "trien-khai-cong-tac-cai-cach-hanh-chinh-cua-thanh-pho-nam-2022.html"
    )
    assert article.via_site == "webkhoedep.vn"
    paragraphs = _paragraph_texts(article.body_html)
    assert paragraphs[0].startswith("Sáng18/2, đồng chí Chu Ngọc Anh")
    assert paragraphs[-1].endswith("đồng chí Chu Ngọc Anh khẳng định.")
    # Every paragraph of the seed's body, in order, and nothing else.
    seed_lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(seed_lines) if line.startswith("webkhoedep.vn - "))
    end = next(i for i, line in enumerate(seed_lines) if line.endswith("khẳng định."))
    expected = [line for line in seed_lines[start : end + 1] if line]
    expected[0] = expected[0].removeprefix("webkhoedep.vn - ")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", article.body_html)
    assert captions == [
        "Chủ tịch UBND TP Chu Ngọc Anh phát biểu tại hội nghị",
        "Toàn cảnh hội nghị",
    ]
    kept = [t for t in expected if t not in captions]
    assert [p.replace("&amp;", "&") for p in paragraphs] == kept
    markdown = article_to_markdown(article, category="Thời sự")
    for junk in ("0947268688", "DÒNG SỰ KIỆN", "fbclid", "jsessionid", "Xem link gốc",
                 "Bình luận của bạn", "webkhoedep.vn - Sáng", "Nhiễm trùng, hoại tử",
                 "Tin y dược", "Theo hanoi.gov.vn\n"):  # fmt: skip
        assert junk not in markdown
    assert markdown.count("Theo hanoi.gov.vn") == 0


@pytest.mark.parametrize("case", CASES["case"], ids=lambda c: c["file"])
def test_text_fixture_keeps_the_article_and_drops_the_clutter(case):
    article = parse_text_capture(_capture(TEXT / case["file"]))
    assert article.title == case["title"]
    assert article.date is not None and format_datetime(article.date) == case["date"]
    assert article.source == case["source"]
    assert article.source_url == case.get("source_url")
    assert article.category == case.get("category")
    assert article.via_site == case.get("via_site")
    paragraphs = _paragraph_texts(article.body_html)
    assert paragraphs[0].startswith(case["first"])
    assert paragraphs[-1].endswith(case["last"])
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", article.body_html)
    assert captions == case["captions"]
    assert re.findall(r"<h2>(.*?)</h2>", article.body_html) == case.get("headings", [])
    markdown = article_to_markdown(article)
    body = markdown.split("\n\n", 1)[1]
    for junk in case["drop"]:
        assert junk not in body, junk
    check_golden(markdown, FIXTURES / "golden" / case["file"].replace(".txt", ".md"))


@pytest.mark.parametrize("case", CASES["bad"], ids=lambda c: c["file"])
def test_unusable_text_capture_is_refused_with_the_file_name(case):
    path = TEXT / case["file"]
    with pytest.raises((CaptureError, ExtractError)) as caught:
        parse_text_capture(_capture(path))
    message = str(caught.value)
    assert message.startswith(str(path)) and case["reason"] in message
    assert "\n" not in message


def test_markdown_of_a_text_capture_renders_to_paragraphs_and_figures():
    article = parse_text_capture(_capture(TEXT / "songkhoe24h-tiem-chung-soi.txt"))
    body = article_to_markdown(article).split("\n\n", 1)[1]
    html = render_like_pelican(body)
    assert html.count("<figure>") == 2
    assert (
        "<figcaption>Phụ huynh đưa trẻ đến điểm tiêm tại trường mầm non Hoa Sen</figcaption>"
        in html
    )
    assert "<p><figure>" not in html


def test_decomposed_and_crlf_text_is_normalised():
    path = TEXT / "tinnhanh365-da-nang-cau-rong.txt"
    import unicodedata

    nfd = unicodedata.normalize("NFD", path.read_text(encoding="utf-8")).replace("\n", "\r\n")
    article = parse_text_capture(Capture(nfd.encode("utf-8"), "text", origin="nfd.txt"))
    assert article.title.startswith("Đà Nẵng lắp thêm")
    assert unicodedata.is_normalized("NFC", article.body_html)


def test_legacy_encoding_and_utf16_are_read():
    path = TEXT / "webkhoedep-bua-sang.txt"
    text = path.read_text(encoding="utf-8")
    utf16 = parse_text_capture(Capture(text.encode("utf-16"), "text", origin="u16.txt"))
    assert utf16.title == "Ăn sáng thế nào để đủ chất cho người làm việc văn phòng"
    legacy = _to_cp1258(text)
    cp = parse_text_capture(Capture(legacy, "text", origin="cp1258.txt"))
    assert cp.title == utf16.title


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: vowel letters precomposed, tone marks combining."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def test_empty_capture_is_refused():
    with pytest.raises(CaptureError, match=r"empty\.txt: empty capture"):
        parse_text_capture(Capture(b"  \n\n ", "text", origin="empty.txt"))
