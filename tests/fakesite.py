"""A small fake Vietnamese news site on a real HTTP server (127.0.0.1, ephemeral port).

The fetch tests talk to it over real sockets, so retries, timeouts, truncated bodies and
connection resets are the real thing rather than mocks.  It serves:

- articles ``/bai-viet/<slug>.html`` (gzip-encoded when the client accepts it) full of the clutter
  real republishers add (ads, hotline lines, related lists);
- ``/rss/trang-chu.rss`` (RSS), ``/atom.xml`` (Atom), ``/chuyen-muc/suc-khoe/`` (a listing with
  three pages), ``/sitemap_index.xml`` (an index of a news sitemap and a plain sitemap), all
  answering conditional GETs with 304;
- ``/robots.txt`` disallowing ``/private/``;
- fault routes under ``/loi/`` (see :data:`FAULTS`) and a broken feed ``/rss/hong.rss``.

Every request is logged with its Host header, path and arrival time so tests can check the rate
limit from the server's side.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ARTICLES = {
    "ha-noi-mua-lon": ("Hà Nội mưa lớn, nhiều tuyến phố ngập sâu", "Thời sự"),
    "gia-vang-tang-manh": ("Giá vàng tăng mạnh trong phiên sáng nay", "Kinh tế"),
    "an-uong-mua-he": ("Ăn uống thế nào cho khỏe trong mùa hè nóng bức", "Sức khỏe"),
    "ngu-du-giac": ("Ngủ đủ giấc giúp tăng cường miễn dịch", "Sức khỏe"),
    "tap-the-duc-buoi-sang": ("Tập thể dục buổi sáng: lợi ích và lưu ý", "Sức khỏe"),
    "rau-xanh-moi-ngay": ("Vì sao nên ăn rau xanh mỗi ngày?", "Sức khỏe"),
    "uong-nuoc-dung-cach": ("Uống nước đúng cách để bảo vệ thận", "Sức khỏe"),
    "da-nang-don-khach": ("Đà Nẵng đón lượng khách kỷ lục dịp lễ", "Du lịch"),
}
# Each article's own paragraphs: long enough to be published rather than held as a draft, and
# different enough that near-duplicate detection keeps the articles apart.
STORIES = {
    "ha-noi-mua-lon": (
        "Cơn mưa kéo dài từ chiều tối khiến nhiều tuyến phố nội thành như Nguyễn Khuyến, Phan "
        "Bội Châu và Trần Phú ngập sâu từ 30 đến 50 cm, xe máy chết máy hàng loạt.",
        "Công ty thoát nước đã huy động hơn 400 công nhân trực tại các điểm úng ngập, vận hành "
        "trạm bơm Yên Sở hết công suất để hạ mực nước sông Tô Lịch.",
        "Trung tâm dự báo cho biết mưa còn kéo dài đến cuối tuần, lượng mưa phổ biến 50–100 mm.",
    ),
    "gia-vang-tang-manh": (
        "Giá vàng miếng trong nước mở cửa phiên sáng tăng thêm 800.000 đồng mỗi lượng ở chiều "
        "mua vào, theo đà đi lên của giá vàng thế giới sau số liệu lạm phát của Mỹ.",
        "Chênh lệch giữa giá mua và giá bán được các doanh nghiệp nới rộng lên hai triệu đồng, "
        "người mua lướt sóng có nguy cơ lỗ nếu bán lại ngay trong ngày.",
        "Các chuyên gia khuyên nhà đầu tư cá nhân không nên dồn toàn bộ tiền nhàn rỗi vào vàng.",
    ),
    "an-uong-mua-he": (
        "Mùa hè cơ thể mất nhiều nước và điện giải qua mồ hôi, vì vậy bữa ăn nên có canh rau, "
        "trái cây mọng nước như dưa hấu, cam, bưởi và hạn chế đồ chiên rán nhiều dầu mỡ.",
        "Thức ăn để ngoài trời nắng nóng dễ ôi thiu; nên nấu vừa đủ ăn, bảo quản đồ thừa trong "
        "tủ lạnh và đun sôi lại trước khi dùng.",
        "Không nên uống nước đá ngay khi vừa đi nắng về vì dễ gây viêm họng.",
    ),
    "ngu-du-giac": (
        "Người trưởng thành cần ngủ từ bảy đến chín tiếng mỗi đêm; thiếu ngủ kéo dài làm giảm "
        "số lượng tế bào lympho T, khiến cơ thể dễ nhiễm cúm và cảm lạnh hơn.",
        "Để ngủ ngon, nên tắt điện thoại trước giờ ngủ một tiếng, giữ phòng tối và mát, tránh "
        "cà phê và trà đặc sau ba giờ chiều.",
        "Một giấc ngủ trưa ngắn khoảng hai mươi phút giúp tỉnh táo mà không ảnh hưởng giấc đêm.",
    ),
    "tap-the-duc-buoi-sang": (
        "Ba mươi phút đi bộ nhanh hoặc đạp xe vào buổi sáng giúp tim mạch khỏe hơn, cải thiện "
        "đường huyết và tinh thần sảng khoái cho cả ngày làm việc.",
        "Người cao tuổi nên khởi động kỹ các khớp gối, cổ chân trước khi tập và tránh tập khi "
        "trời còn quá lạnh hoặc sương mù dày.",
        "Uống một cốc nước ấm trước khi tập và không tập ngay sau khi ăn no.",
    ),
    "rau-xanh-moi-ngay": (
        "Rau xanh cung cấp chất xơ, vitamin C, axit folic và nhiều khoáng chất; người lớn nên "
        "ăn khoảng 400 gam rau và trái cây mỗi ngày theo khuyến nghị dinh dưỡng.",
        "Chất xơ giúp tiêu hóa đều đặn, giảm hấp thu cholesterol và tạo cảm giác no lâu, hỗ trợ "
        "kiểm soát cân nặng ở người thừa cân.",
        "Nên rửa rau dưới vòi nước chảy và ngâm nước muối loãng để loại bỏ bụi bẩn, trứng giun.",
    ),
    "uong-nuoc-dung-cach": (
        "Thận lọc khoảng 180 lít máu mỗi ngày và cần đủ nước để đào thải chất cặn; uống quá ít "
        "nước làm tăng nguy cơ sỏi thận và nhiễm trùng đường tiết niệu.",
        "Nên chia đều lượng nước trong ngày, uống từng ngụm nhỏ, không đợi khát mới uống và "
        "không uống dồn một lượng lớn trước khi đi ngủ.",
        "Người bệnh suy thận cần hỏi bác sĩ về lượng nước phù hợp thay vì tự uống thật nhiều.",
    ),
    "da-nang-don-khach": (
        "Trong bốn ngày nghỉ lễ, Đà Nẵng đón hơn 350.000 lượt khách, tăng 20% so với cùng kỳ, "
        "công suất phòng khách sạn ven biển Mỹ Khê đạt trên 90%.",
        "Cầu Rồng phun lửa, phun nước vào tối thứ bảy và chủ nhật thu hút hàng nghìn người xem, "
        "lực lượng chức năng phân luồng giao thông quanh khu vực hai đầu cầu.",
        "Sở Du lịch thành phố lập đường dây nóng tiếp nhận phản ánh của du khách về giá dịch vụ.",
    ),
}
# Article slugs reached only through the sitemap index (news sitemap and plain sitemap).
SITEMAP_ONLY = ("uong-nuoc-dung-cach", "da-nang-don-khach")
LISTING_PAGES = (
    ("an-uong-mua-he", "ngu-du-giac"),
    ("tap-the-duc-buoi-sang",),
    ("rau-xanh-moi-ngay",),
)
# Fault route -> what it does; each is linked from the fault sitemap.
FAULTS = {
    "/loi/500.html": "always HTTP 500",
    "/loi/503-roi-ok.html": "HTTP 503 once, then the article",
    "/loi/429.html": "HTTP 429 with Retry-After: 1 once, then the article",
    "/loi/cham.html": "answers after slow_seconds (past the client timeout)",
    "/loi/cat-ngang.html": "Content-Length larger than the body sent",
    "/loi/reset.html": "connection reset without an answer",
    "/loi/vong-lap.html": "redirect loop with /loi/vong-lap-2.html",
    "/loi/qua-lon.html": "body of big_bytes bytes",
    "/loi/bom.html": "gzip bomb: 40 KB that inflate to 40 MB",
    "/loi/anh.html": "image/png where an article is expected",
    "/loi/khong-co.html": "HTTP 404",
}
# Fault routes whose article is captured in the end (after a retry).
FAULTS_RECOVERING = ("/loi/503-roi-ok.html", "/loi/429.html")
LAST_MODIFIED = "Sat, 28 Nov 2026 01:00:00 GMT"
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def _picture(slug: str) -> bytes:
    """Return a small JPEG whose colour depends on ``slug`` (made here, never downloaded)."""
    import io
    import zlib

    from PIL import Image

    value = zlib.crc32(slug.encode())
    colour = (value & 255, value >> 8 & 255, value >> 16 & 255)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def article_html(slug: str, title: str, section: str) -> bytes:
    """Return an article page with the clutter a republisher wraps around it."""
    body = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title} - Web Khỏe Đẹp</title>
<link rel="canonical" href="/bai-viet/{slug}.html"></head>
<body><div class="ads">QUẢNG CÁO — Mua ngay máy lọc nước giảm 50%</div>
<div class="hotline-ad">Hotline tư vấn: 0909 123 456 (miễn phí)</div>
<div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/chuyen-muc/">{section}</a></div>
<h1 class="detail-title">{title}</h1>
<span class="detail-time">28/11/2026 08:00</span>
<div class="detail-sapo">Bài viết về {title.lower()}.</div>
<div class="detail-content">
<p>Theo các chuyên gia, {title.lower()} là chủ đề được nhiều người quan tâm.</p>
<figure><img src="/anh/{slug}.jpg" alt="{title}"><figcaption>Ảnh minh họa</figcaption></figure>
<img src="/px.gif?id={slug}" width="1" height="1" alt="">
<p>Người dân được khuyến cáo theo dõi thông tin chính thức.</p>
{"".join(f"<p>{paragraph}</p>" for paragraph in STORIES.get(slug, ()))}
</div>
<p class="source-credit">Nguồn: hanoi.gov.vn</p>
<div class="box-tinlienquan"><a href="/bai-viet/ha-noi-mua-lon.html">Tin liên quan</a></div>
<div class="comments">Bình luận (0)</div></body></html>"""
    return body.encode("utf-8")


def _rss(base: str) -> bytes:
    items = [
        f"{base}/bai-viet/ha-noi-mua-lon.html?utm_source=rss&utm_medium=feed",
        f"{base}/bai-viet/gia-vang-tang-manh.html#binh-luan",
        f"{base}/cu/gia-vang",  # redirects to gia-vang-tang-manh
        f"{base}/private/bi-mat.html",  # disallowed by robots.txt
        "https://example.invalid/bai-khac.html",  # another site: not accepted
    ]
    entries = "".join(
        f"<item><title>Tin {i}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Sat, 28 Nov 2026 0{i}:00:00 +0700</pubDate></item>"
        for i, link in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Web Khỏe Đẹp</title><link>{base}/</link><description>Tin mới</description>"
        f"{entries}</channel></rss>"
    ).encode()


def _atom(base: str) -> bytes:
    slugs = ("gia-vang-tang-manh", "an-uong-mua-he")
    entries = "".join(
        f'<entry><title>{ARTICLES[s][0]}</title><link rel="alternate" '
        f'href="{base}/bai-viet/{s}.html"/><id>urn:{s}</id>'
        f"<updated>2026-11-28T08:00:00+07:00</updated></entry>"
        for s in slugs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Web Khỏe Đẹp</title><id>urn:wkd</id><updated>2026-11-28T08:00:00+07:00</updated>"
        f"{entries}</feed>"
    ).encode()


def _listing(page: int) -> bytes:
    links = "".join(
        f'<h3 class="title"><a href="/bai-viet/{s}.html">{ARTICLES[s][0]}</a></h3>'
        for s in LISTING_PAGES[page - 1]
    )
    nxt = f'<a class="next" href="?trang={page + 1}">Trang sau</a>' if page < 3 else ""
    return (
        f'<html><body><div class="ads">QC</div><a href="/lien-he">Liên hệ</a>{links}{nxt}'
        "</body></html>"
    ).encode()


def _urlset(base: str, paths: list[str], news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    extra = (
        "<news:news><news:publication><news:name>WKD</news:name><news:language>vi"
        "</news:language></news:publication><news:title>Tin</news:title></news:news>"
        if news
        else ""
    )
    urls = "".join(f"<url><loc>{base}{p}</loc>{extra}</url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{urls}</urlset>'
    ).encode()


def _index(base: str, children: list[str]) -> bytes:
    maps = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    ).encode()


@dataclass
class SiteState:
    """Counters and the request log shared by the handler threads."""

    slow_seconds: float = 2.0
    big_bytes: int = 400_000
    log: list[tuple[str, str, float]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    bomb: bytes = b""

    def hit(self, host: str, path: str) -> int:
        with self.lock:
            self.log.append((host, path, time.monotonic()))
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeSiteServer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet; the site keeps its own request log."""

    def _send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "gzip" in self.headers.get("Accept-Encoding", "") and body and status == 200:
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _conditional(self, body: bytes, ctype: str) -> None:
        """Serve a feed, listing or sitemap with ETag/Last-Modified and 304 support."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag or (
            self.headers.get("If-Modified-Since") == LAST_MODIFIED
            and not self.headers.get("If-None-Match")
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, body, ctype, {"ETag": etag, "Last-Modified": LAST_MODIFIED})

    def do_GET(self) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        count = site.hit(self.headers.get("Host", ""), self.path)
        base = f"http://{self.headers.get('Host', '127.0.0.1')}"
        xml = "application/xml"
        if path == "/robots.txt":
            self._send(200, ROBOTS.encode(), "text/plain")
        elif path == "/rss/trang-chu.rss":
            self._conditional(_rss(base), "application/rss+xml")
        elif path == "/rss/hong.rss":
            self._send(200, b"<html><body>Lo\xe1\xbb\x97i 500 <b>", "application/rss+xml")
        elif path == "/atom.xml":
            self._conditional(_atom(base), "application/atom+xml")
        elif path == "/chuyen-muc/suc-khoe/":
            page = int(query.removeprefix("trang=")) if query.startswith("trang=") else 1
            self._conditional(_listing(min(max(page, 1), 3)), "text/html; charset=utf-8")
        elif path == "/sitemap_index.xml":
            self._conditional(_index(base, ["/sitemap-news.xml", "/sitemap-pages.xml"]), xml)
        elif path == "/sitemap-news.xml":
            self._conditional(_urlset(base, ["/bai-viet/uong-nuoc-dung-cach.html"], True), xml)
        elif path == "/sitemap-pages.xml":
            paths = ["/bai-viet/da-nang-don-khach.html", "/bai-viet/ha-noi-mua-lon.html"]
            self._conditional(_urlset(base, paths), xml)
        elif path == "/sitemap-loi.xml":
            self._conditional(_urlset(base, list(FAULTS)), xml)
        elif path.startswith("/bai-viet/") and path.endswith(".html"):
            slug = path.removeprefix("/bai-viet/").removesuffix(".html")
            if slug in ARTICLES:
                self._send(200, article_html(slug, *ARTICLES[slug]))
            else:
                self._send(404, b"Not found")
        elif path.startswith("/anh/") and path.endswith(".jpg"):
            slug = path.removeprefix("/anh/").removesuffix(".jpg")
            if slug in ARTICLES:
                self._send(200, _picture(slug), "image/jpeg")
            else:
                self._send(404, b"Not found")
        elif path == "/cu/gia-vang":
            self._send(301, b"", headers={"Location": "/bai-viet/gia-vang-tang-manh.html"})
        elif path == "/cu/ngu-du-giac":
            self._send(301, b"", headers={"Location": "/bai-viet/ngu-du-giac.html"})
        elif path == "/rss/chuyen-huong.rss":  # an old address listed before the article itself
            links = ["/cu/ngu-du-giac", "/bai-viet/ngu-du-giac.html"]
            items = "".join(f"<item><link>{base}{x}</link></item>" for x in links)
            self._send(
                200, f"<rss><channel>{items}</channel></rss>".encode(), "application/rss+xml"
            )
        elif path == "/cu/ftp":
            self._send(302, b"", headers={"Location": "ftp://127.0.0.1/bai.html"})
        elif path.startswith("/private/"):
            self._send(200, article_html("bi-mat", "Bí mật", "Nội bộ"))
        elif path.startswith("/loi/"):
            self._fault(path, count)
        else:
            self._send(404, b"Not found")

    def _fault(self, path: str, count: int) -> None:
        site = self.server.site
        page = article_html("loi", "Bài viết sau lỗi", "Thời sự")
        if path == "/loi/500.html":
            self._send(500, b"Internal Server Error")
        elif path == "/loi/503-roi-ok.html":
            if count == 1:
                self._send(503, b"Busy")
            else:
                self._send(200, page)
        elif path == "/loi/429.html":
            if count == 1:
                self._send(429, b"Slow down", headers={"Retry-After": "1"})
            else:
                self._send(200, page)
        elif path == "/loi/cham.html":
            time.sleep(site.slow_seconds)
            self._send(200, page)
        elif path == "/loi/cat-ngang.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(page[:200])
            self.wfile.flush()
            self.close_connection = True
        elif path == "/loi/reset.html":
            linger = struct.pack("ii", 1, 0)  # close with RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.close_connection = True
            self.connection.close()
        elif path == "/loi/vong-lap.html":
            self._send(302, b"", headers={"Location": "/loi/vong-lap-2.html"})
        elif path == "/loi/vong-lap-2.html":
            self._send(302, b"", headers={"Location": "/loi/vong-lap.html"})
        elif path == "/loi/qua-lon.html":
            self._send(200, b"<p>" + b"x" * site.big_bytes + b"</p>", "text/html")
        elif path == "/loi/bom.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(site.bomb)))
            self.end_headers()
            self.wfile.write(site.bomb)
        elif path == "/loi/anh.html":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
        else:
            self._send(404, b"Not found")


class FakeSiteServer(ThreadingHTTPServer):
    """The threaded server; ``site`` holds its counters and request log."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, site: SiteState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore errors from connections the fault routes broke on purpose."""


_BOMB: bytes | None = None


def _bomb() -> bytes:
    global _BOMB
    if _BOMB is None:
        _BOMB = gzip.compress(b"<p>" + b"\0" * 40_000_000, compresslevel=9, mtime=0)
    return _BOMB


class FakeSite:
    """Start the server in a background thread; use as a context manager."""

    def __init__(self, *, slow_seconds: float = 2.0, big_bytes: int = 400_000) -> None:
        self.state = SiteState(slow_seconds=slow_seconds, big_bytes=big_bytes, bomb=_bomb())
        self.server = FakeSiteServer(self.state)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on this site."""
        return self.base + path

    def requests(self, prefix: str = "") -> list[tuple[str, str, float]]:
        """Return the logged (host, path, time) of requests whose path starts with ``prefix``."""
        with self.state.lock:
            return [r for r in self.state.log if r[1].startswith(prefix)]

    def article_urls(self) -> set[str]:
        """Return the URL of every article reachable through the regular discovery routes."""
        return {self.url(f"/bai-viet/{s}.html") for s in ARTICLES}


TEST_DEFAULTS = """
[defaults]
user_agent = "ClearPressTest/1.0"
default_topic = "Tin tức"
allow_private = true
rate_limit = {rate}
concurrency = 4
timeout = 0.5
max_bytes = 200000
retries = 2
backoff = 0.05
max_backoff = 2
"""


def sources_toml(site: FakeSite, *, rate: float = 50, faults: bool = False, extra: str = "") -> str:
    """Return a sources.toml for the fake site (fault sitemap optional) plus ``extra`` text."""
    sitemaps = [site.url("/sitemap_index.xml")]
    if faults:
        sitemaps.append(site.url("/sitemap-loi.xml"))
    sitemap_list = ", ".join(f'"{u}"' for u in sitemaps)
    return (
        TEST_DEFAULTS.format(rate=rate)
        + f"""
[[source]]
name = "khoedep"
home = "{site.base}/"
topic = "Sức khỏe"
allow = ['/bai-viet/', '/loi/', '/private/', '/cu/']

[source.discovery]
feeds = ["{site.url("/rss/trang-chu.rss")}", "{site.url("/atom.xml")}"]
sitemaps = [{sitemap_list}]
depth = 1

[[source.discovery.listings]]
url = "{site.url("/chuyen-muc/suc-khoe/")}"
link_selector = "h3.title a"
next_selector = "a.next"
max_pages = 5
"""
        + extra
    )
