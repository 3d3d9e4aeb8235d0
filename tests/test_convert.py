"""Markdown conversion: faithful structure, and nothing in the text can become live HTML."""

from __future__ import annotations

import pytest

from scripts.convert import article_header, body_to_markdown
from scripts.models import Article
from tests.helpers import render_like_pelican

HOSTILE_TEXT = [
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    "<p>&lt;img src=x onerror=alert(1)&gt;</p>",
    "<p>[bấm vào đây](javascript:alert(1))</p>",
    '<p><a href="https://a.vn/">x](javascript:alert(1)) [y</a></p>',
    '<p><img src="https://a.vn/a.png" alt="](javascript:alert(1))"></p>',
    '<p><a href="javascript:alert(1)">liên kết</a></p>',
    '<p><a href="data:text/html,&lt;script&gt;">dữ liệu</a></p>',
    "<p>&amp;lt;script&amp;gt; và &amp;#60;svg onload=alert(1)&amp;#62;</p>",
    '<figure><img src="javascript:alert(1)"><figcaption>&lt;b onmouseover=alert(1)&gt;x</figcaption></figure>',
]


@pytest.mark.parametrize("fragment", HOSTILE_TEXT)
def test_no_text_becomes_markup(fragment):
    html = render_like_pelican(body_to_markdown(fragment))
    lowered = html.lower()
    assert "<script" not in lowered and "<svg" not in lowered
    assert 'href="javascript:' not in lowered and 'src="javascript:' not in lowered
    assert "onerror=" not in lowered.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert 'href="data:' not in lowered and "<b " not in lowered


def test_structure_survives():
    fragment = (
        "<h2>Tiêu đề phụ</h2><p>Đoạn <strong>đậm</strong> và <em>nghiêng</em> với "
        '<a href="https://baochinhphu.vn/a.htm">liên kết</a>.</p>'
        "<ul><li>Một</li><li>Hai</li></ul><ol><li>Bước 1</li></ol>"
        "<blockquote><p>Trích dẫn</p></blockquote>"
        "<table><tr><th>Tỉnh</th><th>Số ca</th></tr><tr><td>Hà Nội</td><td>2.981</td></tr></table>"
        '<figure><img src="https://cdn.vn/a.jpg" alt="Hội nghị"><figcaption>Toàn cảnh hội nghị</figcaption></figure>'
    )
    html = render_like_pelican(body_to_markdown(fragment))
    assert "<h2>Tiêu đề phụ</h2>" in html
    assert '<a href="https://baochinhphu.vn/a.htm">liên kết</a>' in html
    assert "<strong>đậm</strong>" in html and "<em>nghiêng</em>" in html
    assert html.count("<li>") == 3 and "<blockquote>" in html
    assert "<td>Hà Nội</td>" in html and "<th>Số ca</th>" in html
    assert '<img src="https://cdn.vn/a.jpg" alt="Hội nghị" referrerpolicy="no-referrer">' in html
    assert "<figcaption>Toàn cảnh hội nghị</figcaption>" in html


def test_literal_markdown_characters_stay_literal():
    html = render_like_pelican(
        body_to_markdown("<p>5*3 = 15, tên_biến và # không phải tiêu đề</p>")
    )
    assert "5*3 = 15, tên_biến và # không phải tiêu đề" in html


def test_header_values_are_single_line_and_escaped():
    article = Article(
        title="Tiêu đề <script>alert(1)</script>\nDòng hai",
        body_html="<p>x</p>",
        summary="Tóm tắt [x](javascript:alert(1)) <b>",
        authors=("Minh Anh, Hà Nội", "Lan <i>"),
        tags=("y tế", "y tế", "sởi"),
        source="Báo <Sức khỏe> & Đời sống",
    )
    header = article_header(article, slug="x", category="Sức khỏe")
    assert header["Title"] == "Tiêu đề &lt;script&gt;alert(1)&lt;/script&gt; Dòng hai"
    summary = render_like_pelican(header["Summary"])
    assert "href=" not in summary and "<b>" not in summary
    assert header["Authors"] == "Minh Anh Hà Nội, Lan i"
    assert header["Tags"] == "y tế, sởi"
    assert header["Source"] == "Báo Sức khỏe & Đời sống"
    assert all("\n" not in value for value in header.values())
