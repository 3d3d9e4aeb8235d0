"""Find the article in a page nobody wrote rules for, in the Readability tradition.

The idea (Arc90's Readability, refined by Mozilla) is that article text comes in paragraphs with
commas, while navigation, related lists and ads come in short, link-heavy fragments.  Each
paragraph of 25+ characters gives points to its parent and, decreasingly, to four more
ancestors; class and id names nudge the scores (``article``/``content`` up, ``comment``/``share``
down); each candidate's score is scaled by ``1 - link density``; the best candidate is widened to
a common ancestor when several near-best candidates share one, and siblings that score well or
read as prose are merged back in.  Finally the chosen subtree is cleaned *conditionally*: a list
or box inside the article is dropped only when its own numbers (links, images, inputs, text)
say it is furniture.  When the result is too short, the pass is repeated with the most
aggressive steps switched off, as Readability does, because some sites name their article
container ``sidebar``.

Work is bounded: at most :data:`MAX_SCORED` paragraphs are scored, and lxml's parser already caps
nesting depth, so a 20 MB page or a 10,000-deep tree costs a bounded amount of time.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

from lxml import etree

from scripts.extract.conditional import clean_article
from scripts.extract.textutil import drop_tree, inner_text, link_density, measure, text_len
from scripts.extract.weights import (
    BYLINE,
    COMMAS,
    MAYBE,
    UNLIKELY,
    UNLIKELY_ROLES,
    Flags,
    class_weight,
    has_ancestor,
    is_empty,
)

_BLOCK_CHILDREN = {
    "a", "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "section", "article",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "aside", "form", "center",
}  # fmt: skip
_PHRASING = {
    "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data", "datalist", "dfn", "em",
    "embed", "i", "img", "input", "kbd", "label", "mark", "math", "meter", "noscript", "object",
    "output", "progress", "q", "ruby", "samp", "script", "select", "small", "span", "strong",
    "sub", "sup", "textarea", "time", "var", "wbr", "a", "del", "ins", "u", "s", "font",
}  # fmt: skip
_SCORE_TAGS = ("p", "td", "pre", "section", "h2", "h3", "h4", "h5", "h6")
_TAG_BASE = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3, "address": -3, "ol": -3, "ul": -3, "dl": -3,
    "dd": -3, "dt": -3, "li": -3, "form": -3, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5,
    "h6": -5, "th": -5,
}  # fmt: skip
_ALWAYS_DROP = ("script", "style", "link", "meta", "template", "noscript", "iframe", "object",
                "embed", "input", "textarea", "select", "button", "svg", "canvas", "nav")  # fmt: skip
_LAYOUT = frozenset(("table", "tbody", "tr", "thead", "tfoot"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
MAX_SCORED = 20000
CHAR_THRESHOLD = 500
TOP_CANDIDATES = 5
MIN_SHARED = 3


def _is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None:
        return True
    if _HIDDEN_STYLE.search(el.get("style") or ""):
        return True
    return el.get("aria-hidden") == "true" and "fallback-image" not in (el.get("class") or "")


def prepare(body: etree._Element, flags: Flags, title: str | None) -> None:
    """Remove what is never article text and turn text-holding divs into paragraphs."""
    title_key = _words(title) if title else None
    seen_title = False
    # Pre-order walk that never descends into a removed subtree.
    stack: list[etree._Element] = list(reversed(body))
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _ALWAYS_DROP:
            drop_tree(el)  # comments, processing instructions, scripts, forms' inputs…
            continue
        if _drop_in_prepare(el, flags, title_key, seen_title):
            if tag in ("h1", "h2") and title_key:
                seen_title = True
            drop_tree(el)
            continue
        if tag == "div":
            _div_to_paragraphs(el)
        stack.extend(reversed(el))


@lru_cache(maxsize=8192)
def _name_flags(name: str) -> tuple[bool, bool, bool]:
    """Return (byline, unlikely, maybe) for one class or id value; classes repeat a lot."""
    return bool(BYLINE.search(name)), bool(UNLIKELY.search(name)), bool(MAYBE.search(name))


def _class_verdict(klass: str | None, ident: str | None) -> tuple[bool, bool]:
    """Return (byline, unlikely candidate) from an element's class and id."""
    b1, u1, m1 = _name_flags(klass) if klass else (False, False, False)
    b2, u2, m2 = _name_flags(ident) if ident else (False, False, False)
    return b1 or b2, (u1 or u2) and not (m1 or m2)


def _drop_in_prepare(
    el: etree._Element, flags: Flags, title_key: list[str] | None, seen_title: bool
) -> bool:
    """Tell whether ``el`` is hidden, a byline, the title again, unlikely, or empty."""
    attrib = el.attrib
    if attrib and _is_hidden(el):
        return True
    klass, ident = attrib.get("class"), attrib.get("id")
    byline, unlikely = _class_verdict(klass, ident) if klass or ident else (False, False)
    if (byline or attrib.get("rel") == "author" or "author" in attrib.get("itemprop", "")) and (
        el.tag not in ("body", "article") and 0 < text_len(el) < 100
    ):
        return True
    if (
        title_key
        and not seen_title
        and el.tag in ("h1", "h2")
        and _similar(_words(inner_text(el)), title_key)
    ):
        return True
    if (
        flags.strip_unlikely
        and (klass or ident or "role" in attrib)
        and el.tag not in ("body", "a", "html", "article")
        and (
            (unlikely and not has_ancestor(el, ("table", "code")))
            or attrib.get("role") in UNLIKELY_ROLES
        )
    ):
        return True
    return el.tag in _EMPTY_DROPPABLE and is_empty(el) and el.find(".//img") is None


_EMPTY_DROPPABLE = frozenset(("div", "section", "header", "h1", "h2", "h3", "h4", "h5", "h6"))


def _double_br(el: etree._Element) -> bool:
    """Tell whether ``el`` is a ``<br>`` directly followed (across blank text) by another."""
    nxt = el.getnext()
    return el.tag == "br" and nxt is not None and nxt.tag == "br" and not (el.tail or "").strip()


def _div_to_paragraphs(div: etree._Element) -> None:
    """Turn a div's loose text into paragraphs, as a browser's reader view would see them.

    A div of inline content becomes a ``<p>``; otherwise runs of text and inline elements
    between blocks, and between ``<br><br>`` pairs (old CMSs separate paragraphs that way),
    are wrapped in their own paragraphs so that they are scored like paragraphs.
    """
    kids = [k for k in div if isinstance(k.tag, str)]
    has_blocks = any(k.tag in _BLOCK_CHILDREN for k in kids)
    if not has_blocks and not any(_double_br(k) for k in kids):
        div.tag = "p"
        return
    if (
        len(kids) == 1
        and kids[0].tag == "p"
        and not (div.text or "").strip()
        and (link_density(kids[0]) < 0.25)
    ):
        return  # Readability would unwrap it; scoring the p alone has the same effect here
    children = list(div)
    groups: list[etree._Element | list[etree._Element | str]] = []
    run: list[etree._Element | str] = [div.text] if div.text else []
    div.text = None
    skip_next_br = False
    for index, child in enumerate(children):
        div.remove(child)
        if skip_next_br:
            skip_next_br = False
            groups.append(run)
            run = [child.tail] if child.tail else []
            continue
        tag = child.tag
        if isinstance(tag, str) and tag not in _PHRASING:
            groups.append(run)
            tail, child.tail = child.tail, None
            groups.append(child)
            run = [tail] if tail else []
        elif (
            tag == "br"
            and index + 1 < len(children)
            and children[index + 1].tag == "br"
            and not (child.tail or "").strip()
        ):
            skip_next_br = True
        else:
            run.append(child)
    groups.append(run)
    for group in groups:
        if isinstance(group, list):
            _append_paragraph(div, group)
        else:
            div.append(group)


def _append_paragraph(div: etree._Element, run: list[etree._Element | str]) -> None:
    """Append ``run`` (text and inline elements) to ``div`` as one paragraph, if it has content."""
    if not any(
        (not isinstance(r, str) and r.tag != "br")
        or (isinstance(r, str) and r.strip())
        or (not isinstance(r, str) and (r.tail or "").strip())
        for r in run
    ):
        return
    p = etree.SubElement(div, "p")
    for item in run:
        if isinstance(item, str):
            if len(p):
                p[-1].tail = (p[-1].tail or "") + item
            else:
                p.text = (p.text or "") + item
        else:
            p.append(item)
    while len(p) and p[-1].tag == "br" and not (p[-1].tail or "").strip():
        p.remove(p[-1])


def _words(text: str | None) -> list[str]:
    return re.findall(r"\w+", (text or "").lower())


def _similar(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return False
    common = set(a) & set(b)
    extra = [w for w in b if w not in common]
    return 1 - len(" ".join(extra)) / max(len(" ".join(b)), 1) > 0.75


def score_paragraphs(
    body: etree._Element, flags: Flags
) -> tuple[dict[etree._Element, float], list[etree._Element]]:
    """Give points to the ancestors of every text paragraph; return scores and candidates."""
    scores: dict[etree._Element, float] = {}
    order: list[etree._Element] = []
    scored = 0
    for el in body.iter(*_SCORE_TAGS):
        if scored >= MAX_SCORED:
            break
        parent = el.getparent()
        if parent is None:
            continue
        text = inner_text(el)
        if len(text) < 25:
            continue
        scored += 1
        points = 1 + len(COMMAS.findall(text)) + min(len(text) // 100, 3)
        for level, anc in enumerate(el.iterancestors()):
            if level >= 5 or anc.getparent() is None:
                break
            if anc not in scores:
                weight = class_weight(anc, flags)
                if anc.tag in _LAYOUT and weight > 0:
                    weight = 0  # a layout table named "main" holds menus too; its cells compete
                scores[anc] = _TAG_BASE.get(anc.tag, 0) + weight
                order.append(anc)
            scores[anc] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
    if order:
        measured = measure(body)
        for el in order:
            total, linked = measured.get(el, (0, 0.0))
            scores[el] *= 1 - (min(linked / total, 1.0) if total else 0.0)
    return scores, order


def pick_top(body: etree._Element, scores: dict[etree._Element, float], order: list[etree._Element],
             flags: Flags) -> etree._Element:  # fmt: skip
    """Return the best candidate, widened to a shared ancestor or a lone-child parent."""
    ranked = sorted(order, key=lambda e: -scores[e])[:TOP_CANDIDATES]
    if not ranked or ranked[0] is body or ranked[0].tag in ("html", "body"):
        return body
    top = ranked[0]
    alternatives = [set(a.iterancestors()) for a in ranked[1:] if scores[a] / scores[top] >= 0.75]
    if len(alternatives) >= MIN_SHARED:
        parent = top.getparent()
        while parent is not None and parent.tag != "body":
            if sum(parent in ancestors for ancestors in alternatives) >= MIN_SHARED:
                top = parent
                break
            parent = parent.getparent()
    if top not in scores:
        scores[top] = _TAG_BASE.get(top.tag, 0) + class_weight(top, flags)
    last = scores[top]
    threshold = last / 3
    parent = top.getparent()
    while parent is not None and parent.tag != "body":
        if parent.tag in _LAYOUT:
            break  # never widen from a cell to a layout row: its other cells are menus
        if parent not in scores:
            parent = parent.getparent()
            continue
        if scores[parent] < threshold:
            break
        if scores[parent] > last:
            top = parent
            break
        last = scores[parent]
        parent = parent.getparent()
    parent = top.getparent()
    while parent is not None and parent.tag != "body" and len(parent) == 1:
        top = parent
        parent = top.getparent()
    if top not in scores:
        scores[top] = _TAG_BASE.get(top.tag, 0) + class_weight(top, flags)
    return top


def gather(top: etree._Element, scores: dict[etree._Element, float]) -> etree._Element:
    """Return a new div with ``top`` and the siblings that belong to the same article."""
    article: etree._Element = etree.Element("div")
    parent = top.getparent()
    if parent is None or top.tag == "body":
        for child in list(top):
            article.append(copy.deepcopy(child))
        return article
    top_score = scores.get(top, 0.0)
    threshold = max(10.0, top_score * 0.2)
    top_class = top.get("class", "")
    for sibling in parent:
        if not isinstance(sibling.tag, str):
            continue
        keep = sibling is top
        if not keep:
            bonus = top_score * 0.2 if top_class and sibling.get("class", "") == top_class else 0
            if sibling in scores and scores[sibling] + bonus >= threshold:
                keep = True
            elif sibling.tag == "p":
                density = link_density(sibling)
                text = inner_text(sibling)
                if (len(text) > 80 and density < 0.25) or (
                    0 < len(text) < 80 and density == 0 and re.search(r"\.( |$)", text)
                ):
                    keep = True
        if keep:
            clone = copy.deepcopy(sibling)
            clone.tail = None
            if clone.tag not in ("div", "article", "section", "p", "main"):
                clone.tag = "div"
            article.append(clone)
    return article


def extract_generic(body: etree._Element, *, title: str | None = None) -> etree._Element:
    """Return a new element holding the article found in ``body`` (which is left untouched).

    Runs up to four passes, each with fewer aggressive steps, and keeps the first whose text
    reaches :data:`CHAR_THRESHOLD` characters, else the longest.
    """
    attempts: list[tuple[int, etree._Element]] = []
    for flags in (
        Flags(),
        Flags(strip_unlikely=False),
        Flags(strip_unlikely=False, weight_classes=False),
        Flags(strip_unlikely=False, weight_classes=False, clean_conditionally=False),
    ):
        work: etree._Element = copy.deepcopy(body)
        prepare(work, flags, title)
        scores, order = score_paragraphs(work, flags)
        top = pick_top(work, scores, order, flags)
        article = gather(top, scores)
        clean_article(article, flags)
        length = text_len(article)
        if length >= CHAR_THRESHOLD:
            return article
        attempts.append((length, article))
    return max(attempts, key=lambda a: a[0])[1]
