"""Fetch state in SQLite: every URL ever seen, what happened to it, and where its capture lives.

Why SQLite: one file the scheduled workflow can keep between runs, transactions that survive a
``kill -9``, and a query for "captured but not yet imported" that the importer needs.  The
database runs in WAL mode and every state change is its own transaction.

Crash safety works together with :mod:`scripts.warc`:

1. A capture file is registered (``warc_files``, status ``open``) only after its warcinfo record
   is on disk; its ``size`` is the number of bytes known to be complete.
2. A request/response pair is appended and fsynced first; then *one* transaction marks the URL
   ``captured`` with the pair's offset and raises the file's ``size`` to the pair's end.
3. On the next run, every file still ``open`` is cut back to ``size`` and renamed (bytes written
   after the last commit belong to URLs still queued, which are simply fetched again), and
   ``.open`` files the state never registered are deleted.  A run interrupted without dying
   (Ctrl-C, a full disk) makes the same cut itself before it closes the file.

So a URL is ``captured`` only if its record is complete in a file that will be closed, and a
record that exists in a closed file is always referenced by exactly one URL: no lost and no
duplicate capture, whatever instant the process died.  The importer only sees captures whose file
is ``closed``.  Paths are stored relative to the state file's folder so the repository can move.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from scripts.fetch.discover import Checked, Found
from scripts.models import Capture
from scripts.warc import RecordSpan, read_capture

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    key TEXT PRIMARY KEY,          -- canonical URL (scripts.urls.url_key)
    source TEXT NOT NULL,
    kind TEXT NOT NULL,            -- article | image | feed | listing | sitemap
    status TEXT NOT NULL,          -- queued | captured | failed | robots | redirected
                                   -- | duplicate | ok | not_modified
    via TEXT,                      -- page that linked to it
    attempts INTEGER NOT NULL DEFAULT 0,
    retryable INTEGER NOT NULL DEFAULT 1,
    last_error TEXT,
    etag TEXT,
    last_modified TEXT,
    digest TEXT,                   -- sha1 of the decoded body
    final_url TEXT,                -- where redirects ended
    warc_file TEXT,                -- relative to the state file's folder
    warc_offset INTEGER,
    warc_end INTEGER,
    captured_at TEXT,
    imported INTEGER NOT NULL DEFAULT 0,   -- 0 pending, 1 imported, 2 quarantined
    discovered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS urls_status ON urls (kind, status, imported);
CREATE TABLE IF NOT EXISTS warc_files (
    path TEXT PRIMARY KEY,         -- final name, relative to the state file's folder
    status TEXT NOT NULL,          -- open | closed
    size INTEGER NOT NULL,         -- bytes known complete
    created_at TEXT NOT NULL,
    closed_at TEXT
);
"""


PENDING, IMPORTED, QUARANTINED = 0, 1, 2  # urls.imported


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class State:
    """The fetch state database; use from one thread only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.root = self.path.parent.resolve()
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: commits survive a process kill
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection (SQLite folds the WAL back into the database)."""
        self.db.close()

    def _tx(self, sql: str, *params: object) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(sql, params)

    # --- paths -----------------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        """Return ``path`` as stored: relative to the state file's folder."""
        return os.path.relpath(path.resolve(), self.root)

    def resolve(self, rel: str) -> Path:
        """Return the real path of a stored capture file path."""
        return Path(os.path.normpath(self.root / rel))

    # --- discovery -------------------------------------------------------------------------

    def add_found(self, source: str, found: Iterable[Found]) -> tuple[int, int]:
        """Queue newly found article URLs; return (new, already known)."""
        new = known = 0
        now = _now()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for item in found:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO urls (key, source, kind, status, via, discovered_at,"
                    " updated_at) VALUES (?, ?, 'article', 'queued', ?, ?, ?)",
                    (item.key, source, item.via, now, now),
                )
                new += cur.rowcount
                known += 1 - cur.rowcount
        return new, known

    def validators(self, source: str) -> dict[str, tuple[str | None, str | None]]:
        """Return the ETag/Last-Modified of a source's feeds, listings and sitemaps."""
        rows = self.db.execute(
            "SELECT key, etag, last_modified FROM urls WHERE source = ? AND kind != 'article'",
            (source,),
        )
        return {key: (etag, modified) for key, etag, modified in rows}

    def record_check(self, source: str, check: Checked) -> None:
        """Remember how a feed, listing page or sitemap answered, with its validators.

        A run that learns nothing writes nothing: the scheduled workflow commits this file, and
        a 304 (or the same failure again) must leave it byte-identical so a run that found no
        new article makes no commit.  A 304 confirms the stored answer and validators, so it
        changes a row only when the previous answer was a failure.  ``attempts`` therefore
        counts answers that changed something, not requests.
        """
        row = self.db.execute(
            "SELECT status, last_error, etag, last_modified FROM urls WHERE key = ?", (check.key,)
        ).fetchone()
        status, etag, modified = check.outcome, check.etag, check.last_modified
        if row is not None and check.outcome == "not_modified":
            status = row[0] if row[0] in ("ok", "not_modified") else status
            etag, modified = etag or row[2], modified or row[3]
        if row is not None and (status, check.error, etag, modified) == tuple(row):
            return
        now = _now()
        self._tx(
            "INSERT INTO urls (key, source, kind, status, attempts, last_error, etag,"
            " last_modified, discovered_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = excluded.status,"
            " attempts = attempts + 1, last_error = excluded.last_error, etag = excluded.etag,"
            " last_modified = excluded.last_modified, updated_at = excluded.updated_at",
            check.key, source, check.kind, status, check.error, etag, modified, now, now,
        )  # fmt: skip

    # --- fetching --------------------------------------------------------------------------

    def queue(self, sources: Iterable[str], max_attempts: int, limit: int | None) -> list[str]:
        """Return the article URLs to fetch now, oldest first."""
        names = list(sources)
        marks = ",".join("?" * len(names))
        sql = (
            f"SELECT key FROM urls WHERE kind = 'article' AND source IN ({marks}) AND"
            " (status IN ('queued', 'robots') OR (status = 'failed' AND retryable = 1"
            " AND attempts < ?)) ORDER BY discovered_at, rowid"
        )
        params: list[object] = [*names, max_attempts]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [row[0] for row in self.db.execute(sql, params)]

    def queue_images(self, source: str, urls: Iterable[str], via: str) -> int:
        """Queue the images of a captured page (each image is fetched once, whoever uses it)."""
        now = _now()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            return sum(
                self.db.execute(
                    "INSERT OR IGNORE INTO urls (key, source, kind, status, via, discovered_at,"
                    " updated_at) VALUES (?, ?, 'image', 'queued', ?, ?, ?)",
                    (url, source, via, now, now),
                ).rowcount
                for url in urls
            )

    def image_queue(self, max_attempts: int) -> list[tuple[str, str]]:
        """Return (URL, source) of the images to fetch now, oldest first."""
        return list(
            self.db.execute(
                "SELECT key, source FROM urls WHERE kind = 'image' AND (status = 'queued' OR"
                " (status = 'failed' AND retryable = 1 AND attempts < ?))"
                " ORDER BY discovered_at, rowid",
                (max_attempts,),
            )
        )

    def status(self, key: str) -> str | None:
        """Return a URL's status, or ``None`` if it was never seen."""
        row = self.db.execute("SELECT status FROM urls WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def mark_failed(self, key: str, reason: str, *, retryable: bool) -> None:
        """Record a failed attempt and why."""
        self._tx(
            "UPDATE urls SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " retryable = ?, updated_at = ? WHERE key = ?",
            reason, int(retryable), _now(), key,
        )  # fmt: skip

    def mark_skipped(self, key: str, status: str, note: str) -> None:
        """Record a URL not captured on purpose: ``robots``, ``redirected`` or ``duplicate``.

        Unchanged when it was already skipped for the same reason (robots.txt is asked again on
        every run), so a run with nothing new leaves the file as it was.
        """
        row = self.db.execute(
            "SELECT status, last_error FROM urls WHERE key = ?", (key,)
        ).fetchone()
        if row is not None and tuple(row) == (status, note):
            return
        self._tx(
            "UPDATE urls SET status = ?, last_error = ?, updated_at = ? WHERE key = ?",
            status, note, _now(), key,
        )  # fmt: skip

    def mark_captured(
        self,
        key: str,
        source: str,
        *,
        final_url: str,
        file: str,
        span: RecordSpan,
        digest: str,
        captured_at: datetime,
        kind: str = "article",
    ) -> None:
        """Record a capture and the file's new known-good size in one transaction."""
        now = _now()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO urls (key, source, kind, status, discovered_at, updated_at)"
                " VALUES (?, ?, ?, 'queued', ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, source, kind, now, now),
            )
            self.db.execute(
                "UPDATE urls SET status = 'captured', attempts = attempts + 1, last_error = NULL,"
                " final_url = ?, warc_file = ?, warc_offset = ?, warc_end = ?, digest = ?,"
                " captured_at = ?, updated_at = ?, imported = ? WHERE key = ?",
                (final_url, file, span.offset, span.end, digest,
                 captured_at.isoformat(timespec="seconds"), now, PENDING, key),
            )  # fmt: skip
            self.db.execute("UPDATE warc_files SET size = ? WHERE path = ?", (span.end, file))

    # --- capture files ---------------------------------------------------------------------

    def open_file(self, file: str, size: int) -> None:
        """Register a new capture file whose first ``size`` bytes are complete."""
        self._tx(
            "INSERT INTO warc_files (path, status, size, created_at) VALUES (?, 'open', ?, ?)",
            file, size, _now(),
        )  # fmt: skip

    def close_file(self, file: str) -> None:
        """Record that a capture file was renamed to its final name."""
        self._tx(
            "UPDATE warc_files SET status = 'closed', closed_at = ? WHERE path = ?", _now(), file
        )

    def open_files(self) -> list[tuple[str, int]]:
        """Return (path, known size) of files a killed run left open."""
        return list(self.db.execute("SELECT path, size FROM warc_files WHERE status = 'open'"))

    def forget_file(self, file: str) -> None:
        """Requeue the URLs of a capture file that vanished, and drop the file."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE urls SET status = 'queued', warc_file = NULL, warc_offset = NULL,"
                " warc_end = NULL WHERE warc_file = ?",
                (file,),
            )
            self.db.execute("DELETE FROM warc_files WHERE path = ?", (file,))

    # --- importer API ----------------------------------------------------------------------

    def captures(self, *, only_pending: bool) -> Iterator[tuple[str, Capture]]:
        """Yield (url key, capture) of every capture in a closed file."""
        sql = (
            "SELECT u.key, u.warc_file, u.warc_offset FROM urls u JOIN warc_files f"
            " ON f.path = u.warc_file WHERE u.status = 'captured' AND f.status = 'closed'"
            " AND u.kind = 'article'"
        )
        if only_pending:
            sql += f" AND u.imported = {PENDING}"
        rows = list(self.db.execute(sql + " ORDER BY u.captured_at, u.key"))
        for key, file, offset in rows:
            yield key, read_capture(self.resolve(file), offset)

    def mark_imported(self, keys: Iterable[str], value: int = IMPORTED) -> int:
        """Flag captures as imported (or quarantined); return how many rows changed.

        Either way :meth:`captures` with ``only_pending`` skips them until they are captured
        again: a page the importer quarantined is not retried, and not reported again, on
        every run (``import --from-captures --all`` retries everything).
        """
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            return sum(
                self.db.execute(
                    "UPDATE urls SET imported = ? WHERE key = ? AND imported != ?",
                    (value, k, value),
                ).rowcount
                for k in keys
            )


def _existing(state_path: str | Path) -> State | None:
    return State(state_path) if Path(state_path).exists() else None


def pending_captures(state_path: str | Path) -> Iterator[tuple[str, Capture]]:
    """Yield (url key, Capture) for every capture not yet imported, oldest first."""
    state = _existing(state_path)
    if state is None:
        return
    try:
        yield from state.captures(only_pending=True)
    finally:
        state.close()


def all_captures(state_path: str | Path) -> Iterator[tuple[str, Capture]]:
    """Yield (url key, Capture) for every capture, imported or not (``--from-captures``)."""
    state = _existing(state_path)
    if state is None:
        return
    try:
        yield from state.captures(only_pending=False)
    finally:
        state.close()


def mark_imported(
    state_path: str | Path, url_keys: Iterable[str], *, quarantined: bool = False
) -> int:
    """Flag the given captures as imported (or quarantined) so :func:`pending_captures` skips
    them until they are captured again."""
    state = State(state_path)
    try:
        return state.mark_imported(url_keys, QUARANTINED if quarantined else IMPORTED)
    finally:
        state.close()
