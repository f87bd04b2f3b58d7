"""Creative tests in the database: create, reweight, decide, pause, stop, and the dashboard.

A *test* (:class:`~studio.core.models.Experiment`) compares approved variants of one brand, persona
and channel. Each variant is an *arm* (:class:`~studio.core.models.Arm`) whose ad on the ad platform
is found in report exports by its ad id or ad name (default ``studio-v{variant_id}``: name the
ads exactly so when you create them, or set the platform's ad ids with :func:`assign_ad`).
Delivery comes in through :mod:`studio.experiments.reports`; :func:`reweight` turns it into a decision.

The lifecycle::

    create_test   approved -> in_test (each variant, audited); logs the first split
    reweight      posteriors -> split, P(best), expected loss, arms to pause, winner, SRM;
                  logs an AllocationDecision and says what it decided in plain words
    (winner)      winning variant -> winner, the others -> retired; the test is completed
    pause/resume  running <-> paused (no reweighting while paused)
    stop          ends the test without a winner: every variant -> retired

Test statuses: ``running``, ``paused``, ``stopped`` (ended by a person, no winner) and
``completed`` (a winner was declared).

Priors (``prior_source``):

``flat``
    Beta(1, 1) on every arm.
``pooled`` (the default)
    An empirical-Bayes prior (:func:`studio.experiments.bandits.empirical_bayes_prior`) centred on
    the test's pooled CTR that shrinks the arms toward each other as far as their observed spread
    allows, never by less than one pseudo-click and at most ``prior_strength`` impressions
    (default in :data:`studio.experiments.decisions.DEFAULT_PRIOR_STRENGTH`). Flat until the
    first impressions arrive. It is what the simulator's ``studio`` policy replays.
``predictor``
    Each variant's predicted CTR and interval (filled at generation by the CTR predictor) become
    a Beta prior worth at most ``prior_strength`` impressions (default 100) via
    :func:`studio.experiments.bandits.prior_from_prediction`; a wide interval makes it worth less. The
    predictor ranks texts well but its CTR scale is its training data's, so, as in the
    simulator, the predictions keep their differences but are centred on the test's pooled CTR
    once delivery arrives.

Every decision is made by :func:`studio.experiments.decisions.decide`, the function the
simulator replays, and logged with its shares, probabilities of being best, expected losses and,
in ``details``, the delivery per day, stored priors, settings and flags behind them, so that it can
be recomputed exactly (:func:`replay_decision`) and policies re-evaluated offline.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlmodel import Session

from studio.copy.channels import CHANNELS
from studio.core import audit
from studio.core.errors import InvalidValue
from studio.core.models import (
    AllocationDecision,
    AllocationPolicy,
    Arm,
    Experiment,
    ExperimentStatus,
    Objective,
    PriorSource,
    Variant,
    VariantStatus,
    saved_id,
    utcnow,
)
from studio.experiments import queries
from studio.experiments.bandits import (
    BetaPosterior,
    prior_from_prediction,
    sample_ratio_mismatch,
)
from studio.experiments.decisions import (
    DEFAULT_PRIOR_STRENGTH,
    POLICIES,
    PRIOR_SOURCES,
    TOP_TWO_LEADER_SHARE,
    DecisionOutcome,
    ExperimentError,
    TestSettings,
    decide,
)
from studio.experiments.fatigue import (
    DEFAULT_DROP,
    DEFAULT_RECENT_DAYS,
    ArmFatigue,
    FatigueSettings,
    check_fatigue,
)
from studio.experiments.objectives import OBJECTIVES
from studio.review import workflow as review_flow
from studio.review.accounts import Permission, require

#: Coverage of the CTR intervals the studio shows.
INTERVAL_LEVEL = 0.95
MAX_ARMS = 20
RUNNING, PAUSED, STOPPED, COMPLETED = (
    ExperimentStatus.running,
    ExperimentStatus.paused,
    ExperimentStatus.stopped,
    ExperimentStatus.completed,
)
ENDED = frozenset({STOPPED, COMPLETED})

__all__ = [
    "DEFAULT_DROP",
    "DEFAULT_PRIOR_STRENGTH",
    "DEFAULT_RECENT_DAYS",
    "OBJECTIVES",
    "POLICIES",
    "PRIOR_SOURCES",
    "TOP_TWO_LEADER_SHARE",
    "ExperimentError",
    "FatigueSettings",
    "TestSettings",
]


def settings_of(experiment: Experiment) -> TestSettings:
    """The settings a stored test runs with."""
    return TestSettings(
        policy=experiment.policy,
        min_share=experiment.min_share,
        burn_in_impressions=experiment.burn_in_impressions,
        reweight_hours=experiment.reweight_hours,
        win_probability=experiment.win_probability,
        max_relative_loss=experiment.max_relative_loss,
        prior_source=experiment.prior_source,
        prior_strength=experiment.prior_strength,
        objective=experiment.objective,
        top_two_leader_share=experiment.top_two_leader_share,
    )


def fatigue_of(experiment: Experiment) -> FatigueSettings:
    """The fatigue check a stored test runs."""
    return FatigueSettings(
        recent_days=experiment.fatigue_recent_days,
        drop=experiment.fatigue_drop,
        flag_probability=experiment.fatigue_flag_probability,
    )


def fatigue_settings(*, recent_days: int, drop: float, flag_probability: float) -> FatigueSettings:
    """Fatigue settings from a form or the CLI; bad values raise :class:`ExperimentError`."""
    try:
        return FatigueSettings(recent_days, drop, flag_probability)
    except InvalidValue as error:
        raise ExperimentError(f"fatigue: {error}") from None


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------


def default_ad_name(variant_id: int) -> str:
    """The ad name to give a variant's ad on the platform so report rows map back to it."""
    return f"studio-v{variant_id}"


def arm_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the arm at ``index`` (0-based)."""
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def headline(variant: Variant) -> str:
    """The line of a variant people recognise it by (the text the CTR predictor scores)."""
    from studio.scoring.variants import UnscorableVariantError, variant_text

    try:
        return variant_text(variant.channel, variant.fields)
    except UnscorableVariantError:
        texts = [v for v in variant.fields.values() if isinstance(v, str) and v.strip()]
        return texts[0].strip() if texts else f"variant {variant.id}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _pp(ctr_difference: float) -> str:
    """A CTR difference in percentage points, e.g. ``0.012 pp``."""
    value = ctr_difference * 100
    if 0 < value < 0.001:
        return "<0.001 pp"
    return f"{value:.3f} pp" if value < 0.1 else f"{value:.2f} pp"


def _p(p_value: float) -> str:
    return "< 1e-300" if p_value == 0 else f"= {p_value:.2g}"


def _pct(probability: float) -> str:
    if 0 < probability < 0.001:
        return "<0.1%"
    if 0.999 < probability < 1:
        return ">99.9%"
    return f"{probability:.1%}" if probability < 0.1 else f"{probability:.0%}"


# --------------------------------------------------------------------------------------------
# Creating a test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmSetup:
    """What a marketer needs to set up one arm's ad on the platform."""

    arm_id: int
    letter: str
    variant_id: int
    headline: str
    ad_name: str
    ad_id: str


def eligible_variants(
    session: Session, *, brand: str, persona: str, channel: str, limit: int = 200
) -> list[Variant]:
    """Approved variants of one brand, persona and channel: what a new test may compare."""
    from studio.copy import variants as variant_queries

    return list(
        variant_queries.list_variants(
            session,
            brand=brand,
            personas=[persona],
            channels=[channel],
            statuses=[VariantStatus.approved],
            order="predicted_ctr",
            limit=limit,
        )
    )


def _check_variants(
    variants: Mapping[int, Variant],
    variant_ids: Sequence[int],
    *,
    brand: str,
    persona: str,
    channel: str,
    settings: TestSettings,
) -> None:
    problems = []
    for vid in variant_ids:
        v = variants.get(vid)
        if v is None:
            problems.append(f"variant {vid} does not exist")
            continue
        if v.brand != brand:
            problems.append(f"variant {vid} belongs to brand {v.brand!r}, not {brand!r}")
        if v.persona != persona:
            problems.append(f"variant {vid} is written for persona {v.persona!r}, not {persona!r}")
        if v.channel != channel:
            problems.append(f"variant {vid} is for channel {v.channel!r}, not {channel!r}")
        if v.status != VariantStatus.approved:
            problems.append(
                f"variant {vid} is {str(v.status)!r}; only approved variants can start a test"
            )
        if settings.prior_source == PriorSource.predictor:
            values = (v.predicted_ctr, v.ctr_low, v.ctr_high)
            if any(x is None for x in values) or not all(0 < float(x) < 1 for x in values):  # type: ignore[arg-type]
                problems.append(
                    f"variant {vid} has no predicted CTR with an interval (the CTR predictor was not "
                    "available when it was written); choose the pooled or flat prior"
                )
    seen: dict[str, int] = {}
    for vid in variant_ids:
        v = variants.get(vid)
        if v is None:
            continue
        copy = _copy_key(v)
        if copy in seen:
            problems.append(
                f"variants {seen[copy]} and {vid} have identical copy; a test between them could "
                "only find noise (keep one)"
            )
        else:
            seen[copy] = vid
    if problems:
        raise ExperimentError("cannot create the test: " + "; ".join(problems))


def _copy_key(variant: Variant) -> str:
    """The variant's copy with case and runs of whitespace ignored: what a viewer would see."""

    def normal(value: Any) -> Any:
        if isinstance(value, str):
            return " ".join(value.split()).casefold()
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, dict):
            return {k: normal(v) for k, v in sorted(value.items())}
        return value

    return json.dumps(normal(variant.fields), sort_keys=True)


def _prediction(variant: Variant) -> tuple[float, float, float]:
    """``(predicted_ctr, ctr_low, ctr_high)`` of a variant that creation checked was scored."""
    if variant.predicted_ctr is None or variant.ctr_low is None or variant.ctr_high is None:
        raise InvalidValue(f"variant {variant.id} has no predicted CTR with an interval")
    return variant.predicted_ctr, variant.ctr_low, variant.ctr_high


def _predictor_prior(variants: Sequence[Variant], strength: float) -> BetaPosterior:
    ctr = np.array([_prediction(v)[0] for v in variants])
    low = np.array([_prediction(v)[1] for v in variants])
    high = np.array([_prediction(v)[2] for v in variants])
    return prior_from_prediction(
        ctr,
        np.minimum(low, ctr),
        np.maximum(high, ctr),
        strength=strength,
        level=_interval_level(variants),
    )


def _interval_level(variants: Sequence[Variant]) -> float:
    """The coverage of the predictor's stored intervals (80% for the shipped model)."""
    levels = {float(v.ctr_explanation.get("interval_level", 0.8)) for v in variants}
    return min(levels)


def create_test(
    session: Session,
    *,
    name: str,
    brand: str,
    persona: str,
    channel: str,
    variant_ids: Sequence[int],
    actor: str,
    settings: TestSettings | None = None,
    fatigue: FatigueSettings | None = None,
    ad_names: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> Experiment:
    """Start a test of approved variants for one persona and channel, as ``actor`` (run_tests).

    Each variant moves to ``in_test`` through the review state machine (audited), gets an arm
    with its ad name (``ad_names[variant_id]`` or :func:`default_ad_name`) and, for the
    predictor prior, its Beta prior. The first split is logged as a decision at once (equal
    during the burn-in). Nothing is written when any check fails. The caller commits.

    Raises
    ------
    ExperimentError, studio.review.accounts.PermissionDenied, studio.review.workflow.ReviewError
    """
    require(session, username=actor, permission=Permission.run_tests)
    settings = settings or TestSettings()
    fatigue = fatigue or FatigueSettings()
    name = name.strip()
    if not name or len(name) > 200:
        raise ExperimentError(
            f"a test needs a name of 1 to 200 characters; got {len(name)} characters"
        )
    if channel not in CHANNELS:
        raise ExperimentError(
            f"channel {channel!r} does not exist; channels: {', '.join(CHANNELS)}"
        )
    ids = list(dict.fromkeys(int(v) for v in variant_ids))
    if len(ids) != len(variant_ids):
        raise ExperimentError("each variant can be in a test once; the list names one twice")
    if not 2 <= len(ids) <= MAX_ARMS:
        raise ExperimentError(f"a test compares 2 to {MAX_ARMS} variants; got {len(ids)}")
    if settings.min_share * len(ids) > 1:
        raise ExperimentError(
            f"min share {settings.min_share:.0%} is too large for {len(ids)} arms; at most {1 / len(ids):.2%}"
        )
    variants = queries.get_variants(session, variant_ids=ids)
    _check_variants(variants, ids, brand=brand, persona=persona, channel=channel, settings=settings)
    names = {vid: (ad_names or {}).get(vid, default_ad_name(vid)).strip() for vid in ids}
    if any(not n or len(n) > 256 for n in names.values()):
        raise ExperimentError("every ad name must have 1 to 256 characters")
    if len(set(names.values())) != len(names):
        raise ExperimentError(
            "two arms would share an ad name; report rows could not tell them apart"
        )
    ordered = [variants[vid] for vid in ids]
    if settings.prior_source == PriorSource.predictor:
        prior = _predictor_prior(ordered, settings.strength)
    else:  # flat, and pooled before any delivery (as the simulator's studio policy)
        prior = BetaPosterior.flat(len(ids))
    experiment = queries.add_experiment(
        session,
        experiment=Experiment(
            name=name,
            brand=brand,
            persona=persona,
            channel=channel,
            policy=settings.policy,
            status=RUNNING,
            min_share=settings.min_share,
            burn_in_impressions=int(settings.burn_in_impressions),
            reweight_hours=int(settings.reweight_hours),
            prior_source=settings.prior_source,
            prior_strength=settings.strength,
            win_probability=settings.win_probability,
            max_relative_loss=settings.max_relative_loss,
            top_two_leader_share=settings.top_two_leader_share,
            objective=settings.objective,
            fatigue_recent_days=int(fatigue.recent_days),
            fatigue_drop=fatigue.drop,
            fatigue_flag_probability=fatigue.flag_probability,
            created_by=actor,
            created_at=now or utcnow(),
        ),
    )
    assert experiment.id is not None
    arms = [
        queries.add_arm(
            session,
            experiment_id=experiment.id,
            variant_id=vid,
            ad_id="",
            ad_name=names[vid],
            prior_alpha=float(prior.alpha[i]),
            prior_beta=float(prior.beta[i]),
        )
        for i, vid in enumerate(ids)
    ]
    for vid in ids:
        review_flow.transition(session, variant_id=vid, target=VariantStatus.in_test, actor=actor)
    audit.record(
        session,
        actor=actor,
        action="experiment.create",
        entity_type="experiment",
        entity_id=experiment.id,
        after={
            "name": name,
            "brand": brand,
            "persona": persona,
            "channel": channel,
            "settings": asdict(settings) | {"prior_strength": settings.strength},
            "fatigue": asdict(fatigue),
            "arms": [
                {"arm_id": a.id, "variant_id": a.variant_id, "ad_name": a.ad_name} for a in arms
            ],
        },
    )
    _decide(session, experiment, actor=actor, now=now)
    return experiment


def arm_setup(session: Session, *, experiment_id: int) -> list[ArmSetup]:
    """Per arm: the letter, headline, and the ad name (and id) the platform's ad must carry."""
    experiment = _get(session, experiment_id)
    arms = queries.list_arms(session, experiment_id=saved_id(experiment))
    variants = queries.get_variants(session, variant_ids=[a.variant_id for a in arms])
    return [
        ArmSetup(
            saved_id(a),
            arm_letter(i),
            a.variant_id,
            headline(variants[a.variant_id]),
            a.ad_name,
            a.ad_id,
        )
        for i, a in enumerate(arms)
    ]


def assign_ad(
    session: Session,
    *,
    experiment_id: int,
    arm_id: int,
    actor: str,
    ad_id: str | None = None,
    ad_name: str | None = None,
) -> Arm:
    """Record the platform's ad id (and/or a new ad name) of an arm, audited. The caller commits."""
    experiment = _get_to_run(session, experiment_id, actor=actor)
    arms = queries.list_arms(session, experiment_id=experiment_id)
    arm = next((a for a in arms if a.id == arm_id), None)
    if arm is None:
        raise ExperimentError(
            f"test {experiment_id} has no arm {arm_id}; its arms: {', '.join(str(a.id) for a in arms)}"
        )
    before = {"ad_id": arm.ad_id, "ad_name": arm.ad_name}
    new_id = arm.ad_id if ad_id is None else ad_id.strip()
    new_name = arm.ad_name if ad_name is None else ad_name.strip()
    if len(new_id) > 128 or len(new_name) > 256 or not (new_id or new_name):
        raise ExperimentError(
            "an arm needs an ad id (up to 128 characters) or an ad name (up to 256)"
        )
    for other in arms:
        if other.id == arm.id:
            continue
        if new_id and other.ad_id == new_id:
            raise ExperimentError(
                f"ad id {new_id!r} already belongs to arm {other.id} of test {experiment.id}"
            )
        if new_name and other.ad_name == new_name:
            raise ExperimentError(
                f"ad name {new_name!r} already belongs to arm {other.id} of test {experiment.id}"
            )
    arm.ad_id, arm.ad_name = new_id, new_name
    queries.save(session, row=arm)
    audit.record(
        session,
        actor=actor,
        action="experiment.assign_ad",
        entity_type="experiment",
        entity_id=experiment_id,
        before={"arm_id": arm_id, **before},
        after={"arm_id": arm_id, "ad_id": new_id, "ad_name": new_name},
    )
    return arm


def _joinable(test_arms: Sequence[Arm], variants: Mapping[int, Variant], variant: Variant) -> bool:
    """Whether ``variant`` is of a campaign of the test's arms or a challenger to one of them."""
    campaigns = {variants[a.variant_id].campaign_id for a in test_arms}
    return variant.campaign_id in campaigns or variant.challenger_of_id in variants


def joinable_variants(session: Session, *, experiment_id: int, limit: int = 200) -> list[Variant]:
    """Approved variants that may join a running test as new arms (:func:`add_arm`).

    Those of the test's brand, persona and channel that are challengers to one of its arms
    (``challenger_of_id``) or belong to the campaign of one of its arms, are not in the test and
    do not repeat an arm's copy. Challengers first, then by predicted CTR.
    """
    experiment = _get(session, experiment_id)
    arms = queries.list_arms(session, experiment_id=experiment_id)
    variants = queries.get_variants(session, variant_ids=[a.variant_id for a in arms])
    copies = {_copy_key(v) for v in variants.values()}
    candidates = eligible_variants(
        session,
        brand=experiment.brand,
        persona=experiment.persona,
        channel=experiment.channel,
        limit=10_000,
    )
    fits = [
        v
        for v in candidates
        if v.id not in variants and _joinable(arms, variants, v) and _copy_key(v) not in copies
    ]
    fits.sort(key=lambda v: v.challenger_of_id not in variants)  # stable: keeps CTR order
    return fits[:limit]


def add_arm(
    session: Session,
    experiment_id: int,
    variant_id: int,
    *,
    actor: str,
    ad_name: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Add an approved variant to a running test as a new arm, as ``actor`` (run_tests).

    The variant must be approved, of the test's brand, persona and channel, of the campaign of
    one of its arms or a challenger to one of them (:mod:`studio.experiments.challengers`),
    not already in the test, and not a copy of an arm. The new arm starts from the prior the
    test's arms started from (the predictor prior from its own prediction; otherwise flat, and
    the pooled prior is recomputed at every decision): no delivery is borrowed from another arm.

    A decision is logged at once, so the split in force changes from ``now`` on: the sample-ratio
    check judges each delivery day against the split in force that day (the new arm had share 0
    before it joined, so its missing delivery then is not a mismatch), and the equal split of
    the burn-in holds again until the new arm has the burn-in's impressions; no winner can be
    declared before. Report rows of the new arm dated before the day it joined are refused.
    Audited; the caller commits.

    Raises
    ------
    ExperimentError, studio.review.accounts.PermissionDenied, studio.review.workflow.ReviewError
    """
    experiment = _get_to_run(session, experiment_id, actor=actor)
    if experiment.status != RUNNING:
        hint = "resume it first" if experiment.status == PAUSED else "start a new test with it"
        raise ExperimentError(
            f"cannot add a variant to test {experiment_id}: it is {experiment.status}, and only "
            f"a running test takes new arms; {hint}"
        )
    arms = list(queries.list_arms(session, experiment_id=experiment_id))
    variants = queries.get_variants(
        session, variant_ids=[a.variant_id for a in arms] + [int(variant_id)]
    )
    variant = variants.get(int(variant_id))
    if variant is None:
        raise ExperimentError(f"variant {variant_id} does not exist")
    problems = []
    letters = {a.variant_id: arm_letter(i) for i, a in enumerate(arms)}
    if variant_id in letters:
        problems.append(f"it is already arm {letters[variant_id]} of the test")
    if variant.status != VariantStatus.approved:
        problems.append(f"it is {str(variant.status)!r}; only an approved variant can join a test")
    for what, theirs, ours in (
        ("brand", variant.brand, experiment.brand),
        ("persona", variant.persona, experiment.persona),
        ("channel", variant.channel, experiment.channel),
    ):
        if theirs != ours:
            problems.append(f"it is for {what} {theirs!r}; the test is for {what} {ours!r}")
    arm_variants = {a.variant_id: variants[a.variant_id] for a in arms}
    if not _joinable(arms, arm_variants, variant):
        campaigns = sorted({v.campaign_id for v in arm_variants.values()})
        problems.append(
            f"it belongs to campaign {variant.campaign_id}, not to a campaign of the test's arms "
            f"({', '.join(str(c) for c in campaigns)}), and is not a challenger to one of them"
        )
    twin = next(
        (vid for vid, v in arm_variants.items() if _copy_key(v) == _copy_key(variant)), None
    )
    if twin is not None and twin != variant_id:
        problems.append(
            f"its copy is identical to arm {letters[twin]} (variant {twin}); the test could only "
            "find noise"
        )
    if len(arms) >= MAX_ARMS:
        problems.append(f"the test already has {MAX_ARMS} arms, the most a test compares")
    elif experiment.min_share * (len(arms) + 1) > 1:
        problems.append(
            f"its min share {experiment.min_share:.0%} leaves no room for {len(arms) + 1} arms"
        )
    settings = settings_of(experiment)
    if settings.prior_source == PriorSource.predictor:
        values = (variant.predicted_ctr, variant.ctr_low, variant.ctr_high)
        if any(x is None for x in values) or not all(0 < float(x) < 1 for x in values):  # type: ignore[arg-type]
            problems.append(
                "the test uses the predictor prior and the variant has no predicted CTR with an "
                "interval"
            )
    name = (ad_name if ad_name is not None else default_ad_name(int(variant_id))).strip()
    if not name or len(name) > 256:
        problems.append(f"the ad name must have 1 to 256 characters; got {len(name)}")
    clash = next((a for a in arms if a.ad_name == name), None)
    if clash is not None and variant_id not in letters:
        problems.append(f"ad name {name!r} already belongs to arm {letters[clash.variant_id]}")
    if problems:
        raise ExperimentError(
            f"variant {variant_id} cannot join test {experiment_id}: " + "; ".join(problems)
        )
    if settings.prior_source == PriorSource.predictor:
        prior = _predictor_prior([variant], settings.strength)
    else:
        prior = BetaPosterior.flat(1)
    moment = now or utcnow()
    arm = queries.add_arm(
        session,
        experiment_id=experiment_id,
        variant_id=int(variant_id),
        ad_id="",
        ad_name=name,
        prior_alpha=float(prior.alpha[0]),
        prior_beta=float(prior.beta[0]),
        joined_at=moment,
    )
    review_flow.transition(
        session,
        variant_id=int(variant_id),
        target=VariantStatus.in_test,
        actor=actor,
        comment=f"joined running test {experiment_id}",
    )
    audit.record(
        session,
        actor=actor,
        action="experiment.add_arm",
        entity_type="experiment",
        entity_id=experiment_id,
        after={
            "arm_id": arm.id,
            "letter": arm_letter(len(arms)),
            "variant_id": int(variant_id),
            "challenger_of_id": variant.challenger_of_id,
            "ad_name": name,
            "prior_alpha": arm.prior_alpha,
            "prior_beta": arm.prior_beta,
            "joined_at": moment.isoformat(),
        },
    )
    return _decide(session, experiment, actor=actor, now=moment)


# --------------------------------------------------------------------------------------------
# Deciding
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmDecision:
    """One arm in a decision. CTRs are fractions (0.012 = 1.2%)."""

    arm_id: int
    letter: str
    variant_id: int
    headline: str
    ad_name: str
    ad_id: str
    impressions: int
    clicks: int
    conversions: int
    spend: float
    prior_alpha: float
    prior_beta: float
    alpha: float
    beta: float
    ctr_mean: float
    ctr_low: float
    ctr_high: float
    share: float
    prob_best: float
    expected_loss: float | None
    paused: bool
    paused_now: bool = False
    #: The test's objective per arm in its own unit (CTR, conversions per click, spend per
    #: conversion, revenue per spend): posterior mean and 90% interval; None before any decision.
    objective_mean: float | None = None
    objective_low: float | None = None
    objective_high: float | None = None
    #: Conversion value; None when the reports carried none.
    revenue: float | None = None

    @property
    def observed_ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None

    @property
    def label(self) -> str:
        return f"{self.letter} '{_short(self.headline, 40)}'"


@dataclass(frozen=True)
class SrmCheck:
    """Served impressions per delivery day against the split in force that day.

    ``days`` are the delivery days tested (after ``resolved_through``, the last day a person
    marked as explained). ``worst_day`` is the day with the smallest p-value, with what was
    ``served`` and ``planned`` (the split in force at the end of that day) on it; ``unplanned``
    counts impressions on arms whose share was 0 on their day (within the tolerance they are set
    aside). A day on which the split changed is tested against every mixture of its splits
    (a reweight and an arm joining on the same day make three).
    """

    days: tuple[date, ...]
    p_value: float
    mismatch: bool
    threshold: float
    worst_day: date | None
    served: dict[int, int]
    planned: dict[int, float]
    unplanned: dict[int, int]
    resolved_through: date | None


@dataclass(frozen=True)
class Note:
    """One line of a decision's explanation, with what kind of line it is (for the UI to style).

    ``kind`` is one of ``winner``, ``no_winner``, ``burn_in``, ``split``, ``held``, ``pause``,
    ``srm_mismatch``, ``srm_ok``, ``objective``, ``next``.
    """

    kind: str
    text: str


@dataclass(frozen=True)
class Decision:
    """What a reweighting decided and why, as data; ``notes`` explain it in plain words."""

    decision_id: int
    experiment_id: int
    at: datetime
    arms: tuple[ArmDecision, ...]
    burn_in: bool
    winner_arm_id: int | None
    leader_arm_id: int
    held: tuple[str, ...]
    new_data: bool
    srm: SrmCheck | None
    notes: tuple[Note, ...]
    next_reweight_at: datetime | None

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(n.text for n in self.notes)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def winner(self) -> ArmDecision | None:
        return next((a for a in self.arms if a.arm_id == self.winner_arm_id), None)

    def share_of(self, arm_id: int) -> float:
        return next(a.share for a in self.arms if a.arm_id == arm_id)


def _posterior_interval(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return BetaPosterior(alpha, beta).interval(INTERVAL_LEVEL)


@dataclass(frozen=True)
class _Delivery:
    """A test's delivery per day and arm, in the arms' order."""

    days: tuple[date, ...]
    impressions: np.ndarray  # (n_days, n_arms)
    clicks: np.ndarray
    conversions: np.ndarray
    spend: np.ndarray
    revenue: np.ndarray | None  # None unless every report row carried a conversion value
    reach: np.ndarray  # nan where a report row did not carry reach (or frequency)


def _delivery(session: Session, experiment_id: int, arms: Sequence[Arm]) -> _Delivery:
    rows = queries.daily_delivery(session, experiment_id=experiment_id)
    days = tuple(sorted({r.day for r in rows}))
    column = {a.id: i for i, a in enumerate(arms)}
    row_of = {d: i for i, d in enumerate(days)}
    shape = (max(len(days), 1), len(arms))
    out = {k: np.zeros(shape) for k in ("impressions", "clicks", "conversions", "spend")}
    revenue = np.zeros(shape)
    reach = np.full(shape, np.nan)
    for r in rows:
        i, j = row_of[r.day], column[r.arm_id]
        out["impressions"][i, j] += r.impressions
        out["clicks"][i, j] += r.clicks
        out["conversions"][i, j] += r.conversions
        out["spend"][i, j] += r.spend
        revenue[i, j] += r.revenue or 0.0
        if r.reach is not None:
            reach[i, j] = r.reach
    # A day imported without its conversion value is not a value of 0: return on ad spend is
    # only known when every row carries it.
    carried = bool(rows) and all(r.revenue is not None for r in rows)
    return _Delivery(days, **out, revenue=revenue if carried else None, reach=reach)


HELD_REASONS = {
    "no_new_data": "no delivery has arrived since the previous decision",
    "srm": "a sample-ratio mismatch is unresolved",
    "drift": "the objective (CTR, conversions per click, or conversions per spend for CPA and ROAS) "
    "drifts over the test and the day-weighted comparison does not agree yet",
    "paused": "the leader is a paused arm",
    "guardrail": "its CTR is clearly worse than the CTR leader's (CTR is a guardrail)",
}


def _decide(
    session: Session, experiment: Experiment, *, actor: str, now: datetime | None
) -> Decision:
    """Compute, log and apply one decision for a running test (permission already checked)."""
    assert experiment.id is not None
    moment = now or utcnow()
    settings = settings_of(experiment)
    arms = list(queries.list_arms(session, experiment_id=experiment.id))
    variants = queries.get_variants(session, variant_ids=[a.variant_id for a in arms])
    delivery = _delivery(session, experiment.id, arms)
    active = np.array([not a.paused for a in arms])
    decisions = list(queries.list_decisions(session, experiment_id=experiment.id))
    previous = decisions[-1] if decisions else None
    seen = int((previous.details or {}).get("through_result_id", 0)) if previous else 0
    new_data = queries.count_results(session, experiment_id=experiment.id, after_result_id=seen) > 0
    srm = _srm_check(experiment, arms, decisions, delivery)
    stored = BetaPosterior(
        np.array([a.prior_alpha for a in arms]), np.array([a.prior_beta for a in arms])
    )
    outcome = decide(
        settings,
        impressions=delivery.impressions,
        clicks=delivery.clicks,
        active=active,
        stored_prior=stored,
        new_data=new_data,
        srm_mismatch=bool(srm and srm.mismatch),
        conversions=delivery.conversions,
        spend=delivery.spend,
        revenue=delivery.revenue,
    )
    return _apply(
        session,
        experiment,
        arms,
        variants,
        delivery,
        outcome,
        settings,
        actor=actor,
        moment=moment,
        previous=previous,
        srm=srm,
        new_data=new_data,
        active=active,
    )


def _finite(value: float) -> float | None:
    """A number for the log, None where not computed (``nan``: JSON has no NaN)."""
    return float(value) if np.isfinite(value) else None


def _held(outcome: DecisionOutcome) -> tuple[str, ...]:
    flags = {
        "no_new_data": outcome.held_no_new_data,
        "srm": outcome.held_srm,
        "drift": outcome.held_drift,
        "paused": outcome.held_paused,
        "guardrail": outcome.held_guardrail,
    }
    return tuple(name for name, flag in flags.items() if bool(flag))


def _apply(
    session: Session,
    experiment: Experiment,
    arms: Sequence[Arm],
    variants: Mapping[int, Variant],
    delivery: _Delivery,
    outcome: DecisionOutcome,
    settings: TestSettings,
    *,
    actor: str,
    moment: datetime,
    previous: AllocationDecision | None,
    srm: SrmCheck | None,
    new_data: bool,
    active: np.ndarray,
) -> Decision:
    assert experiment.id is not None
    prior, posterior = outcome.prior, outcome.posterior
    impressions = delivery.impressions.sum(axis=0)
    clicks = delivery.clicks.sum(axis=0)
    winner_index = int(outcome.winner)
    burn_in = bool(outcome.burn_in)
    to_pause = outcome.paused_now
    low, high = _posterior_interval(posterior.alpha, posterior.beta)
    goal_mean, goal_low, goal_high = outcome.objective.display()
    revenue = None if delivery.revenue is None else delivery.revenue.sum(axis=0)
    arm_decisions = tuple(
        ArmDecision(
            arm_id=saved_id(a),
            letter=arm_letter(i),
            variant_id=a.variant_id,
            headline=headline(variants[a.variant_id]),
            ad_name=a.ad_name,
            ad_id=a.ad_id,
            impressions=int(impressions[i]),
            clicks=int(clicks[i]),
            conversions=int(delivery.conversions[:, i].sum()),
            spend=float(delivery.spend[:, i].sum()),
            prior_alpha=float(prior.alpha[i]),
            prior_beta=float(prior.beta[i]),
            alpha=float(posterior.alpha[i]),
            beta=float(posterior.beta[i]),
            ctr_mean=float(posterior.mean[i]),
            ctr_low=float(low[i]),
            ctr_high=float(high[i]),
            share=float(outcome.shares[i]),
            prob_best=float(outcome.prob_best[i]),
            expected_loss=_finite(outcome.expected_loss[i]),
            paused=bool(a.paused or to_pause[i]),
            paused_now=bool(to_pause[i]),
            objective_mean=_finite(goal_mean[i]),
            objective_low=_finite(goal_low[i]),
            objective_high=_finite(goal_high[i]),
            revenue=None if revenue is None else float(revenue[i]),
        )
        for i, a in enumerate(arms)
    )
    winner = arm_decisions[winner_index] if winner_index >= 0 else None
    leader = arm_decisions[int(outcome.leader)]
    held = _held(outcome)
    next_at = None if winner else moment + timedelta(hours=experiment.reweight_hours)
    notes = _explain(
        experiment,
        settings,
        arm_decisions,
        burn_in=burn_in,
        winner=winner,
        leader=leader,
        held=held,
        srm=srm,
        first=previous is None,
        next_at=next_at,
    )
    record = queries.add_decision(
        session,
        decision=AllocationDecision(
            experiment_id=experiment.id,
            created_at=moment,
            shares={str(a.arm_id): round(a.share, 6) for a in arm_decisions},
            prob_best={str(a.arm_id): round(a.prob_best, 6) for a in arm_decisions},
            expected_loss={
                str(a.arm_id): round(float(a.expected_loss or 0.0), 8) for a in arm_decisions
            },
            summary="\n".join(n.text for n in notes),
            details={
                "through_result_id": queries.last_result_id(session, experiment_id=experiment.id),
                "settings": asdict(settings) | {"prior_strength": settings.strength},
                "top_two_leader_share": settings.top_two_leader_share
                if settings.policy == AllocationPolicy.top_two
                else None,
                "burn_in": burn_in,
                "new_data": new_data,
                "srm_mismatch": bool(srm and srm.mismatch),
                "winner_arm_id": winner.arm_id if winner else None,
                "leader_arm_id": leader.arm_id,
                "held": list(held),
                "paused_now": [a.arm_id for a in arm_decisions if a.paused_now],
                "days": [d.isoformat() for d in delivery.days],
                "daily_impressions": delivery.impressions.astype(int).tolist(),
                "daily_clicks": delivery.clicks.astype(int).tolist(),
                "daily_conversions": delivery.conversions.astype(int).tolist(),
                "daily_spend": delivery.spend.tolist(),
                "daily_revenue": None if delivery.revenue is None else delivery.revenue.tolist(),
                "guardrail_p": None
                if np.isnan(outcome.guardrail_p)
                else float(outcome.guardrail_p),
                "arms": [
                    {
                        "arm_id": a.arm_id,
                        "variant_id": a.variant_id,
                        "active": bool(active[i]),
                        "impressions": a.impressions,
                        "clicks": a.clicks,
                        "stored_prior_alpha": arms[i].prior_alpha,
                        "stored_prior_beta": arms[i].prior_beta,
                        "prior_alpha": a.prior_alpha,
                        "prior_beta": a.prior_beta,
                        "alpha": a.alpha,
                        "beta": a.beta,
                        "objective_mean": a.objective_mean,
                        "objective_low": a.objective_low,
                        "objective_high": a.objective_high,
                    }
                    for i, a in enumerate(arm_decisions)
                ],
                "notes": [{"kind": n.kind, "text": n.text} for n in notes],
                "srm": None
                if srm is None
                else {
                    "days": [d.isoformat() for d in srm.days],
                    "p_value": srm.p_value,
                    "mismatch": srm.mismatch,
                    "threshold": srm.threshold,
                    "worst_day": srm.worst_day.isoformat() if srm.worst_day else None,
                    "served": {str(k): v for k, v in srm.served.items()},
                    "planned": {str(k): v for k, v in srm.planned.items()},
                    "unplanned": {str(k): v for k, v in srm.unplanned.items()},
                    "resolved_through": srm.resolved_through.isoformat()
                    if srm.resolved_through
                    else None,
                },
            },
        ),
    )
    for a, arm in zip(arm_decisions, arms, strict=True):
        if a.paused_now:
            arm.paused = True
            queries.save(session, row=arm)
            audit.record(
                session,
                actor=actor,
                action="experiment.pause_arm",
                entity_type="experiment",
                entity_id=experiment.id,
                before={"arm_id": arm.id, "paused": False},
                after={
                    "arm_id": arm.id,
                    "paused": True,
                    "prob_best": a.prob_best,
                    "impressions": a.impressions,
                    "decision_id": record.id,
                },
            )
    if winner is not None:
        _declare_winner(
            session,
            experiment,
            winner.arm_id,
            actor=actor,
            now=moment,
            reason=f"decision {record.id}: P(best) {winner.prob_best:.4f}, "
            f"expected loss {winner.expected_loss:.6f}",
        )
    assert record.id is not None
    return Decision(
        decision_id=record.id,
        experiment_id=experiment.id,
        at=moment,
        arms=arm_decisions,
        burn_in=burn_in,
        winner_arm_id=winner.arm_id if winner else None,
        leader_arm_id=leader.arm_id,
        held=held,
        new_data=new_data,
        srm=srm,
        notes=tuple(notes),
        next_reweight_at=next_at,
    )


def _splits_of_day(
    decisions: Sequence[AllocationDecision], arms: Sequence[Arm], day: date
) -> tuple[np.ndarray, np.ndarray] | None:
    """The split in force at the end of ``day`` (UTC) and the other splits in force at some
    time that day (shape (n_other, n_arms); none when the split did not change). None when no
    decision covers any of the day."""
    start = datetime.combine(day, datetime.min.time()).replace(tzinfo=UTC)
    end = start + timedelta(days=1)
    during: list[np.ndarray] = []
    for k, d in enumerate(decisions):
        since = _aware(d.created_at)
        until = _aware(decisions[k + 1].created_at) if k + 1 < len(decisions) else end
        if min(until, end) <= max(since, start):
            continue
        shares = np.array([float(d.shares.get(str(a.id), 0.0)) for a in arms])
        if shares.sum() > 0:
            during.append(shares / shares.sum())
    if not during:
        return None
    last = during[-1]
    others = [split for split in during[:-1] if not np.allclose(split, last)]
    return last, np.array(others).reshape(len(others), len(arms))


def _srm_check(
    experiment: Experiment,
    arms: Sequence[Arm],
    decisions: Sequence[AllocationDecision],
    delivery: _Delivery,
) -> SrmCheck | None:
    """Each delivery day's served impressions against the split in force that day."""
    resolved = experiment.srm_resolved_through
    rows: list[int] = []
    splits: list[np.ndarray] = []
    others: list[np.ndarray] = []
    for i, day in enumerate(delivery.days):
        if resolved is not None and day <= resolved:
            continue
        in_force = _splits_of_day(decisions, arms, day)
        if in_force is None or delivery.impressions[i].sum() == 0:
            continue
        rows.append(i)
        splits.append(in_force[0])
        others.append(in_force[1])
    if not rows:
        return None
    served = delivery.impressions[rows]
    # Every day gets as many rows of other splits as the busiest day, unused ones nan.
    most = max(len(o) for o in others)
    padded = np.full((len(rows), most, len(arms)), np.nan)
    for r, o in enumerate(others):
        padded[r, : len(o)] = o
    result = sample_ratio_mismatch(served, np.array(splits), other_shares=padded)
    days = tuple(delivery.days[i] for i in rows)
    worst = result.worst_day
    return SrmCheck(
        days=days,
        p_value=float(result.p_value),
        mismatch=bool(result.mismatch),
        threshold=result.threshold,
        worst_day=days[worst] if worst >= 0 else None,
        served={a.id: int(served[worst, j]) for j, a in enumerate(arms)} if worst >= 0 else {},  # type: ignore[misc]
        planned={a.id: float(splits[worst][j]) for j, a in enumerate(arms)} if worst >= 0 else {},  # type: ignore[misc]
        unplanned={
            saved_id(a): int(result.unplanned[j]) for j, a in enumerate(arms) if result.unplanned[j]
        },
        resolved_through=resolved,
    )


def resolve_srm(
    session: Session, experiment_id: int, *, actor: str, through: date, reason: str
) -> Experiment:
    """Mark the sample-ratio mismatch of delivery days up to ``through`` as explained, audited.

    A winner is never declared while a mismatch is unresolved. Once a person has found and fixed
    the cause (an ad's budget, status or approval on the platform), later decisions test only the
    days after ``through``. The caller commits.
    """
    experiment = _get_to_run(session, experiment_id, actor=actor)
    if experiment.status in ENDED:
        raise ExperimentError(f"test {experiment_id} is {experiment.status}; it has ended")
    if not reason.strip():
        raise ExperimentError(
            "say what caused the sample-ratio mismatch and how it was fixed (the reason is audited)"
        )
    before = experiment.srm_resolved_through
    if before is not None and through < before:
        raise ExperimentError(
            f"days up to {before.isoformat()} are already resolved; choose a later day than {through.isoformat()}"
        )
    experiment.srm_resolved_through = through
    queries.save(session, row=experiment)
    audit.record(
        session,
        actor=actor,
        action="experiment.resolve_srm",
        entity_type="experiment",
        entity_id=experiment_id,
        before={"srm_resolved_through": before.isoformat() if before else None},
        after={"srm_resolved_through": through.isoformat(), "reason": reason.strip()},
    )
    return experiment


def set_fatigue(
    session: Session, experiment_id: int, *, actor: str, settings: FatigueSettings
) -> Experiment:
    """Change the fatigue check of a test (recent days, drop, flag probability), audited.

    Fatigue is a reading of the delivery, not a decision: it can be changed at any time, also
    after the test ended (to look back at its arms). The caller commits.
    """
    experiment = _get_to_run(session, experiment_id, actor=actor)
    before = asdict(fatigue_of(experiment))
    experiment.fatigue_recent_days = int(settings.recent_days)
    experiment.fatigue_drop = settings.drop
    experiment.fatigue_flag_probability = settings.flag_probability
    queries.save(session, row=experiment)
    audit.record(
        session,
        actor=actor,
        action="experiment.set_fatigue",
        entity_type="experiment",
        entity_id=experiment_id,
        before=before,
        after=asdict(settings),
    )
    return experiment


def _split_text(arms: Sequence[ArmDecision], shares: Mapping[int, float] | None = None) -> str:
    values = shares or {a.arm_id: a.share for a in arms}
    return ", ".join(f"{a.letter} {values.get(a.arm_id, 0.0):.0%}" for a in arms)


def _explain(
    experiment: Experiment,
    settings: TestSettings,
    arms: Sequence[ArmDecision],
    *,
    burn_in: bool,
    winner: ArmDecision | None,
    leader: ArmDecision,
    held: Sequence[str],
    srm: SrmCheck | None,
    first: bool,
    next_at: datetime | None,
) -> list[Note]:
    notes: list[Note] = []
    total = sum(a.impressions for a in arms)
    active = [a for a in arms if not a.paused or a.paused_now]
    if winner is not None:
        notes.append(
            Note(
                "winner",
                f"Arm {winner.label} is the winner: {_pct(winner.prob_best)} probability of being best, "
                f"expected loss {_loss_text(winner, settings.objective)}; shift all traffic to it. "
                "The other variants are retired.",
            )
        )
    elif burn_in:
        short = [a for a in active if a.impressions < settings.burn_in_impressions]
        behind = ", ".join(f"{a.letter} has {a.impressions:,}" for a in short)
        start = "Test started" if first and total == 0 else "Burn-in"
        notes.append(
            Note(
                "burn_in",
                f"{start}: equal split ({_split_text(arms)}) until every arm has "
                f"{settings.burn_in_impressions:,} impressions ({behind}).",
            )
        )
    else:
        needs = []
        if leader.prob_best < settings.win_probability:
            needs.append(f"{settings.win_probability:.0%} probability of being best")
        limit = settings.max_relative_loss * _decision_scale(leader, settings.objective)
        if leader.expected_loss is not None and leader.expected_loss >= limit:
            unit = (
                "CTR"
                if settings.objective == Objective.ctr
                else OBJECTIVE_NAMES[settings.objective]
            )
            needs.append(
                f"an expected loss below {settings.max_relative_loss:.1%} of its {unit}"
                + (f" ({_pp(limit)})" if settings.objective == Objective.ctr else "")
            )
        notes.append(
            Note(
                "no_winner",
                f"No winner yet: the leader, arm {leader.label}, has {_pct(leader.prob_best)} probability of "
                f"being best and expected loss {_loss_text(leader, settings.objective)}"
                + (f" (a winner needs {' and '.join(needs)})" if needs else "")
                + ".",
            )
        )
        for reason in held:
            notes.append(Note("held", f"Arm {leader.label} would win, but {HELD_REASONS[reason]}."))
        notes.append(Note("split", f"New split: {_split_text(arms)}."))
    for a in arms:
        if a.paused_now:
            notes.append(
                Note(
                    "pause",
                    f"Pause arm {a.label}: {_pct(a.prob_best)} probability of being best after "
                    f"{a.impressions:,} impressions; turn its ad off.",
                )
            )
    if srm is not None:
        if srm.mismatch and srm.worst_day is not None:
            served_total = sum(srm.served.values())
            served_shares = (
                {k: v / served_total for k, v in srm.served.items()} if served_total else {}
            )
            notes.append(
                Note(
                    "srm_mismatch",
                    f"Sample-ratio mismatch: on {srm.worst_day:%Y-%m-%d} the platform served "
                    f"{_split_text(arms, served_shares)} of {served_total:,} impressions, but the split in "
                    f"force that day was {_split_text(arms, srm.planned)} (p {_p(srm.p_value)} < "
                    f"{srm.threshold:g} over {len(srm.days)} day(s)). Check each ad's budget, status and "
                    "approval on the platform; no winner is declared until the mismatch is resolved.",
                )
            )
        else:
            notes.append(
                Note(
                    "srm_ok",
                    f"Served traffic matches the split in force each day ({len(srm.days)} day(s) tested, "
                    f"p {_p(srm.p_value)}).",
                )
            )
    if settings.objective != Objective.ctr:
        values = ", ".join(
            f"{a.letter} {objective_text(a.objective_mean, settings.objective)}"
            for a in arms
            if a.objective_mean is not None
        )
        notes.append(
            Note(
                "objective",
                f"Objective: {OBJECTIVE_NAMES[settings.objective]} ({values}); "
                "CTR is a guardrail: a winner whose CTR is clearly worse than the CTR leader's is held.",
            )
        )
    if next_at is not None:
        notes.append(
            Note(
                "next",
                f"Next reweighting due {next_at:%Y-%m-%d %H:%M} UTC (every {experiment.reweight_hours} h).",
            )
        )
    return notes


#: How each objective is named in explanations.
OBJECTIVE_NAMES: dict[Objective, str] = {
    Objective.ctr: "CTR",
    Objective.conversion_rate: "conversions per click",
    Objective.cpa: "cost per acquisition",
    Objective.roas: "return on ad spend",
}


def _decision_scale(arm: ArmDecision, objective: Objective) -> float:
    """The arm's objective on the higher-is-better scale decisions use (CPA: conversions per
    currency unit)."""
    if objective == Objective.ctr or arm.objective_mean is None:
        return arm.ctr_mean
    if objective == Objective.cpa:
        return 1.0 / arm.objective_mean if arm.objective_mean > 0 else 0.0
    return arm.objective_mean


def _loss_text(arm: ArmDecision, objective: Objective) -> str:
    loss = arm.expected_loss or 0.0
    if objective == Objective.ctr:
        return f"{_pp(loss)} of CTR"
    scale = _decision_scale(arm, objective)
    share = loss / scale if scale > 0 else 0.0
    return f"{share:.2%} of its {OBJECTIVE_NAMES[objective]}"


def objective_text(value: float | None, objective: Objective) -> str:
    """An objective value in its unit: CTR and conversions per click as %, CPA per conversion."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if objective in (Objective.ctr, Objective.conversion_rate):
        return f"{value:.2%}"
    if objective == Objective.cpa:
        return f"{value:,.2f} per conversion"
    return f"{value:.2f}x"


def _get(session: Session, experiment_id: int) -> Experiment:
    experiment = queries.get_experiment(session, experiment_id=experiment_id)
    if experiment is None:
        raise ExperimentError(
            f"no test with id {experiment_id}; `studio tests list` shows the tests"
        )
    return experiment


def _get_to_run(session: Session, experiment_id: int, *, actor: str) -> Experiment:
    """Test ``experiment_id``, once ``actor`` is found to have the run_tests permission."""
    require(session, username=actor, permission=Permission.run_tests)
    return _get(session, experiment_id)


def reweight(
    session: Session, experiment_id: int, *, actor: str, now: datetime | None = None
) -> Decision:
    """Decide the next split of a running test from all delivery imported so far, as ``actor``.

    Logs an :class:`~studio.core.models.AllocationDecision`, pauses arms that are very unlikely to be
    best, and declares the winner when :class:`~studio.experiments.bandits.DecisionRule` finds one (its
    variant -> winner, the others -> retired, the test completed). Audited. The caller commits.
    """
    experiment = _get_to_run(session, experiment_id, actor=actor)
    if experiment.status != RUNNING:
        hint = "resume it first" if experiment.status == PAUSED else "it has ended"
        raise ExperimentError(f"test {experiment_id} is {experiment.status}; {hint}")
    decision = _decide(session, experiment, actor=actor, now=now)
    audit.record(
        session,
        actor=actor,
        action="experiment.reweight",
        entity_type="experiment",
        entity_id=experiment_id,
        after={
            "decision_id": decision.decision_id,
            "shares": {str(a.arm_id): round(a.share, 4) for a in decision.arms},
            "winner_arm_id": decision.winner_arm_id,
            "srm_mismatch": bool(decision.srm and decision.srm.mismatch),
        },
    )
    return decision


def next_reweight_at(session: Session, experiment: Experiment) -> datetime | None:
    """When a running test is next due for reweighting (None when it is not running)."""
    if experiment.status != RUNNING:
        return None
    last = queries.latest_decision(session, experiment_id=saved_id(experiment))
    start = last.created_at if last else experiment.created_at
    return _aware(start) + timedelta(hours=experiment.reweight_hours)


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; the studio stores UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def due_tests(session: Session, *, now: datetime | None = None) -> list[Experiment]:
    """Running tests whose reweighting cadence has elapsed."""
    moment = _aware(now or utcnow())
    due = []
    for experiment in queries.list_experiments(session, statuses=[RUNNING], limit=10_000):
        at = next_reweight_at(session, experiment)
        if at is not None and at <= moment:
            due.append(experiment)
    return due


def _declare_winner(
    session: Session, experiment: Experiment, arm_id: int, *, actor: str, now: datetime, reason: str
) -> None:
    arms = queries.list_arms(session, experiment_id=saved_id(experiment))
    for arm in arms:
        target = VariantStatus.winner if arm.id == arm_id else VariantStatus.retired
        review_flow.transition(
            session,
            variant_id=arm.variant_id,
            target=target,
            actor=actor,
            comment=f"test {experiment.id}: {reason}" if arm.id == arm_id else "",
        )
    before = {"status": experiment.status, "winner_arm_id": experiment.winner_arm_id}
    experiment.status, experiment.winner_arm_id, experiment.ended_at = COMPLETED, arm_id, now
    queries.save(session, row=experiment)
    audit.record(
        session,
        actor=actor,
        action="experiment.declare_winner",
        entity_type="experiment",
        entity_id=saved_id(experiment),
        before=before,
        after={"status": COMPLETED, "winner_arm_id": arm_id, "reason": reason},
    )


# --------------------------------------------------------------------------------------------
# Pause, resume, stop
# --------------------------------------------------------------------------------------------


def _set_status(
    session: Session,
    experiment_id: int,
    *,
    actor: str,
    allowed_from: set[ExperimentStatus],
    to: ExperimentStatus,
    action: str,
    reason: str = "",
) -> Experiment:
    experiment = _get_to_run(session, experiment_id, actor=actor)
    if experiment.status not in allowed_from:
        raise ExperimentError(
            f"cannot {action} test {experiment_id}: it is {experiment.status} (only a "
            f"{' or '.join(sorted(allowed_from))} test can be {'stopped' if action == 'stop' else action + 'd'})"
        )
    before = experiment.status
    experiment.status = to
    if to in ENDED:
        experiment.ended_at = utcnow()
    queries.save(session, row=experiment)
    audit.record(
        session,
        actor=actor,
        action=f"experiment.{action}",
        entity_type="experiment",
        entity_id=experiment_id,
        before={"status": before},
        after={"status": to, **({"reason": reason} if reason else {})},
    )
    return experiment


def pause(session: Session, experiment_id: int, *, actor: str) -> Experiment:
    """Stop reweighting a running test (delivery can still be imported). The caller commits."""
    return _set_status(
        session, experiment_id, actor=actor, allowed_from={RUNNING}, to=PAUSED, action="pause"
    )


def resume(session: Session, experiment_id: int, *, actor: str) -> Experiment:
    return _set_status(
        session, experiment_id, actor=actor, allowed_from={PAUSED}, to=RUNNING, action="resume"
    )


def stop(session: Session, experiment_id: int, *, actor: str, reason: str = "") -> Experiment:
    """End a test without a winner: every variant in it is retired (audited). The caller commits."""
    experiment = _set_status(
        session,
        experiment_id,
        actor=actor,
        allowed_from={RUNNING, PAUSED},
        to=STOPPED,
        action="stop",
        reason=reason.strip(),
    )
    for arm in queries.list_arms(session, experiment_id=experiment_id):
        review_flow.transition(
            session,
            variant_id=arm.variant_id,
            target=VariantStatus.retired,
            actor=actor,
            comment=f"test {experiment_id} stopped"
            + (f": {reason.strip()}" if reason.strip() else ""),
        )
    return experiment


# --------------------------------------------------------------------------------------------
# Re-evaluating a logged decision
# --------------------------------------------------------------------------------------------


def replay_decision(decision: AllocationDecision) -> DecisionOutcome:
    """Recompute a logged decision from its ``details`` alone (offline re-evaluation).

    Runs :func:`studio.experiments.decisions.decide`, the function that made the decision, on the
    logged delivery per day, active arms, stored priors, settings and flags; its ``shares``,
    ``winner`` and ``paused_now`` equal what was logged and applied.
    """
    d = decision.details
    if not d.get("arms") or "daily_impressions" not in d:
        raise ExperimentError(
            f"decision {decision.id} was logged without its delivery per day; it cannot be replayed"
        )
    settings = TestSettings(**d["settings"])
    arms = d["arms"]
    stored = BetaPosterior(
        np.array([a["stored_prior_alpha"] for a in arms]),
        np.array([a["stored_prior_beta"] for a in arms]),
    )
    return decide(
        settings,
        impressions=np.array(d["daily_impressions"], dtype=np.float64).reshape(-1, len(arms)),
        clicks=np.array(d["daily_clicks"], dtype=np.float64).reshape(-1, len(arms)),
        active=np.array([bool(a["active"]) for a in arms]),
        stored_prior=stored,
        new_data=bool(d["new_data"]),
        srm_mismatch=bool(d["srm_mismatch"]),
        conversions=_logged(d, "daily_conversions", len(arms)),
        spend=_logged(d, "daily_spend", len(arms)),
        revenue=_logged(d, "daily_revenue", len(arms)),
    )


def _logged(details: Mapping[str, Any], key: str, n_arms: int) -> np.ndarray | None:
    """A logged per-day array, shape (n_days, n_arms); None for decisions logged without it."""
    values = details.get(key)
    if values is None:
        return None
    return np.array(values, dtype=np.float64).reshape(-1, n_arms)


# --------------------------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One arm at one decision: what the dashboard's over-time charts and CSV hold."""

    decision_id: int
    at: datetime
    arm_id: int
    arm: str
    variant_id: int
    headline: str
    impressions: int
    clicks: int
    ctr_mean: float
    ctr_low: float
    ctr_high: float
    share: float
    prob_best: float
    expected_loss: float | None


@dataclass(frozen=True)
class Dashboard:
    """Everything the Tests page draws, for one test.

    ``arms`` is the latest decision; ``history`` has one row per decision and arm (oldest
    first); ``daily`` the imported delivery per day and arm; ``new_rows`` counts report rows
    imported since the latest decision (reweight to take them into account).
    """

    experiment_id: int
    name: str
    status: str
    policy: AllocationPolicy
    prior_source: str
    winner_arm_id: int | None
    objective: Objective
    arms: tuple[ArmDecision, ...]
    history: tuple[HistoryRow, ...]
    daily: tuple[dict[str, Any], ...]
    decisions: tuple[tuple[int, datetime, str], ...]
    new_rows: int
    latest_srm_mismatch: bool = field(default=False)
    #: The latest decision's explanation, line by line with its kind (see :class:`Note`).
    notes: tuple[Note, ...] = ()
    #: Per arm (in the order of ``arms``): is its recent CTR clearly below its own baseline?
    fatigue: tuple[ArmFatigue, ...] = ()
    #: The test's fatigue settings (stored on the test).
    fatigue_settings: FatigueSettings = field(default_factory=FatigueSettings)
    #: Under top-two Thompson sampling, the share of traffic the leader keeps; None otherwise.
    leader_share: float | None = None

    def labels(self) -> dict[int, str]:
        return {a.arm_id: f"{a.letter}: {_short(a.headline, 30)}" for a in self.arms}

    def densities(self, points: int = 400) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Posterior densities of each arm's CTR: ``x`` of shape (points,) and a density per arm."""
        from scipy.stats import beta as beta_distribution

        lows = [beta_distribution.ppf(0.0005, a.alpha, a.beta) for a in self.arms]
        highs = [beta_distribution.ppf(0.9995, a.alpha, a.beta) for a in self.arms]
        x = np.linspace(max(0.0, min(lows)), min(1.0, max(highs)), points)
        return x, {a.arm_id: beta_distribution.pdf(x, a.alpha, a.beta) for a in self.arms}


def dashboard(session: Session, experiment_id: int) -> Dashboard:
    """Everything the Tests page and ``studio tests show`` show for one test.

    Fatigue (:func:`~studio.experiments.fatigue.check_fatigue`) runs with the test's stored
    settings (:func:`fatigue_of`; changed with :func:`set_fatigue`), on frequency too where the
    reports carry reach.
    """
    experiment = _get(session, experiment_id)
    arms = list(queries.list_arms(session, experiment_id=experiment_id))
    variants = queries.get_variants(session, variant_ids=[a.variant_id for a in arms])
    letters = {a.id: arm_letter(i) for i, a in enumerate(arms)}
    heads = {a.id: headline(variants[a.variant_id]) for a in arms}
    decisions = list(queries.list_decisions(session, experiment_id=experiment_id))
    totals = queries.delivery_by_arm(session, experiment_id=experiment_id)
    history: list[HistoryRow] = []
    for d in decisions:
        logged = {int(x["arm_id"]): x for x in (d.details or {}).get("arms", [])}
        if not logged:
            continue
        ids = [a.id for a in arms if a.id in logged]
        alpha = np.array([logged[i]["alpha"] for i in ids])
        beta = np.array([logged[i]["beta"] for i in ids])
        low, high = _posterior_interval(alpha, beta)
        for k, arm_id in enumerate(ids):
            loss = d.expected_loss.get(str(arm_id))
            history.append(
                HistoryRow(
                    decision_id=saved_id(d),
                    at=_aware(d.created_at),
                    arm_id=arm_id,
                    arm=letters[arm_id],
                    variant_id=logged[arm_id]["variant_id"],
                    headline=heads[arm_id],
                    impressions=int(logged[arm_id]["impressions"]),
                    clicks=int(logged[arm_id]["clicks"]),
                    ctr_mean=float(alpha[k] / (alpha[k] + beta[k])),
                    ctr_low=float(low[k]),
                    ctr_high=float(high[k]),
                    share=float(d.shares.get(str(arm_id), 0.0)),
                    prob_best=float(d.prob_best.get(str(arm_id), 0.0)),
                    expected_loss=None if loss is None else float(loss),
                )
            )
    latest = decisions[-1] if decisions else None
    current: list[ArmDecision] = []
    last_rows = {h.arm_id: h for h in history if latest is not None and h.decision_id == latest.id}
    logged_latest = {
        int(x["arm_id"]): x for x in ((latest.details or {}).get("arms", []) if latest else [])
    }
    for a in arms:
        row, x = last_rows.get(saved_id(a)), logged_latest.get(saved_id(a))
        t = totals.get(saved_id(a), queries.Delivery())
        arm_alpha = float(x["alpha"]) if x else a.prior_alpha
        arm_beta = float(x["beta"]) if x else a.prior_beta
        low, high = _posterior_interval(np.array([arm_alpha]), np.array([arm_beta]))
        current.append(
            ArmDecision(
                arm_id=saved_id(a),
                letter=letters[saved_id(a)],
                variant_id=a.variant_id,
                headline=heads[saved_id(a)],
                ad_name=a.ad_name,
                ad_id=a.ad_id,
                impressions=t.impressions,
                clicks=t.clicks,
                conversions=t.conversions,
                spend=t.spend,
                prior_alpha=float(x["prior_alpha"]) if x else a.prior_alpha,
                prior_beta=float(x["prior_beta"]) if x else a.prior_beta,
                alpha=arm_alpha,
                beta=arm_beta,
                ctr_mean=arm_alpha / (arm_alpha + arm_beta),
                ctr_low=float(low[0]),
                ctr_high=float(high[0]),
                share=row.share if row else 0.0,
                prob_best=row.prob_best if row else 0.0,
                expected_loss=row.expected_loss if row else None,
                paused=a.paused,
                objective_mean=x.get("objective_mean") if x else None,
                objective_low=x.get("objective_low") if x else None,
                objective_high=x.get("objective_high") if x else None,
            )
        )
    daily = tuple(
        {
            "day": r.day,
            "arm_id": r.arm_id,
            "arm": letters.get(r.arm_id, "?"),
            "impressions": r.impressions,
            "clicks": r.clicks,
            "ctr": r.clicks / r.impressions if r.impressions else None,
            "conversions": r.conversions,
            "spend": r.spend,
        }
        for r in queries.daily_delivery(session, experiment_id=experiment_id)
    )
    delivered = _delivery(session, experiment_id, arms)
    tiredness = fatigue_of(experiment)
    fatigue = check_fatigue(
        delivered.impressions,
        delivered.clicks,
        delivered.reach,
        recent_days=tiredness.recent_days,
        drop=tiredness.drop,
        flag_probability=tiredness.flag_probability,
    )
    through = int((latest.details or {}).get("through_result_id", 0)) if latest else 0
    new_rows = queries.count_results(session, experiment_id=experiment_id, after_result_id=through)
    srm = (latest.details or {}).get("srm") if latest else None
    return Dashboard(
        experiment_id=experiment_id,
        name=experiment.name,
        status=experiment.status,
        policy=experiment.policy,
        leader_share=experiment.top_two_leader_share
        if experiment.policy == AllocationPolicy.top_two
        else None,
        prior_source=experiment.prior_source,
        winner_arm_id=experiment.winner_arm_id,
        objective=experiment.objective,
        arms=tuple(current),
        history=tuple(history),
        daily=daily,
        decisions=tuple((saved_id(d), _aware(d.created_at), d.summary) for d in decisions),
        new_rows=new_rows,
        latest_srm_mismatch=bool(srm and srm.get("mismatch")),
        notes=_logged_notes(latest),
        fatigue=fatigue,
        fatigue_settings=tiredness,
    )


def fatigue_notes(board: Dashboard) -> tuple[Note, ...]:
    """The fatigue check in plain words: what it is based on, then each fatigued arm.

    Kinds: ``fatigue_basis`` (CTR and frequency, or CTR only and why), ``fatigued`` (flagged:
    brief a challenger), ``ctr_drop`` (CTR fell but frequency did not rise: not flagged).
    """
    if not board.fatigue or not any(f.probability is not None for f in board.fatigue):
        return ()
    settings = board.fatigue_settings
    with_frequency = [f.uses_frequency for f in board.fatigue if f.probability is not None]
    if all(with_frequency):
        basis = "Fatigue uses CTR and frequency (impressions per person reached)."
    elif any(with_frequency):
        basis = (
            "Fatigue uses CTR and frequency where the reports carry reach; for the other arms, "
            "CTR only."
        )
    else:
        basis = (
            "Fatigue uses CTR only: the reports carry no Reach (or Frequency) column; add it to "
            "the export to see frequency."
        )
    notes = [
        Note(
            "fatigue_basis",
            f"{basis} An arm is flagged when its CTR over its last {settings.recent_days} "
            f"delivery day(s) is more than {settings.drop:.0%} below its earlier CTR with "
            f"{settings.flag_probability:.0%} probability or more.",
        )
    ]
    for arm, tired in zip(board.arms, board.fatigue, strict=True):
        if tired.probability is None or tired.recent_ctr is None or tired.baseline_ctr is None:
            continue
        frequency = (
            f"; frequency {tired.baseline_frequency:.2f} -> {tired.recent_frequency:.2f}"
            if tired.baseline_frequency is not None and tired.recent_frequency is not None
            else ""
        )
        change = (
            f"CTR {tired.recent_ctr:.2%} over its last {tired.recent_days} day(s) against "
            f"{tired.baseline_ctr:.2%} before ({tired.probability:.0%} probability it fell more "
            f"than {settings.drop:.0%}){frequency}"
        )
        if tired.flagged:
            notes.append(
                Note("fatigued", f"Arm {arm.label} looks fatigued: {change}. Brief a challenger.")
            )
        elif tired.reason:
            notes.append(Note("ctr_drop", f"Arm {arm.label}: {change}. {tired.reason}."))
    return tuple(notes)


def _logged_notes(decision: AllocationDecision | None) -> tuple[Note, ...]:
    if decision is None:
        return ()
    logged = (decision.details or {}).get("notes")
    if logged:
        return tuple(Note(n["kind"], n["text"]) for n in logged)
    # Decisions logged before notes were kept: their summary, line by line, as plain text.
    return tuple(Note("text", line) for line in decision.summary.splitlines())


HISTORY_COLUMNS = (
    "decision_id",
    "at_utc",
    "arm",
    "arm_id",
    "variant_id",
    "headline",
    "impressions",
    "clicks",
    "ctr_mean",
    "ctr_low_95",
    "ctr_high_95",
    "share",
    "prob_best",
    "expected_loss",
)


def dashboard_csv(board: Dashboard) -> str:
    """The dashboard's data, one row per decision and arm (CTRs and losses as fractions).

    Written by :func:`studio.core.csvfiles.csv_text`: a headline or ad name that starts a
    formula is neutralised.
    """
    from studio.core.csvfiles import csv_text

    return csv_text(
        HISTORY_COLUMNS,
        (
            [
                h.decision_id,
                h.at.isoformat(),
                h.arm,
                h.arm_id,
                h.variant_id,
                h.headline,
                h.impressions,
                h.clicks,
                f"{h.ctr_mean:.6f}",
                f"{h.ctr_low:.6f}",
                f"{h.ctr_high:.6f}",
                f"{h.share:.6f}",
                f"{h.prob_best:.6f}",
                "" if h.expected_loss is None else f"{h.expected_loss:.8f}",
            ]
            for h in board.history
        ),
    )
