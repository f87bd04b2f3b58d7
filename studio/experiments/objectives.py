"""Posteriors of the objectives a test can optimise, beyond CTR (pure numpy).

Every objective is summarised on a scale where higher is better, so the same winner and pause
rules (:class:`~studio.experiments.bandits.DecisionRule`) apply:

* ``ctr``: clicks per impression, Beta-Binomial (exact, :mod:`studio.experiments.bandits`).
* ``conversion_rate``: conversions per click, Beta-Binomial with the empirical-Bayes prior of
  :func:`~studio.experiments.bandits.empirical_bayes_prior` (clicks as trials); exact.
* ``cpa``: cost per acquisition. Conversions are Poisson in spend with rate ``lambda``
  (conversions per currency unit); the conjugate Gamma-Poisson posterior is
  ``Gamma(a0 + conversions, b0 + spend)`` (Gelman et al., *Bayesian Data Analysis*, 3rd ed.,
  section 2.6). The prior ``a0 = 1`` pseudo-conversion at the test's pooled rate
  (``b0 = pooled spend per conversion``) shrinks arms toward each other and cannot manufacture
  certainty. ``CPA = 1 / lambda``: the arm with the highest ``lambda`` has the lowest CPA.
* ``roas``: return on ad spend, revenue per spend ``= lambda * mu``: ``lambda`` as for CPA,
  times ``mu`` the mean value of a conversion, each value Exponential with mean ``mu`` and an
  inverse-gamma prior worth two pseudo-conversions at the pooled value per conversion (conjugate:
  ``InvGamma(2 + conversions, m + revenue)``).

``cpa`` and ``roas`` have no one-dimensional closed form for P(best), so they are estimated by
Monte Carlo with :data:`MC_DRAWS` draws from a fixed ``random_state`` (reproducible; the standard
error of a probability near 0.95 is about 0.001).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studio.core.errors import InvalidValue
from studio.core.models import Objective
from studio.experiments.bandits import (
    BetaPosterior,
    ctr_drift_p_value,
    empirical_bayes_prior,
    period_weighted_rate,
    rate_drift_p_value,
    summarize_posterior,
    update_posterior,
)

FloatArray = NDArray[np.float64]

OBJECTIVES: dict[Objective, str] = {
    Objective.ctr: "CTR (studio default): clicks per impression",
    Objective.conversion_rate: "Conversions per click",
    Objective.cpa: "Cost per acquisition (lower is better): spend per conversion",
    Objective.roas: "Return on ad spend: conversion value per spend (reports must carry it)",
}
#: Monte Carlo draws for the objectives without an exact P(best) (cpa, roas).
MC_DRAWS = 40_000
#: Central interval reported for each arm's objective.
INTERVAL_LEVEL = 0.9


class ObjectiveDataError(InvalidValue):
    """The delivery cannot support the objective (e.g. no spend for CPA, no value for ROAS)."""


@dataclass(frozen=True)
class ObjectiveSummary:
    """Each arm's objective on a higher-is-better scale, shapes ``(..., n_arms)``.

    Attributes
    ----------
    objective : Objective
    prob_best, expected_loss : ndarray
        Probability of having the best objective, and the expected shortfall from the best arm on
        the scale of ``mean`` (``nan`` for inactive arms).
    mean, low, high : ndarray
        Posterior mean and central :data:`INTERVAL_LEVEL` interval of the scale the decision uses:
        CTR, conversions per click, conversions per currency unit (cpa) or revenue per currency
        unit (roas).
    """

    objective: Objective
    prob_best: FloatArray
    expected_loss: FloatArray
    mean: FloatArray
    low: FloatArray
    high: FloatArray

    def display(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(mean, low, high)`` in the objective's own unit: CPA is spend per conversion."""
        if self.objective == Objective.cpa:
            with np.errstate(divide="ignore"):
                return 1.0 / self.mean, 1.0 / self.high, 1.0 / self.low
        return self.mean, self.low, self.high


def _beta_summary(
    objective: Objective, posterior: BetaPosterior, active: NDArray[np.bool_]
) -> ObjectiveSummary:
    summary = summarize_posterior(posterior, active=active)
    low, high = posterior.interval(INTERVAL_LEVEL)
    return ObjectiveSummary(
        objective, summary.prob_best, summary.expected_loss, posterior.mean, low, high
    )


def _draw_summary(
    objective: Objective, draws: FloatArray, active: NDArray[np.bool_]
) -> ObjectiveSummary:
    """Summary from draws of shape (n_draws, ..., n_arms); inactive arms left out of the race."""
    race = np.where(active, draws, -np.inf)
    best = race.max(axis=-1, keepdims=True)
    # Exact ties (both draws 0.0) are split evenly, so no arm wins a tie by its position.
    is_best = race == best
    wins = (is_best / is_best.sum(axis=-1, keepdims=True)).mean(axis=0)
    loss = (best - draws).mean(axis=0)
    tail = (1 - INTERVAL_LEVEL) / 2
    low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
    return ObjectiveSummary(
        objective,
        np.where(active, wins, 0.0),
        np.where(active, loss, np.nan),
        draws.mean(axis=0),
        low,
        high,
    )


def summarize_objective(
    objective: Objective,
    *,
    impressions: ArrayLike,
    clicks: ArrayLike,
    conversions: ArrayLike,
    spend: ArrayLike,
    revenue: ArrayLike | None = None,
    ctr_posterior: BetaPosterior | None = None,
    active: ArrayLike | None = None,
    strength: float = 100.0,
    random_state: int = 0,
) -> ObjectiveSummary:
    """Posterior summary of ``objective`` per arm from total delivery.

    Parameters
    ----------
    objective : Objective
    impressions, clicks, conversions : array_like, shape (..., n_arms)
        Totals per arm.
    spend, revenue : array_like, shape (..., n_arms)
        Totals per arm in the account's currency; ``revenue`` (conversion value) only for roas.
    ctr_posterior : BetaPosterior, optional
        The CTR posterior (for ``ctr``, where the test's CTR prior applies).
    active : array_like of bool, shape (..., n_arms), optional
    strength : float
        Most the conversion-rate prior may weigh, in clicks (as the pooled CTR prior).
    random_state : int
        Seed of the Monte Carlo draws (cpa, roas).

    Raises
    ------
    ObjectiveDataError
        When the delivery cannot support the objective; the message says what is missing.
    """
    objective = Objective(objective)
    impressions_ = np.asarray(impressions, dtype=np.float64)
    clicks_ = np.asarray(clicks, dtype=np.float64)
    conversions_ = np.asarray(conversions, dtype=np.float64)
    spend_ = np.asarray(spend, dtype=np.float64)
    mask = np.ones(impressions_.shape, bool) if active is None else np.asarray(active, bool)
    if objective == Objective.ctr:
        posterior = ctr_posterior or update_posterior(
            BetaPosterior.flat(impressions_.shape), impressions_, clicks_
        )
        return _beta_summary(objective, posterior, mask)
    if objective == Objective.conversion_rate:
        if np.any(conversions_ > clicks_):
            raise ObjectiveDataError(
                "conversions per click needs conversions <= clicks on every arm; got conversions "
                f"{conversions_.tolist()} on clicks {clicks_.tolist()} (view-through conversions "
                "counted?); choose the cpa objective, which counts conversions per spend"
            )
        prior = empirical_bayes_prior(clicks_, conversions_, strength=strength)
        return _beta_summary(objective, update_posterior(prior, clicks_, conversions_), mask)
    total_spend = spend_.sum(axis=-1, keepdims=True)
    if np.any(total_spend <= 0):
        raise ObjectiveDataError(
            f"the {objective} objective needs spend; the reports of this test carry no spend "
            "(import reports with the 'Amount spent' / 'Cost' column)"
        )
    total_conversions = conversions_.sum(axis=-1, keepdims=True)
    rate = np.broadcast_to(total_spend / np.maximum(total_conversions, 1.0), spend_.shape)
    rng = np.random.default_rng(random_state)
    shape = (MC_DRAWS, *spend_.shape)
    per_spend = rng.gamma(1.0 + conversions_, 1.0 / (rate + spend_), size=shape)
    if objective == Objective.cpa:
        return _draw_summary(objective, per_spend, mask)
    if revenue is None:
        raise ObjectiveDataError(
            "the roas objective needs the conversion value of every report row; the reports of "
            "this test carry none, or not on every row (Meta: 'Purchases conversion value', "
            "Google Ads: 'Conv. value'); export the reports with that column (days already imported "
            "without it get it from a later report of the same days with that column)"
        )
    revenue_ = np.asarray(revenue, dtype=np.float64)
    total_revenue = revenue_.sum(axis=-1, keepdims=True)
    if np.any((total_conversions > 0) & (total_revenue <= 0)):
        raise ObjectiveDataError(
            "the roas objective needs conversion value; this test has conversions but a total "
            "conversion value of 0"
        )
    value = np.broadcast_to(total_revenue / np.maximum(total_conversions, 1.0), spend_.shape)
    mean_value = (value + revenue_) / rng.gamma(2.0 + conversions_, 1.0, size=shape)
    return _draw_summary(objective, per_spend * mean_value, mask)


@dataclass(frozen=True)
class DailyDelivery:
    """Delivery per period and arm, shape ``(..., n_periods, n_arms)``; revenue may be None."""

    impressions: FloatArray
    clicks: FloatArray
    conversions: FloatArray
    spend: FloatArray
    revenue: FloatArray | None


def objective_drift_p_value(objective: Objective, delivery: DailyDelivery) -> FloatArray:
    """p-value of "the objective's rate of every arm is the same in every period", per test.

    CTR: clicks per impression (:func:`~studio.experiments.bandits.ctr_drift_p_value`);
    conversions per click: the same binomial test with clicks as trials; CPA and ROAS:
    conversions per unit of spend, Poisson
    (:func:`~studio.experiments.bandits.rate_drift_p_value`).
    """
    if objective == Objective.ctr:
        return np.asarray(ctr_drift_p_value(delivery.impressions, delivery.clicks))
    if objective == Objective.conversion_rate:
        return np.asarray(ctr_drift_p_value(delivery.clicks, delivery.conversions))
    return np.asarray(rate_drift_p_value(delivery.spend, delivery.conversions))


def day_weighted_totals(objective: Objective, delivery: DailyDelivery) -> DailyDelivery:
    """Totals per arm (one period) whose rates are the day-weighted ones of the objective.

    An adaptive split that sends one arm more of the late traffic credits it with whatever
    changed late (a promotion lifting conversions, a season); directly standardised rates
    (:func:`~studio.experiments.bandits.period_weighted_rate`) do not. The objective's rate is
    replaced by its day-weighted value and its exposure by the effective exposure: conversions
    per click (exposure clicks), conversions per spend for CPA and ROAS (exposure spend; ROAS
    keeps each arm's pooled value per conversion). The other columns stay pooled. Returned with
    one period, shape ``(..., 1, n_arms)``, ready for the objective's summary.
    """
    totals = {
        "impressions": delivery.impressions.sum(axis=-2),
        "clicks": delivery.clicks.sum(axis=-2),
        "conversions": delivery.conversions.sum(axis=-2),
        "spend": delivery.spend.sum(axis=-2),
    }
    revenue = None if delivery.revenue is None else delivery.revenue.sum(axis=-2)
    if objective == Objective.conversion_rate:
        rate, clicks = period_weighted_rate(delivery.clicks, delivery.conversions)
        totals |= {"clicks": clicks, "conversions": np.minimum(rate * clicks, clicks)}
    elif objective in (Objective.cpa, Objective.roas):
        rate, spend = period_weighted_rate(delivery.spend, delivery.conversions)
        conversions = rate * spend
        if revenue is not None:
            per_conversion = revenue / np.maximum(totals["conversions"], 1e-300)
            revenue = np.where(totals["conversions"] > 0, per_conversion * conversions, revenue)
        totals |= {"spend": spend, "conversions": conversions}
    one = {k: v[..., None, :] for k, v in totals.items()}
    return DailyDelivery(
        one["impressions"],
        one["clicks"],
        one["conversions"],
        one["spend"],
        None if revenue is None else revenue[..., None, :],
    )
