"""ASCII slugs for Vietnamese titles and topics (``Đà Nẵng`` → ``da-nang``).

Slugs name files and URLs, so they must be ASCII, stable and safe: no path separators, no dots
at the start, no reserved device names, bounded length.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "index", "feeds", "tag", "author", "archives", "drafts",
     "images", "pagefind", "theme", "search", "pages"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)  # fmt: skip
MAX_SLUG = 80


def fold(text: str) -> str:
    """Return ``text`` without diacritics (``đ`` becomes ``d``), still in its original case."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str, *, max_length: int = MAX_SLUG, fallback: str = "bai-viet") -> str:
    """Return an ASCII slug for ``text``, cut at a word boundary to ``max_length`` characters."""
    slug = _NON_ALNUM.sub("-", fold(text).lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
        slug = slug.strip("-")
    if not slug:
        return fallback
    if slug in _RESERVED:
        slug = f"{slug}-1"
    return slug


# Folders the site itself uses at the top level: a topic must never take one of these slugs.
SITE_SECTIONS = frozenset(
    {"search", "tag", "author", "archives", "topics", "source", "feeds", "pagefind", "theme",
     "images", "drafts", "about", "pages", "index", "static", "extra", "tim-kiem"}
)  # fmt: skip
MAX_NAME = 80  # characters of a topic, tag, author or source name (Pelican makes paths of them)


def safe_name(name: str, *, max_chars: int = MAX_NAME) -> str | None:
    """Return a metadata name (topic, tag, author, source) Pelican can always publish, or None.

    Pelican turns these names into path parts, so a name must have a letter or digit (else its
    slug is empty and the article is skipped) and stay short (else the file name is too long
    and the whole build stops).  Longer names are cut at a word.
    """
    text = " ".join(name.replace(",", " ").replace("<", " ").replace(">", " ").split())
    if len(text) > max_chars:
        cut = text[: max_chars + 1].rsplit(" ", 1)[0] if " " in text[:max_chars] else text
        text = cut[:max_chars].rstrip()
    if not slugify(text, fallback=""):
        return None
    return text


def topic_name(name: str, default: str) -> str:
    """Return ``name`` as a topic that neither vanishes nor collides with a site section."""
    safe = safe_name(name) or default
    if slugify(safe, fallback="").removesuffix("-1") in SITE_SECTIONS:
        safe = f"{safe} (chủ đề)"
    return safe
