"""``studio jobs`` (submit, show, list, cancel, retry) and ``studio worker``."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import typer

from studio.cli._common import database, fail, settings
from studio.core.database import upgrade
from studio.core.models import JobKind, JobStatus
from studio.jobs import queue

app = typer.Typer(help="Jobs run by `studio worker`: submit, follow, cancel, retry.")


def _param(value: str) -> tuple[str, Any]:
    key, sep, raw = value.partition("=")
    if not sep or not key:
        raise typer.BadParameter(
            f'{value!r} is not KEY=VALUE (VALUE is JSON, or text), e.g. options={{"scale": 0.5}}',
            param_hint="--param",
        )
    try:
        return key, json.loads(raw)
    except json.JSONDecodeError:
        return key, raw


def job_params(
    kind: JobKind,
    *,
    campaign: int | None,
    variant: list[int],
    test: list[int],
    platform: str | None,
    output: Path | None,
    brand: str | None,
    persona: list[str],
    channel: list[str],
    n: int | None,
    seed: int | None,
    report: Path | None,
    data: list[Path],
    extra: list[str],
) -> dict[str, Any]:
    """The job's params from the command's options (``--param KEY=VALUE`` for the rest)."""
    params: dict[str, Any] = {}
    if campaign is not None:
        params["campaign_id"] = campaign
    if variant:
        params["variant_ids"] = list(variant)
    if test:
        if kind == JobKind.export:
            params["test_id"] = test[0]
        else:
            params["experiment_ids" if kind == JobKind.reweight else "experiment_id"] = (
                list(test) if kind == JobKind.reweight else test[0]
            )
    if platform is not None:
        params["platform"] = platform
    if output is not None:
        params["output"] = str(output)
    if brand is not None:
        params["brand"] = brand
    if persona:
        params["personas"] = list(persona)
    if channel:
        params["channels"] = list(channel)
    if n is not None:
        params["n"] = n
    if seed is not None:
        params["seed"] = seed
    if report is not None:
        if not report.is_file():
            fail(f"--report {str(report)!r}: no such file")
        params["file_name"] = report.name
        params["data_base64"] = base64.b64encode(report.read_bytes()).decode("ascii")
    if data:
        params["data"] = [str(p) for p in data]
    params.update(dict(_param(value) for value in extra))
    return params


@app.command()
def submit(
    kind: JobKind = typer.Argument(..., help="What to run."),
    campaign: int | None = typer.Option(
        None, "--campaign", help="render, export: the campaign's variants."
    ),
    variant: list[int] = typer.Option(
        [], "--variant", help="render, export: a variant id (repeatable)."
    ),
    test: list[int] = typer.Option(
        [],
        "--test",
        help="reweight: a test id (repeatable); report_import: the test; export: its winners.",
    ),
    platform: str | None = typer.Option(None, "--platform", help="export: the ad platform."),
    output: Path | None = typer.Option(
        None,
        "--output",
        help="export: the zip (default under STUDIO_ASSET_DIR); retrain: the .npz.",
    ),
    brand: str | None = typer.Option(None, "--brand", help="generate: the brand."),
    persona: list[str] = typer.Option([], "--persona", help="generate: a persona (repeatable)."),
    channel: list[str] = typer.Option([], "--channel", help="generate: a channel (repeatable)."),
    n: int | None = typer.Option(None, "-n", help="generate: variants per persona and channel."),
    seed: int | None = typer.Option(None, "--seed", help="generate: the base seed."),
    report: Path | None = typer.Option(
        None, "--report", help="report_import: the report file (CSV or Excel)."
    ),
    data: list[Path] = typer.Option([], "--data", help="retrain: a test-table file (repeatable)."),
    param: list[str] = typer.Option(
        [],
        "--param",
        "-p",
        help='Any other param as KEY=VALUE, VALUE as JSON, e.g. -p options={"scale":0.5}.',
    ),
    actor: str = typer.Option(
        ...,
        "--as",
        envvar="STUDIO_USER",
        help="Who submits (needs the permission of the action). Default: $STUDIO_USER.",
    ),
) -> None:
    """Queue a job and print its id at once; `studio worker` runs it."""
    params = job_params(
        kind,
        campaign=campaign,
        variant=variant,
        test=test,
        platform=platform,
        output=output,
        brand=brand,
        persona=persona,
        channel=channel,
        n=n,
        seed=seed,
        report=report,
        data=data,
        extra=param,
    )
    with database() as session:
        job = queue.submit(session, kind=kind, params=params, actor=actor)
        session.commit()
        typer.echo(job.id)


@app.command()
def show(
    job_id: int = typer.Argument(..., help="The job's id."),
    as_json: bool = typer.Option(False, "--json", help="Print the job as one JSON object."),
) -> None:
    """A job's status, progress and outputs (with its items' errors)."""
    with database() as session:
        job = queue.get_job(session, job_id=job_id)
        summary = queue.summary(session, job)
        if as_json:
            typer.echo(json.dumps(summary))
            return
        typer.echo(
            f"job {job.id} {job.kind} {job.status}: {job.items_done}/{job.items_total} done, "
            f"{job.items_failed} failed; by {job.created_by} at {job.created_at:%Y-%m-%d %H:%M:%S}"
        )
        for key, ids in summary["outputs"].items():
            typer.echo(f"  {key}: {', '.join(map(str, ids))}")
        if job.error:
            typer.echo(f"  error: {job.error}")
        for item in queue.list_items(session, job_id=job_id):
            line = f"  {item.idempotency_key}: {item.status}, attempt {item.attempts}"
            typer.echo(line + (f": {item.error.splitlines()[0]}" if item.error else ""))


@app.command("list")
def list_command(
    status: list[JobStatus] = typer.Option([], "--status", help="Only these statuses."),
    kind: list[JobKind] = typer.Option([], "--kind", help="Only these kinds."),
    limit: int = typer.Option(50, help="At most this many, newest first."),
) -> None:
    """Jobs, newest first."""
    with database() as session:
        for job in queue.list_jobs(session, statuses=status, kinds=kind, limit=limit):
            typer.echo(
                f"{job.id}\t{job.kind}\t{job.status}\t{job.items_done}/{job.items_total}"
                f"\t{job.items_failed} failed\t{job.created_by}\t{job.created_at:%Y-%m-%d %H:%M}"
            )


@app.command()
def cancel(
    job_id: int = typer.Argument(..., help="The job's id."),
    actor: str = typer.Option(..., "--as", envvar="STUDIO_USER", help="Who cancels."),
) -> None:
    """Cancel a job: queued items stop now, a running item's result is dropped."""
    with database() as session:
        job = queue.cancel(session, job_id=job_id, actor=actor)
        session.commit()
        typer.echo(f"job {job.id} cancelled")


@app.command()
def retry(
    job_id: int = typer.Argument(..., help="The job's id."),
    actor: str = typer.Option(..., "--as", envvar="STUDIO_USER", help="Who retries."),
) -> None:
    """Queue the failed and cancelled items of a failed or cancelled job again."""
    with database() as session:
        job = queue.retry(session, job_id=job_id, actor=actor)
        session.commit()
        typer.echo(f"job {job.id} queued again")


def worker(
    once: bool = typer.Option(False, "--once", help="Stop when nothing is left to do now."),
    executor: str | None = typer.Option(
        None, "--executor", help="local or ray (default: STUDIO_EXECUTOR, else local)."
    ),
    poll: float = typer.Option(2.0, "--poll", min=0.05, help="Seconds between polls when idle."),
    claim: int = typer.Option(4, "--claim", min=1, help="Items claimed per round."),
    heartbeat_timeout: float = typer.Option(
        queue.HEARTBEAT_TIMEOUT_S,
        "--heartbeat-timeout",
        min=1,
        help="Seconds of silence after which a worker's items are taken back.",
    ),
    schedule_as: str | None = typer.Option(
        None,
        "--schedule-as",
        envvar="STUDIO_SCHEDULER_USER",
        help="Run the scheduler (reweights of due tests, drift checks) as this user (run_tests) "
        "instead of the system account `scheduler`.",
    ),
    no_schedule: bool = typer.Option(
        False, "--no-schedule", help="Run no scheduler: this worker only runs queued jobs."
    ),
) -> None:
    """Run jobs from the database until stopped (SIGTERM or Ctrl-C stop it cleanly).

    Every five minutes it also queues the reweights of the running tests that are due and checks
    new copy for drift, as the system account `scheduler` (added the first time a worker starts)
    unless `--schedule-as` names a person.
    """
    from studio.jobs.executors import get_executor
    from studio.jobs.worker import Scheduler, Worker, scheduler_account

    if schedule_as is not None and not schedule_as.strip():
        raise typer.BadParameter(
            "is empty; give a username, or leave it out to run the scheduler as the system "
            "account `scheduler` (`--no-schedule`: no scheduler)",
            param_hint="--schedule-as",
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    url = settings().database_url
    upgrade(url)
    scheduler = None
    if not no_schedule:
        scheduler = Scheduler(schedule_as or scheduler_account(url).username)
    runner = Worker(
        url,
        get_executor(executor),
        claim_size=claim,
        poll_s=poll,
        heartbeat_s=max(1.0, heartbeat_timeout / 6),
        heartbeat_timeout_s=heartbeat_timeout,
        scheduler=scheduler,
    )
    restore = runner.install_signal_handlers()
    schedule = f"scheduler as {scheduler.actor}" if scheduler else "no scheduler"
    typer.echo(
        f"worker {runner.name} ({runner.executor.name} executor, {schedule}) started", err=True
    )
    try:
        finished = runner.run(once=once)
    finally:
        restore()
    typer.echo(f"worker {runner.name} stopped after {finished} items", err=True)
