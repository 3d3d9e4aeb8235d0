"""Measurements: import throughput, full and incremental builds, memory and output size.

Why the shape: the machine is shared and noisy, so no figure is judged alone.  Every ClearPress
build is paired with a *plain Pelican* build of the same content in the same run (default theme,
Pelican's own feeds, no plugins), and the ratio between the two is what a reader should compare
across runs.  Builds run in a child process — exactly what ``clearpress build`` runs — and
``os.wait4`` returns that child's own resource usage, so its peak memory is not mixed up with an
earlier, larger child's (``RUSAGE_CHILDREN`` keeps the maximum over every child ever waited for).
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scripts.bench import generate

ROOT = Path(__file__).resolve().parent.parent.parent
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".ico"})
PLAIN_SETTINGS = '''"""Plain Pelican for comparison: default theme, Pelican's own feeds, no plugins."""
SITENAME = "Plain Pelican"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANG = "vi"
PLUGINS = []
'''


_settings: list[Path] = [ROOT / "pelicanconf.py"]


def clearpress_settings() -> Path:
    """The ClearPress settings file builds use (``--settings`` or ``--committed`` change it)."""
    return _settings[0]


def use_settings(path: Path) -> None:
    """Build with ``path`` instead of the working tree's pelicanconf.py."""
    _settings[0] = path.resolve()


def committed_settings(work: Path, revision: str = "HEAD") -> Path:
    """Write pelicanconf.py as committed at ``revision`` to ``work``, its paths made absolute.

    Other developers edit pelicanconf.py while benchmarks run (a plugin named there before its
    code lands stops every build), so a run can pin the committed settings instead.  Theme and
    plugins still come from the working tree: only the settings file is pinned.
    """
    try:
        text = subprocess.run(
            ["git", "show", f"{revision}:pelicanconf.py"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BenchError(f"cannot read pelicanconf.py at {revision} from git: {exc}") from exc
    text += (
        "\n# Added by scripts.bench: paths relative to the repository, not to this copy.\n"
        f"THEME = {str(ROOT)!r} + '/' + THEME if not THEME.startswith('/') else THEME\n"
        f"PLUGIN_PATHS = [p if p.startswith('/') else {str(ROOT)!r} + '/' + p for p in PLUGIN_PATHS]\n"
        f"PATH = {str(ROOT)!r} + '/' + PATH if not PATH.startswith('/') else PATH\n"
    )
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"pelicanconf-{revision}.py"
    path.write_text(text, encoding="utf-8")
    return path


def settings_without(base: Path, plugins: list[str], work: Path) -> Path:
    """Write settings that are ``base`` minus the named plugins, and return their path.

    The search plugin is measured separately (``--without search``): it is being replaced while
    this runs, and its cost is its own question.  Paths stay relative to ``base``'s folder.
    """
    folder = base.resolve().parent
    text = f'''"""{base.name} without {", ".join(plugins)} (written by scripts.bench)."""
import os as _os
import runpy as _runpy

_BASE = {str(base.resolve())!r}
_FOLDER = {str(folder)!r}
globals().update(
    {{k: v for k, v in _runpy.run_path(_BASE).items() if k.isupper()}}
)
PLUGINS = [p for p in PLUGINS if str(p).rsplit(".", 1)[-1] not in {sorted(plugins)!r}]


def _abs(value):
    return value if _os.path.isabs(value) else _os.path.join(_FOLDER, value)


THEME = _abs(THEME) if _os.path.isdir(_abs(THEME)) else THEME
# Builds name their content folder on the command line; PATH only has to exist for Pelican.
PATH = _abs(PATH) if _os.path.isdir(_abs(PATH)) else _FOLDER
PLUGIN_PATHS = [_abs(p) for p in PLUGIN_PATHS]
if "CACHE_PATH" in globals():
    CACHE_PATH = _abs(CACHE_PATH)
'''
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{base.stem}-without-{'-'.join(sorted(plugins))}.py"
    path.write_text(text, encoding="utf-8")
    return path


class BenchError(Exception):
    """A benchmark step failed; the message says which step and why, in one line."""


@dataclass(slots=True)
class BuildResult:
    """One Pelican run: wall and CPU seconds, the child's peak memory, what it wrote."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    output_bytes: int
    output_files: int


@dataclass(slots=True)
class ImportResult:
    """One import of the generated captures."""

    mode: str
    pages: int
    written: int
    quarantined: int
    wall_s: float
    workers: int = 1

    @property
    def pages_per_s(self) -> float:
        """Pages per wall-clock second (all captures read, whatever their outcome)."""
        return self.pages / self.wall_s if self.wall_s else 0.0


@dataclass(slots=True)
class Report:
    """Everything one ``run`` measured, written as the ``--json`` file."""

    setup: dict[str, Any] = field(default_factory=dict)
    imports: list[dict[str, Any]] = field(default_factory=list)
    builds: list[dict[str, Any]] = field(default_factory=list)


def log(message: str) -> None:
    """Progress goes to stderr so stdout holds only the results table."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- what is being measured -------------------------------------------------------------------


def detect_setup(settings_path: Path | None = None) -> dict[str, Any]:
    """Report the ClearPress configuration in force: plugins found and the theme's templates.

    The theme and the search plugin are being written while this runs, so the report says what
    existed at measurement time; templates the theme lacks fall back to Pelican's ``simple``.
    """
    from pelican.settings import read_settings

    settings_path = settings_path or clearpress_settings()
    try:
        settings = read_settings(str(settings_path))
    except (ValueError, OSError, SyntaxError) as exc:
        raise BenchError(f"{settings_path}: Pelican cannot read these settings: {exc}") from exc
    wanted = [str(p) for p in settings.get("PLUGINS") or []]
    paths = [Path(p) for p in settings.get("PLUGIN_PATHS") or []]
    found = [name for name in wanted if any((p / name / "__init__.py").is_file() for p in paths)]
    theme = Path(settings["THEME"])
    templates = sorted(p.name for p in (theme / "templates").glob("*.html"))
    return {
        "settings": str(settings_path.relative_to(ROOT))
        if settings_path.is_relative_to(ROOT)
        else str(settings_path),
        "plugins_configured": wanted,
        "plugins_active": found,
        "theme": str(theme.relative_to(ROOT)) if theme.is_relative_to(ROOT) else str(theme),
        "theme_templates": templates,
        "theme_note": "templates missing from the theme fall back to Pelican's simple theme",
        "content_cache": bool(settings.get("LOAD_CONTENT_CACHE"))
        or ("fast_build" in found and bool(settings.get("FAST_BUILD_CACHE", True))),
        "html_extractor": html_extractor_available(),
        "cpus": os.cpu_count() or 1,
        "python": sys.version.split()[0],
    }


def html_extractor_available() -> bool:
    """Tell whether ``scripts.extract.html`` (being written) exists, so HTML captures import."""
    return importlib.util.find_spec("scripts.extract.html") is not None


# --- Pelican builds ---------------------------------------------------------------------------


def output_size(output: Path) -> tuple[int, int]:
    """Bytes and files under ``output``, images excluded (they scale with policy, not code)."""
    total = files = 0
    for path in output.rglob("*"):
        if path.is_file() and path.suffix.lower() not in IMAGE_SUFFIXES:
            total += path.stat().st_size
            files += 1
    return total, files


def run_pelican(
    content: Path,
    output: Path,
    settings: Path,
    log_file: Path,
    *,
    extra: dict[str, Any] | None = None,
) -> BuildResult:
    """Build ``content`` into ``output`` in a child Pelican and measure that child alone."""
    command = [
        sys.executable, "-m", "pelican", str(content), "-s", str(settings), "-o", str(output),
        "--fatal", "errors",
    ]  # fmt: skip
    if extra:
        command += ["-e", *(f"{k}={json.dumps(v)}" for k, v in extra.items())]
    with log_file.open("wb") as handle:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise BenchError(
            f"pelican exited {child.returncode} building {content} with {settings.name}: "
            + " | ".join(line.strip() for line in tail)
        )
    size, files = output_size(output)
    return BuildResult(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        output_bytes=size,
        output_files=files,
    )


def plain_settings(work: Path) -> Path:
    """Write the plain-Pelican settings file and return its path."""
    path = work / "plainconf.py"
    path.write_text(PLAIN_SETTINGS, encoding="utf-8")
    return path


# --- import throughput ------------------------------------------------------------------------


def _prepare(path_text: str) -> tuple[str, Any]:
    """Worker: read, extract and convert one capture; the main process decides paths and writes.

    Returns ``("ok", (header, body, topic, year))`` or ``("quarantined", reason)``.  Everything
    returned is plain data so it crosses the process boundary cheaply.
    """
    from dataclasses import replace

    from scripts.convert import article_header, body_to_markdown
    from scripts.extract import extract
    from scripts.importer import ImportOptions, choose_topic
    from scripts.models import ArchiveError
    from scripts.readers import read_file
    from scripts.slugs import slugify
    from scripts.urls import host_of

    try:
        capture = next(read_file(Path(path_text)))
        article = extract(capture)
        if not article.via_url and capture.url:
            article = replace(article, via_url=capture.url, via_site=host_of(capture.url))
        if article.date is None:
            return "quarantined", "no date (would be a draft)"
        topic = choose_topic(article, ImportOptions())
        header = article_header(article, slug=slugify(article.title), category=topic)
        return "ok", (
            header,
            body_to_markdown(article.body_html),
            topic,
            f"{article.date.year:04d}",
        )
    except (ArchiveError, RecursionError, StopIteration) as exc:
        return "quarantined", str(exc) or type(exc).__name__


def import_jobs(captures: Path, content: Path, workers: int) -> ImportResult | None:
    """Time the importer's own parallel mode (``ImportOptions.jobs``), if it has one."""
    from dataclasses import fields

    from scripts.importer import ImportOptions, import_paths

    if "jobs" not in {f.name for f in fields(ImportOptions)}:
        return None
    started = time.perf_counter()
    outcomes = import_paths([captures], ImportOptions(content_dir=content, jobs=workers))
    wall = time.perf_counter() - started
    written = sum(o.action in ("wrote", "updated", "merged") for o in outcomes)
    quarantined = sum(o.action == "quarantined" for o in outcomes)
    return ImportResult("import_paths jobs", len(outcomes), written, quarantined, wall, workers)


def import_parallel(paths: list[Path], content: Path, workers: int) -> ImportResult:
    """Extract and convert in a process pool, write in this process (paths stay deterministic).

    The importer has no parallel mode yet; this is the split it would need: a pure, picklable
    *prepare* step per capture and a *commit* step that owns the content index and the disk.
    """
    from scripts.convert import render_markdown
    from scripts.store import ContentIndex, article_path, candidate_paths, write_atomic

    index = ContentIndex.scan(content)
    written = quarantined = 0
    started = time.perf_counter()
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(workers) as pool:
        for status, value in pool.imap(_prepare, [str(p) for p in paths], chunksize=8):
            if status != "ok":
                quarantined += 1
                continue
            header, body, topic, year = value
            for path in candidate_paths(article_path(content, topic, year, header["Slug"])):
                if path not in index.by_path and not path.exists():
                    break
            header["Slug"] = path.stem
            write_atomic(path, render_markdown(header, body))
            index.add(path, header)
            written += 1
    wall = time.perf_counter() - started
    return ImportResult("bench pool", len(paths), written, quarantined, wall, workers)


def import_single(paths: list[Path], captures: Path, content: Path) -> ImportResult:
    """Time ``scripts.importer.import_paths`` over the captures folder, as ``clearpress import``."""
    from scripts.importer import ImportOptions, import_paths

    started = time.perf_counter()
    outcomes = import_paths([captures], ImportOptions(content_dir=content))
    wall = time.perf_counter() - started
    written = sum(o.action in ("wrote", "updated", "merged") for o in outcomes)
    quarantined = sum(o.action == "quarantined" for o in outcomes)
    return ImportResult("single", len(paths), written, quarantined, wall)


def measure_imports(work: Path, n: int, seed: int, styles: tuple[str, ...]) -> list[ImportResult]:
    """Generate ``n`` captures and import them single-process, then with every core."""
    captures = work / "captures"
    log(f"generating {n} captures ({', '.join(styles)})")
    paths = generate.write_captures(captures, n, seed, styles=styles)
    log("importing single-process")
    single = import_single(paths, captures, work / "content-single")
    workers = os.cpu_count() or 1
    log(f"importing with {workers} worker processes")
    results = [single]
    jobs = import_jobs(captures, work / "content-jobs", workers)
    if jobs is not None:
        results.append(jobs)
    results.append(import_parallel(paths, work / "content-parallel", workers))
    for result in results:
        if result.written < 0.95 * n:
            raise BenchError(
                f"{result.mode} import wrote only {result.written} of {n} generated captures "
                f"({result.quarantined} quarantined): the generator and the importer disagree"
            )
    return results


# --- builds -----------------------------------------------------------------------------------


def _row(size: int, variant: str, samples: list[BuildResult], articles: int) -> dict[str, Any]:
    """The row of the median sample by CPU seconds (its wall time, memory and output with it),
    and every sample's CPU seconds."""
    result = sorted(samples, key=lambda sample: sample.cpu_s)[(len(samples) - 1) // 2]
    row = {"size": size, "variant": variant, "articles": articles, **asdict(result)}
    row["bytes_per_article"] = result.output_bytes / articles if articles else 0.0
    row["cpu_s_samples"] = [round(sample.cpu_s, 3) for sample in samples]
    return row


def measure_builds(
    work: Path,
    size: int,
    seed: int,
    *,
    settings: Path | None = None,
    incremental: Iterable[int] = (1, 20),
    backfill: int = 20,
    verify: bool = False,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    """Full ClearPress build, plain Pelican build, then ClearPress rebuilds after additions.

    The additions in ``incremental`` are today's news, dated after the archive; then
    ``backfill`` old stories dated anywhere in it (0 skips that rebuild).  The first ClearPress
    build writes into a new output folder with a new cache folder, so whatever ClearPress
    caches starts cold: that is the full build.  The rebuilds reuse its output and caches, as
    a second ``clearpress build`` would.

    Each build is measured ``repeat`` times and the row is the median by CPU seconds: a full
    build again into new output and cache folders, a rebuild again after taking the addition
    out (a rebuild not measured) and putting the same files back.  With ``verify``
    the final content is also built clean into another folder and the last rebuild's output is
    compared with it file by file.
    """
    settings = settings or clearpress_settings()
    content = work / f"content-{size}"
    log(f"generating {size} Markdown articles")
    generate.write_articles(content, size, seed)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    rows = []

    # Each full build writes into folders of its own, output and ClearPress's caches: the file
    # system makes creating a name deleted moments before slower, which a full build measured
    # again into the folder it just emptied would pay 15,000 times.  The last ClearPress build's
    # folders are the ones the rebuilds reuse; ClearPress and plain Pelican take turns, so both
    # see the same spells of a busy machine.
    def folders(r: int) -> tuple[Path, dict[str, str]]:
        return work / f"out-cp-{size}-{r}", {"CACHE_PATH": str(work / f"cache-{size}-{r}")}

    def clearpress(name: str) -> BuildResult:
        return run_pelican(content, cp_out, settings, logs / f"{name}.log", extra=cache)

    full, plain = [], []
    for r in range(repeat):
        cp_out, cache = folders(r)
        log(f"N={size}: ClearPress full build{_round(r, repeat)}")
        full.append(clearpress(f"cp-{size}"))
        log(f"N={size}: plain Pelican full build{_round(r, repeat)}")
        plain_out = work / f"out-plain-{size}-{r}"
        plain.append(
            run_pelican(content, plain_out, plain_settings(work), logs / f"plain-{size}.log")
        )
        shutil.rmtree(plain_out, ignore_errors=True)
    for r in range(repeat - 1):
        for folder in (folders(r)[0], Path(folders(r)[1]["CACHE_PATH"])):
            shutil.rmtree(folder, ignore_errors=True)
    rows.append(_row(size, "clearpress full", full, size))
    rows.append(_row(size, "plain full", plain, size))
    articles = size

    def rebuilds(label: str, write, name: str) -> list[BuildResult]:
        paths = write()
        samples = []
        for r in range(repeat):
            if r:
                for path in paths:
                    path.unlink()
                clearpress(f"{name}-without")
                write()
            log(f"N={size}: ClearPress rebuild after {label}{_round(r, repeat)}")
            samples.append(clearpress(name))
        return samples

    for added in incremental:
        # Today's news (dated after the archive), as the scheduled import adds.
        start = articles
        samples = rebuilds(
            f"adding {added}",
            lambda start=start, added=added: generate.write_articles(
                content, added, seed, start=start, news=True
            ),
            f"cp-{size}-plus{added}",
        )
        articles += added
        rows.append(_row(size, f"clearpress +{added}", samples, articles))
    if backfill:
        # Old stories captured late: dated anywhere in the archive, so they land in the middle
        # of every listing and index they belong to (the costly case).
        start = articles
        samples = rebuilds(
            f"back-filling {backfill}",
            lambda: generate.write_articles(content, backfill, seed, start=start),
            f"cp-{size}-backfill",
        )
        articles += backfill
        rows.append(_row(size, f"clearpress +{backfill} old", samples, articles))
    if verify and rows:
        clean = work / f"out-clean-{size}"
        log(f"N={size}: clean build of the final content, to compare with the rebuild")
        run_pelican(
            content, clean, settings, logs / f"cp-{size}-clean.log",
            extra={"CACHE_PATH": str(work / f"cache-clean-{size}")},
        )  # fmt: skip
        rows[-1]["differs_from_clean_build"] = len(differing_files(cp_out, clean))
        shutil.rmtree(clean, ignore_errors=True)
    return rows


def _round(r: int, repeat: int) -> str:
    return f" ({r + 1} of {repeat})" if repeat > 1 else ""


def differing_files(first: Path, second: Path) -> list[str]:
    """Site-relative paths whose bytes differ between two output trees (or exist in one only)."""
    import filecmp

    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    one, two = files(first), files(second)
    differing = sorted(one ^ two)
    for name in sorted(one & two):
        if not filecmp.cmp(first / name, second / name, shallow=False):
            differing.append(name)
    return sorted(differing)


def peak_rss_self_mb() -> float:
    """This process's own peak memory (the in-process import measurements)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
