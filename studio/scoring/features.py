"""Lexical and structural features of a headline: what a copywriter can see and change.

Each feature is a number computed from the text alone (no model, no network), so the
explanation of a score can say "the question mark pushes it up" in the copywriter's terms.
:data:`FEATURE_NAMES` fixes the order of the columns of :func:`lexical_features`; the
predictor standardises them with the training data's means and spreads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|\d[\d,.]*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_DIGIT = re.compile(r"\d")

SECOND_PERSON = frozenset(
    {
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "you're",
        "you'll",
        "you've",
        "you'd",
        "ya",
        "y'all",
    }
)
FIRST_PERSON = frozenset(
    {"i", "me", "my", "mine", "we", "us", "our", "ours", "i'm", "i've", "we're", "i'll", "we've"}
)
THIRD_PERSON = frozenset(
    {"he", "she", "his", "her", "him", "they", "them", "their", "he's", "she's", "they're"}
)
DEMONSTRATIVE = frozenset(
    {"this", "these", "that", "those", "here", "here's", "what", "why", "how"}
)
NEGATION = frozenset(
    {
        "no",
        "not",
        "never",
        "nothing",
        "nobody",
        "none",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "won't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "couldn't",
        "shouldn't",
        "wouldn't",
    }
)
NUMBER_WORDS = frozenset(
    {
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "hundred",
        "thousand",
        "million",
        "billion",
        "dozen",
        "half",
    }
)
SUPERLATIVE = frozenset(
    {
        "best",
        "worst",
        "most",
        "least",
        "greatest",
        "biggest",
        "ever",
        "never",
        "always",
        "only",
        "perfect",
        "ultimate",
        "every",
        "all",
    }
)
VISUAL = frozenset(
    {
        "watch",
        "see",
        "look",
        "video",
        "photo",
        "photos",
        "pictures",
        "picture",
        "show",
        "shows",
        "seen",
        "watching",
        "footage",
        "chart",
        "map",
    }
)
# Hand-picked emotion words (the common ones in English headlines), kept short on purpose: a
# feature the explanation can name. Grouped by valence; arousal words overlap with both.
POSITIVE_EMOTION = frozenset(
    {
        "love",
        "loved",
        "loves",
        "beautiful",
        "amazing",
        "awesome",
        "happy",
        "joy",
        "hope",
        "hopeful",
        "inspiring",
        "incredible",
        "wonderful",
        "brilliant",
        "adorable",
        "sweet",
        "kind",
        "kindness",
        "heartwarming",
        "smile",
        "laugh",
        "funny",
        "hilarious",
        "proud",
        "brave",
        "win",
        "wins",
        "won",
        "success",
        "free",
        "great",
        "good",
        "gorgeous",
        "delight",
        "delightful",
        "perfect",
        "genius",
        "powerful",
        "best",
        "celebrate",
        "grateful",
        "thank",
        "thanks",
        "fun",
        "cute",
        "lovely",
        "magic",
        "magical",
        "peace",
        "save",
        "saved",
        "hero",
    }
)
NEGATIVE_EMOTION = frozenset(
    {
        "hate",
        "hated",
        "angry",
        "anger",
        "sad",
        "sadly",
        "fear",
        "afraid",
        "scary",
        "terrifying",
        "horrible",
        "terrible",
        "awful",
        "disgusting",
        "shocking",
        "shocked",
        "outrage",
        "outrageous",
        "cruel",
        "pain",
        "painful",
        "cry",
        "crying",
        "tears",
        "death",
        "dead",
        "die",
        "dies",
        "died",
        "kill",
        "killed",
        "killing",
        "war",
        "attack",
        "abuse",
        "worst",
        "fail",
        "failed",
        "lies",
        "lie",
        "wrong",
        "racist",
        "violence",
        "danger",
        "dangerous",
        "crisis",
        "broke",
        "broken",
        "hurt",
        "heartbreaking",
        "devastating",
        "poor",
    }
)
AROUSAL = frozenset(
    {
        "shocking",
        "stunning",
        "unbelievable",
        "incredible",
        "insane",
        "crazy",
        "jaw",
        "mind",
        "blown",
        "wow",
        "epic",
        "explosive",
        "urgent",
        "breaking",
        "finally",
        "secret",
        "revealed",
        "truth",
        "surprising",
        "wait",
        "must",
        "need",
        "exactly",
        "literally",
        "seriously",
        "totally",
        "absolutely",
        "huge",
        "massive",
    }
)


@dataclass(frozen=True)
class FeatureInfo:
    """A feature: its column name, what it means, and the group it is explained in.

    Correlated features (the length counts, the readability measures, the number flags) share
    a ``group``: an explanation sums their effects, so it never says "readability +25 %,
    syllables per word -20 %" for what is one property of the text.
    """

    name: str
    label: str
    group: str = ""

    @property
    def group_label(self) -> str:
        return self.group or self.label


FEATURES: tuple[FeatureInfo, ...] = (
    FeatureInfo("n_words", "number of words", "length"),
    FeatureInfo("n_chars", "length in characters", "length"),
    FeatureInfo("mean_word_len", "average word length", "readability (word and sentence length)"),
    FeatureInfo(
        "syllables_per_word", "syllables per word", "readability (word and sentence length)"
    ),
    FeatureInfo(
        "flesch_reading_ease",
        "readability (Flesch reading ease)",
        "readability (word and sentence length)",
    ),
    FeatureInfo("n_sentences", "number of sentences", "length"),
    FeatureInfo("has_digit", "a number written in digits", "numbers"),
    FeatureInfo("starts_with_number", "starts with a number", "numbers"),
    FeatureInfo("number_word", "a number written in words", "numbers"),
    FeatureInfo("question", "a question"),
    FeatureInfo("exclamation", "an exclamation mark"),
    FeatureInfo("quote", "a quotation"),
    FeatureInfo("colon_or_dash", "a colon or dash"),
    FeatureInfo("ellipsis", "an ellipsis"),
    FeatureInfo("second_person", "speaks to the reader (you/your)"),
    FeatureInfo("first_person", "first person (I/we)"),
    FeatureInfo("third_person", "third person (he/she/they)"),
    FeatureInfo("demonstrative", "curiosity words (this/here's/what/why/how)"),
    FeatureInfo("negation", "negation (no/not/never)"),
    FeatureInfo("superlative", "superlatives (best/worst/ever)"),
    FeatureInfo("visual", "visual promise (watch/see/photos)"),
    FeatureInfo("positive_emotion", "positive emotion words"),
    FeatureInfo("negative_emotion", "negative emotion words"),
    FeatureInfo("arousal", "high-arousal words (shocking/wow)"),
    FeatureInfo("all_caps_words", "words in ALL CAPS"),
    FeatureInfo("title_case_share", "share of capitalised words"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_LABELS: dict[str, str] = {f.name: f.label for f in FEATURES}
FEATURE_GROUPS: dict[str, str] = {f.name: f.group_label for f in FEATURES}


def _syllables(word: str) -> int:
    """A vowel-group estimate of English syllables (good enough for a readability score)."""
    word = word.lower().strip("'’")
    if not word or word[0].isdigit():
        return 1
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def _row(text: str) -> list[float]:
    text = text.strip()
    tokens = _WORD.findall(text)
    words = [t.lower().replace("’", "'") for t in tokens]
    n_words = len(words)
    alpha = [t for t in tokens if t[0].isalpha()]
    word_count = max(n_words, 1)
    n_sentences = max(len(_SENTENCE_END.findall(text)), 1)
    syllables = sum(_syllables(w) for w in words)
    syl_per_word = syllables / word_count
    flesch = 206.835 - 1.015 * (word_count / n_sentences) - 84.6 * syl_per_word
    wordset = words

    def count(vocabulary: frozenset[str]) -> float:
        return float(sum(w in vocabulary for w in wordset))

    return [
        float(n_words),
        float(len(text)),
        (sum(len(w) for w in words) / word_count) if n_words else 0.0,
        syl_per_word if n_words else 0.0,
        flesch if n_words else 0.0,
        float(n_sentences),
        float(bool(_DIGIT.search(text))),
        float(bool(words) and (words[0][0].isdigit() or words[0] in NUMBER_WORDS)),
        float(any(w in NUMBER_WORDS for w in words)),
        float("?" in text),
        float("!" in text),
        float(any(q in text for q in ('"', "“", "”", "‘")) or bool(re.search(r"(^|\s)'\w", text))),
        float(any(c in text for c in (":", " - ", "—", "–"))),
        float("..." in text or "…" in text),
        count(SECOND_PERSON),
        count(FIRST_PERSON),
        count(THIRD_PERSON),
        count(DEMONSTRATIVE),
        count(NEGATION),
        count(SUPERLATIVE),
        count(VISUAL),
        count(POSITIVE_EMOTION),
        count(NEGATIVE_EMOTION),
        count(AROUSAL),
        float(sum(len(t) > 1 and t.isupper() for t in alpha)),
        (sum(t[0].isupper() for t in alpha) / len(alpha)) if alpha else 0.0,
    ]


def lexical_features(texts: Sequence[str]) -> np.ndarray:
    """Lexical and structural features of each text.

    Parameters
    ----------
    texts
        ``n`` headlines (any language works, the word lists are English).

    Returns
    -------
    numpy.ndarray
        float64 ``(n, len(FEATURE_NAMES))``, columns in :data:`FEATURE_NAMES` order; counts are
        raw counts, shares are in [0, 1], flags are 0/1.
    """
    if isinstance(texts, str):
        raise TypeError("lexical_features() takes a sequence of texts, not one string")
    if len(texts) == 0:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float64)
    return np.asarray([_row(t) for t in texts], dtype=np.float64)
