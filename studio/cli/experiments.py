"""``studio tests``: create, inspect, reweight, pause, resume and stop creative tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from studio.cli._common import database, fail, settings
from studio.core.models import AllocationPolicy, Objective, PriorSource, saved_id
from studio.experiments import charts, queries
from studio.experiments import lifecycle as ex

app = typer.Typer(
    help="Creative tests: Thompson-sampling splits between approved variants.", no_args_is_help=True
)

ACTING = typer.Option(
    None,
    "--as",
    envvar="STUDIO_USER",
    help="Who acts (a marketer or admin); audited. Default: $STUDIO_USER.",
)
DEFAULTS = ex.TestSettings()
FATIGUE = ex.FatigueSettings()
FATIGUE_DAYS_HELP = "Fatigue: the last N delivery days of each arm are its recent period"
FATIGUE_DROP_HELP = (
    "Fatigue: flag an arm whose recent CTR is likely more than this fraction below its earlier CTR"
)
FATIGUE_PROBABILITY_HELP = "Fatigue: how likely the drop must be to flag the arm"


def _actor(actor: str | None) -> str:
    if not actor:
        fail("say who acts with --as USER (a marketer or admin) or set STUDIO_USER")
    return actor


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="What the test is about."),
    brand: str = typer.Option(..., "--brand", help="Brand slug, e.g. halden-coffee."),
    persona: str = typer.Option(
        ..., "--persona", help="Persona slug every variant is written for."
    ),
    channel: str = typer.Option(
        ..., "--channel", help="Channel every variant is for, e.g. meta_feed."
    ),
    variant: list[int] = typer.Option(
        ..., "--variant", help="An approved variant id (repeat, 2 or more)."
    ),
    policy: AllocationPolicy | None = typer.Option(
        None, help=f"{' | '.join(ex.POLICIES)} (default {DEFAULTS.policy})."
    ),
    leader_share: float | None = typer.Option(
        None,
        help="Top-two Thompson sampling: share of traffic the leader keeps, a fraction in (0, 1) "
        f"(default {DEFAULTS.top_two_leader_share:g}); the rest measures the runner-up.",
    ),
    prior: PriorSource | None = typer.Option(
        None, help=f"Prior: {' | '.join(ex.PRIOR_SOURCES)} (default {DEFAULTS.prior_source})."
    ),
    prior_strength: float | None = typer.Option(
        None,
        help="Prior weight in impressions (default: "
        + ", ".join(f"{k} {v:g}" for k, v in ex.DEFAULT_PRIOR_STRENGTH.items() if v)
        + ").",
    ),
    min_share: float | None = typer.Option(
        None,
        help=f"Least share per arm after the burn-in (default {DEFAULTS.min_share:g} = "
        f"{DEFAULTS.min_share:.0%}).",
    ),
    burn_in: int | None = typer.Option(
        None,
        help="Equal split until every arm has this many impressions (default "
        f"{DEFAULTS.burn_in_impressions}).",
    ),
    reweight_hours: int | None = typer.Option(
        None, help=f"Reweighting cadence in hours (default {DEFAULTS.reweight_hours})."
    ),
    win_probability: float | None = typer.Option(
        None,
        help=f"Probability of being best a winner needs (default {DEFAULTS.win_probability:g}).",
    ),
    max_relative_loss: float | None = typer.Option(
        None,
        help="Expected loss a winner must stay below, as a fraction of its objective (default "
        f"{DEFAULTS.max_relative_loss:g}).",
    ),
    objective: Objective | None = typer.Option(
        None,
        help=f"What the winner is chosen on: {' | '.join(ex.OBJECTIVES)} (default "
        f"{DEFAULTS.objective}); CTR stays a guardrail. roas needs reports with a conversion "
        "value column.",
    ),
    fatigue_days: int = typer.Option(
        FATIGUE.recent_days, help=f"{FATIGUE_DAYS_HELP} (default {FATIGUE.recent_days})."
    ),
    fatigue_drop: float = typer.Option(
        FATIGUE.drop, help=f"{FATIGUE_DROP_HELP} (default {FATIGUE.drop:g} = {FATIGUE.drop:.0%})."
    ),
    fatigue_probability: float = typer.Option(
        FATIGUE.flag_probability,
        help=f"{FATIGUE_PROBABILITY_HELP} (default {FATIGUE.flag_probability:g}).",
    ),
    actor: str | None = ACTING,
) -> None:
    """Start a test; prints the ad name each variant's ad must carry on the platform."""
    who = _actor(actor)
    # Options left out keep the defaults of TestSettings, the one place they live.
    given: dict[str, Any] = {
        "policy": policy,
        "min_share": min_share,
        "burn_in_impressions": burn_in,
        "reweight_hours": reweight_hours,
        "win_probability": win_probability,
        "max_relative_loss": max_relative_loss,
        "prior_source": prior,
        "prior_strength": prior_strength,
        "objective": objective,
        "top_two_leader_share": leader_share,
    }
    settings = ex.TestSettings(**{k: v for k, v in given.items() if v is not None})
    fatigue = ex.fatigue_settings(
        recent_days=fatigue_days, drop=fatigue_drop, flag_probability=fatigue_probability
    )
    with database() as session:
        experiment = ex.create_test(
            session,
            name=name,
            brand=brand,
            persona=persona,
            channel=channel,
            variant_ids=variant,
            actor=who,
            settings=settings,
            fatigue=fatigue,
        )
        setup = ex.arm_setup(session, experiment_id=saved_id(experiment))
        decision = queries.latest_decision(session, experiment_id=saved_id(experiment))
    typer.echo(f"test {experiment.id} created: {experiment.name}")
    typer.echo(
        "Name each ad exactly as below on the ad platform (or set its ad id with `studio tests set-ad`):"
    )
    for arm in setup:
        typer.echo(
            f"  arm {arm.arm_id} ({arm.letter}) variant {arm.variant_id} {arm.headline!r}: ad name {arm.ad_name}"
        )
    if decision is not None:
        typer.echo(decision.summary)


@app.command("list")
def list_tests(brand: str | None = typer.Option(None, help="Only this brand.")) -> None:
    """Tests, newest first."""
    with database() as session:
        tests = queries.list_experiments(session, brand=brand)
        for e in tests:
            due = ex.next_reweight_at(session, e)
            typer.echo(
                f"{e.id:>4}  {e.status:<9} {e.brand}/{e.persona}/{e.channel}  {e.name}"
                + (f"  (next reweight {due:%Y-%m-%d %H:%M} UTC)" if due else "")
                + (f"  winner arm {e.winner_arm_id}" if e.winner_arm_id else "")
            )
    if not tests:
        typer.echo("no tests yet; create one with `studio tests create`")


@app.command("show")
def show(test: int = typer.Argument(..., help="Test id.")) -> None:
    """Arms, delivery, fatigue, the latest decision and its explanation."""
    with database() as session:
        board = ex.dashboard(session, test)
    typer.echo(
        f"test {board.experiment_id}: {board.name} ({board.status}, {board.policy}"
        + ("" if board.leader_share is None else f" (leader keeps {board.leader_share:.0%})")
        + ", "
        f"{board.prior_source} prior, objective {board.objective})"
    )
    for a in board.arms:
        ctr = "-" if a.observed_ctr is None else f"{a.observed_ctr:.2%}"
        goal = (
            ""
            if board.objective == Objective.ctr or a.objective_mean is None
            else f", {board.objective} {ex.objective_text(a.objective_mean, board.objective)}"
            f" (90% {ex.objective_text(a.objective_low, board.objective)}-"
            f"{ex.objective_text(a.objective_high, board.objective)}), "
            f"{a.conversions:,} conv, spend {a.spend:,.2f}"
        )
        typer.echo(
            f"  {a.letter} arm {a.arm_id} v{a.variant_id} {a.headline!r} ad {a.ad_name or '-'} / id {a.ad_id or '-'}: "
            f"{a.impressions:,} impr, {a.clicks:,} clicks, CTR {ctr} (95% {a.ctr_low:.2%}-{a.ctr_high:.2%})"
            f"{goal}, P(best) {a.prob_best:.1%}, share {a.share:.1%}"
            + (" [paused]" if a.paused else "")
        )
    for note in ex.fatigue_notes(board):
        typer.echo(("  FATIGUE " if note.kind == "fatigued" else "  ") + note.text)
    if board.decisions:
        typer.echo(board.decisions[-1][2])
    if board.new_rows:
        typer.echo(
            f"{board.new_rows} report row(s) imported since this decision: reweight to use them"
        )


@app.command("set-fatigue")
def set_fatigue(
    test: int = typer.Argument(..., help="Test id."),
    days: int | None = typer.Option(None, "--days", help=f"{FATIGUE_DAYS_HELP}."),
    drop: float | None = typer.Option(None, "--drop", help=f"{FATIGUE_DROP_HELP} (0.2 = 20%)."),
    probability: float | None = typer.Option(
        None, "--probability", help=f"{FATIGUE_PROBABILITY_HELP} (0.9 = 90%)."
    ),
    actor: str | None = ACTING,
) -> None:
    """Change a test's fatigue check (options left out keep their value); audited."""
    who = _actor(actor)
    if days is None and drop is None and probability is None:
        fail("give --days, --drop and/or --probability")
    with database() as session:
        experiment = queries.get_experiment(session, experiment_id=test)
        current = ex.fatigue_of(experiment) if experiment else ex.FatigueSettings()
        settings = ex.fatigue_settings(
            recent_days=current.recent_days if days is None else days,
            drop=current.drop if drop is None else drop,
            flag_probability=current.flag_probability if probability is None else probability,
        )
        ex.set_fatigue(session, test, actor=who, settings=settings)
    typer.echo(
        f"test {test}: fatigue flags an arm whose CTR over its last {settings.recent_days} day(s) "
        f"is more than {settings.drop:.0%} below its earlier CTR with "
        f"{settings.flag_probability:.0%} probability or more"
    )


@app.command("brief-challenger")
def brief_challenger(
    test: int = typer.Argument(..., help="Test id."),
    arm: int = typer.Argument(..., help="Arm id of the winner or of a fatigued arm."),
    n: int = typer.Option(1, "--n", help="Challenger drafts to write (1-50)."),
    backend: str | None = typer.Option(
        None, help="Copy writer for this run (default: STUDIO_LLM_BACKEND; offline by default)."
    ),
    actor: str | None = ACTING,
) -> None:
    """Draft challengers to a winning or fatigued arm (same brand, persona, channel; a new
    angle on its copy). They are drafts: submit and approve them before testing them."""
    from studio.brand.guidelines import load_catalog
    from studio.copy.writing import make_copy_writer
    from studio.experiments.challengers import brief_challenger as brief

    who = _actor(actor)
    config = settings()
    writer = make_copy_writer(config, backend)
    with database() as session:
        experiment = queries.get_experiment(session, experiment_id=test)
        if experiment is None:
            fail(f"no test with id {test}; `studio tests list` shows the tests")
        made = brief(
            session,
            experiment_id=test,
            arm_id=arm,
            actor=who,
            brand=load_catalog(config.brand_dir).get(experiment.brand),
            writer=writer,
            n=n,
        )
    typer.echo(
        f"{len(made.variant_ids)} challenger draft(s) to variant {made.parent_variant_id} "
        f"({made.reason} of test {test}): "
        + ", ".join(f"#{v}" for v in made.variant_ids)
        + (f"; {made.flagged} flagged by the brand checks" if made.flagged else "")
    )
    typer.echo("Submit and approve them on the Review page before putting them in a test.")


@app.command("add-arm")
def add_arm(
    test: int = typer.Argument(..., help="Test id (a running test)."),
    variant: int = typer.Argument(
        ..., help="Approved variant id: a challenger to an arm, or of the campaign of an arm."
    ),
    ad_name: str | None = typer.Option(
        None, "--ad-name", help="The new ad's name on the platform (default studio-v<VARIANT>)."
    ),
    actor: str | None = ACTING,
) -> None:
    """Add an approved variant to a running test as a new arm. It starts from the prior; the
    split goes back to equal until it has the burn-in's impressions, and no winner is declared
    before. Create its ad on the platform with the ad name shown."""
    who = _actor(actor)
    with database() as session:
        decision = ex.add_arm(session, test, variant, actor=who, ad_name=ad_name)
    new = decision.arms[-1]
    typer.echo(
        f"variant {variant} joined test {test} as arm {new.letter} (arm id {new.arm_id}); "
        f"name its ad {new.ad_name!r} on the platform"
    )
    _print(decision)


def _print(decision: ex.Decision) -> None:
    typer.echo(f"decision {decision.decision_id} for test {decision.experiment_id}:")
    typer.echo(decision.text)


@app.command("reweight")
def reweight(
    test: int | None = typer.Argument(None, help="Test id (or --due)."),
    due: bool = typer.Option(
        False, "--due", help="Reweight every running test whose cadence has elapsed (for cron)."
    ),
    actor: str | None = ACTING,
) -> None:
    """Decide the next split from the delivery imported so far (and a winner, when there is one)."""
    who = _actor(actor)
    if (test is None) == (not due):
        fail("give a test id or --due, not both")
    with database() as session:
        ids = [saved_id(e) for e in ex.due_tests(session)] if test is None else [test]
        decisions = [ex.reweight(session, i, actor=who) for i in ids]
    if due and not decisions:
        typer.echo("no test is due for reweighting")
    for d in decisions:
        _print(d)


@app.command("set-ad")
def set_ad(
    test: int = typer.Argument(..., help="Test id."),
    arm: int = typer.Option(..., "--arm", help="Arm id (`studio tests show` lists them)."),
    ad_id: str | None = typer.Option(None, "--ad-id", help="The platform's ad id."),
    ad_name: str | None = typer.Option(None, "--ad-name", help="The ad's name on the platform."),
    actor: str | None = ACTING,
) -> None:
    """Record the platform's ad id or name of an arm, so report rows map to it."""
    who = _actor(actor)
    if ad_id is None and ad_name is None:
        fail("give --ad-id and/or --ad-name")
    with database() as session:
        saved = ex.assign_ad(
            session, experiment_id=test, arm_id=arm, actor=who, ad_id=ad_id, ad_name=ad_name
        )
    typer.echo(f"arm {saved.id}: ad id {saved.ad_id or '-'}, ad name {saved.ad_name or '-'}")


def _status(action: str, test: int, actor: str | None, reason: str = "") -> None:
    who = _actor(actor)
    with database() as session:
        if action == "stop":
            experiment = ex.stop(session, test, actor=who, reason=reason)
        else:
            experiment = getattr(ex, action)(session, test, actor=who)
    typer.echo(f"test {experiment.id} is {experiment.status}")


@app.command("pause")
def pause(test: int = typer.Argument(...), actor: str | None = ACTING) -> None:
    """Pause reweighting (delivery can still be imported)."""
    _status("pause", test, actor)


@app.command("resume")
def resume(test: int = typer.Argument(...), actor: str | None = ACTING) -> None:
    """Resume a paused test."""
    _status("resume", test, actor)


@app.command("stop")
def stop(
    test: int = typer.Argument(...),
    reason: str = typer.Option("", help="Why (kept in the audit log)."),
    actor: str | None = ACTING,
) -> None:
    """End a test without a winner; its variants are retired."""
    _status("stop", test, actor, reason)


@app.command("resolve-srm")
def resolve_srm(
    test: int = typer.Argument(..., help="Test id."),
    through: datetime = typer.Option(
        ..., "--through", formats=["%Y-%m-%d"], help="Last delivery day explained (YYYY-MM-DD)."
    ),
    reason: str = typer.Option(
        ..., "--reason", help="What caused the mismatch and how it was fixed (audited)."
    ),
    actor: str | None = ACTING,
) -> None:
    """Mark a test's sample-ratio mismatch up to a day as explained, so a winner can be declared."""
    who = _actor(actor)
    with database() as session:
        experiment = ex.resolve_srm(session, test, actor=who, through=through.date(), reason=reason)
    typer.echo(
        f"test {experiment.id}: sample-ratio mismatch up to {through:%Y-%m-%d} resolved; later "
        "days are still checked"
    )


@app.command("dashboard")
def dashboard(
    test: int = typer.Argument(...),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="Write the decision history as CSV here."
    ),
    png_path: Path | None = typer.Option(
        None, "--png", help="Write the dashboard figure as PNG here."
    ),
) -> None:
    """Write the test's dashboard as CSV and/or PNG."""
    if csv_path is None and png_path is None:
        fail("give --csv PATH and/or --png PATH")
    with database() as session:
        board = ex.dashboard(session, test)
    if csv_path is not None:
        csv_path.write_text(ex.dashboard_csv(board))
        typer.echo(f"wrote {csv_path}")
    if png_path is not None:
        png_path.write_bytes(charts.dashboard_png(board))
        typer.echo(f"wrote {png_path}")
