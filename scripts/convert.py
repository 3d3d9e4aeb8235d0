"""Convert an :class:`~scripts.models.Article` to a Pelican Markdown file (header + body).

Two properties matter more than pretty output:

* **Safety.**  python-markdown does not honour ``\\<`` as an escape, so text that markdownify
  would escape that way becomes live HTML in Pelican.  Literal ``<`` and entity-like ``&`` are
  written as ``&lt;`` and ``&amp;``; link and image text cannot close their brackets; only
  http(s)/mailto URLs are written; raw HTML is emitted only for ``<figure>`` blocks that this
  module serialises itself from an allowlist.
* **Determinism.**  The same article always gives the same bytes, so re-importing a capture
  changes nothing on disk.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import nh3
from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

from scripts.dates import format_datetime
from scripts.models import Article
from scripts.slugs import safe_name, slugify
from scripts.urls import SAFE_SCHEMES

# Parents under which a fenced code block still starts at the top level of the Markdown.
_BLOCK_CONTAINERS = frozenset(
    {"[document]", "html", "body", "div", "section", "article", "main", "pre", "_noformat"}
)
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_URL_SCHEMES = frozenset({*SAFE_SCHEMES, "mailto"})
_FIGURE_TAGS = {"figure", "img", "figcaption", "a", "em", "strong", "i", "b", "br", "cite"}
_FIGURE_ATTRS = {
    "figure": {"data-origin"},
    "img": {"src", "alt", "title", "width", "height", "data-origin", "referrerpolicy"},
    "a": {"href", "title"},
}

# Header keys in the order they are written (DESIGN.md "Article metadata").
HEADER_KEYS = (
    "Title", "Date", "Modified", "Category", "Tags", "Slug", "Authors", "Summary", "Lang",
    "Source", "Source_URL", "Via_URL", "Captured", "Image", "Policy", "Status",
)  # fmt: skip


_STATIC = re.compile(r"\{static\}/[A-Za-z0-9._\-/]+\Z")
_SITE_PATH = re.compile(r"(?!/)[A-Za-z0-9._\-/]+\Z")


def _safe_url(url: str | None, *, local: bool = False) -> str | None:
    """Return ``url`` if it is safe to publish: http(s)/mailto, or with ``local`` an archive path
    (``{static}/images/…`` in bodies, ``images/…`` in the ``Image`` header)."""
    if not url:
        return None
    url = url.strip()
    if local and (_STATIC.match(url) or (_SITE_PATH.match(url) and ".." not in url)):
        return url
    url = url.replace(" ", "%20")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in _URL_SCHEMES or any(ch in url for ch in "\n\r\t") or _CONTROL.search(url):
        return None
    return url


def _escape_text(text: str) -> str:
    """Escape what python-markdown would otherwise read as HTML."""
    return _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _bracket_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _destination(url: str) -> str:
    """Write a link destination that no character of the URL can close early."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"


class ArchiveConverter(MarkdownConverter):
    """markdownify converter for sanitized article HTML.

    Figures stay raw HTML so the caption stays with its image in the site and the feeds;
    everything else becomes plain Markdown.
    """

    def escape(self, text: str, parent_tags: set[str]) -> str:
        """Escape Markdown syntax and, unlike markdownify, HTML syntax and link brackets too.

        Without ``escape_misc`` markdownify leaves ``[text](javascript:…)`` in page text as
        is, and python-markdown would turn it into a live link.
        """
        text = text.replace("\\", "\\\\").replace("`", "\\`")
        text = text.replace("[", "\\[").replace("]", "\\]")
        # markdownify's type stubs do not list these methods, which it defines at runtime.
        return _escape_text(super().escape(text, parent_tags))  # type: ignore[misc]

    def convert_code(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Keep inline code on one line: a blank line would end the code span and leave the
        rest of its (unescaped) text as live HTML."""
        if "_noformat" in parent_tags:
            return text
        return super().convert_code(el, " ".join(text.split()), parent_tags)  # type: ignore[misc]

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Fence a code block with more backticks than it contains, so it cannot be closed
        early by its own text."""
        if not text.strip():
            return ""
        if set(parent_tags) - _BLOCK_CONTAINERS:
            # python-markdown only fences code at the top level; inside a list item, link or
            # emphasis the fence would be plain text and the code raw HTML.  An inline code
            # span is escaped everywhere.
            return self.convert_code(el, text, set())
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}\n{text.strip(chr(10))}\n{fence}\n\n"

    def convert_figure(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Serialise a figure as a one-block raw HTML element (image plus caption)."""
        return f"\n\n{serialize_figure(el)}\n\n" if serialize_figure(el) else ""

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Write ``![alt](<src>)``; images without a safe absolute URL are dropped."""
        src = _safe_url(str(el.get("src") or ""), local=True)
        if not src:
            return ""
        alt = _bracket_safe(_escape_text(" ".join(str(el.get("alt") or "").split())))
        return f"![{alt}]({_destination(src)})"

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Write a link only when it has text and a safe URL; otherwise keep just the text."""
        href = _safe_url(str(el.get("href") or ""))
        label = text.strip()
        if not label:
            return ""
        if not href:
            return text
        return f"[{_bracket_safe_markdown(label)}]({_destination(href)})"


def _bracket_safe_markdown(label: str) -> str:
    """Escape stray brackets in already-converted link text (it may hold emphasis markup)."""
    return re.sub(r"(?<!\\)([\[\]])", r"\\\1", label)


def serialize_figure(el: Tag) -> str:
    """Return a figure as compact allowlisted HTML on consecutive lines (one Markdown block)."""
    parts: list[str] = []
    for img in el.find_all("img"):
        src = _safe_url(str(img.get("src") or ""), local=True)
        if src:
            alt = html.escape(" ".join(str(img.get("alt") or "").split()), quote=True)
            extra = ""
            for attr in ("width", "height"):
                value = str(img.get(attr) or "")
                if value.isdigit():
                    extra += f' {attr}="{value}"'
            origin = _safe_url(str(img.get("data-origin") or ""))
            if origin:
                extra += f' data-origin="{html.escape(origin, quote=True)}"'
            if src.startswith(("http://", "https://")):
                # A hotlinked image (the source's policy says so): tell its host nothing.
                extra += ' referrerpolicy="no-referrer"'
            parts.append(f'<img src="{html.escape(src, quote=True)}" alt="{alt}"{extra}>')
    caption_el = el.find("figcaption")
    if caption_el is not None:
        inner = " ".join(caption_el.decode_contents().split())
        if inner:
            parts.append(f"<figcaption>{inner}</figcaption>")
    if not parts:
        return ""
    origin = _safe_url(str(el.get("data-origin") or ""))
    opening = f'<figure data-origin="{html.escape(origin, quote=True)}">' if origin else "<figure>"
    raw = opening + "\n" + "\n".join(parts) + "\n</figure>"
    return nh3.clean(
        raw,
        tags=_FIGURE_TAGS,
        attributes=_FIGURE_ATTRS,
        url_schemes=set(_URL_SCHEMES),
        link_rel=None,
    )


def body_to_markdown(body_html: str) -> str:
    """Convert a sanitized HTML fragment to Markdown."""
    soup = BeautifulSoup(body_html, "lxml")
    root: Any = soup.body or soup
    converter = ArchiveConverter(
        heading_style="ATX",
        bullets="-",
        strong_em_symbol="*",
        escape_misc=False,
        table_infer_header=True,
    )
    markdown = converter.convert_soup(root)
    markdown = "\n".join(line.rstrip() for line in markdown.splitlines())
    return _BLANK_RUNS.sub("\n\n", markdown).strip() + "\n"


def _one_line(value: str) -> str:
    value = unicodedata.normalize("NFC", _CONTROL.sub(" ", value))
    return " ".join(value.split())


def _name_list(values: tuple[str, ...]) -> str:
    """Authors and tags: commas separate entries in Pelican, so they cannot appear inside one."""
    cleaned = [safe_name(_one_line(v.replace("<", "").replace(">", ""))) for v in values]
    return ", ".join(dict.fromkeys(v for v in cleaned if v))


def article_header(
    article: Article, *, slug: str, category: str, draft: bool = False, policy: str = "full"
) -> dict[str, str]:
    """Return the Pelican metadata of ``article`` as an ordered ``{key: value}`` mapping."""
    meta: dict[str, str] = {"Title": html.escape(_one_line(article.title), quote=False)}
    if article.date:
        meta["Date"] = format_datetime(article.date)
    if article.modified and article.modified != article.date:
        meta["Modified"] = format_datetime(article.modified)
    meta["Category"] = _name_list((category,)) or "Tin tức"
    if article.tags:
        meta["Tags"] = _name_list(article.tags)
    meta["Slug"] = slug
    if article.authors:
        meta["Authors"] = _name_list(article.authors)
    if article.summary:
        meta["Summary"] = _bracket_safe(_escape_text(_one_line(article.summary)))
    meta["Lang"] = _one_line(article.lang or "vi")
    if article.source:
        meta["Source"] = _name_list((article.source,))
    for key, url in (("Source_URL", article.source_url), ("Via_URL", article.via_url)):
        safe = _safe_url(url)
        if safe:
            meta[key] = safe
    if article.captured:
        meta["Captured"] = format_datetime(article.captured)
    image = _safe_url(article.image, local=True)
    if image:
        meta["Image"] = image
    if policy in ("excerpt", "link"):
        meta["Policy"] = policy  # the site and feeds publish only the summary / only a link
    if draft:
        meta["Status"] = "draft"
    return {key: meta[key] for key in HEADER_KEYS if meta.get(key)}


def render_markdown(header: dict[str, str], body_markdown: str) -> str:
    """Join a header mapping and a Markdown body into the text of one content file."""
    lines = [f"{key}: {value}" for key, value in header.items()]
    return "\n".join(lines) + "\n\n" + body_markdown


def article_to_markdown(
    article: Article, *, category: str | None = None, slug: str | None = None, draft: bool = False
) -> str:
    """Return the full content file for ``article`` (header, blank line, Markdown body)."""
    header = article_header(
        article,
        slug=slug or slugify(article.title),
        category=category or article.category or "Tin tức",
        draft=draft,
    )
    return render_markdown(header, body_to_markdown(article.body_html))
