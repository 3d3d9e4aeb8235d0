"""Pages per original publisher: ``source/<slug>/index.html`` and the ``source/index.html`` list.

A republished story is only trustworthy if readers can see everything the archive holds from one
publisher, so articles are grouped by their ``Source`` metadata the way Pelican groups them by
category.  The slug follows the topic_feeds rule (``hanoi.gov.vn`` → ``hanoi-gov-vn``) so a
source page and its feeds share one name.  The generator is returned from ``get_generators``: its
``generate_context`` runs after the articles are read, so each article learns its source page
before the article pages are written.
"""

from __future__ import annotations

import functools
import logging
import os
import unicodedata
from dataclasses import dataclass, field
from functools import partial

from pelican import signals
from pelican.generators import Generator, PelicanTemplateNotFound

logger = logging.getLogger(__name__)
NAME = "sources_pages"

DEFAULTS = {
    "SOURCE_URL": "source/{slug}/",
    "SOURCE_SAVE_AS": "source/{slug}/index.html",
    "SOURCES_URL": "source/",
    "SOURCES_SAVE_AS": "source/index.html",
}


@functools.lru_cache(maxsize=4096)
def slug_for(name: str) -> str:
    """Return the ASCII slug of a publisher name, folding đ to d as the feeds plugin does.

    Kept per name: an archive has a few hundred publishers and every build asks for each of its
    articles (~8 µs each, 0.08 s at 10,000 articles).
    """
    text = name.replace("đ", "d").replace("Đ", "D")
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in folded.lower())
    return "-".join(part for part in slug.split("-") if part) or "nguon"


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin.

    Pelican connects plugins to process-wide signals and never disconnects them, so after one
    build has loaded this plugin, later builds in the same process (tests, autoreload) would
    still call it; each handler checks the current settings first.
    """
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


@dataclass(frozen=True)
class SourceLink:
    """What an article knows of its source page (``article.source_page``): name, slug, URL.

    Not the :class:`Source` itself, whose article list changes with every import: a page that
    only links to its source's page does not depend on what else that source published (the
    fast_build plugin re-renders an article page only when something the page shows changed).
    """

    name: str
    slug: str
    url: str

    def __str__(self) -> str:
        return self.name


@dataclass(eq=False)
class Source:
    """One original publisher and its articles, newest first (what the templates receive)."""

    name: str
    slug: str
    url: str
    save_as: str
    articles: list = field(default_factory=list)

    def __str__(self) -> str:
        return self.name


class SourcesGenerator(Generator):
    """Group published articles by ``Source`` and write one page per source plus the list."""

    def _setting(self, key: str) -> str:
        """Return a URL or save-as pattern, falling back to the default when unset."""
        value = self.settings.get(key)
        return DEFAULTS[key] if value is None else value

    def generate_context(self) -> None:
        """Build ``sources`` (sorted by slug) and attach ``source_page`` to each article."""
        by_slug: dict[str, Source] = {}
        links: dict[str, SourceLink] = {}  # one per source, shared by its articles (frozen)
        for article in self.context.get("articles", []):
            name = str(getattr(article, "source", "") or "").strip()
            if not name:
                continue
            slug = slug_for(name)
            source = by_slug.get(slug)
            if source is None:
                source = by_slug[slug] = Source(
                    name=name,
                    slug=slug,
                    url=self._setting("SOURCE_URL").format(slug=slug),
                    save_as=self._setting("SOURCE_SAVE_AS").format(slug=slug),
                )
                links[slug] = SourceLink(source.name, source.slug, source.url)
            elif source.name != name:
                logger.warning(
                    "sources_pages: %s: source %r shares the page of %r",
                    article.relative_source_path,
                    name,
                    source.name,
                )
            source.articles.append(article)
            article.source_page = links[slug]
        for source in by_slug.values():
            # Pelican's articles are already newest first; the key makes ties stable.
            source.articles.sort(key=lambda a: (a.date, a.url), reverse=True)
        self.sources = [by_slug[slug] for slug in sorted(by_slug)]
        # Source pages paginate like category pages (the writer only paginates listed templates).
        self.settings.setdefault("PAGINATED_TEMPLATES", {}).setdefault("source", None)
        self.context["sources"] = self.sources
        self.context["SOURCES_URL"] = self._setting("SOURCES_URL")

    def generate_output(self, writer) -> None:
        """Write every source page (paginated like a category) and the source list."""
        relative = self.settings.get("RELATIVE_URLS", False)
        write = partial(writer.write_file, relative_urls=relative)
        try:
            source_template = self.get_template("source")
            list_template = self.get_template("sources")
        except PelicanTemplateNotFound:
            logger.warning("sources_pages: the theme has no source.html/sources.html; skipped")
            return
        for source in self.sources:
            write(
                source.save_as,
                source_template,
                self.context,
                # Name, slug and URL only: the article list is ``articles``, so a numbered page
                # (stable_pages) depends on its own articles, not on what the source published
                # since.
                source=SourceLink(source.name, source.slug, source.url),
                articles=source.articles,
                dates=source.articles,
                paginated={"articles": source.articles, "dates": source.articles},
                template_name="source",
                page_name=os.path.splitext(source.save_as)[0],
                url=source.url,
            )
        if self._setting("SOURCES_SAVE_AS"):
            write(
                self._setting("SOURCES_SAVE_AS"),
                list_template,
                self.context,
                template_name="sources",
                url=self._setting("SOURCES_URL"),
            )


def get_generators(pelican) -> type[Generator] | None:
    """Hand Pelican the generator that builds the source pages."""
    return SourcesGenerator if enabled(pelican.settings) else None


def register() -> None:
    """Connect the plugin to Pelican."""
    signals.get_generators.connect(get_generators)
