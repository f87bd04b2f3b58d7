"""Ad-platform report import: Meta Ads Manager and Google Ads CSV exports -> a test's delivery.

Export one row per ad and day:

* **Meta Ads Manager** (Reports > Export table data > .csv), level *Ad*, *Breakdown > By time >
  Day*. Columns read: ``Day`` (or ``Reporting starts``/``Reporting ends`` when they are the same
  day), ``Ad ID`` and/or ``Ad name``, ``Impressions``, ``Link clicks`` (else ``Clicks (all)``),
  optional ``Results`` (conversions), ``Amount spent (XXX)`` in the account's currency and
  ``Purchases conversion value`` (the value the ``roas`` objective needs), and ``Reach`` (or
  ``Frequency``) for the fatigue check's frequency.
  Meta leaves a cell empty for zero; an empty metric is read as 0.
* **Google Ads** (Reports or the Ads table > Download > CSV), segmented by ``Day``, with the ``Ad
  ID`` column (Google's responsive search ads have no name: give the studio each ad's id with
  ``studio tests set-ad`` or on the Tests page). Columns read: ``Day``, ``Ad ID`` (or ``Ad
  name``), ``Impr.`` (or ``Impressions``), ``Clicks``, optional ``Conversions``, ``Cost`` and
  ``Conv. value`` (the value the ``roas`` objective needs), and ``Unique users`` (or ``Avg. impr.
  freq. per user``) for the fatigue check's frequency.
  The two title lines above the header (report name, date range) and the ``Total: ...`` rows are
  skipped (a line whose first cell is ``Total`` or ``Total: ...`` and names no ad: an ad whose
  name starts with "Total" is a row like any other); ``--`` reads as 0; thousands separators
  (``1,234``) are understood.

Numbers: a report written with a decimal comma (``12,50``, ``1.234,56``) is recognised from its
own numbers and read as such; a file that mixes both conventions is refused. Counts above
2,147,483,647 and amounts above 10^12 are bad rows (no real day has them; the database could not
store them).

Dates are read as ``YYYY-MM-DD`` (both platforms' default) or with a month name
(``May 1, 2024``); a slashed date such as ``05/01/2024`` is refused because it is ambiguous.

Rows map to a test's arms by ad id, else by ad name (the studio's default ad names are
``studio-v{variant_id}``); an arm matched by name learns the ad id of the row. Each stored row
has a key derived from the platform, day, arm and its numbers, so importing the same report
again (or an overlapping one) adds nothing twice. The database holds one row per test, arm and
day (a unique constraint, inserted with ``ON CONFLICT DO NOTHING``), so two imports racing can
never count a day twice. A row whose ad and day are already counted with *different* numbers (a
partial day exported again) is refused rather than added on top, and so are rows that repeat an
ad and day inside one file (a breakdown by age or placement, or a repeated row): neither summing
nor keeping one is safe. Bad rows are listed with their line number and reason; every other row
is imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlmodel import Session

from studio.core import audit
from studio.core.errors import StudioError, UserFacingError
from studio.core.models import ArmResult, Experiment, Objective
from studio.core.numbers import MixedNumberFormats, NumberError, parse_number, uses_decimal_comma
from studio.core.settings import get_settings
from studio.core.uploads import check_upload
from studio.experiments import queries
from studio.review.accounts import Permission, require

Platform = Literal["meta", "google_ads"]
PLATFORMS: dict[str, str] = {"meta": "Meta Ads Manager", "google_ads": "Google Ads"}
PLATFORM_CHOICES = ("auto", *PLATFORMS)
ALLOWED_SUFFIXES = frozenset({".csv", ".tsv"})
#: Lines above the header that the studio looks through for it (Google puts two titles there).
HEADER_SEARCH_LINES = 10
DATE_FORMATS = (
    "%Y-%m-%d",
    "%b %d, %Y",
    "%B %d, %Y",
    "%a, %b %d, %Y",
    "%A, %B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
)


class ReportFileError(UserFacingError):
    """The whole file cannot be read as a report; the message names the file and the fix."""


@dataclass(frozen=True)
class Columns:
    """The report columns the studio reads, by role (None: the report does not have it)."""

    day: str | None
    starts: str | None
    ends: str | None
    ad_id: str | None
    ad_name: str | None
    impressions: str
    clicks: str
    conversions: str | None
    spend: str | None
    revenue: str | None = None  # conversion value; None when the report has no such column
    reach: str | None = None  # people reached
    frequency: str | None = None  # impressions per person reached (when reach is not given)


@dataclass(frozen=True)
class ReportRow:
    """One delivery row of a report (``line`` is the 1-based line in the file)."""

    line: int
    day: date
    ad_id: str
    ad_name: str
    impressions: int
    clicks: int
    conversions: float | None  # None: the report has no such column
    spend: float | None
    revenue: float | None = None
    reach: int | None = None


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str
    ad: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "ad": self.ad, "reason": self.reason}


@dataclass(frozen=True)
class ParsedReport:
    platform: str
    columns: Columns
    rows: tuple[ReportRow, ...]
    bad_rows: tuple[BadRow, ...]
    skipped_total_rows: int
    header_line: int
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Google's "CSV (Excel)" download: UTF-16, tab-separated
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFileError(
            f"{name}: byte {exc.start} is not UTF-8 text; download the report as CSV (UTF-8) and import it again"
        ) from None


def _norm(header: str) -> str:
    return " ".join(header.strip().lower().split())


def _find(headers: Sequence[str], *names: str) -> str | None:
    normalized = {_norm(h): h for h in headers}
    return next((normalized[n] for n in names if n in normalized), None)


def _spend_column(headers: Sequence[str]) -> str | None:
    for h in headers:
        if re.fullmatch(r"amount spent( \([a-z]{3}\))?", _norm(h)):
            return h
    return None


def _platform_of(headers: Sequence[str]) -> str | None:
    if _find(headers, "impr.") or (_find(headers, "cost") and not _spend_column(headers)):
        return "google_ads"
    if _find(headers, "reporting starts", "link clicks", "clicks (all)") or _spend_column(headers):
        return "meta"
    return None


def _columns(headers: Sequence[str], platform: str, name: str) -> Columns:
    missing = []
    if platform == "meta":
        day = _find(headers, "day")
        starts, ends = _find(headers, "reporting starts"), _find(headers, "reporting ends")
        if day is None and starts is None:
            missing.append("Day (Breakdown > By time > Day) or Reporting starts")
        impressions = _find(headers, "impressions")
        clicks = _find(headers, "link clicks", "clicks (all)")
        if clicks is None:
            missing.append("Link clicks (or Clicks (all))")
        conversions, spend = _find(headers, "results"), _spend_column(headers)
        revenue = _find(headers, "purchases conversion value")
        reach, frequency = _find(headers, "reach"), _find(headers, "frequency")
    else:
        day, starts, ends = _find(headers, "day"), None, None
        if day is None:
            missing.append("Day (segment the report by Day)")
        impressions = _find(headers, "impr.", "impressions")
        clicks = _find(headers, "clicks")
        if clicks is None:
            missing.append("Clicks")
        conversions, spend = _find(headers, "conversions"), _find(headers, "cost")
        revenue = _find(headers, "conv. value", "conversion value")
        reach = _find(headers, "unique users", "reach")
        frequency = _find(headers, "avg. impr. freq. per user")
    if impressions is None:
        missing.append("Impr." if platform == "google_ads" else "Impressions")
    ad_id, ad_name = _find(headers, "ad id"), _find(headers, "ad name")
    if ad_id is None and ad_name is None:
        missing.append("Ad ID or Ad name")
    if missing:
        raise ReportFileError(
            f"{name}: this {PLATFORMS[platform]} report lacks the column(s) {', '.join(missing)}; it has "
            f"{', '.join(repr(h) for h in headers if h.strip()) or 'no columns'}. Add them to the report "
            "and export again"
        )
    assert impressions is not None and clicks is not None
    return Columns(
        day,
        starts,
        ends,
        ad_id,
        ad_name,
        impressions,
        clicks,
        conversions,
        spend,
        revenue,
        reach,
        None if reach else frequency,
    )


def _header(lines: list[list[str]], name: str) -> int:
    """Index of the header line: the first of the top lines that names a known metric column."""
    for index, cells in enumerate(lines[:HEADER_SEARCH_LINES]):
        normalized = {_norm(c) for c in cells}
        if normalized & {"impressions", "impr."}:
            return index
    raise ReportFileError(
        f"{name}: no header line with an Impressions (Meta) or Impr. (Google Ads) column in the first "
        f"{HEADER_SEARCH_LINES} lines; is this a Meta Ads Manager or Google Ads report exported as CSV?"
    )


def _dialect(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_LINES])
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    return max(counts, key=counts.__getitem__)


class _BadValue(StudioError):
    pass


#: The largest count the database stores (a 32-bit integer column on PostgreSQL).
MAX_COUNT = 2**31 - 1
#: Spend and conversions beyond this are a broken export, not an ad's day.
MAX_AMOUNT = 1e12


def _decimal_comma(values: Sequence[str], name: str) -> bool:
    """Whether the file writes decimals with a comma (:func:`studio.core.numbers.uses_decimal_comma`)."""
    try:
        return uses_decimal_comma(values)
    except MixedNumberFormats as error:
        raise ReportFileError(f"{name}: {error}") from None


def _number(raw: str, column: str, *, whole: bool, decimal_comma: bool = False) -> float:
    """A metric cell by the shared rules (:func:`studio.core.numbers.parse_number`)."""
    try:
        return parse_number(
            raw,
            column,
            whole=whole,
            decimal_comma=decimal_comma,
            limit=MAX_COUNT if whole else MAX_AMOUNT,
        )
    except NumberError as error:
        raise _BadValue(str(error)) from None


def _reach(
    columns: Columns, cell: Callable[[str | None], str], impressions: float, decimal_comma: bool
) -> int | None:
    """People reached on the row: the Reach column, else impressions / Frequency; None when
    the report says neither (or the day had no impressions)."""
    if columns.reach is not None and cell(columns.reach):
        reach = _number(cell(columns.reach), columns.reach, whole=True, decimal_comma=decimal_comma)
        if reach > impressions:
            raise _BadValue(
                f"{columns.reach} {reach:,.0f} is more than {impressions:,.0f} impressions"
            )
        return int(reach) if reach > 0 else None
    if columns.frequency is not None and cell(columns.frequency):
        frequency = _number(
            cell(columns.frequency), columns.frequency, whole=False, decimal_comma=decimal_comma
        )
        if 0 < frequency < 1:
            raise _BadValue(
                f"{columns.frequency} {frequency:g} is below 1 impression per person reached"
            )
        return round(impressions / frequency) if frequency > 0 and impressions > 0 else None
    return None


def _is_summary(cells: Sequence[str], ad_cells: Sequence[str]) -> bool:
    """Google's "Total: Account", "Total: Campaigns"... lines, not an ad whose name starts "Total".

    A summary's first cell is ``Total`` or ``Total: ...`` and its other ad and day cells are
    empty or ``--``.
    """
    first = cells[0].strip().lower() if cells else ""
    if not (first == "total" or re.match(r"total\s*:", first)):
        return False
    return all(c.strip() in ("", "--") for c in ad_cells)


def parse_date(raw: str) -> date:
    value = raw.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", value):
        raise _BadValue(
            f"date {value!r} is ambiguous (day/month or month/day?); export dates as YYYY-MM-DD"
        )
    raise _BadValue(f"{value!r} is not a date; expected YYYY-MM-DD (e.g. 2024-05-01)")


def parse_report(
    data: bytes, *, name: str, platform: str = "auto", today: date | None = None
) -> ParsedReport:
    """Read a Meta Ads Manager or Google Ads CSV export into rows and bad rows.

    Parameters
    ----------
    data : the file's bytes (UTF-8, or UTF-16 with a byte-order mark).
    name : the file name, for messages.
    platform : ``"meta"``, ``"google_ads"`` or ``"auto"`` (from the columns).
    today : rows dated after this are bad (default: today, UTC).

    Raises
    ------
    ReportFileError
        Not text, no header, unknown platform or a column the studio needs is missing.
    """
    if platform not in PLATFORM_CHOICES:
        raise ReportFileError(f"platform {platform!r} is not one of {', '.join(PLATFORM_CHOICES)}")
    text = _decode(data, name)
    lines = list(csv.reader(io.StringIO(text), delimiter=_dialect(text)))
    start = _header(lines, name)
    headers = [h.strip() for h in lines[start]]
    detected = _platform_of(headers)
    if platform == "auto":
        if detected is None:
            raise ReportFileError(
                f"{name}: cannot tell whether this is a Meta or a Google Ads report from its columns "
                f"({', '.join(headers)}); choose the platform"
            )
        platform = detected
    columns = _columns(headers, platform, name)
    index = {h: i for i, h in enumerate(headers)}
    limit = today or datetime.now().date()
    rows: list[ReportRow] = []
    bad: list[BadRow] = []
    totals = 0
    fractional = False
    metrics = [
        c
        for c in (
            columns.impressions,
            columns.clicks,
            columns.conversions,
            columns.spend,
            columns.revenue,
            columns.reach,
            columns.frequency,
        )
        if c
    ]
    decimal_comma = _decimal_comma(
        [cells[index[c]] for cells in lines[start + 1 :] for c in metrics if index[c] < len(cells)],
        name,
    )
    for offset, cells in enumerate(lines[start + 1 :], start=start + 2):
        if not any(c.strip() for c in cells):
            continue

        def cell(column: str | None, cells: list[str] = cells) -> str:
            if column is None:
                return ""
            i = index[column]
            return cells[i].strip() if i < len(cells) else ""

        others = [columns.ad_id, columns.ad_name, columns.day]
        if _is_summary(cells, [cell(c) for c in others if c is not None and index[c] != 0]):
            totals += 1  # Google's "Total: Account", "Total: Campaigns", ... lines
            continue

        ad_id, ad_name = cell(columns.ad_id), cell(columns.ad_name)
        ad = ad_name or ad_id
        if len(cells) != len(headers):
            bad.append(
                BadRow(
                    offset, f"the line has {len(cells)} cells but the header has {len(headers)}", ad
                )
            )
            continue
        try:
            if not (ad_id or ad_name):
                raise _BadValue("no Ad ID or Ad name on this row")
            if columns.day is not None:
                day = parse_date(cell(columns.day))
            else:
                day = parse_date(cell(columns.starts))
                if columns.ends is not None and cell(columns.ends):
                    ends = parse_date(cell(columns.ends))
                    if ends != day:
                        raise _BadValue(
                            f"the row covers {day} to {ends}; export with Breakdown > By time > Day so "
                            "each row is one day"
                        )
            if day > limit:
                raise _BadValue(f"date {day} is in the future")
            impressions = _number(
                cell(columns.impressions),
                columns.impressions,
                whole=True,
                decimal_comma=decimal_comma,
            )
            clicks = _number(
                cell(columns.clicks), columns.clicks, whole=True, decimal_comma=decimal_comma
            )
            conversions = (
                None
                if columns.conversions is None
                else _number(
                    cell(columns.conversions),
                    columns.conversions,
                    whole=False,
                    decimal_comma=decimal_comma,
                )
            )
            spend = (
                None
                if columns.spend is None
                else _number(
                    cell(columns.spend), columns.spend, whole=False, decimal_comma=decimal_comma
                )
            )
            revenue = (
                None
                if columns.revenue is None
                else _number(
                    cell(columns.revenue),
                    columns.revenue,
                    whole=False,
                    decimal_comma=decimal_comma,
                )
            )
            if clicks > impressions:
                raise _BadValue(f"{clicks:,.0f} clicks is more than {impressions:,.0f} impressions")
            reach = _reach(columns, cell, impressions, decimal_comma)
        except _BadValue as exc:
            bad.append(BadRow(offset, str(exc), ad))
            continue
        fractional = fractional or (conversions is not None and conversions != int(conversions))
        rows.append(
            ReportRow(
                offset,
                day,
                ad_id,
                ad_name,
                int(impressions),
                int(clicks),
                conversions,
                spend,
                revenue,
                reach,
            )
        )
    warnings = []
    if fractional:
        warnings.append(
            "some conversions are fractional (data-driven attribution); they are stored rounded to whole "
            "conversions (tests decide on clicks, not conversions)"
        )
    return ParsedReport(
        platform, columns, tuple(rows), tuple(bad), totals, start + 1, tuple(warnings)
    )


# --------------------------------------------------------------------------------------------
# Importing into a test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``imported`` rows were added; ``duplicates`` were already counted."""

    experiment_id: int
    file_name: str
    platform: str
    imported: int
    duplicates: int
    bad_rows: tuple[BadRow, ...]
    skipped_total_rows: int
    impressions: int
    clicks: int
    learned_ad_ids: dict[int, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: Days already imported to which this report added the missing value columns.
    merged: int = 0

    def summary(self) -> str:
        text = (
            f"{self.file_name} ({PLATFORMS[self.platform]}): {self.imported} row(s) imported "
            f"({self.impressions:,} impressions, {self.clicks:,} clicks), {self.duplicates} duplicate(s) "
            f"already counted, {len(self.bad_rows)} bad row(s)"
        )
        if self.merged:
            text += (
                f", {self.merged} day(s) already imported completed with the values this report "
                "adds (conversions, spend, conversion value or reach)"
            )
        if self.skipped_total_rows:
            text += f", {self.skipped_total_rows} total line(s) skipped"
        return text + "."


def _value_warning(experiment: Experiment, parsed: ParsedReport) -> tuple[str, ...]:
    """Say so when a return-on-ad-spend test gets a report without the conversion value."""
    if experiment.objective != Objective.roas or parsed.columns.revenue is not None:
        return ()
    column = "Purchases conversion value" if parsed.platform == "meta" else "Conv. value"
    return (
        f"test {experiment.id} optimises return on ad spend, but this report has no conversion "
        f"value column; add '{column}' to the report and export again (its decisions need it)",
    )


def row_key(platform: str, arm_id: int, row: ReportRow) -> str:
    """The idempotency key of a report row: same platform, day, arm and numbers -> same key."""
    raw = (
        f"{platform}|{row.day.isoformat()}|arm{arm_id}|{row.impressions}|{row.clicks}|"
        # A missing column keys as 0, as it did when it was stored as 0.
        f"{row.conversions or 0.0:.4f}|{row.spend or 0.0:.4f}"
        # Rows without a conversion value (or reach) keep the keys earlier versions gave them.
        + ("" if row.revenue is None else f"|{row.revenue:.4f}")
        + ("" if row.reach is None else f"|reach{row.reach}")
    )
    return hashlib.sha256(raw.encode()).hexdigest()


#: What a later report may add to a day already imported (None there: the column was missing).
VALUE_COLUMNS = ("conversions", "spend", "revenue", "reach")


@dataclass(frozen=True)
class _Comparison:
    """A report row against the stored row of its arm and day."""

    contradictions: tuple[tuple[str, object, object], ...]  # (column, stored, in this report)
    additions: dict[str, object]


def _compare(stored: ArmResult, new: ArmResult) -> _Comparison:
    contradictions: list[tuple[str, object, object]] = []
    additions: dict[str, object] = {}
    for column in ("impressions", "clicks", *VALUE_COLUMNS):
        before, after = getattr(stored, column), getattr(new, column)
        if after is None:
            continue
        if before is None:
            if column in VALUE_COLUMNS:
                additions[column] = after
            continue
        if abs(float(before) - float(after)) > 1e-6:
            contradictions.append((column, before, after))
    return _Comparison(tuple(contradictions), additions)


def _amount(value: object) -> str:
    return f"{value:,.4g}" if isinstance(value, float) else f"{value:,}"


def import_report(
    session: Session,
    *,
    experiment_id: int,
    data: bytes,
    file_name: str,
    actor: str,
    platform: str = "auto",
    today: date | None = None,
) -> ImportResult:
    """Import a report export into a test, as ``actor`` (run_tests). The caller commits.

    Raises
    ------
    studio.core.uploads.UploadRejected, ReportFileError, studio.experiments.lifecycle.ExperimentError,
    studio.review.accounts.PermissionDenied
    """
    from studio.experiments.lifecycle import ExperimentError, arm_letter

    require(session, username=actor, permission=Permission.run_tests)
    upload = check_upload(
        file_name, data, max_mb=get_settings().max_upload_mb, allowed_suffixes=ALLOWED_SUFFIXES
    )
    experiment = queries.get_experiment(session, experiment_id=experiment_id)
    if experiment is None:
        raise ExperimentError(
            f"no test with id {experiment_id}; `studio tests list` shows the tests"
        )
    parsed = parse_report(upload.data, name=upload.name, platform=platform, today=today)
    started = experiment.created_at.date()
    arms = list(queries.list_arms(session, experiment_id=experiment_id))
    by_id = {a.ad_id: a for a in arms if a.ad_id}
    by_name = {a.ad_name: a for a in arms if a.ad_name}
    known = ", ".join(f"{a.ad_name or '-'} (id {a.ad_id or 'not set'})" for a in arms)
    bad = list(parsed.bad_rows)
    learned: dict[int, str] = {}
    candidates: list[tuple[str, ReportRow, int]] = []
    for row in parsed.rows:
        arm = by_id.get(row.ad_id) if row.ad_id else None
        if arm is None and row.ad_name:
            arm = by_name.get(row.ad_name)
            if arm is not None and row.ad_id and arm.ad_id and arm.ad_id != row.ad_id:
                bad.append(
                    BadRow(
                        row.line,
                        f"ad name {row.ad_name!r} belongs to the arm with ad id {arm.ad_id}, "
                        f"but this row has ad id {row.ad_id}",
                        row.ad_name,
                    )
                )
                continue
        if arm is None:
            shown = " / ".join(
                x for x in (row.ad_name and repr(row.ad_name), row.ad_id and f"id {row.ad_id}") if x
            )
            bad.append(
                BadRow(
                    row.line,
                    f"ad {shown} is not in test {experiment_id}; its ads: {known}",
                    row.ad_name or row.ad_id,
                )
            )
            continue
        if row.day < started:
            # Delivery before the test existed was not served under any of its splits.
            bad.append(
                BadRow(
                    row.line,
                    f"{row.day} is before test {experiment_id} started on {started}; only delivery "
                    "from the start day on belongs to the test",
                    row.ad_name or row.ad_id,
                )
            )
            continue
        if arm.joined_at is not None and row.day < arm.joined_at.date():
            # A late arm's ad had no share of the test's traffic before it joined.
            bad.append(
                BadRow(
                    row.line,
                    f"{row.day} is before this ad's arm joined test {experiment_id} on "
                    f"{arm.joined_at.date()}; only its delivery from that day on belongs to the test",
                    row.ad_name or row.ad_id,
                )
            )
            continue
        assert arm.id is not None
        if row.ad_id and not arm.ad_id and row.ad_id not in by_id:
            arm.ad_id = row.ad_id
            by_id[row.ad_id] = arm
            learned[arm.id] = row.ad_id
        candidates.append((row_key(parsed.platform, arm.id, row), row, arm.id))
    letters = {a.id: arm_letter(i) for i, a in enumerate(arms)}
    per_day: dict[tuple[int, date], list[ReportRow]] = {}
    for _, row, arm_id in candidates:
        per_day.setdefault((arm_id, row.day), []).append(row)
    new: list[ArmResult] = []
    merged: list[ArmResult] = []
    duplicates = 0
    source = f"{parsed.platform}:{upload.name}"[:256]
    for key, row, arm_id in candidates:
        same_day = per_day[(arm_id, row.day)]
        if len(same_day) > 1:
            # Summing could double a re-exported row; keeping one could drop a breakdown row.
            # Neither is safe, so the day is refused and the message says how to export it.
            lines = ", ".join(str(r.line) for r in same_day)
            bad.append(
                BadRow(
                    row.line,
                    f"{len(same_day)} rows (lines {lines}) for this ad on {row.day}; a test counts one "
                    "row per ad and day, so none of them was imported. Export without breakdowns "
                    "other than Day (no age, placement or device rows) and without repeated rows",
                    row.ad_name or row.ad_id,
                )
            )
            continue
        result_row = ArmResult(
            experiment_id=experiment_id,
            arm_id=arm_id,
            day=row.day,
            impressions=row.impressions,
            clicks=row.clicks,
            conversions=None if row.conversions is None else round(row.conversions),
            spend=None if row.spend is None else round(row.spend, 4),
            revenue=None if row.revenue is None else round(row.revenue, 4),
            reach=row.reach,
            source=source,
            row_key=key,
        )
        before = queries.insert_result_unless_counted(session, result=result_row)
        if before is None:
            new.append(result_row)
            continue
        if before.row_key == key:
            duplicates += 1
            continue
        compared = _compare(before, result_row)
        if compared.contradictions:
            differences = "; ".join(
                f"{column} {_amount(stored)} stored, {_amount(now)} in this report"
                for column, stored, now in compared.contradictions
            )
            bad.append(
                BadRow(
                    row.line,
                    f"{row.day}, arm {letters[arm_id]} ({row.ad_name or row.ad_id}): already "
                    f"imported with other numbers (from {before.source}): {differences}. A day "
                    "is counted once, so the stored numbers are kept. Export complete days only",
                    row.ad_name or row.ad_id,
                )
            )
            continue
        if not compared.additions:
            duplicates += 1  # the same day with fewer columns: nothing new
            continue
        merged.append(_merge(session, before, result_row, compared, actor=actor))
    for arm in arms:
        if arm.id in learned:
            queries.save(session, row=arm)
    result = ImportResult(
        experiment_id=experiment_id,
        file_name=upload.name,
        platform=parsed.platform,
        imported=len(new),
        duplicates=duplicates,
        bad_rows=tuple(sorted(bad, key=lambda b: b.line)),
        skipped_total_rows=parsed.skipped_total_rows,
        impressions=sum(r.impressions for r in new),
        clicks=sum(r.clicks for r in new),
        learned_ad_ids=learned,
        warnings=parsed.warnings + _value_warning(experiment, parsed),
        merged=len(merged),
    )
    audit.record(
        session,
        actor=actor,
        action="experiment.import_report",
        entity_type="experiment",
        entity_id=experiment_id,
        after={
            "file": upload.name,
            "platform": parsed.platform,
            "sha256": hashlib.sha256(data).hexdigest(),
            "imported": result.imported,
            "duplicates": duplicates,
            "merged": len(merged),
            "bad_rows": len(result.bad_rows),
            "impressions": result.impressions,
            "clicks": result.clicks,
            "learned_ad_ids": {str(k): v for k, v in learned.items()},
        },
    )
    return result


def _merge(
    session: Session, stored: ArmResult, incoming: ArmResult, compared: _Comparison, *, actor: str
) -> ArmResult:
    """Add the value columns a later report carries to a day already imported, audited.

    The stored row is replaced by one with the added values (a new row id, so the next decision
    sees new data); impressions and clicks are equal, and no value it had changes.
    """
    before = {
        "result_id": stored.id,
        "source": stored.source,
        **{c: getattr(stored, c) for c in ("impressions", "clicks", *VALUE_COLUMNS)},
    }
    combined = ArmResult(
        experiment_id=stored.experiment_id,
        arm_id=stored.arm_id,
        day=stored.day,
        impressions=stored.impressions,
        clicks=stored.clicks,
        conversions=stored.conversions,
        spend=stored.spend,
        revenue=stored.revenue,
        reach=stored.reach,
        source=f"{stored.source} + {incoming.source}"[:256],
        row_key=incoming.row_key,
    )
    for column, value in compared.additions.items():
        setattr(combined, column, value)
    queries.delete_result(session, result=stored)
    if queries.insert_result_unless_counted(session, result=combined) is not None:
        raise ReportFileError(
            f"{stored.day} of arm {stored.arm_id} was imported by someone else at the same time; "
            "import the report again"
        )
    audit.record(
        session,
        actor=actor,
        action="experiment.merge_report_values",
        entity_type="experiment",
        entity_id=stored.experiment_id,
        before=before,
        after={
            "result_id": combined.id,
            "arm_id": combined.arm_id,
            "day": combined.day.isoformat(),
            "added": compared.additions,
            "source": incoming.source,
        },
    )
    return combined
