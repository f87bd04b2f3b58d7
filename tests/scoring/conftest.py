"""A small CTR model trained once per test session on a sample of the shared Upworthy tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studio.scoring.data import load_test_table
from studio.scoring.embeddings import EmbeddingCache
from studio.scoring.model import CtrModel
from studio.scoring.train import Hyperparameters, TemporalEvaluation, train_model


@dataclass
class SmallModel:
    table: pd.DataFrame
    model: CtrModel
    evaluation: TemporalEvaluation
    path: Path
    sha256: str


def sample_tests(table: pd.DataFrame, n_tests: int, seed: int = 7) -> pd.DataFrame:
    ids = table["test_id"].drop_duplicates().to_numpy()
    chosen = set(np.random.default_rng(seed).choice(ids, size=n_tests, replace=False))
    return table[table["test_id"].isin(chosen)].reset_index(drop=True)


@pytest.fixture(scope="session")
def upworthy_table(upworthy_csv: Path) -> pd.DataFrame:
    return load_test_table(upworthy_csv)


@pytest.fixture(scope="session")
def small_model(
    upworthy_table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> SmallModel:
    """Real MiniLM, real training code, 160 tests, one grid point: the user's path at tiny scale."""
    folder = tmp_path_factory.mktemp("ctr")
    table = sample_tests(upworthy_table, 160)
    encoder = EmbeddingCache(cache_dir=folder / "cache")
    model, evaluation = train_model(
        table,
        encoder,
        sources=["sample.csv"],
        grid=[Hyperparameters(30.0, 0.1, 0.0)],
        progress=lambda _: None,
    )
    path = folder / "small.npz"
    sha = model.save(path)
    return SmallModel(table, model, evaluation, path, sha)
