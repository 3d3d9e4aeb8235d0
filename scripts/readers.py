"""Read capture files from disk into :class:`~scripts.models.Capture` values.

This is the only place the importer touches capture files; extraction itself is pure.  Formats
are told apart by name: ``.txt`` text captures, ``.html``/``.htm`` saved pages, and
``.warc``/``.warc.gz`` web archives (one capture per HTML response record).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from scripts.models import Capture, CaptureError

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_CAPTURE_BYTES = 20 * 1024 * 1024


def capture_kind(path: Path) -> str | None:
    """Return ``"text"``, ``"html"`` or ``"warc"`` for a capture file name, else ``None``."""
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield capture files: files as given, folders searched recursively in sorted order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and capture_kind(child):
                    yield child
        else:
            yield path


def read_file(path: Path) -> Iterator[Capture]:
    """Yield the captures stored in one file; raise CaptureError naming the file if unreadable."""
    kind = capture_kind(path)
    if kind is None:
        raise CaptureError(f"{path}: unknown capture type (expected .txt, .html or .warc[.gz])")
    if kind == "warc":
        from scripts.warc import read_warc

        yield from read_warc(path)
        return
    try:
        size = path.stat().st_size
        if size > MAX_CAPTURE_BYTES:
            raise CaptureError(f"{path}: {size} bytes is over the {MAX_CAPTURE_BYTES}-byte limit")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CaptureError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise CaptureError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read ({exc.strerror})") from exc
    if not data.strip():
        raise CaptureError(f"{path}: empty capture")
    yield Capture(data=data, kind=kind, origin=str(path))
