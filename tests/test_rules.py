"""Site rule files: validation names the file and the key; every file's [[tests]] cases pass.

Each rule file carries its own regression cases (a fixture page, the URL it was captured from,
and the expected Markdown).  Set ``CLEARPRESS_UPDATE_GOLDEN=1`` to rewrite the expected files
after an intended change, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts.convert import article_to_markdown
from scripts.extract.html import extract_html
from scripts.models import Capture, RulesError
from scripts.rules import load_rule_file, load_rules, parse_rules, rules_for

ROOT = Path(__file__).resolve().parent.parent
UPDATE = os.environ.get("CLEARPRESS_UPDATE_GOLDEN") == "1"


def _cases() -> list[tuple[str, str, str, str]]:
    return [
        (rules.host, case.page, case.url, case.expected)
        for rules in load_rules()
        for case in rules.tests
    ]


def test_bundled_rules_load_and_cover_the_vietnamese_styles() -> None:
    hosts = {host for rules in load_rules() for host in rules.hosts}
    for host in ("webkhoedep.vn", "vnexpress.net", "dantri.com.vn", "tuoitre.vn", "thanhnien.vn",
                 "suckhoedoisong.vn"):  # fmt: skip
        assert host in hosts
    assert all(rules.tests for rules in load_rules()), "every rule file carries [[tests]]"


@pytest.mark.parametrize(("host", "page", "url", "expected"), _cases(), ids=lambda v: str(v))
def test_rule_file_cases(host: str, page: str, url: str, expected: str) -> None:
    data = (ROOT / page).read_bytes()
    article = extract_html(Capture(data=data, kind="html", origin=page), url=url)
    assert article.report.method == f"rule:{host}"
    markdown = article_to_markdown(article)
    golden = ROOT / expected
    if UPDATE:
        golden.write_text(markdown, encoding="utf-8")
    assert markdown == golden.read_text(encoding="utf-8"), (
        f"{expected} differs; after an intended extractor or converter change, rerun with "
        "CLEARPRESS_UPDATE_GOLDEN=1 and review the diff"
    )


def test_rules_for_matches_subdomains_and_ignores_others() -> None:
    assert rules_for("https://m.vnexpress.net/a-1.html") is not None
    assert rules_for("https://www.dantri.com.vn/a.htm").host == "dantri.com.vn"  # type: ignore[union-attr]
    assert rules_for("https://notvnexpress.net/a.html") is None
    assert rules_for("https://example.com/") is None
    assert rules_for(None) is None


BASE = 'hosts = ["example.vn"]\nbody = ["div.content"]\n'


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (BASE + 'bodyy = ["div"]\n', "'bodyy'"),
        (BASE + 'strip = "div.ads"\n', "'strip'"),
        (BASE + "title = [1]\n", "'title'"),
        (BASE + 'date = ["span[["]\n', "'date'"),
        (BASE + "name = 3\n", "'name'"),
        ('body = ["div"]\n', "'hosts'"),
        ('hosts = ["example.vn"]\n', "'body'"),
        (
            BASE + '[[tests]]\npage = "a.html"\nurl = "https://example.vn/a"\n',
            "'tests[0].expected'",
        ),
        (
            BASE + '[[tests]]\npage = "a.html"\nurl = "u"\nexpected = "e"\nextra = 1\n',
            "tests[0].extra",
        ),
        ("hosts = [", "not valid TOML"),
    ],
)
def test_invalid_rule_files_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "example.vn.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rule_file(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message


def test_duplicate_hosts_across_files_are_refused(tmp_path: Path) -> None:
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(BASE, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(str(tmp_path))
    assert "b.toml" in str(info.value)
    assert "'hosts'" in str(info.value)
    assert "example.vn" in str(info.value)


def test_minimal_rule_file_defaults() -> None:
    rules = parse_rules({"hosts": ["www.Example.vn"], "body": ["div.content"]}, "x.toml")
    assert rules.hosts == ("example.vn",)
    assert rules.name == "example.vn"
    assert rules.strip == ()
