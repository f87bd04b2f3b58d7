"""Spreadsheet safety and the file formats of the bulk-import sheets.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` is read as a formula by Excel,
LibreOffice and Google Sheets, and a leading tab or carriage return can smuggle one in ("CSV
injection", OWASP). The usual neutralisation, a leading apostrophe, changes the text the ad
platform imports (a 30-character headline becomes 31 and is refused, or runs with the
apostrophe). So the studio never alters a cell: :func:`formula_cells` finds every such cell
and the pipeline refuses the export, naming the variant and the field to reword.

Each exporter declares its :class:`SheetFormat`: the encoding and delimiter its platform's
importer reads. Every cell is quoted, so a comma, quote, tab or line break in copy cannot
shift columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from studio.core.errors import InvalidValue

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula (it starts with a trigger)."""
    return text.startswith(FORMULA_TRIGGERS)


@dataclass(frozen=True)
class SheetFormat:
    """How a platform's importer reads a sheet.

    Attributes
    ----------
    encoding : Python codec name; ``"utf-8-sig"`` and ``"utf-16"`` write a byte-order mark.
    delimiter : ``","`` or ``"\\t"``.
    """

    encoding: str = "utf-8-sig"
    delimiter: str = ","

    def __post_init__(self) -> None:
        if self.delimiter not in (",", "\t"):
            raise InvalidValue(f"delimiter must be ',' or a tab, got {self.delimiter!r}")


#: UTF-8 with a byte-order mark, comma-separated (Meta, TikTok "CSV UTF-8", LinkedIn worksheet).
UTF8_CSV = SheetFormat()


@dataclass(frozen=True)
class FormulaCell:
    """A cell a spreadsheet would run as a formula.

    Attributes
    ----------
    row : 1-based data row (the header is row 0).
    column : the column's header.
    text : the cell's text, unchanged.
    """

    row: int
    column: str
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "text": self.text}


def ordered_rows(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> list[list[str]]:
    """Rows as lists in column order (absent columns empty).

    Raises
    ------
    ValueError
        When a row names a column the sheet does not have (an exporter bug, not user input).
    """
    known = set(columns)
    out: list[list[str]] = []
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - known
        if unknown:
            raise InvalidValue(f"row {number} has columns the sheet lacks: {sorted(unknown)}")
        out.append([str(row.get(column, "")) for column in columns])
    return out


def formula_cells(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> list[FormulaCell]:
    """Every cell of ``rows`` that a spreadsheet would run as a formula, in row order."""
    return [
        FormulaCell(number, column, text)
        for number, cells in enumerate(ordered_rows(columns, rows), start=1)
        for column, text in zip(columns, cells, strict=True)
        if is_formula_like(text)
    ]


def sheet_bytes(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    sheet_format: SheetFormat = UTF8_CSV,
    *,
    preamble: Sequence[Sequence[str]] = (),
) -> bytes:
    """The sheet's bytes: optional ``preamble`` lines, the header, then the rows, CRLF, all quoted.

    Cells are written exactly as given; callers refuse formula-like cells first
    (:func:`formula_cells`).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=sheet_format.delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
    )
    writer.writerows(preamble)
    writer.writerow(list(columns))
    writer.writerows(ordered_rows(columns, rows))
    return buffer.getvalue().encode(sheet_format.encoding)


def read_sheet(
    data: bytes, sheet_format: SheetFormat = UTF8_CSV, *, skip: int = 0
) -> list[dict[str, str]]:
    """Parse a sheet written by :func:`sheet_bytes` back into rows (tests and previews).

    ``skip`` lines before the header are ignored (a template's preamble).
    """
    text = data.decode(sheet_format.encoding)
    lines = io.StringIO(text, newline="")
    for _ in range(skip):
        lines.readline()
    return list(csv.DictReader(lines, delimiter=sheet_format.delimiter))
