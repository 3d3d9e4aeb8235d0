"""Vietnamese dates and times: read day-first bylines, write ISO 8601 with the +07:00 offset.

Vietnamese sites write dates day-first (``18/02/2022``), often with the time before the date
(``21:16 | 18/02/2022``) or a weekday in front (``Thứ tư, 4/10/2023, 15:31 (GMT+7)``).  A general
parser reads ``04/10/2023`` as April 10th, so we parse these forms ourselves.  Vietnam has kept
UTC+7 without daylight saving since 1975, so a fixed offset is exact and needs no tz database.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))

_WEEKDAY = r"(?:(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7])\s*[,\-–]?\s*)"
_TIME = r"(?P<H>\d{1,2})\s*[:hg]\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2}))?(?:\s*(?P<ampm>[ap]\.?m\.?|sa|ch))?"
_DATE = r"(?:ngày\s*)?(?P<d>\d{1,2})\s*(?:[/.\-]|\s+tháng\s+)\s*(?P<m>\d{1,2})\s*(?:[/.\-]|\s+năm\s+)\s*(?P<y>\d{4})"
_ZONE = r"(?:\s*\(?\s*(?:gmt|utc)\s*(?P<z>[+\-]\s*\d{1,2})(?::?(?P<zm>\d{2}))?\s*\)?)?"
_SEP = r"\s*(?:[|,\-–—]|\s)\s*"

_PATTERNS = (
    # 21:16 | 18/02/2022   ·  15:31 ngày 4/10/2023
    re.compile(rf"{_WEEKDAY}?{_TIME}{_SEP}(?:ngày\s*)?{_WEEKDAY}?{_DATE}{_ZONE}", re.I),
    # Thứ tư, 4/10/2023, 15:31 (GMT+7)  ·  18/02/2022 - 21:16  ·  04/10/2023 15:31
    re.compile(rf"{_WEEKDAY}?{_DATE}{_SEP}(?:lúc\s*)?{_TIME}{_ZONE}", re.I),
)
_DATE_ONLY = re.compile(rf"{_WEEKDAY}?{_DATE}", re.I)
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+\-]\d{2}:?\d{2})?)?"
)


def _build(
    y: str, m: str, d: str, hh: str | None = None, mm: str | None = None, ss: str | None = None
) -> datetime | None:
    try:
        return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None


def _zone(z: str | None, zm: str | None) -> timezone:
    if not z:
        return VN_TZ
    hours = int(z.replace(" ", ""))
    minutes = int(zm or 0) * (1 if hours >= 0 else -1)
    if not -14 <= hours <= 14:
        return VN_TZ
    return timezone(timedelta(hours=hours, minutes=minutes))


def parse_iso(text: str) -> datetime | None:
    """Parse an ISO 8601 timestamp (as in JSON-LD or ``article:published_time``).

    A timestamp without a zone is taken as Vietnam time; the result is always aware.
    """
    match = _ISO.search(text.strip())
    if not match:
        return None
    g = match.groupdict()
    value = _build(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"])
    if value is None:
        return None
    tz = g["tz"]
    if not tz:
        return value.replace(tzinfo=VN_TZ)
    if tz == "Z":
        return value.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)) * sign
    return value.replace(tzinfo=timezone(offset))


def parse_vn_datetime(text: str, *, require_time: bool = False) -> datetime | None:
    """Find the first Vietnamese-style date (day first) in ``text`` and return it aware.

    Times are read as Vietnam time unless a ``GMT+N`` is given.  ``sa``/``ch`` (sáng/chiều) and
    AM/PM are honoured.  With ``require_time`` a bare date does not count.
    """
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if match:
            g = match.groupdict()
            hour = int(g["H"])
            ampm = (g.get("ampm") or "").lower().replace(".", "")
            if ampm in ("pm", "ch") and hour < 12:
                hour += 12
            elif ampm in ("am", "sa") and hour == 12:
                hour = 0
            value = _build(g["y"], g["m"], g["d"], str(hour), g["M"], g["S"])
            if value is not None:
                return value.replace(tzinfo=_zone(g.get("z"), g.get("zm")))
    if require_time:
        return None
    match = _DATE_ONLY.search(text)
    if match:
        value = _build(match["y"], match["m"], match["d"])
        if value is not None:
            return value.replace(tzinfo=VN_TZ)
    return parse_iso(text)


def is_date_line(text: str) -> bool:
    """Tell whether ``text`` is nothing but a date (with optional weekday, time and zone)."""
    stripped = text.strip()
    for pattern in (*_PATTERNS, _DATE_ONLY):
        match = pattern.fullmatch(stripped)
        if match:
            return True
    return False


def format_datetime(value: datetime) -> str:
    """Write ``value`` as Pelican metadata: ``2022-02-18 21:16+07:00`` (seconds only if set)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    text = value.strftime("%Y-%m-%d %H:%M")
    if value.second:
        text += value.strftime(":%S")
    offset = value.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"
