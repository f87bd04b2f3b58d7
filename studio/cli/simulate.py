"""``studio simulate``: replay creative tests from an arms table under each traffic policy."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import typer

from studio.cli._common import fail


def simulate(
    arms: Path = typer.Option(
        ...,
        "--arms",
        help="ARMS.csv: test_id, arm_id, ctr, impressions[, headline]; one row per arm.",
    ),
    batches: int = typer.Option(
        24, "--batches", min=1, help="Batches per test; the split is re-weighted before each."
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, help="Random seed; the same seed gives the same figures."
    ),
    output: Path = typer.Option(..., "--output", help="Where to write RESULT.json."),
) -> None:
    """Simulate every test in ARMS.csv under the uniform, thompson and studio policies.

    Each test's traffic is the sum of its arms' impressions, served in equal batches; clicks are
    drawn from each arm's true ctr, with the same random numbers for every policy. The studio
    policy is the live test's own decision function (burn-in, floor, pausing, winner, then all
    traffic to the winner). RESULT.json holds, per policy, the regret (expected clicks lost
    against always serving the best arm), the best-arm rate, the winner rate, the wrong-winner
    rate (winners 5% or more below the best arm), the mean batches to a winner and the number of
    tests.
    """
    from studio.experiments.simulator import load_arms
    from studio.experiments.simulator import simulate as run_simulation

    if output.exists() and output.is_dir():
        fail(f"--output {output} is a folder; give a file path such as {output / 'result.json'}")
    table = load_arms(arms)
    result = run_simulation(table, batches=batches, seed=seed)
    payload = result.to_json()
    payload["arms_file"] = str(arms)

    output.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so an earlier RESULT.json is never left half-written.
    handle, temporary = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".tmp"
    )
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=2)
        stream.write("\n")
    os.replace(temporary, output)

    typer.echo(
        f"{result.tests} tests, {result.arms} arms, {batches} batches, seed {seed} ({result.seconds:.1f} s)"
    )
    typer.echo(
        f"{'policy':<10} {'regret (clicks)':>16} {'vs uniform':>11} {'best arm found':>15} "
        f"{'winners':>8} {'wrong':>6} {'batches to winner':>18}"
    )
    for name, entry in payload["policies"].items():
        ratio = entry.get("regret_vs_uniform")
        ratio_text = f"{ratio:.3f}x" if ratio is not None else "-"
        wrong = entry["wrong_winner_rate"]
        batches_to = entry["mean_batches_to_winner"]
        typer.echo(
            f"{name:<10} {entry['regret']:>16.1f} {ratio_text:>11} {entry['best_arm_rate']:>15.1%} "
            f"{entry['winner_rate']:>8.1%} {'-' if wrong is None else f'{wrong:.1%}':>6} "
            f"{'-' if batches_to is None else f'{batches_to:.1f}':>18}"
        )
    typer.echo(f"wrote {output}")
