"""Listing pages numbered from the oldest article, so that they keep their address and articles."""

from .stable_pages import register as register
