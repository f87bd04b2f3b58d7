"""Simulated creative tests: how many clicks a traffic policy loses before it settles on a winner.

Input is a table of arms (``ARMS.csv``), one row per arm::

    test_id,arm_id,ctr,impressions[,headline]

Each test's traffic is the sum of its rows' impressions, served in ``batches`` equal batches.
Before each batch a policy sets the split, impressions are apportioned to arms by that split and
clicks are drawn from each arm's true ``ctr``. After the last batch the policy names its leader.

Figures per policy (summed or averaged over tests):

* ``regret``: expected clicks lost against always serving the test's best arm,
  ``sum over batches and arms of impressions * (best ctr - arm ctr)``;
* ``best_arm_rate``: share of tests whose final leader has the highest true CTR (ties count);
* ``tests``: number of tests.

Tests with the same number of arms are simulated together as one ``(n_tests, n_arms)`` array, so
thousands of tests cost about as much as one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from studio.core.errors import UserFacingError
from studio.experiments.bandits import (
    BetaPosterior,
    ThompsonSampling,
    TopTwoThompsonSampling,
    empirical_bayes_prior,
    prior_from_prediction,
    update_posterior,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

REQUIRED_COLUMNS = ("test_id", "arm_id", "ctr", "impressions")
# Predictor intervals are handed to prior_from_prediction as 90% intervals in CTR space.
_INTERVAL_LEVEL = 0.9
_INTERVAL_Z = 1.6448536269514722  # standard normal quantile at 0.95


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


OPTIONAL_COLUMNS = ("headline",)


class ArmsFileError(UserFacingError):
    """An arms table that cannot be simulated; the message names the file, row and field."""


@dataclass(frozen=True)
class ArmsTable:
    """Validated arms, grouped by test.

    Attributes
    ----------
    test_ids : list of str, length n_tests
        In order of first appearance.
    test_index : ndarray of int, shape (n_rows,)
        Position in ``test_ids`` of each arm's test.
    arm_ids : list of str, length n_rows
    ctr : ndarray, shape (n_rows,)
        True click-through rate per arm, in [0, 1].
    impressions : ndarray of int, shape (n_rows,)
        Impressions the arm contributes to its test's traffic.
    headlines : list of str or None
        Present when the table had a ``headline`` column.
    """

    test_ids: list[str]
    test_index: IntArray
    arm_ids: list[str]
    ctr: FloatArray
    impressions: IntArray
    headlines: list[str] | None = None

    @property
    def n_tests(self) -> int:
        return len(self.test_ids)

    @property
    def n_arms(self) -> int:
        return len(self.arm_ids)

    def traffic(self) -> IntArray:
        """Impressions per test, shape (n_tests,)."""
        return np.bincount(
            self.test_index, weights=self.impressions, minlength=self.n_tests
        ).astype(np.int64)

    def subset(self, tests: Sequence[int]) -> ArmsTable:
        """The arms of the tests at the given positions (in that order)."""
        keep = np.asarray(tests, dtype=np.int64)
        position = np.full(self.n_tests, -1, dtype=np.int64)
        position[keep] = np.arange(keep.size)
        rows = np.flatnonzero(position[self.test_index] >= 0)
        rows = rows[np.argsort(position[self.test_index[rows]], kind="stable")]
        return ArmsTable(
            test_ids=[self.test_ids[i] for i in keep],
            test_index=position[self.test_index[rows]],
            arm_ids=[self.arm_ids[i] for i in rows],
            ctr=self.ctr[rows],
            impressions=self.impressions[rows],
            headlines=None if self.headlines is None else [self.headlines[i] for i in rows],
        )


def _line(row: int) -> int:
    """CSV line number of a data row (line 1 is the header)."""
    return int(row) + 2


def arms_from_frame(frame: Any, *, source: str = "arms table") -> ArmsTable:
    """Validate a pandas DataFrame of arms (columns as in ``ARMS.csv``) into an :class:`ArmsTable`.

    Raises
    ------
    ArmsFileError
        Naming ``source``, the CSV line and the field for the first problem found.
    """
    import pandas as pd

    columns = [str(c).strip() for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ArmsFileError(
            f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(columns) or 'no columns'}. "
            f"Required: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}."
        )
    if len(frame) == 0:
        raise ArmsFileError(f"{source}: no arms (the file has a header but no rows)")
    frame = frame.reset_index(drop=True)

    ids: dict[str, list[str]] = {}
    for name in ("test_id", "arm_id"):
        values = frame[name]
        blank = values.isna() | (values.astype(str).str.strip() == "")
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise ArmsFileError(
                f"{source}, line {_line(row)}: {name} is empty; every arm needs a {name}"
            )
        ids[name] = values.astype(str).str.strip().tolist()

    ctr = pd.to_numeric(frame["ctr"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(ctr) | (ctr < 0) | (ctr > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ArmsFileError(
            f"{source}, line {_line(row)}: ctr must be a number in [0, 1] (clicks per impression, "
            f"0.012 for 1.2%); got {frame['ctr'].iloc[row]!r}"
        )

    impressions = pd.to_numeric(frame["impressions"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(impressions) | (impressions < 0) | (impressions != np.round(impressions))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ArmsFileError(
            f"{source}, line {_line(row)}: impressions must be a whole number >= 0; "
            f"got {frame['impressions'].iloc[row]!r}"
        )

    pairs = pd.Series(list(zip(ids["test_id"], ids["arm_id"], strict=True)))
    duplicated = pairs.duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        first = int(np.flatnonzero((pairs == pairs.iloc[row]).to_numpy())[0])
        raise ArmsFileError(
            f"{source}, line {_line(row)}: duplicate arm_id {ids['arm_id'][row]!r} in test "
            f"{ids['test_id'][row]!r} (first seen on line {_line(first)}); arm ids must be unique within a test"
        )

    codes, uniques = pd.factorize(pd.Series(ids["test_id"]), sort=False)
    test_index = codes.astype(np.int64)
    arms_per_test = np.bincount(test_index)
    traffic = np.bincount(test_index, weights=impressions)
    for problem, where in (
        ("has only one arm; a test needs at least two", arms_per_test < 2),
        (
            "has no impressions in total; its traffic is the sum of its arms' impressions",
            traffic <= 0,
        ),
    ):
        if where.any():
            test = int(np.flatnonzero(where)[0])
            row = int(np.flatnonzero(test_index == test)[0])
            raise ArmsFileError(f"{source}, line {_line(row)}: test {uniques[test]!r} {problem}")

    headlines = None
    if "headline" in columns:
        headlines = frame["headline"].fillna("").astype(str).tolist()
    # Rows are reordered by test so each test's arms are contiguous (stable within a test).
    order = np.argsort(test_index, kind="stable")
    return ArmsTable(
        test_ids=[str(u) for u in uniques],
        test_index=test_index[order],
        arm_ids=[ids["arm_id"][i] for i in order],
        ctr=ctr[order],
        impressions=impressions[order].astype(np.int64),
        headlines=None if headlines is None else [headlines[i] for i in order],
    )


def load_arms(path: str | Path) -> ArmsTable:
    """Read and validate ``ARMS.csv`` (plain or gzip-compressed).

    Raises
    ------
    ArmsFileError
        If the file is missing, is not a CSV, or any row is invalid.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise ArmsFileError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ArmsFileError(
            f"{path}: the file is empty; expected a header {','.join(REQUIRED_COLUMNS)} and one row per arm"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ArmsFileError(f"{path}: not a readable CSV file ({exc})") from None
    return arms_from_frame(frame, source=str(path))


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmPredictions:
    """A CTR predictor's view of each arm row of an :class:`ArmsTable`, before any traffic.

    Attributes
    ----------
    lift : ndarray, shape (n_rows,)
        Predicted change in log-odds of a click against a typical headline. Only differences
        within a test are used.
    sigma : ndarray, shape (n_rows,)
        The predictor's uncertainty about ``lift``: standard deviation in log-odds (> 0).
    base_ctr : float
        CTR of a typical headline, used to centre the priors before a test has any delivery.
    """

    lift: FloatArray
    sigma: FloatArray
    base_ctr: float

    def __post_init__(self) -> None:
        lift = np.asarray(self.lift, dtype=np.float64)
        sigma = np.asarray(self.sigma, dtype=np.float64)
        if lift.ndim != 1 or sigma.shape != lift.shape:
            raise ValueError(
                f"lift and sigma must be 1-d and of one length; got {lift.shape} and {sigma.shape}"
            )
        if not np.all(np.isfinite(lift)) or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
            raise ValueError("lift must be finite and sigma finite and > 0 for every arm")
        if not 0 < self.base_ctr < 1:
            raise ValueError(f"base_ctr must be strictly between 0 and 1; got {self.base_ctr!r}")
        object.__setattr__(self, "lift", lift)
        object.__setattr__(self, "sigma", sigma)


@dataclass(frozen=True)
class GroupContext:
    """What a policy may know about a group of tests before serving (never the true CTRs).

    Attributes
    ----------
    lift, sigma : ndarray or None, shape (n_tests, n_arms)
        The predictor's log-odds lift and its standard deviation per arm (see
        :class:`ArmPredictions`), when the simulation was given predictions.
    base_ctr : float or None
    n_batches : int
    """

    n_batches: int
    lift: FloatArray | None = None
    sigma: FloatArray | None = None
    base_ctr: float | None = None


class SimulationPolicy(Protocol):
    """A traffic policy the simulator can run on a group of tests with the same number of arms."""

    @property
    def name(self) -> str:
        """Label in reports; read-only so that frozen dataclasses satisfy the protocol."""
        ...

    def select_shares(
        self,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        rng: np.random.Generator,
    ) -> FloatArray:
        """Split for the next batch, shape (n_tests, n_arms), from delivery so far (same shape)."""
        ...

    def select_leader(
        self,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        rng: np.random.Generator,
    ) -> IntArray:
        """Arm each test would declare best after the last batch, shape (n_tests,)."""
        ...


def _argmax_random_ties(values: FloatArray, rng: np.random.Generator) -> IntArray:
    """Row-wise argmax; ties are broken at random so arm order never favours a policy."""
    is_max = values >= values.max(axis=-1, keepdims=True)
    keys = np.where(is_max, rng.random(values.shape), -1.0)
    best: IntArray = keys.argmax(axis=-1).astype(np.int64)
    return best


@dataclass(frozen=True)
class UniformPolicy:
    """Equal split throughout; the leader is the arm with the highest observed CTR."""

    name: str = "uniform"

    def select_shares(
        self,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        rng: np.random.Generator,
    ) -> FloatArray:
        return np.full(impressions.shape, 1.0 / impressions.shape[-1])

    def select_leader(
        self,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        rng: np.random.Generator,
    ) -> IntArray:
        observed = clicks / np.maximum(impressions, 1)
        return _argmax_random_ties(observed, rng)


@dataclass(frozen=True)
class ThompsonPolicy:
    """Thompson sampling on Beta posteriors, re-weighted before every batch.

    Parameters
    ----------
    name : str
    min_share, burn_in_impressions, n_samples
        As in :class:`studio.experiments.bandits.ThompsonSampling`.
    pooled_prior_strength : float
        Weight in impressions of an empirical-Bayes prior centred on each test's pooled CTR so far
        (:func:`studio.experiments.bandits.empirical_bayes_prior`); 0 keeps the flat Beta(1, 1) prior.
    predictor_prior_strength : float
        When the simulation has predictions, the most impressions a predictor prior is worth
        (:func:`studio.experiments.bandits.prior_from_prediction`; its interval may make it worth less). The
        predictor's lifts are centred on the test's pooled CTR so far (its ``base_ctr`` before
        any delivery); this prior then replaces the pooled one. 0: predictions are ignored.
    top_two_leader_share : float or None
        Use top-two Thompson sampling with this leader share instead of plain Thompson sampling.
    """

    name: str = "thompson"
    min_share: float = 0.01
    burn_in_impressions: int = 0
    n_samples: int = 1000
    pooled_prior_strength: float = 0.0
    predictor_prior_strength: float = 0.0
    top_two_leader_share: float | None = None

    def __post_init__(self) -> None:
        # Build once so bad parameters fail before any simulation runs.
        self._allocator(np.random.default_rng(0))
        for name in ("pooled_prior_strength", "predictor_prior_strength"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number of impressions >= 0; got {value!r}")

    def _allocator(self, rng: np.random.Generator) -> ThompsonSampling:
        if self.top_two_leader_share is None:
            return ThompsonSampling(self.min_share, self.burn_in_impressions, self.n_samples, rng)
        return TopTwoThompsonSampling(
            self.min_share,
            self.burn_in_impressions,
            self.n_samples,
            rng,
            leader_share=self.top_two_leader_share,
        )

    def posterior(
        self, *, impressions: IntArray, clicks: IntArray, context: GroupContext
    ) -> BetaPosterior:
        """Posterior after the delivery so far, shape (n_tests, n_arms)."""
        served = impressions.sum(axis=1, keepdims=True)
        pooled_ctr = (clicks.sum(axis=1, keepdims=True) + 0.5) / (served + 1.0)
        if (
            self.predictor_prior_strength > 0
            and context.lift is not None
            and context.sigma is not None
        ):
            centre = np.asarray(np.where(served > 0, pooled_ctr, context.base_ctr), np.float64)
            lift = context.lift - context.lift.mean(axis=1, keepdims=True)
            logit = np.log(centre / (1.0 - centre)) + lift
            spread = _INTERVAL_Z * context.sigma
            prior = prior_from_prediction(
                _sigmoid(logit),
                _sigmoid(logit - spread),
                _sigmoid(logit + spread),
                strength=self.predictor_prior_strength,
                level=_INTERVAL_LEVEL,
            )
        elif self.pooled_prior_strength > 0 and impressions.sum() > 0:
            prior = empirical_bayes_prior(impressions, clicks, strength=self.pooled_prior_strength)
        else:
            prior = BetaPosterior.flat(impressions.shape)
        return update_posterior(prior, impressions, clicks)

    def select_shares(
        self,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        rng: np.random.Generator,
    ) -> FloatArray:
        posterior = self.posterior(impressions=impressions, clicks=clicks, context=context)
        allocation = self._allocator(rng).select_allocation(posterior, impressions=impressions)
        return allocation.shares

    def select_leader(
        self,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        rng: np.random.Generator,
    ) -> IntArray:
        posterior = self.posterior(impressions=impressions, clicks=clicks, context=context)
        return _argmax_random_ties(posterior.mean, rng)


#: The studio's default policy: Thompson sampling with the 1% floor, no burn-in beyond the first
#: (equal) batch, and an empirical-Bayes prior worth 10 impressions centred on each test's pooled
#: CTR instead of the flat Beta(1, 1), whose pseudo-click overrates arms with few impressions.
#: Chosen on the Upworthy tests at odd positions of the file with seeds 100-102 (prior strengths
#: 1-100 and burn-ins of 100-250 impressions were within noise of each other; strength 10 had the
#: steadiest figures); benchmarks/simulate_upworthy.py reports on the even positions, seeds 0-2.
STUDIO_POLICY = ThompsonPolicy(name="studio", pooled_prior_strength=10.0)


def default_policies() -> list[SimulationPolicy]:
    """``uniform``, flat-prior ``thompson`` and the ``studio`` default policy."""
    return [UniformPolicy(), ThompsonPolicy(name="thompson"), STUDIO_POLICY]


# ---------------------------------------------------------------------------------------------
# The simulator
# ---------------------------------------------------------------------------------------------


def apportion(total: IntArray, shares: FloatArray, rng: np.random.Generator) -> IntArray:
    """Whole impressions per arm that follow ``shares`` as closely as possible.

    Largest-remainder rounding: every arm gets ``floor(total * share)``; the impressions left over
    go one each to the arms with the largest fractional parts (ties at random).

    Parameters
    ----------
    total : ndarray of int, shape (n_tests,)
    shares : ndarray, shape (n_tests, n_arms)
        Rows sum to 1.

    Returns
    -------
    ndarray of int, shape (n_tests, n_arms)
        Rows sum to ``total``.
    """
    exact = total[:, None] * shares
    base = np.floor(exact + 1e-9).astype(np.int64)
    over = base.sum(axis=1) - total
    # Rounding can only overshoot through float error; take the excess from the largest arm.
    if np.any(over > 0):
        rows = np.flatnonzero(over > 0)
        base[rows, base[rows].argmax(axis=1)] -= over[rows]
    left = total - base.sum(axis=1)
    fraction = exact - base
    order = np.lexsort((rng.random(shares.shape), -fraction), axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(
        rank, order, np.arange(shares.shape[1])[None, :].repeat(len(total), axis=0), axis=1
    )
    sizes: IntArray = base + (rank < left[:, None])
    return sizes


def batch_sizes(traffic: IntArray, n_batches: int) -> IntArray:
    """Split each test's traffic into ``n_batches`` batches differing by at most one impression.

    Returns
    -------
    ndarray of int, shape (n_tests, n_batches)
    """
    base = traffic // n_batches
    extra = traffic % n_batches
    return base[:, None] + (np.arange(n_batches)[None, :] < extra[:, None])


@dataclass(frozen=True)
class PolicyResult:
    """One policy's outcome over all tests.

    Attributes
    ----------
    name : str
    regret : float
        Expected clicks lost against always serving each test's best arm, summed over tests.
    best_arm_rate : float
        Share of tests whose final leader has the highest true CTR.
    tests : int
    impressions : int
    expected_clicks : float
        Clicks expected from the impressions served (``sum impressions * ctr``).
    regret_per_test : ndarray, shape (n_tests,)
    found_best : ndarray of bool, shape (n_tests,)
    """

    name: str
    regret: float
    best_arm_rate: float
    tests: int
    impressions: int
    expected_clicks: float
    regret_per_test: FloatArray = field(repr=False)
    found_best: NDArray[np.bool_] = field(repr=False)


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate`; ``to_json()`` is what ``RESULT.json`` holds."""

    batches: int
    seed: int
    tests: int
    arms: int
    policies: dict[str, PolicyResult]
    seconds: float
    predictions: bool = False

    def to_json(self) -> dict[str, Any]:
        uniform = self.policies.get("uniform")
        out: dict[str, Any] = {
            "batches": self.batches,
            "seed": self.seed,
            "tests": self.tests,
            "arms": self.arms,
            "predictions": self.predictions,
            "seconds": round(self.seconds, 3),
            "policies": {},
        }
        for name, result in self.policies.items():
            entry: dict[str, Any] = {
                "regret": result.regret,
                "best_arm_rate": result.best_arm_rate,
                "tests": result.tests,
                "impressions": result.impressions,
                "expected_clicks": result.expected_clicks,
            }
            if uniform is not None and uniform.regret > 0:
                entry["regret_vs_uniform"] = result.regret / uniform.regret
            out["policies"][name] = entry
        return out


def _run_group(
    policy: SimulationPolicy,
    ctr: FloatArray,
    sizes: IntArray,
    context: GroupContext,
    rng: np.random.Generator,
) -> tuple[FloatArray, NDArray[np.bool_], IntArray, FloatArray]:
    best_ctr = ctr.max(axis=1, keepdims=True)
    gap = best_ctr - ctr
    impressions = np.zeros(ctr.shape, dtype=np.int64)
    clicks = np.zeros(ctr.shape, dtype=np.int64)
    regret = np.zeros(ctr.shape[0])
    for batch in range(sizes.shape[1]):
        shares = policy.select_shares(
            batch=batch, impressions=impressions, clicks=clicks, context=context, rng=rng
        )
        served = apportion(sizes[:, batch], shares, rng)
        regret += (served * gap).sum(axis=1)
        clicks += rng.binomial(served, ctr)
        impressions += served
    leader = policy.select_leader(impressions=impressions, clicks=clicks, context=context, rng=rng)
    found = gap[np.arange(len(leader)), leader] <= 1e-12
    return regret, found, impressions.sum(axis=1), (impressions * ctr).sum(axis=1)


def simulate(
    arms: ArmsTable,
    *,
    batches: int,
    seed: int,
    policies: Sequence[SimulationPolicy] | None = None,
    predictions: ArmPredictions | None = None,
) -> SimulationResult:
    """Run every policy on every test of ``arms``.

    Parameters
    ----------
    arms : ArmsTable
    batches : int
        Batches per test (>= 1); the policy re-weights before each one.
    seed : int
        Seeds every policy's own random stream, so adding a policy never changes another's figures.
    policies : sequence of SimulationPolicy, optional
        Default: :func:`default_policies`.
    predictions : ArmPredictions, optional
        The CTR predictor's view of each arm row, for policies with a predictor prior.

    Returns
    -------
    SimulationResult
    """
    if int(batches) != batches or batches < 1:
        raise ValueError(f"batches must be a whole number >= 1; got {batches!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    if predictions is not None and predictions.lift.shape != (arms.n_arms,):
        raise ValueError(
            f"predictions must have one entry per arm row, shape ({arms.n_arms},); got {predictions.lift.shape}"
        )
    policies = list(policies) if policies is not None else default_policies()
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ValueError(f"policy names must be unique; got {names}")

    started = time.perf_counter()
    arms_per_test = np.bincount(arms.test_index, minlength=arms.n_tests)
    first_row = np.concatenate([[0], np.cumsum(arms_per_test)[:-1]])
    sizes_all = batch_sizes(arms.traffic(), int(batches))
    streams = np.random.SeedSequence(int(seed)).spawn(len(policies))

    regret = {name: np.zeros(arms.n_tests) for name in names}
    found = {name: np.zeros(arms.n_tests, dtype=bool) for name in names}
    served = {name: np.zeros(arms.n_tests, dtype=np.int64) for name in names}
    clicks = {name: np.zeros(arms.n_tests) for name in names}
    generators = [np.random.default_rng(stream) for stream in streams]
    for n_arms in np.unique(arms_per_test):
        tests = np.flatnonzero(arms_per_test == n_arms)
        rows = first_row[tests][:, None] + np.arange(n_arms)[None, :]  # (n_tests, n_arms)
        ctr = arms.ctr[rows]
        context = GroupContext(n_batches=int(batches))
        if predictions is not None:
            context = GroupContext(
                n_batches=int(batches),
                lift=predictions.lift[rows],
                sigma=predictions.sigma[rows],
                base_ctr=predictions.base_ctr,
            )
        for policy, rng in zip(policies, generators, strict=True):
            r, f, n, c = _run_group(policy, ctr, sizes_all[tests], context, rng)
            regret[policy.name][tests] = r
            found[policy.name][tests] = f
            served[policy.name][tests] = n
            clicks[policy.name][tests] = c

    results = {
        name: PolicyResult(
            name=name,
            regret=float(regret[name].sum()),
            best_arm_rate=float(found[name].mean()),
            tests=arms.n_tests,
            impressions=int(served[name].sum()),
            expected_clicks=float(clicks[name].sum()),
            regret_per_test=regret[name],
            found_best=found[name],
        )
        for name in names
    }
    return SimulationResult(
        batches=int(batches),
        seed=int(seed),
        tests=arms.n_tests,
        arms=arms.n_arms,
        policies=results,
        seconds=time.perf_counter() - started,
        predictions=predictions is not None,
    )
