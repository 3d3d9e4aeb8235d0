"""The GitHub Actions workflows: linted offline with actionlint, and held to the archive's rules.

A broken workflow is only discovered when GitHub runs it — for the scheduled archive, hours
later and silently.  actionlint (compiled to WebAssembly in the npm package under tests/tools,
so nothing is downloaded at run time) catches syntax, expression and type errors here; the
structural tests pin what the operator relies on: the archive runs on a schedule and by hand,
never twice at once, and nothing is deployed that `check` has not passed.

The Node tools are installed by ``npm ci --prefix tests/tools`` (.ci/run and tests.yml do it).
When they are missing these tests fail rather than skip: an unlinted workflow is a real gap.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
TOOLS = ROOT / "tests" / "tools"
INSTALL_HINT = "install the Node test tools: npm ci --prefix tests/tools"

OFFICIAL_PAGES_ACTIONS = {
    "actions/configure-pages": "v5",
    "actions/upload-pages-artifact": "v3",
    "actions/deploy-pages": "v4",
}


def _node() -> str:
    node = shutil.which("node")
    assert node, f"node is not installed; {INSTALL_HINT}"
    for package in ("actionlint", "yaml"):
        assert (TOOLS / "node_modules" / package / "package.json").is_file(), (
            f"tests/tools/node_modules/{package} is missing; {INSTALL_HINT}"
        )
    return node


def _workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


@cache
def _load(name: str) -> dict[str, Any]:
    """Parse a workflow as GitHub does (YAML 1.2: ``on`` is a key, not ``true``)."""
    result = subprocess.run(
        [_node(), str(TOOLS / "workflow-json.cjs"), str(WORKFLOWS / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def _steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every step of every job, in file order, with its job's name."""
    return [
        (job_name, step)
        for job_name, job in workflow["jobs"].items()
        for step in job.get("steps", [])
    ]


def _uses(step: dict[str, Any]) -> tuple[str, str] | None:
    uses = step.get("uses")
    if not uses:
        return None
    action, _, ref = uses.partition("@")
    return action, ref


def test_workflows_exist() -> None:
    names = {p.name for p in _workflow_files()}
    assert {"tests.yml", "archive.yml"} <= names


def test_actionlint_passes_every_workflow() -> None:
    files = [str(p) for p in _workflow_files()]
    result = subprocess.run(
        [_node(), str(TOOLS / "actionlint.cjs"), *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The linter really runs: a wrong context property and a bad `needs` are reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    needs: nowhere\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [_node(), str(TOOLS / "actionlint.cjs"), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no_such_property" in result.stdout
    assert "nowhere" in result.stdout


def test_tests_workflow_runs_make_test_on_push_and_pull_request() -> None:
    workflow = _load("tests.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    steps = [step for _, step in _steps(workflow)]
    assert ("actions/checkout", "v4") in [_uses(s) for s in steps]
    python = [s for s in steps if _uses(s) == ("actions/setup-python", "v5")]
    assert python and str(python[0]["with"]["python-version"]) == "3.11"
    runs = "\n".join(s.get("run", "") for s in steps)
    for tool in ("chromium", "trang", "default-jre-headless", "npm ci --prefix"):
        assert tool in runs
    assert steps[-1].get("run", "").strip() == "make test"


def test_archive_runs_on_a_schedule_and_by_hand() -> None:
    triggers = _load("archive.yml")["on"]
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert triggers["schedule"] and all("cron" in entry for entry in triggers["schedule"])


def test_archive_runs_never_race() -> None:
    concurrency = _load("archive.yml")["concurrency"]
    assert concurrency["group"]
    assert concurrency["cancel-in-progress"] is False


def test_archive_permissions_allow_commit_and_pages_deploy() -> None:
    permissions = _load("archive.yml")["permissions"]
    assert permissions == {"contents": "write", "pages": "write", "id-token": "write"}


def test_archive_uses_the_official_pages_actions_pinned_to_major_versions() -> None:
    used = {u for _, step in _steps(_load("archive.yml")) if (u := _uses(step))}
    for action, major in OFFICIAL_PAGES_ACTIONS.items():
        assert (action, major) in used, f"{action}@{major} not used"
    for action, ref in used:
        assert action.startswith("actions/"), f"third-party action {action}"
        assert ref.startswith("v") and ref[1:].isdigit(), f"{action}@{ref}: pin a major version"


def _run_index(steps: list[tuple[str, dict[str, Any]]], needle: str) -> int:
    matches = [i for i, (_, step) in enumerate(steps) if needle in step.get("run", "")]
    assert matches, f"no step runs {needle!r}"
    return matches[0]


def _uses_index(steps: list[tuple[str, dict[str, Any]]], action: str) -> int:
    matches = [i for i, (_, step) in enumerate(steps) if (_uses(step) or ("",))[0] == action]
    assert matches, f"no step uses {action}"
    return matches[0]


def test_archive_fetches_imports_commits_builds_checks_then_deploys() -> None:
    workflow = _load("archive.yml")
    steps = _steps(workflow)
    order = [
        _run_index(steps, "-m scripts fetch"),
        _run_index(steps, "-m scripts import --from-captures"),
        _run_index(steps, "git push"),
        _uses_index(steps, "actions/configure-pages"),
        _run_index(steps, "-m scripts build --publish"),
        _run_index(steps, "-m scripts check output"),
        _uses_index(steps, "actions/upload-pages-artifact"),
        _uses_index(steps, "actions/deploy-pages"),
    ]
    assert order == sorted(order), "steps out of order"
    # The check gates the upload in the same job, and deploying needs that job to succeed.
    check_job = steps[_run_index(steps, "-m scripts check output")][0]
    upload_job = steps[_uses_index(steps, "actions/upload-pages-artifact")][0]
    deploy_job = steps[_uses_index(steps, "actions/deploy-pages")][0]
    assert check_job == upload_job
    needs = workflow["jobs"][deploy_job].get("needs")
    assert check_job in ([needs] if isinstance(needs, str) else needs)
    assert workflow["jobs"][deploy_job]["environment"]["name"] == "github-pages"


def test_archive_builds_for_the_pages_address() -> None:
    steps = _steps(_load("archive.yml"))
    configure = steps[_uses_index(steps, "actions/configure-pages")][1]
    build = steps[_run_index(steps, "-m scripts build --publish")][1]
    assert build["env"]["CLEARPRESS_SITEURL"] == (
        "${{ steps." + configure["id"] + ".outputs.base_url }}"
    )
    upload = steps[_uses_index(steps, "actions/upload-pages-artifact")][1]
    assert upload["with"]["path"] == "output"


def test_archive_commits_only_archive_folders() -> None:
    steps = _steps(_load("archive.yml"))
    script = steps[_run_index(steps, "git push")][1]["run"]
    assert "git add captures content" in script
    assert "git diff --cached --quiet" in script
    for forbidden in ("git add -A", "git add .", "commit -a", "--all"):
        assert forbidden not in script


@pytest.mark.parametrize("name", ["tests.yml", "archive.yml"])
def test_checkout_comes_first(name: str) -> None:
    workflow = _load(name)
    first_job = next(iter(workflow["jobs"].values()))
    assert _uses(first_job["steps"][0]) == ("actions/checkout", "v4")
