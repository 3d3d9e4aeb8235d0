"""Images in an article body: real sources, absolute URLs, captions kept with their image.

News CMSs hide the real image behind lazy-loading attributes (``data-src`` while ``src`` holds a
1×1 placeholder), and write a caption in half a dozen ways: ``<figure>/<figcaption>``, a
two-row ``<table class="image">``, an ``<img>`` paragraph followed by an italic paragraph, or a
``div.caption``.  The archive wants one shape, ``<figure><img><figcaption>``, so the converter
and the theme treat every caption alike.  This runs before sanitizing, which drops ``data-*``.

A body with more than :data:`MAX_IMAGES` images is refused with :class:`CaptureError`, which the
importer turns into a quarantine with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from scripts.extract.textutil import drop_tag, drop_tree, has_text, text_len
from scripts.models import CaptureError
from scripts.urls import clean_url

DEFAULT_LAZY_ATTRS = (
    "data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-hi-res-src",
    "data-full-src", "data-original-src", "data-actualsrc", "data-echo",
)  # fmt: skip
SRCSET_ATTRS = ("srcset", "data-srcset", "data-lazy-srcset")
# Analytics and ad beacons that paint a 1×1 pixel; they are never content.
PIXEL_HOSTS = re.compile(
    r"(?:^|\.)(?:px\.|pixel\.|track\.|stats?\.|analytics\.|beacon\.)|doubleclick\.net|"
    r"google-analytics\.com|facebook\.com/tr|scorecardresearch\.com|quantserve\.com|"
    r"googlesyndication\.com|adnetwork|/track(?:ing)?[./?]|/pixel[./?]|/hit\?|/beacon",
    re.I,
)
# Layout spacers and lazy-load placeholders left without a real source.
_SPACER = re.compile(
    r"/(?:spacer|blank|transparent|pixel|clear|1x1|dot)\.(?:gif|png)(?:$|\?)", re.I
)
_PLACEHOLDER = re.compile(r"blank|spacer|placeholder|lazy|loading|transparent|grey\.gif|1x1", re.I)
_CAPTION_CLASS = re.compile(
    r"caption|chu-?thich|chuthich|figcaption|image-?desc|img-?desc|photo-?desc|expnote|note-?img|"
    r"PhotoCMS_Caption|desc_image|legend|credit",
    re.I,
)
_IMAGE_TABLE_CLASS = re.compile(r"image|picture|photo|tplCaption|VCSortable|caption", re.I)
_CAPTION_MAX = 300
# Images in one article body at most.  A bound on hostile or broken input, not an editorial
# choice: real photo stories hold tens of images, a few hundred at the very most, while a page
# with thousands is a generator gone wrong or an attack on the importer's time.  Unrelated to
# the [defaults] max_images of sources.toml, which is how many images fetching localises per
# page (40); that one only applies to pages that pass this bound.
MAX_IMAGES = 500


def _best_srcset(value: str) -> str | None:
    """Return the widest candidate of a ``srcset`` (by ``w``, else by ``x`` density)."""
    best: tuple[float, str] | None = None
    for part in value.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            try:
                size = float(bits[1][:-1]) if bits[1][-1] in "wx" else 1.0
            except ValueError:
                size = 1.0
        if best is None or size > best[0]:
            best = (size, bits[0])
    return best[1] if best else None


def _dimension(value: str | None) -> int | None:
    if not value:
        return None
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else None


def real_source(img: etree._Element, lazy_attrs: Iterable[str], base: str | None) -> str | None:
    """Return the absolute URL of the image ``img`` actually shows, or ``None`` to drop it."""
    src = (img.get("src") or "").strip()
    candidates = [img.get(a) for a in lazy_attrs] + [img.get(a) for a in DEFAULT_LAZY_ATTRS]
    lazy = next((c.strip() for c in candidates if c and c.strip()), None)
    if lazy and (not src or src.startswith("data:") or _PLACEHOLDER.search(src)):
        src = lazy
    if not src or src.startswith("data:"):
        for attr in SRCSET_ATTRS:
            value = img.get(attr)
            if value:
                src = _best_srcset(value) or ""
                break
    if not src or src.startswith("data:"):
        parent = img.getparent()
        if parent is not None and parent.tag == "picture":
            for source in parent.iter("source"):
                candidate = _best_srcset(source.get("srcset") or source.get("data-srcset") or "")
                if candidate:
                    src = candidate
                    break
    if not src or src.lower().startswith(("data:", "javascript:")):
        return None
    url = clean_url(src, base)
    if not url.startswith(("http://", "https://")):
        return None
    return url


def _is_pixel(img: etree._Element, url: str) -> bool:
    width, height = _dimension(img.get("width")), _dimension(img.get("height"))
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True
    return bool(PIXEL_HOSTS.search(url) or _SPACER.search(url))


def _more_than_one_image(el: etree._Element) -> bool:
    images = el.iter("img")
    return next(images, None) is not None and next(images, None) is not None


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _caption_like(el: etree._Element) -> bool:
    """Tell whether ``el`` (the element after an image) reads as that image's caption."""
    if not isinstance(el.tag, str) or el.tag not in ("p", "div", "span", "em", "i", "small"):
        return False
    if text_len(el) > _CAPTION_MAX:
        return False
    text = _text(el)
    if not text or el.find(".//img") is not None:
        return False
    if _CAPTION_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}"):
        return True
    if el.tag in ("em", "i", "small"):
        return True
    # A paragraph that is entirely italic: <p><em>Caption (Ảnh: ...)</em></p>.
    kids = [k for k in el if isinstance(k.tag, str)]
    return (
        len(kids) == 1
        and kids[0].tag in ("em", "i")
        and not (el.text or "").strip()
        and not (kids[0].tail or "").strip()
    )


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    child: etree._Element = etree.Element(tag, **attrs)
    parent.append(child)
    return child


def _figure(img: etree._Element, caption: str | None) -> etree._Element:
    figure = etree.Element("figure")
    new = _sub(figure, "img", src=img.get("src", ""))
    alt = " ".join((img.get("alt") or "").split())
    new.set("alt", alt or " ".join((img.get("title") or "").split()) or (caption or ""))
    for attr in ("title", "width", "height"):
        if img.get(attr):
            new.set(attr, img.get(attr, ""))
    if caption:
        cap = _sub(figure, "figcaption")
        cap.text = caption
    return figure


def _replace(old: etree._Element, new: etree._Element) -> None:
    new.tail = old.tail
    parent = old.getparent()
    if parent is not None:
        parent.replace(old, new)


class _Memo:
    """Per-page answers of :func:`has_text` and :func:`_more_than_one_image` by element.

    Many images climb through the same ancestors, and asking each ancestor again walks the
    whole container once per image: images × body size.  Remembering the answers makes a page
    linear.  They stay true while :func:`normalise_images` runs, because it only replaces an
    image's holder by a figure holding the same image, and moves a caption's text into that
    figure, at the same place in the tree.
    """

    def __init__(self) -> None:
        self._text: dict[etree._Element, bool] = {}
        self._images: dict[etree._Element, bool] = {}

    def has_text(self, el: etree._Element) -> bool:
        found = self._text.get(el)
        if found is None:
            found = self._text[el] = has_text(el)
        return found

    def more_than_one_image(self, el: etree._Element) -> bool:
        found = self._images.get(el)
        if found is None:
            found = self._images[el] = _more_than_one_image(el)
        return found

    def images_moved(self) -> None:
        """Forget image counts after a replacement that took more than one image away."""
        self._images.clear()


def _lone_image_holder(img: etree._Element, stop: etree._Element, memo: _Memo) -> etree._Element:
    """Return the outermost ancestor of ``img`` (below ``stop``) that holds nothing but it."""
    holder = img
    while True:
        parent = holder.getparent()
        if parent is None or parent is stop or parent.tag in ("figure", "td", "li", "body"):
            return holder
        if memo.has_text(parent) or memo.more_than_one_image(parent):
            return holder
        holder = parent


def normalise_images(
    body: etree._Element,
    *,
    base: str | None,
    lazy_attrs: Iterable[str] = (),
    origin: str = "<html capture>",
) -> int:
    """Resolve, filter and caption every image under ``body`` in place; return pixels dropped.

    Raises :class:`CaptureError` naming ``origin`` when ``body`` holds more than
    :data:`MAX_IMAGES` images.
    """
    found = list(body.iter("img"))
    if len(found) > MAX_IMAGES:
        raise CaptureError(
            f"{origin}: article body has {len(found):,} images, "
            f"over the limit of {MAX_IMAGES} images per page"
        )
    lazy = tuple(lazy_attrs)
    dropped = 0
    for img in found:
        url = real_source(img, lazy, base)
        if url is None or _is_pixel(img, url):
            dropped += url is not None
            drop_tree(img)
            continue
        img.set("src", url)
    for picture in list(body.iter("picture")):
        drop_tag(picture)
    _tables_to_figures(body)
    for figure in list(body.iter("figure")):
        _normalise_figure(figure)
    memo = _Memo()
    for img in list(body.iter("img")):
        if _inside(img, "figure"):
            continue
        parent = img.getparent()
        caption_el = _inline_caption(parent, img) if parent is not None else None
        if caption_el is not None and parent is not body:
            if caption_el.find(".//img") is not None:
                memo.images_moved()
            _replace(parent, _figure(img, _text(caption_el)))
            continue
        holder = _lone_image_holder(img, body, memo)
        if holder is not img and holder.tag not in ("p", "div", "a", "span", "center"):
            continue
        if holder is img and memo.has_text(img.getparent()):  # an inline icon inside text
            continue
        nxt = holder.getnext()
        caption = None
        if nxt is not None and _caption_like(nxt):
            caption = _text(nxt)
            drop_tree(nxt)
        _replace(holder, _figure(img, caption))
    return dropped


def _inline_caption(parent: etree._Element, img: etree._Element) -> etree._Element | None:
    """Return the caption of ``<p><img><br><em>Caption</em></p>``, the old-CMS figure."""
    if parent.tag not in ("p", "div") or (parent.text or "").strip() or len(parent) > 8:
        return None
    caption = None
    for child in parent:
        if (child.tail or "").strip() or not isinstance(child.tag, str):
            return None
        if child is img or child.tag == "br":
            continue
        if (
            child.tag in ("em", "i", "small")
            and caption is None
            and 0 < len(_text(child)) <= _CAPTION_MAX
        ):
            caption = child
            continue
        return None
    return caption


def _inside(el: etree._Element, tag: str) -> bool:
    return any(a.tag == tag for a in el.iterancestors())


def _normalise_figure(figure: etree._Element) -> None:
    imgs = figure.findall(".//img")
    if len(imgs) != 1:
        for caption in figure.iter("figcaption"):
            caption.tag = "p"
        if not imgs:
            figure.tag = "div"
        return
    cap = figure.find(".//figcaption")
    caption = _text(cap) if cap is not None else None
    if not caption:
        for el in figure.iter():
            if el is not figure and isinstance(el.tag, str) and _caption_like(el):
                caption = _text(el)
                break
    _replace(figure, _figure(imgs[0], caption))


def _tables_to_figures(body: etree._Element) -> None:
    """Turn a layout table holding one image and a caption cell into a figure."""
    for table in list(body.iter("table")):
        imgs = table.findall(".//img")
        if len(imgs) != 1 or len(table.findall(".//tr")) > 3:
            continue
        if text_len(table) > _CAPTION_MAX * 2:
            continue  # a layout table holding the article (and one image) is not a figure
        klass = f"{table.get('class', '')} {table.get('id', '')}"
        cells = [c for c in table.iter("td", "th") if c.find(".//img") is None]
        caption = " ".join(t for t in (_text(c) for c in cells) if t)
        if not _IMAGE_TABLE_CLASS.search(klass) and len(caption) > _CAPTION_MAX:
            continue
        _replace(table, _figure(imgs[0], caption[: _CAPTION_MAX * 2] or None))
