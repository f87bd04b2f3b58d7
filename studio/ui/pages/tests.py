"""Tests: start a creative test from approved variants, import delivery reports, reweight, and
read the decision and the dashboard.

Every rule lives in :mod:`studio.experiments.lifecycle` and :mod:`studio.experiments.reports`; this page gathers input,
calls one library function per button (in a callback, before the next run) and draws the result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

import altair as alt
import pandas as pd
import streamlit as st

from studio.copy.channels import CHANNELS
from studio.core.errors import UserFacingError
from studio.core.models import AllocationPolicy, Objective, PriorSource, saved_id
from studio.experiments import charts, queries
from studio.experiments import lifecycle as ex
from studio.experiments.reports import PLATFORM_CHOICES, PLATFORMS, import_report
from studio.ui import context, labels

MODE = "tests_mode"
SELECTED = "tests_selected"
MESSAGES = "tests_messages"
IMPORT_RESULT = "tests_import_result"
SETUP = "tests_created_setup"
MODES = ("Open a test", "New test")
PLATFORM_LABELS = {"auto": "Detect from the columns", **PLATFORMS}


def _say(kind: str, text: str) -> None:
    st.session_state.setdefault(MESSAGES, []).append((kind, text))


def _show_messages() -> None:
    for kind, text in st.session_state.pop(MESSAGES, []):
        getattr(st, kind)(text)


P = ParamSpec("P")


def _callback(action: Callable[P, None]) -> Callable[P, None]:
    """A button's callback whose user-facing error becomes the page's next error message."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            action(*args, **kwargs)
        except UserFacingError as exc:
            _say("error", str(exc))

    return run


# --------------------------------------------------------------------------------------------
# Callbacks: one library call each
# --------------------------------------------------------------------------------------------


@_callback
def _create(brand: str) -> None:
    state = st.session_state
    prior = state["tests_new_prior"]
    settings = ex.TestSettings(
        policy=state["tests_new_policy"],
        min_share=state["tests_new_min_share"] / 100,
        burn_in_impressions=int(state["tests_new_burn_in"]),
        reweight_hours=int(state["tests_new_cadence"]),
        win_probability=state["tests_new_win"] / 100,
        max_relative_loss=state["tests_new_max_loss"] / 100,
        prior_source=prior,
        prior_strength=None if prior == PriorSource.flat else float(state["tests_new_strength"]),
        objective=state["tests_new_objective"],
        top_two_leader_share=state["tests_new_leader_share"] / 100,
    )
    fatigue = _fatigue_from_inputs("tests_new")
    with context.db_session() as session:
        experiment = ex.create_test(
            session,
            name=state.get("tests_new_name", ""),
            brand=brand,
            persona=state["tests_new_persona"],
            channel=state["tests_new_channel"],
            variant_ids=list(state.get("tests_new_variants", [])),
            actor=context.current_username(),
            settings=settings,
            fatigue=fatigue,
        )
        setup = ex.arm_setup(session, experiment_id=saved_id(experiment))
    state[SETUP] = [
        {
            "arm": a.letter,
            "variant": a.variant_id,
            "headline": a.headline,
            "ad name to use": a.ad_name,
        }
        for a in setup
    ]
    state[SELECTED] = experiment.id
    state[MODE] = MODES[0]
    state.pop(IMPORT_RESULT, None)
    _say("success", f"Test {experiment.id} '{experiment.name}' started with {len(setup)} arms.")


@_callback
def _import(experiment_id: int) -> None:
    upload = st.session_state.get("tests_report")
    if upload is None:
        _say("error", "Choose a report CSV first (Meta Ads Manager or Google Ads export).")
        return
    with context.db_session() as session:
        result = import_report(
            session,
            experiment_id=experiment_id,
            data=upload.getvalue(),
            file_name=upload.name,
            actor=context.current_username(),
            platform=st.session_state.get("tests_platform", "auto"),
        )
    st.session_state[IMPORT_RESULT] = {
        "summary": result.summary(),
        "imported": result.imported,
        "duplicates": result.duplicates,
        "bad_rows": [b.as_dict() for b in result.bad_rows],
        "warnings": list(result.warnings),
        "learned": {str(k): v for k, v in result.learned_ad_ids.items()},
        "test": experiment_id,
    }


@_callback
def _reweight(experiment_id: int) -> None:
    with context.db_session() as session:
        decision = ex.reweight(session, experiment_id, actor=context.current_username())
    _say(
        "success" if decision.winner_arm_id else "info", f"Decision {decision.decision_id} logged."
    )


@_callback
def _status(experiment_id: int, action: str) -> None:
    with context.db_session() as session:
        if action == "stop":
            experiment = ex.stop(
                session,
                experiment_id,
                actor=context.current_username(),
                reason=st.session_state.get("tests_stop_reason", ""),
            )
        else:
            experiment = getattr(ex, action)(
                session, experiment_id, actor=context.current_username()
            )
    _say("success", f"Test {experiment_id} is {experiment.status}.")


@_callback
def _resolve_srm(experiment_id: int) -> None:
    state = st.session_state
    with context.db_session() as session:
        ex.resolve_srm(
            session,
            experiment_id,
            actor=context.current_username(),
            through=state["tests_srm_through"],
            reason=state.get("tests_srm_reason", ""),
        )
    _say(
        "success",
        f"Sample-ratio mismatch up to {state['tests_srm_through']:%Y-%m-%d} marked as resolved; "
        "the next reweighting tests only later days.",
    )


@_callback
def _set_fatigue(experiment_id: int) -> None:
    # per test: each test shows its own stored values
    settings = _fatigue_from_inputs(f"tests_{experiment_id}")
    with context.db_session() as session:
        ex.set_fatigue(session, experiment_id, actor=context.current_username(), settings=settings)
    _say("success", f"Fatigue settings of test {experiment_id} saved.")


def _fatigue_inputs(prefix: str, settings: ex.FatigueSettings) -> None:
    """The three fatigue settings, as form inputs under ``{prefix}_fatigue_*`` keys."""
    a, b, c = st.columns(3)
    a.number_input(
        "Fatigue: recent days per arm",
        min_value=1,
        value=int(settings.recent_days),
        step=1,
        key=f"{prefix}_fatigue_days",
        help="Each arm's last N delivery days are compared with its earlier days.",
    )
    b.number_input(
        "Fatigue: flag a CTR drop of more than (%)",
        min_value=1.0,
        max_value=99.0,
        value=settings.drop * 100,
        step=5.0,
        key=f"{prefix}_fatigue_drop",
    )
    c.number_input(
        "Fatigue: with a probability of at least (%)",
        min_value=1.0,
        max_value=99.9,
        value=settings.flag_probability * 100,
        step=1.0,
        key=f"{prefix}_fatigue_probability",
    )


def _fatigue_from_inputs(prefix: str) -> ex.FatigueSettings:
    """The fatigue settings entered in :func:`_fatigue_inputs` under ``prefix``, checked."""
    state = st.session_state
    return ex.fatigue_settings(
        recent_days=int(state[f"{prefix}_fatigue_days"]),
        drop=state[f"{prefix}_fatigue_drop"] / 100,
        flag_probability=state[f"{prefix}_fatigue_probability"] / 100,
    )


@_callback
def _assign(experiment_id: int) -> None:
    with context.db_session() as session:
        arm = ex.assign_ad(
            session,
            experiment_id=experiment_id,
            arm_id=st.session_state["tests_ad_arm"],
            actor=context.current_username(),
            ad_id=st.session_state.get("tests_ad_id", ""),
        )
    _say(
        "success",
        f"Arm {arm.id} now maps to ad id {arm.ad_id or '-'} (ad name {arm.ad_name or '-'}).",
    )


# --------------------------------------------------------------------------------------------
# New test
# --------------------------------------------------------------------------------------------


def _new_test() -> None:
    brand = context.active_brand()
    if brand is None:
        st.error("No valid brand: fix the brand files first (Brand page).")
        return
    personas = list(brand.personas)
    left, right = st.columns(2)
    left.selectbox(
        "Persona",
        personas,
        key="tests_new_persona",
        format_func=lambda p: f"{brand.personas[p].name} ({p})",
    )
    right.selectbox("Channel", list(CHANNELS), key="tests_new_channel")
    persona, channel = st.session_state["tests_new_persona"], st.session_state["tests_new_channel"]
    with context.db_session() as session:
        variants = ex.eligible_variants(session, brand=brand.slug, persona=persona, channel=channel)
        options = {
            v.id: f"v{v.id} · {ex.headline(v)}"
            + (f" · predicted CTR {v.predicted_ctr:.2%}" if v.predicted_ctr is not None else "")
            for v in variants
        }
    if len(options) < 2:
        st.info(
            f"{len(options)} approved variant(s) for {persona} on {channel}; a test needs at least 2. "
            "Approve more on the Review page, or pick another persona or channel."
        )
        return
    st.multiselect(
        "Variants (approved)",
        list(options),
        default=list(options)[: ex.MAX_ARMS],
        format_func=options.__getitem__,
        key="tests_new_variants",
    )
    st.text_input(
        "Test name", key="tests_new_name", placeholder="e.g. Spring headlines for home baristas"
    )
    defaults = ex.TestSettings()
    st.selectbox(
        "Objective",
        list(ex.OBJECTIVES),
        index=list(ex.OBJECTIVES).index(defaults.objective),
        format_func=lambda o: ex.OBJECTIVES[o],
        key="tests_new_objective",
        help="What the winner is chosen on. CTR stays a guardrail: a winner whose CTR is clearly "
        "worse than the best arm's is held. ROAS needs reports with a conversion value column "
        "(Meta 'Purchases conversion value', Google Ads 'Conv. value').",
    )
    a, leader, b, c = st.columns(4)
    a.selectbox(
        "Policy",
        list(ex.POLICIES),
        index=list(ex.POLICIES).index(defaults.policy),
        format_func=lambda p: ex.POLICIES[p],
        key="tests_new_policy",
    )
    leader.number_input(
        "Leader's share (%)",
        min_value=1.0,
        max_value=99.0,
        value=defaults.top_two_leader_share * 100,
        step=5.0,
        disabled=st.session_state["tests_new_policy"] != AllocationPolicy.top_two,
        key="tests_new_leader_share",
        help="Top-two Thompson sampling serves the arm most likely to be best this share of the "
        "time and a challenger the rest, so the runner-up keeps being measured (studio default "
        f"{defaults.top_two_leader_share:.0%}).",
    )
    b.selectbox(
        "Prior",
        list(ex.PRIOR_SOURCES),
        index=list(ex.PRIOR_SOURCES).index(defaults.prior_source),
        format_func=lambda p: ex.PRIOR_SOURCES[p],
        key="tests_new_prior",
    )
    prior = st.session_state["tests_new_prior"]
    c.number_input(
        "Prior strength (impressions)",
        min_value=0.0,
        value=ex.DEFAULT_PRIOR_STRENGTH[
            PriorSource.predictor if prior == PriorSource.predictor else PriorSource.pooled
        ],
        step=10.0,
        disabled=prior == PriorSource.flat,
        key="tests_new_strength",
        help="Pooled: the most the test's pooled CTR may weigh (studio default "
        f"{ex.DEFAULT_PRIOR_STRENGTH[PriorSource.pooled]:g}; less when the arms clearly differ, never less "
        "than one click). Predictor: the most the predicted CTR is worth; a wide predicted "
        "interval makes it worth less.",
    )
    a, b, c, d, e = st.columns(5)
    a.number_input(
        "Min share per arm (%)",
        min_value=0.0,
        max_value=49.0,
        value=defaults.min_share * 100,
        step=0.5,
        key="tests_new_min_share",
    )
    b.number_input(
        "Burn-in (impressions per arm)",
        min_value=0,
        value=defaults.burn_in_impressions,
        step=100,
        key="tests_new_burn_in",
    )
    c.number_input(
        "Reweight every (hours)",
        min_value=1,
        value=defaults.reweight_hours,
        step=1,
        key="tests_new_cadence",
    )
    d.number_input(
        "Winner needs P(best) (%)",
        min_value=50.0,
        max_value=99.9,
        value=defaults.win_probability * 100,
        step=1.0,
        key="tests_new_win",
    )
    e.number_input(
        "Max expected loss (% of the leader's objective)",
        min_value=0.01,
        max_value=50.0,
        value=defaults.max_relative_loss * 100,
        step=0.1,
        format="%.2f",
        key="tests_new_max_loss",
    )
    _fatigue_inputs("tests_new", ex.FatigueSettings())
    st.button(
        "Create test", type="primary", key="tests_create", on_click=_create, args=(brand.slug,)
    )


# --------------------------------------------------------------------------------------------
# One test
# --------------------------------------------------------------------------------------------


def _controls(board: ex.Dashboard) -> None:
    test_id = board.experiment_id
    cols = st.columns(4)
    cols[0].button(
        "Reweight now",
        type="primary",
        key="tests_reweight",
        on_click=_reweight,
        args=(test_id,),
        disabled=board.status != ex.RUNNING,
    )
    if board.status == ex.RUNNING:
        cols[1].button("Pause test", key="tests_pause", on_click=_status, args=(test_id, "pause"))
    elif board.status == ex.PAUSED:
        cols[1].button(
            "Resume test", key="tests_resume", on_click=_status, args=(test_id, "resume")
        )
    if board.latest_srm_mismatch and board.status not in ex.ENDED and board.daily:
        with cols[3].popover("Resolve sample-ratio mismatch"):
            st.caption(
                "No winner is declared while the served split departs from the planned one. Once "
                "you have found and fixed the cause on the platform, mark the days up to the fix as "
                "explained."
            )
            st.date_input(
                "Explained through",
                value=max(row["day"] for row in board.daily),
                key="tests_srm_through",
            )
            st.text_input("What caused it and how it was fixed", key="tests_srm_reason")
            st.button(
                "Mark as resolved", key="tests_srm_resolve", on_click=_resolve_srm, args=(test_id,)
            )
    if board.status not in ex.ENDED:
        with cols[2].popover("Stop test"):
            st.caption("Ends the test without a winner; every variant in it is retired.")
            st.text_input("Reason", key="tests_stop_reason")
            st.button(
                "Stop and retire the variants",
                key="tests_stop",
                on_click=_status,
                args=(test_id, "stop"),
            )


@_callback
def _brief_challenger(experiment_id: int, arm_id: int) -> None:
    from studio.copy.writing import make_copy_writer
    from studio.experiments.challengers import brief_challenger

    brand = context.active_brand()
    if brand is None:
        _say("error", "No valid brand: fix the brand files first (Brand page).")
        return
    with context.db_session() as session:
        made = brief_challenger(
            session,
            experiment_id=experiment_id,
            arm_id=arm_id,
            actor=context.current_username(),
            brand=brand,
            writer=make_copy_writer(context.settings()),
        )
    _say(
        "success",
        f"Challenger draft(s) {', '.join(f'#{v}' for v in made.variant_ids)} written from variant "
        f"{made.parent_variant_id}. Submit and approve them on the Review page before testing them.",
    )


def _challenger_buttons(board: ex.Dashboard) -> None:
    """A "Brief a challenger" button for the winner and for each fatigued arm."""
    for arm, tired in zip(board.arms, board.fatigue, strict=True):
        if arm.arm_id != board.winner_arm_id and not tired.flagged:
            continue
        why = "the winner" if arm.arm_id == board.winner_arm_id else "fatigued"
        st.button(
            f"Brief a challenger to arm {arm.letter} ({why})",
            key=f"tests_challenger_{arm.arm_id}",
            on_click=_brief_challenger,
            args=(board.experiment_id, arm.arm_id),
            help="Writes new draft copy for the same persona and channel from this arm's copy, "
            "with another angle (needs the generate permission). The drafts go through review "
            "before they can be tested.",
        )


@_callback
def _add_arm(experiment_id: int) -> None:
    variant_id = st.session_state.get("tests_join_variant")
    if variant_id is None:
        _say("error", "Choose the variant to add to the test.")
        return
    with context.db_session() as session:
        decision = ex.add_arm(
            session, experiment_id, int(variant_id), actor=context.current_username()
        )
    new = decision.arms[-1]
    _say(
        "success",
        f"Variant {new.variant_id} joined the test as arm {new.letter}: create its ad on the "
        f"platform named exactly {new.ad_name!r}. The split is equal again until it has the "
        "burn-in's impressions; no winner is declared before.",
    )


def _join(board: ex.Dashboard) -> None:
    """ "Add to this test": approved challengers of its arms and variants of their campaigns."""
    if board.status != ex.RUNNING:
        return
    with context.db_session() as session:
        candidates = ex.joinable_variants(session, experiment_id=board.experiment_id)
    if not candidates:
        return
    parents = {a.variant_id: a.letter for a in board.arms}
    names = {
        saved_id(v): f"#{v.id} · {ex.headline(v)}"
        + (
            f" (challenger to arm {parents[v.challenger_of_id]})"
            if v.challenger_of_id in parents
            else ""
        )
        for v in candidates
    }
    with st.popover(f"Add to this test ({len(names)} approved variant(s) can join)"):
        st.caption(
            "An approved challenger to one of the arms, or an approved variant of an arm's "
            "campaign, joins as a new arm from the prior: the split goes back to equal until it "
            "has the burn-in's impressions, and no winner is declared before."
        )
        st.selectbox(
            "Variant", list(names), format_func=names.__getitem__, key="tests_join_variant"
        )
        st.button(
            "Add to this test",
            key="tests_join",
            on_click=_add_arm,
            args=(board.experiment_id,),
        )


def _fatigue(board: ex.Dashboard) -> None:
    for note in ex.fatigue_notes(board):
        if note.kind == "fatigued":
            st.warning(note.text, icon=":material/battery_alert:")
        else:
            st.caption(note.text)
    _challenger_buttons(board)
    with st.popover("Fatigue settings"):
        st.caption("Stored on the test; a change is audited.")
        _fatigue_inputs(f"tests_{board.experiment_id}", board.fatigue_settings)
        st.button(
            "Save fatigue settings",
            key="tests_fatigue_save",
            on_click=_set_fatigue,
            args=(board.experiment_id,),
        )


def _ads(board: ex.Dashboard) -> None:
    with st.expander(
        "Ads on the platform: which name or id each arm's ad must carry",
        expanded=not any(a.impressions for a in board.arms),
    ):
        st.caption(
            "Name each ad exactly as shown when you create it (Meta reports carry the ad name). For "
            "Google Ads, whose reports carry only the ad id, enter each ad's id below."
        )
        st.dataframe(
            [
                {
                    "arm": a.letter,
                    "arm id": a.arm_id,
                    "variant": a.variant_id,
                    "headline": a.headline,
                    "ad name": a.ad_name,
                    "ad id": a.ad_id or "(not set)",
                }
                for a in board.arms
            ],
            hide_index=True,
            width="stretch",
        )
        if board.status in ex.ENDED:
            return
        left, middle, right = st.columns([1, 2, 1])
        labels = {a.arm_id: f"{a.letter} · v{a.variant_id}" for a in board.arms}
        left.selectbox("Arm", list(labels), format_func=labels.__getitem__, key="tests_ad_arm")
        middle.text_input("Platform ad id", key="tests_ad_id")
        right.button(
            "Save ad id", key="tests_ad_save", on_click=_assign, args=(board.experiment_id,)
        )


def _upload(board: ex.Dashboard) -> None:
    st.subheader("Import a delivery report")
    st.caption(
        "Meta Ads Manager or Google Ads export as CSV, one row per ad and day. Importing the same "
        f"report again adds nothing twice. Largest file: {context.settings().max_upload_mb:g} MiB."
    )
    left, right = st.columns([3, 1])
    left.file_uploader("Report CSV", type=["csv", "tsv"], key="tests_report")
    right.selectbox(
        "Format",
        list(PLATFORM_CHOICES),
        format_func=PLATFORM_LABELS.__getitem__,
        key="tests_platform",
    )
    st.button("Import report", key="tests_import", on_click=_import, args=(board.experiment_id,))
    done = st.session_state.get(IMPORT_RESULT)
    if not done or done["test"] != board.experiment_id:
        return
    (st.warning if done["bad_rows"] else st.success)(done["summary"])
    for arm_id, ad_id in done["learned"].items():
        st.caption(f"Arm {arm_id} now has ad id {ad_id} (learnt from the report).")
    for warning in done["warnings"]:
        st.caption(f"Note: {warning}")
    if done["bad_rows"]:
        st.caption("Bad rows (not imported; everything else was):")
        st.dataframe(
            done["bad_rows"],
            hide_index=True,
            width="stretch",
            key="tests_bad_rows",
            column_order=["line", "ad", "reason"],
        )


def _decision(board: ex.Dashboard) -> None:
    if not board.decisions:
        return
    decision_id, at, _text = board.decisions[-1]
    st.subheader(f"Decision {decision_id} · {at:%Y-%m-%d %H:%M} UTC")
    for note in board.notes:
        if note.kind in ("srm_mismatch", "held"):
            st.warning(note.text, icon=":material/warning:")
        elif note.kind == "winner":
            st.success(note.text, icon=":material/emoji_events:")
        else:
            st.markdown(note.text)
    if board.new_rows:
        st.info(
            f"{board.new_rows} report row(s) imported since this decision: reweight to take them into account."
        )


def _objective_columns(board: ex.Dashboard, arm: ex.ArmDecision) -> dict[str, object]:
    """The objective's columns of the arms table (none for CTR, already shown)."""
    if board.objective == Objective.ctr:
        return {}
    name = labels.objective(board.objective)
    return {
        "conversions": arm.conversions,
        "spend": round(arm.spend, 2),
        name: ex.objective_text(arm.objective_mean, board.objective),
        f"{name} 90%": f"{ex.objective_text(arm.objective_low, board.objective)} – "
        f"{ex.objective_text(arm.objective_high, board.objective)}",
    }


def _arms_table(board: ex.Dashboard) -> list[dict[str, object]]:
    """One row per arm; rates as fractions, shown as percentages by the column formats."""
    loss = (
        "Expected loss (CTR points)"
        if board.objective == Objective.ctr
        else f"Expected loss ({labels.objective(board.objective)} scale)"
    )
    return [
        {
            "Arm": f"{a.letter}: {a.headline}",
            "Impressions": a.impressions,
            "Clicks": a.clicks,
            "CTR": a.observed_ctr,
            "CTR 95% interval": f"{a.ctr_low:.2%} – {a.ctr_high:.2%}",
            **_objective_columns(board, a),
            "Probability of being best": a.prob_best,
            "Traffic share": a.share,
            loss: None
            if a.expected_loss is None
            else (
                f"{a.expected_loss * 100:.4f}"
                if board.objective == Objective.ctr
                else f"{a.expected_loss:.4g}"
            ),
            "Paused": a.paused,
            "Winner": a.arm_id == board.winner_arm_id,
        }
        for a in board.arms
    ]


PERCENT = st.column_config.NumberColumn(format="percent")


def _charts(board: ex.Dashboard) -> None:
    labels_by_arm = board.labels()
    st.subheader("Dashboard")
    st.dataframe(
        _arms_table(board),
        hide_index=True,
        width="stretch",
        key="tests_arms_table",
        column_config={
            "CTR": PERCENT,
            "Probability of being best": PERCENT,
            "Traffic share": PERCENT,
        },
    )
    x, densities = board.densities(200)
    density = pd.DataFrame(
        [
            {"CTR": float(xv), "density": float(d[i]), "Arm": labels_by_arm[arm_id]}
            for arm_id, d in densities.items()
            for i, xv in enumerate(x)
        ]
    )
    history = pd.DataFrame(
        [
            {
                "Decision": f"#{h.decision_id} · {h.at:%b %d %H:%M}",
                "order": h.decision_id,
                "Arm": labels_by_arm[h.arm_id],
                "Probability of being best": h.prob_best,
                "Traffic share": h.share,
                "Expected loss (CTR points)": None
                if h.expected_loss is None
                else h.expected_loss * 100,
            }
            for h in board.history
        ]
    )
    ctr = pd.DataFrame(
        [
            {
                "Arm": labels_by_arm[a.arm_id],
                "mean": a.ctr_mean,
                "low": a.ctr_low,
                "high": a.ctr_high,
                "Clicks": a.clicks,
                "Impressions": a.impressions,
            }
            for a in board.arms
        ]
    )
    color = alt.Color("Arm:N", legend=alt.Legend(orient="bottom", columns=1, labelLimit=400))
    decision_axis = alt.X("Decision:O", sort=alt.SortField("order"), title="Decision")
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(density, title="How sure we are of each arm's CTR (posterior density)")
        .mark_line()
        .encode(
            x=alt.X("CTR:Q", axis=alt.Axis(format=".1%")),
            y=alt.Y("density:Q", title="Density"),
            color=color,
        ),
        width="stretch",
    )
    base = alt.Chart(ctr, title="CTR: estimate and 95% interval")
    right.altair_chart(
        base.mark_errorbar().encode(
            x=alt.X("low:Q", title="CTR", axis=alt.Axis(format=".2%")), x2="high:Q", y="Arm:N"
        )
        + base.mark_point(filled=True).encode(
            x="mean:Q",
            y=alt.Y("Arm:N", axis=alt.Axis(labelLimit=250)),
            color=color,
            tooltip=[
                "Arm",
                alt.Tooltip("mean:Q", title="CTR", format=".2%"),
                alt.Tooltip("low:Q", title="95% low", format=".2%"),
                alt.Tooltip("high:Q", title="95% high", format=".2%"),
            ],
        ),
        width="stretch",
    )
    left, right = st.columns(2)
    for column, field, title in (
        (left, "Probability of being best", "Probability of being best, decision by decision"),
        (right, "Traffic share", "Traffic split, decision by decision"),
    ):
        column.altair_chart(
            alt.Chart(history, title=title)
            .mark_line(point=True)
            .encode(
                x=decision_axis,
                y=alt.Y(f"{field}:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
                color=color,
                tooltip=["Decision", "Arm", alt.Tooltip(f"{field}:Q", format=".1%")],
            ),
            width="stretch",
        )
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(ctr, title="Clicks per arm")
        .mark_bar()
        .encode(
            x=alt.X("Arm:N", axis=alt.Axis(labelLimit=200, labelAngle=0)),
            y="Clicks:Q",
            color=color,
            tooltip=[
                "Arm",
                alt.Tooltip("Clicks:Q", format=","),
                alt.Tooltip("Impressions:Q", format=","),
            ],
        ),
        width="stretch",
    )
    loss = history.dropna(subset=["Expected loss (CTR points)"]) if not history.empty else history
    right.altair_chart(
        alt.Chart(loss, title="Expected loss of choosing each arm (CTR points, log scale)")
        .mark_line(point=True)
        .encode(
            x=decision_axis,
            y=alt.Y("Expected loss (CTR points):Q", scale=alt.Scale(type="log")),
            color=color,
        ),
        width="stretch",
    )
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        data=ex.dashboard_csv(board),
        mime="text/csv",
        file_name=f"test-{board.experiment_id}-dashboard.csv",
        key="tests_csv",
    )
    right.download_button(
        "Download PNG",
        data=_png(board),
        mime="image/png",
        file_name=f"test-{board.experiment_id}-dashboard.png",
        key="tests_png",
    )


def _png(board: ex.Dashboard) -> bytes:
    # matplotlib takes a second or two on a small machine: draw once per state of the test.
    key = (
        "tests_png_cache",
        board.experiment_id,
        len(board.decisions),
        board.new_rows,
        board.status,
    )
    cached: dict[Any, bytes] = st.session_state.setdefault("tests_png_cache", {})
    if key not in cached:
        cached.clear()
        cached[key] = charts.dashboard_png(board)
    return cached[key]


def _start_new() -> None:
    st.session_state[MODE] = MODES[1]


def _empty_state() -> None:
    """What a test is and how to start one, for a brand with no tests yet."""
    st.info("No tests for this brand yet.", icon=":material/science:")
    st.markdown(
        "A **test** puts two or more approved variants of the same persona and channel live as "
        "ads and lets the results decide: each day's delivery report (Meta Ads Manager or Google "
        "Ads CSV) moves more traffic to the variant most likely to be best, and the test declares "
        "a winner once the evidence is clear.\n\n"
        "To start one:\n"
        "1. Have at least two variants **approved** for one persona and channel (Generate, then "
        "Review).\n"
        "2. Choose **New test**, pick them and what to optimise.\n"
        "3. Create one ad per variant on the ad platform with the ad name the test gives you, and "
        "import its daily report here."
    )
    left, right = st.columns(2)
    left.button("Start a new test", type="primary", key="tests_empty_new", on_click=_start_new)
    # The Review page's url path (studio.ui.shell.PAGES); pages are callables, not files.
    right.markdown("Next step without approved variants: [the Review page](review)")


def _open_test() -> None:
    brand = context.active_brand()
    with context.db_session() as session:
        tests = {
            saved_id(e): f"#{e.id} · {e.name} · {labels.persona(brand, e.persona)} / "
            f"{labels.channel(e.channel)} ({labels.experiment_status(e.status)})"
            for e in queries.list_experiments(session, brand=brand.slug if brand else None)
        }
    if not tests:
        _empty_state()
        return
    if st.session_state.get(SELECTED) not in tests:
        st.session_state[SELECTED] = next(iter(tests))
    chosen = st.selectbox("Test", list(tests), format_func=tests.__getitem__, key=SELECTED)
    with context.db_session() as session:
        board = ex.dashboard(session, chosen)
        experiment = queries.get_experiment(session, experiment_id=chosen)
        due = ex.next_reweight_at(session, experiment) if experiment else None
    assert experiment is not None
    st.caption(
        f"Status **{labels.experiment_status(board.status)}** · objective "
        f"**{labels.objective(board.objective)}** · {labels.policy(board.policy)}"
        + ("" if board.leader_share is None else f" (leader keeps {board.leader_share:.0%})")
        + " · "
        f"{labels.prior_source(board.prior_source)} "
        f"({experiment.prior_strength:g} impressions) · min share {experiment.min_share:.0%} · burn-in "
        f"{experiment.burn_in_impressions:,} impressions · winner at P(best) ≥ {experiment.win_probability:.0%} and "
        f"expected loss < {experiment.max_relative_loss:.1%} of its objective"
        + (f" · next reweighting due {due:%Y-%m-%d %H:%M} UTC" if due else "")
    )
    setup = st.session_state.pop(SETUP, None)
    if setup:
        st.success(
            "Create one ad per arm on the platform and name each exactly as below, so reports map back:"
        )
        st.dataframe(setup, hide_index=True, width="stretch", key="tests_setup")
    _fatigue(board)
    _join(board)
    _controls(board)
    _ads(board)
    _upload(board)
    _decision(board)
    _charts(board)


def render() -> None:
    st.title("Tests")
    st.caption(
        "Thompson-sampling creative tests between approved variants: each arm's share of traffic is "
        "its probability of having the best CTR, with a floor and a burn-in. Priors: flat, pooled (the "
        "studio default: arms shrunk toward each other as far as the data allow) or the CTR predictor."
    )
    st.radio("Mode", MODES, horizontal=True, key=MODE, label_visibility="collapsed")
    _show_messages()
    if st.session_state[MODE] == MODES[1]:
        _new_test()
    else:
        _open_test()
