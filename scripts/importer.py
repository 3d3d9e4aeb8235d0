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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from scripts.convert import article_header, body_to_markdown, render_markdown
from scripts.extract import extract
from scripts.extract.html import DEPTH_WARNING
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
TIME_LIMIT = 20.0  # seconds of extraction per page before it is quarantined
BATCH = 256  # captures held in memory at once when extracting in parallel

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
    jobs: int = 1  # extraction processes; writes always happen in order in this process
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


def import_article(
    article: Article, origin: str, options: ImportOptions, index: ContentIndex
) -> Outcome:
    """Write one extracted article into the archive (or record it on the article it repeats)."""
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
    body = body_to_markdown(article.body_html)
    identity_header = {
        k: header[k] for k in ("Source_URL", "Via_URL", "Title", "Date") if k in header
    }
    existing = index.by_identity.get(identity_of(identity_header))
    if existing is None and article.via_url:
        # The same story from another site, without an original URL to say so: compare text.
        existing = index.find_copy(body, article.source_url, header.get("Date"))
    action = "draft" if draft else "wrote"
    if existing is not None:
        vias = _merge_vias(existing.via_urls, article.via_url)
        primary = existing.via_urls[0] if existing.via_urls else None
        if primary and article.via_url and article.via_url != primary:
            # Another site's copy of an article we already have: record where else it appeared.
            merged = dict(existing.header)
            merged["Via_URL"] = ", ".join(vias)
            text = render_markdown(merged, read_body(existing.path))
            changed = write_atomic(existing.path, text)
            index.add(existing.path, merged)
            return Outcome(
                "merged" if changed else "unchanged", origin, existing.path, title=article.title
            )
        header["Slug"] = existing.slug
        if vias:
            header["Via_URL"] = ", ".join(vias)
        path = existing.path
        text = render_markdown(header, body)
        changed = write_atomic(path, text)
        index.add(path, header)
        if not changed:
            return Outcome("unchanged", origin, path, title=article.title)
        return Outcome(
            "draft" if draft else "updated", origin, path, "; ".join(reasons), article.title
        )

    year = f"{article.date.year:04d}" if article.date else "undated"
    base = article_path(options.content_dir, topic, year, header["Slug"])
    for path in candidate_paths(base):
        if path not in index.by_path and not path.exists():
            break
    header["Slug"] = path.stem
    text = render_markdown(header, body)
    write_atomic(path, text)
    index.add(path, header)
    return Outcome(action, origin, path, "; ".join(reasons) if draft else "", article.title)


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


def extract_bounded(
    capture: Capture, url: str | None, time_limit: float, element_hiding: Path | None = None
) -> tuple[Article | None, str]:
    """Extract one capture within ``time_limit``; return the article or the reason it failed.

    Pure and picklable, so it runs the same in a worker process as in this one.
    """
    origin = capture.origin or "<capture>"
    if capture.rejected:
        return None, capture.rejected
    try:
        with _deadline(time_limit):
            if element_hiding is None:
                article = extract(capture, url=url)
            else:
                from scripts.extract.html import ExtractOptions

                options = ExtractOptions(element_hiding=element_hiding)
                article = extract(capture, url=url, options=options)
    except ArchiveError as exc:
        return None, _reason(exc, origin)
    except RecursionError:
        return None, "markup nested too deeply"
    except _Timeout:
        return None, f"extraction took longer than {time_limit:g} s"
    except Exception as exc:  # one hostile page must never stop the whole run
        return None, f"unexpected {type(exc).__name__} during extraction: {exc}"[:300]
    if not article.via_url and capture.url:
        article = replace(article, via_url=capture.url, via_site=host_of(capture.url))
    return article, ""


def _extract_job(
    job: tuple[Capture, str | None, float, Path | None],
) -> tuple[Article | None, str]:
    return extract_bounded(*job)


def import_capture(capture: Capture, options: ImportOptions, index: ContentIndex) -> Outcome:
    """Extract and write one capture; errors become a ``quarantined`` outcome."""
    article, reason = extract_bounded(
        capture, options.url, options.time_limit, options.element_hiding
    )
    return _write(capture, article, reason, options, index)


def _write(
    capture: Capture,
    article: Article | None,
    reason: str,
    options: ImportOptions,
    index: ContentIndex,
) -> Outcome:
    origin = capture.origin or "<capture>"
    if article is None:
        return Outcome("quarantined", origin, reason=reason)
    try:
        return import_article(article, origin, options, index)
    except ArchiveError as exc:
        return Outcome("quarantined", origin, reason=_reason(exc, origin))


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


def import_captures(
    items: Iterable[Capture | Outcome], options: ImportOptions, index: ContentIndex
) -> Iterator[Outcome]:
    """Import captures in order, extracting in ``options.jobs`` processes.

    Extraction is pure, so it can run anywhere; writing depends on what was written before
    (identities, slug collisions), so it happens here, in input order.  The result is the same
    whatever the number of jobs.
    """
    jobs = max(1, options.jobs)
    pool = multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else None
    try:
        batch: list[Capture | Outcome] = []
        for item in _with_end(iter(items)):
            if item is not None:
                batch.append(item)
            if batch and (item is None or len(batch) >= BATCH):
                captures = [c for c in batch if isinstance(c, Capture)]
                work = [
                    (c, options.url, options.time_limit, options.element_hiding) for c in captures
                ]
                results = iter(pool.map(_extract_job, work) if pool else map(_extract_job, work))
                for entry in batch:
                    if isinstance(entry, Outcome):
                        yield entry
                    else:
                        yield _write(entry, *next(results), options, index)
                batch = []
    finally:
        if pool is not None:
            pool.terminate()


def _with_end(items: Iterator[Capture | Outcome]) -> Iterator[Capture | Outcome | None]:
    """Yield ``items`` and then ``None``, which flushes the last batch."""
    yield from items
    yield None


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
