"""Turn Pelican articles into feed items: identity, dates, provenance, content policy.

A :class:`FeedItem` holds everything the three feed formats need, already checked, so the writers
in ``build.py`` and ``jsonfeed.py`` never look at Pelican objects or guess.  Bad metadata is fixed
up or the article is left out, always with a ``topic_feeds:`` warning naming the source file:
an invalid feed would break every subscriber, a missing item only one story.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pelican.utils import truncate_html_words

from .config import policy_for
from .identity import item_id, normalize_url, slug_for
from .sanitize import absolute_url, clean_html, fingerprint_text, is_http_url, plain_text, xml_safe

logger = logging.getLogger(__name__)

# Dates outside this range are typos or placeholder values, and some break RFC 822 output.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Site:
    """What every item and feed needs to know about the site being built."""

    root: str  # absolute site URL without a trailing slash
    name: str
    lang: str
    policies: dict[str, str]
    max_content_bytes: int
    summary_words: int | None = 50
    summary_suffix: str = "…"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One article as every feed format shows it."""

    id: str  # urn:uuid:…, derived from the original URL or the content, never from our site
    title: str
    url: str  # the article on this site
    published: datetime
    updated: datetime
    policy: str  # "full" | "excerpt" | "link"
    content_html: str | None  # None unless policy is "full"
    summary_html: str
    summary_text: str
    authors: tuple[str, ...]
    topic: str
    topic_slug: str
    tags: tuple[str, ...]
    lang: str
    source: str | None
    source_slug: str | None
    source_url: str | None
    via_urls: tuple[str, ...]
    image: str | None
    image_type: str | None
    image_length: int
    source_path: str  # for log messages


def _host(url: str | None) -> str | None:
    """Return the host of ``url`` without ``www.``, or ``None``."""
    if not is_http_url(url):
        return None
    return (urlsplit(url.strip()).hostname or "").lower().removeprefix("www.") or None  # type: ignore[union-attr]


def _plausible(value: object) -> datetime | None:
    """Return ``value`` as an aware datetime without microseconds if it is a believable date."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        if not EARLIEST <= value <= LATEST:
            return None
    except OverflowError:
        return None
    return value.replace(microsecond=0)


def _shown(value: object) -> str:
    """Return a metadata value as the operator wrote it, for log messages."""
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def _dates(article, where: str) -> tuple[datetime, datetime] | None:
    """Return (published, updated) for ``article``, fixing up or rejecting bad dates."""
    meta = article.metadata
    published = _plausible(getattr(article, "date", None))
    if published is None:
        captured = _plausible(meta.get("captured"))
        if captured is None:
            logger.warning(
                "topic_feeds: %s: invalid or missing Date %s and no usable Captured; "
                "left out of the feeds",
                where,
                _shown(meta.get("date")),
            )
            return None
        logger.warning(
            "topic_feeds: %s: invalid or missing Date %s; using Captured %s",
            where,
            _shown(meta.get("date")),
            captured.isoformat(),
        )
        published = captured
    updated = published
    if meta.get("modified") is not None:
        modified = _plausible(getattr(article, "modified", None))
        if modified is None:
            logger.warning("topic_feeds: %s: invalid Modified ignored", where)
        elif modified < published:
            logger.warning("topic_feeds: %s: Modified is before Date; using Date", where)
        else:
            updated = modified
    return published, updated


def _split_urls(value: object) -> tuple[str, ...]:
    """Return the http(s) URLs in a ``", "``-separated metadata value, in order, once each."""
    if not isinstance(value, str):
        return ()
    seen: dict[str, None] = {}
    for part in xml_safe(value).split(","):
        url = part.strip()
        if is_http_url(url):
            seen.setdefault(url, None)
    return tuple(seen)


def _image(url: str, site: Site, static_sizes: dict[str, int]) -> tuple[str, str, int]:
    """Return (url, media type, length in bytes or 0 when unknown) for the lead image."""
    media_type = mimetypes.guess_type(urlsplit(url).path)[0] or "image/jpeg"
    length = 0
    prefix = site.root + "/"
    if url.startswith(prefix):
        length = static_sizes.get(url[len(prefix) :], 0)
    return url, media_type, length


def _provenance(article, where: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Return (source name, original URL, via URLs), logging what is missing or unusable."""
    meta = article.metadata
    source_url = meta.get("source_url")
    if isinstance(source_url, str):
        source_url = xml_safe(source_url)
    if source_url is not None and not is_http_url(source_url):
        logger.warning("topic_feeds: %s: Source_URL %r is not an http(s) URL", where, source_url)
        source_url = None
    source = meta.get("source")
    source = xml_safe(str(source)).strip() if source else None
    via_urls = _split_urls(meta.get("via_url"))
    if source and not source_url:
        logger.warning("topic_feeds: %s: no Source_URL; the item links to no original", where)
    if not source:
        source = _host(source_url)
        if source:
            logger.warning("topic_feeds: %s: no Source; using %s from Source_URL", where, source)
        else:
            logger.warning("topic_feeds: %s: no Source and no Source_URL", where)
    return source, source_url.strip() if source_url else None, via_urls


@dataclass(frozen=True, slots=True)
class Story:
    """An article identified and placed (dates, topic, source, id) but not yet rendered.

    Every published article becomes a Story, which is cheap; only the stories that make it into
    some feed's newest N are rendered into a :class:`FeedItem`, which costs a sanitizer pass.
    """

    article: Any = field(compare=False, repr=False)
    id: str
    title: str
    published: datetime
    updated: datetime
    topic: str
    topic_slug: str
    source: str | None
    source_slug: str | None
    source_url: str | None
    via_urls: tuple[str, ...]
    policy: str
    source_path: str
    identity_url: str | None
    fingerprint: str

    @property
    def sort_key(self) -> tuple[datetime, str]:
        """Return the key that orders stories newest first when sorted in reverse."""
        return (self.published, self.id)


def content_fingerprint(title: str, raw_html: str) -> str:
    """Return the SHA-256 of an article's normalized title and text (its identity without URL)."""
    return hashlib.sha256(fingerprint_text(title, raw_html).encode("utf-8")).hexdigest()


# The metadata items identify() reads (through _dates and _provenance): the feeds' story cache
# keys on exactly these.
IDENTIFY_READS_METADATA = ("captured", "date", "modified", "source", "source_url", "via_url")
# The article's attributes it reads, besides ``metadata`` and ``category`` (whose name and slug
# the story key holds) and ``content`` (read only when ``_content`` is empty).
IDENTIFY_READS_ATTRIBUTES = (
    "relative_source_path", "source_path", "title", "date", "modified", "_content", "policy",
)  # fmt: skip


def identify(
    article, site: Site, fingerprint: Callable[[str, str], str] = content_fingerprint
) -> Story | None:
    """Return the Story of a Pelican article, or ``None`` if it cannot appear in feeds.

    ``fingerprint`` computes :func:`content_fingerprint`; a caller may pass a cached one.
    """
    where = getattr(article, "relative_source_path", None) or str(article.source_path)
    title = plain_text(getattr(article, "title", "") or "")
    if not title:
        logger.warning("topic_feeds: %s: empty title; left out of the feeds", where)
        return None
    dates = _dates(article, where)
    if dates is None:
        return None
    source, source_url, via_urls = _provenance(article, where)
    identity_url = normalize_url(source_url) if source_url else None
    # The rendered HTML before Pelican rewrites links: only its text is hashed, so neither
    # SITEURL nor markup changes move the fingerprint.
    raw = getattr(article, "_content", None) or article.content
    digest = fingerprint(title, raw)
    category = getattr(article, "category", None)
    return Story(
        article=article,
        id=item_id(identity_url, digest),
        title=title,
        published=dates[0],
        updated=dates[1],
        topic=category.name if category else "",
        topic_slug=category.slug if category else "",
        source=source,
        source_slug=slug_for(source) if source else None,
        source_url=source_url,
        via_urls=via_urls,
        policy=_article_policy(article) or policy_for(site.policies, _host(source_url), source),
        source_path=where,
        identity_url=identity_url,
        fingerprint=digest,
    )


def _article_policy(article: Any) -> str | None:
    """The policy the importer recorded from sources.toml (``Policy:`` metadata), if any."""
    value = str(getattr(article, "policy", "") or "").strip().lower()
    return value if value in ("full", "excerpt", "link") else None


def render(story: Story, site: Site, static_sizes: dict[str, int]) -> FeedItem:
    """Return the feed item of ``story``: sanitized absolute HTML, summary, image, authors."""
    article, where = story.article, story.source_path
    page_url = f"{site.root}/{article.url}"
    # get_content() with an explicit absolute SITEURL: {static}/{filename} links then come out
    # absolute and do not depend on which page the writer rendered last (RELATIVE_URLS).
    content = clean_html(article.get_content(site.root), site_root=site.root, page_url=page_url)
    meta = article.metadata
    if meta.get("summary"):
        summary = str(meta["summary"])
    else:
        summary = truncate_html_words(content, site.summary_words or 50, site.summary_suffix)
    summary = clean_html(summary, site_root=site.root, page_url=page_url)
    if len(summary.encode("utf-8")) > site.max_content_bytes:
        logger.warning("topic_feeds: %s: Summary too long; shortened", where)
        summary = truncate_html_words(summary, site.summary_words or 50, site.summary_suffix)

    policy = story.policy
    size = len(content.encode("utf-8"))
    if policy == "full" and size > site.max_content_bytes:
        logger.warning(
            "topic_feeds: %s: body is %d bytes (limit %d); sent as an excerpt",
            where,
            size,
            site.max_content_bytes,
        )
        policy = "excerpt"

    image, image_type, image_length = lead_image(meta, site, static_sizes)
    if meta.get("image") and image is None:
        logger.warning("topic_feeds: %s: Image %r is not usable", where, meta.get("image"))

    authors: tuple[str, ...] = ()
    if meta.get("authors") or meta.get("author"):
        authors = tuple(xml_safe(a.name) for a in getattr(article, "authors", []) if a.name)
    elif story.source:
        authors = (story.source,)  # the publisher is the honest author of an unsigned story

    return FeedItem(
        id=story.id,
        title=story.title,
        url=page_url,
        published=story.published,
        updated=story.updated,
        policy=policy,
        content_html=content if policy == "full" else None,
        summary_html=summary,
        summary_text=plain_text(summary),
        authors=authors,
        topic=story.topic,
        topic_slug=story.topic_slug,
        tags=tuple(sorted({xml_safe(t.name) for t in getattr(article, "tags", None) or []})),
        lang=str(getattr(article, "lang", "") or site.lang),
        source=story.source,
        source_slug=story.source_slug,
        source_url=story.source_url,
        via_urls=story.via_urls,
        image=image,
        image_type=image_type,
        image_length=image_length,
        source_path=where,
    )


def lead_image(meta: dict, site: Site, static_sizes: dict[str, int]) -> tuple[str | None, str | None, int]:  # fmt: skip
    """Return (url, media type, length) of the ``Image`` metadata, or (None, None, 0)."""
    raw_image = meta.get("image")
    if raw_image:
        # The importer writes a kept lead image as a site-relative path (images/<hash>.jpg).
        candidate = absolute_url(str(raw_image), site_root=site.root, page_url=site.root + "/")
        if is_http_url(candidate):
            return _image(candidate, site, static_sizes)
    return None, None, 0


def render_key(story: Story, site: Site, static_sizes: dict[str, int]) -> tuple | None:
    """Return everything :func:`render` reads for ``story``, or ``None`` if that is not known.

    The article's HTML is read before Pelican resolves ``{filename}``-style links, whose targets
    are other pages; an article with such links has no key (it is rendered every build).
    """
    article = story.article
    raw = getattr(article, "_content", None)
    if raw is None or hasattr(article, "_get_content"):  # Pelican's hook for computed content
        return None
    if article._get_intrasite_link_regex().search(raw):
        return None
    meta = article.metadata
    return (
        repr(story),
        repr(site),
        raw,
        article.url,
        repr(meta.get("summary")),
        repr(meta.get("image")),
        lead_image(meta, site, static_sizes),
        bool(meta.get("authors") or meta.get("author")),
        tuple(a.name for a in getattr(article, "authors", [])),
        tuple(t.name for t in getattr(article, "tags", None) or []),
        str(getattr(article, "lang", "") or ""),
    )


def static_sizes(static_content: dict) -> dict[str, int]:
    """Map each static file's site-relative URL to its size, for RSS enclosure lengths."""
    sizes: dict[str, int] = {}
    for static in static_content.values():
        try:
            sizes[static.url] = os.path.getsize(static.source_path)
        except (AttributeError, OSError):
            continue
    return sizes
