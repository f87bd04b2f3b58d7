"""An approved challenger joins a running test as a new arm (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from studio.core import audit
from studio.core.models import Experiment, Variant, VariantStatus
from studio.experiments import lifecycle as ex
from studio.experiments import queries
from studio.experiments.reports import import_report
from studio.export.pipeline import ExportScope, export
from tests.experiments.conftest import arms_of, make_variants, meta_csv, start_test
from tests.export.conftest import add_image
from tests.factories import make_campaign, make_variant

S = VariantStatus


def _at(day: str, hour: int = 6) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _deliver(
    session: Session, experiment: Experiment, day: str, numbers: list[tuple[int, int]]
) -> list[str]:
    """Import one day's report, one row per arm in order (as many arms as ``numbers``);
    returns the reasons of the rows refused."""
    rows = [
        dict(day=day, ad_name=a.ad_name, impressions=i, clicks=c)
        for a, (i, c) in zip(arms_of(session, experiment), numbers, strict=False)
    ]
    result = import_report(
        session,
        experiment_id=experiment.id,  # type: ignore[arg-type]
        data=meta_csv(rows, with_id=False),
        file_name=f"meta-{day}.csv",
        actor="mia",
    )
    session.commit()
    return [b.reason for b in result.bad_rows]


def _add(session: Session, experiment: Experiment, variant: Variant, at: datetime) -> ex.Decision:
    decision = ex.add_arm(session, experiment.id, variant.id, actor="mia", now=at)  # type: ignore[arg-type]
    session.commit()
    return decision


def _challenger(session: Session, parent: Variant) -> Variant:
    """An approved challenger to ``parent``, drafted in a campaign of its own (as
    :func:`studio.experiments.challengers.brief_challenger` does)."""
    campaign = make_campaign(session, name="Challenger")
    child = make_variant(
        session, campaign_id=campaign, status=S.approved, headline="A cup that tastes of home"
    )
    queries.link_challenger(session, variant_id=child.id, parent_id=parent.id)  # type: ignore[arg-type]
    session.commit()
    return child


def test_a_challenger_joins_from_the_prior_and_can_win(session, people, tmp_path):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants, burn_in_impressions=1000)
    assert not _deliver(session, experiment, "2024-05-01", [(5000, 50), (5000, 52)])
    before = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-02"))  # type: ignore[arg-type]
    session.commit()
    assert not before.burn_in
    challenger = _challenger(session, variants[0])
    assert [v.id for v in ex.joinable_variants(session, experiment_id=experiment.id)] == [  # type: ignore[arg-type]
        challenger.id
    ]

    joined = _add(session, experiment, challenger, _at("2024-05-02", 12))
    new = joined.arms[2]
    assert (new.letter, new.variant_id, new.impressions) == ("C", challenger.id, 0)
    # From the prior (flat, stored), no delivery borrowed; the burn-in's equal split again.
    assert (new.prior_alpha, new.prior_beta) != (0, 0)
    assert new.alpha - new.prior_alpha == 0 and new.beta - new.prior_beta == 0
    assert joined.burn_in and joined.winner_arm_id is None
    assert [round(a.share, 4) for a in joined.arms] == [0.3333, 0.3333, 0.3333]
    assert session.get(Variant, challenger.id).status == S.in_test  # type: ignore[union-attr]
    arm = arms_of(session, experiment)[2]
    assert arm.joined_at is not None and arm.joined_at.date() == date(2024, 5, 2)
    (entry,) = audit.list_entries(session, entity_id=experiment.id, action="experiment.add_arm")  # type: ignore[arg-type]
    assert entry.after["variant_id"] == challenger.id
    assert entry.after["challenger_of_id"] == variants[0].id

    # Its ad served from the day it joined; the next day follows the equal split. The days
    # before it joined are judged without it (no missing traffic), the day it joined against
    # the splits in force that day, and the new arm, clearly best, wins.
    assert not _deliver(session, experiment, "2024-05-02", [(3000, 30), (3000, 31), (1500, 45)])
    assert not _deliver(session, experiment, "2024-05-03", [(3000, 30), (3000, 29), (3000, 95)])
    decision = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-04"))  # type: ignore[arg-type]
    session.commit()
    assert decision.srm is not None and not decision.srm.mismatch, decision.srm
    assert decision.srm.days == (date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3))
    assert decision.winner_arm_id == new.arm_id

    # The winner exports as any winner does, with its test's results (the late arm included).
    assets = tmp_path / "assets"
    assets.mkdir()
    add_image(session, variant_id=challenger.id, asset_dir=assets, width=1080, height=1080)  # type: ignore[arg-type]
    result = export(
        session,
        platform="meta",
        scope=ExportScope.test(experiment.id),  # type: ignore[arg-type]
        output=tmp_path / "winner.zip",
        actor="mia",
        asset_dir=assets,
    )
    session.commit()
    assert result.variant_ids == (challenger.id,)
    manifest = json.loads(zipfile.ZipFile(result.path).read("manifest.json"))
    (exported,) = manifest["variants"]
    assert exported["ad_name"] == f"studio-v{challenger.id}"
    (tested,) = exported["tests"]
    assert tested["is_winner"] and len(tested["arms"]) == 3
    assert tested["this_arm"]["impressions"] == 4500


def test_no_winner_while_the_new_arm_is_in_its_burn_in(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants[:2], burn_in_impressions=1000)
    assert not _deliver(session, experiment, "2024-05-01", [(5000, 100), (5000, 40)])
    _add(session, experiment, variants[2], _at("2024-05-01", 20))
    assert not _deliver(session, experiment, "2024-05-02", [(900, 18), (900, 7), (900, 5)])
    decision = ex.reweight(session, experiment.id, actor="mia", now=_at("2024-05-03"))  # type: ignore[arg-type]
    session.commit()
    # A beats B by far and C is unlikely to be best: A meets the winner thresholds, and only
    # the new arm's burn-in holds the winner.
    leader = next(a for a in decision.arms if a.arm_id == decision.leader_arm_id)
    assert leader.letter == "A" and leader.prob_best >= 0.95
    assert leader.expected_loss is not None and leader.expected_loss < 0.01 * leader.ctr_mean
    assert decision.burn_in and decision.winner_arm_id is None
    assert "C has 900" in decision.text


def test_delivery_of_the_new_arm_before_it_joined_is_refused(session, people):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants[:2])
    _add(session, experiment, variants[2], _at("2024-05-03", 9))
    refused = _deliver(session, experiment, "2024-05-02", [(100, 1), (100, 2), (100, 3)])
    assert refused == [
        f"2024-05-02 is before this ad's arm joined test {experiment.id} on 2024-05-03; only "
        "its delivery from that day on belongs to the test"
    ]


def _other_campaign(session: Session, variants: list[Variant]) -> Variant:
    return make_variant(
        session, campaign_id=make_campaign(session, name="Autumn"), status=S.approved
    )


def _other_brand(session: Session, variants: list[Variant]) -> Variant:
    variant = make_variant(
        session, campaign_id=variants[0].campaign_id, status=S.approved, headline="Ledger"
    )
    variant.brand = "ledgerly"
    session.add(variant)
    session.commit()
    return variant


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda s, v: make_variant(s, campaign_id=v[0].campaign_id, status=S.in_review),
            "it is 'in_review'; only an approved variant can join a test",
        ),
        (
            lambda s, v: make_variant(
                s, campaign_id=v[0].campaign_id, status=S.approved, channel="google_rsa"
            ),
            "it is for channel 'google_rsa'; the test is for channel 'meta_feed'",
        ),
        (_other_brand, "it is for brand 'ledgerly'; the test is for brand 'halden-coffee'"),
        (_other_campaign, "not to a campaign of the test's arms"),
        (lambda s, v: v[0], "it is already arm A of the test"),
        (
            lambda s, v: make_variant(
                s, campaign_id=v[0].campaign_id, status=S.approved, headline="  FIND YOUR ROAST "
            ),
            "its copy is identical to arm A",
        ),
    ],
)
def test_refusals_name_what_is_wrong(session, people, make, message):
    variants = make_variants(session, n=2)
    experiment = start_test(session, variants)
    candidate = make(session, variants)
    with pytest.raises(ex.ExperimentError, match="cannot join test") as caught:
        _add(session, experiment, candidate, _at("2024-05-02"))
    assert message in str(caught.value)
    assert len(arms_of(session, experiment)) == 2


@pytest.mark.parametrize("end", ["pause", "stop"])
def test_only_a_running_test_takes_new_arms(session, people, end):
    variants = make_variants(session, n=3)
    experiment = start_test(session, variants[:2])
    getattr(ex, end)(session, experiment.id, actor="mia")
    session.commit()
    with pytest.raises(ex.ExperimentError, match="only a running test takes new arms"):
        _add(session, experiment, variants[2], _at("2024-05-02"))
    assert session.get(Variant, variants[2].id).status == S.approved  # type: ignore[union-attr]
