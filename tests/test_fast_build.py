"""Build speed-ups never change the output (plugins/fast_build, topic_feeds' cache, article_context).

Timings are the benchmark's business (scripts/bench); these tests check what the speed-ups rest
on: the reused Markdown instance reads every file as Pelican's reader does, the linear-time
wrappers return what Pelican's quadratic code returns, the fast ``Captured`` parser agrees with
Pelican's ``get_date``, and whole builds with and without the plugin are byte-identical.
"""

from __future__ import annotations

import logging
import random
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings
from pelican.utils import get_date

from scripts.bench import generate
from tests.sitebuild import ROOT, SITE_CONTENT, build_site, plugins

sys.path.insert(0, str(ROOT / "plugins"))

from article_context.article_context import parse_captured
from fast_build import file_stamps, pelican_fixes
from fast_build.markdown_reader import ReusingMarkdownReader

# Files that exercise the Markdown extensions whose state reset() has to clear.
TRICKY = {
    "footnotes.md": "Title: Chú thích\nDate: 2024-01-02 10:00\nSummary: Tóm *tắt* [^1]\n\n"
    "Câu có chú thích.[^1]\n\n[^1]: Ghi chú một.\n\n*[HTML]: HyperText\n\nHTML ở đây.\n",
    "plain.md": "Title: Không chú thích\nDate: 2024-01-03 10:00\n\nChỉ có HTML và [ref].\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n[ref]: https://example.com\n",
    "abbr-again.md": "Title: Viết tắt\nDate: 2024-01-04 10:00\nTags: a, b\n\nHTML lần nữa.[^x]\n\n"
    '[^x]: Ghi chú khác.\n\n<div markdown="1">*trong div*</div>\n',
}


def _markdown_files(tmp_path: Path) -> list[Path]:
    generate.write_articles(tmp_path / "generated", 40, 3)
    for name, text in TRICKY.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = sorted(tmp_path.rglob("*.md")) + sorted(SITE_CONTENT.rglob("*.md"))
    # Interleave so every kind of file follows every other kind.
    return files + files[::-1]


def test_reused_markdown_instance_reads_like_pelican(tmp_path: Path) -> None:
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    pelican_reader, reusing = MarkdownReader(settings), ReusingMarkdownReader(settings)
    files = _markdown_files(tmp_path)
    for path in files:
        assert reusing.read(str(path)) == pelican_reader.read(str(path)), path
    assert reusing._shared is not None  # the instance really was reused


def test_wrappers_are_installed_on_this_pelican() -> None:
    assert pelican_fixes.install() == dict.fromkeys(pelican_fixes.KNOWN_SOURCES, True)


def test_a_changed_pelican_function_is_left_alone(monkeypatch, caplog) -> None:
    class Owner:
        def method(self):
            return "pelican's own"

    original = Owner.method
    monkeypatch.setitem(pelican_fixes.KNOWN_SOURCES, "Owner.method", "0" * 64)
    pelican_fixes._install("Owner.method", Owner, "method", lambda f: lambda self: "wrapped")
    assert Owner.method is original
    assert "left as it is" in caplog.text
    pelican_fixes._installed.pop("Owner.method", None)


class _Item:
    def __init__(self, slug: str, lang: str, translation: str | None = "false") -> None:
        self.slug, self.lang = slug, lang
        self.in_default_lang = lang == "vi"
        self.metadata = {} if translation is None else {"translation": translation}
        self.source_path = f"{slug}-{lang}.md"
        self.translations: list = []


def test_translation_grouping_returns_what_pelican_returns() -> None:
    from pelican import utils

    wrapped = pelican_fixes._wrap_process_translations(utils.process_translations)
    rng = random.Random(5)
    marks = ["false", "true", "False", "TRUE", None]
    for _ in range(60):
        slugs = rng.choice([12, 40])  # many groups of one, or larger groups
        items = [
            _Item(f"s{rng.randrange(slugs)}", rng.choice(["vi", "en"]), rng.choice(marks))
            for _ in range(rng.randrange(1, 40))
        ]
        twin = list(items)
        expected = utils.process_translations(items, "slug")
        expected_translations = {id(i): [id(t) for t in i.translations] for i in items}
        got = wrapped(twin, "slug")
        assert [list(map(id, part)) for part in got] == [list(map(id, part)) for part in expected]
        assert {id(i): [id(t) for t in i.translations] for i in twin} == expected_translations


def test_relative_source_path_shortcut_answers_as_pelican(tmp_path: Path, monkeypatch) -> None:
    from pelican.contents import Content

    method = Content.get_relative_source_path
    original = getattr(method, "__wrapped__", method)
    shortcut = pelican_fixes._wrap_relative_source_path(original)
    monkeypatch.chdir(tmp_path)
    roots = [
        str(tmp_path / "content"),
        str(tmp_path / "content") + "/",
        "content",
        "./content/../content",
    ]
    paths = [
        None, "a.md", "tin/2024/a.md", str(tmp_path / "content/tin/a.md"),
        str(tmp_path / "content/tin/../b.md"), str(tmp_path / "other/c.md"), "../x.md",
        str(tmp_path / "content//tin/./d.md"),
    ]  # fmt: skip

    class Item(Content):
        def __init__(self, settings, source_path) -> None:
            self.settings, self.source_path = settings, source_path

    for root in roots:
        settings = {"PATH": root, "PLUGINS": ["fast_build"]}
        for own in paths:
            for given in paths:
                item = Item(settings, own)
                for _ in range(2):  # asked again, the same answer
                    assert shortcut(item, given) == original(item, given), (root, own, given)
    # The same source path under another PATH (same settings dict) gets that PATH's answer.
    settings = {"PATH": "/srv/a", "PLUGINS": ["fast_build"]}
    item = Item(settings, "/srv/a/x/y.md")
    answers = [shortcut(item)]
    settings["PATH"] = "/srv/a/x"
    answers.append(shortcut(item))
    assert answers == ["x/y.md", "y.md"]


def test_static_links_shortcut_answers_as_pelican() -> None:
    from pelican.contents import Content

    original = getattr(Content.get_static_links, "__wrapped__", Content.get_static_links)
    shortcut = pelican_fixes._wrap_static_links(original)
    texts = [
        "<p>Không có liên kết nội bộ.</p>",
        '<img src="{static}/images/a.jpg"> <a href="{filename}/b.md">b</a>',
        '<img src="|static|images/c.jpg"> và <a href="|attach|d.pdf">d</a>',
        "<p>Dấu { và | trong chữ, không phải liên kết.</p>",
        '<img src="<<static>>/e.jpg">',
    ]

    class Item(Content):
        def __init__(self, settings, text) -> None:
            self.settings, self._content = settings, text
            self.source_path = "/srv/content/tin/a.md"

    for regex in [pelican_fixes.DEFAULT_INTRASITE, "<<(?P<what>.*?)>>"]:
        settings = {"INTRASITE_LINK_REGEX": regex, "PATH": "/srv/content"}
        for text in texts:
            item = Item(settings, text)
            assert shortcut(item) == original(item), (regex, text)
    assert original(Item({**settings}, texts[-1])) == {"e.jpg"}  # the custom pattern is used


def test_ignore_patterns_shortcut_answers_as_pelican() -> None:
    from types import SimpleNamespace

    from pelican.generators import Generator

    original = getattr(Generator._include_path, "__wrapped__", Generator._include_path)
    shortcut = pelican_fixes._wrap_include_path(original)
    names = [
        "tin/a.md", "tin/.#a.md", "tin/a.md.tmp", "tin/.an", "a.markdown", "b.rst", "c.html",
        "d.MD", "anh/e.jpg", "[x].md", "f", ".md", "tin/g.md~", "h.tmp.md", "dir.tmp/i.md",
    ]  # fmt: skip
    pattern_sets = [
        [".#*", "*.tmp", ".*"],
        [],
        ["*.md"],
        ["[x]*", "?.rst", "*~"],
        ["*[!a-z].md", "h.*"],
    ]
    for patterns in pattern_sets:
        generator = SimpleNamespace(
            settings={"IGNORE_FILES": patterns},
            readers=SimpleNamespace(extensions=["md", "markdown", "rst", "html", "htm"]),
        )
        for name in names:
            for extensions in (None, False, ("md",)):
                expected = original(generator, name, extensions)
                assert shortcut(generator, name, extensions) == expected, (patterns, name)


def test_a_plain_page_name_is_the_path_pelicans_writer_would_join() -> None:
    """page_memo takes a plain relative page name as its path below the output folder instead
    of calling ``sanitised_join``; every name it takes must give the same path."""
    from fast_build import page_memo
    from pelican.utils import sanitised_join

    base = "/srv/out"
    names = [
        "index.html", "tin/2024/bai.html", "tag/ha-noi/page/2/index.html", "a..b/c.html",
        ".nojekyll", "./a.html", "a/./b.html", "a/../b.html", "../a.html", "/a.html", "a//b.html",
        "a/", "..", ".", "a/.", "a/..", "tin/.hidden/x.html", "tiếng việt/bài.html", "a\\b.html",
    ]  # fmt: skip
    taken = 0
    for name in names:
        plain = page_memo._plain(name)
        if plain is None:
            continue
        taken += 1
        assert plain == name and sanitised_join(base, name) == f"{base}/{name}", name
    assert taken >= 7


def test_the_disabled_readers_walk_is_skipped_only_when_no_reader_is_disabled() -> None:
    from pelican.generators import Generator

    pelican_fixes.install()

    class Readers:
        def __init__(self, disabled) -> None:
            self.disabled_extensions, self.checked = disabled, []

        def check_file(self, path) -> None:
            self.checked.append(path)

    class Walker:
        def __init__(self, disabled) -> None:
            self.readers, self.walks = Readers(disabled), []
            self.settings = {"PLUGINS": ["fast_build"]}

        def get_files(self, paths, exclude=None, extensions=None):
            self.walks.append(list(extensions))
            return {"a.rst"} if "rst" in extensions else set()

    for disabled, walks, checked in (
        ({}.keys(), [], []),
        ({"rst": 1}.keys(), [["rst"]], ["a.rst"]),
    ):
        walker = Walker(disabled)
        Generator._check_disabled_readers(walker, ["articles"], [])
        assert (walker.walks, walker.readers.checked) == (walks, checked)
    walker = Walker({}.keys())
    walker.settings = {"PLUGINS": []}  # a build without the plugin: Pelican's walk
    Generator._check_disabled_readers(walker, ["articles"], [])
    assert walker.walks == [[]]


def test_captured_parser_agrees_with_pelicans_get_date() -> None:
    rng = random.Random(7)
    values = [
        "2024-03-15 10:12+07:00", "2024-06-09T07:45:00+07:00", "2024-03-15 10:12-05:30",
        "2024-03-15 10:12+00:00", "2024-02-30 10:12+07:00", "2024-03-15 24:00+07:00",
        "2024-03-15 10:12+24:00", "15/03/2024 10:12", "2024-03-15", "hôm qua",
    ]  # fmt: skip
    for _ in range(2000):
        values.append(
            f"{rng.randrange(1, 9999):04d}-{rng.randrange(0, 14):02d}-{rng.randrange(0, 33):02d}"
            f"{rng.choice('T ')}{rng.randrange(0, 26):02d}:{rng.randrange(0, 62):02d}"
            f"{rng.choice(['', f':{rng.randrange(0, 62):02d}'])}{rng.choice('+-')}"
            f"{rng.randrange(0, 25):02d}:{rng.randrange(0, 61):02d}"
        )

    def outcome(parse, value):
        try:
            parsed = parse(value)
        except ValueError as exc:
            return ("error", type(exc))
        try:
            shown = parsed.isoformat(), parsed.strftime("%d/%m/%Y %Z %z")
        except ValueError as exc:  # dateutil accepts offsets datetime cannot print
            shown = ("unprintable", str(exc))
        return type(parsed), repr(parsed), shown

    for value in values:
        assert outcome(parse_captured, value) == outcome(get_date, value), value


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The fixture site plus 60 generated articles (many tags, topics, years)."""
    content = tmp_path_factory.mktemp("archive") / "content"
    shutil.copytree(SITE_CONTENT, content)
    generate.write_articles(content, 60, 11)
    return content


@pytest.mark.parametrize(
    "extra",
    [{}, {"AUTHOR_URL": "author/{slug}/", "AUTHOR_SAVE_AS": "author/{slug}/index.html"}],
    ids=["clearpress", "with-author-pages"],
)
def test_build_with_fast_build_is_byte_identical_to_one_without(archive, tmp_path, extra) -> None:
    everything = [p for p in plugins() if p != "search"]
    assert "fast_build" in everything
    without = [p for p in everything if p != "fast_build"]
    fast = build_site(tmp_path / "fast", archive, PLUGINS=everything, **extra)
    slow = build_site(tmp_path / "slow", archive, PLUGINS=without, **extra)
    if extra:
        assert (fast.output / "author").is_dir()
    assert not fast.messages(level=40) and not slow.messages(level=40)
    assert _tree(fast.output) == _tree(slow.output)


def _edit(content: Path, seed: int) -> Path:
    """Change the archive as imports and takedowns do; return the article that was taken down."""
    generate.write_articles(content, 6, seed, start=60)  # new articles, at random dates
    articles = sorted(content.glob("*/20*/*.md"))
    changed = articles[3]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("\n\n", "\n\nMột đoạn mới ở đầu bài.\n\n", 1), encoding="utf-8")
    removed = articles[7]
    removed.unlink()  # a takedown: its page, and its place in every listing, must go
    return removed


def test_cached_rebuild_equals_a_clean_build_of_the_same_content(archive, tmp_path, caplog) -> None:
    """Build cold into A; change the content; rebuild A with the cache (B); build the final
    content with no cache into C: B and C are the same bytes, and the taken-down page is gone.

    Most pages of B are kept from A rather than rendered again (fast_build's page memo); a page
    edited by hand in the output in between is rendered again.
    """
    caplog.set_level(logging.INFO, logger="fast_build")
    content = tmp_path / "content"
    shutil.copytree(archive, content)
    cache = tmp_path / "cache"
    everything = plugins()
    assert "search" in everything  # its index folder is kept between builds (FAST_BUILD_KEEP)
    # Files count as unchanged since the first build (their change times are older than it
    # started by more than file_stamps.RACY_NS), so the rebuild takes their stamps from the book.
    started = time.time_ns() + 10 * file_stamps.RACY_NS
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(file_stamps.time, "time_ns", lambda: started)
        first = build_site(tmp_path / "a", content, PLUGINS=everything, CACHE_PATH=str(cache))
    assert not first.messages(level=40)
    before = _tree(first.output)
    meta = first.output / "search" / "data" / "meta.json"
    shard_inodes = {p: p.stat().st_ino for p in meta.parent.glob("d/*.json")}
    listings = {p: p.stat().st_mtime_ns for p in first.output.glob("tag/*/index*.html")}
    (full_cache,) = cache.glob("*/ArticlesGenerator")
    full_inode = full_cache.stat().st_ino
    removed = _edit(content, 13)
    tampered = first.output / "about" / "index.html"
    tampered.write_text(tampered.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    caplog.clear()
    again = build_site(tmp_path / "a", content, PLUGINS=everything, CACHE_PATH=str(cache))
    counts = re.search(r"(\d+) pages kept as they were, (\d+) rendered", caplog.text)
    assert counts and int(counts[1]) > 50 and int(counts[2]) > 0, caplog.text[-2000:]
    stamps = re.search(r"(\d+) file stamps reused, (\d+) computed", caplog.text)
    assert stamps and int(stamps[1]) > 50 and int(stamps[2]) >= 7, caplog.text[-2000:]
    clean = build_site(
        tmp_path / "c", content, PLUGINS=everything, CACHE_PATH=str(tmp_path / "cold")
    )
    assert not again.messages(level=40) and not clean.messages(level=40)
    rebuilt, reference = _tree(again.output), _tree(clean.output)
    assert sorted(rebuilt) == sorted(reference)
    assert [name for name in reference if rebuilt[name] != reference[name]] == []
    page = removed.relative_to(content).with_suffix(".html").as_posix()
    assert page not in rebuilt and page in before
    # Listings (all pages of a tag) that no change touched were kept, the others rendered.
    kept = [p for p, mtime in listings.items() if p.exists() and p.stat().st_mtime_ns == mtime]
    assert 0 < len(kept) < len(listings)
    # Index shards of documents before the first change were not rewritten.
    assert any(p.exists() and p.stat().st_ino == ino for p, ino in shard_inodes.items())
    # The rebuild did use the cache: one folder for this content and output, reused.
    folders = [p for p in cache.iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "ArticlesGenerator").is_file()
    # Its changes went to the journal; the full cache file was not written again.
    assert full_cache.stat().st_ino == full_inode
    assert full_cache.with_name("ArticlesGenerator.journal").stat().st_size > 1000


def test_a_file_stamp_is_reused_only_while_the_file_shows_it_unchanged(tmp_path, monkeypatch):
    """The stamp book answers without hashing for files whose status is as recorded long enough
    after their last change, and hashes again a file changed just before the recording build, a
    file rewritten in place with its size and modification time restored, a file replaced by
    another, and everything when the book is unreadable."""
    import hashlib
    import os

    files = {name: tmp_path / f"{name}.md" for name in ("same", "rewritten", "replaced")}
    for name, path in files.items():
        path.write_text(f"Title: {name}\n\nnội dung\n", encoding="utf-8")
    hashed: list[str] = []

    def sha(path: str) -> bytes:
        hashed.append(Path(path).stem)
        return hashlib.sha256(Path(path).read_bytes()).digest()

    def build(seconds_later: int) -> file_stamps.StampBook:
        """One build's use of the book, ``seconds_later`` after the files were written."""
        hashed.clear()
        clock = now + seconds_later * 1_000_000_000
        monkeypatch.setattr(file_stamps.time, "time_ns", lambda: clock)
        book = file_stamps.StampBook(str(tmp_path / "book"))
        stamps = {name: book.stamp(str(path), sha) for name, path in files.items()}
        assert stamps == {n: hashlib.sha256(p.read_bytes()).digest() for n, p in files.items()}
        book.save()
        return book

    now = time.time_ns()
    build(0)  # files changed just before this build: their signatures do not count yet
    assert sorted(hashed) == sorted(files)
    build(10)
    assert sorted(hashed) == sorted(files)
    assert build(20).reused == 3 and hashed == []

    rewritten = files["rewritten"]
    stat = rewritten.stat()
    rewritten.write_text(rewritten.read_text(encoding="utf-8").replace("nội", "NỘI"), "utf-8")
    os.utime(rewritten, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert rewritten.stat().st_size == stat.st_size
    replacement = tmp_path / "replacement.md"
    replacement.write_bytes(files["replaced"].read_bytes())
    os.replace(replacement, files["replaced"])
    book = build(30)
    assert sorted(hashed) == ["replaced", "rewritten"] and (book.reused, book.computed) == (1, 2)

    (tmp_path / "book").write_bytes(b"not a pickle")
    build(40)
    assert sorted(hashed) == sorted(files)


def test_cleaning_the_output_keeps_recorded_pages_and_removes_what_it_empties(tmp_path) -> None:
    from fast_build import page_memo

    out = tmp_path / "out"
    files = [
        "kept/2024/page.html", "gone/2024/a/page.html", "half/kept.html", "half/gone.html",
        "keep-me/old/x.txt", "search/data/d/1.json", "top.html",
    ]  # fmt: skip
    for name in files:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(name, encoding="utf-8")
    for folder in ["empty/deeper/deepest", "kept/2024/empty", "keep-me/empty", "search/empty"]:
        (out / folder).mkdir(parents=True)
    (out / "linked").symlink_to(out / "kept", target_is_directory=True)
    memo = page_memo.PageMemo(
        {"CACHE_PATH": str(tmp_path / "cache")}, str(out), ["keep-me"], managed=["search"]
    )
    for name in ["kept/2024/page.html", "half/kept.html", "top.html"]:
        memo.previous[name] = (b"key", page_memo.signature(str(out / name)))
    memo.previous["gone/2024/a/page.html"] = (b"key", (0, 0, 0))  # changed since: not kept
    memo.clean_output()
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert left == [
        "half", "half/kept.html", "keep-me", "keep-me/empty", "keep-me/old", "keep-me/old/x.txt",
        "kept", "kept/2024", "kept/2024/page.html", "search", "search/data", "search/data/d",
        "search/data/d/1.json", "search/empty", "top.html",
    ]  # fmt: skip
    assert sorted(memo.previous) == ["half/kept.html", "kept/2024/page.html", "top.html"]
    # At the end of the build a recorded page nobody wrote is deleted, and the folders it leaves
    # empty with it.
    (tmp_path / "cache").mkdir()
    for name in ["half/kept.html", "top.html"]:
        memo.claim(name, b"key", str(out / name))
    memo.finish()
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    left = [name for name in left if not name.startswith("keep-me")]
    assert left == [
        "half", "half/kept.html", "search", "search/data", "search/data/d",
        "search/data/d/1.json", "search/empty", "top.html",
    ]  # fmt: skip


def test_a_settings_change_empties_the_cache(archive, tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="fast_build")
    content = tmp_path / "content"
    shutil.copytree(archive, content)
    cache = tmp_path / "cache"
    everything = [p for p in plugins() if p != "search"]
    build_site(tmp_path / "a", content, PLUGINS=everything, CACHE_PATH=str(cache))
    markdown = {"extension_configs": {"markdown.extensions.extra": {}}, "output_format": "html5"}
    changed = build_site(
        tmp_path / "a", content, PLUGINS=everything, CACHE_PATH=str(cache), MARKDOWN=markdown
    )
    clean = build_site(
        tmp_path / "c", content, PLUGINS=everything, CACHE_PATH=str(tmp_path / "cold"),
        MARKDOWN=markdown,
    )  # fmt: skip
    assert any("settings changed; the build cache starts empty" in m for m in changed.messages(20))
    assert _tree(changed.output) == _tree(clean.output)


def test_every_theme_template_can_be_kept_between_builds() -> None:
    """A template reading a neighbour's neighbour (article.newer_in_topic.newer_in_topic) would
    be rendered every build: fast_build's digest of a page covers one level of references."""
    import pelican
    from fast_build.page_memo import TemplateReads
    from jinja2 import Environment, FileSystemLoader

    simple = Path(pelican.__file__).parent / "themes" / "simple" / "templates"
    env = Environment(loader=FileSystemLoader([str(ROOT / "theme" / "templates"), str(simple)]))
    for path in sorted((ROOT / "theme" / "templates").glob("*.html")):
        reads = TemplateReads(env, path.name)
        assert reads.two_hop == [], path.name
        assert "dates" not in reads.names or path.name in ("archives.html", "period_archives.html")


def test_template_reads_are_reused_only_while_every_source_is_the_same(tmp_path: Path) -> None:
    """What a template reads is worked out once and reused by later builds (pickled in the cache)
    while the template and all it pulls in resolve to the same files with the same sources."""
    import pickle

    from fast_build.page_memo import TemplateReads
    from jinja2 import Environment, FileSystemLoader

    theme, override = tmp_path / "theme", tmp_path / "override"
    theme.mkdir()
    override.mkdir()
    (theme / "base.html").write_text("{{ SITENAME }}{% block body %}{% endblock %}", "utf-8")
    (theme / "macros.html").write_text("{% macro when(d) %}{{ d }}{% endmacro %}", "utf-8")
    (theme / "article.html").write_text(
        '{% extends "base.html" %}{% import "macros.html" as m %}'
        "{% block body %}{{ article.title }}{{ m.when(article.date) }}{% endblock %}",
        "utf-8",
    )

    def env() -> Environment:
        return Environment(loader=FileSystemLoader([str(override), str(theme)]))

    reads = pickle.loads(pickle.dumps(TemplateReads(env(), "article.html")))
    assert reads.names == {"SITENAME", "article"} and reads.still_read(env())
    (theme / "macros.html").write_text(
        "{% macro when(d) %}{{ d }}{{ LOCALE }}{% endmacro %}", "utf-8"
    )
    assert not reads.still_read(env())  # an imported template changed
    reads = TemplateReads(env(), "article.html")
    assert "LOCALE" in reads.names and reads.still_read(env())
    (override / "base.html").write_text((theme / "base.html").read_text("utf-8"), "utf-8")
    assert not reads.still_read(env())  # same source, another file
    (override / "base.html").unlink()
    (theme / "base.html").unlink()
    assert not reads.still_read(env())  # gone


def _read_articles(tmp_path: Path):
    """Read generated and fixture articles as Pelican's article generator does, with its context."""
    from pelican.contents import Article
    from pelican.generators import ArticlesGenerator

    content = tmp_path / "content"
    generate.write_articles(content, 12, 5)
    for name, text in TRICKY.items():
        (content / name).write_text(text, encoding="utf-8")
    (content / "draft.md").write_text(
        "Title: Bản nháp\nDate: 2024-01-05 10:00\nStatus: draft\n\nChưa đăng.\n", encoding="utf-8"
    )
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})
    context: dict = {}
    generator = ArticlesGenerator(
        context=context, settings=settings, path=str(content), theme=settings["THEME"],
        output_path=str(tmp_path / "out"),
    )  # fmt: skip
    articles = []
    for path in sorted(content.rglob("*.md")):
        relative = str(path.relative_to(content))
        articles.append(
            generator.readers.read_file(
                base_path=str(content), path=relative, content_class=Article, context=context
            )
        )
    return settings, context, articles


def test_restored_article_is_the_article_a_fresh_read_gives(tmp_path: Path) -> None:
    """Snapshot, restore into another build's settings and context: same digest, new bindings."""
    from fast_build import article_cache
    from fast_build.page_memo import Digests

    pelican_fixes.install()  # as the plugin's registration does
    settings, context, articles = _read_articles(tmp_path)
    later_settings, later_context = dict(settings), {"a later build": True}
    for article in articles:
        entry = article_cache.snapshot(article, settings, context)
        assert article_cache.is_snapshot(entry)
        # What generators and plugins attach after caching is not in the snapshot.
        article.older_in_topic = articles[0]
        restored = article_cache.restore(entry, later_settings, later_context)
        del article.older_in_topic
        assert restored is not None and restored is not article
        assert restored.settings is later_settings and restored._context is later_context
        assert restored.category.settings is later_settings
        assert not hasattr(restored, "older_in_topic")
        assert restored.content == article.content and restored.url == article.url
        assert Digests(settings).own(restored)[0] == Digests(settings).own(article)[0]
        # A published article's URL comes with it, as Pelican formats it; its file name is
        # not kept (an override_save_as would let its page overwrite another).
        formatted = article._expand_settings("url" if article.in_default_lang else "lang_url")
        kept = vars(restored).get("override_url")
        assert kept == (formatted if article.status == "published" else None)
        assert not hasattr(restored, "override_save_as")
        # Its output file name is kept beside it, and returned unless overridden.
        name = article._expand_settings("save_as" if article.in_default_lang else "lang_save_as")
        kept = vars(restored).get(pelican_fixes.KEPT_SAVE_AS)
        assert kept == (name if article.status == "published" else None)
        assert restored.save_as == name
        restored.override_save_as = "elsewhere.html"
        assert restored.save_as == "elsewhere.html"
        del restored.override_save_as
        setattr(restored, pelican_fixes.KEPT_SAVE_AS, "kept.html")  # read, not formatted again
        assert restored.save_as == "kept.html"
        # The URL: the kept one, read directly; formatted by Pelican's rule without one.
        assert restored.url == (kept_url := vars(restored).get("override_url") or formatted)
        restored.override_url = "khac/dia-chi.html"
        assert restored.url == "khac/dia-chi.html"
        del restored.override_url
        assert restored.url == formatted and kept_url == formatted
    assert {a.status for a in articles} == {"published", "draft"}


def test_a_snapshotted_article_is_digested_through_its_snapshot_and_every_change_counts(
    tmp_path: Path,
) -> None:
    """An article read and snapshotted and the same article restored get one digest, made of
    the snapshot's digest for what still holds the snapshot's values; a changed text value, a
    tag added in place, a metadata item changed in place and a new attribute each change it."""
    from fast_build import article_cache
    from fast_build.page_memo import Digests

    settings, context, articles = _read_articles(tmp_path)
    article = next(a for a in articles if a.tags)
    entry = article_cache.snapshot(article, settings, context)
    assert entry is not None and article_cache.snapshots.of(article) is not None
    baseline = Digests(settings).own(article)[0]

    def digest_after(change) -> bytes:
        restored = article_cache.restore(entry, settings, context)
        assert restored is not None and article_cache.snapshots.of(restored) is not None
        assert Digests(settings).own(restored)[0] == baseline
        change(restored)
        return Digests(settings).own(restored)[0]

    changes = {
        "title": lambda a: setattr(a, "title", a.title + "!"),
        "text": lambda a: setattr(a, "_content", a._content.replace("<p>", "<p>Mới: ", 1)),
        "date": lambda a: setattr(a, "date", a.date.replace(year=a.date.year - 1)),
        "tag added": lambda a: a.tags.append(a.tags[0]),
        "tag renamed": lambda a: setattr(a.tags[0], "name", a.tags[0].name + " mới"),
        "metadata": lambda a: a.metadata.update(source="khac.vn"),
        "attached": lambda a: setattr(a, "older_in_topic", articles[0]),
        "removed": lambda a: delattr(a, "slug"),
    }
    digests = {name: digest_after(change) for name, change in changes.items()}
    assert baseline not in digests.values() and len(set(digests.values())) == len(changes)
    article_cache.snapshots.clear()
    assert article_cache.snapshots.of(article) is None
    assert Digests(settings).own(article)[0] != baseline  # digested attribute by attribute


def test_a_restored_article_holds_its_html_as_bytes_until_it_is_read(
    tmp_path: Path, monkeypatch
) -> None:
    """The snapshot keeps the HTML apart, as UTF-8 bytes that a restored article holds in place
    of ``_content``; its digest, the vouching for ``_content`` and Pelican's static-link scan
    need no decoding, and reading it gives the fresh article's text and leaves them the same.
    A replaced HTML, read first or not, counts as new."""
    from fast_build import article_cache, lazy_content
    from fast_build.page_memo import Digests

    assert lazy_content.install() and all(pelican_fixes.install().values())
    settings, context, articles = _read_articles(tmp_path)
    article = next(a for a in articles if a.tags and not lazy_content.may_link(a))
    html = article._content
    entry = article_cache.snapshot(article, settings, context)
    assert entry is not None and entry[3] == html.encode("utf-8")
    assert html.encode("utf-8")[-200:] not in entry[1]  # not in the pickle
    fresh = Digests(settings).own(article)[0]
    names = ("_content", "title")
    vouched = article_cache.snapshots.vouch(article, names)
    assert vouched == entry[2]

    restored = article_cache.restore(entry, settings, context)
    assert restored is not None
    held = vars(restored)[lazy_content.LAZY]
    assert "_content" not in vars(restored) and held == (entry[3], False) and held[0] is entry[3]
    assert Digests(settings).own(restored)[0] == fresh
    assert article_cache.snapshots.vouch(restored, names) == vouched
    assert restored.get_static_links() == set()
    assert "_content" not in vars(restored)  # none of that decoded it
    assert restored.content == article.content
    assert vars(restored)["_content"] == html and lazy_content.LAZY not in vars(restored)
    assert Digests(settings).own(restored)[0] == fresh
    assert article_cache.snapshots.vouch(restored, names) == vouched

    for read_first in (False, True):
        again = article_cache.restore(entry, settings, context)
        if read_first:
            assert again._content == html
        again._content = html + "<p>thêm</p>"
        assert again._content == html + "<p>thêm</p>"
        assert article_cache.snapshots.vouch(again, names) is None
        assert Digests(settings).own(again)[0] != fresh
        changed = article_cache.snapshot(again, settings, context)
        assert changed is not None and changed[2] != entry[2]
    bare = article_cache.restore(entry, settings, context)
    del vars(bare)[lazy_content.LAZY]
    assert not hasattr(bare, "_content")
    assert lazy_content.may_link(bare)  # nothing to tell from: Pelican's own scan runs
    # Without the descriptor (a Pelican whose content class has its own ``_content``), the
    # restored object gets its text at once.
    monkeypatch.setattr(lazy_content, "_installed", [False])
    eager = article_cache.restore(entry, settings, context)
    assert eager is not None and vars(eager)["_content"] == html
    assert Digests(settings).own(eager)[0] == fresh


def test_link_marks_are_found_in_html_bytes_as_in_text(tmp_path: Path) -> None:
    """The snapshot tells from the UTF-8 bytes whether the HTML holds link marks as the text
    would (Vietnamese letters encode to bytes that are never ``{`` or ``|``), and ``may_link``
    answers the same before and after the HTML is read."""
    from types import SimpleNamespace

    from fast_build import article_cache, lazy_content

    assert lazy_content.install()
    settings, context, articles = _read_articles(tmp_path)
    article = articles[0]
    for html in ("<p>Đà Nẵng — giá vàng</p>", "<a href='{filename}/a.md'>x</a>", "a|b", ""):
        article._content = html
        entry = article_cache.snapshot(article, settings, context)
        assert entry is not None
        restored = article_cache.restore(entry, settings, context)
        before = lazy_content.may_link(restored)
        assert restored._content == html
        assert before == lazy_content.may_link(restored) == ("{" in html or "|" in html)
    assert lazy_content.may_link(SimpleNamespace(_content=None))


def test_the_snapshot_vouches_only_for_values_still_as_it_left_them(tmp_path: Path) -> None:
    """``Snapshots.vouch`` (what feeds and search key on, through ``content_identity``) gives
    the snapshot's digest for attributes and metadata items that still hold the snapshot's
    unchanging values, or are absent as they were; ``None`` once one is replaced, added or can
    change in place, and for an object without a snapshot."""
    from fast_build import article_cache

    from scripts import content_identity

    settings, context, articles = _read_articles(tmp_path)
    article = next(a for a in articles if a.tags and a.metadata.get("source"))
    entry = article_cache.snapshot(article, settings, context)
    assert entry is not None
    names, keys = ("title", "_content", "date", "no_such_attribute"), ("source", "no_such_key")
    vouched = article_cache.snapshots.vouch(article, names, keys)
    assert vouched == entry[2] and len(vouched) == 32

    def after(change) -> bytes | None:
        restored = article_cache.restore(entry, settings, context)
        assert restored is not None
        assert article_cache.snapshots.vouch(restored, names, keys) == vouched
        change(restored)
        return article_cache.snapshots.vouch(restored, names, keys)

    changes = {
        "equal text, other object": lambda a: setattr(a, "title", "".join(list(a.title))),
        "new text": lambda a: setattr(a, "_content", a._content + "<p>thêm</p>"),
        "added attribute": lambda a: setattr(a, "no_such_attribute", "có"),
        "removed attribute": lambda a: delattr(a, "date"),
        "metadata item": lambda a: a.metadata.update(source="khac.vn"),
        "added metadata item": lambda a: a.metadata.update(no_such_key="có"),
        "metadata replaced": lambda a: setattr(a, "metadata", {}),
    }
    for name, change in changes.items():
        assert after(change) is None, name
    assert after(lambda a: setattr(a, "summary", "khác")) == vouched  # not asked for
    # A list can change in place: never vouched for, even untouched.
    assert article_cache.snapshots.vouch(article, ("tags",)) is None
    restored = article_cache.restore(entry, settings, context)
    content_identity.provide(article_cache.snapshots.vouch_all)
    assert content_identity.unchanged_digest(restored, names, keys) == vouched
    # The end of fast_build's part of a build leaves them: search, a handler of the same
    # signal, may come after it (PLUGINS decides).
    from types import SimpleNamespace

    from fast_build import fast_build

    done = SimpleNamespace(settings={"PLUGINS": ["fast_build"]}, output_path=str(tmp_path))
    fast_build.on_finalized(done)
    assert content_identity.unchanged_digest(restored, names, keys) == vouched
    article_cache.snapshots.clear()
    assert content_identity.unchanged_digest(restored, names, keys) is None


def test_feed_and_search_keys_come_from_the_snapshot_while_it_vouches(tmp_path: Path) -> None:
    """The feeds' story key and search's document key of a snapshotted article are the same
    when it is restored, change with its topic (which the snapshot does not cover; search's
    key covers the result's record, which shows the topic), and fall back to hashing the values
    once an attribute they read is replaced."""
    from datetime import timedelta

    from fast_build import article_cache
    from search import search
    from topic_feeds.topic_feeds import story_key, story_keys

    from scripts import content_identity

    content_identity.provide(article_cache.snapshots.vouch_all)
    settings, context, articles = _read_articles(tmp_path)
    article = next(a for a in articles if a.metadata.get("source"))
    entry = article_cache.snapshot(article, settings, context)
    assert entry is not None

    def keys(a) -> tuple[bytes, str]:
        return story_key(a, "site"), search.document_key(a, a.source)

    vouched = keys(article)
    restored = article_cache.restore(entry, settings, context)
    assert keys(restored) == vouched and vouched[1].startswith("v")
    restored.category = type(restored.category)("Chủ đề khác", settings)
    assert keys(restored)[0] != vouched[0] and keys(restored)[1] != vouched[1]
    for name in ("title", "_content", "date", "override_url"):
        again = article_cache.restore(entry, settings, context)
        value = getattr(again, name)
        setattr(again, name, value + (" " if isinstance(value, str) else timedelta(hours=1)))
        changed = keys(again)
        assert changed[1] != vouched[1] and (changed[0] != vouched[0] or name == "override_url")
        article_cache.snapshots.clear()
        fallen_back = keys(again)  # the values' own hash: what it fell back to
        assert fallen_back[1] == changed[1]
        assert fallen_back[0] == changed[0] or name == "override_url"  # feeds do not read it
    assert not keys(article)[1].startswith("v")
    # Asked for many articles at once, vouched and not mixed, each gets its own key.
    other_topic = article_cache.restore(entry, settings, context)
    other_topic.category = type(other_topic.category)("Chủ đề khác", settings)
    mixed = [article_cache.restore(entry, settings, context), article, again, other_topic]
    assert story_keys(mixed, "site") == [story_key(a, "site") for a in mixed]
    sources = [a.source for a in mixed]
    assert search.document_keys(mixed, sources) == [keys(a)[1] for a in mixed]
    assert [key.startswith("v") for key in search.document_keys(mixed, sources)] == [
        True, False, False, True
    ]  # fmt: skip


def test_lists_of_articles_inside_values_count_article_by_article(tmp_path: Path) -> None:
    """Listing values digest their article lists as joined closures: the digest still changes
    with the order, the membership and the text of every article, at any folded depth."""
    import collections

    from fast_build.page_memo import Digests

    settings, _context, articles = _read_articles(tmp_path)
    a, b, c = articles[:3]
    tag = a.tags[0] if a.tags else a.category

    def shapes(first, second):
        mapping = collections.defaultdict(list, {"2024": [first, second]})
        return (
            [(tag, [first, second])],  # the tags' (tag, articles) pairs
            mapping,  # a mapping of lists
            {"nested": [(tag, [first, second])]},
            [first, second],
            [first, "not an article", second],  # not folded: pickled as it is
        )

    def digests(first, second) -> list[bytes]:
        return [Digests(settings).value(shape) for shape in shapes(first, second)]

    same = digests(a, b)
    assert digests(a, b) == same
    for changed in (digests(b, a), digests(a, c), digests(a, a)):
        assert all(x != y for x, y in zip(changed, same, strict=True))
    b.title = b.title + " (sửa)"
    assert all(x != y for x, y in zip(digests(a, b), same, strict=True))


class _Ambiguous:
    """A template value that cannot be truth-tested, as an array (pickled by reference)."""

    def __init__(self, data: list[int]) -> None:
        self.data = data

    def __bool__(self) -> bool:
        raise ValueError("the truth value of an array is ambiguous")


def test_a_value_that_refuses_truth_testing_is_still_digested() -> None:
    """Folding asks only lists for their emptiness: a plugin's value whose ``__bool__`` raises
    (an array, say) is pickled as before, alone or inside containers."""
    from fast_build.page_memo import Digests

    digests = Digests(read_settings(str(ROOT / "pelicanconf.py")))
    shapes = [_Ambiguous([1]), [_Ambiguous([1])], {"a": (_Ambiguous([1]),)}]
    changed = [_Ambiguous([2]), [_Ambiguous([2])], {"a": (_Ambiguous([2]),)}]
    for same, other in zip(shapes, changed, strict=True):
        assert digests.value(same) != digests.value(other)


def test_a_snapshot_that_cannot_be_bound_to_this_build_is_a_miss(tmp_path: Path) -> None:
    from fast_build import article_cache

    settings, context, articles = _read_articles(tmp_path)
    entry = article_cache.snapshot(articles[0], settings, context)
    assert entry is not None
    # Pickled against other settings: they are stored by value, not bound to the restoring build.
    foreign = article_cache.snapshot(articles[0], dict(settings), context)
    assert foreign is not None and article_cache.restore(foreign, settings, context) is None
    assert article_cache.restore((entry[0], entry[1][:-7]), settings, context) is None
    assert article_cache.restore((entry[0], b"not a pickle"), settings, context) is None


def test_the_garbage_collector_is_back_as_it_was_after_a_build(archive, tmp_path) -> None:
    """fast_build pauses the collector while content is read and freezes what was read; after
    the build it is enabled and nothing stays frozen (in-process builds: tests, autoreload)."""
    import gc

    from pelican import signals

    paused: list[bool] = []

    def during(generators) -> None:
        paused.append(gc.isenabled())

    signals.article_generator_finalized.connect(during)
    try:
        built = build_site(tmp_path / "out", archive, PLUGINS=plugins())
    finally:
        signals.article_generator_finalized.disconnect(during)
    assert not built.messages(level=40)
    assert paused and not any(paused)  # off while the articles were read
    assert gc.isenabled() and gc.get_freeze_count() == 0
    off = build_site(tmp_path / "off", archive, PLUGINS=plugins(), FAST_BUILD_GC=False)
    assert not off.messages(level=40) and gc.isenabled()
    assert _tree(off.output) == _tree(built.output)


_EXIT_PROBE = """
import sys
sys.path.insert(0, {root!r})
from tests.sitebuild import build_site, plugins

class Freed:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("freed", self.name, flush=True)

built = build_site({out!r}, PLUGINS=plugins(), FAST_BUILD_GC={gc})
assert not built.messages(level=40)
print("built", flush=True)
Freed("plain")
loop = Freed("cycle")
loop.me = loop  # garbage only the cyclic collector can free
del loop
"""


@pytest.mark.parametrize("collector", [True, False])
def test_the_final_collection_is_skipped_after_a_build(tmp_path, collector) -> None:
    """After a build the process exits without the collector's last pass over the build's
    reference cycles (FAST_BUILD_GC); with the setting off, Python's usual exit runs."""
    import subprocess

    probe = _EXIT_PROBE.format(root=str(ROOT), out=str(tmp_path / "out"), gc=collector)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    # The acyclic object is freed at once either way; the cycle waits for the final collection.
    freed = lines[lines.index("built") + 1 :]
    assert freed == (["freed plain"] if collector else ["freed plain", "freed cycle"])


def test_compiled_templates_are_kept_and_an_edited_template_is_compiled_again(
    archive, tmp_path
) -> None:
    """The second build loads every template from the bytecode cache (no template is parsed);
    an edited template is parsed again and its new output is what a clean build writes."""
    import jinja2

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    everything = [p for p in plugins() if p != "search"]
    cache = tmp_path / "cache"

    def build(output: str, cache_path: Path):
        return build_site(
            tmp_path / output, archive, PLUGINS=everything, CACHE_PATH=str(cache_path),
            THEME=str(theme),
        )  # fmt: skip

    build("a", cache)
    kept = list(cache.glob("*/fast_build-templates/*.cache"))
    assert len(kept) >= 10
    parsed: list[str | None] = []
    original = jinja2.Environment._parse

    def counting(self, source, name, filename):
        parsed.append(name)
        return original(self, source, name, filename)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "_parse", counting)
        build("a", cache)
        assert [name for name in parsed if name] == []
        article = theme / "templates" / "article.html"
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("</article>", "<p>bản mới</p></article>", 1), "utf-8")
        again = build("a", cache)
    assert "article.html" in parsed
    clean = build("c", tmp_path / "cold")
    pages = [p for p in again.output.glob("*/20*/*.html") if p.name != "index.html"]
    assert pages and all("<p>bản mới</p>" in p.read_text(encoding="utf-8") for p in pages)
    assert _tree(again.output) == _tree(clean.output)


def test_the_template_cache_is_left_to_the_settings_when_they_name_one_or_an_extension() -> None:
    """A bytecode cache named in the settings is kept; an extension from outside Jinja (whose
    compiled code could change without the settings changing) means no cache; the cache an
    earlier build set is taken out before the settings are stamped."""
    import jinja2
    from fast_build import template_cache

    folder = str(ROOT / "no-such-folder-is-created")
    own = jinja2.FileSystemBytecodeCache("/tmp")
    settings = {"JINJA_ENVIRONMENT": {"bytecode_cache": own}}
    assert not template_cache.use_template_cache(settings, folder)
    assert settings["JINJA_ENVIRONMENT"]["bytecode_cache"] is own
    settings = {"JINJA_ENVIRONMENT": {"extensions": ["webassets.ext.jinja2.AssetsExtension"]}}
    assert not template_cache.use_template_cache(settings, folder)
    assert not template_cache.use_template_cache({"FAST_BUILD_TEMPLATES": False}, folder)
    assert not template_cache.use_template_cache({}, None)
    assert not Path(folder).exists()


def test_a_template_cache_set_by_an_earlier_build_is_forgotten(tmp_path) -> None:
    from fast_build import template_cache

    defaults = {"trim_blocks": True, "extensions": ["jinja2.ext.do"]}
    settings = {"JINJA_ENVIRONMENT": defaults}
    assert template_cache.use_template_cache(settings, str(tmp_path))
    assert isinstance(settings["JINJA_ENVIRONMENT"]["bytecode_cache"], template_cache.KeptTemplates)
    assert "bytecode_cache" not in defaults  # the dict it came with is not changed
    template_cache.forget(settings)
    assert settings["JINJA_ENVIRONMENT"] == defaults


NEW_SOURCE_ARTICLE = """Title: Cầu mới nối hai bờ sông Hồng
Date: 2099-01-02 08:00+07:00
Category: Giao thông
Tags: Hà Nội
Lang: vi
Source: nguonmoi.example.vn
Source_URL: https://nguonmoi.example.vn/cau-moi.htm
Captured: 2099-01-02 09:00+07:00

Cây cầu mới đã thông xe sau hai năm thi công.
"""


def _files(root: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_plugin_files_are_kept_when_unchanged_written_in_place_and_removed_when_gone(
    archive, tmp_path, monkeypatch
) -> None:
    """Feeds, the sitemap and robots.txt go through ``output_files``: a rebuild leaves a file
    whose bytes are unchanged as it is, writes a changed one over itself (same inode), writes
    one edited by hand in the output again, and deletes the feed of a source that is gone; the
    output is always what a clean build writes."""
    from topic_feeds import topic_feeds

    content = tmp_path / "content"
    shutil.copytree(archive, content)
    everything = [p for p in plugins() if p != "search"]

    def build(output: str, cache: str):
        built = build_site(
            tmp_path / output, content, PLUGINS=everything, CACHE_PATH=str(tmp_path / cache)
        )
        assert not built.messages(level=40)
        return built

    output = build("a", "cache").output
    before = _files(output)
    tampered = next(
        p for p in sorted(before) if p.startswith("feeds/topics/") and "giao-thong" not in p
    )
    added = content / "giao-thong" / "2099" / "cau-moi.md"
    added.parent.mkdir(parents=True)
    added.write_text(NEW_SOURCE_ARTICLE, encoding="utf-8")
    (output / tampered).write_bytes(b"<!-- edited -->")
    serialised: list[str] = []
    original_build_feed = topic_feeds.build_feed

    def counting(spec, items, site):
        serialised.append(spec.slug)
        return original_build_feed(spec, items, site)

    monkeypatch.setattr(topic_feeds, "build_feed", counting)
    build("a", "cache")
    after = _files(output)
    # Only feeds that changed (or were edited by hand) were serialised again.
    assert "giao-thong" in serialised and 0 < len(serialised) < 10, serialised
    assert _tree(output) == _tree(build("c1", "cold1").output)
    source_feed = "feeds/sources/nguonmoi-example-vn.rss.xml"
    assert source_feed in after and source_feed not in before
    assert after[tampered][2] == before[tampered][2]  # written again
    for name in ("feeds/all.rss.xml", "feeds/topics/giao-thong.atom.xml", "sitemap.xml"):
        assert after[name][0] == before[name][0] and after[name][2] != before[name][2], name
    untouched = [
        name for name, (inode, mtime, data) in before.items()
        if name.startswith("feeds/") and name != tampered and after[name] == (inode, mtime, data)
    ]  # fmt: skip
    assert len(untouched) > 10 and "robots.txt" in after
    assert after["robots.txt"][:2] == before["robots.txt"][:2]
    added.unlink()
    build("a", "cache")
    final = _files(output)
    assert source_feed not in final
    assert {k: v[2] for k, v in final.items()} == {
        k: v[2] for k, v in _files(build("c2", "cold2").output).items()
    }


def test_output_files_without_a_keeper_are_written_and_stay_inside_the_output(tmp_path) -> None:
    from scripts import output_files

    assert output_files.write(str(tmp_path), "feeds/mot.xml", b"<x/>") is True
    assert (tmp_path / "feeds" / "mot.xml").read_bytes() == b"<x/>"
    with pytest.raises(RuntimeError):
        output_files.write(str(tmp_path / "out"), "../ngoai.xml", b"<x/>")
    assert not (tmp_path / "ngoai.xml").exists()


def test_capture_times_are_read_once_and_a_bad_one_is_reported_on_every_build(
    tmp_path, monkeypatch
) -> None:
    """article_context reads Captured when Pelican creates the article, so the content cache
    keeps it; an unreadable one is still reported by every build, cached or not, once."""
    from pelican.log import LimitFilter

    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    bad = content / "bad-captured.md"
    bad.write_text(
        "Title: Giờ lưu không đọc được\nDate: 2024-05-01 08:00+07:00\nCategory: Xã hội\n"
        "Captured: hôm qua\nVia_URL: https://a.example/1, https://b.example/2\n\nNội dung.\n",
        encoding="utf-8",
    )
    everything = [p for p in plugins() if p != "search"]
    message = "bad-captured.md: Captured 'hôm qua' is not a date"
    for _ in range(2):
        # Pelican drops a warning logged before in the same process: each build is a process
        # of its own outside the tests.
        monkeypatch.setattr(LimitFilter, "_raised_messages", set())
        built = build_site(
            tmp_path / "out", content, PLUGINS=everything, CACHE_PATH=str(tmp_path / "cache")
        )
        assert sum(message in m for m in built.messages()) == 1
    page = (built.output / "xa-hoi" / "2024" / "gio-luu-khong-doc-duoc.html").read_text("utf-8")
    assert "hôm qua" in page and "https://b.example/2" in page


def test_cache_changes_go_to_a_journal_that_loading_applies_and_a_torn_record_ends(
    tmp_path,
) -> None:
    """scripts.journal: changes appended after the full file are applied on load; a journal of
    another full file is ignored; a record cut short ends the journal (and asks for a full
    write); a journal past a quarter of the full file asks for a full write."""
    import pickle

    from scripts import journal

    path = tmp_path / "ArticlesGenerator"
    full = {f"bai-{n}.md": ("stamp", "x" * 100) for n in range(40)}
    path.write_bytes(pickle.dumps(full))
    size = journal.start(str(path))
    size = journal.append(str(path), size, ({"moi.md": ("stamp", "y")}, ["bai-1.md"]))
    size = journal.append(str(path), size, ({"bai-2.md": ("stamp 2", "z")}, []))
    assert size is not None
    loaded = dict(full)
    assert journal.apply(str(path), loaded) == size
    expected = {**full, "moi.md": ("stamp", "y"), "bai-2.md": ("stamp 2", "z")}
    del expected["bai-1.md"]
    assert loaded == expected

    # A record cut short (a build killed while appending): the records before it count.
    log = tmp_path / ("ArticlesGenerator" + journal.SUFFIX)
    whole = log.read_bytes()
    log.write_bytes(whole + pickle.dumps(({"khac.md": ("s", "w")}, []))[:-3])
    torn = dict(full)
    assert journal.apply(str(path), torn) is None and torn == expected
    assert journal.append(str(path), None, ({}, [])) is None  # the caller writes the full file
    assert journal.append(str(path), len(whole), ({}, [])) is None  # not the size it had

    # A journal begun for another full file is not applied.
    log.write_bytes(whole)
    path.write_bytes(pickle.dumps({"khac.md": ("s", "w")}))  # written anew, another size
    other = {"khac.md": ("s", "w")}
    assert journal.apply(str(path), other) is None and other == {"khac.md": ("s", "w")}

    # Once the journal passes a quarter of the full file, the next save writes the full file.
    path.write_bytes(pickle.dumps(full))
    size = journal.start(str(path))
    record = {"moi.md": ("stamp", "y" * (path.stat().st_size // 3))}
    size = journal.append(str(path), size, (record, []))
    assert size is not None and journal.append(str(path), size, (record, [])) is None


def test_the_cache_file_keeps_large_bytes_after_the_pickle_and_reads_them_in_place(
    tmp_path,
) -> None:
    """cache_file: bytes marked out of band come back equal, as read-only views of the file;
    a plain pickle is not taken for one; a file cut short or with bytes added is refused."""
    import pickle

    from fast_build import cache_file

    path = tmp_path / "ArticlesGenerator"
    html = "<p>Đà Nẵng</p>".encode() * 300
    value = {
        "a.md": ("stamp", (cache_file.out_of_band(b"pickle-a"), cache_file.out_of_band(html))),
        "b.md": ("stamp", (b"inline", None)),
        "c.md": ("stamp", (cache_file.out_of_band(b""), 7)),
    }
    with path.open("wb") as out:
        cache_file.write(out, value)
    assert cache_file.is_ours(str(path)) and html not in path.read_bytes()[:200]
    loaded = cache_file.read(str(path))
    data, text = loaded["a.md"][1]
    assert type(text) is memoryview and text.readonly and bytes(text) == html
    assert bytes(data) == b"pickle-a" and loaded["b.md"] == ("stamp", (b"inline", None))
    assert bytes(loaded["c.md"][1][0]) == b"" and loaded["c.md"][1][1] == 7
    whole = path.read_bytes()
    for broken in (whole[:-1], whole + b"x", whole[:20]):
        path.write_bytes(broken)
        with pytest.raises((ValueError, pickle.UnpicklingError)):
            cache_file.read(str(path))
    path.write_bytes(pickle.dumps({"a.md": ("stamp", b"x")}))
    assert not cache_file.is_ours(str(path))


def test_a_rebuild_reads_the_article_cache_in_place_and_decodes_no_unchanged_html(
    tmp_path,
) -> None:
    """The article cache a build writes is read back in place by the next build (its
    snapshots are views of the file); a rebuild of unchanged content decodes no article's HTML
    (the feeds, left out here, read the HTML of the stories they show; search, which may run
    after fast_build has finished, still finds the snapshots vouching for its keys) and writes
    what a clean build writes."""
    from fast_build import article_cache, cache_file, lazy_content

    content = tmp_path / "content"
    generate.write_articles(content, 40, 11)
    everything = [name for name in plugins() if name != "topic_feeds"]
    cache = tmp_path / "cache"
    build_site(tmp_path / "out", content, PLUGINS=everything, CACHE_PATH=str(cache))
    (path,) = cache.glob("*/ArticlesGenerator")
    assert cache_file.is_ours(str(path))
    entries = cache_file.read(str(path))
    snapshots = [e for _, e in entries.values() if article_cache.is_snapshot(e)]
    assert len(snapshots) == 40 and all(type(s[1]) is memoryview for s in snapshots)
    assert all(type(s[3]) is memoryview for s in snapshots)
    read: list[str] = []
    lazy_content.on_read.append(lambda content, text: read.append(content.source_path))
    try:
        again = build_site(tmp_path / "out", content, PLUGINS=everything, CACHE_PATH=str(cache))
    finally:
        lazy_content.on_read.pop()
    assert read == []
    clean = build_site(
        tmp_path / "clean", content, PLUGINS=everything, CACHE_PATH=str(tmp_path / "cold")
    )
    assert _tree(again.output) == _tree(clean.output)
