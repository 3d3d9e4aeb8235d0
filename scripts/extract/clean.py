"""Remove the clutter news pages put *inside* an article: ads, related boxes, share bars, forms.

Two kinds of evidence, both kept as data: class/id tokens (``ads``, ``box-tinlienquan``,
``binh-luan``…) matched one token at a time so ``shadow`` never reads as ``ad``, and the text
patterns of :mod:`scripts.boilerplate` (``0947268688 liên hệ quảng cáo``, ``TIN LIÊN QUAN``)
matched against a whole block.  Every removal is counted by kind so the report can say what
was taken out (``ads×3``, ``related``), which is how an operator spots an over-eager rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from lxml import etree

from scripts.boilerplate import junk_kind
from scripts.extract.textutil import drop_tree, inner_text, link_density, text_len
from scripts.rules import compile_selector

# Kind → pattern that one class or id token must match entirely.
TOKEN_KINDS: dict[str, re.Pattern[str]] = {
    "ads": re.compile(
        r"ads?|adv|adverts?|advertisement|adsbygoogle|ad[-_]\w+|\w+[-_]ads?|\w+[-_]ad[-_]\w+|"
        r"banner(?:[-_]\w+)?|quang-?cao\w*|qc(?:[-_]\w+)?|sponsor\w*|sponsored[-_]\w+|tai-?tro\w*|"
        r"dfp\w*|gpt[-_]ad\w*|google[-_]?ads?|taboola\w*|outbrain\w*|admicro\w*|adsense\w*",
        re.I,
    ),
    "related": re.compile(
        r"related(?:[-_]\w+)?|\w+[-_]related|box[-_]?tin\w*|tin-?lien-?quan\w*|tinlienquan\w*|"
        r"lien-?quan\w*|tin-?khac\w*|xem-?them\w*|read-?more|more-?news|see-?also|"
        r"same-?category|cung-?chuyen-?muc\w*|suggest\w*|recommend\w*",
        re.I,
    ),
    "comments": re.compile(
        r"comments?(?:[-_]\w+)?|\w+[-_]comments?|binh-?luan\w*|disqus\w*|fb-comments|y-?kien\w*",
        re.I,
    ),
    "share": re.compile(
        r"share(?:[-_]\w+)?|\w+[-_]share|social(?:[-_]\w+)?|sharing|chia-?se\w*|addthis\w*|"
        r"sharethis\w*|print-?tools?|tool-?bar",
        re.I,
    ),
    "ticker": re.compile(
        r"ticker\w*|marquee|breaking(?:[-_]news)?|dong-?su-?kien\w*|tin-?nong", re.I
    ),
    "newsletter": re.compile(r"newsletter\w*|subscribe\w*|dang-?ky-?nhan\w*", re.I),
    "author-box": re.compile(r"author-?box|author-?bio|about-?author|author-?info", re.I),
    "phone-ad": re.compile(r"hotline\w*", re.I),
    "tags": re.compile(
        r"tags?-?(?:list|box|item)s?|detail-?tags|box-?tags?|keywords?|tag-?cloud", re.I
    ),
    "navigation": re.compile(r"breadcrumbs?|pagination|pager|menu|nav(?:bar)?", re.I),
}
AD_HOSTS = re.compile(
    r"doubleclick|googlesyndication|adnetwork|adservice|adsrvr|admicro|eclick|taboola|outbrain|"
    r"/ads?/|[?&]ad(?:_|unit|slot)",
    re.I,
)
_BOX_TAGS = ("div", "section", "aside", "ul", "ol", "table", "p", "span", "li", "blockquote")
_TEXT_BLOCKS = ("p", "div", "li", "span", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "td")
_XEM_THEM = re.compile(
    r"^(?:>>\s*|»\s*)?(?:xem thêm|đọc thêm|tin liên quan|bài liên quan|xem tiếp|mời xem|clip)\s*[:>»]",
    re.I,
)
_DROP_ALWAYS = ("form", "script", "style", "noscript", "template", "button", "input", "textarea",
                "select", "nav")  # fmt: skip


def _tokens(el: etree._Element) -> list[str]:
    return f"{el.get('class', '')} {el.get('id', '')}".split()


def token_kind(el: etree._Element) -> str | None:
    """Return the clutter kind named by one of ``el``'s class/id tokens, if any."""
    for token in _tokens(el):
        for kind, pattern in TOKEN_KINDS.items():
            if pattern.fullmatch(token):
                return kind
    return None


def _attached(el: etree._Element, root: etree._Element) -> bool:
    """Tell whether ``el`` is still inside ``root`` (not in a subtree removed earlier)."""
    return any(anc is root for anc in el.iterancestors())


def _drop(el: etree._Element, kind: str, counts: Counter[str]) -> None:
    if el.getparent() is not None:
        counts[kind] += 1
        drop_tree(el)


def strip_selectors(root: etree._Element, selectors: Iterable[str], counts: Counter[str]) -> None:
    """Remove every element matching any of the site's ``strip`` selectors."""
    for selector in selectors:
        for el in compile_selector(selector)(root):
            _drop(el, _kind_for_selector(el), counts)


def _kind_for_selector(el: etree._Element) -> str:
    kind = token_kind(el) or junk_kind(inner_text(el)[:200])
    return _report_name(kind) if kind else "rule-strip"


def _is_box_heading(el: etree._Element) -> str | None:
    """Return the kind when the first text of box ``el`` is a related/ad label."""
    first_text = (el.text or "").strip()
    if first_text:
        return junk_kind(first_text) if len(first_text) < 60 else None
    for child in el:
        if not isinstance(child.tag, str):
            continue
        text = inner_text(child)
        if text:
            return junk_kind(text) if len(text) < 60 else None
    return None


def remove_clutter(body: etree._Element, counts: Counter[str], *, by_class: bool = True) -> None:
    """Remove clutter from the article subtree ``body`` in place, counting kinds in ``counts``."""
    for el in list(body.iter(*_DROP_ALWAYS)):
        _drop(el, "comments" if el.tag == "form" else "script", counts)
    counts.pop("script", None)
    for el in list(body.iter("ins", "iframe", "embed", "object")):
        if el.tag == "ins" and "adsbygoogle" not in (el.get("class") or "") and text_len(el):
            continue
        if el.tag == "ins" or AD_HOSTS.search(el.get("src") or el.get("data") or ""):
            holder = el.getparent()
            _drop(el, "ads", counts)
            if holder is not None and holder is not body and not text_len(holder):
                drop_tree(holder)
    if by_class:
        for el in list(body.iter()):
            if el is body or not isinstance(el.tag, str) or not _attached(el, body):
                continue
            kind = token_kind(el)
            if kind and not (kind == "navigation" and text_len(el) > 400):
                _drop(el, kind, counts)
    for el in list(body.iter(*_BOX_TAGS)):
        if el is body or not _attached(el, body):
            continue
        kind = _is_box_heading(el)
        if kind not in ("related-heading", "ad-label"):
            continue
        text = text_len(el)
        if link_density(el) > 0.5 or el.find(".//ins") is not None or text < 400:
            heading_only = text < 60 and el.tag not in ("ul", "ol", "table", "div", "section")
            if not heading_only or kind == "ad-label":
                _drop(el, "related" if kind == "related-heading" else "ads", counts)
    for el in list(body.iter(*_TEXT_BLOCKS)):
        if el is body or not _attached(el, body):
            continue
        if any(isinstance(k.tag, str) and k.tag in ("p", "div", "ul", "table") for k in el):
            continue  # judge leaf blocks only, so one junk line never takes its container
        if el.tag == "p" and trim_related_tail(el):
            counts["related"] += 1
        text = inner_text(el)
        if len(text) > 400:
            continue
        kind = junk_kind(text)
        if kind:
            _drop(el, _report_name(kind), counts)
        elif _XEM_THEM.match(text) and el.find(".//a") is not None and len(text) < 300:
            _drop(el, "related", counts)


_TRAILING_PROMPT = re.compile(
    r"\s*(?:>>|»)?\s*(?:xem thêm|đọc thêm|tin liên quan|xem tiếp)\s*:?\s*$", re.I
)


def trim_related_tail(p: etree._Element) -> bool:
    """Cut a trailing ``Xem thêm: <a>…</a>`` off a paragraph of real text; tell if it did."""
    kids = [k for k in p if isinstance(k.tag, str)]
    if not kids or kids[-1].tag != "a" or (kids[-1].tail or "").strip():
        return False
    link = kids[-1]
    prev = link.getprevious()
    before = (prev.tail if prev is not None else p.text) or ""
    match = _TRAILING_PROMPT.search(before)
    if match is None and prev is not None and prev.tag in ("strong", "b", "em", "i"):
        # <strong>Xem thêm:</strong> <a>…</a>
        if _TRAILING_PROMPT.fullmatch(inner_text(prev)) and not (prev.tail or "").strip():
            drop_tree(link)
            drop_tree(prev)
            return True
        return False
    if match is None:
        return False
    drop_tree(link)
    if prev is not None:
        prev.tail = before[: match.start()]
    else:
        p.text = before[: match.start()]
    return True


def _report_name(kind: str) -> str:
    return {
        "related-heading": "related",
        "ad-label": "ads",
        "original-link-toggle": "original-link",
    }.get(kind, kind)


def describe(counts: Counter[str]) -> tuple[str, ...]:
    """Return removal counts as report entries: ``ads×3``, ``related``."""
    return tuple(f"{kind}×{n}" if n > 1 else kind for kind, n in sorted(counts.items()) if n > 0)
