"""Train the headline ranker, select it on earlier weeks, evaluate it on later ones.

The recipe (chosen on forward-chaining validation folds of the Upworthy archive's earlier
weeks, never on the held-out later weeks):

1. Features ``X = [MiniLM embedding (384), standardised lexical features (26)]``.
2. Two linear scorers on ``X``:
   * *pairwise logistic regression*: for every pair of packages of one test whose texts
     differ (and whose CTRs differ by ``|z| >= pair_min_z``), predict which one won from the
     feature difference ``x_i - x_j`` (no intercept; both orders). This learns relative
     performance within a test, the thing the data can tell.
   * *ridge regression on the log-odds CTR* across all packages. Raw CTR mixes eras and
     topics, but it carries much more signal per package, and the ensemble uses it only
     for ranking.
3. The ensemble score is the sum of the two scores, each divided by its spread on the
   training packages (equal weights). Both are linear, so the result is one coefficient
   vector: fast to apply and easy to explain.

:func:`train_model` runs the temporal evaluation (select on earlier weeks, test on the
latest ~20 % of tests), fits the CTR calibration out of sample, then refits the chosen recipe
on all the data and returns the artifact.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from studio.core.errors import InvalidValue
from studio.scoring.data import TestTableError, _period_cut
from studio.scoring.embeddings import TextEncoder
from studio.scoring.evaluate import (
    Z_SIGNIFICANT,
    Evaluation,
    evaluate_scores,
    pairwise_accuracy,
    within_test_pairs,
)
from studio.scoring.features import lexical_features
from studio.scoring.model import Calibration, CtrModel
from studio.scoring.neighbours import NeighbourIndex

log = logging.getLogger(__name__)

INTERVAL_LEVEL = 0.8
NOVELTY_BINS = 3
DRIFT_SAMPLE = 2000


class TrainingDataError(TestTableError):
    """The data cannot train or evaluate a model (too few tests, periods or decisive pairs)."""


@dataclass(frozen=True)
class Hyperparameters:
    """One point of the model-selection grid.

    ``ridge_alpha``: L2 penalty of the log-odds ridge; ``pair_c``: inverse L2 penalty of the
    pairwise logistic regression; ``pair_min_z``: pairs with ``|z|`` below this are not
    training pairs.
    """

    ridge_alpha: float = 30.0
    pair_c: float = 0.1
    pair_min_z: float = 0.0

    def __post_init__(self) -> None:
        if self.ridge_alpha <= 0 or self.pair_c <= 0 or self.pair_min_z < 0:
            raise InvalidValue(f"hyperparameters must be positive (pair_min_z >= 0), got {self}")


DEFAULT_GRID: tuple[Hyperparameters, ...] = tuple(
    Hyperparameters(alpha, c, z)
    for alpha, c, z in itertools.product((10.0, 30.0), (0.03, 0.1), (0.0, 1.0))
)


@dataclass(frozen=True)
class Features:
    """Row-aligned features of a test table: ``embeddings`` ``(n, 384)``, ``lexical`` ``(n, f)``."""

    embeddings: np.ndarray
    lexical: np.ndarray

    def rows(self, positions: np.ndarray) -> Features:
        return Features(self.embeddings[positions], self.lexical[positions])


def featurize(table: pd.DataFrame, encoder: TextEncoder) -> Features:
    texts = table["text"].tolist()
    return Features(encoder.encode(texts), lexical_features(texts))


@dataclass(frozen=True)
class LinearRanker:
    """``score = embeddings @ coef_embedding + ((lexical - mean) / std) @ coef_lexical``."""

    lexical_mean: np.ndarray
    lexical_std: np.ndarray
    coef_embedding: np.ndarray
    coef_lexical: np.ndarray

    def score(self, features: Features) -> np.ndarray:
        lexical = (features.lexical - self.lexical_mean) / self.lexical_std
        scores: np.ndarray = features.embeddings @ self.coef_embedding + lexical @ self.coef_lexical
        return scores


def _design(features: Features, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return np.hstack([features.embeddings, (features.lexical - mean) / std])


def _logit_ctr(table: pd.DataFrame) -> np.ndarray:
    """Log-odds CTR with half a click of smoothing (finite for 0 clicks)."""
    ctr = (table["clicks"].to_numpy(float) + 0.5) / (table["impressions"].to_numpy(float) + 1.0)
    return np.log(ctr / (1.0 - ctr))


def _ridge_coef(x: np.ndarray, table: pd.DataFrame, alpha: float) -> np.ndarray:
    from sklearn.linear_model import Ridge

    coef: np.ndarray = Ridge(alpha=alpha).fit(x, _logit_ctr(table)).coef_
    return coef


def _pair_coef(x: np.ndarray, pairs: pd.DataFrame, c: float, min_z: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    chosen = pairs[np.abs(pairs["z"].to_numpy()) >= max(min_z, 1e-12)]
    if chosen.empty or chosen["z"].nunique() < 1:
        raise TrainingDataError(
            "no training pair: no two packages of one test with different texts and different CTRs"
        )
    diff = x[chosen["i"].to_numpy()] - x[chosen["j"].to_numpy()]
    won = (chosen["z"].to_numpy() > 0).astype(int)
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=3000)
    model.fit(np.vstack([diff, -diff]), np.concatenate([won, 1 - won]))
    coef: np.ndarray = model.coef_[0]
    return coef


def _unit(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    spread = float(np.std(x @ coef))
    return coef / spread if spread > 0 else coef


class _ComponentCache:
    """Fits of each component per training set, shared across grid points that reuse them."""

    def __init__(self, table: pd.DataFrame, features: Features) -> None:
        self.table = table.reset_index(drop=True)
        self.mean = features.lexical.mean(axis=0)
        std = features.lexical.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        self.x = _design(features, self.mean, self.std)
        self.pairs = within_test_pairs(self.table)
        self._ridge: dict[float, np.ndarray] = {}
        self._pair: dict[tuple[float, float], np.ndarray] = {}

    def ranker(self, hp: Hyperparameters) -> LinearRanker:
        if hp.ridge_alpha not in self._ridge:
            self._ridge[hp.ridge_alpha] = _unit(
                _ridge_coef(self.x, self.table, hp.ridge_alpha), self.x
            )
        key = (hp.pair_c, hp.pair_min_z)
        if key not in self._pair:
            self._pair[key] = _unit(
                _pair_coef(self.x, self.pairs, hp.pair_c, hp.pair_min_z), self.x
            )
        coef = self._ridge[hp.ridge_alpha] + self._pair[key]
        dim = self.x.shape[1] - self.mean.size
        return LinearRanker(self.mean, self.std, coef[:dim], coef[dim:])


def fit_ranker(table: pd.DataFrame, features: Features, hp: Hyperparameters) -> LinearRanker:
    """Fit the ensemble ranker on ``table`` (row-aligned ``features``)."""
    return _ComponentCache(table, features).ranker(hp)


def embedding_ridge_baseline(
    table: pd.DataFrame, features: Features, alpha: float = 10.0
) -> LinearRanker:
    """The simple baseline: ridge of log-odds CTR on the MiniLM embedding alone."""
    coef = _ridge_coef(features.embeddings, table.reset_index(drop=True), alpha)
    n_lex = features.lexical.shape[1]
    return LinearRanker(np.zeros(n_lex), np.ones(n_lex), coef, np.zeros(n_lex))


# ---------------------------------------------------------------------------------- selection


def forward_folds(
    table: pd.DataFrame, n_folds: int = 3, first_share: float = 0.55
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Forward-chaining folds over time: train on tests before a cut, validate on the next block.

    The validation blocks split the latest ``1 - first_share`` of tests into ``n_folds``
    consecutive blocks; returns ``(train positions, validation positions)`` per fold.
    """
    periods = table.groupby("test_id")["period"].min()
    test_period = table["test_id"].map(periods).to_numpy()
    shares = np.linspace(first_share, 1.0, n_folds + 1)
    folds: list[tuple[np.ndarray, np.ndarray]] = []
    for start, stop in itertools.pairwise(shares):
        low = _period_cut(periods, 1.0 - start)
        high = _period_cut(periods, 1.0 - stop) if stop < 1.0 else np.inf
        train = np.flatnonzero(test_period < low)
        valid = np.flatnonzero((test_period >= low) & (test_period < high))
        if train.size and valid.size and not any(np.array_equal(valid, v) for _, v in folds):
            folds.append((train, valid))
    if not folds:
        raise TrainingDataError(
            f"cannot make validation folds from {periods.size} test(s) in {periods.nunique()} period(s); "
            "need tests from at least two periods"
        )
    return folds


@dataclass(frozen=True)
class GridResult:
    hyperparameters: Hyperparameters
    validation_accuracy: float
    validation_pairs: int


def select_hyperparameters(
    table: pd.DataFrame,
    features: Features,
    grid: Sequence[Hyperparameters] = DEFAULT_GRID,
    folds: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[Hyperparameters, list[GridResult]]:
    """Pick the grid point with the best pairwise accuracy (p<0.05 pairs) over forward folds."""
    if not grid:
        raise InvalidValue("the hyperparameter grid is empty")
    folds = forward_folds(table) if folds is None else folds
    hits = np.zeros(len(grid))
    total = 0
    for train, valid in folds:
        cache = _ComponentCache(table.iloc[train], features.rows(train))
        valid_table = table.iloc[valid].reset_index(drop=True)
        pairs = within_test_pairs(valid_table)
        for g, hp in enumerate(grid):
            acc, n = pairwise_accuracy(
                pairs, cache.ranker(hp).score(features.rows(valid)), Z_SIGNIFICANT
            )
            if n:
                hits[g] += acc * n
        total += int((np.abs(pairs["z"]) >= Z_SIGNIFICANT).sum())
    if total == 0:
        raise TrainingDataError(
            "the validation weeks have no pair of headlines whose CTRs differ at p<0.05, so models "
            "cannot be compared; add more tests (or tests with more impressions)"
        )
    results = [GridResult(hp, hits[g] / total, total) for g, hp in enumerate(grid)]
    best = max(results, key=lambda r: r.validation_accuracy)
    return best.hyperparameters, results


# ---------------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class CalibrationFit:
    slope: float
    sigma_edges: np.ndarray
    sigma: np.ndarray
    novelty_quantiles: np.ndarray  # (101,)


def fit_calibration(
    valid: pd.DataFrame, relative: np.ndarray, novelty: np.ndarray, bins: int = NOVELTY_BINS
) -> CalibrationFit:
    """Fit the score-to-log-odds slope and the interval widths on held-out packages.

    ``relative`` and ``novelty`` are ``(len(valid),)``: out-of-sample scores and similarity to
    the nearest training headline. Deviations are taken from each test's mean (log-odds for the
    CTR, plain for the score); the slope is their precision-weighted least-squares ratio. The
    interval width per novelty bin is the spread of the residuals with the binomial noise
    (the precision's inverse) subtracted.
    """
    valid = valid.reset_index(drop=True)
    groups = valid["test_id"].to_numpy()
    clicks = valid["clicks"].to_numpy(float)
    impressions = valid["impressions"].to_numpy(float)
    noise = 1.0 / (clicks + 0.5) + 1.0 / (impressions - clicks + 0.5)
    weight = 1.0 / noise
    frame = pd.DataFrame({"g": groups, "y": _logit_ctr(valid), "s": relative})
    dev = (frame["y"] - frame.groupby("g")["y"].transform("mean")).to_numpy()
    dsc = (frame["s"] - frame.groupby("g")["s"].transform("mean")).to_numpy()
    size = frame.groupby("g")["y"].transform("size").to_numpy(float)
    keep = size > 1
    denominator = float(np.sum(weight[keep] * dsc[keep] ** 2))
    if denominator <= 0:
        raise TrainingDataError(
            "cannot calibrate: no held-out test has two packages with different scores"
        )
    slope = max(float(np.sum(weight[keep] * dsc[keep] * dev[keep]) / denominator), 0.0)
    # Centering on the test mean shrinks a package's variance by (k-1)/k; undo that.
    residual2 = (dev - slope * dsc) ** 2 * size / np.maximum(size - 1, 1)
    edges = np.quantile(novelty[keep], np.linspace(0, 1, bins + 1)[1:-1])
    which = np.searchsorted(edges, novelty, side="right")
    sigma = np.empty(bins)
    for b in range(bins):
        mask = keep & (which == b)
        if not mask.any():
            mask = keep
        w = weight[mask]
        true_var = float(np.sum(w * residual2[mask]) / np.sum(w) - mask.sum() / np.sum(w))
        sigma[b] = np.sqrt(max(true_var, 0.02**2))
    # More novel (lower similarity) never gets a narrower interval than a less novel bin.
    sigma = np.maximum.accumulate(sigma[::-1])[::-1]
    return CalibrationFit(slope, edges, sigma, np.quantile(novelty, np.linspace(0, 1, 101)))


# ---------------------------------------------------------------------------------- evaluation


@dataclass
class TemporalEvaluation:
    """The honest figures: chosen on earlier weeks, measured once on the later weeks."""

    hyperparameters: Hyperparameters
    grid: list[GridResult]
    test: Evaluation
    baseline: Evaluation
    train_tests: int
    test_tests: int
    train_periods: tuple[int, int]
    test_periods: tuple[int, int]
    calibration: CalibrationFit = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        best = max(self.grid, key=lambda r: r.validation_accuracy)
        return {
            "split": {
                "train_tests": self.train_tests,
                "test_tests": self.test_tests,
                "train_periods": list(self.train_periods),
                "test_periods": list(self.test_periods),
            },
            "selected": asdict(self.hyperparameters),
            "validation_pairwise_accuracy": round(best.validation_accuracy, 4),
            "validation_pairs": best.validation_pairs,
            "test": _rounded(self.test.as_dict()),
            "baseline_embedding_ridge": _rounded(self.baseline.as_dict()),
        }

    def report(self) -> str:
        lines = [
            f"temporal split: train on {self.train_tests} tests in periods {self.train_periods[0]}-{self.train_periods[1]}, "
            f"test on {self.test_tests} later tests in periods {self.test_periods[0]}-{self.test_periods[1]}",
            f"selected on earlier weeks only: {self.hyperparameters} "
            f"(validation pairwise accuracy {max(r.validation_accuracy for r in self.grid):.3f})",
            f"model:    {self.test.summary()}",
            f"baseline: {self.baseline.summary()} (MiniLM embedding ridge)",
        ]
        return "\n".join(lines)


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}


def temporal_evaluation(
    table: pd.DataFrame,
    features: Features,
    grid: Sequence[Hyperparameters] = DEFAULT_GRID,
    test_share: float = 0.2,
) -> TemporalEvaluation:
    """Select on the earlier tests, fit on all of them, evaluate once on the later ones."""
    table = table.reset_index(drop=True)
    periods = table.groupby("test_id")["period"].min()
    cut = _period_cut(periods, test_share)
    late_mask = table["test_id"].map(periods).to_numpy() >= cut
    early_pos, late_pos = np.flatnonzero(~late_mask), np.flatnonzero(late_mask)
    if not early_pos.size or not late_pos.size:
        raise TrainingDataError(
            f"cannot split {periods.size} test(s) in time: need tests from at least two periods"
        )
    early, late = (
        table.iloc[early_pos].reset_index(drop=True),
        table.iloc[late_pos].reset_index(drop=True),
    )
    early_features, late_features = features.rows(early_pos), features.rows(late_pos)

    folds = forward_folds(early)
    hp, grid_results = select_hyperparameters(early, early_features, grid, folds)
    log.info("selected %s", hp)

    # Calibration out of sample: the last validation fold, fitted on what preceded it.
    fold_train, fold_valid = folds[-1]
    fold_ranker = fit_ranker(early.iloc[fold_train], early_features.rows(fold_train), hp)
    fold_index = NeighbourIndex.build(early.iloc[fold_train], early_features.embeddings[fold_train])
    calibration = fit_calibration(
        early.iloc[fold_valid],
        fold_ranker.score(early_features.rows(fold_valid)),
        fold_index.max_similarity(early_features.embeddings[fold_valid]),
    )

    ranker = fit_ranker(early, early_features, hp)
    test_eval = evaluate_scores(late, ranker.score(late_features))
    baseline = embedding_ridge_baseline(early, early_features)
    baseline_eval = evaluate_scores(late, baseline.score(late_features))
    early_periods = early.groupby("test_id")["period"].min()
    late_periods = late.groupby("test_id")["period"].min()
    return TemporalEvaluation(
        hyperparameters=hp,
        grid=grid_results,
        test=test_eval,
        baseline=baseline_eval,
        train_tests=int(early_periods.size),
        test_tests=int(late_periods.size),
        train_periods=(int(early_periods.min()), int(early_periods.max())),
        test_periods=(int(late_periods.min()), int(late_periods.max())),
        calibration=calibration,
    )


# ---------------------------------------------------------------------------------- training


def table_sha256(table: pd.DataFrame) -> str:
    """A fingerprint of a test table's content (order-sensitive), for the model card."""
    return hashlib.sha256(table.to_csv(index=False).encode("utf-8")).hexdigest()


def base_ctr_of(table: pd.DataFrame) -> float:
    """The median over tests of each test's pooled CTR: the CTR of a typical headline."""
    totals = table.groupby("test_id")[["clicks", "impressions"]].sum()
    totals = totals[totals["impressions"] > 0]
    return float(np.median(totals["clicks"] / totals["impressions"]))


def train_model(
    table: pd.DataFrame,
    encoder: TextEncoder,
    *,
    sources: Sequence[str],
    grid: Sequence[Hyperparameters] = DEFAULT_GRID,
    test_share: float = 0.2,
    progress: Callable[[str], None] = log.info,
    seed: int = 0,
) -> tuple[CtrModel, TemporalEvaluation]:
    """Evaluate the recipe in time, then refit it on all of ``table``; return the artifact.

    Parameters
    ----------
    table
        A validated test table (see :mod:`studio.scoring.data`).
    encoder
        The sentence encoder (normally :class:`~studio.scoring.embeddings.EmbeddingCache`).
    sources
        Names of the data files, recorded in the artifact and the model card.
    """
    table = table.reset_index(drop=True)
    progress(f"embedding {table['text'].nunique()} distinct texts")
    features = featurize(table, encoder)
    progress("selecting and evaluating on a temporal split")
    evaluation = temporal_evaluation(table, features, grid, test_share)
    progress(evaluation.report())
    progress("refitting on all the data")
    ranker = fit_ranker(table, features, evaluation.hyperparameters)
    relative = ranker.score(features)
    cal = evaluation.calibration
    calibration = Calibration(
        slope=cal.slope,
        score_ref=float(np.mean(relative)),
        base_ctr=base_ctr_of(table),
        sigma_edges=cal.sigma_edges,
        sigma=cal.sigma,
        interval_level=INTERVAL_LEVEL,
    )
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(table), size=min(DRIFT_SAMPLE, len(table)), replace=False)
    periods = table["period"]
    model = CtrModel(
        encoder=getattr(encoder, "name", type(encoder).__name__),
        lexical_mean=ranker.lexical_mean,
        lexical_std=ranker.lexical_std,
        coef_embedding=ranker.coef_embedding,
        coef_lexical=ranker.coef_lexical,
        calibration=calibration,
        index=NeighbourIndex.build(table, features.embeddings),
        drift_lexical=features.lexical[np.sort(sample)],
        drift_novelty=cal.novelty_quantiles,
        metrics=evaluation.as_dict(),
        training={
            "sources": list(sources),
            "data_sha256": table_sha256(table),
            "packages": len(table),
            "tests": int(table["test_id"].nunique()),
            "distinct_texts": int(table["text"].nunique()),
            "periods": [int(periods.min()), int(periods.max())],
            "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        hyperparameters=asdict(evaluation.hyperparameters),
    )
    return model, evaluation
