"""The polite client against a real local server: retries, limits, and refusals."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fakesite import FakeSite

from scripts.fetch.http import FetchFailed, HostLimits, HttpSettings, PoliteClient, RobotsDisallowed


def settings(**changes) -> HttpSettings:
    base = {
        "user_agent": "ClearPressTest/1.0",
        "timeout": 0.5,
        "max_bytes": 200_000,
        "retries": 2,
        "backoff": 0.05,
        "max_backoff": 2.0,
        "allow_private": True,
    }
    return HttpSettings(**(base | changes))


@pytest.fixture
def site():
    with FakeSite(slow_seconds=1.5) as s:
        yield s


@pytest.fixture
def client():
    c = PoliteClient(settings(), limits=HostLimits(rate=100, concurrency=4))
    yield c
    c.close()


def test_article_raw_gzip_kept_for_warc_and_decoded_body(site, client):
    resp = client.get(site.url("/bai-viet/ha-noi-mua-lon.html"))
    assert resp.status == 200 and resp.content_type == "text/html"
    assert resp.header("content-encoding") == "gzip"
    assert resp.exchange.body[:2] == b"\x1f\x8b"
    assert "Hà Nội mưa lớn".encode() in resp.body
    assert ("User-Agent", "ClearPressTest/1.0") in resp.exchange.request_headers


def test_503_then_success_is_retried(site, client):
    assert client.get(site.url("/loi/503-roi-ok.html")).status == 200
    assert len(site.requests("/loi/503")) == 2


def test_429_retry_after_is_obeyed(site, client):
    started = time.monotonic()
    assert client.get(site.url("/loi/429.html")).status == 200
    hits = site.requests("/loi/429")
    assert len(hits) == 2 and hits[1][2] - hits[0][2] >= 0.95
    assert time.monotonic() - started >= 0.95


def test_retry_after_longer_than_max_backoff_gives_up(site):
    c = PoliteClient(settings(max_backoff=0.5), limits=HostLimits(rate=100))
    with pytest.raises(FetchFailed, match="Retry-After 1s exceeds max_backoff") as info:
        c.get(site.url("/loi/429.html"))
    assert info.value.retryable


@pytest.mark.parametrize(
    ("path", "reason", "tries"),
    [
        ("/loi/500.html", "HTTP 500 (after 3 tries)", 3),
        ("/loi/cham.html", "timed out after 0.5s (after 3 tries)", 3),
        ("/loi/cat-ngang.html", "incomplete response", 3),
        ("/loi/reset.html", "network error", 3),
        ("/loi/vong-lap.html", "redirect loop", 1),
        ("/loi/qua-lon.html", "body larger than 200000 bytes", 1),
        ("/loi/bom.html", "body larger than 200000 bytes", 1),
        ("/cu/ftp", "only http and https URLs are fetched", 1),
    ],
)
def test_faults_fail_with_a_reason_after_bounded_tries(site, client, path, reason, tries):
    with pytest.raises(FetchFailed, match=reason.replace("(", r"\(").replace(")", r"\)")):
        client.get(site.url(path))
    assert len(site.requests(path)) == tries


def test_non_retry_statuses_come_back_as_responses(site, client):
    assert client.get(site.url("/loi/khong-co.html")).status == 404
    assert client.get(site.url("/loi/anh.html")).content_type == "image/png"
    assert len(site.requests("/loi/khong-co")) == 1


def test_redirect_is_followed_and_reported(site, client):
    resp = client.get(site.url("/cu/gia-vang"))
    assert resp.url == site.url("/bai-viet/gia-vang-tang-manh.html")
    assert resp.redirects == (resp.url,)


def test_robots_disallow_is_honoured(site, client):
    with pytest.raises(RobotsDisallowed):
        client.get(site.url("/private/bi-mat.html"))
    assert site.requests("/private/") == []
    assert len(site.requests("/robots.txt")) == 1


def test_private_addresses_refused_by_default(site):
    c = PoliteClient(settings(allow_private=False))
    with pytest.raises(FetchFailed, match="private or local address"):
        c.get(site.url("/bai-viet/ha-noi-mua-lon.html"))
    assert site.requests() == []


def test_rate_limit_spaces_request_starts(site):
    c = PoliteClient(settings(), limits=HostLimits(rate=10, concurrency=4))
    c.limits.configure("127.0.0.1", 10, 4)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(c.get, [site.url(f"/bai-viet/x{i}.html") for i in range(8)]))
    times = sorted(t for _, _, t in site.requests())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 9  # robots.txt + 8 pages
    assert min(gaps) >= 0.1 - 0.02
