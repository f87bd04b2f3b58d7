"""The one root of every error studio raises on purpose.

``StudioError`` is the root: ``except StudioError`` catches every error the library raises by
design, and nothing else (a bug still shows its traceback). Each domain derives its own errors
from one of the branches below, beside the code that raises them.

``UserFacingError`` is the branch for people: its ``str()`` is a complete sentence that names what
was asked, what was found and what to do, shown as-is by the app (``st.error``) and the CLI
(``error: ...`` on stderr, exit code 1, no traceback). ``tests/core/test_errors.py`` walks the
package and fails when an exception class does not derive from ``StudioError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class StudioError(Exception):
    """Root of every exception defined in studio."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its class, args and attributes, rebuilt without calling __init__: subclasses
        # take other arguments than their message (NotFound), and a job's errors travel back
        # from Ray workers as pickles.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[StudioError], args: tuple[Any, ...], state: dict[str, Any]) -> StudioError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UserFacingError(StudioError):
    """An error whose message is written for the person using the app or the CLI."""


class NotFound(UserFacingError, LookupError):
    """Something asked for by name or id does not exist.

    The message names the kind of thing, the name or id received and, when the choice is small
    enough to list, the ones that exist. It is also a ``LookupError``, as Python expects of a
    failed look-up.

    Parameters
    ----------
    kind : what was looked up, singular, e.g. ``"brand"``, ``"platform"``, ``"variant"``.
    wanted : the name or id received.
    known : the names that exist, listed in the message; ``None`` when they are not worth listing
        (ids in a database).
    within : where it was looked for, e.g. ``"brand 'acme'"``.
    hint : an extra sentence, e.g. how to list or make them.
    """

    def __init__(
        self,
        kind: str,
        wanted: object,
        known: Iterable[object] | None = None,
        *,
        within: str = "",
        hint: str = "",
    ):
        self.kind, self.wanted = kind, wanted
        self.known = tuple(known) if known is not None else None
        message = f"There is no {kind} {wanted!r}" + (f" in {within}." if within else ".")
        if self.known is not None:
            listed = ", ".join(str(k) for k in self.known) or "none yet"
            message += f" Known: {listed}."
        if hint:
            message += f" {hint}"
        super().__init__(message)


class InvalidValue(UserFacingError, ValueError):
    """A value a person gave (an option, a form field, a cell of an uploaded file) is not allowed.

    The message names the argument or field, what was received and what is allowed. It is also a
    ``ValueError``, as Python expects of a bad value.
    """
