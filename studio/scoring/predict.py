"""Score texts with a trained CTR model: predicted CTR, an interval, and why.

>>> predictor = load_predictor()                     # the shipped model (or STUDIO_CTR_MODEL_PATH)
>>> predictor.scores(["You Won't Believe This"])    # fast: predicted CTRs, shape (n,)
>>> predictor.predict(["You Won't Believe This"])   # full: CtrPrediction with interval and reasons

Scale of :meth:`CtrPredictor.scores`: a predicted click-through rate in (0, 1), the CTR the
text would get in a test where a typical headline gets ``base_ctr`` (by default the training
data's median test CTR, ~1.5 % for the shipped model; pass your channel's usual CTR as
``base_ctr`` to put the numbers on your scale). The order of the scores is the model's ranking;
the differences are calibrated on held-out tests (see :mod:`studio.scoring.model`). For a
Beta prior, ``alpha = strength * ctr`` and ``beta = strength * (1 - ctr)`` is a natural use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from studio.core.errors import InvalidValue
from studio.scoring.drift import DriftReport, check_drift
from studio.scoring.embeddings import DEFAULT_CACHE_DIR, EmbeddingCache, MiniLmEncoder, TextEncoder
from studio.scoring.features import FEATURE_GROUPS, FEATURE_NAMES, lexical_features
from studio.scoring.model import SHIPPED_MODEL_PATH, CtrModel, _logit, _sigmoid, file_sha256
from studio.scoring.neighbours import Neighbour

EMBEDDING_DRIVER = "embedding"
EMBEDDING_LABEL = "wording and topic (sentence embedding)"


@dataclass(frozen=True)
class Driver:
    """One reason for a score: a feature group, its values, its effect in log-odds (+ pushes up)."""

    feature: str
    label: str
    values: dict[str, float]
    effect: float

    @property
    def percent(self) -> float:
        """The effect as a relative change of the CTR, in percent."""
        return float(np.expm1(self.effect) * 100)

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "label": self.label,
            "values": {k: round(v, 4) for k, v in self.values.items()},
            "effect": round(self.effect, 5),
            "percent": round(self.percent, 2),
        }


@dataclass(frozen=True)
class CtrPrediction:
    """The prediction for one text.

    ``predicted_ctr``, ``ctr_low`` and ``ctr_high`` are click-through rates in (0, 1);
    ``[ctr_low, ctr_high]`` is the ``interval_level`` (80 %) interval for the CTR relative to
    ``base_ctr``. ``relative_score`` is the raw ranking score (higher = better).
    """

    text: str
    predicted_ctr: float
    ctr_low: float
    ctr_high: float
    interval_level: float
    base_ctr: float
    relative_score: float
    logit_lift: float
    sigma: float
    novelty: float
    drivers: list[Driver] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    model_sha256: str = ""

    @property
    def lift(self) -> float:
        """Predicted CTR relative to ``base_ctr`` (1.0 = a typical headline)."""
        return self.predicted_ctr / self.base_ctr

    def summary(self) -> str:
        direction = "above" if self.lift >= 1 else "below"
        reasons = "; ".join(
            f"{d.label} {'+' if d.effect >= 0 else '−'}{abs(d.percent):.0f}%"
            for d in self.drivers[:3]
        )
        return (
            f"{self.predicted_ctr:.2%} ({self.interval_level:.0%} interval {self.ctr_low:.2%}-{self.ctr_high:.2%}), "
            f"{abs(self.lift - 1):.0%} {direction} a typical headline at {self.base_ctr:.2%}"
            + (f". Main reasons: {reasons}" if reasons else "")
        )

    def explanation(self) -> dict[str, Any]:
        """JSON-ready explanation (what :attr:`Variant.ctr_explanation` stores)."""
        return {
            "summary": self.summary(),
            "base_ctr": round(self.base_ctr, 6),
            "interval_level": self.interval_level,
            "relative_score": round(self.relative_score, 5),
            "logit_lift": round(self.logit_lift, 5),
            "sigma": round(self.sigma, 5),
            "novelty": round(self.novelty, 4),
            "drivers": [d.as_dict() for d in self.drivers],
            "neighbours": [n.as_dict() for n in self.neighbours],
            "model_sha256": self.model_sha256,
        }


class CtrPredictor:
    """A loaded CTR model plus the sentence encoder it was trained with."""

    def __init__(
        self, model: CtrModel, *, encoder: TextEncoder | None = None, path: Path | None = None
    ) -> None:
        self.model = model
        self.path = path
        self.sha256 = file_sha256(path) if path is not None else ""
        self.encoder: TextEncoder = encoder or EmbeddingCache(
            MiniLmEncoder(onnx_dir=DEFAULT_CACHE_DIR), cache_dir=None
        )
        if self.encoder.name != model.encoder:
            raise InvalidValue(
                f"CTR model {path} was trained with the {model.encoder!r} encoder, got {self.encoder.name!r}"
            )

    @property
    def metrics(self) -> dict[str, Any]:
        return self.model.metrics

    def _features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not one string")
        cleaned = [str(t).strip() for t in texts]
        empty = [i for i, t in enumerate(cleaned) if not t]
        if empty:
            raise InvalidValue(
                f"text #{empty[0]} is empty; every text to score needs at least one character"
            )
        return self.encoder.encode(cleaned), lexical_features(cleaned)

    def relative_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Raw ranking scores, float64 ``(n,)``; only differences mean anything."""
        embeddings, lexical = self._features(texts)
        return self.model.relative_scores(embeddings, lexical)

    def scores(self, texts: Sequence[str], base_ctr: float | None = None) -> np.ndarray:
        """Predicted CTRs, float64 ``(n,)`` in (0, 1), higher = better (see the module docstring)."""
        return self.model.ctr(self.relative_scores(texts), base_ctr)

    def lifts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds lift over a typical headline and its standard deviation, each float64 ``(n,)``.

        What a Thompson-sampling prior needs: ``logit(base) + lift`` is the predicted log-odds,
        ``sigma`` (> 0) the model's uncertainty about it (wider for novel texts).
        """
        embeddings, lexical = self._features(texts)
        lift = self.model.logit_lift(self.model.relative_scores(embeddings, lexical))
        return lift, self.model.calibration.sigma_for(self.model.index.max_similarity(embeddings))

    def ctr_with_interval(
        self, texts: Sequence[str], base_ctr: float | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted CTR and its interval bounds, each float64 ``(n,)`` (no neighbours: fast)."""
        lift, sigma = self.lifts(texts)
        cal = self.model.calibration
        centre = _logit(cal.base_ctr if base_ctr is None else base_ctr) + lift
        half = stats.norm.ppf(0.5 + cal.interval_level / 2) * sigma
        return _sigmoid(centre), _sigmoid(centre - half), _sigmoid(centre + half)

    def predict(
        self,
        texts: Sequence[str],
        *,
        base_ctr: float | None = None,
        neighbours: int = 3,
        drivers: int = 4,
    ) -> list[CtrPrediction]:
        """Score ``texts`` with intervals, the strongest drivers and the closest past headlines."""
        embeddings, lexical = self._features(texts)
        model, cal = self.model, self.model.calibration
        base = cal.base_ctr if base_ctr is None else float(base_ctr)
        if not 0.0 < base < 1.0:
            raise InvalidValue(f"base_ctr must be a rate between 0 and 1, got {base}")
        relative = model.relative_scores(embeddings, lexical)
        lift = model.logit_lift(relative)
        novelty = model.index.max_similarity(embeddings)
        sigma = cal.sigma_for(novelty)
        half = stats.norm.ppf(0.5 + cal.interval_level / 2) * sigma
        centre = _logit(base) + lift
        lexical_effects = cal.slope * model.standardise(lexical) * model.coef_lexical
        embedding_effects = cal.slope * (embeddings @ model.coef_embedding - cal.score_ref)
        results: list[CtrPrediction] = []
        for i, text in enumerate(texts):
            candidates = [
                Driver(EMBEDDING_DRIVER, EMBEDDING_LABEL, {}, float(embedding_effects[i]))
            ]
            grouped: dict[str, Driver] = {}
            for k, name in enumerate(FEATURE_NAMES):
                label = FEATURE_GROUPS[name]
                before = grouped.get(label, Driver(label, label, {}, 0.0))
                grouped[label] = Driver(
                    label,
                    label,
                    {**before.values, name: float(lexical[i, k])},
                    before.effect + float(lexical_effects[i, k]),
                )
            candidates += [d for d in grouped.values() if abs(d.effect) > 1e-4]
            candidates.sort(key=lambda d: -abs(d.effect))
            results.append(
                CtrPrediction(
                    text=str(text).strip(),
                    predicted_ctr=float(_sigmoid(centre[i])),
                    ctr_low=float(_sigmoid(centre[i] - half[i])),
                    ctr_high=float(_sigmoid(centre[i] + half[i])),
                    interval_level=cal.interval_level,
                    base_ctr=base,
                    relative_score=float(relative[i]),
                    logit_lift=float(lift[i]),
                    sigma=float(sigma[i]),
                    novelty=float(novelty[i]),
                    drivers=candidates[:drivers],
                    neighbours=model.index.nearest(embeddings[i], neighbours) if neighbours else [],
                    model_sha256=self.sha256,
                )
            )
        return results

    def drift(self, texts: Sequence[str]) -> DriftReport:
        """Warn when ``texts`` look unlike the training data (see :mod:`studio.scoring.drift`)."""
        embeddings, lexical = self._features(texts)
        return check_drift(self.model, embeddings, lexical)


_CACHE: dict[tuple[Path, float], CtrPredictor] = {}
_CACHE_LOCK = threading.Lock()


def resolve_model_path(path: Path | None = None) -> Path:
    """``path``, else the ``ctr_model_path`` setting, else the shipped model."""
    if path is not None:
        return Path(path)
    from studio.core.settings import get_settings

    configured = get_settings().ctr_model_path
    return Path(configured) if configured is not None else SHIPPED_MODEL_PATH


def load_predictor(path: Path | None = None) -> CtrPredictor:
    """Load (once per process and file version) the CTR predictor at ``path``.

    ``None`` means the ``STUDIO_CTR_MODEL_PATH`` setting, or the shipped model when that is
    empty. Raises :class:`~studio.scoring.model.ModelFileError` for a missing or foreign file.
    """
    resolved = resolve_model_path(path).resolve()
    if not resolved.is_file():
        CtrModel.load(resolved)  # raises the explanatory ModelFileError
    key = (resolved, resolved.stat().st_mtime)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = CtrPredictor(CtrModel.load(resolved), path=resolved)
        return _CACHE[key]
