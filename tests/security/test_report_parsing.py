"""Class 9: reading ad-platform reports.

Before: a decimal comma (``12,50``, a European export) was read as thousands, so spend was 100
times too high; a real ad whose name starts with "Total" was skipped as a summary line; and a
count beyond the database's integer column ended in an uncaught database error. Now the file's
decimal mark is recognised from its own numbers (a mix is refused), only ``Total``/``Total: ...``
lines that name no ad are summaries, and out-of-range numbers are bad rows with a reason.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from studio.core.models import ArmResult
from studio.experiments.reports import ReportFileError, parse_report
from tests.experiments.test_reports import _import, _test

TODAY = date(2024, 6, 1)
GOOGLE_HEAD = "Ad report\nMay 1, 2024 - May 7, 2024\n"


def _google(header: str, *rows: str, delimiter: str = ",") -> bytes:
    return (GOOGLE_HEAD + header + "\n" + "\n".join(rows) + "\n").replace(",", delimiter).encode()


def test_a_decimal_comma_is_read_as_a_decimal() -> None:
    data = (
        GOOGLE_HEAD + "Ad ID;Day;Impr.;Clicks;Conversions;Cost\n"
        "111;2024-05-01;1.234;12;1,5;12,50\n"
        "111;2024-05-02;2.345.678;30;0;1.234,56\n"
    ).encode()
    parsed = parse_report(data, name="eu.csv", today=TODAY)
    assert parsed.bad_rows == ()
    assert [(r.impressions, r.spend, r.conversions) for r in parsed.rows] == [
        (1234, 12.5, 1.5),
        (2345678, 1234.56, 0.0),
    ]


def test_a_point_decimal_file_is_unchanged() -> None:
    data = _google("Ad ID,Day,Impr.,Clicks,Cost", '111,2024-05-01,"1,234",12,12.50')
    [row] = parse_report(data, name="us.csv", today=TODAY).rows
    assert (row.impressions, row.spend) == (1234, 12.5)


def test_a_file_mixing_decimal_marks_is_refused() -> None:
    data = (
        GOOGLE_HEAD + "Ad ID;Day;Impr.;Clicks;Cost\n"
        "111;2024-05-01;100;1;12,50\n"
        "111;2024-05-02;100;1;12.50\n"
    ).encode()
    with pytest.raises(ReportFileError, match="both with a decimal comma"):
        parse_report(data, name="mixed.csv", today=TODAY)


def test_an_ad_named_total_is_a_row_and_summary_lines_are_skipped() -> None:
    data = _google(
        "Ad name,Ad ID,Day,Impr.,Clicks",
        "Total Coffee Blend,111,2024-05-01,100,3",
        "Totally fresh,112,2024-05-01,200,4",
        "Total: Account,--,--,300,7",
        "Total,,,300,7",
    )
    parsed = parse_report(data, name="g.csv", today=TODAY)
    assert [r.ad_name for r in parsed.rows] == ["Total Coffee Blend", "Totally fresh"]
    assert parsed.skipped_total_rows == 2


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("9999999999,3,12.50", "Impr. '9999999999' is larger than any real day"),
        ("100,3,1e400", "is not a number"),
        ("100,3,99999999999999", "Cost '99999999999999' is larger than any real day"),
    ],
)
def test_out_of_range_numbers_are_bad_rows(cells: str, reason: str) -> None:
    data = _google("Ad ID,Day,Impr.,Clicks,Cost", f"111,2024-05-01,{cells}")
    parsed = parse_report(data, name="g.csv", today=TODAY)
    assert parsed.rows == ()
    [bad] = parsed.bad_rows
    assert reason in bad.reason


def test_out_of_range_rows_never_reach_the_database(session: Session, people) -> None:
    experiment, arms = _test(session)
    arms[0].ad_id = "a0"
    session.add(arms[0])
    session.commit()
    data = _google("Ad ID,Day,Impr.,Clicks", "a0,2024-05-01,2147483648,3", "a0,2024-05-02,100,3")
    result = _import(session, experiment, data)
    assert result.imported == 1 and [b.line for b in result.bad_rows] == [4]
    rows = session.exec(select(ArmResult)).all()
    assert [r.impressions for r in rows] == [100]


def test_the_ctr_report_reader_keeps_ads_named_total(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from studio.scoring.reports import read_report

    report = tmp_path / "google.csv"
    report.write_text(
        GOOGLE_HEAD + "Headline 1,Ad group,Day,Impr.,Clicks\n"
        "Total comfort in every cup,Beans,2024-01-02,1200,30\n"
        "Roasted today,Beans,2024-01-03,900,12\n"
        "Total: Account,--,--,2100,42\n",
        encoding="utf-8",
    )
    table = read_report(report)
    assert sorted(table["text"]) == ["Roasted today", "Total comfort in every cup"]
