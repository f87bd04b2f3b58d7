"""``studio ctr``: train, evaluate and apply the CTR predictor; import reports; switch models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from studio.cli._common import database, fail
from studio.core.csvfiles import write_frame
from studio.core.errors import UserFacingError

if TYPE_CHECKING:
    import pandas as pd

    from studio.scoring.predict import CtrPredictor

app = typer.Typer(
    help="CTR predictor: score headlines, train and evaluate models, retrain on your results.",
    no_args_is_help=True,
)

DEFAULT_DATA_HELP = (
    "A test table CSV (the Upworthy archive's or one written by import-report); repeat to combine."
)


def _tables(paths: list[Path]) -> pd.DataFrame:
    import pandas as pd

    from studio.scoring.data import TestTableError, load_test_table

    frames = []
    for path in paths:
        try:
            table = load_test_table(path)
        except TestTableError as error:
            fail(str(error))
        if len(paths) > 1:
            table["test_id"] = f"{path.name}:" + table["test_id"]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def _predictor(model: Path | None) -> CtrPredictor:
    from studio.scoring.model import ModelFileError
    from studio.scoring.predict import load_predictor

    try:
        return load_predictor(model)
    except ModelFileError as error:
        fail(str(error))


@app.command()
def train(
    data: list[Path] = typer.Option(..., "--data", help=DEFAULT_DATA_HELP),
    output: Path = typer.Option(..., "--output", help="Where to write the model artifact (.npz)."),
    card: Path | None = typer.Option(
        None, "--card", help="Model card to write. Default: MODEL_CARD.md beside the model."
    ),
) -> None:
    """Select on earlier weeks, evaluate on later weeks, refit on everything, write model + card."""
    from studio.scoring.embeddings import EmbeddingCache
    from studio.scoring.model_card import render_model_card
    from studio.scoring.train import TrainingDataError, train_model

    table = _tables(data)
    try:
        model, _ = train_model(
            table, EmbeddingCache(), sources=[p.name for p in data], progress=typer.echo
        )
    except TrainingDataError as error:
        fail(str(error))
    sha = model.save(output)
    card_path = card or output.parent / "MODEL_CARD.md"
    card_path.write_text(render_model_card(model, artifact=output, sha256=sha), encoding="utf-8")
    typer.echo(
        f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB, sha256 {sha[:12]}) and {card_path}"
    )


@app.command()
def evaluate(
    data: list[Path] = typer.Option(..., "--data", help=DEFAULT_DATA_HELP),
    model: Path | None = typer.Option(
        None,
        "--model",
        help="Also measure this saved model on the same later tests (it may have seen them).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Temporal split: pairwise accuracy on p<0.05 and |z|>3 pairs, top-1 vs random."""
    from studio.scoring.data import temporal_split
    from studio.scoring.embeddings import EmbeddingCache
    from studio.scoring.evaluate import evaluate_scorer
    from studio.scoring.train import TrainingDataError, featurize, temporal_evaluation

    table = _tables(data)
    try:
        result = temporal_evaluation(table, featurize(table, EmbeddingCache()))
    except TrainingDataError as error:
        fail(str(error))
    figures = result.as_dict()
    if model is not None:
        _, late = temporal_split(table)
        saved = evaluate_scorer(late, _predictor(model).relative_scores)
        figures["saved_model"] = saved.as_dict()
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    typer.echo(result.report())
    if model is not None:
        typer.echo(f"saved model {model}: {saved.summary()}")


@app.command()
def score(
    input_csv: Path = typer.Argument(..., metavar="INPUT.csv", help="CSV with one text per row."),
    text_column: str = typer.Option(
        "headline", "--text-column", help="The column holding the text to score."
    ),
    output: Path = typer.Option(
        ..., "--output", help="CSV to write: the input rows plus predicted_ctr, ctr_low, ctr_high."
    ),
    model: Path | None = typer.Option(
        None, "--model", help="Model artifact. Default: STUDIO_CTR_MODEL_PATH or the shipped one."
    ),
    base_ctr: float | None = typer.Option(
        None, "--base-ctr", help="CTR of a typical headline on your channel (0-1)."
    ),
) -> None:
    """Predict the CTR of every row's text (higher = better), offline."""
    import pandas as pd

    if not input_csv.is_file():
        fail(f"{input_csv}: no such file")
    if base_ctr is not None and not 0 < base_ctr < 1:
        fail(f"--base-ctr must be a rate between 0 and 1 (0.015 for 1.5%), got {base_ctr}")
    try:
        frame = pd.read_csv(input_csv, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        fail(
            f"{input_csv}: the file is empty; expected a CSV with a header row and a {text_column!r} column"
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        fail(f"{input_csv}: not a readable CSV ({str(error).strip()})")
    if text_column not in frame.columns:
        fail(
            f"{input_csv}: no column {text_column!r}; the columns are {', '.join(map(str, frame.columns))}. "
            "Name the text column with --text-column"
        )
    texts = frame[text_column].astype(str).str.strip()
    empty = texts == ""
    if empty.any():
        first = int(empty.to_numpy().nonzero()[0][0])
        fail(
            f"{input_csv}: column {text_column!r} is empty on line {first + 2} ({int(empty.sum())} empty row(s) in all)"
        )
    if frame.empty:
        fail(f"{input_csv}: no rows to score")
    predictor = _predictor(model)
    ctr, low, high = predictor.ctr_with_interval(texts.tolist(), base_ctr)
    out = frame.assign(predicted_ctr=ctr.round(6), ctr_low=low.round(6), ctr_high=high.round(6))
    output.parent.mkdir(parents=True, exist_ok=True)
    write_frame(out, output)
    typer.echo(f"scored {len(out)} rows -> {output}")


@app.command()
def drift(
    input_csv: Path = typer.Argument(..., metavar="INPUT.csv"),
    text_column: str = typer.Option("headline", "--text-column"),
    model: Path | None = typer.Option(None, "--model"),
) -> None:
    """Warn when the texts look unlike the model's training data."""
    import pandas as pd

    try:
        frame = pd.read_csv(input_csv, dtype=str, keep_default_na=False)
    except (
        FileNotFoundError,
        pd.errors.EmptyDataError,
        pd.errors.ParserError,
        UnicodeDecodeError,
    ) as error:
        fail(f"{input_csv}: cannot read the CSV ({str(error).strip()})")
    if text_column not in frame.columns:
        fail(
            f"{input_csv}: no column {text_column!r}; the columns are {', '.join(map(str, frame.columns))}"
        )
    texts = [t for t in frame[text_column].astype(str).str.strip() if t]
    report = _predictor(model).drift(texts)
    typer.echo(
        f"{report.texts} texts; {report.novel_share:.0%} novel (expected about {report.expected_novel_share:.0%})"
    )
    for warning in report.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)
    if not report.warnings:
        typer.echo("no drift: the texts look like the training data")


@app.command("import-report")
def import_report(
    report: Path = typer.Argument(..., help="A Google Ads or Meta Ads Manager CSV export."),
    output: Path = typer.Option(
        ..., "--output", help="Test table CSV to write (for train/retrain --data)."
    ),
    report_format: str | None = typer.Option(
        None, "--format", help="google_ads or meta_ads. Default: recognised from the header."
    ),
    text_column: str | None = typer.Option(
        None, "--text-column", help="The column with the ad text, if not the usual one."
    ),
) -> None:
    """Turn a performance report (ad text, impressions, clicks) into a test table."""
    from studio.scoring.reports import ReportError, read_report

    try:
        table = read_report(report, report_format=report_format, text_column=text_column)
    except ReportError as error:
        fail(str(error))
    write_frame(table, output)
    typer.echo(
        f"{len(table)} ads in {table['test_id'].nunique()} tests (ad group x week) -> {output}"
    )


@app.command("studio-results")
def studio_results(
    output: Path = typer.Option(..., "--output", help="Test table CSV to write."),
) -> None:
    """Write the studio's own creative tests (arms with delivery) as a test table."""
    from studio.scoring.reports import studio_results_table

    with database() as session:
        table = studio_results_table(session)
    if table.empty:
        fail("the studio has no test results yet (no experiment arm with imported delivery)")
    write_frame(table, output)
    typer.echo(f"{len(table)} arms in {table['test_id'].nunique()} tests -> {output}")


@app.command()
def retrain(
    data: list[Path] = typer.Option(..., "--data", help=DEFAULT_DATA_HELP),
    output: Path = typer.Option(..., "--output", help="Where to write the candidate model (.npz)."),
    actor: str = typer.Option(
        ...,
        "--as",
        envvar="STUDIO_USER",
        help="Who retrains; recorded in the registry and audit log.",
    ),
) -> None:
    """Train a candidate, compare it with the active model on the same later tests, register it (inactive)."""
    from studio.review.accounts import AuthError
    from studio.scoring.registry import load_active_predictor
    from studio.scoring.registry import retrain as run_retrain
    from studio.scoring.train import TrainingDataError

    table = _tables(data)
    with database() as session:
        current = load_active_predictor(session)
        try:
            record, comparison = run_retrain(
                session,
                table,
                output=output,
                sources=[p.name for p in data],
                current=current,
                created_by=actor,
            )
        except (TrainingDataError, AuthError) as error:
            fail(str(error))
        typer.echo(f"candidate: {comparison.candidate.summary()}")
        typer.echo(f"current:   {comparison.current.summary()}")
        verdict = "better" if comparison.candidate_is_better else "not better"
        typer.echo(
            f"registered model {record.id} (inactive); the candidate is {verdict} on pairwise accuracy. "
            f"Switch with: studio ctr activate {record.id}"
        )


@app.command("models")
def models() -> None:
    """List registered models, the active one marked."""
    from studio.scoring.registry import list_models

    with database() as session:
        records = list_models(session)
        if not records:
            typer.echo(
                "no registered models; the shipped (or STUDIO_CTR_MODEL_PATH) model is in use"
            )
        for r in records:
            acc = r.metrics.get("test", {}).get("pairwise_accuracy")
            mark = "*" if r.is_active else " "
            typer.echo(
                f"{mark} {r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.created_by}  acc={acc}  {r.training_data}  {r.path}"
            )


@app.command()
def activate(
    model_id: int = typer.Argument(..., help="Registry id (see: studio ctr models)."),
    actor: str = typer.Option(
        ..., "--as", envvar="STUDIO_USER", help="Who switches; recorded in the audit log."
    ),
) -> None:
    """Make a registered model the one the studio scores with."""
    from studio.scoring.registry import activate_model

    with database() as session:
        try:
            record = activate_model(session, record_id=model_id, actor=actor)
        except UserFacingError as error:
            fail(str(error))
        session.commit()
        typer.echo(f"model {record.id} is active: {record.path}")
