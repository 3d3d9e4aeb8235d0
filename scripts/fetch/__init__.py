"""Polite fetching: discover article URLs, capture each once into WARC, remember it in SQLite.

Modules, one job each: :mod:`.http` (the polite HTTP client and its limits), :mod:`.robots`
(robots.txt), :mod:`.discover` (feeds, listings, sitemaps), :mod:`.state` (SQLite state and the
importer's API) and :mod:`.runner` (one fetch run from start to summary).
"""

from scripts.fetch.state import all_captures, mark_imported, pending_captures

__all__ = ["all_captures", "mark_imported", "pending_captures"]
