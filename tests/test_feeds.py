"""The topic_feeds plugin, tested through real Pelican builds of a small Vietnamese site.

The fixture site (plugins/topic_feeds/test_data/) has two topics, two sources, a draft, a story
republished twice (same original URL), a story copied without any URL (same text), a date Pelican
rejects, a date the plugin must repair, an article without provenance, and - written at test time
- a 400 KB article with control characters.  Every feed is parsed back with feedparser, Atom is
validated against the RFC 4287 RELAX NG schema (converted with trang), JSON Feed against our JSON
Schema, and RSS against the rules parsers forgive.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import jsonschema
import pelican
import pytest
from lxml import etree, html
from pelican import Pelican
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
TEST_DATA = PLUGINS / "topic_feeds" / "test_data"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
SIMPLE_THEME = Path(pelican.__file__).resolve().parent / "themes" / "simple"
SITEURL = "https://example.github.io/clearpress"  # a project sub-path, the GitHub Pages default
OTHER_SITEURL = "https://tin.clearpress.example"  # the same site moved to a custom domain
POLICIES = {"hanoi.gov.vn": "excerpt"}

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    "atom": ATOM,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
FEEDS = [
    "feeds/all",
    "feeds/topics/suc-khoe",
    "feeds/topics/thoi-su",
    "feeds/sources/hanoi-gov-vn",
    "feeds/sources/suckhoedoisong-vn",
]
RSS_FILES = [f"{name}.rss.xml" for name in FEEDS]
ATOM_FILES = [f"{name}.atom.xml" for name in FEEDS]
JSON_FILES = [f"{name}.json" for name in FEEDS]


@dataclass(frozen=True)
class Expected:
    """What one article must look like in the feeds of the main build."""

    path: str  # URL path under SITEURL
    topic: str
    source: str | None
    policy: str
    published: str
    updated: str


EXPECTED = {
    "an-rau-xanh-mua-dong": Expected(
        "suc-khoe/2024/an-rau-xanh-mua-dong.html",
        "suc-khoe",
        "suckhoedoisong-vn",
        "full",
        "2024-11-05T08:30:00+07:00",
        "2024-11-06T09:15:00+07:00",
    ),
    "ngu-du-giac": Expected(
        "suc-khoe/2024/ngu-du-giac.html",
        "suc-khoe",
        "hanoi-gov-vn",
        "excerpt",
        "2024-11-10T07:00:00+07:00",
        "2024-11-10T07:00:00+07:00",
    ),
    "lich-tiem-chung": Expected(
        "thoi-su/2024/lich-tiem-chung.html",
        "thoi-su",
        "hanoi-gov-vn",
        "excerpt",
        "2024-11-12T14:00:00+07:00",
        "2024-11-13T08:00:00+07:00",
    ),
    "mua-lon-noi-thanh": Expected(
        "thoi-su/2024/mua-lon-noi-thanh.html",
        "thoi-su",
        "suckhoedoisong-vn",
        "full",
        "2024-11-08T18:45:00+07:00",
        "2024-11-08T18:45:00+07:00",
    ),
    # Date 1800-01-01 is repaired from Captured (Pelican still files the page under 1800).
    "ngay-vo-ly": Expected(
        "thoi-su/1800/ngay-vo-ly.html",
        "thoi-su",
        "hanoi-gov-vn",
        "excerpt",
        "2024-11-11T11:00:00+07:00",
        "2024-11-11T11:00:00+07:00",
    ),
    "khong-nguon": Expected(
        "thoi-su/2024/khong-nguon.html",
        "thoi-su",
        None,
        "full",
        "2024-11-04T06:00:00+07:00",
        "2024-11-04T06:00:00+07:00",
    ),
    # Too big for full content: sent as an excerpt.
    "bai-rat-dai": Expected(
        "thoi-su/2024/bai-rat-dai.html",
        "thoi-su",
        "suckhoedoisong-vn",
        "excerpt",
        "2024-11-03T09:00:00+07:00",
        "2024-11-03T09:00:00+07:00",
    ),
}
ABSENT = ["ban-nhap", "an-rau-xanh-ban-sao", "khong-nguon-ban-sao", "ngay-loi"]
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
ABSOLUTE = re.compile(r"^(https?://[^/\s]+|mailto:)")


# --- building --------------------------------------------------------------------------------


@dataclass
class Build:
    """One finished Pelican build: where it wrote, what the plugin logged, how long it took."""

    output: Path
    messages: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    def read(self, name: str) -> bytes:
        """Return the bytes of an output file."""
        return (self.output / name).read_bytes()

    def warnings(self) -> list[str]:
        """Return the plugin's warning messages."""
        return [m for level, m in self.messages if level == logging.WARNING]


class _Collect(logging.Handler):
    """Keep the plugin's log messages (``topic_feeds: …``) of one build."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("topic_feeds: "):
            self.messages.append((record.levelno, message))


def _project_theme() -> str:
    """Return the project theme once it has templates, else Pelican's simple theme."""
    theme = ROOT / "theme"
    return str(theme) if (theme / "templates" / "base.html").is_file() else str(SIMPLE_THEME)


def _write_big_article(content: Path) -> None:
    """Add a 400 KB article with XML-invalid control characters to the fixture content."""
    paragraph = (
        "Hà Nội mở rộng mạng lưới trạm y tế phường để người dân được khám sức khỏe định kỳ "
        "gần nhà hơn, theo kế hoạch của thành phố giai đoạn 2024 đến 2030.\x0b\x1f"
    )
    body = "\n\n".join(f"{paragraph} Đoạn {n}." for n in range(2400))
    (content / "thoi-su" / "2024" / "bai-rat-dai.md").write_text(
        "Title: Kế hoạch mở rộng mạng lưới y tế cơ sở\n"
        "Date: 2024-11-03T09:00:00+07:00\n"
        "Category: Thời sự\n"
        "Slug: bai-rat-dai\n"
        "Source: suckhoedoisong.vn\n"
        "Source_URL: https://suckhoedoisong.vn/ke-hoach-y-te-co-so-169241103.htm\n"
        f"\n{body}\n",
        encoding="utf-8",
    )


def build_site(
    tmp: Path,
    *,
    siteurl: str = SITEURL,
    theme: str | None = None,
    extra: dict[str, str] | None = None,
    plugins: tuple[str, ...] = ("topic_feeds",),
    **feeds,
) -> Build:
    """Copy the fixture site into ``tmp`` and run a real Pelican build with the plugin."""
    content = tmp / "content"
    shutil.copytree(TEST_DATA, content)
    _write_big_article(content)
    for name, text in (extra or {}).items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    settings = read_settings(
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(tmp / "output"),
            "SITEURL": siteurl,
            "SITENAME": "ClearPress",
            "RELATIVE_URLS": False,
            "THEME": theme or _project_theme(),
            "PLUGIN_PATHS": [str(PLUGINS)],
            "PLUGINS": list(plugins),
            "TIMEZONE": "Asia/Ho_Chi_Minh",
            "DEFAULT_LANG": "vi",
            "ARTICLE_URL": "{category}/{date:%Y}/{slug}.html",
            "ARTICLE_SAVE_AS": "{category}/{date:%Y}/{slug}.html",
            "CATEGORY_URL": "{slug}/",
            "CATEGORY_SAVE_AS": "{slug}/index.html",
            "STATIC_PATHS": ["images"],
            "ARTICLE_EXCLUDES": ["images"],
            "FEED_ALL_ATOM": None,
            "CATEGORY_FEED_ATOM": None,
            "AUTHOR_FEED_ATOM": None,
            "AUTHOR_FEED_RSS": None,
            "TRANSLATION_FEED_ATOM": None,
            "LOAD_CONTENT_CACHE": False,
            "CACHE_CONTENT": False,
            "TOPIC_FEEDS": {"policies": POLICIES, **feeds},
        }
    )
    collect = _Collect()
    plugin_logger = logging.getLogger("topic_feeds")
    old_level = plugin_logger.level
    plugin_logger.setLevel(logging.INFO)
    logging.getLogger().addHandler(collect)
    started = time.perf_counter()
    try:
        Pelican(settings).run()
    finally:
        logging.getLogger().removeHandler(collect)
        plugin_logger.setLevel(old_level)
    return Build(tmp / "output", collect.messages, time.perf_counter() - started)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Build:
    """Return the main build (SITEURL under a project path, hanoi.gov.vn as excerpts)."""
    return build_site(tmp_path_factory.mktemp("main"))


def test_a_later_build_that_does_not_list_the_plugin_gets_no_feeds(site: Build, tmp_path):
    """Pelican's signals are process-wide: after a build with the plugin, a build in the same
    process without it gets neither feeds nor the plugin's settings."""
    assert list(site.output.rglob("*.atom.xml"))
    other = build_site(tmp_path, plugins=())
    assert list(other.output.rglob("*.atom.xml")) == []
    assert list(other.output.rglob("*.rss.xml")) == []


@pytest.fixture(scope="module")
def rng(tmp_path_factory) -> etree.RelaxNG:
    """Return the RFC 4287 schema, converted from RNC to RNG with trang for this run."""
    trang = shutil.which("trang")
    if trang is None:  # CI installs it with apt; a silent skip would hide invalid Atom
        pytest.fail("trang is not installed (apt-get install trang); Atom cannot be validated")
    out = tmp_path_factory.mktemp("schema") / "atom.rng"
    subprocess.run(
        [trang, "-I", "rnc", "-O", "rng", str(SCHEMAS / "atom.rnc"), str(out)], check=True
    )
    return etree.RelaxNG(etree.parse(str(out)))


@pytest.fixture(scope="module")
def json_validator() -> jsonschema.Draft202012Validator:
    """Return a validator for our JSON Feed 1.1 schema."""
    schema = json.loads((SCHEMAS / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


# --- helpers ---------------------------------------------------------------------------------


def parse(build: Build, name: str) -> feedparser.FeedParserDict:
    """Parse one feed with feedparser and fail on anything it had to forgive."""
    parsed = feedparser.parse(build.read(name))
    assert not parsed.bozo, f"{name}: {parsed.get('bozo_exception')}"
    return parsed


def slug_of(url: str) -> str:
    """Return the article slug of one of our article URLs."""
    return url.rsplit("/", 1)[-1].removesuffix(".html")


def expected_in(name: str) -> set[str]:
    """Return the slugs the main build must put in feed ``name``."""
    base = re.sub(r"\.(rss\.xml|atom\.xml|json)$", "", name)
    kind, _, slug = base.removeprefix("feeds/").partition("/")
    if kind == "all":
        return set(EXPECTED)
    if kind == "topics":
        return {s for s, e in EXPECTED.items() if e.topic == slug}
    return {s for s, e in EXPECTED.items() if e.source == slug}


def html_urls(fragment: str) -> list[str]:
    """Return every href and src in an HTML fragment."""
    if not fragment.strip():
        return []
    tree = html.fragment_fromstring(fragment, create_parent="div")
    return [v for el in tree.iter() for k, v in el.attrib.items() if k in {"href", "src"}]


def ids_by_feed(build: Build) -> dict[str, list[str]]:
    """Return the item ids of every feed file, in feed order."""
    ids = {}
    for name in RSS_FILES + ATOM_FILES:
        ids[name] = [entry.id for entry in parse(build, name).entries]
    for name in JSON_FILES:
        ids[name] = [item["id"] for item in json.loads(build.read(name))["items"]]
    return ids


def output_files(build: Build) -> dict[str, bytes]:
    """Return every file the plugin writes, by site-relative path."""
    files = {
        p.relative_to(build.output).as_posix(): p.read_bytes()
        for p in build.output.glob("feeds/**/*")
        if p.is_file()
    }
    files["feeds.opml"] = build.read("feeds.opml")
    return files


# --- paths and settings ----------------------------------------------------------------------


def test_writes_every_feed_at_its_contract_path(site):
    expected = set(RSS_FILES + ATOM_FILES + JSON_FILES) | {"feeds/index.html", "feeds.opml"}
    assert set(output_files(site)) == expected


def test_settings_are_merged_for_theme_autodiscovery(tmp_path):
    settings = read_settings(
        override={
            "PATH": str(TEST_DATA),
            "OUTPUT_PATH": str(tmp_path),
            "PLUGIN_PATHS": [str(PLUGINS)],
            "PLUGINS": ["topic_feeds"],
            "TOPIC_FEEDS": {"max_items": 10},
        }
    )
    merged = Pelican(settings).settings["TOPIC_FEEDS"]
    assert merged["max_items"] == 10
    assert merged["topic_rss"].format(slug="suc-khoe") == "feeds/topics/suc-khoe.rss.xml"
    assert merged["source_json"].format(slug="hanoi-gov-vn") == "feeds/sources/hanoi-gov-vn.json"
    assert merged["all_atom"] == "feeds/all.atom.xml"
    assert (merged["catalog"], merged["opml"], merged["policies"]) == (
        "feeds/index.html",
        "feeds.opml",
        {},
    )


# --- validity --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RSS_FILES + ATOM_FILES)
def test_feed_parses_without_bozo_and_holds_the_right_items(site, name):
    parsed = parse(site, name)
    assert parsed.version == ("rss20" if name.endswith(".rss.xml") else "atom10")
    assert {slug_of(e.link) for e in parsed.entries} == expected_in(name)
    published = [e.published_parsed for e in parsed.entries]
    assert published == sorted(published, reverse=True), "newest first"


@pytest.mark.parametrize("name", ATOM_FILES)
def test_atom_is_valid_rfc4287(site, rng, name):
    doc = etree.fromstring(site.read(name))
    assert rng.validate(doc), f"{name}: {rng.error_log}"
    # Rules RFC 4287 states in prose (its schema carries them as Schematron only).
    feed_authors = doc.findall("atom:author", NS)
    assert [link.get("href") for link in doc.findall("atom:link[@rel='self']", NS)] == [
        f"{SITEURL}/{name}"
    ]
    for entry in doc.findall("atom:entry", NS):
        assert feed_authors or entry.findall("atom:author", NS)
        assert entry.findtext("atom:id", namespaces=NS).startswith("urn:uuid:")
        alternates = entry.findall("atom:link[@rel='alternate']", NS)
        assert len(alternates) == 1 and alternates[0].get("type") == "text/html"
        for content in entry.findall("atom:content", NS):
            assert content.get("type") == "html"  # never feedgen's invalid type="CDATA"
    updates = [e.findtext("atom:updated", namespaces=NS) for e in doc.findall("atom:entry", NS)]
    newest = max(updates, key=datetime.fromisoformat)
    assert doc.findtext("atom:updated", namespaces=NS) == newest


def test_schema_rejects_feedgen_cdata_content(rng):
    bad = (
        f'<feed xmlns="{ATOM}"><id>urn:x</id><title>t</title><updated>2024-01-01T00:00:00Z'
        "</updated><author><name>a</name></author><entry><id>urn:y</id><title>t</title>"
        '<updated>2024-01-01T00:00:00Z</updated><content type="CDATA">x</content></entry></feed>'
    )
    assert not rng.validate(etree.fromstring(bad))


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_feed_is_valid_1_1(site, json_validator, name):
    doc = json.loads(site.read(name))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in json_validator.iter_errors(doc)]
    assert errors == []
    assert doc["feed_url"] == f"{SITEURL}/{name}"
    assert {slug_of(item["url"]) for item in doc["items"]} == expected_in(name)
    for item in doc["items"]:
        for key in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[key]).utcoffset() is not None


@pytest.mark.parametrize("name", RSS_FILES)
def test_rss_follows_rules_parsers_forgive(site, name):
    channel = etree.fromstring(site.read(name)).find("channel")
    assert channel.find("atom:link[@rel='self']", NS).get("href") == f"{SITEURL}/{name}"
    dates = [el.text for el in channel.iter("pubDate", "lastBuildDate")]
    assert dates
    for text in dates:
        assert RFC822.match(text), text
        assert parsedate_to_datetime(text).utcoffset() is not None
    guids = []
    links = []
    for item in channel.findall("item"):
        item_guids = item.findall("guid")
        assert len(item_guids) == 1
        assert item_guids[0].get("isPermaLink") == "false"
        guids.append(item_guids[0].text)
        links.append(item.findtext("link"))
        assert ABSOLUTE.match(item.findtext("link"))
        for el in [item.find("description"), item.find("content:encoded", NS)]:
            if el is not None:
                urls = html_urls(el.text)
                assert all(ABSOLUTE.match(u) for u in urls), urls
        enclosure = item.find("enclosure")
        if enclosure is not None:
            assert ABSOLUTE.match(enclosure.get("url"))
            assert enclosure.get("length").isdigit() and "/" in enclosure.get("type")
    assert len(guids) == len(set(guids)), "duplicate guid"
    assert len(links) == len(set(links)), "duplicate item"
    newest = max(datetime.fromisoformat(EXPECTED[slug].updated) for slug in expected_in(name))
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == newest


# --- items, field by field -------------------------------------------------------------------


def test_full_item_keeps_content_figure_and_provenance(site):
    rss = {slug_of(e.link): e for e in parse(site, "feeds/topics/suc-khoe.rss.xml").entries}
    atom = {slug_of(e.link): e for e in parse(site, "feeds/topics/suc-khoe.atom.xml").entries}
    doc = json.loads(site.read("feeds/topics/suc-khoe.json"))
    jf = {slug_of(i["url"]): i for i in doc["items"]}
    original = "https://suckhoedoisong.vn/an-rau-xanh-mua-dong-169241105.htm"
    via = [
        "https://webkhoedep.vn/an-rau-xanh-mua-dong.html",
        "https://tintuc.example.vn/rau-xanh-123.html",
    ]
    image = f"{SITEURL}/images/rau-xanh.jpg"
    item_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, original)}"

    r, a, j = rss["an-rau-xanh-mua-dong"], atom["an-rau-xanh-mua-dong"], jf["an-rau-xanh-mua-dong"]
    assert r.id == a.id == j["id"] == item_id
    for content in (r.content[0].value, a.content[0].value, j["content_html"]):
        figure = html.fragment_fromstring(content, create_parent="div").find(".//figure")
        assert figure.find("img").get("src") == image
        assert figure.find("img").get("alt") == "Rau cải xanh"
        assert (
            "<figcaption>Rau cải xanh bày bán ở chợ Đồng Xuân. Ảnh: Lan Anh</figcaption>" in content
        )
        assert f'href="{SITEURL}/thoi-su/2024/lich-tiem-chung.html"' in content
        assert f'href="{SITEURL}/"' in content
        assert "<script" not in content and "onclick" not in content and "quảng cáo" not in content
    assert a.content[0].type == "text/html"
    assert (
        r.summary
        == a.summary
        == ("<p>Các chuyên gia dinh dưỡng khuyên nên ăn đủ rau xanh trong những ngày lạnh.</p>")
    )
    assert (
        j["summary"] == "Các chuyên gia dinh dưỡng khuyên nên ăn đủ rau xanh trong những ngày lạnh."
    )
    # provenance
    assert r.source == {"href": original, "title": "suckhoedoisong.vn"}
    assert a.source.link == original and a.source.title == "suckhoedoisong.vn"
    assert [link.href for link in a.links if link.rel == "via"] == via
    assert j["external_url"] == original
    assert j["_clearpress"]["via_urls"] == via
    for entry in (r, a):
        assert [x.name for x in entry.authors] == ["Nguyễn Thị Lan"]
        assert [t.term for t in entry.tags] == ["Sức khỏe", "dinh dưỡng", "mùa đông"]
    assert j["authors"] == [{"name": "Nguyễn Thị Lan"}]
    assert j["tags"] == ["Sức khỏe", "dinh dưỡng", "mùa đông"]
    # lead image: enclosure with the real file size, media element, JSON image
    assert r.enclosures == [{"href": image, "length": "632", "type": "image/jpeg"}]
    assert r.media_content == [{"url": image, "type": "image/jpeg", "medium": "image"}]
    assert [link.href for link in a.links if link.rel == "enclosure"] == [image]
    assert j["image"] == image
    # dates: updated is Modified, published is Date
    assert (a.published, a.updated) == (
        "2024-11-05T08:30:00+07:00",
        "2024-11-06T09:15:00+07:00",
    )
    assert (j["date_published"], j["date_modified"]) == (a.published, a.updated)


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_every_item_matches_its_article(site, slug):
    want = EXPECTED[slug]
    rss = {slug_of(e.link): e for e in parse(site, "feeds/all.rss.xml").entries}[slug]
    atom = {slug_of(e.link): e for e in parse(site, "feeds/all.atom.xml").entries}[slug]
    item = {slug_of(i["url"]): i for i in json.loads(site.read("feeds/all.json"))["items"]}[slug]
    assert rss.link == atom.link == item["url"] == f"{SITEURL}/{want.path}"
    assert rss.id == atom.id == item["id"]
    assert (atom.published, atom.updated) == (want.published, want.updated)
    assert (item["date_published"], item["date_modified"]) == (want.published, want.updated)
    assert parsedate_to_datetime(rss.published) == datetime.fromisoformat(want.published)
    assert item["_clearpress"]["policy"] == want.policy
    if want.policy == "full":
        assert rss.content and atom.content and item["content_html"]
    else:
        assert "content" not in rss and "content" not in atom
        assert rss.summary and atom.summary and item["content_html"] == atom.summary
    if want.source:
        assert rss.source.title == atom.source.title == item["_clearpress"]["source"]
        assert rss.source.href == item["external_url"]
    else:
        assert "source" not in rss and "external_url" not in item
    topic = {"suc-khoe": "Sức khỏe", "thoi-su": "Thời sự"}[want.topic]
    assert topic in {t.term for t in atom.tags} and topic in item["tags"]


def test_drafts_duplicates_and_rejected_dates_never_appear(site):
    for name in RSS_FILES + ATOM_FILES + JSON_FILES:
        text = site.read(name).decode("utf-8")
        for slug in ABSENT:
            assert f"/{slug}.html" not in text, (name, slug)
        assert "Bản nháp" not in text
    titles = [e.title for e in parse(site, "feeds/all.atom.xml").entries]
    assert len(titles) == len(set(titles))


def test_bad_input_is_repaired_or_left_out_with_a_named_warning(site):
    warnings = site.warnings()

    def logged(*needles):
        return any(all(n in w for n in needles) for w in warnings)

    assert logged("thoi-su/2024/ngay-vo-ly.md", "invalid or missing Date", "using Captured")
    assert logged("thoi-su/2024/khong-nguon.md", "no Source and no Source_URL")
    assert logged("thoi-su/2024/bai-rat-dai.md", "sent as an excerpt")
    assert logged("an-rau-xanh-ban-sao.md", "duplicate of", "an-rau-xanh-mua-dong.md")
    assert logged("khong-nguon-ban-sao.md", "duplicate of", "khong-nguon.md")
    assert all(w.startswith("topic_feeds: ") for w in warnings)
    for name in RSS_FILES + ATOM_FILES + JSON_FILES:
        assert b"\x0b" not in site.read(name) and b"\\u000b" not in site.read(name)


def test_item_without_url_gets_a_content_id(site):
    parsed = parse(site, "feeds/all.atom.xml")
    entry = {slug_of(e.link): e for e in parsed.entries}["khong-nguon"]
    assert entry.id.startswith("urn:uuid:")
    assert uuid.UUID(entry.id.removeprefix("urn:uuid:")).version == 5
    assert "authors" not in entry  # unsigned and no publisher known: the feed author covers it
    assert [x.name for x in parsed.feed.authors] == ["ClearPress"]


# --- catalog and OPML ------------------------------------------------------------------------


def test_catalog_lists_every_feed(site):
    page = site.read("feeds/index.html").decode("utf-8")
    for name in RSS_FILES + ATOM_FILES + JSON_FILES:
        assert name in page


def test_opml_lists_every_topic_feed(site):
    doc = etree.fromstring(site.read("feeds.opml"))
    outlines = doc.findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [
        f"{SITEURL}/feeds/topics/suc-khoe.rss.xml",
        f"{SITEURL}/feeds/topics/thoi-su.rss.xml",
    ]
    assert [o.get("htmlUrl") for o in outlines] == [f"{SITEURL}/suc-khoe/", f"{SITEURL}/thoi-su/"]
    assert RFC822.match(doc.findtext("head/dateModified"))


# --- stability -------------------------------------------------------------------------------


def test_identical_builds_are_byte_identical(site, tmp_path):
    again = build_site(tmp_path)
    first, second = output_files(site), output_files(again)
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


def test_moving_the_site_keeps_every_id(site, tmp_path):
    moved = build_site(tmp_path, siteurl=OTHER_SITEURL, theme=str(SIMPLE_THEME))
    assert ids_by_feed(moved) == ids_by_feed(site)
    feed_ids = [
        etree.fromstring(b.read("feeds/all.atom.xml")).findtext("atom:id", namespaces=NS)
        for b in (site, moved)
    ]
    assert feed_ids[0] == feed_ids[1]
    assert OTHER_SITEURL.encode() in moved.read("feeds/all.rss.xml")
    assert SITEURL.encode() not in moved.read("feeds/all.rss.xml")
    # The simple theme has no feeds.html: the plugin's own template renders the catalog.
    assert "Nguồn tin theo dõi" in moved.read("feeds/index.html").decode("utf-8")


# --- policies, limits and the theme contract -------------------------------------------------

CONTRACT_TEMPLATE = """{% for f in feed_catalog -%}
{{ f.kind }}|{{ f.slug }}|{{ f.title }}|{{ f.rss_url }}|{{ f.atom_url }}|{{ f.json_url }}|\
{{ f.count }}|{{ f.updated.isoformat() if f.updated else '' }}
{% endfor -%}
discovery|{{ SITEURL }}/{{ TOPIC_FEEDS.topic_rss.format(slug='thoi-su') }}
"""


@pytest.fixture(scope="module")
def variant(tmp_path_factory) -> Build:
    """Build with suckhoedoisong.vn as links only, 3 items per feed and a contract theme."""
    tmp = tmp_path_factory.mktemp("variant")
    templates = tmp / "theme" / "templates"
    templates.mkdir(parents=True)
    (templates / "feeds.html").write_text(CONTRACT_TEMPLATE, encoding="utf-8")
    return build_site(
        tmp,
        theme=str(tmp / "theme"),
        policies={"suckhoedoisong.vn": "link", "bad.example": "everything"},
        max_items=3,
        max_items_all=2,
        bogus_key=1,
    )


def test_link_policy_sends_title_link_and_source_only(variant):
    for entry in parse(variant, "feeds/sources/suckhoedoisong-vn.rss.xml").entries:
        assert (
            entry.title
            and entry.link
            and entry.source.href.startswith("https://suckhoedoisong.vn/")
        )
        for key in ("summary", "content", "tags", "enclosures", "media_content", "authors"):
            assert not entry.get(key), key
    for entry in parse(variant, "feeds/sources/suckhoedoisong-vn.atom.xml").entries:
        assert entry.source.title == "suckhoedoisong.vn"
        for key in ("content", "summary", "tags", "authors"):
            assert not entry.get(key), key
        assert [link.rel for link in entry.links if link.rel == "enclosure"] == []
    for item in json.loads(variant.read("feeds/sources/suckhoedoisong-vn.json"))["items"]:
        for key in ("content_html", "summary", "image", "tags", "authors"):
            assert key not in item, key
        assert item["content_text"].endswith("suckhoedoisong.vn")
        assert item["external_url"].startswith("https://suckhoedoisong.vn/")
    # hanoi.gov.vn has no policy in this build, so it is full again
    hanoi = parse(variant, "feeds/sources/hanoi-gov-vn.rss.xml").entries
    assert all(entry.content for entry in hanoi)


def test_max_items_keeps_the_newest(variant):
    # max_items_all for the whole archive's feeds, max_items for topics and sources.
    entries = parse(variant, "feeds/all.atom.xml").entries
    assert [slug_of(e.link) for e in entries] == ["lich-tiem-chung", "ngay-vo-ly"]
    assert parse(variant, "feeds/all.atom.xml").feed.updated == "2024-11-13T08:00:00+07:00"
    assert len(parse(variant, "feeds/topics/thoi-su.atom.xml").entries) == 3


def test_bad_settings_are_logged_and_ignored(variant):
    errors = [m for level, m in variant.messages if level == logging.ERROR]
    assert any("unknown key 'bogus_key'" in m for m in errors)
    assert any("invalid policy 'everything'" in m for m in errors)


def test_theme_gets_the_catalog_contract(variant):
    lines = variant.read("feeds/index.html").decode("utf-8").splitlines()
    rows = [line.split("|") for line in lines if not line.startswith("discovery|")]
    assert [(r[0], r[1]) for r in rows] == [
        ("all", "all"),
        ("topic", "suc-khoe"),
        ("topic", "thoi-su"),
        ("source", "hanoi-gov-vn"),
        ("source", "suckhoedoisong-vn"),
    ]
    by_slug = {r[1]: r for r in rows}
    assert by_slug["thoi-su"][2:7] == [
        "ClearPress — Thời sự",
        "feeds/topics/thoi-su.rss.xml",
        "feeds/topics/thoi-su.atom.xml",
        "feeds/topics/thoi-su.json",
        "3",
    ]
    assert by_slug["suc-khoe"][6:] == ["2", "2024-11-10T07:00:00+07:00"]
    assert by_slug["all"][6:] == ["2", "2024-11-13T08:00:00+07:00"]
    assert f"discovery|{SITEURL}/feeds/topics/thoi-su.rss.xml" in lines


def test_feed_generation_reports_its_work(site):
    # Speed is measured by the benchmark suite, not here; the build log says what was done.
    timing = [m for _, m in site.messages if re.search(r"feeds, \d+ stories, \d+ rendered in", m)]
    assert timing, site.messages
    assert re.search(r"in [\d.]+ s", timing[0])


def test_policy_recorded_by_the_importer_wins(tmp_path):
    article = (
        "Title: Bài chỉ được dẫn link\nDate: 2024-11-12T09:00:00+07:00\nCategory: Thời sự\n"
        "Slug: chi-dan-link\nSource: tinnhanh365.vn\n"
        "Source_URL: https://tinnhanh365.vn/tin/chi-dan-link.html\nPolicy: link\n\n"
        "Nội dung đầy đủ không được phép đăng lại.\n"
    )
    build = build_site(tmp_path, extra={"thoi-su/2024/chi-dan-link.md": article})
    (item,) = [
        i
        for i in json.loads(build.read("feeds/sources/tinnhanh365-vn.json"))["items"]
        if i["external_url"].endswith("chi-dan-link.html")
    ]
    assert "content_html" not in item and "không được phép" not in json.dumps(item)


# --- pure helpers ----------------------------------------------------------------------------


def test_original_url_spellings_share_one_identity():
    from topic_feeds.identity import item_id, normalize_url

    spellings = [
        "https://suckhoedoisong.vn/an-rau-xanh-169241105.htm",
        "http://www.SucKhoeDoiSong.vn/an-rau-xanh-169241105.htm/?utm_source=zalo#binh-luan",
        "https://suckhoedoisong.vn:443/an-rau-xanh-169241105.htm?fbclid=abc",
    ]
    assert {normalize_url(url) for url in spellings} == {spellings[0]}
    assert normalize_url("https://x.vn:abc/a") == "https://x.vn/a"
    assert normalize_url("https://x.vn/tin-tức/") == normalize_url("https://x.vn/tin-t%E1%BB%A9c")
    assert normalize_url("https://x.vn/a?b=2&a=1") == "https://x.vn/a?a=1&b=2"
    assert item_id(spellings[0], "f" * 64) == item_id(spellings[0], "0" * 64)
    assert item_id(None, "f" * 64) != item_id(None, "0" * 64)


def test_policy_applies_to_subdomains_but_not_to_the_tld():
    from topic_feeds.config import policy_for

    policies = {"vnexpress.net": "link", "vn": "excerpt"}
    assert policy_for(policies, "e.vnexpress.net") == "link"
    assert policy_for(policies, "www.vnexpress.net") == "link"
    assert policy_for(policies, "hanoi.gov.vn") == "full"
    assert policy_for(policies, None, "vnexpress.net") == "link"


def test_invalid_settings_fall_back_to_defaults(caplog):
    from topic_feeds.config import DEFAULTS, merge_settings

    merged = merge_settings(
        {"topic_rss": "feeds/topics.xml", "all_json": "../all.json", "max_items": 0, "opml": None}
    )
    assert merged["topic_rss"] == DEFAULTS["topic_rss"]  # no {slug}: every topic would collide
    assert merged["all_json"] == DEFAULTS["all_json"]
    assert merged["max_items"] == DEFAULTS["max_items"]
    assert merged["opml"] is None  # None disables a file
    assert len([r for r in caplog.records if r.getMessage().startswith("topic_feeds: ")]) == 3
    assert merge_settings("not a dict") == merge_settings(None)


def test_sanitizer_resolves_urls_under_the_site_path():
    from topic_feeds.sanitize import clean_html

    page = f"{SITEURL}/suc-khoe/2024/bai.html"
    out = clean_html(
        '<p><a href="../../tag/x/">t</a> <img src="/images/a.jpg"> <img src="b.png">'
        '<a href="javascript:alert(1)">j</a><iframe src="https://ads.example"></iframe>\x0c</p>',
        site_root=SITEURL,
        page_url=page,
    )
    assert out == (
        f'<p><a href="{SITEURL}/tag/x/">t</a> <img src="{SITEURL}/images/a.jpg"> '
        f'<img src="{SITEURL}/suc-khoe/2024/b.png"><a>j</a></p>'
    )


def test_site_relative_lead_image_resolves_from_the_site_root(tmp_path):
    image = next((TEST_DATA / "images").iterdir()).name
    article = (
        "Title: Ảnh giữ lại trong kho\nDate: 2024-11-12T10:00:00+07:00\nCategory: Thời sự\n"
        "Slug: anh-giu-lai\nSource: hanoi.gov.vn\nSource_URL: https://hanoi.gov.vn/tin/anh.html\n"
        f"Image: images/{image}\n\nBài có ảnh đại diện lưu trong kho.\n"
    )
    build = build_site(tmp_path, extra={"thoi-su/2024/anh-giu-lai.md": article})
    (entry,) = [
        e for e in parse(build, "feeds/all.rss.xml").entries if e.link.endswith("anh-giu-lai.html")
    ]
    (enclosure,) = entry.enclosures
    assert enclosure.href == f"{SITEURL}/images/{image}"
    assert int(enclosure.length) == (TEST_DATA / "images" / image).stat().st_size


class _SeenMetadata(dict):
    """Metadata that notes every key read from it."""

    def __init__(self, data: dict, seen: set[str]) -> None:
        super().__init__(data)
        self.seen = seen

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self.seen.add(key)
        return super().__contains__(key)


def test_the_story_cache_keys_on_every_metadata_item_identify_reads():
    """topic_feeds caches identify()'s Story under a key of the metadata items it reads; an
    item read but not in IDENTIFY_READS_METADATA would serve stale stories."""
    from types import SimpleNamespace

    from pelican.utils import SafeDatetime
    from topic_feeds.items import IDENTIFY_READS_METADATA, Site, identify

    site = Site("https://tin.example", "Tin", "vi", {"hanoi.gov.vn": "excerpt"}, 100_000)
    when = SafeDatetime(2025, 3, 1, 8, 0).astimezone()
    variants = [
        {
            "date": when,
            "source": "hanoi.gov.vn",
            "source_url": "https://hanoi.gov.vn/a-1.htm",
            "via_url": "https://tinhot.example/a.html",
            "captured": "2025-03-02 09:00+07:00",
        },
        {"date": None, "captured": "2025-03-02 09:00+07:00", "modified": when},
        {"date": "không phải ngày", "source_url": "ftp://sai.example/x", "modified": "sai"},
        {"date": when, "modified": SafeDatetime(2020, 1, 1).astimezone(), "source": "Báo A"},
    ]
    seen: set[str] = set()
    for number, metadata in enumerate(variants):
        article = SimpleNamespace(
            title=f"Bài {number}", date=metadata.get("date"), modified=metadata.get("modified"),
            _content="<p>Nội dung bài.</p>", source_path=f"/c/bai-{number}.md",
            relative_source_path=f"bai-{number}.md",
            category=SimpleNamespace(name="Thời sự", slug="thoi-su"),
            metadata=_SeenMetadata(metadata, seen),
        )  # fmt: skip
        identify(article, site)
    assert seen and seen <= set(IDENTIFY_READS_METADATA), seen - set(IDENTIFY_READS_METADATA)


def test_the_story_cache_keys_on_every_attribute_identify_reads():
    """A vouched story key (fast_build's snapshot digest) covers IDENTIFY_READS_ATTRIBUTES,
    the metadata and the topic; an attribute identify() read besides those would be stale."""
    from types import SimpleNamespace

    from pelican.utils import SafeDatetime
    from topic_feeds.items import IDENTIFY_READS_ATTRIBUTES, Site, identify

    seen: set[str] = set()

    class Watched(SimpleNamespace):
        def __getattribute__(self, name):
            if not name.startswith("__"):
                seen.add(name)
            return super().__getattribute__(name)

    site = Site("https://tin.example", "Tin", "vi", {}, 100_000)
    when = SafeDatetime(2025, 3, 1, 8, 0).astimezone()
    for content in ("<p>Nội dung bài.</p>", ""):
        article = Watched(
            title="Bài", date=when, modified=when, _content=content, content=content,
            source_path="/c/bai.md", relative_source_path="bai.md", policy="full",
            category=SimpleNamespace(name="Thời sự", slug="thoi-su"),
            metadata={"source": "hanoi.gov.vn", "source_url": "https://hanoi.gov.vn/a.htm",
                      "modified": when},
        )  # fmt: skip
        assert identify(article, site) is not None
    allowed = {*IDENTIFY_READS_ATTRIBUTES, "metadata", "category", "content"}
    assert seen and seen <= allowed, seen - allowed


def test_the_story_key_changes_with_every_input_identify_reads():
    from types import SimpleNamespace

    from pelican.utils import SafeDatetime
    from topic_feeds.items import IDENTIFY_READS_METADATA
    from topic_feeds.topic_feeds import story_key

    when = SafeDatetime(2025, 3, 1, 8, 0).astimezone()

    def article(**changes):
        values = {
            "title": "Bài viết", "date": when, "modified": None, "_content": "<p>Nội dung.</p>",
            "source_path": "/c/bai.md", "relative_source_path": "bai.md",
            "category": SimpleNamespace(name="Thời sự", slug="thoi-su"), "policy": "excerpt",
            "metadata": {"source": "hanoi.gov.vn", "captured": "2025-03-02 09:00+07:00"},
        }  # fmt: skip
        values.update(changes)
        return SimpleNamespace(**values)

    base = story_key(article(), "site")
    assert story_key(article(), "site") == base and len(base) == 20
    variants = [
        story_key(article(), "other site"),
        story_key(article(title="Bài khác"), "site"),
        story_key(article(date=SafeDatetime(2025, 3, 2, 8, 0).astimezone()), "site"),
        story_key(article(modified=when), "site"),
        story_key(article(_content="<p>Nội dung khác.</p>"), "site"),
        story_key(article(relative_source_path="khac.md"), "site"),
        story_key(article(category=SimpleNamespace(name="Thời sự", slug="thoi-su-2")), "site"),
        story_key(article(policy="full"), "site"),
        # The small inputs and the text do not run into each other.
        story_key(article(title="Bài viết", _content="x<p>Nội dung.</p>"), "site"),
    ]
    for name in IDENTIFY_READS_METADATA:
        variants.append(story_key(article(metadata={**article().metadata, name: "khác"}), "site"))
    assert base not in variants and len(set(variants)) == len(variants)


def test_a_cached_story_is_the_story_identify_gives():
    """The story cache stores a date that is the article's own ``date``/``modified`` as a
    reference to it; read back, the story equals identify()'s, dates and all."""
    import pickle
    from datetime import datetime
    from types import SimpleNamespace

    from pelican.utils import SafeDatetime
    from topic_feeds.items import Site, identify
    from topic_feeds.topic_feeds import _cached_story, _stored_story

    site = Site("https://tin.example", "Tin", "vi", {}, 100_000)
    when = SafeDatetime(2025, 3, 1, 8, 0).astimezone()
    later = SafeDatetime(2025, 3, 4, 8, 0).astimezone()
    variants = [
        {"date": when, "modified": later, "metadata": {"modified": later}},
        {"date": when, "modified": None, "metadata": {}},
        # No usable Date: published is Captured, a datetime of its own, stored as it is.
        {"date": None, "modified": None, "metadata": {"captured": "2025-03-02 09:00+07:00"}},
    ]
    for number, values in enumerate(variants):
        article = SimpleNamespace(
            title="Bài", _content="<p>Nội dung.</p>", source_path=f"/c/{number}.md",
            relative_source_path=f"{number}.md", policy="full",
            category=SimpleNamespace(name="Thời sự", slug="thoi-su"), **values,
        )  # fmt: skip
        article.metadata = {"source": "hanoi.gov.vn", **values["metadata"]}
        story = identify(article, site)
        assert story is not None
        stored = pickle.loads(pickle.dumps(_stored_story(story)))
        again = _cached_story(article, stored)
        assert again == story and again.article is article
        assert again.published.tzinfo == story.published.tzinfo
        dates_kept = sum(isinstance(v, datetime) for v in stored)
        assert dates_kept == (2 if number == 2 else 0)


def test_the_feed_cache_appends_a_builds_changes_and_loads_them_back(tmp_path):
    """A save after the first writes only what changed to the journal (the cache file stays
    the same file); the next build finds the entries it kept and added, not those it dropped."""
    from topic_feeds.cache import FeedCache

    settings = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True, "CACHE_PATH": str(tmp_path)}
    first = FeedCache(settings)
    for n in range(50):
        first.put("story", b"k%d" % n, (("bài", n), []))
    first.save()
    path = tmp_path / "topic_feeds.pickle"
    inode = path.stat().st_ino
    second = FeedCache(settings)
    for n in range(10, 50):  # the first ten are not used: dropped
        assert second.get("story", b"k%d" % n) == (("bài", n), [])
    second.put("story", b"moi", (("mới", 1), []))
    second.save()
    assert path.stat().st_ino == inode and (tmp_path / "topic_feeds.pickle.journal").exists()
    third = FeedCache(settings)
    assert third.get("story", b"k5") is None and third.get("story", b"k20") == (("bài", 20), [])
    assert third.get("story", b"moi") == (("mới", 1), [])
    assert third.hits == 2
    # Many at once: the same answers, each hit counted once and kept for the next build.
    asked = [b"k5", b"k20", b"moi", b"k30", b"k30"]
    assert third.get_all("story", asked) == [third.get("story", key) for key in asked]
    assert third.hits == 3
    third.save()
    assert FeedCache(settings).get_all("story", [b"k30", b"k31"]) == [(("bài", 30), []), None]
