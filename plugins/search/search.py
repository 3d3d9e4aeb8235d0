"""Client-side full-text search: ClearPress's own static index, written when Pelican finishes.

For every published article the plugin folds and tokenises the title, the body as plain text
and the source (``text.py``: ``ha noi`` finds ``Hà Nội``, ``da nang`` finds ``Đà Nẵng``), and
writes a sharded index of syllables and adjacent-syllable pairs (``index.py``) to
``OUTPUT_PATH/search/data``; the search page's script (``theme/static/js/search.js``) folds the
query the same way and downloads only the shards it needs.

Rebuilds tokenise only new or changed articles: the terms of each article are cached in
``CACHE_PATH/search-v<version>/`` under a digest of its title, HTML and source, the index
format and the tokeniser's code; entries no article used in a build are removed at its end.
The cache is on when Pelican's ``CACHE_CONTENT`` is (``SEARCH_CACHE = True/False`` overrides).
The index itself is written whole every build, from the cached terms, so it is byte-identical
to a build without the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import shutil
import tempfile
import time
import unicodedata

from pelican import signals

from . import text
from .index import VERSION, IndexBuilder, Record
from .text import document_terms, excerpt, plain_text

logger = logging.getLogger(__name__)
NAME = "search"

OUTPUT_FOLDER = "search/data"
CACHE_FOLDER = f"search-v{VERSION}"

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


class TermCache:
    """Per-article terms on disk, one small file per digest, written atomically.

    Only a speed-up: any entry that cannot be read is computed again, and a cache folder that
    cannot be written is reported once and then left alone.
    """

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> str:
        assert self.folder is not None
        return os.path.join(self.folder, key[:2], key)

    def get(self, key: str) -> tuple | None:
        """Return the cached entry for ``key``, or None."""
        self.used.add(key)
        if self.folder is None:
            return None
        try:
            with open(self._path(key), "rb") as handle:
                entry = marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            self.misses += 1
            return None
        if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[2], dict)):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, key: str, entry: tuple) -> None:
        """Store ``entry`` under ``key`` (temporary file, then rename)."""
        if self.folder is None:
            return
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    marshal.dump(entry, out)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.remove(temporary)
                raise
        except OSError as exc:
            logger.warning("search: cannot write the term cache in %s (%s)", self.folder, exc)
            self.folder = None

    def prune(self) -> None:
        """Remove every entry (and leftover temporary) this build did not use."""
        if self.folder is None or not os.path.isdir(self.folder):
            return
        for bucket in os.scandir(self.folder):
            if not bucket.is_dir():
                continue
            for entry in os.scandir(bucket.path):
                if entry.name not in self.used:
                    with contextlib.suppress(OSError):
                        os.remove(entry.path)


def cache_folder(settings) -> str | None:
    """Return where the term cache lives, or None when it is off.

    ``SEARCH_CACHE`` (True/False) decides; unset, the cache follows Pelican's own
    ``CACHE_CONTENT``, so a site that does not cache writes nothing outside its output.
    """
    wanted = settings.get("SEARCH_CACHE")
    if not (settings.get("CACHE_CONTENT") if wanted is None else wanted):
        return None
    return os.path.join(settings.get("CACHE_PATH") or "cache", CACHE_FOLDER)


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
    cache = TermCache(cache_folder(pelican.settings))
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
            length, terms = document_terms(title, [body, source])
            entry = (length, excerpt(body), terms)
            cache.put(key, entry)
        category = getattr(article, "category", None)
        record = Record(
            url=article.url,
            title=title,
            date=article.date.strftime("%d/%m/%Y"),
            topic=str(category) if category is not None else "",
            excerpt=entry[1],
        )
        builder.add(record, entry[0], entry[2])
    cache.prune()
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
