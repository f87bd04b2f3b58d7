"""Errors of the jobs package."""

from __future__ import annotations

from studio.core.errors import StudioError, UserFacingError


class JobError(UserFacingError):
    """A job cannot be submitted, cancelled or retried as asked (the message says why)."""


class TransientError(StudioError):
    """A failure worth trying again later (a server that is away, a timeout, a busy lock).

    A kind raises it (or wraps the library's error in it) when the same item may succeed on a
    later attempt; the worker then queues the item again after an exponential backoff instead
    of failing it. Any other exception fails the item at once.
    """
