"""Write and read the WARC capture files that are the archive's source of truth.

Writing: a :class:`WarcFile` is created as ``<name>.warc.gz.open`` and only renamed to
``<name>.warc.gz`` by :meth:`WarcFile.close`.  Every record is its own gzip member (what warcio
and standard WARC tools expect), so the file is valid gzip at every record boundary; after each
request/response pair the file is flushed and fsynced and the caller learns the pair's byte range.
The fetch state records that range only after the fsync, so after a crash
:func:`recover_open_file` can cut the file back to the last range the state knows (dropping a
half-written member) and close it.  A closed file is never opened for writing again.

Reading: :func:`read_warc` yields the HTML and text responses of a WARC file as
:class:`~scripts.models.Capture` values (the importer's ``import file.warc.gz``), and
:func:`read_capture` reads the one response at a known offset (``import --from-captures``).
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scripts.models import Capture, CaptureError
from scripts.readers import MAX_CAPTURE_BYTES

OPEN_SUFFIX = ".open"
_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and its response, as received, ready to be archived."""

    url: str
    method: str
    request_target: str  # path and query as sent
    request_headers: tuple[tuple[str, str], ...]
    http_version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes  # the entity as received: still content-encoded (gzip) when the server did so
    fetched_at: datetime
    peer_ip: str | None = None


@dataclass(frozen=True, slots=True)
class RecordSpan:
    """Where a request/response pair landed: the response offset and the end of the pair."""

    offset: int
    end: int


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcFile:
    """A capture file being written; see the module docstring for the crash-safety contract."""

    def __init__(self, final_path: Path, *, software: str = "ClearPress fetch") -> None:
        self.final_path = final_path
        self.open_path = final_path.with_name(final_path.name + OPEN_SUFFIX)
        final_path.parent.mkdir(parents=True, exist_ok=True)
        if final_path.exists() or self.open_path.exists():
            raise CaptureError(f"{final_path}: capture file already exists")
        self._fh = open(self.open_path, "xb")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._fh, gzip=True)
        info = self._writer.create_warcinfo_record(
            final_path.name, {"software": software, "format": "WARC File Format 1.0"}
        )
        self._writer.write_record(info)
        self._sync()

    @property
    def size(self) -> int:
        """Return the bytes written so far."""
        return self._fh.tell()

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def write(self, ex: Exchange) -> RecordSpan:
        """Append a response and its request record, fsync, and return their byte range."""
        date = _warc_date(ex.fetched_at)
        headers = [(k, v) for k, v in ex.headers if k.lower() != "transfer-encoding"]
        http = StatusAndHeaders(
            f"{ex.status} {ex.reason}".strip(), headers, protocol=ex.http_version
        )
        warc_headers = {"WARC-Date": date}
        if ex.peer_ip:
            warc_headers["WARC-IP-Address"] = ex.peer_ip
        response = self._writer.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(ex.body),
            length=len(ex.body),
            http_headers=http,
            warc_headers_dict=warc_headers,
        )
        request_line = f"{ex.method} {ex.request_target} {ex.http_version}"
        req_http = StatusAndHeaders(request_line, list(ex.request_headers), is_http_request=True)
        request = self._writer.create_warc_record(
            ex.url, "request", http_headers=req_http, warc_headers_dict={"WARC-Date": date}
        )
        offset = self._fh.tell()
        self._writer.write_request_response_pair(request, response)
        self._sync()
        return RecordSpan(offset=offset, end=self._fh.tell())

    def abandon(self) -> None:
        """Close the handle but keep the ``.open`` name, for :func:`recover_open_file`."""
        if not self._fh.closed:
            self._fh.close()

    def close(self) -> Path:
        """Close the file and give it its final name; it is never written again."""
        self._sync()
        self._fh.close()
        os.replace(self.open_path, self.final_path)
        _fsync_dir(self.final_path.parent)
        return self.final_path


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover_open_file(open_path: Path, keep_bytes: int) -> Path:
    """Cut a leftover ``.open`` file to ``keep_bytes`` (the end the state knows) and close it.

    The kept part is read back record by record before the rename, so a file damaged in a way
    the cut cannot mend stays ``.open`` and the run stops naming it instead of sealing it.
    """
    final = open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX))
    with open(open_path, "r+b") as fh:
        fh.truncate(keep_bytes)
        fh.flush()
        os.fsync(fh.fileno())
        try:  # verify: valid gzip to the end and every record parses, or leave it for a human
            fh.seek(0)
            with gzip.GzipFile(fileobj=fh) as unzipped:
                while unzipped.read(1 << 20):
                    pass
            fh.seek(0)
            for record in ArchiveIterator(fh):
                record.content_stream().read()
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            raise CaptureError(f"{open_path}: damaged before byte {keep_bytes} ({exc})") from None
    os.replace(open_path, final)
    _fsync_dir(final.parent)
    return final


def _is_page(content_type: str | None) -> bool:
    return bool(content_type) and content_type.split(";")[0].strip().lower() in _TEXT_TYPES  # type: ignore[union-attr]


def _to_capture(record: object, path: str, offset: int) -> Capture | None:
    if record.rec_type != "response" or not record.http_headers:  # type: ignore[attr-defined]
        return None
    content_type = record.http_headers.get_header("Content-Type")  # type: ignore[attr-defined]
    if not _is_page(content_type):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")  # type: ignore[attr-defined]
    date = record.rec_headers.get_header("WARC-Date")  # type: ignore[attr-defined]
    captured_at = None
    if date:
        captured_at = datetime.fromisoformat(date.replace("Z", "+00:00"))
        if captured_at.tzinfo is None:
            captured_at = captured_at.replace(tzinfo=UTC)
    # Decoded (gzip undone), read no further than the limit: a gzip bomb stays bounded too.
    data = record.content_stream().read(MAX_CAPTURE_BYTES + 1)  # type: ignore[attr-defined]
    rejected = ""
    if len(data) > MAX_CAPTURE_BYTES:
        data, rejected = b"", f"response is over the {MAX_CAPTURE_BYTES}-byte limit once decoded"
    kind = "text" if content_type.split(";")[0].strip().lower() == "text/plain" else "html"
    return Capture(
        data=data,
        kind=kind,
        url=url,
        captured_at=captured_at,
        origin=f"{path}#{offset}",
        content_type=content_type,
        rejected=rejected,
    )


def read_warc(path: str | Path) -> Iterator[Capture]:
    """Yield every HTML or plain-text response in a WARC file as a :class:`Capture`.

    ``Capture.url`` is the WARC-Target-URI, ``captured_at`` the WARC-Date (aware, UTC) and
    ``origin`` is ``"<path>#<offset>"``.  Content-encoding (gzip) is undone; other records
    (requests, images, warcinfo) are skipped.  A response over ``MAX_CAPTURE_BYTES`` once
    decoded is yielded without its data, ``rejected`` saying so, and the file goes on.
    """
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                capture = _to_capture(record, str(path), 0)
                if capture is not None:
                    # The offset is known only once the record was read to its end.
                    origin = f"{path}#{records.get_record_offset()}"
                    yield replace(capture, origin=origin)
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read ({exc.strerror})") from None
    except ArchiveLoadFailed as exc:
        raise CaptureError(f"{path}: not a valid WARC file ({exc})") from None


def read_capture(path: str | Path, offset: int) -> Capture:
    """Read the single response record at ``offset`` of a WARC file."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)), None)
            capture = _to_capture(record, str(path), offset) if record is not None else None
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read ({exc.strerror})") from None
    except ArchiveLoadFailed as exc:
        raise CaptureError(f"{path}#{offset}: not a valid WARC record ({exc})") from None
    if capture is None:
        raise CaptureError(f"{path}#{offset}: no HTML or text response at this offset")
    return capture
