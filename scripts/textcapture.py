"""Parse a text capture: the plain-text rendering of a republisher's article page.

A text capture (see ``shared/seeds/``) keeps no markup, only the page's text in reading order::

    DÒNG SỰ KIỆN ►                         ticker            ┐
    0947268688 liên hệ quảng cáo           phone ad line     ┘ page chrome
    Trang chủ › Sức khỏe                   breadcrumb (optional) → category
    <title>
    Theo hanoi.gov.vn - 21:16 | 18/02/2022 byline: original publisher and date
    webkhoedep.vn - Sáng 18/2, …           lead, behind the republisher's dateline prefix
    <paragraphs and short caption lines>   body
    Theo hanoi.gov.vn                      closing credit     ┐
    Xem link gốc Ẩn link gốc               original link      │ footer: provenance
    https://hanoi.gov.vn/…                                    ┘
    Bình luận …                            comment box        ┐ page chrome
      <indented related articles>          related list       ┘

The parser finds the byline first (the one line that is unmistakably about the article), takes
the title just above it, and reads the body until the first footer marker.  Every decision is
driven by patterns in ``scripts/data/boilerplate.toml`` and the date grammar in
:mod:`scripts.dates`, not by anything specific to one site.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from scripts.boilerplate import credit_source, junk_kind, split_dateline, squash
from scripts.dates import is_date_line, parse_vn_datetime
from scripts.models import Article, Capture, CaptureError, ExtractError, Report
from scripts.urls import clean_url, host_of, is_http_url

# Where the byline may be: it follows the title within the first screenful of lines.
_BYLINE_WINDOW = 60
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:theo|nguồn)\s*:?\s+(?P<source>.+?)\s*[-–—|,]\s*)?(?P<when>.+)$", re.IGNORECASE
)
_BREADCRUMB = re.compile(r"^(?:trang chủ|home)\s*[›>»/|]\s*(?P<path>.+)$", re.IGNORECASE)
_URL_LINE = re.compile(r"^(?:https?://\S+)$", re.IGNORECASE)
# A related-list entry's second line: "Bệnh thường gặp - Thứ tư, 04/10/2023 15:31".
_LISTING_META = re.compile(r"^.{1,60}?\s[-–—|]\s(?P<when>.+)$")
_TERMINAL = tuple('.!?…:;"”’»')
_PHOTO_CREDIT = re.compile(r"\(?\s*(?:ảnh|photo|nguồn ảnh)\s*:", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d{1,2}|[IVX]{1,4})[.)]\s+\S")
_CAPTION_MAX_CHARS = 200
_CAPTION_MAX_WORDS = 30
_MIN_BODY_CHARS = 200
_MAX_SUMMARY = 300


@dataclass(frozen=True, slots=True)
class _Block:
    """One non-blank line of the rendering: a paragraph, caption, heading or piece of chrome."""

    text: str
    first_line: int
    indented: bool


def decode_text(data: bytes, origin: str) -> str:
    """Decode a text capture (UTF-8, UTF-16 with BOM, or legacy Vietnamese) into NFC text."""
    if not data.strip():
        raise CaptureError(f"{origin}: empty capture")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        if data.count(b"\x00") > len(data) // 100:
            raise CaptureError(f"{origin}: binary data, not a text capture")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError as exc:
                raise CaptureError(f"{origin}: not UTF-8 or Vietnamese text ({exc})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", text)


def _blocks(lines: list[str]) -> list[_Block]:
    """Split the rendering into blocks, one per non-blank line.

    Browsers' text renderings put each paragraph on one line; blank lines are not reliable
    separators (the seed has its byline and lead on consecutive lines), so lines are the unit.
    """
    return [
        _Block(squash(line), number, line[:1].isspace())
        for number, line in enumerate(lines)
        if line.strip()
    ]


def _find_byline(blocks: list[_Block]) -> int | None:
    """Index of the byline block: a date line, optionally credited ``Theo X - ``."""
    for index, block in enumerate(blocks[:_BYLINE_WINDOW]):
        if index == 0 or len(block.text) > 120:
            continue
        match = _BYLINE_PREFIX.match(block.text)
        if match and is_date_line(match["when"]) and parse_vn_datetime(match["when"]):
            return index
    return None


def _is_footer(blocks: list[_Block], index: int) -> bool:
    """Tell whether the article has ended at ``blocks[index]``."""
    block = blocks[index]
    kind = junk_kind(block.text)
    if kind in ("original-link-toggle", "comments", "related-heading"):
        return True
    if block.indented and index + 1 < len(blocks):
        # An indented run of "title / category - date / summary" entries is a related list.
        following = blocks[index + 1]
        meta = _LISTING_META.match(following.text)
        if meta and is_date_line(meta["when"]):
            return True
    return False


def _caption_like(text: str) -> bool:
    if _PHOTO_CREDIT.search(text) and len(text) <= _CAPTION_MAX_CHARS * 2:
        return True
    if len(text) > _CAPTION_MAX_CHARS or len(text.split()) > _CAPTION_MAX_WORDS:
        return False
    if text.endswith(_TERMINAL) or _NUMBERED.match(text):
        return False
    letters = [ch for ch in text if ch.isalpha()]
    return not (letters and all(ch.isupper() for ch in letters))


def _heading_like(text: str) -> bool:
    if len(text) > 160 or text.endswith((".", ",", ";")):
        return False
    letters = [ch for ch in text if ch.isalpha()]
    all_caps = bool(letters) and all(ch.isupper() for ch in letters) and len(letters) > 3
    return bool(_NUMBERED.match(text)) or all_caps


def _summary(text: str) -> str:
    if len(text) <= _MAX_SUMMARY:
        return text
    cut = text[: _MAX_SUMMARY + 1].rsplit(" ", 1)[0].rstrip(",;:-–")
    return f"{cut}…"


def parse_text_capture(capture: Capture, *, url: str | None = None) -> Article:
    """Return the article in a text capture, with its provenance and without the page's clutter."""
    origin = capture.origin or "<text capture>"
    lines = decode_text(capture.data, origin).split("\n")
    blocks = _blocks(lines)
    if not blocks:
        raise CaptureError(f"{origin}: empty capture")

    byline_at = _find_byline(blocks)
    if byline_at is None:
        raise ExtractError(f"{origin}: no byline with a date (like 'Theo X - 21:16 | 18/02/2022')")
    byline = _BYLINE_PREFIX.match(blocks[byline_at].text)
    assert byline is not None  # _find_byline matched it
    date = parse_vn_datetime(byline["when"])
    source = byline["source"]

    stripped: list[str] = []
    warnings: list[str] = []
    category: str | None = None
    title: str | None = None
    for block in reversed(blocks[:byline_at]):
        crumb = _BREADCRUMB.match(block.text)
        if crumb:
            parts = [squash(p) for p in re.split(r"[›>»/|]", crumb["path"]) if p.strip()]
            category = category or (parts[-1] if parts else None)
            continue
        kind = junk_kind(block.text)
        if kind:
            stripped.append(kind)
            continue
        if title is None:
            title = block.text
    if not title:
        raise ExtractError(f"{origin}: no title above the byline")

    end = len(blocks)
    for index in range(byline_at + 1, len(blocks)):
        if _is_footer(blocks, index):
            end = index
            break
    body = list(blocks[byline_at + 1 : end])
    footer = blocks[end:]

    source_url: str | None = None
    for index, block in enumerate(footer):
        if junk_kind(block.text) == "original-link-toggle" or block.text.lower().startswith(
            ("xem link gốc", "link gốc")
        ):
            for candidate in [
                block.text.split()[-1],
                *(b.text for b in footer[index + 1 : index + 3]),
            ]:
                if _URL_LINE.match(candidate) and is_http_url(candidate):
                    source_url = clean_url(candidate)
                    break
            break
    if footer:
        stripped.append("footer")

    # The closing credit repeats the byline's publisher: keep the name, drop the line.
    while body and credit_source(body[-1].text):
        credited = credit_source(body.pop().text)
        source = source or credited
        stripped.append("credit")
    if body and _URL_LINE.match(body[-1].text) and source_url is None:
        source_url = clean_url(body.pop().text)

    via_site: str | None = None
    paragraphs: list[str] = []
    for position, block in enumerate(body):
        text = block.text
        kind = junk_kind(text)
        if kind:
            stripped.append(kind)
            continue
        if not paragraphs:
            site, rest = split_dateline(text)
            if site and rest.strip():
                if site != (source or "").lower() and site != host_of(source_url):
                    via_site = site
                stripped.append("dateline")
                text = rest.strip()
        if position > 0 and paragraphs and _heading_like(text):
            paragraphs.append(f"<h2>{html.escape(text, quote=False)}</h2>")
        elif position > 0 and paragraphs and _caption_like(text):
            caption = html.escape(text, quote=False)
            paragraphs.append(f"<figure><figcaption>{caption}</figcaption></figure>")
        else:
            paragraphs.append(f"<p>{html.escape(text, quote=False)}</p>")
    if not paragraphs:
        raise ExtractError(f"{origin}: no article text below the byline")

    text_chars = sum(len(b.text) for b in body)
    page_chars = sum(len(b.text) for b in blocks)
    if text_chars < _MIN_BODY_CHARS:
        warnings.append(f"body has only {text_chars} characters")
    if any(p.startswith("<figure>") for p in paragraphs):
        warnings.append(
            "captions inferred from short unpunctuated lines (no images in a text capture)"
        )
    lead = body[0].text if body else ""
    _, lead = split_dateline(lead)
    confidence = 0.9 if text_chars >= _MIN_BODY_CHARS else 0.3

    source_name = squash(source) if source else None
    if source_name is None and source_url:
        source_name = host_of(source_url)
    via_url = clean_url(url) if url and is_http_url(url) else None
    return Article(
        title=title,
        body_html="\n".join(paragraphs),
        date=date,
        category=category,
        summary=_summary(squash(lead)) if lead else None,
        source=source_name,
        source_url=source_url,
        via_url=via_url,
        via_site=via_site or host_of(via_url),
        captured=capture.captured_at,
        report=Report(
            method="text-capture",
            confidence=confidence,
            text_chars=text_chars,
            page_chars=page_chars,
            stripped=tuple(sorted(set(stripped))),
            warnings=tuple(warnings),
        ),
    )
