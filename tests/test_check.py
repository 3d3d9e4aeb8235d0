"""``clearpress check``: a good site passes, and every kind of defect is caught by its check.

Most tests write a tiny site by hand (milliseconds) and plant one defect; one test runs a real
Pelican build of a few Markdown articles, so the checks are also proven on what Pelican and the
theme actually write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from scripts.check import CheckReport, check_site, format_report
from scripts.checks.residue import load_patterns, main_content, text_lines
from scripts.checks.site import SiteAddress, page_tree, resolve
from scripts.models import ArchiveError, RulesError

ROOT = Path(__file__).resolve().parent.parent
SITE = "https://example.github.io/archive"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


# --------------------------------------------------------------------------- a good site by hand


def _page(title: str, body: str, *, canonical: str, depth: int, og_type: str = "website") -> str:
    up = "../" * depth
    return textwrap.dedent(
        f"""\
        <!DOCTYPE html>
        <html lang="vi">
        <head>
        <meta charset="utf-8">
        <title>{title}</title>
        <link rel="canonical" href="{SITE}/{canonical}">
        <meta property="og:type" content="{og_type}">
        <meta property="og:image" content="{SITE}/images/a.jpg">
        <link rel="stylesheet" href="{up}theme/css/site.css">
        <link rel="alternate" type="application/atom+xml" href="{up}feeds/all.atom.xml">
        <link rel="icon" href="{up}favicon.ico">
        </head>
        <body>
        <nav><a href="{up}">Trang chủ</a> <a href="{up}topics/">Chủ đề</a>
        <a href="{up}feeds/">Nguồn cấp</a> <a href="#main">Bỏ qua</a></nav>
        <main id="main">
        {body}
        </main>
        <footer><a href="https://github.com/example/archive">Mã nguồn</a>
        <a href="mailto:a@example.vn">Thư</a></footer>
        <script src="{up}theme/js/site.js"></script>
        </body>
        </html>
        """
    )


ARTICLE_BODY = f"""\
<article>
<header><h1>Hà Nội mở rộng tiêm chủng</h1>
<p>Nguồn: <a href="https://hanoi.gov.vn/tin/tiem-chung-123.html">hanoi.gov.vn</a></p></header>
<div class="entry-content">
<p>Sáng 18/2, Hà Nội tiếp tục mở rộng chương trình tiêm chủng.</p>
<p>Luật Quảng cáo năm 2012 quy định rõ trách nhiệm của các đơn vị đăng tải nội dung trên mạng, và bài viết này không phải quảng cáo nhưng nhắc đến nó trong một câu dài.</p>
<figure><img src="../../images/a.jpg" alt="" srcset="../../images/a.jpg 1x, ../../images/a%20b.jpg 2x">
<figcaption>Người dân xếp hàng. Ảnh: hanoi.gov.vn</figcaption></figure>
<p><a href="../../tag/y-te/">Y tế</a> · <a href="{SITE}/suc-khoe/?page=1#top">Sức khỏe</a>
· <a href="/archive/feeds/topics/suc-khoe.rss.xml">RSS</a></p>
</div>
<footer><p>Tags: y tế, Hà Nội</p><p>Chia sẻ Facebook</p></footer>
</article>
"""

RSS = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>ClearPress — Sức khỏe</title><link>{site}/suc-khoe/</link><description>Tin</description>
{items}
</channel></rss>
"""
RSS_ITEM = """<item><title>Hà Nội mở rộng tiêm chủng</title>
<link>{site}/suc-khoe/2024/ha-noi.html</link><guid isPermaLink="false">urn:uuid:1</guid>
<description>&lt;p&gt;Sáng 18/2…&lt;/p&gt;</description></item>"""
ATOM = """\
<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>urn:uuid:feed</id><title>ClearPress — Sức khỏe</title><updated>2024-02-18T21:16:00+07:00</updated>
<link href="{site}/feeds/topics/suc-khoe.atom.xml" rel="self"/>
<entry><id>urn:uuid:1</id><title>Hà Nội mở rộng tiêm chủng</title>
<updated>2024-02-18T21:16:00+07:00</updated><link href="{site}/suc-khoe/2024/ha-noi.html"/>
<content type="html">&lt;p&gt;Sáng 18/2…&lt;/p&gt;</content></entry>
</feed>
"""
OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>ClearPress</title></head><body>
<outline text="Sức khỏe" type="rss" xmlUrl="{site}/feeds/topics/suc-khoe.rss.xml"/>
</body></opml>
"""


def _json_feed(items: list[dict[str, object]] | None = None) -> str:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "ClearPress — Sức khỏe",
        "feed_url": f"{SITE}/feeds/topics/suc-khoe.json",
        "items": items
        if items is not None
        else [{"id": "urn:uuid:1", "url": f"{SITE}/suc-khoe/2024/ha-noi.html",
               "content_html": "<p>Sáng 18/2…</p>"}],
    }  # fmt: skip
    return json.dumps(feed, ensure_ascii=False)


def _write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def make_site(root: Path) -> Path:
    """A small but complete site: pages, an article, images, feeds, OPML, static files."""
    simple = [
        ("index.html", "", 0, '<p><a href="suc-khoe/2024/ha-noi.html">Bài mới</a></p>'),
        ("topics/index.html", "topics/", 1, '<a href="../suc-khoe/">Sức khỏe</a>'),
        ("suc-khoe/index.html", "suc-khoe/", 1, '<a href="2024/ha-noi.html">Hà Nội</a>'),
        ("tag/y-te/index.html", "tag/y-te/", 2, '<a href="../../suc-khoe/2024/ha-noi.html">x</a>'),
        ("feeds/index.html", "feeds/", 1, '<a href="topics/suc-khoe.rss.xml">RSS</a>'),
        ("archives/2024/index.html", "archives/2024/", 2, '<a href="../../">Trang chủ</a>'),
    ]
    for rel, canonical, depth, body in simple:
        _write(root, rel, _page("ClearPress", body, canonical=canonical, depth=depth))
    _write(
        root,
        "suc-khoe/2024/ha-noi.html",
        _page(
            "Hà Nội", ARTICLE_BODY, canonical="suc-khoe/2024/ha-noi.html", depth=2,
            og_type="article",
        ),
    )  # fmt: skip
    _write(root, "images/a.jpg", PNG)
    _write(root, "images/a b.jpg", PNG)
    _write(root, "favicon.ico", PNG)
    _write(root, "theme/css/site.css", "body { margin: 0 }\n")
    _write(root, "theme/js/site.js", "document.documentElement.classList.add('js');\n")
    for name in ("all", "topics/suc-khoe"):
        _write(
            root, f"feeds/{name}.rss.xml", RSS.format(site=SITE, items=RSS_ITEM.format(site=SITE))
        )
        _write(root, f"feeds/{name}.atom.xml", ATOM.format(site=SITE))
        _write(root, f"feeds/{name}.json", _json_feed())
    _write(root, "feeds.opml", OPML.format(site=SITE))
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "output")


def _problems(report: CheckReport, check: str) -> list[tuple[str, str]]:
    return [(p.file, p.detail) for p in report.result(check).problems]


def _others_clean(report: CheckReport, *allowed: str) -> None:
    for result in report.results:
        if result.name not in allowed:
            assert result.status == "ok", (result.name, result.problems)


def test_good_site_passes(site: Path) -> None:
    report = check_site(site)
    assert report.ok, format_report(report)
    assert [r.status for r in report.results] == ["ok"] * 5
    assert report.site_url == SITE
    checked = {r.name: r.checked for r in report.results}
    assert checked["feeds"] == 7  # 2 RSS + 2 Atom + 2 JSON Feed + OPML
    assert checked["residue"] == 1
    assert checked["external"] == 8  # 7 pages + 1 stylesheet
    assert checked["links"] > 40


# --------------------------------------------------------------------------- planted defects

ARTICLE = "suc-khoe/2024/ha-noi.html"


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return plant


def _replace_file(rel: str, text: str) -> Callable[[Path], None]:
    return lambda root: _write(root, rel, text)


def _delete(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).unlink()


CONTENT = "<p>Sáng 18/2"
DEFECTS = {
    "broken internal link": (
        _edit("index.html", "<p><a", '<p><a href="khong-co.html">x</a><a'),
        "links", "index.html", "khong-co.html",
    ),
    "broken absolute link under the site": (
        _edit("feeds/index.html", "<a ", f'<a href="{SITE}/bai-da-xoa/">x</a><a '),
        "links", "feeds/index.html", "bai-da-xoa/index.html",
    ),
    "root-relative link outside the project path": (
        _edit("index.html", "<p><a", '<p><a href="/suc-khoe/">x</a><a'),
        "links", "index.html", "outside the site",
    ),
    "link climbing above the root": (
        _edit("topics/index.html", "<a ", '<a href="../../etc/passwd">x</a><a '),
        "links", "topics/index.html", "outside the site",
    ),
    "missing image": (_delete("images/a.jpg"), "links", ARTICLE, "images/a.jpg"),
    "missing srcset image": (_delete("images/a b.jpg"), "links", ARTICLE, "images/a b.jpg"),
    "missing stylesheet": (_delete("theme/css/site.css"), "links", "index.html", "site.css"),
    "invalid feed XML": (
        _replace_file("feeds/topics/suc-khoe.atom.xml", ATOM.format(site=SITE)[:300]),
        "feeds", "feeds/topics/suc-khoe.atom.xml", "not a clean feed",
    ),
    "bozo RSS": (
        _edit("feeds/all.rss.xml", "<title>Hà Nội", "<title>Hà&nbsp;Nội"),
        "feeds", "feeds/all.rss.xml", "not a clean feed",
    ),
    "RSS that is Atom": (
        _replace_file("feeds/all.rss.xml", ATOM.format(site=SITE)),
        "feeds", "feeds/all.rss.xml", "expected RSS",
    ),
    "archive feed without entries": (
        _replace_file("feeds/all.rss.xml", RSS.format(site=SITE, items="")),
        "feeds", "feeds/all.rss.xml", "no entries",
    ),
    "JSON Feed without item ids": (
        _replace_file("feeds/topics/suc-khoe.json", _json_feed([{"content_html": "<p>x</p>"}])),
        "feeds", "feeds/topics/suc-khoe.json", "item 1 has no string id",
    ),
    "JSON Feed of the wrong version": (
        _edit("feeds/all.json", "version/1.1", "version/9"),
        "feeds", "feeds/all.json", "version",
    ),
    "JSON Feed that is not JSON": (
        _replace_file("feeds/all.json", "{not json"),
        "feeds", "feeds/all.json", "not JSON",
    ),
    "broken OPML": (_replace_file("feeds.opml", "<opml><body>"), "feeds", "feeds.opml", "XML"),
    "external script": (
        _edit("index.html", "</body>", '<script src="https://cdn.example.com/x.js"></script></body>'),
        "external", "index.html", "<script> from another host cdn.example.com",
    ),
    "iframe from an ad host": (
        _edit(ARTICLE, CONTENT, f'<iframe src="https://googleads.g.doubleclick.net/pagead/ads?x=1"></iframe>{CONTENT}'),
        "external", ARTICLE, "<iframe> from another host googleads.g.doubleclick.net",
    ),
    "external stylesheet": (
        _edit("topics/index.html", "</head>", '<link rel="stylesheet" href="//fonts.example.com/a.css"></head>'),
        "external", "topics/index.html", "<link rel=stylesheet> from another host fonts.example.com",
    ),
    "CSS loading a remote font": (
        _replace_file("theme/css/site.css", "@import 'https://fonts.example.com/x.css';\nb{background:url(../img/x.png)}"),
        "external", "theme/css/site.css", "stylesheet loads from another host fonts.example.com",
    ),
    "hotlinked image": (
        _edit(ARTICLE, CONTENT, f'<img src="https://cdn.republisher.vn/a.jpg">{CONTENT}'),
        "external", ARTICLE, "hotlinked image from another host cdn.republisher.vn",
    ),
    "onclick attribute": (
        _edit("feeds/index.html", "<a ", "<a onclick=\"track()\" "),
        "external", "feeds/index.html", "inline event handler onclick",
    ),
    "javascript: link": (
        _edit("index.html", "<p><a", '<p><a href="javascript:void(0)">x</a><a'),
        "external", "index.html", "javascript: URL",
    ),
    "phone-ad line in an article": (
        _edit(ARTICLE, CONTENT, f"<p>0947268688 liên hệ quảng cáo</p>{CONTENT}"),
        "residue", ARTICLE, "phone-ad: '0947268688 liên hệ quảng cáo'",
    ),
    "ad label in an article": (
        _edit(ARTICLE, CONTENT, f"<div>Quảng cáo</div>{CONTENT}"),
        "residue", ARTICLE, "ad-label",
    ),
    "ad class in an article": (
        _edit(ARTICLE, CONTENT, f'<ins class="adsbygoogle"></ins>{CONTENT}'),
        "residue", ARTICLE, "ad-class: <ins> marked 'adsbygoogle'",
    ),
    "link to an ad host in an article": (
        _edit(ARTICLE, CONTENT, f'<a href="https://ads.republisher.vn/click?id=1">x</a>{CONTENT}'),
        "residue", ARTICLE, "ads-subdomain",
    ),
    "fbclid in a link": (
        _edit(ARTICLE, "tiem-chung-123.html", "tiem-chung-123.html?fbclid=IwAR0abc"),
        "residue", ARTICLE, "tracking parameter fbclid",
    ),
}  # fmt: skip


@pytest.mark.parametrize("defect", list(DEFECTS), ids=list(DEFECTS))
def test_defect_is_caught_by_its_check(site: Path, defect: str) -> None:
    plant, check, file, detail = DEFECTS[defect]
    plant(site)
    report = check_site(site)
    found = _problems(report, check)
    assert any(f == file and detail in d for f, d in found), (defect, found)
    assert report.result(check).status == "fail"
    assert not report.ok
    text = format_report(report)
    assert f"  {file}: " in text and "FAILED" in text


def test_iframe_from_an_ad_host_is_also_ad_residue(site: Path) -> None:
    DEFECTS["iframe from an ad host"][0](site)
    report = check_site(site)
    assert any("google-ads" in d for _, d in _problems(report, "residue"))


def test_oversize_output_fails_and_near_limit_warns(site: Path) -> None:
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    over = check_site(site, size_limit=total // 2)
    assert over.result("size").status == "fail" and not over.ok
    assert "over the" in over.result("size").problems[0].detail
    near = check_site(site, size_limit=total + 1, warn_share=0.5)
    assert near.result("size").status == "warn"
    assert near.ok  # a warning does not block a deploy
    fine = check_site(site, size_limit=total * 10)
    assert fine.result("size").status == "ok"
    assert any(n.startswith("largest: ") for n in fine.result("size").notes)


def test_empty_topic_feed_only_warns(site: Path) -> None:
    _write(site, "feeds/topics/suc-khoe.rss.xml", RSS.format(site=SITE, items=""))
    report = check_site(site)
    assert report.result("feeds").status == "warn"
    assert report.ok


def test_what_is_not_a_defect(site: Path) -> None:
    """Chrome lines outside the article body, long prose about ads, plain external links."""
    report = check_site(site)
    _others_clean(report)
    lines = text_lines(main_content(page_tree((site / ARTICLE).read_bytes())))
    assert not any(line.startswith(("Tags:", "Chia sẻ", "Hà Nội mở rộng")) for line in lines)
    assert "Người dân xếp hàng. Ảnh: hanoi.gov.vn" in lines


def test_missing_output_dir_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"output: no built site here; run `clearpress build`"):
        check_site(tmp_path / "output")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArchiveError, match="no built site here"):
        check_site(tmp_path / "empty")


def test_site_url_option_overrides_canonical(site: Path) -> None:
    _edit("index.html", "<p><a", '<p><a href="https://tin.example.vn/khong-co/">x</a><a')(site)
    assert check_site(site).ok  # another host's page: a plain external link
    report = check_site(site, site_url="https://tin.example.vn/")
    assert report.site_url == "https://tin.example.vn"
    assert (
        "index.html",
        "link 'https://tin.example.vn/khong-co/' → khong-co/index.html: no such file",
    ) in _problems(report, "links")


def test_custom_patterns_file_replaces_the_default(site: Path, tmp_path: Path) -> None:
    _edit(ARTICLE, CONTENT, f"<p>Mua ngay kẻo lỡ</p>{CONTENT}")(site)
    assert check_site(site).ok
    patterns = tmp_path / "residue.toml"
    patterns.write_text(
        "article_paths = ['^suc-khoe/']\n[[text]]\nname = 'sales'\npattern = 'mua ngay'\n",
        encoding="utf-8",
    )
    report = check_site(site, patterns_file=patterns)
    assert _problems(report, "residue") == [(ARTICLE, "sales: 'Mua ngay kẻo lỡ'")]


@pytest.mark.parametrize(
    "text",
    [
        "[[text]]\nname = 'x'\npattern = '(unclosed'\n",
        "junk_kinds = [\n",
        "[[host]]\npattern = 'x'\n",
        "[[hosts]]\nname = 'x'\npattern = 'x'\n",
        "[[text]]\nname = 'x'\npattern = 'x'\nmax_len = 3\n",
        "[[text]]\nname = 'x'\npattern = 'x'\nmax_length = 0\n",
        "junk_kinds = ['phone-ads']\n",
        "[tracking]\nenable = false\n",
    ],
)
def test_bad_patterns_file_is_an_archive_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=str(path)):
        load_patterns(path)


def test_default_patterns_load() -> None:
    patterns = load_patterns()
    assert "phone-ad" in patterns.junk_kinds
    assert patterns.is_tracking("utm_source") and patterns.is_tracking("FBCLID")
    assert any(r.pattern.search("pagead2.googlesyndication.com") for r in patterns.hosts)
    assert any(r.pattern.search("ib.adnxs.com") for r in patterns.hosts)
    assert not any(r.pattern.search("hanoi.gov.vn") for r in patterns.hosts)
    is_article = patterns.is_article
    tree = page_tree(b"<html><body></body></html>")
    assert is_article("suc-khoe/2024/ha-noi.html", tree)
    assert not is_article("archives/2024/index.html", tree)
    assert not is_article("tag/y-te/index.html", tree)


@pytest.mark.parametrize(
    ("ref", "page", "kind", "path"),
    [
        ("a%20b.jpg", "images/x.html", "internal", "images/a b.jpg"),
        ("../tag/?p=1#top", "suc-khoe/index.html", "internal", "tag/"),
        ("./", "suc-khoe/index.html", "internal", "suc-khoe/"),
        ("/archive/", "x.html", "internal", ""),
        ("/archive", "x.html", "internal", ""),
        ("/other/", "x.html", "outside", "/other/"),
        (f"{SITE}/feeds/all.json", "x.html", "internal", "feeds/all.json"),
        ("https://EXAMPLE.github.io/archive/a.html", "x.html", "internal", "a.html"),
        ("https://example.github.io/other/a.html", "x.html", "external", ""),
        ("//cdn.example.com/a.js", "x.html", "external", ""),
        ("#top", "x.html", "skip", ""),
        ("?page=2", "x.html", "skip", ""),
        ("mailto:a@b.vn", "x.html", "skip", ""),
        ("data:image/png;base64,AAAA", "x.html", "skip", ""),
        ("../../x.html", "a/b.html", "outside", "/a/../../x.html"),
    ],
)
def test_resolve(ref: str, page: str, kind: str, path: str) -> None:
    target = resolve(ref, page, SiteAddress.parse(SITE + "/"))
    assert target.kind == kind
    if kind in ("internal", "outside"):
        assert target.path == path


def test_format_report_is_an_aligned_table_then_problems(site: Path) -> None:
    for n in range(15):
        _edit("index.html", "<p><a", f'<p><a href="mat-{n}.html">x</a><a')(site)
    report = check_site(site)
    text = format_report(report, limit=3)
    lines = text.splitlines()
    assert lines[0].split() == ["check", "status", "checked", "problems"]
    table = lines[2:7]
    assert [row.split()[0] for row in table] == ["feeds", "links", "external", "residue", "size"]
    # Columns line up: every row is as wide as the header's dashes allow.
    assert len({row.index(row.split()[1]) for row in table}) == 1
    assert "links: 15 problem(s), first 3" in lines
    assert sum(1 for line in lines if line.startswith("  index.html: link 'mat-")) == 3
    assert "  … and 12 more" in lines
    assert lines[-1] == "FAILED: links"


def test_cli_check_exit_status(site: Path, tmp_path: Path) -> None:
    from scripts.cli import cli

    runner = CliRunner()
    good = runner.invoke(cli, ["check", str(site)])
    assert good.exit_code == 0, good.output
    assert good.output.rstrip().endswith("OK")
    DEFECTS["onclick attribute"][0](site)
    bad = runner.invoke(cli, ["check", str(site)])
    assert bad.exit_code == 1
    assert "feeds/index.html: <a> has inline event handler onclick=" in bad.output
    missing = runner.invoke(cli, ["check", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1
    assert "no built site here; run `clearpress build` first" in missing.output


# --------------------------------------------------------------------------- a real Pelican build

ARTICLES = {
    "suc-khoe/2024/ha-noi-tiem-chung.md": (
        "Hà Nội mở rộng tiêm chủng", "Sức khỏe", "ha-noi-tiem-chung", "2024-02-18 21:16+07:00",
        "Sáng 18/2, Hà Nội tiếp tục mở rộng chương trình tiêm chủng cho người dân.\n\n"
        '<figure><img src="{static}/images/a.png" alt=""><figcaption>Ảnh: hanoi.gov.vn'
        "</figcaption></figure>\n\nChương trình kéo dài đến cuối tháng.",
    ),
    "thoi-su/2024/da-nang-mua-lon.md": (
        "Đà Nẵng mưa lớn", "Thời sự", "da-nang-mua-lon", "2024-03-01 08:00+07:00",
        "Mưa lớn kéo dài khiến nhiều tuyến đường ngập sâu.\n\nChính quyền đã sơ tán người dân.",
    ),
    "thoi-su/2024/hue-le-hoi.md": (
        "Huế tổ chức lễ hội", "Thời sự", "hue-le-hoi", "2024-04-02 09:30+07:00",
        "Lễ hội diễn ra trong một tuần với nhiều hoạt động văn hóa.",
    ),
}  # fmt: skip

FALLBACK_SETTINGS = """\
# Minimal settings: Pelican's own "simple" theme and feeds, no plugins, so the check can be
# proven on a real build even while the project's theme and plugins are being written.
SITENAME = "ClearPress"
SITEURL = ""
RELATIVE_URLS = True
THEME = "simple"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANG = "vi"
ARTICLE_PATHS = [""]
ARTICLE_EXCLUDES = ["pages", "images"]
STATIC_PATHS = ["images"]
ARTICLE_URL = ARTICLE_SAVE_AS = "{category}/{date:%Y}/{slug}.html"
CATEGORY_URL = "{slug}/"
CATEGORY_SAVE_AS = "{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
FEED_DOMAIN = "https://example.github.io"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/topics/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/topics/{slug}.rss.xml"
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
PLUGINS = []
DELETE_OUTPUT_DIRECTORY = True
"""


def _write_content(content: Path) -> None:
    for rel, (title, category, slug, date, body) in ARTICLES.items():
        header = (
            f"Title: {title}\nDate: {date}\nCategory: {category}\nSlug: {slug}\n"
            f"Tags: {category}\nAuthors: Phóng viên\nSource: hanoi.gov.vn\n"
            f"Source_URL: https://hanoi.gov.vn/tin/{slug}.html\n"
            f"Via_URL: https://webkhoedep.vn/{slug}.html\nCaptured: 2024-05-01T00:00:00+00:00\n"
            f"Lang: vi\nSummary: {body.split('.')[0]}.\n"
        )
        _write(content, rel, header + "\n" + body + "\n")
    _write(content, "images/a.png", PNG)


def _pelican(content: Path, settings: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CLEARPRESS_SITEURL", None)
    command = [sys.executable, "-m", "pelican", str(content), "-s", str(settings), "-o", str(out)]
    return subprocess.run(
        [*command, "--fatal", "errors"],
        cwd=content.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("settings_kind", ["project", "simple"])
def test_real_pelican_build_passes_then_planted_defects_fail(
    tmp_path: Path, settings_kind: str
) -> None:
    """``project``: pelicanconf.py with the ClearPress theme and plugins (falling back to
    Pelican's simple theme if those cannot build yet); ``simple``: the fallback, always."""
    content = tmp_path / "content"
    _write_content(content)
    out = tmp_path / "output"
    fallback = tmp_path / "settings.py"
    fallback.write_text(FALLBACK_SETTINGS, encoding="utf-8")
    result = None
    if settings_kind == "project":
        result = _pelican(content, ROOT / "pelicanconf.py", out)
    if result is None or result.returncode != 0 or not (out / "index.html").is_file():
        result = _pelican(content, fallback, out)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    report = check_site(out)
    assert report.ok, format_report(report)
    assert report.result("residue").checked == len(ARTICLES)
    assert report.result("feeds").checked >= 4
    assert report.result("links").checked > 10

    article = out / "suc-khoe" / "2024" / "ha-noi-tiem-chung.html"
    html = article.read_text(encoding="utf-8")
    lead = "<p>Sáng 18/2"
    assert lead in html
    article.write_text(
        html.replace(lead, f"<p>0947268688 liên hệ quảng cáo</p>\n{lead}", 1), encoding="utf-8"
    )
    (out / "images" / "a.png").unlink()
    report = check_site(out)
    rel = "suc-khoe/2024/ha-noi-tiem-chung.html"
    assert (rel, "phone-ad: '0947268688 liên hệ quảng cáo'") in _problems(report, "residue")
    assert any(f == rel and "images/a.png" in d for f, d in _problems(report, "links"))


def test_pages_are_read_as_utf8_whatever_lxml_would_guess() -> None:
    """Pelican's simple theme puts <meta charset> after a Vietnamese <title>; lxml alone then
    reads Latin-1 and no residue pattern could ever match."""
    page = "<html><head><title>Hà Nội</title><meta charset='utf-8'></head><body><p>Quảng cáo</p>"
    assert text_lines(main_content(page_tree(page.encode("utf-8")))) == ["Quảng cáo"]
    legacy = "<html><head><meta charset='windows-1258'></head><body><p>Quảng cáo</p>"
    assert "Qu" in text_lines(main_content(page_tree(legacy.encode("cp1258", "replace"))))[0]
