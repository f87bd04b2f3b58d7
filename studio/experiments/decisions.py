"""The one decision function of creative tests: live reweighting, offline replay and the simulator.

:func:`decide` turns a test's delivery (per period and arm) into a decision: the prior, the
posterior, each arm's probability of being best and expected loss (exact, see
:func:`studio.experiments.bandits.summarize_posterior`), the arms to pause, the winner if any, and
the split for the next period. It is pure numpy and works on one test (arrays of shape
``(n_periods, n_arms)``) or on many tests at once (``(n_tests, n_periods, n_arms)``), so the live
test (:mod:`studio.experiments.lifecycle`), the replay of a logged decision and the simulator's
``studio`` policy (:mod:`studio.experiments.simulator`) all run exactly this code.

:class:`TestSettings` holds every setting of a test and its default; the Tests page, the CLI and
the simulator read the defaults from here.

The winner rule (:class:`~studio.experiments.bandits.DecisionRule`), in full: after the burn-in, the
arm with the highest probability of being best among *every* arm (paused ones included) wins when

* that probability reaches ``win_probability`` and its expected loss is below
  ``max_relative_loss`` of its own posterior mean CTR;
* it is not paused;
* the decision has delivery that no earlier decision saw (a second look at the same data never
  declares a winner);
* no sample-ratio mismatch is unresolved (the served split is not the planned one: something
  outside the test is choosing who sees what);
* when the objective drifts over the periods
  (:func:`~studio.experiments.objectives.objective_drift_p_value` below :data:`DRIFT_THRESHOLD`:
  CTR, conversions per click, or conversions per spend for CPA and ROAS), the period-weighted
  estimates agree (:func:`~studio.experiments.bandits.period_weighted_posterior` for CTR,
  :func:`~studio.experiments.objectives.day_weighted_totals` for the others): the pooled counts
  of an adaptive split credit the arm that got more of the late traffic, so the winner waits
  until the drift-free comparison finds the same winner; the active arms are compared there on
  the periods in which they were all served, so an arm that joined late is not credited with
  the drift before it joined;
* on any objective but CTR (:mod:`studio.experiments.objectives`), its CTR is not clearly worse
  than the CTR leader's: when the CTR leader beats it with probability ``win_probability`` or
  more, the winner is held (``held_guardrail``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studio.core.errors import InvalidValue, UserFacingError
from studio.core.models import AllocationPolicy, Objective, PriorSource
from studio.experiments.bandits import (
    BetaPosterior,
    DecisionRule,
    PosteriorSummary,
    ThompsonSampling,
    TopTwoThompsonSampling,
    apply_min_share,
    centre_on_pooled_ctr,
    empirical_bayes_prior,
    period_weighted_posterior,
    summarize_posterior,
    top_two_shares,
    update_posterior,
)
from studio.experiments.objectives import (
    OBJECTIVES,
    DailyDelivery,
    ObjectiveDataError,
    ObjectiveSummary,
    day_weighted_totals,
    objective_drift_p_value,
    summarize_objective,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

POLICIES: dict[AllocationPolicy, str] = {
    AllocationPolicy.thompson: "Thompson sampling: each arm's share is its probability of being best",
    AllocationPolicy.top_two: "Top-two Thompson sampling (studio default): keeps measuring the runner-up, to find the best arm",
}
PRIOR_SOURCES: dict[PriorSource, str] = {
    PriorSource.flat: "Flat: Beta(1, 1), no prior knowledge",
    PriorSource.pooled: "Pooled (studio default): shrink the arms toward each other as far as the data allow",
    PriorSource.predictor: "CTR predictor: each variant's predicted CTR and interval, worth up to N impressions",
}
#: Prior weight in impressions when a test does not set one. For ``pooled`` it is the most the
#: empirical-Bayes prior may weigh (it weighs less when the arms clearly differ).
DEFAULT_PRIOR_STRENGTH: dict[PriorSource, float] = {
    PriorSource.flat: 0.0,
    PriorSource.pooled: 100.0,
    PriorSource.predictor: 100.0,
}
#: Under top-two Thompson sampling (Russo 2016, "Simple Bayesian algorithms for best-arm
#: identification", Operations Research 68(6)) the Thompson leader is served this share of the
#: time and a re-sampled challenger the rest. Russo's 0.5 spends more clicks on the runner-up;
#: 0.85 was chosen on the earlier weeks of the Upworthy archive as the share that finds the best
#: arm more often than flat Thompson sampling while losing well under 0.45x the clicks an even
#: split loses (``benchmarks/results/simulate_upworthy_early_top_two.txt``).
TOP_TWO_LEADER_SHARE = 0.85
#: An arm is paused when its probability of being best (among all arms) falls below this ...
PAUSE_PROBABILITY = 0.01
#: ... after at least this many impressions.
MIN_IMPRESSIONS_TO_PAUSE = 1000
#: CTRs drift when "every arm's CTR is the same every day" has a p-value below this; a winner then
#: also needs the day-weighted comparison.
DRIFT_THRESHOLD = 0.01


class ExperimentError(UserFacingError):
    """A test request the studio refuses; the message says why and what to do instead."""


@dataclass(frozen=True)
class TestSettings:
    """How a test allocates traffic and when it decides; the defaults are the studio's.

    The defaults of ``policy`` (top-two Thompson sampling) and its ``top_two_leader_share``,
    ``burn_in_impressions``, ``win_probability``, ``max_relative_loss`` and the pooled prior's
    strength were chosen by replaying the earlier weeks of the Upworthy archive
    (``benchmarks/simulate_upworthy.py --split early``); the figures in the README are on the
    latest weeks.

    Parameters
    ----------
    policy : AllocationPolicy (or its value as text)
    min_share : float
        Least share of traffic any active arm keeps after the burn-in (0.01 = 1%).
    burn_in_impressions : int
        Equal split until every active arm has this many impressions.
    reweight_hours : int
        Cadence: a running test is due for reweighting this many hours after its last decision.
    win_probability : float
        An arm wins when its probability of being best reaches this ...
    max_relative_loss : float
        ... and its expected loss is below this fraction of its own CTR (0.01 = 1%).
    prior_source : PriorSource (or its value as text)
    prior_strength : float or None
        Prior weight in impressions; None takes :data:`DEFAULT_PRIOR_STRENGTH` for the source.
    objective : Objective (or its value as text)
        What the winner is chosen on (:mod:`studio.experiments.objectives`); CTR stays a
        guardrail whatever the objective.
    top_two_leader_share : float
        Under top-two Thompson sampling, the share the leader keeps (Russo's beta, in (0, 1)).
    pause_probability : float
        An arm is paused when its probability of being best falls below this ...
    min_impressions_to_pause : int
        ... once it has at least this many impressions.
    """

    __test__ = False  # not a pytest test class, whatever its name

    policy: AllocationPolicy = AllocationPolicy.top_two
    min_share: float = 0.01
    burn_in_impressions: int = 200
    reweight_hours: int = 24
    win_probability: float = 0.95
    max_relative_loss: float = 0.01
    prior_source: PriorSource = PriorSource.pooled
    prior_strength: float | None = None
    objective: Objective = Objective.ctr
    top_two_leader_share: float = TOP_TWO_LEADER_SHARE
    pause_probability: float = PAUSE_PROBABILITY
    min_impressions_to_pause: int = MIN_IMPRESSIONS_TO_PAUSE

    def __post_init__(self) -> None:
        # Text from the CLI, a form, a stored row or a logged decision becomes the enum here.
        if self.policy not in POLICIES:
            raise ExperimentError(
                f"policy {self.policy!r} does not exist; choose {' or '.join(POLICIES)}"
            )
        if self.prior_source not in PRIOR_SOURCES:
            raise ExperimentError(
                f"prior source {self.prior_source!r} does not exist; choose one of {', '.join(PRIOR_SOURCES)}"
            )
        if self.objective not in OBJECTIVES:
            raise ExperimentError(
                f"objective {self.objective!r} does not exist; choose one of {', '.join(OBJECTIVES)}"
            )
        object.__setattr__(self, "objective", Objective(self.objective))
        object.__setattr__(self, "policy", AllocationPolicy(self.policy))
        object.__setattr__(self, "prior_source", PriorSource(self.prior_source))
        if not (np.isfinite(self.min_share) and 0 <= self.min_share < 0.5):
            raise ExperimentError(
                f"min share must be in [0, 0.5) (a fraction: 0.01 = 1%); got {self.min_share!r}"
            )
        if not (0 < self.top_two_leader_share < 1):
            raise ExperimentError(
                f"top-two leader share must be a fraction in (0, 1); got {self.top_two_leader_share!r}"
            )
        if not (0 <= self.pause_probability < self.win_probability):
            raise ExperimentError(
                "pause probability must be >= 0 and below the win probability "
                f"{self.win_probability!r}; got {self.pause_probability!r}"
            )
        for name, low in (
            ("burn_in_impressions", 0),
            ("reweight_hours", 1),
            ("min_impressions_to_pause", 0),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < low:
                raise ExperimentError(
                    f"{name.replace('_', ' ')} must be a whole number >= {low}; got {value!r}"
                )
        if not (0.5 <= self.win_probability < 1):
            raise ExperimentError(
                f"win probability must be at least 0.5 and below 1; got {self.win_probability!r}"
            )
        if not (np.isfinite(self.max_relative_loss) and 0 < self.max_relative_loss <= 0.5):
            raise ExperimentError(
                "max relative loss is a fraction of the leader's CTR, in (0, 0.5] "
                f"(0.01 = 1%); got {self.max_relative_loss!r}"
            )
        strength = self.strength
        if not (np.isfinite(strength) and strength >= 0):
            raise ExperimentError(
                f"prior strength must be a number of impressions >= 0; got {strength!r}"
            )
        if self.prior_source == PriorSource.flat and strength != 0:
            raise ExperimentError("a flat prior has no strength; leave prior strength empty or 0")
        if self.prior_source != PriorSource.flat and strength <= 0:
            raise ExperimentError(
                f"a {self.prior_source} prior needs a strength > 0 impressions (default "
                f"{DEFAULT_PRIOR_STRENGTH[self.prior_source]:g}); use the flat prior for none"
            )

    @property
    def strength(self) -> float:
        return float(
            DEFAULT_PRIOR_STRENGTH[self.prior_source]
            if self.prior_strength is None
            else self.prior_strength
        )

    def rule(self) -> DecisionRule:
        return DecisionRule(
            win_probability=self.win_probability,
            max_relative_loss=self.max_relative_loss,
            pause_probability=self.pause_probability,
            min_impressions_to_pause=int(self.min_impressions_to_pause),
        )

    def allocator(self) -> ThompsonSampling:
        if self.policy == AllocationPolicy.top_two:
            return TopTwoThompsonSampling(
                self.min_share, self.burn_in_impressions, leader_share=self.top_two_leader_share
            )
        return ThompsonSampling(self.min_share, self.burn_in_impressions)


@dataclass(frozen=True)
class DecisionOutcome:
    """What :func:`decide` decided, as data. Shapes: ``(..., n_arms)`` per arm, ``(...)`` per test.

    Attributes
    ----------
    prior, posterior : BetaPosterior
        The prior the decision started from and the posterior after all delivery.
    prob_best, expected_loss : ndarray
        Over every arm of the test, paused ones included (what the winner is judged on).
    shares : ndarray
        The split for the next period: the winner gets everything; paused arms nothing.
    burn_in : ndarray of bool
        The equal split holds because an active arm has fewer than the burn-in impressions.
    paused_now : ndarray of bool
        Arms this decision pauses.
    winner : ndarray of int
        Index of the winning arm, -1 where none.
    leader : ndarray of int
        Index of the arm most likely to be best (ties: the first).
    leader_qualifies : ndarray of bool
        The leader meets the probability and loss thresholds on pooled counts.
    held_no_new_data, held_srm, held_drift, held_paused : ndarray of bool
        Why a qualifying leader was not declared the winner: no delivery since the previous
        decision, an unresolved sample-ratio mismatch, drift (the period-weighted comparison
        disagrees), or the leader is a paused arm.
    drift_prob_best : ndarray
        The leader's probability of being best on period-weighted estimates of the objective
        (``nan`` where not computed: no qualifying leader, a single period, or no drift).
    drift_p_value : ndarray
        p-value of "the objective's rates are the same every period" (1 where not computed).
    objective : ObjectiveSummary
        The objective per arm over every arm; ``prob_best`` and ``expected_loss`` above are its.
    held_guardrail : ndarray of bool
        A qualifying leader on a non-CTR objective held because its CTR is clearly worse than
        the CTR leader's (``guardrail_p >= win_probability``).
    guardrail_p : ndarray
        Probability that the CTR leader's CTR is above the objective leader's (``nan`` where
        not computed: CTR objective, or the two are the same arm).
    """

    prior: BetaPosterior
    posterior: BetaPosterior
    prob_best: FloatArray
    expected_loss: FloatArray
    shares: FloatArray
    burn_in: BoolArray
    paused_now: BoolArray
    winner: IntArray
    leader: IntArray
    leader_qualifies: BoolArray
    held_no_new_data: BoolArray
    held_srm: BoolArray
    held_drift: BoolArray
    held_paused: BoolArray
    drift_prob_best: FloatArray
    drift_p_value: FloatArray
    objective: ObjectiveSummary
    held_guardrail: BoolArray
    guardrail_p: FloatArray


def select_prior(
    settings: TestSettings,
    *,
    impressions: ArrayLike,
    clicks: ArrayLike,
    stored: BetaPosterior | None = None,
) -> BetaPosterior:
    """The prior a decision starts from, shape (..., n_arms).

    ``flat``: Beta(1, 1). ``pooled``: :func:`~studio.experiments.bandits.empirical_bayes_prior`
    worth at most ``settings.strength`` impressions. ``predictor``: the ``stored`` predictor
    prior (from :func:`~studio.experiments.bandits.prior_from_prediction`) centred on the pooled
    CTR by :func:`~studio.experiments.bandits.centre_on_pooled_ctr`.
    """
    impressions_ = np.asarray(impressions, dtype=np.float64)
    clicks_ = np.asarray(clicks, dtype=np.float64)
    if settings.prior_source == PriorSource.pooled:
        return empirical_bayes_prior(impressions_, clicks_, strength=settings.strength)
    if settings.prior_source == PriorSource.predictor:
        if stored is None:
            raise InvalidValue("the predictor prior needs the stored per-arm predictor prior")
        return centre_on_pooled_ctr(stored, impressions_, clicks_)
    return BetaPosterior.flat(impressions_.shape)


def decide(
    settings: TestSettings,
    *,
    impressions: ArrayLike,
    clicks: ArrayLike,
    active: ArrayLike | None = None,
    stored_prior: BetaPosterior | None = None,
    new_data: ArrayLike = True,
    srm_mismatch: ArrayLike = False,
    conversions: ArrayLike | None = None,
    spend: ArrayLike | None = None,
    revenue: ArrayLike | None = None,
) -> DecisionOutcome:
    """Decide one period's split, pauses and winner from all delivery so far.

    Parameters
    ----------
    settings : TestSettings
    impressions, clicks : array_like, shape (..., n_periods, n_arms)
        Delivery per period (delivery day, or simulated batch) and arm; ``n_periods >= 1``.
    active : array_like of bool, shape (..., n_arms), optional
        Arms not paused so far. Default: all.
    stored_prior : BetaPosterior, shape (..., n_arms), optional
        The per-arm prior stored when the test was created (needed for the predictor prior).
    new_data : bool or array_like of bool, shape (...)
        Whether delivery arrived since the previous decision.
    srm_mismatch : bool or array_like of bool, shape (...)
        Whether a sample-ratio mismatch is unresolved.
    conversions, spend, revenue : array_like, shape (..., n_periods, n_arms), optional
        Delivery the objective needs: conversions (conversion_rate, cpa, roas), spend in the
        account's currency (cpa, roas), conversion value (roas; None when the reports carry none,
        which the roas objective refuses with a reason). CTR needs none of them.

    Returns
    -------
    DecisionOutcome
    """
    daily_impressions = np.asarray(impressions, dtype=np.float64)
    daily_clicks = np.asarray(clicks, dtype=np.float64)
    if daily_impressions.ndim < 2:
        raise InvalidValue(
            "impressions must have shape (..., n_periods, n_arms): one row per period; got shape "
            f"{daily_impressions.shape}"
        )
    if daily_clicks.shape != daily_impressions.shape:
        raise InvalidValue(
            f"clicks must have the shape of impressions {daily_impressions.shape}; got {daily_clicks.shape}"
        )
    totals = daily_impressions.sum(axis=-2)
    total_clicks = daily_clicks.sum(axis=-2)
    shape = totals.shape
    mask = np.ones(shape, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    if mask.shape != shape:
        raise InvalidValue(f"active must have shape {shape}; got {mask.shape}")
    lead = shape[:-1]
    fresh = np.broadcast_to(np.asarray(new_data, dtype=bool), lead)
    srm = np.broadcast_to(np.asarray(srm_mismatch, dtype=bool), lead)
    rule = settings.rule()
    allocator = settings.allocator()

    prior = select_prior(settings, impressions=totals, clicks=total_clicks, stored=stored_prior)
    posterior = update_posterior(prior, totals, total_clicks)
    summary = summarize_posterior(posterior)
    by_ctr = settings.objective == Objective.ctr
    burn_in = np.any(mask & (totals < settings.burn_in_impressions), axis=-1)
    delivery = _Money(conversions, spend, revenue)
    if by_ctr or not burn_in.all():
        objective = _objective_summary(settings, posterior, totals, total_clicks, delivery, None)
    else:
        # During the burn-in the split is equal and nothing is decided, so the objective (which
        # may need spend or conversion value not reported yet) is not computed.
        objective = _not_computed(settings.objective, mask)
    judged = PosteriorSummary(objective.prob_best, objective.expected_loss)

    leader = np.argmax(judged.prob_best, axis=-1)
    qualifies = (rule.select_winner(judged, objective.mean) >= 0) & ~burn_in
    leader_active = np.take_along_axis(mask, leader[..., None], axis=-1)[..., 0]
    held_paused = qualifies & ~leader_active
    held_no_new_data = qualifies & leader_active & ~fresh
    held_srm = qualifies & leader_active & fresh & srm
    candidates = qualifies & leader_active & fresh & ~srm
    drift_prob = np.full(lead, np.nan)
    held_drift = np.zeros(lead, dtype=bool)
    drift_p = np.ones(lead)
    if daily_impressions.shape[-2] > 1 and candidates.any():
        daily = _daily(settings.objective, daily_impressions, daily_clicks, delivery)
        drift_p = objective_drift_p_value(settings.objective, daily)
    drifting = candidates & (drift_p < DRIFT_THRESHOLD)
    if drifting.any():
        shared = _shared_periods(daily_impressions, mask)
        if by_ctr:
            weighted = period_weighted_posterior(
                prior, daily_impressions * shared, daily_clicks * shared
            )
            drift = summarize_posterior(weighted)
            weighted_mean = weighted.mean
        else:
            standard = day_weighted_totals(
                settings.objective,
                DailyDelivery(
                    daily.impressions * shared,
                    daily.clicks * shared,
                    daily.conversions * shared,
                    daily.spend * shared,
                    None if daily.revenue is None else daily.revenue * shared,
                ),
            )
            on_days = _objective_summary(
                settings,
                posterior,
                standard.impressions[..., 0, :],
                standard.clicks[..., 0, :],
                _Money(standard.conversions, standard.spend, standard.revenue),
                None,
            )
            drift = PosteriorSummary(on_days.prob_best, on_days.expected_loss)
            weighted_mean = on_days.mean
        agrees = rule.select_winner(drift, weighted_mean) == leader
        drift_prob = np.where(
            drifting,
            np.take_along_axis(drift.prob_best, leader[..., None], axis=-1)[..., 0],
            np.nan,
        )
        held_drift = drifting & ~agrees
    guardrail_p = np.full(lead, np.nan)
    held_guardrail = np.zeros(lead, dtype=bool)
    if not by_ctr and candidates.any():
        ctr_best = np.argmax(summary.prob_best, axis=-1)

        def pair(values: FloatArray) -> FloatArray:
            return np.stack(
                [
                    np.take_along_axis(values, leader[..., None], axis=-1)[..., 0],
                    np.take_along_axis(values, ctr_best[..., None], axis=-1)[..., 0],
                ],
                axis=-1,
            )

        # P(the CTR leader's CTR is above the objective winner's), exact (two-arm integral).
        beaten = summarize_posterior(BetaPosterior(pair(posterior.alpha), pair(posterior.beta)))
        differs = candidates & (ctr_best != leader)
        guardrail_p = np.where(differs, beaten.prob_best[..., 1], np.nan)
        held_guardrail = differs & (beaten.prob_best[..., 1] >= settings.win_probability)
    won = candidates & ~held_drift & ~held_guardrail
    winner = np.where(won, leader, -1).astype(np.int64)

    paused_now = np.zeros(shape, dtype=bool)
    deciding = ~burn_in & ~won
    if deciding.any():
        paused_now = rule.select_arms_to_pause(judged, impressions=totals, active=mask)
        paused_now &= deciding[..., None]
    still_active = mask & ~paused_now
    if by_ctr:
        same_arms = np.all(still_active, axis=-1, keepdims=True)
        reuse = summary if bool(same_arms.all()) else None
        allocation_shares = allocator.select_allocation(
            posterior, impressions=totals, active=still_active, summary=reuse
        ).shares
    elif burn_in.all():
        allocation_shares = still_active / still_active.sum(axis=-1, keepdims=True)
    else:
        racing = _objective_summary(
            settings, posterior, totals, total_clicks, delivery, still_active
        )
        weights = racing.prob_best
        if settings.policy == AllocationPolicy.top_two:
            weights = top_two_shares(weights, settings.top_two_leader_share) * still_active
        allocation_shares = apply_min_share(weights, settings.min_share, active=still_active)
        in_burn_in = np.any(still_active & (totals < settings.burn_in_impressions), axis=-1)
        equal = still_active / still_active.sum(axis=-1, keepdims=True)
        allocation_shares = np.where(in_burn_in[..., None], equal, allocation_shares)
    one_hot = np.arange(shape[-1]) == winner[..., None]
    shares = np.where(won[..., None], one_hot.astype(np.float64), allocation_shares)
    return DecisionOutcome(
        prior=prior,
        posterior=posterior,
        objective=objective,
        prob_best=judged.prob_best,
        expected_loss=judged.expected_loss,
        shares=shares,
        burn_in=burn_in,
        paused_now=paused_now,
        winner=winner,
        leader=leader.astype(np.int64),
        leader_qualifies=qualifies,
        held_no_new_data=held_no_new_data,
        held_srm=held_srm,
        held_drift=held_drift,
        held_paused=held_paused,
        held_guardrail=held_guardrail,
        drift_prob_best=drift_prob,
        drift_p_value=drift_p,
        guardrail_p=guardrail_p,
    )


def _shared_periods(impressions: FloatArray, active: BoolArray) -> FloatArray:
    """1 where a period's delivery enters the drift-free comparison, else 0; shape of
    ``impressions`` (..., n_periods, n_arms).

    The active arms are compared on the periods from the first one in which every active arm
    that was ever served had impressions: an arm that joined a running test late was never
    served under the earlier periods' rates, so standardising every arm over the whole test
    would credit it (or blame it) with the drift. Paused arms keep all their periods.
    """
    served = impressions > 0
    counts = active & served.any(axis=-2)  # (..., n_arms)
    all_in = np.all(served | ~counts[..., None, :], axis=-1)  # (..., n_periods)
    start = np.argmax(all_in, axis=-1)  # the first such period (0 when there is none)
    periods = np.arange(impressions.shape[-2])
    keep = (periods >= start[..., None])[..., None] | ~active[..., None, :]
    weights: FloatArray = keep.astype(np.float64)
    return weights


def _daily(
    objective: Objective, impressions: FloatArray, clicks: FloatArray, delivery: _Money
) -> DailyDelivery:
    """Per-period delivery for the drift check (the objective's columns; zeros where unused)."""

    def per_period(values: ArrayLike | None) -> FloatArray:
        if values is None:
            return np.zeros_like(impressions)
        return np.broadcast_to(np.asarray(values, dtype=np.float64), impressions.shape)

    return DailyDelivery(
        impressions,
        clicks,
        per_period(delivery.conversions),
        per_period(delivery.spend),
        None if delivery.revenue is None else per_period(delivery.revenue),
    )


def _not_computed(objective: Objective, active: BoolArray) -> ObjectiveSummary:
    equal = active / active.sum(axis=-1, keepdims=True)
    unknown = np.full(active.shape, np.nan)
    return ObjectiveSummary(objective, equal, unknown, unknown, unknown, unknown)


@dataclass(frozen=True)
class _Money:
    """Per-period conversions, spend and conversion value, shape (..., n_periods, n_arms)."""

    conversions: ArrayLike | None
    spend: ArrayLike | None
    revenue: ArrayLike | None


def _objective_summary(
    settings: TestSettings,
    posterior: BetaPosterior,
    impressions: FloatArray,
    clicks: FloatArray,
    delivery: _Money,
    active: BoolArray | None,
) -> ObjectiveSummary:
    """The objective's summary from per-period delivery (summed over periods here)."""

    def total(name: str, values: ArrayLike | None) -> FloatArray:
        if values is None:
            raise ExperimentError(
                f"the {settings.objective} objective needs {name} per period and arm; none given"
            )
        array = np.asarray(values, dtype=np.float64)
        if array.ndim < 2 or array.shape[:-2] + array.shape[-1:] != impressions.shape:
            raise InvalidValue(
                f"{name} must have the shape (..., n_periods, n_arms) of impressions; got {array.shape}"
            )
        summed: FloatArray = array.sum(axis=-2)
        return summed

    objective = settings.objective
    zeros = np.zeros_like(clicks)
    try:
        return summarize_objective(
            objective,
            impressions=impressions,
            clicks=clicks,
            conversions=zeros
            if objective == Objective.ctr
            else total("conversions", delivery.conversions),
            spend=total("spend", delivery.spend)
            if objective in (Objective.cpa, Objective.roas)
            else zeros,
            revenue=None
            if objective != Objective.roas or delivery.revenue is None
            else total("conversion value", delivery.revenue),
            ctr_posterior=posterior,
            active=active,
            strength=settings.strength or DEFAULT_PRIOR_STRENGTH[PriorSource.pooled],
        )
    except ObjectiveDataError as error:
        raise ExperimentError(str(error)) from error
