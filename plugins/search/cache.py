"""The term cache: each article's terms from the previous build, in one pack file.

The pack holds one marshalled entry per article, keyed by a digest of the article's searchable
text, in the order the build read them (so the next build reads it front to back), then the
table of contents (marshalled key → (offset, size)) and a 16-byte trailer (``MAGIC`` and the
table's offset).  A build reads the old pack and writes the new one beside it as it goes, with
exactly the entries it used; the new pack replaces the old one by a rename, so a killed build
leaves the old pack whole, and the rename is skipped when nothing changed.

Only a speed-up: an entry or pack that cannot be read is computed again, and a cache that
cannot be written is reported once and then left alone.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import marshal
import os
import struct
import tempfile
import time

from scripts.store import replacing

logger = logging.getLogger(__name__)

MAGIC = b"CPSRCH01"
TRAILER = struct.Struct("<8sQ")
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
    """Read the entries of the previous build's pack, write this build's pack."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._old = None
        self._contents: dict[str, tuple[int, int]] = {}
        self._new = None
        self._temporary = ""
        self._written: dict[str, tuple[int, int]] = {}
        # Kept entries that lie back to back in the old pack, copied in one go when the run
        # ends: (start in the old pack, length, [(key, offset in the run, size)]).
        self._run: tuple[int, int, list[tuple[str, int, int]]] | None = None
        self._changed = False
        if path is not None:
            self._open_old(path)
            self._open_new(path)

    def _open_old(self, path: str) -> None:
        try:
            handle = open(path, "rb")  # noqa: SIM115 (kept open for the whole build)
        except OSError:
            return
        try:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(size - TRAILER.size)
            magic, offset = TRAILER.unpack(handle.read(TRAILER.size))
            if magic != MAGIC or offset > size - TRAILER.size:
                raise ValueError("not a term cache")
            handle.seek(offset)
            contents = marshal.loads(handle.read(size - TRAILER.size - offset))
            if not isinstance(contents, dict):
                raise ValueError("no table of contents")
        except (OSError, ValueError, EOFError, TypeError, struct.error) as exc:
            logger.info("search: ignoring the term cache %s (%s)", path, exc)
            handle.close()
            return
        self._old, self._contents = handle, contents

    def _open_new(self, path: str) -> None:
        try:
            handle, self._temporary = temporary_beside(path)
            self._new = os.fdopen(handle, "wb")
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        logger.warning("search: cannot write the term cache %s (%s)", self.path, exc)
        if self._new is not None:
            with contextlib.suppress(OSError):
                self._new.close()
            with contextlib.suppress(OSError):
                os.remove(self._temporary)
        self._new = None

    def _append(self, key: str, data: bytes) -> None:
        self._copy_run()
        if self._new is None or key in self._written:
            return
        try:
            offset = self._new.tell()
            self._new.write(data)
        except OSError as exc:
            self._fail(exc)
            return
        self._written[key] = (offset, len(data))

    def get(self, key: str) -> Entry | None:
        """Return the entry stored under ``key`` by the previous build, or None."""
        place = self._contents.get(key)
        entry = None
        if place is not None and self._old is not None:
            try:
                self._old.seek(place[0])
                data = self._old.read(place[1])
                entry = _valid(marshal.loads(data))
            except (OSError, ValueError, EOFError, TypeError):
                entry = None
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._append(key, data)
        return entry

    def keep(self, key: str) -> None:
        """Carry the previous build's entry for ``key`` into this build's pack, unread.

        A rebuild keeps thousands of entries in the order the last build wrote them: entries
        that follow each other in the old pack are gathered into a run and copied with a few
        large reads and writes instead of a seek, a read and a write each.
        """
        place = self._contents.get(key)
        if place is None or self._old is None or self._new is None or key in self._written:
            return
        run = self._run
        if run is not None and run[0] + run[1] == place[0]:
            run[2].append((key, run[1], place[1]))
            self._run = (run[0], run[1] + place[1], run[2])
            return
        self._copy_run()
        if key not in self._written:  # a key met twice (two articles of the same text)
            self._run = (place[0], place[1], [(key, 0, place[1])])

    def _copy_run(self, chunk: int = 1 << 20) -> None:
        """Copy the pending run of kept entries from the old pack to the new one."""
        run, self._run = self._run, None
        if run is None or self._old is None or self._new is None:
            return
        start, length, entries = run
        try:
            offset = self._new.tell()
            self._old.seek(start)
            left = length
            while left:
                data = self._old.read(min(chunk, left))
                if not data:
                    raise OSError("the old term cache ended early")
                self._new.write(data)
                left -= len(data)
        except OSError as exc:
            self._fail(exc)
            return
        for key, within, size in entries:
            self._written.setdefault(key, (offset + within, size))

    def put(self, key: str, entry: Entry) -> None:
        """Store ``entry`` under ``key`` for the next build."""
        length, terms, values, excerpt = entry
        self._changed = True
        self._append(key, marshal.dumps((length, "\n".join(terms), values, excerpt)))

    def close(self) -> None:
        """Replace the old pack with this build's, unless both hold the same entries."""
        self._copy_run()
        if self._old is not None:
            self._old.close()
        if self._new is None:
            return
        try:
            if not self._changed and self._written.keys() == self._contents.keys():
                self._new.close()
                os.remove(self._temporary)
                return
            offset = self._new.tell()
            self._new.write(marshal.dumps(self._written))
            self._new.write(TRAILER.pack(MAGIC, offset))
            self._new.close()
            assert self.path is not None
            os.replace(self._temporary, self.path)
        except OSError as exc:
            self._fail(exc)
        self._new = None
