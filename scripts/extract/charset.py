"""Decode the bytes of an HTML capture into NFC text.

Vietnamese pages arrive in every encoding history left behind: UTF-8 (with or without a BOM),
UTF-16 from old Windows tools, and windows-1258 declared only in a ``<meta>`` tag.  windows-1258
writes most tone marks as *combining* characters, and some UTF-8 sites serve decomposed (NFD)
text too, so every result is NFC-normalised: otherwise ``Hà Nội`` typed by a reader would not
match ``Hà Nội`` in the archive.  The order of evidence follows the HTML standard (BOM, then
the HTTP header, then ``<meta>``), with one real-world exception: a page that claims Latin-1 but
is valid UTF-8 is UTF-8, because servers default to Latin-1 far more often than pages use it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from scripts.models import CaptureError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Signatures of files that are certainly not a page, so a mislabelled image fails clearly.
_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
# WHATWG maps these labels to windows-1252; Python's latin-1 would mangle 0x80–0x9F.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"}
_PRESCAN_BYTES = 4096
# Bytes no text encoding we accept uses (NUL and other C0 controls but tab, newlines, ESC).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))


def _codec(label: str | None) -> str | None:
    """Return Python's codec name for an encoding label, or ``None`` if it is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _LATIN1_LABELS:
        return "cp1252"
    if label in ("x-user-defined", "utf-7", "utf7"):  # never honour these: XSS vectors
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_encoding(data: bytes, content_type: str | None = None) -> str | None:
    """Return the encoding a page declares: HTTP ``Content-Type`` first, then ``<meta>``."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        codec = _codec(match.group(1)) if match else None
        if codec:
            return codec
    meta = _META_CHARSET.search(data[:_PRESCAN_BYTES])
    if meta:
        return _codec(meta.group(1).decode("ascii", "replace"))
    return None


def _looks_binary(data: bytes) -> bool:
    """Tell whether ``data`` is certainly not text: a known file signature or control bytes."""
    if data.startswith(_MAGIC):
        return True
    sample = data[:65536]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 100 + 1


def decode_html(data: bytes, *, content_type: str | None = None, origin: str = "") -> str:
    """Return ``data`` decoded and NFC-normalised.

    Raises :class:`CaptureError` naming ``origin`` when the bytes are empty or binary.
    """
    where = origin or "<capture>"
    if not data.strip():
        raise CaptureError(f"{where}: empty capture")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # A BOM is the strongest evidence there is; decode leniently after it.
            return _finish(data[len(bom) :].decode(codec, "replace"))
    if _looks_binary(data):
        raise CaptureError(f"{where}: binary data, not an HTML page")
    declared = declared_encoding(data, content_type)
    if declared and declared != "cp1252":
        try:
            return _finish(data.decode(declared))
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration lies; fall through to evidence
    try:
        return _finish(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if declared:
        return _finish(data.decode(declared, "replace"))
    # Undeclared and not UTF-8: in this archive that is almost always legacy Vietnamese.
    return _finish(data.decode("cp1258", "replace"))


def _finish(text: str) -> str:
    text = text.replace("\x00", "")
    # The quick check is far cheaper than normalising text that is already NFC (most pages).
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
