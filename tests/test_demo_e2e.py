"""End to end on the bundled demo: captures → import → real Pelican build → check → feeds read back.

This is the path `make site` takes, run in a temporary folder with the project's own settings,
theme and plugins.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from scripts.check import check_site
from scripts.importer import ImportOptions, import_paths, source_options, summarize
from tests.helpers import ROOT

DEMO = ROOT / "captures" / "demo"
JUNK = ("0947268688", "DÒNG SỰ KIỆN", "fbclid", "jsessionid", "utm_source", "Xem link gốc",
        "Bình luận của bạn", "adsbygoogle", "TIN LIÊN QUAN")  # fmt: skip


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> tuple[Path, Path, list]:
    root = tmp_path_factory.mktemp("demo")
    content, output = root / "content", root / "output"
    options = ImportOptions(content_dir=content, **source_options(ROOT / "sources.toml"))
    outcomes = import_paths([DEMO], options)
    command = [sys.executable, "-m", "pelican", str(content), "-s", str(ROOT / "pelicanconf.py"),
               "-o", str(output), "--fatal", "errors"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return content, output, outcomes


def test_every_demo_capture_becomes_a_published_article(demo_site):
    content, _, outcomes = demo_site
    captures = sorted(p for p in DEMO.iterdir() if p.suffix in (".txt", ".html"))
    assert len(captures) >= 30
    assert summarize(outcomes) == f"{len(captures)} wrote", [
        (o.origin, o.action, o.reason) for o in outcomes if o.action != "wrote"
    ]
    topics = {p.relative_to(content).parts[0] for p in content.rglob("*.md")} - {"images"}
    assert len(topics) >= 6
    # The demo's image responses (a WARC beside the pages) are kept locally, once each.
    images = sorted((content / "images").iterdir())
    assert len(images) == 8
    assert sum(1 for p in content.rglob("*.md") if "{static}/images/" in p.read_text("utf-8")) == 4


def test_demo_markdown_has_no_clutter_and_credits_the_source(demo_site):
    content, _, _ = demo_site
    for path in content.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for junk in JUNK:
            assert junk not in text, f"{path.name}: {junk}"
        assert "\nSource: " in text, path.name


def test_demo_site_passes_check(demo_site):
    _, output, _ = demo_site
    report = check_site(output)
    failures = [
        (r.name, p.file, p.detail) for r in report.results for p in r.problems if p.level == "fail"
    ]
    assert report.ok, failures


def test_every_demo_feed_reads_back(demo_site):
    content, output, _ = demo_site
    feeds = sorted((output / "feeds").rglob("*.xml"))
    topics = {p.relative_to(content).parts[0] for p in content.rglob("*.md")}
    assert {f"{t}.rss.xml" for t in topics} <= {f.name for f in feeds}
    for feed_path in feeds:
        parsed = feedparser.parse(feed_path.read_bytes())
        assert not parsed.bozo, (feed_path, parsed.get("bozo_exception"))
        assert parsed.entries, feed_path
        for entry in parsed.entries:
            assert entry.get("id") and entry.get("title") and entry.get("content")
            body = entry.content[0].value
            assert not any(junk in body for junk in JUNK), (feed_path, entry.title)


def test_article_page_shows_provenance(demo_site):
    _, output, _ = demo_site
    pages = list(output.glob("*/20*/*.html"))
    assert len(pages) >= 30
    with_original = 0
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        assert soup.find("h1"), page
        text = soup.get_text(" ")
        assert "0947268688" not in text and "DÒNG SỰ KIỆN" not in text
        if soup.select_one('a[href^="https://hanoi.gov.vn/"], a[href*=".gov.vn/"]'):
            with_original += 1
    assert with_original >= 10


def test_what_make_site_imports_is_ignored_by_git(demo_site):
    """`make site` imports the demo into content/; .gitignore names each file it writes, so the
    demo is never committed with an operator's archive (and nothing else there is ignored)."""
    content, _, _ = demo_site
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    written = sorted(
        f"content/{p.relative_to(content).as_posix()}" for p in content.rglob("*") if p.is_file()
    )
    assert written
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(written),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert sorted(result.stdout.split()) == written
    mine = ["content/thoi-su/2031/bai-cua-toi.md", "content/images/0123456789abcdef01234567.jpg"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(mine),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.stdout == ""
