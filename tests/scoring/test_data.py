"""Reading test tables: clear errors that name the file, column and row."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.scoring.data import TEST_COLUMNS, TestTableError, load_test_table


def _write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_the_studio_columns(tmp_path):
    path = _write(
        tmp_path,
        "test_id,period,text,impressions,clicks\nt1,202401, Hello ,100,3\nt1,202401,Bye,90,1\n",
    )
    table = load_test_table(path)
    assert list(table.columns) == list(TEST_COLUMNS)
    assert table["text"].tolist() == ["Hello", "Bye"]


def test_reads_the_upworthy_columns(tmp_path):
    path = _write(
        tmp_path,
        "clickability_test_id,test_week,headline,impressions,clicks,winner\nx,201401,H,10,1,True\n",
    )
    assert load_test_table(path)["test_id"].tolist() == ["x"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("test_id,period,text,impressions\nt,1,a,10\n", "missing column"),
        (
            "test_id,period,text,impressions,clicks\nt,1,a,10,11\n",
            "need 0 <= clicks <= impressions",
        ),
        ("test_id,period,text,impressions,clicks\nt,1,a,ten,1\n", "'impressions' row 2 is 'ten'"),
        ("test_id,period,text,impressions,clicks\nt,1,,10,1\n", "'text' is empty on row 2"),
        ("", "empty"),
        ('test_id,period,text,impressions,clicks\nt,1,"unterminated,10,1\n', "not a readable CSV"),
    ],
)
def test_bad_tables_are_explained(tmp_path, content, message):
    with pytest.raises(TestTableError, match=message):
        load_test_table(_write(tmp_path, content))


def test_missing_file(tmp_path):
    with pytest.raises(TestTableError, match="no such file"):
        load_test_table(tmp_path / "nope.csv")
