"""Files for crawlers and for GitHub Pages: ``sitemap.xml``, ``robots.txt``, ``.nojekyll``, ``CNAME``.

The sitemap lists the home page, pages, topics, sources, tags and every article, each with a
``lastmod`` taken from the content (``Modified``, else ``Date``; a listing takes its newest
article), never from the clock, so two builds of the same content are byte-identical.
``.nojekyll`` stops GitHub Pages from running Jekyll, which would drop ``_``-prefixed files;
``CNAME`` is written only when the ``CNAME`` setting names a custom domain.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import quote
from xml.sax.saxutils import escape

from pelican import signals
from pelican.generators import Generator

from scripts import output_files

logger = logging.getLogger(__name__)
NAME = "sitemap_robots"

# Where links point when SITEURL is empty (local builds), as in topic_feeds.
LOCAL_SITEURL = "http://localhost:8000"
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin.

    Pelican connects plugins to process-wide signals and never disconnects them, so after one
    build has loaded this plugin, later builds in the same process (tests, autoreload) would
    still call it; each handler checks the current settings first.
    """
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def changed(article):
    """Return when an article last changed: ``Modified``, else ``Date``."""
    return getattr(article, "modified", None) or article.date


def lastmod(article) -> str:
    """Return the W3C datetime of an article's last change."""
    return changed(article).isoformat()


def change(article) -> tuple[float, str]:
    """An article's last change as (instant, W3C datetime): ordered as instants, then by text."""
    when = changed(article)
    return when.timestamp(), when.isoformat()


def newest(articles) -> str | None:
    """Return the latest change in a listing (compared as instants), or ``None`` if empty."""
    return max(map(change, articles), default=(0.0, None))[1]


# What ``quote`` leaves as it is in a URL path (its ``safe`` below, letters, digits); "&" aside,
# which the XML needs escaped.  A URL made of these alone (nearly all: ClearPress slugs are
# ASCII) is written as it is, without ``quote`` and ``escape`` (~4 µs each, 11,000 URLs).
URL_SAFE = "/%:@!$&()*+,;=-._~"
_PLAIN_URL = re.compile("[A-Za-z0-9" + re.escape(URL_SAFE.replace("&", "")) + "]*")


def sitemap_xml(root: str, entries: list[tuple[str, str | None]]) -> str:
    """Return the sitemap document for site-relative ``entries`` of (url, lastmod)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    prefix = escape(root) + "/"  # escape() works character by character
    plain = _PLAIN_URL.fullmatch
    for url, modified in entries:
        loc = prefix + (url if plain(url) else escape(quote(url, safe=URL_SAFE)))
        stamp = f"<lastmod>{modified}</lastmod>" if modified else ""
        lines.append(f"<url><loc>{loc}</loc>{stamp}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


class SiteFilesGenerator(Generator):
    """Write the sitemap, robots.txt, .nojekyll and CNAME once every page is known."""

    def _entries(self) -> list[tuple[str, str | None]]:
        """Return (url, lastmod) for every page worth crawling, in a stable order."""
        ctx = self.context
        articles = ctx.get("articles", [])
        # Every article is in several listings (its topic, tags, source): its last change is
        # found once, as an instant and its text, and each listing takes the greatest.
        changes = {id(a): change(a) for a in articles}

        def newest_of(items) -> str | None:
            try:
                return max(map(changes.__getitem__, map(id, items)), default=(0.0, None))[1]
            except KeyError:  # a listing of something other than the build's articles
                return newest(items)

        entries: list[tuple[str, str | None]] = [("", newest_of(articles))]
        pages = sorted(ctx.get("pages", []), key=lambda p: p.url)
        entries += [(p.url, lastmod(p) if hasattr(p, "date") else None) for p in pages]
        for key in ("categories", "tags"):
            listings = sorted(ctx.get(key, []), key=lambda pair: pair[0].url)
            entries += [(item.url, newest_of(items)) for item, items in listings]
        entries += [(s.url, newest_of(s.articles)) for s in ctx.get("sources", [])]
        entries += [(a.url, changes[id(a)][1]) for a in sorted(articles, key=lambda a: a.url)]
        return entries

    def _write(self, name: str, text: str) -> None:
        """Write one text file at the output root."""
        path = os.path.join(self.output_path, name)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        logger.info('Writing "%s"', path)

    def generate_output(self, writer) -> None:
        """Write the four files at the output root.

        The sitemap and robots.txt are kept in place when unchanged (``output_files``);
        ``.nojekyll`` and ``CNAME`` are among the names Pelican's clean-up retains
        (``OUTPUT_RETENTION``), so they are written as they always were and never deleted.
        """
        root = (self.settings.get("SITEURL") or "").rstrip("/") or LOCAL_SITEURL
        robots = f"User-agent: *\nAllow: /\n\nSitemap: {root}/sitemap.xml\n"
        for name, text in (
            ("sitemap.xml", sitemap_xml(root, self._entries())),
            ("robots.txt", robots),
        ):
            output_files.write(self.output_path, name, text.encode("utf-8"))
        self._write(".nojekyll", "")
        cname = str(self.settings.get("CNAME") or "").strip().lower()
        if cname and HOSTNAME.match(cname):
            self._write("CNAME", cname + "\n")
        elif cname:
            logger.error("sitemap_robots: CNAME %r is not a bare host name; not written", cname)


def get_generators(pelican) -> type[Generator] | None:
    """Hand Pelican the generator that writes the files."""
    return SiteFilesGenerator if enabled(pelican.settings) else None


def register() -> None:
    """Connect the plugin to Pelican."""
    signals.get_generators.connect(get_generators)
