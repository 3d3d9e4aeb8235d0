"""Pelican settings for the ClearPress archive (local builds; publishconf.py adds production)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# No AUTHOR: an article without Authors must not be credited to the archive itself.
SITENAME = "ClearPress"
SITESUBTITLE = "Kho lưu trữ tin tức sạch, không quảng cáo"
SITEURL = ""
RELATIVE_URLS = True

PATH = "content"
ARTICLE_PATHS = [""]
ARTICLE_EXCLUDES = ["pages", "images", "drafts-quarantine"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra"]
IGNORE_FILES = [".#*", "*.tmp", ".*"]

THEME = "theme"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANG = "vi"
DEFAULT_DATE_FORMAT = "%d/%m/%Y %H:%M"
DEFAULT_PAGINATION = 20
# Listings that paginate.  The home page is not one of them: it shows the newest HOME_ARTICLES
# and points to the archives (500 home pages at 10,000 articles, every one of them shifting with
# each import, served no reader).  Tag and source pages are compact lists (date, title, topic),
# 50 a page; topic pages show teasers, DEFAULT_PAGINATION a page.
PAGINATED_TEMPLATES = {"tag": 50, "source": 50, "category": None}
# Listing pages after the first are numbered from the oldest article (plugin stable_pages), so
# ".../page/3/" keeps its address and its articles as the archive grows.
PAGINATION_PATTERNS = [
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
]
HOME_ARTICLES = 50

# Paths follow the content layout: one folder per topic, one per year.
ARTICLE_URL = "{category}/{date:%Y}/{slug}.html"
ARTICLE_SAVE_AS = "{category}/{date:%Y}/{slug}.html"
CATEGORY_URL = "{slug}/"
CATEGORY_SAVE_AS = "{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
# No per-author pages: the article page names its authors, and 10,000 articles have thousands of
# authors with a page or two each (a quarter of the files, 5 % of the build; see README).
AUTHOR_URL = ""
AUTHOR_SAVE_AS = ""
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "archives/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "archives/{date:%Y}/{date:%m}/index.html"
CATEGORIES_URL = "topics/"
CATEGORIES_SAVE_AS = "topics/index.html"
TAGS_URL = "tag/"
TAGS_SAVE_AS = "tag/index.html"
AUTHORS_URL = ""
AUTHORS_SAVE_AS = ""
# The theme's own pages: search (its index is built by plugins/search) and 404.html at the root,
# where GitHub Pages looks for it.
DIRECT_TEMPLATES = ["index", "categories", "tags", "archives", "search", "404"]
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
# Drafts (low-confidence or undated imports) wait in content/ for the operator's review and are
# never written to the site: a page at a guessable URL would publish them anyway.
DRAFT_URL = ""
DRAFT_SAVE_AS = ""

# Pelican's own feeds are replaced by the topic_feeds plugin (RSS, Atom and JSON Feed per topic,
# per source and for the whole archive, with provenance in every item).
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "topic_feeds",
    "sources_pages",
    "article_context",
    "sitemap_robots",
    "search",
    "stable_pages",
    "fast_build",
]

# Pages and files only the ClearPress theme and plugins read (see README, "The reading site").
SOURCE_URL = "source/{slug}/"
SOURCE_SAVE_AS = "source/{slug}/index.html"
SOURCES_URL = "source/"
SOURCES_SAVE_AS = "source/index.html"
CNAME = ""  # a custom domain (e.g. "tin.example.vn"): written to output/CNAME when set

# Deterministic output: no timestamps from the clock, stable ordering.
DELETE_OUTPUT_DIRECTORY = True
OUTPUT_RETENTION = [".git", ".nojekyll", "CNAME"]

# The content cache: a rebuild reads and converts only new or changed files.  The fast_build
# plugin switches Pelican's cache on (CACHE_CONTENT, LOAD_CONTENT_CACHE) in a folder of its own
# under cache/ (gitignored) per content/output pair, stamped with the settings, library versions
# and plugin code, so a change to any of them starts afresh.  Pelican's own cache is off here on
# purpose: without the plugin nothing would notice a settings change.  FAST_BUILD_CACHE = False
# (or `-e FAST_BUILD_CACHE=false`) builds without any cache.  Files are stamped by content hash:
# git checkouts and CI caches do not keep modification times.
FAST_BUILD_CACHE = True
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
CACHE_PATH = "cache"
GZIP_CACHE = False  # compressing ~70 MB at 10,000 articles costs seconds; the disk is cheap
CHECK_MODIFIED_METHOD = "sha256"
# Output folders a plugin makes exact itself on every build (it rewrites only the files that
# changed and deletes the rest): fast_build leaves them in place between builds while that
# plugin is listed.
FAST_BUILD_KEEP = {"search": "search/data"}
SUMMARY_MAX_LENGTH = 50
