"""robots.txt: fetched once per host per run, parsed with Protego, consulted before every request.

Missing (4xx) robots.txt allows everything, as the robots exclusion standard (RFC 9309) says;
an unreachable one (5xx, network error) disallows the whole host for this run, so a broken
server is not crawled blindly.  The URLs stay queued and are tried again on the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

# Fetch robots.txt: return (status, text), or None when the host could not be reached.
RobotsFetcher = Callable[[str], tuple[int, str] | None]


class RobotsCache:
    """Per-host robots.txt rules for one run; thread-safe, one fetch per host."""

    def __init__(self, fetch: RobotsFetcher, user_agent: str) -> None:
        self._fetch = fetch
        self._agent = user_agent
        self._rules: dict[str, Protego | bool] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _for(self, url: str) -> Protego | bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._rules:
                self._rules[origin] = self._load(origin + "/robots.txt")
            return self._rules[origin]

    def _load(self, robots_url: str) -> Protego | bool:
        got = self._fetch(robots_url)
        if got is None:
            return False
        status, text = got
        if 200 <= status < 300:
            return Protego.parse(text)
        return status < 500  # 4xx: no rules, allow all; 5xx: disallow for this run

    def allowed(self, url: str) -> bool:
        """Tell whether our user agent may fetch ``url``."""
        rules = self._for(url)
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, self._agent))

    def crawl_delay(self, url: str) -> float | None:
        """Return the host's Crawl-delay for our user agent, if it states one."""
        rules = self._for(url)
        if isinstance(rules, bool):
            return None
        delay = rules.crawl_delay(self._agent)
        return float(delay) if delay else None
