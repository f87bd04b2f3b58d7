"""A compact nearest-neighbour index of past headlines and their real results.

Stored inside the model artifact: MiniLM vectors projected onto their first principal
components (128 by default) and quantised to int8, so ~9,000 headlines take ~1 MB. Cosine
similarity in that space ranks neighbours almost as the full 384-d vectors do, and it is also
the *novelty* measure (similarity to the closest past headline) used by the intervals and the
drift check, at training and at scoring time alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_QUANT = 127.0


@dataclass(frozen=True)
class Neighbour:
    """A past headline close to the scored one, with what it really did in its test."""

    text: str
    similarity: float
    ctr: float
    test_ctr: float
    lift: float
    impressions: int
    clicks: int

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "text": self.text,
            "similarity": round(self.similarity, 4),
            "ctr": round(self.ctr, 6),
            "test_ctr": round(self.test_ctr, 6),
            "lift": round(self.lift, 4),
            "impressions": self.impressions,
            "clicks": self.clicks,
        }


@dataclass
class NeighbourIndex:
    """Projected, quantised headline vectors plus each headline's result in its test.

    Attributes
    ----------
    mean, components
        PCA: ``mean`` float32 ``(384,)``, ``components`` float32 ``(k, 384)``.
    vectors
        int8 ``(n, k)``: unit-length projections times 127.
    texts
        ``n`` headlines.
    ctr, test_ctr
        float64 ``(n,)``: the headline's CTR and its test's pooled CTR.
    impressions, clicks
        int64 ``(n,)``.
    """

    mean: np.ndarray
    components: np.ndarray
    vectors: np.ndarray
    texts: list[str]
    ctr: np.ndarray
    test_ctr: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray

    @classmethod
    def build(cls, table: pd.DataFrame, embeddings: np.ndarray, dims: int = 128) -> NeighbourIndex:
        """Index the distinct texts of ``table`` (a test table; ``embeddings`` row-aligned, ``(n, 384)``).

        Packages with the same text in one test are pooled; a text in several tests keeps the
        test where it had the most impressions.
        """
        frame = table.reset_index(drop=True).assign(_row=np.arange(len(table)))
        test_totals = frame.groupby("test_id")[["impressions", "clicks"]].transform("sum")
        frame["test_ctr"] = test_totals["clicks"] / test_totals["impressions"].clip(lower=1)
        pooled = (
            frame.groupby(["test_id", "text"], sort=False)
            .agg(
                impressions=("impressions", "sum"),
                clicks=("clicks", "sum"),
                test_ctr=("test_ctr", "first"),
                row=("_row", "first"),
            )
            .reset_index()
        )
        pooled = pooled[pooled["impressions"] > 0]
        pooled = pooled.sort_values("impressions", ascending=False).drop_duplicates("text")
        vectors = embeddings[pooled["row"].to_numpy()].astype(np.float32)
        mean = vectors.mean(axis=0)
        dims = int(min(dims, vectors.shape[0], vectors.shape[1]))
        _, _, vt = np.linalg.svd(vectors - mean, full_matrices=False)
        components = vt[:dims].astype(np.float32)
        index = cls(
            mean=mean.astype(np.float32),
            components=components,
            vectors=np.zeros((0, dims), np.int8),
            texts=pooled["text"].tolist(),
            ctr=(pooled["clicks"] / pooled["impressions"]).to_numpy(float),
            test_ctr=pooled["test_ctr"].to_numpy(float),
            impressions=pooled["impressions"].to_numpy(np.int64),
            clicks=pooled["clicks"].to_numpy(np.int64),
        )
        index.vectors = np.round(index.project(vectors) * _QUANT).astype(np.int8)
        return index

    def project(self, embeddings: np.ndarray) -> np.ndarray:
        """Unit-length PCA projections of ``embeddings`` ``(m, 384)`` -> float32 ``(m, k)``."""
        projected = (np.asarray(embeddings, np.float32) - self.mean) @ self.components.T
        unit: np.ndarray = projected / np.maximum(
            np.linalg.norm(projected, axis=1, keepdims=True), 1e-12
        )
        return unit

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        """Cosine similarity of each query to each indexed headline: float32 ``(m, n)``."""
        cosine: np.ndarray = self.project(embeddings) @ (self.vectors.astype(np.float32) / _QUANT).T
        return cosine

    def max_similarity(self, embeddings: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """Similarity to the closest indexed headline (the novelty measure): float32 ``(m,)``."""
        out = np.empty(len(embeddings), np.float32)
        for start in range(0, len(embeddings), chunk):
            out[start : start + chunk] = self.similarities(embeddings[start : start + chunk]).max(
                axis=1
            )
        return out

    def nearest(
        self, embedding: np.ndarray, k: int = 3, exclude_text: str | None = None
    ) -> list[Neighbour]:
        """The ``k`` most similar past headlines to one embedding ``(384,)``."""
        sims = self.similarities(embedding[None, :])[0]
        order = np.argsort(-sims)
        found: list[Neighbour] = []
        for i in order:
            if exclude_text is not None and self.texts[i] == exclude_text:
                continue
            lift = self.ctr[i] / self.test_ctr[i] if self.test_ctr[i] > 0 else float("nan")
            found.append(
                Neighbour(
                    text=self.texts[i],
                    similarity=float(sims[i]),
                    ctr=float(self.ctr[i]),
                    test_ctr=float(self.test_ctr[i]),
                    lift=float(lift),
                    impressions=int(self.impressions[i]),
                    clicks=int(self.clicks[i]),
                )
            )
            if len(found) == k:
                break
        return found

    def __len__(self) -> int:
        return len(self.texts)
