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


def test_readme_quotes_smollm2_replies_as_the_benchmark_printed_them():
    """The README's SmolLM2 sentence: readable replies of all, summed over both brands."""
    text = (REPO_ROOT / "benchmarks" / "results" / "copy_rubric_smollm2.txt").read_text()
    replies = sum(int(n) for n in re.findall(r"^\S.*: (\d+) replies of \d+ requests", text, re.M))
    readable = sum(
        int(n)
        for n in re.findall(
            r"^  (?:valid JSON as written|JSON repaired, then valid)\s+(\d+)$", text, re.M
        )
    )
    assert replies > 0
    readme = (REPO_ROOT / "README.md").read_text()
    assert f"{readable} of its {replies} replies" in readme
