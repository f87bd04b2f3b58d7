"""The one text normaliser for every copy check, and plain-text display of user text.

People and language models write copy; a banned phrase can be disguised so that it *looks* the
same to a reader but not to a naive string match:

* zero-width characters (U+200B..U+200D, U+2060, U+FEFF), the soft hyphen (U+00AD) and other
  invisible format characters (Unicode category ``Cf``) inside a word;
* fullwidth or stylised letters (``ｆｒｅｅ``, ``𝐟𝐫𝐞𝐞``), folded by NFKC;
* Cyrillic and Greek look-alikes (``frее`` with Cyrillic ``е``), folded by :data:`CONFUSABLES`.

:func:`fold` undoes all three, so every check (banned phrases, disclaimers, claims) sees the text
as a reader does. :func:`hidden_characters` lists what was invisible or direction-changing, so a
reviewer can be told that the copy is not exactly what it looks like.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

#: Cyrillic and Greek letters that look like Latin ones (Unicode's confusables, the letters
#: that render identically in common fonts). Keys are single characters.
CONFUSABLES: dict[str, str] = {
    # Cyrillic lower case
    "а": "a",
    "в": "b",
    "е": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ј": "j",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ӏ": "l",
    "ɡ": "g",
    "һ": "h",
    "ү": "y",
    "ѵ": "v",
    # Cyrillic upper case
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Х": "X",
    "Ѕ": "S",
    "І": "I",
    "Ј": "J",
    "Ԁ": "D",
    "Ԛ": "Q",
    "Ԝ": "W",
    "Ү": "Y",
    "Ӏ": "I",
    # Greek
    "α": "a",
    "ο": "o",
    "ρ": "p",
    "ν": "v",
    "τ": "t",
    "υ": "u",
    "ι": "i",
    "κ": "k",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
}
_TABLE = str.maketrans(CONFUSABLES)
#: Characters that change the order text is displayed in (a reader sees other words).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


#: How a platform counts characters: every character 1, or double-width characters 2.
Counting = Literal["characters", "double_width"]


def text_length(text: str, counting: Counting = "characters") -> int:
    """``text``'s length as a platform counts it.

    The text is normalised to NFC first (a decomposed accent is one character on screen).
    With ``counting="double_width"`` every East Asian wide or full-width character (Unicode
    East_Asian_Width ``W`` or ``F``: CJK ideographs, kana, hangul, full-width forms) counts 2,
    as Google and TikTok count them; everything else counts 1.

    >>> text_length("Cafe\u0301"), text_length("コーヒー", "double_width")
    (4, 8)

    The one count of copy length: the channel table's checks (generation, review, export) and
    generation's trimming (:func:`prefix_within`) both use it.
    """
    if text.isascii():  # the usual case, and by far the quickest: NFC and widths change nothing
        return len(text)
    normal = unicodedata.normalize("NFC", text)
    if counting == "characters":
        return len(normal)
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in normal)


def prefix_within(text: str, limit: int, counting: Counting = "characters") -> str:
    """The longest start of ``text`` whose :func:`text_length` is at most ``limit``.

    Cut at the last space when the cut would split a word (text without spaces, such as
    Chinese or Japanese, is cut between characters). A combining mark is counted on its own
    here, so a decomposed accent can only make the result shorter, never too long.
    """
    used, end = 0, 0
    for char in text:
        width = text_length(char, counting)
        if used + width > limit:
            break
        used += width
        end += 1
    prefix = text[:end]
    if end < len(text) and not text[end].isspace() and " " in prefix:
        prefix = prefix.rsplit(" ", 1)[0]
    return prefix


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


def fold(text: str) -> str:
    """``text`` as a reader sees it: NFKC, invisible characters removed, look-alikes folded.

    Case is kept (checks that care about capitals, such as shouting, still work); match
    case-insensitively, or ``casefold()`` the result.
    """
    if text.isascii():  # no ASCII character is changed by NFKC, invisible or a look-alike
        return text
    normal = unicodedata.normalize("NFKC", text)
    visible = "".join(c for c in normal if not _invisible(c))
    return visible.translate(_TABLE)


@dataclass(frozen=True)
class HiddenCharacter:
    """An invisible or direction-changing character at ``index`` of the original text."""

    index: int
    char: str

    @property
    def name(self) -> str:
        return unicodedata.name(self.char, f"U+{ord(self.char):04X}")

    def describe(self) -> str:
        return f"U+{ord(self.char):04X} {self.name.lower()} at character {self.index + 1}"


def hidden_characters(text: str) -> list[HiddenCharacter]:
    """Invisible format characters (zero-width, soft hyphen, direction controls) in ``text``."""
    return [HiddenCharacter(i, c) for i, c in enumerate(text) if _invisible(c)]


def lookalikes(text: str) -> list[str]:
    """The look-alike letters (:data:`CONFUSABLES`) in ``text``, in order of appearance."""
    return [c for c in text if c in CONFUSABLES]


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=")


def markdown_literal(text: str) -> str:
    """``text`` escaped so that a Markdown renderer shows it exactly, as plain text.

    No link, image (a remote image would load in the reader's browser), emphasis, heading,
    HTML or Streamlit directive (``:red[...]``) survives; line breaks are kept.
    """
    escaped = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)
    return escaped.replace("\n", "  \n")
