"""Files a plugin writes into the output folder itself (feeds, OPML), kept when their bytes are
the ones already there.

Pelican empties the output folder before every build, and fast_build's page memo, which takes
that over, deletes every file it did not record (pages it did).  So a plugin that writes its own
files created all of them again on every build: the 175 feed files, 12.5 MB, at 10,000
articles.  In the build, creating each of them again (its name deleted seconds before) took
~1.2 ms of kernel time in ``open`` (measured with strace; writing over an existing file takes
~0.06 ms): ~0.15 s of a rebuild that adds twenty articles, for files most of which do not
change.

This module is the meeting point, so that no plugin imports another: a plugin that keeps track
of output files registers a keeper with :func:`provide`; a plugin with a file to write calls
:func:`write`.  The keeper (the page memo) records each file with a digest of its bytes, like a
page, leaves it in place while it is untouched and the bytes are the same, writes it in place
when they differ, and deletes it once no build writes it.  With no keeper the file is written
as Pelican's writer would.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from pelican.utils import sanitised_join

logger = logging.getLogger(__name__)

# keeper(output folder, path inside it, bytes or what makes them, key) -> True: written,
# False: kept, None: not mine.
Keeper = Callable[[str, str, "Data", bytes | None], bool | None]
Data = bytes | Callable[[], bytes]

_keepers: list[Keeper] = []


def provide(keeper: Keeper) -> None:
    """Register ``keeper`` (once)."""
    if keeper not in _keepers:
        _keepers.append(keeper)


def contents(data: Data) -> bytes:
    """The bytes ``data`` stands for (made now if it is a function)."""
    return data() if callable(data) else data


def write(output_path: str, path: str, data: Data, key: bytes | None = None) -> bool:
    """Put ``data`` at ``path`` (relative, inside ``output_path``); False if the file was kept.

    ``data`` may be a function that makes the bytes, and ``key`` a digest of everything they
    are made from: a keeper that finds the file it recorded under that key untouched keeps it
    without asking for the bytes (topic_feeds then serialises only the feeds that changed).
    Without a key, the bytes are their own key.  A ``path`` that leads outside the output
    folder is refused as Pelican's writer refuses it (``RuntimeError`` from
    ``sanitised_join``).
    """
    target = sanitised_join(output_path, path)
    for keeper in _keepers:
        written = keeper(output_path, path, data, key)
        if written is not None:
            if written:
                logger.info('Writing "%s"', target)
            return written
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(contents(data))
    logger.info('Writing "%s"', target)
    return True
