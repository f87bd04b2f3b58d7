"""Creative fatigue: is an arm's recent CTR clearly below its own early baseline? (pure numpy)

For each arm, its delivery days (days with impressions, in date order) are split into the
``recent_days`` last ones and the earlier ones (its baseline). With Beta(1 + clicks,
1 + impressions - clicks) posteriors for both CTRs, the fatigue probability is
``P(recent CTR < (1 - drop) * baseline CTR) = E_B[F_R((1 - drop) B)]``, integrated on
:data:`_QUANTILES` quantiles of the baseline posterior (deterministic, no Monte Carlo). An arm is
flagged when that probability reaches ``flag_probability``.

Frequency: where the reports carry reach (people reached per day: Meta's ``Reach`` column, or
``Frequency``), each period's frequency is its impressions per person reached. Wear-out is
people seeing the same ad too often, so with frequency an arm is flagged only when its CTR
dropped *and* its recent frequency is above its earlier frequency; a CTR drop while frequency
did not rise is reported (``frequency_rose`` False) but not flagged: the audience or the season
changed, not the ad's novelty. Without reach on every delivery day of an arm, the check is on
CTR alone (``uses_frequency`` False), and the Tests page and the CLI say so.

The settings are stored on each test (:class:`FatigueSettings`), chosen when it starts and
editable later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from studio.core.errors import InvalidValue

#: Days of delivery that make an arm's recent period, unless the caller says otherwise.
DEFAULT_RECENT_DAYS = 3
#: An arm is fatigued when its recent CTR is more than this fraction below its baseline ...
DEFAULT_DROP = 0.2
#: ... with at least this probability.
FLAG_PROBABILITY = 0.9
_QUANTILES = 2000


def _check_settings(recent_days: int, drop: float, flag_probability: float) -> None:
    if isinstance(recent_days, bool) or int(recent_days) != recent_days or recent_days < 1:
        raise InvalidValue(f"recent days must be a whole number >= 1; got {recent_days!r}")
    if not (0 < drop < 1):
        raise InvalidValue(f"drop must be a fraction in (0, 1) (0.2 = 20%); got {drop!r}")
    if not (0 < flag_probability < 1):
        raise InvalidValue(
            f"flag probability must be in (0, 1) (0.9 = 90%); got {flag_probability!r}"
        )


@dataclass(frozen=True)
class FatigueSettings:
    """A test's fatigue check, stored on the test.

    Parameters
    ----------
    recent_days : int
        Delivery days, counted back from each arm's last, that make its recent period (>= 1).
    drop : float
        Fraction in (0, 1): fatigue is a recent CTR below ``(1 - drop)`` times the baseline.
    flag_probability : float
        Probability in (0, 1) from which an arm is flagged.
    """

    recent_days: int = DEFAULT_RECENT_DAYS
    drop: float = DEFAULT_DROP
    flag_probability: float = FLAG_PROBABILITY

    def __post_init__(self) -> None:
        _check_settings(self.recent_days, self.drop, self.flag_probability)


@dataclass(frozen=True)
class ArmFatigue:
    """One arm's fatigue check. CTRs are fractions; ``probability`` is None when the arm has
    too few delivery days (``reason`` says why).

    ``baseline_frequency`` and ``recent_frequency`` are impressions per person reached in each
    period, None when the reports did not carry reach for every delivery day of the arm
    (``uses_frequency`` False: the check is on CTR alone). ``frequency_rose`` is None without
    frequency.
    """

    probability: float | None
    flagged: bool
    baseline_ctr: float | None
    recent_ctr: float | None
    baseline_days: int
    recent_days: int
    reason: str = ""
    baseline_frequency: float | None = None
    recent_frequency: float | None = None

    @property
    def uses_frequency(self) -> bool:
        return self.baseline_frequency is not None and self.recent_frequency is not None

    @property
    def frequency_rose(self) -> bool | None:
        if self.baseline_frequency is None or self.recent_frequency is None:
            return None
        return self.recent_frequency > self.baseline_frequency


def check_fatigue(
    impressions: ArrayLike,
    clicks: ArrayLike,
    reach: ArrayLike | None = None,
    *,
    recent_days: int = DEFAULT_RECENT_DAYS,
    drop: float = DEFAULT_DROP,
    flag_probability: float = FLAG_PROBABILITY,
) -> tuple[ArmFatigue, ...]:
    """Fatigue of each arm from its daily delivery.

    Parameters
    ----------
    impressions, clicks : array_like, shape (n_days, n_arms)
        Delivery per day (in date order) and arm.
    reach : array_like, shape (n_days, n_arms), optional
        People reached per day and arm; ``nan`` where a report did not say. An arm uses
        frequency only when every one of its delivery days has reach.
    recent_days : int
        Delivery days, counted back from each arm's last, that make its recent period (>= 1).
    drop : float
        Fraction in (0, 1): fatigue is a recent CTR below ``(1 - drop)`` times the baseline.
    flag_probability : float
        Probability in (0, 1) from which an arm is flagged.

    Returns
    -------
    tuple of ArmFatigue, one per arm
    """
    from scipy.stats import beta as beta_distribution

    _check_settings(recent_days, drop, flag_probability)
    shown = np.asarray(impressions, dtype=np.float64)
    clicked = np.asarray(clicks, dtype=np.float64)
    if shown.ndim != 2 or clicked.shape != shown.shape:
        raise InvalidValue(
            "impressions and clicks must both have shape (n_days, n_arms); got "
            f"{shown.shape} and {clicked.shape}"
        )
    people = np.full(shown.shape, np.nan) if reach is None else np.asarray(reach, dtype=np.float64)
    if people.shape != shown.shape:
        raise InvalidValue(
            f"reach must have the shape of impressions {shown.shape}; got {people.shape}"
        )
    u = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
    out = []
    for arm in range(shown.shape[1]):
        days = np.flatnonzero(shown[:, arm] > 0)
        recent, early = days[-recent_days:], days[:-recent_days]
        if len(early) == 0:
            out.append(
                ArmFatigue(
                    None,
                    False,
                    None,
                    None,
                    0,
                    len(recent),
                    f"needs more than {recent_days} day(s) of delivery; has {len(days)}",
                )
            )
            continue
        n_b, c_b = shown[early, arm].sum(), clicked[early, arm].sum()
        n_r, c_r = shown[recent, arm].sum(), clicked[recent, arm].sum()
        baseline = beta_distribution.ppf(u, 1 + c_b, 1 + n_b - c_b)
        probability = float(
            np.mean(beta_distribution.cdf((1 - drop) * baseline, 1 + c_r, 1 + n_r - c_r))
        )
        frequency: tuple[float | None, float | None] = (None, None)
        reached = people[days, arm]
        if np.all(np.isfinite(reached) & (reached > 0)):
            frequency = (
                float(n_b / people[early, arm].sum()),
                float(n_r / people[recent, arm].sum()),
            )
        dropped = probability >= flag_probability
        reason = ""
        before, recently = frequency
        if dropped and before is not None and recently is not None and recently <= before:
            reason = (
                f"CTR fell but frequency did not rise ({before:.2f} to {recently:.2f} "
                "impressions per person): not wear-out; look at the audience, placements or season"
            )
        out.append(
            ArmFatigue(
                probability,
                dropped and not reason,
                float(c_b / n_b),
                float(c_r / n_r),
                len(early),
                len(recent),
                reason,
                *frequency,
            )
        )
    return tuple(out)
