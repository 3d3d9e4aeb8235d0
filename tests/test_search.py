"""The search index plugin: folding, tokenising, the index format, determinism and the term cache.

The browser side (the same folding in search-index.js, ranking, the results page) is tested in
tests/test_browser.py against the fixture site.
"""

from __future__ import annotations

import json
import logging
import marshal
import os
import re
import shutil
import unicodedata
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search import index as search_index
from search import search as search_plugin
from search import text as search_text
from search.cache import MAGIC, TOC_SUFFIX
from search.index import ALPHABET, SHARD_BYTES, SHARD_DOCS, IndexBuilder, Record, vlq
from search.text import IN_TITLE, document_terms, excerpt, fold, plain_text, tokens

from scripts.bench import generate
from tests.sitebuild import build_site, plugins

DIGIT = {c: i for i, c in enumerate(ALPHABET)}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- folding and tokenising --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hà Nội", "ha noi"),
        ("HÀ NỘI", "ha noi"),
        ("Đà Nẵng", "da nang"),
        ("đường ĐI", "duong di"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("ơn Ưu Ơ", "on uu o"),  # horn: ư, ơ
        ("Ăn Âm Ê Ô", "an am e o"),  # breve, circumflex
        ("Quảng Ngãi, Bà Rịa–Vũng Tàu", "quang ngai, ba ria–vung tau"),
        (nfd("Hà Nội Đà Nẵng"), "ha noi da nang"),  # typed decomposed
        ("Ha\u0300 No\u0323\u0302i", "ha noi"),  # marks in a non-canonical order
        ("Café Zürich São", "cafe zurich sao"),
    ],
)
def test_fold_removes_tones_and_diacritics_and_writes_d_for_d_stroke(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hà Nội, Đà Nẵng; (TP.HCM)!", ["ha", "noi", "da", "nang", "tp", "hcm"]),
        ("«Trường» “Sơn” — 'Tây'", ["truong", "son", "tay"]),
        ("1.200 hộ dân, 14/10, 2,5 km", ["1", "200", "ho", "dan", "14", "10", "2", "5", "km"]),
        ("COVID-19 và H5N1", ["covid", "19", "va", "h5n1"]),
        ("snake_case", ["snake", "case"]),
        ("Москва, 東京 và Ελλάδα", ["москва", "東京", "va", "ελλαδα"]),
        ("  \n\t ", []),
        ("x" * 40, ["x" * 32]),
        (nfd("Ứng dụng đặt lịch"), ["ung", "dung", "dat", "lich"]),
    ],
)
def test_tokens_are_folded_syllables_split_at_punctuation(text, expected):
    assert tokens(text) == expected


def reference_tokens(text: str) -> list[str]:
    """The definition: fold the whole text, keep the runs of letters and digits."""
    return [word[:32] for word in re.findall(r"[^\W_]+", fold(text))]


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
ALPHABET_TEXT = (
    VIETNAMESE
    + VIETNAMESE.upper()
    + "0123456789 .,;:!?-–_/()'\"\n"
    + "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET_TEXT, max_size=80))
def test_word_by_word_tokenising_equals_folding_the_whole_text(text):
    assert tokens(text) == reference_tokens(text)
    assert tokens(nfd(text)) == reference_tokens(text)


def test_document_terms_count_syllables_and_pairs_within_each_field():
    length, names, values = document_terms("Hà Nội mở đường", ["Hà Nội, Hà Nội.", "hanoi.gov.vn"])
    assert length == 4 + 4 + 3
    terms = dict(zip(names, values, strict=True))
    assert len(terms) == len(names)
    assert terms["ha"] == 3 + IN_TITLE and terms["noi"] == 3 + IN_TITLE
    assert terms["ha noi"] == 3 + IN_TITLE  # twice in the body, once in the title
    assert terms["noi ha"] == 1  # across a comma, inside one field
    assert terms["mo duong"] == 1 + IN_TITLE
    assert "duong ha" not in terms  # never across two fields
    assert terms["hanoi gov"] == 1 and terms["gov vn"] == 1
    many = document_terms("", ["ha " * 40])[2]
    assert list(many) == [15, 15]  # "ha" and "ha ha": counts stop at 15


def test_plain_text_separates_blocks_and_decodes_entities():
    fragment = (
        "<p>Hà&nbsp;Nội</p><p>Đà <b>Nẵng</b></p><ul><li>một</li><li>hai</li></ul>"
        "<figure><img src='x.png' alt='ảnh'><figcaption>Chú thích</figcaption></figure>"
        "<p>A&amp;B &lt;script&gt;</p>"
    )
    assert plain_text(fragment) == "Hà Nội Đà Nẵng một hai Chú thích A&B <script>"
    assert plain_text(nfd("<p>Hà Nội</p>")) == "Hà Nội"  # NFC, as shown


def test_excerpt_is_cut_at_a_space():
    text = "Sáng 15/3, UBND thành phố Hà Nội tổ chức lễ khởi công đoạn đường Vành đai 2,5 " * 4
    short = excerpt(text, 60)
    assert short.endswith("…") and len(short) <= 61
    assert text.startswith(short[:-1])
    assert excerpt("ngắn", 60) == "ngắn"


# --- the index format --------------------------------------------------------------------------


def decode(postings: str) -> list[tuple[int, int]]:
    """Decode postings (an independent reading of the format in index.py)."""
    found, doc, i = [], -1, 0
    while i < len(postings):
        gap = shift = 0
        while True:
            digit = DIGIT[postings[i]]
            i += 1
            gap |= (digit & 31) << shift
            shift += 5
            if not digit & 32:
                break
        doc += gap
        found.append((doc, DIGIT[postings[i]]))
        i += 1
    return found


def test_vlq_round_trips():
    for number in [0, 1, 31, 32, 1023, 1024, 32767, 32768, 10**6]:
        assert decode(vlq(number) + "A") == [(number - 1, 0)]


def record(url: str) -> Record:
    return Record(url=url, title=url, date="01/01/2024", topic="Thời sự", excerpt="")


def add(builder: IndexBuilder, url: str, length: int, terms: dict[str, int]) -> None:
    builder.add(record(url), length, list(terms), bytes(terms.values()))


def test_postings_hold_gaps_counts_and_title_flags():
    builder = IndexBuilder()
    add(builder, "a.html", 3, {"ha": 2 + IN_TITLE, "ha noi": 1})
    add(builder, "b.html", 5, {"ha": 15})
    for number in range(2, 100):
        add(builder, f"c{number:03}.html", 1, {"x": 1})
    add(builder, "d.html", 5, {"ha": 1})
    files = builder.files()
    terms = {}
    for name, data in files.items():
        if name.startswith("t/"):
            terms.update(json.loads(data))
    assert decode(terms["ha"]) == [(0, 2 | 16), (1, 15), (100, 1)]
    assert decode(terms["ha noi"]) == [(0, 1)]
    meta = json.loads(files["meta.json"])
    assert meta["docs"] == 101 and meta["shardDocs"] == SHARD_DOCS
    assert meta["lengths"][:2] == ALPHABET[8] + ALPHABET[10]  # round(4·log2(1 + length))
    shard = zlib.crc32(b"ha noi") % meta["shards"]
    assert "ha noi" in json.loads(files[f"t/{shard}.json"])
    assert json.loads(files[f"d/{100 // SHARD_DOCS}.json"])[100 % SHARD_DOCS][0] == "d.html"


DOCUMENTS = [
    ("a.html", 3, {"ha": 2 + IN_TITLE, "ha noi": 1}),
    ("b.html", 5, {"ha": 15, "noi": 1}),
    ("c.html", 2, {"noi": 3, "x": 1}),
    ("d.html", 4, {"ha": 1, "y": 2}),
]


def build_from(documents, state: bytes = b"", code: str = "code") -> tuple[IndexBuilder, int]:
    """Index ``documents``, taking over what ``state`` allows; return the builder and that count."""
    builder = IndexBuilder()
    keys = [url for url, _, _ in documents]
    resumed = builder.resume(state, code, keys) if state else []
    for number, (url, length, terms) in enumerate(documents):
        if number < len(resumed):
            builder.add_resumed(record(url))
        else:
            builder.add(record(url), length, list(terms), bytes(terms.values()), url)
    return builder, len(resumed)


def test_a_build_takes_over_the_previous_postings_only_when_its_documents_extend_them():
    first, _ = build_from(DOCUMENTS[:2])
    state = first.state("code")
    scratch = build_from(DOCUMENTS)[0].files()
    resumed, count = build_from(DOCUMENTS, state)
    assert count == 2 and resumed.files() == scratch
    assert build_from(DOCUMENTS[:2], state)[1] == 2  # nothing new
    assert build_from(DOCUMENTS[1:], state)[1] == 0  # the first document is gone
    assert build_from([DOCUMENTS[1], DOCUMENTS[0]], state)[1] == 0  # another order
    assert build_from(DOCUMENTS, state, code="other")[1] == 0  # state from other code
    assert build_from(DOCUMENTS, b"garbage")[1] == 0
    assert build_from(DOCUMENTS, state[: len(state) // 2])[1] == 0
    for _, count in (build_from(DOCUMENTS[1:], state), build_from(DOCUMENTS, b"garbage")):
        assert count == 0
    assert build_from(DOCUMENTS[1:], state)[0].files() == build_from(DOCUMENTS[1:])[0].files()
    with pytest.raises(ValueError):
        IndexBuilder().add_resumed(record("a.html"))


def test_what_each_build_adds_is_applied_after_the_state_it_resumed_from():
    """A build that took over a state stores only what it added (``state_added``); the next
    build applies that after the state and takes over everything, and indexes what a build
    from scratch indexes.  An addition that does not follow on is ignored (with later ones)."""

    def resumed(state: bytes, added: list, documents) -> tuple[IndexBuilder, int]:
        builder = IndexBuilder()
        count = len(builder.resume(state, "code", [url for url, _, _ in documents], added))
        for number, (url, length, terms) in enumerate(documents):
            if number < count:
                builder.add_resumed(record(url))
            else:
                builder.add(record(url), length, list(terms), bytes(terms.values()), url)
        return builder, count

    base = build_from(DOCUMENTS[:2])[0].state("code")
    assert build_from(DOCUMENTS[:2])[0].state_added("code") is None  # it resumed nothing
    second, count = resumed(base, [], DOCUMENTS[:3])
    assert count == 2
    added = second.state_added("code")
    assert added is not None and added["start"] == 2 and added["keys"] == ["c.html"]
    assert set(added["postings"]) == {"noi", "x"}  # "noi" grew, "x" is new
    third, count = resumed(base, [added], DOCUMENTS)
    assert count == 3 and third.files() == build_from(DOCUMENTS)[0].files()
    more = third.state_added("code")
    assert more is not None and more["start"] == 3
    fourth, count = resumed(base, [added, more], DOCUMENTS)
    assert count == 4 and fourth.files() == build_from(DOCUMENTS)[0].files()
    assert resumed(base, [more, added], DOCUMENTS)[1] == 2  # out of order: the state alone
    assert resumed(base, [{**added, "code": "other"}], DOCUMENTS)[1] == 2


def test_the_records_of_documents_taken_over_come_back_from_the_state():
    """The state keeps what each record shows; a rebuild whose keys cover the records (search's
    vouched keys) takes them over with the postings.  A state without them gives none."""
    import marshal

    first, _ = build_from(DOCUMENTS[:2])
    state = first.state("code")
    again = IndexBuilder()
    assert len(again.resume(state, "code", [url for url, _, _ in DOCUMENTS])) == 2
    assert [again.resumed_record(n) for n in range(3)] == [*first.records, None]
    old = marshal.loads(state)
    del old["shown"]
    older = IndexBuilder()
    assert len(older.resume(marshal.dumps(old), "code", ["a.html", "b.html"])) == 2
    assert older.resumed_record(0) is None


def test_writing_leaves_unchanged_files_alone_and_removes_stale_ones(tmp_path):
    folder = tmp_path / "data"
    documents = [(f"{n:02}.html", 1, {f"w{n}": 1}) for n in range(13)]
    first = build_from(documents[:12])[0]
    assert first.write(str(folder))[2] == len(first.files())
    stale = folder / "t" / "999.json"  # a shard of an older, larger index
    stale.write_text("{}", encoding="utf-8")
    second = build_from(documents)[0]
    new = second.files()
    files, size, written = second.write(str(folder))
    assert (files, size) == (len(new), sum(map(len, new.values())))
    on_disk = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.json")}
    assert on_disk == new and not stale.exists()
    same = [name for name, data in new.items() if first.files().get(name) == data]
    assert same == ["d/0.json", "d/1.json"] and written == len(new) - len(same)


def test_an_empty_archive_has_an_empty_index():
    files = IndexBuilder().files()
    assert list(files) == ["meta.json"]
    assert json.loads(files["meta.json"])["docs"] == 0


# --- Pelican builds ----------------------------------------------------------------------------


def index_files(output: Path) -> dict[str, bytes]:
    folder = output / "search" / "data"
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.json"))
    }


def pack_contents(cache: Path) -> dict[str, tuple[int, int]]:
    """Return the term cache's table of contents: key → (offset, size)."""
    pack = cache / search_plugin.CACHE_FILE
    magic, inode, end, table = marshal.loads((cache / (pack.name + TOC_SUFFIX)).read_bytes())
    assert magic == MAGIC and inode == pack.stat().st_ino and end <= pack.stat().st_size
    return table


def test_the_pack_is_appended_to_read_back_whole_and_compacted_when_mostly_unused(
    tmp_path,
) -> None:
    """New entries are appended to the pack and entries in use are kept where they are; a
    build killed while appending leaves bytes the next one writes over; once the entries in use
    are less than half of the pack, it is rewritten with them alone (copied in runs)."""
    from search.cache import COMPACT_SLACK, TermCache

    path = tmp_path / "terms.pack"

    def entry(n: int) -> tuple:
        return (n, [f"t{n}", f"u{n}"], bytes([n % 16 + 1, 1]), f"đoạn {n} " * (n % 7))

    first = TermCache(str(path))
    for n in range(40):
        first.put(f"k{n}", entry(n))
    first.close()
    inode, size = path.stat().st_ino, path.stat().st_size
    second = TermCache(str(path))
    order = [*range(12), *range(20, 30), 5, 12, 13, 35, 36, 37]
    for n in order:
        second.keep(f"k{n}")
    assert second.get("k38") == entry(38)
    second.put("new", entry(99))
    second.close()
    assert path.stat().st_ino == inode and path.stat().st_size > size  # appended
    with open(path, "ab") as pack:
        pack.write(b"half an entry from a killed build")
    third = TermCache(str(path))
    kept = sorted({*order, 38})
    assert sorted(third._contents) == sorted([f"k{n}" for n in kept] + ["new"])
    for n in kept:
        assert third.get(f"k{n}") == entry(n), n
    assert third.get("new") == entry(99) and third.misses == 0
    third.put("after", entry(7))
    third.close()
    fourth = TermCache(str(path))
    assert fourth.get("after") == entry(7) and fourth.get("k0") == entry(0)
    fourth.close()
    # Mostly unused: compacted into a new pack holding only what is used.
    big = TermCache(str(path))
    big.keep("k0")
    big.keep("after")
    for n in range(3):
        big.put(f"big{n}", (1, ["x"], b"\x01", "y" * COMPACT_SLACK))
    big.close()
    last = TermCache(str(path))
    assert last.get("k0") == entry(0)
    last.keep("after")
    last.close()
    assert path.stat().st_size < COMPACT_SLACK and path.stat().st_ino != inode
    final = TermCache(str(path))
    assert sorted(final._contents) == ["after", "k0"] and final.get("k0") == entry(0)
    assert final.get("after") == entry(7)
    final.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """Sixty generated articles (25 topics, Vietnamese text)."""
    content = tmp_path_factory.mktemp("archive") / "content"
    generate.write_articles(content, 60, 7)
    return content


def build(content: Path, output: Path, cache: Path, **override):
    """Build ``content`` with the project settings and the search cache in ``cache``."""
    # FAST_BUILD_CACHE off: that plugin would move CACHE_PATH into a folder of its own.
    settings = {"CACHE_PATH": str(cache), "SEARCH_CACHE": True, "FAST_BUILD_CACHE": False}
    return build_site(output, content, **{**settings, **override})


def taken_over_and_cached() -> tuple[float, float]:
    """Return how many articles the last build took over from the state and the term cache."""
    report = search_plugin.last_report
    return report["taken_over"], report["from_term_cache"]


def test_two_builds_are_byte_identical_and_a_warm_cache_changes_nothing(archive, tmp_path):
    first = build(archive, tmp_path / "a", tmp_path / "cache")
    assert not [m for m in first.messages(logging.WARNING) if m.startswith("search")]
    pack = tmp_path / "cache" / search_plugin.CACHE_FILE
    assert len(pack_contents(tmp_path / "cache")) == 60
    written = pack.stat().st_mtime_ns, pack.stat().st_ino
    build(archive, tmp_path / "b", tmp_path / "cache")
    assert taken_over_and_cached() == (60, 0)
    assert (pack.stat().st_mtime_ns, pack.stat().st_ino) == written  # nothing to rewrite
    assert sorted(p.name for p in pack.parent.iterdir()) == [
        pack.name, f"{pack.name}.state", f"{pack.name}.state.journal", f"{pack.name}{TOC_SUFFIX}",
    ]  # fmt: skip
    build(archive, tmp_path / "c", tmp_path / "other-cache")
    build(archive, tmp_path / "d", tmp_path / "unused", SEARCH_CACHE=False)
    assert not (tmp_path / "unused").exists()
    # Unset, it follows Pelican's CACHE_CONTENT (off here): nothing is written.
    build(archive, tmp_path / "e", tmp_path / "unset", SEARCH_CACHE=None)
    assert not list((tmp_path / "unset").rglob("search-*"))
    reference = index_files(tmp_path / "a")
    for output in ("b", "c", "d", "e"):
        assert index_files(tmp_path / output) == reference, output


def test_rebuild_after_changes_equals_a_cold_build(archive, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(archive, content)
    cache = tmp_path / "cache"
    build(content, tmp_path / "before", cache)
    # Add articles, change one, remove one, and break a cache entry on disk.
    generate.write_articles(content, 5, 7, start=1000)
    pages = sorted(content.rglob("*.md"))
    changed = pages[3].read_text(encoding="utf-8").replace("\n\n", "\n\nĐà Nẵng mở rộng. ", 1)
    pages[3].write_text(changed, encoding="utf-8")
    pages[10].unlink()
    offset, size = sorted(pack_contents(cache).values())[5]
    with open(cache / search_plugin.CACHE_FILE, "r+b") as pack:
        pack.seek(offset)
        pack.write(b"\x00" * size)
    build(content, tmp_path / "warm", cache)
    assert taken_over_and_cached() == (0, 57)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert index_files(tmp_path / "warm") == index_files(tmp_path / "cold")
    assert json.loads(index_files(tmp_path / "warm")["meta.json"])["docs"] == 64
    # Entries of the changed and removed articles are gone: one per article remains.
    assert len(pack_contents(cache)) == 64


NEWEST = """Title: Đà Nẵng mở thêm tuyến xe buýt {n}
Date: 2031-0{n}-01 08:00
Category: Thời sự
Source: danang.gov.vn

Thành phố Đà Nẵng mở thêm tuyến xe buýt số {n} nối sân bay với bán đảo Sơn Trà.
"""


def test_newer_articles_are_added_to_the_previous_postings(archive, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(archive, content)
    cache = tmp_path / "cache"
    build(content, tmp_path / "before", cache)
    state = cache / f"{search_plugin.CACHE_FILE}.state"
    state_inode = state.stat().st_ino
    for n in (1, 2):
        (content / "thoi-su" / f"xe-buyt-{n}.md").write_text(NEWEST.format(n=n), encoding="utf-8")
    build(content, tmp_path / "warm", cache)
    assert taken_over_and_cached() == (60, 0)
    # The state is not written again: what the build added goes to its journal.
    assert state.stat().st_ino == state_inode
    assert state.with_name(state.name + ".journal").stat().st_size > 1000
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert index_files(tmp_path / "warm") == index_files(tmp_path / "cold")
    assert len(pack_contents(cache)) == 62  # the kept entries and the two new ones
    # The state then serves the next build, and a build that drops one goes back to the terms.
    (content / "thoi-su" / "xe-buyt-1.md").unlink()
    build(content, tmp_path / "again", cache)
    assert taken_over_and_cached() == (0, 61)
    build(content, tmp_path / "again-cold", tmp_path / "another-cache")
    assert index_files(tmp_path / "again") == index_files(tmp_path / "again-cold")


BACK_DATED = """Title: Hồ sơ cũ về cầu Rồng được công bố lại
Date: 2019-03-02 09:00
Category: Thời sự
Source: danang.gov.vn
Captured: 2032-01-05 10:00+07:00

Cầu Rồng ở Đà Nẵng khánh thành năm 2013; hồ sơ thiết kế được công bố lại.
"""


def test_a_back_dated_story_captured_later_is_added_to_the_previous_postings(archive, tmp_path):
    """Documents go in capture order: a story dated years back but captured after everything
    else comes last, so the rebuild indexes it alone (in date order it came first, and every
    document was indexed again)."""
    content = tmp_path / "content"
    shutil.copytree(archive, content)
    cache = tmp_path / "cache"
    build(content, tmp_path / "before", cache)
    (content / "thoi-su" / "cau-rong.md").write_text(BACK_DATED, encoding="utf-8")
    build(content, tmp_path / "warm", cache)
    assert taken_over_and_cached() == (60, 0)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert index_files(tmp_path / "warm") == index_files(tmp_path / "cold")
    records = json.loads(index_files(tmp_path / "cold")["d/12.json"])
    assert records[0][1] == "Hồ sơ cũ về cầu Rồng được công bố lại"  # document 60, the last


def test_with_the_project_settings_the_cache_follows_the_content_cache(archive, tmp_path):
    if "fast_build" not in plugins():
        pytest.skip("plugins/fast_build (which switches the content cache on) is not installed")
    settings = {"SEARCH_CACHE": None, "FAST_BUILD_CACHE": True}
    build(archive, tmp_path / "out", tmp_path / "cache", **settings)  # (one folder per output)
    packs = list((tmp_path / "cache").rglob(search_plugin.CACHE_FILE))
    assert len(packs) == 1
    cold = index_files(tmp_path / "out")
    build(archive, tmp_path / "out", tmp_path / "cache", **settings)
    assert index_files(tmp_path / "out") == cold
    # fast_build starts a new folder when any plugin's code changed in between (someone editing
    # the tree while this runs); otherwise the second build takes the postings over.
    if packs[0].is_file():
        assert taken_over_and_cached() == (60, 0)


def test_a_broken_pack_or_a_killed_build_s_leftover_only_costs_time(archive, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / search_plugin.CACHE_FILE).write_bytes(b"not a pack at all" * 100)
    leftover = cache / f".{search_plugin.CACHE_FILE}.abc123.tmp"
    leftover.write_bytes(b"half a pack")
    os.utime(leftover, (1, 1))  # left by a build killed long ago
    fresh = cache / f".{search_plugin.CACHE_FILE}.def456.tmp"
    fresh.write_bytes(b"another build, running now")
    result = build(archive, tmp_path / "out", cache)
    assert not [m for m in result.messages(logging.WARNING) if m.startswith("search")]
    assert not leftover.exists() and fresh.exists()
    assert len(pack_contents(cache)) == 60
    build(archive, tmp_path / "ref", tmp_path / "fresh-cache")
    assert index_files(tmp_path / "out") == index_files(tmp_path / "ref")


def test_a_cache_folder_that_cannot_be_written_only_costs_time(archive, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    result = build(archive, tmp_path / "out", blocker)
    assert any("cannot write the term cache" in m for m in result.messages(logging.WARNING))
    build(archive, tmp_path / "ref", tmp_path / "ok-cache")
    assert index_files(tmp_path / "out") == index_files(tmp_path / "ref")


def test_shards_stay_small(archive, tmp_path):
    build(archive, tmp_path / "out", tmp_path / "cache")
    files = index_files(tmp_path / "out")
    meta = json.loads(files["meta.json"])
    terms = {n: d for n, d in files.items() if n.startswith("t/")}
    assert sum(map(len, terms.values())) / meta["shards"] <= SHARD_BYTES
    for name, data in files.items():
        if name.startswith("d/"):
            assert len(json.loads(data)) <= SHARD_DOCS
            assert len(data) <= SHARD_DOCS * 1024, name
    # A two-syllable query downloads meta.json and at most three term shards.
    wanted = {f"t/{zlib.crc32(t.encode()) % meta['shards']}.json" for t in ("ha", "noi", "ha noi")}
    fetched = len(files["meta.json"]) + sum(len(files.get(name, b"")) for name in wanted)
    assert fetched < 3 * SHARD_BYTES + 16 * 1024


def test_a_module_change_invalidates_the_cache_key():
    key = search_plugin.digest("Tiêu đề", "<p>Nội dung</p>", "hanoi.gov.vn")
    assert key == search_plugin.digest("Tiêu đề", "<p>Nội dung</p>", "hanoi.gov.vn")
    assert key != search_plugin.digest("Tiêu đề", "<p>Nội dung.</p>", "hanoi.gov.vn")
    assert len(search_plugin.CODE) == 16 and search_index.VERSION >= 1
    assert Path(search_text.__file__).name == "text.py"


def test_the_reader_html_gives_the_terms_of_the_rendered_content(tmp_path):
    """The index reads ``_content`` (no link rewriting); Pelican's rewriting of intrasite links
    touches URL attributes only, so the visible words are the same."""
    from pelican.contents import Article
    from pelican.settings import read_settings

    from tests.sitebuild import ROOT

    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(tmp_path)})
    context = {"generated_content": {}, "static_content": {}, "localsiteurl": ""}
    html = (
        '<p>Xem <a href="{filename}/khac.md">bài về Đà Nẵng</a>, <a href="{tag}cau-rong">'
        'thẻ</a> và ảnh <img src="{static}/images/cau.jpg" alt="Cầu Rồng"></p>'
    )
    article = Article(
        html, metadata={"title": "Cầu", "slug": "cau"}, settings=settings,
        source_path=str(tmp_path / "cau.md"), context=context,
    )  # fmt: skip
    assert article.content != html  # Pelican did rewrite the links
    assert search_plugin._html(article) == html
    assert search_text.visible_words(article.content) == search_text.visible_words(html)
