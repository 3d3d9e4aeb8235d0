"""Allowlist sanitizing of an article body: only the markup an archive needs survives.

Extraction works on a live lxml tree full of a hostile site's markup; whatever it keeps is run
through nh3 (the Rust ``ammonia`` sanitizer, which parses like a browser, so ``<svg>``/``<math>``
namespace tricks and malformed attributes are resolved the way a browser would resolve them)
with a short allowlist.  An allowlist rather than a blocklist: a tag nobody thought of is dropped
by default.  Lazy image attributes are resolved *before* this step because nh3 drops ``data-*``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import lxml.html
import nh3
from lxml import etree

TAGS = frozenset(
    [
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "code",
        "pre",
        "hr",
        "cite",
        "q",
        "abbr",
        "mark",
        "small",
        "dl",
        "dt",
        "dd",
    ]
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Dropped together with everything inside them (other unknown tags are unwrapped, text kept).
CLEAN_CONTENT = {
    "script", "style", "iframe", "object", "embed", "noscript", "svg", "math", "template",
    "textarea", "select", "button", "applet", "frame", "frameset", "audio", "video", "canvas",
    "head", "title", "form", "input", "option", "nav",
}  # fmt: skip
_SPACE_ONLY = re.compile(r"^[\s\u00a0\u200b]*$")
_MEDIA = ("img", "br", "hr", "table", "figure")


def sanitize_html(fragment: str) -> str:
    """Return ``fragment`` reduced to the allowlist, then without empty paragraphs and links."""
    return sanitize_with_text(fragment)[0]


def sanitize_with_text(fragment: str) -> tuple[str, str]:
    """Return the sanitized fragment and its plain text (whitespace collapsed), parsed once."""
    cleaned = nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=CLEAN_CONTENT,
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel=None,
    )
    return _drop_empty(cleaned)


def _absolute(url: str | None, schemes: Iterable[str]) -> bool:
    """Tell whether ``url`` is absolute with one of ``schemes`` (nh3 lets relative URLs by)."""
    if not url or ":" not in url:
        return False
    return url.split(":", 1)[0].strip().lower() in schemes


def _has_text(el: etree._Element) -> bool:
    return not _SPACE_ONLY.match(el.text_content() or "")


_BLOCKS = ("p", "div", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "table",
           "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "pre",
           "dl", "dt", "dd", "hr")  # fmt: skip


_INLINE = ("a", "em", "i", "strong", "b", "u", "s", "sub", "sup", "small", "mark", "cite", "q",
           "abbr", "code")  # fmt: skip


def _fix_inline_blocks(root: lxml.html.HtmlElement) -> None:
    """Keep inline elements inline: unwrap any that a broken page wrapped around a block.

    Markdown writes ``<em>`` or ``<code>`` as a span of ``*`` or backticks, which a block
    inside ends early; whatever followed would then be read as raw HTML.  Dropping the inline
    tag keeps the block and its text.  Line breaks inside inline code become spaces for the
    same reason; ``<pre><code>`` is a block and is left alone.
    """
    for el in reversed(list(root.iter(*_INLINE))):
        if next((d for d in el.iterdescendants(*_BLOCKS)), None) is not None:
            el.drop_tag()
    for code in list(root.iter("code")):
        parent = code.getparent()
        if parent is not None and parent.tag == "pre":
            continue
        for br in list(code.iter("br")):
            br.tail = " " + (br.tail or "")
            br.drop_tree()


def _drop_empty(fragment: str) -> tuple[str, str]:
    """Remove links without a target or text and paragraphs/captions with nothing in them."""
    if not fragment.strip():
        return "", ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for img in list(root.iter("img")):
        if not _absolute(img.get("src"), ("http", "https")):
            img.drop_tree()  # a relative source nobody could resolve shows nothing anywhere
    for a in list(root.iter("a")):
        if not _absolute(a.get("href"), URL_SCHEMES):
            a.drop_tag()
        elif not _has_text(a) and a.find(".//img") is None:
            a.drop_tree()
    _fix_inline_blocks(root)
    for tag in ("p", "figcaption", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure"):
        for el in list(root.iter(tag)):
            if not _has_text(el) and next(el.iter(*_MEDIA), None) is None:
                el.drop_tree()
    # Text before the first element is decoded text: escape it again, or "&lt;script&gt;"
    # written by the page would come back as a live tag.
    out = html.escape((root.text or "").strip(), quote=False)
    out += "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return out.strip(), " ".join("".join(root.itertext()).split())
