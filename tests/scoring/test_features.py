"""Lexical features: the numbers an explanation names must mean what their labels say."""

from __future__ import annotations

import numpy as np
import pytest

from studio.scoring.features import FEATURE_GROUPS, FEATURE_NAMES, lexical_features


def _row(text: str) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, lexical_features([text])[0], strict=True))


def test_shape_and_order():
    features = lexical_features(["One", "Two words here", "Three"])
    assert features.shape == (3, len(FEATURE_NAMES))
    assert features.dtype == np.float64
    assert lexical_features([]).shape == (0, len(FEATURE_NAMES))
    assert set(FEATURE_GROUPS) == set(FEATURE_NAMES)


def test_counts_flags_and_shares():
    row = _row("Why You Should Never Ignore These 7 AMAZING Signs?")
    assert row["n_words"] == 9
    assert row["n_chars"] == len("Why You Should Never Ignore These 7 AMAZING Signs?")
    assert row["question"] == 1.0 and row["exclamation"] == 0.0
    assert row["has_digit"] == 1.0 and row["starts_with_number"] == 0.0
    assert row["second_person"] == 1.0
    assert row["demonstrative"] == 2.0  # why, these
    assert row["negation"] == 1.0  # never
    assert row["superlative"] == 1.0  # never
    assert row["positive_emotion"] == 1.0  # amazing
    assert row["all_caps_words"] == 1.0
    assert row["title_case_share"] == 1.0


def test_numbers_quotes_and_punctuation():
    row = _row('10 things she said: "we won" ... wow!')
    assert row["starts_with_number"] == 1.0 and row["has_digit"] == 1.0
    assert row["quote"] == 1.0 and row["colon_or_dash"] == 1.0 and row["ellipsis"] == 1.0
    assert row["exclamation"] == 1.0 and row["third_person"] == 1.0 and row["first_person"] == 1.0
    assert row["arousal"] == 1.0  # wow
    assert row["title_case_share"] == 0.0
    assert _row("Three reasons to stay")["number_word"] == 1.0


def test_readability_prefers_short_plain_words():
    plain = _row("The cat sat on the mat and it was fun.")
    dense = _row("Institutional considerations regarding organizational accountability.")
    assert plain["flesch_reading_ease"] > dense["flesch_reading_ease"]
    assert plain["syllables_per_word"] < dense["syllables_per_word"]
    assert plain["mean_word_len"] < dense["mean_word_len"]


def test_a_single_string_is_refused():
    with pytest.raises(TypeError, match="sequence of texts"):
        lexical_features("just one headline")
