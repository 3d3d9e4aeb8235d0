"""Every page of the built fixture site passes the Nu HTML Checker (vnu), and so do the CSS and icon.

vnu comes from npm (``vnu-jar`` in tests/a11y/package.json, ``npm ci --prefix tests/a11y``) and
runs on Java.  One checker run covers all files; a deliberately broken page rides along so the
test proves the checker really looked.  A missing Java or vnu.jar fails the test: CI installs
both, and a skipped validator would let invalid markup ship.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.sitebuild import ROOT

VNU = ROOT / "tests" / "a11y" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CANARY = '<!doctype html><html lang="vi"><title>x</title><p><div>lồng sai</div></p></html>'


def test_nu_html_checker_reports_no_errors(built_site, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is not installed (apt-get install default-jre-headless)")
    if not VNU.is_file():
        pytest.fail(f"{VNU} is missing: run `npm ci --prefix tests/a11y`")
    out = built_site.output
    pages = sorted(out.rglob("*.html"))
    assets = sorted((out / "theme").rglob("*.css")) + sorted((out / "theme").rglob("*.svg"))
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    command = [java, "-jar", str(VNU), "--format", "json", "--also-check-css", "--also-check-svg"]
    result = subprocess.run(
        [*command, *map(str, [*pages, *assets, canary])],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    messages = json.loads(result.stderr)["messages"]
    problems = [
        f"{m['url'].removeprefix('file:')}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "warning"
        if not m["url"].endswith("canary.html")
    ]
    assert len(pages) > 50
    assert any(m["url"].endswith("canary.html") for m in messages), "vnu did not check anything"
    assert problems == []
