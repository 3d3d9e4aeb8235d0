"""Kill the fetcher (SIGKILL) at chosen instants, run it again, and check nothing was lost or doubled.

The fetcher runs in a child process started with ``python -c``; the child wraps one function
(a WARC write, a state commit, the rename that closes a file...) so that it kills itself with
SIGKILL right before, right after, or half-way through its N-th call.  Other cases are killed
from outside once the server has seen a number of article requests.  After each kill a normal
run must leave every article captured exactly once, in gzip-valid closed WARC files, with every
capture the killed run had committed still where the state said it was.
"""

from __future__ import annotations

import gzip
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fakesite import FakeSite, sources_toml
from warcio.archiveiterator import ArchiveIterator

from scripts.fetch.runner import run_fetch
from scripts.fetch.state import State
from scripts.sources import load_sources
from scripts.warc import read_capture

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, signal, sys
import scripts.warc as warc
import scripts.fetch.state as state
from scripts.fetch.runner import run_fetch
from scripts.fetch.state import State
from scripts.sources import load_sources

point, when, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
conf, captures, state_path = sys.argv[4:7]
calls = 0
targets = {
    "write": (warc.WarcFile, "write"),
    "captured": (state.State, "mark_captured"),
    "open_file": (state.State, "open_file"),
    "replace": (warc.os, "replace"),
}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def wrap(owner, name):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        hit = calls == nth
        if hit and when == "before":
            die()
        if hit and when == "torn":  # half a gzip member on disk, then death
            fh = args[0]._fh
            fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00torn record")
            fh.flush()
            os.fsync(fh.fileno())
            die()
        result = original(*args, **kwargs)
        if hit and when == "after":
            die()
        return result
    setattr(owner, name, wrapper)

if point in targets:
    wrap(*targets[point])
run_fetch(load_sources(conf), captures_dir=captures, state_path=state_path)
"""


@pytest.fixture(scope="module")
def site():
    with FakeSite() as s:
        yield s


def child(tmp_path: Path, point: str, when: str = "", nth: int = 0) -> subprocess.Popen[bytes]:
    args = [point, when or "-", str(nth), str(tmp_path / "sources.toml")]
    args += [str(tmp_path / "captures"), str(tmp_path / "state/f.sqlite3")]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def committed(tmp_path: Path) -> dict[str, tuple[str, int]]:
    """Return the captures the state had committed: key -> (file, offset)."""
    path = tmp_path / "state/f.sqlite3"
    if not path.exists():
        return {}
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT key, warc_file, warc_offset FROM urls WHERE status = 'captured'"
            " AND kind = 'article'"
        ).fetchall()
    return {key: (file, offset) for key, file, offset in rows}


def check_archive(tmp_path: Path, site: FakeSite, before: dict[str, tuple[str, int]]) -> None:
    captures = tmp_path / "captures"
    assert list(captures.rglob("*.open")) == []
    seen: Counter[str] = Counter()
    images: Counter[str] = Counter()
    for path in captures.rglob("*.warc.gz"):
        gzip.decompress(path.read_bytes())
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    kind = record.http_headers.get_header("Content-Type") or ""
                    bucket = images if kind.startswith("image/") else seen
                    bucket[record.rec_headers.get_header("WARC-Target-URI")] += 1
    assert seen == Counter(dict.fromkeys(site.article_urls(), 1)), "lost or duplicate capture"
    assert set(images.values()) <= {1}, "duplicate image capture"
    after = committed(tmp_path)
    assert set(after) == site.article_urls()
    for key, place in before.items():
        assert after[key] == place, f"{key} moved after the kill"
    state_dir = tmp_path / "state"
    for key, (file, offset) in after.items():
        assert read_capture(state_dir / file, offset).url == key
    with sqlite3.connect(state_dir / "f.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM warc_files WHERE status = 'open'").fetchone() == (
            0,
        )


def resume(tmp_path: Path, site: FakeSite) -> None:
    before = committed(tmp_path)
    summary = run_fetch(
        load_sources(tmp_path / "sources.toml"),
        captures_dir=tmp_path / "captures",
        state_path=tmp_path / "state/f.sqlite3",
    )
    assert summary.failed == ()
    check_archive(tmp_path, site, before)


KILL_POINTS = [
    ("open_file", "before", 1),  # a new file with its warcinfo, never registered
    ("write", "before", 3),  # between two records
    ("write", "torn", 2),  # half a record on disk
    ("write", "after", 2),  # record fsynced, state not yet told
    ("captured", "after", 4),  # record committed
    ("replace", "before", 1),  # closing: all records in, not yet renamed
    ("replace", "after", 1),  # renamed, state still says open
]


@pytest.mark.parametrize(("point", "when", "nth"), KILL_POINTS, ids=lambda x: str(x))
def test_kill_at_a_chosen_instant_then_resume(site, tmp_path, point, when, nth):
    (tmp_path / "sources.toml").write_text(sources_toml(site), encoding="utf-8")
    proc = child(tmp_path, point, when, nth)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    resume(tmp_path, site)


@pytest.mark.parametrize("articles_seen", [1, 5])
def test_kill_from_outside_mid_run_then_resume(site, tmp_path, articles_seen):
    (tmp_path / "sources.toml").write_text(sources_toml(site, rate=20), encoding="utf-8")
    start = len(site.requests("/bai-viet/"))
    proc = child(tmp_path, "none")
    deadline = time.monotonic() + 20
    while len(site.requests("/bai-viet/")) - start < articles_seen and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    resume(tmp_path, site)


def test_killed_twice_in_a_row_then_resume(site, tmp_path):
    (tmp_path / "sources.toml").write_text(sources_toml(site), encoding="utf-8")
    for point, when, nth in [("write", "after", 3), ("captured", "after", 2)]:
        proc = child(tmp_path, point, when, nth)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    resume(tmp_path, site)


def test_interrupt_between_write_and_commit_leaves_no_orphan_record(site, tmp_path, monkeypatch):
    (tmp_path / "sources.toml").write_text(sources_toml(site), encoding="utf-8")
    original = State.mark_captured
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C after the third record was written
        return original(self, *args, **kwargs)

    monkeypatch.setattr(State, "mark_captured", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_fetch(
            load_sources(tmp_path / "sources.toml"),
            captures_dir=tmp_path / "captures",
            state_path=tmp_path / "state/f.sqlite3",
        )
    monkeypatch.undo()
    files = list((tmp_path / "captures").rglob("*.warc.gz"))
    assert len(files) == 1  # closed at once, cut back to the two committed records
    with open(files[0], "rb") as fh:
        assert sum(r.rec_type == "response" for r in ArchiveIterator(fh)) == 2
    resume(tmp_path, site)
