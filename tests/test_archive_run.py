"""The scheduled archive job, run for real: its own steps, a fake news site, a git clone.

The archive workflow's value is that it runs unattended every six hours.  Two things can only be
seen by running it: that its steps work together (fetch → import → commit and push → build →
check), and that a run with nothing new changes nothing, so the schedule makes no empty
commits.  This test takes the ``run:`` scripts of those steps out of
``.github/workflows/archive.yml`` itself — not a copy — and runs them with the shell GitHub uses
(``bash -eo pipefail``) in a clone of the project whose ``origin`` is a bare repository in the
test's folder, with ``sources.toml`` pointing at the fake site on 127.0.0.1.  The GitHub-only
steps (checkout, setup-python, configure-pages, upload and deploy) are GitHub's own actions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fakesite import ARTICLES, FakeSite, sources_toml
from test_workflows import _load, _steps

ROOT = Path(__file__).resolve().parent.parent
STEPS = (
    "Fetch new pages",
    "Import new captures",
    "Commit new captures and articles",
    "Build the site",
    "Check the site",
)
SITEURL = "https://example.github.io/clearpress"


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def _project_repository(tmp_path: Path) -> Path:
    """Return a clone of the project (its working tree as tracked now) with a bare ``origin``."""
    seed = tmp_path / "seed"
    for name in _git(ROOT, "ls-files", "-z").split("\0"):
        source = ROOT / name
        if name and source.is_file():
            target = seed / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(seed, "init", "--quiet", "--initial-branch=main")
    _git(seed, "add", ".")
    _git(seed, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    origin = tmp_path / "origin.git"
    _git(tmp_path, "clone", "--quiet", "--bare", str(seed), str(origin))
    repo = tmp_path / "repo"
    _git(tmp_path, "clone", "--quiet", str(origin), str(repo))
    # The workflow's install step makes .venv/ in the checkout; this one is the project's own
    # (.venv/ is ignored, so the link is never committed).
    (repo / ".venv").symlink_to(ROOT / ".venv")
    return repo


def _run_steps(repo: Path) -> str:
    """Run the archive job's steps in ``repo`` as GitHub would; return their combined output."""
    steps = {step.get("name"): step for _, step in _steps(_load("archive.yml"))}
    env = {
        **os.environ,
        "GITHUB_REF_NAME": "main",
        "CLEARPRESS_SITEURL": SITEURL,
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    log = []
    for name in STEPS:
        step = steps[name]
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo,
            env=env,  # the build step's only variable, CLEARPRESS_SITEURL, is set above
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        log.append(f"## {name} (exit {result.returncode})\n{result.stdout}{result.stderr}")
        assert result.returncode == 0, "\n".join(log)
    return "\n".join(log)


@pytest.fixture
def site():
    with FakeSite() as s:
        yield s


def test_scheduled_run_archives_new_articles_and_a_second_run_changes_nothing(site, tmp_path):
    repo = _project_repository(tmp_path)
    (repo / "sources.toml").write_text(sources_toml(site), encoding="utf-8")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "src")
    _git(repo, "push", "--quiet", "origin", "HEAD:main")
    configured = _git(repo, "rev-parse", "HEAD").strip()

    first = _run_steps(repo)
    archived = _git(repo, "rev-parse", "HEAD").strip()
    assert archived != configured, first
    assert _git(repo, "rev-parse", "origin/main").strip() == archived  # pushed
    committed = _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert any(name.startswith("captures/") and name.endswith(".warc.gz") for name in committed)
    articles = [name for name in committed if name.startswith("content/") and name.endswith(".md")]
    assert len(articles) == len(ARTICLES), first
    assert (repo / "output" / "index.html").is_file()
    assert _git(repo, "status", "--porcelain") == "", first

    second = _run_steps(repo)
    assert "Nothing new to archive." in second, second
    assert _git(repo, "rev-parse", "HEAD").strip() == archived, second
    assert _git(repo, "status", "--porcelain") == "", second
