"""Spreadsheet safety and CSV writing for the bulk-import sheets.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` is read as a formula by Excel,
LibreOffice and Google Sheets, and a leading tab or carriage return can smuggle one in ("CSV
injection", OWASP). Ad copy comes from language models and from people, so every cell is
passed through :func:`guard_cell`, which puts a single quote in front of such text: the
spreadsheet then shows it as text and runs nothing (OWASP's recommended neutralisation). The
quote changes the text the ad platform reads, so each guarded cell is reported back (the
pipeline lists them as warnings in the preview and the manifest).

Sheets are written as UTF-8 with a byte-order mark (Excel needs it to read accents; Google Ads
Editor, Meta and TikTok accept it) and every cell quoted, so a comma, quote or line break in
copy cannot shift columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ENCODING = "utf-8-sig"


def guard_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading quote if it could start a formula."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


@dataclass(frozen=True)
class GuardedCell:
    """A cell :func:`guard_cell` changed.

    Attributes
    ----------
    row : 1-based data row (the header is row 0).
    column : the column's header.
    original : the text before the quote was added.
    """

    row: int
    column: str
    original: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "original": self.original}


def safe_rows(
    columns: Sequence[str], rows: Sequence[Mapping[str, str]]
) -> tuple[list[list[str]], list[GuardedCell]]:
    """Rows as lists in column order with every cell guarded, and the cells that were changed.

    Raises
    ------
    ValueError
        When a row names a column the sheet does not have (an exporter bug, not user input).
    """
    known = set(columns)
    out: list[list[str]] = []
    guarded: list[GuardedCell] = []
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"row {number} has columns the sheet lacks: {sorted(unknown)}")
        cells: list[str] = []
        for column in columns:
            text = str(row.get(column, ""))
            safe = guard_cell(text)
            if safe != text:
                guarded.append(GuardedCell(number, column, text))
            cells.append(safe)
        out.append(cells)
    return out, guarded


def csv_bytes(
    columns: Sequence[str], rows: Sequence[Mapping[str, str]]
) -> tuple[bytes, list[GuardedCell]]:
    """The sheet as CSV bytes (UTF-8 with BOM, CRLF, every cell quoted) and the guarded cells."""
    cells, guarded = safe_rows(columns, rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([guard_cell(c) for c in columns])
    writer.writerows(cells)
    return buffer.getvalue().encode(ENCODING), guarded


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Parse a sheet written by :func:`csv_bytes` back into rows (tests and previews)."""
    return list(csv.DictReader(io.StringIO(data.decode(ENCODING), newline="")))
