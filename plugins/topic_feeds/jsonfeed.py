"""Pure JSON Feed 1.1 serialisation (https://www.jsonfeed.org/version/1.1/).

feedgen has no JSON Feed writer, and the format is a plain JSON object, so it is built here from
the same items as RSS and Atom.  Provenance that has no standard field (the publisher's name, the
pages the story was captured from) goes in a ``_clearpress`` extension object, as the spec allows
for keys starting with an underscore.
"""

from __future__ import annotations

import json
from typing import Any

from .build import FeedSpec, feed_updated
from .items import FeedItem, Site

VERSION = "https://jsonfeed.org/version/1.1"
EXTENSION = "_clearpress"


def _item(item: FeedItem) -> dict[str, Any]:
    """Return the JSON Feed object for one item, honouring its content policy."""
    out: dict[str, Any] = {"id": item.id, "url": item.url, "title": item.title}
    if item.source_url:
        out["external_url"] = item.source_url
    if item.policy == "full" and item.content_html is not None:
        out["content_html"] = item.content_html
        out["summary"] = item.summary_text
    elif item.policy == "excerpt":
        out["content_html"] = item.summary_html
        out["summary"] = item.summary_text
    else:
        # Every item needs content_html or content_text; a link item carries only its credit.
        credit = f"{item.title} — {item.source}" if item.source else item.title
        out["content_text"] = credit
    if item.image and item.policy != "link":
        out["image"] = item.image
    out["date_published"] = item.published.isoformat()
    out["date_modified"] = item.updated.isoformat()
    if item.authors and item.policy != "link":
        out["authors"] = [{"name": name} for name in item.authors]
    if item.policy != "link":
        out["tags"] = [item.topic, *item.tags] if item.topic else list(item.tags)
    out["language"] = item.lang
    out[EXTENSION] = {
        "source": item.source,
        "source_url": item.source_url,
        "via_urls": list(item.via_urls),
        "policy": item.policy,
    }
    return out


def json_feed(spec: FeedSpec, items: list[FeedItem], site: Site) -> dict[str, Any]:
    """Return the JSON Feed document for ``items`` in the given order."""
    assert spec.json_path
    return {
        "version": VERSION,
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": f"{site.root}/{spec.json_path}",
        "description": spec.description,
        "language": site.lang,
        "authors": [{"name": site.name}],
        EXTENSION: {"id": spec.feed_id(site), "updated": feed_updated(items).isoformat()},
        "items": [_item(item) for item in items],
    }


def json_bytes(spec: FeedSpec, items: list[FeedItem], site: Site) -> bytes:
    """Serialise the JSON Feed with a fixed layout so equal input gives equal bytes."""
    text = json.dumps(json_feed(spec, items, site), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
