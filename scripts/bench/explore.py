"""Experiments behind PERFORMANCE.md: which change would make a large build fast enough.

Three kinds of measurement, each against a baseline taken in the same run:

* **setting variants** — the same content built with ClearPress's settings plus ``-e`` overrides
  (content cache, no tag/author pages, no plugin …), in a child Pelican like every other build;
* **phase timing** — one build run in a child process with Pelican's generator methods, its
  writer and Jinja's ``Template.render`` wrapped in timers, giving seconds per phase and per
  template (how much of a build is article pages versus listing pages).  The timer replaces
  ``Writer.write_file`` before fast_build loads, so fast_build's source check leaves its page
  memo off in these builds: they time a full render;
* **Markdown paths** — the article bodies converted the way Pelican does (a new
  ``markdown.Markdown`` per file), with one reused instance, with markdown-it-py and in a process
  pool, with how many outputs stay identical.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from scripts.bench import generate
from scripts.bench.measure import (
    ROOT,
    BenchError,
    clearpress_settings,
    log,
    plain_settings,
    run_pelican,
    use_settings,
)

# Pelican's defaults for reading Markdown (what ClearPress's pelicanconf.py leaves in force).
MARKDOWN_EXTENSIONS = ["markdown.extensions.codehilite", "markdown.extensions.extra",
                       "markdown.extensions.meta"]  # fmt: skip
MARKDOWN_CONFIGS = {"markdown.extensions.codehilite": {"css_class": "highlight"}}

NO_LISTINGS = {"TAG_SAVE_AS": "", "AUTHOR_SAVE_AS": "", "TAGS_SAVE_AS": "", "AUTHORS_SAVE_AS": ""}
NO_PERIODS = {"YEAR_ARCHIVE_SAVE_AS": "", "MONTH_ARCHIVE_SAVE_AS": ""}
VARIANTS: dict[str, dict[str, Any]] = {
    "clearpress as configured": {},
    "without the search plugin": {"PLUGINS": "*-search"},
    "without any plugin": {"PLUGINS": []},
    "no tag/author/period pages": {**NO_LISTINGS, **NO_PERIODS},
}


def _bodies(content: Path, limit: int) -> list[str]:
    texts = []
    for path in sorted(content.rglob("*.md"))[:limit]:
        texts.append(path.read_text(encoding="utf-8").split("\n\n", 1)[1])
    return texts


def _convert_fresh(text: str) -> str:
    import markdown

    return markdown.Markdown(
        extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIGS, output_format="html5"
    ).convert(text)


def markdown_paths(content: Path, limit: int = 2000) -> list[dict[str, Any]]:
    """Time four ways of turning the archive's Markdown into HTML; count identical outputs."""
    import markdown
    from markdown_it import MarkdownIt

    bodies = _bodies(content, limit)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    reference = [_convert_fresh(text) for text in bodies]
    base = time.perf_counter() - started
    rows.append({"path": "new Markdown() per file (Pelican)", "s": base, "identical": len(bodies)})

    shared = markdown.Markdown(
        extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIGS, output_format="html5"
    )
    started = time.perf_counter()
    reused = []
    for text in bodies:
        reused.append(shared.reset().convert(text))
    rows.append({"path": "one Markdown(), reset() per file", "s": time.perf_counter() - started,
                 "identical": sum(a == b for a, b in zip(reused, reference, strict=True))})  # fmt: skip

    md_it = MarkdownIt("commonmark", {"html": True}).enable("table")
    started = time.perf_counter()
    fast = [md_it.render(text) for text in bodies]
    rows.append({"path": "markdown-it-py (CommonMark)", "s": time.perf_counter() - started,
                 "identical": sum(a.strip() == b.strip() for a, b in zip(fast, reference, strict=True))})  # fmt: skip

    workers = os.cpu_count() or 1
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pooled = pool.map(_convert_fresh, bodies, chunksize=32)
    rows.append({"path": f"new Markdown() per file, {workers} processes",
                 "s": time.perf_counter() - started,
                 "identical": sum(a == b for a, b in zip(pooled, reference, strict=True))})  # fmt: skip
    for row in rows:
        row["files"] = len(bodies)
        row["x_baseline"] = row["s"] / base
    return rows


def _configured_plugins() -> list[str]:
    from pelican.settings import read_settings

    return [str(p) for p in read_settings(str(clearpress_settings())).get("PLUGINS") or []]


def setting_variants(content: Path, work: Path, repeat: int = 1) -> list[dict[str, Any]]:
    """Full builds of ``content`` with each variant's overrides, and plain Pelican.

    With ``repeat`` > 1 the variants are built in rounds (A B C … A B C …) and the fastest of
    each is kept: on a shared machine the minimum is the figure least disturbed by others.
    """
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    articles = sum(1 for _ in content.rglob("*.md"))
    best: dict[str, dict[str, Any]] = {}
    plugins = _configured_plugins()
    for round_number in range(repeat):
        for name, extra in [("plain Pelican", None), *VARIANTS.items()]:
            if extra and isinstance(extra.get("PLUGINS"), str):  # "*-name": all but one plugin
                extra = {**extra, "PLUGINS": [p for p in plugins if p != extra["PLUGINS"][2:]]}
            out = work / "out"
            shutil.rmtree(out, ignore_errors=True)
            settings = plain_settings(work) if extra is None else clearpress_settings()
            log(f"variant: {name} (round {round_number + 1} of {repeat})")
            result = run_pelican(content, out, settings, logs / "variant.log", extra=extra or None)
            row = best.setdefault(name, {"variant": name, "articles": articles, "runs": 0,
                                         "wall_s": result.wall_s, "cpu_s": result.cpu_s})  # fmt: skip
            row["runs"] += 1
            row["wall_s"] = min(row["wall_s"], result.wall_s)
            row["cpu_s"] = min(row["cpu_s"], result.cpu_s)
            row.update(peak_mb=result.peak_mb, files=result.output_files,
                       kb_per_article=result.output_bytes / articles / 1024)  # fmt: skip
    return list(best.values())


def cache_incremental(content: Path, work: Path, seed: int) -> list[dict[str, Any]]:
    """Content cache on: cold build, rebuild with nothing changed, rebuild after +20 articles.

    Runs on a copy of ``content`` so the caller's archive is not changed; then the same with
    the old output kept (``DELETE_OUTPUT_DIRECTORY`` off), to see what deleting costs.
    """
    rows = []
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    articles = sum(1 for _ in content.rglob("*.md"))
    for keep_output in (False, True):
        copy = work / "content-cache"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(content, copy)
        cache = work / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        out = work / "out-cache"
        shutil.rmtree(out, ignore_errors=True)
        extra: dict[str, Any] = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True,
                                 "CACHE_PATH": str(cache)}  # fmt: skip
        if keep_output:
            extra["DELETE_OUTPUT_DIRECTORY"] = False
        label = "cache, output kept" if keep_output else "cache"
        steps = [("cold", 0), ("unchanged", 0), ("+20", 20)]
        hashes: dict[str, str] = {}
        for step, added in steps:
            if added:
                generate.write_articles(copy, added, seed, start=articles + 1000)
            log(f"{label}: {step}")
            result = run_pelican(copy, out, clearpress_settings(), logs / "cache.log", extra=extra)
            row: dict[str, Any] = {"variant": f"{label}: {step}", "wall_s": result.wall_s,
                                   "cpu_s": result.cpu_s, "peak_mb": result.peak_mb}  # fmt: skip
            after = tree_hashes(out)
            if step != "cold":
                # How much of the site really changed: the floor for any incremental build.
                row["churn"] = churn(hashes, after)
            hashes = after
            rows.append(row)
        # A cached build is only usable if it writes exactly what a clean build writes.
        clean = work / "out-clean"
        shutil.rmtree(clean, ignore_errors=True)
        log(f"{label}: clean build of the same content, to compare")
        run_pelican(copy, clean, clearpress_settings(), logs / "clean.log")
        reference = tree_hashes(clean)
        differing = sorted(p for p in reference.keys() | hashes.keys() if reference.get(p) != hashes.get(p))  # fmt: skip
        rows[-1]["differs_from_clean_build"] = len(differing)
        rows[-1]["differs_examples"] = differing[:10]
    shutil.rmtree(work / "content-cache", ignore_errors=True)
    return rows


def tree_hashes(root: Path) -> dict[str, str]:
    """Content hash of every output file, by path relative to ``root``."""
    import hashlib

    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _kind(relative: str) -> str:
    """Group output paths by what produced them (article, tag page, feed …)."""
    parts = relative.split("/")
    if parts[0] in ("tag", "author", "archives", "feeds", "source", "search", "pagefind"):
        return parts[0] if parts[0] != "feeds" else "/".join(parts[:2])
    if len(parts) == 3 and parts[1].isdigit():
        return "article pages"
    if len(parts) == 2 and parts[1].startswith("index"):
        return "category pages"
    return "root pages" if len(parts) == 1 else "other"


def churn(before: dict[str, str], after: dict[str, str]) -> dict[str, dict[str, int]]:
    """Count output files added, changed and unchanged between two builds, by kind."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: {"added": 0, "changed": 0, "same": 0, "removed": 0})  # fmt: skip
    for path, digest in after.items():
        state = "added" if path not in before else "same" if before[path] == digest else "changed"
        table[_kind(path)][state] += 1
    for path in before.keys() - after.keys():
        table[_kind(path)]["removed"] += 1
    return dict(table)


# --- phase timing (runs inside the child Pelican process) -------------------------------------


def _timed(table: dict[str, list[float]], key: Any, function: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = key(*args, **kwargs) if callable(key) else key
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            entry = table[name]
            entry[0] += time.perf_counter() - started
            entry[1] += 1

    return wrapper


def phase_build(content: Path, output: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """Build in this process with timers on generators, writer, readers and Jinja rendering."""
    import jinja2
    from pelican import Pelican
    from pelican.readers import Readers
    from pelican.settings import read_settings
    from pelican.writers import Writer

    phases: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    templates: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    renders: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    Readers.read_file = _timed(phases, "read_file (read + Markdown)", Readers.read_file)
    Writer.write_feed = _timed(phases, "Writer.write_feed", Writer.write_feed)
    Writer.write_file = _timed(
        templates, lambda self, name, template, *a, **k: template.name, Writer.write_file
    )
    jinja2.Template.render = _timed(  # type: ignore[method-assign]
        renders, lambda self, *a, **k: self.name or "?", jinja2.Template.render
    )
    settings = read_settings(
        str(clearpress_settings()),
        override={"PATH": str(content), "OUTPUT_PATH": str(output), **overrides},
    )
    pelican = Pelican(settings)
    original = pelican._get_generator_classes

    def wrapped_classes() -> list[type]:
        classes = original()
        for cls in classes:
            for method in ("generate_context", "generate_output"):
                if method in vars(cls):
                    setattr(cls, method, _timed(phases, f"{cls.__name__}.{method}", getattr(cls, method)))  # fmt: skip
        return classes

    pelican._get_generator_classes = wrapped_classes
    started = time.perf_counter()
    pelican.run()
    total = time.perf_counter() - started
    return {
        "total_s": total,
        "phases": {k: {"s": v[0], "calls": v[1]} for k, v in phases.items()},
        "write_file_by_template": {k: {"s": v[0], "pages": v[1]} for k, v in templates.items()},
        "render_by_template": {k: {"s": v[0], "calls": v[1]} for k, v in renders.items()},
    }


def phase_build_child(content: Path, output: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`phase_build` in a fresh interpreter and return its figures."""
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-m", "scripts.bench.explore", str(content), str(output),
               json.dumps(overrides), str(clearpress_settings())]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"phase build failed: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    use_settings(Path(sys.argv[4]))
    figures = phase_build(Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]))
    print(json.dumps(figures))
