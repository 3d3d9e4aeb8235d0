"""Pelican wiring for ClearPress's build speed-ups; every one leaves the output byte-identical.

* ``markdown_reader``: one ``markdown.Markdown`` per reader, reset between files;
* ``pelican_fixes``: linear-time versions of three quadratic list scans in Pelican 4.12
  (installed only on the Pelican source they were written against);
* article URLs computed once: Pelican recomputes ``article.url`` from the URL pattern and the
  metadata every time it is read (~70 µs; a listing page reads 20, the sitemap, the feeds and
  the neighbour links read them again — seconds at 10,000 articles).  Once the articles are
  read and sorted (``article_generator_pretaxonomy``) each published article's URL is stored as
  ``override_url``, Pelican's own per-article override (what a ``URL:`` metadata line sets), so
  every later read returns the same string without formatting it again (an article read from
  the cache comes with its URL already kept: article_cache.py);
* ``content_cache``: Pelican's content cache in a folder per build, stamped with the settings,
  library versions and plugin code, written atomically and pruned; ``file_stamps``: a source
  file whose status is as it was when it was hashed is not read and hashed again;
* ``template_cache``: templates compiled once and kept in the cache folder (Jinja's bytecode
  cache), not compiled again by every generator of every build;
* ``page_memo``: a rebuild keeps each page whose inputs (everything its templates read) are
  those of the build that wrote it, instead of rendering it again;
* the cyclic garbage collector paused while the content is read (``FAST_BUILD_GC``): reading
  10,000 articles (or restoring them from the cache) allocates millions of objects that live
  until the build ends, and Python's collector scans them again and again as they pile up —
  ~1.2 s of an 8 s rebuild at 10,000 articles, ~2 s of a full build.  Once every generator has
  its context the survivors are frozen (``gc.freeze``: moved out of the collector's reach, as
  they would stay alive anyway) and collection resumes for what the output phase allocates; at
  the end of the build they are handed back.  Cycles of garbage made while reading wait until
  then (+8 MB peak at 10,000 articles).  The same setting skips the collector's last pass when
  the process exits after a build: the build's objects are mostly reference cycles (each
  article holds the shared context, which lists the articles), and the final collection walks
  and frees them one by one — ~0.45 s of a 7 s rebuild at 10,000 articles, for memory the
  operating system takes back at once.  So once a build has finished, an exit handler freezes
  whatever is alive when the interpreter shuts down.  Python does not promise to run ``__del__``
  for objects still alive at exit; files are closed with ``with`` blocks, and ``logging``
  flushes its handlers in its own exit handler, which still runs.

Like the other ClearPress plugins, handlers check that the current build lists the plugin:
Pelican connects signals for the whole process and never disconnects them.
"""

from __future__ import annotations

import atexit
import gc
import logging

from pelican import signals

from scripts import content_identity, output_files

from . import content_cache, lazy_content, page_memo, pelican_fixes, template_cache
from .article_cache import settle_url, snapshots
from .markdown_reader import use_reusing_reader

logger = logging.getLogger(__name__)
NAME = "fast_build"


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin."""
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def on_readers_init(readers) -> None:
    """Read Markdown with one reused instance."""
    if enabled(readers.settings):
        use_reusing_reader(readers)


def freeze_urls(generator) -> None:
    """``article_generator_pretaxonomy``: compute each article's URL once."""
    if not enabled(generator.settings):
        return
    for article in (*generator.articles, *generator.translations):
        settle_url(article)


_gc_paused: list[bool] = []  # True while this plugin holds the collector off


def pause_collector(settings) -> None:
    """Hold the cyclic collector off while the build reads its content (see above)."""
    if settings.get("FAST_BUILD_GC", True) and gc.isenabled() and not _gc_paused:
        gc.disable()
        _gc_paused.append(True)


def resume_collector() -> None:
    """Freeze what was read and let the collector run on what comes next."""
    if _gc_paused:
        _gc_paused.clear()
        gc.freeze()
        gc.enable()


_exit_freeze: list[bool] = []  # True once the exit handler is registered


def release_frozen(settings) -> None:
    """At the end of a build, give frozen objects back to the collector (and re-enable it if a
    build failed before its content was read); have the process skip the final collection."""
    resume_collector()
    gc.unfreeze()
    if settings.get("FAST_BUILD_GC", True) and not _exit_freeze:
        atexit.register(gc.freeze)
        _exit_freeze.append(True)


def on_initialized(pelican) -> None:
    """Give the build its own, stamped cache folder; keep the pages that can be reused."""
    if enabled(pelican.settings):
        snapshots.clear()
        template_cache.forget(pelican.settings)
        folder = content_cache.use_build_folder(pelican.settings)
        template_cache.use_template_cache(pelican.settings, folder)
        page_memo.start(pelican)
        pause_collector(pelican.settings)


def on_all_generators_finalized(generators) -> None:
    """Every generator has its context: the content is read; let the collector run again."""
    if generators and enabled(generators[0].settings):
        resume_collector()


def on_finalized(pelican) -> None:
    """Remove pages that are gone and record this build's pages.

    The snapshots are forgotten when the next build starts, not here: other plugins' handlers
    of this signal (search's index) ask them, before or after this one, as ``PLUGINS`` orders
    them."""
    if enabled(pelican.settings):
        page_memo.finish(pelican)
        release_frozen(pelican.settings)


def register() -> None:
    """Connect the plugin to Pelican."""
    pelican_fixes.install()
    lazy_content.install()
    content_cache.install()
    content_identity.provide(snapshots.vouch_all)
    output_files.provide(page_memo.keep_file)
    page_memo.install()
    signals.initialized.connect(on_initialized)
    signals.all_generators_finalized.connect(on_all_generators_finalized)
    signals.finalized.connect(on_finalized)
    signals.readers_init.connect(on_readers_init)
    signals.article_generator_pretaxonomy.connect(freeze_urls)
