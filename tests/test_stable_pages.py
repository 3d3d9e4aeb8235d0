"""Listing pages numbered from the oldest article keep their address and their articles.

Unit checks of the paginator (every article on exactly one page, page sizes, addresses), then
real builds: adding today's news leaves every numbered page of a listing byte for byte as it
was, and a cached rebuild keeps those pages without rendering them.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path

import pytest
from pelican.settings import read_settings

from scripts.bench import generate
from tests.sitebuild import ROOT, build_site

sys.path.insert(0, str(ROOT / "plugins"))

from stable_pages.stable_pages import StablePaginator

SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))


def _pages(items: list[int], per_page: int) -> list:
    paginator = StablePaginator("tag/x/index.html", "tag/x/", items, SETTINGS, per_page)
    return [paginator.page(n) for n in range(1, paginator.num_pages + 1)]


@pytest.mark.parametrize("per_page", [1, 3, 20, 50])
def test_every_item_is_on_exactly_one_page_and_pages_are_full(per_page) -> None:
    for count in range(130):
        items = list(range(count, 0, -1))  # newest first, as Pelican lists articles
        pages = _pages(items, per_page)
        assert [i for page in pages for i in page.object_list] == items
        first, numbered = pages[0], pages[1:]
        assert len(first.object_list) == (
            count if count < per_page else count - len(numbered) * per_page
        )
        assert count < per_page or per_page <= len(first.object_list) < 2 * per_page
        assert all(len(page.object_list) == per_page for page in numbered)
        assert first.save_as == "tag/x/index.html" and first.url == "tag/x/"
        assert [page.archive_number for page in numbered] == list(range(len(numbered), 0, -1))
        assert [page.save_as for page in numbered] == [
            f"tag/x/page/{page.archive_number}/index.html" for page in numbered
        ]


def test_new_articles_leave_numbered_pages_as_they_were() -> None:
    per_page = 20
    items = list(range(500, 0, -1))
    before = {page.save_as: page.object_list for page in _pages(items, per_page)[1:]}
    for added in range(1, 60):
        grown = list(range(500 + added, 500, -1)) + items
        after = {page.save_as: page.object_list for page in _pages(grown, per_page)[1:]}
        assert all(after[name] == shown for name, shown in before.items())
        assert len(after) == len(before) + (added + 500 % per_page) // per_page


def test_a_numbered_page_sees_only_its_own_articles() -> None:
    page = _pages(list(range(100, 0, -1)), 20)[2]
    assert not hasattr(page.paginator, "object_list")
    assert page.paginator.num_pages == 5 and page.has_next() and page.has_previous()


# --- real builds -----------------------------------------------------------------------------

SMALL_PAGES = {"PAGINATED_TEMPLATES": {"tag": 4, "source": 4, "category": None}}


def _numbered(output: Path) -> dict[str, bytes]:
    """Every numbered listing page (topics, tags, sources), by path."""
    pages = [p for p in output.rglob("index.html") if "/page/" in p.as_posix()]
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in pages}


def _listing(name: str) -> str:
    return name.split("/page/")[0]


def test_todays_news_leaves_numbered_pages_byte_identical(tmp_path) -> None:
    content = tmp_path / "content"
    generate.write_articles(content, 80, 11)
    first = build_site(tmp_path / "a", content, FAST_BUILD_CACHE=False, **SMALL_PAGES)
    generate.write_articles(content, 3, 11, start=80, news=True)
    second = build_site(tmp_path / "b", content, FAST_BUILD_CACHE=False, **SMALL_PAGES)
    assert not first.messages(level=40) and not second.messages(level=40)
    before, after = _numbered(first.output), _numbered(second.output)
    assert len(before) > 10
    counts_before, counts_after = {}, {}
    for names, counts in ((before, counts_before), (after, counts_after)):
        for name in names:
            counts[_listing(name)] = counts.get(_listing(name), 0) + 1
    same = [n for n in before if counts_before[_listing(n)] == counts_after[_listing(n)]]
    assert len(same) > len(before) // 2
    assert [n for n in same if after.get(n) != before[n]] == []
    # Every article of a tag is on exactly one of its pages.
    tag = max(counts_after, key=counts_after.get)
    links = []
    for path in [
        second.output / tag / "index.html",
        *sorted((second.output / tag).glob("page/*/index.html")),
    ]:
        links += re.findall(
            r'<li><time[^>]*>[^<]*</time> <a href="([^"]+)"', path.read_text(encoding="utf-8")
        )
    assert len(links) == len(set(links)) > 4


def test_cached_rebuild_keeps_the_numbered_pages_of_a_listing_that_grew(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="fast_build")
    content = tmp_path / "content"
    generate.write_articles(content, 80, 11)
    cache = str(tmp_path / "cache")
    first = build_site(tmp_path / "a", content, CACHE_PATH=cache, **SMALL_PAGES)
    output = first.output
    stamps = {name: (output / name).stat().st_mtime_ns for name in _numbered(output)}
    landings = {p: p.read_bytes() for p in output.glob("tag/*/index.html")}
    generate.write_articles(content, 1, 11, start=80, news=True)
    again = build_site(tmp_path / "a", content, CACHE_PATH=cache, **SMALL_PAGES)
    assert not again.messages(level=40)
    grown = {
        p.parent.relative_to(output).as_posix()
        for p, data in landings.items()
        if p.read_bytes() != data
    }
    kept = [name for name, mtime in stamps.items() if (output / name).stat().st_mtime_ns == mtime]
    assert grown and [name for name in kept if _listing(name) in grown]
    clean = build_site(tmp_path / "c", content, FAST_BUILD_CACHE=False, **SMALL_PAGES)
    assert _numbered(again.output) == _numbered(clean.output)
    shutil.rmtree(tmp_path / "c")
