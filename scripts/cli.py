"""ClearPress command line: ``python -m scripts COMMAND`` (installed as ``clearpress``).

A thin click layer: each command parses options, calls one library function and turns
:class:`~scripts.models.ArchiveError` into a one-line ``Error: …`` with exit status 1.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import click

from scripts import __version__
from scripts.models import ArchiveError, Capture

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
ROOT = Path(__file__).resolve().parent.parent
QUARANTINED_EXIT = 3  # distinct from 1 (a run-stopping error) so schedules can tell them apart


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="clearpress")
def cli() -> None:
    """Turn cluttered news pages into a clean, permanent archive with per-topic feeds."""


@cli.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--url", help="Address of the captured page (default: its canonical or og:url).")
@click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("content"),
    show_default=True,
    help="Markdown archive to write into.",
)
@click.option("--category", help="Topic for these captures (overrides the page's own).")
@click.option("--force", is_flag=True, help="Publish low-confidence articles instead of drafts.")
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("sources.toml"),
    show_default=True,
    help="Source list giving each site's default topic.",
)
@click.option("--from-captures", is_flag=True, help="Import new WARC captures made by `fetch`.")
@click.option("--all", "all_captures", is_flag=True, help="With --from-captures: re-import all.")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("state/fetch.sqlite3"),
    show_default=True,
    help="Fetch state database (with --from-captures).",
)
@click.option(
    "--jobs",
    type=click.IntRange(0, 64),
    default=0,
    help="Processes that extract and convert pages (0: one per core); one process writes, so "
    "the output is the same for any value.",
)
@click.option(
    "--element-hiding",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="EasyList/ABPVN-format list whose ## rules are removed from every HTML page.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
def import_command(
    paths: tuple[Path, ...],
    url: str | None,
    content_dir: Path,
    category: str | None,
    force: bool,
    sources_path: Path,
    from_captures: bool,
    all_captures: bool,
    state_path: Path,
    jobs: int,
    element_hiding: Path | None,
    quiet: bool,
) -> None:
    """Import captures (.txt, .html, .warc, .warc.gz, or folders of them) as Markdown.

    Prints one line per capture (wrote, updated, merged, unchanged, draft or quarantined)
    and a summary.  Exits with status 3 if any capture was quarantined (the others are still
    imported), 1 on an error that stopped the run.

    \b
    Example:
        clearpress import captures/demo
        clearpress import page.html --url https://example.vn/bai-viet.html --category "Sức khỏe"
    """
    from scripts.importer import (
        ImportOptions,
        default_jobs,
        import_captures,
        import_paths,
        resource_lookup,
        source_options,
        summarize,
    )
    from scripts.store import ContentIndex, import_lock

    if not paths and not from_captures:
        raise click.UsageError("give capture files or folders, or --from-captures")
    if url and (len(paths) != 1 or from_captures):
        raise click.UsageError("--url applies to exactly one capture file")
    try:
        # Images are looked up in every WARC among the inputs (and in captures/ for fetched ones).
        searched = [*paths, *([Path("captures")] if from_captures else [])]
        options = ImportOptions(
            content_dir=content_dir,
            url=url,
            category=category,
            force=force,
            jobs=jobs or default_jobs(),
            element_hiding=element_hiding,
            resources=resource_lookup(searched),
            **source_options(sources_path),  # type: ignore[arg-type]
        )
        with import_lock(content_dir):  # one import per content folder at a time
            outcomes = import_paths(paths, options) if paths else []
            if from_captures:
                from scripts.fetch.state import all_captures as every_capture
                from scripts.fetch.state import mark_imported, pending_captures

                index = ContentIndex.scan(content_dir)
                source = every_capture if all_captures else pending_captures
                keys: list[str] = []

                def stream() -> Iterator[Capture]:
                    # Captures are read one batch at a time; only their keys are kept.
                    for key, capture in source(state_path):
                        keys.append(key)
                        yield capture

                fresh = list(import_captures(stream(), options, index))
                outcomes.extend(fresh)
                paired = list(zip(keys, fresh, strict=True))
                mark_imported(state_path, [k for k, o in paired if o.action != "quarantined"])
                # Not retried on the next run: only when captured again, or with --all.
                failed = [k for k, o in paired if o.action == "quarantined"]
                mark_imported(state_path, failed, quarantined=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in outcomes:
        if quiet and outcome.action not in ("quarantined", "draft"):
            continue
        where = str(outcome.path) if outcome.path else outcome.origin
        detail = f" ({outcome.reason})" if outcome.reason else ""
        if outcome.action == "quarantined":
            click.echo(f"quarantined  {outcome.origin}: {outcome.reason}", err=True)
        else:
            click.echo(f"{outcome.action:<12} {where}{detail}")
    click.echo(summarize(outcomes))
    if any(o.action == "quarantined" for o in outcomes):
        sys.exit(QUARANTINED_EXIT)


@cli.command(name="extract")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="Address of the captured page (default: its canonical or og:url).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "text", "json"]),
    default="markdown",
    show_default=True,
    help="markdown: the file import would write; text: plain text; json: fields and report.",
)
@click.option(
    "--element-hiding",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="EasyList/ABPVN-format list whose ## rules are removed from every HTML page.",
)
def extract_command(path: Path, url: str | None, fmt: str, element_hiding: Path | None) -> None:
    """Print the article extracted from one capture; writes nothing.

    \b
    Example:
        clearpress extract page.html --url https://example.vn/a.html --format json
    """
    from scripts.convert import article_to_markdown
    from scripts.extract import extract
    from scripts.readers import read_file

    try:
        captures = list(read_file(path))
        if not captures:
            raise click.ClickException(f"{path}: no page in this capture")
        if captures[0].rejected:
            raise click.ClickException(f"{captures[0].origin}: {captures[0].rejected}")
        from scripts.extract.html import ExtractOptions

        article = extract(
            captures[0], url=url, options=ExtractOptions(element_hiding=element_hiding)
        )
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "markdown":
        click.echo(article_to_markdown(article), nl=False)
    elif fmt == "text":
        from bs4 import BeautifulSoup

        text = BeautifulSoup(article.body_html, "lxml").get_text("\n\n", strip=True)
        click.echo(f"{article.title}\n\n{text}")
    else:
        data = asdict(article)
        for key in ("date", "modified", "captured"):
            data[key] = data[key].isoformat() if data[key] else None
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@cli.command(name="build")
@click.option("--publish", is_flag=True, help="Build for production with publishconf.py.")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder to build the site into.",
)
def build_command(publish: bool, output: Path) -> None:
    """Build the site with Pelican into output/ (feeds and search index included).

    \b
    Example:
        clearpress build
        CLEARPRESS_SITEURL=https://user.github.io/repo clearpress build --publish
    """
    settings = ROOT / ("publishconf.py" if publish else "pelicanconf.py")
    command = [
        sys.executable, "-m", "pelican", str(ROOT / "content"), "-s", str(settings),
        "-o", str(output), "--fatal", "errors",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise click.ClickException(f"pelican failed with exit status {result.returncode}")


@cli.command(name="serve")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Built site to serve.",
)
def serve_command(port: int, bind: str, output: Path) -> None:
    """Serve the built site locally for reading and testing.

    \b
    Example:
        clearpress serve --port 8000
    """
    import functools
    import http.server

    if not output.is_dir():
        raise click.ClickException(f"{output}: no built site here; run `clearpress build` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    with http.server.ThreadingHTTPServer((bind, port), handler) as server:
        click.echo(f"Serving {output} at http://{bind}:{port}/ (Ctrl+C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


@cli.command(name="check")
@click.argument(
    "output_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("output")
)
@click.option(
    "--patterns",
    "patterns_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Residue patterns file (TOML) replacing scripts/data/residue.toml.",
)
@click.option(
    "--site-url",
    help="Published site address (default: the pages' canonical links, else the JSON Feeds).",
)
@click.option(
    "--size-limit",
    type=click.IntRange(min=1),
    default=1_000_000_000,
    show_default=True,
    help="Bytes the site may take (GitHub Pages: 1 GB).",
)
@click.option(
    "--warn-share",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.8,
    show_default=True,
    help="Warn when the site passes this share of --size-limit.",
)
@click.option(
    "--max-problems",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Problems printed per check.",
)
def check_command(
    output_dir: Path,
    patterns_file: Path | None,
    site_url: str | None,
    size_limit: int,
    warn_share: float,
    max_problems: int,
) -> None:
    """Check a built site: feeds valid, links resolve, no external scripts or ad residue.

    \b
    Example:
        clearpress check output
    """
    from scripts.check import check_site, format_report

    try:
        report = check_site(
            output_dir,
            patterns_file=patterns_file,
            site_url=site_url,
            size_limit=size_limit,
            warn_share=warn_share,
        )
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(format_report(report, limit=max_problems))
    if not report.ok:
        sys.exit(1)


def _register_optional() -> None:
    """Attach commands that live in their own modules."""
    try:
        from scripts.fetch_cli import fetch
    except ImportError:  # pragma: no cover - during development only
        return
    cli.add_command(fetch)


_register_optional()


def main() -> None:
    """Entry point for ``python -m scripts`` and the ``clearpress`` console script."""
    cli(prog_name="clearpress")
