"""Extract one article from an HTML capture: the pipeline, stage by stage.

``decode`` (charset) → ``parse`` (lxml) → ``metadata`` (head, JSON-LD, byline) → body by *site
rules* when the host has a rule file, else by the *generic* scorer → ``clean`` (clutter) →
``provenance`` (credit line, original link, removed from the body) → lead and title handling →
``images`` (lazy sources, captions) → ``sanitize`` (allowlist) → :class:`Article` with a
:class:`Report` saying how sure we are.  Each stage is its own module; this one only wires them.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from scripts.extract import clean, generic, images, lead, metadata, provenance
from scripts.extract import ruled as ruled_mod
from scripts.extract.charset import decode_html
from scripts.extract.confidence import build_report
from scripts.extract.hiding import apply_hiding, load_list
from scripts.extract.sanitize import sanitize_with_text
from scripts.extract.textutil import inner_text, link_density, text_len
from scripts.models import Article, Capture, CaptureError, ExtractError
from scripts.rules import SiteRules, load_rules, rules_for
from scripts.urls import clean_url, host_of, is_http_url

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_MAX_CHARS = 40_000_000
MIN_RULE_BODY = 150  # characters a rule's body must hold before it is trusted over the scorer
# Plain etree elements, not lxml.html's: its Python-level class lookup doubles the cost of
# walking a tree, and nothing here needs the lxml.html element methods.
DEPTH_WARNING = "page nests deeper than the parser's 256-level limit; deeper content was cut"


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """Settings of HTML extraction; the defaults suit callers that pass nothing.

    ``element_hiding`` is the path of an EasyList/ABPVN-format filter list whose ``##`` rules
    are applied to every page; ``rules_dir`` replaces the bundled ``scripts/sites`` folder;
    ``use_rules = False`` forces generic extraction (useful to compare a rule with the scorer).
    """

    element_hiding: str | Path | None = None
    rules_dir: str | Path | None = None
    use_rules: bool = True
    extra_strip: tuple[str, ...] = field(default_factory=tuple)


def parse_document(text: str, origin: str) -> tuple[etree._Element, list[str]]:
    """Parse page text with lxml; return the root and parser warnings worth reporting.

    libxml2 stops descending at 256 levels (a bound we want: 10,000-deep pages are attacks or
    broken generators), so such a page parses quickly but loses its deepest content; the
    warning says so.  Raises :class:`CaptureError` when nothing parseable is left.
    """
    if len(text) > _MAX_CHARS:
        raise CaptureError(f"{origin}: page has {len(text):,} characters, over the limit")
    text = _XML_DECL.sub("", text, count=1)
    try:
        parser = etree.HTMLParser(remove_pis=True, default_doctype=False)
        root = etree.fromstring(text, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise CaptureError(f"{origin}: not an HTML page ({exc})") from exc
    if root is None:
        raise CaptureError(f"{origin}: not an HTML page (no elements)")
    _unnest_void(root)
    warnings = []
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        warnings.append(DEPTH_WARNING)
    return root, warnings


# HTML5 void elements libxml2's HTML 4 parser may wrap the rest of the page into.
_VOID = ("embed", "param", "source", "track", "wbr", "keygen", "area", "bgsound")


def _unnest_void(root: etree._Element) -> None:
    """Move content misparsed *inside* a void element back after it, where a browser has it.

    libxml2 nests everything after an unclosed ``<embed>`` inside it, so removing the embed
    (as every cleaner does) would silently delete the rest of the article.
    """
    for el in list(root.iter(*_VOID)):
        if not len(el) and not (el.text or "").strip():
            continue
        tail, el.tail, el.text = el.tail, el.text, None
        anchor = el
        for child in list(el):
            anchor.addnext(child)
            anchor = child
        anchor.tail = (anchor.tail or "") + (tail or "")


def _resolve_links(body: etree._Element, base: str | None) -> None:
    for a in body.iter("a"):
        href = (a.get("href") or "").strip()
        if href.startswith("#") or not href:
            a.attrib.pop("href", None)
            continue
        if href.startswith(("https://", "http://")) and not any(c in href for c in "?#;"):
            continue  # already absolute with nothing to clean: skip the costly parse
        a.set("href", clean_url(href, base))


def _serialise(body: etree._Element) -> tuple[str, str]:
    for h1 in body.iter("h1"):
        h1.tag = "h2"
    inner = html.escape(body.text or "", quote=False)  # decoded text: escape it again
    inner += "".join(etree.tostring(c, encoding="unicode", method="html") for c in body)
    return sanitize_with_text(inner)


def extract_html(
    capture: Capture, *, url: str | None = None, options: ExtractOptions | None = None
) -> Article:
    """Return the article in an HTML capture, sanitized and with its provenance.

    Raises :class:`CaptureError` when the bytes are not a page and :class:`ExtractError` when
    the page holds no article text at all.
    """
    options = options or ExtractOptions()
    origin = capture.origin or capture.url or "<html capture>"
    text = decode_html(capture.data, content_type=capture.content_type, origin=origin)
    saved = provenance.saved_page(text)
    root, parse_warnings = parse_document(text, origin)
    meta = metadata.read_meta(root)
    canonical = meta.canonical if is_http_url(meta.canonical) else None
    via_url = next((u for u in (url, capture.url, canonical, saved.url) if is_http_url(u)), None)
    base_el = root.find(".//base[@href]")
    base = via_url
    if base_el is not None and is_http_url(clean_url(base_el.get("href", ""), via_url)):
        base = clean_url(base_el.get("href", ""), via_url)
    page_host = host_of(via_url) or host_of(canonical)
    rules: SiteRules | None = None
    if options.use_rules:
        folder = str(options.rules_dir) if options.rules_dir else None
        rules = rules_for(via_url or canonical, load_rules(folder))
    if meta.date is None:
        meta.date = metadata.byline_date(root)
    if meta.category is None:
        meta.category = metadata.breadcrumb_category(root) or metadata.link_category(root)
    if not meta.authors:
        meta.authors = metadata.byline_authors(root)
    counts: Counter[str] = Counter()
    warnings: list[str] = list(parse_warnings)
    body_root = root.find("body")
    if body_root is None:
        raise ExtractError(f"{origin}: page has no <body>")
    page_chars = len(inner_text(body_root))

    lang = ((rules.lang if rules else None) or meta.lang or "vi").split("-")[0].lower()
    title = meta.title
    lead_text: str | None = None
    ruled = ruled_mod.RuledPage()
    method = "generic"
    if rules is not None:
        ruled = ruled_mod.apply_rules(root, rules, meta, counts, options.extra_strip)
        title = ruled.title or title
        lead_text = ruled.lead
        warnings.extend(ruled.warnings)
        if ruled.body is not None and (size := text_len(ruled.body)) < MIN_RULE_BODY:
            # A rule that matches an empty shell has rotted after a redesign; do not trust it.
            warnings.append(
                f"site rule {rules.path}: body selector matched only {size} characters; "
                "used generic extraction"
            )
            ruled.body = None
        if ruled.body is not None:
            method = f"rule:{rules.host}"
    elif options.extra_strip:
        clean.strip_selectors(root, options.extra_strip, counts)
    if options.element_hiding:
        hidden = apply_hiding(root, load_list(str(options.element_hiding)), page_host, text)
        if hidden:
            counts["hidden-by-list"] += hidden
    if ruled.body is not None:
        body = _detach(ruled.body)
    else:
        body = generic.extract_generic(body_root, title=title)
        if not lead_text and lang == "vi":
            lead_text = lead.generic_lead(root, body)
    if lead_text:
        lead.insert_lead(body, lead_text)
    # Class-token clutter rules are tuned on Vietnamese news CMSs; on other generic pages the
    # scorer's own class weighting is safer (measured on the development corpus).
    clean.remove_clutter(body, counts, by_class=method != "generic" or lang == "vi")
    credit = provenance.take_credit(body, base, page_host)
    # Credits and "link gốc" boxes outside the body are a Vietnamese republisher convention.
    if (credit.source is None or credit.url is None) and lang == "vi":
        elsewhere = provenance.page_credit(root, text, base, page_host)
        credit.source = credit.source or elsewhere.source
        credit.url = credit.url or elsewhere.url
    lead.drop_title(body, title)
    first = lead.first_paragraph(body)
    dateline_site = lead.drop_dateline(first) if first is not None else None
    if lead_text is None and first is not None:
        lead_text = inner_text(first) or None
    dropped_pixels = images.normalise_images(
        body, base=base, lazy_attrs=rules.lazy_image_attrs if rules else (), origin=origin
    )
    if dropped_pixels:
        counts["tracking-pixel"] += dropped_pixels
    _resolve_links(body, base)
    density = link_density(body)
    body_html, body_text = _serialise(body)
    text_chars = len(body_text)
    if not body_html:
        reason = f"; {DEPTH_WARNING}" if DEPTH_WARNING in warnings else ""
        raise ExtractError(
            f"{origin}: no article text found ({page_chars} characters on the page){reason}"
        )

    source, source_url = provenance.decide(
        credited=ruled.source or credit.source,
        original=ruled.original_link or credit.url or meta.based_on,
        base=base,
        canonical=canonical,
        own_names=(meta.publisher, meta.site_name, rules.name if rules else None, page_host),
    )
    image = clean_url(meta.image, base) if meta.image else None
    if not is_http_url(image):
        first_img = body.find(".//img[@src]")  # no declared lead image: the first in the body
        image = first_img.get("src") if first_img is not None else None
    report = build_report(
        method=method,
        title=title,
        date=meta.date,
        text_chars=text_chars,
        page_chars=page_chars,
        link_density=density,
        stripped=clean.describe(counts),
        warnings=warnings,
    )
    return Article(
        title=" ".join((title or "").split()),
        body_html=body_html,
        date=meta.date,
        modified=meta.modified,
        authors=tuple(dict.fromkeys(" ".join(a.split()) for a in meta.authors if a.strip())),
        category=" ".join(meta.category.split()) if meta.category else None,
        tags=tuple(meta.tags),
        summary=lead.summary(lead_text or meta.description or ""),
        lang=lang,
        source=source,
        source_url=source_url,
        via_url=clean_url(via_url) if via_url else None,
        via_site=page_host or dateline_site,
        captured=capture.captured_at or saved.saved,
        image=image if is_http_url(image) else None,
        report=report,
    )


def _detach(el: etree._Element) -> etree._Element:
    """Return ``el`` as a standalone ``div`` so cleaning cannot touch the rest of the page."""
    parent = el.getparent()
    if parent is not None:
        el.tail = None
        parent.remove(el)
    holder: etree._Element = etree.Element("div")
    holder.append(el)
    return holder
