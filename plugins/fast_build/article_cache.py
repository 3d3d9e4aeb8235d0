"""Keep whole ``Article`` and ``Page`` objects between builds, not only what the reader returned.

With Pelican's reader-level cache a rebuild still processes every file's metadata and builds
every content object again (``Article.__init__``: a ``strftime``, a slug, URL validation …):
about a third of a rebuild at 10,000 articles.  Pelican can cache the objects instead
(``CONTENT_CACHING_LAYER = "generator"``), but as it stands that cache is not safe to trust:

* it pickles the object **when the cache is saved**, at the end of the build, so everything
  plugins attached during the build (neighbour links, frozen URLs, related articles, each a
  reference to other articles) is stored and comes back in the next build as stale values;
* every object carries the build's shared context and settings, so the whole previous build's
  context is stored and each restored object keeps reading *that* context (and settings) for
  its links.

So the object is pickled **at the moment it is cached** — right after the reader built it and
Pelican validated it, before any generator or plugin touches it — into bytes kept in the cache
entry.  The build's settings and shared context are written as references (pickle's persistent
ids) and, on the way back, replaced by the current build's own: a restored object is the object
a fresh read of the same file would give, with this build's settings and context.  Anything a
file's object depends on besides the file is in the cache folder's stamp (every setting, the
reading libraries' versions, every plugin's source; content_cache.py), so the stamp of the file
plus that stamp decide reuse.  A snapshot that cannot be restored as expected (it refers to a
settings dict that is not this build's, say) is treated as a miss and the file is read again.
"""

from __future__ import annotations

import io
import logging
import pickle

from pelican.contents import Article, Content
from pelican.urlwrappers import URLWrapper

from .pelican_fixes import KEPT_SAVE_AS

logger = logging.getLogger(__name__)

MARK = "fast_build.content/1"  # first item of a cache entry that holds a snapshot


class _Pickler(pickle.Pickler):
    def __init__(self, buffer, shared: dict[int, str]) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj):
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, shared: dict[str, object]) -> None:
        super().__init__(io.BytesIO(data))
        self._shared = shared

    def persistent_load(self, pid):
        try:
            return self._shared[pid]
        except KeyError:
            raise pickle.UnpicklingError(f"unknown shared object {pid!r}") from None


def _settle_slugs(content: Content) -> None:
    """Compute the slug of every category, tag and author the object holds.

    A ``URLWrapper`` computes its slug on first use and keeps it; done before pickling, the
    slug is stored with the object instead of being computed again on every build (the tag
    slugs alone were ~1 s at 10,000 articles: ``slugify`` runs for each tag of each article when
    Pelican groups them).  The value is the one the first use would compute.
    """
    for value in vars(content).values():
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, URLWrapper):
                _ = item.slug


def settle_url(content: Content) -> None:
    """Store a published article's URL with it.

    Pelican formats the URL from its pattern every time it is read (``url_format``: a copy of
    the metadata, the relative source path, the date's ``strftime``) unless the object holds
    an ``override_url``, which is what a ``URL:`` metadata line sets.  The URL depends only on
    the object's own metadata and the settings (the cache folder's stamp), so it is computed
    once, when the file is read, and kept as that override: the value the first use would
    compute.  (fast_build's ``freeze_urls`` calls it for articles read without the cache.)
    Drafts and hidden articles are left as they are: their URL pattern depends on their status.
    The output file name is kept beside it (``KEPT_SAVE_AS``, which fast_build's ``save_as``
    returns), not as an ``override_save_as``: that also tells Pelican that the page may
    overwrite another one.
    """
    published = isinstance(content, Article) and content.status == "published"
    if published and not hasattr(content, "override_url"):
        content.override_url = content.url
    if published and KEPT_SAVE_AS not in vars(content):
        setattr(content, KEPT_SAVE_AS, content.save_as)


def snapshot(content: Content, settings, context) -> tuple[str, bytes] | None:
    """Return the cache entry for ``content`` as it is now, or ``None`` if it cannot be pickled."""
    _settle_slugs(content)
    settle_url(content)
    buffer = io.BytesIO()
    shared = {id(settings): "settings", id(context): "context"}
    try:
        _Pickler(buffer, shared).dump(content)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        logger.debug("fast_build: %s is read every build (%s)", content.source_path, exc)
        return None
    return (MARK, buffer.getvalue())


def is_snapshot(entry) -> bool:
    """Tell whether a cached value is a snapshot written by :func:`snapshot`."""
    return isinstance(entry, tuple) and len(entry) == 2 and entry[0] == MARK


def restore(entry: tuple[str, bytes], settings, context) -> Content | None:
    """Return the content object of a snapshot, bound to this build's settings and context.

    ``None`` when the snapshot does not give back a content object holding exactly this
    build's settings and context: the caller reads the file instead.
    """
    try:
        content = _Unpickler(entry[1], {"settings": settings, "context": context}).load()
    except Exception as exc:  # any failure to restore is a cache miss, never a build failure
        logger.debug("fast_build: a cached content object could not be restored (%s)", exc)
        return None
    if (
        not isinstance(content, Content)
        or content.settings is not settings
        or content._context is not context
    ):
        return None
    return content
