"""ClearPress importer: capture pages, extract the article, write Markdown for Pelican."""

__version__ = "0.1.0"
