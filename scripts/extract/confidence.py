"""How sure an extraction is, in numbers and in sentences an operator can act on.

The importer imports anything under 0.5 as a draft and prints the warnings, so every penalty
comes with a human-readable reason ("body has only 120 characters"), never a bare score.
"""

from __future__ import annotations

from datetime import datetime

from scripts.models import Report

SHORT_BODY = 250
THIN_BODY = 600
LINK_HEAVY = 0.35


def build_report(
    *,
    method: str,
    title: str | None,
    date: datetime | None,
    text_chars: int,
    page_chars: int,
    link_density: float,
    stripped: tuple[str, ...],
    warnings: list[str],
) -> Report:
    """Return the :class:`Report` of one extraction with its confidence and warnings."""
    score = 1.0
    notes = list(warnings)
    score -= 0.2 * len(warnings)
    if text_chars < SHORT_BODY:
        notes.append(f"body has only {text_chars} characters")
        score -= 0.6
    elif text_chars < THIN_BODY:
        notes.append(f"body is short ({text_chars} characters)")
        score -= 0.2
    if link_density > LINK_HEAVY:
        notes.append(f"{link_density:.0%} of the body text is links")
        score -= 0.3
    if not title:
        notes.append("no title found")
        score -= 0.3
    if date is None:
        notes.append("no publication date found")
        score -= 0.15
    if method == "generic":
        score -= 0.05
    if page_chars and text_chars / page_chars < 0.05 and text_chars < THIN_BODY:
        notes.append(f"body is {text_chars / page_chars:.0%} of the page text")
        score -= 0.1
    return Report(
        method=method,
        confidence=round(min(max(score, 0.0), 1.0), 3),
        text_chars=text_chars,
        page_chars=page_chars,
        link_density=round(link_density, 3),
        stripped=stripped,
        warnings=tuple(notes),
    )
