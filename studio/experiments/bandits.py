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
   interval, centred by :func:`centre_on_pooled_ctr`) or :func:`empirical_bayes_prior` (shrink
   the arms of a test toward each other, never by less than one pseudo-click);
2. :func:`update_posterior` with the impressions and clicks served so far (or
   :func:`period_weighted_posterior` with them per period, when CTRs drift);
3. :func:`summarize_posterior`: probability of being best and expected loss, by one-dimensional
   numerical integration (deterministic: no Monte Carlo, no seed);
4. :meth:`ThompsonSampling.select_allocation` (or :class:`TopTwoThompsonSampling`): the next split,
   with a burn-in and a minimum share per arm;
5. :meth:`DecisionRule.select_winner` and :meth:`DecisionRule.select_arms_to_pause`;
6. :func:`sample_ratio_mismatch`: did the platform serve, day by day, the split it was given?

:func:`studio.experiments.decisions.decide` puts them together; it is the one decision function
of live tests, offline replay and the simulator.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studio.core.errors import InvalidValue

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
RandomState = int | np.random.Generator | None


def _rng(random_state: RandomState) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (isinstance(random_state, int | np.integer) and random_state >= 0):
        return np.random.default_rng(random_state)
    raise InvalidValue(
        f"random_state must be a non-negative int, a numpy Generator or None; got {random_state!r}"
    )


def _check_probability(
    name: str, value: float, *, low_open: bool = False, high_open: bool = False
) -> None:
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < 1 if high_open else value <= 1
    if not (np.isfinite(value) and low_ok and high_ok):
        allowed = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise InvalidValue(f"{name} must be in {allowed}; got {value!r}")


def _as_counts(name: str, values: ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise InvalidValue(
            f"{name} must have shape {shape} (one value per arm); got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise InvalidValue(f"{name} must be finite and >= 0; got {array}")
    return array


def _as_active(active: ArrayLike | None, shape: tuple[int, ...]) -> BoolArray:
    if active is None:
        return np.ones(shape, dtype=bool)
    mask = np.asarray(active)
    if mask.dtype != np.bool_:
        raise InvalidValue(
            f"active must be a boolean mask of shape {shape}; got dtype {mask.dtype}"
        )
    if mask.shape != shape:
        raise InvalidValue(f"active must have shape {shape}; got shape {mask.shape}")
    if not np.all(mask.any(axis=-1)):
        raise InvalidValue("active must leave at least one arm active in every test")
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
            raise InvalidValue(
                f"alpha must have an arm axis (shape (..., n_arms)); got shape {alpha.shape}"
            )
        if alpha.shape != beta.shape:
            raise InvalidValue(
                f"alpha and beta must have the same shape; got {alpha.shape} and {beta.shape}"
            )
        for name, values in (("alpha", alpha), ("beta", beta)):
            if not np.all(np.isfinite(values)) or np.any(values <= 0):
                raise InvalidValue(f"{name} must be finite and > 0 for every arm; got {values}")
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
            raise InvalidValue(f"n_samples must be >= 1; got {n_samples}")
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
        raise InvalidValue(
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
        raise InvalidValue("ctr must have an arm axis (shape (..., n_arms)); got a scalar")
    if not np.all(np.isfinite(mean)) or np.any(mean <= 0) or np.any(mean >= 1):
        raise InvalidValue(
            f"predicted ctr must be strictly between 0 and 1 for every arm; got {mean}"
        )
    if not (np.isfinite(strength) and strength >= 0):
        raise InvalidValue(
            f"strength must be a finite number of impressions >= 0; got {strength!r}"
        )
    _check_probability("level", level, low_open=True, high_open=True)
    weight = np.full(mean.shape, float(strength))
    if (lower is None) != (upper is None):
        raise InvalidValue("give both lower and upper for the predicted interval, or neither")
    if lower is not None and upper is not None:
        low = np.asarray(lower, dtype=np.float64)
        high = np.asarray(upper, dtype=np.float64)
        if low.shape != mean.shape or high.shape != mean.shape:
            raise InvalidValue(
                f"lower and upper must have the shape of ctr {mean.shape}; got {low.shape} and {high.shape}"
            )
        if np.any(~(low <= mean)) or np.any(~(mean <= high)):
            raise InvalidValue(
                "each predicted interval must contain its ctr: lower <= ctr <= upper"
            )
        sd = (high - low) / (2.0 * _normal_quantile(0.5 + level / 2.0))
        with np.errstate(divide="ignore"):
            implied = np.where(sd > 0, mean * (1.0 - mean) / np.maximum(sd, 1e-300) ** 2, np.inf)
        weight = np.minimum(weight, implied)
    return BetaPosterior(1.0 + mean * weight, 1.0 + (1.0 - mean) * weight)


def _pooled_ctr(impressions: FloatArray, clicks: FloatArray) -> FloatArray:
    """Each test's pooled CTR ``(sum clicks + 0.5) / (sum impressions + 1)``, shape (..., 1).

    The halves keep it inside (0, 1) before the first click.
    """
    pooled: FloatArray = (clicks.sum(axis=-1, keepdims=True) + 0.5) / (
        impressions.sum(axis=-1, keepdims=True) + 1.0
    )
    return pooled


def empirical_bayes_prior(
    impressions: ArrayLike, clicks: ArrayLike, *, strength: float
) -> BetaPosterior:
    """A prior that shrinks the arms of a test toward each other, worth at least one click.

    Every arm gets ``Beta(p * m, (1 - p) * m)``: ``p`` is the test's pooled CTR and ``m`` (the
    prior's weight in impressions) is the method-of-moments estimate of the beta-binomial
    precision (Kleinman 1973, "Proportions with extraneous variance", JASA 68: 46-54; the
    empirical-Bayes reading is Efron & Morris 1975, JASA 70: 311-319). With observed CTRs ``r_a``
    on ``n_a`` impressions, the spread of the true CTRs between arms is estimated as
    ``tau2 = var(r_a) - p (1 - p) mean(1 / n_a)`` (observed spread less binomial noise) and
    ``m = p (1 - p) / tau2 - 1``: arms that differ no more than noise are shrunk hard toward each
    other, arms that clearly differ keep their own data.

    ``m`` is then bounded: at most ``strength`` impressions (and never less than one
    pseudo-click and one pseudo-non-click, ``m >= 1 / min(p, 1 - p)``). The lower bound is what
    stops the prior from manufacturing certainty: a prior ``Beta(10 p, 10 (1 - p))`` with a tiny
    ``p`` puts almost all its mass at CTR 0, so two clicks against none looked like proof.
    Before any impression the prior is the flat Beta(1, 1).

    Parameters
    ----------
    impressions, clicks : array_like, shape (..., n_arms)
        Delivery so far.
    strength : float
        Most the prior may weigh, in impressions (> 0).

    Returns
    -------
    BetaPosterior, shape (..., n_arms)
    """
    impressions_ = np.asarray(impressions, dtype=np.float64)
    if impressions_.ndim == 0:
        raise InvalidValue("impressions must have an arm axis (shape (..., n_arms)); got a scalar")
    clicks_ = _as_counts("clicks", clicks, impressions_.shape)
    impressions_ = _as_counts("impressions", impressions_, impressions_.shape)
    if not (np.isfinite(strength) and strength > 0):
        raise InvalidValue(f"strength must be a finite number of impressions > 0; got {strength!r}")
    p = _pooled_ctr(impressions_, clicks_)
    served = impressions_ > 0
    k = served.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(served, clicks_ / np.where(served, impressions_, 1.0), 0.0)
        mean_rate = rate.sum(axis=-1, keepdims=True) / np.maximum(k, 1)
        spread = ((rate - mean_rate) ** 2 * served).sum(axis=-1, keepdims=True) / np.maximum(
            k - 1, 1
        )
        noise = (
            p
            * (1 - p)
            * (served / np.where(served, impressions_, 1.0)).sum(axis=-1, keepdims=True)
            / np.maximum(k, 1)
        )
        tau2 = spread - noise
        weight = np.where(tau2 > 0, p * (1 - p) / np.where(tau2 > 0, tau2, 1.0) - 1.0, np.inf)
    # With fewer than two served arms nothing says how far apart arms are: the cap decides.
    weight = np.where(k >= 2, weight, np.inf)
    weight = np.maximum(np.minimum(weight, float(strength)), 1.0 / np.minimum(p, 1.0 - p))
    weight = np.broadcast_to(weight, impressions_.shape)
    pooled = np.broadcast_to(p, impressions_.shape)
    flat = np.broadcast_to(impressions_.sum(axis=-1, keepdims=True) == 0, impressions_.shape)
    return BetaPosterior(
        np.where(flat, 1.0, pooled * weight), np.where(flat, 1.0, (1.0 - pooled) * weight)
    )


def centre_on_pooled_ctr(
    prior: BetaPosterior, impressions: ArrayLike, clicks: ArrayLike
) -> BetaPosterior:
    """Move a predictor prior onto the test's pooled CTR, keeping its differences and weights.

    A predictor prior ``Beta(1 + c_a n_a, 1 + (1 - c_a) n_a)`` (see :func:`prior_from_prediction`)
    carries predicted CTRs ``c_a`` on the predictor's own scale (its training data's). Once a test
    has delivery its level is known better: each ``logit(c_a)`` is shifted by the same amount so
    that their mean is ``logit`` of the pooled CTR, and each arm keeps its weight ``n_a``. Before
    any impression, or for arms with no weight, the prior is returned unchanged.

    This is the one place the live test (:mod:`studio.experiments.lifecycle`) and the simulator
    centre a predictor prior.

    Parameters
    ----------
    prior : BetaPosterior, shape (..., n_arms)
    impressions, clicks : array_like, shape (..., n_arms)

    Returns
    -------
    BetaPosterior, shape (..., n_arms)
    """
    impressions_ = _as_counts("impressions", impressions, prior.shape)
    clicks_ = _as_counts("clicks", clicks, prior.shape)
    weight = prior.alpha + prior.beta - 2.0
    usable = np.all(weight > 0, axis=-1, keepdims=True) & (
        impressions_.sum(axis=-1, keepdims=True) > 0
    )
    safe = np.where(weight > 0, weight, 1.0)
    predicted = np.clip((prior.alpha - 1.0) / safe, 1e-12, 1 - 1e-12)
    logit = np.log(predicted / (1.0 - predicted))
    pooled = _pooled_ctr(impressions_, clicks_)
    shifted = logit - logit.mean(axis=-1, keepdims=True) + np.log(pooled / (1.0 - pooled))
    centred = 1.0 / (1.0 + np.exp(-shifted))
    return BetaPosterior(
        np.where(usable, 1.0 + centred * weight, prior.alpha),
        np.where(usable, 1.0 + (1.0 - centred) * weight, prior.beta),
    )


# ---------------------------------------------------------------------------------------------
# Probability of being best and expected loss
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PosteriorSummary:
    """Probability of being best and expected loss of every arm, by numerical integration.

    Attributes
    ----------
    prob_best : ndarray, shape (..., n_arms)
        Probability that each arm has the highest CTR; sums to 1 over the active arms, 0 for
        inactive arms.
    expected_loss : ndarray, shape (..., n_arms)
        ``E[max_j ctr_j - ctr_k]``: CTR lost per impression by serving only arm ``k`` (clicks per
        impression). ``nan`` for inactive arms.
    """

    prob_best: FloatArray
    expected_loss: FloatArray


#: Grid offsets, in posterior standard deviations around each arm's mean, at which the densities
#: and CDFs are evaluated: fine across the bulk, coarser in the tails, and further out above the
#: mean because Beta posteriors of small CTRs are skewed to the right.
_GRID_Z = np.concatenate(
    [np.linspace(-10.0, -4.0, 13)[:-1], np.linspace(-4.0, 4.0, 81), np.linspace(4.0, 14.0, 21)[1:]]
)
#: Tests integrated at once (bounds memory to about 100 MB for tests of 20 arms).
_CHUNK = 512


def _cdfs_on_grid(alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each arm's CDF on a grid shared by the arms of its test.

    ``alpha``, ``beta`` are (n_tests, n_arms). Returns the grid ``x`` of shape (n_tests, M + 2),
    from 0 to 1, and ``cdf`` of shape (n_tests, n_arms, M + 2). The grid holds, for every arm,
    points at ``mean + z sd`` for ``z`` in :data:`_GRID_Z`. Between grid points the CDF grows by
    the integral of the density taken as exponential between them, rescaled so each arm's total
    over the grid equals the exact ``I_x(alpha, beta)`` difference between its ends (the tails
    are exact).
    """
    from scipy.special import betainc, betaln

    n_tests, n_arms = alpha.shape
    mean = alpha / (alpha + beta)
    sd = np.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1.0)))
    inner = (mean[..., None] + sd[..., None] * _GRID_Z).reshape(n_tests, -1)
    inner = np.sort(np.clip(inner, 1e-300, 1.0 - 1e-15), axis=-1)
    low = betainc(alpha, beta, inner[:, :1])  # (n_tests, n_arms)
    high = betainc(alpha, beta, inner[:, -1:])
    smooth = np.all((alpha >= 1.0) & (beta >= 1.0), axis=-1)
    cdf_inner = np.empty((n_tests, n_arms, inner.shape[1]))
    if smooth.any():
        x = inner[smooth]
        a, b = alpha[smooth][..., None], beta[smooth][..., None]
        log_pdf = (
            (a - 1.0) * np.log(x)[:, None, :] + (b - 1.0) * np.log1p(-x)[:, None, :] - betaln(a, b)
        )
        # Between grid points the density is taken as exponential (exact for the tails, which
        # decay about exponentially, and as good as trapezoids in the bulk): the step is the
        # width times the logarithmic mean of the end densities.
        top = np.maximum(log_pdf[..., 1:], log_pdf[..., :-1])
        drop = np.abs(log_pdf[..., 1:] - log_pdf[..., :-1])
        with np.errstate(invalid="ignore", divide="ignore"):
            log_mean = np.where(drop > 1e-12, -np.expm1(-drop) / np.where(drop > 0, drop, 1.0), 1.0)
        steps = np.exp(top) * log_mean * np.diff(x, axis=-1)[:, None, :]
        total = steps.sum(axis=-1, keepdims=True)
        mass = (high[smooth] - low[smooth])[..., None]
        steps = np.where(total > 0, steps * mass / np.where(total > 0, total, 1.0), 0.0)
        cdf_inner[smooth] = np.concatenate(
            [low[smooth][..., None], low[smooth][..., None] + np.cumsum(steps, axis=-1)], axis=-1
        )
    if (~smooth).any():
        # A density that is infinite at 0 or 1 (alpha or beta < 1) is not integrated by
        # trapezoids; its CDF is evaluated exactly at every grid point instead.
        rough = ~smooth
        cdf_inner[rough] = betainc(
            alpha[rough][..., None], beta[rough][..., None], inner[rough][:, None, :]
        )
    x = np.concatenate([np.zeros((n_tests, 1)), inner, np.ones((n_tests, 1))], axis=-1)
    cdf = np.concatenate(
        [np.zeros((n_tests, n_arms, 1)), np.minimum(cdf_inner, 1.0), np.ones((n_tests, n_arms, 1))],
        axis=-1,
    )
    return x, cdf


def _summarize_block(
    alpha: FloatArray, beta: FloatArray, mask: BoolArray
) -> tuple[FloatArray, FloatArray]:
    x, cdf = _cdfs_on_grid(alpha, beta)
    # Inactive arms never exceed anyone: a CDF of 1 everywhere leaves them out of every product.
    cdf = np.where(mask[..., None], cdf, 1.0)
    n_arms = alpha.shape[-1]
    # Product of the other arms' CDFs, by prefix and suffix products (no division by zero).
    prefix = np.ones_like(cdf)
    suffix = np.ones_like(cdf)
    for k in range(1, n_arms):
        prefix[:, k] = prefix[:, k - 1] * cdf[:, k - 1]
        suffix[:, n_arms - 1 - k] = suffix[:, n_arms - k] * cdf[:, n_arms - k]
    others = prefix * suffix
    everyone = prefix[:, -1] * cdf[:, -1]  # (n_tests, M): CDF of the maximum
    # P(arm k best) = integral of prod_{j != k} F_j dF_k, trapezoid in F_k.
    prob = (np.diff(cdf, axis=-1) * 0.5 * (others[..., 1:] + others[..., :-1])).sum(axis=-1)
    prob = np.where(mask, np.maximum(prob, 0.0), 0.0)
    prob = prob / prob.sum(axis=-1, keepdims=True)
    # E[max - X_k] = integral of (F_k - F_max) dx, non-negative since F_max <= F_k.
    gap = cdf - everyone[:, None, :]
    loss = (0.5 * (gap[..., 1:] + gap[..., :-1]) * np.diff(x, axis=-1)[:, None, :]).sum(axis=-1)
    return prob, np.where(mask, np.maximum(loss, 0.0), np.nan)


def summarize_posterior(
    posterior: BetaPosterior, *, active: ArrayLike | None = None
) -> PosteriorSummary:
    """Probability of being best and expected loss of every arm, by one-dimensional integration.

    ``P(k best) = integral of f_k(x) prod_{j != k} F_j(x) dx`` and
    ``E[max_j X_j - X_k] = integral of (F_k(x) - prod_j F_j(x)) dx`` over [0, 1], on a grid of
    about 110 points per arm placed across every arm's posterior (see :func:`_cdfs_on_grid`).
    Deterministic: no Monte Carlo, no seed. Arms with identical posteriors get exactly equal
    values, so ties are fair whatever the arm order.

    Parameters
    ----------
    posterior : BetaPosterior, shape (..., n_arms)
    active : array_like of bool, shape (..., n_arms), optional
        Arms in the comparison; the others get probability 0 and loss ``nan``. Default: all.

    Returns
    -------
    PosteriorSummary
    """
    mask = _as_active(active, posterior.shape)
    lead = posterior.shape[:-1]
    n_arms = posterior.n_arms
    alpha = posterior.alpha.reshape(-1, n_arms)
    beta = posterior.beta.reshape(-1, n_arms)
    flat_mask = mask.reshape(-1, n_arms)
    prob = np.empty(alpha.shape)
    loss = np.empty(alpha.shape)
    for start in range(0, alpha.shape[0], _CHUNK):
        rows = slice(start, start + _CHUNK)
        prob[rows], loss[rows] = _summarize_block(alpha[rows], beta[rows], flat_mask[rows])
    # Arms with the same posterior are exchangeable: give them exactly the same figures (the
    # integration is symmetric, but floating-point products are not bitwise so).
    for k in range(n_arms):
        for j in range(k):
            same = (
                (alpha[:, j] == alpha[:, k])
                & (beta[:, j] == beta[:, k])
                & flat_mask[:, j]
                & flat_mask[:, k]
            )
            if same.any():
                prob[same, k] = prob[same, j]
                loss[same, k] = loss[same, j]
    prob = np.where(flat_mask, prob, 0.0)
    prob = prob / prob.sum(axis=-1, keepdims=True)
    return PosteriorSummary(prob.reshape(*lead, n_arms), loss.reshape(*lead, n_arms))


def period_weighted_posterior(
    prior: BetaPosterior, impressions: ArrayLike, clicks: ArrayLike
) -> BetaPosterior:
    """A posterior of each arm's CTR averaged over periods as the whole test's traffic fell.

    When the CTR of every arm drifts (say it rises over a fortnight) and an adaptive split sends
    more late traffic to one arm, pooled counts credit that arm with the drift. Direct
    standardisation removes it: arm ``a``'s rate is ``sum_t w_t c_at / n_at`` with ``w_t`` the
    share of the test's impressions served in period ``t`` (renormalised over the periods in which
    the arm was served), and its weight in impressions is Kish's effective sample size
    ``(sum_t w_t)^2 / sum_t w_t^2 / n_at``. The result is a Beta posterior with that rate and
    weight added to ``prior``.

    Parameters
    ----------
    prior : BetaPosterior, shape (..., n_arms)
    impressions, clicks : array_like, shape (..., n_periods, n_arms)

    Returns
    -------
    BetaPosterior, shape (..., n_arms)
    """
    impressions_ = np.asarray(impressions, dtype=np.float64)
    if impressions_.ndim < 2 or impressions_.shape[-1] != prior.n_arms:
        raise InvalidValue(
            f"impressions must have shape (..., n_periods, {prior.n_arms}); got {impressions_.shape}"
        )
    rate, effective = period_weighted_rate(impressions_, clicks)
    return BetaPosterior(prior.alpha + rate * effective, prior.beta + (1.0 - rate) * effective)


def period_weighted_rate(exposure: ArrayLike, events: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Each arm's rate of ``events`` per unit of ``exposure``, averaged over periods as the whole
    test's exposure fell (direct standardisation), and its effective exposure.

    Arm ``a``'s rate is ``sum_t w_t e_at / x_at`` with ``w_t`` the share of the test's exposure in
    period ``t`` (renormalised over the periods in which the arm was served); its effective
    exposure is Kish's ``1 / sum_t (w_t^2 / x_at)``. The exposure is impressions for CTR, clicks
    for conversions per click, spend for conversions per spend (CPA, ROAS).

    Parameters
    ----------
    exposure, events : array_like, shape (..., n_periods, n_arms)

    Returns
    -------
    rate, effective_exposure : ndarray, shape (..., n_arms)
        0 for an arm never exposed.
    """
    exposure_ = np.asarray(exposure, dtype=np.float64)
    exposure_ = _as_counts("exposure", exposure_, exposure_.shape)
    events_ = _as_counts("events", events, exposure_.shape)
    period_share = exposure_.sum(axis=-1, keepdims=True)  # (..., n_periods, 1)
    served = exposure_ > 0
    w = np.where(served, period_share, 0.0)
    w = w / np.maximum(w.sum(axis=-2, keepdims=True), 1e-300)
    safe = np.where(served, exposure_, 1.0)
    rate: FloatArray = (w * events_ / safe).sum(axis=-2)
    effective: FloatArray = np.where(
        served.any(axis=-2), 1.0 / np.maximum((w**2 / safe).sum(axis=-2), 1e-300), 0.0
    )
    return rate, effective


def rate_drift_p_value(exposure: ArrayLike, events: ArrayLike) -> FloatArray:
    """p-value of "every arm's Poisson rate of events per exposure is the same in every period".

    The Poisson counterpart of :func:`ctr_drift_p_value` (conversions per unit of spend): for
    each arm, Pearson's chi-square ``sum_t (e_t - x_t r)^2 / (x_t r)`` with ``r`` its overall
    rate, over the periods in which it had exposure, ``k - 1`` degrees of freedom; summed over
    arms. 1 where no arm had exposure in two periods or events to vary.

    Parameters
    ----------
    exposure, events : array_like, shape (..., n_periods, n_arms)

    Returns
    -------
    ndarray, shape (...)
    """
    from scipy.stats import chi2

    exposure_ = np.asarray(exposure, dtype=np.float64)
    events_ = _as_counts("events", events, exposure_.shape)
    served = exposure_ > 0
    rate = events_.sum(axis=-2, keepdims=True) / np.maximum(
        exposure_.sum(axis=-2, keepdims=True), 1e-300
    )
    varies = rate > 0
    expected = exposure_ * rate
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            served & varies,
            (events_ - expected) ** 2 / np.where(served & varies, expected, 1.0),
            0.0,
        )
    statistic = terms.sum(axis=(-2, -1))
    dof = np.where(varies[..., 0, :], np.maximum(served.sum(axis=-2) - 1, 0), 0).sum(axis=-1)
    return np.where(dof > 0, chi2.sf(statistic, np.maximum(dof, 1)), 1.0)


def ctr_drift_p_value(impressions: ArrayLike, clicks: ArrayLike) -> FloatArray:
    """p-value of "every arm's CTR is the same in every period", per test.

    For each arm, Pearson's chi-square of its clicks and non-clicks across the periods in which it
    was served (``sum_t (c_t - n_t r)^2 / (n_t r (1 - r))`` with ``r`` its overall CTR, ``k - 1``
    degrees of freedom for ``k`` periods); the arms' statistics and degrees of freedom are summed
    (independent arms). 1 where no arm was served in two periods or has neither clicks nor
    non-clicks to vary.

    Parameters
    ----------
    impressions, clicks : array_like, shape (..., n_periods, n_arms)

    Returns
    -------
    ndarray, shape (...)
    """
    from scipy.stats import chi2

    impressions_ = np.asarray(impressions, dtype=np.float64)
    clicks_ = _as_counts("clicks", clicks, impressions_.shape)
    served = impressions_ > 0
    n = impressions_.sum(axis=-2, keepdims=True)
    rate = clicks_.sum(axis=-2, keepdims=True) / np.maximum(n, 1.0)
    spread = rate * (1.0 - rate)
    varies = spread > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            served & varies,
            (clicks_ - impressions_ * rate) ** 2
            / np.where(served & varies, impressions_ * spread, 1.0),
            0.0,
        )
    statistic = terms.sum(axis=(-2, -1))
    dof = np.where(varies[..., 0, :], np.maximum(served.sum(axis=-2) - 1, 0), 0).sum(axis=-1)
    return np.where(dof > 0, chi2.sf(statistic, np.maximum(dof, 1)), 1.0)


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
        As in :class:`PosteriorSummary`, over the active arms.
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
        raise InvalidValue(f"weights must be finite and >= 0; got {w}")
    n_active = mask.sum(axis=-1, keepdims=True)
    if np.any(min_share * n_active > 1.0 + 1e-12):
        raise InvalidValue(
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
            raise InvalidValue("impressions per arm are needed to check the burn-in")
        return np.zeros(mask.shape[:-1], dtype=bool)
    served = _as_counts("impressions", impressions, mask.shape)
    in_burn_in: BoolArray = np.any(mask & (served < burn_in_impressions), axis=-1)
    return in_burn_in


@dataclass(frozen=True)
class ThompsonSampling:
    """Batched Thompson sampling: each arm's share is its probability of being best.

    The probabilities are computed exactly (:func:`summarize_posterior`), so the split is the
    expected Thompson split and the same data always give the same split.

    Parameters
    ----------
    min_share : float
        Least share of traffic any active arm gets once the burn-in is over (default 1%).
    burn_in_impressions : int
        Equal split until every active arm has at least this many impressions (0: no burn-in).
    """

    min_share: float = 0.01
    burn_in_impressions: int = 0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.min_share) and 0.0 <= self.min_share < 0.5):
            raise InvalidValue(f"min_share must be in [0, 0.5); got {self.min_share!r}")
        if (
            int(self.burn_in_impressions) != self.burn_in_impressions
            or self.burn_in_impressions < 0
        ):
            raise InvalidValue(
                f"burn_in_impressions must be an integer >= 0; got {self.burn_in_impressions!r}"
            )

    def _weights(
        self, posterior: BetaPosterior, summary: PosteriorSummary, mask: BoolArray
    ) -> FloatArray:
        return summary.prob_best

    def select_allocation(
        self,
        posterior: BetaPosterior,
        *,
        impressions: ArrayLike | None = None,
        active: ArrayLike | None = None,
        summary: PosteriorSummary | None = None,
    ) -> Allocation:
        """The split for the next period.

        Parameters
        ----------
        posterior : BetaPosterior, shape (..., n_arms)
        impressions : array_like, shape (..., n_arms), optional
            Impressions served so far per arm; needed when ``burn_in_impressions > 0``.
        active : array_like of bool, shape (..., n_arms), optional
            Arms still in the test (paused arms get no traffic). Default: all.
        summary : PosteriorSummary, optional
            :func:`summarize_posterior` of ``posterior`` over the same active arms, when the
            caller has it already (it is not recomputed).

        Returns
        -------
        Allocation
        """
        mask = _as_active(active, posterior.shape)
        if summary is None:
            summary = summarize_posterior(posterior, active=mask)
        burn_in = _burn_in_rows(impressions, mask, self.burn_in_impressions)
        shares = apply_min_share(
            self._weights(posterior, summary, mask), self.min_share, active=mask
        )
        equal = mask / mask.sum(axis=-1, keepdims=True)
        shares = np.where(burn_in[..., None], equal, shares)
        return Allocation(
            shares=shares,
            prob_best=summary.prob_best,
            expected_loss=summary.expected_loss,
            burn_in=burn_in,
        )


def top_two_shares(
    prob_best: ArrayLike, leader_share: float = 0.5, *, runner_up: ArrayLike | None = None
) -> FloatArray:
    """Serving probabilities of top-two Thompson sampling (Russo 2016) given P(best).

    A visitor gets the Thompson leader with probability ``leader_share``; otherwise the posterior
    is re-sampled until another arm leads and that challenger is served. Arm ``j`` is therefore
    served with probability ``leader_share * p_j + (1 - leader_share) * sum_{i != j} p_i p_j / (1 - p_i)``.
    Where arm ``i`` holds (numerically) all the probability, ``p_j / (1 - p_i)`` is 0/0; its limit
    is the probability that ``j`` is best among the arms other than ``i``, given as
    ``runner_up[..., i, j]`` (without it, the challengers share equally).

    Parameters
    ----------
    prob_best : array_like, shape (..., n_arms)
        Probabilities of being best; each row sums to 1.
    leader_share : float
        The ``beta`` of the paper, in (0, 1).
    runner_up : array_like, shape (..., n_arms, n_arms), optional
        ``P(j best among arms != i)``; its diagonal is ignored.

    Returns
    -------
    ndarray, shape (..., n_arms)
    """
    _check_probability("leader_share", leader_share, low_open=True, high_open=True)
    p = np.asarray(prob_best, dtype=np.float64)
    if not np.allclose(p.sum(axis=-1), 1.0, atol=1e-9):
        raise InvalidValue("prob_best must sum to 1 over the arms of every test")
    n_arms = p.shape[-1]
    if n_arms == 1:
        return np.ones_like(p)
    rest = 1.0 - p  # (..., n_arms): mass left for a challenger when arm i leads
    usable = rest > 1e-9
    safe = np.where(usable, rest, 1.0)
    fallback = (
        np.full((*p.shape, n_arms), 1.0 / (n_arms - 1))
        if runner_up is None
        else np.asarray(runner_up, dtype=np.float64)
    )
    # challenger[..., i, j] = P(challenger j | leader i)
    challenger = np.where(usable[..., :, None], p[..., None, :] / safe[..., :, None], fallback)
    eye = np.eye(n_arms, dtype=bool)
    challenger = np.where(eye, 0.0, challenger)
    total = challenger.sum(axis=-1, keepdims=True)
    # No challenger left (every other arm paused): the leader is served in their place.
    challenger = np.where(total > 0, challenger / np.where(total > 0, total, 1.0), eye)
    from_challenges = np.einsum("...i,...ij->...j", p, challenger)
    shares: FloatArray = leader_share * p + (1.0 - leader_share) * from_challenges
    return shares


@dataclass(frozen=True)
class TopTwoThompsonSampling(ThompsonSampling):
    """Top-two Thompson sampling: finds the best arm faster, at some cost in clicks.

    Parameters
    ----------
    leader_share : float
        Share of traffic the Thompson leader keeps (the paper's beta, 0.5 by default); the rest
        goes to challengers, so the runner-up keeps being measured until the leader is clear.
    min_share, burn_in_impressions
        As in :class:`ThompsonSampling`.
    """

    leader_share: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_probability("leader_share", self.leader_share, low_open=True, high_open=True)

    def _weights(
        self, posterior: BetaPosterior, summary: PosteriorSummary, mask: BoolArray
    ) -> FloatArray:
        p = summary.prob_best
        n_arms = p.shape[-1]
        runner_up = np.zeros((*p.shape, n_arms))
        sure = mask & (1.0 - p <= 1e-9) & (mask.sum(axis=-1, keepdims=True) > 1)
        for i in range(n_arms):
            rows = sure[..., i]
            if rows.any():
                without = mask.copy()
                without[..., i] = False
                # Only the rows where arm i is (numerically) certain need this second integration.
                rest = summarize_posterior(
                    BetaPosterior(posterior.alpha[rows], posterior.beta[rows]), active=without[rows]
                )
                runner_up[rows, i, :] = rest.prob_best
        return (
            top_two_shares(
                np.where(mask, p, 0.0),
                self.leader_share,
                runner_up=np.where(mask[..., None, :], runner_up, 0.0),
            )
            * mask
        )


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRule:
    """When to declare a winner and which arms to pause.

    Parameters
    ----------
    win_probability : float
        An arm wins when its probability of being best among *every* arm of the test (paused
        ones included) reaches this (default 0.95) ...
    max_relative_loss : float
        ... and its expected loss is below this fraction of its own posterior mean CTR (default
        0.01: choosing it costs less than 1% of its clicks in expectation).
    pause_probability : float
        An arm is worth pausing once its probability of being best is below this (default 0.01)
        and it has at least ``min_impressions_to_pause`` impressions.
    min_impressions_to_pause : int
        Impressions an arm must have before it can be paused (default 1000).
    """

    win_probability: float = 0.95
    max_relative_loss: float = 0.01
    pause_probability: float = 0.01
    min_impressions_to_pause: int = 1000

    def __post_init__(self) -> None:
        _check_probability("win_probability", self.win_probability, low_open=True)
        if not (np.isfinite(self.max_relative_loss) and 0 < self.max_relative_loss <= 1):
            raise InvalidValue(
                "max_relative_loss is a fraction of the leader's CTR in (0, 1]; "
                f"got {self.max_relative_loss!r}"
            )
        _check_probability("pause_probability", self.pause_probability, high_open=True)
        if self.pause_probability >= self.win_probability:
            raise InvalidValue(
                f"pause_probability ({self.pause_probability}) must be below win_probability "
                f"({self.win_probability})"
            )
        if (
            int(self.min_impressions_to_pause) != self.min_impressions_to_pause
            or self.min_impressions_to_pause < 0
        ):
            raise InvalidValue(
                f"min_impressions_to_pause must be an integer >= 0; got {self.min_impressions_to_pause!r}"
            )

    def select_winner(
        self, summary: PosteriorSummary, ctr_mean: ArrayLike, *, eligible: ArrayLike | None = None
    ) -> IntArray:
        """Index of the winning arm per test, or -1 where no arm meets both conditions.

        Parameters
        ----------
        summary : PosteriorSummary, shape (..., n_arms)
            Over every arm of the test, paused ones included.
        ctr_mean : array_like, shape (..., n_arms)
            Posterior mean CTR per arm (the scale of the loss threshold).
        eligible : array_like of bool, shape (..., n_arms), optional
            Arms that may win (a paused arm can lead but cannot win). Default: all.

        Returns
        -------
        ndarray of int, shape (...)
        """
        mean = np.asarray(ctr_mean, dtype=np.float64)
        can_win = (
            _as_active(eligible, mean.shape) if eligible is not None else np.ones(mean.shape, bool)
        )
        leader = np.argmax(summary.prob_best, axis=-1)
        p = np.take_along_axis(summary.prob_best, leader[..., None], axis=-1)[..., 0]
        loss = np.take_along_axis(summary.expected_loss, leader[..., None], axis=-1)[..., 0]
        scale = np.take_along_axis(mean, leader[..., None], axis=-1)[..., 0]
        allowed = np.take_along_axis(can_win, leader[..., None], axis=-1)[..., 0]
        won = (p >= self.win_probability) & (loss < self.max_relative_loss * scale) & allowed
        return np.where(won, leader, -1).astype(np.int64)

    def select_arms_to_pause(
        self, summary: PosteriorSummary, *, impressions: ArrayLike, active: ArrayLike | None = None
    ) -> BoolArray:
        """Active arms that are very unlikely to be best and have had a fair chance.

        The arms with the highest probability of being best (all of them, when tied) are never
        paused, so a test always keeps at least one arm.

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
        best = np.where(mask, summary.prob_best, -1.0).max(axis=-1, keepdims=True)
        is_leader = summary.prob_best >= best
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
    """Served impressions per delivery day against the split in force that day.

    Attributes
    ----------
    p_value : float
        Bonferroni-combined over the days tested: ``min(1, n_days * min_day p)``.
    day_p_values : ndarray, shape (n_days,)
        Per day: Pearson chi-square when every expected count is at least 5, else exact two-sided
        binomial tests of each arm (Bonferroni over the arms); ``nan`` for a day with nothing to
        test, 0 for a day with more unplanned traffic than the tolerance.
    expected : ndarray, shape (n_arms,)
        Impressions each arm should have received over the days, under the splits in force.
    unplanned : ndarray, shape (n_arms,)
        Impressions served to arms whose planned share that day was 0.
    mismatch : bool
        True when ``p_value < threshold``: traffic departs from the split by more than chance.
    worst_day : int
        Index of the day with the smallest p-value (-1 when no day was tested).
    threshold : float
    """

    p_value: float
    day_p_values: FloatArray
    expected: FloatArray
    unplanned: FloatArray
    mismatch: bool
    worst_day: int
    threshold: float


#: Expected count per arm below which a day is tested exactly rather than by chi-square.
SRM_EXACT_BELOW = 5.0


def _day_p_value(observed: FloatArray, shares: FloatArray) -> float:
    from scipy.stats import binom, chi2

    planned = shares > 0
    n = observed[planned].sum()
    if n == 0 or planned.sum() < 2:
        return float("nan")
    share = shares[planned] / shares[planned].sum()
    counts = observed[planned]
    expected = n * share
    if expected.min() >= SRM_EXACT_BELOW:
        statistic = float(((counts - expected) ** 2 / expected).sum())
        return float(chi2.sf(statistic, planned.sum() - 1))
    # Exact two-sided binomial test of each arm against its share (doubling the smaller tail).
    tails = np.minimum(binom.cdf(counts, n, share), binom.sf(counts - 1, n, share))
    return float(min(1.0, 2.0 * tails.min() * planned.sum()))


#: Largest number of mixtures tried for a day on which the split changed (see
#: :func:`sample_ratio_mismatch`): a grid on the simplex of that day's splits.
_MAX_MIXTURES = 2000


@functools.cache
def _mixture_weights(n_splits: int) -> np.ndarray:
    """Weights ``w`` (rows >= 0, summing to 1) over ``n_splits`` splits: the finest grid of
    step ``1/m`` (m <= 50) with at most :data:`_MAX_MIXTURES` points, vertices included."""
    steps = 50
    while steps > 1 and math.comb(steps + n_splits - 1, n_splits - 1) > _MAX_MIXTURES:
        steps -= 1
    rows = []
    # Stars and bars: each choice of n_splits - 1 bar positions is one composition of `steps`.
    for bars in itertools.combinations(range(steps + n_splits - 1), n_splits - 1):
        edges = (-1, *bars, steps + n_splits - 1)
        rows.append([edges[k + 1] - edges[k] - 1 for k in range(n_splits)])
    return np.array(rows, dtype=np.float64) / steps


def sample_ratio_mismatch(
    served: ArrayLike,
    planned_shares: ArrayLike,
    *,
    other_shares: ArrayLike | None = None,
    threshold: float = 0.001,
    unplanned_tolerance: float = 0.01,
) -> SampleRatioMismatch:
    """Test whether each day's served impressions match the split in force that day.

    Days are tested one by one, each against its own split, and the smallest p-value is
    Bonferroni-corrected for the number of days. Impressions on an arm whose share that day was
    0 (an arm paused a few hours ago, an ad switched off late) are set aside up to
    ``unplanned_tolerance`` of the day's impressions; beyond it the day is a mismatch.

    A day on which the split changed (once or several times: a reweight, then an arm joining)
    was served under each of its splits for a while, and when the platform switched is not
    known: such a day is tested against every mixture of its splits (a grid on their simplex:
    51 points for two splits, at most 2,000 for more) and its p-value is the largest (the
    supremum p-value over the unknown weights, a valid test).

    Parameters
    ----------
    served : array_like, shape (n_arms,) or (n_days, n_arms)
        Impressions served per day and arm.
    planned_shares : array_like, same shape as ``served``
        The split in force each day (at the end of the day, where it changed); each row sums to 1.
    other_shares : array_like, shape (n_days, n_arms) or (n_days, n_other, n_arms), optional
        For days on which the split changed, the other splits in force during the day (one per
        day, or several); rows of ``nan`` where a day had fewer (or only its end-of-day split).
    threshold : float
        p-value below which a mismatch is reported (default 0.001).
    unplanned_tolerance : float
        Largest share of a day's impressions that may go to unplanned arms (default 1%).

    Returns
    -------
    SampleRatioMismatch
    """
    _check_probability("threshold", threshold, low_open=True, high_open=True)
    _check_probability("unplanned_tolerance", unplanned_tolerance, high_open=True)
    observed = np.atleast_2d(np.asarray(served, dtype=np.float64))
    shares = np.atleast_2d(np.asarray(planned_shares, dtype=np.float64))
    if observed.shape != shares.shape:
        raise InvalidValue(
            f"served and planned_shares must have the same shape; got {observed.shape} and {shares.shape}"
        )
    if not np.all(np.isfinite(observed)) or np.any(observed < 0):
        raise InvalidValue("served impressions must be finite and >= 0")
    if (
        not np.all(np.isfinite(shares))
        or np.any(shares < 0)
        or not np.allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    ):
        raise InvalidValue("each row of planned_shares must be >= 0 and sum to 1")
    n_days, n_arms = shares.shape
    other = (
        np.full((n_days, 0, n_arms), np.nan)
        if other_shares is None
        else np.asarray(other_shares, dtype=np.float64)
    )
    if other.ndim == 1:
        other = other[None, None, :]
    elif other.ndim == 2:
        other = other[:, None, :]
    if other.ndim != 3 or other.shape[0] != n_days or other.shape[2] != n_arms:
        raise InvalidValue(
            f"other_shares must have shape ({n_days}, {n_arms}) or ({n_days}, n_other, {n_arms}) "
            f"like planned_shares; got {other.shape}"
        )
    in_use = np.all(np.isfinite(other), axis=2)
    if np.any(other[in_use] < 0) or not np.allclose(other[in_use].sum(axis=1), 1.0, atol=1e-6):
        raise InvalidValue("each row of other_shares must be >= 0 and sum to 1 (or be all nan)")
    # Every split in force each day: the end-of-day one first, then the others.
    day_splits = [np.vstack([shares[t], other[t][in_use[t]]]) for t in range(n_days)]
    either = np.array([splits.max(axis=0) for splits in day_splits])
    unplanned = np.where(either > 0, 0.0, observed)
    planned_served = observed - unplanned
    expected = (planned_served.sum(axis=1, keepdims=True) * shares).sum(axis=0)
    days = []
    for t in range(observed.shape[0]):
        total = observed[t].sum()
        splits = np.unique(day_splits[t], axis=0)
        if total > 0 and unplanned[t].sum() > unplanned_tolerance * total:
            days.append(0.0)
        elif len(splits) > 1:
            tried = [
                _day_p_value(planned_served[t], mixture)
                for mixture in _mixture_weights(len(splits)) @ splits
            ]
            days.append(float(np.nanmax(tried)) if np.isfinite(tried).any() else float("nan"))
        else:
            days.append(_day_p_value(planned_served[t], shares[t]))
    day_p = np.array(days, dtype=np.float64)
    tested = np.isfinite(day_p)
    if not tested.any():
        return SampleRatioMismatch(
            1.0, day_p, expected, unplanned.sum(axis=0), False, -1, threshold
        )
    worst = int(np.nanargmin(day_p))
    p_value = float(min(1.0, day_p[worst] * tested.sum()))
    return SampleRatioMismatch(
        p_value, day_p, expected, unplanned.sum(axis=0), p_value < threshold, worst, threshold
    )
