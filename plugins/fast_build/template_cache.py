"""Compiled templates kept between builds (Jinja's bytecode cache, in the build's cache folder).

Pelican gives every generator its own Jinja environment, and each environment compiles every
template it renders from source: lexing, parsing and generating Python in Python, then
``compile``.  ClearPress's theme is compiled some 35 times a build (``base.html`` once per
generator), ~0.2 s of CPU — a twentieth of a rebuild that adds twenty articles to 10,000.  With
a ``FileSystemBytecodeCache`` the first environment that compiles a template stores the code
object, and every later environment, in this build and the next, loads it.

Jinja checks each stored template against a checksum of its source and against its own version
and Python's bytecode magic, so an edited template or an upgrade never runs old code.  What
Jinja does not check is the environment's options (``trim_blocks``, ``extensions`` …), which
shape the compiled code: those are settings, part of the cache folder's stamp (a change empties
the folder, content_cache.py); extensions from outside Jinja could change with their package
while the settings stay the same, so a build that lists one gets no bytecode cache.
"""

from __future__ import annotations

import logging
import os

import jinja2

logger = logging.getLogger(__name__)

FOLDER = "fast_build-templates"


class KeptTemplates(jinja2.FileSystemBytecodeCache):
    """The bytecode cache this plugin sets (told apart from one the settings name)."""


def forget(settings) -> None:
    """Take out the bytecode cache an earlier build in this process set on the same settings
    (before the settings are stamped: it is not a setting of the site)."""
    environment = settings.get("JINJA_ENVIRONMENT")
    if isinstance(environment, dict) and isinstance(
        environment.get("bytecode_cache"), KeptTemplates
    ):
        settings["JINJA_ENVIRONMENT"] = {
            k: v for k, v in environment.items() if k != "bytecode_cache"
        }


def _jinja_extensions_only(extensions) -> bool:
    """Tell whether every extension is Jinja's own (compiled the same while Jinja is)."""
    for extension in extensions or ():
        module = extension if isinstance(extension, str) else getattr(extension, "__module__", "")
        if not str(module).startswith("jinja2."):
            return False
    return True


def use_template_cache(settings, cache_folder: str | None) -> bool:
    """Give the build's Jinja environments a bytecode cache in ``cache_folder``.

    Left alone: no cache folder (the build caches nothing), ``FAST_BUILD_TEMPLATES`` off, a
    bytecode cache the settings already name, or an extension from outside Jinja.  Returns
    whether the cache is in use.
    """
    if not cache_folder or not settings.get("FAST_BUILD_TEMPLATES", True):
        return False
    environment = dict(settings.get("JINJA_ENVIRONMENT") or {})
    if environment.get("bytecode_cache") is not None:
        return False
    if not _jinja_extensions_only(environment.get("extensions")):
        logger.info("fast_build: a Jinja extension from outside Jinja; templates compiled anew")
        return False
    folder = os.path.join(cache_folder, FOLDER)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as exc:
        logger.warning("fast_build: no template cache in %s (%s)", folder, exc)
        return False
    environment["bytecode_cache"] = KeptTemplates(folder)
    # A new dict: the settings' own is also Pelican's default (shared by every build).
    settings["JINJA_ENVIRONMENT"] = environment
    return True
