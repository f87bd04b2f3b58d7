"""The README's copy-rubric table quotes the benchmark's saved output, figure for figure."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

ROWS = (
    "button-label headlines",
    "repeated texts",
    "cut-off phrases",
    "persona-slug paths",
    "variants applying a Do rule",
)


def saved_figures() -> dict[str, list[str]]:
    """Row title -> [Halden before, Halden after, Ledgerly before, Ledgerly after]."""
    text = (REPO_ROOT / "benchmarks" / "results" / "copy_rubric.txt").read_text()
    figures: dict[str, list[str]] = {row: [] for row in ROWS}
    for line in text.splitlines():
        for row in ROWS:
            if line.startswith(row):
                figures[row] += line[len(row) :].split()[:2]
    return figures


def test_readme_rubric_table_matches_the_benchmark_output():
    readme = (REPO_ROOT / "README.md").read_text()
    for row, figures in saved_figures().items():
        match = re.search(rf"^\| {re.escape(row)} \| (.+) \|$", readme, re.MULTILINE)
        assert match, f"README has no rubric row {row!r}"
        assert [c.strip() for c in match.group(1).split("|")] == figures, row
