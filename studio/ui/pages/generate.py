"""Generate: a brief, personas and channels in; checked copy variants out, saved as drafts.

The page gathers the brief and queues a generate job (:mod:`studio.jobs`); ``studio worker`` runs
:func:`studio.copy.generation.run_generation`, which checks the user's role, writes, checks,
repairs, de-duplicates, saves and scores, while the page follows the job from the database. The table below shows
what was saved, read back from the database.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from studio.brand.guidelines import Brand
from studio.copy import variants as variant_queries
from studio.copy.channels import CHANNELS, field_texts, limits_table
from studio.copy.claims import OFFER_POLICIES
from studio.copy.generation import GenerationRequest, earlier_runs, propose_seed
from studio.copy.rubric import score_set
from studio.copy.writing import OBJECTIVES, CampaignBrief, make_copy_writer
from studio.core.errors import UserFacingError
from studio.core.models import JobKind, JobStatus
from studio.jobs import queue as job_queue
from studio.ui import context, job_panel, labels

_RESULT = "generate_result"
_URL = "gen_landing_url"
#: The brand whose website filled the Landing URL box: a new brand refills it.
_URL_BRAND = "gen_landing_url_brand"
_SEED = "gen_seed"
#: The seed proposed for the next run, moved into the Seed box before the form is drawn.
_NEXT_SEED = "gen_next_seed"
#: Warnings about the brief (off-site landing page, a repeated brief), shown with the result.
_NOTICES = "gen_notices"
_OFFER_POLICY_LABELS = {
    "refuse": "Stop and say why",
    "rewrite": "Use the closest approved claim, with a warning",
}


def _copy_summary(channel: str, fields: dict[str, Any]) -> str:
    return " | ".join(text for _, text in field_texts(channel, fields))


def _form(brand: Brand) -> None:
    config = context.settings()
    model = {
        "offline": "brand assets",
        "openai": config.openai_model,
        "transformers": config.transformers_model or "(not set)",
    }.get(config.llm_backend, "a registered plug-in")
    st.caption(f"Copy writer: `{config.llm_backend}` ({model}); change it with STUDIO_LLM_BACKEND.")
    if st.session_state.get(_URL_BRAND) != brand.slug:
        # A URL typed for another brand must not follow the user to this one.
        st.session_state[_URL] = brand.guideline.website
        st.session_state[_URL_BRAND] = brand.slug
    if _NEXT_SEED in st.session_state or _SEED not in st.session_state:
        # A fresh seed for every run: the same brief and seed would write the same variants.
        st.session_state[_SEED] = st.session_state.pop(_NEXT_SEED, None) or propose_seed()
    with st.form("generate_form"):
        personas = st.multiselect(
            "Personas",
            list(brand.personas),
            default=list(brand.personas)[:1],
            format_func=lambda slug: brand.personas[slug].name,
            key="gen_personas",
        )
        channels = st.multiselect(
            "Channels",
            list(CHANNELS),
            default=["meta_feed"],
            format_func=labels.channel,
            key="gen_channels",
        )
        left, right = st.columns(2)
        objective = left.selectbox(
            "Objective",
            OBJECTIVES,
            index=OBJECTIVES.index("traffic"),
            format_func=labels.humanize,
            key="gen_objective",
        )
        name = right.text_input(
            "Campaign name", key="gen_name", placeholder="e.g. Spring subscriptions"
        )
        offer = st.text_input(
            "Offer",
            key="gen_offer",
            help="Numbers and superlatives in the offer must be approved claims.",
        )
        offer_policy = st.radio(
            "If the offer is not an approved claim",
            OFFER_POLICIES,
            format_func=_OFFER_POLICY_LABELS.__getitem__,
            horizontal=True,
            key="gen_offer_policy",
        )
        landing_url = st.text_input(
            "Landing URL", key=_URL, help="Starts as the brand's website (guideline.yaml)."
        )
        left, right = st.columns(2)
        n = left.number_input("Variants per persona and channel", 1, 50, 3, key="gen_n")
        seed = right.number_input(
            "Seed",
            0,
            2**31 - 1,
            key=_SEED,
            help="A fresh one is proposed for each run; the same brief and seed give the same "
            "variants.",
        )
        submitted = st.form_submit_button("Generate", type="primary")
    if submitted:
        _generate(
            brand,
            personas,
            channels,
            objective,
            name,
            offer,
            landing_url,
            int(n),
            int(seed),
            str(offer_policy),
        )


def _generate(
    brand: Brand,
    personas: list[str],
    channels: list[str],
    objective: str,
    name: str,
    offer: str,
    landing_url: str,
    n: int,
    seed: int,
    offer_policy: str,
) -> None:
    try:
        brief = CampaignBrief(
            objective=objective, landing_url=landing_url.strip(), offer=offer.strip(), name=name
        )
        request = GenerationRequest(
            brand=brand,
            brief=brief,
            personas=tuple(personas),
            channels=tuple(channels),
            n=n,
            seed=seed,
            offer_policy=offer_policy,  # type: ignore[arg-type]  # checked by GenerationRequest
        )
        make_copy_writer(context.settings())  # a backend that is not set up says so now
    except UserFacingError as exc:
        st.error(str(exc))
        return
    notices = []
    off_site = brand.guideline.off_site_landing(brief.landing_url)
    if off_site:
        notices.append(f"Check the {off_site}; review and export will warn about it too.")
    with context.db_session() as session:
        repeats = earlier_runs(session, request)
    if repeats:
        notices.append(
            "This brief was run before: "
            + "; ".join(r.describe() for r in repeats)
            + ". A deterministic writer writes the same variants again; the Seed box now holds "
            "a fresh seed for new ones."
        )
    for notice in notices:
        st.warning(notice)
    # The worker writes, checks, saves and scores (run_generation); the page follows the job.
    job_id = job_panel.submit(
        JobKind.generate,
        {
            "brand": brand.slug,
            "personas": list(request.personas),
            "channels": list(request.channels),
            "n": request.n,
            "seed": request.seed,
            "objective": brief.objective,
            "offer": brief.offer,
            "landing_url": brief.landing_url,
            "name": brief.name,
            "offer_policy": request.offer_policy,
        },
    )
    if job_id is not None:
        st.session_state[_RESULT] = job_id
        st.session_state[_NOTICES] = notices
        # A new seed goes in the Seed box before it is drawn again, hence the rerun.
        st.session_state[_NEXT_SEED] = propose_seed()
        st.rerun()


def _finished_result(job_id: int) -> dict[str, Any] | None:
    """The generate job's result once it is done (None while it runs or when it failed)."""
    with context.db_session() as session:
        job = job_queue.get_job(session, job_id=job_id)
        if job.status != JobStatus.done:
            return None
        (item,) = job_queue.list_items(session, job_id=job_id)
    return item.result


def _show_result(brand: Brand, result: dict[str, Any]) -> None:
    """What a finished generate job saved (``result``: the job item's result)."""
    campaign_id = result["outputs"]["campaign"][0]
    saved, flagged = len(result["outputs"]["variant"]), result["flagged"]
    st.success(
        f"Saved {saved} drafts to campaign {campaign_id}"
        f"{f'; {flagged} flagged for review' if flagged else ''}."
    )
    cols = st.columns(4)
    cols[0].metric("Drafts", saved)
    cols[1].metric("Flagged", flagged)
    cols[2].metric("Near-duplicates merged", result["merged"])
    cols[3].metric(
        "Diversity",
        "n/a" if result["diversity"] is None else f"{result['diversity']:.2f}",
        help="Mean cosine distance between the variants of each persona and channel "
        "(MiniLM sentence embeddings): 0 = identical, about 1 = unrelated.",
    )
    for failure in result["failures"]:
        st.error(
            f"{labels.persona(brand, failure['persona'])} / {labels.channel(failure['channel'])} "
            f"(seed {failure['seed']}) could not be written: {failure['message']}"
        )
    for persona, channel, missing in result["shortfall"]:
        st.warning(
            f"{labels.persona(brand, persona)} / {labels.channel(channel)}: {missing} fewer "
            "variant(s) than asked; the rest were near-duplicates."
        )
    if result["unscored"]:
        st.warning(result["unscored"])
    for warning in result.get("warnings", []):
        st.warning(warning)

    with context.db_session() as session:
        rows = sorted(
            variant_queries.list_variants(session, campaign_id=campaign_id, limit=1000),
            key=lambda r: r.id or 0,
        )
    rubric = score_set(brand, [(r.channel, r.fields) for r in rows])
    summary = rubric.summary()
    st.markdown("**Copy rubric**")
    marks_row = st.columns(6)
    marks_row[0].metric("Button-label headlines", summary["button_headline"])
    marks_row[1].metric("Repeated texts", summary["repeated_text"])
    marks_row[2].metric("Cut-off phrases", summary["cut_off"])
    marks_row[3].metric("Persona-slug paths", summary["slug_path"])
    coverage = rubric.do_coverage
    marks_row[4].metric(
        "Apply a Do rule",
        "n/a" if coverage is None else f"{coverage:.0%}",
        help="Share of variants applying one of the guideline's voice 'Do' rules.",
    )
    marks_row[5].metric("Distinct openings", f"{rubric.distinct_openings:.0%}")
    for finding in rubric.findings:
        st.caption(str(finding))
    repairs = result["repairs"]
    table = []
    for row, marks in zip(rows, rubric.variants, strict=True):
        table.append(
            {
                "id": row.id,
                "persona": labels.persona(brand, row.persona),
                "channel": labels.channel(row.channel),
                "status": labels.status(row.status),
                "copy": _copy_summary(row.channel, row.fields),
                "predicted CTR": row.predicted_ctr,
                "violations": "; ".join(f"{v['field']}: {v['reason']}" for v in row.violations),
                "repairs": "; ".join(repairs.get(str(row.id), [])),
                "rubric": "; ".join(str(f) for f in marks.findings),
                "Do rules": "; ".join(marks.do_applied),
                "backend": row.backend,
                "model": row.model,
                "seed": row.seed,
                "prompt": f"{row.prompt_template} · {row.prompt_hash[:12]}",
            }
        )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="generate_table",
        column_config={"predicted CTR": st.column_config.NumberColumn(format="percent")},
    )
    if rows:
        chosen = st.selectbox(
            "Show the prompt of variant", [r.id for r in rows], key="gen_prompt_variant"
        )
        row = next(r for r in rows if r.id == chosen)
        st.caption(
            f"Template `{row.prompt_template}`, SHA-256 `{row.prompt_hash}`, seed {row.seed}"
        )
        st.code(row.prompt, language="markdown")


def render() -> None:
    st.title("Generate copy")
    brand = context.active_brand()
    if brand is None:
        st.error("No valid brand is loaded. Fix the files listed on the Brand page.")
        return
    _form(brand)
    job_id = st.session_state.get(_RESULT)
    if isinstance(job_id, int):
        for notice in st.session_state.get(_NOTICES) or []:
            st.warning(notice)
        job_panel.latest_jobs(JobKind.generate, limit=1)
        result = _finished_result(job_id)
        if result is not None:
            _show_result(brand, result)
    with st.expander("Channel limits"):
        st.dataframe(
            [
                {
                    "channel": labels.channel(r.channel),
                    "field": r.label,
                    "limits": r.limits,
                    "required": r.required,
                    "notes": ", ".join(r.notes),
                }
                for r in limits_table()
            ],
            hide_index=True,
            width="stretch",
        )
