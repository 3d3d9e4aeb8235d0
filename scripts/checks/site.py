"""What every page check needs: the files of a built site, its address, and URL resolution.

A built site is checked as GitHub Pages will serve it: a URL names a file in output/ after the
site's own address (or sub-path, for a project site) is taken off, percent-escapes are decoded,
and a folder means its ``index.html``.  Resolution is pure string work on a set of paths, so
checking a large archive costs one directory walk, not one ``stat`` per link.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

# A publishing checkout (ghp-import, a worktree) is not part of the site.
SKIPPED_DIRS = frozenset({".git"})


@dataclass(frozen=True, slots=True)
class SiteFiles:
    """Every file of a built site, as POSIX paths relative to the output folder, with sizes."""

    root: Path
    sizes: dict[str, int]
    dirs: frozenset[str]

    @classmethod
    def scan(cls, root: Path) -> SiteFiles:
        """Walk ``root`` once (in sorted order, so reports are stable), not following links."""
        sizes: dict[str, int] = {}
        dirs: set[str] = {""}
        for current, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
            rel_dir = Path(current).relative_to(root).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            for name in subdirs:
                dirs.add(f"{rel_dir}/{name}" if rel_dir else name)
            for name in sorted(files):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    sizes[rel] = os.lstat(os.path.join(current, name)).st_size
                except OSError:
                    continue
        return cls(root=root, sizes=sizes, dirs=frozenset(dirs))

    def matching(self, *suffixes: str) -> list[str]:
        """Relative paths ending with one of ``suffixes``, sorted."""
        return sorted(rel for rel in self.sizes if rel.endswith(suffixes))

    def read(self, rel: str) -> bytes:
        """The bytes of one file."""
        return (self.root / rel).read_bytes()


@dataclass(frozen=True, slots=True)
class SiteAddress:
    """Where the site is published: ``https://user.github.io/repo`` → host and path prefix."""

    url: str
    scheme: str
    host: str
    prefix: str  # "" for a site at the host's root, else "/repo" (no trailing slash)

    @classmethod
    def parse(cls, url: str) -> SiteAddress:
        """Normalise a site URL given by the operator or found in a canonical link."""
        parts = urlsplit(url.strip())
        prefix = parts.path.rstrip("/")
        host = (parts.hostname or "").lower()
        scheme = parts.scheme.lower() or "https"
        return cls(
            url=f"{scheme}://{parts.netloc.lower()}{prefix}",
            scheme=scheme,
            host=host,
            prefix=prefix,
        )


@dataclass(frozen=True, slots=True)
class Target:
    """Where a reference in a page points.

    ``kind``: ``internal`` (``path`` is the output-relative file it must be), ``external``
    (``host`` is another site), ``outside`` (looks internal but leaves the site, e.g. ``/x``
    under a project sub-path or ``../`` past the root), or ``skip`` (fragment, mailto:, data:…).
    """

    kind: Literal["internal", "external", "outside", "skip"]
    path: str = ""
    host: str = ""


_SKIP = Target("skip")


def resolve(ref: str, page: str, site: SiteAddress | None) -> Target:
    """Resolve ``ref`` found in output file ``page`` the way a browser on GitHub Pages would."""
    ref = ref.strip()
    if not ref or ref.startswith("#"):
        return _SKIP
    try:
        parts = urlsplit(ref)
    except ValueError:
        return Target("outside", path=ref)
    scheme = parts.scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return _SKIP
    path = parts.path
    if parts.netloc:
        host = (parts.hostname or "").lower()
        if site is None or host != site.host:
            return Target("external", host=host)
        if site.prefix and not (path == site.prefix or path.startswith(site.prefix + "/")):
            return Target("external", host=host)
        path = path[len(site.prefix) :] or "/"
    elif path.startswith("/"):
        if site is not None and site.prefix:
            if not (path == site.prefix or path.startswith(site.prefix + "/")):
                return Target("outside", path=path)
            path = path[len(site.prefix) :] or "/"
    elif not path:
        return _SKIP  # "?page=2" alone: the same page
    else:
        path = posixpath.join("/" + posixpath.dirname(page), path)
    rel = _normalise(unquote(path))
    if rel is None:
        return Target("outside", path=path)
    return Target("internal", path=rel)


def _normalise(path: str) -> str | None:
    """Collapse ``.`` and ``..``; ``None`` if the path climbs above the site root."""
    is_dir = path.endswith(("/", "/.", "/.."))
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not segments:
                return None
            segments.pop()
        else:
            segments.append(segment)
    rel = "/".join(segments)
    return f"{rel}/" if is_dir and rel else rel


def exists(files: SiteFiles, rel: str) -> bool:
    """Tell whether GitHub Pages would serve something for ``rel`` (folders → index.html)."""
    if rel == "" or rel.endswith("/"):
        return f"{rel}index.html" in files.sizes
    if rel in files.sizes:
        return True
    if rel in files.dirs:
        return f"{rel}/index.html" in files.sizes
    return f"{rel}.html" in files.sizes  # Pages serves /about for about.html


def page_tree(data: bytes) -> lxml_html.HtmlElement:
    """Parse one HTML page; raises on an empty file.

    UTF-8 first: lxml alone falls back to Latin-1 for a page without ``<meta charset>`` (Pelican's
    simple theme writes none), which would turn every Vietnamese line into mojibake that no
    pattern matches.  Bytes that are not UTF-8 are left to lxml and the page's own declaration.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return lxml_html.document_fromstring(data)
    return lxml_html.document_fromstring(text)


def canonical_site(files: SiteFiles, pages: list[str], *, tries: int = 20) -> str | None:
    """Find the site address from ``<link rel=canonical>``: the canonical URL minus the page path.

    index.html is tried first (its canonical is the site address itself).  Without an absolute
    canonical, a JSON Feed's ``feed_url`` minus its path is used (topic_feeds always writes one);
    without either, only relative links count as internal.
    """
    ordered = sorted(pages, key=lambda rel: (rel != "index.html", rel.count("/"), rel))
    for rel in ordered[:tries]:
        try:
            tree = page_tree(files.read(rel))
        except (OSError, ValueError, etree.ParserError):
            continue
        for link in tree.iter("link"):
            rels = (link.get("rel") or "").lower().split()
            href = (link.get("href") or "").strip()
            if "canonical" not in rels or not href.startswith(("http://", "https://")):
                continue
            found = _strip_page(href, rel)
            if found:
                return found
    return _feed_site(files)


def _feed_site(files: SiteFiles) -> str | None:
    """Fallback for themes without canonical links: a JSON Feed's own ``feed_url``."""
    for rel in files.matching(".json"):
        if not rel.startswith("feeds/"):
            continue
        try:
            feed = json.loads(files.read(rel))
        except (OSError, ValueError):
            continue
        url = feed.get("feed_url") if isinstance(feed, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            found = _strip_page(url, rel)
            if found:
                return found
    return None


def _strip_page(canonical: str, rel: str) -> str | None:
    parts = urlsplit(canonical)
    path = unquote(parts.path)
    forms = [rel]
    if rel == "index.html" or rel.endswith("/index.html"):
        forms.append(rel[: -len("index.html")])
    if rel.endswith(".html"):
        forms.append(rel[: -len(".html")])
    for form in forms:
        if path.endswith("/" + form) or (form == "" and path.endswith("/")):
            base = path[: len(path) - len(form)].rstrip("/")
            return f"{parts.scheme}://{parts.netloc}{base}"
        if form == "" and path == "":
            return f"{parts.scheme}://{parts.netloc}"
    return None
