"""WARC files: readable by warcio, read back as Captures, crash-recoverable at record boundaries."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from scripts.models import CaptureError
from scripts.warc import OPEN_SUFFIX, Exchange, WarcFile, read_capture, read_warc, recover_open_file

WHEN = datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC)
PAGE = "<html><body><h1>Hà Nội mưa lớn</h1></body></html>".encode()


def exchange(url: str, body: bytes, ctype: str = "text/html; charset=utf-8", **extra) -> Exchange:
    headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
    headers += list(extra.items())
    return Exchange(
        url=url,
        method="GET",
        request_target="/" + url.rsplit("/", 1)[-1],
        request_headers=(("Host", "webkhoedep.vn"), ("User-Agent", "ClearPressTest")),
        http_version="HTTP/1.1",
        status=200,
        reason="OK",
        headers=tuple((k.replace("_", "-"), v) for k, v in headers),
        body=body,
        fetched_at=WHEN,
        peer_ip="127.0.0.1",
    )


def write_sample(path):
    warc = WarcFile(path)
    assert warc.open_path.name.endswith(".warc.gz" + OPEN_SUFFIX)
    spans = [
        warc.write(exchange("https://webkhoedep.vn/a.html", PAGE)),
        warc.write(
            exchange("https://webkhoedep.vn/b.html", gzip.compress(PAGE), Content_Encoding="gzip")
        ),
        warc.write(exchange("https://webkhoedep.vn/c.png", b"\x89PNG", "image/png")),
    ]
    assert not path.exists()
    assert warc.close() == path
    assert not warc.open_path.exists()
    return spans


def test_records_are_standard_warc(tmp_path):
    path = tmp_path / "c.warc.gz"
    write_sample(path)
    with open(path, "rb") as fh:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)
        ]
    assert records[0] == ("warcinfo", None)
    assert records[1:3] == [
        ("response", "https://webkhoedep.vn/a.html"),
        ("request", "https://webkhoedep.vn/a.html"),
    ]
    assert len(records) == 7
    gzip.decompress(path.read_bytes())  # every member is valid gzip


def test_read_warc_yields_pages_only_decoded(tmp_path):
    path = tmp_path / "c.warc.gz"
    spans = write_sample(path)
    captures = list(read_warc(path))
    assert [c.url for c in captures] == [
        "https://webkhoedep.vn/a.html",
        "https://webkhoedep.vn/b.html",
    ]
    assert all(c.data == PAGE and c.kind == "html" for c in captures)
    assert captures[0].captured_at == WHEN.replace(microsecond=0)
    assert captures[0].origin == f"{path}#{spans[0].offset}"
    again = read_capture(path, spans[1].offset)
    assert again == captures[1]


def test_read_capture_at_a_non_page_offset_fails(tmp_path):
    path = tmp_path / "c.warc.gz"
    spans = write_sample(path)
    with pytest.raises(CaptureError, match="no HTML or text response"):
        read_capture(path, spans[2].offset)


def test_not_a_warc_file(tmp_path):
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"hello")
    with pytest.raises(CaptureError, match=r"x\.warc\.gz"):
        list(read_warc(path))


def test_an_existing_capture_file_is_never_reopened(tmp_path):
    path = tmp_path / "c.warc.gz"
    write_sample(path)
    with pytest.raises(CaptureError, match="already exists"):
        WarcFile(path)


def test_recovery_cuts_a_torn_record_and_closes(tmp_path):
    path = tmp_path / "c.warc.gz"
    warc = WarcFile(path)
    span = warc.write(exchange("https://webkhoedep.vn/a.html", PAGE))
    warc.write(exchange("https://webkhoedep.vn/b.html", PAGE))
    warc._fh.write(b"\x1f\x8b\x08\x00garbage")  # a record torn by a kill
    warc._fh.flush()
    final = recover_open_file(warc.open_path, span.end)
    assert final == path and not warc.open_path.exists()
    assert [c.url for c in read_warc(path)] == ["https://webkhoedep.vn/a.html"]
    gzip.decompress(path.read_bytes())


def test_recovery_refuses_to_seal_a_damaged_file(tmp_path):
    warc = WarcFile(tmp_path / "c.warc.gz")
    span = warc.write(exchange("https://webkhoedep.vn/a.html", PAGE))
    warc._fh.flush()
    with pytest.raises(CaptureError, match=r"c\.warc\.gz\.open: damaged"):
        recover_open_file(warc.open_path, span.end - 10)
    assert warc.open_path.exists()


def test_a_response_over_the_size_limit_is_rejected_and_the_file_goes_on(tmp_path, monkeypatch):
    import scripts.warc

    monkeypatch.setattr(scripts.warc, "MAX_CAPTURE_BYTES", 1000)
    path = tmp_path / "c.warc.gz"
    warc = WarcFile(path)
    bomb = gzip.compress(PAGE + b" " * 5000)  # small on disk, over the limit once decoded
    spans = [
        warc.write(exchange("https://webkhoedep.vn/a.html", PAGE)),
        warc.write(exchange("https://webkhoedep.vn/big.html", bomb, Content_Encoding="gzip")),
        warc.write(exchange("https://webkhoedep.vn/c.html", PAGE + b" " * 900)),
    ]
    warc.close()
    captures = list(read_warc(path))
    assert [c.rejected for c in captures] == [
        "",
        "response is over the 1000-byte limit once decoded",
        "",
    ]
    assert captures[1].data == b"" and captures[1].url == "https://webkhoedep.vn/big.html"
    assert [c.origin for c in captures] == [f"{path}#{s.offset}" for s in spans]
    assert read_capture(path, spans[1].offset) == captures[1]
    assert captures[2].data == PAGE + b" " * 900


def test_the_importer_quarantines_a_rejected_response_by_its_offset(tmp_path, monkeypatch):
    import scripts.warc
    from scripts.importer import ImportOptions, import_paths
    from tests.helpers import ROOT

    monkeypatch.setattr(scripts.warc, "MAX_CAPTURE_BYTES", 100_000)
    demo = ROOT / "captures" / "demo" / "webkhoedep.vn-2021-ha-noi-tiem-mui-hai-vac-xin.html"
    page = demo.read_bytes()
    path = tmp_path / "c.warc.gz"
    warc = WarcFile(path)
    big = gzip.compress(page + b"<!--" + b" " * 200_000 + b"-->")
    spans = [
        warc.write(exchange("https://webkhoedep.vn/big.html", big, Content_Encoding="gzip")),
        warc.write(exchange("https://webkhoedep.vn/a.html", page)),
    ]
    warc.close()
    for jobs in (1, 2):
        content = tmp_path / f"content-{jobs}"
        outcomes = import_paths([path], ImportOptions(content_dir=content, jobs=jobs))
        assert [(o.action, o.origin) for o in outcomes] == [
            ("quarantined", f"{path}#{spans[0].offset}"),
            ("wrote", f"{path}#{spans[1].offset}"),
        ]
        assert outcomes[0].reason == "response is over the 100000-byte limit once decoded"
