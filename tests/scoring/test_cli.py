"""``studio ctr``: scoring, its input errors, report import, and training from the command line."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from studio.cli import app

runner = CliRunner()


def _score(*args: str):
    return runner.invoke(app, ["ctr", "score", *args])


def test_score_writes_input_rows_plus_predictions(tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3],
            "headline": ["What Happened Next Will Make You Smile", "Bond yields", "Meet Lisa"],
        }
    ).to_csv(source, index=False)
    output = tmp_path / "out.csv"
    result = _score(str(source), "--text-column", "headline", "--output", str(output))
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(output)
    assert scored["id"].tolist() == [1, 2, 3]
    assert scored["headline"].tolist()[0] == "What Happened Next Will Make You Smile"
    assert (
        (scored["ctr_low"] < scored["predicted_ctr"])
        & (scored["predicted_ctr"] < scored["ctr_high"])
    ).all()
    higher = tmp_path / "higher.csv"
    assert _score(str(source), "--output", str(higher), "--base-ctr", "0.05").exit_code == 0
    assert (pd.read_csv(higher)["predicted_ctr"] > scored["predicted_ctr"]).all()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("id,title\n1,Hello\n", [], "no column 'headline'; the columns are id, title"),
        ("headline\nfine\n\n", ["--text-column", "headline"], None),
        ("headline,x\nfine,1\n   ,2\n", [], "is empty on line 3"),
        ('headline,x\n"unterminated,1\n', [], "not a readable CSV"),
        ("", [], "the file is empty"),
        ("headline\n", [], "no rows to score"),
        ("headline\nfine\n", ["--base-ctr", "3"], "--base-ctr must be a rate between 0 and 1"),
    ],
)
def test_score_errors_name_what_is_wrong(tmp_path, content, args, message):
    source = tmp_path / "in.csv"
    source.write_text(content, encoding="utf-8")
    output = tmp_path / "out.csv"
    result = _score(str(source), "--output", str(output), *args)
    if message is None:  # a blank line at the end of a CSV is not a row
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert message in result.output
    assert not output.exists()


def test_score_missing_file_and_bad_model(tmp_path):
    result = _score(str(tmp_path / "nope.csv"), "--output", str(tmp_path / "o.csv"))
    assert result.exit_code == 1 and "no such file" in result.output
    source = tmp_path / "in.csv"
    source.write_text("headline\nfine\n", encoding="utf-8")
    result = _score(
        str(source), "--output", str(tmp_path / "o.csv"), "--model", str(tmp_path / "none.npz")
    )
    assert (
        result.exit_code == 1
        and "no such file" in result.output
        and "studio ctr train" in result.output
    )


def test_import_report_and_train_from_the_cli(tmp_path, small_model, upworthy_table):
    report = tmp_path / "google.csv"
    report.write_text(
        "Ad report\nJanuary 1, 2024 - January 14, 2024\n"
        "Ad group,Headline 1,Day,Impr.,Clicks,CTR\n"
        'Beans,Fresh beans weekly,2024-01-02,"1,200",30,2.50%\n'
        "Beans,Roasted today,2024-01-03,900,12,1.33%\n"
        "Total: Account,--,--,2100,42,2.00%\n",
        encoding="utf-8",
    )
    table_path = tmp_path / "table.csv"
    result = runner.invoke(app, ["ctr", "import-report", str(report), "--output", str(table_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(table_path)
    assert table["impressions"].tolist() == [1200, 900] and table["test_id"].nunique() == 1

    bad = runner.invoke(
        app, ["ctr", "import-report", str(tmp_path / "nothing.csv"), "--output", str(table_path)]
    )
    assert bad.exit_code == 1 and "no such file" in bad.output

    data = tmp_path / "sample.csv"
    small_model.table.to_csv(data, index=False)
    model_path = tmp_path / "model" / "m.npz"
    model_path.parent.mkdir()
    result = runner.invoke(
        app, ["ctr", "evaluate", "--data", str(data), "--model", str(small_model.path)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "pairwise accuracy" in result.output
        and "top-1" in result.output
        and "saved model" in result.output
    )
    tiny = tmp_path / "tiny.csv"
    upworthy_table.head(3).to_csv(tiny, index=False)
    result = runner.invoke(app, ["ctr", "train", "--data", str(tiny), "--output", str(model_path)])
    assert result.exit_code == 1 and "error:" in result.output and not model_path.exists()
