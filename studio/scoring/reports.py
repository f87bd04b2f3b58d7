"""Turn ad-platform performance reports and the studio's own tests into test tables.

Supported exports (the column names the platforms write; matched case-insensitively):

Google Ads (Ads report, "Download > CSV" from the Ads view)
    text ``Headline 1`` (or ``Headline``); impressions ``Impr.`` (or ``Impressions``);
    clicks ``Clicks``; group ``Ad group``; date ``Day`` / ``Week`` / ``Month``. The title and
    date-range lines above the header and the ``Total: ...`` rows are skipped; UTF-16
    tab-separated files ("CSV for Excel") are read too.
Meta Ads Manager (Reports > Export table data, at the ad level)
    text ``Headline`` (or ``Title`` / ``Body``); impressions ``Impressions``; clicks
    ``Link clicks`` (or ``Clicks (all)``); group ``Ad set name``; date ``Day`` or
    ``Reporting starts``.

Ads of one ad group (Google) or ad set (Meta) in one ISO week competed for the same audience
at the same time, so each (group, week) becomes a *test*, period ``YYYYMMDD`` of its Monday;
rows of the same ad text in a test are summed. Pass ``text_column`` when the text lives in
another column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlmodel import Session, col

from studio.core.database import select_columns
from studio.core.models import Arm, ArmResult, Experiment, Variant
from studio.core.numbers import MixedNumberFormats, NumberError, parse_number, uses_decimal_comma
from studio.scoring.data import TEST_COLUMNS, TestTableError, validate_test_table
from studio.scoring.variants import UnscorableVariantError, variant_text


@dataclass(frozen=True)
class ReportFormat:
    """Where a platform's export keeps each thing; each entry lists accepted header names."""

    name: str
    text: tuple[str, ...]
    impressions: tuple[str, ...]
    clicks: tuple[str, ...]
    group: tuple[str, ...]
    day: tuple[str, ...]
    signature: tuple[str, ...]  # headers that identify the format


GOOGLE_ADS = ReportFormat(
    name="google_ads",
    text=("Headline 1", "Headline"),
    impressions=("Impr.", "Impressions"),
    clicks=("Clicks",),
    group=("Ad group", "Ad group name"),
    day=("Day", "Week", "Month"),
    signature=("Impr.", "Ad group"),
)
META_ADS = ReportFormat(
    name="meta_ads",
    text=("Headline", "Title", "Body"),
    impressions=("Impressions",),
    clicks=("Link clicks", "Clicks (all)"),
    group=("Ad set name", "Ad Set Name"),
    day=("Day", "Reporting starts"),
    signature=("Ad set name", "Reporting starts", "Link clicks"),
)
FORMATS: dict[str, ReportFormat] = {f.name: f for f in (GOOGLE_ADS, META_ADS)}


class ReportError(TestTableError):
    """A performance report cannot be read; the message names the file, row and column."""


def _decode(path: Path) -> str:
    if not path.is_file():
        raise ReportError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise ReportError(f"{path}: the file is empty")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportError(
            f"{path}: not UTF-8 or UTF-16 text ({error}); export the report as CSV"
        ) from error


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def _decimal_comma(frame: pd.DataFrame, columns: list[str], source: str) -> bool:
    """Whether the file writes decimals with a comma, from all its count columns."""
    values = [v for c in columns for v in frame[c].astype(str).tolist()]
    try:
        return uses_decimal_comma(values)
    except MixedNumberFormats as error:
        raise ReportError(f"{source}: {error}") from None


def _number(series: pd.Series, column: str, source: str, *, decimal_comma: bool) -> np.ndarray:
    """A count column by the shared rules of :mod:`studio.core.numbers` (separators, decimal
    comma, ``--`` for 0)."""
    numbers = []
    for value in series.astype(str).tolist():
        try:
            numbers.append(
                parse_number(
                    "" if value == "nan" else value, column, whole=True, decimal_comma=decimal_comma
                )
            )
        except NumberError as error:
            raise ReportError(
                f"{source}: column {column!r} has {value!r}; expected a whole number ({error})"
            ) from None
    return np.array(numbers, dtype=np.int64)


def _week_monday(values: pd.Series, column: str, source: str) -> np.ndarray:
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise ReportError(
            f"{source}: column {column!r} has {values.iloc[row]!r}; expected a date such as 2024-03-18"
        )
    monday = parsed - pd.to_timedelta(parsed.dt.weekday, unit="D")
    return monday.dt.strftime("%Y%m%d").astype(np.int64).to_numpy()


def read_report(
    path: Path, *, report_format: str | None = None, text_column: str | None = None
) -> pd.DataFrame:
    """Read a Google Ads or Meta Ads Manager export into a test table.

    Parameters
    ----------
    path
        The exported CSV (UTF-8 or UTF-16, comma- or tab-separated).
    report_format
        ``"google_ads"`` or ``"meta_ads"``; ``None`` recognises it from the header.
    text_column
        The column holding the ad text, when it is not one of the format's usual names.
    """
    path = Path(path)
    source = str(path)
    content = _decode(path)
    lines = content.splitlines()
    known = {n.lower() for f in FORMATS.values() for n in (*f.impressions, *f.signature)}
    header_at = None
    for number, line in enumerate(lines[:20]):
        cells = {c.strip().strip('"').lower() for c in line.replace("\t", ",").split(",")}
        if cells & known:
            header_at = number
            break
    if header_at is None:
        raise ReportError(
            f"{source}: no header row with an impressions column (Impr. or Impressions) in the first 20 lines; "
            "is this a Google Ads or Meta Ads Manager CSV export?"
        )
    body = "\n".join(lines[header_at:])
    delimiter = "\t" if lines[header_at].count("\t") > lines[header_at].count(",") else ","
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.ParserError as error:
        raise ReportError(
            f"{source}: not a readable CSV after line {header_at + 1} ({error})"
        ) from error
    columns = [str(c) for c in frame.columns]
    if report_format is None:
        scored = {
            name: sum(_find(columns, (s,)) is not None for s in f.signature)
            for name, f in FORMATS.items()
        }
        report_format = max(scored, key=scored.__getitem__)
        if scored[report_format] == 0:
            raise ReportError(
                f"{source}: cannot tell the platform from the columns {columns}; pass the format "
                f"({', '.join(FORMATS)}) explicitly"
            )
    if report_format not in FORMATS:
        raise ReportError(
            f"report format {report_format!r} is unknown; use one of {', '.join(FORMATS)}"
        )
    fmt = FORMATS[report_format]

    def need(names: tuple[str, ...], what: str) -> str:
        found = _find(columns, names)
        if found is None:
            raise ReportError(
                f"{source}: no {what} column for a {fmt.name} report; looked for {' / '.join(names)}, "
                f"found {', '.join(columns)}"
            )
        return found

    text_col = need((text_column,) if text_column else fmt.text, "ad text")
    impressions_col = need(fmt.impressions, "impressions")
    clicks_col = need(fmt.clicks, "clicks")
    group_col = need(fmt.group, "ad group / ad set")
    day_col = need(fmt.day, "date (add the Day segment to the report)")

    first = frame.iloc[:, 0].astype(str).str.strip().str.lower()
    # Google's "Total: Account" lines; an ad whose text starts with "Total" is an ad.
    frame = frame[~first.str.fullmatch(r"total(\s*:.*)?")]
    frame = frame[frame[text_col].astype(str).str.strip() != ""]
    if frame.empty:
        raise ReportError(f"{source}: no ad rows with text in column {text_col!r}")
    comma = _decimal_comma(frame, [impressions_col, clicks_col], source)
    table = pd.DataFrame(
        {
            "group": frame[group_col].astype(str).str.strip().to_numpy(),
            "period": _week_monday(frame[day_col], day_col, source),
            "text": frame[text_col].astype(str).str.strip().to_numpy(),
            "impressions": _number(
                frame[impressions_col], impressions_col, source, decimal_comma=comma
            ),
            "clicks": _number(frame[clicks_col], clicks_col, source, decimal_comma=comma),
        }
    )
    over = table["clicks"] > table["impressions"]
    if over.any():
        row = int(np.flatnonzero(over.to_numpy())[0])
        line_number = header_at + 2 + int(frame.index[row])
        raise ReportError(
            f"{source}, line {line_number}: {table['clicks'].iloc[row]} clicks for {table['impressions'].iloc[row]} "
            f"impressions in {clicks_col!r} / {impressions_col!r}; clicks cannot exceed impressions"
        )
    table["test_id"] = f"{fmt.name}:" + table["group"] + ":" + table["period"].astype(str)
    pooled = table.groupby(["test_id", "period", "text"], as_index=False, sort=False)[
        ["impressions", "clicks"]
    ].sum()
    return validate_test_table(pooled.loc[:, list(TEST_COLUMNS)], source=source)


def studio_results_table(session: Session) -> pd.DataFrame:
    """The studio's own tests as a test table: one row per arm with delivery, period = start day.

    The text is each arm's variant's scored field (see :mod:`studio.scoring.variants`); arms
    whose variant has no such text are left out.
    """
    rows = session.exec(
        select_columns(
            Experiment.id,
            Experiment.created_at,
            Variant.channel,
            Variant.fields,
            ArmResult.impressions,
            ArmResult.clicks,
        )
        .join(Arm, col(Arm.experiment_id) == col(Experiment.id))
        .join(Variant, col(Variant.id) == col(Arm.variant_id))
        .join(ArmResult, col(ArmResult.arm_id) == col(Arm.id))
    ).all()
    records = []
    for experiment_id, created_at, channel, fields, impressions, clicks in rows:
        try:
            text = variant_text(channel, fields)
        except UnscorableVariantError:
            continue
        started: date = created_at.date()
        records.append(
            (f"studio:{experiment_id}", int(started.strftime("%Y%m%d")), text, impressions, clicks)
        )
    frame = pd.DataFrame(records, columns=list(TEST_COLUMNS))
    if frame.empty:
        return frame
    pooled = frame.groupby(["test_id", "period", "text"], as_index=False, sort=False)[
        ["impressions", "clicks"]
    ].sum()
    return validate_test_table(pooled.loc[:, list(TEST_COLUMNS)], source="studio test results")


def load_training_table(path: Path, *, text_column: str | None = None) -> pd.DataFrame:
    """A test table from any file a user brings: a test table CSV, the Upworthy CSV, or a platform report.

    The studio's own columns (``test_id, period, text, impressions, clicks``) and the Upworthy
    archive's are read as they are; anything else is read as a Google Ads / Meta export.
    """
    from studio.scoring.data import UPWORTHY_COLUMNS, load_test_table

    path = Path(path)
    content = _decode(path)
    header = {
        c.strip().strip('"').lower() for c in content.splitlines()[0].replace("\t", ",").split(",")
    }
    if set(TEST_COLUMNS) <= header or set(UPWORTHY_COLUMNS) <= header:
        return load_test_table(path)
    return read_report(path, text_column=text_column)
