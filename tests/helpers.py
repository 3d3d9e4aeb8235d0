"""Small helpers shared by the importer tests (kept out of conftest.py so imports are explicit)."""

from __future__ import annotations

import os
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT.parent / "shared" / "seeds" / "000_2942bc3f6911a6e4.txt"
UPDATE_GOLDEN = os.environ.get("CLEARPRESS_UPDATE_GOLDEN") == "1"


def render_like_pelican(text: str) -> str:
    """Render Markdown the way Pelican's default MARKDOWN setting does."""
    md = markdown.Markdown(
        extensions=["markdown.extensions.extra", "markdown.extensions.meta"],
        output_format="html5",
    )
    return md.convert(text)


def check_golden(actual: str, golden: Path) -> None:
    """Compare with a committed golden file; CLEARPRESS_UPDATE_GOLDEN=1 rewrites it instead."""
    if UPDATE_GOLDEN or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if not UPDATE_GOLDEN:
            raise AssertionError(f"{golden} did not exist; written now — review and commit it")
    assert actual == golden.read_text(encoding="utf-8"), f"differs from {golden}"


_FORBIDDEN_TAGS = frozenset(
    {"script", "iframe", "frame", "svg", "math", "object", "embed", "style", "form", "input",
     "button", "textarea", "link", "meta", "base", "applet", "template", "noscript"}
)  # fmt: skip
_URL_ATTRS = ("href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "background")


def unsafe_markup(html: str) -> list[str]:
    """List what in ``html`` could run script or load foreign content (empty when safe)."""
    from bs4 import BeautifulSoup

    problems = []
    for el in BeautifulSoup(html, "lxml").find_all(True):
        if el.name in _FORBIDDEN_TAGS:
            problems.append(f"<{el.name}>")
        for attr, value in el.attrs.items():
            if attr.lower().startswith("on"):
                problems.append(f"{el.name}[{attr}]")
            if attr.lower() in _URL_ATTRS or attr.lower() == "style":
                text = " ".join(value) if isinstance(value, list) else str(value)
                squashed = "".join(text.split()).lower()
                if squashed.startswith(("javascript:", "data:", "vbscript:")) or (
                    attr.lower() == "style" and ("expression(" in squashed or "url(" in squashed)
                ):
                    problems.append(f"{el.name}[{attr}={text[:40]}]")
    return problems
