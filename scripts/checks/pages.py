"""Per-page checks: internal links and images resolve; nothing loads from other hosts.

Both walk the same parsed tree, so each page is parsed once.  The archive promises to be
permanent and private: a link that 404s, an image that was never copied, a third-party script,
an ad iframe or an ``onclick`` all break that promise silently, long after the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from scripts.checks.report import Problem
from scripts.checks.site import SiteAddress, SiteFiles, Target, exists, resolve

# (tag, attribute) pairs whose value is one URL a reader's browser follows or loads.
URL_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src",),
    "source": ("src",),
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "form": ("action",),
    "button": ("formaction",),
}
SRCSET_TAGS = frozenset({"img", "source"})
# Open Graph / Twitter card addresses: absolute, checked only when they are the site's own.
META_URL_PROPERTIES = frozenset({"og:image", "og:url", "twitter:image", "og:image:url"})
# What a link or image is called in a problem line.
_KIND = {"a": "link", "area": "link", "link": "link", "img": "image", "source": "image"}
# Elements that load or run something from their address as soon as the page opens.
_LOADING_TAGS = frozenset(
    {"img", "source", "script", "iframe", "frame", "embed", "object", "video", "audio", "track",
     "input"}
)  # fmt: skip
_LOADING_LINK_RELS = frozenset({"stylesheet", "preload", "modulepreload", "prefetch", "icon"})
# Addresses a stylesheet loads: url(…) and @import "…".
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


@dataclass
class PageFindings:
    """Problems found while walking pages, split by the check they belong to."""

    links: list[Problem] = field(default_factory=list)
    external: list[Problem] = field(default_factory=list)
    references: int = 0  # internal references resolved


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (each candidate is ``URL [descriptor]``, comma-separated)."""
    urls = []
    for candidate in value.split(","):
        bits = candidate.strip().split()
        if bits:
            urls.append(bits[0])
    return urls


def references(element: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    """``(attribute, url)`` pairs an element refers to."""
    tag = element.tag
    refs = [(attr, value) for attr in URL_ATTRS.get(tag, ()) if (value := element.get(attr))]
    if tag in SRCSET_TAGS and (srcset := element.get("srcset")):
        refs.extend(("srcset", url) for url in srcset_urls(srcset))
    if tag == "meta":
        prop = (element.get("property") or element.get("name") or "").lower()
        content = element.get("content")
        if prop in META_URL_PROPERTIES and content and content.startswith(("http:", "https:")):
            refs.append(("content", content))
    return refs


def check_page(
    tree: lxml_html.HtmlElement,
    rel: str,
    files: SiteFiles,
    site: SiteAddress | None,
    findings: PageFindings,
) -> None:
    """Check one parsed page's references and resources, adding to ``findings``."""
    seen: set[tuple[str, str]] = set()
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions
        _check_handlers(element, rel, findings)
        if tag == "iframe" and not element.get("src"):
            findings.external.append(Problem(rel, "<iframe> without src (inline frame)"))
        for attr, ref in references(element):
            if ref.strip().lower().startswith("javascript:"):
                findings.external.append(Problem(rel, f"<{tag} {attr}> runs javascript: URL"))
                continue
            target = resolve(ref, rel, site)
            if target.kind == "external":
                _check_external(element, attr, ref, target, rel, findings)
                continue
            if target.kind == "skip" or (tag, ref) in seen:
                continue
            seen.add((tag, ref))
            kind = _KIND.get(tag, f"<{tag} {attr}>")
            if target.kind == "outside":
                findings.links.append(Problem(rel, f"{kind} {ref!r} points outside the site"))
                continue
            findings.references += 1
            if not exists(files, target.path):
                shown = target.path
                if not shown or shown.endswith("/"):
                    shown += "index.html"
                findings.links.append(Problem(rel, f"{kind} {ref!r} → {shown}: no such file"))


def _check_handlers(element: lxml_html.HtmlElement, rel: str, findings: PageFindings) -> None:
    for name in element.attrib:
        if isinstance(name, str) and name.lower().startswith("on"):
            findings.external.append(
                Problem(rel, f"<{element.tag}> has inline event handler {name}=")
            )


def _check_external(
    element: lxml_html.HtmlElement,
    attr: str,
    ref: str,
    target: Target,
    rel: str,
    findings: PageFindings,
) -> None:
    """An address on another host is fine to link to, never to load from."""
    tag = element.tag
    host = target.host or "?"
    if tag == "link":
        rels = set((element.get("rel") or "").lower().split()) & _LOADING_LINK_RELS
        if not rels:
            return  # a plain link (alternate, author, license…) loads nothing
        what = f"<link rel={sorted(rels)[0]}>"
    elif tag in ("form", "button"):
        what = f"<{tag} {attr}> posts"
    elif tag in _LOADING_TAGS:
        what = "hotlinked image" if tag in ("img", "source") else f"<{tag}>"
    else:
        return
    findings.external.append(Problem(rel, f"{what} from another host {host}: {ref}"))


def check_stylesheet(text: str, rel: str, site: SiteAddress | None, findings: PageFindings) -> None:
    """A stylesheet that pulls fonts or images from another host leaks every reader to it."""
    for match in _CSS_URL.finditer(text):
        ref = match.group(1) or match.group(2)
        target = resolve(ref, rel, site)
        if target.kind == "external":
            findings.external.append(
                Problem(rel, f"stylesheet loads from another host {target.host or '?'}: {ref}")
            )
