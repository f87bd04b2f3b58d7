"""The number rules both report readers share (studio.core.numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.numbers import (
    MixedNumberFormats,
    NumberError,
    parse_number,
    uses_decimal_comma,
)


@pytest.mark.parametrize(
    ("raw", "comma", "expected"),
    [
        ("1,234", False, 1234.0),
        ("1 234", False, 1234.0),
        ("1\u00a0234,5", True, 1234.5),
        ("1'234", False, 1234.0),
        ("1.234,56", True, 1234.56),
        ("12,50", True, 12.5),
        ("--", False, 0.0),
        ("", True, 0.0),
        ("$1,234.50", False, 1234.5),
        ("12,50 €", True, 12.5),
        ("USD 12.50", False, 12.5),
        ("US$3", False, 3.0),
    ],
)
def test_separators_decimal_comma_empty_cells_and_currency(raw, comma, expected):
    assert parse_number(raw, "Cost", decimal_comma=comma) == pytest.approx(expected)


def test_percent_is_a_fraction_where_a_rate_is_expected_and_an_error_elsewhere():
    assert parse_number("1.5%", "CTR", percent=True) == pytest.approx(0.015)
    assert parse_number("1,5 %", "CTR", percent=True, decimal_comma=True) == pytest.approx(0.015)
    with pytest.raises(NumberError, match=r"Clicks '1\.5%' is a percentage"):
        parse_number("1.5%", "Clicks")


def test_bad_values_name_the_column_and_the_value():
    with pytest.raises(NumberError, match=r"Impr\. 'ten' is not a number"):
        parse_number("ten", "Impr.")
    with pytest.raises(NumberError, match=r"Clicks '2.5' is not a whole number"):
        parse_number("2.5", "Clicks", whole=True)
    with pytest.raises(NumberError, match=r"Clicks is negative \(-3\)"):
        parse_number("-3", "Clicks")
    with pytest.raises(NumberError, match="larger than any real day"):
        parse_number("3,000,000,000", "Impressions", whole=True, limit=2**31 - 1)


def test_the_decimal_comma_is_recognised_from_the_files_own_numbers():
    assert uses_decimal_comma(["1.234", "12,50"]) is True
    assert uses_decimal_comma(["1,234", "12.50"]) is False
    assert uses_decimal_comma(["1,234", "7"]) is False  # thousands, not a decimal
    with pytest.raises(MixedNumberFormats, match=r"decimal comma \('12,50'\).*point \('3.75'\)"):
        uses_decimal_comma(["12,50", "3.75"])


def test_both_report_readers_use_the_shared_rules(tmp_path: Path):
    # The CTR predictor's reader now reads a European export (it refused "1.234" as 1.234
    # impressions before, or read it as 1234 only by luck of the separator).
    from studio.experiments.reports import parse_report
    from studio.scoring.reports import read_report

    report = tmp_path / "google-de.csv"
    report.write_text(
        "Ad group,Headline 1,Day,Impr.,Clicks,Cost\n"
        'G,Hallo,2024-01-01,1.234.567,2.345,"12,50"\n'
        'G,Servus,2024-01-01,10.000,100,"3,75"\n',
        encoding="utf-8",
    )
    table = read_report(report)
    assert table["impressions"].tolist() == [1_234_567, 10_000]
    assert table["clicks"].tolist() == [2_345, 100]
    meta = (
        b'Day,Ad name,Impressions,Link clicks,Amount spent (EUR)\n2024-05-01,a,"1.234",12,"12,50"\n'
    )
    (row,) = parse_report(meta, name="m.csv").rows
    assert (row.impressions, row.spend) == (1234, 12.5)
