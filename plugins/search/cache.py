"""The term cache: each article's terms from the previous builds, in one append-only pack.

The pack holds one marshalled entry per article, keyed by a digest of the article's searchable
text; a table of contents beside it (``<pack>.toc``: the pack's inode, how many of its bytes
count, and key → (offset, size) for the entries the last build used) says where each entry is.
A build reads the entries it needs, appends the ones it computed after the bytes that count,
and then replaces the table of contents (written to a temporary file and renamed).  A build
killed while appending leaves bytes past the table's end, which the next one writes over; one
killed before the table is replaced leaves the old table, which still describes the pack.
Entries no build uses any more stay in the pack until they are more than half of it: then the
live entries are copied into a new pack (a few large reads and writes for entries that lie back
to back), which replaces the old one before its table does.

(A rebuild that adds 20 articles to 10,000 used to copy all 65 MB of entries into a new pack.)

Only a speed-up: an entry or pack that cannot be read is computed again, and a cache that
cannot be written is reported once and then left alone.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import marshal
import os
import tempfile
import time

from scripts.store import replacing

logger = logging.getLogger(__name__)

MAGIC = "clearpress.search-terms/2"
TOC_SUFFIX = ".toc"
# The pack is compacted once it holds more than twice the bytes of the entries in use (and this
# much more): unused entries are those of changed or deleted articles.
COMPACT_SLACK = 1 << 20
STALE_SECONDS = 3600  # a temporary this old was left by a killed build

# What the index needs of one article: length in syllables, terms, one value per term, excerpt
# (text.document_terms and text.excerpt).  Stored with the terms joined by "\n".
Entry = tuple[int, list[str], bytes, str]


def _valid(raw: object) -> Entry | None:
    if not (isinstance(raw, tuple) and len(raw) == 4):
        return None
    length, joined, values, excerpt = raw
    if not (
        isinstance(length, int)
        and isinstance(joined, str)
        and isinstance(values, bytes)
        and isinstance(excerpt, str)
    ):
        return None
    terms = joined.split("\n") if joined else []
    return (length, terms, values, excerpt) if len(terms) == len(values) else None


def clear_leftovers(path: str) -> None:
    """Remove the temporaries of ``path`` that a killed build left (older than a build)."""
    folder, name = os.path.split(path)
    for leftover in glob.glob(os.path.join(glob.escape(folder), f".{name}.*.tmp")):
        with contextlib.suppress(OSError):
            if time.time() - os.path.getmtime(leftover) > STALE_SECONDS:
                os.remove(leftover)


def temporary_beside(path: str) -> tuple[int, str]:
    """Open a new temporary file next to ``path`` (removing old ones a killed build left)."""
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    clear_leftovers(path)
    return tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    clear_leftovers(path)
    with replacing(path) as out:
        out.write(data)


def read_if_there(path: str) -> bytes:
    """Return the bytes of ``path``, or b"" if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


class TermCache:
    """Read the entries of earlier builds' pack, append this build's, keep the table."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._pack = None  # the pack, open for reading, when its table was read
        self._contents: dict[str, tuple[int, int]] = {}
        self._end = 0  # the pack's bytes that the table describes
        self._used: dict[str, tuple[int, int]] = {}  # entries in use, where they are
        self._sink = None  # where new entries go: the pack (appended), or a new one
        self._temporary = ""  # the new pack's temporary name
        self._failed = False
        if path is not None:
            self._open(path)

    def _open(self, path: str) -> None:
        try:
            with open(path + TOC_SUFFIX, "rb") as handle:
                magic, inode, end, contents = marshal.loads(handle.read())
            if magic != MAGIC or not isinstance(contents, dict):
                raise ValueError("not a table of contents")
            pack = open(path, "rb")  # noqa: SIM115 (kept open for the whole build)
        except FileNotFoundError:
            return
        except (OSError, ValueError, EOFError, TypeError) as exc:
            logger.info("search: ignoring the term cache %s (%s)", path, exc)
            return
        stat = os.fstat(pack.fileno())
        if stat.st_ino != inode or stat.st_size < end:
            logger.info("search: ignoring the term cache %s (its table is for another pack)", path)
            pack.close()
            return
        self._pack, self._contents, self._end = pack, contents, end

    def get(self, key: str) -> Entry | None:
        """Return the entry stored under ``key`` by an earlier build, or None."""
        place = self._contents.get(key)
        entry = None
        if place is not None and self._pack is not None:
            try:
                self._pack.seek(place[0])
                entry = _valid(marshal.loads(self._pack.read(place[1])))
            except (OSError, ValueError, EOFError, TypeError):
                entry = None
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = place
        return entry

    def keep(self, key: str) -> None:
        """Keep the earlier build's entry for ``key`` for the next build, unread."""
        place = self._contents.get(key)
        if place is not None and self._pack is not None:
            self._used[key] = place

    def put(self, key: str, entry: Entry) -> None:
        """Store ``entry`` under ``key`` for the next build (written at once, not held)."""
        if self.path is None or self._failed:
            return
        length, terms, values, excerpt = entry
        data = marshal.dumps((length, "\n".join(terms), values, excerpt))
        try:
            if self._sink is None:
                self._sink = self._open_sink(self.path)
            place = (self._sink.tell(), len(data))
            self._sink.write(data)
        except OSError as exc:
            self._fail(exc)
            return
        self._used[key] = place

    def _open_sink(self, path: str):
        """The pack opened after the bytes that count (a valid pack), or a new pack."""
        if self._pack is not None:
            sink = open(path, "r+b")  # noqa: SIM115 (closed in close())
            sink.seek(self._end)
            return sink
        handle, self._temporary = temporary_beside(path)
        return os.fdopen(handle, "wb")

    def _fail(self, exc: OSError) -> None:
        logger.warning("search: cannot write the term cache %s (%s)", self.path, exc)
        self._failed = True
        if self._sink is not None:
            with contextlib.suppress(OSError):
                self._sink.close()
            self._sink = None
        if self._temporary:
            with contextlib.suppress(OSError):
                os.remove(self._temporary)

    def close(self) -> None:
        """Replace the table (after compacting the pack when most of it is unused), unless this
        build used exactly the entries the table lists."""
        if self.path is None:
            return
        try:
            if not self._failed and (self._sink or self._used.keys() != self._contents.keys()):
                self._finish(self.path)
        except OSError as exc:
            self._fail(exc)
        finally:
            if self._sink is not None:
                with contextlib.suppress(OSError):
                    self._sink.close()
            if self._pack is not None:
                self._pack.close()
                self._pack = None

    def _finish(self, path: str) -> None:
        if self._sink is not None and self._temporary:  # a new pack: nothing of an old one
            end, inode = self._sink.tell(), os.fstat(self._sink.fileno()).st_ino
            self._sink.close()
            self._sink = None
            os.replace(self._temporary, path)
            self._temporary = ""
            self._write_table(path, inode, end, self._used)
            return
        if self._sink is not None:
            end = self._sink.tell()
            self._sink.close()
            self._sink = None
        else:
            end = self._end
        live = sum(size for _, size in self._used.values())
        if end > 2 * live + COMPACT_SLACK:
            self._compact(path)
            return
        assert self._pack is not None
        self._write_table(path, os.fstat(self._pack.fileno()).st_ino, end, self._used)

    def _compact(self, path: str, chunk: int = 1 << 20) -> None:
        """Write a new pack of the entries in use, in pack order (entries that lie back to back
        are copied in one go), then its table."""
        assert self._pack is not None
        table: dict[str, tuple[int, int]] = {}
        runs: list[tuple[int, int, list[tuple[str, int]]]] = []
        for key, (offset, size) in sorted(self._used.items(), key=lambda item: item[1]):
            if runs and runs[-1][0] + runs[-1][1] == offset:
                start, length, keys = runs[-1]
                keys.append((key, size))
                runs[-1] = (start, length + size, keys)
            else:
                runs.append((offset, size, [(key, size)]))
        handle, temporary = temporary_beside(path)
        try:
            with os.fdopen(handle, "wb") as out:
                for start, length, keys in runs:
                    position = out.tell()
                    self._pack.seek(start)
                    left = length
                    while left:
                        data = self._pack.read(min(chunk, left))
                        if not data:
                            raise OSError("the old term cache ended early")
                        out.write(data)
                        left -= len(data)
                    for key, size in keys:
                        table[key] = (position, size)
                        position += size
                end, inode = out.tell(), os.fstat(out.fileno()).st_ino
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(temporary)
            raise
        self._write_table(path, inode, end, table)

    def _write_table(self, path: str, inode: int, end: int, table: dict) -> None:
        write_atomically(path + TOC_SUFFIX, marshal.dumps((MAGIC, inode, end, table)))
