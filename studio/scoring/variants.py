"""Score variants: fill ``Variant.predicted_ctr``, ``ctr_low``, ``ctr_high``, ``ctr_explanation``.

The generation pipeline calls :func:`score_variants` after it writes drafts. A variant's text
to score is its headline-like field, per channel (:data:`SCORED_FIELD`): the predictor was
trained on headlines, so that is the line it can judge.

=====================  ==========================================================
channel                field scored
=====================  ==========================================================
``google_rsa``         ``headlines`` (the first one: the headline pinned/shown first)
``meta_feed``          ``headline``
``linkedin_sponsored`` ``headline``, or ``intro_text`` when there is no headline
``tiktok``             ``ad_text``
=====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from studio.core.errors import UserFacingError
from studio.core.models import Variant
from studio.scoring.predict import CtrPredictor

SCORED_FIELD: dict[str, tuple[str, ...]] = {
    "google_rsa": ("headlines",),
    "meta_feed": ("headline",),
    "linkedin_sponsored": ("headline", "intro_text"),
    "tiktok": ("ad_text",),
}


class UnscorableVariantError(UserFacingError):
    """A variant has no text the predictor can score (unknown channel or empty field)."""


def variant_text(channel: str, fields: dict[str, Any]) -> str:
    """The text of a variant that the CTR predictor scores (see :data:`SCORED_FIELD`)."""
    if channel not in SCORED_FIELD:
        raise UnscorableVariantError(
            f"channel {channel!r} has no scored field; known channels: {', '.join(SCORED_FIELD)}"
        )
    for name in SCORED_FIELD[channel]:
        value = fields.get(name)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise UnscorableVariantError(
        f"{channel} variant has no text in {' or '.join(SCORED_FIELD[channel])} to score"
    )


def score_variants(
    session: Session,
    variants: Sequence[Variant],
    predictor: CtrPredictor,
    *,
    base_ctr: float | None = None,
) -> list[Variant]:
    """Predict each variant's CTR and store it on the row (added to ``session``, not committed).

    Raises :class:`UnscorableVariantError` before changing anything when a variant has no
    text to score.
    """
    texts = [variant_text(v.channel, v.fields) for v in variants]
    if not texts:
        return []
    predictions = predictor.predict(texts, base_ctr=base_ctr)
    for variant, prediction in zip(variants, predictions, strict=True):
        variant.predicted_ctr = prediction.predicted_ctr
        variant.ctr_low = prediction.ctr_low
        variant.ctr_high = prediction.ctr_high
        variant.ctr_explanation = {**prediction.explanation(), "scored_text": prediction.text}
        session.add(variant)
    return list(variants)
