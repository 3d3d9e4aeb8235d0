"""Decoding HTML captures: BOMs, declared encodings, legacy Vietnamese, NFD text, binary junk."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from scripts.extract.charset import declared_encoding, decode_html
from scripts.extract.html import extract_html
from scripts.models import Capture, CaptureError

TEXT = "Hà Nội: Người dân được tiêm vắc xin sởi miễn phí tại trạm y tế phường"
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode NFC Vietnamese text as windows-1258 writes it: base letter, then a combining tone."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"


def test_windows_1258_declared_only_in_meta_is_decoded_to_nfc() -> None:
    data = to_cp1258(
        page(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    )
    assert b"\xd2" in data or b"\xec" in data or b"\xde" in data  # combining tone bytes are there
    text = decode_html(data)
    assert TEXT in text
    assert unicodedata.is_normalized("NFC", text)


def test_meta_charset_attribute_is_read() -> None:
    data = to_cp1258(page(TEXT, '<meta charset="windows-1258">'))
    assert declared_encoding(data) == "cp1258"
    assert TEXT in decode_html(data)


def test_undeclared_legacy_bytes_fall_back_to_vietnamese() -> None:
    assert TEXT in decode_html(to_cp1258(page(TEXT)))


def test_decomposed_utf8_is_composed() -> None:
    nfd = unicodedata.normalize("NFD", TEXT)
    assert nfd != TEXT
    assert TEXT in decode_html(page(nfd).encode("utf-8"))


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_byte_order_marks_win(bom: bytes, codec: str) -> None:
    data = bom + page(TEXT, '<meta charset="iso-8859-1">').encode(codec)
    text = decode_html(data)
    assert TEXT in text
    assert not text.startswith("\ufeff")


def test_http_content_type_beats_meta() -> None:
    data = to_cp1258(page(TEXT, '<meta charset="utf-8">'))
    assert TEXT in decode_html(data, content_type="text/html; charset=windows-1258")


def test_latin1_label_on_utf8_bytes_reads_utf8() -> None:
    data = page(TEXT, '<meta charset="iso-8859-1">').encode("utf-8")
    assert TEXT in decode_html(data, content_type="text/html; charset=ISO-8859-1")


def test_lying_utf8_declaration_falls_back() -> None:
    data = to_cp1258(page(TEXT, '<meta charset="utf-8">'))
    assert "Hà" in decode_html(data) or "H" in decode_html(data)  # never raises


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"<html>" + b"\x00\x01\x02\x03" * 500,
        bytes(range(32)) * 100,
    ],
    ids=["png", "nul-heavy", "controls"],
)
def test_binary_junk_is_a_capture_error_naming_the_origin(data: bytes) -> None:
    with pytest.raises(CaptureError, match=r"captures/x\.html"):
        decode_html(data, origin="captures/x.html")
    with pytest.raises(CaptureError, match=r"captures/x\.html"):
        extract_html(Capture(data=data, kind="html", origin="captures/x.html"))


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_capture_is_refused(data: bytes) -> None:
    with pytest.raises(CaptureError, match="empty"):
        decode_html(data, origin="a.html")


def test_utf7_declaration_is_ignored() -> None:
    data = page("+ADw-script+AD4-alert(1)+ADw-/script+AD4-", '<meta charset="utf-7">').encode()
    assert "<script>" not in decode_html(data)
