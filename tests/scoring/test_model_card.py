"""The shipped artifact exists, is small, and its model card states exactly its figures."""

from __future__ import annotations

import re

from studio.scoring.data import UPWORTHY_CITATION
from studio.scoring.model import MODEL_CARD_PATH, SHIPPED_MODEL_PATH, CtrModel, file_sha256
from studio.scoring.model_card import render_model_card


def test_shipped_artifact_is_small_and_loads():
    assert SHIPPED_MODEL_PATH.is_file(), (
        "the shipped model is missing: run studio ctr train (see MODEL_CARD.md)"
    )
    assert SHIPPED_MODEL_PATH.stat().st_size < 5_000_000
    model = CtrModel.load(SHIPPED_MODEL_PATH)
    assert len(model.index) > 5000
    assert model.training["packages"] == 16840 and model.training["tests"] == 3692


def test_model_card_matches_the_artifact():
    model = CtrModel.load(SHIPPED_MODEL_PATH)
    card = MODEL_CARD_PATH.read_text(encoding="utf-8")
    sha = file_sha256(SHIPPED_MODEL_PATH)
    assert sha in card, "MODEL_CARD.md names another artifact: regenerate it with studio ctr train"
    assert card == render_model_card(model, artifact=SHIPPED_MODEL_PATH, sha256=sha)
    test = model.metrics["test"]
    row = re.search(r"\| pairwise accuracy, p<0.05 pairs \| ([0-9.]+) \((\d+) pairs\)", card)
    assert row is not None
    assert float(row.group(1)) == round(test["pairwise_accuracy"], 3)
    assert int(row.group(2)) == test["significant_pairs"]
    assert UPWORTHY_CITATION in card and "osf.io/jd64p" in card


def test_shipped_model_meets_the_target_on_later_weeks():
    metrics = CtrModel.load(SHIPPED_MODEL_PATH).metrics
    split = metrics["split"]
    assert split["train_periods"][1] < split["test_periods"][0]
    assert metrics["test"]["pairwise_accuracy"] >= 0.70
    assert metrics["test"]["top1_accuracy"] > metrics["test"]["top1_random"]
