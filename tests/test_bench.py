"""Benchmark suite: the generator is deterministic and realistic enough to be worth measuring.

Timings are never asserted (the machine is shared and noisy); these tests check what the
figures rest on: the same seed gives the same bytes, nonsense arguments are refused clearly,
generated articles build with ClearPress's Pelican settings, and generated captures import.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from scripts.bench import generate
from scripts.bench.__main__ import main
from scripts.bench.measure import BenchError, html_extractor_available
from scripts.convert import body_to_markdown
from scripts.importer import ImportOptions, import_paths

ROOT = Path(__file__).resolve().parent.parent


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("kind", ["articles", "captures"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, kind: str) -> None:
    for name in ("a", "b"):
        assert main(["generate", "--kind", kind, "-n", "12", "--out", str(tmp_path / name), "--seed", "7"]) == 0  # fmt: skip
    main(["generate", "--kind", kind, "-n", "12", "--out", str(tmp_path / "c"), "--seed", "8"])
    first = _tree(tmp_path / "a")
    assert len(first) == 12
    assert first == _tree(tmp_path / "b")
    assert first != _tree(tmp_path / "c")


def test_items_do_not_depend_on_how_many_are_generated(tmp_path: Path) -> None:
    """The 1,000-article archive is the start of the 10,000 one; additions are new articles."""
    small = generate.write_articles(tmp_path / "small", 5, 3)
    generate.write_articles(tmp_path / "large", 10, 3)
    for path in small:
        assert path.read_bytes() == (tmp_path / "large" / path.relative_to(tmp_path / "small")).read_bytes()  # fmt: skip
    added = generate.write_articles(tmp_path / "small", 2, 3, start=5)
    assert not set(added) & set(small)
    large = _tree(tmp_path / "large")

    def uncaptured(data: bytes) -> bytes:
        return re.sub(rb"(?m)^Captured: .*$", b"", data)

    # The same stories; an addition is only captured later (when it was added).
    assert all(
        uncaptured(large[name]) == uncaptured(data)
        for name, data in _tree(tmp_path / "small").items()
    )


def test_additions_are_captured_after_the_archive_in_the_order_added() -> None:
    archive = list(generate.stories(300, 4))
    news = list(generate.stories(5, 4, start=300, news=True))
    later = list(generate.stories(5, 4, start=305))
    captured = [s.captured for s in news + later]
    assert min(captured) > max(s.captured for s in archive)
    assert captured == sorted(captured) and len(set(captured)) == len(captured)


def test_news_is_dated_after_the_archive_and_otherwise_the_same_story() -> None:
    archive = list(generate.stories(300, 4))
    news = list(generate.stories(5, 4, start=300, news=True))
    backfill = list(generate.stories(5, 4, start=300))
    assert min(s.date for s in news) > max(s.date for s in archive)
    assert max(s.date for s in news) - min(s.date for s in news) < timedelta(days=1)
    for fresh, old in zip(news, backfill, strict=True):
        assert (fresh.title, fresh.slug, fresh.topic, fresh.tags) == (
            old.title, old.slug, old.topic, old.tags,
        )  # fmt: skip
        assert fresh.date.time() == old.date.time() and fresh.date != old.date


def test_generated_markdown_is_what_the_converter_writes() -> None:
    """The fast direct Markdown must match scripts.convert, or the benchmark measures a fiction."""
    for story in generate.stories(40, 11):
        assert generate.body_markdown(story) == body_to_markdown(generate.body_html(story))


def test_articles_have_the_documented_header(tmp_path: Path) -> None:
    stories = list(generate.stories(30, 5))
    text = generate.article_text(stories[0])
    header = dict(line.split(": ", 1) for line in text.split("\n\n", 1)[0].splitlines())
    for key in ("Title", "Date", "Category", "Tags", "Slug", "Summary", "Lang", "Source",
                "Source_URL", "Via_URL", "Captured"):  # fmt: skip
        assert key in header, key
    assert header["Date"].endswith("+07:00")
    assert {s.topic for s in generate.stories(400, 5)} == set(generate.W.TOPICS)
    assert len({s.slug for s in stories}) == len(stories)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-n", "0"], "must be between 1 and 200000 (got 0)"),
        (["-n", "-5"], "must be between 1 and 200000 (got -5)"),
        (["-n", "200001"], "must be between 1 and 200000 (got 200001)"),
        (["-n", "ten"], "not a whole number: 'ten'"),
        (["-n", "3", "--styles", "pdf"], "styles are text, html"),
    ],
)
def test_nonsense_arguments_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--kind", "captures", "--out", str(tmp_path / "out"), *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bench: error:") and message in err
    assert not (tmp_path / "out").exists()


def test_non_empty_out_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.md").write_text("mine", encoding="utf-8")
    argv = ["generate", "--kind", "articles", "-n", "2", "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "exists and is not empty (use --force" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert (tmp_path / "keep.md").read_text(encoding="utf-8") == "mine"  # --force deletes nothing


def test_command_line_exit_status(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "generate", "--kind", "articles", "-n", "0",
         "--out", str(tmp_path / "o")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "bench: error: argument -n: must be between 1 and 200000 (got 0)"
    )
    run = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "run", "--sizes", "0"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and "got 0" in run.stderr


def test_generated_articles_build_with_clearpress_settings(tmp_path: Path) -> None:
    """ClearPress's theme and plugins, search included, accept generated articles."""
    from pelican.settings import read_settings

    plugins = read_settings(str(ROOT / "pelicanconf.py")).get("PLUGINS") or []
    content = tmp_path / "content"
    generate.write_articles(content, 20, 1)
    result = subprocess.run(
        [sys.executable, "-m", "pelican", str(content), "-s", str(ROOT / "pelicanconf.py"),
         "-o", str(tmp_path / "output"), "--fatal", "errors", "-e", f"PLUGINS={json.dumps(plugins)}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Processed 20 articles" in result.stdout
    for story in generate.stories(20, 1):
        page = generate.article_relpath(story).with_suffix(".html")
        assert (tmp_path / "output" / page).is_file(), page
    meta = json.loads((tmp_path / "output" / "search" / "data" / "meta.json").read_text())
    assert meta["docs"] == 20


def test_generated_captures_import(tmp_path: Path) -> None:
    styles = generate.STYLES if html_extractor_available() else ("text",)
    paths = generate.write_captures(tmp_path / "captures", 40, 2, styles=styles)
    outcomes = import_paths(paths, ImportOptions(content_dir=tmp_path / "content"))
    written = [o for o in outcomes if o.action == "wrote"]
    assert len(written) >= 0.95 * len(paths), [o for o in outcomes if o.action != "wrote"]


def test_a_failing_build_step_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scripts.bench import measure

    monkeypatch.setattr(measure, "_settings", list(measure._settings))  # --settings sets it
    settings = tmp_path / "broken.py"
    settings.write_text('PLUGINS = ["no_such_plugin"]\n', encoding="utf-8")
    status = main(["run", "--sizes", "3", "--import-n", "0", "--settings", str(settings),
                   "--work", str(tmp_path / "work")])  # fmt: skip
    assert status == 1
    err = capsys.readouterr().err
    assert "bench: failed: pelican exited 1" in err and "broken.py" in err


def test_repeated_builds_report_the_median_and_end_as_a_clean_build(tmp_path: Path) -> None:
    """With ``repeat``, each build runs that many times (a rebuild after taking its addition
    out and putting it back), the row is the median run, and the last rebuild still matches a
    clean build of the same content; the caches stay in the working folder."""
    from scripts.bench.measure import measure_builds

    work = tmp_path / "work"
    rows = measure_builds(
        work, 4, 1, settings=ROOT / "pelicanconf.py", incremental=(1,), backfill=0, verify=True,
        repeat=2,
    )  # fmt: skip
    assert [row["variant"] for row in rows] == ["clearpress full", "plain full", "clearpress +1"]
    for row in rows:
        samples = row["cpu_s_samples"]
        assert len(samples) == 2 and round(row["cpu_s"], 3) == min(samples)
    assert rows[-1]["articles"] == 5 and rows[-1]["differs_from_clean_build"] == 0
    assert (work / "logs" / "cp-4-plus1-without.log").is_file()
    assert (work / "cache-4-1").is_dir() and not (work / "cache-4-0").exists()


def test_repeat_is_refused_outside_one_to_nine(capsys: pytest.CaptureFixture[str]) -> None:
    for value in ("0", "10", "x"):
        with pytest.raises(SystemExit) as exit_info:
            main(["run", "--repeat", value])
        assert exit_info.value.code == 2
        assert "argument --repeat" in capsys.readouterr().err


def test_volumes_split_an_archive_by_year_and_report_against_the_pages_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts.bench.measure import BuildResult
    from scripts.bench.volumes import PAGES_LIMIT, Volume, format_volumes, split_by_year

    generate.write_articles(tmp_path / "content", 60, 9)
    counts = split_by_year(tmp_path / "content", tmp_path / "volumes")
    assert sum(counts.values()) == 60 and len(counts) > 3
    for year, count in counts.items():
        files = list((tmp_path / "volumes" / year).glob("*/*.md"))
        assert len(files) == count
        assert all(f"\nDate: {year}-" in f.read_text(encoding="utf-8") for f in files)
    big = BuildResult(
        wall_s=70.0, cpu_s=65.0, peak_mb=600, output_bytes=PAGES_LIMIT // 2, output_files=9
    )
    small = BuildResult(wall_s=5.0, cpu_s=4.0, peak_mb=90, output_bytes=10**6, output_files=3)
    table = format_volumes([Volume("2024", 40, big), Volume("2025", 3, small)])
    assert "2024" in table and "50%" in table and "takes 70 s (slowest, 2024)" in table
    # Nothing to split is an error that names the folder.
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchError, match="no <topic>/<yyyy>/"):
        split_by_year(tmp_path / "empty", tmp_path / "v2")
    with pytest.raises(SystemExit):
        main(["volumes", "-n", "0"])
    assert "must be between 1 and 200000" in capsys.readouterr().err
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["volumes", "-n", "5", "--work", str(tmp_path / "a-file")])
    assert exit_info.value.code == 2
    assert "is a file, not a folder" in capsys.readouterr().err
