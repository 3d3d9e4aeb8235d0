"""The README documents every command and option, and every command has help text."""

from __future__ import annotations

import dataclasses

import click
import pytest

from scripts.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_command_is_documented_with_every_option(name, command):
    assert f"### `{name}" in README, f"README has no section for `{name}`"
    assert command.help and "Example:" in command.help, f"`{name}` needs help with an example"
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(opt in README for opt in param.opts), (
                f"`{name} {param.opts[0]}` undocumented"
            )
            assert param.help, f"`{name} {param.opts[0]}` has no --help text"


def test_every_sources_key_is_documented():
    from scripts import sources

    names = [
        n for n in dir(sources) if n.endswith("_KEYS") and isinstance(getattr(sources, n), tuple)
    ]
    keys = {key for name in names if name != "_TOP_KEYS" for key in getattr(sources, name)}
    for table in sources._TOP_KEYS:
        assert f"`[{table}]`" in README or f"`[[{table}]]`" in README, table
    keys |= {f.name for f in dataclasses.fields(sources.Defaults)}
    assert len(names) >= 3 and "rate_limit" in keys
    missing = sorted(key for key in keys if f"| `{key}` |" not in README)
    assert not missing, f"sources.toml keys missing from the README tables: {missing}"
