"""One import per content folder: the lock, and the leftover temporaries removed under it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from scripts.importer import ImportOptions, import_paths
from scripts.models import StoreError
from scripts.store import LOCK_NAME, import_lock, is_temporary, remove_temporaries
from tests.helpers import ROOT

TEXT = ROOT / "captures" / "demo" / "webkhoedep.vn-2022-ha-noi-tiem-bo-sung-soi-rubella.txt"


def _hold(lock: Path) -> int:
    """Lock ``lock`` the way another import would; return the descriptor to close."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_import_leaves_no_lock_file(tmp_path):
    content = tmp_path / "content"
    outcomes = import_paths([TEXT], ImportOptions(content_dir=content))
    assert [o.action for o in outcomes] == ["wrote"]
    assert not (content / LOCK_NAME).exists()


def test_a_second_import_stops_naming_the_lock(tmp_path):
    content = tmp_path / "content"
    fd = _hold(content / LOCK_NAME)
    try:
        with pytest.raises(StoreError, match=r"\.import\.lock: another import"):
            import_paths([TEXT], ImportOptions(content_dir=content))
        result = subprocess.run(
            [sys.executable, "-m", "scripts", "import", str(TEXT), "--content-dir", str(content),
             "--sources", os.devnull],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(fd)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(content / LOCK_NAME) in lines[0], result.stderr
    assert not list(content.rglob("*.md"))


def test_a_killed_runs_lock_file_does_not_block(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / LOCK_NAME).write_bytes(b"")  # left by a SIGKILL: the kernel released its lock
    outcomes = import_paths([TEXT], ImportOptions(content_dir=content))
    assert [o.action for o in outcomes] == ["wrote"]
    assert not (content / LOCK_NAME).exists()


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    with import_lock(tmp_path), import_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / LOCK_NAME).exists()


def test_temporary_names_are_exactly_what_mkstemp_makes(tmp_path):
    fd, name = tempfile.mkstemp(prefix=".a-b.md.", suffix=".tmp", dir=tmp_path)
    os.close(fd)
    assert is_temporary(Path(name).name)
    for other in (
        ".a-b.md.tmp",  # no random part
        ".a-b.md.abc.tmp",  # too short
        ".a-b.md.ABCDEFGH.tmp",  # not tempfile's alphabet
        "a-b.md.abcdefgh.tmp",  # not hidden
        ".a-b.md.abcdefgh.tmp~",
        ".import.lock",
        ".notes.tmp",
    ):
        assert not is_temporary(other), other


def test_only_leftover_temporaries_are_removed(tmp_path):
    topic = tmp_path / "suc-khoe" / "2022"
    topic.mkdir(parents=True)
    stale = [topic / ".bai-viet.md.k3x9q2_a.tmp", tmp_path / "images" / ".0a1b.jpg.abcdefgh.tmp"]
    stale[1].parent.mkdir()
    kept = [
        topic / "bai-viet.md",
        topic / ".notes.tmp",
        topic / "bai-viet.md.k3x9q2_a.tmp",
        tmp_path / ".git" / ".x.md.abcdefgh.tmp",  # hidden folders are not searched
    ]
    kept[-1].parent.mkdir()
    for path in (*stale, *kept):
        path.write_bytes(b"x")
    link = topic / ".linked.md.abcdefgh.tmp"
    link.symlink_to(kept[0])
    assert sorted(remove_temporaries(tmp_path)) == sorted(stale)
    assert all(p.exists() for p in kept) and link.is_symlink()
    assert not any(p.exists() for p in stale)
