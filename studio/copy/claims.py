"""Claims fidelity of a brief: does the offer say only what the brand's approved claims back?

The one place that decides what happens to an offer the approved claims do not support
(e.g. "60% off" when only "50% off your first bag" is approved). :func:`review_offer` finds its
unbacked numbers, percentages and superlatives with the same rules as the compliance checker
(:func:`studio.copy.compliance.find_claims`), and :func:`apply_offer_policy` acts on them:

``refuse`` (the default)
    :class:`OfferNotApproved` is raised before anything is written; its message names the
    unbacked parts and the approved claims the offer may use instead.
``rewrite``
    The offer is replaced by the approved claim closest to it (the most shared words; an
    offer-like claim with a percentage or "free" first) and a warning says what changed and
    why. With no approved claim to fall back on, the offer is dropped, with a warning.

Nothing is replaced silently: the warning travels with the generation result and is shown
by the Generate page and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from studio.brand.guidelines import ApprovedClaim, Guideline
from studio.copy.compliance import ComplianceChecker, find_claims
from studio.core.errors import UserFacingError
from studio.core.text import fold

OfferPolicy = Literal["refuse", "rewrite"]
OFFER_POLICIES: tuple[OfferPolicy, ...] = ("refuse", "rewrite")

_WORDS = re.compile(r"[a-z0-9%]+")


class OfferNotApproved(UserFacingError):
    """The brief's offer states something the brand's approved claims do not back."""


@dataclass(frozen=True)
class OfferReview:
    """What :func:`review_offer` found in one offer.

    Attributes
    ----------
    offer
        The offer as written in the brief.
    unbacked
        Numbers, percentages and superlatives in it that no approved claim contains, as written.
    closest
        The approved claim closest to the offer (``None`` when the brand approves none).
    """

    offer: str
    unbacked: tuple[str, ...]
    closest: ApprovedClaim | None

    @property
    def supported(self) -> bool:
        return not self.unbacked

    def explain(self, guideline: Guideline) -> str:
        """Why the offer is not supported, naming the approved claims (for an error or warning)."""
        approved = "; ".join(f"{c.id}: {c.text!r}" for c in guideline.approved_claims) or "none"
        parts = ", ".join(repr(u) for u in self.unbacked)
        return (
            f"the offer {self.offer!r} states {parts}, which no approved claim of "
            f"{guideline.name} backs (approved claims: {approved})"
        )


@dataclass(frozen=True)
class OfferDecision:
    """The offer generation will use, and the warning to show when it differs from the brief's."""

    offer: str
    warning: str = ""


def _words(text: str) -> set[str]:
    return set(_WORDS.findall(fold(text).casefold()))


def review_offer(guideline: Guideline, offer: str) -> OfferReview:
    """Check ``offer`` against ``guideline.approved_claims`` (see the module docstring)."""
    checker = ComplianceChecker(guideline)
    unbacked = tuple(c.text for c in find_claims(fold(offer)) if c.key not in checker.backed_keys)
    closest: ApprovedClaim | None = None
    if guideline.approved_claims:
        wanted = _words(offer)

        def closeness(claim: ApprovedClaim) -> tuple[int, int]:
            words = _words(claim.text)
            offer_like = int("%" in claim.text or "free" in words or "off" in words)
            return (len(wanted & words), offer_like)

        closest = max(guideline.approved_claims, key=closeness)
    return OfferReview(offer=offer, unbacked=unbacked, closest=closest)


def apply_offer_policy(guideline: Guideline, offer: str, policy: OfferPolicy) -> OfferDecision:
    """The offer to write with under ``policy`` (``"refuse"`` or ``"rewrite"``).

    Raises
    ------
    OfferNotApproved
        ``policy="refuse"`` and the offer is not supported: the message says what is unbacked,
        lists the approved claims and how to proceed.
    UserFacingError
        An unknown ``policy``.
    """
    if policy not in OFFER_POLICIES:
        raise UserFacingError(
            f"offer policy {policy!r} is not known; use one of {', '.join(OFFER_POLICIES)}"
        )
    if not offer.strip():
        return OfferDecision(offer="")
    review = review_offer(guideline, offer)
    if review.supported:
        return OfferDecision(offer=offer)
    if policy == "refuse":
        raise OfferNotApproved(
            f"{review.explain(guideline)}. Change the offer to one the approved claims back, "
            "add the claim (with its evidence) to the guideline, or choose the 'rewrite' "
            "offer policy to use the closest approved claim instead"
        )
    if review.closest is None:
        return OfferDecision(
            offer="",
            warning=f"offer left out: {review.explain(guideline)}; the brand approves no claim to use instead",
        )
    return OfferDecision(
        offer=review.closest.text,
        warning=(
            f"offer rewritten from {offer!r} to the approved claim {review.closest.text!r} "
            f"({review.closest.id}): {review.explain(guideline)}"
        ),
    )
