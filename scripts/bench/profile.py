"""Profile one ClearPress build and say where its time goes, by phase and by function.

pyinstrument samples the stack (1 ms by default), so it slows the build far less than cProfile
and its percentages are close to an unprofiled build's.  The build runs in a child process, as
``clearpress build`` runs it; the saved session is then read back here and every sample's self
time is charged to the *innermost* phase marker on its stack — so Markdown rendered lazily from
inside a Jinja template counts as Markdown, not as Jinja.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts.bench import generate
from scripts.bench.measure import ROOT, BenchError, clearpress_settings, log, output_size

# (function name or "*", path fragment, phase); the first match on a frame decides its phase.
PHASE_MARKERS: tuple[tuple[str, str, str], ...] = (
    ("*", "plugins/topic_feeds", "topic_feeds plugin"),
    ("*", "plugins/fast_build", "fast_build plugin (page digests, caches)"),
    ("*", "plugins/search", "search plugin"),
    ("*", "pagefind", "search plugin"),
    ("convert", "markdown/core.py", "Markdown → HTML (python-markdown)"),
    ("__init__", "markdown/core.py", "Markdown instance set-up (one per file)"),
    ("*", "feedgenerator", "Pelican's feeds"),
    ("write_feed", "pelican/writers.py", "Pelican's feeds"),
    ("_update_content", "pelican/contents.py", "intrasite link rewriting"),
    ("truncate_html_words", "pelican/utils.py", "summaries (truncating HTML)"),
    ("truncate_html_paragraphs", "pelican/utils.py", "summaries (truncating HTML)"),
    ("render", "jinja2/environment.py", "Jinja templates"),
    ("rmtree", "shutil.py", "deleting the old output"),
    ("clean_output_dir", "pelican/utils.py", "deleting the old output"),
    ("write_file", "pelican/writers.py", "writing pages (paths, I/O)"),
    ("_write_file", "pelican/writers.py", "writing pages (paths, I/O)"),
    ("*", "pelican/readers.py", "reading files and metadata"),
    ("*", "pelican/generators.py", "generators (grouping, sorting, pagination)"),
    ("*", "<frozen importlib", "imports and start-up"),
)


def _phase(function: str, path: str) -> str | None:
    for name, fragment, phase in PHASE_MARKERS:
        if fragment in path and name in ("*", function):
            return phase
    return None


def _walk(frame: Any, phase: str) -> Iterator[tuple[Any, str]]:
    """Yield every frame with the innermost phase marked on its stack."""
    here = _phase(frame.function or "", frame.file_path or "") or phase
    yield frame, here
    for child in frame.children:
        yield from _walk(child, here)


def summarise(session_file: Path, top: int = 15) -> tuple[list[tuple[str, float]], list[tuple[str, float]], float]:  # fmt: skip
    """Return (phases, top functions by self time, total seconds) from a pyinstrument session."""
    from pyinstrument.session import Session

    root = Session.load(session_file).root_frame()
    if root is None:
        raise BenchError(f"{session_file}: the profile recorded no samples")
    phases: dict[str, float] = defaultdict(float)
    functions: dict[str, float] = defaultdict(float)
    for frame, phase in _walk(root, "other (Pelican core, Python)"):
        # A real frame's total_self_time already includes its synthetic "[self]" children.
        own = 0.0 if frame.is_synthetic else frame.total_self_time
        if own <= 0:
            continue
        phases[phase] += own
        where = frame.file_path_short or frame.file_path or "?"
        functions[f"{frame.function} ({where}:{frame.line_no})"] += own
    total = root.time
    ranked = sorted(phases.items(), key=lambda kv: -kv[1])
    return ranked, sorted(functions.items(), key=lambda kv: -kv[1])[:top], total


def profile_build(out: Path, n: int, seed: int) -> str:
    """Generate ``n`` articles, build them under pyinstrument, return a Markdown summary."""
    import importlib.util

    if importlib.util.find_spec("pyinstrument") is None:
        raise BenchError(
            "pyinstrument is not installed (an optional bench dependency): pip install pyinstrument"
        )
    out.mkdir(parents=True, exist_ok=True)
    content = out / "content"
    log(f"generating {n} Markdown articles in {content}")
    generate.write_articles(content, n, seed)
    session = out / "build.pyisession"
    command = [
        sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(session),
        "-m", "pelican", str(content), "-s", str(clearpress_settings()),
        "-o", str(out / "output"), "--fatal", "errors",
    ]  # fmt: skip
    log("building under pyinstrument")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-3:]
        raise BenchError(f"profiled build exited {result.returncode}: " + " | ".join(tail))
    text_report = out / "build.txt"
    subprocess.run(
        [sys.executable, "-m", "pyinstrument", "--load", str(session), "-r", "text",
         "-o", str(text_report)],
        cwd=ROOT, check=False, capture_output=True,
    )  # fmt: skip
    phases, functions, total = summarise(session)
    size, files = output_size(out / "output")
    lines = [
        f"Profile of one ClearPress build of {n} generated articles "
        f"({total:.1f} s sampled, {files} files, {size / n / 1024:.0f} KB per article):",
        "",
        "| phase | share | seconds |",
        "|---|---:|---:|",
        *(f"| {name} | {sec / total:.0%} | {sec:.1f} |" for name, sec in phases),
        "",
        "| function (self time) | share |",
        "|---|---:|",
        *(f"| `{name}` | {sec / total:.1%} |" for name, sec in functions),
        "",
        f"Full call tree: `{text_report}` (session: `{session}`).",
    ]
    return "\n".join(lines)
