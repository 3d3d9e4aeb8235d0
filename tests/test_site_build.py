"""The reading site, built for real from tests/fixtures/site with the project settings.

Covers the page inventory, the article page contract (Vietnamese dates, provenance, topic
neighbours), articles with missing metadata, links that work from disk, the search index's đ
folding, publish mode (absolute URLs under a project sub-path, CNAME), byte-identical rebuilds,
and how a broken Date is reported.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html

from tests.sitebuild import ROOT, SITE_CONTENT, build_site, plugins

HANOI = "thoi-su/2024/ha-noi-mo-rong-duong-vanh-dai.html"
DANANG = "thoi-su/2024/da-nang-cau-rong-phun-lua.html"
BARE = "suc-khoe/2024/bua-sang-du-chat-cho-nguoi-ban-ron.html"  # Title, Date, Category only
SOURCE_ONLY = "giao-duc/2023/lich-thi-tot-nghiep.html"  # Source without any URL
TABLE = "kinh-te/2024/so-lieu-ban-le.html"
LONG_TITLE = "van-hoa/2022/le-hoi-phao-hoa.html"
PUBLISH_URL = "https://user.github.io/clearpress"


def page(build, name: str) -> html.HtmlElement:
    """Parse one output page."""
    return html.fromstring(build.text(name))


def all_files(output: Path) -> dict[str, bytes]:
    """Return every output file by site-relative path."""
    return {
        p.relative_to(output).as_posix(): p.read_bytes()
        for p in sorted(output.rglob("*"))
        if p.is_file()
    }


# --- inventory ---------------------------------------------------------------------------------


EXPECTED = [
    "index.html",
    HANOI,
    DANANG,
    BARE,
    SOURCE_ONLY,
    TABLE,
    LONG_TITLE,
    "thoi-su/index.html",
    "topics/index.html",
    "tag/index.html",
    "tag/ha-noi/index.html",
    "tag/da-nang/index.html",
    "source/index.html",
    "source/hanoi-gov-vn/index.html",
    "source/moet-gov-vn/index.html",
    "archives/index.html",
    "archives/2024/index.html",
    "archives/2024/03/index.html",
    "search/index.html",
    "about/index.html",
    "404.html",
    "sitemap.xml",
    "robots.txt",
    ".nojekyll",
    "theme/css/main.css",
    "theme/js/search.js",
    "images/x.png",
    "theme/js/search-index.js",
    "search/data/meta.json",
]


@pytest.mark.parametrize("name", EXPECTED)
def test_expected_page_exists(built_site, name):
    assert (built_site.output / name).is_file()


def test_feed_pages_exist_when_topic_feeds_is_installed(built_site):
    if "topic_feeds" not in plugins():
        pytest.skip("plugins/topic_feeds is not in the tree")
    for name in ("feeds/index.html", "feeds/topics/thoi-su.rss.xml", "feeds.opml"):
        assert (built_site.output / name).is_file(), name
    catalog = page(built_site, "feeds/index.html")
    hrefs = catalog.xpath("//main//a/@href")
    assert "../feeds/topics/thoi-su.rss.xml" in hrefs
    assert "../feeds/sources/hanoi-gov-vn.json" in hrefs


def test_build_reports_no_errors(built_site):
    assert built_site.messages(logging.ERROR) == []


# --- every page --------------------------------------------------------------------------------


def html_pages(output: Path) -> list[Path]:
    """Return every HTML page the site serves (the search index has none)."""
    return sorted(output.rglob("*.html"))


def test_every_page_is_vietnamese_with_one_h1_skip_link_and_feed_discovery(built_site):
    for path in html_pages(built_site.output):
        doc = html.fromstring(path.read_text(encoding="utf-8"))
        name = path.relative_to(built_site.output).as_posix()
        assert doc.get("lang") == "vi", name
        assert len(doc.xpath("//h1")) == 1, name
        assert doc.xpath("//a[@class='skip']/@href") == ["#main"], name
        assert doc.xpath("//main[@id='main']"), name
        if "topic_feeds" in plugins():
            types = doc.xpath("//head/link[@rel='alternate']/@type")
            assert "application/rss+xml" in types and "application/atom+xml" in types, name


def test_no_third_party_resources_and_no_script_outside_search(built_site):
    for path in html_pages(built_site.output):
        doc = html.fromstring(path.read_text(encoding="utf-8"))
        name = path.relative_to(built_site.output).as_posix()
        loaded = doc.xpath("//script/@src | //link[@rel!='alternate']/@href | //img/@src")
        assert [u for u in loaded if urlsplit(u).scheme or u.startswith("//")] == [], name
        scripts = doc.xpath("//script")
        assert scripts == [] or name == "search/index.html", name
        # Markdown may align table cells with style attributes; nothing else styles or scripts.
        assert not doc.xpath("//style | //@*[starts-with(name(), 'on')]"), name


def test_relative_links_resolve_when_browsing_output_from_disk(built_site):
    out = built_site.output
    broken = []
    for path in html_pages(out):
        doc = html.fromstring(path.read_text(encoding="utf-8"))
        for url in doc.xpath("//a/@href | //link/@href | //script/@src | //img/@src"):
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("#", "//")):
                continue
            target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() and not (url == "" and parts.query):
                broken.append(f"{path.relative_to(out)} -> {url}")
    assert broken == []


# --- the article page --------------------------------------------------------------------------


def test_article_page_has_date_topic_tags_authors_figure_and_provenance(built_site):
    doc = page(built_site, HANOI)
    article = doc.xpath("//main/article")[0]
    assert article.xpath("string(.//h1)") == (
        "Hà Nội khởi công mở rộng đường Vành đai 2,5 qua quận Đống Đa"
    )
    published = article.xpath(".//header//time")[0]
    assert published.get("datetime") == "2024-03-15T08:30:00+07:00"
    assert published.text == "Thứ sáu, 15/03/2024 08:30"
    assert article.xpath(".//p[@class='kicker']/a/@href") == ["../../thoi-su/"]
    # Authors are named, not linked: there are no per-author pages (README, "The reading site").
    assert article.xpath("string(.//span[@class='authors'])") == "Nguyễn Thu Trang, Lê Minh Đức"
    assert not article.xpath(".//span[@class='authors']//a")
    assert article.xpath(".//p[@class='tags']/a/text()") == ["#Hà Nội", "#giao thông", "#hạ tầng"]
    assert article.xpath(".//figure/img/@src") == ["../../images/x.png"]
    assert article.xpath(".//figure/figcaption/text()")
    prov = article.xpath(".//section[@class='provenance']")[0]
    assert prov.xpath(".//a[@class='source-link']/@href") == [
        "https://hanoi.gov.vn/tin-tuc/khoi-cong-vanh-dai-25-4240315.htm"
    ]
    assert prov.xpath("string(.//a[@class='source-link'])") == "hanoi.gov.vn"
    assert prov.xpath(".//a[@class='via-link']/@href") == [
        "https://webkhoedep.vn/ha-noi-khoi-cong-vanh-dai-25-12345.html",
        "https://tinnhanh365.vn/thoi-su/vanh-dai-25-ha-noi-678.html",
    ]
    assert prov.xpath(".//time/@datetime") == ["2024-03-15T10:12:00+07:00"]
    assert "../../source/hanoi-gov-vn/" in prov.xpath(".//a/@href")


def test_weekday_names_are_vietnamese(built_site):
    long_title = page(built_site, LONG_TITLE).xpath("//article//header//time")[0]
    assert long_title.text == "Thứ sáu, 18/02/2022 21:16"  # the date of the example
    assert long_title.get("datetime") == "2022-02-18T21:16:00+07:00"
    danang = page(built_site, DANANG).xpath("//article//header//time/text()")
    assert danang == ["Thứ bảy, 08/06/2024 21:00"]


def test_previous_and_next_stay_within_the_topic(built_site):
    nav = page(built_site, HANOI).xpath("//nav[@class='neighbours']")[0]
    assert nav.xpath(".//a[@rel='next']/@href") == ["../../" + DANANG]
    assert nav.xpath(".//a[@rel='prev']/@href") == ["../../thoi-su/2023/mua-lon-ngap-pho.html"]
    newest = page(built_site, "thoi-su/2024/dien-luc-cat-dien.html")
    assert newest.xpath("//a[@rel='next']") == []


def test_article_without_optional_metadata_renders_cleanly(built_site):
    doc = page(built_site, BARE)
    article = doc.xpath("//main/article")[0]
    assert article.xpath("string(.//h1)") == "Bữa sáng đủ chất cho người bận rộn"
    assert article.xpath(".//header//time/text()") == ["Thứ hai, 20/05/2024 06:00"]
    for missing in ("section[@class='provenance']", "span[@class='authors']", "p[@class='tags']"):
        assert not article.xpath(f".//{missing}"), missing
    assert "ClearPress" not in article.xpath("string(.//header)")  # no invented author
    text = article.text_content()
    assert "None" not in text and "Undefined" not in text


def test_source_without_urls_is_named_without_a_link(built_site):
    prov = page(built_site, SOURCE_ONLY).xpath("//section[@class='provenance']")[0]
    assert "moet.gov.vn" in prov.text_content()
    assert prov.xpath(".//a[@class='source-link' or @class='via-link']") == []
    assert prov.xpath(".//a/@href") == ["../../source/moet-gov-vn/"]


def test_huge_table_scrolls_in_a_labelled_focusable_region(built_site):
    doc = page(built_site, TABLE)
    regions = doc.xpath("//div[@class='table-scroll']")
    assert len(regions) == 1
    assert regions[0].get("tabindex") == "0" and regions[0].get("aria-label")
    assert len(regions[0].xpath(".//tbody/tr")) == 120


def test_long_title_is_whole_in_heading_and_title(built_site):
    doc = page(built_site, LONG_TITLE)
    heading = doc.xpath("string(//h1)")
    assert heading.startswith("Lễ hội pháo hoa quốc tế") and heading.endswith("lịch sử thành phố")
    assert doc.xpath("string(//title)") == f"{heading} — ClearPress"


# --- listings ----------------------------------------------------------------------------------


def teaser_links(doc) -> list[str]:
    """Return the article links of a listing page, in order."""
    return doc.xpath("//ol[@class='stories']//h2/a/@href")


def test_home_lists_the_newest_articles_on_one_page(built_site):
    first = teaser_links(page(built_site, "index.html"))
    assert first[0] == "./thoi-su/2024/dien-luc-cat-dien.html"
    assert first[-1] == "./" + LONG_TITLE  # the oldest article
    assert len(first) == 11  # HOME_ARTICLES is 50: the whole fixture
    assert not (built_site.output / "index2.html").exists()


def test_home_shows_home_articles_then_points_to_the_archives(tmp_path):
    build = build_site(tmp_path / "out", PLUGINS=[], HOME_ARTICLES=3)
    doc = page(build, "index.html")
    assert len(teaser_links(doc)) == 3
    assert "./archives/" in doc.xpath("//p[@class='more']/a/@href")


def test_topic_page_lists_its_articles_and_links_its_feeds(built_site):
    doc = page(built_site, "thoi-su/index.html")
    assert doc.xpath("string(//h1)").strip().endswith("Thời sự")
    assert len(teaser_links(doc)) == 4
    if "topic_feeds" in plugins():
        alternates = doc.xpath("//head/link[@rel='alternate']/@href")
        assert "../feeds/topics/thoi-su.rss.xml" in alternates
        assert "../feeds/topics/thoi-su.atom.xml" in alternates
        # The JSON Feed is linked on the page, not advertised in every page's head.
        assert "../feeds/topics/thoi-su.json" not in alternates
        subscribe = doc.xpath("//p[@class='subscribe']/a/@href")
        assert "../feeds/topics/thoi-su.rss.xml" in subscribe
        assert "../feeds/topics/thoi-su.json" in subscribe


def test_source_pages_group_by_publisher(built_site):
    index = page(built_site, "source/index.html")
    names = index.xpath("//ul[@class='index-list']/li/a/text()")
    assert names == sorted(names, key=lambda n: re.sub(r"[^a-z0-9]", "-", n))
    assert "hanoi.gov.vn" in names and len(names) == 9
    hanoi = page(built_site, "source/hanoi-gov-vn/index.html")
    assert hanoi.xpath("//ol[@class='compact']/li/a/@href") == [
        "../../" + HANOI,
        "../../thoi-su/2023/mua-lon-ngap-pho.html",
    ]
    if "topic_feeds" in plugins():
        assert "../../feeds/sources/hanoi-gov-vn.rss.xml" in hanoi.xpath("//head/link/@href")


def test_archives_by_year_and_month(built_site):
    index = page(built_site, "archives/index.html")
    assert index.xpath("//ul[@class='archive-years']/li/h2/a/text()") == [
        "Năm 2024",
        "Năm 2023",
        "Năm 2022",
    ]
    march = page(built_site, "archives/2024/03/index.html")
    assert march.xpath("//ol[@class='compact']//a/@href") == ["../../../" + HANOI]
    assert "tháng 03/2024" in march.xpath("string(//title)")
    # A year lists its months (newest first, with counts); its articles are on the month pages.
    year = page(built_site, "archives/2024/index.html")
    months = year.xpath("//ul[@class='archive-months']/li/a/@href")
    assert "../../archives/2024/03/" in months and months == sorted(months, reverse=True)
    counts = year.xpath("//ul[@class='archive-months']/li/span[@class='count']/text()")
    total = int(year.xpath("string(//main/p)").split()[0])
    assert total > len(counts) > 1 and sum(int(c.split()[0]) for c in counts) == total
    assert not year.xpath("//ol[@class='compact']")


def test_tag_page_and_404(built_site):
    tag = page(built_site, "tag/da-nang/index.html")
    # Tag pages are compact lists, newest first, 50 a page.
    links = tag.xpath("//ol[@class='compact']/li/a/@href")
    assert len(links) == 3 and links[0].startswith("../../")
    assert all(li.xpath("time/@datetime") for li in tag.xpath("//ol[@class='compact']/li"))
    missing = page(built_site, "404.html")
    assert missing.xpath("string(//h1)") == "Không tìm thấy trang"
    assert "./search/" in missing.xpath("//main//a/@href")


# --- crawler and host files --------------------------------------------------------------------


def test_sitemap_lists_every_article_with_content_dates(built_site):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    doc = etree.fromstring((built_site.output / "sitemap.xml").read_bytes())
    entries = {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
        for u in doc.findall("s:url", ns)
    }
    root = "http://localhost:8000/"
    assert entries[root + HANOI] == "2024-03-16T09:00:00+07:00"  # Modified wins over Date
    assert entries[root + DANANG] == "2024-06-08T21:00:00+07:00"
    assert entries[root] == "2024-11-05T06:00:00+07:00"
    assert root + "source/hanoi-gov-vn/" in entries and root + "thoi-su/" in entries
    assert sum(1 for loc in entries if loc.endswith(".html")) == 11
    robots = built_site.text("robots.txt")
    assert robots.endswith(f"Sitemap: {root}sitemap.xml\n")
    assert not (built_site.output / "CNAME").exists()


def test_sitemap_urls_are_quoted_and_escaped_as_always():
    """URLs of plain characters are written as they are; the rest quoted and escaped."""
    from urllib.parse import quote
    from xml.sax.saxutils import escape

    sys.path.insert(0, str(ROOT / "plugins"))
    from sitemap_robots.sitemap_robots import URL_SAFE, sitemap_xml

    urls = [
        "", "thoi-su/2024/bai.html", "tag/ha-noi/", "a&b/", "tiếng việt/bài.html", "a b/",
        "x<y>/", "q?a=1", "#frag", "%41/", "(a)/[b]/", "~user/", 'say"hi"/', "a'b/",
    ]  # fmt: skip
    for root in ("http://localhost:8000", "https://tin.example.vn/kho&luu"):
        document = sitemap_xml(root, [(url, None) for url in urls])
        expected = [
            f"<url><loc>{escape(f'{root}/{quote(u, safe=URL_SAFE)}')}</loc></url>" for u in urls
        ]
        assert document.splitlines()[2:-1] == expected


# --- search index ------------------------------------------------------------------------------


def search_index(output: Path) -> tuple[dict, dict[str, str], list[list[str]]]:
    """Return the search index: meta.json, every term with its postings, every record."""
    folder = output / "search" / "data"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    terms: dict[str, str] = {}
    for path in sorted((folder / "t").glob("*.json")):
        terms.update(json.loads(path.read_text(encoding="utf-8")))
    records = []
    for number in range(0, meta["docs"], meta["shardDocs"]):
        path = folder / "d" / f"{number // meta['shardDocs']}.json"
        records += json.loads(path.read_text(encoding="utf-8"))
    return meta, terms, records


def test_search_index_holds_every_article_once_with_d_folded(built_site):
    meta, terms, records = search_index(built_site.output)
    assert sorted(r[0] for r in records) == sorted(
        p.relative_to(built_site.output).as_posix()
        for p in built_site.output.glob("*/20*/*.html")
        if not p.is_relative_to(built_site.output / "archives")
    )
    assert meta["docs"] == len(records) == len(meta["lengths"])
    danang = next(r for r in records if r[0] == DANANG)
    assert danang[1].startswith("Đà Nẵng")  # shown as written
    assert "da nang" in terms and "da" in terms  # indexed so that "da nang" matches
    assert all(t.isascii() and t == t.lower() for t in terms)  # Vietnamese folds to ASCII
    page = built_site.text("search/index.html")
    assert 'data-index="search/data/"' in page  # where search.js looks for the index


# --- publish mode ------------------------------------------------------------------------------


def test_publish_mode_uses_absolute_urls_under_a_sub_path_and_writes_cname(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARPRESS_SITEURL", PUBLISH_URL + "/")
    monkeypatch.setenv("CLEARPRESS_CNAME", "tin.example.vn")
    monkeypatch.chdir(tmp_path)
    build = build_site(tmp_path / "out", conf="publishconf.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left in the cwd
    doc = page(build, HANOI)
    assert doc.xpath("//link[@rel='stylesheet']/@href") == [f"{PUBLISH_URL}/theme/css/main.css"]
    assert doc.xpath("//p[@class='kicker']/a/@href") == [f"{PUBLISH_URL}/thoi-su/"]
    assert doc.xpath("//figure/img/@src") == [f"{PUBLISH_URL}/images/x.png"]
    assert f"{PUBLISH_URL}/search/" in page(build, "404.html").xpath("//main//a/@href")
    assert build.text("CNAME") == "tin.example.vn\n"
    assert f"<loc>{PUBLISH_URL}/{HANOI}</loc>" in build.text("sitemap.xml")
    assert "localhost" not in build.text("sitemap.xml") + build.text("robots.txt")
    assert (build.output / ".nojekyll").is_file()


# --- determinism -------------------------------------------------------------------------------


def test_two_builds_are_byte_identical(built_site, tmp_path):
    again = build_site(tmp_path / "again")
    first, second = all_files(built_site.output), all_files(again.output)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


# --- broken metadata ---------------------------------------------------------------------------

BAD_DATE = """Title: Bài có ngày sai
Date: 2024-13-45 25:61+07:00
Category: Thời sự

Ngày tháng trong phần đầu bài không tồn tại.
"""


@pytest.fixture
def broken_content(tmp_path) -> Path:
    """Return a copy of the fixture content with one article whose Date is impossible."""
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    (content / "thoi-su" / "2024" / "ngay-sai.md").write_text(BAD_DATE, encoding="utf-8")
    return content


def test_invalid_date_is_reported_by_file_name_and_the_article_left_out(broken_content, tmp_path):
    build = build_site(tmp_path / "out", content=broken_content)
    errors = build.messages(logging.ERROR)
    assert any("ngay-sai.md" in m for m in errors), errors
    assert not list((build.output / "thoi-su").rglob("*ngay-sai*"))
    assert (build.output / HANOI).is_file()  # everything else is still built


def test_invalid_date_fails_the_project_build_command(broken_content, tmp_path):
    """`clearpress build` runs Pelican with --fatal errors: a bad Date stops the deploy."""
    command = [
        sys.executable, "-m", "pelican", str(broken_content),
        "-s", str(ROOT / "pelicanconf.py"), "-o", str(tmp_path / "out"), "--fatal", "errors",
        "-e", f"PLUGINS={json.dumps(plugins())}",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "ngay-sai.md" in result.stdout + result.stderr


# --- hostile metadata --------------------------------------------------------------------------

HOSTILE = """Title: Tin &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; "trích dẫn"
Date: 2024-07-01 08:00+07:00
Category: Thời sự
Slug: tin-doc-hai
Summary: Câu &quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt; nguy hiểm
Source: x" onmouseover="alert(3)
Source_URL: javascript:alert(4)
Via_URL: https://ok.example/a, javascript:alert(5)
Captured: hôm qua

Nội dung bình thường.
"""


def test_metadata_cannot_inject_markup_or_script_links(tmp_path):
    """Pelican does not autoescape: the theme escapes metadata and links only http(s)."""
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    (content / "thoi-su" / "2024" / "tin-doc-hai.md").write_text(HOSTILE, encoding="utf-8")
    build = build_site(tmp_path / "out", content=content)
    for name in ("thoi-su/2024/tin-doc-hai.html", "index.html", "thoi-su/index.html"):
        doc = page(build, name)
        assert doc.xpath("//script") == [], name
        assert doc.xpath("//@*[starts-with(name(), 'on')]") == [], name
        assert not [u for u in doc.xpath("//@href") if u.lower().startswith("javascript")], name
    doc = page(build, "thoi-su/2024/tin-doc-hai.html")
    assert doc.xpath("string(//title)").startswith("Tin </title><script>alert(1)</script>")
    prov = doc.xpath("//section[@class='provenance']")[0]
    assert prov.xpath(".//a[@class='via-link']/@href") == ["https://ok.example/a"]
    assert "javascript:alert(5)" in prov.text_content()  # shown as text, not a link
    assert "hôm qua" in prov.text_content() and prov.xpath(".//time") == []
    assert any("tin-doc-hai.md" in m and "Captured" in m for m in build.messages())


DRAFT = """Title: Bản nháp chưa kiểm tra về giá xăng
Date: 2024-03-02 09:00+07:00
Category: Năng lượng
Status: draft
Source: vnexpress.net

Nội dung trích xuất chưa chắc chắn, đang chờ người vận hành xem lại.
"""


def test_drafts_are_never_written_to_the_site(tmp_path):
    """Drafts wait in content/ for review; publishing them at a guessable URL would leak them.

    Their topic here has no published article, so a draft page would also link a topic page
    and feeds that do not exist (found by ``check`` in a scheduled run).
    """
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    (content / "thoi-su" / "2024" / "ban-nhap.md").write_text(DRAFT, encoding="utf-8")
    build = build_site(tmp_path / "out", content=content)
    assert not (build.output / "drafts").exists()
    assert not (build.output / "nang-luong").exists()
    for path in build.output.rglob("*"):
        if path.suffix in (".html", ".xml", ".json") and path.is_file():
            assert "Bản nháp chưa kiểm tra" not in path.read_text(encoding="utf-8"), path
