"""Build the fixture reading site (tests/fixtures/site) with the project's real Pelican settings.

Kept out of conftest.py so test modules can import it explicitly, as tests/helpers.py is.  The
build is a real ``Pelican(settings).run()`` with pelicanconf.py, only PATH and OUTPUT_PATH moved
into the test's folder and a small page size so pagination is exercised; log records are kept so
tests can assert on what the build reported.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parent.parent
SITE_CONTENT = ROOT / "tests" / "fixtures" / "site" / "content"
ARTIFACTS = ROOT / "test-artifacts"
PAGE_SIZE = 4  # the fixture has 11 articles: three home pages


@dataclass
class SiteBuild:
    """One finished build: where it wrote, what was logged, how long it took."""

    output: Path
    records: list[logging.LogRecord] = field(default_factory=list)
    seconds: float = 0.0

    def text(self, name: str) -> str:
        """Return an output file as text."""
        return (self.output / name).read_text(encoding="utf-8")

    def messages(self, level: int = logging.WARNING) -> list[str]:
        """Return the logged messages at ``level`` or above."""
        return [r.getMessage() for r in self.records if r.levelno >= level]


class _Keep(logging.Handler):
    """Collect every record of one build."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def plugins() -> list[str]:
    """Return pelicanconf's plugins, without topic_feeds while it is not in the tree yet."""
    names = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    return [n for n in names if (ROOT / "plugins" / n).is_dir()]


def site_settings(content: Path, output: Path, conf: str = "pelicanconf.py", **override) -> dict:
    """Return pelicanconf.py (or publishconf.py) settings pointed at ``content`` and ``output``."""
    values = {
        "PATH": str(content),
        "OUTPUT_PATH": str(output),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
        "PLUGINS": plugins(),
        "DEFAULT_PAGINATION": PAGE_SIZE,
        **override,
    }
    return read_settings(str(ROOT / conf), override=values)


def build_site(
    output: Path, content: Path = SITE_CONTENT, conf: str = "pelicanconf.py", **override
) -> SiteBuild:
    """Run a real Pelican build of ``content`` into ``output`` and return what happened."""
    settings = site_settings(content, output, conf, **override)
    keep = _Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    started = time.perf_counter()
    try:
        Pelican(settings).run()
    finally:
        root.removeHandler(keep)
    return SiteBuild(output, keep.records, time.perf_counter() - started)
