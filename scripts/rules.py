"""Site rules: per-site CSS selectors kept as data in ``scripts/sites/<host>.toml``.

Adding a site must never need Python, so everything a site needs is a list of selectors
(tried in order, first match wins; ``strip`` removes every match).  Files are validated when
loaded: an unknown key or a wrong type is a :class:`~scripts.models.RulesError` that names the
file and the key, because a typo in a selector key would otherwise silently fall back to
generic extraction.  Each file also carries ``[[tests]]`` cases (page, url, expected Markdown)
that the test suite runs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lxml.cssselect import CSSSelector
from lxml.etree import XPathError

from scripts.models import RulesError
from scripts.urls import host_of

SELECTOR_KEYS = (
    "body", "title", "date", "modified", "author", "category", "tags", "lead", "source",
    "original_link", "image", "strip", "next_page",
)  # fmt: skip
LIST_KEYS = (*SELECTOR_KEYS, "hosts", "lazy_image_attrs")
STRING_KEYS = ("name", "lang")
TEST_KEYS = ("page", "url", "expected")


@dataclass(frozen=True, slots=True)
class SiteTest:
    """One regression case of a rule file: a fixture page and its expected Markdown."""

    page: str
    url: str
    expected: str


@dataclass(frozen=True, slots=True)
class SiteRules:
    """Compiled rules of one site (or one CMS shared by several hosts)."""

    name: str
    hosts: tuple[str, ...]
    path: str
    lang: str | None = None
    body: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    original_link: tuple[str, ...] = ()
    image: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    next_page: tuple[str, ...] = ()
    lazy_image_attrs: tuple[str, ...] = ()
    tests: tuple[SiteTest, ...] = ()

    @property
    def host(self) -> str:
        """Return the main host, used in ``Report.method`` (``rule:<host>``)."""
        return self.hosts[0]


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> CSSSelector:
    """Compile a CSS selector once per process."""
    return CSSSelector(selector)


def _check_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{where}: key {key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_rules(raw: dict[str, Any], where: str) -> SiteRules:
    """Validate one parsed rule file; ``where`` names it in error messages."""
    known = {*LIST_KEYS, *STRING_KEYS, "tests"}
    for key in raw:
        if key not in known:
            raise RulesError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for key in STRING_KEYS:
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise RulesError(f"{where}: key {key!r} must be a non-empty string")
            values[key] = raw[key].strip()
    for key in LIST_KEYS:
        if key in raw:
            values[key] = _check_list(where, key, raw[key])
    if not values.get("hosts"):
        raise RulesError(f"{where}: key 'hosts' must list at least one host")
    if not values.get("body"):
        raise RulesError(f"{where}: key 'body' must list at least one selector")
    values["hosts"] = tuple(h.lower().removeprefix("www.") for h in values["hosts"])
    for key in SELECTOR_KEYS:
        for selector in values.get(key, ()):
            try:
                compile_selector(selector)
            except (XPathError, Exception) as exc:  # cssselect raises its own SelectorError
                raise RulesError(
                    f"{where}: key {key!r}: invalid selector {selector!r}: {exc}"
                ) from exc
    tests = []
    raw_tests = raw.get("tests", [])
    if not isinstance(raw_tests, list):
        raise RulesError(f"{where}: key 'tests' must be an array of tables ([[tests]])")
    for index, case in enumerate(raw_tests):
        if not isinstance(case, dict):
            raise RulesError(f"{where}: key 'tests[{index}]' must be a table")
        for key in case:
            if key not in TEST_KEYS:
                raise RulesError(f"{where}: unknown key 'tests[{index}].{key}'")
        for key in TEST_KEYS:
            if not isinstance(case.get(key), str):
                raise RulesError(f"{where}: key 'tests[{index}].{key}' must be a string")
        tests.append(SiteTest(case["page"], case["url"], case["expected"]))
    return SiteRules(
        name=values.get("name", values["hosts"][0]),
        path=where,
        tests=tuple(tests),
        **{k: v for k, v in values.items() if k != "name"},
    )


def load_rule_file(path: Path | str, text: str | None = None) -> SiteRules:
    """Read and validate one rule file."""
    where = str(path)
    try:
        raw = tomllib.loads(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{where}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise RulesError(f"{where}: cannot read: {exc}") from exc
    return parse_rules(raw, where)


@lru_cache(maxsize=4)
def load_rules(folder: str | None = None) -> tuple[SiteRules, ...]:
    """Load every ``*.toml`` rule file (the bundled ``scripts/sites`` unless ``folder``).

    Two files claiming one host are refused: which one applied would depend on file order.
    """
    found: list[SiteRules] = []
    if folder is not None:
        found = [load_rule_file(f) for f in sorted(Path(folder).glob("*.toml"))]
    else:
        bundled = resources.files("scripts").joinpath("sites")
        for entry in sorted(bundled.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                text = entry.read_text("utf-8")
                found.append(load_rule_file(f"scripts/sites/{entry.name}", text))
    hosts: dict[str, str] = {}
    for rules in found:
        for host in rules.hosts:
            if host in hosts:
                raise RulesError(f"{rules.path}: key 'hosts': {host} is also in {hosts[host]}")
            hosts[host] = rules.path
    return tuple(found)


def rules_for(url: str | None, rules: tuple[SiteRules, ...] | None = None) -> SiteRules | None:
    """Return the rules for ``url``'s host or a parent domain of it (``m.vnexpress.net``)."""
    host = host_of(url)
    if not host:
        return None
    by_host = {h: r for r in (rules if rules is not None else load_rules()) for h in r.hosts}
    labels = host.split(".")
    for start in range(len(labels) - 1):
        found = by_host.get(".".join(labels[start:]))
        if found:
            return found
    return None
