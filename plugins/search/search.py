"""Client-side full-text search: ClearPress's own static index, written when Pelican finishes.

For every published article the plugin folds and tokenises the title, the body as plain text
and the source (``text.py``: ``ha noi`` finds ``Hà Nội``, ``da nang`` finds ``Đà Nẵng``), and
writes a sharded index of syllables and adjacent-syllable pairs (``index.py``) to
``OUTPUT_PATH/search/data``; the search page's script (``theme/static/js/search.js``) folds the
query the same way and downloads only the shards it needs.

Rebuilds do as little as they can, with the same result as a build from scratch; both caches
live beside each other in ``CACHE_PATH`` and are on when Pelican's ``CACHE_CONTENT`` is
(``SEARCH_CACHE = True/False`` overrides):

- ``search-v<version>.pack`` (``cache.py``): each article's terms, under a digest of its title,
  HTML and source and of this plugin's code, so only new or changed articles are tokenised;
- ``search-v<version>.pack.state``: the last build's postings.  Articles are numbered in the
  order they were captured, so when a build's articles are the last build's plus newly
  captured ones, it takes the postings over and adds only the new articles
  (``IndexBuilder.resume``).

Index files that already hold the right bytes (output kept between builds) are not rewritten.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
import unicodedata
from datetime import UTC, datetime
from typing import Any

from pelican import signals

from scripts import journal
from scripts.content_identity import unchanged_digests

from . import index, text
from .cache import TermCache, clear_leftovers, read_if_there
from .index import VERSION, IndexBuilder, Record
from .text import document_terms, excerpt, plain_text, visible_words

logger = logging.getLogger(__name__)
NAME = "search"

OUTPUT_FOLDER = "search/data"
CACHE_FILE = f"search-v{VERSION}.pack"

STATE_SUFFIX = ".state"  # the last build's postings, beside the term cache

# Part of every cache key: a change to this plugin's code or to Python's Unicode tables makes
# every cached entry stale without anyone having to remember to bump a version.
_code = hashlib.blake2b(unicodedata.unidata_version.encode(), digest_size=8)
for _module in (text, index, sys.modules[__name__]):
    with open(_module.__file__ or "", "rb") as _source:
        _code.update(_source.read())
CODE = _code.hexdigest()

# What the last build in this process did (the log line says the same; Pelican's loggers drop a
# message identical to an earlier one, so tests read this).
last_report: dict[str, float] = {}

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
    parts = (str(VERSION), CODE, title, content, source)
    data = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]  # SHA-256: 2x BLAKE2b with SHA instructions


# What an article's index entry is made of: its searchable text (title, HTML, source) and what
# its result shows (``_record``: URL, title, date; and its topic, which is added to the key).
VOUCHED_ATTRIBUTES = ("title", "_content", "source", "date", "override_url")


def document_keys(articles: list, sources: list[str]) -> list[str]:
    """The cache key of each article's searchable text (``sources``: each one's source).

    From the build's digest of the attributes it comes from and of what its result shows, where
    the build can vouch that they are as the article was read (``content_identity``:
    fast_build's snapshot, no text hashed again; asked for all articles at once): such a key
    (``v`` and 32 hex digits) also covers the article's record, which a rebuild then takes over
    with its terms.  Otherwise :func:`digest` of the text.
    """
    vouched = unchanged_digests(articles, VOUCHED_ATTRIBUTES)
    prefixes: dict[str, Any] = {}
    keys = []
    for article, source, snapshot in zip(articles, sources, vouched, strict=True):
        if snapshot is None:
            keys.append(digest(_title(article), _html(article), source))
            continue
        category = getattr(article, "category", None)
        topic = str(category) if category is not None else ""
        prefix = prefixes.get(topic)
        if prefix is None:
            data = f"{VERSION}\x00{CODE}\x00{topic!r}\x00".encode("utf-8", "surrogatepass")
            prefix = prefixes[topic] = hashlib.sha256(data)
        hashed = prefix.copy()
        hashed.update(snapshot)
        keys.append("v" + hashed.hexdigest()[:32])
    return keys


def document_key(article, source: str) -> str:
    """:func:`document_keys` of one article."""
    return document_keys([article], [source])[0]


def _title(article) -> str:
    return plain_text(str(article.title))


def remember_articles(generator) -> None:
    """Keep the published articles for the index written when the build finishes."""
    if enabled(generator.settings):
        _articles[id(generator.settings)] = list(generator.articles)


def _captured(article) -> float:
    """When the article was captured (its ``Captured``), else its date, as a timestamp.

    Only an order: a time without a zone is read as UTC, so the order is the same on every
    machine.
    """
    raw = article.metadata.get("captured")
    if isinstance(raw, str):
        try:
            when = datetime.fromisoformat(raw.strip())
        except ValueError:
            pass
        else:
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    return article.date.timestamp()


def _html(article) -> str:
    """The article's HTML as its reader wrote it.

    ``article.content`` is the same with intrasite links (``{filename}…``) resolved; Pelican
    rewrites only the URL attributes of tags (``href``, ``src`` …), never the text the index
    reads, so the reader's HTML gives the same terms without rewriting 10,000 articles a build.
    """
    raw = getattr(article, "_content", None)
    return raw if isinstance(raw, str) else (article.content or "")


def _documents(articles) -> list[tuple]:
    """Return (article, source, key) per article in capture order, URLs once.

    Captured first, first: every import captures what it adds after everything captured
    before, so the articles of a rebuild are the previous build's followed by the new ones —
    back-dated or back-filled stories too — and the rebuild takes over the previous build's
    postings (``IndexBuilder.resume``) and indexes only the new articles.  (In date order, one
    story dated before the newest indexed one meant indexing everything again.)  Articles
    without a readable ``Captured`` are placed by their date; ties go by URL.
    """
    kept = []
    seen = set()
    for article in sorted(articles, key=lambda a: (_captured(a), a.url)):
        if article.url in seen:
            logger.warning("search: %s is indexed once, for its first article", article.url)
            continue
        seen.add(article.url)
        kept.append(article)
    sources = [str(getattr(article, "source", "") or "").strip() for article in kept]
    return list(zip(kept, sources, document_keys(kept, sources), strict=True))


def _record(article, title: str, lead: str) -> Record:
    category = getattr(article, "category", None)
    return Record(
        url=article.url,
        title=title,
        # datetime's own strftime (C): Pelican's SafeDatetime.strftime wraps it in Python for
        # directives this format does not use, at ~45 µs an article.
        date=datetime.strftime(article.date, "%d/%m/%Y"),
        topic=str(category) if category is not None else "",
        excerpt=lead,
    )


def build_index(pelican) -> None:
    """Write the search index for the articles of the build that just finished."""
    if not enabled(pelican.settings):
        return
    started = time.process_time()
    documents = _documents(_articles.pop(id(pelican.settings), []))
    folder = os.path.join(pelican.output_path, *OUTPUT_FOLDER.split("/"))
    if os.path.lexists(folder) and not os.path.isdir(folder):
        os.remove(folder)  # a file in the way
    path = cache_path(pelican.settings)
    builder = IndexBuilder()
    state = path + STATE_SUFFIX if path else None
    resumed: list[str] = []
    added_size = None
    if state:
        added, added_size = journal.read(state)
        keys = [d[2] for d in documents]
        resumed = builder.resume(read_if_there(state), CODE, keys, added)
    fresh = len(documents) - len(resumed)
    # Nothing new: the term cache is neither read nor rewritten.
    cache = TermCache(path if fresh else None)
    for number, (article, source, key) in enumerate(documents):
        if number < len(resumed):
            cache.keep(key)
            # A key the build vouched for covers the record too: the previous build's holds.
            record = builder.resumed_record(number) if key.startswith("v") else None
            builder.add_resumed(record or _record(article, _title(article), resumed[number]))
            continue
        title = _title(article)
        entry = cache.get(key)
        if entry is None:
            body = visible_words(_html(article))
            entry = (*document_terms(title, [body, source]), excerpt(body))
            cache.put(key, entry)
        length, terms, values, lead = entry
        builder.add(_record(article, title, lead), length, terms, values, key)
    cache.close()
    files, size, written = builder.write(folder)
    if state and fresh:
        _save_state(state, builder, added_size)
    report = {
        "articles": len(builder.records),
        "files": files,
        "written": written,
        "bytes": size,
        "taken_over": len(resumed),
        "from_term_cache": cache.hits,
        "cpu_s": round(time.process_time() - started, 2),
    }
    last_report.clear()
    last_report.update(report)
    logger.info(
        "search: indexed %(articles)d articles into search/data: %(files)d files (%(written)d "
        "written), %(bytes)d bytes (%(taken_over)d taken over from the last build, "
        "%(from_term_cache)d from the term cache) in %(cpu_s).1f s CPU",
        report,
    )


def _save_state(path: str, builder: IndexBuilder, journal_size: int | None) -> None:
    """Keep what the next build resumes from: what this build added, appended to the state's
    journal (``scripts.journal``), or, now and then (and when this build did not resume), the
    whole state (18 MB at 10,000 articles), written anew."""
    added = builder.state_added(CODE)

    def write_whole(out) -> None:
        clear_leftovers(path)  # temporaries of the state that killed builds left
        out.write(builder.state(CODE))

    try:
        journal.save(path, journal_size if added is not None else None, added, write_whole)
    except OSError as exc:
        logger.warning("search: cannot write %s (%s)", path, exc)


def register() -> None:
    """Connect the plugin to Pelican."""
    signals.article_generator_finalized.connect(remember_articles)
    signals.finalized.connect(build_index)
