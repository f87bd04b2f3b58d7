"""Headline test tables: the one shape every training and evaluation function takes.

A *test table* is a :class:`pandas.DataFrame` with one row per package (a text shown to a
random share of the audience) and the columns of :data:`TEST_COLUMNS`:

``test_id`` (str)
    The test the package competed in. Packages are compared only within their test.
``period`` (int)
    When the test ran, as a sortable integer (``YYYYWW`` ISO week for the Upworthy data,
    ``YYYYMMDD`` for imported reports); the temporal split orders tests by it.
``text`` (str)
    The headline (or the ad's first headline).
``impressions``, ``clicks`` (int)
    Delivery; ``0 <= clicks <= impressions``.

:func:`load_test_table` reads the Upworthy archive's CSV or a table already in this shape
(what ``studio ctr import-report`` writes), and checks it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from studio.core.errors import InvalidValue, UserFacingError

TEST_COLUMNS: tuple[str, ...] = ("test_id", "period", "text", "impressions", "clicks")
UPWORTHY_COLUMNS: dict[str, str] = {
    "clickability_test_id": "test_id",
    "test_week": "period",
    "headline": "text",
    "impressions": "impressions",
    "clicks": "clicks",
}
UPWORTHY_CITATION = (
    "Upworthy Research Archive: J. Nathan Matias, Kevin Munger, Marianne Aubin Le Quere and "
    "Charles Ebersole, 'The Upworthy Research Archive, a time series of 32,487 experiments in "
    "U.S. media', Scientific Data 8, 195 (2021); osf.io/jd64p"
)


class TestTableError(UserFacingError):
    """A test table (CSV or DataFrame) is not usable; the message names the file and field."""

    __test__ = False  # not a pytest test class, despite the name


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise TestTableError(f"{path}: no such file")
    if path.is_dir():
        raise TestTableError(f"{path}: is a folder, expected a CSV file")
    try:
        return pd.read_csv(path, dtype={"clickability_test_id": str, "test_id": str})
    except pd.errors.EmptyDataError as error:
        raise TestTableError(
            f"{path}: the file is empty, expected a CSV with a header row"
        ) from error
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise TestTableError(f"{path}: not a readable CSV ({error})") from error


def load_test_table(path: Path) -> pd.DataFrame:
    """Read a test table from a CSV (plain or ``.gz``).

    Accepts the Upworthy archive's columns (``clickability_test_id, test_week, headline,
    impressions, clicks``) or the studio's own (:data:`TEST_COLUMNS`).

    Raises
    ------
    TestTableError
        The file is missing, not a CSV, lacks a column, or has impossible counts.
    """
    path = Path(path)
    frame = _read_csv(path)
    if set(UPWORTHY_COLUMNS) <= set(frame.columns):
        frame = frame.rename(columns=UPWORTHY_COLUMNS)
    return validate_test_table(frame, source=str(path))


def validate_test_table(frame: pd.DataFrame, *, source: str = "table") -> pd.DataFrame:
    """Check and normalise a test table; return a copy with exactly :data:`TEST_COLUMNS`.

    Rows with an empty text are an error (not dropped): a silent drop would change the
    evaluation without anyone noticing.
    """
    missing = [c for c in TEST_COLUMNS if c not in frame.columns]
    if missing:
        raise TestTableError(
            f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}. "
            f"Expected {', '.join(TEST_COLUMNS)} (or the Upworthy archive's "
            f"{', '.join(UPWORTHY_COLUMNS)})"
        )
    table = frame.loc[:, list(TEST_COLUMNS)].copy()
    if table.empty:
        raise TestTableError(f"{source}: no rows")
    for column in ("period", "impressions", "clicks"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() | (numbers != np.floor(numbers))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise TestTableError(
                f"{source}: column {column!r} row {row + 2} is {table[column].iloc[row]!r}; expected a whole number"
            )
        table[column] = numbers.astype(np.int64)
    text = table["text"]
    empty = text.isna() | (text.astype(str).str.strip() == "")
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise TestTableError(f"{source}: column 'text' is empty on row {row + 2}")
    table["text"] = text.astype(str).str.strip()
    table["test_id"] = table["test_id"].astype(str)
    bad = (
        (table["impressions"] < 0)
        | (table["clicks"] < 0)
        | (table["clicks"] > table["impressions"])
    )
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TestTableError(
            f"{source}: row {row + 2} has {table['clicks'].iloc[row]} clicks for "
            f"{table['impressions'].iloc[row]} impressions; need 0 <= clicks <= impressions"
        )
    return table.reset_index(drop=True)


def temporal_split(
    table: pd.DataFrame, test_share: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by time: the latest tests (about ``test_share`` of them) versus all earlier ones.

    Whole tests go to one side; the cut is at a ``period`` boundary, so no period is in both.
    """
    if not 0.0 < test_share < 1.0:
        raise InvalidValue(f"test_share must be between 0 and 1 (exclusive), got {test_share}")
    periods = table.groupby("test_id")["period"].min()
    cut = _period_cut(periods, test_share)
    late = table["test_id"].map(periods) >= cut
    if late.all() or not late.any():
        raise TestTableError(
            f"cannot split {periods.size} test(s) in time: they all ran in period {periods.min()}; "
            "a temporal split needs tests from at least two periods"
        )
    return table[~late].reset_index(drop=True), table[late].reset_index(drop=True)


def _period_cut(periods: pd.Series, share: float) -> int:
    """The first period of the latest ``share`` of tests (at least one period stays early)."""
    ordered = np.sort(periods.to_numpy())
    index = int(np.floor(len(ordered) * (1.0 - share)))
    index = min(max(index, 1), len(ordered) - 1)
    cut = ordered[index]
    if cut == ordered[0]:
        later = ordered[ordered > cut]
        cut = later[0] if later.size else cut
    return int(cut)
