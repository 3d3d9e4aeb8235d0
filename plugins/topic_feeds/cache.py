"""What the feeds need from the previous build: stories, fingerprints, rendered items.

A rebuild after adding a few articles used to redo everything for every article: fingerprint
its full text (``identify``), sanitise its HTML (``render``) and serialise every feed.  Each is a
pure function of inputs that can be hashed cheaply, so the results are kept in one file under
``CACHE_PATH`` keyed by a digest of those inputs:

* ``story``: what ``identify`` made of an article (``topic_feeds.story_key``);
* ``fp``: a content fingerprint, keyed by the article's title and rendered HTML;
* ``item``: a rendered :class:`~.items.FeedItem` and the warnings rendering it logged (replayed
  on a hit, so a rebuild reports the same problems), keyed by :func:`~.items.render_key`.

Serialised feeds are not kept here: a feed file is keyed by its description and its items'
keys, and the build keeps the file it finds written under the same key without serialising the
feed (``scripts.output_files``).

Every key also depends on this plugin's source code and on the versions of the libraries that
shape the output (nh3, feedgen, lxml), so an upgrade never serves an old result.  The cache is
used when Pelican's own content cache is (``CACHE_CONTENT``; ``LOAD_CONTENT_CACHE`` to read it,
which ``pelican --ignore-cache`` turns off).  Entries no build used are dropped when it is saved;
a build's changes are appended to a journal and the whole file is written (to a temporary file,
then renamed) only now and then, so a build killed at any moment leaves a cache that loads
(``scripts.journal``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from importlib import metadata
from itertools import repeat
from pathlib import Path
from typing import Any

from scripts import journal

logger = logging.getLogger(__name__)

FILE_NAME = "topic_feeds.pickle"


def code_version() -> str:
    """Return a digest of this plugin's code and of the libraries that shape its output."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("nh3", "feedgen", "lxml", "pelican"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=?".encode())
    return digest.hexdigest()


def key_of(*parts: Any) -> bytes:
    """Return a 20-byte digest of ``parts`` (strings are hashed as UTF-8, the rest by repr).

    SHA-256 (cut to 20 bytes): twice as fast as BLAKE2b on article texts on CPUs with SHA
    instructions.
    """
    return key_after(key_prefix(*parts[:-1]), parts[-1]) if parts else key_prefix().digest()[:20]


def key_prefix(*parts: Any) -> Any:
    """The hash of ``parts`` so far: ``key_after(key_prefix(a, b), c) == key_of(a, b, c)``, for
    keys that share their first parts (10,000 stories' keys differ in their last)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest


def key_after(prefix: Any, last: Any) -> bytes:
    """:func:`key_of` of the parts of ``prefix`` (from :func:`key_prefix`) and ``last``."""
    digest = prefix.copy()
    data = last if isinstance(last, bytes) else str(last).encode("utf-8", "surrogatepass")
    digest.update(len(data).to_bytes(8, "little"))
    digest.update(data)
    return digest.digest()[:20]


class FeedCache:
    """Results of earlier builds, by kind and key; a disabled cache stores nothing."""

    def __init__(self, settings: dict) -> None:
        self.enabled = bool(settings.get("CACHE_CONTENT")) and bool(settings.get("CACHE_PATH"))
        self.path = os.path.join(str(settings.get("CACHE_PATH") or ""), FILE_NAME)
        self.version = code_version() if self.enabled else ""
        self._old: dict[tuple[str, bytes], Any] = {}
        self._new: dict[tuple[str, bytes], Any] = {}
        self._journal: int | None = None  # see scripts.journal
        self.hits = 0
        if self.enabled and settings.get("LOAD_CONTENT_CACHE"):
            self._old = self._load()

    def _load(self) -> dict[tuple[str, bytes], Any]:
        try:
            with open(self.path, "rb") as handle:
                version, entries = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, EOFError, ValueError, TypeError, pickle.PickleError) as exc:
            logger.warning("topic_feeds: cache %s unreadable (%s); starting afresh", self.path, exc)
            return {}
        if version != self.version or not isinstance(entries, dict):
            return {}
        self._journal = journal.apply(self.path, entries)
        return entries

    def get(self, kind: str, key: bytes | None) -> Any:
        """Return the cached value (and keep it for the next build), or ``None``."""
        return None if key is None else self.get_all(kind, [key])[0]

    def get_all(self, kind: str, keys: list[bytes]) -> list[Any]:
        """The cached value of each key, in order (``None`` where there is none), each kept for
        the next build: asked for 10,000 stories a build, so looked up in C loops."""
        if not self.enabled:
            return [None] * len(keys)
        asked = list(zip(repeat(kind), keys))
        fresh = list(map(self._new.get, asked))
        old = list(map(self._old.get, asked))
        taken = [
            pair
            for pair, f, o in zip(asked, fresh, old, strict=True)
            if f is None and o is not None
        ]
        before = len(self._new)
        self._new.update(zip(taken, map(self._old.get, taken), strict=True))
        self.hits += len(self._new) - before  # a key asked twice is one hit, as with get
        return [o if f is None else f for f, o in zip(fresh, old, strict=True)]

    def put(self, kind: str, key: bytes | None, value: Any) -> None:
        """Remember ``value`` for the next build."""
        if key is not None and self.enabled:
            self._new[(kind, key)] = value

    def save(self) -> None:
        """Keep the entries this build used: its changes appended to the journal
        (``scripts.journal``), or, now and then, all of them written atomically."""
        if not self.enabled:
            return
        old, new = self._old, self._new
        stored = {key: value for key, value in new.items() if old.get(key) is not value}
        dropped = [key for key in old if key not in new]
        if not (stored or dropped) and os.path.exists(self.path):
            return
        size, self._journal = self._journal, None
        try:
            self._journal = journal.save(
                self.path,
                size,
                (stored, dropped),
                lambda out: pickle.dump((self.version, new), out, protocol=pickle.HIGHEST_PROTOCOL),
            )
        except OSError as exc:
            logger.warning("topic_feeds: could not save the cache %s: %s", self.path, exc)
