"""The README documents every command and option, and every command has help text."""

from __future__ import annotations

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
