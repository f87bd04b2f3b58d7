"""The evaluation's pair logic on a hand-made table: z-test, pairs, pairwise and top-1 accuracy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from studio.scoring.data import TestTableError, temporal_split, validate_test_table
from studio.scoring.evaluate import (
    Z_SIGNIFICANT,
    evaluate_scorer,
    evaluate_scores,
    pairwise_accuracy,
    top1_accuracy,
    two_proportion_z,
    within_test_pairs,
)


def _table() -> pd.DataFrame:
    rows = [
        # test A: three headlines, one repeated with another image
        ("A", 201401, "alpha wins", 1000, 60),  # 0: CTR 6%
        ("A", 201401, "beta loses", 1000, 20),  # 1: CTR 2%
        ("A", 201401, "alpha wins", 1000, 58),  # 2: same text as 0: never paired with 0
        ("A", 201401, "gamma middle", 1000, 40),  # 3: 4%
        # test B: a difference far from significant
        ("B", 201402, "delta", 1000, 30),  # 4
        ("B", 201402, "epsilon", 1000, 31),  # 5
        # test C: a package with no impressions is skipped
        ("C", 201403, "zeta", 0, 0),  # 6
        ("C", 201403, "eta", 500, 5),  # 7
    ]
    return validate_test_table(
        pd.DataFrame(rows, columns=["test_id", "period", "text", "impressions", "clicks"])
    )


def test_two_proportion_z_matches_the_textbook_formula():
    pooled = (60 + 20) / 2000
    expected = (0.06 - 0.02) / math.sqrt(pooled * (1 - pooled) * (1 / 1000 + 1 / 1000))
    z = two_proportion_z(np.array([60]), np.array([1000]), np.array([20]), np.array([1000]))
    assert z[0] == pytest.approx(expected)
    assert two_proportion_z(np.array([20]), np.array([1000]), np.array([60]), np.array([1000]))[
        0
    ] == pytest.approx(-expected)
    assert two_proportion_z(np.array([0]), np.array([10]), np.array([0]), np.array([10]))[0] == 0.0


def test_pairs_only_within_a_test_and_only_between_different_texts():
    pairs = within_test_pairs(_table())
    found = {(int(i), int(j)) for i, j in zip(pairs["i"], pairs["j"], strict=True)}
    assert found == {(0, 1), (0, 3), (1, 2), (1, 3), (2, 3), (4, 5)}
    assert set(pairs["test_id"]) == {"A", "B"}
    z = dict(zip(zip(pairs["i"], pairs["j"], strict=True), pairs["z"], strict=True))
    assert z[(0, 1)] > Z_SIGNIFICANT and z[(1, 3)] < -Z_SIGNIFICANT
    assert abs(z[(4, 5)]) < 1.0


def test_pairwise_accuracy_counts_significant_pairs_and_half_for_ties():
    table = _table()
    pairs = within_test_pairs(table)
    perfect = np.array([6, 2, 5.8, 4, 0, 0, 0, 0], float)
    acc, n = pairwise_accuracy(pairs, perfect, Z_SIGNIFICANT)
    significant = int((np.abs(pairs["z"]) >= Z_SIGNIFICANT).sum())
    assert (acc, n) == (1.0, significant)
    reversed_scores = -perfect
    assert pairwise_accuracy(pairs, reversed_scores, Z_SIGNIFICANT)[0] == 0.0
    flat = np.zeros(len(table))
    assert pairwise_accuracy(pairs, flat, Z_SIGNIFICANT)[0] == 0.5
    acc_none, n_none = pairwise_accuracy(pairs, perfect, 100.0)
    assert math.isnan(acc_none) and n_none == 0


def test_top1_pools_repeated_texts_and_reports_the_random_rate():
    table = _table()
    # test A pooled: alpha 118/2000, beta 20/1000, gamma 40/1000 -> alpha best; B: epsilon best; C: one text with impressions
    scores = np.array([1.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0])
    acc, chance, tests = top1_accuracy(table, scores)
    assert tests == 2
    assert acc == 1.0
    assert chance == pytest.approx((1 / 3 + 1 / 2) / 2)
    wrong = np.array([0.0, 1.0, 0.0, 0.5, 1.0, 0.0, 0.0, 0.0])
    assert top1_accuracy(table, wrong)[0] == 0.0


def test_evaluate_scores_and_scorer_agree():
    table = _table()
    by_text = {
        "alpha wins": 3.0,
        "beta loses": 1.0,
        "gamma middle": 2.0,
        "delta": 0.0,
        "epsilon": 1.0,
        "zeta": 0.0,
        "eta": 0.0,
    }
    direct = evaluate_scores(table, np.array([by_text[t] for t in table["text"]]))
    calls: list[list[str]] = []

    def scorer(texts):
        calls.append(list(texts))
        return np.array([by_text[t] for t in texts])

    assert evaluate_scorer(table, scorer) == direct
    assert len(calls[0]) == len(set(calls[0]))  # each distinct text scored once
    assert direct.pairwise_accuracy == 1.0 and direct.top1_accuracy == 1.0 and direct.packages == 8
    with pytest.raises(ValueError, match="one per row"):
        evaluate_scores(table, np.zeros(3))


def test_temporal_split_keeps_whole_tests_and_orders_them_in_time():
    table = _table()
    early, late = temporal_split(table, test_share=0.3)
    assert set(early["test_id"]) == {"A", "B"} and set(late["test_id"]) == {"C"}
    assert early["period"].max() < late["period"].min()
    single = table[table["test_id"] == "A"]
    with pytest.raises(TestTableError, match="at least two periods"):
        temporal_split(single)
