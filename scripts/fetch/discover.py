"""Discovery: turn a source's feeds, listing pages and sitemaps into article URLs.

The parsers (:func:`parse_feed`, :func:`parse_listing`, :func:`parse_sitemap`) are pure functions
of bytes, so they are tested without a server.  :func:`discover_source` drives them through the
polite client with conditional GET (the validators of the previous run), follows listing
pagination up to ``max_pages`` and sitemap indexes up to ``depth`` levels, and keeps only the
URLs the source accepts, spelled by :func:`~scripts.urls.url_key` so one article has one key.

A broken feed or an unreachable sitemap is recorded as a failed check and discovery goes on with
the source's other entry points; one bad source never stops the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import feedparser
from bs4 import BeautifulSoup
from lxml import etree

from scripts.fetch.http import FetchFailed, PoliteClient
from scripts.sources import Source
from scripts.urls import is_http_url, url_key

# What the last successful response of a feed, listing or sitemap said: (ETag, Last-Modified).
Validators = Mapping[str, tuple[str | None, str | None]]


@dataclass(frozen=True, slots=True)
class Found:
    """An article URL found by discovery, and the page that linked to it."""

    key: str
    via: str


@dataclass(frozen=True, slots=True)
class Checked:
    """One feed, listing page or sitemap that was requested, and what came of it."""

    key: str
    kind: str  # "feed", "listing" or "sitemap"
    outcome: str  # "ok", "not_modified" or "failed"
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Discovered:
    """Everything discovery learned about one source in one run."""

    source: str
    found: tuple[Found, ...]
    checked: tuple[Checked, ...]
    repeats: int = 0  # links found more than once in this run (other spellings included)


def parse_feed(body: bytes, base: str) -> list[str]:
    """Return the entry links of an RSS or Atom feed; raise ValueError if it is not a feed."""
    parsed = feedparser.parse(body, response_headers={"content-location": base})
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not a feed ({parsed.get('bozo_exception', 'unparseable')})")
    links = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            alternates = [x for x in entry.get("links", []) if x.get("rel") == "alternate"]
            link = alternates[0].get("href") if alternates else None
        if link:
            links.append(link)
    return links


def parse_listing(
    body: bytes, base: str, link_selector: str, next_selector: str | None
) -> tuple[list[str], str | None]:
    """Return the article links a listing page selects, and its next page's URL if any."""
    soup = BeautifulSoup(body, "lxml")
    links = []
    for el in soup.select(link_selector):
        anchor = el if el.name == "a" else el.find("a")
        href = anchor.get("href") if anchor is not None else None
        if isinstance(href, str) and href.strip():
            links.append(href)
    next_url = None
    if next_selector:
        nxt = soup.select_one(next_selector)
        href = nxt.get("href") if nxt is not None else None
        if isinstance(href, str) and href.strip():
            next_url = href
    return links, next_url


_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)


def parse_sitemap(body: bytes, max_bytes: int = 50_000_000) -> tuple[list[str], list[str]]:
    """Return (page URLs, child sitemap URLs) of a sitemap, sitemap index or news sitemap.

    Gzipped sitemaps (``sitemap.xml.gz`` served as a file) are inflated within ``max_bytes``.
    """
    if body[:2] == b"\x1f\x8b":
        z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        body = z.decompress(body, max_bytes + 1)
        if len(body) > max_bytes:
            raise ValueError(f"sitemap larger than {max_bytes} bytes when inflated")
    root = etree.fromstring(body, _XML_PARSER) if body.strip() else None
    if root is None:
        raise ValueError("not a sitemap (empty or unparseable XML)")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap (root element <{kind}>)")
    locs = [
        (el.text or "").strip()
        for el in root.iter("{*}loc")
        if etree.QName(el.getparent()).localname in ("url", "sitemap")
    ]
    locs = [x for x in locs if x]
    return (locs, []) if kind == "urlset" else ([], locs)


class _Discoverer:
    """State of one source's discovery: what was found and checked so far."""

    def __init__(self, source: Source, client: PoliteClient, validators: Validators) -> None:
        self.source, self.client, self.validators = source, client, validators
        self.found: dict[str, Found] = {}
        self.checked: list[Checked] = []
        self.seen: set[str] = set()
        self.repeats = 0

    def key(self, url: str, base: str) -> str:
        return url_key(url, base, trailing_slash=self.source.trailing_slash)

    def add(self, links: list[str], via: str) -> None:
        for link in links:
            key = self.key(link, via)
            if not (is_http_url(key) and self.source.accepts(key)):
                continue
            if key in self.found:
                self.repeats += 1
            else:
                self.found[key] = Found(key=key, via=via)

    def fetch(self, url: str, kind: str) -> tuple[str, bytes] | None:
        """Conditionally GET a discovery page; return (final URL, body) when there is news."""
        key = self.key(url, url)
        if key in self.seen:
            return None
        self.seen.add(key)
        etag, modified = self.validators.get(key, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            resp = self.client.get(key, headers)
        except FetchFailed as exc:
            self.checked.append(Checked(key, kind, "failed", etag, modified, exc.reason))
            return None
        if resp.status == 304:
            self.checked.append(Checked(key, kind, "not_modified", etag, modified))
            return None
        if resp.status != 200:
            self.checked.append(Checked(key, kind, "failed", etag, modified, f"HTTP {resp.status}"))
            return None
        new = Checked(key, kind, "ok", resp.header("etag"), resp.header("last-modified"))
        self.checked.append(new)
        return resp.url, resp.body

    def failed(self, url: str, kind: str, error: str) -> None:
        """Turn the last check of ``url`` into a failure (it answered, but not sensibly)."""
        key = self.key(url, url)
        self.checked = [c for c in self.checked if c.key != key]
        self.checked.append(Checked(key, kind, "failed", error=error))

    def feeds(self) -> None:
        for url in self.source.discovery.feeds:
            got = self.fetch(url, "feed")
            if got:
                try:
                    self.add(parse_feed(got[1], got[0]), got[0])
                except ValueError as exc:
                    self.failed(url, "feed", str(exc))

    def listings(self) -> None:
        for listing in self.source.discovery.listings:
            url: str | None = listing.url
            for _ in range(listing.max_pages):
                got = self.fetch(url, "listing") if url else None
                if not got:
                    break
                links, nxt = parse_listing(
                    got[1], got[0], listing.link_selector, listing.next_selector
                )
                self.add(links, got[0])
                url = self.key(nxt, got[0]) if nxt else None

    def sitemaps(self) -> None:
        level = list(self.source.discovery.sitemaps)
        for depth in range(self.source.discovery.depth + 1):
            children: list[str] = []
            for url in level:
                got = self.fetch(url, "sitemap")
                if not got:
                    continue
                try:
                    pages, subs = parse_sitemap(got[1], self.client.settings.max_bytes)
                except (ValueError, zlib.error) as exc:
                    self.failed(url, "sitemap", str(exc))
                    continue
                self.add(pages, got[0])
                if depth < self.source.discovery.depth:
                    children.extend(self.key(s, got[0]) for s in subs)
            level = children


def discover_source(source: Source, client: PoliteClient, validators: Validators) -> Discovered:
    """Find a source's article URLs through its feeds, listings and sitemaps."""
    d = _Discoverer(source, client, validators)
    d.feeds()
    d.listings()
    d.sitemaps()
    return Discovered(source.name, tuple(d.found.values()), tuple(d.checked), d.repeats)
