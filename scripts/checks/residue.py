"""Ad residue: what extraction should have removed but an article page still carries.

The patterns are data (``scripts/data/residue.toml``, or the operator's own file) because each
new republisher brings new clutter; line-level clutter reuses the importer's own boilerplate
patterns (:func:`scripts.boilerplate.junk_kind`) and tracking parameters its URL rules
(:func:`scripts.urls.is_tracking_param`), so the check and the cleaner agree on what clutter is.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from lxml import html as lxml_html

from scripts.boilerplate import junk_kind, load_boilerplate, squash
from scripts.checks.pages import references
from scripts.checks.report import Problem
from scripts.models import RulesError
from scripts.urls import is_tracking_param

DEFAULT_PATTERNS = "scripts/data/residue.toml"
# Containers of an article's own text, most specific first; the first one present is "main
# content".  Pelican's themes put the body in .entry-content or straight into <article>, whose
# <header> and <footer> (title, tags, provenance) are skipped as chrome.
MAIN_XPATHS = (
    "//*[@itemprop='articleBody']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-body ')]",
    "//main//article",
    "//article",
    "//main",
    "//body",
)
# Parts of an article container that are page chrome, not article text.
CHROME_TAGS = frozenset({"header", "footer", "nav", "aside", "script", "style", "template"})
# Elements that start a new line of text.
BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
     "figure", "figcaption", "blockquote", "pre", "table", "tr", "td", "th", "section",
     "article", "br", "hr", "address", "details", "summary", "caption"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """One named pattern; ``max_length`` limits a text rule to short lines."""

    name: str
    pattern: re.Pattern[str]
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class ResiduePatterns:
    """The compiled contents of a residue patterns file."""

    article_paths: tuple[re.Pattern[str], ...]
    junk_kinds: frozenset[str]
    text: tuple[Rule, ...]
    hosts: tuple[Rule, ...]
    attrs: tuple[Rule, ...]
    tracking: bool
    extra_tracking: frozenset[str]

    def is_article(self, rel: str, tree: lxml_html.HtmlElement) -> bool:
        """Article pages by path, or by ``<meta property="og:type" content="article">``."""
        if any(p.search(rel) for p in self.article_paths):
            return True
        for meta in tree.iter("meta"):
            if (meta.get("property") or "").lower() == "og:type":
                return (meta.get("content") or "").strip().lower() == "article"
        return False

    def is_tracking(self, name: str) -> bool:
        """A query parameter that only tracks the reader."""
        return is_tracking_param(name) or name.lower() in self.extra_tracking


def load_patterns(path: Path | None = None) -> ResiduePatterns:
    """Read a residue patterns file (the bundled default when ``path`` is None)."""
    if path is None:
        where = DEFAULT_PATTERNS
        text = resources.files("scripts").joinpath("data/residue.toml").read_text("utf-8")
    else:
        where = str(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise RulesError(f"{path}: cannot read patterns file: {exc.strerror}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{where}: not valid TOML: {exc}") from exc
    try:
        return _build(raw, where)
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(f"{where}: malformed patterns file: {exc!r}") from exc


def _compile(source: Any, where: str) -> re.Pattern[str]:
    if not isinstance(source, str):
        raise RulesError(f"{where}: pattern must be a string")
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{where}: invalid regular expression: {exc}") from exc


def _rules(raw: dict[str, Any], key: str, where: str) -> tuple[Rule, ...]:
    rules = []
    for entry in raw.get(key, []):
        name = str(entry["name"])
        max_length = entry.get("max_length")
        if max_length is not None and (not isinstance(max_length, int) or max_length <= 0):
            raise RulesError(f"{where}: [[{key}]] {name}: max_length must be a positive integer")
        rules.append(
            Rule(name, _compile(entry["pattern"], f"{where} [[{key}]] {name}"), max_length)
        )
    return tuple(rules)


TOP_KEYS = frozenset({"article_paths", "junk_kinds", "text", "host", "attr", "tracking"})
RULE_KEYS = frozenset({"name", "pattern", "max_length"})
TRACKING_KEYS = frozenset({"enabled", "extra"})


def _unknown(keys: Any, allowed: frozenset[str], where: str) -> None:
    """A misspelt key would silently switch a check off: name it instead."""
    extra = sorted(set(keys) - allowed)
    if extra:
        raise RulesError(f"{where}: unknown key {extra[0]!r} (known: {', '.join(sorted(allowed))})")


def _build(raw: dict[str, Any], where: str) -> ResiduePatterns:
    _unknown(raw, TOP_KEYS, where)
    for key in ("text", "host", "attr"):
        for entry in raw.get(key, []):
            _unknown(entry, RULE_KEYS, f"{where} [[{key}]]")
    tracking = raw.get("tracking", {})
    _unknown(tracking, TRACKING_KEYS, f"{where} [tracking]")
    known_kinds = {name for name, _ in load_boilerplate().junk}
    for kind in raw.get("junk_kinds", []):
        if kind not in known_kinds:
            raise RulesError(
                f"{where}: junk_kinds: no boilerplate pattern named {kind!r} "
                f"(known: {', '.join(sorted(known_kinds))})"
            )
    return ResiduePatterns(
        article_paths=tuple(
            _compile(p, f"{where} article_paths") for p in raw.get("article_paths", [])
        ),
        junk_kinds=frozenset(str(k) for k in raw.get("junk_kinds", [])),
        text=_rules(raw, "text", where),
        hosts=_rules(raw, "host", where),
        attrs=_rules(raw, "attr", where),
        tracking=bool(tracking.get("enabled", True)),
        extra_tracking=frozenset(str(n).lower() for n in tracking.get("extra", [])),
    )


def main_content(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The element holding the article's own text (see ``MAIN_XPATHS``)."""
    for xpath in MAIN_XPATHS:
        found = tree.xpath(xpath)
        if found:
            return found[0]
    return tree


def text_lines(element: lxml_html.HtmlElement) -> list[str]:
    """The element's text one block (paragraph, item, caption, heading…) per line, chrome skipped.

    Walks iteratively (``iterwalk``), so a deeply nested page cannot exhaust the stack.
    """
    parts: list[str] = []
    skipping: list[lxml_html.HtmlElement] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if skipping or (tag in CHROME_TAGS and node is not element):
                skipping.append(node)
                continue
            if tag in BLOCK_TAGS:
                parts.append("\n")
            if tag and node.text:
                parts.append(node.text)
            continue
        if skipping:
            if skipping[-1] is node:
                skipping.pop()
                if not skipping and node is not element and node.tail:
                    parts.append(node.tail)
            continue
        if tag in BLOCK_TAGS:
            parts.append("\n")
        if node is not element and node.tail:
            parts.append(node.tail)
    return [line for line in (squash(p) for p in "".join(parts).split("\n")) if line]


def check_article(
    tree: lxml_html.HtmlElement, rel: str, patterns: ResiduePatterns
) -> list[Problem]:
    """Residue problems of one article page."""
    problems: list[Problem] = []
    main = main_content(tree)
    for line in text_lines(main):
        hit = _line_rule(line, patterns)
        if hit:
            problems.append(Problem(rel, f"{hit}: {_short(line)!r}"))
    for element in main.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body"):
            continue
        marks = " ".join(filter(None, (element.get("class"), element.get("id"))))
        for rule in patterns.attrs:
            if marks and rule.pattern.search(marks):
                problems.append(Problem(rel, f"{rule.name}: <{element.tag}> marked {marks!r}"))
                break
    problems.extend(_url_residue(tree, rel, patterns))
    return problems


def _line_rule(line: str, patterns: ResiduePatterns) -> str | None:
    kind = junk_kind(line)
    if kind and kind in patterns.junk_kinds:
        return kind
    for rule in patterns.text:
        if rule.max_length is not None and len(line) > rule.max_length:
            continue
        if rule.pattern.search(line):
            return rule.name
    return None


def _url_residue(tree: lxml_html.HtmlElement, rel: str, patterns: ResiduePatterns) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for _attr, ref in references(element):
            if ref in seen:
                continue
            seen.add(ref)
            try:
                parts = urlsplit(ref.strip())
            except ValueError:
                continue
            host = (parts.hostname or "").lower()
            for rule in patterns.hosts:
                if host and rule.pattern.search(host):
                    problems.append(Problem(rel, f"{rule.name}: <{element.tag}> to {host}: {ref}"))
                    break
            if patterns.tracking and parts.query:
                names = sorted(
                    {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)
                     if patterns.is_tracking(k)}
                )  # fmt: skip
                if names:
                    problems.append(Problem(rel, f"tracking parameter {', '.join(names)} in {ref}"))
    return problems


def _short(line: str, limit: int = 100) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"
