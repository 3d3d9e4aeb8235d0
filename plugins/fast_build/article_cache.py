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

import copyreg
import datetime
import hashlib
import io
import logging
import operator
import pickle
import zoneinfo
from itertools import compress, repeat

import dateutil.tz
from pelican.contents import Article, Content
from pelican.urlwrappers import URLWrapper
from pelican.utils import SafeDatetime

from . import cache_file, lazy_content
from .pelican_fixes import KEPT_SAVE_AS

logger = logging.getLogger(__name__)

MARK = "fast_build.content/5"  # first item of a cache entry that holds a snapshot

# Types whose values cannot change in place: an attribute still holding the very object it held
# when the snapshot was taken still holds the snapshot's value.
UNCHANGING = frozenset(
    {
        str, bytes, int, float, bool, type(None), datetime.datetime, datetime.date,
        SafeDatetime, zoneinfo.ZoneInfo, dateutil.tz.tzoffset, dateutil.tz.tzutc,
        lazy_content.LazyText,
    }
)  # fmt: skip


_ABSENT = object()


# Classes every snapshot names (content, categories and tags, dates and their zones): written
# as persistent ids, which loading resolves with a dictionary lookup made in C, where pickle's
# own globals go through ``find_class``, a call into Python each (~9 an article).
_KNOWN_CLASSES = {
    id(cls): f"class:{cls.__module__}:{cls.__qualname__}"
    for root in (Content, URLWrapper)
    for cls in [root, *root.__subclasses__()]
} | {
    id(cls): f"class:{cls.__module__}:{cls.__qualname__}"
    for cls in (
        SafeDatetime, datetime.datetime, datetime.date, dateutil.tz.tzoffset,
        dateutil.tz.tzutc, zoneinfo.ZoneInfo,
    )
}  # fmt: skip


class _Pickler(pickle.Pickler):
    def __init__(self, buffer, shared: dict[int, str]) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj):
        return self._shared.get(id(obj))


_classes: dict[tuple[str, str], object] = {}  # what find_class returned, by (module, name)


class _Unpickler(pickle.Unpickler):
    """Pickle's unpickler with the lookups of classes kept for the process.

    ``persistent_load`` is set to a :class:`_Shared` table's ``__getitem__`` (C) by
    :func:`restore`; made without an ``__init__`` of its own, as Python code per article."""

    def find_class(self, module: str, name: str):
        # Each snapshot names the same few functions; looking them up through the import
        # system each time was ~10 % of a restore.
        found = _classes.get((module, name))
        if found is None:
            found = _classes[module, name] = super().find_class(module, name)
        return found


class _Shared(dict):
    """Persistent ids of one build: its settings and context, and the classes of
    ``_KNOWN_CLASSES`` (resolved when first met)."""

    def __missing__(self, pid):
        kind, _, name = str(pid).partition(":")
        module, _, qualname = name.partition(":")
        if kind != "class" or not module or not qualname:
            raise pickle.UnpicklingError(f"unknown shared object {pid!r}")
        found = _Unpickler.find_class(_Unpickler(io.BytesIO()), module, qualname)
        self[pid] = found
        return found


_last_shared: list = [None, None, None]  # (settings, context, table) of the last restore


def _shared(settings, context) -> _Shared:
    if _last_shared[0] is not settings or _last_shared[1] is not context:
        _last_shared[:] = [settings, context, _Shared(settings=settings, context=context)]
    return _last_shared[2]


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


class Snapshots:
    """The content objects of the build in progress that a snapshot stands for.

    For each object snapshotted or restored: the digest of the snapshot's bytes and those of
    its attributes and metadata items whose value cannot change in place (``UNCHANGING``), as
    they were then.  Such an attribute that still holds the very object it held then still
    holds the snapshot's value, so the snapshot's digest covers it: page_memo digests an object
    by that digest and whatever else it holds (its lists, dicts, tags, what plugins attached),
    and other plugins key their caches on it (:meth:`vouch`) instead of hashing an article's
    text again on every build.  The same article gets the same digest whether it was read in
    this build or restored from the cache: both register the same bytes.

    Only unchanging values are kept, their types looked at once, here, while the objects
    just unpickled are in the processor's cache: asking later compares identities only, without
    touching 10,000 articles' values again (which, scattered over the heap, cost more than the
    comparisons).
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Content, bytes, dict, dict]] = {}

    def register(self, content: Content, digest: bytes) -> None:
        """Remember ``content`` as its snapshot (of SHA-256 ``digest``) left it."""
        metadata = getattr(content, "metadata", None)
        self._by_id[id(content)] = (
            content,
            digest,
            _unchanging(vars(content)),
            _unchanging(metadata) if type(metadata) is dict else {},
        )

    def of(self, content) -> tuple[bytes, dict] | None:
        """(snapshot digest, its unchanging attributes then) of ``content``, if it has a
        snapshot."""
        entry = self._by_id.get(id(content))
        if entry is None or entry[0] is not content:
            return None
        return entry[1], entry[2]

    def vouch(self, content, names, metadata=()) -> bytes | None:
        """The snapshot's digest, if it covers the current value of each attribute in ``names``
        and of each item in ``metadata``; ``None`` otherwise.

        Covered: an unchanging value that is still the object it was then, or a name absent
        now that held no unchanging value then (for a given snapshot, a name is vouched for as
        one value or as absent, never both).  A replaced value, a list or dict (which can
        change in place), or an object without a snapshot is not.
        """
        return self.vouch_all((content,), names, metadata)[0]

    def vouch_all(self, contents, names, metadata=()) -> list[bytes | None]:
        """:meth:`vouch` for each of ``contents``, in order: plugins ask for every article of a
        build at once (the names made a tuple once, not 10,000 times)."""
        names, metadata = tuple(names), tuple(metadata)
        contents = list(contents)
        found: list[bytes | None] = []
        answer = found.append
        for content, entry in zip(contents, map(self._by_id.get, map(id, contents)), strict=True):
            if (
                entry is None
                or entry[0] is not content
                or not _covered(vars(content), entry[2], names)
                or (metadata and not _covered_metadata(content, entry[3], metadata))
            ):
                answer(None)
            else:
                answer(entry[1])
        return found

    def read(self, content, text: str) -> None:
        """Record the HTML just decoded from a restored object's bytes (lazy_content.py) as
        the snapshot's: it is the text the snapshot's digest covers."""
        entry = self._by_id.get(id(content))
        if entry is not None and entry[0] is content:
            entry[2][lazy_content.ATTRIBUTE] = text

    def clear(self) -> None:
        """Forget the last build's objects (when a build starts: at its end, plugins may still
        be asking)."""
        self._by_id.clear()


def _unchanging(values: dict) -> dict:
    """The items of ``values`` whose value cannot change in place (C loops)."""
    kept = map(UNCHANGING.__contains__, map(type, values.values()))
    return dict(compress(values.items(), kept))


def _covered(now: dict, then: dict, names: tuple[str, ...]) -> bool:
    """Each name absent now and not among the unchanging values ``then``, or holding the very
    object it held then.  Identities only: asked for a dozen names of each of 10,000 articles
    by two plugins."""
    held = map(now.get, names, repeat(_ABSENT))
    return all(map(operator.is_, held, map(then.get, names, repeat(_ABSENT))))


def _covered_metadata(content, then: dict, keys: tuple[str, ...]) -> bool:
    """:func:`_covered` for metadata items: never when the metadata is no longer a dict."""
    now = getattr(content, "metadata", None)
    return type(now) is dict and _covered(now, then, keys)


snapshots = Snapshots()
lazy_content.on_read.append(snapshots.read)


def snapshot(content: Content, settings, context) -> tuple | None:
    """Return the cache entry for ``content`` as it is now, or ``None`` if it cannot be pickled.

    The entry: the mark, the pickle, the SHA-256 of the pickle and the HTML, the HTML as UTF-8
    bytes, kept out of the pickle (``None`` when it is in it), so that a restored object can
    hold the bytes until its HTML is read (lazy_content.py), and whether those bytes hold link
    marks (``{`` or ``|``).  Loaded from the cache file, the pickle and the HTML are views of
    the file (cache_file.py).
    """
    _settle_slugs(content)
    settle_url(content)
    buffer = io.BytesIO()
    shared = {**_KNOWN_CLASSES, id(settings): "settings", id(context): "context"}
    pickler = _Pickler(buffer, shared)
    if lazy_content.ATTRIBUTE not in vars(content) and lazy_content.LAZY in vars(content):
        _ = content._content  # a restored object snapshotted again: its text, read
    html = vars(content).get(lazy_content.ATTRIBUTE)
    text, marks = None, True
    if lazy_content.installed() and type(html) is str:
        text = html.encode("utf-8", "surrogatepass")
        marks = b"{" in text or b"|" in text
        pickler.dispatch_table = {**copyreg.dispatch_table, type(content): _without_html(content)}
    try:
        pickler.dump(content)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        logger.debug("fast_build: %s is read every build (%s)", content.source_path, exc)
        return None
    data = buffer.getvalue()
    digest = _digest(data, text)
    snapshots.register(content, digest)
    return (MARK, data, digest, text, marks)


def _without_html(top: Content):
    """A pickler reducer that writes ``top`` without its HTML (any other object of its class
    inside it as it is): what ``object.__reduce_ex__`` gives, the state less ``_content``."""

    def reduce(obj):
        if obj is not top:
            return obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        state = vars(obj).copy()
        del state[lazy_content.ATTRIBUTE]
        state.pop(lazy_content.LAZY, None)  # bytes of an earlier HTML, replaced before read
        return copyreg.__newobj__, (type(obj),), state

    return reduce


def _digest(data: bytes, text: bytes | None) -> bytes:
    """SHA-256 of a snapshot: the pickle (which says where it ends), then the HTML if apart."""
    digest = hashlib.sha256(data)
    if text is not None:
        digest.update(text)
    return digest.digest()


def for_file(entry: tuple) -> tuple:
    """The snapshot with its pickle and HTML marked to be written after the cache file's
    pickle, and read back in place (cache_file.py)."""
    mark, data, digest, text, marks = entry
    text = None if text is None else cache_file.out_of_band(text)
    return (mark, cache_file.out_of_band(data), digest, text, marks)


def is_snapshot(entry) -> bool:
    """Tell whether a cached value is a snapshot written by :func:`snapshot`."""
    return isinstance(entry, tuple) and len(entry) == 5 and entry[0] == MARK


def restore(entry: tuple, settings, context) -> Content | None:
    """Return the content object of a snapshot, bound to this build's settings and context.

    ``None`` when the snapshot does not give back a content object holding exactly this
    build's settings and context: the caller reads the file instead.  An HTML kept apart is
    given to the object as its bytes, read when first asked for (lazy_content.py).
    """
    try:
        unpickler = _Unpickler(io.BytesIO(entry[1]))
        unpickler.persistent_load = _shared(settings, context).__getitem__
        content = unpickler.load()
    except Exception as exc:  # any failure to restore is a cache miss, never a build failure
        logger.debug("fast_build: a cached content object could not be restored (%s)", exc)
        return None
    if (
        not isinstance(content, Content)
        or content.settings is not settings
        or content._context is not context
    ):
        return None
    text = entry[3]
    if text is not None:
        if not isinstance(text, bytes | memoryview) or lazy_content.ATTRIBUTE in vars(content):
            return None
        if lazy_content.installed():
            vars(content)[lazy_content.LAZY] = lazy_content.LazyText(text, entry[4])
        else:
            vars(content)[lazy_content.ATTRIBUTE] = str(text, "utf-8", "surrogatepass")
    # The digest stored with the bytes (the cache folder is trusted as the bytes are).
    snapshots.register(content, entry[2])
    return content
