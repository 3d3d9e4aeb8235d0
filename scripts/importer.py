"""Import captures into the Markdown archive: extract, choose topic and path, write.

One capture's failure never stops the others: every capture ends as exactly one
:class:`Outcome`, and only ``wrote``/``updated``/``merged``/``draft`` outcomes touch
``content/``.  A capture that cannot be read or holds no article is *quarantined*: reported
with its file name and reason, written nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from scripts.convert import article_header, body_to_markdown, render_markdown
from scripts.extract import extract
from scripts.models import ArchiveError, Article, Capture
from scripts.readers import expand_paths, read_file
from scripts.slugs import slugify
from scripts.store import ContentIndex, article_path, candidate_paths, identity_of, write_atomic
from scripts.urls import host_of

DEFAULT_TOPIC = "Tin tức"
MIN_CONFIDENCE = 0.5

# Outcome actions, in the order the summary prints them.
ACTIONS = ("wrote", "updated", "merged", "unchanged", "draft", "quarantined")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How captures are imported (CLI flags and sources.toml settings)."""

    content_dir: Path = Path("content")
    url: str | None = None  # page address for a single capture (overrides what it records)
    category: str | None = None  # explicit topic: overrides the page's own category
    force: bool = False  # publish low-confidence articles instead of importing them as drafts
    min_confidence: float = MIN_CONFIDENCE
    default_topic: str = DEFAULT_TOPIC
    topic_for: Callable[[str], str | None] | None = None  # a source's configured default topic


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one capture."""

    action: str
    origin: str
    path: Path | None = None
    reason: str = ""
    title: str = ""


def choose_topic(article: Article, options: ImportOptions) -> str:
    """Pick the topic: ``--category``, else the page's own, else its source's default, else the
    archive default.  Never empty."""
    if options.category and options.category.strip():
        return options.category.strip()
    if article.category and article.category.strip():
        return article.category.strip()
    if options.topic_for:
        for key in (article.via_url, article.via_site, article.source_url, article.source):
            if key:
                topic = options.topic_for(key)
                if topic:
                    return topic
    return options.default_topic or DEFAULT_TOPIC


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
    elif report.confidence < options.min_confidence and not options.force:
        draft = True
    topic = choose_topic(article, options)
    header = article_header(article, slug=slugify(article.title), category=topic, draft=draft)
    body = body_to_markdown(article.body_html)
    identity_header = {
        k: header[k] for k in ("Source_URL", "Via_URL", "Title", "Date") if k in header
    }
    existing = index.by_identity.get(identity_of(identity_header))
    action = "draft" if draft else "wrote"
    if existing is not None:
        vias = _merge_vias(existing.via_urls, article.via_url)
        primary = existing.via_urls[0] if existing.via_urls else None
        if primary and article.via_url and article.via_url != primary:
            # Another site's copy of an article we already have: record where else it appeared.
            merged = dict(existing.header)
            merged["Via_URL"] = ", ".join(vias)
            text = render_markdown(merged, _read_body(existing.path))
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


def _read_body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    _, _, body = text.partition("\n\n")
    return body


def import_capture(capture: Capture, options: ImportOptions, index: ContentIndex) -> Outcome:
    """Extract and write one capture; errors become a ``quarantined`` outcome."""
    origin = capture.origin or "<capture>"
    try:
        article = extract(capture, url=options.url)
        if not article.via_url and capture.url:
            article = replace(article, via_url=capture.url, via_site=host_of(capture.url))
        return import_article(article, origin, options, index)
    except ArchiveError as exc:
        return Outcome("quarantined", origin, reason=_reason(exc, origin))
    except RecursionError:
        return Outcome("quarantined", origin, reason="markup nested too deeply")


def _reason(exc: Exception, origin: str) -> str:
    message = str(exc)
    return message.removeprefix(f"{origin}: ") or type(exc).__name__


def import_paths(paths: Iterable[Path], options: ImportOptions) -> list[Outcome]:
    """Import every capture found under ``paths`` (files or folders), in a stable order."""
    index = ContentIndex.scan(options.content_dir)
    outcomes: list[Outcome] = []
    for path in expand_paths(paths):
        try:
            captures = list(read_file(path))
        except ArchiveError as exc:
            outcomes.append(Outcome("quarantined", str(path), reason=_reason(exc, str(path))))
            continue
        outcomes.extend(import_capture(capture, options, index) for capture in captures)
    return outcomes


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
