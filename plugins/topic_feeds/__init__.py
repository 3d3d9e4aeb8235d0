"""Per-topic, per-source and archive feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) for Pelican."""

from .topic_feeds import register as register
