"""CTR predictor: score headlines before launch, with measured accuracy.

Public API (heavy dependencies load on first use):

* :func:`load_predictor` -> :class:`CtrPredictor` with ``scores(texts)`` (predicted CTRs,
  higher = better), ``lifts(texts)`` (log-odds lift and sigma, for bandit priors),
  ``predict(texts)`` (:class:`CtrPrediction`: CTR, interval, drivers, similar past headlines)
  and ``drift(texts)``;
* :func:`score_variants` fills ``Variant.predicted_ctr/ctr_low/ctr_high/ctr_explanation``;
* training and evaluation: :mod:`studio.scoring.train`, :mod:`studio.scoring.evaluate`;
  imports of ad-platform reports: :mod:`studio.scoring.reports`; the model registry:
  :mod:`studio.scoring.registry`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.scoring.predict import CtrPrediction, CtrPredictor, load_predictor
    from studio.scoring.variants import score_variants

__all__ = ["CtrPrediction", "CtrPredictor", "load_predictor", "score_variants"]


def __getattr__(name: str) -> Any:
    if name in ("CtrPrediction", "CtrPredictor", "load_predictor"):
        from studio.scoring import predict

        return getattr(predict, name)
    if name == "score_variants":
        from studio.scoring.variants import score_variants

        return score_variants
    raise AttributeError(f"module 'studio.scoring' has no attribute {name!r}")
