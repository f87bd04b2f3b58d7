"""Importing Google Ads and Meta Ads Manager exports into test tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.scoring.reports import ReportError, read_report


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "report.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_google_ads_export_with_title_lines_totals_and_weeks(tmp_path):
    path = _write(
        tmp_path,
        'Ad report\n"January 1, 2024 - January 14, 2024"\n'
        "Campaign,Ad group,Headline 1,Headline 2,Day,Impr.,Clicks,CTR\n"
        'Spring,Beans,Fresh beans weekly,Order now,2024-01-01,"1,000",20,2.00%\n'
        "Spring,Beans,Fresh beans weekly,Order now,2024-01-02,500,10,2.00%\n"
        "Spring,Beans,Roasted today,Order now,2024-01-03,800,8,1.00%\n"
        "Spring,Beans,Roasted today,Order now,2024-01-09,700,7,1.00%\n"
        "Total: Account,,,,,3000,45,1.50%\n",
    )
    table = read_report(path)
    # Monday 2024-01-01 week: two ads; the next week: one ad, its own test.
    assert table["test_id"].nunique() == 2
    first = table[table["period"] == 20240101].set_index("text")
    assert (
        first.loc["Fresh beans weekly", "impressions"] == 1500
        and first.loc["Fresh beans weekly", "clicks"] == 30
    )
    assert table["test_id"].iloc[0].startswith("google_ads:Beans:")


def test_google_ads_utf16_tab_separated(tmp_path):
    content = "Ad report\nAd group\tHeadline 1\tWeek\tImpr.\tClicks\nG\tHello there\t2024-03-04\t100\t3\nG\tHi\t2024-03-04\t100\t1\n"
    table = read_report(_write(tmp_path, content, encoding="utf-16"))
    assert sorted(table["text"]) == ["Hello there", "Hi"]


def test_meta_ads_export(tmp_path):
    path = _write(
        tmp_path,
        "Reporting starts,Reporting ends,Campaign name,Ad set name,Ad name,Headline,Impressions,Link clicks,Clicks (all)\n"
        "2024-05-06,2024-05-12,C,Set A,ad 1,Brew better mornings,2000,40,55\n"
        "2024-05-06,2024-05-12,C,Set A,ad 2,Coffee for busy people,2100,21,30\n",
    )
    table = read_report(path)
    assert table["clicks"].tolist() == [40, 21]  # link clicks, not all clicks
    assert table["test_id"].unique().tolist() == ["meta_ads:Set A:20240506"]


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        ("name,value\na,1\n", {}, "no header row with an impressions column"),
        ("Ad group,Headline 1,Impr.,Clicks\nG,Hi,10,1\n", {}, "no date"),
        ("Ad group,Headline 1,Day,Impr.,Clicks\nG,Hi,2024-01-01,ten,1\n", {}, "'Impr.' has 'ten'"),
        ("Ad group,Headline 1,Day,Impr.,Clicks\nG,Hi,someday,10,1\n", {}, "expected a date"),
        (
            "Ad group,Headline 1,Day,Impr.,Clicks\nG,Hi,2024-01-01,10,1\n",
            {"text_column": "Body"},
            "looked for Body",
        ),
        (
            "Ad group,Headline 1,Day,Impr.,Clicks\nG,Hi,2024-01-01,10,1\n",
            {"report_format": "tiktok"},
            "unknown",
        ),
        (
            "Ad group,Headline 1,Day,Impr.,Clicks\nG,Hi,2024-01-01,10,11\n",
            {},
            "line 2: 11 clicks for 10 impressions",
        ),
    ],
)
def test_bad_reports_are_explained(tmp_path, content, kwargs, message):
    with pytest.raises(ReportError, match=message):
        read_report(_write(tmp_path, content), **kwargs)


def test_load_training_table_reads_tables_and_reports(tmp_path):
    from studio.scoring.reports import load_training_table

    table = tmp_path / "table.csv"
    table.write_text(
        "test_id,period,text,impressions,clicks\nt,20240101,Hi,10,1\n", encoding="utf-8"
    )
    assert load_training_table(table)["text"].tolist() == ["Hi"]
    report = tmp_path / "meta.csv"
    report.write_text(
        "Reporting starts,Ad set name,Headline,Impressions,Link clicks\n2024-05-07,S,Brew,100,3\n",
        encoding="utf-8",
    )
    assert load_training_table(report)["period"].tolist() == [20240506]
