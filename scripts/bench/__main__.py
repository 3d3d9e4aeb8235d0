"""``python -m scripts.bench generate|run|profile|explore|volumes`` — the benchmark command line.

Refused arguments print one line (``bench: error: …``) and exit 2, like a usage error; a step
that fails while measuring prints why and exits 1.  Results go to stdout as an aligned table,
progress to stderr, so ``run > results.txt`` keeps only the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

from scripts.bench import generate
from scripts.bench.measure import BenchError, Report, detect_setup, log, measure_builds

USAGE_EXIT = 2
EXPERIMENTS = ("markdown", "phases", "variants", "cache")


class _Parser(argparse.ArgumentParser):
    """argparse prints usage and a message on two lines; we want one actionable line."""

    def error(self, message: str) -> NoReturn:
        """Print ``bench: error: …`` and exit 2."""
        print(f"bench: error: {message}", file=sys.stderr)
        sys.exit(USAGE_EXIT)


def _refuse(message: str) -> NoReturn:
    print(f"bench: error: {message}", file=sys.stderr)
    sys.exit(USAGE_EXIT)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= generate.MAX_ITEMS:
        raise argparse.ArgumentTypeError(
            f"must be between 1 and {generate.MAX_ITEMS} (got {value})"
        )
    return value


def _count_or_zero(text: str) -> int:
    return 0 if text.strip() == "0" else _count(text)


def _repeat(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 9:
        raise argparse.ArgumentTypeError(f"must be between 1 and 9 (got {value})")
    return value


def _sizes(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("give at least one size, e.g. 1000,10000")
    return [_count(p) for p in parts]


def _styles(text: str) -> tuple[str, ...]:
    styles = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [s for s in styles if s not in generate.STYLES]
    if not styles or unknown:
        raise argparse.ArgumentTypeError(f"styles are {', '.join(generate.STYLES)} (got {text!r})")
    return styles


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        _refuse(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        _refuse(f"--out {out} exists and is not empty (use --force to write into it)")


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--settings", type=Path, help="ClearPress settings file to build with")
    group.add_argument(
        "--committed",
        action="store_true",
        help="build with pelicanconf.py as committed (HEAD), not the working tree's",
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="PLUGIN",
        help="leave this plugin out of the ClearPress builds (repeatable), e.g. --without search",
    )


def _apply_settings_options(args: argparse.Namespace, work: Path) -> None:
    from scripts.bench.measure import (
        clearpress_settings,
        committed_settings,
        settings_without,
        use_settings,
    )

    if args.settings:
        if not args.settings.is_file():
            _refuse(f"--settings {args.settings}: no such file")
        use_settings(args.settings)
    elif args.committed:
        try:
            use_settings(committed_settings(work))
        except BenchError as exc:
            _refuse(str(exc))
    if args.without:
        use_settings(settings_without(clearpress_settings(), args.without, work))


def build_parser() -> argparse.ArgumentParser:
    """The ``generate``, ``run`` and ``profile`` commands and their options."""
    parser = _Parser(prog="python -m scripts.bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    gen = commands.add_parser("generate", help="write a deterministic synthetic archive")
    gen.add_argument("--kind", choices=("captures", "articles"), required=True)
    gen.add_argument("-n", type=_count, required=True, help="how many items (1-200000)")
    gen.add_argument("--out", type=Path, required=True, help="folder to write into")
    gen.add_argument("--seed", type=int, default=1, help="same seed, same bytes (default 1)")
    gen.add_argument("--start", type=int, default=0, help="first item index (for additions)")
    gen.add_argument(
        "--news",
        action="store_true",
        help="date the items after the archive's seven years, as a daily import's (articles)",
    )
    gen.add_argument("--styles", type=_styles, default=generate.STYLES, help="text,html")
    gen.add_argument("--force", action="store_true", help="write into a non-empty --out")

    run = commands.add_parser("run", help="measure imports and builds, print a table")
    run.add_argument("--sizes", type=_sizes, default=[1000], help="article counts (default 1000)")
    run.add_argument("--json", type=Path, help="also write the results as JSON here")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--import-n", type=int, default=1000, help="captures to import (0 skips)")
    run.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    run.add_argument("--keep", action="store_true", help="keep the working folder")
    run.add_argument(
        "--verify",
        action="store_true",
        help="after the rebuilds, build the same content clean and count differing files",
    )
    run.add_argument(
        "--repeat",
        type=_repeat,
        default=3,
        help="measure each build this many times and report the median (1-9, default 3)",
    )
    run.add_argument(
        "--backfill",
        type=_count_or_zero,
        default=20,
        help="old stories (dated anywhere in the archive) added for a last rebuild (0 skips)",
    )
    _add_settings_options(run)

    prof = commands.add_parser("profile", help="profile one ClearPress build with pyinstrument")
    prof.add_argument("-n", type=_count, default=2000)
    prof.add_argument("--seed", type=int, default=1)
    prof.add_argument("--out", type=Path, default=Path("bench-results/profile"))
    prof.add_argument("--force", action="store_true")
    _add_settings_options(prof)

    vol = commands.add_parser(
        "volumes", help="build an archive as yearly volumes, one site each (past 1 GB)"
    )
    vol.add_argument("-n", type=_count, default=100000, help="articles (default 100000)")
    vol.add_argument("--seed", type=int, default=1)
    vol.add_argument(
        "--work", type=Path, help="working folder; its content/ is reused (default: temporary)"
    )
    vol.add_argument("--json", type=Path, help="also write the results as JSON here")
    _add_settings_options(vol)

    exp = commands.add_parser("explore", help="measure the candidate speed-ups (PERFORMANCE.md)")
    exp.add_argument("-n", type=_count, default=10000)
    exp.add_argument("--seed", type=int, default=1)
    exp.add_argument("--work", type=Path, default=Path("bench-results/explore"))
    exp.add_argument("--json", type=Path, help="also write the results as JSON here")
    exp.add_argument(
        "--skip", action="append", default=[], choices=EXPERIMENTS, help="leave one out"
    )
    exp.add_argument("--repeat", type=int, default=1, help="rounds of variant builds (min kept)")
    _add_settings_options(exp)
    return parser


def cmd_generate(args: argparse.Namespace) -> int:
    """Write ``-n`` captures or articles into ``--out``."""
    _check_out(args.out, args.force)
    if args.start < 0:
        _refuse(f"--start must be 0 or more (got {args.start})")
    started = time.perf_counter()
    if args.kind == "articles":
        paths = generate.write_articles(
            args.out, args.n, args.seed, start=args.start, news=args.news
        )
    else:
        paths = generate.write_captures(
            args.out, args.n, args.seed, start=args.start, styles=args.styles
        )
    size = sum(p.stat().st_size for p in paths)
    elapsed = time.perf_counter() - started
    print(f"wrote {len(paths)} {args.kind} ({size / 1e6:.1f} MB) to {args.out} in {elapsed:.1f} s")
    return 0


def format_table(report: Report) -> str:
    """Aligned plain-text tables: imports, then builds with their ratios."""
    lines: list[str] = []
    if report.imports:
        lines.append(f"{'import':<24}{'pages':>7}{'workers':>9}{'wall s':>9}{'pages/s':>9}"
                     f"{'written':>9}{'quarant.':>10}")  # fmt: skip
        for row in report.imports:
            lines.append(
                f"{row['mode']:<24}{row['pages']:>7}{row['workers']:>9}{row['wall_s']:>9.2f}"
                f"{row['pages_per_s']:>9.1f}{row['written']:>9}{row['quarantined']:>10}"
            )
        lines.append("")
    header = (f"{'build':<18}{'N':>7}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}{'KB/art.':>9}"
              f"{'files':>8}{'× plain':>9}{'× full':>8}{'differ':>8}")  # fmt: skip
    lines.append(header)
    by_size: dict[int, dict[str, dict[str, Any]]] = {}
    for row in report.builds:
        by_size.setdefault(row["size"], {})[row["variant"]] = row
    for row in report.builds:
        group = by_size[row["size"]]
        plain, full = group.get("plain full"), group.get("clearpress full")
        vs_plain = vs_full = ""
        # Ratios of CPU seconds: on a shared machine wall time mostly measures the neighbours.
        if row["variant"] == "clearpress full" and plain:
            vs_plain = f"{row['cpu_s'] / plain['cpu_s']:.2f}"
        if row["variant"].startswith("clearpress +") and full:
            vs_full = f"{row['cpu_s'] / full['cpu_s']:.2f}"
        differ = row.get("differs_from_clean_build")
        lines.append(
            f"{row['variant']:<18}{row['articles']:>7}{row['wall_s']:>9.1f}{row['cpu_s']:>9.1f}"
            f"{row['peak_mb']:>9.0f}{row['bytes_per_article'] / 1024:>9.1f}"
            f"{row['output_files']:>8}{vs_plain:>9}{vs_full:>8}{'' if differ is None else differ:>8}"
        )
    lines.append("× plain and × full are ratios of CPU seconds; differ: files that differ from a "
                 "clean build of the same content (--verify)")  # fmt: skip
    repeats = {len(row.get("cpu_s_samples", ())) for row in report.builds}
    if repeats and max(repeats) > 1:
        lines.append(f"each build measured {max(repeats)} times: the median run is shown")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Measure everything asked for and print the table (and write JSON)."""
    from scripts.bench.measure import html_extractor_available, measure_imports

    if args.import_n < 0 or args.import_n > generate.MAX_ITEMS:
        _refuse(f"--import-n must be between 0 and {generate.MAX_ITEMS} (got {args.import_n})")
    if args.work:
        _check_out(args.work, force=False)
    work = args.work or Path(tempfile.mkdtemp(prefix="clearpress-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    _apply_settings_options(args, work)
    try:
        report = Report(setup=detect_setup())
    except BenchError as exc:
        print(f"bench: failed: {exc}", file=sys.stderr)
        return 1
    report.setup["seed"] = args.seed
    log(f"working in {work}; plugins active: {', '.join(report.setup['plugins_active']) or 'none'}")
    try:
        if args.import_n:
            styles = ("text", "html") if html_extractor_available() else ("text",)
            report.setup["import_styles"] = list(styles)
            for result in measure_imports(work / "import", args.import_n, args.seed, styles):
                report.imports.append({**_asdict(result), "pages_per_s": result.pages_per_s})
        for size in args.sizes:
            report.builds.extend(
                measure_builds(
                    work / f"n{size}",
                    size,
                    args.seed,
                    verify=args.verify,
                    backfill=args.backfill,
                    repeat=args.repeat,
                )
            )
    except BenchError as exc:
        print(f"bench: failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(_setup_line(report.setup))
    print(format_table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict_report(report), indent=2) + "\n", encoding="utf-8")
        log(f"results written to {args.json}")
    return 0


def _asdict(value: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(value)


def asdict_report(report: Report) -> dict[str, Any]:
    """The JSON form of a report."""
    return {"setup": report.setup, "imports": report.imports, "builds": report.builds}


def _setup_line(setup: dict[str, Any]) -> str:
    templates = len(setup["theme_templates"])
    plugins = ", ".join(setup["plugins_active"]) or "none"
    return (
        f"ClearPress settings: {setup['settings']}; plugins active: {plugins}; theme "
        f"{setup['theme']}/ with {templates} template(s) (rest from Pelican's simple); "
        f"{setup['cpus']} CPUs; Python {setup['python']}"
    )


def cmd_profile(args: argparse.Namespace) -> int:
    """Profile one ClearPress build of ``-n`` generated articles."""
    from scripts.bench.profile import profile_build

    _check_out(args.out, args.force)
    _apply_settings_options(args, args.out)
    try:
        print(profile_build(args.out, args.n, args.seed))
    except BenchError as exc:
        print(f"bench: failed: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    """Run the experiments on ``-n`` generated articles (reused if already generated)."""
    from scripts.bench import explore

    if args.repeat < 1:
        _refuse(f"--repeat must be 1 or more (got {args.repeat})")
    args.work.mkdir(parents=True, exist_ok=True)
    _apply_settings_options(args, args.work)
    content = args.work / "content"
    if not content.is_dir() or sum(1 for _ in content.rglob("*.md")) != args.n:
        shutil.rmtree(content, ignore_errors=True)
        log(f"generating {args.n} Markdown articles in {content}")
        generate.write_articles(content, args.n, args.seed)
    results: dict[str, Any] = {"articles": args.n}
    if args.json and args.json.is_file():
        # Experiments can be run one at a time (--skip); earlier results in the file are kept.
        previous = json.loads(args.json.read_text(encoding="utf-8"))
        if previous.get("articles") == args.n:
            results = previous
    steps = {
        "markdown": lambda: explore.markdown_paths(content),
        "phases": lambda: explore.phase_build_child(content, args.work / "out-phases", {}),
        "variants": lambda: explore.setting_variants(content, args.work, args.repeat),
        "cache": lambda: explore.cache_incremental(content, args.work, args.seed),
    }
    try:
        for name, step in steps.items():
            if name in args.skip:
                continue
            log(f"experiment: {name}")
            results[name] = step()
            if args.json:  # saved after every step: a long run that fails keeps what it measured
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    except BenchError as exc:
        print(f"bench: failed: {exc}", file=sys.stderr)
        return 1
    print(format_explore(results))
    return 0


def format_explore(results: dict[str, Any]) -> str:
    """Aligned tables for the experiments that ran."""
    lines: list[str] = []
    for row in results.get("markdown", []):
        lines.append(f"{row['path']:<44}{row['files']:>6} files{row['s']:>8.2f} s"
                     f"{row['x_baseline']:>7.2f}×{row['identical']:>7} identical")  # fmt: skip
    phases = results.get("phases")
    if phases:
        lines.append(f"\nphase-timed build: {phases['total_s']:.1f} s")
        for name, fig in sorted(phases["phases"].items(), key=lambda kv: -kv[1]["s"]):
            lines.append(f"  {name:<44}{fig['s']:>8.1f} s{fig['calls']:>8} calls")
        lines.append("  write_file by template (render + write):")
        for name, fig in sorted(phases["write_file_by_template"].items(), key=lambda kv: -kv[1]["s"]):  # fmt: skip
            lines.append(f"    {name:<42}{fig['s']:>8.1f} s{fig['pages']:>8} calls")
    for key in ("variants", "cache"):
        for row in results.get(key, []):
            extra = f"{row.get('files', ''):>8}{row.get('kb_per_article', 0):>8.1f} KB" if key == "variants" else ""  # fmt: skip
            lines.append(f"{row['variant']:<34}{row['wall_s']:>8.1f} s{row['cpu_s']:>8.1f} cpu"
                         f"{row['peak_mb']:>7.0f} MB{extra}")  # fmt: skip
    return "\n".join(lines)


def cmd_volumes(args: argparse.Namespace) -> int:
    """Build ``-n`` generated articles as one site per year and print what each took."""
    from scripts.bench.volumes import build_volumes, format_volumes

    if args.work and args.work.exists() and not args.work.is_dir():
        _refuse(f"--work {args.work} is a file, not a folder")
    work = args.work or Path(tempfile.mkdtemp(prefix="clearpress-volumes-"))
    work.mkdir(parents=True, exist_ok=True)
    _apply_settings_options(args, work)
    try:
        volumes = build_volumes(work, args.n, args.seed)
    except BenchError as exc:
        print(f"bench: failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(format_volumes(volumes))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        rows = [v.row() for v in volumes]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command; return the exit status."""
    args = build_parser().parse_args(argv)
    handler = {
        "generate": cmd_generate, "run": cmd_run, "profile": cmd_profile, "explore": cmd_explore,
        "volumes": cmd_volumes,
    }[args.command]  # fmt: skip
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
