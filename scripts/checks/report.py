"""The typed result of checking a built site: one row per check, each with its problems.

Results are frozen values so the CLI, the tests and the deploy workflow all read the same thing,
and a check never edits another's findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Status = Literal["ok", "warn", "fail"]
_RANK: dict[Status, int] = {"ok": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, named by the output file it is in (POSIX path relative to output/)."""

    file: str
    detail: str
    level: Literal["warn", "fail"] = "fail"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's row: how many things it looked at and what it found.

    ``notes`` carry facts worth printing that are not problems (total size, largest files,
    the site address links were resolved against).
    """

    name: str
    checked: int
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """The worst level among the problems: ``ok`` when there are none."""
        worst: Status = "ok"
        for problem in self.problems:
            if _RANK[problem.level] > _RANK[worst]:
                worst = problem.level
        return worst


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every check's result for one output folder; ``ok`` unless some check failed."""

    output_dir: Path
    results: tuple[CheckResult, ...]
    site_url: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no check failed (warnings do not block a deploy)."""
        return all(result.status != "fail" for result in self.results)

    def result(self, name: str) -> CheckResult:
        """The row of the check called ``name`` (KeyError if there is none)."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)
