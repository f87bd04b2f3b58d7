"""How good is a ranking of headlines? Pairwise and top-1 accuracy within tests.

The truth is only known within a test (same audience, same time), so every metric compares
packages of one test:

* a *pair* is two packages of the same test whose texts differ; its winner is the one with
  the higher observed CTR, and its strength is the two-proportion z statistic (pooled);
* *pairwise accuracy* on the pairs with ``|z| >= z_min``: the share where the model scores
  the winner higher (a tie in scores counts one half);
* *top-1 accuracy*: per test (packages with the same text pooled into one headline), whether
  the highest-scored headline has the highest observed CTR, beside the rate a random pick
  gets (the mean of 1/k over tests with k distinct headlines).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from studio.core.errors import InvalidValue

Z_SIGNIFICANT = float(stats.norm.ppf(0.975))  # two-sided p < 0.05
Z_STRONG = 3.0


def two_proportion_z(
    clicks_a: np.ndarray, n_a: np.ndarray, clicks_b: np.ndarray, n_b: np.ndarray
) -> np.ndarray:
    """Pooled two-proportion z statistic of ``a`` versus ``b`` (positive when ``a`` is higher).

    All arrays have the same shape; ``n`` are impressions. A pair with no clicks at all (or
    all clicks) has no variance and gets ``z = 0``.
    """
    clicks_a, n_a = np.asarray(clicks_a, float), np.asarray(n_a, float)
    clicks_b, n_b = np.asarray(clicks_b, float), np.asarray(n_b, float)
    pooled = (clicks_a + clicks_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    diff = clicks_a / n_a - clicks_b / n_b
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), 0.0)
    return z


def within_test_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """Every pair of packages of one test whose texts differ.

    Parameters
    ----------
    table
        A test table (see :mod:`studio.scoring.data`), index 0..n-1.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``i``, ``j`` (row positions in ``table``), ``test_id`` and ``z``
        (positive when ``i`` has the higher CTR). Packages with zero impressions are skipped.
    """
    rows: list[tuple[int, int, Hashable]] = []
    ids = table["test_id"].to_numpy()
    texts = table["text"].to_numpy()
    impressions = table["impressions"].to_numpy()
    for test_id, positions in table.groupby("test_id", sort=False).indices.items():
        positions = [p for p in positions if impressions[p] > 0]
        for a_index, a in enumerate(positions):
            for b in positions[a_index + 1 :]:
                if texts[a] != texts[b]:
                    rows.append((a, b, test_id))
    if not rows:
        return pd.DataFrame(
            {"i": np.array([], int), "j": np.array([], int), "test_id": [], "z": []}
        )
    i = np.array([r[0] for r in rows])
    j = np.array([r[1] for r in rows])
    clicks = table["clicks"].to_numpy()
    z = two_proportion_z(clicks[i], impressions[i], clicks[j], impressions[j])
    return pd.DataFrame({"i": i, "j": j, "test_id": ids[i], "z": z})


def pairwise_accuracy(pairs: pd.DataFrame, scores: np.ndarray, z_min: float) -> tuple[float, int]:
    """Share of pairs with ``|z| >= z_min`` that ``scores`` order like the observed CTRs.

    Returns ``(accuracy, number of pairs)``; the accuracy is NaN when there is no such pair.
    """
    strong = pairs[np.abs(pairs["z"].to_numpy()) >= z_min]
    if strong.empty:
        return float("nan"), 0
    diff = scores[strong["i"].to_numpy()] - scores[strong["j"].to_numpy()]
    sign = np.sign(strong["z"].to_numpy())
    agree = np.where(diff == 0, 0.5, (np.sign(diff) == sign).astype(float))
    return float(agree.mean()), len(strong)


def top1_accuracy(table: pd.DataFrame, scores: np.ndarray) -> tuple[float, float, int]:
    """Top-1 accuracy over tests, the random-pick rate, and the number of tests.

    Packages of one test with the same text are pooled (impressions and clicks summed; they
    share one score). Tests with fewer than two distinct texts are skipped; a tie for the
    best observed CTR counts as a hit for any of the tied headlines.
    """
    frame = table.assign(score=np.asarray(scores, float))
    pooled = frame.groupby(["test_id", "text"], sort=False).agg(
        impressions=("impressions", "sum"), clicks=("clicks", "sum"), score=("score", "mean")
    )
    pooled = pooled[pooled["impressions"] > 0].reset_index()
    pooled["ctr"] = pooled["clicks"] / pooled["impressions"]
    hits: list[float] = []
    chance: list[float] = []
    for _, group in pooled.groupby("test_id", sort=False):
        if len(group) < 2:
            continue
        best_ctr = group["ctr"].max()
        picked = group["ctr"].to_numpy()[int(np.argmax(group["score"].to_numpy()))]
        hits.append(float(picked == best_ctr))
        chance.append(float((group["ctr"] == best_ctr).sum()) / len(group))
    if not hits:
        return float("nan"), float("nan"), 0
    return float(np.mean(hits)), float(np.mean(chance)), len(hits)


@dataclass(frozen=True)
class Evaluation:
    """Ranking quality of one scorer on one test table (all accuracies in [0, 1])."""

    pairwise_accuracy: float
    significant_pairs: int
    pairwise_accuracy_z3: float
    z3_pairs: int
    top1_accuracy: float
    top1_random: float
    tests: int
    packages: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"pairwise accuracy {self.pairwise_accuracy:.3f} on {self.significant_pairs} pairs at p<0.05; "
            f"{self.pairwise_accuracy_z3:.3f} on {self.z3_pairs} pairs at |z|>3; "
            f"top-1 {self.top1_accuracy:.3f} vs random {self.top1_random:.3f} over {self.tests} tests"
        )


def evaluate_scores(table: pd.DataFrame, scores: np.ndarray) -> Evaluation:
    """Evaluate ``scores`` (shape ``(len(table),)``, higher = better) on ``table``."""
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (len(table),):
        raise InvalidValue(
            f"scores has shape {scores.shape}; expected ({len(table)},), one per row"
        )
    table = table.reset_index(drop=True)
    pairs = within_test_pairs(table)
    acc, n_sig = pairwise_accuracy(pairs, scores, Z_SIGNIFICANT)
    acc3, n3 = pairwise_accuracy(pairs, scores, Z_STRONG)
    top1, chance, n_tests = top1_accuracy(table, scores)
    return Evaluation(
        pairwise_accuracy=acc,
        significant_pairs=n_sig,
        pairwise_accuracy_z3=acc3,
        z3_pairs=n3,
        top1_accuracy=top1,
        top1_random=chance,
        tests=n_tests,
        packages=len(table),
    )


def evaluate_scorer(
    table: pd.DataFrame, scorer: Callable[[Sequence[str]], np.ndarray]
) -> Evaluation:
    """Score each distinct text of ``table`` once with ``scorer`` and evaluate the ranking."""
    texts = table["text"].tolist()
    unique = list(dict.fromkeys(texts))
    by_text = dict(zip(unique, np.asarray(scorer(unique), float), strict=True))
    return evaluate_scores(table, np.array([by_text[t] for t in texts]))
