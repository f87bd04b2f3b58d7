"""The one CSV writer for every CSV the studio writes for people to open (audit log, test
dashboard, ``studio generate --output``, ``studio ctr`` tables).

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
can hide one) is run as a formula by Excel, LibreOffice and Google Sheets ("CSV injection",
OWASP). Text in these files comes from people and models (a name typed on the sign-in page, ad
copy, a report's ad names), so :func:`neutralise` puts a single quote in front of such text: a
spreadsheet shows it as text and runs nothing (OWASP's recommended neutralisation). Plain numbers
(``-0.5``, ``+3``, ``1e-06``) are left alone: no spreadsheet reads them as a formula.

The platform bulk-import sheets are not written here: an ad platform would publish the quote, so
:mod:`studio.export.sheets` refuses formula cells there instead of altering the text.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet: text that could start a formula gets a leading ``'``.

    Non-text values (numbers, ``None``) and text that is a plain number are returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def write_rows(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``header`` and ``rows`` as CSV to an open text handle, every cell neutralised.

    Returns the number of data rows written.
    """
    writer = csv.writer(handle)
    writer.writerow([neutralise(c) for c in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text of ``header`` and ``rows`` (for downloads), every cell neutralised."""
    buffer = io.StringIO(newline="")
    write_rows(buffer, header, rows)
    return buffer.getvalue()


def write_csv_file(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV file atomically (a temporary file beside it, then renamed into place).

    A crash leaves the old file or none, never half of one, and no temporary file behind.
    Returns the number of data rows written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            count = write_rows(handle, header, rows)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def write_frame(frame: Any, path: Path) -> int:
    """Write a pandas DataFrame with :func:`write_csv_file` (no index column)."""
    header = [str(c) for c in frame.columns]
    rows = (["" if _missing(v) else v for v in row] for row in frame.itertuples(index=False))
    return write_csv_file(path, header, rows)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)
