"""Subscriber aids: the feed catalog entries the theme renders, and the OPML subscription list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from lxml import etree

from .items import Site

FALLBACK_TEMPLATE = Path(__file__).with_name("templates") / "feeds.html"


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """One row of the catalog (``feed_catalog`` in the ``feeds`` template).

    URLs are site-relative (``feeds/topics/suc-khoe.rss.xml``) so the theme can prefix them with
    ``SITEURL`` like every other link; a format the operator disabled is ``None``.
    """

    title: str
    kind: str  # "all" | "topic" | "source"
    slug: str
    rss_url: str | None
    atom_url: str | None
    json_url: str | None
    count: int
    updated: datetime | None
    home_url: str


def opml_bytes(feeds: list[FeedInfo], site: Site) -> bytes:
    """Return an OPML 2.0 subscription list of the topic feeds, dated by their newest item."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{site.name} — chủ đề"
    dates = [feed.updated for feed in feeds if feed.updated]
    if dates:
        etree.SubElement(head, "dateModified").text = format_datetime(max(dates))
    body = etree.SubElement(root, "body")
    for feed in feeds:
        url = feed.rss_url or feed.atom_url
        if not url:
            continue
        etree.SubElement(
            body,
            "outline",
            type="rss",
            text=feed.title,
            title=feed.title,
            xmlUrl=f"{site.root}/{url}",
            htmlUrl=feed.home_url,
            language=site.lang,
        )
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def fallback_template_source() -> str:
    """Return the built-in catalog template used when the theme has no ``feeds.html``."""
    return FALLBACK_TEMPLATE.read_text(encoding="utf-8")
