"""Recognise text that is never article content: tickers, phone-number ad lines, comment prompts.

The patterns are data (``scripts/data/boilerplate.toml``) so that a new kind of clutter is one
line in a file, not a code change.  Markup-level clutter is removed by site rules and the HTML
cleaner first; these patterns catch what is left as plain text, and they are all a text capture
has.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from scripts.models import RulesError

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """Compiled boilerplate patterns."""

    junk: tuple[tuple[str, re.Pattern[str]], ...]
    credit: re.Pattern[str]
    dateline: re.Pattern[str]


def _compile(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{where}: invalid regular expression: {exc}") from exc


@lru_cache(maxsize=1)
def load_boilerplate() -> Boilerplate:
    """Load and compile the bundled boilerplate patterns once per process."""
    where = "scripts/data/boilerplate.toml"
    raw = tomllib.loads(resources.files("scripts").joinpath("data/boilerplate.toml").read_text())
    junk = tuple(
        (entry["name"], _compile(entry["pattern"], f"{where} junk {entry['name']}"))
        for entry in raw.get("junk", [])
    )
    return Boilerplate(
        junk=junk,
        credit=_compile(raw["credit"]["pattern"], f"{where} credit"),
        dateline=_compile(raw["dateline"]["pattern"], f"{where} dateline"),
    )


def squash(text: str) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to one space and trim."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def junk_kind(text: str) -> str | None:
    """Return the name of the boilerplate pattern ``text`` matches as a whole, or ``None``."""
    line = squash(text)
    if not line or len(line) > 400:
        return None
    for name, pattern in load_boilerplate().junk:
        if pattern.fullmatch(line):
            return name
    return None


def credit_source(text: str) -> str | None:
    """Return the publisher named by a closing credit line (``Theo hanoi.gov.vn``), if it is one."""
    line = squash(text)
    if len(line) > 90:
        return None
    match = load_boilerplate().credit.fullmatch(line)
    if not match:
        return None
    source = match["source"].strip()
    # "Theo thiết kế, toàn bộ …" is a sentence, not a credit: credits are short names.
    if any(mark in source for mark in ",;!?") or ". " in source or len(source.split()) > 10:
        return None
    return source


def split_dateline(text: str) -> tuple[str | None, str]:
    """Split a republisher dateline prefix (``webkhoedep.vn - ``) off the front of a lead."""
    match = load_boilerplate().dateline.match(text.lstrip())
    if not match:
        return None, text
    return match["site"].lower(), text.lstrip()[match.end() :]
