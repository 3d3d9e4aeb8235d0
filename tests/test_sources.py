"""sources.toml: the shipped example loads, and every mistake is one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scripts.fetch_cli import fetch
from scripts.models import ConfigError
from scripts.sources import load_sources, parse_sources

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = """
[[source]]
name = "webkhoedep"
home = "https://webkhoedep.vn/"
topic = "Sức khỏe"
[source.discovery]
feeds = ["https://webkhoedep.vn/rss/home.rss"]
"""


def test_shipped_sources_file_loads():
    sources = load_sources(ROOT / "sources.toml")
    assert len(sources.sources) >= 2
    assert sources.default_topic == "Tin tức"
    first = sources.sources[0]
    assert first.discovery.listings[0].link_selector
    assert first.rate_limit > 0 and first.concurrency >= 1


def test_topic_for_url_host_and_default():
    sources = parse_sources(MINIMAL + '[defaults]\ndefault_topic = "Thời sự"\n')
    assert sources.topic_for("https://www.webkhoedep.vn/bai-1.html") == "Sức khỏe"
    assert sources.topic_for("webkhoedep.vn") == "Sức khỏe"
    assert sources.topic_for("https://other.vn/x") is None
    assert sources.default_topic == "Thời sự"


def test_topic_for_two_sections_of_one_site():
    second = (
        MINIMAL.replace('"webkhoedep"', '"wkd-dulich"')
        .replace('"Sức khỏe"', '"Du lịch"')
        .replace("topic =", "allow = ['/du-lich/']\ntopic =")
    )
    sources = parse_sources(second + MINIMAL.replace("topic =", "deny = ['/du-lich/']\ntopic ="))
    assert sources.topic_for("https://webkhoedep.vn/du-lich/da-nang.html") == "Du lịch"
    assert sources.topic_for("https://webkhoedep.vn/suc-khoe/ngu.html") == "Sức khỏe"


def test_per_source_values_fall_back_to_defaults():
    sources = parse_sources("[defaults]\nrate_limit = 3\nlang = 'en'\n" + MINIMAL)
    source = sources.sources[0]
    assert (source.rate_limit, source.lang, source.policy, source.enabled) == (
        3.0,
        "en",
        "full",
        True,
    )


def test_allow_and_deny_patterns():
    sources = parse_sources(
        MINIMAL.replace("[source.discovery]", "deny = ['/tag/']\n[source.discovery]")
    )
    source = sources.sources[0]
    assert source.accepts("https://webkhoedep.vn/bai-1.html")
    assert not source.accepts("https://webkhoedep.vn/tag/suc-khoe")
    assert not source.accepts("https://other.vn/bai-1.html")  # no allow: home host only


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (MINIMAL.replace("topic =", "topik ="), "key 'topik': unknown key (did you mean 'topic'?)"),
        ("[defaults]\nrate_limt = 1\n", "[defaults] key 'rate_limt': unknown key (did you mean"),
        ("[defaults]\nrate_limit = 'fast'\n", "key 'rate_limit': expected a positive number"),
        ("[defaults]\nrate_limit = true\n", "key 'rate_limit': expected a positive number"),
        ("[defaults]\nconcurrency = 0\n", "key 'concurrency': expected a positive integer"),
        ("[defaults]\nretries = -1\n", "key 'retries': expected an integer ≥ 0, got -1"),
        ("[defaults]\nbackoff = 'x'\n", "key 'backoff': expected a number ≥ 0"),
        ("[defaults]\npolicy = 'all'\n", "key 'policy': expected one of full, excerpt, link"),
        (MINIMAL.replace('home = "https://webkhoedep.vn/"', 'home = "ftp://x"'), "key 'home'"),
        (MINIMAL.replace('name = "webkhoedep"\n', ""), "key 'name': missing"),
        (MINIMAL.replace("topic =", "allow = ['(']\ntopic ="), "key 'allow': invalid regular"),
        (MINIMAL.replace("feeds = [", "depth = -1\nfeeds = ["), "discovery.key 'depth'"),
        (MINIMAL.replace("feeds = [", "feeds = 'x'\n#"), "key 'feeds': expected a list"),
        (MINIMAL + MINIMAL, "source 'webkhoedep' key 'name': defined twice"),
        (MINIMAL.replace('feeds = ["https://webkhoedep.vn/rss/home.rss"]', ""), "'discovery'"),
        (
            MINIMAL + '[[source.discovery.listings]]\nurl = "https://webkhoedep.vn/"\n'
            'link_selector = "h3 >> a"\n',
            "listings[1] key 'link_selector': invalid CSS selector",
        ),
        ("[sources]\nx = 1\n", "key 'sources': unknown top-level key (did you mean 'source'?)"),
        ("[defaults\n", "invalid TOML"),
    ],
)
def test_mistakes_are_one_line_naming_file_and_key(text, needle):
    with pytest.raises(ConfigError) as info:
        parse_sources(text, "conf/sources.toml")
    message = str(info.value)
    assert message.startswith("conf/sources.toml: ")
    assert needle in message
    assert "\n" not in message


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read"):
        load_sources(tmp_path / "nope.toml")


def test_unknown_source_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="no source named 'x' \\(sources: webkhoedep\\)"):
        parse_sources(MINIMAL).selected("x")


def test_fetch_command_reports_a_malformed_file_in_one_line(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[defaults]\ntimeout = -1\n", encoding="utf-8")
    result = CliRunner().invoke(fetch, ["--sources", str(bad), "--state", str(tmp_path / "s.db")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: {bad}: [defaults] key 'timeout': expected a positive number, got -1"]


def test_topics_table_must_map_names_to_topics():
    from scripts.models import ConfigError
    from scripts.sources import parse_sources

    with pytest.raises(ConfigError, match=r"x\.toml: key 'topics'"):
        parse_sources('[topics]\n"Tin y dược" = 5\n', "x.toml")
    with pytest.raises(ConfigError, match="did you mean 'topics'"):
        parse_sources('[topic]\n"a" = "b"\n', "x.toml")
