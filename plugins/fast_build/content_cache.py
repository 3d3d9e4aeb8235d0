"""Pelican's content cache, made safe to leave on.

Pelican caches what its readers return (``CACHE_CONTENT``/``LOAD_CONTENT_CACHE``), keyed by the
source file's path and stamp.  Three things keep that from being trusted as it is, and are fixed
here:

* **Settings and code are not part of the key.**  Change ``MARKDOWN``, upgrade python-markdown
  or edit a reader plugin and Pelican keeps serving HTML converted the old way.  Each build
  therefore gets its own folder, ``CACHE_PATH/<content and output folders' digest>/``, stamped
  with a digest of every setting, the versions of the libraries that read content and the source
  of every plugin the build lists; when the stamp differs the folder is emptied first.  Builds of
  different content or into different folders (tests, benchmarks, ``--publish``) never share a
  cache, and a folder whose content folder no longer exists is deleted by the next build.
* **The cache file is written in place.**  A build killed while saving leaves half a pickle,
  and the next build stops on it (``EOFError`` is not among the errors Pelican catches).  It is
  written to a temporary file and renamed.
* **It only grows.**  Entries of deleted articles stay for ever; entries no build asked for are
  dropped when the cache is saved, and an unchanged cache is not written again; a changed one
  gets its changes appended to a journal, the whole file being written only now and then
  (``scripts.journal``).

Files are stamped by content hash (``CHECK_MODIFIED_METHOD = "sha256"`` in pelicanconf.py), not
by modification time, which ``git checkout`` and CI caches do not preserve; a file whose status
shows it unchanged since it was hashed is not read again (file_stamps.py).  The plugin switches
the cache on itself (``FAST_BUILD_CACHE``): pelicanconf.py leaves Pelican's switches off, so a
build without the plugin caches nothing rather than trusting an unstamped cache.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import os
import pickle
import shutil
import sys
import types
from importlib import metadata

from pelican.cache import FileDataCacher, FileStampDataCacher
from pelican.contents import Content

from scripts import journal
from scripts.store import replacing

from . import article_cache, cache_file, file_stamps
from .pelican_fixes import source_digest

logger = logging.getLogger(__name__)

STAMP_FILE = "fast_build-stamp.json"
OWNER_FILE = "fast_build-owner.json"
# Libraries whose behaviour decides what a reader returns.
READING_LIBRARIES = ("pelican", "markdown", "pygments", "docutils", "jinja2", "markupsafe")
# Settings that change with how pelican is run, not with what it writes (-v sets DEBUG).
VOLATILE_SETTINGS = frozenset({"DEBUG", "PORT", "BIND"})
KNOWN_SOURCES = {
    "FileDataCacher.save_cache": "ac07627d0831e861cca7e8d8f042f710c035e7b1335b286f9462d80556a273d1",
    "FileStampDataCacher.get_cached_data": "9e22f9c49dede667229137f7bf19e7dca9a059902b8e93c21321f0482e97131f",
    "FileStampDataCacher.cache_data": "1278c0b3c9b2ca32e638730a6a4bb5ef9a1a2762a21b6084bd0f971a24673ceb",
    "FileStampDataCacher._get_file_stamp": "771a0b92fd2c314a8557db1ad49cbe66085a6740a08f20238768cf69f04e0b74",
    "FileDataCacher.__init__": "0e94df62b258a9c2801579e71fcf8d45382b6668f93934019e323dfeb2aad57d",
}  # fmt: skip


# --- digests --------------------------------------------------------------------------------


def canonical(value, _depth: int = 0) -> str:
    """Return a text that is equal for equal settings values, across processes.

    ``repr`` would do for plain data, but functions and classes print their memory address;
    they are named by module and qualified name plus a digest of their code.
    """
    if _depth > 50:
        raise ValueError("settings nested too deeply to digest")
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return repr(value)
    if isinstance(value, dict):
        items = sorted(
            (canonical(k, _depth + 1), canonical(v, _depth + 1)) for k, v in value.items()
        )
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        inner = ",".join(canonical(v, _depth + 1) for v in value)
        return f"{type(value).__name__}[{inner}]"
    if isinstance(value, set | frozenset):
        return "set[" + ",".join(sorted(canonical(v, _depth + 1) for v in value)) + "]"
    if isinstance(value, types.ModuleType):
        return f"module:{value.__name__}"
    if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType | types.MethodType):
        name = f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', '?')}"
        code = getattr(value, "__code__", None)
        if code is not None:
            name += ":" + hashlib.sha256(code.co_code + repr(code.co_consts).encode()).hexdigest()
        return f"code:{name}"
    text = repr(value)
    if " at 0x" in text:  # an object that prints its address: its type is all that is stable
        return f"object:{type(value).__module__}.{type(value).__qualname__}"
    return text


def plugin_sources(settings) -> str:
    """Return a digest of the source of every plugin the build lists (all its .py files)."""
    digest = hashlib.sha256()
    for name in sorted(str(p).rsplit(".", 1)[-1] for p in settings.get("PLUGINS") or []):
        for folder in settings.get("PLUGIN_PATHS") or []:
            root = os.path.join(folder, name)
            if not os.path.isdir(root):
                continue
            for parent, dirs, files in sorted(os.walk(root)):
                dirs.sort()
                for file in sorted(f for f in files if f.endswith(".py")):
                    path = os.path.join(parent, file)
                    with open(path, "rb") as handle:
                        digest.update(os.path.relpath(path, folder).encode() + b"\0")
                        digest.update(handle.read())
    return digest.hexdigest()


def build_stamp(settings) -> dict[str, str]:
    """Everything a cached reader result depends on besides the file itself."""
    versions = {}
    for package in READING_LIBRARIES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "-"
    return {
        "python": sys.version,
        "libraries": canonical(versions),
        "settings": hashlib.sha256(
            canonical({k: v for k, v in settings.items() if k not in VOLATILE_SETTINGS}).encode()
        ).hexdigest(),
        "plugins": plugin_sources(settings),
    }


# --- the cache folder -----------------------------------------------------------------------


def _read_json(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json(path: str, value: dict) -> None:
    with replacing(path) as out:
        out.write(json.dumps(value, indent=1, sort_keys=True).encode("utf-8"))


def _prune_orphans(root: str, keep: str) -> None:
    """Delete cache folders whose content folder is gone (no build can use them again)."""
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        folder = os.path.join(root, name)
        if folder == keep or not os.path.isdir(folder):
            continue
        owner = _read_json(os.path.join(folder, OWNER_FILE))
        if owner and owner.get("path") and not os.path.isdir(owner["path"]):
            shutil.rmtree(folder, ignore_errors=True)
            logger.debug("fast_build: removed the cache of vanished %s", owner["path"])


def use_build_folder(settings) -> str | None:
    """Point ``CACHE_PATH`` at this build's own folder; empty it if its stamp changed.

    ``FAST_BUILD_CACHE`` (default on) switches Pelican's content cache on for this build; the
    settings file leaves ``CACHE_CONTENT``/``LOAD_CONTENT_CACHE`` off so that a build without
    this plugin never reads an unstamped cache.  Returns the folder, or ``None`` when the build
    caches nothing.
    """
    if settings.get("FAST_BUILD_CACHE", True) and settings.get("CACHE_PATH"):
        settings["CACHE_CONTENT"] = settings["LOAD_CONTENT_CACHE"] = True
        # Whole content objects, snapshotted when read (article_cache.py), unless an object
        # depends on more than its file and the settings: the clock (future dates become
        # drafts) or the file's modification time (``DEFAULT_DATE = "fs"``).
        if settings.get("WITH_FUTURE_DATES", True) and settings.get("DEFAULT_DATE") != "fs":
            settings["CONTENT_CACHING_LAYER"] = "generator"
    if not (settings.get("CACHE_CONTENT") and settings.get("CACHE_PATH")):
        return None
    root = os.path.abspath(settings["CACHE_PATH"])
    content = os.path.abspath(settings["PATH"])
    output = os.path.abspath(settings["OUTPUT_PATH"])
    name = hashlib.sha256(f"{content}\0{output}".encode()).hexdigest()[:16]
    folder = os.path.join(root, name)
    settings["CACHE_PATH"] = folder  # part of the stamp only as this stable folder name
    stamp = build_stamp(settings)
    os.makedirs(folder, exist_ok=True)
    stamp_path = os.path.join(folder, STAMP_FILE)
    previous = _read_json(stamp_path)
    if previous != stamp:
        if previous is not None:
            changed = sorted(k for k in stamp if previous.get(k) != stamp[k])
            logger.info("fast_build: %s changed; the build cache starts empty", ", ".join(changed))
        for entry in os.listdir(folder):
            path = os.path.join(folder, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        _write_json(stamp_path, stamp)
    _write_json(os.path.join(folder, OWNER_FILE), {"path": content, "output": output})
    _prune_orphans(root, folder)
    return folder


# --- Pelican's cache file -------------------------------------------------------------------


_last_enabled: list = [None, False]  # (settings, answer) of the last question: asked per file


def _enabled(cacher) -> bool:
    from .fast_build import enabled

    settings = cacher.settings
    if _last_enabled[0] is not settings:
        _last_enabled[:] = [settings, enabled(settings)]
    return _last_enabled[1]


def _wrap_init(original):
    @functools.wraps(original)
    def __init__(self, settings, cache_name, caching_policy, load_policy):
        from .fast_build import enabled

        ours = load_policy and enabled(settings) and not settings.get("GZIP_CACHE")
        path = os.path.join(settings.get("CACHE_PATH") or "", cache_name)
        if not (ours and cache_file.is_ours(path)):
            original(self, settings, cache_name, caching_policy, load_policy)
        else:
            # Written by this plugin: read in place (cache_file.py); Pelican loads nothing.
            original(self, settings, cache_name, caching_policy, False)
            try:
                loaded = cache_file.read(self._cache_path)
            except Exception as exc:  # any unreadable file: an empty cache, as Pelican's own
                logger.warning("fast_build: cache %s unreadable (%s); starting afresh", path, exc)
                loaded = {}
            self._cache = loaded if isinstance(loaded, dict) else {}
        if load_policy and _enabled(self):
            self._fast_build_journal = journal.apply(self._cache_path, self._cache)

    return __init__


def _out_of_band(cache: dict) -> dict:
    """The cache with each snapshot's large bytes marked to be written after the pickle."""
    return {
        key: (value[0], article_cache.for_file(value[1]))
        if isinstance(value, tuple) and len(value) == 2 and article_cache.is_snapshot(value[1])
        else value
        for key, value in cache.items()
    }


def _wrap_get(original):
    @functools.wraps(original)
    def get_cached_data(self, filename, default=None):
        if not _enabled(self):
            return original(self, filename, default)
        self.__dict__.setdefault("_fast_build_used", set()).add(filename)
        if filename not in self._cache:
            # Pelican would hash the file only to find no entry: same answer, no hashing.
            return default
        found = original(self, filename, default)
        if article_cache.is_snapshot(found):
            restored = article_cache.restore(found, self.settings, getattr(self, "context", None))
            return default if restored is None else restored
        return found

    return get_cached_data


def _wrap_put(original):
    @functools.wraps(original)
    def cache_data(self, filename, data):
        if not _enabled(self):
            return original(self, filename, data)
        if not self._cache_data_policy:
            return None  # Pelican would hash the file, then store nothing
        self.__dict__.setdefault("_fast_build_used", set()).add(filename)
        if isinstance(data, Content):
            # Pickled now, before generators and plugins add to it (article_cache.py).
            data = article_cache.snapshot(data, self.settings, getattr(self, "context", None))
            if data is None:
                return None
        self.__dict__.setdefault("_fast_build_changed", set()).add(filename)
        return original(self, filename, data)

    return cache_data


def _wrap_stamp(original):
    """``_get_file_stamp`` through the cacher's stamp book (file_stamps.py)."""

    @functools.wraps(original)
    def _get_file_stamp(self, filename):
        if not (_enabled(self) and getattr(self, "_filestamp_func", None)):
            return original(self, filename)
        book = file_stamps.book_of(self)
        return original(self, filename) if book is None else book.stamp(filename, original, self)

    return _get_file_stamp


def _wrap_save(original):
    @functools.wraps(original)
    def save_cache(self):
        """Keep the entries this build used; write only if something changed, atomically."""
        if not _enabled(self):
            return original(self)
        file_stamps.save_book(self)
        if not self._cache_data_policy:
            return original(self)
        used = self.__dict__.get("_fast_build_used", set())
        stale = [key for key in self._cache if key not in used]
        for key in stale:
            del self._cache[key]
        changed = self.__dict__.get("_fast_build_changed", set())
        if not (stale or changed) and os.path.exists(self._cache_path):
            return None
        stored = {key: self._cache[key] for key in changed if key in self._cache}

        def write_whole(raw) -> None:
            if self.settings["GZIP_CACHE"]:
                with gzip.GzipFile(fileobj=raw, mode="wb") as packed:
                    pickle.dump(self._cache, packed, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                cache_file.write(raw, _out_of_band(self._cache))

        size = self.__dict__.get("_fast_build_journal")
        self._fast_build_journal = None
        try:
            self._fast_build_journal = journal.save(
                self._cache_path, size, (stored, stale), write_whole
            )
        except (OSError, pickle.PicklingError, TypeError) as err:
            logger.warning("fast_build: could not save the cache %s: %s", self._cache_path, err)
        return None

    return save_cache


_installed: dict[str, bool] = {}


def install() -> dict[str, bool]:
    """Wrap Pelican's cache methods if all five are the source these wrappers were read on.

    All or nothing: saving keeps only the entries the getter and the putter saw being used.
    """
    if _installed:
        return dict(_installed)
    targets = {
        "FileDataCacher.__init__": (FileDataCacher, "__init__", _wrap_init),
        "FileDataCacher.save_cache": (FileDataCacher, "save_cache", _wrap_save),
        "FileStampDataCacher.get_cached_data": (
            FileStampDataCacher,
            "get_cached_data",
            _wrap_get,
        ),
        "FileStampDataCacher.cache_data": (FileStampDataCacher, "cache_data", _wrap_put),
        "FileStampDataCacher._get_file_stamp": (
            FileStampDataCacher,
            "_get_file_stamp",
            _wrap_stamp,
        ),
    }
    known = all(
        source_digest(getattr(owner, attribute)) == KNOWN_SOURCES[name]
        for name, (owner, attribute, _) in targets.items()
    )
    if not known:
        logger.warning(
            "fast_build: Pelican's cache is not 4.12's; it is left as it is (written in place, "
            "never pruned)"
        )
    for name, (owner, attribute, wrap) in targets.items():
        if known:
            setattr(owner, attribute, wrap(getattr(owner, attribute)))
        _installed[name] = known
    return dict(_installed)
