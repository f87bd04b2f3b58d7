"""``studio review``: the same approval state machine as the app, acting as a named user.

``--as USER`` names who acts; their role is checked exactly as in the app, the four-eyes rule
applies, and every decision is audited under their name.
"""

from __future__ import annotations

import typer

from studio.cli._common import database, fail
from studio.copy import variants as variant_queries
from studio.core.models import VariantStatus
from studio.review import queries as review_queries
from studio.review import workflow as review_flow

app = typer.Typer(
    help="Submit, approve, reject or request changes on variants.", no_args_is_help=True
)

ACTING = typer.Option(
    ...,
    "--as",
    envvar="STUDIO_USER",
    help="Username of the person acting (their role is checked). Default: $STUDIO_USER.",
)


def _run(action: str, variant_ids: list[int], acting: str, comment: str = "") -> None:
    """Apply ``action`` to each id on its own; print one line per variant; exit 1 if any failed."""
    with database() as session:
        result = review_flow.bulk_act(
            session, action=action, actor=acting, variants=variant_ids, comment=comment
        )
    for outcome in result.outcomes:
        if outcome.result is not None:
            r = outcome.result
            typer.echo(
                f"ok    variant {r.variant_id}: {r.source.value} -> {r.target.value} ({r.action} by {r.actor})"
            )
        else:
            typer.secho(
                f"error variant {outcome.variant_id}: {outcome.error}",
                fg=typer.colors.RED,
                err=True,
            )
    if len(variant_ids) > 1:
        typer.echo(result.summary())
    if result.failed:
        raise typer.Exit(1)


@app.command("submit")
def submit(
    variant_ids: list[int] = typer.Argument(..., help="Variant ids."), acting: str = ACTING
) -> None:
    """Send drafts for review."""
    _run("submit", variant_ids, acting)


@app.command("approve")
def approve(
    variant_ids: list[int] = typer.Argument(..., help="Variant ids; each is approved on its own."),
    acting: str = ACTING,
    comment: str = typer.Option("", help="Optional note kept with the approval."),
) -> None:
    """Approve variants in review (per variant: one refusal does not stop the others)."""
    _run("approve", variant_ids, acting, comment)


@app.command("reject")
def reject(
    variant_ids: list[int] = typer.Argument(..., help="Variant ids."),
    reason: str = typer.Option(..., help="Why (required): the author reads it."),
    acting: str = ACTING,
) -> None:
    """Reject variants in review, with a reason."""
    _run("reject", variant_ids, acting, reason)


@app.command("request-changes")
def request_changes(
    variant_ids: list[int] = typer.Argument(..., help="Variant ids."),
    comment: str = typer.Option(..., help="What to change (required)."),
    acting: str = ACTING,
) -> None:
    """Send variants back to their author with a comment; an edit makes a new revision."""
    _run("request_changes", variant_ids, acting, comment)


@app.command("actions")
def actions(
    variant_id: int = typer.Argument(..., help="Variant id."), acting: str = ACTING
) -> None:
    """What USER may do to a variant now, from the same state machine the Review page uses."""
    with database() as session:
        variant = review_queries.load_variant(session, variant_id=variant_id)
        if variant is None:
            fail(f"no variant with id {variant_id}")
        choices = review_flow.choices_for(session, variant=variant, actor=acting)
    typer.echo(f"variant {variant_id} is '{choices.status.value}' (version {choices.lock_version})")
    for move in choices.moves:
        needs = f" --{move.text_required} TEXT" if move.text_required else ""
        command = f"studio review {move.action.replace('_', '-')} {variant_id}{needs}"
        typer.echo(
            f"  {move.label}: -> {move.target.value}" + (f"  ({command})" if move.is_review else "")
        )
    if choices.can_edit:
        typer.echo("  Edit: saves a new revision (on the Review page)")
    if not choices.moves and not choices.can_edit:
        typer.echo(f"  nothing: {acting} may not move or edit it now")
    for note in choices.notes:
        typer.echo(f"  note: {note}")


@app.command("queue")
def queue(
    brand: str | None = typer.Option(None, help="Only this brand."),
    status: str = typer.Option(VariantStatus.in_review.value, help="Status to list."),
) -> None:
    """The latest revision of each variant in a status (default: waiting for review), best predicted CTR first."""
    parsed = review_flow.parse_status(status)
    with database() as session:
        variants = variant_queries.list_variants(
            session, latest_only=True, brand=brand, statuses=[parsed], order="predicted_ctr"
        )
        rows = [
            (
                v.id,
                v.revision,
                v.brand,
                v.persona,
                v.channel,
                v.predicted_ctr,
                len(v.violations),
                v.created_by,
            )
            for v in variants
        ]
    if not rows:
        typer.echo(f"no variants are '{parsed.value}'")
        return
    typer.echo("id\trev\tbrand\tpersona\tchannel\tpredicted_ctr\tflags\tby")
    for vid, rev, brand_slug, persona, channel, ctr, flags, by in rows:
        ctr_text = f"{ctr:.4f}" if ctr is not None else "-"
        typer.echo(f"{vid}\t{rev}\t{brand_slug}\t{persona}\t{channel}\t{ctr_text}\t{flags}\t{by}")


@app.command("history")
def history(variant_id: int = typer.Argument(..., help="Variant id.")) -> None:
    """Every review decision on a variant and its earlier revisions, oldest first."""
    with database() as session:
        variant = review_queries.load_variant(session, variant_id=variant_id)
        if variant is None:
            fail(f"no variant with id {variant_id}")
        chain = review_queries.revision_chain(session, variant=variant)
        reviews = review_queries.list_reviews(session, variant_ids=[v.id for v in chain if v.id])
        lines = [
            f"{r.created_at:%Y-%m-%d %H:%M} variant {r.variant_id}: {r.from_status} -> {r.to_status} "
            f"({r.action} by {r.reviewer}){': ' + r.comment if r.comment else ''}"
            for r in reviews
        ]
    typer.echo("\n".join(lines) if lines else f"variant {variant_id} has no review decisions yet")
