"""Typed values handed from one pipeline stage to the next.

The pipeline runs in one direction: a :class:`Capture` (raw bytes plus where and when they were
captured) is extracted into an :class:`Article` (clean, sanitized, with provenance), which the
converter turns into Markdown text and the store writes to ``content/``.  Each stage takes and
returns these small frozen values so a stage can be tested alone and swapped without touching the
others.

Errors form one small tree::

    ArchiveError                 anything ClearPress reports to the operator
    ├── CaptureError             a capture cannot be read (missing, empty, binary, bad encoding)
    ├── ExtractError             a page was read but holds no recognisable article
    ├── RulesError               a site rule file is malformed
    ├── ConfigError              sources.toml or another setting is malformed
    ├── StoreError               content/ cannot be written safely
    └── FetchError               a URL could not be fetched politely
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ArchiveError(Exception):
    """Base of every error ClearPress reports; its message is one actionable line."""


class CaptureError(ArchiveError):
    """A capture file cannot be read as a page."""


class ExtractError(ArchiveError):
    """A page was read but no article could be recognised in it."""


class RulesError(ArchiveError):
    """A site rule file is malformed."""


class ConfigError(ArchiveError):
    """A configuration file (sources.toml) is malformed."""


class StoreError(ArchiveError):
    """The Markdown archive cannot be written safely."""


class FetchError(ArchiveError):
    """A URL could not be fetched."""


@dataclass(frozen=True, slots=True)
class Capture:
    """Raw bytes of one captured page and what is known about where and when it was taken.

    ``kind`` is ``"html"`` or ``"text"`` (a plain-text rendering of a page, like the seed
    capture).  ``captured_at`` comes from the capture itself (WARC-Date, a SingleFile header)
    and is ``None`` when the capture does not say; it is never the clock at import time, so that
    re-importing is byte-identical.  A capture with a ``rejected`` reason holds no data: the
    importer quarantines it with that reason instead of extracting it.
    """

    data: bytes
    kind: str
    url: str | None = None
    captured_at: datetime | None = None
    origin: str = ""  # file path (and record offset) the bytes were read from, for messages
    content_type: str | None = None
    rejected: str = ""  # why it was set aside unread (e.g. over the size limit); data is empty


@dataclass(frozen=True, slots=True)
class Report:
    """What an extraction did, so the operator can judge it.

    ``confidence`` runs from 0 to 1; below the configured threshold the article is imported as
    a draft and kept out of the site and the feeds until an operator publishes it.
    """

    method: str  # "text-capture", "rule:<host>" or "generic"
    confidence: float = 1.0
    text_chars: int = 0
    page_chars: int = 0
    link_density: float = 0.0
    stripped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """One clean article with its provenance, ready to be converted to Markdown.

    ``body_html`` is an allowlist-sanitized HTML fragment: paragraphs, headings, lists, tables,
    quotes, links and ``<figure>`` elements whose ``<figcaption>`` keeps the caption with its
    image (a text capture has captions but no image, so its figures hold only the caption).
    """

    title: str
    body_html: str
    date: datetime | None = None
    modified: datetime | None = None
    authors: tuple[str, ...] = ()
    category: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    lang: str = "vi"
    source: str | None = None  # the original publisher, e.g. "hanoi.gov.vn"
    source_url: str | None = None  # the original article, tracking parameters removed
    via_url: str | None = None  # the page it was captured from
    via_site: str | None = None  # the republisher's host when the URL itself is unknown
    captured: datetime | None = None
    image: str | None = None
    report: Report = field(default_factory=lambda: Report(method="unknown"))
