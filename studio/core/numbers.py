"""Numbers as ad-platform reports write them: one set of rules for every report reader.

Both readers of platform exports (delivery reports for tests, :mod:`studio.experiments.reports`,
and training tables for the CTR predictor, :mod:`studio.scoring.reports`) read numbers here:

* **thousands separators**: ``1,234`` and ``1 234`` (also no-break and narrow no-break spaces,
  and the Swiss ``1'234``);
* **decimal comma**: a file written in a European locale (``12,50``, ``1.234,56``) is recognised
  from its own numbers (:func:`uses_decimal_comma`); a file that mixes both conventions is
  refused rather than read 100 times too high or too low;
* **empty cells**: ``""``, ``--`` and ``-`` are 0 (Meta leaves zero cells empty, Google writes
  ``--``);
* **percent**: ``1.5%`` is the fraction 0.015 where a rate is expected (``percent=True``) and
  an error where a count or an amount is;
* **currency**: a symbol or ISO code around an amount (``$12.50``, ``12,50 €``, ``USD 12.50``)
  is dropped: the column says the currency.

Errors are :class:`NumberError` with a message naming the column and the value received.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from studio.core.errors import InvalidValue

#: Characters written between groups of thousands.
GROUP_SEPARATORS = (" ", "\u00a0", "\u202f", "'")
#: Cells that mean zero.
EMPTY = ("", "--", "-")
_CURRENCY = re.compile(r"^(?:[A-Z]{3}\s*|[$€£¥]\s*|US\$)|(?:\s*[$€£¥]|\s*[A-Z]{3})$")
#: Only a decimal comma reads these: "12,5", "12,50", "1.234,56", "1.234.567" ("1.234" is
#: either, so it decides nothing).
_COMMA_DECIMAL = re.compile(
    r"-?\d+,(\d{1,2}|\d{4,})|-?\d{1,3}(\.\d{3}){2,}(,\d+)?|-?\d{1,3}(\.\d{3})+,\d+"
)
#: Only a decimal point reads these: "12.5", "12.50", "1,234.56", "1,234,567".
_POINT_DECIMAL = re.compile(
    r"-?\d+\.(\d{1,2}|\d{4,})|-?\d{1,3}(,\d{3}){2,}(\.\d+)?|-?\d{1,3}(,\d{3})+\.\d+"
)
_PLAIN = re.compile(r"-?\d+(\.\d+)?")


class NumberError(InvalidValue):
    """A cell is not a number the rules read; the message names the column and the value."""


class MixedNumberFormats(InvalidValue):
    """A file writes numbers both with a decimal comma and with a decimal point."""


def _bare(value: str) -> str:
    """The value without currency and group separators."""
    text = _CURRENCY.sub("", value.strip()).strip()
    return "".join(c for c in text if c not in GROUP_SEPARATORS)


def uses_decimal_comma(values: Iterable[str]) -> bool:
    """Whether a file writes numbers with a decimal comma (``12,50``; many European locales).

    Decided from the file's own numbers: a value only one convention reads (``12,50``,
    ``1.234,56``, ``12.50``, ``1,234.56``) says which; ``1,234`` alone reads as thousands.

    Raises
    ------
    MixedNumberFormats
        Both conventions appear; the message quotes one value of each.
    """
    cleaned = [_bare(v).rstrip("%") for v in values]
    comma = next((v for v in cleaned if _COMMA_DECIMAL.fullmatch(v)), None)
    point = next((v for v in cleaned if _POINT_DECIMAL.fullmatch(v)), None)
    if comma and point:
        raise MixedNumberFormats(
            f"numbers are written both with a decimal comma ({comma!r}) and a decimal point "
            f"({point!r}); export the report again with one number format"
        )
    return comma is not None and point is None


def parse_number(
    raw: str,
    column: str,
    *,
    whole: bool = False,
    decimal_comma: bool = False,
    percent: bool = False,
    limit: float | None = None,
) -> float:
    """One cell as a number, by the rules of this module.

    Parameters
    ----------
    raw : the cell's text.
    column : the column's name, for messages.
    whole : the value must be a whole number (a count).
    decimal_comma : the file writes decimals with a comma (:func:`uses_decimal_comma`).
    percent : the column is a rate; ``1.5%`` reads as 0.015. Elsewhere a percentage is an error.
    limit : the largest value allowed (a count the database can store, an amount no real day
        reaches); None for no limit.

    Raises
    ------
    NumberError
        Not a number, negative, a fraction where a whole number is due, a percentage where
        none is, or above ``limit``.
    """
    value = raw.strip()
    if value in EMPTY:
        return 0.0
    cleaned = _bare(value)
    is_percent = cleaned.endswith("%")
    if is_percent:
        if not percent:
            raise NumberError(f"{column} {value!r} is a percentage; a number is expected here")
        cleaned = cleaned[:-1].strip()
    cleaned = (
        cleaned.replace(".", "").replace(",", ".") if decimal_comma else cleaned.replace(",", "")
    )
    if not _PLAIN.fullmatch(cleaned):
        raise NumberError(f"{column} {value!r} is not a number")
    number = float(cleaned) / (100.0 if is_percent else 1.0)
    if number < 0:
        raise NumberError(f"{column} is negative ({value})")
    if whole and number != int(number):
        raise NumberError(f"{column} {value!r} is not a whole number")
    if limit is not None and number > limit:
        raise NumberError(
            f"{column} {value!r} is larger than any real day's delivery (at most {limit:,.0f})"
        )
    return number
