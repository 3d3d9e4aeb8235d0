"""Stable identity for feed items, and deduplication of republished stories.

A subscriber's reader remembers items by id, so an id must outlive everything about our site:
SITEURL (moving to a custom domain), slugs and paths (re-importing with a better rule), the build
time.  It is derived from the original article's URL, spelled one way, or - for a story with no
URL - from its text.  The same story captured from two republishers then has one id and appears
once.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from .items import Story

logger = logging.getLogger(__name__)

# Namespace for ids of articles without an original URL (uuid5 of their content fingerprint).
FINGERPRINT_NAMESPACE = uuid.UUID("8a3c1f52-6a0e-5d1b-9a57-3c2f4e9b7d10")
_TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "itm_")
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "zarsrc", "utm", "_ga", "_gl", "igshid", "mc_cid"})


def slug_for(text: str) -> str:
    """Return an ASCII slug for a source name (``hanoi.gov.vn`` → ``hanoi-gov-vn``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in folded.lower())
    return "-".join(part for part in slug.split("-") if part) or "nguon"


def normalize_url(url: str) -> str:
    """Return one spelling of an article URL for identity: https, no www, no tracking, no #."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    )
    # "/tin-tức" and "/tin-t%E1%BB%A9c" are one page: compare the percent-encoded form.
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    if len(path) > 1:
        path = path.rstrip("/")
    try:
        port_number = parts.port
    except ValueError:  # "host:abc" - keep the host, drop what cannot be a port
        port_number = None
    # http and https spell the same article; ports other than the default are kept.
    port = f":{port_number}" if port_number and port_number not in (80, 443) else ""
    return urlunsplit(("https", host + port, path, urlencode(query), ""))


def item_id(identity_url: str | None, fingerprint: str) -> str:
    """Return the stable item id: uuid5 of the original URL, else of the content fingerprint."""
    if identity_url:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identity_url)}"
    return f"urn:uuid:{uuid.uuid5(FINGERPRINT_NAMESPACE, fingerprint)}"


def deduplicate(items: list[Story]) -> list[Story]:
    """Keep the earliest-dated copy of each story (same original URL or same fingerprint)."""
    kept: list[Story] = []
    by_key: dict[str, Story] = {}
    for item in sorted(items, key=lambda i: (i.published, i.source_path)):
        keys = [f"fp:{item.fingerprint}"]
        if item.identity_url:
            keys.append(f"url:{item.identity_url}")
        first = next((by_key[k] for k in keys if k in by_key), None)
        if first is not None:
            logger.warning(
                "topic_feeds: %s: duplicate of %s; left out of the feeds",
                item.source_path,
                first.source_path,
            )
            continue
        kept.append(item)
        for key in keys:
            by_key[key] = item
    return kept
