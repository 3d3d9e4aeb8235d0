"""Import captures into the Markdown archive: extract, choose topic and path, write.

One capture's failure never stops the others: every capture ends as exactly one
:class:`Outcome`, and only ``wrote``/``updated``/``merged``/``draft`` outcomes touch
``content/``.  A capture that cannot be read or holds no article is *quarantined*: reported
with its file name and reason, written nowhere.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import TypeVar

from scripts.convert import article_header, body_to_markdown, render_markdown
from scripts.extract import extract
from scripts.extract.html import DEPTH_WARNING
from scripts.fingerprint import simhash, words_of
from scripts.images import ImageSettings, keep_images
from scripts.models import ArchiveError, Article, Capture
from scripts.readers import expand_paths, read_file
from scripts.slugs import slugify, topic_name
from scripts.store import (
    ContentIndex,
    article_path,
    candidate_paths,
    identity_of,
    import_lock,
    read_body,
    write_atomic,
)
from scripts.urls import host_of

DEFAULT_TOPIC = "Tin tức"
MIN_CONFIDENCE = 0.5
TIME_LIMIT = 20.0  # seconds to extract and convert a page before it is quarantined
CHUNK = 8  # captures sent to a worker at once when preparing in parallel
AHEAD = 4  # chunks per worker in flight: enough to keep workers busy while this process writes

T = TypeVar("T")

# Outcome actions, in the order the summary prints them.
ACTIONS = ("wrote", "updated", "merged", "unchanged", "draft", "quarantined")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How captures are imported (CLI flags and sources.toml settings)."""

    content_dir: Path = Path("content")
    url: str | None = None  # page address for a single capture (overrides what it records)
    category: str | None = None  # explicit topic: overrides the page's own category
    force: bool = False  # publish low-confidence articles (never undated or depth-cut ones)
    min_confidence: float = MIN_CONFIDENCE
    default_topic: str = DEFAULT_TOPIC
    topic_for: Callable[[str], str | None] | None = None  # a source's configured default topic
    topic_alias: Callable[[str], str] | None = None  # site category → archive topic ([topics])
    policy_for: Callable[[str], str] | None = None  # a source's publishing policy
    jobs: int = 1  # processes preparing captures; writes always happen in order in this one
    time_limit: float = TIME_LIMIT
    images_for: Callable[[Article], ImageSettings] | None = None  # per-source image policy
    resources: Callable[[str], bytes | None] | None = None  # captured bytes of image URLs
    element_hiding: Path | None = None  # EasyList/ABPVN-format list applied to HTML pages


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one capture."""

    action: str
    origin: str
    path: Path | None = None
    reason: str = ""
    title: str = ""


def source_options(sources_path: Path) -> dict[str, object]:
    """Import options that come from sources.toml (none when the file does not exist)."""
    if not sources_path.is_file():
        return {}
    from scripts.sources import load_sources

    sources = load_sources(sources_path)

    def images_for(article: Article) -> ImageSettings:
        key = article.via_url or article.via_site
        policy, width = sources.images_for(key) if key else sources.images_for("")
        return ImageSettings(policy=policy, max_width=width)

    return {
        "topic_for": sources.topic_for,
        "default_topic": sources.default_topic,
        "topic_alias": sources.topic_alias,
        "policy_for": sources.policy_for,
        "images_for": images_for,
    }


def choose_topic(article: Article, options: ImportOptions) -> str:
    """Pick the topic (see :func:`_stated_topic`), made safe to publish as a site section."""
    return topic_name(_stated_topic(article, options), options.default_topic or DEFAULT_TOPIC)


def _stated_topic(article: Article, options: ImportOptions) -> str:
    """Pick the topic: ``--category``, else the page's own, else its source's default, else the
    archive default.  Never empty."""
    if options.category and options.category.strip():
        return options.category.strip()
    if article.category and article.category.strip():
        stated = article.category.strip()
        return options.topic_alias(stated) if options.topic_alias else stated
    if options.topic_for:
        for key in (article.via_url, article.via_site, article.source_url, article.source):
            if key:
                topic = options.topic_for(key)
                if topic:
                    return topic
    return options.default_topic or DEFAULT_TOPIC


def _policy(article: Article, options: ImportOptions) -> str:
    """The publishing policy of the site the article was captured from (``full`` by default)."""
    if options.policy_for:
        for key in (article.via_url, article.via_site):
            if key:
                return options.policy_for(key)
    return "full"


def _merge_vias(existing: tuple[str, ...], new: str | None) -> tuple[str, ...]:
    """Keep the first capture's page first, then every other page that republished it, sorted."""
    if not existing:
        return (new,) if new else ()
    others = sorted({*existing[1:], *([new] if new and new != existing[0] else [])})
    return (existing[0], *others)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One capture made ready to write: every decision that needs no knowledge of the archive.

    Made by :func:`prepare` (in a worker process when ``jobs > 1``) and written by
    :func:`commit`, which owns the content index: identities, copies and slug collisions.
    """

    origin: str
    title: str
    header: dict[str, str]  # the article's header; commit settles Slug and Via_URL
    body: str  # Markdown
    identity: str  # what says two files hold the same article (see store.identity_of)
    base: Path  # content/<topic>/<yyyy>/<slug>.md before slug collisions are resolved
    draft: bool
    reasons: tuple[str, ...]  # why it is a draft (or what an update should report)
    via_url: str | None
    source_url: str | None
    fingerprint: int | None  # SimHash of the body, to find copies from other sites


def prepare_article(article: Article, origin: str, options: ImportOptions) -> Prepared:
    """Decide draft, topic and path, keep images and convert to Markdown (no index needed).

    Images are written here: their names are the hash of their bytes, so a worker writing one
    needs nothing shared and two workers writing the same one write the same file.
    """
    report = article.report
    reasons = [w for w in report.warnings if not w.startswith("captions inferred")]
    draft = False
    if article.date is None:
        draft, reasons = True, ["no publication date found", *reasons]
    elif DEPTH_WARNING in report.warnings:
        draft = True  # the body was cut: never published as if whole, not even with --force
    elif report.confidence < options.min_confidence and not options.force:
        draft = True
    topic = choose_topic(article, options)
    settings = options.images_for(article) if options.images_for else ImageSettings()
    article, _ = keep_images(
        article, options.resources or _no_resources, options.content_dir, settings
    )
    header = article_header(
        article,
        slug=slugify(article.title),
        category=topic,
        draft=draft,
        policy=_policy(article, options),
    )
    identity_header: dict[str, str] = {
        k: header[k] for k in ("Source_URL", "Via_URL", "Title", "Date") if k in header
    }
    year = f"{article.date.year:04d}" if article.date else "undated"
    body = body_to_markdown(article.body_html)
    return Prepared(
        origin=origin,
        title=article.title,
        header=header,
        body=body,
        identity=identity_of(identity_header),
        base=article_path(options.content_dir, topic, year, header["Slug"]),
        draft=draft,
        reasons=tuple(reasons),
        via_url=article.via_url,
        source_url=article.source_url,
        fingerprint=simhash(words_of(body)) if article.via_url else None,
    )


def commit(prepared: Prepared, index: ContentIndex) -> Outcome:
    """Write a prepared article into the archive (or record it on the article it repeats).

    Runs in the importing process, in input order: what it does depends on what was written
    before.  A store error becomes a ``quarantined`` outcome.
    """
    try:
        return _commit(prepared, index)
    except ArchiveError as exc:
        return Outcome("quarantined", prepared.origin, reason=_reason(exc, prepared.origin))


def _commit(prepared: Prepared, index: ContentIndex) -> Outcome:
    origin, title, body, draft = prepared.origin, prepared.title, prepared.body, prepared.draft
    reasons = "; ".join(prepared.reasons)
    header = dict(prepared.header)
    existing = index.by_identity.get(prepared.identity)
    if existing is None and prepared.via_url:
        # The same story from another site, without an original URL to say so: compare text.
        existing = index.find_copy(
            body, prepared.source_url, header.get("Date"), prepared.fingerprint
        )
    if existing is not None:
        vias = _merge_vias(existing.via_urls, prepared.via_url)
        primary = existing.via_urls[0] if existing.via_urls else None
        if primary and prepared.via_url and prepared.via_url != primary:
            # Another site's copy of an article we already have: record where else it appeared.
            merged = dict(existing.header)
            merged["Via_URL"] = ", ".join(vias)
            text = render_markdown(merged, read_body(existing.path))
            changed = write_atomic(existing.path, text)
            index.add(existing.path, merged)
            return Outcome("merged" if changed else "unchanged", origin, existing.path, title=title)
        header["Slug"] = existing.slug
        if vias:
            header["Via_URL"] = ", ".join(vias)
        path = existing.path
        changed = write_atomic(path, render_markdown(header, body))
        index.add(path, header)
        if not changed:
            return Outcome("unchanged", origin, path, title=title)
        return Outcome("draft" if draft else "updated", origin, path, reasons, title)

    for path in candidate_paths(prepared.base):
        if path not in index.by_path and not path.exists():
            break
    header["Slug"] = path.stem
    write_atomic(path, render_markdown(header, body))
    index.add(path, header)
    return Outcome("draft" if draft else "wrote", origin, path, reasons if draft else "", title)


def import_article(
    article: Article, origin: str, options: ImportOptions, index: ContentIndex
) -> Outcome:
    """Write one extracted article into the archive (:func:`prepare_article`, then commit)."""
    try:
        prepared = prepare_article(article, origin, options)
    except ArchiveError as exc:
        return Outcome("quarantined", origin, reason=_reason(exc, origin))
    return commit(prepared, index)


def resource_lookup(paths: Iterable[Path]) -> Callable[[str], bytes | None] | None:
    """Return a lookup of the images captured in the WARC files among ``paths`` (or None)."""
    from scripts.resources import CapturedResources

    warcs = [p for p in paths if p.is_dir() or p.name.endswith((".warc", ".warc.gz"))]
    found = CapturedResources.scan(warcs)
    return found.get if len(found) else None


def _no_resources(url: str) -> bytes | None:
    return None


class _Timeout(Exception):
    """Raised inside an extraction that ran past its time limit."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread only; elsewhere no limit applies)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _bounded(
    work: Callable[[], T], origin: str, time_limit: float, what: str = "extraction"
) -> tuple[T | None, str]:
    """Run ``work`` (``what``, for the reason) within ``time_limit``; return its value, or None
    and why it failed."""
    try:
        with _deadline(time_limit):
            return work(), ""
    except ArchiveError as exc:
        return None, _reason(exc, origin)
    except RecursionError:
        return None, "markup nested too deeply"
    except _Timeout:
        return None, f"{what} took longer than {time_limit:g} s"
    except Exception as exc:  # one hostile page must never stop the whole run
        return None, f"unexpected {type(exc).__name__} during {what}: {exc}"[:300]


def _extract(capture: Capture, url: str | None, element_hiding: Path | None) -> Article:
    """Extract one capture and fill in the page it was captured from."""
    if element_hiding is None:
        article = extract(capture, url=url)
    else:
        from scripts.extract.html import ExtractOptions

        article = extract(capture, url=url, options=ExtractOptions(element_hiding=element_hiding))
    if not article.via_url and capture.url:
        article = replace(article, via_url=capture.url, via_site=host_of(capture.url))
    return article


def extract_bounded(
    capture: Capture, url: str | None, time_limit: float, element_hiding: Path | None = None
) -> tuple[Article | None, str]:
    """Extract one capture within ``time_limit``; return the article or the reason it failed."""
    if capture.rejected:
        return None, capture.rejected
    origin = capture.origin or "<capture>"
    return _bounded(lambda: _extract(capture, url, element_hiding), origin, time_limit)


def prepare(capture: Capture, options: ImportOptions) -> Prepared | Outcome:
    """Extract, convert and place one capture within the time limit, or say why it cannot be.

    Pure apart from image files (see :func:`prepare_article`), so it runs the same in a worker
    process as in this one; a failure is a ``quarantined`` outcome.
    """
    origin = capture.origin or "<capture>"
    if capture.rejected:
        return Outcome("quarantined", origin, reason=capture.rejected)

    def work() -> Prepared:
        article = _extract(capture, options.url, options.element_hiding)
        return prepare_article(article, origin, options)

    prepared, reason = _bounded(work, origin, options.time_limit, "extraction and conversion")
    return prepared if prepared is not None else Outcome("quarantined", origin, reason=reason)


def import_capture(capture: Capture, options: ImportOptions, index: ContentIndex) -> Outcome:
    """Extract and write one capture; errors become a ``quarantined`` outcome."""
    return _commit_item(prepare(capture, options), index)


def _commit_item(item: Prepared | Outcome, index: ContentIndex) -> Outcome:
    return commit(item, index) if isinstance(item, Prepared) else item


def _reason(exc: Exception, origin: str) -> str:
    message = str(exc)
    return message.removeprefix(f"{origin}: ") or type(exc).__name__


def _read_all(paths: Iterable[Path]) -> Iterator[Capture | Outcome]:
    """Yield every capture under ``paths``, or an outcome for a file that cannot be read."""
    for path in expand_paths(paths):
        try:
            yield from list(read_file(path))
        except ArchiveError as exc:
            yield Outcome("quarantined", str(path), reason=_reason(exc, str(path)))


_worker_options: ImportOptions | None = None  # set in each worker process by _start_worker


def _start_worker(options: ImportOptions) -> None:
    # Forked, so the options (with their callables) are inherited, never pickled.
    global _worker_options
    _worker_options = options


def _prepare_chunk(chunk: list[Capture | Outcome]) -> list[Prepared | Outcome]:
    assert _worker_options is not None
    return [prepare(c, _worker_options) if isinstance(c, Capture) else c for c in chunk]


def _chunks(items: Iterable[Capture | Outcome]) -> Iterator[list[Capture | Outcome]]:
    chunk: list[Capture | Outcome] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_captures(
    items: Iterable[Capture | Outcome], options: ImportOptions, index: ContentIndex
) -> Iterator[Outcome]:
    """Import captures in order, preparing them in ``options.jobs`` processes.

    :func:`prepare` (extraction, images, conversion) is pure, so it can run anywhere;
    :func:`commit` depends on what was written before (identities, slug collisions), so it
    happens here, in input order, as each result arrives.  At most ``AHEAD`` chunks of ``CHUNK``
    captures per worker are in flight, so memory stays bounded on any number of captures.  The
    result is the same whatever the number of jobs.
    """
    jobs = max(1, options.jobs)
    if jobs == 1:
        for item in items:
            yield _commit_item(prepare(item, options) if isinstance(item, Capture) else item, index)
        return
    context = multiprocessing.get_context("fork")
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(options,))
    try:
        pending: deque[AsyncResult[list[Prepared | Outcome]]] = deque()
        for chunk in _chunks(items):
            pending.append(pool.apply_async(_prepare_chunk, (chunk,)))
            if len(pending) >= jobs * AHEAD:
                for prepared in pending.popleft().get():
                    yield _commit_item(prepared, index)
        while pending:
            for prepared in pending.popleft().get():
                yield _commit_item(prepared, index)
    finally:
        pool.terminate()


def import_paths(paths: Iterable[Path], options: ImportOptions) -> list[Outcome]:
    """Import every capture found under ``paths`` (files or folders), in a stable order.

    Images are taken from the WARC files among ``paths`` unless ``options.resources`` says
    where else to look.  The content folder's import lock is held throughout (see
    :func:`scripts.store.import_lock`).
    """
    paths = list(paths)
    if options.resources is None:
        options = replace(options, resources=resource_lookup(paths))
    with import_lock(options.content_dir):
        index = ContentIndex.scan(options.content_dir)
        return list(import_captures(_read_all(paths), options, index))


def default_jobs() -> int:
    """Extraction processes to use by default: every core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def summarize(outcomes: list[Outcome]) -> str:
    """One line counting outcomes by action: ``3 wrote, 1 unchanged, 1 quarantined``."""
    counts = dict.fromkeys(ACTIONS, 0)
    for outcome in outcomes:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
    parts = [f"{n} {action}" for action, n in counts.items() if n]
    return ", ".join(parts) if parts else "nothing to import"


__all__ = [
    "ACTIONS",
    "ImportOptions",
    "Outcome",
    "choose_topic",
    "import_capture",
    "import_paths",
    "summarize",
]
