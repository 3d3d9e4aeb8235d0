"""Preparing captures in worker processes changes nothing: same outcomes, same bytes."""

from __future__ import annotations

from pathlib import Path

from scripts.importer import (
    ImportOptions,
    Outcome,
    Prepared,
    commit,
    import_paths,
    prepare,
)
from scripts.models import Capture
from scripts.store import ContentIndex
from tests.helpers import ROOT

DEMO = ROOT / "captures" / "demo"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _outcomes(outcomes: list[Outcome], root: Path) -> list[tuple[str, str, str, str]]:
    return [
        (o.action, o.origin, str(o.path.relative_to(root)) if o.path else "", o.reason)
        for o in outcomes
    ]


def test_jobs_1_and_2_give_byte_identical_content_on_the_demo_captures(tmp_path):
    runs = {}
    for jobs in (1, 2):
        content = tmp_path / f"content-{jobs}"
        outcomes = import_paths([DEMO], ImportOptions(content_dir=content, jobs=jobs))
        runs[jobs] = (_outcomes(outcomes, content), _tree(content))
    assert runs[1][0] == runs[2][0]
    assert runs[1][1] == runs[2][1]
    # The demo WARC's images are localised by the workers too.
    images = [name for name in runs[2][1] if name.startswith("images/")]
    assert images, "no image was kept from captures/demo/cdn-images-2024.warc.gz"
    assert any(b"{static}/images/" in data for data in runs[2][1].values())


def test_reimporting_with_jobs_2_changes_nothing(tmp_path):
    content = tmp_path / "content"
    import_paths([DEMO], ImportOptions(content_dir=content, jobs=1))
    before = {p: p.stat().st_mtime_ns for p in content.rglob("*")}
    again = import_paths([DEMO], ImportOptions(content_dir=content, jobs=2))
    assert {o.action for o in again} == {"unchanged"}
    assert {p: p.stat().st_mtime_ns for p in content.rglob("*")} == before


def test_prepare_needs_no_archive_and_commit_places_it(tmp_path):
    page = DEMO / "webkhoedep.vn-2021-ha-noi-tiem-mui-hai-vac-xin.html"
    capture = Capture(page.read_bytes(), "html", origin=str(page))
    options = ImportOptions(content_dir=tmp_path)
    prepared = prepare(capture, options)
    assert isinstance(prepared, Prepared)
    assert not list(tmp_path.rglob("*.md"))  # nothing written before commit
    index = ContentIndex.scan(tmp_path)
    first = commit(prepared, index)
    assert first.action == "wrote" and first.path == prepared.base
    assert commit(prepared, index).action == "unchanged"
    rejected = prepare(Capture(b"", "html", origin="x.warc#7", rejected="too big"), options)
    assert rejected == Outcome("quarantined", "x.warc#7", reason="too big")
