"""Small pure helpers: Vietnamese dates, URL hygiene, slugs, boilerplate patterns."""

from __future__ import annotations

import pytest

from scripts.boilerplate import credit_source, junk_kind, split_dateline
from scripts.dates import format_datetime, is_date_line, parse_iso, parse_vn_datetime
from scripts.slugs import fold, slugify
from scripts.urls import clean_url, host_of, is_http_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:16 | 18/02/2022", "2022-02-18 21:16+07:00"),
        ("Theo hanoi.gov.vn - 21:16 | 18/02/2022", "2022-02-18 21:16+07:00"),
        ("Thứ tư, 4/10/2023, 15:31 (GMT+7)", "2023-10-04 15:31+07:00"),
        ("Thứ Hai, 02/10/2023 - 10:29", "2023-10-02 10:29+07:00"),
        ("Chủ nhật, 01/10/2023 19:54", "2023-10-01 19:54+07:00"),
        ("04/10/2023 15:31", "2023-10-04 15:31+07:00"),  # day first, never April 10th
        ("ngày 6 tháng 1 năm 2022", "2022-01-06 00:00+07:00"),
        ("08:05 PM 02/10/2023", "2023-10-02 20:05+07:00"),
        ("04/10/2023, 15:31:20 (GMT+9)", "2023-10-04 15:31:20+09:00"),
    ],
)
def test_vietnamese_dates_are_day_first(text, expected):
    value = parse_vn_datetime(text)
    assert value is not None and format_datetime(value) == expected


@pytest.mark.parametrize("text", ["31/02/2022", "không có ngày", "99:99 | 18/02/2022x"])
def test_impossible_or_missing_dates_are_none(text):
    value = parse_vn_datetime(text, require_time=True)
    assert value is None or value.year == 2022


def test_iso_dates_keep_their_zone_and_default_to_vietnam():
    assert format_datetime(parse_iso("2022-02-18T14:16:00Z")) == "2022-02-18 14:16+00:00"
    assert format_datetime(parse_iso("2022-02-18T21:16:00")) == "2022-02-18 21:16+07:00"
    assert parse_iso("hôm qua") is None


def test_date_lines():
    assert is_date_line("Thứ tư, 04/10/2023 15:31")
    assert not is_date_line("Bệnh thường gặp - Thứ tư, 04/10/2023 15:31")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://hanoi.gov.vn/a/b.html;jsessionid=eJrB.undefined?fbclid=IwAR3&x=1#top",
            "https://hanoi.gov.vn/a/b.html?x=1",
        ),
        ("HTTPS://Example.VN:443/a?utm_source=zalo&utm_medium=share", "https://example.vn/a"),
        ("http://example.vn:8080/a?gclid=1&zarsrc=30&id=5", "http://example.vn:8080/a?id=5"),
        (
            "https://example.vn/đường dẫn",
            "https://example.vn/%C4%91%C6%B0%E1%BB%9Dng%20d%E1%BA%ABn",
        ),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ],
)
def test_clean_url(url, expected):
    assert clean_url(url) == expected


def test_clean_url_resolves_relative_links():
    assert (
        clean_url("../b.html?utm_campaign=x", "https://a.vn/x/y/z.html") == "https://a.vn/x/b.html"
    )


def test_url_predicates():
    assert is_http_url("https://a.vn/x") and not is_http_url("ftp://a.vn") and not is_http_url("")
    assert host_of("https://www.Hanoi.gov.vn/x") == "hanoi.gov.vn" and host_of("x") is None


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Đà Nẵng", "da-nang"),
        ("Sức khỏe", "suc-khoe"),
        ("Triển khai công tác cải cách hành chính", "trien-khai-cong-tac-cai-cach-hanh-chinh"),
        ("../../etc/passwd", "etc-passwd"),
        ("", "bai-viet"),
        ("!!!", "bai-viet"),
        ("feeds", "feeds-1"),
    ],
)
def test_slugs(text, slug):
    assert slugify(text) == slug


def test_long_slugs_are_cut_at_a_word():
    slug = slugify("Hà Nội " * 40)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.startswith("ha-noi-ha-noi")


def test_fold_keeps_case():
    assert fold("Đường Hà Nội") == "Duong Ha Noi"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("DÒNG SỰ KIỆN ►", "ticker"),
        ("0947268688 liên hệ quảng cáo", "phone-ad"),
        ("Hotline: 0912.345.678 - Liên hệ quảng cáo", "phone-ad"),
        ("Xem link gốc Ẩn link gốc", "original-link-toggle"),
        ("Bình luận của bạn về bài viết", "comments"),
        ("TIN LIÊN QUAN", "related-heading"),
        ("Quảng cáo", "ad-label"),
        ("Gọi 115 khi gặp người bị đột quỵ để được hỗ trợ kịp thời.", None),
        ("Bệnh viện có 1.500 giường, tổng đài 1900 1234 hoạt động 24/7 để tư vấn.", None),
    ],
)
def test_boilerplate_lines(line, kind):
    assert junk_kind(line) == kind


def test_credit_and_dateline():
    assert credit_source("Theo hanoi.gov.vn") == "hanoi.gov.vn"
    assert credit_source("Nguồn: Báo Chính phủ") == "Báo Chính phủ"
    assert credit_source("Theo thiết kế, toàn bộ 2.500 bóng đèn cũ sẽ được thay.") is None
    assert split_dateline("webkhoedep.vn - Sáng 18/2, đồng chí") == (
        "webkhoedep.vn",
        "Sáng 18/2, đồng chí",
    )
    assert split_dateline("Sáng 18/2 - đồng chí") == (None, "Sáng 18/2 - đồng chí")


def test_session_ids_are_removed_from_the_query_too():
    url = "https://danang.gov.vn/web/chi-tiet?id=60214&_c=16;jsessionid=9F2C1E7A&x=2"
    assert clean_url(url) == "https://danang.gov.vn/web/chi-tiet?id=60214&_c=16&x=2"


def test_topic_names_are_publishable():
    from scripts.slugs import safe_name, topic_name

    assert topic_name("search", "Tin tức") == "search (chủ đề)"
    assert topic_name("Tag", "Tin tức") == "Tag (chủ đề)"
    assert topic_name("\u202e", "Tin tức") == "Tin tức"
    assert topic_name("Sức khỏe", "Tin tức") == "Sức khỏe"
    assert len(safe_name("từ " * 200) or "") <= 80
    assert safe_name("…") is None and safe_name("a, b") == "a b"
