"""Simulated creative tests: how many clicks a traffic policy loses before it settles on a winner.

Input is a table of arms (``ARMS.csv``), one row per arm::

    test_id,arm_id,ctr,impressions[,headline]

Each test's traffic is the sum of its rows' impressions, served in ``batches`` equal batches.
Before each batch a policy sets the split, impressions are apportioned to arms by that split and
clicks are drawn from each arm's true ``ctr``. After the last batch the policy names its leader.

The ``studio`` policy is the live test itself (:class:`LivePolicy`): before each batch it runs
:func:`studio.experiments.decisions.decide`, the function a live test's reweighting runs, with its
burn-in, floor, pausing and winner; once a winner is declared all later traffic goes to it.
Every policy sees the same random numbers (common random numbers): an arm served the same
impressions in a batch gets the same clicks whichever policy served them.

Figures per policy (summed or averaged over tests):

* ``regret``: expected clicks lost against always serving the test's best arm,
  ``sum over batches and arms of impressions * (best ctr - arm ctr)``;
* ``best_arm_rate``: share of tests whose final leader (or declared winner) has the highest true
  CTR (ties count);
* ``winner_rate``: share of tests with a declared winner; ``wrong_winner_rate``: share of declared
  winners whose true CTR is 5% (relative) or more below the test's best;
  ``mean_batches_to_winner``: batches served before the winner was declared;
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

from studio.core.errors import InvalidValue, UserFacingError
from studio.core.models import PriorSource
from studio.experiments.bandits import (
    BetaPosterior,
    ThompsonSampling,
    TopTwoThompsonSampling,
    prior_from_prediction,
    update_posterior,
)
from studio.experiments.decisions import TestSettings, decide

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
            raise InvalidValue(
                f"lift and sigma must be 1-d and of one length; got {lift.shape} and {sigma.shape}"
            )
        if not np.all(np.isfinite(lift)) or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
            raise InvalidValue("lift must be finite and sigma finite and > 0 for every arm")
        if not 0 < self.base_ctr < 1:
            raise InvalidValue(f"base_ctr must be strictly between 0 and 1; got {self.base_ctr!r}")
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


@dataclass(frozen=True)
class Step:
    """A policy's move before one batch.

    Attributes
    ----------
    shares : ndarray, shape (n_tests, n_arms)
        The split for the batch.
    winner : ndarray of int, shape (n_tests,)
        The arm declared winner by this move, -1 where none. Once a test has a winner the
        simulator serves it all the remaining traffic.
    """

    shares: FloatArray
    winner: IntArray


class SimulationPolicy(Protocol):
    """A traffic policy the simulator can run on a group of tests with the same number of arms.

    ``impressions`` and ``clicks`` are per batch so far, shape ``(n_tests, batch, n_arms)``.
    ``start`` returns the policy's own state for one group (None when it keeps none); the
    simulator passes it back on every call.
    """

    @property
    def name(self) -> str:
        """Unique among the policies of one simulation; the key of its figures."""
        ...

    def start(self, *, n_tests: int, n_arms: int, context: GroupContext) -> Any: ...

    def select_step(
        self,
        state: Any,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
    ) -> Step:
        """The split for the next batch (and any winner), from delivery so far."""
        ...

    def select_leader(
        self,
        state: Any,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        tie_break: FloatArray,
    ) -> IntArray:
        """Arm each test would call best after the last batch, shape (n_tests,).

        ``tie_break`` (uniforms, shape (n_tests, n_arms)) settles exact ties, the same for
        every policy.
        """
        ...


def _argmax_ties(values: FloatArray, tie_break: FloatArray) -> IntArray:
    """Row-wise argmax; exact ties go to the tied arm with the largest ``tie_break``."""
    is_max = values >= values.max(axis=-1, keepdims=True)
    best: IntArray = np.where(is_max, tie_break, -1.0).argmax(axis=-1).astype(np.int64)
    return best


def _no_winner(n_tests: int) -> IntArray:
    return np.full(n_tests, -1, dtype=np.int64)


@dataclass(frozen=True)
class UniformPolicy:
    """Equal split throughout; the leader is the arm with the highest observed CTR."""

    name: str = "uniform"

    def start(self, *, n_tests: int, n_arms: int, context: GroupContext) -> None:
        return None

    def select_step(
        self,
        state: None,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
    ) -> Step:
        n_tests, _, n_arms = impressions.shape
        return Step(np.full((n_tests, n_arms), 1.0 / n_arms), _no_winner(n_tests))

    def select_leader(
        self,
        state: None,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        tie_break: FloatArray,
    ) -> IntArray:
        served = impressions.sum(axis=1)
        observed = clicks.sum(axis=1) / np.maximum(served, 1)
        return _argmax_ties(observed, tie_break)


@dataclass(frozen=True)
class ThompsonPolicy:
    """Thompson sampling with a flat Beta(1, 1) prior, re-weighted before every batch; never
    pauses an arm or declares a winner. The textbook baseline.

    Parameters
    ----------
    name : str
    min_share, burn_in_impressions
        As in :class:`studio.experiments.bandits.ThompsonSampling`.
    top_two_leader_share : float or None
        Use top-two Thompson sampling with this leader share instead of plain Thompson sampling.
    """

    name: str = "thompson"
    min_share: float = 0.01
    burn_in_impressions: int = 0
    top_two_leader_share: float | None = None

    def __post_init__(self) -> None:
        self._allocator()  # bad parameters fail before any simulation runs

    def _allocator(self) -> ThompsonSampling:
        if self.top_two_leader_share is None:
            return ThompsonSampling(self.min_share, self.burn_in_impressions)
        return TopTwoThompsonSampling(
            self.min_share, self.burn_in_impressions, leader_share=self.top_two_leader_share
        )

    def start(self, *, n_tests: int, n_arms: int, context: GroupContext) -> None:
        return None

    def posterior(self, *, impressions: IntArray, clicks: IntArray) -> BetaPosterior:
        """Flat-prior posterior after the delivery so far (summed over batches)."""
        total = impressions.sum(axis=1)
        return update_posterior(BetaPosterior.flat(total.shape), total, clicks.sum(axis=1))

    def select_step(
        self,
        state: None,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
    ) -> Step:
        posterior = self.posterior(impressions=impressions, clicks=clicks)
        allocation = self._allocator().select_allocation(
            posterior, impressions=impressions.sum(axis=1)
        )
        return Step(allocation.shares, _no_winner(posterior.shape[0]))

    def select_leader(
        self,
        state: None,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        tie_break: FloatArray,
    ) -> IntArray:
        posterior = self.posterior(impressions=impressions, clicks=clicks)
        return _argmax_ties(posterior.mean, tie_break)


@dataclass
class _LiveState:
    active: NDArray[np.bool_]
    winner: IntArray
    stored_prior: BetaPosterior


@dataclass(frozen=True)
class LivePolicy:
    """The live test, replayed: :func:`studio.experiments.decisions.decide` before every batch.

    Everything a live test does happens here too, with the same code: the prior, the burn-in,
    the floor, pausing hopeless arms, declaring a winner (all later traffic goes to it) and the
    reasons a winner waits (drift). A batch plays the part of a delivery day; every batch brings
    new data and the simulated platform serves the split exactly, so no sample-ratio mismatch
    arises. With predictions, a ``predictor`` prior is built per arm from the predictor's lift at
    ``base_ctr`` and centred on the test's pooled CTR as in a live test.

    Parameters
    ----------
    name : str
    settings : TestSettings
        The live test's settings (default: the studio's defaults).
    """

    name: str = "studio"
    settings: TestSettings = field(default_factory=TestSettings)

    def start(self, *, n_tests: int, n_arms: int, context: GroupContext) -> _LiveState:
        shape = (n_tests, n_arms)
        stored = BetaPosterior.flat(shape)
        if self.settings.prior_source == PriorSource.predictor:
            if context.lift is None or context.sigma is None or context.base_ctr is None:
                raise InvalidValue(
                    f"policy {self.name!r} uses the predictor prior; simulate it with predictions"
                )
            lift = context.lift - context.lift.mean(axis=1, keepdims=True)
            logit = np.log(context.base_ctr / (1.0 - context.base_ctr)) + lift
            spread = _INTERVAL_Z * context.sigma
            stored = prior_from_prediction(
                _sigmoid(logit),
                _sigmoid(logit - spread),
                _sigmoid(logit + spread),
                strength=self.settings.strength,
                level=_INTERVAL_LEVEL,
            )
        return _LiveState(
            active=np.ones(shape, dtype=bool),
            winner=_no_winner(n_tests),
            stored_prior=stored,
        )

    def select_step(
        self,
        state: _LiveState,
        *,
        batch: int,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
    ) -> Step:
        n_tests, _, n_arms = impressions.shape
        shares = np.zeros((n_tests, n_arms))
        open_ = state.winner < 0
        shares[~open_] = np.eye(n_arms)[state.winner[~open_]]
        if not open_.any():
            return Step(shares, state.winner.copy())
        rows = np.flatnonzero(open_)
        if batch == 0:  # nothing served yet: one empty period
            daily: NDArray[np.int64] = np.zeros((rows.size, 1, n_arms), dtype=np.int64)
            daily_clicks: NDArray[np.int64] = np.zeros_like(daily)
            fresh = np.zeros(rows.size, dtype=bool)
        else:
            daily, daily_clicks = impressions[rows], clicks[rows]
            fresh = daily[:, -1].sum(axis=-1) > 0
        outcome = decide(
            self.settings,
            impressions=daily,
            clicks=daily_clicks,
            active=state.active[rows],
            stored_prior=BetaPosterior(
                state.stored_prior.alpha[rows], state.stored_prior.beta[rows]
            ),
            new_data=fresh,
        )
        state.active[rows] &= ~outcome.paused_now
        state.winner[rows] = outcome.winner
        shares[rows] = outcome.shares
        return Step(shares, state.winner.copy())

    def select_leader(
        self,
        state: _LiveState,
        *,
        impressions: IntArray,
        clicks: IntArray,
        context: GroupContext,
        tie_break: FloatArray,
    ) -> IntArray:
        # The winner, once declared; otherwise the arm most likely best (among all arms, paused
        # ones included) on all the delivery, as the decision after the last report would say.
        leader = state.winner.copy()
        open_ = np.flatnonzero(leader < 0)
        if open_.size:
            final = decide(
                self.settings,
                impressions=impressions[open_],
                clicks=clicks[open_],
                active=state.active[open_],
                stored_prior=BetaPosterior(
                    state.stored_prior.alpha[open_], state.stored_prior.beta[open_]
                ),
            )
            leader[open_] = _argmax_ties(final.prob_best, tie_break[open_])
        return leader


#: The studio's default policy: the live test with the default :class:`TestSettings`.
STUDIO_POLICY = LivePolicy()


def default_policies() -> list[SimulationPolicy]:
    """``uniform``, flat-prior ``thompson`` and the ``studio`` live policy."""
    return [UniformPolicy(), ThompsonPolicy(name="thompson"), STUDIO_POLICY]


# ---------------------------------------------------------------------------------------------
# The simulator
# ---------------------------------------------------------------------------------------------


def apportion(total: IntArray, shares: FloatArray, tie_break: FloatArray) -> IntArray:
    """Whole impressions per arm that follow ``shares`` as closely as possible.

    Largest-remainder rounding: every arm gets ``floor(total * share)``; the impressions left over
    go one each to the arms with the largest fractional parts (ties to the larger ``tie_break``).

    Parameters
    ----------
    total : ndarray of int, shape (n_tests,)
    shares : ndarray, shape (n_tests, n_arms)
        Rows sum to 1.
    tie_break : ndarray, shape (n_tests, n_arms)
        Uniforms that order arms with equal fractional parts.

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
    order = np.lexsort((-tie_break, -fraction), axis=-1)
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


#: A declared winner is wrong when its true CTR is at least this much (relative) below the best.
WRONG_WINNER_GAP = 0.05


@dataclass(frozen=True)
class PolicyResult:
    """One policy's outcome over all tests.

    Attributes
    ----------
    name : str
    regret : float
        Expected clicks lost against always serving each test's best arm, summed over tests.
    best_arm_rate : float
        Share of tests whose final leader (the winner, where one was declared) has the highest
        true CTR.
    winner_rate : float
        Share of tests in which the policy declared a winner.
    wrong_winner_rate : float or None
        Share of declared winners whose true CTR is below the test's best by
        :data:`WRONG_WINNER_GAP` (relative) or more; None when no winner was declared.
    mean_batches_to_winner : float or None
        Batches served before the winner was declared, averaged over tests with a winner.
    tests : int
    impressions : int
    expected_clicks : float
        Clicks expected from the impressions served (``sum impressions * ctr``).
    regret_per_test : ndarray, shape (n_tests,)
    found_best : ndarray of bool, shape (n_tests,)
    winner_batch : ndarray of int, shape (n_tests,)
        Batches served before the winner was declared, -1 where none was.
    wrong_winner : ndarray of bool, shape (n_tests,)
    """

    name: str
    regret: float
    best_arm_rate: float
    winner_rate: float
    wrong_winner_rate: float | None
    mean_batches_to_winner: float | None
    tests: int
    impressions: int
    expected_clicks: float
    regret_per_test: FloatArray = field(repr=False)
    found_best: NDArray[np.bool_] = field(repr=False)
    winner_batch: IntArray = field(repr=False)
    wrong_winner: NDArray[np.bool_] = field(repr=False)


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
                "winner_rate": result.winner_rate,
                "wrong_winner_rate": result.wrong_winner_rate,
                "mean_batches_to_winner": result.mean_batches_to_winner,
                "tests": result.tests,
                "impressions": result.impressions,
                "expected_clicks": result.expected_clicks,
            }
            if uniform is not None and uniform.regret > 0:
                entry["regret_vs_uniform"] = result.regret / uniform.regret
            out["policies"][name] = entry
        return out


@dataclass(frozen=True)
class _Randomness:
    """The random numbers of one group, shared by every policy (common random numbers)."""

    clicks: FloatArray  # (n_tests, n_batches, n_arms): inverse-CDF uniforms for the clicks
    ties: FloatArray  # (n_tests, n_batches, n_arms): apportioning ties
    leader: FloatArray  # (n_tests, n_arms): ties for the final leader


def _run_group(
    policy: SimulationPolicy,
    ctr: FloatArray,
    sizes: IntArray,
    context: GroupContext,
    randomness: _Randomness,
) -> tuple[FloatArray, NDArray[np.bool_], IntArray, FloatArray, IntArray]:
    from scipy.stats import binom

    n_tests, n_arms = ctr.shape
    n_batches = sizes.shape[1]
    best_ctr = ctr.max(axis=1, keepdims=True)
    gap = best_ctr - ctr
    impressions = np.zeros((n_tests, n_batches, n_arms), dtype=np.int64)
    clicks = np.zeros((n_tests, n_batches, n_arms), dtype=np.int64)
    regret = np.zeros(n_tests)
    winner = _no_winner(n_tests)
    winner_batch = np.full(n_tests, -1, dtype=np.int64)
    state = policy.start(n_tests=n_tests, n_arms=n_arms, context=context)
    for batch in range(n_batches):
        step = policy.select_step(
            state,
            batch=batch,
            impressions=impressions[:, :batch],
            clicks=clicks[:, :batch],
            context=context,
        )
        new = (winner < 0) & (step.winner >= 0)
        winner[new] = step.winner[new]
        winner_batch[new] = batch
        shares = np.where(
            (winner >= 0)[:, None], np.arange(n_arms) == winner[:, None], step.shares
        ).astype(np.float64)
        served = apportion(sizes[:, batch], shares, randomness.ties[:, batch])
        regret += (served * gap).sum(axis=1)
        # Inverse-CDF draws from shared uniforms: every policy that serves an arm the same
        # impressions in a batch sees the same clicks, and close counts see close clicks.
        drawn = binom.ppf(randomness.clicks[:, batch], served, ctr)
        clicks[:, batch] = np.where(served > 0, np.nan_to_num(drawn), 0).astype(np.int64)
        impressions[:, batch] = served
    leader = policy.select_leader(
        state,
        impressions=impressions,
        clicks=clicks,
        context=context,
        tie_break=randomness.leader,
    )
    leader = np.where(winner >= 0, winner, leader)
    found = gap[np.arange(n_tests), leader] <= 1e-12
    totals = impressions.sum(axis=1)
    return (
        regret,
        found,
        totals.sum(axis=1),
        (totals * ctr).sum(axis=1),
        np.stack([winner, winner_batch]),
    )


def simulate(
    arms: ArmsTable,
    *,
    batches: int,
    seed: int,
    policies: Sequence[SimulationPolicy] | None = None,
    predictions: ArmPredictions | None = None,
) -> SimulationResult:
    """Run every policy on every test of ``arms``, with common random numbers.

    Parameters
    ----------
    arms : ArmsTable
    batches : int
        Batches per test (>= 1); the policy re-weights before each one.
    seed : int
        Seeds the random numbers every policy shares: the clicks an arm gets from the impressions
        it is served, and the tie-breaks. A policy's figures do not depend on which other
        policies run, or in which order.
    policies : sequence of SimulationPolicy, optional
        Default: :func:`default_policies`.
    predictions : ArmPredictions, optional
        The CTR predictor's view of each arm row, for policies with a predictor prior.

    Returns
    -------
    SimulationResult
    """
    if int(batches) != batches or batches < 1:
        raise InvalidValue(f"batches must be a whole number >= 1; got {batches!r}")
    if int(seed) != seed or seed < 0:
        raise InvalidValue(f"seed must be a whole number >= 0; got {seed!r}")
    if predictions is not None and predictions.lift.shape != (arms.n_arms,):
        raise InvalidValue(
            f"predictions must have one entry per arm row, shape ({arms.n_arms},); got {predictions.lift.shape}"
        )
    policies = list(policies) if policies is not None else default_policies()
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise InvalidValue(f"policy names must be unique; got {names}")

    started = time.perf_counter()
    arms_per_test = np.bincount(arms.test_index, minlength=arms.n_tests)
    first_row = np.concatenate([[0], np.cumsum(arms_per_test)[:-1]])
    sizes_all = batch_sizes(arms.traffic(), int(batches))
    rng = np.random.default_rng(int(seed))

    regret = {name: np.zeros(arms.n_tests) for name in names}
    found = {name: np.zeros(arms.n_tests, dtype=bool) for name in names}
    served = {name: np.zeros(arms.n_tests, dtype=np.int64) for name in names}
    clicks = {name: np.zeros(arms.n_tests) for name in names}
    winners = {name: np.full(arms.n_tests, -1, dtype=np.int64) for name in names}
    winner_batch = {name: np.full(arms.n_tests, -1, dtype=np.int64) for name in names}
    wrong = {name: np.zeros(arms.n_tests, dtype=bool) for name in names}
    for n_arms in np.unique(arms_per_test):
        tests = np.flatnonzero(arms_per_test == n_arms)
        rows = first_row[tests][:, None] + np.arange(n_arms)[None, :]  # (n_tests, n_arms)
        ctr = arms.ctr[rows]
        randomness = _Randomness(
            clicks=rng.random((tests.size, int(batches), int(n_arms))),
            ties=rng.random((tests.size, int(batches), int(n_arms))),
            leader=rng.random((tests.size, int(n_arms))),
        )
        context = GroupContext(n_batches=int(batches))
        if predictions is not None:
            context = GroupContext(
                n_batches=int(batches),
                lift=predictions.lift[rows],
                sigma=predictions.sigma[rows],
                base_ctr=predictions.base_ctr,
            )
        for policy in policies:
            r, f, n, c, w = _run_group(policy, ctr, sizes_all[tests], context, randomness)
            regret[policy.name][tests] = r
            found[policy.name][tests] = f
            served[policy.name][tests] = n
            clicks[policy.name][tests] = c
            winners[policy.name][tests] = w[0]
            winner_batch[policy.name][tests] = w[1]
            declared = w[0] >= 0
            chosen = ctr[np.arange(tests.size), np.maximum(w[0], 0)]
            wrong[policy.name][tests] = declared & (
                chosen <= ctr.max(axis=1) * (1.0 - WRONG_WINNER_GAP)
            )

    results = {}
    for name in names:
        declared = winners[name] >= 0
        results[name] = PolicyResult(
            name=name,
            regret=float(regret[name].sum()),
            best_arm_rate=float(found[name].mean()),
            winner_rate=float(declared.mean()),
            wrong_winner_rate=float(wrong[name][declared].mean()) if declared.any() else None,
            mean_batches_to_winner=float(winner_batch[name][declared].mean())
            if declared.any()
            else None,
            tests=arms.n_tests,
            impressions=int(served[name].sum()),
            expected_clicks=float(clicks[name].sum()),
            regret_per_test=regret[name],
            found_best=found[name],
            winner_batch=winner_batch[name],
            wrong_winner=wrong[name],
        )
    return SimulationResult(
        batches=int(batches),
        seed=int(seed),
        tests=arms.n_tests,
        arms=arms.n_arms,
        policies=results,
        seconds=time.perf_counter() - started,
        predictions=predictions is not None,
    )
