"""A digest that stands for some of an article's values, when a plugin of the build can vouch
that they are still what the article was read with.

Plugins that cache per-article results between builds (topic_feeds' stories, search's terms)
key them on a digest of what they read: at 10,000 articles that is 60 MB of HTML encoded and
hashed by each of them on every build, ~10 µs an article, though a rebuild adds twenty.  The
build's content cache already knows better: fast_build restores each unchanged article from a
snapshot whose SHA-256 it keeps, and can tell whether an attribute still holds the very value
the snapshot gave it (``Snapshots.vouch`` in plugins/fast_build/article_cache.py).  When it can
for every attribute and metadata item a plugin reads, that digest is as good a key as the
plugin's own and costs nothing.

This module is only the meeting point, so that neither plugin imports the other (plugins are
imported under whatever names Pelican's ``PLUGIN_PATHS`` give them): a plugin that can vouch
registers a function with :func:`provide`; a plugin with something to key asks
:func:`unchanged_digests` (for all its articles at once), and hashes the values itself where
the answer is ``None``.  A key made from this digest must not be mixed with keys made from the
values: prefix it differently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

# voucher(contents, attributes, metadata_keys) -> a digest or ``None`` for each content object
Voucher = Callable[[Sequence[Any], tuple[str, ...], tuple[str, ...]], list[bytes | None]]

_vouchers: list[Voucher] = []


def provide(voucher: Voucher) -> None:
    """Register ``voucher(contents, attributes, metadata_keys)`` (once): for each content
    object, in order, its digest or ``None``."""
    if voucher not in _vouchers:
        _vouchers.append(voucher)


def unchanged_digests(
    contents: Sequence[Any], attributes: Iterable[str], metadata: Iterable[str] = ()
) -> list[bytes | None]:
    """For each content object, a digest covering the current value of each of its
    ``attributes`` and ``metadata`` items, from a plugin that can vouch for them; ``None``
    where none can.

    Equal digests mean equal values; unequal ones mean nothing (the digest may cover more than
    was asked for).  Asked for a build's articles at once: one call, not one per article.
    """
    attributes, metadata = tuple(attributes), tuple(metadata)
    found: list[bytes | None] = [None] * len(contents)
    for voucher in _vouchers:
        missing = [index for index, digest in enumerate(found) if digest is None]
        if not missing:
            break
        asked = contents if len(missing) == len(contents) else [contents[i] for i in missing]
        for index, digest in zip(missing, voucher(asked, attributes, metadata), strict=True):
            found[index] = digest
    return found


def unchanged_digest(
    content: Any, attributes: Iterable[str], metadata: Iterable[str] = ()
) -> bytes | None:
    """:func:`unchanged_digests` of one content object."""
    return unchanged_digests((content,), attributes, metadata)[0]
