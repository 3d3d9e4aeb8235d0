"""Changes to Pelican's content cache appended to a journal instead of rewriting the whole file.

At 10,000 articles the article cache is ~78 MB of pickled snapshots, and a build that adds
twenty articles used to write all of it again (~0.07 s of CPU, and 78 MB of disk writes, per
build).  Now the full file (Pelican's own format, which Pelican's code loads) is written only
now and then; in between, each build appends what it changed — the entries it stored, the
names of the entries it dropped — to ``<cache file>.fast_build-journal``, and the next build
applies the journal on top of the full file right after Pelican has loaded it.

The journal begins with the signature (inode, size, modification time) of the full file it
belongs to, so a journal left over from an older full file is ignored, never applied to a newer
one.  A build killed while appending leaves a last record that cannot be read: loading stops
there (the changes of that build are lost, and their files are read again: a miss, never a
wrong entry), and the next save writes the full file afresh.  So does a save whose journal has
grown past a quarter of the full file, which bounds what loading has to read again.  Each entry
is keyed by the file's path and carries the file's stamp, which Pelican checks before using it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle

from scripts.store import replacing

logger = logging.getLogger(__name__)

SUFFIX = ".fast_build-journal"
MAGIC = "fast_build.journal/1"
MAX_SHARE = 4  # the full file is written again once the journal passes 1/MAX_SHARE of its size


def _path(cacher) -> str:
    return cacher._cache_path + SUFFIX


def _signature(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def apply(cacher) -> None:
    """Apply the journal of ``cacher``'s full file to the entries Pelican loaded from it.

    Records on the cacher whether the journal can take more records (``_fast_build_journal``:
    the journal's size when it was read whole and belongs to this full file, else ``None``).
    """
    cacher._fast_build_journal = None
    base = _signature(cacher._cache_path)
    if base is None:
        return
    try:
        handle = open(_path(cacher), "rb")  # noqa: SIM115 (read to its end below)
    except OSError:
        return
    applied = 0
    with handle:
        try:
            header = pickle.load(handle)
        except Exception:  # any unreadable header: no journal
            return
        if header != (MAGIC, base):
            return
        while True:
            good = handle.tell()
            try:
                stored, dropped = pickle.load(handle)
            except EOFError:
                if handle.tell() == good:  # the journal ends after a whole record
                    cacher._fast_build_journal = good
                break
            except Exception as exc:  # a record cut short by a killed build
                logger.info("fast_build: %s ends in a broken record (%s)", _path(cacher), exc)
                break
            cacher._cache.update(stored)
            for name in dropped:
                cacher._cache.pop(name, None)
            applied += 1
    if applied:
        logger.debug("fast_build: %d journal records applied to %s", applied, cacher._cache_path)


def append(cacher, stored: dict, dropped: list) -> bool:
    """Append one build's changes to the journal; ``False`` when the full file must be written
    instead (no usable journal, or one grown past its share of the full file)."""
    size = getattr(cacher, "_fast_build_journal", None)
    base = _signature(cacher._cache_path)
    if size is None or base is None or size * MAX_SHARE > base[1]:
        return False
    try:
        with open(_path(cacher), "r+b") as handle:
            if handle.seek(0, os.SEEK_END) != size:
                return False  # changed since it was read: start afresh
            pickle.dump((stored, dropped), handle, protocol=pickle.HIGHEST_PROTOCOL)
            cacher._fast_build_journal = handle.tell()
    except (OSError, pickle.PicklingError, TypeError) as exc:
        logger.warning("fast_build: could not append to %s: %s", _path(cacher), exc)
        return False
    return True


def start(cacher) -> None:
    """Begin an empty journal for the full file just written (replacing any older journal)."""
    base = _signature(cacher._cache_path)
    if base is None:
        return
    try:
        with replacing(_path(cacher)) as out:
            pickle.dump((MAGIC, base), out, protocol=pickle.HIGHEST_PROTOCOL)
            size = out.tell()
    except OSError as exc:
        logger.warning("fast_build: could not start %s: %s", _path(cacher), exc)
        with contextlib.suppress(OSError):
            os.unlink(_path(cacher))
        size = None
    cacher._fast_build_journal = size
