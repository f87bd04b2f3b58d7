"""The copy rubric: would a marketer run this ad? Checks per variant and per set.

Compliance (:mod:`studio.copy.compliance`) says whether copy *may* run; the rubric says whether
it reads like an ad someone wrote. Every finding names the check, the field and the text.

Per variant (:func:`score_variant`)
    ``button_headline``
        A headline that is a button label ("Shop now", "Learn more", one of the brand's calls to
        action or a platform CTA button). In single-headline ads (Meta, LinkedIn) any is a
        finding; among Google's up to 15 headlines at most :data:`MAX_GOOGLE_BUTTON_HEADLINES`.
    ``repeated_text``
        The same sentence twice in the variant, or one field's text (of three words or more)
        inside another's, compared after folding (:func:`studio.core.text.fold`, case,
        punctuation and spacing ignored). Disclaimers are meant to repeat and are exempt.
    ``cut_off``
        A text whose last sentence ends on a preposition, article, conjunction or possessive
        ("... with your") or on a comma, colon or dash; or a text that is the brand's or the
        persona's own phrase, or a part of one, cut inside a clause that follows punctuation
        ("Send invoices that get paid faster, with card" out of "..., with card and bank
        payments built in"; "Invoices that get paid faster, with card" too). A
        simple phrase shortened before a modifier ("Roasted within 48 hours" of shipping) and a
        cut at the punctuation itself read whole.
    ``slug_path``
        A Google display path made of a persona's slug or name ("gift-buyers", or its first
        words): paths should name the product or the offer.
    Brand "Do" rules
        Which of the guideline's ``voice.do`` rules the variant applies, each by the heuristic
        :func:`do_rule_checks` documents. Not a finding: a rate (``do_coverage``) over a set.
    Length use
        Per text field, the characters used over the characters shown (``shown_length``, else
        ``max_length``); lists use their mean. Reported, not judged.

Per set (:func:`score_set`)
    ``distinct_openings``
        The share of variants whose opening (first two words of the main text) no other variant
        of the set uses; each shared opening is a finding naming the variants.
    ``claims_fidelity``
        The brief's offer states a number, percentage or superlative that no approved claim
        backs (:func:`studio.copy.claims.review_offer`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.brand.guidelines import Brand, Guideline
from studio.copy.channels import CHANNELS, ChannelSpec, field_texts, get_channel
from studio.copy.claims import review_offer
from studio.copy.compliance import ComplianceChecker, find_claims
from studio.core.text import fold

#: Google shows up to three of the 15 headlines together; more button labels than this crowd out
#: the headlines that say something.
MAX_GOOGLE_BUTTON_HEADLINES = 2

#: Button labels as ad platforms and advertisers write them, besides each platform's CTA buttons.
COMMON_BUTTON_LABELS = frozenset(
    [
        "learn more",
        "shop now",
        "buy now",
        "order now",
        "sign up",
        "sign up now",
        "sign up today",
        "subscribe",
        "subscribe now",
        "get started",
        "get started today",
        "start now",
        "start today",
        "try it free",
        "try now",
        "download",
        "download now",
        "book now",
        "book a demo",
        "request a demo",
        "apply now",
        "contact us",
        "get offer",
        "get quote",
        "get a quote",
        "click here",
        "find out more",
        "see more",
        "discover more",
        "join now",
        "register",
        "register now",
    ]
)

#: Words a phrase cannot end on: it would read as cut off ("... shipped fresh to your").
DANGLING_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "yet",
        "that",
        "which",
        "who",
        "because",
        "while",
        "if",
        "when",
        "than",
        "as",
        "to",
        "of",
        "for",
        "with",
        "without",
        "at",
        "from",
        "into",
        "onto",
        "under",
        "via",
        "per",
        "your",
        "our",
        "my",
        "their",
        "its",
        "his",
        "her",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "be",
        "not",
        "no",
    ]
)
# "in", "on", "by", "over" and the like are left out: they end phrasal verbs ("built in").
assert not DANGLING_WORDS & {"in", "on", "up", "out", "off", "over", "by", "about", "before"}, (
    "particles that end phrasal verbs are not dangling"
)

#: Folded words that carry no content for the "Do" heuristics.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "for",
        "with",
        "in",
        "on",
        "by",
        "your",
        "you",
        "our",
        "get",
        "it",
        "is",
        "are",
        "be",
        "as",
        "at",
        "from",
    ]
)

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TOKEN = re.compile(r"[a-z0-9%]+")
_QUOTED = re.compile(r"[\"“”'‘’]([^\"“”'‘’]{1,30})[\"“”'‘’]")
_PARENS = re.compile(r"\(([^)]*)\)")
_YOU = re.compile(r"\b(?:you|your|yours|yourself|you're|you’re|you'll|you’ll)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Folded, lower-case words joined by single spaces (punctuation dropped) for comparing."""
    return " ".join(_TOKEN.findall(fold(text).casefold()))


def sentences(text: str) -> list[str]:
    """``text`` split after ``.``, ``!`` or ``?`` (empty pieces dropped)."""
    return [s for s in _SENTENCE.split(" ".join(text.split())) if s]


def _stem(word: str) -> str:
    """A crude English stem: one suffix off (ing, ed, es, s, e), then the first five letters."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in normalise(text).replace("-", " ").split() if w not in _STOPWORDS}


@dataclass(frozen=True)
class Finding:
    """One thing a marketer would fix.

    Attributes
    ----------
    check
        The rubric check, e.g. ``"button_headline"`` (see the module docstring).
    field
        Where: a field (``"headlines[3]"``), ``"(variant)"``, ``"(set)"`` or ``"offer"``.
    text
        The text found there.
    message
        What is wrong, in a sentence.
    """

    check: str
    field: str
    text: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} {self.text!r}: {self.message} [{self.check}]"


# --------------------------------------------------------------------------------------------
# Brand "Do" rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantText:
    """A variant's copy as the "Do" heuristics read it."""

    texts: tuple[str, ...]  # every free text, in field order
    opening: tuple[str, ...]  # the headline(s) and first sentence of the main text


@dataclass(frozen=True)
class DoRuleCheck:
    """How the rubric tells whether a variant applies one "Do" rule.

    Attributes
    ----------
    rule
        The rule as the guideline writes it.
    heuristic
        The heuristic in words (shown in the benchmark and the UI).
    applies
        The test itself; ``None`` when no heuristic fits the rule (it is then not counted).
    kind
        ``"content"`` (the variant says something the rule asks for: counted in
        ``do_coverage``) or ``"form"`` (a style rule most short copy meets, such as one idea per
        line: its rate is reported but it does not count toward coverage).
    """

    rule: str
    heuristic: str
    applies: Callable[[VariantText], bool] | None
    kind: str = "content"


def _items(rule: str) -> list[str]:
    """The alternatives a rule lists: in parentheses, else after its verb ("the A, the B or the C")."""
    parens = _PARENS.search(rule)
    body = parens.group(1) if parens else rule.split(" ", 1)[1] if " " in rule else rule
    return [p for p in re.split(r",\s*|\s+or\s+|\s+and\s+", body) if _stems(p)]


def do_rule_checks(guideline: Guideline) -> list[DoRuleCheck]:
    """One :class:`DoRuleCheck` per ``guideline.voice.do`` rule, chosen by the rule's wording.

    In order of precedence:

    * mentions **approved claims** ("Quantify time saved only with approved claims"): the variant
      states a number or percentage that an approved claim backs;
    * **quotes a word** ('Speak to the reader as "you"'): the variant uses that word (for "you":
      you, your, yours, you're, you'll);
    * **one idea per line/sentence**: every sentence of the variant has at most 14 words and no
      semicolon;
    * starts with **Lead / Open / Start with** and lists examples ("(get paid, close the
      month, file taxes)"): a headline or the first sentence of the main text holds every
      content word of one example (crude stems: "closing" matches "close");
    * starts with **Name / Mention / Cite / Show / Include** and lists items ("the origin, the
      roast date or the tasting notes"): some text holds every content word of one item;
    * anything else has no heuristic and is not counted.

    Only ``"content"`` rules count toward a variant applying the brand's "Do" rules; the
    one-idea rule is ``"form"`` (short ad copy meets it without trying).
    """
    checker = ComplianceChecker(guideline)
    backed = checker.backed_keys
    checks: list[DoRuleCheck] = []
    for rule in guideline.voice.do:
        lowered = rule.casefold()
        quoted = _QUOTED.findall(rule)
        first = lowered.split(" ", 1)[0]
        if "approved claim" in lowered:

            def by_claims(v: VariantText) -> bool:
                return any(c.key in backed for t in v.texts for c in find_claims(fold(t)))

            checks.append(DoRuleCheck(rule, "states a number an approved claim backs", by_claims))
        elif quoted:
            words = [q.strip().casefold() for q in quoted]

            def by_word(v: VariantText, words: list[str] = words) -> bool:
                joined = " ".join(v.texts)
                return any(
                    _YOU.search(joined)
                    if w == "you"
                    else re.search(rf"\b{re.escape(w)}\b", joined, re.IGNORECASE)
                    for w in words
                )

            checks.append(
                DoRuleCheck(rule, f"uses the word {' or '.join(map(repr, words))}", by_word)
            )
        elif re.search(r"one (idea|thought|point) per (line|sentence)", lowered):

            def by_idea(v: VariantText) -> bool:
                return all(
                    len(s.split()) <= 14 and ";" not in s for t in v.texts for s in sentences(t)
                )

            checks.append(
                DoRuleCheck(rule, "every sentence has at most 14 words, no ';'", by_idea, "form")
            )
        elif first in ("lead", "open", "start", "begin") and _items(rule):
            stems = [_stems(i) for i in _items(rule)]

            def by_lead(v: VariantText, stems: list[set[str]] = stems) -> bool:
                return any(s <= _stems(o) for o in v.opening for s in stems)

            checks.append(
                DoRuleCheck(rule, f"the opening names one of: {'; '.join(_items(rule))}", by_lead)
            )
        elif first in ("name", "mention", "cite", "show", "include", "say") and _items(rule):
            stems = [_stems(i) for i in _items(rule)]

            def by_items(v: VariantText, stems: list[set[str]] = stems) -> bool:
                found = set().union(*(_stems(t) for t in v.texts)) if v.texts else set()
                return any(s <= found for s in stems)

            checks.append(DoRuleCheck(rule, f"names one of: {'; '.join(_items(rule))}", by_items))
        else:
            checks.append(DoRuleCheck(rule, "no heuristic: not counted", None))
    return checks


# --------------------------------------------------------------------------------------------
# Per variant
# --------------------------------------------------------------------------------------------


def button_labels(guideline: Guideline) -> frozenset[str]:
    """Normalised button labels: common ones, every platform CTA button, the brand's CTAs."""
    labels = set(COMMON_BUTTON_LABELS)
    for spec in CHANNELS.values():
        for fspec in spec.fields:
            labels.update(normalise(c.replace("_", " ")) for c in fspec.choices or ())
    labels.update(normalise(c) for c in guideline.calls_to_action)
    return frozenset(labels)


def is_button_label(text: str, labels: frozenset[str]) -> bool:
    """``text`` is a button label, alone or with "now"/"today" after it."""
    words = normalise(text)
    for tail in (" now", " today"):
        if words.endswith(tail) and words[: -len(tail)] in labels:
            return True
    return words in labels


def _first_main_text(spec: ChannelSpec, fields: Mapping[str, Any]) -> str:
    """The main text (the disclaimer field; its first item for a list), or ""."""
    main = fields.get(spec.disclaimer_field)
    first = main[0] if isinstance(main, list) and main else main
    return first if isinstance(first, str) else ""


def opening(channel: str | ChannelSpec, fields: Mapping[str, Any]) -> str:
    """A variant's opening: the first two words of its main text, normalised."""
    return " ".join(normalise(_first_main_text(get_channel(channel), fields)).split()[:2])


def variant_view(channel: str | ChannelSpec, fields: Mapping[str, Any]) -> VariantText:
    """The variant as the "Do" heuristics read it: its copy (display paths left out) and its
    opening texts (up to three headlines and the first sentence of the main text)."""
    spec = get_channel(channel)
    texts = [(w, t) for w, t in field_texts(spec, fields) if w not in ("path1", "path2")]
    heads = [t for w, t in texts if w.split("[")[0] in _headline_fields(spec)][:3]
    first = _first_main_text(spec, fields)
    if first:
        heads.append(sentences(first)[0] if sentences(first) else first)
    return VariantText(texts=tuple(t for _, t in texts), opening=tuple(heads))


def _headline_fields(spec: ChannelSpec) -> list[str]:
    return [f.name for f in spec.text_fields if f.name in ("headline", "headlines")]


def source_phrases(brand: Brand) -> list[str]:
    """The brand's and its personas' own phrases, which copy may quote or cut at punctuation."""
    g = brand.guideline
    phrases = [*g.value_propositions, *(c.text for c in g.approved_claims), *g.calls_to_action]
    for persona in brand.personas.values():
        phrases += [*persona.pains, *persona.motivations]
    return phrases


def _cut_mid_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The source phrase ``text`` was cut from mid-phrase, if any (see ``cut_off``)."""
    words = normalise(text)
    if len(words.split()) < 2:
        return None
    part = words.split()
    for phrase in phrases:
        whole = normalise(phrase).split()
        # Where ``text`` starts inside the phrase, with more of the phrase after it: its start
        # or its middle ("Invoices that get paid faster, with card" out of "Send invoices ...").
        starts = [i for i in range(len(whole) - len(part)) if whole[i : i + len(part)] == part]
        if not starts:
            continue
        if not re.search(r"[,;:–—]|\s-\s", text):
            continue  # a simple phrase shortened ("Roasted within 48 hours" of shipping) reads whole
        # Where does the cut fall in the original? Right after punctuation is a boundary.
        flat = " ".join(fold(phrase).split())
        count = starts[0] + len(part)
        consumed = 0
        for match in re.finditer(r"\S+", flat):
            consumed += len(_TOKEN.findall(match.group(0).casefold()))
            if consumed >= count:
                if not re.search(r"[,;:.!?–—)]$", match.group(0)):
                    return phrase
                break
    return None


def cut_off_reason(text: str, phrases: Sequence[str] = ()) -> str | None:
    """Why ``text`` reads as cut off, or ``None`` (see the ``cut_off`` check)."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped[-1] in ",:;-–—":
        return f"ends on {stripped[-1]!r}"
    last = sentences(stripped)[-1]
    words = normalise(last).split()
    if len(words) >= 2 and words[-1] in DANGLING_WORDS:
        return f"ends on {words[-1]!r}"
    for sentence in sentences(stripped):
        source = _cut_mid_phrase(sentence, phrases)
        if source is not None:
            return f"is {source!r} cut mid-phrase"
    return None


def slug_path_persona(path: str, brand: Brand) -> str | None:
    """The persona slug whose words ``path`` repeats (whole or from its first word), if any."""
    words = normalise(path.replace("-", " ").replace("_", " ")).split()
    if not words:
        return None
    for slug, persona in brand.personas.items():
        for name in (slug, persona.name):
            persona_words = normalise(name.replace("-", " ")).split()
            if persona_words[: len(words)] == words:
                return slug
    return None


@dataclass(frozen=True)
class VariantRubric:
    """The rubric for one variant.

    Attributes
    ----------
    findings
        What to fix (empty for a clean variant).
    do_applied
        The "Do" rules (as written) the variant applies, content and form rules alike.
    do_content
        Those of ``do_applied`` whose kind is ``"content"``.
    do_checked
        How many of the brand's "Do" rules have a content heuristic.
    length_use
        Field name -> characters used over characters shown (0-1, lists: mean).
    opening
        The variant's opening: first two words of its main text, normalised.
    """

    channel: str
    findings: tuple[Finding, ...]
    do_applied: tuple[str, ...]
    do_content: tuple[str, ...]
    do_checked: int
    length_use: dict[str, float]
    opening: str

    @property
    def checks_failed(self) -> set[str]:
        return {f.check for f in self.findings}

    @property
    def applies_do(self) -> bool:
        """The variant applies at least one content "Do" rule."""
        return bool(self.do_content)


def score_variant(
    brand: Brand, channel: str | ChannelSpec, fields: Mapping[str, Any]
) -> VariantRubric:
    """Run the per-variant checks of the module docstring on one variant's ``fields``."""
    spec = get_channel(channel)
    guideline = brand.guideline
    labels = button_labels(guideline)
    phrases = source_phrases(brand)
    disclaimers = {normalise(d.text) for d in guideline.disclaimers} | {
        normalise(s) for d in guideline.disclaimers for s in sentences(d.text)
    }
    findings: list[Finding] = []
    # Display paths are URL segments, not copy: only the slug check reads them.
    texts = [(w, t) for w, t in field_texts(spec, fields) if w not in ("path1", "path2")]

    # Button labels as headlines.
    for name in _headline_fields(spec):
        located = [(w, t) for w, t in texts if w == name or w.startswith(name + "[")]
        buttons = [(w, t) for w, t in located if is_button_label(t, labels)]
        allowed = MAX_GOOGLE_BUTTON_HEADLINES if spec.field(name).multiple else 0
        for where, text in buttons[allowed:]:
            limit = (
                f"more than {allowed} of the headlines are button labels"
                if allowed
                else "the headline is a button label"
            )
            findings.append(
                Finding(
                    "button_headline",
                    where,
                    text,
                    f"{limit}; say what the reader gets and leave the action to the button",
                )
            )

    # Repeated sentences and texts inside other fields.
    seen: dict[str, str] = {}
    for where, text in texts:
        for sentence in sentences(text):
            key = normalise(sentence)
            if not key or key in disclaimers:
                continue
            if key in seen:
                findings.append(
                    Finding(
                        "repeated_text",
                        where,
                        sentence,
                        f"repeats {seen[key]}: every sentence should add something",
                    )
                )
            else:
                seen[key] = where
    normalised = [(w, normalise(t)) for w, t in texts]
    for where, text in texts:
        key = normalise(text)
        if len(key.split()) < 3 or key in disclaimers:
            continue
        for other, other_key in normalised:
            if other == where or key == other_key:
                continue  # exact repeats were found sentence by sentence above
            if f" {key} " in f" {other_key} ":
                findings.append(
                    Finding(
                        "repeated_text",
                        where,
                        text,
                        f"is repeated inside {other}: the two are shown together",
                    )
                )
                break

    # Cut-off phrases.
    for where, text in texts:
        reason = cut_off_reason(text, phrases)
        if reason:
            findings.append(Finding("cut_off", where, text, f"reads as cut off: it {reason}"))

    # Display paths.
    for name in ("path1", "path2"):
        path = fields.get(name)
        if spec.id == "google_rsa" and isinstance(path, str) and path:
            persona = slug_path_persona(path, brand)
            if persona:
                findings.append(
                    Finding(
                        "slug_path",
                        name,
                        path,
                        f"is the persona {persona!r}, which searchers never see themselves as; "
                        "name the product or the offer",
                    )
                )

    # Do rules.
    view = variant_view(spec, fields)
    checks = [c for c in do_rule_checks(guideline) if c.applies is not None]
    applied = tuple(c.rule for c in checks if c.applies is not None and c.applies(view))
    content = tuple(c.rule for c in checks if c.rule in applied and c.kind == "content")

    # Length use.
    use: dict[str, float] = {}
    for fspec in spec.text_fields:
        value = fields.get(fspec.name)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        items = [i for i in items if isinstance(i, str) and i]
        if items:
            room = fspec.shown_length or fspec.max_length
            use[fspec.name] = sum(min(1.0, spec.length(i) / room) for i in items) / len(items)

    return VariantRubric(
        channel=spec.id,
        findings=tuple(findings),
        do_applied=applied,
        do_content=content,
        do_checked=sum(c.kind == "content" for c in checks),
        length_use=use,
        opening=opening(spec, fields),
    )


# --------------------------------------------------------------------------------------------
# Per set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetRubric:
    """The rubric over a set of variants (a generation run, or a benchmark's brand).

    Attributes
    ----------
    variants
        Per-variant rubrics, in the order given.
    findings
        Set-level findings (shared openings, claims fidelity).
    distinct_openings
        Share of variants whose opening no other variant of the set uses (0-1; 1 for one variant).
    do_rule_rates
        "Do" rule -> share of variants applying it (rules with a heuristic only).
    """

    variants: tuple[VariantRubric, ...]
    findings: tuple[Finding, ...]
    distinct_openings: float
    do_rule_rates: dict[str, float] = field(default_factory=dict)

    @property
    def do_coverage(self) -> float | None:
        """Share of variants applying at least one "Do" rule (``None`` with no checkable rule)."""
        if not self.variants or not any(v.do_checked for v in self.variants):
            return None
        return sum(v.applies_do for v in self.variants) / len(self.variants)

    def count(self, check: str) -> int:
        """Findings of ``check`` over the variants and the set."""
        return sum(1 for v in self.variants for f in v.findings if f.check == check) + sum(
            1 for f in self.findings if f.check == check
        )

    def mean_length_use(self) -> dict[str, float]:
        """Field -> mean length use over the variants that have the field."""
        sums: dict[str, list[float]] = defaultdict(list)
        for v in self.variants:
            for name, value in v.length_use.items():
                sums[f"{v.channel}.{name}"].append(value)
        return {k: sum(vs) / len(vs) for k, vs in sorted(sums.items())}

    def summary(self) -> dict[str, Any]:
        """Counts per check and the rates, JSON-ready (what the UI and the benchmark show)."""
        return {
            "variants": len(self.variants),
            "button_headline": self.count("button_headline"),
            "repeated_text": self.count("repeated_text"),
            "cut_off": self.count("cut_off"),
            "slug_path": self.count("slug_path"),
            "claims_fidelity": self.count("claims_fidelity"),
            "do_coverage": self.do_coverage,
            "distinct_openings": self.distinct_openings,
        }


def score_set(
    brand: Brand,
    variants: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    offer: str = "",
) -> SetRubric:
    """Score ``(channel, fields)`` pairs of one brand as a set; ``offer`` is the brief's offer."""
    rubrics = tuple(score_variant(brand, channel, fields) for channel, fields in variants)
    findings: list[Finding] = []
    openings = Counter(r.opening for r in rubrics if r.opening)
    for opening, count in openings.items():
        if count > 1:
            findings.append(
                Finding(
                    "distinct_openings",
                    "(set)",
                    opening,
                    f"{count} variants open with {opening!r}: vary the first words",
                )
            )
    distinct = (
        sum(1 for r in rubrics if r.opening and openings[r.opening] == 1) / len(rubrics)
        if rubrics
        else 1.0
    )
    if offer.strip():
        review = review_offer(brand.guideline, offer)
        if not review.supported:
            findings.append(
                Finding("claims_fidelity", "offer", offer, review.explain(brand.guideline))
            )
    rates: dict[str, float] = {}
    checkable = [c.rule for c in do_rule_checks(brand.guideline) if c.applies is not None]
    for rule in checkable:
        rates[rule] = sum(rule in r.do_applied for r in rubrics) / len(rubrics) if rubrics else 0.0
    return SetRubric(rubrics, tuple(findings), distinct, rates)
