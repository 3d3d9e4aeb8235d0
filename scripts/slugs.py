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
