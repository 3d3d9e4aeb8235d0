"""Make Pelican's rendered article HTML safe and self-contained for feed readers.

Feed readers show an item far from our site, so every link and image must be absolute, and they
render HTML with fewer defences than a browser tab, so only an allowlist of tags survives.  The
importer already sanitized the article once; this second pass guards against anything Markdown or
a hand edit let through (DESIGN.md: ``\\<script>`` becomes live HTML in Pelican).
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl",
        "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Characters XML 1.0 forbids even as character references; lxml refuses to serialise them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Return ``text`` without the control characters XML cannot carry."""
    return _XML_INVALID.sub("", text)


def absolute_url(url: str, *, site_root: str, page_url: str) -> str:
    """Resolve ``url`` as a browser on ``page_url`` would, but with ``/x`` under ``site_root``.

    A root-relative ``/images/x.jpg`` means "in this site", and the site may live under a
    project path (``https://user.github.io/clearpress``), so it resolves against the site root
    rather than the host root.
    """
    url = url.strip()
    if url.startswith("/") and not url.startswith("//"):
        return site_root.rstrip("/") + url
    return urljoin(page_url, url)


def clean_html(fragment: str, *, site_root: str, page_url: str) -> str:
    """Return ``fragment`` reduced to the allowlist, with every link and image made absolute."""
    return nh3.clean(
        xml_safe(fragment),
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,  # keep output a pure function of the input; readers add their own rel
        url_relative=lambda url: absolute_url(url, site_root=site_root, page_url=page_url),
    ).strip()


def plain_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment with whitespace collapsed."""
    text = html.unescape(nh3.clean(xml_safe(fragment), tags=set()))
    return " ".join(text.split())  # several times faster than re.sub(r"\s+") on long text


def fingerprint_text(title: str, body_html: str) -> str:
    """Return the normalized title and body text that identify an article without a URL.

    NFC, case-folded and whitespace-collapsed, so re-encoding or re-wrapping the same story
    gives the same fingerprint.
    """
    text = f"{title}\n{plain_text(body_html)}"
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def is_http_url(url: str | None) -> bool:
    """Tell whether ``url`` is an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
