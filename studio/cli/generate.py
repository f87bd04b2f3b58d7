"""``studio generate``: write ad copy variants for a brand's personas and channels, saved as drafts.

``--as USER`` names who generates; their role must allow it (creative or admin), exactly as in
the app, and the drafts and audit entries carry their name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from studio.backends.contracts import CopyWriterUnavailable
from studio.brand.guidelines import load_catalog
from studio.cli._common import database, fail, settings
from studio.copy.channels import CHANNELS
from studio.copy.generation import (
    GenerationRequest,
    GenerationResult,
    run_generation,
)
from studio.copy.writing import OBJECTIVES, CampaignBrief, make_copy_writer
from studio.core.csvfiles import write_csv_file
from studio.core.progress import Progress

OUTPUT_FORMATS = (".csv", ".json")


def variant_records(result: GenerationResult) -> list[dict[str, Any]]:
    """One JSON-ready record per variant, as written by ``--output``."""
    return [
        {
            "variant_id": v.variant_id,
            "campaign_id": result.campaign_id,
            "persona": v.persona,
            "channel": v.channel,
            "fields": v.fields,
            "backend": v.backend,
            "model": v.model,
            "seed": v.seed,
            "prompt_template": v.prompt.template,
            "prompt_hash": v.prompt.sha256,
            "predicted_ctr": v.predicted_ctr,
            "flagged": v.flagged,
            "violations": [x.to_dict() for x in v.violations],
            "repairs": v.repairs,
            "duplicates_merged": v.duplicates_merged,
        }
        for v in result.variants
    ]


def _write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    field_names: list[str] = []
    for spec in CHANNELS.values():
        field_names += [f.name for f in spec.fields if f.name not in field_names]
    columns = [
        "variant_id",
        "campaign_id",
        "persona",
        "channel",
        *field_names,
        "predicted_ctr",
        "backend",
        "model",
        "seed",
        "prompt_template",
        "prompt_hash",
        "flagged",
        "violations",
        "repairs",
    ]
    rows = []
    for record in records:
        row = {k: record[k] for k in columns if k in record and k not in ("violations", "repairs")}
        for name, value in record["fields"].items():
            # Multi-asset fields (RSA headlines) as a JSON list in one cell.
            row[name] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
        row["violations"] = "; ".join(f"{x['field']}: {x['reason']}" for x in record["violations"])
        row["repairs"] = "; ".join(record["repairs"])
        rows.append([row.get(c, "") for c in columns])
    # Copy from a model or a brief can start with "=" or "+": every cell is neutralised.
    write_csv_file(path, columns, rows)


def generate(
    brand: str = typer.Option(..., "--brand", "-b", help="Brand slug (see `studio brands list`)."),
    persona: list[str] = typer.Option(
        None, "--persona", "-p", help="Persona slug; repeat for several. Default: all."
    ),
    channel: list[str] = typer.Option(
        None,
        "--channel",
        "-c",
        help=f"Channel; repeat for several. Default: all of {', '.join(CHANNELS)}.",
    ),
    n: int = typer.Option(3, "-n", "--variants", help="Variants per persona and channel (1-50)."),
    objective: str = typer.Option("traffic", help=f"Campaign objective: {', '.join(OBJECTIVES)}."),
    offer: str = typer.Option("", help="Offer to feature (its numbers must be approved claims)."),
    offer_policy: str = typer.Option(
        "refuse",
        help="An offer the approved claims do not back: refuse (stop) or rewrite (use the "
        "closest approved claim, with a warning).",
    ),
    landing_url: str | None = typer.Option(
        None, help="Landing page. Default: the brand's website."
    ),
    name: str = typer.Option("", help="Campaign name."),
    seed: int = typer.Option(0, help="Base random seed; the same seed gives the same variants."),
    backend: str | None = typer.Option(
        None, help="Copy writer for this run (default: STUDIO_LLM_BACKEND)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Also write the variants to a .csv or .json file."
    ),
    acting: str = typer.Option(
        ...,
        "--as",
        envvar="STUDIO_USER",
        help="Username of the person generating (their role is checked). Default: $STUDIO_USER.",
    ),
    brand_dir: Path | None = typer.Option(
        None, help="Folder of brands (default: STUDIO_BRAND_DIR)."
    ),
) -> None:
    """Generate ad copy variants, check them against the brand, and save them as drafts."""
    config = settings()
    if output is not None:
        if output.suffix.lower() not in OUTPUT_FORMATS:
            fail(
                f"--output {str(output)!r}: the file name must end in {' or '.join(OUTPUT_FORMATS)}"
            )
        if not output.parent.is_dir():
            fail(f"--output {str(output)!r}: folder {str(output.parent)!r} does not exist")
    catalog = load_catalog(brand_dir or config.brand_dir)
    chosen = catalog.get(brand)
    brief = CampaignBrief(
        objective=objective,
        landing_url=landing_url or chosen.guideline.website,
        offer=offer,
        name=name,
    )
    request = GenerationRequest(
        brand=chosen,
        brief=brief,
        personas=tuple(persona or chosen.personas),
        channels=tuple(channel or CHANNELS),
        n=n,
        seed=seed,
        offer_policy=offer_policy,  # type: ignore[arg-type]  # checked by GenerationRequest
    )
    writer = make_copy_writer(config, backend)

    def show(step: Progress) -> None:
        typer.echo(f"[{step.done}/{step.total}] {step.message}", err=True)

    try:
        with database() as session:
            result = run_generation(session, request, writer, created_by=acting, progress=show)
    except CopyWriterUnavailable as exc:
        fail(f"{exc} (nothing was saved)")

    for v in result.variants:
        mark = "FLAGGED" if v.flagged else "ok"
        ctr = "ctr n/a" if v.predicted_ctr is None else f"ctr {v.predicted_ctr:.2%}"
        typer.echo(
            f"#{v.variant_id}\t{v.persona}\t{v.channel}\t{mark}\t{ctr}\t{json.dumps(v.fields, ensure_ascii=False)}"
        )
        for violation in v.violations:
            typer.echo(f"    {violation}")
    for failure in result.failures:
        typer.secho(
            f"failed {failure.persona}/{failure.channel} seed {failure.seed}: {failure.message}",
            fg=typer.colors.RED,
            err=True,
        )
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    if result.unscored:
        typer.secho(result.unscored, fg=typer.colors.YELLOW, err=True)
    diversity = "n/a" if result.diversity is None else f"{result.diversity:.3f}"
    typer.echo(
        f"campaign {result.campaign_id}: {len(result.variants)} drafts saved, {len(result.flagged)} flagged, "
        f"{result.merged} near-duplicates merged, {len(result.failures)} failed, diversity {diversity}"
    )
    if output is not None:
        records = variant_records(result)
        if output.suffix.lower() == ".json":
            output.write_text(
                json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        else:
            _write_csv(output, records)
        typer.echo(f"wrote {len(records)} variants to {output}")
