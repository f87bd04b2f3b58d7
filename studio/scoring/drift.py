"""Is the model out of its depth? New texts compared with what it was trained on.

Two checks, both against references stored in the artifact:

* *novelty*: each text's similarity to its closest training headline (MiniLM space). The
  artifact keeps the distribution of that similarity for held-out training headlines; a text
  below its 5th percentile is *novel*. Far more than 5 % novel texts means the copy is about
  things (or written in ways) the model has not seen.
* *feature shift*: a two-sample Kolmogorov-Smirnov test per lexical feature (length,
  questions, second person...) against a sample of training rows; a shift counts when it is
  both significant and large (KS statistic above ``min_effect``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from studio.scoring.features import FEATURE_LABELS, FEATURE_NAMES
from studio.scoring.model import CtrModel

NOVEL_PERCENTILE = 5


@dataclass(frozen=True)
class FeatureShift:
    feature: str
    label: str
    ks_statistic: float
    p_value: float
    new_mean: float
    training_mean: float


@dataclass(frozen=True)
class DriftReport:
    """The verdict for a batch of texts; ``warnings`` are sentences for people."""

    texts: int
    novel_share: float
    expected_novel_share: float
    novelty_threshold: float
    shifted_features: list[FeatureShift] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def out_of_depth(self) -> bool:
        return bool(self.warnings)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["out_of_depth"] = self.out_of_depth
        return data


def check_drift(
    model: CtrModel,
    embeddings: np.ndarray,
    lexical: np.ndarray,
    *,
    novel_share_limit: float = 0.25,
    alpha: float = 0.01,
    min_effect: float = 0.3,
    min_texts_for_ks: int = 20,
) -> DriftReport:
    """Compare new texts (``embeddings`` ``(n, 384)``, ``lexical`` ``(n, f)``) with the training data."""
    from scipy import stats

    n = len(embeddings)
    if n == 0:
        return DriftReport(
            0, 0.0, NOVEL_PERCENTILE / 100, float(model.drift_novelty[NOVEL_PERCENTILE])
        )
    threshold = float(model.drift_novelty[NOVEL_PERCENTILE])
    novelty = model.index.max_similarity(embeddings)
    novel_share = float(np.mean(novelty < threshold))
    warnings: list[str] = []
    if novel_share > novel_share_limit:
        warnings.append(
            f"{novel_share:.0%} of the {n} texts are less similar to any training headline than 95% of "
            f"held-out training headlines were (expected about {NOVEL_PERCENTILE}%): the model has seen little "
            "copy like this, so treat its scores as rough"
        )
    shifts: list[FeatureShift] = []
    if n >= min_texts_for_ks:
        for k, name in enumerate(FEATURE_NAMES):
            reference, new = model.drift_lexical[:, k], lexical[:, k]
            if np.ptp(reference) == 0 and np.ptp(new) == 0 and reference[0] == new[0]:
                continue
            result = stats.ks_2samp(new, reference)
            if result.pvalue < alpha and result.statistic > min_effect:
                shifts.append(
                    FeatureShift(
                        name,
                        FEATURE_LABELS[name],
                        float(result.statistic),
                        float(result.pvalue),
                        float(new.mean()),
                        float(reference.mean()),
                    )
                )
        if shifts:
            described = ", ".join(
                f"{s.label} (mean {s.new_mean:.2f} vs {s.training_mean:.2f} in training)"
                for s in shifts[:4]
            )
            warnings.append(f"these texts differ from the training headlines in: {described}")
    return DriftReport(n, novel_share, NOVEL_PERCENTILE / 100, threshold, shifts, warnings)
