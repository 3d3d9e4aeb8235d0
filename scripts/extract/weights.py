"""Class-name evidence and small tree tests shared by the generic scorer and its cleaner.

The patterns are Readability's, extended with the class names Vietnamese news CMSs use
(``binh-luan``, ``tin-lien-quan``, ``quang-cao``, ``noidung``, ``chi-tiet``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from scripts.extract.textutil import has_text

# Class/id tokens of page furniture (English first, then Vietnamese CMS names).
UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs?|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|"
    r"header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|"
    r"supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|"
    r"binh-?luan|tin-?lien-?quan|lienquan|quang-?cao|tinkhac|tin-?khac|hotline",
    re.I,
)
MAYBE = re.compile(r"and|article|body|column|content|main|mathjax|shadow|detail", re.I)
POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|"
    r"detail|noidung|chi-?tiet",
    re.I,
)
NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|"
    r"media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|"
    r"tags|widget|binh-?luan|lien-?quan|quang-?cao|hotline|tin-?khac",
    re.I,
)
BYLINE = re.compile(r"byline|author|dateline|writtenby|p-author", re.I)
SHARE = re.compile(r"(\b|_)(share|sharedaddy)(\b|_)", re.I)
UNLIKELY_ROLES = {
    "menu",
    "menubar",
    "complementary",
    "navigation",
    "alert",
    "alertdialog",
    "dialog",
}
COMMAS = re.compile(r"[,،、，﹐︐︑⹁⸴⸲]")
EMBED = ("object", "embed", "iframe", "video", "audio")


@dataclass(frozen=True, slots=True)
class Flags:
    """Which aggressive steps a pass runs; later passes switch them off one by one."""

    strip_unlikely: bool = True
    weight_classes: bool = True
    clean_conditionally: bool = True


def class_weight(el: etree._Element, flags: Flags = Flags()) -> int:
    """Score ``el``'s class and id against the positive and negative patterns (±25 each)."""
    if not flags.weight_classes:
        return 0
    return _weigh(el.get("class")) + _weigh(el.get("id"))


@lru_cache(maxsize=4096)
def _weigh(value: str | None) -> int:
    if not value:
        return 0
    return (25 if POSITIVE.search(value) else 0) - (25 if NEGATIVE.search(value) else 0)


def has_ancestor(el: etree._Element, tags: tuple[str, ...], limit: int = 0) -> bool:
    """Tell whether an ancestor of ``el`` (within ``limit`` levels, if set) has one of ``tags``."""
    for depth, anc in enumerate(el.iterancestors(), 1):
        if limit and depth > limit:
            return False
        if anc.tag in tags:
            return True
    return False


def is_empty(el: etree._Element) -> bool:
    """Tell whether ``el`` holds no text and nothing but line breaks."""
    if has_text(el):
        return False
    return all(k.tag == "br" or k.tag == "hr" for k in el if isinstance(k.tag, str))
