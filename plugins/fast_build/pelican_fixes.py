"""Linear-time replacements for three quadratic list scans in Pelican 4.12.

Pelican's content objects compare by identity (``Content`` defines no ``__eq__``), and in three
places Pelican filters one list of them by membership in another list:

* ``ArticlesGenerator.generate_tags`` / ``generate_categories`` / ``generate_authors``:
  ``[a for a in self.dates if a in articles]`` for every tag, topic and author — at 10,000
  articles about 9 s of a 70 s build;
* ``ArticlesGenerator._build_period_archives``: ``[a for a in articles if a in dates]`` for every
  year and month (2.7 s at 10,000);
* ``utils.process_translations``: ``[x for x in content_list if x not in index]`` (0.9 s).

Each is wrapped, not copied: the wrapper hands Pelican's own function inputs on which the scan is
cheap and returns exactly what it would have returned.  ``list.__contains__`` on objects that
compare by identity is ``id(x) in {id(y) …}``, which is what the wrappers use.

Version check: a wrapper is installed only if the wrapped function's source is the one read for
Pelican 4.12 (its SHA-256 is recorded below).  Any other Pelican keeps its own functions — slower,
never wrong — and the build logs one warning naming what was left alone.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from itertools import groupby
from operator import attrgetter

from pelican import generators
from pelican.generators import ArticlesGenerator

logger = logging.getLogger(__name__)

# SHA-256 of inspect.getsource() of each function as shipped in Pelican 4.12.0.
KNOWN_SOURCES = {
    "ArticlesGenerator.generate_tags": "37f65d284c713dd4dcd8b823d248cff420e163ac4400a7f7cfc13a4779ad9afb",
    "ArticlesGenerator.generate_categories": "cfb524524a3caae35717d53ba9cf85dfe271a0f677a3720f46f0367cf77b9a97",
    "ArticlesGenerator.generate_authors": "982c57fcfcf0435e5c882255c00bb78be3945b0dc9c44ecd707c218d00cacd9d",
    "ArticlesGenerator._build_period_archives": "c19e3024444c4c43b91c678d95652b51960e73fd307d749d2dc86c9f036104e9",
    "utils.process_translations": "895f109099fe40b93ad558d7d26216de336f8c513ddbf5baadd82a9a2833878a",
}  # fmt: skip
_installed: dict[str, bool] = {}


def source_digest(function) -> str:
    """Return the SHA-256 of a function's source text."""
    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()


def compares_by_identity(items) -> bool:
    """Tell whether every item uses ``object.__eq__`` (so ``in`` on a list is an identity test)."""
    return all(type(item).__eq__ is object.__eq__ for item in items)


class MemberList(list):
    """A list of identity-compared objects whose ``in`` is a set lookup.

    Only ever built from a finished list and handed to Pelican for one call; it is not mutated
    (``in`` would go stale), which :func:`_with_member_lists` guarantees by building fresh ones.
    """

    __slots__ = ("_ids",)

    def __init__(self, items) -> None:
        super().__init__(items)
        self._ids = frozenset(map(id, self))

    def __contains__(self, item) -> bool:
        return id(item) in self._ids


def _enabled(generator) -> bool:
    from .fast_build import enabled

    return enabled(generator.settings) and compares_by_identity(generator.dates)


def _wrap_listing(original, attribute: str):
    """Wrap generate_tags/categories/authors: run it on member lists, restore the attribute."""

    @functools.wraps(original)
    def wrapper(self, write):
        if not _enabled(self):
            return original(self, write)
        saved = getattr(self, attribute)
        if isinstance(saved, dict):
            fast = type(saved)()
            if hasattr(fast, "default_factory"):
                fast.default_factory = saved.default_factory
            fast.update((key, MemberList(value)) for key, value in saved.items())
        else:
            fast = [(key, MemberList(value)) for key, value in saved]
        if not all(compares_by_identity(value) for _, value in _pairs(fast)):
            return original(self, write)
        setattr(self, attribute, fast)
        try:
            return original(self, write)
        finally:
            setattr(self, attribute, saved)

    return wrapper


def _pairs(grouping):
    return grouping.items() if isinstance(grouping, dict) else grouping


def _wrap_period_archives(original):
    """Let Pelican group the periods with no articles to scan, then fill ``articles`` in."""

    @functools.wraps(original)
    def wrapper(self, sorted_articles, articles, settings):
        if not (
            _enabled(self)
            and compares_by_identity(articles)
            and compares_by_identity(sorted_articles)
        ):
            return original(self, sorted_articles, articles, settings)
        archives = original(self, sorted_articles, [], settings)
        for periods in archives.values():
            for archive in periods:
                members = frozenset(map(id, archive["dates"]))
                # Pelican's own: [a for a in articles if a in dates]
                archive["articles"] = [a for a in articles if id(a) in members]
        return archives

    return wrapper


def _wrap_process_translations(original):
    """Run Pelican's function once per translation group instead of once over everything.

    Pelican sorts the list by the translation id, handles each group of equal ids on its own,
    and finally lists as translations every item not chosen as an original.  Its result is the
    concatenation of its results on the groups, in order: that is what this returns, without the
    final scan over the whole list.
    """

    @functools.wraps(original)
    def wrapper(content_list, translation_id=None):
        if not translation_id or not compares_by_identity(content_list):
            return original(content_list, translation_id)
        keys = {translation_id} if isinstance(translation_id, str) else translation_id
        try:
            key = attrgetter(*keys)
            content_list.sort(key=key)
        except (TypeError, AttributeError):
            return original(content_list, translation_id)  # raises Pelican's own error
        index, translations = [], []
        for _value, group in groupby(content_list, key):
            originals, others = original(list(group), translation_id)
            index.extend(originals)
            translations.extend(others)
        return index, translations

    return wrapper


def _install(name: str, owner, attribute: str, make_wrapper) -> None:
    original = getattr(owner, attribute)
    if source_digest(original) != KNOWN_SOURCES[name]:
        logger.warning(
            "fast_build: %s is not Pelican 4.12's; left as it is (correct, only slower)", name
        )
        _installed[name] = False
        return
    setattr(owner, attribute, make_wrapper(original))
    _installed[name] = True


def install() -> dict[str, bool]:
    """Install every wrapper whose target is the known source (once per process)."""
    if _installed:
        return dict(_installed)
    for attribute in ("tags", "categories", "authors"):
        _install(
            f"ArticlesGenerator.generate_{attribute}",
            ArticlesGenerator,
            f"generate_{attribute}",
            lambda original, attribute=attribute: _wrap_listing(original, attribute),
        )
    _install(
        "ArticlesGenerator._build_period_archives",
        ArticlesGenerator,
        "_build_period_archives",
        _wrap_period_archives,
    )
    # generators.py imported the function by name: its module global is what Pelican calls
    # (pelican.utils.process_translations itself is left alone).
    _install(
        "utils.process_translations",
        generators,
        "process_translations",
        _wrap_process_translations,
    )
    return dict(_installed)
