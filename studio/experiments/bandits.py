"""Thompson-sampling maths for creative tests: Beta posteriors of CTR, allocation and decisions.

Pure numpy (plus :mod:`scipy.stats` for the chi-square tail). No database, no I/O: the experiment
lifecycle and the simulator call these functions and store or print what they return.

Every array function works on one test or on many tests at once. The last axis is always the
arm axis, any leading axes are independent tests:

* one test: ``alpha`` of shape ``(n_arms,)``
* a batch of tests with the same number of arms: ``alpha`` of shape ``(n_tests, n_arms)``

CTRs and expected losses are in clicks per impression (0.012 = 1.2%).

The pieces, in the order a reweighting uses them:

1. a prior: :meth:`BetaPosterior.flat`, :func:`prior_from_prediction` (CTR predictor score and
   interval) or :func:`empirical_bayes_prior` (shrink toward the test's pooled CTR);
2. :func:`update_posterior` with the impressions and clicks served so far;
3. :func:`summarize_posterior`: probability of being best and expected loss, by Monte Carlo;
4. :meth:`ThompsonSampling.select_allocation` (or :class:`TopTwoThompsonSampling`): the next split,
   with a burn-in and a minimum share per arm;
5. :meth:`DecisionRule.select_winner` and :meth:`DecisionRule.select_arms_to_pause`;
6. :func:`sample_ratio_mismatch`: did the platform serve the split it was given?
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
RandomState = int | np.random.Generator | None

#: Monte Carlo draws per test for the probability of being best; the standard error of a
#: probability p is sqrt(p (1 - p) / n_samples), under 0.005 at 10,000 draws.
DEFAULT_SAMPLES = 10_000


def _rng(random_state: RandomState) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (isinstance(random_state, int | np.integer) and random_state >= 0):
        return np.random.default_rng(random_state)
    raise ValueError(
        f"random_state must be a non-negative int, a numpy Generator or None; got {random_state!r}"
    )


def _check_probability(
    name: str, value: float, *, low_open: bool = False, high_open: bool = False
) -> None:
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < 1 if high_open else value <= 1
    if not (np.isfinite(value) and low_ok and high_ok):
        allowed = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {allowed}; got {value!r}")


def _as_counts(name: str, values: ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(
            f"{name} must have shape {shape} (one value per arm); got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{name} must be finite and >= 0; got {array}")
    return array


def _as_active(active: ArrayLike | None, shape: tuple[int, ...]) -> BoolArray:
    if active is None:
        return np.ones(shape, dtype=bool)
    mask = np.asarray(active)
    if mask.dtype != np.bool_:
        raise ValueError(f"active must be a boolean mask of shape {shape}; got dtype {mask.dtype}")
    if mask.shape != shape:
        raise ValueError(f"active must have shape {shape}; got shape {mask.shape}")
    if not np.all(mask.any(axis=-1)):
        raise ValueError("active must leave at least one arm active in every test")
    return mask


# ---------------------------------------------------------------------------------------------
# Posteriors and priors
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BetaPosterior:
    """Independent Beta distributions over each arm's CTR.

    Parameters
    ----------
    alpha, beta : array_like, shape (..., n_arms)
        Beta parameters, finite and > 0. ``alpha - 1`` and ``beta - 1`` are the pseudo-clicks and
        pseudo-non-clicks of a flat prior plus data.
    """

    alpha: FloatArray
    beta: FloatArray

    def __post_init__(self) -> None:
        alpha = np.asarray(self.alpha, dtype=np.float64)
        beta = np.asarray(self.beta, dtype=np.float64)
        if alpha.ndim == 0 or alpha.shape[-1] < 1:
            raise ValueError(
                f"alpha must have an arm axis (shape (..., n_arms)); got shape {alpha.shape}"
            )
        if alpha.shape != beta.shape:
            raise ValueError(
                f"alpha and beta must have the same shape; got {alpha.shape} and {beta.shape}"
            )
        for name, values in (("alpha", alpha), ("beta", beta)):
            if not np.all(np.isfinite(values)) or np.any(values <= 0):
                raise ValueError(f"{name} must be finite and > 0 for every arm; got {values}")
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "beta", beta)

    @classmethod
    def flat(cls, shape: int | tuple[int, ...]) -> BetaPosterior:
        """Uniform Beta(1, 1) on every arm; ``shape`` is ``n_arms`` or ``(..., n_arms)``."""
        return cls(np.ones(shape), np.ones(shape))

    @property
    def shape(self) -> tuple[int, ...]:
        return self.alpha.shape

    @property
    def n_arms(self) -> int:
        return int(self.alpha.shape[-1])

    @property
    def mean(self) -> FloatArray:
        """Posterior mean CTR, shape (..., n_arms)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> FloatArray:
        """Posterior variance of the CTR, shape (..., n_arms)."""
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total**2 * (total + 1.0))

    def interval(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Equal-tailed credible interval ``(lower, upper)``, each of shape (..., n_arms)."""
        _check_probability("level", level, low_open=True, high_open=True)
        from scipy.stats import beta as beta_distribution

        tail = (1.0 - level) / 2.0
        lower = beta_distribution.ppf(tail, self.alpha, self.beta)
        upper = beta_distribution.ppf(1.0 - tail, self.alpha, self.beta)
        return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)

    def sample(self, n_samples: int, random_state: RandomState = None) -> FloatArray:
        """Draw CTRs from the posterior.

        Returns
        -------
        ndarray, shape (..., n_samples, n_arms)
        """
        if n_samples < 1:
            raise ValueError(f"n_samples must be >= 1; got {n_samples}")
        rng = _rng(random_state)
        lead = self.shape[:-1]
        size = (*lead, n_samples, self.n_arms)
        return rng.beta(self.alpha[..., None, :], self.beta[..., None, :], size=size)


def update_posterior(
    posterior: BetaPosterior, impressions: ArrayLike, clicks: ArrayLike
) -> BetaPosterior:
    """Add observed delivery to a posterior (conjugate Beta-Binomial update).

    Parameters
    ----------
    posterior : BetaPosterior, shape (..., n_arms)
    impressions, clicks : array_like, shape (..., n_arms)
        New impressions and clicks per arm (counts, ``0 <= clicks <= impressions``).

    Returns
    -------
    BetaPosterior
        ``Beta(alpha + clicks, beta + impressions - clicks)``.
    """
    impressions_ = _as_counts("impressions", impressions, posterior.shape)
    clicks_ = _as_counts("clicks", clicks, posterior.shape)
    if np.any(clicks_ > impressions_):
        bad = np.argwhere(clicks_ > impressions_)[0]
        raise ValueError(
            f"clicks cannot exceed impressions; arm at index {tuple(int(i) for i in bad)} has "
            f"{clicks_[tuple(bad)]:g} clicks for {impressions_[tuple(bad)]:g} impressions"
        )
    return BetaPosterior(posterior.alpha + clicks_, posterior.beta + impressions_ - clicks_)


def _normal_quantile(probability: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(probability))


def prior_from_prediction(
    ctr: ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    *,
    strength: float,
    level: float = 0.9,
) -> BetaPosterior:
    """Turn predicted CTRs (and their intervals) into Beta priors worth at most ``strength`` impressions.

    The prior is the flat Beta(1, 1) plus ``n0`` pseudo-impressions at the predicted CTR:
    ``Beta(1 + ctr * n0, 1 + (1 - ctr) * n0)``. ``n0`` is ``strength`` unless the predictor's
    interval says it knows less: an interval of width ``w`` at ``level`` implies a standard deviation
    ``sd = w / (2 z)`` and so about ``ctr (1 - ctr) / sd**2`` impressions' worth of knowledge, and
    ``n0`` never exceeds that. ``strength=0`` gives the flat prior.

    Parameters
    ----------
    ctr : array_like, shape (..., n_arms)
        Predicted CTR per arm, strictly between 0 and 1.
    lower, upper : array_like, shape (..., n_arms), optional
        The predictor's interval for each CTR at ``level``. Give both or neither.
    strength : float
        Largest prior weight in impressions (>= 0).
    level : float
        Coverage of ``[lower, upper]``, in (0, 1).

    Returns
    -------
    BetaPosterior, shape (..., n_arms)
    """
    mean = np.asarray(ctr, dtype=np.float64)
    if mean.ndim == 0:
        raise ValueError("ctr must have an arm axis (shape (..., n_arms)); got a scalar")
    if not np.all(np.isfinite(mean)) or np.any(mean <= 0) or np.any(mean >= 1):
        raise ValueError(
            f"predicted ctr must be strictly between 0 and 1 for every arm; got {mean}"
        )
    if not (np.isfinite(strength) and strength >= 0):
        raise ValueError(f"strength must be a finite number of impressions >= 0; got {strength!r}")
    _check_probability("level", level, low_open=True, high_open=True)
    weight = np.full(mean.shape, float(strength))
    if (lower is None) != (upper is None):
        raise ValueError("give both lower and upper for the predicted interval, or neither")
    if lower is not None and upper is not None:
        low = np.asarray(lower, dtype=np.float64)
        high = np.asarray(upper, dtype=np.float64)
        if low.shape != mean.shape or high.shape != mean.shape:
            raise ValueError(
                f"lower and upper must have the shape of ctr {mean.shape}; got {low.shape} and {high.shape}"
            )
        if np.any(~(low <= mean)) or np.any(~(mean <= high)):
            raise ValueError("each predicted interval must contain its ctr: lower <= ctr <= upper")
        sd = (high - low) / (2.0 * _normal_quantile(0.5 + level / 2.0))
        with np.errstate(divide="ignore"):
            implied = np.where(sd > 0, mean * (1.0 - mean) / np.maximum(sd, 1e-300) ** 2, np.inf)
        weight = np.minimum(weight, implied)
    return BetaPosterior(1.0 + mean * weight, 1.0 + (1.0 - mean) * weight)


def empirical_bayes_prior(
    impressions: ArrayLike, clicks: ArrayLike, *, strength: float
) -> BetaPosterior:
    """A prior that shrinks every arm toward its test's pooled CTR.

    Each arm gets ``Beta(p * strength, (1 - p) * strength)`` where ``p`` is the test's pooled CTR
    over its arms, ``(sum(clicks) + 0.5) / (sum(impressions) + 1)`` (the halves keep ``p`` inside
    (0, 1) when no click has come yet). Arms of one test rarely differ by more than a few tenths of
    a percentage point, so a prior centred on the pooled CTR is far closer to the truth than the
    flat prior, whose pseudo-click makes an arm with few impressions look several times better
    than it is (one pseudo-click on 160 impressions adds 0.6 points to a 1.7% CTR).

    Parameters
    ----------
    impressions, clicks : array_like, shape (..., n_arms)
        Delivery so far.
    strength : float
        Prior weight in impressions (> 0).

    Returns
    -------
    BetaPosterior, shape (..., n_arms)
    """
    impressions_ = np.asarray(impressions, dtype=np.float64)
    if impressions_.ndim == 0:
        raise ValueError("impressions must have an arm axis (shape (..., n_arms)); got a scalar")
    clicks_ = _as_counts("clicks", clicks, impressions_.shape)
    impressions_ = _as_counts("impressions", impressions_, impressions_.shape)
    if not (np.isfinite(strength) and strength > 0):
        raise ValueError(f"strength must be a finite number of impressions > 0; got {strength!r}")
    pooled = (clicks_.sum(axis=-1, keepdims=True) + 0.5) / (
        impressions_.sum(axis=-1, keepdims=True) + 1.0
    )
    pooled = np.broadcast_to(pooled, impressions_.shape)
    return BetaPosterior(pooled * strength, (1.0 - pooled) * strength)


# ---------------------------------------------------------------------------------------------
# Probability of being best and expected loss
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PosteriorSummary:
    """Monte Carlo summary of a posterior over the active arms.

    Attributes
    ----------
    prob_best : ndarray, shape (..., n_arms)
        Probability that each arm has the highest CTR; sums to 1 over the active arms, 0 for
        inactive arms.
    expected_loss : ndarray, shape (..., n_arms)
        ``E[max_j ctr_j - ctr_k]``: CTR lost per impression by serving only arm ``k`` (clicks per
        impression). ``nan`` for inactive arms.
    n_samples : int
        Draws per test behind these estimates.
    """

    prob_best: FloatArray
    expected_loss: FloatArray
    n_samples: int


def _best_counts(draws: FloatArray, n_arms: int) -> FloatArray:
    """How often each arm holds the maximum; ``draws`` is (..., n_samples, n_arms)."""
    winners = draws.argmax(axis=-1)
    lead = draws.shape[:-2]
    flat = winners.reshape(-1, draws.shape[-2])
    offsets = (np.arange(flat.shape[0]) * n_arms)[:, None]
    counts = np.bincount((flat + offsets).ravel(), minlength=flat.shape[0] * n_arms)
    return counts.reshape(*lead, n_arms).astype(np.float64)


def summarize_posterior(
    posterior: BetaPosterior,
    *,
    active: ArrayLike | None = None,
    n_samples: int = DEFAULT_SAMPLES,
    random_state: RandomState = None,
) -> PosteriorSummary:
    """Probability of being best and expected loss of every arm, from one set of posterior draws.

    Parameters
    ----------
    posterior : BetaPosterior, shape (..., n_arms)
    active : array_like of bool, shape (..., n_arms), optional
        Arms still in the test; paused arms are left out of the comparison. Default: all.
    n_samples : int
        Monte Carlo draws per test.
    random_state : int, numpy Generator or None

    Returns
    -------
    PosteriorSummary
    """
    mask = _as_active(active, posterior.shape)
    draws = posterior.sample(n_samples, random_state)  # (..., n_samples, n_arms)
    draws = np.where(mask[..., None, :], draws, -np.inf)
    prob_best = _best_counts(draws, posterior.n_arms) / n_samples
    best = draws.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        loss = np.where(mask[..., None, :], best - draws, 0.0).mean(axis=-2)
    # Where every active arm has the same posterior (a test with no data yet, say) symmetry gives
    # the exact answer: an equal chance of being best and the same expected loss for each arm.
    n_active = mask.sum(axis=-1, keepdims=True)
    first = np.argmax(mask, axis=-1)[..., None]
    same = np.all(
        ~mask
        | (
            (posterior.alpha == np.take_along_axis(posterior.alpha, first, axis=-1))
            & (posterior.beta == np.take_along_axis(posterior.beta, first, axis=-1))
        ),
        axis=-1,
        keepdims=True,
    )
    prob_best = np.where(same, mask / n_active, prob_best)
    mean_loss = np.where(mask, loss, 0.0).sum(axis=-1, keepdims=True) / n_active
    loss = np.where(same, mean_loss, loss)
    loss = np.where(mask, loss, np.nan)
    return PosteriorSummary(prob_best=prob_best, expected_loss=loss, n_samples=n_samples)


# ---------------------------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """The traffic split for the next period and the evidence behind it.

    Attributes
    ----------
    shares : ndarray, shape (..., n_arms)
        Share of traffic per arm; sums to 1 over active arms, 0 for inactive arms.
    prob_best, expected_loss : ndarray, shape (..., n_arms)
        As in :class:`PosteriorSummary`.
    burn_in : ndarray of bool, shape (...)
        True where the split is the equal burn-in split because some active arm has fewer than
        the burn-in impressions.
    """

    shares: FloatArray
    prob_best: FloatArray
    expected_loss: FloatArray
    burn_in: BoolArray


def apply_min_share(
    weights: ArrayLike, min_share: float, *, active: ArrayLike | None = None
) -> FloatArray:
    """Mix weights with a floor so every active arm gets at least ``min_share``.

    ``share = min_share + (1 - n_active * min_share) * weight / sum(weight)``: the floor is exact,
    the order of the weights is kept and the shares sum to 1 over active arms.

    Parameters
    ----------
    weights : array_like, shape (..., n_arms)
        Non-negative weights (e.g. probabilities of being best).
    min_share : float
        Floor per active arm, in [0, 1 / n_active].
    active : array_like of bool, shape (..., n_arms), optional

    Returns
    -------
    ndarray, shape (..., n_arms)
    """
    w = np.asarray(weights, dtype=np.float64)
    mask = _as_active(active, w.shape)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be finite and >= 0; got {w}")
    n_active = mask.sum(axis=-1, keepdims=True)
    if np.any(min_share * n_active > 1.0 + 1e-12):
        raise ValueError(
            f"min_share={min_share} is too large for {int(n_active.max())} active arms: the floors "
            f"would exceed 100%; use at most {1.0 / n_active.max():.4f}"
        )
    w = np.where(mask, w, 0.0)
    total = w.sum(axis=-1, keepdims=True)
    # All-zero weights (every active arm judged hopeless) fall back to an equal split.
    normalized = np.where(total > 0, w / np.where(total > 0, total, 1.0), mask / n_active)
    shares = min_share + (1.0 - n_active * min_share) * normalized
    return np.where(mask, shares, 0.0)


def _burn_in_rows(
    impressions: ArrayLike | None, mask: BoolArray, burn_in_impressions: int
) -> BoolArray:
    if impressions is None or burn_in_impressions == 0:
        if burn_in_impressions > 0 and impressions is None:
            raise ValueError("impressions per arm are needed to check the burn-in")
        return np.zeros(mask.shape[:-1], dtype=bool)
    served = _as_counts("impressions", impressions, mask.shape)
    in_burn_in: BoolArray = np.any(mask & (served < burn_in_impressions), axis=-1)
    return in_burn_in


@dataclass
class ThompsonSampling:
    """Batched Thompson sampling: each arm's share is its probability of being best.

    Parameters
    ----------
    min_share : float
        Least share of traffic any active arm gets once the burn-in is over (default 1%).
    burn_in_impressions : int
        Equal split until every active arm has at least this many impressions (0: no burn-in).
    n_samples : int
        Monte Carlo draws per test for the probability of being best.
    random_state : int, numpy Generator or None
        Seed or generator for the draws; a fixed int makes every call sequence reproducible.
    """

    min_share: float = 0.01
    burn_in_impressions: int = 0
    n_samples: int = DEFAULT_SAMPLES
    random_state: RandomState = None
    _generator: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.min_share) and 0.0 <= self.min_share < 0.5):
            raise ValueError(f"min_share must be in [0, 0.5); got {self.min_share!r}")
        if (
            int(self.burn_in_impressions) != self.burn_in_impressions
            or self.burn_in_impressions < 0
        ):
            raise ValueError(
                f"burn_in_impressions must be an integer >= 0; got {self.burn_in_impressions!r}"
            )
        if int(self.n_samples) != self.n_samples or self.n_samples < 1:
            raise ValueError(f"n_samples must be an integer >= 1; got {self.n_samples!r}")
        self._generator = _rng(self.random_state)

    def _weights(self, summary: PosteriorSummary, mask: BoolArray) -> FloatArray:
        return summary.prob_best

    def select_allocation(
        self,
        posterior: BetaPosterior,
        *,
        impressions: ArrayLike | None = None,
        active: ArrayLike | None = None,
    ) -> Allocation:
        """The split for the next period.

        Parameters
        ----------
        posterior : BetaPosterior, shape (..., n_arms)
        impressions : array_like, shape (..., n_arms), optional
            Impressions served so far per arm; needed when ``burn_in_impressions > 0``.
        active : array_like of bool, shape (..., n_arms), optional
            Arms still in the test (paused arms get no traffic). Default: all.

        Returns
        -------
        Allocation
        """
        mask = _as_active(active, posterior.shape)
        summary = summarize_posterior(
            posterior, active=mask, n_samples=self.n_samples, random_state=self._generator
        )
        burn_in = _burn_in_rows(impressions, mask, self.burn_in_impressions)
        shares = apply_min_share(self._weights(summary, mask), self.min_share, active=mask)
        equal = mask / mask.sum(axis=-1, keepdims=True)
        shares = np.where(burn_in[..., None], equal, shares)
        return Allocation(
            shares=shares,
            prob_best=summary.prob_best,
            expected_loss=summary.expected_loss,
            burn_in=burn_in,
        )


def top_two_shares(prob_best: ArrayLike, leader_share: float = 0.5) -> FloatArray:
    """Serving probabilities of top-two Thompson sampling (Russo 2016) given P(best).

    A visitor gets the Thompson leader with probability ``leader_share``; otherwise the posterior
    is re-sampled until another arm leads and that challenger is served. Arm ``j`` is therefore
    served with probability ``leader_share * p_j + (1 - leader_share) * sum_{i != j} p_i p_j / (1 - p_i)``.
    When one arm holds all the probability (``p_i = 1``) its challenger is undefined and the others
    share the challenger traffic equally.

    Parameters
    ----------
    prob_best : array_like, shape (..., n_arms)
        Probabilities of being best; each row sums to 1.
    leader_share : float
        The ``beta`` of the paper, in (0, 1).

    Returns
    -------
    ndarray, shape (..., n_arms)
    """
    _check_probability("leader_share", leader_share, low_open=True, high_open=True)
    p = np.asarray(prob_best, dtype=np.float64)
    if not np.allclose(p.sum(axis=-1), 1.0, atol=1e-9):
        raise ValueError("prob_best must sum to 1 over the arms of every test")
    n_arms = p.shape[-1]
    if n_arms == 1:
        return np.ones_like(p)
    rest = 1.0 - p  # (..., n_arms): mass left for a challenger when arm i leads
    safe = np.where(rest > 1e-12, rest, 1.0)
    # challenger[..., i, j] = P(challenger j | leader i)
    challenger = np.where(
        (rest > 1e-12)[..., :, None], p[..., None, :] / safe[..., :, None], 1.0 / (n_arms - 1)
    )
    eye = np.eye(n_arms, dtype=bool)
    challenger = np.where(eye, 0.0, challenger)
    from_challenges = np.einsum("...i,...ij->...j", p, challenger)
    shares: FloatArray = leader_share * p + (1.0 - leader_share) * from_challenges
    return shares


@dataclass
class TopTwoThompsonSampling(ThompsonSampling):
    """Top-two Thompson sampling: finds the best arm faster, at some cost in clicks.

    Parameters
    ----------
    leader_share : float
        Share of traffic the Thompson leader keeps (the paper's beta, 0.5 by default); the rest
        goes to challengers, so the runner-up keeps being measured until the leader is clear.
    min_share, burn_in_impressions, n_samples, random_state
        As in :class:`ThompsonSampling`.
    """

    leader_share: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_probability("leader_share", self.leader_share, low_open=True, high_open=True)

    def _weights(self, summary: PosteriorSummary, mask: BoolArray) -> FloatArray:
        n_active = mask.sum(axis=-1)
        shares = np.zeros_like(summary.prob_best)
        # Rows with the same number of active arms are computed together on their active arms.
        for count in np.unique(n_active):
            rows = n_active == count
            p = summary.prob_best[rows][mask[rows]].reshape(-1, int(count))
            p = p / p.sum(axis=-1, keepdims=True)
            block = np.zeros(mask[rows].shape)
            block[mask[rows]] = top_two_shares(p, self.leader_share).ravel()
            shares[rows] = block
        return shares


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRule:
    """When to declare a winner and which arms to pause.

    Parameters
    ----------
    win_probability : float
        An arm wins when its probability of being best reaches this (default 0.95) ...
    max_expected_loss : float
        ... and its expected loss is below this many clicks per impression (default 0.0005, i.e.
        choosing it costs less than 0.05 percentage points of CTR in expectation).
    pause_probability : float
        An arm is worth pausing once its probability of being best is below this (default 0.01)
        and it has at least ``min_impressions_to_pause`` impressions.
    min_impressions_to_pause : int
        Impressions an arm must have before it can be paused (default 1000).
    """

    win_probability: float = 0.95
    max_expected_loss: float = 0.0005
    pause_probability: float = 0.01
    min_impressions_to_pause: int = 1000

    def __post_init__(self) -> None:
        _check_probability("win_probability", self.win_probability, low_open=True)
        if not (np.isfinite(self.max_expected_loss) and 0 < self.max_expected_loss <= 1):
            raise ValueError(
                f"max_expected_loss is a CTR difference in (0, 1]; got {self.max_expected_loss!r}"
            )
        _check_probability("pause_probability", self.pause_probability, high_open=True)
        if self.pause_probability >= self.win_probability:
            raise ValueError(
                f"pause_probability ({self.pause_probability}) must be below win_probability "
                f"({self.win_probability})"
            )
        if (
            int(self.min_impressions_to_pause) != self.min_impressions_to_pause
            or self.min_impressions_to_pause < 0
        ):
            raise ValueError(
                f"min_impressions_to_pause must be an integer >= 0; got {self.min_impressions_to_pause!r}"
            )

    def select_winner(self, summary: PosteriorSummary) -> IntArray:
        """Index of the winning arm per test, or -1 where no arm meets both conditions.

        Returns
        -------
        ndarray of int, shape (...)
        """
        leader = np.argmax(summary.prob_best, axis=-1)
        p = np.take_along_axis(summary.prob_best, leader[..., None], axis=-1)[..., 0]
        loss = np.take_along_axis(summary.expected_loss, leader[..., None], axis=-1)[..., 0]
        won = (p >= self.win_probability) & (loss < self.max_expected_loss)
        return np.where(won, leader, -1).astype(np.int64)

    def select_arms_to_pause(
        self, summary: PosteriorSummary, *, impressions: ArrayLike, active: ArrayLike | None = None
    ) -> BoolArray:
        """Active arms that are very unlikely to be best and have had a fair chance.

        The arm with the highest probability of being best is never paused, so a test always
        keeps at least one arm.

        Parameters
        ----------
        summary : PosteriorSummary, shape (..., n_arms)
        impressions : array_like, shape (..., n_arms)
            Impressions served so far per arm.
        active : array_like of bool, shape (..., n_arms), optional

        Returns
        -------
        ndarray of bool, shape (..., n_arms)
        """
        shape = summary.prob_best.shape
        mask = _as_active(active, shape)
        served = _as_counts("impressions", impressions, shape)
        leader = np.argmax(np.where(mask, summary.prob_best, -1.0), axis=-1)
        is_leader = np.arange(shape[-1]) == leader[..., None]
        to_pause: BoolArray = (
            mask
            & ~is_leader
            & (summary.prob_best < self.pause_probability)
            & (served >= self.min_impressions_to_pause)
        )
        return to_pause


# ---------------------------------------------------------------------------------------------
# Sample-ratio mismatch
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRatioMismatch:
    """Chi-square goodness-of-fit of served impressions against the planned split.

    Attributes
    ----------
    statistic : float
        Pearson chi-square over arms with planned traffic.
    dof : int
        Degrees of freedom (arms with planned traffic - 1).
    p_value : float
    expected : ndarray, shape (n_arms,)
        Impressions each arm should have received under the planned split.
    mismatch : bool
        True when ``p_value < threshold``: traffic departs from the split by more than chance.
    threshold : float
    """

    statistic: float
    dof: int
    p_value: float
    expected: FloatArray
    mismatch: bool
    threshold: float


def sample_ratio_mismatch(
    served: ArrayLike, planned_shares: ArrayLike, *, threshold: float = 0.001
) -> SampleRatioMismatch:
    """Test whether served impressions match the split the platform was asked to serve.

    Periods with different splits are compared on their totals: the expected count of arm ``k``
    is ``sum_t n_t * share_tk`` where ``n_t`` is the total served in period ``t``.

    Parameters
    ----------
    served : array_like, shape (n_arms,) or (n_periods, n_arms)
        Impressions actually served per arm (and period).
    planned_shares : array_like, same shape as ``served``
        The split in force for each period; each row sums to 1.
    threshold : float
        p-value below which a mismatch is reported (default 0.001).

    Returns
    -------
    SampleRatioMismatch
    """
    _check_probability("threshold", threshold, low_open=True, high_open=True)
    observed = np.atleast_2d(np.asarray(served, dtype=np.float64))
    shares = np.atleast_2d(np.asarray(planned_shares, dtype=np.float64))
    if observed.shape != shares.shape:
        raise ValueError(
            f"served and planned_shares must have the same shape; got {observed.shape} and {shares.shape}"
        )
    if not np.all(np.isfinite(observed)) or np.any(observed < 0):
        raise ValueError("served impressions must be finite and >= 0")
    if (
        not np.all(np.isfinite(shares))
        or np.any(shares < 0)
        or not np.allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    ):
        raise ValueError("each row of planned_shares must be >= 0 and sum to 1")
    expected = (observed.sum(axis=1, keepdims=True) * shares).sum(axis=0)
    counts = observed.sum(axis=0)
    planned = expected > 0
    if np.any(counts[~planned] > 0):
        # Traffic on an arm that was meant to get none is a mismatch whatever the numbers.
        return SampleRatioMismatch(np.inf, int(planned.sum()) - 1, 0.0, expected, True, threshold)
    dof = int(planned.sum()) - 1
    if dof < 1:
        return SampleRatioMismatch(0.0, 0, 1.0, expected, False, threshold)
    from scipy.stats import chi2

    statistic = float((((counts - expected) ** 2)[planned] / expected[planned]).sum())
    p_value = float(chi2.sf(statistic, dof))
    return SampleRatioMismatch(statistic, dof, p_value, expected, p_value < threshold, threshold)
