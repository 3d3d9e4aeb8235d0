"""Production settings: absolute URLs under the published site address.

The site address comes from CLEARPRESS_SITEURL (the deploy workflow sets it from the GitHub Pages
configuration), so the same repository publishes under a project sub-path or a custom domain.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("CLEARPRESS_SITEURL", "").rstrip("/")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

# A custom domain for GitHub Pages (CLEARPRESS_CNAME=tin.example.vn): written to output/CNAME.
CNAME = os.environ.get("CLEARPRESS_CNAME", "").strip()
