"""Hostile names never write outside ``content/`` and ``output/``.

Titles (hence slugs), topics, tags, authors, sources and image addresses that try ``../``,
absolute paths, NUL, reserved names (CON, NUL, index, feeds …), names over 255 bytes and Unicode
tricks (RTL override, fullwidth solidus, look-alike dots and slashes, piles of combining marks) go
through the real importer and a real Pelican build inside a sandbox.  Every file in the sandbox
is listed before and after: everything new or changed must be under ``content/`` or
``output/``; the repository and ``/tmp`` gain nothing named after a payload.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.importer import ImportOptions, import_capture
from scripts.models import Capture
from scripts.store import ContentIndex
from tests.helpers import ROOT
from tests.sitebuild import build_site
from tests.test_xss import html_capture, text_capture

LONG = "Đà Nẵng " * 40  # 480 characters, 680 bytes
HOSTILE = [
    "../../../../etc/passwd",
    "../../outside",
    "/etc/passwd",
    "/tmp/clearpress-escape",
    "..\\..\\windows\\system32\\config",
    "C:\\Windows\\System32",
    "a\x00b",
    "\x00",
    "CON",
    "NUL",
    "con.txt",
    "LPT1",
    "index",
    "feeds",
    "tag",
    "images",
    "theme",
    "pagefind",
    "drafts",
    "pages",
    "search",
    ".hidden",
    ".",
    "..",
    "~",
    "~/.ssh/authorized_keys",
    "$(touch clearpress-pwned)",
    "`touch clearpress-pwned`",
    "%2e%2e%2f%2e%2e%2fetc",
    "file:///etc/passwd",
    "‮gpj.exe",
    "．．／．．／etc",
    "..／..／etc",
    "..∕..∕etc",
    "․․/․․/etc",
    "x" * 300,
    "e" + "\u0301" * 300,
    "-rf --no-preserve-root",
    '*?<>|:"',
    "\u200b\u200b",
    "   ",
    "Ｃｏｎ",
]
# Every hostile name is also a topic, tag, author and source (the importer cuts names to 80
# characters, requires a letter or digit and keeps topics off the site's own sections).
SECTIONS = ("search", "tag", "author", "archives", "topics", "source", "feeds", "pagefind")
IMAGE_URLS = [
    "https://cdn.example.vn/../../../../etc/passwd",
    "https://cdn.example.vn/%2e%2e/%2e%2e/outside.png",
    "https://cdn.example.vn/CON.jpg",
    "https://cdn.example.vn/" + "a" * 300 + ".jpg",
    "https://cdn.example.vn/‮gpj.exe",
    "https://cdn.example.vn/a%00b.png",
]
TOKENS = ("passwd", "outside", "escape", "pwned", "system32", "authorized_keys", "gpj")


def _png(color: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (color % 256, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def _image_bytes(url: str) -> bytes | None:
    """The "captured" bytes of any image address (extraction may have normalised it)."""
    return _png(sum(url.encode())) if url.startswith("https://") else None


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and symlink under ``root`` with its size and modification time."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "__pycache__")]
        for name in files:
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            found[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return found


def _named_after_payloads(root: Path, depth: int) -> set[str]:
    found = set()
    base = len(root.parts)
    for folder, dirs, files in os.walk(root):
        if len(Path(folder).parts) - base >= depth:
            dirs[:] = []
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "node_modules")]
        for name in [*dirs, *files]:
            if any(token in name.lower() for token in TOKENS):
                found.add(os.path.join(folder, name))
    return found


def _captures() -> list[Capture]:
    """One capture per hostile name and place: title, topic, tag, author, source, image."""
    captures = []
    n = 0
    for name in HOSTILE:
        for placement in ("title", "tags", "author", "source", "category"):
            n += 1
            page = html_capture(n, placement, name)
            captures.append(Capture(page.encode(), "html", origin=f"h{n}-{placement}.html"))
        n += 1
        text = text_capture(n, "title", name)
        captures.append(Capture(text.encode(), "text", origin=f"t{n}-title.txt"))
    for url in IMAGE_URLS:
        n += 1
        page = html_capture(n, "body", "Ảnh").replace(f"https://cdn.webkhoedep.vn/anh-{n}.jpg", url)
        captures.append(Capture(page.encode(), "html", origin=f"h{n}-image.html"))
    return captures


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> tuple[Path, dict[str, tuple[int, int]], dict, set[str]]:
    root = tmp_path_factory.mktemp("paths")
    (root / "captures").mkdir()
    (root / "captures" / "keep.txt").write_text("untouched\n", encoding="utf-8")
    before = _listing(root)
    outside_before = _named_after_payloads(ROOT, 3) | _named_after_payloads(Path("/tmp"), 1)
    content = root / "content"
    index = ContentIndex.scan(content)
    outcomes = []
    base = ImportOptions(content_dir=content, force=True, resources=_image_bytes)
    for capture in _captures():
        outcomes.append(import_capture(capture, base, index))
    for n, topic in enumerate(
        [*HOSTILE, *SECTIONS]
    ):  # --category is the operator's, but still a name
        options = ImportOptions(content_dir=content, force=True, category=topic)
        capture = Capture(html_capture(9000 + n, "body", "x").encode(), "html", origin=f"c{n}")
        outcomes.append(import_capture(capture, options, index))
    build_site(root / "output", content=content)
    return root, before, {o.origin: o for o in outcomes}, outside_before


def test_every_write_is_inside_content_or_output(sandbox):
    root, before, _, _ = sandbox
    after = _listing(root)
    changed = {path for path, stat in after.items() if before.get(path) != stat}
    assert changed, "nothing was written"
    stray = sorted(p for p in changed if Path(p).parts[0] not in ("content", "output"))
    assert stray == []
    assert set(before) <= set(after), "a file that was there before is gone"
    for path in changed:
        resolved = (root / path).resolve()
        assert resolved.is_relative_to(root / "content") or resolved.is_relative_to(
            root / "output"
        ), path
        assert all(len(part.encode()) <= 255 for part in Path(path).parts), path
        assert "\x00" not in path and "\u202e" not in path, path


def test_nothing_named_after_a_payload_appears_elsewhere(sandbox):
    _, _, _, outside_before = sandbox
    outside_after = _named_after_payloads(ROOT, 3) | _named_after_payloads(Path("/tmp"), 1)
    assert outside_after - outside_before == set()


def test_article_files_have_safe_ascii_names(sandbox):
    root, _, outcomes, _ = sandbox
    written = [o for o in outcomes.values() if o.path is not None]
    assert len(written) >= 0.9 * len(outcomes), [o.reason for o in outcomes.values()][:10]
    for outcome in written:
        relative = outcome.path.relative_to(root / "content")
        assert len(relative.parts) == 3, relative  # <topic>/<yyyy>/<slug>.md
        for part in relative.parts:
            assert part.isascii() and not part.startswith(("-", ".")), relative
            assert part.split(".")[0].lower() not in ("con", "nul", "prn", "aux", "index"), part
            assert len(part) <= 90, part


def test_images_are_named_by_hash_inside_content_images(sandbox):
    root, _, _, _ = sandbox
    stored = sorted((root / "content" / "images").iterdir())
    assert len(stored) >= 3
    for path in stored:
        stem, _, ext = path.name.partition(".")
        assert len(stem) == 24 and all(c in "0123456789abcdef" for c in stem), path.name
        assert ext in ("png", "jpg", "webp", "gif")


def test_build_wrote_every_article_page(sandbox):
    root, _, outcomes, _ = sandbox
    pages = list((root / "output").rglob("*.html"))
    articles = [o for o in outcomes.values() if o.path is not None]
    assert len(pages) > len(articles)


def test_cli_import_with_hostile_category_stays_inside(tmp_path):
    """The command line, run from a sandbox, with a traversal topic and content folder name."""
    capture = tmp_path / "captures" / "bai.html"
    capture.parent.mkdir()
    capture.write_text(html_capture(1, "title", "../../../etc/passwd"), encoding="utf-8")
    before = _listing(tmp_path)
    for category in ("../../../../tmp/clearpress-escape", "/etc/cron.d/x", "．．／．．／x"):
        result = subprocess.run(
            [sys.executable, "-m", "scripts", "import", str(capture), "--category", category,
             "--content-dir", "content", "--jobs", "1", "--force"],
            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    after = _listing(tmp_path)
    changed = sorted(p for p, s in after.items() if before.get(p) != s)
    assert changed and all(p.startswith("content/") for p in changed), changed
    assert not Path("/tmp/clearpress-escape").exists()


def _single_article_build(
    tmp_path: Path, category: str
) -> tuple[Path, list[str], Exception | None]:
    content, output = tmp_path / "content", tmp_path / "output"
    options = ImportOptions(content_dir=content, force=True, category=category)
    capture = Capture(html_capture(1, "body", "x").encode(), "html", origin="one.html")
    outcome = import_capture(capture, options, ContentIndex.scan(content))
    assert outcome.path is not None, outcome.reason
    error = None
    try:
        build = build_site(output, content=content)
        messages = build.messages(logging.ERROR)
    except Exception as exc:  # the build must not stop; the regression tests below check it
        error, messages = exc, []
    return output, messages, error


def test_overlong_metadata_names_do_not_break_the_build(tmp_path):
    output, messages, error = _single_article_build(tmp_path, "x" * 300)
    assert error is None, error
    assert messages == []
    assert list(output.rglob("bai-html-so-1.html"))


@pytest.mark.parametrize("category", [")", "\u202e", "＞", "…", ".", "~"])
def test_topic_without_letters_is_still_published(tmp_path, category):
    output, messages, error = _single_article_build(tmp_path, category)
    assert error is None, error
    assert messages == []
    assert list(output.rglob("bai-html-so-1.html"))


@pytest.mark.parametrize("category", SECTIONS)
def test_topic_named_like_a_site_section_is_published(tmp_path, category):
    output, messages, error = _single_article_build(tmp_path, category)
    assert error is None, error
    assert messages == []
    assert list(output.rglob("bai-html-so-1.html"))
