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
from functools import lru_cache

from lxml import etree

from scripts.boilerplate import junk_kind
from scripts.dates import is_date_line
from scripts.extract.textutil import drop_tree, has_text, inner_text, link_density, text_len
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
    "navigation": re.compile(
        r"(?:\w+[-_])?(?:breadcrumbs?|pagination|pager|paging)|menu|nav(?:bar)?", re.I
    ),
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
# "Cập nhật: 10:20 - 03/04/2023", "Ngày đăng: ...": a date line with its label.
_DATE_LABEL = re.compile(
    r"^(?:cập nhật|ngày đăng|đăng ngày|đăng lúc|thời gian|ngày|xuất bản|posted|updated|published)"
    r"(?: lúc| ngày)?\s*:?\s*",
    re.I,
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_DROP_ALWAYS = ("form", "script", "style", "noscript", "template", "button", "input", "textarea",
                "select", "nav")  # fmt: skip


# Boxes nest, so the same first line is judged many times per page: remember the verdicts.
_junk_kind = lru_cache(maxsize=8192)(junk_kind)


def _tokens(el: etree._Element) -> list[str]:
    return f"{el.get('class', '')} {el.get('id', '')}".split()


def token_kind(el: etree._Element) -> str | None:
    """Return the clutter kind named by one of ``el``'s class/id tokens, if any."""
    for token in _tokens(el):
        for kind, pattern in TOKEN_KINDS.items():
            if pattern.fullmatch(token):
                return kind
    return None


def _drop(el: etree._Element, kind: str, counts: Counter[str]) -> None:
    if el.getparent() is not None:
        counts[kind] += 1
        drop_tree(el)


def strip_selectors(root: etree._Element, selectors: Iterable[str], counts: Counter[str]) -> None:
    """Remove every element matching any of the site's ``strip`` selectors."""
    for selector in selectors:
        for el in compile_selector(selector)(root):
            _drop(el, _kind_for_selector(el, selector), counts)


_SELECTOR_KINDS = (
    ("related", re.compile(r"related|lien-?quan|tin-?khac|xem-?them", re.I)),
    ("ads", re.compile(r"\bads?\b|adm|banner|quang-?cao|sponsor|tai-?tro|inread|gpt", re.I)),
    ("comments", re.compile(r"comment|binh-?luan", re.I)),
    ("share", re.compile(r"share|social", re.I)),
    ("author-box", re.compile(r"author", re.I)),
)


def _kind_for_selector(el: etree._Element, selector: str = "") -> str:
    """Name what a rule's ``strip`` selector removed, for the report."""
    kind = token_kind(el) or junk_kind(inner_text(el)[:200])
    if kind:
        return _report_name(kind)
    return next(
        (name for name, pattern in _SELECTOR_KINDS if pattern.search(selector)), "rule-strip"
    )


def _is_box_heading(el: etree._Element) -> str | None:
    """Return the kind when the first text of box ``el`` is a related/ad label.

    Only the first non-blank text chunk is read, so judging a big container stays cheap.
    """
    for chunk in el.itertext():
        if chunk.isspace() or not chunk:
            continue
        return _junk_kind(chunk) if len(chunk) < 60 else None
    return None


def remove_clutter(body: etree._Element, counts: Counter[str], *, by_class: bool = True) -> None:
    """Remove clutter from the article subtree ``body`` in place, counting kinds in ``counts``.

    One pre-order walk that never enters a removed subtree: a container is judged before its
    children, so a related box goes as a whole and its lines are not counted again.
    ``by_class`` is off for generic extraction, whose scorer has already weighed class names.
    """
    stack = [k for k in reversed(body) if isinstance(k.tag, str)]
    while stack:
        el = stack.pop()
        kind = _clutter_kind(el, by_class)
        if kind:
            if kind != "script":
                counts[kind] += 1
            drop_tree(el)
            continue
        stack.extend(k for k in reversed(el) if isinstance(k.tag, str))


def _clutter_kind(el: etree._Element, by_class: bool) -> str | None:
    """Return the clutter kind of ``el`` (``"script"`` for silent removals), or ``None``."""
    tag = el.tag
    if tag in _DROP_ALWAYS:
        return "comments" if tag == "form" else "script"
    if el.get("hidden") is not None or _HIDDEN.search(el.get("style") or ""):
        return "hidden"
    if tag in ("ins", "iframe", "embed", "object"):
        if tag == "ins" and "adsbygoogle" not in (el.get("class") or "") and has_text(el):
            return None
        if tag == "ins" or AD_HOSTS.search(el.get("src") or el.get("data") or ""):
            return "ads"
        return None
    if by_class and el.attrib:
        kind = token_kind(el)
        if kind and not (kind == "navigation" and text_len(el) > 400):
            return kind
    if tag in _BOX_TAGS:
        heading = _is_box_heading(el)
        if heading in ("related-heading", "ad-label"):
            size = text_len(el)
            if link_density(el) > 0.5 or el.find(".//ins") is not None or size < 400:
                heading_only = size < 60 and tag not in ("ul", "ol", "table", "div", "section")
                if not heading_only or heading == "ad-label":
                    return "related" if heading == "related-heading" else "ads"
    if tag not in _TEXT_BLOCKS or any(
        isinstance(k.tag, str) and k.tag in ("p", "div", "ul", "table") for k in el
    ):
        return None  # judge leaf blocks only, so one junk line never takes its container
    if tag == "p" and trim_related_tail(el):
        return None if has_text(el) else "related"
    if not 0 < text_len(el) <= 400:  # measured in libxml2 before any Python string is built
        return None
    text = inner_text(el)
    kind = _junk_kind(text)
    if kind:
        return _report_name(kind)
    if text and len(text) < 80 and is_date_line(_DATE_LABEL.sub("", text)):
        return "dateline"
    if _XEM_THEM.match(text) and el.find(".//a") is not None and len(text) < 300:
        return "related"
    return None


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
    window = len(before) - 40 if len(before) > 40 else 0  # the prompt is short: skip the prose
    match = _TRAILING_PROMPT.search(before, window)
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
