"""Linear-time replacements for three quadratic list scans in Pelican 4.12, and four shortcuts.

Pelican's content objects compare by identity (``Content`` defines no ``__eq__``), and in three
places Pelican filters one list of them by membership in another list:

* ``ArticlesGenerator.generate_tags`` / ``generate_categories`` / ``generate_authors``:
  ``[a for a in self.dates if a in articles]`` for every tag, topic and author — at 10,000
  articles about 9 s of a 70 s build, even when no author page is written;
* ``ArticlesGenerator._build_period_archives``: ``[a for a in articles if a in dates]`` for every
  year and month (2.7 s at 10,000);
* ``utils.process_translations``: ``[x for x in content_list if x not in index]`` (0.9 s).

The last two are wrapped: the wrapper hands Pelican's own function inputs on which the scan is
cheap and returns exactly what it would have returned (``list.__contains__`` on objects that
compare by identity is ``id(x) in {id(y) …}``).  The listing writers cannot be wrapped that way —
the scan is a pass over every article per group, whatever the membership test costs — so they
are written again: the same ``write`` call with the same arguments, the group's dates taken in
``self.dates`` order by position instead of by a scan.

Six shortcuts answer what Pelican's function would, without its work:

``Content.get_relative_source_path`` turns the object's source path into the path below ``PATH``
with ``os.path.relpath`` and two ``abspath`` calls (~8 µs), and Pelican asks three times per
article and build (the URL, the file it writes, the generated-content index): 0.25 s at 10,000
articles.  For a normalized absolute path below a normalized absolute ``PATH`` that answer is
what follows ``PATH/`` (~1.2 µs to check and slice); any other call goes to Pelican's function.

``Content.get_static_links`` runs the intrasite-link pattern over every article's HTML every
build (~12 µs each) to collect ``{static}`` links.  Pelican's own pattern (``INTRASITE_LINK_REGEX``
as it ships) cannot match a text holding neither ``{`` nor ``|``: for such a text the answer is
the empty set without running it.

``Content.save_as`` formats the output file name from its pattern on every read, as the URL
(~15 µs: a copy of the metadata, the relative path, a ``strftime``).  A published article's is
computed once, with its URL, and kept on the object (``_fast_build_save_as``, set by
``article_cache.settle_url``; a cached article comes with it); the property returns it unless
an ``override_save_as`` is set, which Pelican's rule puts first.

``Content.url`` reaches an ``override_url`` (which every published article holds: see
``fast_build``) through ``get_url_setting``'s string building, ``hasattr`` and ``getattr``
(~1.4 µs), and plugins read each article's URL about ten times a build: the attribute is
returned directly.

``Generator._include_path`` matches every content file's name against each ``IGNORE_FILES``
pattern with ``fnmatch`` (~8 µs a file, 10,000 files a build): the patterns are joined into one
compiled expression that matches what any of them matches.

``Generator._check_disabled_readers`` walks the whole content folder a second time, before the
reading walk, to warn about files whose reader is disabled (a missing library).  With no reader
disabled the walk can find nothing (an empty extension list matches no file): it is skipped
(0.05 s at 10,000 articles).

Version check: a wrapper is installed only if the wrapped function's source is the one read for
Pelican 4.12 (its SHA-256 is recorded below).  Any other Pelican keeps its own functions — slower,
never wrong — and the build logs one warning naming what was left alone.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import inspect
import logging
import os
import re
from itertools import groupby
from operator import attrgetter

from pelican import generators
from pelican.contents import Content
from pelican.generators import ArticlesGenerator
from pelican.writers import FileOverwriteFailedError

from . import lazy_content

logger = logging.getLogger(__name__)
# The listing pages log what Pelican's own code logs, under its logger.
pelican_logger = logging.getLogger("pelican.generators")

# SHA-256 of inspect.getsource() of each function as shipped in Pelican 4.12.0.
KNOWN_SOURCES = {
    "ArticlesGenerator.generate_tags": "37f65d284c713dd4dcd8b823d248cff420e163ac4400a7f7cfc13a4779ad9afb",
    "ArticlesGenerator.generate_categories": "cfb524524a3caae35717d53ba9cf85dfe271a0f677a3720f46f0367cf77b9a97",
    "ArticlesGenerator.generate_authors": "982c57fcfcf0435e5c882255c00bb78be3945b0dc9c44ecd707c218d00cacd9d",
    "ArticlesGenerator._build_period_archives": "c19e3024444c4c43b91c678d95652b51960e73fd307d749d2dc86c9f036104e9",
    "utils.process_translations": "895f109099fe40b93ad558d7d26216de336f8c513ddbf5baadd82a9a2833878a",
    "Content.get_relative_source_path": "6c1f5107e08bf7eaf5bc3b05b246a3187e7be458752bd2826eff0fcb6e9d32bc",
    "Content.get_static_links": "5236441e4de8c0446396a178b707ced75f941609dd9df68775c789e4a3404dd2",
    "Content.save_as": "4df34b66c0bf99bfdbe598466cc6d5b64d8fede4bffc546ac99cdfa43c6c4937",
    "Content.url": "7fd9b8dd55c6030b862b725b20df2808e1375b4f9429554bf2422b29c08a4568",
    "Generator._check_disabled_readers": "a13599cd609ed1d33e4bd15563cab5ac36ce407b94d584798e985e32b58b975d",
    "Generator._include_path": "36aa1046f557f1faf7783f2b99b4bf5ec39e74e2d30dbcd2773f86019bc55f7d",
}  # fmt: skip
_installed: dict[str, bool] = {}


def source_digest(function) -> str:
    """Return the SHA-256 of a function's source text."""
    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()


def compares_by_identity(items) -> bool:
    """Tell whether every item uses ``object.__eq__`` (so ``in`` on a list is an identity test)."""
    return all(type(item).__eq__ is object.__eq__ for item in items)


def _enabled(generator) -> bool:
    from .fast_build import enabled

    return enabled(generator.settings) and compares_by_identity(generator.dates)


def _pairs(grouping):
    return grouping.items() if isinstance(grouping, dict) else grouping


# attribute of ArticlesGenerator, template name, keyword the template gets the group under
LISTINGS = {
    "generate_tags": ("tags", "tag", "tag"),
    "generate_categories": ("categories", "category", "category"),
    "generate_authors": ("authors", "author", "author"),
}
_LISTING_MESSAGES = {
    "tag": ('Tag "%s" has an invalid slug; skipping writing tag page...', "Further tags with invalid slugs.", 'Failed to write Tag page for "%s".'),
    "category": ('Category "%s" has an invalid slug; skipping writing category page...', "Further categories with invalid slugs.", 'Failed to write Category page for "%s".'),
    "author": ('Author "%s" has an invalid slug; skipping writing author page...', "Further authors with invalid slugs.", 'Failed to write Author page for "%s".'),
}  # fmt: skip


def _wrap_listing(original, method: str):
    """Write tag, category or author pages as Pelican 4.12 does, in linear time.

    Pelican computes each group's ``dates`` as ``[a for a in self.dates if a in articles]``:
    a pass over every article for every group (3,910 authors x 10,000 articles).  Here each
    group's articles are put in ``self.dates`` order by their position in it, which is the same
    list.  A group whose page is not written (an empty ``*_SAVE_AS``, as ClearPress's authors)
    is skipped before that work, as ``Writer.write_file`` returns at once for an empty name.
    The ``write`` call and the handling of an unwritable page are Pelican's, argument for
    argument.
    """
    attribute, template_name, keyword = LISTINGS[method]
    invalid, further, failed = _LISTING_MESSAGES[template_name]

    @functools.wraps(original)
    def wrapper(self, write):
        if not _enabled(self):
            return original(self, write)
        template = self.get_template(template_name)
        position = {id(article): index for index, article in enumerate(self.dates)}
        for group, articles in _pairs(getattr(self, attribute)):
            if not group.save_as:
                continue
            members = {id(a): a for a in articles if id(a) in position}
            dates = sorted(members.values(), key=lambda article: position[id(article)])
            try:
                write(
                    group.save_as,
                    template,
                    self.context,
                    url=group.url,
                    articles=articles,
                    dates=dates,
                    template_name=template_name,
                    blog=True,
                    page_name=group.page_name,
                    all_articles=self.articles,
                    **{keyword: group},
                )
            except FileOverwriteFailedError:
                if not group.slug:
                    pelican_logger.info(invalid, group, extra={"limit_msg": further})
                    continue
                pelican_logger.error(failed, group)
                raise
        return None

    return wrapper


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
        position = {id(article): index for index, article in enumerate(articles)}
        for periods in archives.values():
            for archive in periods:
                # Pelican's own: [a for a in articles if a in dates], i.e. the period's
                # articles (each once) in the order of ``articles``.
                members = {id(a): a for a in archive["dates"] if id(a) in position}
                archive["articles"] = sorted(members.values(), key=lambda a: position[id(a)])
        return archives

    return wrapper


def _not_a_translation(item) -> bool:
    value = item.metadata.get("translation", "false")
    return isinstance(value, str) and value.lower() == "false"


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
            items = list(group)
            if len(items) == 1 and _not_a_translation(items[0]):
                # What Pelican's function returns for a group of one that is not marked as a
                # translation (the usual case: 10,000 calls a build otherwise).
                items[0].translations = []
                index.append(items[0])
                continue
            originals, others = original(items, translation_id)
            index.extend(originals)
            translations.extend(others)
        return index, translations

    return wrapper


def _wrap_relative_source_path(original):
    """Answer a normalized source path below a normalized ``PATH`` by slicing."""

    @functools.wraps(original)
    def get_relative_source_path(self, source_path=None):
        path, root = source_path or self.source_path, self.settings.get("PATH")
        if (
            type(path) is str
            and type(root) is str
            and os.path.isabs(root)
            and path.startswith(root + os.sep)
            and os.path.normpath(path) == path
            and os.path.normpath(root) == root
        ):
            return path[len(root) + 1 :]  # what relpath gives for such a path
        return original(self, source_path)

    return get_relative_source_path


DEFAULT_INTRASITE = "[{|](?P<what>.*?)[|}]"  # Pelican 4.12's INTRASITE_LINK_REGEX


def _wrap_static_links(original):
    """Answer the empty set for HTML that Pelican's own link pattern cannot match."""

    @functools.wraps(original)
    def get_static_links(self):
        # The HTML as text, or as the bytes a restored article holds until it is read
        # (lazy_content.py): either tells whether the pattern's marks are in it.
        if (
            not lazy_content.may_link(self)
            and self.settings.get("INTRASITE_LINK_REGEX") == DEFAULT_INTRASITE
        ):
            return set()
        return original(self)

    return get_static_links


def _wrap_check_disabled_readers(original):
    """Skip the walk when no reader is disabled: with no extension to match it finds nothing."""

    @functools.wraps(original)
    def _check_disabled_readers(self, paths, exclude):
        from .fast_build import enabled

        disabled = self.readers.disabled_extensions
        if enabled(self.settings) and disabled is not False and len(disabled) == 0:
            return None
        return original(self, paths, exclude)

    return _check_disabled_readers


@functools.lru_cache(maxsize=16)
def _ignoring(patterns: tuple[str, ...]):
    """One compiled pattern matching what any of ``IGNORE_FILES`` matches (``fnmatch``)."""
    if not patterns:
        return lambda name: None
    alternatives = "|".join(f"(?:{fnmatch.translate(os.path.normcase(p))})" for p in patterns)
    return re.compile(alternatives).match


def _wrap_include_path(original):
    """``_include_path`` with the ignore patterns matched as one regular expression."""

    @functools.wraps(original)
    def _include_path(self, path, extensions=None):
        if extensions is None:
            extensions = tuple(self.readers.extensions)
        basename = os.path.basename(path)
        if _ignoring(tuple(self.settings["IGNORE_FILES"]))(os.path.normcase(basename)):
            return False
        ext = os.path.splitext(basename)[1][1:]
        return extensions is False or ext in extensions

    return _include_path


KEPT_SAVE_AS = "_fast_build_save_as"  # set by article_cache.settle_url


def _wrap_save_as(original: property) -> property:
    """Return the output file name kept on the object (``KEPT_SAVE_AS``) when there is one and
    no ``override_save_as`` (which Pelican's rule puts first)."""
    getter = original.fget

    @functools.wraps(getter)
    def save_as(self):
        kept = self.__dict__.get(KEPT_SAVE_AS)
        if kept is not None and not hasattr(self, "override_save_as"):
            return kept
        return getter(self)

    return property(save_as, original.fset, original.fdel, original.__doc__)


def _wrap_url(original: property) -> property:
    """Return the object's ``override_url`` straight from its attributes, as Pelican's
    ``get_url_setting`` does after two string concatenations and ``hasattr``/``getattr``."""
    getter = original.fget

    @functools.wraps(getter)
    def url(self):
        kept = self.__dict__.get("override_url")
        return getter(self) if kept is None else kept

    return property(url, original.fset, original.fdel, original.__doc__)


def _install(name: str, owner, attribute: str, make_wrapper) -> None:
    original = inspect.getattr_static(owner, attribute)
    code = original.fget if isinstance(original, property) else original
    if source_digest(code) != KNOWN_SOURCES[name]:
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
    for method in LISTINGS:
        _install(
            f"ArticlesGenerator.{method}",
            ArticlesGenerator,
            method,
            lambda original, method=method: _wrap_listing(original, method),
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
    _install(
        "Content.get_relative_source_path",
        Content,
        "get_relative_source_path",
        _wrap_relative_source_path,
    )
    _install("Content.get_static_links", Content, "get_static_links", _wrap_static_links)
    _install("Content.save_as", Content, "save_as", _wrap_save_as)
    _install("Content.url", Content, "url", _wrap_url)
    _install("Generator._include_path", generators.Generator, "_include_path", _wrap_include_path)
    _install(
        "Generator._check_disabled_readers",
        generators.Generator,
        "_check_disabled_readers",
        _wrap_check_disabled_readers,
    )
    return dict(_installed)
