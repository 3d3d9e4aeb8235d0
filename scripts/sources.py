"""Load and validate ``sources.toml``: which sites to fetch, how to find their articles, how politely.

The operator writes the file once; every scheduled run and the importer read it.  It is validated
completely on load so a typo fails the run at once with one line naming the file, the key and what
is wrong (``sources.toml: source 'webkhoedep' key 'rate_limt': unknown key (did you mean
'rate_limit'?)``), instead of silently fetching with a default the operator did not mean.

Values come back as frozen dataclasses: :class:`Sources` holds :class:`Defaults` and a tuple of
:class:`Source`; each source has its :class:`Discovery` (feeds, listings, sitemaps).  Per-source
politeness keys (``rate_limit``, ``concurrency``, ``lang``, ``policy``) fall back to
``[defaults]``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import soupsieve

from scripts.models import ConfigError
from scripts.slugs import fold
from scripts.urls import host_of, is_http_url

POLICIES = ("full", "excerpt", "link")
IMAGE_POLICIES = ("localise", "hotlink", "drop")
TRAILING_SLASH = ("keep", "strip")


@dataclass(frozen=True, slots=True)
class Defaults:
    """Settings shared by every source; per-source keys of the same name override them."""

    user_agent: str = "ClearPressBot/0.1 (+https://github.com/clearpress/clearpress)"
    default_topic: str = "Tin tức"
    lang: str = "vi"
    policy: str = "full"
    rate_limit: float = 1.0  # requests per second per host
    concurrency: int = 2  # simultaneous requests per host
    timeout: float = 20.0  # seconds for one request, connect to last byte
    max_bytes: int = 5_000_000  # decoded body size limit
    max_redirects: int = 5
    retries: int = 3  # extra tries within one run for transient failures
    backoff: float = 1.0  # first retry delay in seconds, doubled each retry
    max_backoff: float = 60.0  # longest wait, including a server's Retry-After
    max_attempts: int = 3  # runs that may try one article before it is given up
    allow_private: bool = False  # allow private, loopback and link-local addresses
    warc_max_bytes: int = 100_000_000  # start a new capture file past this size
    images: str = "localise"  # localise | hotlink | drop: what happens to article images
    image_max_width: int = 1200  # kept images are scaled down to this width
    max_images: int = 40  # images fetched per article page at most


@dataclass(frozen=True, slots=True)
class Listing:
    """A listing page whose article links are picked with CSS selectors, with pagination."""

    url: str
    link_selector: str
    next_selector: str | None = None
    max_pages: int = 1


@dataclass(frozen=True, slots=True)
class Discovery:
    """Where a source's article URLs are found."""

    feeds: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    sitemaps: tuple[str, ...] = ()
    depth: int = 2  # nesting levels of sitemap indexes followed


@dataclass(frozen=True, slots=True)
class Source:
    """One site to capture articles from."""

    name: str
    home: str
    discovery: Discovery
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    topic: str | None = None
    lang: str = "vi"
    rate_limit: float = 1.0
    concurrency: int = 2
    policy: str = "full"
    trailing_slash: str = "keep"
    enabled: bool = True
    images: str = "localise"
    image_max_width: int = 1200

    @property
    def host(self) -> str:
        """Return the source's host without ``www.``."""
        return host_of(self.home) or ""

    def accepts(self, url: str) -> bool:
        """Tell whether ``url`` is an article URL of this source (allow/deny patterns).

        Without ``allow`` patterns only URLs on the home host are accepted, so a feed linking
        to other sites does not make the fetcher wander off.
        """
        if any(re.search(p, url) for p in self.deny):
            return False
        if self.allow:
            return any(re.search(p, url) for p in self.allow)
        return host_of(url) == self.host


@dataclass(frozen=True, slots=True)
class Sources:
    """Everything in ``sources.toml``."""

    path: str
    defaults: Defaults
    sources: tuple[Source, ...]
    topics: tuple[tuple[str, str], ...] = ()  # [topics]: site category → archive topic

    @property
    def default_topic(self) -> str:
        """Return the topic for captures no source claims."""
        return self.defaults.default_topic

    def source_for(self, url_or_host: str) -> Source | None:
        """Return the source a URL (or bare host) belongs to.

        Sources on the home host whose allow/deny patterns accept a full URL come first, so two
        sections of one site configured as two sources keep their own topics.
        """
        is_url = "://" in url_or_host
        host = host_of(url_or_host) if is_url else url_or_host.lower()
        host = (host or "").removeprefix("www.").split(":")[0]
        on_host = [s for s in self.sources if s.host == host]
        if is_url:
            accepting = [s for s in on_host if s.accepts(url_or_host)]
            on_host = accepting or on_host
        return on_host[0] if on_host else None

    def topic_for(self, url_or_host: str) -> str | None:
        """Return the configured topic of the source a URL or host belongs to, else ``None``.

        The importer falls back to :attr:`default_topic` when this is ``None``.
        """
        source = self.source_for(url_or_host)
        return source.topic if source else None

    def topic_alias(self, name: str) -> str:
        """Map a category a site states to the archive's topic (``[topics]``), else keep it.

        Sites name the same topic many ways ("Bệnh thường gặp", "Tin y dược"); the table lets
        the operator gather them.  Matching ignores case, tones and surrounding spaces.
        """
        wanted = _topic_key(name)
        for alias, topic in self.topics:
            if _topic_key(alias) == wanted:
                return topic
        return name

    def images_for(self, url_or_host: str) -> tuple[str, int]:
        """Return (image policy, maximum width) of the source a URL or host belongs to."""
        source = self.source_for(url_or_host)
        if source is None:
            return self.defaults.images, self.defaults.image_max_width
        return source.images, source.image_max_width

    def policy_for(self, url_or_host: str) -> str:
        """Return the publishing policy of the source a URL or host belongs to."""
        source = self.source_for(url_or_host)
        return source.policy if source else self.defaults.policy

    def selected(self, name: str | None = None) -> tuple[Source, ...]:
        """Return the enabled sources, or the one named ``name`` (enabled or not)."""
        if name is None:
            return tuple(s for s in self.sources if s.enabled)
        found = tuple(s for s in self.sources if s.name == name)
        if not found:
            names = ", ".join(s.name for s in self.sources) or "none"
            raise ConfigError(f"{self.path}: no source named {name!r} (sources: {names})")
        return found


# --- validation -------------------------------------------------------------------------------


class _Checker:
    """Read typed values out of one TOML table, naming the file and key in every error."""

    def __init__(self, path: str, where: str, table: Mapping[str, Any], known: tuple[str, ...]):
        self.path, self.where, self.table = path, where, table
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
                )
                self.fail(key, f"unknown key{hint}")

    def fail(self, key: str, what: str) -> None:
        raise ConfigError(f"{self.path}: {self.where}key {key!r}: {what}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, label: str) -> Any:
        value = self.table.get(key, default)
        if value is default:
            return value
        # TOML booleans are Python ints: never accept ``true`` where a number is expected.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"expected {label}, got {value!r}")
        return value

    def string(self, key: str, default: Any = None, choices: tuple[str, ...] = ()) -> Any:
        value = self.get(key, str, default, "a string")
        if value is not default and not value.strip():
            self.fail(key, "must not be empty")
        if choices and value not in choices:
            self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def url(self, key: str, value: Any = None) -> str:
        value = self.table.get(key) if value is None else value
        if not isinstance(value, str) or not is_http_url(value):
            self.fail(key, f"expected an absolute http(s) URL, got {value!r}")
        return str(value)

    def positive(self, key: str, default: Any, kind: type = float) -> Any:
        label = "a positive integer" if kind is int else "a positive number"
        value = self.get(key, int if kind is int else (int, float), default, label)
        if value is not default and value <= 0:
            self.fail(key, f"expected {label}, got {value!r}")
        return kind(value)

    def non_negative(self, key: str, default: Any, kind: type = float) -> Any:
        label = "an integer ≥ 0" if kind is int else "a number ≥ 0"
        value = self.get(key, int if kind is int else (int, float), default, label)
        if value < 0:
            self.fail(key, f"expected {label}, got {value!r}")
        return kind(value)

    def strings(
        self, key: str, check: Callable[[str], str | None] | None = None
    ) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"expected a list of strings, got {value!r}")
        for item in value:
            problem = check(item) if check else None
            if problem:
                self.fail(key, f"{problem}: {item!r}")
        return tuple(value)


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression ({exc})"
    return None


def _url_problem(url: str) -> str | None:
    return None if is_http_url(url) else "expected an absolute http(s) URL"


def _selector_problem(selector: str) -> str | None:
    try:
        soupsieve.compile(selector)
    except Exception as exc:  # soupsieve raises several types for bad selectors
        return f"invalid CSS selector ({str(exc).splitlines()[0]})"
    return None


def _load_defaults(path: str, table: Any) -> Defaults:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: key 'defaults': expected a table")
    base = Defaults()
    c = _Checker(path, "[defaults] ", table, tuple(f.name for f in fields(Defaults)))
    return Defaults(
        user_agent=c.string("user_agent", base.user_agent),
        default_topic=c.string("default_topic", base.default_topic),
        lang=c.string("lang", base.lang),
        policy=c.string("policy", base.policy, POLICIES),
        rate_limit=c.positive("rate_limit", base.rate_limit),
        concurrency=c.positive("concurrency", base.concurrency, int),
        timeout=c.positive("timeout", base.timeout),
        max_bytes=c.positive("max_bytes", base.max_bytes, int),
        max_redirects=c.non_negative("max_redirects", base.max_redirects, int),
        retries=c.non_negative("retries", base.retries, int),
        backoff=c.non_negative("backoff", base.backoff),
        max_backoff=c.non_negative("max_backoff", base.max_backoff),
        max_attempts=c.positive("max_attempts", base.max_attempts, int),
        allow_private=c.get("allow_private", bool, base.allow_private, "true or false"),
        warc_max_bytes=c.positive("warc_max_bytes", base.warc_max_bytes, int),
        images=c.string("images", base.images, IMAGE_POLICIES),
        image_max_width=c.positive("image_max_width", base.image_max_width, int),
        max_images=c.non_negative("max_images", base.max_images, int),
    )


_TOP_KEYS = ("defaults", "topics", "source")
_LISTING_KEYS = ("url", "link_selector", "next_selector", "max_pages")
_DISCOVERY_KEYS = ("feeds", "listings", "sitemaps", "depth")
_SOURCE_KEYS = (
    "name", "home", "discovery", "allow", "deny", "topic", "lang", "rate_limit", "concurrency",
    "policy", "trailing_slash", "enabled", "images", "image_max_width",
)  # fmt: skip


def _load_discovery(path: str, where: str, table: Any) -> Discovery:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where}key 'discovery': expected a table")
    c = _Checker(path, where + "discovery.", table, _DISCOVERY_KEYS)
    listings = []
    raw = table.get("listings", [])
    if not isinstance(raw, list):
        c.fail("listings", "expected a list of tables")
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            c.fail("listings", f"item {i + 1} is not a table")
        lc = _Checker(path, f"{where}discovery.listings[{i + 1}] ", item, _LISTING_KEYS)
        selector = lc.string("link_selector")
        if selector is None:
            lc.fail("link_selector", "missing (CSS selector of article links)")
        next_selector = lc.string("next_selector")
        for key, sel in (("link_selector", selector), ("next_selector", next_selector)):
            problem = sel and _selector_problem(sel)
            if problem:
                lc.fail(key, problem)
        listings.append(
            Listing(
                url=lc.url("url"),
                link_selector=selector,
                next_selector=next_selector,
                max_pages=lc.positive("max_pages", 1, int),
            )
        )
    depth = c.non_negative("depth", 2, int)
    return Discovery(
        feeds=c.strings("feeds", _url_problem),
        listings=tuple(listings),
        sitemaps=c.strings("sitemaps", _url_problem),
        depth=depth,
    )


def _load_source(path: str, index: int, table: Any, defaults: Defaults) -> Source:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: source[{index}]: expected a table")
    label = table.get("name") if isinstance(table.get("name"), str) else f"#{index}"
    c = _Checker(path, f"source {label!r} ", table, _SOURCE_KEYS)
    name = c.string("name")
    if name is None:
        c.fail("name", "missing (every [[source]] needs a unique name)")
    discovery = _load_discovery(path, f"source {label!r} ", table.get("discovery", {}))
    if not (discovery.feeds or discovery.listings or discovery.sitemaps):
        c.fail("discovery", "needs at least one of feeds, listings or sitemaps")
    return Source(
        name=name,
        home=c.url("home"),
        discovery=discovery,
        allow=c.strings("allow", _regex_problem),
        deny=c.strings("deny", _regex_problem),
        topic=c.string("topic"),
        lang=c.string("lang", defaults.lang),
        rate_limit=c.positive("rate_limit", defaults.rate_limit),
        concurrency=c.positive("concurrency", defaults.concurrency, int),
        policy=c.string("policy", defaults.policy, POLICIES),
        trailing_slash=c.string("trailing_slash", "keep", TRAILING_SLASH),
        enabled=c.get("enabled", bool, True, "true or false"),
        images=c.string("images", defaults.images, IMAGE_POLICIES),
        image_max_width=c.positive("image_max_width", defaults.image_max_width, int),
    )


def parse_sources(text: str, path: str = "sources.toml") -> Sources:
    """Validate the text of a sources file; ``path`` is only used in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    for key in data:
        if key not in _TOP_KEYS:
            close = difflib.get_close_matches(key, _TOP_KEYS, n=1)
            hint = (
                f" (did you mean {close[0]!r}?)"
                if close
                else " (expected [defaults], [topics], [[source]])"
            )
            raise ConfigError(f"{path}: key {key!r}: unknown top-level key{hint}")
    topics = data.get("topics", {})
    if not isinstance(topics, dict) or not all(
        isinstance(v, str) and v.strip() for v in topics.values()
    ):
        raise ConfigError(
            f"{path}: key 'topics': write one 'Site category' = \"Topic\" line per alias"
        )
    defaults = _load_defaults(path, data.get("defaults", {}))
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{path}: key 'source': write each source as a [[source]] table")
    sources = tuple(_load_source(path, i + 1, t, defaults) for i, t in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"{path}: source {source.name!r} key 'name': defined twice")
        seen.add(source.name)
    aliases = tuple((str(k), str(v).strip()) for k, v in topics.items())
    return Sources(path=path, defaults=defaults, sources=sources, topics=aliases)


def _topic_key(name: str) -> str:
    return fold(" ".join(name.split())).lower()


def load_sources(path: str | Path = "sources.toml") -> Sources:
    """Read and validate a sources file; raise :class:`ConfigError` with one line on a problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_sources(text, str(path))
