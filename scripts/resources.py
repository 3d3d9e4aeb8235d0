"""Find a page's images among the captures, so the importer can keep them without the network.

``fetch`` stores each article's images in the same WARC files as the page.  At import time the
importer asks "do we hold the bytes of this image URL?"; :class:`CapturedResources` answers from
an index of every image response in the capture folder, built once per import run, reading the
bytes lazily from the recorded offset.  URLs are compared after :func:`scripts.urls.clean_url`,
so tracking parameters or host case never hide an image we have.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from scripts.urls import clean_url

MAX_RESOURCE_BYTES = 15 * 1024 * 1024


class CapturedResources:
    """Image responses found in WARC files, by cleaned URL."""

    def __init__(self) -> None:
        self._where: dict[str, tuple[Path, int]] = {}

    @classmethod
    def scan(cls, paths: Iterable[Path]) -> CapturedResources:
        """Index the image responses of every ``.warc``/``.warc.gz`` file under ``paths``."""
        found = cls()
        for path in paths:
            files = sorted(path.rglob("*.warc*")) if path.is_dir() else [path]
            for file in files:
                if file.name.endswith((".warc", ".warc.gz")):
                    found._index(file)
        return found

    def _index(self, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                records = ArchiveIterator(handle)
                for record in records:
                    if record.rec_type != "response" or not record.http_headers:
                        continue
                    kind = (record.http_headers.get_header("Content-Type") or "").lower()
                    status = record.http_headers.get_statuscode()
                    if kind.startswith("image/") and status == "200":
                        url = record.rec_headers.get_header("WARC-Target-URI") or ""
                        # The first capture of a URL wins, so results do not depend on order.
                        self._where.setdefault(clean_url(url), (path, records.get_record_offset()))
        except (OSError, ArchiveLoadFailed):
            return  # an unreadable file holds no usable images; the page import reports it

    def __len__(self) -> int:
        return len(self._where)

    def get(self, url: str) -> bytes | None:
        """Return the captured bytes of image ``url``, or None when it was not captured."""
        where = self._where.get(clean_url(url))
        if where is None:
            return None
        path, offset = where
        try:
            with path.open("rb") as handle:
                handle.seek(offset)
                record = next(iter(ArchiveIterator(handle)), None)
                if record is None:
                    return None
                data = record.content_stream().read(MAX_RESOURCE_BYTES + 1)
        except (OSError, ArchiveLoadFailed):
            return None
        return data if len(data) <= MAX_RESOURCE_BYTES else None
