"""Generic extraction: pages without site rules, and pages built to exhaust the extractor.

The huge and deep pages are not timed (machines differ); they must finish and either return an
article or raise a :class:`~scripts.models.ArchiveError` with a readable message.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from scripts.extract.generic import extract_generic
from scripts.extract.html import DEPTH_WARNING, extract_html, parse_document
from scripts.models import ArchiveError, Article, Capture, CaptureError, ExtractError

GENERIC = Path(__file__).parent / "fixtures" / "sites" / "generic"
VN = timezone(timedelta(hours=7))
RESIDUE = re.compile(
    r"bình luận|liên quan|chia sẻ|hotline|quảng cáo|bài mới|đang truy cập|liên kết website|"
    r"các tin khác|trang chủ|\b0\d{2,3}[ .]?\d",
    re.I,
)


def extract(name: str) -> Article:
    data = (GENERIC / name).read_bytes()
    return extract_html(Capture(data=data, kind="html", origin=name))


def test_blog_with_br_paragraphs_and_comments() -> None:
    article = extract("blog-meo-vat.html")
    assert article.report.method == "generic"
    assert article.title == "Mẹo giữ rau tươi lâu trong tủ lạnh"
    assert article.authors == ("Thu Trang",)
    assert article.category == "Mẹo vặt"
    assert article.date == datetime(2024, 5, 21, 7, 45, tzinfo=VN)
    assert article.source == "Góc Bếp Nhà Mình"
    assert article.source_url == article.via_url == "https://gocbepnhaminh.vn/meo-giu-rau-tuoi-lau/"
    body = article.body_html
    assert body.count("<p>") == 4  # <br><br> runs became paragraphs
    assert "<figcaption>Bọc rau bằng giấy ăn giúp hút bớt hơi ẩm</figcaption>" in body
    assert "khí ethylene làm rau nhanh vàng." in body
    assert not RESIDUE.findall(body)
    assert "Mình làm theo cách bọc giấy ăn" not in body


def test_table_layout_portal_with_source_credit() -> None:
    article = extract("cong-thong-tin-tinh.html")
    assert article.title == "Tỉnh triển khai tiêm chủng mở rộng đợt 2"
    assert article.date == datetime(2023, 4, 3, 10, 20, tzinfo=VN)
    assert article.source == "Sở Y tế tỉnh"
    assert article.category == "Y tế"
    body = article.body_html
    assert body.startswith("<p>Ngày 3/4, Sở Y tế tỉnh")
    assert "tỷ lệ tiêm đạt trên 95%" in body
    assert "Nguồn" not in body and "Cập nhật" not in body
    assert not RESIDUE.findall(body)


def test_english_article_page() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story explains, in some detail, what the council decided, "
        f"why it matters to residents, and what happens next.</p>"
        for i in range(6)
    )
    page = (
        "<html lang='en'><head><title>Council votes on parks | The Town Paper</title></head><body>"
        "<nav><a href='/'>Home</a><a href='/news'>News</a></nav>"
        "<div class='sidebar'><h3>Most read</h3><ul><li><a href='/a'>Other story</a></li></ul></div>"
        f"<div class='article-body'><h1>Council votes on parks</h1>{paragraphs}</div>"
        "<div class='comments'><p>Great article, thanks for the coverage of our town, "
        "really appreciated.</p></div></body></html>"
    ).encode()
    article = extract_html(Capture(data=page, kind="html", url="https://town.example/parks"))
    assert article.lang == "en"
    assert article.title == "Council votes on parks"
    assert article.body_html.count("<p>") == 6
    assert "Other story" not in article.body_html and "Great article" not in article.body_html


def test_generic_leaves_the_input_tree_untouched() -> None:
    root, _ = parse_document(
        "<html><body><div><p>" + "chữ, " * 200 + "</p></div></body></html>", "x"
    )
    body = root.find("body")
    assert body is not None
    before = len(list(body.iter()))
    extract_generic(body)
    assert len(list(body.iter())) == before


def test_huge_page_finishes() -> None:
    para = "<p>Đoạn văn của một trang rất lớn, có dấu phẩy, có số liệu, có chi tiết cụ thể.</p>"
    block = "<div class='menu'><a href='/a'>Mục</a></div><div class='post'>" + para * 5 + "</div>"
    data = "<html><head><title>Trang lớn</title></head><body>" + block * 35_000 + "</body></html>"
    raw = data.encode()
    assert len(raw) > 15_000_000
    try:
        article = extract_html(Capture(data=raw, kind="html", origin="huge.html"))
    except ArchiveError as exc:  # refusing a page this size is acceptable too
        assert "huge.html" in str(exc)
    else:
        assert article.report.text_chars > 100_000


def test_ten_thousand_deep_nesting_is_bounded() -> None:
    deep = (
        "<html><body>"
        + "<div>" * 10_000
        + "<p>Chữ ở đáy của một cây rất sâu.</p>"
        + "</div>" * 10_000
    )
    with pytest.raises(ExtractError) as info:
        extract_html(
            Capture(data=(deep + "</body></html>").encode(), kind="html", origin="deep.html")
        )
    assert "deep.html" in str(info.value)
    assert DEPTH_WARNING in str(info.value)


def test_deep_nesting_with_shallow_article_warns() -> None:
    text = "".join(
        f"<p>Đoạn {i}, nội dung thật của bài, đủ dài để được giữ lại trong bài.</p>"
        for i in range(12)
    )
    page = f"<html><body><article>{text}</article>" + "<div>" * 5000 + "x" + "</div>" * 5000
    article = extract_html(Capture(data=(page + "</body></html>").encode(), kind="html"))
    assert "Đoạn 11" in article.body_html
    assert DEPTH_WARNING in article.report.warnings


@pytest.mark.parametrize(
    "data",
    [b"\x00" * 1000, b"%PDF-1.4 binary", b"<html><body></body></html>", b"just text"],
    ids=["nul", "pdf", "empty-body", "plain-text"],
)
def test_unreadable_pages_raise_cleanly(data: bytes) -> None:
    with pytest.raises((CaptureError, ExtractError)):
        extract_html(Capture(data=data, kind="html", origin="bad.html"))


def test_evaluate_scores_a_small_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from scripts import evaluate

    body = "".join(
        f"<p>Sentence {i} of the article, with enough words to be counted.</p>" for i in range(9)
    )
    page = f"<html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav><article>{body}</article></body></html>"
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    expected = " ".join(
        f"Sentence {i} of the article, with enough words to be counted." for i in range(9)
    )
    meta = {"url": "http://fakehost/a", "articleBody": expected, "synthetic": False}
    (tmp_path / "a.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({**meta, "synthetic": True}), encoding="utf-8")
    assert evaluate.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 pages" in out
    assert "mean F1 1.0000" in out
    assert evaluate.score("a b c", "a b d")[2] == pytest.approx(2 / 3)
