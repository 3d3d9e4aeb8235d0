"""What the article template needs beyond Pelican's own attributes.

- ``older_in_topic`` / ``newer_in_topic``: Pelican 4.12 links neighbours only across the whole
  archive, but a reader of one topic wants the next story of that topic.
- ``captured_date``: ``Captured`` is free text to Pelican; parsed here once so the template can
  write a valid ``<time datetime>``, and a bad value is reported by file name instead of leaking
  into the page.
- ``via_urls``: ``Via_URL`` may hold several pages separated by ", ".
- Tables are wrapped in a focusable, labelled region so a wide table scrolls inside the text
  column on a phone and keyboard users can scroll it too.

Everything is optional: the theme renders without this plugin, only with less.
"""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

from dateutil.tz import tzoffset
from pelican import signals
from pelican.contents import Article, Page
from pelican.utils import SafeDatetime, get_date

logger = logging.getLogger(__name__)
NAME = "article_context"

TABLE_OPEN = re.compile(r"<table(?=[\s>])")
# The importer's spelling of Captured ("2024-03-15 10:12+07:00"), read without dateutil.
ISO_WITH_OFFSET = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?([+-])(\d{2}):(\d{2})"
)
TABLE_LABEL = "Bảng dữ liệu, cuộn ngang để xem hết"


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin.

    Pelican connects plugins to process-wide signals and never disconnects them, so after one
    build has loaded this plugin, later builds in the same process (tests, autoreload) would
    still call it; each handler checks the current settings first.
    """
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def wrap_tables(html: str) -> str:
    """Return ``html`` with every table inside a scrollable, focusable region."""
    if "<table" not in html:
        return html
    opened = TABLE_OPEN.sub(
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{TABLE_LABEL}"><table',
        html,
    )
    return opened.replace("</table>", "</table></div>")


def on_content_init(instance) -> None:
    """Wrap the tables of an article or page, and read an article's capture time and pages,
    once, when Pelican creates it.

    Done here, from the file's own metadata, they are part of what Pelican's content cache
    keeps (fast_build snapshots the object right after this), so a rebuild does not parse
    10,000 capture times again.
    """
    if not (isinstance(instance, Article | Page) and enabled(instance.settings)):
        return
    if getattr(instance, "_content", None):
        instance._content = wrap_tables(instance._content)
    if isinstance(instance, Article):
        timezone = instance.settings.get("TIMEZONE") or "UTC"
        instance.captured_date = _captured_date(instance, timezone)
        via = str(getattr(instance, "via_url", "") or "")
        instance.via_urls = [url.strip() for url in via.split(", ") if url.strip()]


def parse_captured(raw: str):
    """Return what Pelican's ``get_date(raw)`` returns, without dateutil for the usual spelling.

    dateutil's parser is most of the cost of this plugin (1.5 s at 10,000 articles).  For
    ``YYYY-MM-DD HH:MM[:SS]±HH:MM`` with a non-zero offset the result is built directly, as
    dateutil builds it: a ``SafeDatetime`` with a ``tzoffset(None, seconds)``.  Anything else
    goes to ``get_date``; tests/test_fast_build.py checks both paths agree.
    """
    match = ISO_WITH_OFFSET.fullmatch(raw)
    if match:
        year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
        offset = (int(off_h) * 3600 + int(off_m) * 60) * (-1 if sign == "-" else 1)
        if offset and abs(offset) < 24 * 3600:
            try:
                return SafeDatetime(
                    int(year), int(month), int(day), int(hour), int(minute),
                    int(second or 0), tzinfo=tzoffset(None, offset),
                )  # fmt: skip
            except ValueError:
                pass  # get_date decides what an impossible date is
    return get_date(raw)


def _captured_text(article) -> str:
    return str(getattr(article, "captured", "") or "").strip()


def _captured_date(article, timezone: str):
    """Return ``Captured`` as an aware datetime, or ``None`` when missing or unreadable."""
    raw = _captured_text(article)
    if not raw:
        return None
    try:
        value = parse_captured(raw)
    except (ValueError, OverflowError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value


def on_articles_read(generator) -> None:
    """Attach topic neighbours; report unreadable capture times (every build, cached or not)."""
    if not enabled(generator.settings):
        return
    for article in generator.articles:
        if getattr(article, "captured_date", None) is None and _captured_text(article):
            logger.warning(
                "article_context: %s: Captured %r is not a date; shown as text",
                article.relative_source_path,
                _captured_text(article),
            )
    for _category, articles in generator.categories:
        ordered = sorted(articles, key=lambda a: (a.date, a.url))
        for index, article in enumerate(ordered):
            article.older_in_topic = ordered[index - 1] if index > 0 else None
            article.newer_in_topic = ordered[index + 1] if index + 1 < len(ordered) else None


def register() -> None:
    """Connect the plugin to Pelican."""
    signals.content_object_init.connect(on_content_init)
    signals.article_generator_finalized.connect(on_articles_read)
