"""Skip rendering a page whose inputs have not changed since the build that wrote it.

Pelican renders every page on every build.  After an import of 20 articles, ~10,000 of the
~11,600 pages at 10,000 articles are the same bytes as before; rendering them is most of a
rebuild.  This module lets a rebuild keep such a page as it is on disk, and is built so that the
output is exactly what a clean build writes (tests/test_fast_build.py builds, changes the content
— additions, an edit, a takedown — rebuilds, and compares with a clean build byte for byte).

**What a page depends on.**  A page is one ``Writer.write_file`` call: a template, the shared
context and the call's own keywords.  The template and everything it extends, includes or imports
are parsed, and the names they read from the context are listed (``jinja2.meta``; names a template
assigns unconditionally at its top level, such as ``{% import … as dates %}``, are its own);
what a template reads is kept in the cache folder, and a later build parses nothing while the
same files hold the same sources.
The page's key is a digest of:

* the source of every template involved (and the file it came from),
* the value of every name read: the call's keywords, ``SITEURL`` and ``output_file`` as the
  writer sets them for this page, the rest from the context,
* the output path and whether URLs are relative,

and, through the cache folder's stamp (content_cache.py), every setting, the library versions
and the code of every plugin.  A value is digested whole: lists, dicts, dates, dataclasses and
objects by their attributes.  A Pelican content object (an article or page) is digested by all
of its attributes — its text, metadata, and whatever plugins attached — except the shared context
and settings; another content object it refers to (``older_in_topic``, ``translations`` …) counts
by its own attributes too, one level deep, so a page that shows a neighbour's title changes when
that title does.  An object that a cached snapshot stands for (article_cache.py: read and
snapshotted in this build, or restored) has its text, dates and other values that cannot change
in place digested as the snapshot's digest, as long as each attribute still holds the very
object it held then; its lists, dicts, tags and what plugins attached are digested as they are.
A template that reads a neighbour's neighbour would need more: no ClearPress template does, and
tests/test_fast_build.py fails if one starts to.  A value this cannot digest
(a function, a module) and an article whose HTML holds ``{filename}``-style links (they resolve
against other pages) and a paginated listing make the page render as usual (Pelican numbers
listing pages from the newest article, so one addition shifts every page); with stable_pages,
which writes each page of a listing on its own, each is kept or rendered like any other page.

**Keeping files.**  The plugin takes over deleting the output (``DELETE_OUTPUT_DIRECTORY``): it
deletes everything but ``OUTPUT_RETENTION``, the folders ``FAST_BUILD_KEEP`` names for the
plugins this build lists (``{plugin: folder}``: folders those plugins make exact themselves on
every build, as ``search`` does with its index, rewriting only files that changed), and the
pages the previous build recorded — with their key and their file's signature (device, inode,
size, modification and change times: file_stamps.py) — whose file is untouched since.  Such a
page is kept when this build computes the same key; otherwise it is rendered and written over.
Files plugins write themselves through ``scripts.output_files`` (feeds, the sitemap) are
recorded the same way, keyed by a digest of their bytes: kept while the bytes are the same,
written in place otherwise (:meth:`PageMemo.put_file`).
At the end, a recorded page no call asked for (a taken-down article) is deleted.  The record is
read and removed at the start of a build and written again, atomically, at its end: a build that
is killed leaves none, and the next build starts from an empty output folder.  A plugin listening
to ``content_written`` (which could change pages after they are written) switches this off.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import io
import logging
import operator
import os
import pickle
import zoneinfo
from itertools import compress, repeat
from typing import Any

import dateutil.tz
import jinja2
import jinja2.meta
from jinja2 import nodes
from pelican import signals
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from pelican.utils import get_relative_path, path_to_url, sanitised_join
from pelican.writers import Writer

from scripts import output_files
from scripts.store import overwrite, replacing

from . import lazy_content
from .article_cache import snapshots
from .file_stamps import signature, signature_of
from .pelican_fixes import DEFAULT_INTRASITE, source_digest

logger = logging.getLogger(__name__)

RECORD_FILE = "fast_build-pages.pickle"
TEMPLATES_FILE = "fast_build-templates.pickle"  # what each template reads, for the next build
KNOWN_SOURCES = {
    "Writer.write_file": "6a604ad67bbeec997e58ef69a393930c22cf3178a760fdc21d2c42f1871da373",
}
# Names the writer sets for each page with relative URLs (see Writer.write_file): functions of
# the output path, which is part of the key.
RELATIVE_PER_PAGE = frozenset({"SITEURL", "localsiteurl"})
_MISSING = b"\x00missing"
_ABSENT = object()


class Unmemoizable(Exception):
    """A value the page depends on cannot be digested: the page is rendered."""


# --- digests of values ------------------------------------------------------------------------


def _ref(*parts):
    """Stands for a content object or a URL wrapper inside an encoded value (never called)."""
    raise AssertionError("page_memo encodings are digested, not unpickled")


def _subclasses(root: type) -> list[type]:
    found, pending = [], [root]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _encode(value, table: dict) -> bytes:
    """Pickle ``value`` as bytes that stand for it, without following content objects.

    Pickling is C code: an order of magnitude faster than walking values in Python.  Through the
    pickler's ``dispatch_table`` (``table``, looked up by exact type, in C; see
    :meth:`Digests._tables`) a content object met anywhere inside the value is written as a
    reference or as its closure digest, and a ``URLWrapper`` (category, tag, author) as its
    type, name and slug: it holds the settings, which the cache stamp covers.  A cyclic value
    (which fast mode cannot write) makes the page unmemoizable.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = table
    # No memo: the bytes then depend on values only, not on which of them happen to be the same
    # object (a restored article shares strings differently from a freshly read one).
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError) as exc:
        raise Unmemoizable(f"cannot digest: {exc}") from None
    return buffer.getvalue()


# Values digested without a pickler (most keywords of a page are strings, flags or numbers).
_SCALARS = {str: b"s", bool: b"b", int: b"i", float: b"f", type(None): b"n"}


def _hash(data: bytes) -> bytes:
    """Digest of an encoded value: SHA-256, which CPUs with SHA instructions (this machine's)
    compute about twice as fast as BLAKE2b on the kilobytes an article's state takes."""
    return hashlib.sha256(data).digest()


def _scalar(value) -> bytes | None:
    tag = _SCALARS.get(type(value))
    if tag is None:
        return None
    text = value if tag == b"s" else repr(value)
    return _hash(tag + text.encode("utf-8", "surrogatepass"))


@functools.cache
def _metadata_attribute(key: str) -> str:
    """The attribute ``Content.__init__`` sets from a metadata key (a handful of keys: cached)."""
    return "override_" + key if key in ("save_as", "url") else key.lower()


_SAME = "\x00same-as-attribute"
_IN_SNAPSHOT = "\x00as-in-snapshot"
# Markers of folded values in digests (Digests._folded).
_CONTENT_LIST = "\x00content-list"
_DIGEST_ONCE = "\x00digested-once"
_MAPPING = "\x00mapping"
_REDUCED = "\x00reduced"


def _state(content, then: dict | None = None) -> dict:
    """A content object's attributes for its digest, metadata written once.

    With ``then`` (its attributes whose value cannot change in place, as they were when its
    snapshot was taken: ``Snapshots.of``), an attribute that still is the object it was then is
    written as a marker: the snapshot's digest, written with the state, covers it.

    ``Content.__init__`` sets an attribute from every metadata item: the same object twice.
    A metadata value that still *is* its attribute is written as that attribute's name (the
    attribute's own digest covers it); one a plugin replaced is written as it is.

    The snapshot comparison runs over some 35 attributes of each of 10,000 articles, so it is
    made with ``map`` and ``compress`` (C loops), not in Python: half the time.
    """
    attributes = vars(content)
    state = attributes.copy()
    if then is not None:
        marked = map(operator.is_, map(attributes.get, then, repeat(_ABSENT)), then.values())
        state.update(zip(compress(then, marked), repeat(_IN_SNAPSHOT)))
    # The HTML, whether held as text or still as the snapshot's bytes (lazy_content.py), is
    # written last under its own name: the same state either way.
    bytes_kept = state.pop(lazy_content.LAZY, _ABSENT)
    html = state.pop(lazy_content.ATTRIBUTE, bytes_kept)
    if html is not _ABSENT:
        state[lazy_content.ATTRIBUTE] = html
    state.pop("_context", None)
    state.pop("settings", None)
    metadata = attributes.get("metadata")
    if type(metadata) is dict:
        attribute = attributes.get
        state["metadata"] = {
            key: (_SAME, name)
            if attribute(name := _metadata_attribute(key), _ABSENT) is value
            else value
            for key, value in metadata.items()
        }
    return state


class Digests:
    """Digests of one build's values, each content object's computed once."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self._own: dict[int, tuple[bytes, tuple]] = {}
        self._closure: dict[int, bytes | Unmemoizable] = {}
        self._once: dict[int, bytes] = {}
        self._keep: list[Any] = []  # keeps digested objects alive, so their ids stay theirs
        self._intrasite = None
        self._refs: list = []
        self._content_types: frozenset[type] = frozenset()
        self._wrapper_types = frozenset(_subclasses(URLWrapper))
        self._wrappers: dict[tuple, bytes] = {}
        self._by_reference, self._by_digest = self._tables()

    def _tables(self) -> tuple[dict, dict]:
        """Pickler dispatch tables: content objects as references (collected in ``_refs``) or
        as their closure digests; URL wrappers as type, name and slug.  Built once a build."""

        def reference(obj):
            self._refs.append(obj)
            return _ref, ("r", type(obj).__qualname__, str(obj.source_path))

        def digest(obj):
            return _ref, ("c", self.closure(obj))

        def wrapper(obj):
            return _ref, ("u", type(obj).__qualname__, obj.name, obj.slug)

        zones: dict[int, tuple] = {}

        def zone(obj):
            # Time zones whose text form is all they hold, written once a build: pickling
            # dateutil's goes through Python code for every date of every article.
            reduced = zones.get(id(obj))
            if reduced is None:
                reduced = zones[id(obj)] = (_ref, ("z", type(obj).__qualname__, repr(obj)))
                self._keep.append(obj)
            return reduced

        contents = _subclasses(Content)
        self._content_types = frozenset(contents)
        common = {
            **dict.fromkeys(_subclasses(URLWrapper), wrapper),
            **dict.fromkeys((dateutil.tz.tzoffset, dateutil.tz.tzutc, zoneinfo.ZoneInfo), zone),
        }
        return (
            {**dict.fromkeys(contents, reference), **common},
            {**dict.fromkeys(contents, digest), **common},
        )

    def keep(self, value) -> None:
        """Keep ``value`` alive for the build: digests cached by its id stay its own."""
        self._keep.append(value)

    def _links_elsewhere(self, content) -> bool:
        """Tell whether the content's HTML or formatted metadata holds intrasite links."""
        if self._intrasite is None:
            self._intrasite = content._get_intrasite_link_regex()
            # Pelican's own pattern only matches where "{" or "|" opens the link target.
            self._quick = self.settings.get("INTRASITE_LINK_REGEX") == DEFAULT_INTRASITE
        texts = []
        if not self._quick or lazy_content.may_link(content):
            texts.append(getattr(content, "_content", None) or "")
        for field in self.settings.get("FORMATTED_FIELDS", ()):
            value = content.metadata.get(field)
            if isinstance(value, str):
                texts.append(value)
        if self._quick:
            texts = [text for text in texts if "{" in text or "|" in text]
        return any(self._intrasite.search(text) for text in texts)

    def own(self, content) -> tuple[bytes, tuple]:
        """Return (digest of the content's own attributes, the content objects it refers to)."""
        cached = self._own.get(id(content))
        if cached is None:
            if hasattr(content, "_get_content") or self._links_elsewhere(content):
                raise Unmemoizable(f"{content.source_path}: content depends on other pages")
            self._refs = []
            taken = snapshots.of(content)
            if taken is None:
                state = _state(content)
            else:
                # Attributes still holding their snapshot's values: the snapshot's digest.
                state = _state(content, taken[1])
                state[_IN_SNAPSHOT] = taken[0]
            data = _encode((type(content).__qualname__, state), self._by_reference)
            cached = (_hash(data), tuple(self._refs))
            self._own[id(content)] = cached
            self._keep.append(content)
        return cached

    def closure(self, content) -> bytes:
        """Digest of a content object and of every content object it refers to."""
        cached = self._closure.get(id(content))
        if cached is None:
            try:
                own, refs = self.own(content)
                digest = hashlib.blake2b(own, digest_size=20)
                for ref in refs:
                    digest.update(self.own(ref)[0])
                cached = digest.digest()
            except Unmemoizable as exc:
                cached = exc
            self._closure[id(content)] = cached
        if isinstance(cached, Unmemoizable):
            raise cached
        return cached

    def value(self, value) -> bytes:
        """Digest of any template value; content objects by :meth:`closure`.

        An object whose class sets ``digest_once`` (it does not change during a build, as
        stable_pages' pages and paginators) is digested once per build.  Lists of content
        objects inside a value (a listing page's articles, the tags' ``(tag, articles)`` pairs, a
        mapping's lists) are digested as their joined closures (:meth:`_folded`).
        """
        if isinstance(value, Content):
            return self.closure(value)
        scalar = _scalar(value)
        if scalar is not None:
            return scalar
        if type(value) in self._wrapper_types:
            # A category or tag passed to 10,000 article pages (each article holds its own
            # equal object): digested once a build per type, name and slug, all it is written as.
            described = (type(value), value.name, value.slug)
            cached = self._wrappers.get(described)
            if cached is None:
                cached = self._wrappers[described] = _hash(_encode(value, self._by_digest))
            return cached
        once = getattr(type(value), "digest_once", False)
        encoded = value
        if once:
            cached = self._once.get(id(value))
            if cached is not None:
                return cached
            if type(value).__reduce__ is not object.__reduce__:
                reduced = value.__reduce__()
                if type(reduced) is tuple and len(reduced) == 2:
                    # What it pickles to (stable_pages: a description holding its articles).
                    encoded = (_REDUCED, type(value).__qualname__, *reduced)
        digest = _hash(_encode(self._folded(encoded, 3), self._by_digest))
        if once:
            self._once[id(value)] = digest
            self._keep.append(value)
        return digest

    def _joined(self, contents: list) -> bytes:
        """Digest of a list of content objects: their closures, joined in C.

        A listing's articles are written after the article pages, so their closures are known
        and looked up by id; otherwise each is computed (an unmemoizable one raises).
        """
        try:
            return _hash(b"l" + b"".join(map(self._closure.get, map(id, contents))))
        except TypeError:  # one not digested yet (None), or known to be unmemoizable
            return _hash(b"l" + b"".join(map(self.closure, contents)))

    def _folded(self, value, depth: int):
        """``value`` with every list of content objects in it (to ``depth`` levels of lists,
        tuples and dicts) replaced by a marker and :meth:`_joined`, and every ``digest_once``
        object by its digest: walking a listing's 20 articles here costs one call, where the
        pickler makes one Python call per article.  Only for digests: a marker holds a NUL and
        cannot be mistaken for template data.
        """
        kind = type(value)
        if kind is list and value and type(value[0]) in self._content_types:
            if all(map(self._content_types.__contains__, map(type, value))):
                return (_CONTENT_LIST, self._joined(value))
            return value
        if depth == 0:
            return value
        if kind is tuple:
            return tuple([self._folded(item, depth - 1) for item in value])
        if kind is list:
            if not value or type(value[0]) in _SCALARS or isinstance(value[0], Content):
                return value  # nothing to fold: long lists of strings go to the pickler as they are
            return [self._folded(item, depth - 1) for item in value]
        if kind is dict or kind is collections.defaultdict:
            folded = {key: self._folded(item, depth - 1) for key, item in value.items()}
            return folded if kind is dict else (_MAPPING, kind.__qualname__, folded)
        if getattr(kind, "digest_once", False):
            return (_DIGEST_ONCE, self.value(value))
        return value


# --- what a template reads --------------------------------------------------------------------


def _own_names(ast: nodes.Template) -> set[str]:
    """Names a template assigns unconditionally at its top level (imports, sets)."""
    names: set[str] = set()
    for node in ast.body:
        if isinstance(node, nodes.Import):
            names.add(node.target)
        elif isinstance(node, nodes.FromImport):
            names.update(n if isinstance(n, str) else n[1] for n in node.names)
        elif isinstance(node, nodes.Assign):
            names.update(n.name for n in node.target.find_all(nodes.Name))
    return names


def _two_hop_reads(ast: nodes.Template) -> list[str]:
    """Attribute chains three deep from a name (``article.newer_in_topic.newer_in_topic``)."""
    found = []
    for node in ast.find_all(nodes.Getattr):
        chain, inner = [node.attr], node.node
        while isinstance(inner, nodes.Getattr):
            chain.append(inner.attr)
            inner = inner.node
        if isinstance(inner, nodes.Name) and len(chain) >= 3:
            found.append(".".join([inner.name, *reversed(chain)]))
    return found


class TemplateReads:
    """The sources and the context names of a template with everything it pulls in."""

    def __init__(self, env: jinja2.Environment, name: str) -> None:
        self.names: set[str] = set()
        self.two_hop: list[str] = []
        self.visited: list[str] = []  # the templates read, in the order their sources are digested
        digest = hashlib.blake2b(digest_size=20)
        pending = [name]
        own: set[str] = set()
        while pending:
            current = pending.pop()
            if current in self.visited:
                continue
            self.visited.append(current)
            source = _add_source(digest, env, current)
            ast = env.parse(source)
            self.names |= jinja2.meta.find_undeclared_variables(ast)
            own |= _own_names(ast)
            self.two_hop += _two_hop_reads(ast)
            for referenced in jinja2.meta.find_referenced_templates(ast):
                if referenced is None:
                    raise Unmemoizable(f"{current} includes a template chosen at render time")
                pending.append(referenced)
        self.names -= own
        self.sorted_names = tuple(sorted(self.names))
        self.digest = digest.digest()

    def still_read(self, env: jinja2.Environment) -> bool:
        """Tell whether the same templates still hold the same sources in ``env``: then what
        they read is the same, and a later build reuses these reads instead of parsing."""
        digest = hashlib.blake2b(digest_size=20)
        try:
            for current in self.visited:
                _add_source(digest, env, current)
        except (jinja2.TemplateError, OSError):
            return False
        return digest.digest() == self.digest


def _add_source(digest, env: jinja2.Environment, name: str) -> str:
    """Add a template's name, file and source to ``digest``; return the source."""
    source, filename, _ = env.loader.get_source(env, name)
    digest.update(f"{name}\0{filename}\0".encode() + source.encode("utf-8") + b"\0")
    return source


# --- the record of pages, and the output folder -----------------------------------------------


class PageMemo:
    """One build's memo: the previous record, the pages claimed so far, the digests."""

    def __init__(self, settings, output_path: str, retention, managed=()) -> None:
        self.settings = settings
        self.output_path = os.path.abspath(output_path)
        self.record_path = os.path.join(settings["CACHE_PATH"], RECORD_FILE)
        self.retention = set(retention or ())
        self.managed = {os.path.normpath(folder) for folder in managed}
        self.previous: dict[str, tuple[bytes, tuple]] = self._take_record()
        self.claimed: dict[str, tuple[bytes, tuple]] = {}
        self.digests = Digests(settings)
        self.templates: dict[str, TemplateReads | None] = {}
        self.templates_path = os.path.join(settings["CACHE_PATH"], TEMPLATES_FILE)
        self.previous_templates: dict[str, TemplateReads] = self._load_templates()
        self.context_digests: dict[tuple, bytes] = {}
        self.plans: dict[tuple, tuple[tuple[str, ...], ...]] = {}
        self.value_digests: dict[int, bytes] = {}
        self.local_urls: dict[str, str] = {}
        self.kept = self.rendered = 0
        self.files_kept = self.files_written = 0

    def _take_record(self) -> dict[str, tuple[bytes, tuple]]:
        """Load the previous build's record and delete it (a killed build leaves none)."""
        try:
            with open(self.record_path, "rb") as handle:
                record = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, EOFError, ValueError, TypeError, pickle.PickleError) as exc:
            logger.warning("fast_build: page record unreadable (%s); rendering every page", exc)
            record = {}
        with contextlib.suppress(OSError):
            os.unlink(self.record_path)
        return record if isinstance(record, dict) else {}

    def _load_templates(self) -> dict[str, TemplateReads]:
        """The template reads the previous build worked out (checked against the sources when
        used: :meth:`TemplateReads.still_read`)."""
        try:
            with open(self.templates_path, "rb") as handle:
                found = pickle.load(handle)
        except (OSError, EOFError, ValueError, TypeError, AttributeError, pickle.PickleError):
            return {}
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if isinstance(v, TemplateReads)}

    def clean_output(self) -> None:
        """Delete the output but the retained names and the recorded, untouched pages; then remove
        the folders this left empty (and empty folders met on the way), deepest first.

        One walk with ``os.scandir``: each recorded page's signature comes from its directory
        entry as the walk meets it (11,000 files at 10,000 articles; a pass over the record,
        then another over the tree, took 0.067 s, this 0.058 s)."""
        kept: dict[str, tuple[bytes, tuple]] = {}
        maybe_empty: list[str] = []
        if os.path.isdir(self.output_path):
            self._clean(self.output_path, "", kept, maybe_empty)
        self.previous = kept
        self._remove_empty_dirs(maybe_empty)

    def _clean(self, folder: str, inside: str, kept: dict, maybe_empty: list[str]) -> None:
        """Clean ``folder`` (``inside``: its path below the output folder, with a separator)."""
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            return
        if not inside:
            entries = [entry for entry in entries if entry.name not in self.retention]
        previous = self.previous
        removed = not entries
        for entry in entries:
            relative = inside + entry.name
            if entry.is_dir():  # a folder, or a link to one (as os.walk lists them)
                if entry.is_symlink():
                    os.unlink(entry.path)
                    removed = True
                elif relative not in self.managed:
                    self._clean(entry.path, relative + os.sep, kept, maybe_empty)
                continue
            record = previous.get(relative)
            if record is not None:
                try:
                    untouched = signature_of(entry.stat()) == record[1]
                except OSError:
                    untouched = False
                if untouched:
                    kept[relative] = record
                    continue
            os.unlink(entry.path)
            removed = True
        if removed:
            maybe_empty.append(folder)

    def _remove_empty_dirs(self, folders: list[str]) -> None:
        """Remove each of ``folders`` that is empty, and then its parents while they are
        (never the output folder itself).  Only folders the clean-up deleted something from
        (or found empty) can be empty now: the others are not listed again."""
        for folder in sorted(folders, key=len, reverse=True):
            while folder != self.output_path and folder.startswith(self.output_path + os.sep):
                try:
                    os.rmdir(folder)
                except OSError:  # not empty (or already gone with a child's walk up)
                    break
                folder = os.path.dirname(folder)

    def template_reads(self, env, template) -> TemplateReads | None:
        name = template.name
        if name not in self.templates:
            previous = self.previous_templates.get(name)
            if previous is not None and previous.still_read(env):
                self.templates[name] = previous
                return previous
            try:
                reads = TemplateReads(env, name)
                if reads.two_hop:
                    raise Unmemoizable(f"reads {', '.join(sorted(set(reads.two_hop)))}")
            except (Unmemoizable, jinja2.TemplateError, OSError) as exc:
                logger.info("fast_build: %s is rendered every build (%s)", name, exc)
                reads = None
            self.templates[name] = reads
        return self.templates[name]

    def key(self, name, template, context, kwargs, relative_urls) -> bytes | None:
        """The page's key, or ``None`` when it cannot be known (the page is rendered).

        The names a template reads from the shared context are digested together, once for
        each set of values (by identity; the values are kept alive with the digest): the
        listing and article pages of a build all read the same ones.
        """
        env = template.environment
        reads = self.template_reads(env, template)
        if reads is None:
            return None
        from_kwargs, per_page, from_context = self._plan(reads, kwargs, relative_urls)
        digest = hashlib.blake2b(reads.digest, digest_size=20)
        digest.update(f"{name}\0{bool(relative_urls)}\0".encode("utf-8", "surrogatepass"))
        try:
            for variable in from_kwargs:
                digest.update(variable.encode() + b"\0")
                digest.update(self.digests.value(kwargs[variable]))
            for variable in per_page:
                digest.update(variable.encode() + b"\0per-page")  # from name, relative_urls
            digest.update(self._context_digest(from_context, context))
        except Unmemoizable as exc:
            logger.debug("fast_build: %s is rendered (%s)", name, exc)
            return None
        return digest.digest()

    def _plan(self, reads: TemplateReads, kwargs, relative_urls) -> tuple[tuple[str, ...], ...]:
        """Where each name the template reads comes from for this kind of call: the call's
        keywords, the page itself (its name, its depth for relative URLs), or the shared
        context.  Worked out once per template, set of keywords and ``relative_urls``: 10,000
        article pages are written by the same call."""
        signature = (id(reads), tuple(kwargs), bool(relative_urls))
        plan = self.plans.get(signature)
        if plan is None:
            from_kwargs, per_page, from_context = [], [], []
            for variable in reads.sorted_names:
                if variable in kwargs:
                    from_kwargs.append(variable)
                elif variable == "output_file" or (relative_urls and variable in RELATIVE_PER_PAGE):
                    per_page.append(variable)
                else:
                    from_context.append(variable)
            plan = self.plans[signature] = (
                tuple(from_kwargs),
                tuple(per_page),
                tuple(from_context),
            )
            self.digests.keep(reads)
        return plan

    def _context_digest(self, names: tuple[str, ...], context) -> bytes:
        values = tuple(map(context.get, names, repeat(_ABSENT)))
        identity = (names, tuple(map(id, values)))
        cached = self.context_digests.get(identity)
        if cached is None:
            digest = hashlib.blake2b(digest_size=20)
            for variable, value in zip(names, values, strict=True):
                digest.update(variable.encode() + b"\0")
                digest.update(_MISSING if value is _ABSENT else self._context_value(value))
            cached = self.context_digests[identity] = digest.digest()
            self.digests.keep(values)
        return cached

    def _context_value(self, value) -> bytes:
        cached = self.value_digests.get(id(value))
        if cached is None:
            cached = self.value_digests[id(value)] = self.digests.value(value)
            self.digests.keep(value)
        return cached

    def relative(self, path: str) -> str:
        """``path`` (absolute, normalised, inside the output) relative to the output folder."""
        prefix = self.output_path + os.sep
        if path.startswith(prefix):
            return path[len(prefix) :]
        return os.path.relpath(path, self.output_path)

    def local_url(self, relative: str) -> str:
        """What ``Writer.write_file`` sets ``localsiteurl`` to for a page at ``relative``: a
        function of its folder, computed once per folder (Pelican splits the path each time)."""
        folder = os.path.dirname(relative)
        local = self.local_urls.get(folder)
        if local is None:
            local = self.local_urls[folder] = path_to_url(get_relative_path(relative))
        return local

    def claim(self, name: str, key: bytes, path: str) -> None:
        taken = signature(path)
        if taken is not None:
            self.claimed[name] = (key, taken)

    def finish(self) -> None:
        """Delete recorded pages nobody wrote this time; record this build's pages."""
        emptied = []
        for name, (_key, recorded) in self.previous.items():
            if name in self.claimed:
                continue
            path = os.path.join(self.output_path, name)
            if signature(path) == recorded:  # untouched by this build: a page that is gone
                os.unlink(path)
                emptied.append(os.path.dirname(path))
        self._remove_empty_dirs(emptied)
        # Each signature was taken when the page was kept or written: a page changed since (by
        # a plugin writing files itself) no longer matches it, and the next build renders it.
        with replacing(self.record_path) as out:
            pickle.dump(self.claimed, out, protocol=pickle.HIGHEST_PROTOCOL)
        templates = {name: reads for name, reads in self.templates.items() if reads is not None}
        if templates != self.previous_templates:
            with replacing(self.templates_path) as out:
                pickle.dump(templates, out, protocol=pickle.HIGHEST_PROTOCOL)
        logger.info(
            "fast_build: %d pages kept as they were, %d rendered; %d files of plugins kept, "
            "%d written",
            self.kept,
            self.rendered,
            self.files_kept,
            self.files_written,
        )

    def put_file(self, path: str, data, key: bytes | None = None) -> bool:
        """A plugin's own output file (``output_files.write``): left as it is when the previous
        build recorded the same key there (the plugin's key, else a digest of the bytes) and
        the file is untouched since, else written in place; recorded either way.  Returns
        whether it was written."""
        target = sanitised_join(self.output_path, path)
        relative = self.relative(target)
        if key is None:
            data = output_files.contents(data)
            digest = hashlib.sha256(b"plugin file\0")
            digest.update(data)
        else:
            digest = hashlib.sha256(b"plugin key\0" + key)
        key = digest.digest()
        previous = self.previous.get(relative)
        if (
            previous is not None
            and previous[0] == key
            and relative not in self.claimed
            and signature(target) == previous[1]
        ):
            self.claimed[relative] = previous
            self.files_kept += 1
            return False
        os.makedirs(os.path.dirname(target), exist_ok=True)
        overwrite(target, output_files.contents(data))
        self.claim(relative, key, target)
        self.files_written += 1
        return True


# --- wiring ---------------------------------------------------------------------------------

_memos: dict[str, PageMemo] = {}  # by output path (absolute, and as given), for the build


def _memo_of(output_path: str) -> PageMemo | None:
    """The build's memo for an output folder, spelt as the writer or a plugin spells it."""
    return _memos.get(output_path) or _memos.get(os.path.abspath(output_path))


def _forget(output_path: str) -> PageMemo | None:
    """Take the memo of an output folder out of the build's (both spellings)."""
    memo = _memos.pop(output_path, None)
    return _memos.pop(os.path.abspath(output_path), None) or memo


def start(pelican) -> None:
    """``initialized``: take over cleaning the output, keeping what can be reused."""
    settings = pelican.settings
    _forget(pelican.output_path)
    if not (settings.get("FAST_BUILD_PAGES", True) and pelican.delete_outputdir):
        return
    if not (settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE")):
        return
    if not _installed.get("Writer.write_file"):
        return
    output = os.path.realpath(pelican.output_path)
    content = os.path.realpath(pelican.path)
    if os.path.commonpath([output]) == os.path.commonpath([output, content]):
        return  # Pelican does not clean an output folder that holds the content: neither do we
    listed = {str(p).rsplit(".", 1)[-1] for p in settings.get("PLUGINS") or []}
    managed = [
        folder
        for plugin, folder in (settings.get("FAST_BUILD_KEEP") or {}).items()
        if plugin in listed
    ]
    memo = PageMemo(settings, pelican.output_path, pelican.output_retention, managed)
    memo.clean_output()
    pelican.delete_outputdir = False
    # Also under the folder as the writer spells it: looked up for every page it writes.
    _memos[memo.output_path] = _memos[pelican.output_path] = memo


def keep_file(output_path: str, path: str, data, key: bytes | None = None) -> bool | None:
    """``output_files`` keeper: the build's memo puts the file (:meth:`PageMemo.put_file`);
    ``None`` when this output folder has no memo (the file is then simply written)."""
    memo = _memo_of(output_path)
    return None if memo is None else memo.put_file(path, data, key)


def finish(pelican) -> None:
    """``finalized``: remove pages that are gone, save the record."""
    memo = _forget(pelican.output_path)
    if memo is not None:
        memo.finish()


def _plain(name: str) -> str | None:
    """``name`` itself when it is a plain relative path (no ``.``/``..`` parts, no doubled or
    leading or trailing separator): the path below the output folder that ``sanitised_join``
    and ``relative`` would give, without their ``abspath`` (11,000 pages a build); else ``None``.
    """
    if (
        os.sep != "/"
        or name.startswith("/")
        or name.endswith("/")
        or "//" in name
        or f"/{name}/".find("/./") >= 0
        or f"/{name}/".find("/../") >= 0
    ):
        return None
    return name


def _paginates(self, paginated, template_name, kwargs) -> bool:
    if paginated is None:
        paginated = {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}
    return bool(paginated) and template_name in self.settings["PAGINATED_TEMPLATES"]


def _wrap_write_file(original):
    @functools.wraps(original)
    def write_file(
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        memo = _memo_of(self.output_path)

        def call():
            return original(
                self,
                name,
                template,
                context,
                relative_urls=relative_urls,
                paginated=paginated,
                template_name=template_name,
                override_output=override_output,
                url=url,
                **kwargs,
            )

        if (
            memo is None
            or not name
            or override_output
            or signals.content_written.receivers
            or _paginates(self, paginated, template_name, kwargs)
        ):
            return call()
        key = memo.key(name, template, context, kwargs, relative_urls)
        relative = _plain(name)
        if relative is None:
            path = sanitised_join(self.output_path, name)
            relative = memo.relative(path)
        else:
            path = memo.output_path + os.sep + relative  # what sanitised_join returns for it
        previous = memo.previous.get(relative)
        if (
            key is not None
            and previous is not None
            and previous[0] == key
            and path not in self._written_files
            and path not in self._overridden_files
        ):
            # The file was found untouched when the build started (clean_output); since
            # then only this build writes to the output, and its writer's pages are in
            # ``_written_files``.
            # What Writer.write_file does besides rendering: remember the file as written and
            # point Content objects' links at this page's depth.
            self._written_files.add(path)
            if relative_urls:
                local = memo.local_url(relative)
                if local:
                    context["localsiteurl"] = local
            memo.claimed[relative] = previous
            memo.kept += 1
            return None
        result = call()
        memo.rendered += 1
        if key is not None:
            memo.claim(relative, key, path)
        return result

    return write_file


_installed: dict[str, bool] = {}


def install() -> dict[str, bool]:
    """Wrap ``Writer.write_file`` if it is Pelican 4.12's."""
    if not _installed:
        known = source_digest(Writer.write_file) == KNOWN_SOURCES["Writer.write_file"]
        if known:
            Writer.write_file = _wrap_write_file(Writer.write_file)
        else:
            logger.warning(
                "fast_build: Writer.write_file is not Pelican 4.12's; every page is rendered"
            )
        _installed["Writer.write_file"] = known
    return dict(_installed)
