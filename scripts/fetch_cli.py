"""The ``fetch`` command: a thin click layer over :func:`scripts.fetch.runner.run_fetch`."""

from __future__ import annotations

import click

from scripts.fetch.runner import run_fetch
from scripts.models import ArchiveError
from scripts.sources import load_sources


@click.command(name="fetch")
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False),
    default="sources.toml",
    show_default=True,
    help="Sources file listing the sites to fetch.",
)
@click.option(
    "--captures",
    "captures_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    default="captures",
    show_default=True,
    help="Folder the WARC capture files are written under (<yyyy>/<mm>/).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    default="state/fetch.sqlite3",
    show_default=True,
    help="SQLite file remembering every URL, its status and its capture.",
)
@click.option("--source", "source_name", metavar="NAME", help="Fetch only the source NAME.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="Fetch at most N articles in this run.",
)
def fetch(
    sources_path: str,
    captures_dir: str,
    state_path: str,
    source_name: str | None,
    limit: int | None,
) -> None:
    """Find new articles of every source and capture each one once into WARC files.

    Discovery reads each source's feeds, listing pages and sitemaps; every new article URL is
    fetched politely (robots.txt, per-host rate limit, retries) and its raw response kept in
    captures/. A run killed half-way resumes where it stopped on the next run.

    Example:

    \b
        python -m scripts fetch
        python -m scripts fetch --source webkhoedep --limit 20
        python -m scripts import --from-captures
    """
    try:
        sources = load_sources(sources_path)
        summary = run_fetch(
            sources,
            captures_dir=captures_dir,
            state_path=state_path,
            source_name=source_name,
            limit=limit,
        )
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    for line in summary.lines():
        click.echo(line)
