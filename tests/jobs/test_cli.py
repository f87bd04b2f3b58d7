"""``studio jobs`` and ``studio worker --once`` through the real command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from studio.cli import app
from tests.jobs.conftest import make_variant_ids

runner = CliRunner()


def test_submit_prints_the_id_and_show_json_prints_exactly_the_agreed_fields(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 2)
    args = [
        "jobs",
        "submit",
        "render",
        "--as",
        "cara",
        "-p",
        'options={"scale": 0.1, "video": false}',
    ]
    for variant_id in variant_ids:
        args += ["--variant", str(variant_id)]
    submitted = runner.invoke(app, args)
    assert submitted.exit_code == 0, submitted.output
    job_id = int(submitted.output.strip())

    queued = json.loads(runner.invoke(app, ["jobs", "show", str(job_id), "--json"]).output)
    assert queued == {
        "id": job_id,
        "kind": "render",
        "status": "queued",
        "items_total": 2,
        "items_done": 0,
        "items_failed": 0,
        "outputs": {},
    }
    worked = runner.invoke(app, ["worker", "--once", "--poll", "0.1"])
    assert worked.exit_code == 0, worked.output
    shown = json.loads(runner.invoke(app, ["jobs", "show", str(job_id), "--json"]).output)
    assert list(shown) == [
        "id",
        "kind",
        "status",
        "items_total",
        "items_done",
        "items_failed",
        "outputs",
    ]
    assert (shown["status"], shown["items_done"]) == ("done", 2)
    assert len(shown["outputs"]["asset"]) == 6  # three image sizes of meta_feed per variant

    listed = runner.invoke(app, ["jobs", "list", "--status", "done"])
    assert listed.output.startswith(f"{job_id}\trender\tdone\t2/2")


def test_cancel_and_retry_from_the_command_line_follow_permissions(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 1)
    job_id = runner.invoke(
        app, ["jobs", "submit", "render", "--variant", str(variant_ids[0]), "--as", "cara"]
    ).output.strip()
    refused = runner.invoke(app, ["jobs", "cancel", job_id, "--as", "mia"])
    assert refused.exit_code == 1 and "may not generate" in refused.output
    assert runner.invoke(app, ["jobs", "cancel", job_id, "--as", "cara"]).output == (
        f"job {job_id} cancelled\n"
    )
    again = runner.invoke(app, ["jobs", "cancel", job_id, "--as", "cara"])
    assert again.exit_code == 1 and "already cancelled" in again.output
    assert runner.invoke(app, ["jobs", "retry", job_id, "--as", "cole"]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["jobs", "show", job_id, "--json"]).output)
    assert shown["status"] == "queued"
    unknown = runner.invoke(app, ["jobs", "show", "999"])
    assert unknown.exit_code == 1 and "There is no job 999" in unknown.output
