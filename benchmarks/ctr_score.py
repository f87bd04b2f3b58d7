"""Print how fast ``studio ctr score`` scores 10,000 headlines (the issue asks for < 60 s).

Run from the repository root::

    .venv/bin/python benchmarks/ctr_score.py [--rows 10000]

Writes ``--rows`` distinct headlines (the shared Upworthy headlines, plus numbered variants
of them to reach the count; or generated ones when ../shared is absent) to a temporary CSV,
runs the real command in a fresh process (``studio ctr score IN --text-column headline
--output OUT``: interpreter start, model load, MiniLM on onnxruntime, features, CSV out), and
prints the wall-clock seconds, headlines per second, and the process's CPU seconds (which,
unlike the wall time, do not grow when other work shares the cores). The one-time ONNX export of MiniLM
(first use on a machine) is done before timing and reported on its own line.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
UPWORTHY = REPO.parent / "shared" / "data" / "upworthy" / "upworthy-exploratory-dev.csv.gz"


def headlines(n: int) -> list[str]:
    if UPWORTHY.is_file():
        base = (
            pd.read_csv(UPWORTHY, usecols=["headline"])["headline"]
            .str.strip()
            .drop_duplicates()
            .tolist()
        )
    else:
        subjects = [
            "This Teacher",
            "A Dad",
            "Scientists",
            "Her Neighbour",
            "The Mayor",
            "One Kid",
            "These Nurses",
        ]
        actions = [
            "Said Something",
            "Found Out",
            "Built A Thing",
            "Asked A Question",
            "Made A Choice",
        ]
        endings = ["That Changed Everything", "Nobody Expected", "You Need To See", "In 90 Seconds"]
        base = [f"{s} {a} {e}" for s in subjects for a in actions for e in endings]
    out: list[str] = []
    round_ = 0
    while len(out) < n:
        out.extend(t if round_ == 0 else f"{t} (Part {round_ + 1})" for t in base)
        round_ += 1
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    studio = (
        [sys.executable, "-m", "studio.cli"]
        if not (REPO / ".venv/bin/studio").exists()
        else [str(REPO / ".venv/bin/studio")]
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        warm = folder_path / "warm.csv"
        pd.DataFrame({"headline": ["warm-up headline"]}).to_csv(warm, index=False)
        start = time.perf_counter()
        subprocess.run(
            [*studio, "ctr", "score", str(warm), "--output", str(folder_path / "w.csv")],
            check=True,
            cwd=REPO,
            env=env,
            capture_output=True,
        )
        print(
            f"one-row run (includes the one-time ONNX export on a fresh machine): {time.perf_counter() - start:.1f} s"
        )

        source = folder_path / "in.csv"
        texts = headlines(args.rows)
        pd.DataFrame({"id": range(len(texts)), "headline": texts}).to_csv(source, index=False)
        output = folder_path / "out.csv"
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                *studio,
                "ctr",
                "score",
                str(source),
                "--text-column",
                "headline",
                "--output",
                str(output),
            ],
            check=True,
            cwd=REPO,
            env=env,
            capture_output=True,
        )
        seconds = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        scored = pd.read_csv(output)
        assert len(scored) == len(texts) and scored["predicted_ctr"].notna().all()
    print(
        f"studio ctr score: {len(texts)} headlines in {seconds:.1f} s ({len(texts) / seconds:.0f} headlines/s; target < 60 s) "
        f"on {os.cpu_count()} CPU core(s)"
    )
    print(
        f"CPU time of that process: {cpu:.1f} s (on an otherwise idle machine the wall time lies between "
        f"{cpu / (os.cpu_count() or 1):.1f} s, perfect use of every core, and {cpu:.1f} s, one core)"
    )
    try:
        load = os.getloadavg()[0]
        print(
            f"1-minute load average at the end: {load:.2f} (other work on the machine slows this down)"
        )
    except OSError:
        pass


if __name__ == "__main__":
    main()
