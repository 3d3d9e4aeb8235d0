"""Readability's *conditional* cleaning of the chosen article subtree.

A list, table or box inside the article is dropped only when its own numbers say it is
furniture: more images than paragraphs, more list items than paragraphs, form inputs, little
text, many links, or a lone embed.  Data tables (a caption, header cells, many rows or columns)
are never judged, nor anything inside code.
"""

from __future__ import annotations

from lxml import etree

from scripts.extract.textutil import drop_tree, inner_text, link_density, text_len
from scripts.extract.weights import (
    COMMAS,
    EMBED,
    SHARE,
    Flags,
    class_weight,
    has_ancestor,
    is_empty,
)


def _is_data_table(table: etree._Element) -> bool:
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if table.get("summary") or table.find("caption") is not None:
        return True
    if next(table.iter("thead", "tfoot", "th", "colgroup"), None) is not None:
        return True
    if table.find(".//table") is not None:
        return False
    rows = table.findall(".//tr")
    cols = max((len(r.findall("td")) for r in rows), default=0)
    return len(rows) >= 10 or cols > 4 or len(rows) * cols > 10


def _junk_box(el: etree._Element, flags: Flags, tables: set[etree._Element]) -> bool:
    """Tell whether a list, table or div inside the article is furniture (Readability's test)."""
    if el in tables or any(a in tables for a in el.iterancestors("table")):
        return False
    if has_ancestor(el, ("code", "pre")):
        return False
    weight = class_weight(el, flags)
    if weight < 0:
        return True
    text = inner_text(el)
    if len(COMMAS.findall(text)) >= 10:
        return False
    is_list = el.tag in ("ul", "ol")
    if not is_list:
        list_len = sum(text_len(li) for li in el.iter("ul", "ol"))
        is_list = bool(text) and list_len / len(text) > 0.9
    p = len(el.findall(".//p"))
    img = len(el.findall(".//img"))
    li = len(el.findall(".//li")) - 100
    inputs = len(el.findall(".//input"))
    heading_chars = sum(text_len(h) for h in el.iter("h1", "h2", "h3", "h4", "h5", "h6"))
    heading_density = heading_chars / len(text) if text else 0.0
    embeds = sum(1 for _ in el.iter(*EMBED))
    density = link_density(el)
    in_figure = has_ancestor(el, ("figure",))
    length = len(text)
    if img > 1 and p / img < 0.5 and not in_figure:
        return True
    if not is_list and li > p:
        return True
    if inputs > p // 3:
        return True
    if (
        not is_list
        and heading_density < 0.9
        and length < 25
        and (img == 0 or img > 2)
        and not in_figure
    ):
        return True
    if not is_list and weight < 25 and density > 0.2:
        return True
    if weight >= 25 and density > 0.5:
        return True
    return (embeds == 1 and length < 75) or embeds > 1


def clean_article(article: etree._Element, flags: Flags) -> None:
    """Drop furniture left inside the chosen subtree."""
    for el in list(article.iter("form", "fieldset", "footer", "aside", "object", "embed")):
        if el.getparent() is not None:
            drop_tree(el)
    for el in list(article.iter()):
        if el is article or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if SHARE.search(f"{el.get('class', '')} {el.get('id', '')}") and text_len(el) < 500:
            drop_tree(el)
    for el in list(article.iter("h1", "h2")):
        if class_weight(el, flags) < 0:
            drop_tree(el)
    tables = {t for t in article.iter("table") if _is_data_table(t)}
    if flags.clean_conditionally:
        for tag in ("table", "ul", "div"):
            for el in reversed(list(article.iter(tag))):
                if el is article or el.getparent() is None:
                    continue
                if _junk_box(el, flags, tables):
                    drop_tree(el)
    for el in list(article.iter("p")):
        if el.getparent() is not None and is_empty(el) and not any(el.iter("img", *EMBED)):
            drop_tree(el)
