"""The polite HTTP client: every request the fetcher makes goes through :class:`PoliteClient`.

What it guarantees, and why:

- **Only http/https, only public addresses.**  Each hop of a redirect chain is checked again, so
  a feed cannot redirect the fetcher to ``file:`` or to a service on the runner's private
  network.  Private, loopback and link-local addresses are refused unless ``allow_private`` is
  set (the tests set it for 127.0.0.1).  The host is resolved just before the request; a DNS
  answer that changes between check and connect is not defended against.
- **robots.txt honoured** on every hop, and its Crawl-delay slows the host down further.
- **Per-host rate and concurrency**: :class:`HostLimits` spaces request *starts* on one host by
  ``1 / rate_limit`` seconds (retries, redirects and robots.txt included) and lets at most
  ``concurrency`` requests run at once.
- **Bounded work per request**: ``timeout`` covers one request from connect to last byte; the body
  is streamed raw and decoded incrementally with a capped output, so ``max_bytes`` limits the
  *decoded* size and a gzip bomb costs at most ``max_bytes`` of memory.
- **Bounded retries** for transient failures (network errors, timeouts, truncated bodies, 429,
  500, 502, 503, 504) with doubling backoff; a Retry-After header is obeyed (and pushes back every
  other request to that host) unless it asks for more than ``max_backoff``.

The raw bytes as received (still gzip-encoded if the server sent them so) are kept in
:attr:`Response.exchange` for the WARC file; :attr:`Response.body` is the decoded entity.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from scripts.fetch.robots import RobotsCache
from scripts.models import FetchError
from scripts.sources import Defaults
from scripts.urls import SAFE_SCHEMES
from scripts.warc import Exchange

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class FetchFailed(FetchError):
    """A request failed; ``retryable`` tells whether a later run may succeed."""

    def __init__(self, url: str, reason: str, *, retryable: bool) -> None:
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.retryable = url, reason, retryable


class RobotsDisallowed(FetchFailed):
    """robots.txt forbids the URL for our user agent."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "disallowed by robots.txt", retryable=False)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Limits of the polite client (from ``[defaults]`` in sources.toml)."""

    user_agent: str
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 60.0
    allow_private: bool = False

    @classmethod
    def from_defaults(cls, d: Defaults) -> HttpSettings:
        """Take the client's settings from ``[defaults]``."""
        return cls(
            user_agent=d.user_agent,
            timeout=d.timeout,
            max_bytes=d.max_bytes,
            max_redirects=d.max_redirects,
            retries=d.retries,
            backoff=d.backoff,
            max_backoff=d.max_backoff,
            allow_private=d.allow_private,
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A completed response: final URL, status, decoded body and the raw exchange for WARC."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    exchange: Exchange
    redirects: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        """Return the first header called ``name`` (case-insensitive)."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    @property
    def content_type(self) -> str:
        """Return the media type without parameters, lower-case."""
        return (self.header("content-type") or "").split(";")[0].strip().lower()


class HostLimits:
    """Per-host request spacing and concurrency, shared by all worker threads."""

    def __init__(self, rate: float = 1.0, concurrency: int = 2) -> None:
        self._default = (rate, concurrency)
        self._rate: dict[str, float] = {}
        self._conc: dict[str, int] = {}
        self._sems: dict[str, threading.BoundedSemaphore] = {}
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def configure(self, host: str, rate: float, concurrency: int) -> None:
        """Set a host's limits; when sources share a host the strictest limits win."""
        with self._lock:
            self._rate[host] = min(rate, self._rate.get(host, rate))
            self._conc[host] = min(concurrency, self._conc.get(host, concurrency))

    def slow_down(self, host: str, delay: float) -> None:
        """Honour a Crawl-delay: never more than one request per ``delay`` seconds."""
        with self._lock:
            self._rate[host] = min(1.0 / delay, self._rate.get(host, self._default[0]))

    def defer(self, host: str, seconds: float) -> None:
        """Start no request to ``host`` for ``seconds`` (a Retry-After)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of the host's concurrency slots and wait for its next start time."""
        with self._lock:
            sem = self._sems.get(host)
            if sem is None:
                sem = threading.BoundedSemaphore(self._conc.get(host, self._default[1]))
                self._sems[host] = sem
        with sem:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next.get(host, 0.0))
                self._next[host] = start + 1.0 / self._rate.get(host, self._default[0])
            if start > now:
                time.sleep(start - now)
            yield


class _Transient(Exception):
    """A failure worth retrying (network, timeout, truncated body)."""


def _is_public(host: str, port: int) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return True  # unresolvable: let the request fail with a clear network error
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            return False
    return True


class _Decoder:
    """Undo Content-Encoding incrementally, refusing to produce more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.limit, self.url, self.size = limit, url, 0
        self.parts: list[bytes] = []
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self._z = None
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchFailed(url, f"unsupported content-encoding {enc!r}", retryable=False)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchFailed(self.url, f"body larger than {self.limit} bytes", retryable=False)
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self._add(chunk)
            return
        try:
            data = self._z.decompress(chunk, self.limit - self.size + 1)
            self._add(data)
            while self._z.unconsumed_tail:
                self._add(self._z.decompress(self._z.unconsumed_tail, self.limit - self.size + 1))
        except zlib.error as exc:
            raise FetchFailed(
                self.url, f"corrupt compressed body ({exc})", retryable=True
            ) from None

    def result(self) -> bytes:
        return b"".join(self.parts)


def retry_after(value: str | None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class PoliteClient:
    """Fetch URLs within the limits described in the module docstring; thread-safe."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        limits: HostLimits | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.limits = limits or HostLimits()
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )
        self.robots = RobotsCache(self._fetch_robots, settings.user_agent)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _fetch_robots(self, url: str) -> tuple[int, str] | None:
        try:
            resp = self._follow(url, {}, check_robots=False)
        except (FetchFailed, _Transient):
            return None
        return resp.status, resp.body.decode("utf-8", "replace")

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` with retries; return any final status, raise :class:`FetchFailed`."""
        s = self.settings
        for attempt in range(s.retries + 1):
            last = attempt == s.retries
            try:
                resp = self._follow(url, headers or {}, check_robots=True)
            except _Transient as exc:
                if last:
                    reason = f"{exc} (after {attempt + 1} tries)"
                    raise FetchFailed(url, reason, retryable=True) from None
                time.sleep(min(s.max_backoff, s.backoff * 2**attempt))
                continue
            if resp.status not in RETRY_STATUSES:
                return resp
            wait = retry_after(resp.header("retry-after"))
            if wait is not None and wait > s.max_backoff:
                reason = f"HTTP {resp.status}, Retry-After {wait:.0f}s exceeds max_backoff"
                raise FetchFailed(url, reason, retryable=True)
            if last:
                reason = f"HTTP {resp.status} (after {attempt + 1} tries)"
                raise FetchFailed(url, reason, retryable=True)
            wait = min(s.max_backoff, s.backoff * 2**attempt) if wait is None else wait
            self.limits.defer(_host(resp.url), wait)
            time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _follow(self, url: str, headers: dict[str, str], *, check_robots: bool) -> Response:
        """Follow redirects by hand so every hop is checked like the first."""
        seen: list[str] = []
        current = url
        for _ in range(self.settings.max_redirects + 1):
            self._check(current, check_robots)
            seen.append(current)
            resp = self._once(current, headers)
            location = resp.header("location")
            if resp.status not in REDIRECT_STATUSES or not location:
                return Response(resp.url, resp.status, resp.headers, resp.body, resp.exchange,
                                tuple(seen[1:]))  # fmt: skip
            current = urljoin(current, location.strip())
            if current in seen:
                raise FetchFailed(url, f"redirect loop via {current}", retryable=False)
        raise FetchFailed(
            url, f"more than {self.settings.max_redirects} redirects", retryable=False
        )

    def _check(self, url: str, check_robots: bool) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise FetchFailed(url, "malformed URL", retryable=False) from None
        if parts.scheme.lower() not in SAFE_SCHEMES or not parts.hostname:
            raise FetchFailed(url, "only http and https URLs are fetched", retryable=False)
        default_port = 443 if parts.scheme.lower() == "https" else 80
        if not self.settings.allow_private and not _is_public(parts.hostname, port or default_port):
            raise FetchFailed(url, "refused: private or local address", retryable=False)
        if check_robots:
            if not self.robots.allowed(url):
                raise RobotsDisallowed(url)
            delay = self.robots.crawl_delay(url)
            if delay:
                self.limits.slow_down(_host(url), delay)

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        """Make one request within the host's limits and read the body within ``max_bytes``."""
        s = self.settings
        with self.limits.slot(_host(url)):
            started = time.monotonic()
            fetched_at = datetime.now(UTC)
            try:
                with self._client.stream("GET", url, headers=headers) as r:
                    encoding = r.headers.get("content-encoding", "")
                    decoder = _Decoder(encoding, s.max_bytes, url)
                    raw: list[bytes] = []
                    raw_size = 0
                    for chunk in r.iter_raw(_CHUNK):
                        raw_size += len(chunk)
                        if raw_size > s.max_bytes:
                            reason = f"body larger than {s.max_bytes} bytes"
                            raise FetchFailed(url, reason, retryable=False)
                        raw.append(chunk)
                        decoder.feed(chunk)
                        if time.monotonic() - started > s.timeout:
                            raise _Transient(f"timed out after {s.timeout:g}s")
                    peer = _peer_ip(r)
            except httpx.TimeoutException:
                raise _Transient(f"timed out after {s.timeout:g}s") from None
            except httpx.RemoteProtocolError as exc:
                raise _Transient(f"incomplete response ({exc})") from None
            except (httpx.NetworkError, httpx.ProtocolError) as exc:
                raise _Transient(f"network error ({exc or type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise FetchFailed(url, f"request failed ({exc})", retryable=False) from None
        resp_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in r.headers.raw)
        req = r.request
        exchange = Exchange(
            url=url,
            method=req.method,
            request_target=req.url.raw_path.decode("ascii"),
            request_headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw
            ),
            http_version=r.http_version,
            status=r.status_code,
            reason=r.reason_phrase,
            headers=resp_headers,
            body=b"".join(raw),
            fetched_at=fetched_at,
            peer_ip=peer,
        )
        return Response(url, r.status_code, resp_headers, decoder.result(), exchange)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _peer_ip(r: httpx.Response) -> str | None:
    stream = r.extensions.get("network_stream")
    try:
        addr = stream.get_extra_info("server_addr") if stream is not None else None
    except Exception:  # transports differ; the address is a nicety for the WARC record
        return None
    return str(addr[0]) if addr else None
