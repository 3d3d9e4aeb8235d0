"""Who published an article first, where it was found, and when it was captured.

A republisher page names its original in a credit line (``Theo hanoi.gov.vn``, ``Nguồn: Báo
Chính phủ``) and often a "Xem link gốc" block holding the original URL; the archive must keep
both, cleaned of tracking parameters, and remove them from the body.  A page that credits nobody
is its own original.  The address a page was captured from comes from the caller, the capture,
the page's canonical link, or the comment SingleFile writes at the top of a saved page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lxml import etree

from scripts.boilerplate import credit_source, junk_kind
from scripts.extract.textutil import drop_tree, inner_text, text_len
from scripts.urls import clean_url, host_of, is_http_url

_SINGLEFILE_URL = re.compile(r"^\s*url:\s*(\S+)", re.M)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.I)
_SAVED_DATE = re.compile(
    r"saved date:\s*\w{3}\s+(?P<mon>\w{3})\s+(?P<d>\d{1,2})\s+(?P<y>\d{4})\s+"
    r"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})\s*(?:GMT|UTC)?(?P<z>[+\-]\d{4})?",
    re.I,
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_LINK_TEXT = re.compile(r"link gốc|bài gốc|nguồn bài viết|liên kết gốc", re.I)
_HEAD_BYTES = 3000
_CREDIT_SCAN = 4


@dataclass(frozen=True, slots=True)
class SavedPage:
    """What a saving tool wrote about the page: its address and when it was saved."""

    url: str | None = None
    saved: datetime | None = None


def saved_page(text: str) -> SavedPage:
    """Read the SingleFile header comment or IE's ``saved from url`` mark at the top of a page."""
    head = text[:_HEAD_BYTES]
    url = None
    if "<!--" in head:
        comment = head[head.find("<!--") : head.find("-->") + 3]
        match = _SINGLEFILE_URL.search(comment) if "SingleFile" in comment else None
        if match:
            url = match.group(1)
    if url is None and (match := _SAVED_FROM.search(head)):
        url = match.group(1)
    saved = None
    if (match := _SAVED_DATE.search(head)) and match["mon"].lower() in _MONTHS:
        offset = timedelta(0)
        if match["z"]:
            sign = 1 if match["z"][0] == "+" else -1
            offset = sign * timedelta(hours=int(match["z"][1:3]), minutes=int(match["z"][3:5]))
        try:
            saved = datetime(
                int(match["y"]), _MONTHS[match["mon"].lower()], int(match["d"]),
                int(match["H"]), int(match["M"]), int(match["S"]), tzinfo=timezone(offset),
            )  # fmt: skip
        except ValueError:
            saved = None
    return SavedPage(url if is_http_url(url) else None, saved)


def credit_name(text: str) -> str | None:
    """Return the publisher a credit text names, accepting bare names from a rule's selector."""
    name = credit_source(text)
    if name:
        return name
    stripped = re.sub(r"^(?:theo|nguồn|nguồn tin)\s*:?\s*", "", " ".join(text.split()), flags=re.I)
    stripped = stripped.strip(" .-–—|")
    return stripped if 1 < len(stripped) <= 80 else None


@dataclass(slots=True)
class Credit:
    """Credit found in (and removed from) an article body."""

    source: str | None = None
    url: str | None = None


def take_credit(body: etree._Element, base: str | None, page_host: str | None) -> Credit:
    """Remove closing credit lines and "Xem link gốc" blocks from ``body``; return what they said."""
    found = Credit()
    for el in list(body.iter("a")):
        if el.getparent() is None:
            continue
        text = inner_text(el)
        href = el.get("href") or ""
        if _LINK_TEXT.search(text) or (text.startswith("http") and _near_original_label(el)):
            url = clean_url(href, base) if is_http_url(clean_url(href, base)) else None
            if url and host_of(url) != page_host:
                found.url = found.url or url
            _remove_block(el, body)
    blocks = [el for el in body.iter("p", "div", "span", "em", "strong", "h4", "h5", "h6")
              if el is not body]  # fmt: skip
    for el in reversed(blocks[-_CREDIT_SCAN * 3 :]):
        if el.getparent() is None:
            continue
        text = inner_text(el)
        if not text:
            continue
        name = credit_source(text)
        if name:
            found.source = found.source or name
            link = el.find(".//a[@href]")
            if link is not None and found.url is None:
                url = clean_url(link.get("href", ""), base)
                if is_http_url(url) and host_of(url) != page_host:
                    found.url = url
            drop_tree(el)
        elif junk_kind(text) == "original-link-toggle":
            drop_tree(el)
    return found


_SOURCE_CLASS = re.compile(r"source|nguon|credit|origin", re.I)
_DOMAIN = re.compile(r"^[\w\-]+(?:\.[\w\-]+)*\.(?:vn|com|net|org|gov|info|edu)\b", re.I)
_URL_TEXT = re.compile(r"https?://[^\s<>\"']+")
_SHARE_HOSTS = ("facebook.com", "zalo.me", "twitter.com", "x.com", "linkedin.com", "pinterest.com")


_LINK_LABEL_TEXT = etree.XPath(
    "//body//text()[contains(., 'link gốc') or contains(., 'Link gốc') or "
    "contains(., 'LINK GỐC') or contains(., 'bài gốc') or contains(., 'Bài gốc')]"
)
# The start of a credit right after a tag in the page source: ">Theo X<", "> Nguồn: X<".
_CREDIT_START = re.compile(r">\s*(?:Theo|THEO|theo|Nguồn|NGUỒN|nguồn)\b")


def page_credit(
    root: etree._Element, source: str, base: str | None, page_host: str | None
) -> Credit:
    """Find a credit line and a "Xem link gốc" link anywhere on the page (outside the body).

    Used when the body held neither: republisher templates put both in the byline and in a
    box under the article, which generic extraction rightly leaves out of the body.  The page
    source is searched first with plain string tests, so pages without either cost almost
    nothing.
    """
    found = Credit()
    # Plain substring tests first: a case-blind regex over a 300 KB page costs milliseconds.
    if "gốc" in source or "GỐC" in source:
        for node in _LINK_LABEL_TEXT(root)[:20]:
            holder = node.getparent()
            for _ in range(3):  # the label, its box, the box's container
                if holder is None or found.url:
                    break
                text = inner_text(holder) if text_len(holder) < 1000 else ""
                found.url = _external_link(holder, text, base, page_host)
                holder = holder.getparent()
            if found.url:
                break
    for count, match in enumerate(_CREDIT_START.finditer(source)):
        if count >= 50:
            break
        end = source.find("<", match.end(), match.end() + 120)
        if end < 0:
            continue
        name = credit_source(html.unescape(source[match.start() + 1 : end]))
        tag = source[source.rfind("<", max(match.start() - 400, 0), match.start()) : match.start()]
        # Outside the body a credit must say so by class or name a domain: a sidebar
        # teaser's "Nguồn: Bộ Y tế" must not turn an original article into a reprint.
        if name and (_SOURCE_CLASS.search(tag) or _DOMAIN.search(name)):
            found.source = name
            break
    return found


def _external_link(
    el: etree._Element, text: str, base: str | None, page_host: str | None
) -> str | None:
    """Return the first link (or bare URL text) in ``el`` that leaves the page's own site."""
    candidates = [a.get("href", "") for a in el.iter("a")] + _URL_TEXT.findall(text)
    for href in candidates:
        url = clean_url(href, base)
        host = host_of(url)
        if host and host != page_host and not host.endswith(_SHARE_HOSTS):
            return url
    return None


def _near_original_label(el: etree._Element) -> bool:
    parent = el.getparent()
    return parent is not None and bool(_LINK_TEXT.search(inner_text(parent)))


def _remove_block(el: etree._Element, body: etree._Element) -> None:
    """Remove ``el`` and a container that held nothing but the original-link block."""
    holder = el
    parent = el.getparent()
    while parent is not None and parent is not body:
        text = inner_text(parent)
        if len(text) > 400 or (len(text) > 40 and not _LINK_TEXT.search(text)):
            break
        holder = parent
        parent = parent.getparent()
    drop_tree(holder)


def decide(
    *,
    credited: str | None,
    original: str | None,
    base: str | None,
    canonical: str | None,
    own_names: tuple[str | None, ...],
) -> tuple[str | None, str | None]:
    """Return (source, source_url): who published first, and where.

    A credit or an original link makes the page a republication: the source is the credited
    name, else the original link's host.  Otherwise the page is its own original, named by the
    first of ``own_names`` (publisher, site name, rule name, host) and found at its canonical URL.
    """
    source_url = clean_url(original, base) if original else None
    if not is_http_url(source_url):
        source_url = None
    source = credited or host_of(source_url)
    if source is None:
        source = next((name for name in own_names if name), None)
        if source_url is None and canonical:
            source_url = clean_url(canonical, base)
    return source, source_url if is_http_url(source_url) else None
