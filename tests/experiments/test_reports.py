"""Report import: Meta and Google formats, bad rows, idempotency (SQLite and PostgreSQL), limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from studio.core.models import Arm, ArmResult, Experiment
from studio.core.settings import get_settings
from studio.core.uploads import UploadRejected
from studio.experiments import lifecycle as ex
from studio.experiments.reports import ReportFileError, import_report, parse_report
from tests.experiments.conftest import google_csv, make_variants, meta_csv

TODAY = date(2024, 6, 1)
#: Tests here start before the report days they import.
STARTED = datetime(2024, 4, 30, 9, 0, tzinfo=UTC)


def _test(session: Session, n: int = 2) -> tuple[Experiment, list[Arm]]:
    variants = make_variants(session, n=n)
    experiment = ex.create_test(
        session,
        name="t",
        brand="halden-coffee",
        persona="home-baristas",
        channel="meta_feed",
        variant_ids=[v.id for v in variants],
        actor="mia",
        now=STARTED,
    )  # type: ignore[misc]
    session.commit()
    arms = list(
        session.exec(select(Arm).where(Arm.experiment_id == experiment.id).order_by(Arm.id)).all()
    )
    return experiment, arms


def _totals(session: Session, experiment_id: int) -> dict[int, tuple[int, int]]:
    rows = session.exec(select(ArmResult).where(ArmResult.experiment_id == experiment_id)).all()
    out: dict[int, tuple[int, int]] = {}
    for r in rows:
        i, c = out.get(r.arm_id, (0, 0))
        out[r.arm_id] = (i + r.impressions, c + r.clicks)
    return out


def _import(session: Session, experiment: Experiment, data: bytes, name: str = "report.csv", **kw):  # type: ignore[no-untyped-def]
    result = import_report(
        session,
        experiment_id=experiment.id,
        data=data,
        file_name=name,
        actor="mia",  # type: ignore[arg-type]
        today=TODAY,
        **kw,
    )
    session.commit()
    return result


# --------------------------------------------------------------------------------------------
# Parsing the two platforms' exports
# --------------------------------------------------------------------------------------------


def test_meta_export_with_day_breakdown_and_empty_zero_cells():
    data = meta_csv(
        [
            dict(
                day="2024-05-01",
                ad_name="studio-v1",
                ad_id="120210001",
                impressions="1,200",
                clicks=14,
                results=2,
                spend="15.20",
            ),
            dict(
                day="2024-05-01", ad_name="studio-v2", ad_id="120210002", impressions=900, clicks=0
            ),
        ]
    )
    report = parse_report(data, name="meta.csv", today=TODAY)
    assert report.platform == "meta" and report.columns.clicks == "Link clicks"
    assert report.columns.spend == "Amount spent (USD)" and report.bad_rows == ()
    first, second = report.rows
    assert (first.day, first.ad_id, first.ad_name, first.impressions, first.clicks) == (
        date(2024, 5, 1),
        "120210001",
        "studio-v1",
        1200,
        14,
    )
    assert (first.conversions, first.spend) == (2.0, 15.2)
    assert (second.clicks, second.conversions) == (0, 0.0)  # Meta leaves zeros empty


def test_meta_rows_must_be_single_days():
    data = meta_csv(
        [
            dict(
                day="2024-05-01",
                starts="2024-05-01",
                ends="2024-05-07",
                ad_name="studio-v1",
                impressions=100,
                clicks=1,
            )
        ],
        day_column=False,
    )
    report = parse_report(data, name="meta.csv", today=TODAY)
    (bad,) = report.bad_rows
    assert (
        bad.line == 2
        and "covers 2024-05-01 to 2024-05-07" in bad.reason
        and "Breakdown > By time > Day" in bad.reason
    )


def test_google_export_title_lines_totals_and_separators():
    data = google_csv(
        [
            dict(
                day="2024-05-01",
                ad_id="684512345678",
                impressions=12345,
                clicks=321,
                cost="1,234.50",
                conversions="3.50",
            ),
            dict(
                day="2024-05-02",
                ad_id="684512345679",
                impressions=0,
                clicks=0,
                cost="0.00",
                conversions="--",
            ),
        ]
    )
    report = parse_report(data, name="google.csv", today=TODAY)
    assert report.platform == "google_ads" and report.header_line == 3
    assert report.skipped_total_rows == 2 and report.bad_rows == ()
    first, second = report.rows
    assert (first.impressions, first.clicks, first.spend, first.conversions) == (
        12345,
        321,
        1234.5,
        3.5,
    )
    assert (second.impressions, second.conversions) == (0, 0.0)
    assert any("fractional" in w for w in report.warnings)


def test_google_utf16_tab_separated_download():
    # Google's "CSV (Excel)" download is UTF-16 with tabs.
    text = (
        "Ad report\nMay 1, 2024 - May 7, 2024\nDay\tAd ID\tImpr.\tClicks\tCost\n"
        "2024-05-01\t684512345678\t1,500\t12\t3.40\nTotal: Account\t\t1,500\t12\t3.40\n"
    )
    report = parse_report(text.encode("utf-16"), name="google.csv", today=TODAY)
    assert report.platform == "google_ads" and report.skipped_total_rows == 1
    assert [(r.ad_id, r.impressions, r.clicks) for r in report.rows] == [("684512345678", 1500, 12)]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (dict(impressions=100, clicks=150), "150 clicks is more than 100 impressions"),
        (dict(impressions=-5, clicks=0), "Impressions is negative (-5)"),
        (dict(impressions="many", clicks=0), "Impressions 'many' is not a number"),
        (dict(impressions="10.5", clicks=0), "Impressions '10.5' is not a whole number"),
        (dict(day="05/01/2024"), "date '05/01/2024' is ambiguous"),
        (dict(day="yesterday"), "'yesterday' is not a date; expected YYYY-MM-DD"),
        (dict(day="2024-07-01"), "date 2024-07-01 is in the future"),
        (dict(ad_name=""), "no Ad ID or Ad name on this row"),
    ],
)
def test_bad_rows_are_listed_with_their_line_and_reason(row, reason):
    good = dict(day="2024-05-01", ad_name="studio-v1", ad_id="", impressions=100, clicks=1)
    data = meta_csv(
        [good, {**good, "ad_name": "studio-v2", **row}, {**good, "day": "2024-05-02"}],
        with_id=False,
    )
    report = parse_report(data, name="meta.csv", today=TODAY)
    assert [r.line for r in report.rows] == [2, 4]
    (bad,) = report.bad_rows
    assert bad.line == 3 and reason in bad.reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\x00\x81garbage", "is not UTF-8 text"),
        (
            b"name,value\na,1\n",
            "no header line with an Impressions (Meta) or Impr. (Google Ads) column",
        ),
        (
            b"Day,Ad ID,Impressions,Clicks\n2024-05-01,1,10,1\n",
            "cannot tell whether this is a Meta or a Google",
        ),
        (
            b"Reporting starts,Ad name,Impressions\n2024-05-01,x,10\n",
            "lacks the column(s) Link clicks",
        ),
        (
            b"Ad report\nMay 1, 2024\nCampaign,Impr.,Clicks\nc,10,1\n",
            "Day (segment the report by Day), Ad ID or Ad name",
        ),
    ],
)
def test_unreadable_files_say_why(data, message):
    with pytest.raises(ReportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_report(data, name="r.csv", today=TODAY)


def test_platform_can_be_named():
    data = b"Day,Ad ID,Impressions,Clicks\n2024-05-01,1,10,1\n"
    assert parse_report(data, name="r.csv", platform="google_ads", today=TODAY).rows[0].clicks == 1
    with pytest.raises(ReportFileError, match="lacks the column"):
        parse_report(data, name="r.csv", platform="meta", today=TODAY)


# --------------------------------------------------------------------------------------------
# Importing into a test (both databases)
# --------------------------------------------------------------------------------------------


def test_importing_the_same_report_twice_counts_it_once(session, people):
    experiment, arms = _test(session)
    rows = [
        dict(
            day=f"2024-05-0{d}",
            ad_name=a.ad_name,
            ad_id=f"1202{a.id}",
            impressions=1000 + d,
            clicks=10 + d,
        )
        for d in (1, 2)
        for a in arms
    ]
    data = meta_csv(rows)
    first = _import(session, experiment, data, "meta-may.csv")
    totals = _totals(session, experiment.id)  # type: ignore[arg-type]
    assert first.imported == 4 and first.duplicates == 0 and totals[arms[0].id] == (2003, 23)  # type: ignore[index]
    assert first.learned_ad_ids == {a.id: f"1202{a.id}" for a in arms}
    again = _import(session, experiment, data, "meta-may (1).csv")
    assert (again.imported, again.duplicates, again.bad_rows) == (0, 4, ())
    assert _totals(session, experiment.id) == totals  # type: ignore[arg-type]
    # An overlapping, longer report adds only the new day.
    longer = meta_csv(
        rows
        + [
            dict(
                day="2024-05-03", ad_name=a.ad_name, ad_id=f"1202{a.id}", impressions=500, clicks=5
            )
            for a in arms
        ]
    )
    third = _import(session, experiment, longer, "meta-may-1-3.csv")
    assert (third.imported, third.duplicates) == (2, 4)
    assert _totals(session, experiment.id)[arms[0].id] == (2503, 28)  # type: ignore[arg-type,index]


def test_a_day_imported_with_other_numbers_is_refused_not_added(session, people):
    experiment, arms = _test(session)
    partial = meta_csv(
        [dict(day="2024-05-01", ad_name=arms[0].ad_name, impressions=400, clicks=4)], with_id=False
    )
    _import(session, experiment, partial, "partial.csv")
    full = meta_csv(
        [
            dict(day="2024-05-01", ad_name=arms[0].ad_name, impressions=1000, clicks=9),
            dict(day="2024-05-01", ad_name=arms[1].ad_name, impressions=900, clicks=8),
        ],
        with_id=False,
    )
    result = _import(session, experiment, full, "full.csv")
    assert result.imported == 1
    (bad,) = result.bad_rows
    assert bad.line == 2 and "2024-05-01, arm A" in bad.reason
    assert "already imported with other numbers (from meta:partial.csv)" in bad.reason
    assert "impressions 400 stored, 1,000 in this report; clicks 4 stored, 9 in this" in bad.reason
    assert _totals(session, experiment.id)[arms[0].id] == (400, 4)  # type: ignore[arg-type,index]


def test_unknown_ads_are_bad_rows_and_the_rest_imports(session, people):
    experiment, arms = _test(session)
    data = meta_csv(
        [
            dict(day="2024-05-01", ad_name=arms[0].ad_name, impressions=100, clicks=1),
            dict(day="2024-05-01", ad_name="someone-elses-ad", impressions=100, clicks=1),
        ],
        with_id=False,
    )
    result = _import(session, experiment, data)
    assert result.imported == 1
    (bad,) = result.bad_rows
    assert bad.line == 3 and bad.ad == "someone-elses-ad"
    assert f"is not in test {experiment.id}; its ads: {arms[0].ad_name} (id not set)" in bad.reason


def test_google_rows_map_by_ad_id(session, people):
    experiment, arms = _test(session)
    for arm, ad_id in zip(arms, ("684500000001", "684500000002"), strict=True):
        ex.assign_ad(session, experiment_id=experiment.id, arm_id=arm.id, actor="mia", ad_id=ad_id)  # type: ignore[arg-type]
    session.commit()
    data = google_csv(
        [
            dict(day="2024-05-01", ad_id="684500000001", impressions=1500, clicks=30),
            dict(day="2024-05-01", ad_id="684500000002", impressions=1400, clicks=21),
        ]
    )
    result = _import(session, experiment, data, "google.csv")
    assert (
        result.platform == "google_ads" and result.imported == 2 and result.skipped_total_rows == 2
    )
    assert _totals(session, experiment.id) == {arms[0].id: (1500, 30), arms[1].id: (1400, 21)}  # type: ignore[arg-type]
    stored = session.exec(select(ArmResult).order_by(ArmResult.id)).all()
    assert (
        stored[0].source == "google_ads:google.csv"
        and stored[0].conversions == 2
        and stored[0].spend == 1234.5
    )


def test_uploads_are_checked(session, people, monkeypatch):
    experiment, _ = _test(session)
    with pytest.raises(UploadRejected, match=r"files of type \.xlsx are not accepted"):
        _import(session, experiment, b"x", "report.xlsx")
    # The small limit must not outlive this block: later calls (here and in later tests) would
    # cache settings read while it is still set.
    with monkeypatch.context() as patched:
        patched.setenv("STUDIO_MAX_UPLOAD_MB", "0.001")
        get_settings.cache_clear()
        try:
            with pytest.raises(UploadRejected, match="MiB limit"):
                _import(session, experiment, b"x" * 5000, "report.csv")
        finally:
            get_settings.cache_clear()
    get_settings.cache_clear()
    with pytest.raises(ex.ExperimentError, match="no test with id 999"):
        import_report(session, experiment_id=999, data=b"x", file_name="r.csv", actor="mia")


def test_rows_dated_before_the_test_started_are_refused(session, people):
    experiment, arms = _test(session)
    data = meta_csv(
        [
            dict(day="2024-04-29", ad_name=arms[0].ad_name, impressions=500, clicks=5),
            dict(day="2024-04-30", ad_name=arms[0].ad_name, impressions=400, clicks=4),
        ],
        with_id=False,
    )
    result = import_report(
        session, experiment_id=experiment.id, data=data, file_name="m.csv", actor="mia", today=TODAY
    )  # type: ignore[arg-type]
    session.commit()
    (bad,) = result.bad_rows
    assert bad.line == 2
    assert bad.reason == (
        f"2024-04-29 is before test {experiment.id} started on 2024-04-30; only delivery from "
        "the start day on belongs to the test"
    )
    assert result.imported == 1 and _totals(session, experiment.id) == {arms[0].id: (400, 4)}  # type: ignore[index]


def test_reach_is_read_from_reach_or_from_frequency():
    with_reach = parse_report(
        meta_csv([dict(day="2024-05-01", ad_name="a", ad_id="1", impressions=5000, clicks=50)]),
        name="m.csv",
        today=TODAY,
    )
    assert with_reach.rows[0].reach == 4000  # the factory's Reach column
    frequency = (
        b"Day,Ad name,Impressions,Frequency,Link clicks,Amount spent (USD)\n"
        b"2024-05-01,a,5000,2.50,50,12.50\n"
        b"2024-05-02,a,4000,,40,10.00\n"
        b"2024-05-03,a,4000,0.5,40,10.00\n"
    )
    parsed = parse_report(frequency, name="f.csv", today=TODAY)
    assert [r.reach for r in parsed.rows] == [2000, None]
    assert parsed.bad_rows[0].line == 4
    assert "Frequency 0.5 is below 1 impression per person reached" in parsed.bad_rows[0].reason
    too_many = meta_csv(
        [dict(day="2024-05-01", ad_name="a", impressions=100, clicks=5, reach=150)], with_id=False
    )
    (bad,) = parse_report(too_many, name="r.csv", today=TODAY).bad_rows
    assert "Reach 150 is more than 100 impressions" in bad.reason
