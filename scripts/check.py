"""``clearpress check``: is a built site fit to publish?

Run on output/ after a build and before every deploy (the archive workflow does so), because a
static site breaks quietly: a feed readers cannot parse, a link to a page that was never
written, an image never copied, a third-party script or ad that slipped through extraction, or
a site grown past GitHub Pages' 1 GB limit.  Each check is one row of the report:

========  ==================================================================================
feeds     every ``*.rss.xml``/``*.atom.xml`` parses cleanly with feedparser (not bozo) and
          has entries; every JSON Feed under ``feeds/`` is 1.1 with string item ids; OPML
          files are well-formed
links     every internal ``href``/``src``/``srcset`` (relative, or under the site's own
          address) names a file in output/ (a folder → its ``index.html``)
external  nothing loads from another host (``<script src>``, ``<iframe>``, stylesheets,
          hotlinked images, ``url()``/``@import`` in CSS files), no inline ``on…=`` handlers,
          no ``javascript:`` URLs
residue   article pages carry no ad residue: phone-ad lines, ad words, ad hosts, ad classes,
          tracking parameters (patterns in ``scripts/data/residue.toml``)
size      total bytes against the Pages limit (warn past ``warn_share``), largest files
========  ==================================================================================

The checks themselves live in :mod:`scripts.checks`; this module runs them over one pass of the
pages and formats the report.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from scripts.checks.feeds import check_feeds
from scripts.checks.pages import PageFindings, check_page, check_stylesheet
from scripts.checks.report import CheckReport, CheckResult, Problem
from scripts.checks.residue import check_article, load_patterns
from scripts.checks.site import SiteAddress, SiteFiles, canonical_site, page_tree
from scripts.models import ArchiveError

__all__ = ["CheckReport", "CheckResult", "Problem", "check_site", "format_report"]

PAGES_LIMIT = 1_000_000_000  # GitHub Pages: a published site may be at most 1 GB
LARGEST_SHOWN = 5


def check_site(
    output_dir: Path,
    *,
    patterns_file: Path | None = None,
    size_limit: int = PAGES_LIMIT,
    warn_share: float = 0.8,
    site_url: str | None = None,
) -> CheckReport:
    """Check the built site in ``output_dir``; see the module docstring for what each check means.

    ``site_url`` is the published address (``https://user.github.io/repo``); without it the
    address is read from the pages' ``<link rel=canonical>``, and a local build without one has
    only relative internal links.  Raises :class:`ArchiveError` when there is no built site.
    """
    if not 0 < warn_share <= 1:
        raise ArchiveError(f"warn share must be between 0 and 1, not {warn_share}")
    if size_limit <= 0:
        raise ArchiveError(f"size limit must be positive, not {size_limit}")
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        raise ArchiveError(f"{output_dir}: no built site here; run `clearpress build` first")
    patterns = load_patterns(patterns_file)
    files = SiteFiles.scan(output_dir)
    pages = files.matching(".html", ".htm")
    if not pages:
        raise ArchiveError(f"{output_dir}: no built site here; run `clearpress build` first")

    found_url = site_url or canonical_site(files, pages)
    site = SiteAddress.parse(found_url) if found_url else None
    findings = PageFindings()
    residue: list[Problem] = []
    articles = 0
    for rel in pages:
        try:
            tree = page_tree(files.read(rel))
        except (OSError, ValueError, etree.ParserError) as exc:
            findings.links.append(Problem(rel, f"cannot read as HTML: {exc}"))
            continue
        check_page(tree, rel, files, site, findings)
        if patterns.is_article(rel, tree):
            articles += 1
            residue.extend(check_article(tree, rel, patterns))

    stylesheets = files.matching(".css")
    for rel in stylesheets:
        text = files.read(rel).decode("utf-8", "replace")
        check_stylesheet(text, rel, site, findings)

    where = f"site address {site.url}" if site else "no site address found: only relative links"
    article_notes = () if articles else ("no article pages recognised",)
    results = (
        check_feeds(files, has_articles=articles > 0),
        CheckResult("links", findings.references, tuple(findings.links), notes=(where,)),
        CheckResult("external", len(pages) + len(stylesheets), tuple(findings.external)),
        CheckResult("residue", articles, tuple(residue), notes=article_notes),
        check_size(files, size_limit=size_limit, warn_share=warn_share),
    )
    return CheckReport(output_dir=output_dir, results=results, site_url=site.url if site else None)


def check_size(files: SiteFiles, *, size_limit: int, warn_share: float) -> CheckResult:
    """Total bytes against GitHub Pages' limit, and the largest files (what to trim first)."""
    total = sum(files.sizes.values())
    problems: list[Problem] = []
    share = total / size_limit
    if total > size_limit:
        problems.append(
            Problem(".", f"{_bytes(total)} is over the {_bytes(size_limit)} limit ({share:.0%})")
        )
    elif share > warn_share:
        problems.append(
            Problem(
                ".",
                f"{_bytes(total)} is {share:.0%} of the {_bytes(size_limit)} limit "
                f"(warning past {warn_share:.0%})",
                level="warn",
            )
        )
    largest = sorted(files.sizes.items(), key=lambda item: (-item[1], item[0]))[:LARGEST_SHOWN]
    notes = (
        f"total {_bytes(total)} in {len(files.sizes)} files ({share:.1%} of {_bytes(size_limit)})",
        *(f"largest: {rel} {_bytes(size)}" for rel, size in largest),
    )
    return CheckResult("size", len(files.sizes), tuple(problems), notes=notes)


def _bytes(size: int) -> str:
    """Sizes in decimal units, as GitHub states its limits (1 GB = 10⁹ bytes)."""
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.2f} GB"


def format_report(report: CheckReport, *, limit: int = 10) -> str:
    """An aligned table (check | status | checked | problems), then up to ``limit`` problems and
    the notes of each check, one ``file: detail`` per line, then a one-line verdict."""
    header = ("check", "status", "checked", "problems")
    rows = [(r.name, r.status, str(r.checked), str(len(r.problems))) for r in report.results]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]

    def line(row: tuple[str, str, str, str]) -> str:
        cells = [
            row[0].ljust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].rjust(widths[3]),
        ]
        return "  ".join(cells).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]
    for result in report.results:
        if not result.problems and not result.notes:
            continue
        out.append("")
        shown = result.problems[:limit]
        more = len(result.problems) - len(shown)
        title = f"{result.name}:"
        if result.problems:
            title = f"{result.name}: {len(result.problems)} problem(s)" + (
                f", first {len(shown)}" if more else ""
            )
        out.append(title)
        out.extend(f"  {p.file}: {_one_line(p.detail)}" for p in shown)
        if more:
            out.append(f"  … and {more} more")
        out.extend(f"  ({note})" for note in result.notes)
    failed = [r.name for r in report.results if r.status == "fail"]
    warned = [r.name for r in report.results if r.status == "warn"]
    out.append("")
    if failed:
        out.append(f"FAILED: {', '.join(failed)}")
    else:
        out.append("OK" + (f" (warnings: {', '.join(warned)})" if warned else ""))
    return "\n".join(out)


def _one_line(text: str) -> str:
    """Problem details come from parsers too; keep each problem on one line."""
    return " ".join(text.split())
