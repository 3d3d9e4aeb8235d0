"""Extraction: from one capture to one clean :class:`~scripts.models.Article`.

Pure functions only: extraction never touches the network or the file system, so the archive can
be regenerated from captures alone after a rule improves.  Text captures (plain-text renderings
of a page) and HTML captures take different roads and meet again at ``Article``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripts.models import Article, Capture

if TYPE_CHECKING:
    from scripts.extract.html import ExtractOptions


def extract(
    capture: Capture, *, url: str | None = None, options: ExtractOptions | None = None
) -> Article:
    """Return the article in ``capture``; ``url`` overrides the page address the capture records.

    ``options`` (HTML only) carries extraction settings such as an element-hiding list; without
    it the defaults apply.  Raises :class:`~scripts.models.CaptureError` when the bytes cannot be
    read as a page and :class:`~scripts.models.ExtractError` when no article can be recognised.
    """
    if capture.kind == "text":
        from scripts.textcapture import parse_text_capture

        return parse_text_capture(capture, url=url)
    from scripts.extract.html import extract_html

    return extract_html(capture, url=url, options=options)
