"""The Markdown store and importer: atomic, idempotent, never overwriting another article."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from scripts.dates import VN_TZ
from scripts.importer import ImportOptions, import_article, import_paths, summarize
from scripts.models import Article, Report, StoreError
from scripts.store import ContentIndex, article_path, overwrite, read_header, write_atomic
from tests.helpers import FIXTURES

TEXT = FIXTURES / "text"


def _article(**changes) -> Article:
    base = Article(
        title="Đà Nẵng khai trương tuyến buýt điện ven biển",
        body_html="<p>Tuyến buýt số 15 chạy dọc đường Võ Nguyên Giáp với 24 điểm dừng.</p>" * 3,
        date=datetime(2023, 5, 2, 9, 30, tzinfo=VN_TZ),
        source="danang.gov.vn",
        source_url="https://danang.gov.vn/tin-tuc/buyt-dien-ven-bien.html",
        via_url="https://tinnhanh365.vn/thoi-su/buyt-dien-ven-bien-1.html",
        report=Report(method="test", confidence=0.9),
    )
    return replace(base, **changes)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_import_writes_topic_year_slug_path(tmp_path):
    options = ImportOptions(content_dir=tmp_path, category="Đà Nẵng")
    outcome = import_article(_article(), "t", options, ContentIndex.scan(tmp_path))
    assert outcome.action == "wrote"
    assert outcome.path == tmp_path / "da-nang/2023/da-nang-khai-truong-tuyen-buyt-dien-ven-bien.md"
    header = read_header(outcome.path)
    assert header["Category"] == "Đà Nẵng"
    assert header["Date"] == "2023-05-02 09:30+07:00"
    assert header["Via_URL"] == "https://tinnhanh365.vn/thoi-su/buyt-dien-ven-bien-1.html"


def test_reimport_changes_nothing_not_even_mtime(tmp_path):
    options = ImportOptions(content_dir=tmp_path)
    first = import_paths([TEXT], options)
    assert summarize(first) == "3 wrote, 3 quarantined"
    stamps = {p: p.stat().st_mtime_ns for p in _files(tmp_path)}
    contents = {p: p.read_bytes() for p in stamps}
    os.utime(next(iter(stamps)), ns=(1, 1))  # a rewrite would move this back to now
    stamps[next(iter(stamps))] = 1
    again = import_paths([TEXT], options)
    assert summarize(again) == "3 unchanged, 3 quarantined"
    assert {p: p.stat().st_mtime_ns for p in _files(tmp_path)} == stamps
    assert {p: p.read_bytes() for p in stamps} == contents


def test_fresh_import_is_byte_identical(tmp_path):
    import_paths([TEXT], ImportOptions(content_dir=tmp_path / "a"))
    import_paths([TEXT], ImportOptions(content_dir=tmp_path / "b"))
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in _files(tmp_path / "a")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in _files(tmp_path / "b")}
    assert a == b and len(a) == 3


def test_same_slug_different_article_gets_a_new_name(tmp_path):
    index = ContentIndex.scan(tmp_path)
    options = ImportOptions(content_dir=tmp_path)
    one = import_article(_article(), "a", options, index)
    other = _article(
        source_url="https://danang.gov.vn/tin-tuc/khac.html", via_url=None, body_html="<p>Khác.</p>"
    )
    two = import_article(other, "b", options, index)
    assert one.path != two.path
    assert two.path.name == "da-nang-khai-truong-tuyen-buyt-dien-ven-bien-2.md"
    assert read_header(two.path)["Slug"] == "da-nang-khai-truong-tuyen-buyt-dien-ven-bien-2"
    assert "24 điểm dừng" in one.path.read_text(encoding="utf-8")
    # A new process sees the same thing: the index is rebuilt from the files.
    again = import_article(other, "b", options, ContentIndex.scan(tmp_path))
    assert again.action == "unchanged" and again.path == two.path


def test_same_story_from_another_site_is_recorded_not_duplicated(tmp_path):
    options = ImportOptions(content_dir=tmp_path)
    index = ContentIndex.scan(tmp_path)
    first = import_article(_article(), "a", options, index)
    copy = _article(via_url="https://webkhoedep.vn/thoi-su/buyt-dien-99.html", title="Khác tiêu đề")
    second = import_article(copy, "b", options, index)
    assert second.action == "merged" and second.path == first.path
    assert len(_files(tmp_path)) == 1
    vias = read_header(first.path)["Via_URL"]
    assert vias == (
        "https://tinnhanh365.vn/thoi-su/buyt-dien-ven-bien-1.html, "
        "https://webkhoedep.vn/thoi-su/buyt-dien-99.html"
    )
    # Importing either copy again changes nothing.
    assert import_article(copy, "b", options, ContentIndex.scan(tmp_path)).action == "unchanged"
    assert (
        import_article(_article(), "a", options, ContentIndex.scan(tmp_path)).action == "unchanged"
    )


def test_improved_extraction_updates_in_place(tmp_path):
    options = ImportOptions(content_dir=tmp_path)
    first = import_article(_article(), "a", options, ContentIndex.scan(tmp_path))
    better = _article(body_html="<p>Nội dung đầy đủ hơn sau khi sửa quy tắc.</p>")
    second = import_article(better, "a", options, ContentIndex.scan(tmp_path))
    assert second.action == "updated" and second.path == first.path
    assert "đầy đủ hơn" in first.path.read_text(encoding="utf-8")


def test_low_confidence_and_undated_articles_become_drafts(tmp_path):
    options = ImportOptions(content_dir=tmp_path)
    weak = _article(
        report=Report(method="generic", confidence=0.2, warnings=("body has only 90 characters",))
    )
    outcome = import_article(weak, "w", options, ContentIndex.scan(tmp_path))
    assert outcome.action == "draft" and "90 characters" in outcome.reason
    assert read_header(outcome.path)["Status"] == "draft"
    forced = import_article(weak, "w", replace(options, force=True), ContentIndex.scan(tmp_path))
    assert "Status" not in read_header(forced.path)
    undated = _article(date=None, source_url="https://danang.gov.vn/x.html")
    out = import_article(undated, "u", options, ContentIndex.scan(tmp_path))
    assert out.action == "draft" and "no publication date" in out.reason
    assert out.path.parent.name == "undated"


def test_topic_falls_back_to_source_default_then_archive_default(tmp_path):
    plain = _article(category=None)
    by_source = ImportOptions(
        content_dir=tmp_path, topic_for=lambda key: "Giao thông" if "tinnhanh365" in key else None
    )
    out = import_article(plain, "a", by_source, ContentIndex.scan(tmp_path))
    assert read_header(out.path)["Category"] == "Giao thông"
    nothing = ImportOptions(content_dir=tmp_path / "x", default_topic="Thời sự")
    out = import_article(plain, "a", nothing, ContentIndex.scan(tmp_path / "x"))
    assert read_header(out.path)["Category"] == "Thời sự"


@pytest.mark.parametrize("slug", ["../../etc/passwd", "/abs/path", "con", "a\x00b", "." * 300])
def test_paths_never_escape_the_content_folder(tmp_path, slug):
    path = article_path(tmp_path, "../../../tmp", "2023", slug)
    assert tmp_path.resolve() in path.resolve().parents
    assert path.suffix == ".md" and ".." not in path.relative_to(tmp_path).parts


def test_bad_year_is_refused(tmp_path):
    with pytest.raises(StoreError):
        article_path(tmp_path, "x", "../2023", "slug")


def test_atomic_write_leaves_no_temporary_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "a" / "b.md"
    assert write_atomic(target, "một\n") is True
    assert write_atomic(target, "một\n") is False

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(StoreError, match="No space left"):
        write_atomic(target, "hai\n")
    assert target.read_text(encoding="utf-8") == "một\n"
    assert [p.name for p in target.parent.iterdir()] == ["b.md"]


def test_parallel_import_gives_the_same_files(tmp_path):
    serial = import_paths([TEXT], ImportOptions(content_dir=tmp_path / "one"))
    parallel = import_paths([TEXT], ImportOptions(content_dir=tmp_path / "two", jobs=2))
    assert [o.action for o in serial] == [o.action for o in parallel]
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in _files(tmp_path / "one")}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in _files(tmp_path / "two")}
    assert one == two


def test_slow_extraction_is_quarantined_not_waited_for(tmp_path, monkeypatch):
    import time

    import scripts.importer as importer

    def slow(capture, url=None):
        time.sleep(5)

    monkeypatch.setattr(importer, "extract", slow)
    started = time.monotonic()
    (outcome,) = import_paths(
        [TEXT / "webkhoedep-bua-sang.txt"], ImportOptions(content_dir=tmp_path, time_limit=0.2)
    )
    assert outcome.action == "quarantined" and "longer than 0.2 s" in outcome.reason
    assert time.monotonic() - started < 4
    assert not list(tmp_path.rglob("*.md"))


def test_site_categories_map_to_archive_topics_and_policy_is_recorded(tmp_path):
    from scripts.sources import parse_sources

    sources = parse_sources(
        """
[topics]
"Bệnh thường gặp" = "Sức khỏe"

[[source]]
name = "tn"
home = "https://tinnhanh365.vn/"
policy = "excerpt"
[source.discovery]
feeds = ["https://tinnhanh365.vn/rss"]
""",
        "t.toml",
    )
    options = ImportOptions(
        content_dir=tmp_path, topic_alias=sources.topic_alias, policy_for=sources.policy_for
    )
    out = import_article(
        _article(category="bệnh THƯỜNG gặp"), "a", options, ContentIndex.scan(tmp_path)
    )
    header = read_header(out.path)
    assert header["Category"] == "Sức khỏe" and header["Policy"] == "excerpt"
    other = _article(
        category="Kinh tế",
        via_url="https://webkhoedep.vn/x-1.html",
        source_url=None,
        body_html="<p>Giá lúa tăng mạnh.</p>",
    )
    out = import_article(other, "b", options, ContentIndex.scan(tmp_path))
    assert read_header(out.path)["Category"] == "Kinh tế" and "Policy" not in read_header(out.path)


def test_an_unexpected_failure_quarantines_one_page_not_the_run(tmp_path, monkeypatch):
    import scripts.importer as importer

    real = importer.extract

    def flaky(capture, url=None):
        if "bua-sang" in capture.origin:
            raise ImportError("a library is missing")
        return real(capture, url=url)

    monkeypatch.setattr(importer, "extract", flaky)
    outcomes = import_paths([TEXT], ImportOptions(content_dir=tmp_path))
    bad = [o for o in outcomes if "bua-sang" in o.origin]
    assert bad[0].action == "quarantined" and "ImportError" in bad[0].reason
    assert summarize(outcomes) == "2 wrote, 4 quarantined"


COPY_BODY = "".join(
    f"<p>Đoạn {i}: Ủy ban nhân dân thành phố Đà Nẵng vừa công bố kế hoạch mở rộng tuyến buýt "
    f"điện ven biển thêm {i + 3} km, kết nối các khu du lịch phía nam với trung tâm.</p>"
    for i in range(6)
)


def test_same_text_from_another_site_without_original_url_is_merged(tmp_path):
    options = ImportOptions(content_dir=tmp_path)
    first = _article(source_url=None, body_html=COPY_BODY)
    out = import_article(first, "a", options, ContentIndex.scan(tmp_path))
    copy = _article(
        source_url=None,
        title="Đà Nẵng mở rộng buýt điện (bài đăng lại)",
        via_url="https://webkhoedep.vn/thoi-su/buyt-dien-5.html",
        body_html="<p>webkhoedep.vn đăng lại.</p>" + COPY_BODY.replace("Đoạn 5", "Phần cuối"),
    )
    again = import_article(copy, "b", options, ContentIndex.scan(tmp_path))
    assert again.action == "merged" and again.path == out.path
    assert read_header(out.path)["Via_URL"].endswith(
        ", https://webkhoedep.vn/thoi-su/buyt-dien-5.html"
    )
    assert len(_files(tmp_path)) == 1
    # A different story on the same day stays its own article.
    other = _article(
        source_url=None,
        title="Hà Nội trồng thêm cây xanh",
        via_url="https://webkhoedep.vn/thoi-su/cay-xanh-6.html",
        body_html="".join(
            f"<p>Hà Nội trồng mới {i * 1000} cây xanh trên các tuyến phố nội đô trong quý {i}, "
            "ưu tiên các loài cây bản địa có tán rộng và ít rụng lá.</p>"
            for i in range(6)
        ),
    )
    assert import_article(other, "c", options, ContentIndex.scan(tmp_path)).action == "wrote"
    # Two different original URLs are two stories, however alike.
    elsewhere = ImportOptions(content_dir=tmp_path / "two")
    one = _article(source_url="https://danang.gov.vn/buyt.htm", body_html=COPY_BODY)
    agency = _article(
        source_url="https://baochinhphu.vn/buyt-dien.htm",
        via_url="https://tinnhanh365.vn/x-7.html",
        body_html=COPY_BODY,
    )
    assert (
        import_article(one, "d", elsewhere, ContentIndex.scan(tmp_path / "two")).action == "wrote"
    )
    index = ContentIndex.scan(tmp_path / "two")
    assert import_article(agency, "e", elsewhere, index).action == "wrote"


def test_fingerprints_separate_copies_from_other_articles():
    from scripts.fingerprint import distance, resemblance, same_story, simhash, words_of

    words = words_of(COPY_BODY)
    edited = words_of("<p>Bản đăng lại.</p>" + COPY_BODY.replace("Đoạn 5", "Phần cuối"))
    unrelated = words_of(COPY_BODY.replace("buýt điện ven biển", "cầu vượt sông Hàn") * 1)
    a, b = simhash(words), simhash(edited)
    assert a is not None and b is not None and distance(a, b) <= 12
    assert same_story(words, edited, a, b)
    assert resemblance(words, unrelated) < resemblance(words, edited)
    assert simhash(words[:10]) is None


def test_the_index_finds_copies_by_day_and_follows_a_changed_date(tmp_path):
    from scripts.fingerprint import simhash, words_of

    body = "Ủy ban nhân dân thành phố Đà Nẵng công bố kế hoạch mở rộng tuyến buýt điện. " * 8
    path = tmp_path / "kinh-te" / "2024" / "a.md"
    write_atomic(path, f"Title: A\nDate: 2024-05-02 08:00+07:00\n\n{body}\n")
    index = ContentIndex.scan(tmp_path)
    mine = simhash(words_of(body))
    for date, found in (("2024-05-01", True), ("2024-05-03 23:59", True), ("2024-05-04", False)):
        assert (index.find_copy(body, None, date, mine) is not None) is found, date
    assert index.find_copy(body, None, "2024-05-02", None) is None  # too short to fingerprint
    index.add(path, {"Title": "A", "Date": "2024-06-10 08:00+07:00"})
    assert index.find_copy(body, None, "2024-05-02", mine) is None
    assert index.find_copy(body, None, "2024-06-11", mine) is not None


def test_overwrite_writes_in_place_and_cuts_only_a_longer_file(tmp_path: Path) -> None:
    """The file ends up holding exactly the bytes, in the same inode (no truncation to zero),
    whether the new bytes are longer, shorter, as long, or the file is new."""
    path = tmp_path / "shard.json"
    overwrite(path, b'{"ha noi":"1,2,3"}')
    inode = path.stat().st_ino
    for data in (
        b'{"ha":"1"}',
        b'{"ha noi":"1,2,3,4,5,6,7,8"}',
        b'{"da nang":"9,9,9,9,9,9,9,9"}',
        b"",
    ):
        overwrite(path, data)
        assert path.read_bytes() == data and path.stat().st_ino == inode
    assert (path.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
