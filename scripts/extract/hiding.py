"""Element-hiding rules from an EasyList/ABPVN-format filter list (``##selector`` lines).

Ad-blocking communities maintain lists of ad containers per site (ABPVN for Vietnamese sites);
their cosmetic rules are CSS selectors, so ClearPress can reuse them without a browser.  Only
``##`` and ``domain##`` rules are read; network rules, ``#@#`` exceptions and extended
``#?#`` syntax are skipped.  Real lists hold tens of thousands of generic rules, so the simple
ones (``.class``, ``#id``) go into sets matched in one pass over the tree, and every other
selector is keyed by the longest literal it needs (a class, an id, an attribute value): it is
compiled and run only on pages whose source contains that literal, which few pages do.
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
from scripts.rules import compile_selector

_SIMPLE = re.compile(r"^([.#])([A-Za-z0-9_\-]+)$")
MAX_COMPLEX = 20000
GROUP = 200


@dataclass(slots=True)
class HidingRules:
    """Cosmetic filters grouped for fast matching."""

    classes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    # (literal, whole-token?, selector): a class or id must appear as a token of the source,
    # an attribute value (maybe a prefix) anywhere in it.
    keyed: list[tuple[str, bool, str]] = field(default_factory=list)
    unkeyed: list[CSSSelector] = field(default_factory=list)
    by_domain: dict[str, list[str]] = field(default_factory=dict)
    exceptions: dict[str, set[str]] = field(default_factory=dict)


def parse_list(text: str) -> HidingRules:
    """Parse filter-list text into :class:`HidingRules` (invalid selectors are skipped)."""
    rules = HidingRules()
    complex_rules: list[str] = []
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
        elif len(complex_rules) < MAX_COMPLEX:
            complex_rules.append(selector)
    unkeyed = []
    for selector in complex_rules:
        literal = _literal(selector)
        if literal:
            rules.keyed.append((literal[0], literal[1], selector))
        else:
            unkeyed.append(selector)
    rules.unkeyed = _compile_groups(unkeyed)
    return rules


_TOKENS = re.compile(r"[A-Za-z0-9_\-]+")
_LITERALS = re.compile(r"""[.#]([A-Za-z0-9_\-]{3,})|=\s*["']?([^"'\]]{3,})["']?\s*\]""")


def _literal(selector: str) -> tuple[str, bool] | None:
    """Return the longest class, id or attribute value ``selector`` requires, if any.

    The flag tells a class or id (a whole token of the page source) from an attribute value.
    """
    found = [(a, True) if a else (b, False) for a, b in _LITERALS.findall(selector)]
    return max(found, key=lambda f: len(f[0])) if found else None


def _compile_groups(selectors: list[str]) -> list[CSSSelector]:
    """Compile selectors in groups (one XPath union each).

    A group that fails to compile is split and retried, so one selector cssselect rejects
    (browser-only syntax) costs only itself.
    """
    compiled: list[CSSSelector] = []
    pending = [selectors[i : i + GROUP] for i in range(0, len(selectors), GROUP)]
    while pending:
        group = pending.pop()
        try:
            compiled.append(CSSSelector(", ".join(group)))
        except Exception:  # cssselect's SelectorError and ExpressionError
            if len(group) > 1:
                half = len(group) // 2
                pending.extend((group[:half], group[half:]))
    return compiled


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


def apply_hiding(
    root: etree._Element, rules: HidingRules, host: str | None, source: str | None = None
) -> int:
    """Remove every element the list hides on ``host``; return how many were removed.

    ``source`` is the page text; keyed selectors whose literal it lacks are skipped unrun.
    """
    doomed = []
    excepted = rules.exceptions.get("", set()) | (rules.exceptions.get(host or "", set()))
    classes = rules.classes - {s[1:] for s in excepted if s.startswith(".")}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("id") in rules.ids or any(c in classes for c in (el.get("class") or "").split()):
            doomed.append(el)
    for compiled in rules.unkeyed:
        doomed.extend(compiled(root))
    tokens: set[str] = set(_TOKENS.findall(source)) if source is not None else set()
    for literal, whole, text in rules.keyed:
        if text in excepted:
            continue
        if source is not None and literal not in (tokens if whole else source):
            continue
        try:
            doomed.extend(compile_selector(text)(root))
        except Exception:  # cssselect rejects some browser-only syntax; skip that rule
            continue
    for text in _domain_selectors(rules, host):
        if text in excepted:
            continue
        try:
            doomed.extend(compile_selector(text)(root))
        except Exception:  # an invalid site-specific selector only loses that rule
            continue
    removed = 0
    for el in doomed:
        if el.getparent() is not None and el is not root:
            drop_tree(el)
            removed += 1
    return removed
