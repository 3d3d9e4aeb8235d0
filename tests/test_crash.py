"""Crash safety: an import or a build killed with SIGKILL at any moment loses nothing.

``python -m scripts import`` (with ``--jobs 1`` and ``--jobs 2``) and a Pelican build with the
project's settings run in their own process group and are killed (SIGKILL, the whole group) after
random delays drawn from a seeded generator.  After every kill:

* every visible ``.md`` in ``content/`` is whole: it equals the file an uninterrupted run writes
  (a header, a blank line, a body), or it is not there yet;
* anything left behind is a hidden temporary that Pelican and the importer ignore;
* the next run completes, and the final ``content/`` is byte-identical to an uninterrupted run.

After a killed build, a rerun gives output byte-identical to a clean build.

The delays are seeded (``CLEARPRESS_CRASH_SEED``) and the number of kills is bounded
(``CLEARPRESS_CRASH_KILLS``) so the module stays near a minute; ``make fuzz`` runs more.
"""

from __future__ import annotations

import fnmatch
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

SEED = int(os.environ.get("CLEARPRESS_CRASH_SEED", "20261128"))
KILLS = int(os.environ.get("CLEARPRESS_CRASH_KILLS", "10"))  # per import mode, and for builds
DEMO = ROOT / "captures" / "demo"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
IGNORED = [".#*", "*.tmp", ".*"]  # pelicanconf.IGNORE_FILES


def _import_command(content: Path, jobs: int) -> list[str]:
    return [
        sys.executable, "-m", "scripts", "import", str(DEMO), "--content-dir", str(content),
        "--jobs", str(jobs), "--quiet", "--sources", os.devnull,
    ]  # fmt: skip


def _build_command(content: Path, output: Path) -> list[str]:
    return [
        sys.executable, "-m", "pelican", str(content), "-s", str(ROOT / "pelicanconf.py"),
        "-o", str(output), "--fatal", "errors", "-q",
    ]  # fmt: skip


def _run(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return time.perf_counter() - started


def _run_and_kill(command: list[str], delay: float) -> bool:
    """Start ``command`` in its own process group and SIGKILL the group after ``delay`` seconds.

    Returns True when the kill landed (the run had not finished yet)."""
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _visible(tree: dict[str, bytes]) -> dict[str, bytes]:
    """What Pelican and the importer read: no part of the path matches IGNORE_FILES."""
    return {
        name: data
        for name, data in tree.items()
        if not any(fnmatch.fnmatch(part, pat) for part in Path(name).parts for pat in IGNORED)
    }


def _assert_whole(tree: dict[str, bytes], reference: dict[str, bytes], when: str) -> None:
    visible = _visible(tree)
    for name, data in visible.items():
        assert name in reference, f"{when}: unexpected file {name}"
        assert data == reference[name], f"{when}: {name} differs from the uninterrupted run"
        if name.endswith(".md"):
            header, sep, body = data.decode("utf-8").partition("\n\n")
            assert sep and header.startswith("Title: ") and body.strip(), f"{when}: {name}"
    for name in set(tree) - set(visible):
        assert Path(name).name.startswith("."), f"{when}: leftover {name} is not hidden"


@pytest.fixture(scope="module")
def reference_content(tmp_path_factory) -> tuple[dict[str, bytes], float]:
    content = tmp_path_factory.mktemp("reference") / "content"
    seconds = _run(_import_command(content, 1))
    tree = _tree(content)
    assert len([n for n in tree if n.endswith(".md")]) == len(list(DEMO.glob("*.[ht][tx]*")))
    return tree, seconds


@pytest.mark.parametrize("jobs", [1, 2])
def test_killed_imports_lose_nothing_and_resume_to_the_same_archive(
    tmp_path, reference_content, jobs
):
    reference, seconds = reference_content
    if jobs > 1:  # kill within the time an import with this many workers takes
        seconds = min(seconds, _run(_import_command(tmp_path / "timed", jobs)))
    rng = random.Random(SEED + jobs)
    landed = 0
    leftovers = 0
    cycle = 0
    kills_done = 0
    while kills_done < KILLS:
        cycle += 1
        content = tmp_path / f"content-{cycle}"
        # A few kills in a row on the same archive, each run resuming the previous one's work.
        for _ in range(min(3, KILLS - kills_done)):
            delay = rng.uniform(0.2, seconds * 0.9)
            landed += _run_and_kill(_import_command(content, jobs), delay)
            kills_done += 1
            tree = _tree(content) if content.exists() else {}
            _assert_whole(tree, reference, f"jobs={jobs} kill after {delay:.2f}s")
            leftovers += len(tree) - len(_visible(tree))
        _run(_import_command(content, jobs))
        final = _tree(content)
        assert _visible(final) == reference, f"jobs={jobs}, cycle {cycle}: differs after resuming"
    print(f"import --jobs {jobs}: {landed}/{KILLS} kills landed, {leftovers} hidden leftovers")
    # A resumed run has less left to do, so later kills in a cycle may come after it ended; the
    # properties hold either way, but enough kills must land or the test proves little.
    assert landed >= max(1, KILLS // 4), f"only {landed} of {KILLS} kills landed in time"


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory, reference_content) -> tuple[Path, dict[str, bytes], float]:
    root = tmp_path_factory.mktemp("build")
    content = root / "content"
    for name, data in reference_content[0].items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_bytes(data)
    seconds = _run(_build_command(content, root / "clean"))
    return content, _tree(root / "clean"), seconds


def test_killed_builds_leave_content_alone_and_rebuild_identically(tmp_path, reference_build):
    content, clean, seconds = reference_build
    before = _tree(content)
    rng = random.Random(SEED)
    output = tmp_path / "output"
    landed = 0
    # The builds killed below start from the previous build's caches and pages: they take about
    # as long as a warm rebuild (the fastest of two), much less than the clean build.  Kill
    # within that time, after the interpreter has started (~0.25 s).
    _run(_build_command(content, output))
    warm = min(_run(_build_command(content, output)) for _ in range(2))
    for attempt in range(KILLS):
        delay = rng.uniform(0.25, max(0.3, min(seconds, warm) * 0.9))
        landed += _run_and_kill(_build_command(content, output), delay)
        assert _tree(content) == before, "a build wrote into content/"
        _run(_build_command(content, output))
        rebuilt = _tree(output)
        assert sorted(rebuilt) == sorted(clean), f"attempt {attempt}: other files"
        different = [
            f"{name} ({len(rebuilt[name])} bytes, clean {len(clean[name])})"
            for name in clean
            if rebuilt[name] != clean[name]
        ]
        assert different == [], f"attempt {attempt} (killed after {delay:.2f}s): {different[:5]}"
    print(f"build: {landed}/{KILLS} kills landed")
    assert landed >= KILLS // 2


def test_next_import_removes_temporaries_a_kill_left(tmp_path, reference_content):
    """A kill between mkstemp and os.replace leaves ``.<name>.<random>.tmp``; the next import
    removes it under its lock (and leaves no lock file), so content/ is byte-identical again."""
    reference, _ = reference_content
    content = tmp_path / "content"
    _run(_import_command(content, 1))
    article = next(p for p in sorted(content.rglob("*.md")))
    stale = article.parent / f".{article.name}.k3x9q2_a.tmp"
    stale.write_bytes(article.read_bytes()[:100])  # what a kill mid-write leaves behind
    _run(_import_command(content, 1))
    assert _tree(content) == reference
