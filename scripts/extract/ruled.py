"""Apply one site's rules to a parsed page: read the fields its selectors name, strip clutter.

Selectors come from ``scripts/sites/<host>.toml`` (see :mod:`scripts.rules`).  For every key the
first selector that matches anything wins; ``strip`` removes every match.  Fields are read
*before* stripping (a rule may strip the tag list it reads tags from) and the lead *after* (so a
rule can strip a location stamp out of it).  What a rule does not say is left to the generic
metadata readers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from scripts.dates import parse_iso, parse_vn_datetime
from scripts.extract import clean, lead, metadata, provenance
from scripts.extract.textutil import drop_tree, inner_text
from scripts.rules import SiteRules, compile_selector


@dataclass(slots=True)
class RuledPage:
    """What the rules found; ``body`` is ``None`` when the body selector matched nothing."""

    title: str | None = None
    lead: str | None = None
    source: str | None = None
    original_link: str | None = None
    body: etree._Element | None = None
    warnings: list[str] = field(default_factory=list)


def select(root: etree._Element, selectors: tuple[str, ...]) -> list[etree._Element]:
    """Return all matches of the first selector that matches anything."""
    for selector in selectors:
        found = compile_selector(selector)(root)
        if found:
            return list(found)
    return []


def value(root: etree._Element, selectors: tuple[str, ...]) -> str | None:
    """Return the first non-empty value (content, datetime, href or text) the selectors find."""
    for el in select(root, selectors):
        text = metadata.element_value(el)
        if text:
            return text
    return None


def parse_date(text: str | None) -> datetime | None:
    """Read a rule's date: a Vietnamese byline first, then ISO 8601."""
    if not text:
        return None
    return parse_vn_datetime(text) or parse_iso(text)


def apply_rules(
    root: etree._Element,
    rules: SiteRules,
    meta: metadata.Meta,
    counts: Counter[str],
    extra_strip: tuple[str, ...] = (),
) -> RuledPage:
    """Read ``rules``' fields into ``meta``, strip the page, and find lead and body."""
    page = RuledPage(title=value(root, rules.title))
    if found := parse_date(value(root, rules.date)):
        meta.date = found
    if found := parse_date(value(root, rules.modified)):
        meta.modified = found
    authors = [metadata.element_value(e) for e in select(root, rules.author)]
    meta.authors = [a for a in authors if a] or meta.authors
    meta.category = value(root, rules.category) or meta.category
    tags = [metadata.element_value(e) for e in select(root, rules.tags)]
    meta.tags = [t for t in tags if t] or meta.tags
    meta.image = value(root, rules.image) or meta.image
    if credit := value(root, rules.source):
        page.source = provenance.credit_name(credit)
    link = next(iter(select(root, rules.original_link)), None)
    if link is not None:
        page.original_link = link.get("href") or metadata.element_value(link)
    clean.strip_selectors(root, rules.strip + extra_strip, counts)
    lead_el = next(iter(select(root, rules.lead)), None)
    if lead_el is not None:
        lead.drop_dateline(lead_el)
        page.lead = inner_text(lead_el) or None
        drop_tree(lead_el)  # so a body selector that contains the lead cannot repeat it
    next_link = next(iter(select(root, rules.next_page)), None)
    if next_link is not None and next_link.get("href"):
        # Extraction never fetches; say so, so the operator can capture the other pages.
        page.warnings.append(f"article continues on another page: {next_link.get('href')}")
    bodies = select(root, rules.body)
    if bodies:
        page.body = bodies[0]
    else:
        page.warnings.append(f"site rule {rules.path}: body selector matched nothing")
    return page
