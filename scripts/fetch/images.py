"""Find the image addresses of a captured page, so its images can be archived with it.

Fetching never parses articles: this only lists ``<img>`` addresses (lazy attributes and
``srcset`` included) and the ``og:image`` of a page, with a regular expression over the raw
markup.  Which of them belong to the article is decided at import, from the capture; an image
fetched but not used costs only disk.  Tracking pixels (1×1) and inline ``data:`` images are
skipped, and a page contributes at most ``limit`` addresses.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from scripts.urls import clean_url, is_http_url

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_LAZY = ("data-src", "data-original", "data-lazy-src", "data-full-src", "src")
_SRCSET = ("data-srcset", "srcset")
MAX_SCAN = 2_000_000  # characters of markup searched; images lie well before that


def _attrs(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(tag):
        name = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(name, html.unescape(value).strip())
    return found


def _largest(srcset: str) -> str | None:
    """Return the widest candidate of a ``srcset`` (``a.jpg 480w, b.jpg 960w``)."""
    best, best_width = None, -1.0
    for part in srcset.split(","):
        bits = part.split()
        if not bits:
            continue
        width = 0.0
        if len(bits) > 1 and bits[1][:-1].replace(".", "", 1).isdigit():
            width = float(bits[1][:-1]) * (1000 if bits[1].endswith("x") else 1)
        if width > best_width:
            best, best_width = bits[0], width
    return best


def _tiny(attrs: dict[str, str]) -> bool:
    return any(attrs.get(k, "").strip() in ("0", "1", "2") for k in ("width", "height"))


def page_images(body: bytes, base_url: str, *, limit: int) -> list[str]:
    """Return up to ``limit`` absolute image URLs of a page, in page order, without repeats."""
    if limit <= 0:
        return []
    text = body[: MAX_SCAN * 2].decode("utf-8", errors="replace")[:MAX_SCAN]
    candidates: list[str] = []
    for tag in _META.finditer(text):
        attrs = _attrs(tag.group(0))
        if attrs.get("property", attrs.get("name", "")).lower() in ("og:image", "twitter:image"):
            candidates.append(attrs.get("content", ""))
    for tag in _IMG.finditer(text):
        attrs = _attrs(tag.group(0))
        if _tiny(attrs):
            continue
        chosen = next(
            (attrs[k] for k in _LAZY if attrs.get(k) and not attrs[k].startswith("data:")), None
        )
        if chosen is None:
            chosen = next((_largest(attrs[k]) for k in _SRCSET if attrs.get(k)), None)
        if chosen:
            candidates.append(chosen)
    urls: list[str] = []
    for candidate in candidates:
        if not candidate or candidate.startswith("data:"):
            continue
        url = clean_url(urljoin(base_url, candidate))
        if is_http_url(url) and url not in urls:
            urls.append(url)
        if len(urls) >= limit:
            break
    return urls
