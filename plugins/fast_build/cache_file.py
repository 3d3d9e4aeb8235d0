"""The article cache file: a pickle whose large byte strings lie after it, read in place.

Pelican pickles its content cache whole, and loading it copies every byte string out of the
file into memory: at 10,000 articles, 80 MB of snapshots (article_cache.py), of which a rebuild
unpickles a third (the objects) and reads almost none of the rest (the HTML, decoded only for
the articles whose pages, feed items or index entries are made again: lazy_content.py).  Copying
them took ~0.04 s, and the 80 MB of fresh memory ~20,000 page faults (another ~0.04 s of kernel
time), on every build.

So the file is written with pickle's out-of-band buffers (protocol 5): a byte string wrapped in
``pickle.PickleBuffer`` is not copied into the pickle but written after it, and loading hands
the pickle views of the file mapped into memory (``mmap``) in their place.  Nothing is copied;
the kernel reads a page of the file when something first looks at it, from its page cache.

The layout: :data:`MAGIC`, the pickle's length and the number of buffers (8 bytes each, little
endian), each buffer's length (8 bytes each), the pickle, the buffers.  A file that does not
start with :data:`MAGIC` is an ordinary pickle (Pelican's own format, or an older build's).
The file is only ever replaced whole (written to a temporary file and renamed: scripts.store),
never written in place, so a mapping of it stays valid for as long as the build holds it.
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
from typing import IO, Any

MAGIC = b"clearpress.cache/1\n"
_SIZE = struct.Struct("<Q")


def out_of_band(data: bytes | memoryview) -> pickle.PickleBuffer:
    """``data`` marked to be written after the pickle, and given back as a view of the file."""
    return pickle.PickleBuffer(data)


def write(out: IO[bytes], value: Any) -> None:
    """Write ``value`` to ``out``: the pickle, then the buffers it marked out of band."""
    buffers: list[pickle.PickleBuffer] = []
    body = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    out.write(MAGIC + _SIZE.pack(len(body)) + _SIZE.pack(len(raws)))
    out.write(b"".join(_SIZE.pack(raw.nbytes) for raw in raws))
    out.write(body)
    for raw in raws:
        out.write(raw)


def is_ours(path: str) -> bool:
    """Tell whether the file at ``path`` starts as :func:`write` writes."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read(path: str) -> Any:
    """Load what :func:`write` wrote to ``path``; the out-of-band buffers come back as
    read-only views of the file mapped into memory.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` (or what unpickling
    raises) when it is not whole.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < len(MAGIC) + 2 * _SIZE.size:
            raise ValueError(f"{path}: too short for a cache file")
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    if view[: len(MAGIC)] != MAGIC:
        raise ValueError(f"{path}: not a cache file")
    at = len(MAGIC)
    body_size, count = _SIZE.unpack_from(view, at)[0], _SIZE.unpack_from(view, at + 8)[0]
    at += 16
    if at + 8 * count > size:
        raise ValueError(f"{path}: cut short")
    lengths = struct.unpack_from(f"<{count}Q", view, at)
    at += 8 * count
    body = view[at : at + body_size]
    at += body_size
    buffers = []
    for length in lengths:
        buffers.append(view[at : at + length])
        at += length
    if at != size:
        raise ValueError(f"{path}: {size} bytes where {at} were written")
    return pickle.loads(body, buffers=buffers)
