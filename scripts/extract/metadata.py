"""Article metadata from the page head and byline: title, dates, authors, tags, image, language.

Evidence is read in order of reliability: site rules, then JSON-LD (``@graph`` and arrays
included), then OpenGraph and other ``<meta>`` tags, then ``<time datetime>``, then the visible
byline read day-first (``Thứ tư, 4/10/2023, 15:31 (GMT+7)``).  Times without a zone are Vietnam
time (+07:00), as :mod:`scripts.dates` does everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from scripts.dates import parse_iso, parse_vn_datetime
from scripts.extract.textutil import inner_text

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "medicalwebpage", "scholarlyarticle", "techarticle", "report",
    "backgroundnewsarticle", "webpage", "liveblogposting",
}  # fmt: skip
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—»:·]|::)\s+")
_DATE_CLASS = re.compile(r"date|time|publish|posted|ngay-?dang|thoi-?gian", re.I)


@dataclass(slots=True)
class Meta:
    """Everything the page says about itself, before provenance decisions."""

    title: str | None = None
    date: datetime | None = None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    lang: str | None = None
    site_name: str | None = None
    canonical: str | None = None
    description: str | None = None
    based_on: str | None = None
    publisher: str | None = None


def element_value(el: etree._Element) -> str:
    """Return what an element says: ``content`` of a meta, ``datetime`` of a time, else text."""
    if el.tag == "meta":
        return (el.get("content") or "").strip()
    if el.tag == "time" and el.get("datetime"):
        return el.get("datetime", "").strip()
    if el.tag in ("link",):
        return (el.get("href") or "").strip()
    if el.tag == "img":
        return (el.get("src") or el.get("data-src") or "").strip()
    return inner_text(el)


def _meta_map(root: etree._Element) -> dict[str, list[str]]:
    """Collect ``<meta>`` values under lower-cased property/name/itemprop keys."""
    found: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            for key in (el.get(attr) or "").lower().split():
                found.setdefault(key, []).append(content)
    return found


def _walk_jsonld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        graph = node.get("@graph")
        if graph is not None:
            yield from _walk_jsonld(graph, depth + 1)


def jsonld_articles(root: etree._Element) -> list[dict[str, Any]]:
    """Return the JSON-LD objects of article-like types, articles before web pages."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").lower().strip() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for obj in _walk_jsonld(data):
            kinds = obj.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                found.append(obj)
    found.sort(key=lambda o: "webpage" in str(o.get("@type")).lower())
    return found


def _names(value: Any) -> list[str]:
    """Return person or organisation names from a JSON-LD value of any shape."""
    if isinstance(value, str):
        return [v.strip() for v in re.split(r",| và | and ", value) if v.strip()]
    if isinstance(value, dict):
        name = value.get("name")
        return [name.strip()] if isinstance(name, str) and name.strip() else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _url(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("@id") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return _url(value[0])
    return None


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def title_from_headings(
    title: str, root: etree._Element, site_name: str | None = None
) -> str | None:
    """Return the part of a ``Site - Headline`` title that the page also shows as a heading.

    Headings are searched first, then elements whose class says title (``tieu-de-tin``); the
    site name never counts, since a logo repeats it on every page.
    """
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(" ".join(title.split())) if p.strip()]
    if len(parts) < 2:
        return None
    site = (site_name or "").lower()
    wanted = {p.lower(): p for p in parts if len(p.split()) >= 3 and p.lower() != site}
    if not wanted:
        return None
    for tags, need_class in ((("h1", "h2", "h3"), False), (("div", "p", "span", "td"), True)):
        for count, el in enumerate(root.iter(*tags)):
            if count > 3000:
                break
            if need_class and not _TITLE_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}"):
                continue
            text = inner_text(el).lower() if len(el) < 3 else ""
            if text in wanted:
                return wanted[text]
    return None


_TITLE_CLASS = re.compile(r"title|tieu-?de|headline|heading", re.I)


def clean_title(title: str, site_name: str | None = None) -> str:
    """Remove a site-name suffix (``Tiêu đề - WebKhoeDep``) from a ``<title>``."""
    title = " ".join(title.split())
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        last = parts[-1]
        if (site_name and last.lower() == site_name.lower()) or len(last.split()) <= 4:
            candidate = _TITLE_SEPARATORS.split(title)[0]
            if len(" ".join(parts[:-1]).split()) >= 3:
                return title[: title.rfind(last)].rstrip(" |-–—»:·")
            return candidate
    return title


def read_meta(root: etree._Element) -> Meta:
    """Return the metadata the page head, JSON-LD and bylines declare."""
    meta = _meta_map(root)
    ld = jsonld_articles(root)
    art = ld[0] if ld else {}
    out = Meta()
    out.site_name = _first(meta.get("og:site_name"), meta.get("application-name"))
    head_title = root.find(".//title")
    raw_title = inner_text(head_title) if head_title is not None else None
    h1 = root.find(".//h1")
    out.title = _first(
        art.get("headline"),
        meta.get("og:title"),
        meta.get("twitter:title"),
        raw_title and title_from_headings(raw_title, root, out.site_name),
        clean_title(raw_title, out.site_name) if raw_title else None,
        inner_text(h1) if h1 is not None else None,
    )
    for value in (
        art.get("datePublished"),
        *meta.get("article:published_time", []),
        *meta.get("datepublished", []),
        *meta.get("pubdate", []),
        *meta.get("publishdate", []),
        *meta.get("dc.date.issued", []),
        *meta.get("dc.date", []),
        *meta.get("date", []),
        *meta.get("og:published_time", []),
    ):
        if isinstance(value, str) and (parsed := parse_iso(value) or parse_vn_datetime(value)):
            out.date = parsed
            break
    if out.date is None:
        for el in root.iter("time"):
            value = el.get("datetime") or inner_text(el)
            parsed = parse_iso(value) or parse_vn_datetime(value) if value else None
            if parsed:
                out.date = parsed
                break
    for value in (
        art.get("dateModified"),
        *meta.get("article:modified_time", []),
        *meta.get("og:updated_time", []),
        *meta.get("datemodified", []),
        *meta.get("last-modified", []),
    ):
        if isinstance(value, str) and (parsed := parse_iso(value)):
            out.modified = parsed
            break
    out.authors = (
        _names(art.get("author"))
        or [
            a
            for a in meta.get("author", []) + meta.get("article:author", [])
            if not a.startswith("http")
        ][:3]
    )
    out.category = _first(art.get("articleSection"), meta.get("article:section"))
    keywords = art.get("keywords")
    tags = meta.get("article:tag", [])
    if not tags:
        if isinstance(keywords, list):
            tags = [k for k in keywords if isinstance(k, str)]
        elif isinstance(keywords, str):
            tags = keywords.split(",")
        else:
            tags = (meta.get("news_keywords") or meta.get("keywords") or [""])[0].split(",")
    out.tags = _dedupe(t.strip() for t in tags if t.strip())
    out.image = _first(meta.get("og:image"), meta.get("twitter:image"), _url(art.get("image")))
    html = root if root.tag == "html" else root.getroottree().getroot()
    out.lang = _first(
        html.get("lang"),
        meta.get("content-language"),
        art.get("inLanguage"),
        (meta.get("og:locale") or [""])[0].replace("_", "-"),
    )
    canonical = next(
        (
            link.get("href")
            for link in root.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href")
        ),
        None,
    )
    out.canonical = _first(canonical, meta.get("og:url"), _url(art.get("url")))
    out.description = _first(meta.get("description"), meta.get("og:description"))
    out.based_on = _url(art.get("isBasedOn") or art.get("isBasedOnUrl"))
    publisher = _names(art.get("publisher"))
    out.publisher = publisher[0] if publisher else None
    return out


_AUTHOR_CLASS = re.compile(r"^(?:author|byline|tac-?gia|author-?name|fn|writer|reporter)$", re.I)
_AUTHOR_LABEL = re.compile(r"^(?:bởi|by|tác giả|người viết|viết bởi|phóng viên)\s*:?\s*", re.I)


def byline_authors(root: etree._Element) -> list[str]:
    """Return author names from ``rel=author`` links or short elements classed as a byline."""
    for count, el in enumerate(root.iter("a", "span", "p", "div")):
        if count > 5000:
            break
        tokens = f"{el.get('class', '')} {el.get('id', '')}".split()
        if "author" in (el.get("rel") or "").split() or any(_AUTHOR_CLASS.match(t) for t in tokens):
            name = _AUTHOR_LABEL.sub("", inner_text(el)).strip(" -–|,")
            if 1 < len(name) <= 60 and not any(ch.isdigit() for ch in name):
                return [name]
    return []


def link_category(root: etree._Element) -> str | None:
    """Return the text of a ``rel="category"`` link (WordPress and many blog themes)."""
    for a in root.iter("a"):
        if "category" in (a.get("rel") or "").split():
            text = inner_text(a)
            if 0 < len(text) < 60:
                return text
    return None


def byline_date(root: etree._Element) -> datetime | None:
    """Find a visible day-first date in an element whose class or id says it is a date."""
    for count, el in enumerate(root.iter("span", "div", "p", "time", "li")):
        if count > 5000:
            break
        if _DATE_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}"):
            text = inner_text(el)
            if len(text) < 120:
                parsed = parse_vn_datetime(text)
                if parsed:
                    return parsed
    return None


_LEAD_TOKEN = re.compile(
    r"(?:(?:detail|singular|article|news|post|entry)[-_]?)?"
    r"(?:sapo|description|lead|summary|chapeau|tomtat|tom-tat|excerpt)",
    re.I,
)


def find_lead(root: etree._Element) -> etree._Element | None:
    """Return the element a Vietnamese news page keeps its lead (sapo) in, if one is marked."""
    for count, el in enumerate(root.iter("p", "h2", "div", "span", "h3")):
        if count > 3000:
            break
        tokens = f"{el.get('class', '')} {el.get('id', '')}".split()
        if any(_LEAD_TOKEN.fullmatch(t) for t in tokens):
            text = inner_text(el)
            if 40 <= len(text) <= 800 and el.find(".//p") is None:
                return el
    return None


_BREADCRUMB = re.compile(r"breadcrumb|bread-crumb|duong-dan|dt-breadcrumb", re.I)
_HOME = re.compile(r"^(?:trang chủ|home|trang nhất|tin tức)$", re.I)


def breadcrumb_category(root: etree._Element) -> str | None:
    """Return the last named section of a breadcrumb trail (``Trang chủ › Sức khỏe``)."""
    for count, el in enumerate(root.iter("div", "ul", "ol", "nav", "p")):
        if count > 5000:
            break
        if not _BREADCRUMB.search(f"{el.get('class', '')} {el.get('id', '')}"):
            continue
        names = [inner_text(a) for a in el.iter("a")]
        names = [n for n in names if n and not _HOME.match(n) and len(n) < 60]
        if names:
            return names[-1]
    return None


def _dedupe(values: Any) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.lower()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out
