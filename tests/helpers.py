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
