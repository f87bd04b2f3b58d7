"""The CTR model artifact: a linear headline scorer, its CTR calibration, neighbours, drift refs.

One ``.npz`` file (numpy arrays plus a JSON header; no pickle, so loading a model file someone
sent you cannot run code). Shipped at ``studio/scoring/artifacts/ctr_model.npz``; written by
``studio ctr train``.

Scale of the numbers
--------------------
``relative score``  ``s = E·w_emb + ((L - mean) / std)·w_lex``: a dimensionless ranking score,
    higher = better; only differences within one test mean anything.
``logit lift``      ``slope * (s - score_ref)``: the predicted change in log-odds of clicking
    versus a typical training headline (``score_ref`` is the mean training score). ``slope`` is
    fitted out of sample on held-out tests: regressing within-test log-odds deviations on
    within-test score deviations.
``predicted CTR``   ``sigmoid(logit(base_ctr) + logit lift)``: the CTR the text would get in a
    test where a typical headline gets ``base_ctr`` (the median test CTR of the training data,
    unless the caller gives another base for their channel).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.core.errors import UserFacingError
from studio.scoring.features import FEATURE_NAMES
from studio.scoring.neighbours import NeighbourIndex

FORMAT_VERSION = 1
ARTIFACT_DIR = Path(__file__).parent / "artifacts"
SHIPPED_MODEL_PATH = ARTIFACT_DIR / "ctr_model.npz"
MODEL_CARD_PATH = ARTIFACT_DIR / "MODEL_CARD.md"


class ModelFileError(UserFacingError):
    """A model file is missing, not a CTR model, or from an incompatible version."""


@dataclass
class Calibration:
    """Maps relative scores to the CTR scale and says how far to trust them.

    ``sigma_edges`` (``(b-1,)``) cut the novelty (similarity to the nearest training
    headline) into ``b`` bins; ``sigma`` (``(b,)``) is the spread, in log-odds, of true
    within-test deviations around the prediction in each bin (binomial noise removed).
    """

    slope: float
    score_ref: float
    base_ctr: float
    sigma_edges: np.ndarray
    sigma: np.ndarray
    interval_level: float = 0.8

    def sigma_for(self, novelty: np.ndarray) -> np.ndarray:
        return self.sigma[np.searchsorted(self.sigma_edges, novelty, side="right")]


@dataclass
class CtrModel:
    """Everything :class:`studio.scoring.predict.CtrPredictor` needs, as arrays and a header."""

    encoder: str
    lexical_mean: np.ndarray  # (n_features,)
    lexical_std: np.ndarray  # (n_features,)
    coef_embedding: np.ndarray  # (384,)
    coef_lexical: np.ndarray  # (n_features,)
    calibration: Calibration
    index: NeighbourIndex
    drift_lexical: np.ndarray  # (m, n_features) sample of training features
    drift_novelty: np.ndarray  # (101,) quantiles of held-out training headlines' novelty
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    feature_names: tuple[str, ...] = FEATURE_NAMES

    def relative_scores(self, embeddings: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Relative scores ``(n,)`` from embeddings ``(n, 384)`` and lexical features ``(n, f)``."""
        scores: np.ndarray = (
            embeddings @ self.coef_embedding + self.standardise(lexical) @ self.coef_lexical
        )
        return scores

    def standardise(self, lexical: np.ndarray) -> np.ndarray:
        standardised: np.ndarray = (lexical - self.lexical_mean) / self.lexical_std
        return standardised

    def logit_lift(self, relative: np.ndarray) -> np.ndarray:
        return self.calibration.slope * (np.asarray(relative, float) - self.calibration.score_ref)

    def ctr(self, relative: np.ndarray, base_ctr: float | None = None) -> np.ndarray:
        base = self.calibration.base_ctr if base_ctr is None else base_ctr
        return _sigmoid(_logit(base) + self.logit_lift(relative))

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path) -> str:
        """Write the artifact to ``path`` (``.npz``); return its SHA-256."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "format_version": FORMAT_VERSION,
            "encoder": self.encoder,
            "feature_names": list(self.feature_names),
            "calibration": {
                "slope": self.calibration.slope,
                "score_ref": self.calibration.score_ref,
                "base_ctr": self.calibration.base_ctr,
                "interval_level": self.calibration.interval_level,
            },
            "metrics": self.metrics,
            "training": self.training,
            "hyperparameters": self.hyperparameters,
        }
        texts = "\n".join(t.replace("\n", " ") for t in self.index.texts).encode("utf-8")
        # Any: savez_compressed's **kwds type also has to admit its allow_pickle flag.
        arrays: dict[str, Any] = {
            "header": np.frombuffer(json.dumps(header, sort_keys=True).encode("utf-8"), np.uint8),
            "lexical_mean": self.lexical_mean.astype(np.float64),
            "lexical_std": self.lexical_std.astype(np.float64),
            "coef_embedding": self.coef_embedding.astype(np.float64),
            "coef_lexical": self.coef_lexical.astype(np.float64),
            "sigma_edges": self.calibration.sigma_edges.astype(np.float64),
            "sigma": self.calibration.sigma.astype(np.float64),
            "index_mean": self.index.mean.astype(np.float32),
            "index_components": self.index.components.astype(np.float16),
            "index_vectors": self.index.vectors.astype(np.int8),
            "index_texts": np.frombuffer(texts, np.uint8),
            "index_ctr": self.index.ctr.astype(np.float32),
            "index_test_ctr": self.index.test_ctr.astype(np.float32),
            "index_impressions": self.index.impressions.astype(np.int32),
            "index_clicks": self.index.clicks.astype(np.int32),
            "drift_lexical": self.drift_lexical.astype(np.float32),
            "drift_novelty": self.drift_novelty.astype(np.float32),
        }
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)
        return file_sha256(path)

    @classmethod
    def load(cls, path: Path) -> CtrModel:
        """Read an artifact written by :meth:`save`.

        Raises
        ------
        ModelFileError
            The file is missing, not an ``.npz`` CTR model, or of another format version.
        """
        path = Path(path)
        if not path.is_file():
            raise ModelFileError(
                f"CTR model {path}: no such file (train one with: studio ctr train)"
            )
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as error:
            raise ModelFileError(f"CTR model {path}: not a CTR model file ({error})") from error
        if "header" not in arrays:
            raise ModelFileError(f"CTR model {path}: no header; not written by studio ctr train")
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
        version = header.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelFileError(
                f"CTR model {path}: format version {version}; this studio reads version {FORMAT_VERSION}. "
                "Retrain it with: studio ctr train"
            )
        if tuple(header["feature_names"]) != FEATURE_NAMES:
            raise ModelFileError(
                f"CTR model {path}: trained with features {header['feature_names']}, this studio computes "
                f"{list(FEATURE_NAMES)}. Retrain it with: studio ctr train"
            )
        texts_blob = arrays["index_texts"].tobytes().decode("utf-8")
        calibration = header["calibration"]
        return cls(
            encoder=header["encoder"],
            lexical_mean=arrays["lexical_mean"],
            lexical_std=arrays["lexical_std"],
            coef_embedding=arrays["coef_embedding"],
            coef_lexical=arrays["coef_lexical"],
            calibration=Calibration(
                slope=float(calibration["slope"]),
                score_ref=float(calibration["score_ref"]),
                base_ctr=float(calibration["base_ctr"]),
                sigma_edges=arrays["sigma_edges"],
                sigma=arrays["sigma"],
                interval_level=float(calibration["interval_level"]),
            ),
            index=NeighbourIndex(
                mean=arrays["index_mean"].astype(np.float32),
                components=arrays["index_components"].astype(np.float32),
                vectors=arrays["index_vectors"],
                texts=texts_blob.split("\n") if texts_blob else [],
                ctr=arrays["index_ctr"].astype(float),
                test_ctr=arrays["index_test_ctr"].astype(float),
                impressions=arrays["index_impressions"].astype(np.int64),
                clicks=arrays["index_clicks"].astype(np.int64),
            ),
            drift_lexical=arrays["drift_lexical"].astype(float),
            drift_novelty=arrays["drift_novelty"].astype(float),
            metrics=header["metrics"],
            training=header["training"],
            hyperparameters=header["hyperparameters"],
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _logit(p: float | np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    probability: np.ndarray = 1.0 / (1.0 + np.exp(-np.asarray(x, float)))
    return probability
