"""Client-side full-text search: ClearPress's own static index, written when Pelican finishes.

For every published article the plugin folds and tokenises the title, the body as plain text
and the source (``text.py``: ``ha noi`` finds ``Hà Nội``, ``da nang`` finds ``Đà Nẵng``), and
writes a sharded index of syllables and adjacent-syllable pairs (``index.py``) to
``OUTPUT_PATH/search/data``; the search page's script (``theme/static/js/search.js``) folds the
query the same way and downloads only the shards it needs.

Rebuilds tokenise only new or changed articles: the terms of each article are cached in
``CACHE_PATH/search-v<version>.pack`` (``cache.py``) under a digest of its title, HTML and source, the index
format and the tokeniser's code; the pack keeps only the entries the last build used.
The cache is on when Pelican's ``CACHE_CONTENT`` is (``SEARCH_CACHE = True/False`` overrides).
The index itself is written whole every build, from the cached terms, so it is byte-identical
to a build without the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import unicodedata

from pelican import signals

from . import text
from .cache import TermCache
from .index import VERSION, IndexBuilder, Record
from .text import document_terms, excerpt, plain_text

logger = logging.getLogger(__name__)
NAME = "search"

OUTPUT_FOLDER = "search/data"
CACHE_FILE = f"search-v{VERSION}.pack"

# Part of every cache key: a change to the tokeniser's code or to Python's Unicode tables makes
# every cached entry stale without anyone having to remember to bump a version.
with open(text.__file__, "rb") as _source:
    TOKENISER = hashlib.blake2b(_source.read(), digest_size=8).hexdigest()
TOKENISER += "-" + unicodedata.unidata_version

# Articles of the current build, keyed by the settings dict Pelican shares with its generators.
_articles: dict[int, list] = {}


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin.

    Pelican connects plugins to process-wide signals and never disconnects them, so after one
    build has loaded this plugin, later builds in the same process (tests, autoreload) would
    still call it; each handler checks the current settings first.
    """
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def cache_path(settings) -> str | None:
    """Return the term cache's file, or None when the cache is off.

    ``SEARCH_CACHE`` (True/False) decides; unset, the cache follows Pelican's own
    ``CACHE_CONTENT``, so a site that does not cache writes nothing outside its output.
    """
    wanted = settings.get("SEARCH_CACHE")
    if not (settings.get("CACHE_CONTENT") if wanted is None else wanted):
        return None
    return os.path.join(settings.get("CACHE_PATH") or "cache", CACHE_FILE)


def digest(title: str, content: str, source: str) -> str:
    """Return the cache key of one article's searchable text."""
    parts = (str(VERSION), TOKENISER, title, content, source)
    data = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def remember_articles(generator) -> None:
    """Keep the published articles for the index written when the build finishes."""
    if enabled(generator.settings):
        _articles[id(generator.settings)] = list(generator.articles)


def build_index(pelican) -> None:
    """Write the search index for the articles of the build that just finished."""
    if not enabled(pelican.settings):
        return
    started = time.process_time()
    articles = sorted(_articles.pop(id(pelican.settings), []), key=lambda a: a.url)
    folder = os.path.join(pelican.output_path, *OUTPUT_FOLDER.split("/"))
    shutil.rmtree(folder, ignore_errors=True)
    cache = TermCache(cache_path(pelican.settings))
    builder = IndexBuilder()
    previous = None
    for article in articles:
        if article.url == previous:
            logger.warning("search: %s is indexed once, for its first article", article.url)
            continue
        previous = article.url
        title = plain_text(str(article.title))
        content = article.content or ""
        source = str(getattr(article, "source", "") or "").strip()
        key = digest(title, content, source)
        entry = cache.get(key)
        if entry is None:
            body = plain_text(content)
            entry = (*document_terms(title, [body, source]), excerpt(body))
            cache.put(key, entry)
        length, terms, values, lead = entry
        category = getattr(article, "category", None)
        record = Record(
            url=article.url,
            title=title,
            date=article.date.strftime("%d/%m/%Y"),
            topic=str(category) if category is not None else "",
            excerpt=lead,
        )
        builder.add(record, length, terms, values)
    cache.close()
    files, size = builder.write(folder)
    logger.info(
        "search: indexed %d articles into %s: %d files, %d bytes (%d from the cache) in %.1f s",
        len(builder.records),
        OUTPUT_FOLDER,
        files,
        size,
        cache.hits,
        time.process_time() - started,
    )


def register() -> None:
    """Connect the plugin to Pelican."""
    signals.article_generator_finalized.connect(remember_articles)
    signals.finalized.connect(build_index)
