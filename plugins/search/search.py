"""Client-side full-text search: a Pagefind index of every article, built when Pelican finishes.

Pagefind does not crawl the published pages.  For each article the plugin writes a small search
document (the title and body as plain text, with title, date and topic as Pagefind metadata) into
a temporary folder at the article's URL, and indexes that folder with one ``add_directory`` call:

- Vietnamese readers often type without diacritics.  Pagefind folds tones (``ha noi`` finds
  ``Hà Nội``) but treats ``đ`` as its own letter, so ``da nang`` would miss ``Đà Nẵng``.  In the
  indexed text every ``đ``/``Đ`` is written as ``d``/``D`` followed by U+0335 (COMBINING SHORT
  STROKE OVERLAY): Pagefind drops combining marks from indexed words, so the word is ``da``, while
  the stored excerpt keeps the mark and the search script turns ``d̵`` back into ``đ`` for display.
  One index, one copy of the text: the download is no larger than plain Pagefind's.
- Only articles are searchable, without the navigation and footer of every page.
- One call: the Python API waits 0.1 s before reading each reply of its Pagefind service, so
  adding records one by one (``add_custom_record``) costs 0.1 s per article — 17 minutes at
  10,000 articles — while a folder is a single reply.

The index is written to ``OUTPUT_PATH/pagefind`` after deleting the previous one (Pagefind leaves
stale fragments otherwise), so builds are byte-identical.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from pelican import signals
from pelican.utils import sanitised_join

logger = logging.getLogger(__name__)
NAME = "search"

OUTPUT_FOLDER = "pagefind"
STROKE = "\u0335"
# Pagefind also writes ready-made UIs; the theme has its own small script, so these would only
# be dead weight on GitHub Pages.
UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|tr|td|th|figcaption|figure|blockquote|pre)>|<br\s*/?>")
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")

# Articles of the current build, keyed by the settings dict Pelican shares with its generators.
_articles: dict[int, list] = {}


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin.

    Pelican connects plugins to process-wide signals and never disconnects them, so after one
    build has loaded this plugin, later builds in the same process (tests, autoreload) would
    still call it; each handler checks the current settings first.
    """
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def fold_d(text: str) -> str:
    """Write đ/Đ as d/D plus a combining stroke, which Pagefind's word folding removes."""
    return text.replace("đ", "d" + STROKE).replace("Đ", "D" + STROKE)


def plain_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, blocks separated, whitespace collapsed."""
    spaced = BLOCK_END.sub(" ", fragment)
    text = html.unescape(TAG.sub("", spaced))
    return SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def search_document(article) -> str:
    """Return the small HTML document Pagefind indexes for one article."""
    title = plain_text(str(article.title))
    # The title ends with a full stop in the index so excerpts do not run it into the lead.
    parts = [title.rstrip(".") + ".", plain_text(article.content)]
    source = str(getattr(article, "source", "") or "").strip()
    if source:
        parts.append(f"Nguồn: {source}.")
    meta = {"title": title, "date": article.date.strftime("%d/%m/%Y")}
    category = getattr(article, "category", None)
    if category is not None:
        meta["topic"] = str(category)
    # Metadata sits outside data-pagefind-body, as elements (values may hold commas), and keeps
    # the real đ; only the body is folded.
    spans = "".join(
        f'<span data-pagefind-meta="{key}">{html.escape(value)}</span>'
        for key, value in meta.items()
    )
    body = html.escape(fold_d(" ".join(p for p in parts if p)))
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title></title></head>'
        f"<body><p hidden>{spans}</p><main data-pagefind-body>{body}</main></body></html>"
    )


def document_path(url: str) -> str:
    """Return where the search document of a page at ``url`` goes, so Pagefind keeps the URL."""
    path = url.split("#", 1)[0].split("?", 1)[0]
    return path + "index.html" if path.endswith("/") or not path else path


async def write_index(documents: Path, folder: str) -> int:
    """Index the search documents under ``documents`` into ``folder``; return the page count."""
    from pagefind.index import PagefindIndex

    # Leaving the context writes the files, to the configured output_path; writing them
    # explicitly as well would write them twice, the second time into the working directory.
    async with PagefindIndex(config={"output_path": folder}) as index:
        result = await index.add_directory(str(documents))
    return int(result.get("page_count", 0))


def remember_articles(generator) -> None:
    """Keep the published articles for the index written when the build finishes."""
    if enabled(generator.settings):
        _articles[id(generator.settings)] = list(generator.articles)


def build_index(pelican) -> None:
    """Write the search index for the articles of the build that just finished."""
    if not enabled(pelican.settings):
        return
    articles = _articles.pop(id(pelican.settings), [])
    folder = os.path.join(pelican.output_path, OUTPUT_FOLDER)
    shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="clearpress-search-") as tmp:
        for article in articles:
            target = sanitised_join(tmp, document_path(article.url))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(search_document(article))
        try:
            count = asyncio.run(write_index(Path(tmp), folder))
        except Exception as exc:  # the Pagefind service reports failures as plain exceptions
            logger.error("search: Pagefind could not write the index to %s: %s", folder, exc)
            return
    for name in UNUSED:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            os.remove(path)
    if count != len(articles):
        logger.error("search: indexed %d of %d articles", count, len(articles))
    logger.info("search: indexed %d articles into %s", count, folder)


def register() -> None:
    """Connect the plugin to Pelican."""
    signals.article_generator_finalized.connect(remember_articles)
    signals.finalized.connect(build_index)
