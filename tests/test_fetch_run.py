"""Whole fetch runs against the fake site: captured once, failures explained, second run idle."""

from __future__ import annotations

import gzip
import itertools
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakesite import ARTICLES, FAULTS, FAULTS_RECOVERING, FakeSite, sources_toml
from warcio.archiveiterator import ArchiveIterator

from scripts.fetch import all_captures, mark_imported, pending_captures
from scripts.fetch.http import PoliteClient
from scripts.fetch.runner import run_fetch
from scripts.fetch_cli import fetch
from scripts.models import FetchError
from scripts.sources import parse_sources
from scripts.warc import read_warc


@pytest.fixture
def site():
    with FakeSite(slow_seconds=1.0) as s:
        yield s


def warc_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.warc.gz"))


def responses_by_uri(root: Path, *, images: bool = False) -> Counter[str]:
    """Count page (or, with ``images``, image) responses per WARC-Target-URI, read by warcio."""
    seen: Counter[str] = Counter()
    for path in warc_files(root):
        gzip.decompress(path.read_bytes())  # each file is valid gzip to the end
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    kind = record.http_headers.get_header("Content-Type") or ""
                    if kind.startswith("image/") == images:
                        seen[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return seen


def run(site: FakeSite, tmp_path: Path, **kw):
    text = sources_toml(site, faults=kw.pop("faults", False), rate=kw.pop("rate", 50))
    sources = parse_sources(text + kw.pop("extra", ""), "sources.toml")
    return run_fetch(
        sources, captures_dir=tmp_path / "captures", state_path=tmp_path / "state/f.sqlite3", **kw
    )


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "state/f.sqlite3") as db:
        return list(db.execute(sql))


def test_every_article_captured_exactly_once_and_failures_explained(site, tmp_path):
    summary = run(site, tmp_path, faults=True)
    recovering = {site.url(p) for p in FAULTS_RECOVERING}
    expected = site.article_urls() | recovering
    assert responses_by_uri(tmp_path / "captures") == Counter(dict.fromkeys(expected, 1))
    assert summary.fetched == len(expected)

    captures = [c for path in warc_files(tmp_path / "captures") for c in read_warc(path)]
    assert {c.url for c in captures} == expected
    assert all(c.captured_at is not None and c.captured_at.tzinfo for c in captures)
    assert all("<h1" in c.data.decode() for c in captures)  # gzip transfer undone

    failed = dict(summary.failed)
    reasons = {
        "/loi/500.html": "HTTP 500",
        "/loi/cham.html": "timed out",
        "/loi/cat-ngang.html": "incomplete response",
        "/loi/reset.html": "network error",
        "/loi/vong-lap.html": "redirect loop",
        "/loi/qua-lon.html": "body larger than",
        "/loi/bom.html": "body larger than",
        "/loi/anh.html": "unexpected content type image/png",
        "/loi/khong-co.html": "HTTP 404",
    }
    assert set(reasons) == set(FAULTS) - set(FAULTS_RECOVERING)
    for path, reason in reasons.items():
        assert reason in failed[site.url(path)]
    stored = dict(
        rows(
            tmp_path,
            "SELECT key, last_error FROM urls WHERE status = 'failed' AND kind = 'article'",
        )
    )
    assert stored == failed

    assert summary.robots == (site.url("/private/bi-mat.html"),)
    assert site.requests("/private/") == []
    assert summary.duplicates >= 3  # ha-noi and gia-vang found through several routes


def test_second_run_fetches_nothing_new(site, tmp_path):
    first = run(site, tmp_path)
    assert first.fetched == len(site.article_urls())
    before = len(site.requests())
    second = run(site, tmp_path)
    new_requests = [p for _, p, _ in site.requests()[before:]]
    assert second.fetched == 0 and second.discovered == 0 and second.failed == ()
    assert not [p for p in new_requests if p.startswith("/bai-viet/")]
    # feeds, the listing's first page and the sitemap index answer 304 and stop there
    assert second.not_modified == 4
    assert len(warc_files(tmp_path / "captures")) == 1


def test_rate_limit_is_never_exceeded(site, tmp_path):
    rate = 8.0
    run(site, tmp_path, rate=rate)
    times = sorted(t for host, _, t in site.requests() if host.startswith("127.0.0.1"))
    assert len(times) >= 15
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    # Arrival times are taken by the server's thread: one request it picks up late (a loaded
    # machine) makes a short gap to the next, on-time one.  The spacing itself is the typical
    # gap; the windows below bound how many requests can ever arrive together.
    assert gaps[len(gaps) // 2] >= 1 / rate - 0.01
    # No one-second window holds more than `rate` requests, give or take the one a late pickup
    # moved into it (a fetcher that bursts puts many more there).
    for start in times:
        assert sum(start <= t < start + 1 for t in times) <= rate + 1
    observed = (len(times) - 1) / (times[-1] - times[0])
    print(f"observed {observed:.2f} requests/s, min gap {min(gaps):.3f}s, limit {rate}/s")
    assert observed <= rate * 1.01


def test_a_broken_feed_does_not_stop_other_sources(site, tmp_path):
    extra = f"""
[[source]]
name = "hong"
home = "{site.base}/goc-b/"
allow = ['/goc-b/']
[source.discovery]
feeds = ["{site.url("/rss/hong.rss")}", "{site.url("/rss/khong-co.rss")}"]
"""
    summary = run(site, tmp_path, extra=extra)
    failed = dict(summary.failed)
    assert "not a feed" in failed[site.url("/rss/hong.rss")]
    assert failed[site.url("/rss/khong-co.rss")] == "HTTP 404"
    assert summary.fetched == len(site.article_urls())


def test_redirect_and_its_target_in_one_run_are_captured_once(site, tmp_path):
    extra = f"""
[[source]]
name = "chuyen-huong"
home = "{site.base}/"
allow = ['/cu/', '/bai-viet/']
concurrency = 1
[source.discovery]
feeds = ["{site.url("/rss/chuyen-huong.rss")}"]
"""
    summary = run(site, tmp_path, extra=extra, source_name="chuyen-huong")
    target = site.url("/bai-viet/ngu-du-giac.html")
    assert responses_by_uri(tmp_path / "captures") == Counter({target: 1})
    assert (summary.fetched, summary.duplicates) == (1, 1)


def test_an_unexpected_error_on_one_page_spares_the_others(site, tmp_path, monkeypatch):
    broken = site.url("/bai-viet/ngu-du-giac.html")
    original = PoliteClient.get

    def get(self, url, headers=None):
        if url == broken:
            raise RuntimeError("bug")
        return original(self, url, headers)

    monkeypatch.setattr(PoliteClient, "get", get)
    summary = run(site, tmp_path)
    assert dict(summary.failed) == {broken: "unexpected error: RuntimeError('bug')"}
    assert summary.fetched == len(site.article_urls()) - 1


def test_source_and_limit_select_the_work(site, tmp_path):
    summary = run(site, tmp_path, limit=3, source_name="khoedep")
    assert 1 <= summary.fetched <= 3  # one of the three may redirect to another
    # 8 articles, a redirecting old address and a robots-disallowed page were queued
    assert len(rows(tmp_path, "SELECT key FROM urls WHERE status = 'queued'")) == 7
    run(site, tmp_path)
    captured = rows(tmp_path, "SELECT key FROM urls WHERE status = 'captured' AND kind = 'article'")
    assert {key for (key,) in captured} == site.article_urls()
    assert responses_by_uri(tmp_path / "captures") == Counter(dict.fromkeys(site.article_urls(), 1))


def test_importer_api_pending_then_imported(site, tmp_path):
    run(site, tmp_path)
    state = tmp_path / "state/f.sqlite3"
    pending = list(pending_captures(state))
    assert {key for key, _ in pending} == site.article_urls()
    key, capture = pending[0]
    assert capture.url == key and capture.kind == "html"
    assert capture.origin.split("#")[0].endswith(".warc.gz")
    assert mark_imported(state, [key]) == 1
    assert len(list(pending_captures(state))) == len(pending) - 1
    assert len(list(all_captures(state))) == len(pending)
    assert list(pending_captures(tmp_path / "missing.sqlite3")) == []
    # A quarantined capture is not pending either (not retried every run), but --all sees it.
    other = pending[1][0]
    assert mark_imported(state, [other], quarantined=True) == 1
    assert mark_imported(state, [other], quarantined=True) == 0  # nothing to change
    assert other not in {k for k, _ in pending_captures(state)}
    assert other in {k for k, _ in all_captures(state)}
    # Captured again (the page changed): pending again, to be imported (or tried) once more.
    from datetime import UTC, datetime

    from scripts.fetch.state import State
    from scripts.warc import RecordSpan

    source, final, file, offset, end, digest = rows(
        tmp_path,
        "SELECT source, final_url, warc_file, warc_offset, warc_end, digest FROM urls"
        f" WHERE key = '{other}'",
    )[0]
    db = State(state)
    try:
        db.mark_captured(
            other, source, final_url=final, file=file, span=RecordSpan(offset, end),
            digest=digest, captured_at=datetime.now(UTC),
        )  # fmt: skip
    finally:
        db.close()
    assert other in {k for k, _ in pending_captures(state)}


def test_a_second_concurrent_run_is_refused(site, tmp_path):
    import fcntl

    (tmp_path / "state").mkdir()
    with open(tmp_path / "state/f.sqlite3.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="another fetch run"):
            run(site, tmp_path)


def test_fetch_command_prints_a_summary(site, tmp_path):
    conf = tmp_path / "sources.toml"
    conf.write_text(sources_toml(site), encoding="utf-8")
    args = [
        "--sources",
        str(conf),
        "--captures",
        str(tmp_path / "c"),
        "--state",
        str(tmp_path / "s.db"),
    ]
    result = CliRunner().invoke(fetch, [*args, "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "fetched 2, not modified 0, failed 0" in result.output
    assert "Example:" in (fetch.help or "")


def test_article_images_are_captured_once_beside_the_pages(site, tmp_path):
    summary = run(site, tmp_path)
    images = responses_by_uri(tmp_path / "captures", images=True)
    expected = {site.url(f"/anh/{slug}.jpg") for slug in ARTICLES}
    assert set(images) == expected and set(images.values()) == {1}
    assert summary.images == len(expected) and summary.image_failures == 0
    assert not any("/px.gif" in url for url in images)  # the 1×1 tracking pixel is skipped
    # The importer never mistakes an image for a page, and keeps each image from the capture.
    from scripts.importer import ImportOptions, import_captures, resource_lookup
    from scripts.store import ContentIndex

    keyed = list(pending_captures(tmp_path / "state/f.sqlite3"))
    assert len(keyed) == len(site.article_urls())
    content = tmp_path / "content"
    options = ImportOptions(content_dir=content, resources=resource_lookup([tmp_path / "captures"]))
    outcomes = list(import_captures((c for _, c in keyed), options, ContentIndex.scan(content)))
    assert all(o.action != "quarantined" for o in outcomes), outcomes
    kept = list((content / "images").iterdir())
    assert 1 <= len(kept) <= len(expected)
    again = run(site, tmp_path)
    assert again.images == 0  # known images are not fetched again


def test_a_run_that_finds_nothing_new_leaves_the_state_file_byte_identical(site, tmp_path):
    """The archive workflow commits the state: a run with nothing new must not change it.

    (A URL that keeps failing does change it: its attempt count is what bounds its retries.)
    """
    run(site, tmp_path)
    before = (tmp_path / "state/f.sqlite3").read_bytes()
    second = run(site, tmp_path)
    assert second.fetched == 0 and second.not_modified > 0
    assert (tmp_path / "state/f.sqlite3").read_bytes() == before
