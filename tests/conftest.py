"""Shared fixtures: the fixture reading site built once per session, and a local server for it."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import pytest

from tests.sitebuild import SiteBuild, build_site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> SiteBuild:
    """Return the fixture site built with the project settings (relative URLs, as locally)."""
    return build_site(tmp_path_factory.mktemp("site") / "output")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site) -> Iterator[str]:
    """Serve the built site on 127.0.0.1 (a free port) and return its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
