"""One ``markdown.Markdown`` per reader instead of one per file.

Pelican's ``MarkdownReader.read`` builds a new ``Markdown`` — and instances of every extension —
for each file, which is 5–7 % of a build.  ``Markdown.reset()`` clears everything a conversion
leaves behind (the HTML stash, references, each registered extension's state), so one instance
can convert every file.  The one thing ``reset()`` does not undo is Pelican's own: after the
body, ``_parse_metadata`` deregisters the ``meta`` preprocessor so that formatted fields
(``Summary``) are not read as metadata; it is registered again, at its priority, before the next
body.  The output is the same as Pelican's reader gives, file for file (tests/test_fast_build.py
compares both readers on generated articles and on the fixture site).
"""

from __future__ import annotations

import logging

from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

logger = logging.getLogger(__name__)


def _meta_registration(md) -> tuple[object, float] | None:
    """Return the ``meta`` preprocessor and its priority, or ``None`` if it cannot be found."""
    registry = md.preprocessors
    try:
        priority = next(item.priority for item in registry._priority if item.name == "meta")
        return registry["meta"], priority
    except (AttributeError, KeyError, StopIteration):
        return None


class ReusingMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, converting every file with the same ``Markdown`` instance."""

    _shared = None
    _meta = None

    def _instance(self):
        """Return the shared instance, reset and with ``meta`` registered, or a new one."""
        from markdown import Markdown

        if self._shared is None:
            md = Markdown(**self.settings["MARKDOWN"])
            meta = _meta_registration(md)
            if meta is None:  # not the Registry this was written for: no reuse
                return md
            self._shared, self._meta = md, meta
            return md
        md = self._shared.reset()
        if "meta" not in md.preprocessors:
            item, priority = self._meta
            md.preprocessors.register(item, "meta", priority)
        return md

    def read(self, source_path):
        """Parse the content and metadata of a Markdown file, as ``MarkdownReader.read``."""
        self._source_path = source_path
        self._md = self._instance()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata


def use_reusing_reader(readers) -> None:
    """``readers_init``: read Markdown with :class:`ReusingMarkdownReader`.

    Only formats still mapped to Pelican's own ``MarkdownReader`` are switched; a reader set
    through the ``READERS`` setting is left alone.
    """
    for fmt, cls in list(readers.reader_classes.items()):
        if cls is MarkdownReader:
            readers.reader_classes[fmt] = ReusingMarkdownReader
