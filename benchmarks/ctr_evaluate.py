"""Print the CTR predictor's temporal evaluation on the shared Upworthy data, and its cost.

Run from the repository root::

    .venv/bin/python benchmarks/ctr_evaluate.py

Same code as ``studio ctr evaluate --data ../shared/data/upworthy/upworthy-exploratory-dev.csv.gz``:
selects hyperparameters on forward-chaining folds of the earlier weeks, fits on all earlier
weeks, measures once on the latest ~20 % of tests; prints pairwise accuracy on p<0.05 and
|z|>3 pairs, top-1 accuracy beside the random rate, the MiniLM-ridge baseline, the
validation grid, and seconds for embedding (cached under .studio/cache/ctr after the first
run) and for selection + evaluation.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from studio.scoring.data import load_test_table
from studio.scoring.embeddings import EmbeddingCache
from studio.scoring.train import featurize, temporal_evaluation

UPWORTHY = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "data"
    / "upworthy"
    / "upworthy-exploratory-dev.csv.gz"
)


def main() -> None:
    if not UPWORTHY.is_file():
        sys.exit(f"the shared Upworthy data is not at {UPWORTHY}")
    table = load_test_table(UPWORTHY)
    start = time.perf_counter()
    features = featurize(table, EmbeddingCache())
    embedded = time.perf_counter() - start
    start = time.perf_counter()
    result = temporal_evaluation(table, features)
    evaluated = time.perf_counter() - start
    print(result.report())
    print("validation grid (forward-chaining folds of the earlier weeks, p<0.05 pairs):")
    for row in sorted(result.grid, key=lambda r: -r.validation_accuracy):
        print(
            f"  {row.hyperparameters}: {row.validation_accuracy:.4f} on {row.validation_pairs} pairs"
        )
    print(
        f"features for {len(table)} packages ({table['text'].nunique()} distinct texts): {embedded:.1f} s"
    )
    print(f"selection + evaluation: {evaluated:.1f} s")


if __name__ == "__main__":
    main()
