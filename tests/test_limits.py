"""Resource bounds: one page past a limit is set aside with its reason; the run goes on.

Limits per page: size (readers: 20 MB), nesting depth (libxml2 stops at 256 levels), number of
images (extract.images: 500 in the article body), and extraction time (the importer's per-page time limit).  Each test imports the
oversized page between two ordinary captures and checks that the ordinary ones are written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scripts.importer as importer
from scripts.extract import extract
from scripts.extract.images import MAX_IMAGES
from scripts.importer import ImportOptions, import_paths
from scripts.models import Capture
from scripts.readers import MAX_CAPTURE_BYTES
from tests.helpers import ROOT
from tests.test_xss import html_capture

DEMO = ROOT / "captures" / "demo"
GOOD_HTML = DEMO / "webkhoedep.vn-2021-ha-noi-tiem-mui-hai-vac-xin.html"
GOOD_TEXT = DEMO / "webkhoedep.vn-2022-ha-noi-tiem-bo-sung-soi-rubella.txt"


def _run(tmp_path: Path, name: str, data: bytes, **options) -> tuple[dict, float]:
    """Import a good page, the page under test, and another good page; return outcomes by file."""
    captures = tmp_path / "captures"
    captures.mkdir()
    shutil.copy(GOOD_HTML, captures / "a-good.html")
    (captures / name).write_bytes(data)
    shutil.copy(GOOD_TEXT, captures / "z-good.txt")
    started = time.perf_counter()
    outcomes = import_paths([captures], ImportOptions(content_dir=tmp_path / "content", **options))
    elapsed = time.perf_counter() - started
    by_name = {Path(o.origin).name: o for o in outcomes}
    assert by_name["a-good.html"].action == "wrote", by_name["a-good.html"]
    assert by_name["z-good.txt"].action == "wrote", by_name["z-good.txt"]
    return by_name, elapsed


def _body_page(inner: str) -> bytes:
    return html_capture(1, "body", "BODY").replace("<p>BODY</p>", inner).encode()


def test_page_over_20_mb_is_quarantined_and_the_run_goes_on(tmp_path):
    filler = "<p>" + "Nội dung rất dài. " * 1000 + "</p>\n"
    data = _body_page(filler * (25 * 1024 * 1024 // len(filler.encode()) + 1))
    assert len(data) > 25 * 1024 * 1024 > MAX_CAPTURE_BYTES
    outcomes, elapsed = _run(tmp_path, "m-huge.html", data)
    huge = outcomes["m-huge.html"]
    assert huge.action == "quarantined" and "limit" in huge.reason, huge
    assert elapsed < 15


def test_page_over_20_mb_exits_3_on_the_command_line(tmp_path):
    captures = tmp_path / "captures"
    captures.mkdir()
    shutil.copy(GOOD_TEXT, captures / "good.txt")
    with (captures / "huge.txt").open("wb") as handle:
        handle.write(b"Ti\xc3\xaau \xc4\x91\xe1\xbb\x81\n" * (26 * 1024 * 1024 // 12))
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "import", str(captures), "--content-dir",
         str(tmp_path / "content"), "--jobs", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "huge.txt" in result.stderr and "limit" in result.stderr
    assert "1 wrote" in result.stdout


def test_page_nested_100000_deep_is_set_aside_with_its_reason(tmp_path):
    deep = "<div>" * 100_000 + "<p>" + "Đoạn văn lồng sâu. " * 10 + "</p>" + "</div>" * 100_000
    outcomes, elapsed = _run(tmp_path, "m-deep.html", _body_page(deep))
    outcome = outcomes["m-deep.html"]
    # Parsing stops at 256 levels: the page is never published as if it were whole.
    assert outcome.action in ("quarantined", "draft"), outcome
    assert "nest" in outcome.reason or "deep" in outcome.reason, outcome
    assert elapsed < 10


def test_page_cut_at_the_depth_limit_is_not_published_even_with_force(tmp_path):
    deep = "<div>" * 100_000 + "<p>" + "Đoạn văn lồng sâu. " * 10 + "</p>" + "</div>" * 100_000
    outcomes, _ = _run(tmp_path, "m-deep.html", _body_page(deep), force=True)
    outcome = outcomes["m-deep.html"]
    assert outcome.action in ("quarantined", "draft"), outcome
    assert "nest" in outcome.reason, outcome
    if outcome.path is not None:
        assert "\nStatus: draft\n" in Path(outcome.path).read_text(encoding="utf-8")


def _image_paragraphs(count: int) -> str:
    return "".join(
        f'<p><img src="https://cdn.webkhoedep.vn/a{i}.jpg" alt="Ảnh {i}"></p>' for i in range(count)
    )


def test_page_with_10000_images_does_not_stop_the_run(tmp_path):
    outcomes, elapsed = _run(
        tmp_path, "m-images.html", _body_page(_image_paragraphs(10_000)), time_limit=3.0
    )
    outcome = outcomes["m-images.html"]
    assert outcome.action in ("quarantined", "draft", "wrote"), outcome
    assert elapsed < 3.0 + 10


def test_page_with_10000_images_is_bounded_by_an_image_limit(tmp_path):
    outcomes, elapsed = _run(
        tmp_path, "m-images.html", _body_page(_image_paragraphs(10_000)), time_limit=4.0
    )
    outcome = outcomes["m-images.html"]
    assert outcome.action == "quarantined", outcome
    assert outcome.reason == (
        f"article body has 10,001 images, over the limit of {MAX_IMAGES} images per page"
    )
    assert elapsed < 4.0


def test_page_at_the_image_limit_is_imported_whole(tmp_path):
    page = _body_page(_image_paragraphs(MAX_IMAGES - 1))  # the page template holds one more
    article = extract(Capture(data=page, kind="html", origin="m-images.html"))
    assert article.body_html.count("<figure><img") == MAX_IMAGES
    outcomes, _ = _run(tmp_path, "m-images.html", page)
    assert outcomes["m-images.html"].action == "wrote", outcomes["m-images.html"]


def _slow_extract(real):
    def extract(capture, **kwargs):
        if Path(capture.origin).name.startswith("m-slow"):
            time.sleep(60)
        return real(capture, **kwargs)

    return extract


@pytest.mark.parametrize("jobs", [1, 2])
def test_slow_page_is_quarantined_at_the_time_limit(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(importer, "extract", _slow_extract(importer.extract))
    outcomes, elapsed = _run(
        tmp_path, "m-slow.html", GOOD_HTML.read_bytes(), time_limit=1.0, jobs=jobs
    )
    slow = outcomes["m-slow.html"]
    assert slow.action == "quarantined", slow
    assert slow.reason == "extraction and conversion took longer than 1 s"
    assert elapsed < 10


def _warc_with(tmp_path: Path, body: bytes, headers: tuple[tuple[str, str], ...]) -> Path:
    from datetime import UTC, datetime

    from scripts.warc import Exchange, WarcFile

    warc = WarcFile(tmp_path / "captures" / "m-big.warc.gz")
    warc.write(
        Exchange(
            url="https://webkhoedep.vn/suc-khoe/bai-rat-lon-1.html",
            method="GET",
            request_target="/suc-khoe/bai-rat-lon-1.html",
            request_headers=(("Host", "webkhoedep.vn"),),
            http_version="HTTP/1.1",
            status=200,
            reason="OK",
            headers=(("Content-Type", "text/html; charset=utf-8"), *headers),
            body=body,
            fetched_at=datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
        )
    )
    return warc.close()


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_warc_response_over_20_mb_is_quarantined(tmp_path, encoding):
    """The decoded body is read only up to the limit, so a gzip bomb is bounded too."""
    import gzip

    page = _body_page("<p>" + "Nội dung rất dài. " * 1000 + "</p>")
    body = page + b"<!--" + b" " * (25 * 1024 * 1024) + b"-->"
    headers: tuple[tuple[str, str], ...] = ()
    if encoding == "gzip":
        body, headers = gzip.compress(body, compresslevel=9), (("Content-Encoding", "gzip"),)
    path = _warc_with(tmp_path, body, headers)
    outcomes = import_paths([path], ImportOptions(content_dir=tmp_path / "content"))
    assert [o.action for o in outcomes] == ["quarantined"], outcomes
    assert "limit" in outcomes[0].reason
    assert outcomes[0].origin.startswith(f"{path}#")
