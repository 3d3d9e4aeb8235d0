"""The lead (sapo) and the title inside a body: first paragraph, no dateline, no repeated title.

Vietnamese republishers prefix the lead with their own name (``webkhoedep.vn - Sáng 18/2, …``)
and newspapers with their brand (``(Dân trí) -``, ``TTO -``); neither is part of the story.  The
converter writes the title once, from metadata, so a heading repeating it is removed, and the
lead becomes the body's first paragraph and the article summary.
"""

from __future__ import annotations

import re

from lxml import etree

from scripts.boilerplate import split_dateline
from scripts.extract import metadata
from scripts.extract.textutil import drop_tree, inner_text

MAX_SUMMARY = 300
_STAMP = re.compile(r"location|stamp|dateline|place", re.I)
# Publication names as a lead prefix: "(Dân trí) - ", "(NLĐO) - ", "TTO - ", "SKĐS - ".
_NAMED_DATELINE = re.compile(
    r"^(?:\((?P<site>[^()\n]{2,30})\)|"
    r"(?P<abbr>TTO|NLĐO|PLO|SGGPO|GDVN|VOV|TTXVN|ANTĐO|CAND|SKĐS|NDO|QĐND|VTC))\s*[-–—]\s*"
)


def _strip_prefix(el: etree._Element, count: int) -> None:
    """Remove the first ``count`` characters of ``el``'s text, across inline children."""
    for node in el.iter():
        if count <= 0:
            break
        for attr in ("text", "tail"):
            if node is el and attr == "tail":
                continue
            value = getattr(node, attr) or ""
            if not value or count <= 0:
                continue
            taken = min(count, len(value))
            setattr(node, attr, value[taken:])
            count -= taken
    for node in list(el.iter()):
        if (
            node is not el
            and isinstance(node.tag, str)
            and not inner_text(node)
            and node.find(".//img") is None
        ):
            drop_tree(node)


def drop_dateline(el: etree._Element) -> str | None:
    """Remove a ``webkhoedep.vn - `` or ``(Dân trí) -`` prefix from ``el``; return the name.

    A place stamp element (VnExpress-style ``<span class="location-stamp">Hà Nội</span>``) goes
    too: once styling is gone it runs into the first word.
    """
    for stamp in list(el.iter()):
        if stamp is not el and _STAMP.search(f"{stamp.get('class', '')} {stamp.get('id', '')}"):
            drop_tree(stamp)
    text = "".join(el.itertext())
    stripped = text.lstrip()
    site, rest = split_dateline(stripped)
    if site is None:
        match = _NAMED_DATELINE.match(stripped)
        if match is None:
            return None
        site = (match["site"] or match["abbr"]).strip().lower()
        rest = stripped[match.end() :]
    _strip_prefix(el, len(text) - len(rest))
    if el.text:
        el.text = el.text.lstrip()
    return site


def first_paragraph(body: etree._Element) -> etree._Element | None:
    """Return the body's first block if it is a paragraph (the lead of a generic page)."""
    for el in body.iter("p", "h2", "h3", "div"):
        if el is not body and inner_text(el):
            return el if el.tag == "p" else None
    return None


def drop_title(body: etree._Element, title: str | None) -> None:
    """Remove the first block when it repeats the title (the converter writes the title once)."""
    if not title:
        return
    key = " ".join(title.lower().split())
    for el in body.iter("h1", "h2", "h3", "p", "div"):
        if el is body:
            continue
        text = inner_text(el).lower()
        if not text:
            continue
        if text == key and el.find(".//img") is None:
            drop_tree(el)
        return


def insert_lead(body: etree._Element, text: str) -> None:
    """Put the lead text in front of the body as its first paragraph."""
    lead = etree.Element("p")
    lead.text = text
    body.insert(0, lead)
    lead.tail = body.text
    body.text = None


def generic_lead(root: etree._Element, body: etree._Element) -> str | None:
    """Return a marked sapo the generic scorer left outside the article, dateline removed.

    Vietnamese news pages put the lead in its own element beside the article body, where
    Readability-style scoring misses it; it is the most important paragraph of the story.
    """
    lead = metadata.find_lead(root)
    if lead is None:
        return None
    drop_dateline(lead)
    text = inner_text(lead)
    if not text or text[:80] in inner_text(body):
        return None
    return text


def summary(text: str) -> str | None:
    """Return ``text`` as a plain summary of at most 300 characters, cut at a word."""
    text = " ".join(text.split())
    if not text:
        return None
    if len(text) <= MAX_SUMMARY:
        return text
    cut = text[: MAX_SUMMARY + 1].rsplit(" ", 1)[0].rstrip(",;:-–")
    return f"{cut}…"
