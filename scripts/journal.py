"""A pickled cache file kept up to date by appending each build's changes to a journal.

The build caches are dictionaries pickled whole into one file: Pelican's article cache (~78 MB
at 10,000 articles), topic_feeds' stories and items (~9 MB).  A build that adds twenty articles
used to write each of them again in full (~0.07 s of CPU and 78 MB of disk writes for the
article cache alone).  Now the full file is written only now and then; in between, each build
appends what it changed — the entries it stored, the keys of the entries it dropped — to
``<file>.journal``, and loading applies the journal on top of the full file.

The journal begins with the signature (inode, size, modification time) of the full file it
belongs to, so a journal left over from an older full file is ignored, never applied to a newer
one.  A build killed while appending leaves a last record that cannot be read: loading stops
there (the changes of that build are lost, which for a cache only means work done again) and
the next save writes the full file afresh.  So does a save whose journal has grown past a
quarter of the full file, which bounds what loading has to read again.

The owner keeps the number :func:`apply` (or :func:`read`) and :func:`save` return (the
journal's size, or ``None`` when the next save must write the full file) and passes it back.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable
from typing import IO

from scripts.store import replacing

logger = logging.getLogger(__name__)

SUFFIX = ".journal"
MAGIC = "clearpress.journal/1"
MAX_SHARE = 4  # the full file is written again once the journal passes 1/MAX_SHARE of its size


def _signature(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read(path: str) -> tuple[list, int | None]:
    """The records of the journal of the full file ``path``, in order, and the journal's size
    when it was read to its end and belongs to this full file (the next save may append to it),
    else ``None``.  No records when there is no journal for this full file."""
    base = _signature(path)
    if base is None:
        return [], None
    try:
        handle = open(path + SUFFIX, "rb")  # noqa: SIM115 (read to its end below)
    except OSError:
        return [], None
    records: list = []
    with handle:
        try:
            header = pickle.load(handle)
        except Exception:  # any unreadable header: no journal
            return [], None
        if header != (MAGIC, base):
            return [], None
        while True:
            good = handle.tell()
            try:
                records.append(pickle.load(handle))
            except EOFError:
                # The end, after a whole record; or a record cut short.
                return records, (good if handle.tell() == good else None)
            except Exception as exc:  # a record cut short by a killed build
                logger.info("%s%s ends in a broken record (%s)", path, SUFFIX, exc)
                return records, None


def apply(path: str, entries: dict) -> int | None:
    """Apply the journal of the full file ``path`` (records of a cache dict's changes: the
    entries stored, the keys dropped) to ``entries``, what was loaded from it; return what
    :func:`read` returns as the size."""
    records, size = read(path)
    for stored, dropped in records:
        entries.update(stored)
        for key in dropped:
            entries.pop(key, None)
    return size


def append(path: str, size: int | None, record) -> int | None:
    """Append ``record`` to the journal of ``path``; return the journal's new size, or ``None``
    when the full file must be written instead (no usable journal, or one grown past its share
    of the full file)."""
    base = _signature(path)
    if size is None or base is None or size * MAX_SHARE > base[1]:
        return None
    try:
        with open(path + SUFFIX, "r+b") as handle:
            if handle.seek(0, os.SEEK_END) != size:
                return None  # changed since it was read: start afresh
            pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
            return handle.tell()
    except (OSError, pickle.PicklingError, TypeError) as exc:
        logger.warning("could not append to %s%s: %s", path, SUFFIX, exc)
        return None


def save(
    path: str, size: int | None, record, write_whole: Callable[[IO[bytes]], None]
) -> int | None:
    """Keep one build's changes: ``record`` appended to the journal of ``path`` when it can take
    it (``size`` as the last call returned; ``None``: it cannot), else the whole file written by
    ``write_whole`` into a temporary file that replaces ``path``, and a new journal begun.

    Returns the journal's size for the next save.  What writing the whole file raises (an
    ``OSError``, a pickling error) reaches the caller, which reports it; the file is then as it
    was, and the next save writes it whole again.
    """
    appended = append(path, size, record)
    if appended is not None:
        return appended
    with replacing(path) as out:
        write_whole(out)
    return start(path)


def start(path: str) -> int | None:
    """Begin an empty journal for the full file just written to ``path`` (replacing any older
    journal); return its size, or ``None`` if it could not be written."""
    base = _signature(path)
    if base is None:
        return None
    try:
        with replacing(path + SUFFIX) as out:
            pickle.dump((MAGIC, base), out, protocol=pickle.HIGHEST_PROTOCOL)
            return out.tell()
    except OSError as exc:
        logger.warning("could not start %s%s: %s", path, SUFFIX, exc)
        return None
