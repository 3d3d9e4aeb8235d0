"""Text measures of lxml elements shared by the cleaners and the scorer."""

from __future__ import annotations

from lxml import etree

# XPath string functions run in libxml2: several times faster than joining itertext() in
# Python on the large containers the scorer measures again and again.
_STRING = etree.XPath("string(.)")
_LENGTH = etree.XPath("string-length(normalize-space(.))")


def inner_text(el: etree._Element) -> str:
    """Return the element's text with whitespace collapsed (what a reader would count)."""
    return " ".join(str(_STRING(el)).split())


def has_text(el: etree._Element) -> bool:
    """Tell whether ``el`` holds any non-space text, stopping at the first that does."""
    return any(not chunk.isspace() for chunk in el.itertext() if chunk)


def text_len(el: etree._Element) -> int:
    """Return the length of the element's whitespace-collapsed text (no-break spaces count)."""
    return int(_LENGTH(el))


def link_density(el: etree._Element) -> float:
    """Return the share of ``el``'s text that sits inside links (in-page ``#`` links count 0.3)."""
    total = text_len(el)
    if not total:
        return 0.0
    linked = 0.0
    for a in el.iter("a"):
        href = a.get("href") or ""
        # Link text rarely holds runs of spaces, so the cheap length is close enough here.
        length = len("".join(a.itertext()).strip())
        linked += length * (0.3 if href.startswith("#") and len(href) > 1 else 1.0)
    return min(linked / total, 1.0)


def drop_tree(el: etree._Element) -> None:
    """Remove ``el`` and its content but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def drop_tag(el: etree._Element) -> None:
    """Remove the tag ``el`` but keep its text and children in place (unwrap it)."""
    parent = el.getparent()
    if parent is None:
        return
    index = parent.index(el)
    prev = el.getprevious()
    text = el.text or ""
    if prev is not None:
        prev.tail = (prev.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    children = list(el)
    tail = el.tail or ""
    parent.remove(el)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if children:
        last = children[-1]
        last.tail = (last.tail or "") + tail
    elif index > 0:
        before = parent[index - 1]
        before.tail = (before.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def _clen(text: str | None) -> int:
    """Return the collapsed length of a text chunk, counting a space at each spaced edge."""
    if not text:
        return 0
    core = len(" ".join(text.split()))
    if not core:
        return 1
    return core + text[0].isspace() + text[-1].isspace()


def measure(root: etree._Element) -> dict[etree._Element, tuple[int, float]]:
    """Return (text length, weighted link-text length) of every element under ``root``.

    One bottom-up pass (reversed pre-order visits children before parents) instead of one
    text walk per candidate: scoring asks for the link density of dozens of nested elements.
    Lengths are sums of whitespace-collapsed chunks, within a few characters of
    :func:`text_len`, which is plenty for a ratio.
    """
    sizes: dict[etree._Element, tuple[int, float]] = {}
    for el in reversed(list(root.iter())):
        total = _clen(el.text) if isinstance(el.tag, str) else 0
        linked = 0.0
        for child in el:
            child_total, child_linked = sizes.get(child, (0, 0.0))
            total += child_total + _clen(child.tail)
            linked += child_linked
        if el.tag == "a":
            href = el.get("href") or ""
            linked = total * (0.3 if href.startswith("#") and len(href) > 1 else 1.0)
        sizes[el] = (total, linked)
    return sizes
