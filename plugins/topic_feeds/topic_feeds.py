"""Pelican wiring: settings on ``initialized``, a generator that writes every feed.

Feeds are written by a generator returned from ``get_generators`` (the pattern of the search
plugin): Pelican calls its ``generate_output`` after every generator has built its context, so
all articles, categories and static files are known, and it gets Pelican's Jinja environment for
the theme's ``feeds.html``.  ``initialized`` only merges the defaults into ``TOPIC_FEEDS`` so the
theme can read the feed paths for autodiscovery links.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pelican import signals
from pelican.generators import Generator, PelicanTemplateNotFound

from scripts import output_files
from scripts.content_identity import unchanged_digests

from .build import FeedSpec, atom_bytes, build_feed, feed_updated, rss_bytes
from .cache import FeedCache, key_after, key_of, key_prefix
from .catalog import FeedInfo, fallback_template_source, opml_bytes
from .config import SETTING, merge_settings
from .identity import deduplicate
from .items import (
    IDENTIFY_READS_ATTRIBUTES,
    IDENTIFY_READS_METADATA,
    FeedItem,
    Site,
    Story,
    content_fingerprint,
    identify,
    render,
    render_key,
    static_sizes,
)
from .items import logger as items_logger
from .jsonfeed import json_bytes

logger = logging.getLogger(__name__)

# Where feeds point when SITEURL is empty (local builds): what `pelican --listen` serves.
LOCAL_SITEURL = "http://localhost:8000"


NAME = "topic_feeds"


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin (Pelican's signals are process-wide: a later
    build in the same process that does not list it must not get its feeds)."""
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def merge_into_settings(pelican) -> None:
    """Merge the defaults into ``settings["TOPIC_FEEDS"]`` so templates see every key."""
    if enabled(pelican.settings):
        pelican.settings[SETTING] = merge_settings(pelican.settings.get(SETTING))


def _site(settings: dict, config: dict) -> Site:
    """Return the site description the pure builders need."""
    root = (settings.get("SITEURL") or "").rstrip("/")
    if not root:
        logger.warning(
            "topic_feeds: SITEURL is empty; feed links point to %s (set SITEURL to publish)",
            LOCAL_SITEURL,
        )
        root = LOCAL_SITEURL
    return Site(
        root=root,
        name=settings.get("SITENAME") or "ClearPress",
        lang=settings.get("DEFAULT_LANG") or "vi",
        policies=config["policies"],
        max_content_bytes=config["max_content_bytes"],
        summary_words=settings.get("SUMMARY_MAX_LENGTH"),
        summary_suffix=settings.get("SUMMARY_END_SUFFIX", "…"),
    )


def _path(template: str | None, slug: str) -> str | None:
    """Return a feed path from its template, or ``None`` when the operator disabled it."""
    return template.format(slug=slug) if template else None


class TopicFeedsGenerator(Generator):
    """Write the RSS, Atom and JSON feeds, the catalog page and the OPML list."""

    def _specs(self, items: list[Story], site: Site, config: dict) -> list[FeedSpec]:
        """Return one spec for the archive, each topic and each source, in a stable order."""
        name = site.name
        specs = [
            FeedSpec(
                kind="all",
                slug="all",
                title=name,
                description=self.settings.get("SITESUBTITLE") or f"Tất cả bài viết trên {name}",
                home_url=f"{site.root}/",
                rss_path=config["all_rss"],
                atom_path=config["all_atom"],
                json_path=config["all_json"],
            )
        ]
        # Every category Pelican renders gets a feed, even if all its items were left out, so
        # the theme's autodiscovery links never point to a missing file.
        categories = sorted(self.context.get("categories", []), key=lambda pair: pair[0].slug)
        for category, _articles in categories:
            specs.append(
                FeedSpec(
                    kind="topic",
                    slug=category.slug,
                    title=f"{name} — {category.name}",
                    description=f"Chủ đề {category.name} trên {name}",
                    home_url=f"{site.root}/{category.url}",
                    rss_path=_path(config["topic_rss"], category.slug),
                    atom_path=_path(config["topic_atom"], category.slug),
                    json_path=_path(config["topic_json"], category.slug),
                )
            )
        sources: dict[str, str] = {}
        for item in sorted(items, key=lambda i: i.source_path):
            if item.source and item.source_slug:
                sources.setdefault(item.source_slug, item.source)
        for slug in sorted(sources):
            specs.append(
                FeedSpec(
                    kind="source",
                    slug=slug,
                    title=f"{name} — {sources[slug]}",
                    description=f"Bài viết của {sources[slug]} được lưu trên {name}",
                    home_url=f"{site.root}/",
                    rss_path=_path(config["source_rss"], slug),
                    atom_path=_path(config["source_atom"], slug),
                    json_path=_path(config["source_json"], slug),
                )
            )
        return specs

    def _write(self, path: str, data: output_files.Data, key: bytes | None = None) -> None:
        """Write one output file under OUTPUT_PATH (kept as it is when the previous build wrote
        it under the same key, or the same bytes: ``output_files``)."""
        output_files.write(self.output_path, path, data, key)

    def _write_catalog(self, writer, path: str, catalog: list[FeedInfo]) -> None:
        """Render the theme's ``feeds`` template (or the built-in one) to ``path``."""
        try:
            template = self.get_template("feeds")
        except PelicanTemplateNotFound:
            template = self.env.from_string(fallback_template_source())
        writer.write_file(
            path,
            template,
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            feed_catalog=catalog,
        )

    def generate_output(self, writer) -> None:
        """Build every feed from the published articles and write it with the catalog."""
        started = time.perf_counter()
        config = merge_settings(self.settings.get(SETTING))
        site = _site(self.settings, config)
        sizes = static_sizes(self.context.get("static_content", {}))
        cache = FeedCache(self.settings)

        def fingerprint(title: str, raw: str) -> str:
            key = key_of("fp", title, raw)
            value = cache.get("fp", key)
            if value is None:
                value = content_fingerprint(title, raw)
                cache.put("fp", key, value)
            return value

        site_key = key_of("site", repr(site))  # hashed once, not with every article
        found = _identify_all(
            cache, list(self.context.get("articles", [])), site, fingerprint, site_key
        )
        stories = sorted(
            deduplicate([story for story in found if story is not None]),
            key=lambda story: story.sort_key,
            reverse=True,
        )
        rendered: dict[str, tuple[FeedItem, bytes | None]] = {}

        def items_of(chosen: list[Story]) -> tuple[list[FeedItem], list[bytes | None]]:
            """Render each chosen story once, however many feeds it appears in."""
            for story in chosen:
                if story.id not in rendered:
                    rendered[story.id] = _render_cached(cache, story, site, sizes)
            pairs = [rendered[story.id] for story in chosen]
            return [item for item, _ in pairs], [key for _, key in pairs]

        # Newest first, as ``stories``; each feed takes the first max_items (max_items_all for
        # the whole archive's feeds) of its group.
        groups: dict[tuple[str, str], list[Story]] = {("all", "all"): stories}
        for story in stories:
            groups.setdefault(("topic", story.topic_slug), []).append(story)
            if story.source_slug:
                groups.setdefault(("source", story.source_slug), []).append(story)
        catalog: list[FeedInfo] = []
        for spec in self._specs(stories, site, config):
            chosen = groups.get((spec.kind, spec.slug), [])
            limit = config["max_items_all" if spec.kind == "all" else "max_items"]
            items, keys = items_of(chosen[:limit])
            for path, key, make in _feed_files(cache, spec, items, keys, site):
                self._write(path, make, key)
            catalog.append(
                FeedInfo(
                    title=spec.title,
                    kind=spec.kind,
                    slug=spec.slug,
                    rss_url=spec.rss_path,
                    atom_url=spec.atom_path,
                    json_url=spec.json_path,
                    count=len(items),
                    updated=feed_updated(items) if items else None,
                    home_url=spec.home_url,
                )
            )
        if config["catalog"]:
            self._write_catalog(writer, config["catalog"], catalog)
        if config["opml"]:
            topics = [info for info in catalog if info.kind == "topic"]
            self._write(config["opml"], opml_bytes(topics, site))
        cache.save()
        logger.info(
            "topic_feeds: %d feeds, %d stories, %d rendered in %.3f s (%d results from the cache)",
            len(catalog),
            len(stories),
            len(rendered),
            time.perf_counter() - started,
            cache.hits,
        )


def story_keys(articles: list, site_key: str | bytes) -> list[bytes]:
    """The story cache's key of each article: everything :func:`identify` reads, in one hash.

    The metadata items it looks at (``IDENTIFY_READS_METADATA``; tests/test_feeds.py fails if it
    reads another), the dates, topic and policy Pelican and the importer derived from them, its
    path and the site (``site_key``: a digest of ``repr(site)``, made once a build) go in as
    one ``repr``, and the HTML after it (~23 µs an article at 10,000, most of it the dates'
    ``repr`` and the HTML's encoding).  Where the build can vouch that those attributes
    (``IDENTIFY_READS_ATTRIBUTES``) and items are still what the article was read with
    (``content_identity``: fast_build's snapshot of the article), its digest stands for them
    and only the topic is added: asked for all articles at once, and hashed after the site and
    topic, whose hash is made once per topic (~4 µs an article).
    """
    vouched = unchanged_digests(articles, IDENTIFY_READS_ATTRIBUTES, IDENTIFY_READS_METADATA)
    prefixes: dict[tuple[str, str] | None, Any] = {}
    keys = []
    for article, digest in zip(articles, vouched, strict=True):
        if digest is None:
            keys.append(_story_key_of_values(article, site_key))
            continue
        category = getattr(article, "category", None)
        topic = (category.name, category.slug) if category else None
        prefix = prefixes.get(topic)
        if prefix is None:
            prefix = prefixes[topic] = key_prefix("story/vouched", site_key, repr(topic))
        keys.append(key_after(prefix, digest))
    return keys


def story_key(article, site_key: str | bytes) -> bytes:
    """:func:`story_keys` of one article."""
    return story_keys([article], site_key)[0]


def _story_key_of_values(article, site_key: str | bytes) -> bytes:
    category = getattr(article, "category", None)
    raw = getattr(article, "_content", None) or article.content
    metadata = article.metadata
    described = (
        site_key,
        getattr(article, "relative_source_path", None) or str(article.source_path),
        [metadata.get(name) for name in IDENTIFY_READS_METADATA],
        getattr(article, "title", None),
        getattr(article, "date", None),
        getattr(article, "modified", None),
        (category.name, category.slug) if category else None,
        getattr(article, "policy", None),
    )
    return key_of("story", repr(described), str(raw))


# A story's dates are almost always its article's ``date`` (and ``modified``) to the second,
# which the story key covers: the cache stores which attribute a date came from instead of the
# datetime (unpickling 20,000 SafeDatetimes was most of loading the cache at 10,000 articles).
_DATE_ATTRIBUTES = ("date", "modified")
_STORY_FIELDS = tuple(f.name for f in dataclasses.fields(Story) if f.name != "article")
_DATES = tuple(_STORY_FIELDS.index(name) for name in ("published", "updated"))


def _to_the_second(value):
    return value.replace(microsecond=0) if isinstance(value, datetime) else None


def _stored_story(story: Story) -> tuple:
    """The story's fields for the cache; a date that is one of the article's date attributes
    to the second (same type and time zone object) is stored as that attribute's index in
    ``_DATE_ATTRIBUTES`` (no field of a story is an ``int``)."""
    values = [getattr(story, name) for name in _STORY_FIELDS]
    for index in _DATES:
        value = values[index]
        for number, attribute in enumerate(_DATE_ATTRIBUTES):
            same = _to_the_second(getattr(story.article, attribute, None))
            if (
                same is not None
                and type(same) is type(value)
                and same.tzinfo is value.tzinfo
                and same == value
            ):
                values[index] = number
                break
    return tuple(values)


def _cached_story(article, stored: tuple) -> Story:
    """The Story of ``article`` from :func:`_stored_story`'s fields."""
    values = list(stored)
    for index in _DATES:
        if type(values[index]) is int:
            values[index] = _to_the_second(getattr(article, _DATE_ATTRIBUTES[values[index]]))
    return Story(article, *values)


def _identify_all(
    cache: FeedCache, articles: list, site: Site, fingerprint, site_key: bytes
) -> list[Story | None]:
    """Return :func:`identify`'s Story of each article, from the cache where its inputs match
    (:func:`story_keys`).  Warnings are replayed on a hit, as for rendered items."""
    if not cache.enabled:
        return [identify(article, site, fingerprint) for article in articles]
    keys = story_keys(articles, site_key)
    found: list[Story | None] = []
    for article, key, hit in zip(articles, keys, cache.get_all("story", keys), strict=True):
        if hit is not None:
            stored, warnings = hit
            for level, message in warnings:
                items_logger.log(level, "%s", message)
            found.append(None if stored is None else _cached_story(article, stored))
            continue
        with _Recorder(items_logger) as recorder:
            story = identify(article, site, fingerprint)
        cache.put(
            "story", key, (None if story is None else _stored_story(story), recorder.warnings)
        )
        found.append(story)
    return found


def _render_cached(
    cache: FeedCache, story: Story, site: Site, sizes: dict[str, int]
) -> tuple[FeedItem, bytes | None]:
    """Return the story's feed item and its cache key (``None``: not cacheable).

    A cached item comes with the warnings rendering it logged, which are logged again.
    """
    parts = render_key(story, site, sizes) if cache.enabled else None
    key = key_of("item", *parts) if parts is not None else None
    hit = cache.get("item", key)
    if hit is not None:
        item, warnings = hit
        for level, message in warnings:
            items_logger.log(level, "%s", message)
        return item, key
    with _Recorder(items_logger) as recorder:
        item = render(story, site, sizes)
    cache.put("item", key, (item, recorder.warnings))
    return item, key


def _feed_files(
    cache: FeedCache, spec: FeedSpec, items: list[FeedItem], keys: list[bytes | None], site: Site
) -> list[tuple[str, bytes | None, Callable[[], bytes]]]:
    """Return (path, key, maker of the bytes) for each of the feed's enabled formats.

    The key digests everything the file is made from (this code, the feed's description, the
    site, its items' keys), so the build keeps a feed file it finds written under the same key
    without serialising the feed again (``output_files``); ``None`` when an item has no key.
    The makers serialise on demand and share one ``FeedGenerator``.
    """
    key = None
    if cache.enabled and None not in keys:
        key = key_of("feed", cache.version, repr(spec), repr(site), *keys)
    built: list = []

    def feed():
        if not built:
            built.append(build_feed(spec, items, site))
        return built[0]

    makers: list[tuple[str, Callable[[], bytes]]] = []
    if spec.rss_path:
        makers.append((spec.rss_path, lambda: rss_bytes(feed(), spec, site)))
    if spec.atom_path:
        makers.append((spec.atom_path, lambda: atom_bytes(feed(), spec, site)))
    if spec.json_path:
        makers.append((spec.json_path, lambda: json_bytes(spec, items, site)))
    return [(path, None if key is None else key_of(key, path), make) for path, make in makers]


class _Recorder(logging.Handler):
    """Collect what one logger emits while in a ``with`` block (the records still propagate)."""

    def __init__(self, target: logging.Logger) -> None:
        super().__init__(logging.WARNING)
        self.target = target
        self.warnings: list[tuple[int, str]] = []

    def __enter__(self) -> _Recorder:
        self.target.addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        self.target.removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append((record.levelno, record.getMessage()))


def get_generators(pelican):
    """Hand Pelican the feed generator class, when the build lists the plugin."""
    return TopicFeedsGenerator if enabled(pelican.settings) else None


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(merge_into_settings)
    signals.get_generators.connect(get_generators)
