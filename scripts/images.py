"""Keep article images with the archive: content-hash names, downscaled, original URL remembered.

An archive that hotlinks images loses them when the original site reorganises, and makes every
reader's browser call third-party hosts.  So by default (policy ``localise``) each image the
capture holds is written once to ``content/images/<hash>.<ext>`` — the hash of the original
bytes, so one file serves every article that uses it — scaled down to a maximum width, stripped
of metadata, and the article points at it with Pelican's ``{static}`` link while keeping the
original address in ``data-origin``.  An image the capture does not hold is dropped (its caption
stays), never hotlinked by accident.  ``hotlink`` keeps the original URLs (the theme sends no
referrer); ``drop`` removes every image.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bs4 import BeautifulSoup

from scripts.models import Article, ConfigError
from scripts.store import write_atomic_bytes

POLICIES = ("localise", "hotlink", "drop")
_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
MAX_IMAGE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before they reach memory


@dataclass(frozen=True, slots=True)
class ImageSettings:
    """How images are kept; per source in sources.toml (``images``, ``image_max_width``)."""

    policy: str = "localise"
    max_width: int = 1200
    quality: int = 82
    folder: str = "images"  # under the content folder

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ConfigError(f"images: unknown policy {self.policy!r} (use {', '.join(POLICIES)})")
        if not 64 <= self.max_width <= 10_000:
            raise ConfigError(f"image_max_width: {self.max_width} is outside 64..10000")


@dataclass(frozen=True, slots=True)
class StoredImage:
    """One image written to (or already in) the archive."""

    name: str
    width: int
    height: int
    bytes_written: int


def store_image(data: bytes, content_dir: Path, settings: ImageSettings) -> StoredImage | None:
    """Write ``data`` as a downscaled, metadata-free image named by its hash; None if unusable."""
    from PIL import Image

    if not data or len(data) > MAX_IMAGE_BYTES:
        return None
    digest = hashlib.sha256(data).hexdigest()[:24]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if fmt not in _FORMATS or width * height > MAX_PIXELS or width < 3 or height < 3:
                    return None
                folder = content_dir / settings.folder
                name = f"{digest}{_FORMATS[fmt]}"
                target = folder / name
                if target.exists():
                    return StoredImage(name, *_scaled(width, height, settings.max_width), 0)
                probe.load()
                image: Image.Image = probe
                if fmt == "GIF":  # keep animations as they are; resizing would flatten them
                    out = data
                    size = (width, height)
                else:
                    size = _scaled(width, height, settings.max_width)
                    if size != (width, height):
                        image = probe.resize(size, Image.Resampling.LANCZOS)
                    out = _encode(image, fmt, settings.quality)
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    write_atomic_bytes(target, out)
    return StoredImage(name, size[0], size[1], len(out))


def _scaled(width: int, height: int, max_width: int) -> tuple[int, int]:
    if width <= max_width:
        return width, height
    return max_width, max(1, round(height * max_width / width))


def _encode(image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, fmt, quality=quality)
    return buffer.getvalue()


def keep_images(
    article: Article,
    fetch_image: Callable[[str], bytes | None],
    content_dir: Path,
    settings: ImageSettings,
) -> tuple[Article, tuple[str, ...]]:
    """Apply the image policy to ``article``; return the new article and what was dropped."""
    if settings.policy == "hotlink" or "<img" not in article.body_html:
        return article, ()
    soup = BeautifulSoup(article.body_html, "lxml")
    dropped: list[str] = []
    for img in soup.find_all("img"):
        src = str(img.get("src") or "")
        stored = None
        if settings.policy == "localise" and src:
            data = fetch_image(src)
            stored = store_image(data, content_dir, settings) if data else None
        if stored is None:
            dropped.append(src)
            figure = img.find_parent("figure")
            if figure is not None and src and not figure.get("data-origin"):
                figure["data-origin"] = src  # remember what the page showed, without loading it
            img.decompose()
            continue
        img["src"] = f"{{static}}/{settings.folder}/{stored.name}"
        img["data-origin"] = src
        img["width"], img["height"] = str(stored.width), str(stored.height)
    body = soup.body.decode_contents() if soup.body else article.body_html
    lead = article.image
    if lead and settings.policy == "localise":
        data = fetch_image(lead)
        stored = store_image(data, content_dir, settings) if data else None
        lead = f"{settings.folder}/{stored.name}" if stored else None
    elif settings.policy == "drop":
        lead = None
    return replace(article, body_html=body, image=lead), tuple(dropped)
