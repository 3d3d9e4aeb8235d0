"""Content-hash file stamps without reading unchanged files again.

Pelican's content cache stamps each source file, and ClearPress has it stamp by the hash of the
bytes (``CHECK_MODIFIED_METHOD = "sha256"``: modification times do not survive ``git checkout``
or CI caches).  So every build opens, reads and hashes every article: ~30 µs a file, 0.3 s of a
rebuild at 10,000 articles, to learn that 9,980 of them did not change.

A file's status tells the same thing for the price of one ``stat``, the way git's index does:
the kernel sets the change time (``ctime``) on every write, rename or ``touch``, and no program
can set it back.  So each build keeps, beside Pelican's cache file, a book of the stamps it
computed with each file's signature (device, inode, size, modification and change times in
nanoseconds), and the next build reuses a stamp whose file shows the same signature.

The one way a file can change and keep its signature is to be written twice within one tick of
the file system's clock (a few milliseconds), after its hash was taken: the second write leaves
the same times.  As git does for "racily clean" files, a signature only counts when its change
time is older than the start of the build that recorded it by more than ``RACY_NS``; a file
changed just before (or during) a build is hashed again next time.  A stamp is recorded only
when the file's signature is the same before and after it was hashed.  A clock set back by more
than ``RACY_NS`` between builds would defeat the check, as it defeats git's.

Nothing else changes: a reused stamp is the stamp Pelican would compute, and the cache entry is
still compared with it by Pelican's own code.  ``CHECK_MODIFIED_METHOD = "mtime"`` is left to
Pelican (its stamp is already a ``stat``).
"""

from __future__ import annotations

import logging
import os
import pickle
import time

from scripts.store import replacing

logger = logging.getLogger(__name__)

RACY_NS = 2_000_000_000  # a signature counts when its ctime is this much older than the build
BOOK_SUFFIX = ".fast_build-stamps"
_VERSION = 1

Signature = tuple[int, int, int, int, int]


def signature(path: str) -> Signature | None:
    """The file's device, inode, size, modification and change times; ``None`` if unreadable."""
    try:
        return signature_of(os.stat(path))
    except OSError:
        return None


def signature_of(st: os.stat_result) -> Signature:
    """:func:`signature` from a status already taken (a directory entry's, say)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class StampBook:
    """The stamps one cache file's builds computed, by file path, with the files' signatures."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.started = time.time_ns()  # before this build looks at any file
        self.previous, self.previous_started = self._load()
        self.current: dict[str, tuple[Signature, object]] = {}
        self.reused = self.computed = 0

    def _load(self) -> tuple[dict[str, tuple[Signature, object]], int]:
        try:
            with open(self.path, "rb") as handle:
                version, started, entries = pickle.load(handle)
        except FileNotFoundError:
            return {}, 0
        except (OSError, EOFError, ValueError, TypeError, pickle.PickleError) as exc:
            logger.debug("fast_build: stamp book %s unreadable (%s)", self.path, exc)
            return {}, 0
        if version != _VERSION or not isinstance(entries, dict) or not isinstance(started, int):
            return {}, 0
        return entries, started

    def stamp(self, path: str, compute, *args) -> object:
        """The stamp of ``path``: the recorded one if the file's signature says it is unchanged,
        else ``compute(*args, path)`` (recorded when the file held still while it was computed)."""
        before = signature(path)
        if before is not None:
            entry = self.previous.get(path)
            if (
                entry is not None
                and entry[0] == before
                and before[4] < self.previous_started - RACY_NS
            ):
                self.current[path] = entry
                self.reused += 1
                return entry[1]
        value = compute(*args, path)
        self.computed += 1
        if before is not None and value != "" and signature(path) == before:
            self.current[path] = (before, value)
        return value

    def save(self) -> None:
        """Write the book if this build computed a stamp or its entries differ from the
        previous build's.

        The book holds this build's start: entries carried over keep their trust (their change
        time is older than the previous start, which is older than this one), and a stamp
        computed again because it was too recent for the previous start may now count.
        """
        if not self.computed and self.current == self.previous:
            return
        try:
            with replacing(self.path) as out:
                pickle.dump((_VERSION, self.started, self.current), out, pickle.HIGHEST_PROTOCOL)
        except (OSError, pickle.PicklingError) as exc:
            logger.warning("fast_build: could not save %s: %s", self.path, exc)
        self.previous, self.previous_started = dict(self.current), self.started


def book_of(cacher) -> StampBook | None:
    """The stamp book of a Pelican cacher (``FileStampDataCacher``), made on first use; ``None``
    when its stamps are not content hashes."""
    book = cacher.__dict__.get("_fast_build_stamps")
    if book is None and cacher.settings.get("CHECK_MODIFIED_METHOD") != "mtime":
        book = cacher._fast_build_stamps = StampBook(cacher._cache_path + BOOK_SUFFIX)
    return book


def save_book(cacher) -> None:
    """Write the cacher's book (with Pelican's cache file)."""
    book = cacher.__dict__.get("_fast_build_stamps")
    if book is not None:
        book.save()
        logger.info("fast_build: %d file stamps reused, %d computed", book.reused, book.computed)
