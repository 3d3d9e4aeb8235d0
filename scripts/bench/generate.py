"""Deterministic synthetic archives: N realistic captures or N Markdown articles from a seed.

Why synthetic: the archive's speed problems appear at 10,000+ articles, far more than the demo
captures, and benchmark inputs must be identical from run to run and machine to machine.

Each item ``i`` draws from its own ``random.Random(f"{seed}:{i}")``, so item ``i`` does not depend
on how many items are generated: the first 1,000 of a 10,000-article archive are the 1,000-article
archive, and ``start=N`` generates the *next* articles for incremental-build measurements.  The
one cross-item decision — a slug already taken gets ``-2`` as in the importer — only looks at
earlier items, which keeps that prefix property.

Two outputs:

* **captures** in the two styles the importer meets: the plain-text rendering of the seed
  capture (ticker, phone-ad line, breadcrumb, byline, dateline lead, captions, credit, original
  link, comment box, indented related list) and the HTML republisher page of
  ``scripts/sites/webkhoedep.vn.toml`` (ads, ticker, hotline, lazy figures, inline related box,
  tags, share bar, comments, related list);
* **articles**: the Markdown files ``scripts/convert.py`` writes (header from
  :func:`scripts.convert.article_header`, body in the converter's Markdown dialect), laid out as
  ``<topic-slug>/<yyyy>/<slug>.md``.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from scripts.bench import words as W
from scripts.convert import article_header, render_markdown
from scripts.dates import VN_TZ
from scripts.models import Article
from scripts.slugs import slugify

MAX_ITEMS = 200_000
STYLES = ("text", "html")
_EPOCH = datetime(2019, 1, 1, 6, 0, tzinfo=VN_TZ)
_SPAN_MINUTES = 7 * 365 * 24 * 60  # articles spread over seven years: many year/month archives
_WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
# Tags follow a skewed distribution: a few on every other article, a long tail on a few each.
_TAG_POOL: tuple[str, ...] = tuple(dict.fromkeys((*W.TAG_WORDS, *W.SUBJECTS, *W.PLACES)))
_TAG_WEIGHTS = tuple(1.0 / (rank + 1) for rank in range(len(_TAG_POOL)))


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article body: a paragraph, a heading, a list or a figure."""

    kind: str  # "p", "h2", "ul", "figure"
    text: str = ""
    items: tuple[str, ...] = ()
    image: str = ""


@dataclass(frozen=True, slots=True)
class Story:
    """Everything one generated item is made of, before it is written in any format."""

    index: int
    title: str
    slug: str
    topic: str
    source: str
    republisher: str
    date: datetime
    captured: datetime
    modified: datetime | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    lead: str
    blocks: tuple[Block, ...]
    source_url: str
    via_url: str
    image: str | None
    related: tuple[tuple[str, str, datetime, str], ...]  # title, topic, date, summary
    style: str


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(W.FAMILY)} {rng.choice(W.MIDDLE)} {rng.choice(W.GIVEN)}"


def _fill(template: str, rng: random.Random, date: datetime) -> str:
    return template.format(
        org=rng.choice(W.ORGS),
        place=rng.choice(W.PLACES),
        day=f"{date.day}/{date.month}",
        role=rng.choice(W.ROLES),
        person=_person(rng),
    )


def _sentence(rng: random.Random, date: datetime) -> str:
    """One Vietnamese sentence, ending with a full stop (so it never looks like a caption)."""
    form = rng.randrange(5)
    if form == 0:
        opener = _fill(rng.choice(W.OPENERS), rng, date)
        return f"{opener}, {rng.choice(W.ROLES).lower()} {_person(rng)} ({rng.choice(W.ORGS)}) {rng.choice(W.VERBS)}, {rng.choice(W.CLAUSES)}."
    if form == 1:
        return f"{_cap(rng.choice(W.SUBJECTS))} tại {rng.choice(W.PLACES)} {rng.choice(W.EVENTS)} {rng.choice(W.WHEN)}, {rng.choice(W.CLAUSES)}."
    if form == 2:
        return f"Theo {rng.choice(W.ORGS)}, {rng.choice(W.CLAUSES)}; {rng.choice(W.CLAUSES)}."
    if form == 3:
        return f"{_cap(rng.choice(W.CLAUSES))}, {rng.choice(W.SUBJECTS)} {rng.choice(W.EVENTS)}."
    return f"{_cap(rng.choice(W.SUBJECTS))} {rng.choice(W.EVENTS)} {rng.choice(W.WHEN)}."


def _paragraph(rng: random.Random, date: datetime, low: int = 2, high: int = 5) -> str:
    return " ".join(_sentence(rng, date) for _ in range(rng.randint(low, high)))


def _title(rng: random.Random) -> str:
    form = rng.randrange(4)
    if form == 0:
        return f"{rng.choice(W.PLACES)}: {_cap(rng.choice(W.SUBJECTS))} {rng.choice(W.EVENTS)} {rng.choice(W.WHEN)}"
    if form == 1:
        return f"{_cap(rng.choice(W.SUBJECTS))} {rng.choice(W.EVENTS)} {rng.choice(W.WHEN)}"
    if form == 2:
        return f"{rng.choice(W.ORGS)} {rng.choice(W.VERBS)} về {rng.choice(W.SUBJECTS)}"
    return f"{_cap(rng.choice(W.SUBJECTS))} tại {rng.choice(W.PLACES)} {rng.choice(W.EVENTS)}"


def _when(rng: random.Random) -> datetime:
    return _EPOCH + timedelta(minutes=rng.randrange(_SPAN_MINUTES))


# Additions are captured from here on: after the news day and the latest capture of the archive.
_ADDED = _EPOCH + timedelta(minutes=_SPAN_MINUTES, days=5)


def _news_day(date: datetime) -> datetime:
    """Move a drawn date to the day after the archive's span, keeping its time of day."""
    return _EPOCH + timedelta(minutes=_SPAN_MINUTES) + (date - _EPOCH) % timedelta(days=1)


def _story(
    seed: int,
    index: int,
    slug_taken: set[str],
    styles: tuple[str, ...],
    news: bool = False,
    added: bool = False,
) -> Story:
    """Draw item ``index``; ``slug_taken`` holds the slugs of items before it (and is updated).

    ``news``: the item is today's news (dated the day after the archive's span) rather than a
    story from anywhere in the span; every other draw is the same.  ``added``: the item is
    added to an existing archive, so it was captured when it was added — after everything
    captured before it, whatever its date (see :func:`stories`).
    """
    rng = random.Random(f"clearpress-bench:{seed}:{index}")
    title = _title(rng)
    base = slugify(title)
    slug, number = base, 1
    while slug in slug_taken:
        number += 1
        slug = f"{base}-{number}"
    slug_taken.add(slug)
    topic = rng.choice(W.TOPICS)
    source = rng.choice(W.SOURCES)
    republisher = rng.choice(W.REPUBLISHERS)
    date = _when(rng)
    if news:
        date = _news_day(date)
    captured = date + timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
    if added:
        captured = _ADDED + timedelta(minutes=index)
    modified = date + timedelta(hours=rng.randrange(1, 48)) if rng.random() < 0.2 else None
    authors = (_person(rng),) if rng.random() < 0.7 else ()
    tags = tuple(dict.fromkeys(rng.choices(_TAG_POOL, weights=_TAG_WEIGHTS, k=rng.randint(1, 5))))
    ident = f"{rng.randrange(100_000, 999_999)}{index:06d}"
    source_url = f"https://{source}/{slugify(topic)}/{slug}-{ident}.htm"
    via_url = f"https://{republisher}/{slugify(topic)}/{slug}-{ident[:6]}.html"
    lead = _paragraph(rng, date, 1, 2)
    blocks: list[Block] = []
    images: list[str] = []
    for position in range(rng.randint(5, 12)):
        roll = rng.random()
        if position and roll < 0.18:
            url = f"https://cdn.{republisher}/{date:%Y/%m/%d}/{slug}-{len(images) + 1}.jpg"
            images.append(url)
            caption = _fill(rng.choice(W.CAPTIONS), rng, date)
            blocks.append(Block("figure", caption, image=url))
        elif position and roll < 0.24:
            blocks.append(Block("h2", rng.choice(W.HEADINGS)))
        elif position and roll < 0.30:
            items = tuple(_cap(rng.choice(W.CLAUSES)) for _ in range(rng.randint(3, 5)))
            blocks.append(Block("ul", items=items))
        blocks.append(Block("p", _paragraph(rng, date)))
    related = tuple(
        (_title(rng), rng.choice(W.TOPICS), date - timedelta(minutes=rng.randrange(60, 20_000)), _paragraph(rng, date, 1, 1))
        for _ in range(rng.randint(3, 12))
    )  # fmt: skip
    return Story(
        index=index, title=title, slug=slug, topic=topic, source=source,
        republisher=republisher, date=date, captured=captured, modified=modified,
        authors=authors, tags=tags, lead=lead, blocks=tuple(blocks), source_url=source_url,
        via_url=via_url, image=images[0] if images else None, related=related,
        style=styles[rng.randrange(len(styles))],
    )  # fmt: skip


def stories(
    n: int, seed: int, *, start: int = 0, styles: tuple[str, ...] = STYLES, news: bool = False
) -> Iterator[Story]:
    """Yield items ``start`` … ``start + n - 1`` (earlier ones are drawn only to reserve slugs).

    ``news``: the yielded items are dated after the whole archive, as a daily import's are;
    without it they fall anywhere in the archive's seven years (a back-fill).  Items after
    ``start`` > 0 are additions to an archive of ``start`` items: each is captured when it is
    added (``Captured`` after every earlier item's, a minute per item), as an import stamps
    what it captures, whatever the story's date.
    """
    taken: set[str] = set()
    for index in range(start + n):
        yielded = index >= start
        story = _story(seed, index, taken, styles, news and yielded, yielded and start > 0)
        if index >= start:
            yield story


# --- Markdown articles -----------------------------------------------------------------------


def body_html(story: Story) -> str:
    """The sanitized body HTML an extractor would hand the converter for this story."""
    parts = [f"<p>{html.escape(story.lead, quote=False)}</p>"]
    for block in story.blocks:
        if block.kind == "figure":
            parts.append(_figure_html(block))
        elif block.kind == "ul":
            lis = "".join(f"<li>{html.escape(item, quote=False)}</li>" for item in block.items)
            parts.append(f"<ul>{lis}</ul>")
        else:
            parts.append(f"<{block.kind}>{html.escape(block.text, quote=False)}</{block.kind}>")
    return "\n".join(parts)


def _figure_html(block: Block) -> str:
    alt = html.escape(block.text, quote=True)
    caption = html.escape(block.text, quote=False)
    return (
        f'<figure><img src="{block.image}" alt="{alt}"><figcaption>{caption}</figcaption></figure>'
    )


def _figure_markdown(block: Block) -> str:
    """A figure as the converter serialises it — by the converter's own function, so attributes
    it adds (``referrerpolicy`` on hotlinked images …) follow it without a change here."""
    from bs4 import BeautifulSoup

    from scripts.convert import serialize_figure

    figure = BeautifulSoup(_figure_html(block), "lxml").find("figure")
    return serialize_figure(figure)  # type: ignore[arg-type]


def body_markdown(story: Story) -> str:
    """The body as :func:`scripts.convert.body_to_markdown` writes it, without parsing HTML.

    Generated text holds none of the characters the converter escapes, so paragraphs, headings
    and lists are written directly and only figures go through the converter's serialiser —
    10,000 articles in seconds instead of a minute of soup building.  The tests check that this
    equals the converter's output.
    """
    parts = [story.lead]
    for block in story.blocks:
        if block.kind == "figure":
            parts.append(_figure_markdown(block))
        elif block.kind == "ul":
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif block.kind == "h2":
            parts.append(f"## {block.text}")
        else:
            parts.append(block.text)
    return "\n\n".join(parts) + "\n"


def as_article(story: Story) -> Article:
    """The :class:`~scripts.models.Article` an extractor would return for this story."""
    summary = story.lead if len(story.lead) <= 300 else story.lead[:300].rsplit(" ", 1)[0] + "…"
    return Article(
        title=story.title, body_html=body_html(story), date=story.date, modified=story.modified,
        authors=story.authors, category=story.topic, tags=story.tags, summary=summary,
        source=story.source, source_url=story.source_url, via_url=story.via_url,
        captured=story.captured, image=story.image,
    )  # fmt: skip


def article_relpath(story: Story) -> Path:
    """``<topic-slug>/<yyyy>/<slug>.md``, the store's layout."""
    return Path(slugify(story.topic, fallback="tin-tuc")) / f"{story.date:%Y}" / f"{story.slug}.md"


def article_text(story: Story) -> str:
    """The full content file: the converter's header, a blank line, the Markdown body."""
    header = article_header(as_article(story), slug=story.slug, category=story.topic)
    return render_markdown(header, body_markdown(story))


# --- captures --------------------------------------------------------------------------------


def _vn_stamp(when: datetime) -> str:
    return f"{_WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y %H:%M}"


def text_capture(story: Story, rng: random.Random) -> str:
    """The story as a browser's plain-text rendering of the republisher page (the seed's style)."""
    lines = [rng.choice(W.TICKERS), rng.choice(W.PHONE_ADS), ""]
    if rng.random() < 0.8:
        lines += [f"Trang chủ › {story.topic}", ""]
    lines += [story.title, "", f"Theo {story.source} - {story.date:%H:%M | %d/%m/%Y}"]
    lines.append(f"{story.republisher} - {story.lead}")
    lines.append("")
    for position, block in enumerate(story.blocks):
        if block.kind == "figure":
            lines += ["", block.text, ""]
        elif block.kind == "ul":
            lines += [*block.items, ""]
        else:
            lines += [block.text, ""]
        if position == 2 and rng.random() < 0.5:
            lines += ["Quảng cáo", ""]
    lines += [f"Theo {story.source}", "Xem link gốc Ẩn link gốc"]
    lines.append(f"{story.source_url}?fbclid=IwAR{story.index:08d}&utm_source=facebook")
    lines += ["Bình luận", "Bình luận của bạn về bài viết", ""]
    for title, topic, when, summary in story.related:
        lines += [f"  {title}", "", f"  {topic} - {_vn_stamp(when)}", f"  {summary}", ""]
    return "\n".join(lines)


def _related_items(story: Story, host: str) -> str:
    items = []
    for number, (title, topic, when, summary) in enumerate(story.related):
        href = f"https://{host}/{slugify(topic)}/{slugify(title)}-{story.index * 13 + number}.html"
        t = html.escape(title)
        items.append(
            f'<li><a href="{href}"><img src="https://cdn.{host}/thumb-{number}.jpg" alt="{t}"></a>'
            f'<h4><a href="{href}">{t}</a></h4><span class="cat">{html.escape(topic)}</span> - '
            f'<span class="time">{_vn_stamp(when)}</span><p>{html.escape(summary)}</p></li>'
        )
    return "\n".join(items)


def html_capture(story: Story, rng: random.Random) -> str:
    """The story as a SingleFile save of a webkhoedep.vn-style page (selectors of its rule file)."""
    host = story.republisher
    e = html.escape
    body: list[str] = []
    for position, block in enumerate(story.blocks):
        if block.kind == "figure":
            body.append(
                '<figure class="image"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
                f'data-src="{block.image}" alt="{e(block.text)}"><figcaption>{e(block.text)}'
                "</figcaption></figure>"
            )
        elif block.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>")
        else:
            body.append(f"<{block.kind}>{e(block.text)}</{block.kind}>")
        if position == 1:
            body.append(
                '<div class="ads ad-slot"><span>Quảng cáo</span><ins class="adsbygoogle" '
                'style="display:block" data-ad-client="ca-pub-3940256099942544"></ins></div>'
            )
        if position == 3 and rng.random() < 0.6:
            body.append(
                '<div class="box-tinlienquan"><strong>TIN LIÊN QUAN</strong><ul>'
                + "".join(f'<li><a href="https://{host}/x-{n}.html">{e(t)}</a></li>' for n, (t, *_) in enumerate(story.related[:3]))
                + "</ul></div>"
            )  # fmt: skip
    body.append(f'<p class="source-credit">Theo {e(story.source)}</p>')
    author = f'<span class="detail-author">{e(story.authors[0])}</span>' if story.authors else ""
    tags = " ".join(f'<a href="/tag/{slugify(t)}">{e(t)}</a>' for t in story.tags)
    og_image = f'<meta property="og:image" content="{story.image}">' if story.image else ""
    original = f"{story.source_url}?fbclid=IwAR{story.index:08d}&amp;utm_source=facebook"
    return f"""<!--
 Page saved with SingleFile
 url: {story.via_url}
 saved date: {story.captured:%a %b %d %Y %H:%M:%S} GMT+0700 (Indochina Time)
-->
<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{e(story.title)} - {host}</title>
<link rel="canonical" href="{story.via_url}"><meta property="og:url" content="{story.via_url}">
<meta property="og:title" content="{e(story.title)}">{og_image}
<meta property="article:published_time" content="{story.date.isoformat()}">
<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js"></script>
<style>.ticker{{background:#c00}}.ads{{min-height:90px}}</style>
</head><body>
<header class="site-header"><a class="logo" href="https://{host}/">{host}</a>
<nav class="main-nav">{"".join(f'<a href="/{slugify(t)}/">{e(t)}</a>' for t in W.TOPICS[:9])}</nav></header>
<div class="ticker"><span class="ticker-label">{rng.choice(W.TICKERS)}</span><ul>{"".join(f"<li><a href='/t/{n}.html'>{e(t)}</a></li>" for n, (t, *_) in enumerate(story.related[:3]))}</ul></div>
<div class="hotline-ad">{rng.choice(W.PHONE_ADS)}</div>
<div class="ads ads-top"><ins class="adsbygoogle" data-ad-slot="1020304050"></ins></div>
<main class="container"><div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/{slugify(story.topic)}/">{e(story.topic)}</a></div>
<article class="detail">
<h1 class="detail-title">{e(story.title)}</h1>
<div class="detail-meta"><span class="detail-source">Theo {e(story.source)}</span> - <span class="detail-time">{story.date:%H:%M | %d/%m/%Y}</span> {author}</div>
<div class="detail-sapo"><strong>{host}</strong> - {e(story.lead)}</div>
<div class="detail-content">
{chr(10).join(body)}
<img src="https://px.adnetwork.vn/track.gif?id={story.index}" width="1" height="1" alt="">
</div>
<div class="original-link"><a class="toggle" href="#">Xem link gốc</a> <a class="toggle hidden" href="#">Ẩn link gốc</a><a class="original-url" href="{original}" rel="nofollow">{original}</a></div>
<div class="detail-tags">Tags: {tags}</div>
<div class="share-bar">Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php?u={story.via_url}">Facebook</a> <a href="https://zalo.me/share?u={story.via_url}">Zalo</a></div>
</article>
<section class="comments"><h3>Bình luận</h3><form action="/comment/post" method="post"><textarea name="content" placeholder="Bình luận của bạn về bài viết"></textarea><button type="submit">Gửi bình luận</button></form></section>
<section class="related"><h3>Tin cùng chuyên mục</h3><ul>
{_related_items(story, host)}
</ul></section>
</main></body></html>
"""


def capture_name(story: Story) -> str:
    """``<republisher>-<yyyy>-<slug>.txt|.html``, the demo captures' naming."""
    suffix = "txt" if story.style == "text" else "html"
    return f"{story.republisher}-{story.date:%Y}-{story.slug}.{suffix}"


def capture_text(story: Story) -> str:
    """The capture file's text in the story's style (its clutter drawn from the story's seed)."""
    rng = random.Random(f"clearpress-bench-chrome:{story.index}:{story.slug}")
    return text_capture(story, rng) if story.style == "text" else html_capture(story, rng)


# --- writing ---------------------------------------------------------------------------------


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def write_articles(
    out: Path, n: int, seed: int, *, start: int = 0, news: bool = False
) -> list[Path]:
    """Write articles ``start`` … ``start + n - 1`` under ``out``; return their paths.

    ``news``: date them after the archive (see :func:`stories`).
    """
    paths = []
    for story in stories(n, seed, start=start, news=news):
        path = out / article_relpath(story)
        _write(path, article_text(story))
        paths.append(path)
    return paths


def write_captures(
    out: Path, n: int, seed: int, *, start: int = 0, styles: tuple[str, ...] = STYLES
) -> list[Path]:
    """Write ``n`` capture files (styles drawn per item from ``styles``) into ``out``."""
    paths = []
    for story in stories(n, seed, start=start, styles=styles):
        path = out / capture_name(story)
        _write(path, capture_text(story))
        paths.append(path)
    return paths
