"""Training on a small sample, the artifact round trip, predictions, intervals and drift."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.scoring.embeddings import ENCODER_NAME, EmbeddingCache
from studio.scoring.evaluate import evaluate_scores
from studio.scoring.model import CtrModel, ModelFileError
from studio.scoring.predict import CtrPredictor, load_predictor
from studio.scoring.train import (
    Hyperparameters,
    TrainingDataError,
    featurize,
    fit_ranker,
    forward_folds,
    select_hyperparameters,
    temporal_evaluation,
)


def test_training_records_an_honest_temporal_evaluation(small_model):
    ev = small_model.evaluation
    assert ev.train_periods[1] < ev.test_periods[0], (
        "the test weeks must come after the training weeks"
    )
    assert ev.test.significant_pairs > 0 and 0.0 <= ev.test.pairwise_accuracy <= 1.0
    metrics = small_model.model.metrics
    assert metrics["test"]["significant_pairs"] == ev.test.significant_pairs
    assert metrics["selected"] == {"ridge_alpha": 30.0, "pair_c": 0.1, "pair_min_z": 0.0}
    assert small_model.model.training["packages"] == len(small_model.table)


def test_the_ranker_fits_its_training_pairs(small_model):
    # In-sample the linear ranker must order most decisive pairs: a sign error or a broken
    # pair construction would put this near or below 0.5.
    table = small_model.table
    features = featurize(table, EmbeddingCache(cache_dir=None))
    ranker = fit_ranker(table, features, Hyperparameters())
    assert evaluate_scores(table, ranker.score(features)).pairwise_accuracy > 0.7


def test_artifact_round_trip_gives_the_same_scores(small_model):
    loaded = CtrModel.load(small_model.path)
    texts = small_model.table["text"].head(20).tolist()
    predictor = CtrPredictor(loaded, path=small_model.path)
    features = featurize(small_model.table.head(20), EmbeddingCache(cache_dir=None))
    direct = small_model.model.relative_scores(features.embeddings, features.lexical)
    np.testing.assert_allclose(predictor.relative_scores(texts), direct, rtol=1e-4, atol=1e-4)
    assert loaded.index.texts == small_model.model.index.texts
    assert predictor.sha256 == small_model.sha256


def test_predictions_have_intervals_reasons_and_neighbours(small_model):
    predictor = load_predictor(small_model.path)
    texts = [
        "This Mom Had No Idea What Her Son Was Doing. Then She Saw The Video.",
        "Quarterly municipal bond yields",
    ]
    predictions = predictor.predict(texts)
    ctr = predictor.scores(texts)
    assert len(predictions) == 2
    for p, c in zip(predictions, ctr, strict=True):
        assert 0 < p.ctr_low < p.predicted_ctr < p.ctr_high < 1
        assert p.predicted_ctr == pytest.approx(c)
        assert len(p.neighbours) == 3 and p.neighbours[0].similarity >= p.neighbours[-1].similarity
        assert p.drivers and abs(p.drivers[0].effect) >= abs(p.drivers[-1].effect)
        json.dumps(p.explanation())
        assert "%" in p.summary()
    # A past headline is its own nearest neighbour, with its real result.
    past = small_model.model.index.texts[0]
    nearest = predictor.predict([past])[0].neighbours[0]
    assert nearest.text == past and nearest.similarity > 0.99
    lift, sigma = predictor.lifts(texts)
    assert lift.shape == sigma.shape == (2,) and np.all(sigma > 0)
    # A higher base CTR moves every prediction up, keeping the order.
    higher = predictor.scores(texts, base_ctr=0.05)
    assert np.all(higher > ctr) and np.argsort(higher).tolist() == np.argsort(ctr).tolist()


def test_drift_warns_on_copy_unlike_the_training_headlines(small_model):
    predictor = load_predictor(small_model.path)
    familiar = small_model.table["text"].drop_duplicates().head(40).tolist()
    assert not predictor.drift(familiar).out_of_depth
    foreign = [
        f"def function_{i}(x): return x ** {i} + sum(range({i}))  # numpy broadcasting"
        for i in range(40)
    ]
    report = predictor.drift(foreign)
    assert report.out_of_depth and report.novel_share > 0.5
    assert any("less similar" in w for w in report.warnings)


def test_bad_inputs_are_refused(small_model, tmp_path):
    predictor = load_predictor(small_model.path)
    with pytest.raises(ValueError, match="text #1 is empty"):
        predictor.scores(["fine", "   "])
    with pytest.raises(TypeError, match="list of texts"):
        predictor.scores("one string")
    with pytest.raises(ValueError, match="base_ctr"):
        predictor.predict(["fine"], base_ctr=1.5)
    with pytest.raises(ModelFileError, match="no such file"):
        load_predictor(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a CTR model"):
        load_predictor(junk)
    assert small_model.model.encoder == ENCODER_NAME


def test_too_little_data_is_explained(small_model):
    one_period = small_model.table[
        small_model.table["period"] == small_model.table["period"].iloc[0]
    ]
    features = featurize(one_period, EmbeddingCache(cache_dir=None))
    with pytest.raises(TrainingDataError, match="at least two periods"):
        temporal_evaluation(one_period, features)
    with pytest.raises(TrainingDataError, match="two periods"):
        forward_folds(one_period)
    with pytest.raises(ValueError, match="empty"):
        select_hyperparameters(
            small_model.table, featurize(small_model.table, EmbeddingCache(cache_dir=None)), []
        )
