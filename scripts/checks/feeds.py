"""Feed checks: every RSS, Atom and JSON Feed file in the site parses and carries its items.

A subscriber's reader gives up on a feed it cannot parse, usually without telling anyone, so a
broken topic feed is a silent loss.  RSS and Atom are read back with feedparser (the parser many
readers use), whose ``bozo`` flag marks anything it had to forgive; JSON Feeds are held to the
1.1 rules that readers rely on (version, items, a string id per item, some content).
"""

from __future__ import annotations

import json
from typing import Any

import feedparser
from lxml import etree

from scripts.checks.report import CheckResult, Problem
from scripts.checks.site import SiteFiles

XML_SUFFIXES = (".rss.xml", ".atom.xml")
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
# The archive-wide feeds are never legitimately empty while the site has articles; a topic's or
# a source's feed can be (every article of it later drafted), which is worth a warning only.
ARCHIVE_FEED_PREFIX = "feeds/all."


def feed_files(files: SiteFiles) -> tuple[list[str], list[str], list[str]]:
    """(RSS/Atom files anywhere, JSON Feeds under feeds/, OPML files) of a built site."""
    xml = files.matching(*XML_SUFFIXES)
    json_feeds = [rel for rel in files.matching(".json") if rel.startswith("feeds/")]
    opml = files.matching(".opml")
    return xml, json_feeds, opml


def check_feeds(files: SiteFiles, *, has_articles: bool) -> CheckResult:
    """Parse every feed of the site; one problem per broken file or item."""
    xml, json_feeds, opml = feed_files(files)
    problems: list[Problem] = []
    for rel in xml:
        problems.extend(_check_xml_feed(rel, files.read(rel), has_articles=has_articles))
    for rel in json_feeds:
        problems.extend(_check_json_feed(rel, files.read(rel), has_articles=has_articles))
    for rel in opml:
        problems.extend(_check_opml(rel, files.read(rel)))
    notes = () if xml or json_feeds else ("no feed files found",)
    return CheckResult(
        "feeds", len(xml) + len(json_feeds) + len(opml), tuple(problems), notes=notes
    )


def _empty(rel: str, has_articles: bool) -> Problem:
    if rel.startswith(ARCHIVE_FEED_PREFIX) and has_articles:
        return Problem(rel, "no entries, though the site has articles")
    return Problem(rel, "no entries (an empty topic or source?)", level="warn")


def _check_xml_feed(rel: str, data: bytes, *, has_articles: bool) -> list[Problem]:
    parsed = feedparser.parse(data)
    problems: list[Problem] = []
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problems.append(Problem(rel, f"not a clean feed: {type(exc).__name__}: {exc}"))
    version = parsed.get("version") or ""
    expected = "rss" if rel.endswith(".rss.xml") else "atom"
    if not version.startswith(expected):
        problems.append(Problem(rel, f"expected {expected.upper()}, parsed as {version or '?'}"))
        return problems
    entries = parsed.get("entries") or []
    if not entries:
        problems.append(_empty(rel, has_articles))
    for number, entry in enumerate(entries, 1):
        if not (entry.get("id") or entry.get("link")):
            problems.append(Problem(rel, f"entry {number} has neither id nor link"))
        if not entry.get("title"):
            problems.append(Problem(rel, f"entry {number} has no title"))
    return problems


def _check_json_feed(rel: str, data: bytes, *, has_articles: bool) -> list[Problem]:
    try:
        feed: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Problem(rel, f"not JSON: {exc}")]
    if not isinstance(feed, dict):
        return [Problem(rel, "a JSON Feed is an object")]
    problems: list[Problem] = []
    if feed.get("version") != JSONFEED_VERSION:
        problems.append(Problem(rel, f"version is {feed.get('version')!r}, not {JSONFEED_VERSION}"))
    if not isinstance(feed.get("title"), str) or not feed["title"].strip():
        problems.append(Problem(rel, "no title"))
    items = feed.get("items")
    if not isinstance(items, list):
        return [*problems, Problem(rel, "no items array")]
    if not items:
        problems.append(_empty(rel, has_articles))
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.append(Problem(rel, f"item {number} is not an object"))
            continue
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id.strip():
            problems.append(Problem(rel, f"item {number} has no string id"))
        elif item_id in seen:
            problems.append(Problem(rel, f"item {number} repeats id {item_id!r}"))
        else:
            seen.add(item_id)
        if not (item.get("content_html") or item.get("content_text")):
            problems.append(
                Problem(rel, f"item {number} has neither content_html nor content_text")
            )
    return problems


def _check_opml(rel: str, data: bytes) -> list[Problem]:
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [Problem(rel, f"not well-formed XML: {exc}")]
    if root.tag != "opml" or root.find("body") is None:
        return [Problem(rel, "not an OPML document (no <opml><body>)")]
    if not any(o.get("xmlUrl") for o in root.iter("outline")):
        return [Problem(rel, "lists no feed (no outline with xmlUrl)", level="warn")]
    return []
