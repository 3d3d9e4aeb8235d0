"""Archives past one Pages site: build an archive as yearly volumes, one site per year.

GitHub Pages publishes at most 1 GB per site, and ClearPress writes ~14.6 KB per article, so a
single site holds about 70,000 articles.  Beyond that the archive is split into *volumes*: the
articles of one year (the ``<topic>/<yyyy>/`` folders of ``content/``) built as a complete site
of their own — listings, feeds and search for that year — each deployed as its own Pages site
and linked from the current one.  Volumes are independent, so a job matrix builds them side by
side, and a year that is closed never needs building again.

This module measures that plan on a generated archive: it links each year's files into a
content folder of its own, builds each with the ClearPress settings in a child Pelican, and
reports, per volume, CPU and wall seconds, peak memory and output size against the 1 GB limit.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scripts.bench import generate
from scripts.bench.measure import BenchError, BuildResult, clearpress_settings, log, run_pelican

PAGES_LIMIT = 1024**3  # bytes GitHub Pages publishes per site


@dataclass(slots=True)
class Volume:
    """One year built as a site of its own."""

    year: str
    articles: int
    build: BuildResult

    def row(self) -> dict[str, Any]:
        return {"year": self.year, "articles": self.articles, **asdict(self.build)}


def split_by_year(content: Path, volumes: Path) -> dict[str, int]:
    """Hard-link ``content/<topic>/<yyyy>/*.md`` into ``volumes/<yyyy>/<topic>/``; count per year."""
    counts: dict[str, int] = defaultdict(int)
    for path in sorted(content.glob("*/*/*.md")):
        topic, year = path.parent.parent.name, path.parent.name
        if not (year.isdigit() and len(year) == 4):
            raise BenchError(f"{path}: not under <topic>/<yyyy>/, cannot tell its year")
        target = volumes / year / topic / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)  # another file system: copy instead
        counts[year] += 1
    if not counts:
        raise BenchError(f"{content}: no <topic>/<yyyy>/*.md articles to split")
    return dict(counts)


def build_volumes(work: Path, n: int, seed: int, settings: Path | None = None) -> list[Volume]:
    """Generate ``n`` articles under ``work``, then build every year as its own site."""
    content = work / "content"
    if not content.is_dir():
        log(f"generating {n} Markdown articles")
        generate.write_articles(content, n, seed)
    folders = work / "volumes"
    shutil.rmtree(folders, ignore_errors=True)
    counts = split_by_year(content, folders)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    built = []
    for year, count in sorted(counts.items()):
        log(f"volume {year}: building {count} articles")
        output = work / "volumes-out" / year
        shutil.rmtree(output, ignore_errors=True)
        result = run_pelican(
            folders / year, output, settings or clearpress_settings(), logs / f"volume-{year}.log"
        )
        built.append(Volume(year, count, result))
    return built


def format_volumes(volumes: list[Volume]) -> str:
    """The table, and what a job matrix would take (the slowest volume) against the limits."""
    lines = [
        f"{'volume':<8}{'articles':>9}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}"
        f"{'MB out':>9}{'files':>8}{'of 1 GB':>9}"
    ]
    for v in volumes:
        b = v.build
        lines.append(
            f"{v.year:<8}{v.articles:>9}{b.wall_s:>9.1f}{b.cpu_s:>9.1f}{b.peak_mb:>9.0f}"
            f"{b.output_bytes / 1e6:>9.1f}{b.output_files:>8}{b.output_bytes / PAGES_LIMIT:>9.0%}"
        )
    total = sum(v.articles for v in volumes)
    slowest = max(volumes, key=lambda v: v.build.wall_s)
    largest = max(volumes, key=lambda v: v.build.output_bytes)
    lines.append(
        f"{total} articles in {len(volumes)} volumes: a matrix job per volume takes "
        f"{slowest.build.wall_s:.0f} s (slowest, {slowest.year}); "
        f"{sum(v.build.cpu_s for v in volumes):.0f} CPU s in all; "
        f"largest volume {largest.build.output_bytes / 1e6:.0f} MB "
        f"({largest.build.output_bytes / PAGES_LIMIT:.0%} of a Pages site); "
        f"peak memory {max(v.build.peak_mb for v in volumes):.0f} MB"
    )
    return "\n".join(lines)
