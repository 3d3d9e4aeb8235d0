"""One fetch run: recover, discover, fetch each new article once, archive it, summarise.

Threads do the network work (discovery per source, one request per article); the main thread
alone writes WARC records and the SQLite state, in the order that makes a kill at any instant
safe (see :mod:`scripts.fetch.state`).  A lock file next to the state stops two runs from
sharing one state.
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tqdm import tqdm

from scripts.fetch.discover import Discovered, discover_source
from scripts.fetch.http import FetchFailed, HostLimits, HttpSettings, PoliteClient, Response
from scripts.fetch.images import page_images
from scripts.fetch.state import State
from scripts.models import FetchError
from scripts.sources import Source, Sources
from scripts.urls import host_of, url_key
from scripts.warc import OPEN_SUFFIX, Exchange, RecordSpan, WarcFile, recover_open_file

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
MAX_WORKERS = 16


@dataclass(frozen=True, slots=True)
class Summary:
    """What one run did, for the closing report."""

    discovered: int = 0  # new article URLs queued
    duplicates: int = 0  # article URLs found again (already known, or same final URL)
    fetched: int = 0  # articles captured
    not_modified: int = 0  # feeds, listings and sitemaps answering 304
    failed: tuple[tuple[str, str], ...] = ()  # (URL, reason)
    robots: tuple[str, ...] = ()  # URLs robots.txt disallowed
    files: tuple[str, ...] = ()  # capture files written
    recovered: tuple[str, ...] = ()  # capture files a killed run left open, now closed
    images: int = 0  # images captured for the articles' pages
    image_failures: int = 0  # images that could not be fetched (the articles are kept)

    def lines(self) -> list[str]:
        """Return the summary as lines for the terminal."""
        out = [
            f"discovered {self.discovered} new URLs, {self.duplicates} duplicates",
            f"fetched {self.fetched}, not modified {self.not_modified}, "
            f"failed {len(self.failed)}, skipped by robots {len(self.robots)}",
            f"images fetched {self.images}, failed {self.image_failures}",
        ]
        out += [f"  failed: {url}: {reason}" for url, reason in self.failed]
        out += [f"  robots: {url}" for url in self.robots]
        out += [f"  recovered: {path}" for path in self.recovered]
        out += [f"  wrote: {path}" for path in self.files]
        return out


@contextmanager
def _run_lock(state_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<state>.lock``; the OS releases it if the process dies."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(state_path) + ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FetchError(f"{state_path}: another fetch run is using this state") from None
        yield


def recover(state: State, captures_dir: Path) -> list[str]:
    """Close the capture files a killed run left open, keeping only committed records."""
    done = []
    for rel, size in state.open_files():
        final = state.resolve(rel)
        temp = final.with_name(final.name + OPEN_SUFFIX)
        if temp.exists():
            recover_open_file(temp, size)
        elif not final.exists():
            state.forget_file(rel)
            continue
        state.close_file(rel)  # also covers a kill between rename and this update
        done.append(str(final))
    if captures_dir.exists():
        for temp in captures_dir.rglob("*" + OPEN_SUFFIX):
            temp.unlink()  # never registered: nothing in it was committed
    return done


class _Archive:
    """The current capture file: opened on first use, rotated past ``max_bytes``.

    ``committed`` is the end of the last record the state knows about.  If a write or its
    commit was interrupted (Ctrl-C, a full disk, a bug), closing cuts the file back to it first,
    exactly as the next run would after a kill, so a closed file never holds a record that no
    URL refers to.
    """

    def __init__(self, state: State, captures_dir: Path, max_bytes: int) -> None:
        self.state, self.dir, self.max_bytes = state, captures_dir, max_bytes
        self.current: WarcFile | None = None
        self.committed = 0
        self.written: list[str] = []
        self._n = 0

    def _open(self) -> WarcFile:
        if self.current is None:
            now = datetime.now(UTC)
            stamp = now.strftime("%Y%m%d%H%M%S%f")
            path = self.dir / now.strftime("%Y/%m") / f"clearpress-{stamp}-{self._n:05d}.warc.gz"
            self._n += 1
            self.current = WarcFile(path)
            self.committed = self.current.size
            self.state.open_file(self.state.rel(path), self.committed)
        return self.current

    def write(self, exchange: Exchange, commit: Callable[[str, RecordSpan], None]) -> None:
        """Append one exchange, then let ``commit(file, span)`` record it in the state."""
        warc = self._open()
        span = warc.write(exchange)
        commit(self.state.rel(warc.final_path), span)
        self.committed = span.end
        if warc.size >= self.max_bytes:
            self.close()

    def close(self) -> None:
        if self.current is None:
            return
        warc, self.current = self.current, None
        if warc.size == self.committed:
            path = warc.close()
        else:
            warc.abandon()
            path = recover_open_file(warc.open_path, self.committed)
        self.state.close_file(self.state.rel(path))
        self.written.append(str(path))


class _Run:
    """Mutable bookkeeping of one run; turned into a :class:`Summary` at the end."""

    def __init__(self, sources: Sources, state: State, client: PoliteClient, archive: _Archive):
        self.sources, self.state, self.client, self.archive = sources, state, client, archive
        self.summary = Summary()
        self.failed: list[tuple[str, str]] = []
        self.robots: list[str] = []

    def count(self, **delta: int) -> None:
        s = self.summary
        self.summary = replace(s, **{k: getattr(s, k) + v for k, v in delta.items()})

    def take_discovery(self, found: Discovered) -> None:
        for check in found.checked:
            self.state.record_check(found.source, check)
            if check.outcome == "not_modified":
                self.count(not_modified=1)
            elif check.outcome == "failed":
                self.failed.append((check.key, check.error or "failed"))
        new, known = self.state.add_found(found.source, found.found)
        self.count(discovered=new, duplicates=known + found.repeats)

    def take_result(self, key: str, source: Source, result: Response | FetchFailed) -> None:
        """Archive a fetched article, or record why it was not captured."""
        st = self.state
        if isinstance(result, FetchFailed):
            if result.reason == "disallowed by robots.txt":
                self.robots.append(key)
                st.mark_skipped(key, "robots", result.reason)
            else:
                self.failed.append((key, result.reason))
                st.mark_failed(key, result.reason, retryable=result.retryable)
            return
        resp = result
        if resp.status != 200:
            retryable = resp.status >= 500 or resp.status in (408, 429)
            self.failed.append((key, f"HTTP {resp.status}"))
            st.mark_failed(key, f"HTTP {resp.status}", retryable=retryable)
            return
        if resp.content_type not in PAGE_TYPES:
            reason = f"unexpected content type {resp.content_type or 'none'}"
            self.failed.append((key, reason))
            st.mark_failed(key, reason, retryable=False)
            return
        final_key = url_key(resp.url, trailing_slash=source.trailing_slash)
        if st.status(final_key) == "captured":
            # Another queued URL of this run (or an earlier run) redirected here first.
            note = f"{final_key} already captured" + (" (redirect)" if final_key != key else "")
            st.mark_skipped(key, "duplicate", note)
            self.count(duplicates=1)
            return
        if final_key != key:
            st.mark_skipped(key, "redirected", f"redirects to {final_key}")

        def commit(file: str, span: RecordSpan) -> None:
            st.mark_captured(
                final_key,
                source.name,
                final_url=resp.url,
                file=file,
                span=span,
                digest=hashlib.sha1(resp.body).hexdigest(),
                captured_at=resp.exchange.fetched_at,
            )

        self.archive.write(resp.exchange, commit)
        self.count(fetched=1)
        if source.images == "localise":
            limit = self.sources.defaults.max_images
            st.queue_images(source.name, page_images(resp.body, resp.url, limit=limit), final_key)

    def take_image(self, key: str, source: str, result: Response | FetchFailed) -> None:
        """Archive a fetched image, or record why not; an article never fails for its images."""
        st = self.state
        if isinstance(result, FetchFailed):
            st.mark_failed(key, result.reason, retryable=result.retryable)
            self.count(image_failures=1)
            return
        if result.status != 200 or not result.content_type.startswith("image/"):
            reason = f"HTTP {result.status} {result.content_type or 'no type'}"
            st.mark_failed(key, reason, retryable=result.status >= 500 or result.status == 429)
            self.count(image_failures=1)
            return

        def commit(file: str, span: RecordSpan) -> None:
            st.mark_captured(
                key,
                source,
                final_url=result.url,
                file=file,
                span=span,
                digest=hashlib.sha1(result.body).hexdigest(),
                captured_at=result.exchange.fetched_at,
                kind="image",
            )

        # Stored under the address the page used, so the importer finds it by that address.
        self.archive.write(replace(result.exchange, url=key), commit)
        self.count(images=1)

    def finish(self) -> Summary:
        return replace(
            self.summary,
            failed=tuple(self.failed),
            robots=tuple(self.robots),
            files=tuple(self.archive.written),
        )


def _client(sources: Sources, selected: tuple[Source, ...], transport: object) -> PoliteClient:
    d = sources.defaults
    limits = HostLimits(d.rate_limit, d.concurrency)
    for source in selected:
        d_ = source.discovery
        urls = [source.home, *d_.feeds, *d_.sitemaps, *(x.url for x in d_.listings)]
        for host in {(host_of(u) or "") for u in urls} | {source.host}:
            for spelling in (host, "www." + host):
                limits.configure(spelling, source.rate_limit, source.concurrency)
    settings = HttpSettings.from_defaults(d)
    return PoliteClient(settings, limits=limits, transport=transport)  # type: ignore[arg-type]


@contextmanager
def _cancel_on_error(jobs: dict[Future[Response], str]) -> Iterator[None]:
    """On Ctrl-C or an error, drop the queued requests instead of waiting for all of them."""
    try:
        yield
    except BaseException:
        for job in jobs:
            job.cancel()
        raise


def _progress(total: int) -> tqdm:
    return tqdm(total=total, unit="page", disable=not sys.stderr.isatty(), leave=False)


def _fetch_images(run: _Run, pool: ThreadPoolExecutor, queue: list[tuple[str, str]]) -> None:
    """Fetch the queued images (this run's pages and any a killed run left) into the archive."""
    jobs: dict[Future[Response], tuple[str, str]] = {
        pool.submit(run.client.get, key): (key, source) for key, source in queue
    }
    with _cancel_on_error(jobs):  # type: ignore[arg-type]
        for job in as_completed(jobs):
            key, source = jobs[job]
            try:
                result: Response | FetchFailed = job.result()
            except FetchFailed as exc:
                result = exc
            except Exception as exc:  # one odd image must not stop the run
                result = FetchFailed(key, f"unexpected error: {exc!r}", retryable=False)
            run.take_image(key, source, result)


def run_fetch(
    sources: Sources,
    *,
    captures_dir: str | Path = "captures",
    state_path: str | Path = "state/fetch.sqlite3",
    source_name: str | None = None,
    limit: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Summary:
    """Run discovery and fetching for the selected sources; return what happened.

    Raises :class:`~scripts.models.FetchError` (lock held) or
    :class:`~scripts.models.ConfigError` (unknown ``source_name``); every per-URL problem is
    recorded and reported in the summary instead.
    """
    captures_dir, state_path = Path(captures_dir), Path(state_path)
    selected = sources.selected(source_name)
    with _run_lock(state_path):
        state = State(state_path)
        client = _client(sources, selected, transport)
        archive = _Archive(state, captures_dir, sources.defaults.warc_max_bytes)
        run = _Run(sources, state, client, archive)
        try:
            recovered = recover(state, captures_dir)
            by_name = {s.name: s for s in selected}
            workers = min(MAX_WORKERS, max(1, sum(s.concurrency for s in selected)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
                jobs = {
                    pool.submit(discover_source, s, client, state.validators(s.name)): s
                    for s in selected
                }
                for done in as_completed(jobs):
                    try:
                        run.take_discovery(done.result())
                    except Exception as exc:  # a bug or odd page in one source spares the rest
                        run.failed.append((jobs[done].home, f"discovery failed: {exc!r}"))
                queue = state.queue(by_name, sources.defaults.max_attempts, limit)
                sources_of = dict(
                    state.db.execute("SELECT key, source FROM urls WHERE kind = 'article'")
                )
                fetches: dict[Future[Response], str] = {
                    pool.submit(client.get, key): key for key in queue
                }
                with _progress(len(fetches)) as bar, _cancel_on_error(fetches):
                    for job in as_completed(fetches):
                        key = fetches[job]
                        try:
                            result: Response | FetchFailed = job.result()
                        except FetchFailed as exc:
                            result = exc
                        except Exception as exc:  # a bug on one page must not stop the run
                            result = FetchFailed(key, f"unexpected error: {exc!r}", retryable=True)
                        run.take_result(key, by_name[sources_of[key]], result)
                        bar.update(1)
                _fetch_images(run, pool, state.image_queue(sources.defaults.max_attempts))
        finally:
            archive.close()
            client.close()
            state.close()
    return replace(run.finish(), recovered=tuple(recovered))
