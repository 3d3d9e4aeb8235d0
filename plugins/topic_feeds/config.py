"""The ``TOPIC_FEEDS`` setting: defaults, validation and merging.

Themes read ``TOPIC_FEEDS`` to write autodiscovery ``<link>`` tags, so after merging every key is
present and every path template is usable with ``.format(slug=...)``.  A bad value is logged and
replaced by its default rather than stopping the build, as pelican-plugins do.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

SETTING = "TOPIC_FEEDS"
POLICIES = ("full", "excerpt", "link")

DEFAULTS: dict[str, Any] = {
    "all_rss": "feeds/all.rss.xml",
    "all_atom": "feeds/all.atom.xml",
    "all_json": "feeds/all.json",
    "topic_rss": "feeds/topics/{slug}.rss.xml",
    "topic_atom": "feeds/topics/{slug}.atom.xml",
    "topic_json": "feeds/topics/{slug}.json",
    "source_rss": "feeds/sources/{slug}.rss.xml",
    "source_atom": "feeds/sources/{slug}.atom.xml",
    "source_json": "feeds/sources/{slug}.json",
    "catalog": "feeds/index.html",
    "opml": "feeds.opml",
    # Feed readers poll; 50 full-text items in three formats made the feeds a third of the
    # site's bytes at 10,000 articles (scripts/bench/PERFORMANCE.md).  A topic or source gets a
    # few stories a day, the whole archive dozens: its feeds keep more.
    "max_items": 10,
    "max_items_all": 20,
    "policies": {},
    # An item whose sanitized HTML is larger than this is sent as an excerpt, so one runaway
    # capture cannot make a feed too big for readers to fetch.
    "max_content_bytes": 256 * 1024,
}

_PATH_KEYS = ("all_rss", "all_atom", "all_json", "catalog", "opml")
_SLUG_PATH_KEYS = (
    "topic_rss",
    "topic_atom",
    "topic_json",
    "source_rss",
    "source_atom",
    "source_json",
)
_INT_KEYS = ("max_items", "max_items_all", "max_content_bytes")


def _valid_path(key: str, value: Any) -> bool:
    """Tell whether ``value`` is a usable output path (``None`` or ``""`` disables the file)."""
    if value is None or value == "":
        return True
    if not isinstance(value, str) or value.startswith("/") or ".." in value.split("/"):
        return False
    if key in _SLUG_PATH_KEYS:
        try:
            return value.format(slug="x") != value.format(slug="y")
        except (KeyError, IndexError, ValueError):
            return False
    return "{" not in value


def _clean_policies(value: Any) -> dict[str, str]:
    """Return the valid host -> policy pairs of ``value``, logging each one dropped."""
    if not isinstance(value, dict):
        logger.error("topic_feeds: 'policies' must be a dict of host -> policy, got %r", value)
        return {}
    clean: dict[str, str] = {}
    for host, policy in value.items():
        if isinstance(host, str) and policy in POLICIES:
            clean[host.strip().lower().removeprefix("www.")] = policy
        else:
            logger.error(
                "topic_feeds: invalid policy %r for %r (allowed: %s); using 'full'",
                policy,
                host,
                ", ".join(POLICIES),
            )
    return clean


def merge_settings(user: Any) -> dict[str, Any]:
    """Return ``DEFAULTS`` overlaid with the valid keys of the user's ``TOPIC_FEEDS`` dict."""
    merged = dict(DEFAULTS, policies={})
    if user is None:
        return merged
    if not isinstance(user, dict):
        logger.error("topic_feeds: %s must be a dict, got %r; using defaults", SETTING, user)
        return merged
    for key, value in user.items():
        if key not in DEFAULTS:
            logger.error("topic_feeds: unknown key %r in %s; ignored", key, SETTING)
        elif key == "policies":
            merged[key] = _clean_policies(value)
        elif key in _INT_KEYS:
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                merged[key] = value
            else:
                logger.error("topic_feeds: %r must be a positive integer, got %r", key, value)
        elif _valid_path(key, value):
            merged[key] = value or None
        else:
            logger.error("topic_feeds: invalid path %r for %r; using %r", value, key, DEFAULTS[key])
    return merged


def policy_for(policies: dict[str, str], *hosts: str | None) -> str:
    """Return the policy of the first host (or one of its parent domains) that has one."""
    for host in hosts:
        if not host:
            continue
        labels = host.lower().removeprefix("www.").split(".")
        # e.vnexpress.net falls back to vnexpress.net, never to the bare TLD.
        for start in range(max(len(labels) - 1, 1)):
            policy = policies.get(".".join(labels[start:]))
            if policy:
                return policy
    return "full"
