"""URL hygiene: absolute URLs, tracking parameters removed, one canonical spelling per article.

Both fetching (to never queue an article twice) and extraction (to credit the original article
with a clean link) use these functions, so the same URL always gets the same spelling.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track the reader; they never change which article a URL names.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "zarsrc", "zalo_source", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src",
        "spm", "vero_id", "mkt_tok", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid",
        "cmpid", "ncid", "sr_share", "utm", "__twitter_impression", "at_medium", "at_campaign",
        "gidzl", "refer", "share",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "itm_", "ga_")
# Session identifiers some Java CMSs put in the path: ``page.html;jsessionid=ABC``.
# Some put it in the query instead: ``?id=5&_c=16;jsessionid=ABC``.
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#&;]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
SAFE_SCHEMES = ("http", "https")


def is_tracking_param(name: str) -> bool:
    """Tell whether a query parameter only tracks the reader."""
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def clean_url(url: str, base: str | None = None, *, keep_trailing_slash: bool = True) -> str:
    """Return ``url`` made absolute, with tracking parameters, session ids and fragment removed.

    Scheme and host are lower-cased and default ports dropped, so two spellings of one article
    compare equal.  Non-http(s) URLs are returned unchanged (callers decide whether to keep them).
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES:
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port and _DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = _PATH_SESSION.sub("", parts.path) or "/"
    path = quote(unquote(path), safe="/%:@!$&'()*+,;=-._~")
    if not keep_trailing_slash and len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(_PATH_SESSION.sub("", parts.query), keep_blank_values=True)
            if not is_tracking_param(k)
        ],
        doseq=True,
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def is_http_url(url: str | None) -> bool:
    """Tell whether ``url`` is an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.hostname)


def host_of(url: str | None) -> str | None:
    """Return the lower-case host of ``url`` without a leading ``www.``."""
    if not is_http_url(url):
        return None
    host = (urlsplit(url.strip()).hostname or "").lower()  # type: ignore[union-attr]
    return host.removeprefix("www.") or None


def url_key(url: str, base: str | None = None, *, trailing_slash: str = "keep") -> str:
    """Return the key under which fetching remembers a URL: :func:`clean_url`, query sorted.

    Two links to one article differ in more than tracking parameters: the order of the remaining
    query parameters, or a trailing slash on sites that serve ``/a`` and ``/a/`` alike
    (``trailing_slash = "strip"``).  The key folds those so an article is queued once.
    """
    cleaned = clean_url(url, base, keep_trailing_slash=trailing_slash != "strip")
    parts = urlsplit(cleaned)
    if parts.scheme not in SAFE_SCHEMES or not parts.query:
        return cleaned
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)), doseq=True)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
