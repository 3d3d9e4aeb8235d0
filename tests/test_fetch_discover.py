"""Discovery parsers on bytes (no server): feeds, listings, sitemaps, and URL keys."""

from __future__ import annotations

import gzip

import pytest
from fakesite import _atom, _index, _listing, _rss, _urlset

from scripts.fetch.discover import parse_feed, parse_listing, parse_sitemap
from scripts.urls import url_key

BASE = "https://webkhoedep.vn"


def test_rss_links():
    links = parse_feed(_rss(BASE), BASE + "/rss")
    assert links[0] == BASE + "/bai-viet/ha-noi-mua-lon.html?utm_source=rss&utm_medium=feed"
    assert len(links) == 5


def test_atom_alternate_links():
    assert parse_feed(_atom(BASE), BASE + "/atom.xml") == [
        BASE + "/bai-viet/gia-vang-tang-manh.html",
        BASE + "/bai-viet/an-uong-mua-he.html",
    ]


def test_broken_feed_raises_value_error():
    with pytest.raises(ValueError, match="not a feed"):
        parse_feed(b"<html><body>L\xe1\xbb\x97i <b>", BASE)


def test_listing_links_and_next_page():
    links, nxt = parse_listing(_listing(1), BASE + "/suc-khoe/", "h3.title a", "a.next")
    assert links == ["/bai-viet/an-uong-mua-he.html", "/bai-viet/ngu-du-giac.html"]
    assert nxt == "?trang=2"
    assert parse_listing(_listing(3), BASE, "h3.title a", "a.next")[1] is None


def test_sitemap_index_news_and_gzip():
    assert parse_sitemap(_index(BASE, ["/a.xml", "/b.xml"])) == (
        [],
        [BASE + "/a.xml", BASE + "/b.xml"],
    )
    news = _urlset(BASE, ["/bai-viet/x.html"], news=True)
    assert parse_sitemap(news) == ([BASE + "/bai-viet/x.html"], [])
    assert parse_sitemap(gzip.compress(news)) == ([BASE + "/bai-viet/x.html"], [])


@pytest.mark.parametrize("body", [b"", b"<rss/>", b"not xml at all"])
def test_not_a_sitemap(body):
    with pytest.raises(ValueError, match="not a sitemap"):
        parse_sitemap(body)


def test_sitemap_entities_are_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&b;</loc></url>'
        b"</urlset>"
    )
    pages, _ = parse_sitemap(bomb)
    assert all(len(p) < 100 for p in pages)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTPS://WebKhoeDep.vn:443/bai-1.html#top", "https://webkhoedep.vn/bai-1.html"),
        (
            "https://webkhoedep.vn/bai-1.html?utm_source=fb&fbclid=1",
            "https://webkhoedep.vn/bai-1.html",
        ),
        ("https://webkhoedep.vn/tin?b=2&a=1", "https://webkhoedep.vn/tin?a=1&b=2"),
        ("http://webkhoedep.vn:80/x", "http://webkhoedep.vn/x"),
    ],
)
def test_one_key_per_article(a, b):
    assert url_key(a) == url_key(b)


def test_trailing_slash_policy():
    assert url_key("https://x.vn/a/") != url_key("https://x.vn/a")
    assert url_key("https://x.vn/a/", trailing_slash="strip") == url_key(
        "https://x.vn/a", trailing_slash="strip"
    )
