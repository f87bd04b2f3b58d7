"""Brief a challenger: new draft copy written from a test's winning or fatigued arm.

When a test has a winner, or an arm's CTR is wearing out (:mod:`studio.experiments.fatigue`),
the next step is new copy to test against it. :func:`brief_challenger` writes that brief and
runs it through the studio's one copy generation path
(:func:`studio.copy.generation.run_generation`: the configured copy writer, the offline one by
default; compliance checks, repairs, near-duplicate merging):

* same brand, persona and channel as the parent variant, and its campaign's objective, offer
  and landing page;
* the parent's copy and its result in the test as the reference, with the instruction to keep
  what the brand allows but take a different angle (another benefit, pain or proof point) and
  not to reuse its headline;
* each new variant is a **draft** linked to its parent (``Variant.challenger_of_id``), audited.

Nothing unreviewed goes live: a draft must be submitted and approved on the Review page like any
other copy before it can be put in a test (:func:`studio.experiments.lifecycle.create_test`
accepts approved variants only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from studio.backends.contracts import CopyWriter
from studio.brand.guidelines import Brand
from studio.copy import variants as variant_queries
from studio.copy.channels import field_texts
from studio.copy.generation import GenerationRequest, run_generation
from studio.copy.writing import CampaignBrief
from studio.core import audit
from studio.core.models import Variant, saved_id
from studio.experiments import queries
from studio.experiments.decisions import ExperimentError
from studio.experiments.lifecycle import ArmDecision, Dashboard, dashboard

if TYPE_CHECKING:
    from studio.scoring.embeddings import TextEncoder

#: Added to the parent's seed, so the challenger's draft differs from the parent's.
SEED_OFFSET = 7919


@dataclass(frozen=True)
class Challengers:
    """What :func:`brief_challenger` made: draft variants linked to their parent."""

    experiment_id: int
    parent_variant_id: int
    reason: str  # "winner" or "fatigued"
    campaign_id: int
    variant_ids: tuple[int, ...]
    flagged: int  # drafts that still break a brand rule (kept, with their violations)
    brief: CampaignBrief


def _why(board: Dashboard, arm: ArmDecision) -> str:
    if board.winner_arm_id == arm.arm_id:
        return "winner"
    tired = dict(zip((a.arm_id for a in board.arms), board.fatigue, strict=True)).get(arm.arm_id)
    if tired is not None and tired.flagged:
        return "fatigued"
    raise ExperimentError(
        f"arm {arm.letter} (arm id {arm.arm_id}) of test {board.experiment_id} is neither its "
        "winner nor fatigued; brief a challenger from the winner or from a fatigued arm"
    )


def challenger_brief(
    board: Dashboard, arm: ArmDecision, parent: Variant, base: CampaignBrief
) -> CampaignBrief:
    """The generation brief for a challenger to ``arm``: ``base`` plus the reference ad."""
    reason = _why(board, arm)
    copy = "\n".join(
        f"- {where}: {text}" for where, text in field_texts(parent.channel, parent.fields)
    )
    ctr = "-" if arm.observed_ctr is None else f"{arm.observed_ctr:.2%}"
    result = (
        f"It {'won' if reason == 'winner' else 'is wearing out in'} test {board.experiment_id} "
        f"'{board.name}': CTR {ctr} on {arm.impressions:,} impressions, "
        f"{arm.prob_best:.0%} probability of being best."
    )
    if reason == "fatigued":
        tired = board.fatigue[[a.arm_id for a in board.arms].index(arm.arm_id)]
        result += (
            f" Its CTR fell from {tired.baseline_ctr:.2%} to {tired.recent_ctr:.2%} over its "
            f"last {tired.recent_days} day(s)."
        )
    reference = (
        f"This ad (variant {parent.id}) is the one to beat.\n{result}\nIts copy:\n{copy}\n"
        "Write a challenger for the same audience and channel: keep the brand's voice and only "
        "its approved claims, but take a different angle (another benefit, pain or proof point) "
        "and do not reuse its headline."
    )
    return CampaignBrief(
        objective=base.objective,
        landing_url=base.landing_url,
        offer=base.offer,
        name=f"Challenger to variant {parent.id} (test {board.experiment_id})"[:200],
        reference=reference,
    )


def brief_challenger(
    session: Session,
    *,
    experiment_id: int,
    arm_id: int,
    actor: str,
    brand: Brand,
    writer: CopyWriter,
    n: int = 1,
    seed: int | None = None,
    encoder: TextEncoder | None = None,
) -> Challengers:
    """Draft ``n`` challengers to the winning or fatigued ``arm_id`` of a test, as ``actor``.

    ``actor`` needs the ``generate`` permission (checked by
    :func:`~studio.copy.generation.run_generation`). The drafts are saved with
    ``challenger_of_id`` = the arm's variant and go through review before any test can use
    them. The caller commits.

    Raises
    ------
    ExperimentError
        No such arm, the arm is neither the winner nor fatigued, or ``brand`` is not the test's.
    """
    board = dashboard(session, experiment_id)
    arm = next((a for a in board.arms if a.arm_id == arm_id), None)
    if arm is None:
        raise ExperimentError(
            f"test {experiment_id} has no arm {arm_id}; its arms: "
            + ", ".join(f"{a.letter} (id {a.arm_id})" for a in board.arms)
        )
    experiment = queries.get_experiment(session, experiment_id=experiment_id)
    assert experiment is not None
    if brand.slug != experiment.brand:
        raise ExperimentError(
            f"test {experiment_id} is for brand {experiment.brand!r}, not {brand.slug!r}"
        )
    reason = _why(board, arm)
    parent = queries.get_variants(session, variant_ids=[arm.variant_id])[arm.variant_id]
    campaign = variant_queries.get_campaign(session, campaign_id=parent.campaign_id)
    base = CampaignBrief(
        objective=campaign.objective, landing_url=campaign.landing_url, offer=campaign.offer
    )
    brief = challenger_brief(board, arm, parent, base)
    request = GenerationRequest(
        brand=brand,
        brief=brief,
        personas=(parent.persona,),
        channels=(parent.channel,),
        n=n,
        seed=parent.seed + SEED_OFFSET if seed is None else seed,
    )
    result = run_generation(session, request, writer, created_by=actor, encoder=encoder)
    made = [v.variant_id for v in result.variants if v.variant_id is not None]
    for variant_id in made:
        queries.link_challenger(session, variant_id=variant_id, parent_id=saved_id(parent))
    assert result.campaign_id is not None
    audit.record(
        session,
        actor=actor,
        action="experiment.brief_challenger",
        entity_type="experiment",
        entity_id=experiment_id,
        after={
            "arm_id": arm_id,
            "parent_variant_id": parent.id,
            "reason": reason,
            "campaign_id": result.campaign_id,
            "variant_ids": made,
        },
    )
    return Challengers(
        experiment_id=experiment_id,
        parent_variant_id=saved_id(parent),
        reason=reason,
        campaign_id=result.campaign_id,
        variant_ids=tuple(made),
        flagged=sum(1 for v in result.variants if v.violations),
        brief=brief,
    )
