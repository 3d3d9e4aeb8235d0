"""Lighthouse scores and page weight of the reading site (a benchmark to run by hand, not a test).

Builds the fixture site (tests/fixtures/site) into a temporary folder, or takes an existing build
with ``--output``, serves it on 127.0.0.1 and runs Lighthouse 12.2.3 (``npx``, Debian's Chromium
through CHROME_PATH) on the home, topic and article pages with Lighthouse's default mobile
settings.  Prints the four category scores per page and each page's transfer size without images
(the article page target is under 30 KB).

Example:
    .venv/bin/python scripts/bench_lighthouse.py
    .venv/bin/python scripts/bench_lighthouse.py --output output --pages index.html thoi-su/
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "lighthouse@12.2.3"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-sync"
)
FIXTURE_PAGES = ["", "thoi-su/", "thoi-su/2024/ha-noi-mo-rong-duong-vanh-dai.html"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
ARTICLE_BUDGET = 30 * 1024


def build_fixture(output: Path) -> float:
    """Build the fixture site with the project settings into ``output``; return seconds."""
    sys.path.insert(0, str(ROOT))
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(ROOT / "tests" / "fixtures" / "site" / "content"),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
        },
    )
    settings["PLUGINS"] = [p for p in settings["PLUGINS"] if (ROOT / "plugins" / p).is_dir()]
    started = time.perf_counter()
    Pelican(settings).run()
    return time.perf_counter() - started


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serve files without a log line per request."""

    def log_message(self, format, *args) -> None:
        pass


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    """Serve ``folder`` on a free 127.0.0.1 port in a background thread."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def lighthouse(url: str) -> dict:
    """Run Lighthouse on ``url`` and return its JSON report."""
    npx = shutil.which("npx")
    if npx is None:
        raise SystemExit("npx not found: install Node.js and npm")
    command = [
        npx, "--yes", LIGHTHOUSE, url, "--output=json", "--output-path=stdout", "--quiet",
        f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}",
    ]  # fmt: skip
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", CHROMIUM))
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def weight_without_images(report: dict) -> tuple[int, int]:
    """Return (bytes transferred without images, number of such requests)."""
    items = report["audits"]["network-requests"]["details"]["items"]
    kept = [i for i in items if i.get("resourceType") != "Image"]
    return sum(i.get("transferSize", 0) for i in kept), len(kept)


def main(argv: list[str] | None = None) -> int:
    """Build or take a site, run Lighthouse on each page and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="an already built site (default: build)")
    parser.add_argument("--pages", nargs="+", default=FIXTURE_PAGES, help="site-relative pages")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clearpress-lh-") as tmp:
        folder = args.output
        if folder is None:
            folder = Path(tmp) / "output"
            print(f"built the fixture site in {build_fixture(folder):.2f} s")
        server = serve(folder)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            header = (
                f"{'page':48} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5} {'bytes*':>8} {'req':>4}"
            )
            print(header)
            over = []
            for page in args.pages:
                report = lighthouse(base + page)
                scores = [report["categories"][c]["score"] for c in CATEGORIES]
                size, count = weight_without_images(report)
                shown = " ".join(f"{round((s or 0) * 100):>5}" for s in scores)
                print(f"{page or '(home)':48} {shown} {size:>8} {count:>4}")
                if page.endswith(".html") and size > ARTICLE_BUDGET:
                    over.append(page)
            print("bytes* = transferred without images; article budget 30 KB")
        finally:
            server.shutdown()
            server.server_close()
    if over:
        print(f"over the article budget: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
