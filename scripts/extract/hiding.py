"""Element-hiding rules from an EasyList/ABPVN-format filter list (``##selector`` lines).

Ad-blocking communities maintain lists of ad containers per site (ABPVN for Vietnamese sites);
their cosmetic rules are CSS selectors, so ClearPress can reuse them without a browser.  Only
``##`` and ``domain##`` rules are read; network rules, ``#@#`` exceptions and extended
``#?#`` syntax are skipped.  Real lists hold tens of thousands of generic rules, so the simple
ones (``.class``, ``#id``) go into sets matched in one pass over the tree and only the rest are
compiled as selectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree
from lxml.cssselect import CSSSelector

from scripts.extract.textutil import drop_tree
from scripts.models import ConfigError

_SIMPLE = re.compile(r"^([.#])([A-Za-z0-9_\-]+)$")
MAX_COMPLEX = 5000


@dataclass(slots=True)
class HidingRules:
    """Cosmetic filters grouped for fast matching."""

    classes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    generic: list[CSSSelector] = field(default_factory=list)
    by_domain: dict[str, list[str]] = field(default_factory=dict)
    exceptions: dict[str, set[str]] = field(default_factory=dict)


def parse_list(text: str) -> HidingRules:
    """Parse filter-list text into :class:`HidingRules` (invalid selectors are skipped)."""
    rules = HidingRules()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("!", "[")) or "#?#" in line or "#$#" in line:
            continue
        if "#@#" in line:
            domains, selector = line.split("#@#", 1)
            for domain in domains.split(",") or [""]:
                rules.exceptions.setdefault(domain.strip().lower(), set()).add(selector.strip())
            continue
        if "##" not in line:
            continue
        domains, selector = line.split("##", 1)
        selector = selector.strip()
        if not selector or ":-abp-" in selector or ":has-text" in selector:
            continue
        names = [d.strip().lower() for d in domains.split(",") if d.strip()]
        positive = [d for d in names if not d.startswith("~")]
        if positive:
            for domain in positive:
                rules.by_domain.setdefault(domain, []).append(selector)
            continue
        simple = _SIMPLE.match(selector)
        if simple:
            (rules.classes if simple.group(1) == "." else rules.ids).add(simple.group(2))
        elif len(rules.generic) < MAX_COMPLEX:
            try:
                rules.generic.append(CSSSelector(selector))
            except Exception:  # cssselect rejects some browser-only syntax; skip that rule
                continue
    return rules


@lru_cache(maxsize=4)
def load_list(path: str) -> HidingRules:
    """Read and parse a filter list file once per process."""
    try:
        return parse_list(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read element-hiding list: {exc}") from exc


def _domain_selectors(rules: HidingRules, host: str | None) -> list[str]:
    if not host:
        return []
    labels = host.split(".")
    found: list[str] = []
    for start in range(len(labels) - 1):
        found.extend(rules.by_domain.get(".".join(labels[start:]), []))
    return found


def apply_hiding(root: etree._Element, rules: HidingRules, host: str | None) -> int:
    """Remove every element the list hides on ``host``; return how many were removed."""
    doomed = []
    excepted = rules.exceptions.get("", set()) | (rules.exceptions.get(host or "", set()))
    classes = rules.classes - {s[1:] for s in excepted if s.startswith(".")}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("id") in rules.ids or any(c in classes for c in (el.get("class") or "").split()):
            doomed.append(el)
    for selector in rules.generic:
        doomed.extend(selector(root))
    for text in _domain_selectors(rules, host):
        if text in excepted:
            continue
        try:
            doomed.extend(CSSSelector(text)(root))
        except Exception:  # an invalid site-specific selector only loses that rule
            continue
    removed = 0
    for el in doomed:
        if el.getparent() is not None and el is not root:
            drop_tree(el)
            removed += 1
    return removed
