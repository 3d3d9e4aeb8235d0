"""Pure feed building: (feed description, items) -> RSS 2.0 and Atom 1.0 bytes via feedgen.

No Pelican here, so the writers can be tested with hand-made items.  feedgen is used as a library
with its traps disarmed: entries are appended in our order (it prepends by default), feed dates
come from the newest item (it defaults to the clock), and Atom entry links keep their ``rel``
(feedgen 1.0.0 drops every link attribute but ``href`` in entries).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .items import FeedItem, Site

# Feeds with no items still need a date; a fixed one keeps them byte-identical between builds.
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)
FEED_NAMESPACE = uuid.UUID("5f0f6d0e-2b7a-5c3e-8d61-0b9a4c7e2f31")
GENERATOR = "ClearPress topic_feeds"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to write: which items it holds, what it is called, and where its files go."""

    kind: str  # "all" | "topic" | "source"
    slug: str
    title: str
    description: str
    home_url: str  # the HTML page this feed mirrors (absolute)
    rss_path: str | None  # site-relative output paths; None disables that format
    atom_path: str | None
    json_path: str | None

    def feed_id(self, site: Site) -> str:
        """Return the feed's id, independent of SITEURL so moving the site keeps it."""
        return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, f'{site.name}:{self.kind}:{self.slug}')}"


def feed_updated(items: list[FeedItem]) -> datetime:
    """Return the feed-level date: the newest item's ``updated``, never the clock."""
    return max((item.updated for item in items), default=EMPTY_FEED_DATE)


class _Entry(FeedEntry):
    """A feedgen entry whose Atom links keep every attribute, and which carries xml:lang."""

    def __init__(self, lang: str = "") -> None:
        super().__init__()
        self._lang = lang

    def atom_entry(self, extensions=True):
        """Build the Atom entry, then restore the link attributes feedgen 1.0.0 loses."""
        entry = super().atom_entry(extensions=extensions)
        elements = [child for child in entry if child.tag == "link"]
        for element, link in zip(elements, self.link() or [], strict=True):
            for key in ("rel", "type", "hreflang", "title", "length"):
                if link.get(key):
                    element.set(key, str(link[key]))
        if self._lang:
            entry.set(XML_LANG, self._lang)
        return entry


def _add_entry(fg: FeedGenerator, item: FeedItem) -> None:
    """Append one item to ``fg`` with its provenance, honouring the item's content policy."""
    fe = _Entry(item.lang)
    fg.add_entry(fe, order="append")
    fe.id(item.id)
    fe.guid(item.id, permalink=False)
    fe.title(item.title)
    fe.link(href=item.url, rel="alternate", type="text/html")
    for via in item.via_urls:
        fe.link(href=via, rel="via")
    fe.published(item.published)
    fe.updated(item.updated)
    if item.source and item.source_url:
        fe.source(url=item.source_url, title=item.source)
    if item.policy == "link":
        return  # title, link and source only: the publisher asked us not to redistribute
    for name in item.authors:
        fe.author(name=name)
        fe.dc.dc_creator(name)  # RSS <author> must be an e-mail address; readers use dc:creator
    fe.category(term=item.topic, label=item.topic)
    for tag in item.tags:
        fe.category(term=tag, label=tag)
    if item.image:
        fe.link(
            href=item.image,
            rel="enclosure",
            type=item.image_type,
            length=str(item.image_length),
        )
        fe.media.content(url=item.image, medium="image", type=item.image_type, group=None)
    if item.content_html is not None:
        fe.content(item.content_html, type="html")
    fe.summary(item.summary_html, type="html")


def build_feed(spec: FeedSpec, items: list[FeedItem], site: Site) -> FeedGenerator:
    """Return a FeedGenerator holding ``items`` in the given order under ``spec``'s metadata."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.load_extension("media", atom=False, rss=True)
    fg.id(spec.feed_id(site))
    fg.title(spec.title)
    fg.description(spec.description)
    fg.language(site.lang)
    fg.author(name=site.name)  # lets entries without an author stay valid Atom
    fg.generator(GENERATOR)
    updated = feed_updated(items)
    fg.updated(updated)  # also RSS lastBuildDate; both default to now()
    fg.pubDate(updated)
    for item in items:
        _add_entry(fg, item)
    return fg


def _links(fg: FeedGenerator, spec: FeedSpec, site: Site, path: str, media_type: str) -> None:
    """Point the feed's self link at ``path``; the alternate goes last, as RSS uses the last."""
    fg.link(href=f"{site.root}/{path}", rel="self", type=media_type, replace=True)
    fg.link(href=spec.home_url, rel="alternate", type="text/html")


def rss_bytes(fg: FeedGenerator, spec: FeedSpec, site: Site) -> bytes:
    """Serialise ``fg`` as RSS 2.0 with its own atom:link rel=self."""
    assert spec.rss_path
    _links(fg, spec, site, spec.rss_path, "application/rss+xml")
    return fg.rss_str(pretty=True)


def atom_bytes(fg: FeedGenerator, spec: FeedSpec, site: Site) -> bytes:
    """Serialise ``fg`` as Atom 1.0 with its own link rel=self."""
    assert spec.atom_path
    _links(fg, spec, site, spec.atom_path, "application/atom+xml")
    return fg.atom_str(pretty=True)
