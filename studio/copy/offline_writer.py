"""Offline copy writer: ad copy assembled from the brand's own assets, no model, no keys.

It lives in the copy domain, not in :mod:`studio.backends`, because it is built from the
brand's rules and the compliance checker rather than from a model; it is registered as the
``offline`` entry point of ``studio.copy_writers`` like any other writer.

It works the way responsive and dynamic ads combine assets: the brand guideline supplies the
value propositions, approved claims and calls to action; the persona supplies pains (turned
into hooks such as "No more stale beans.") and motivations ("Built for getting paid on
time."); the brief supplies the offer. A seeded random generator picks and orders them per
channel, filling each field up to, and never beyond, its limit from :mod:`studio.copy.channels`;
the channel's disclaimers are placed first so they always fit.

Every asset is checked with the brand's text rules (banned phrases, unbacked numbers and
superlatives, shouting) before use, so the writer never introduces a violation; an asset that
fails (for example an offer with a number no approved claim backs) is left out and the draft's
``notes`` say so.

Deterministic: the same brand, persona, channel, brief and seed give the same draft.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from studio.backends.contracts import CopyDraft
from studio.copy.channels import EMOJI, ChannelSpec, FieldSpec, suggest_cta_button
from studio.copy.compliance import ComplianceChecker
from studio.copy.writing import CopyRequest

if TYPE_CHECKING:
    from studio.core.settings import Settings

_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:]\s+|\s[-–—]\s|\s(?=(?:with|and|without|for|so)\s))")


def _sentence(text: str) -> str:
    """Capitalised, ending in . ? or !."""
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."


def _phrase(text: str) -> str:
    """Capitalised, without a final full stop (headline style)."""
    text = " ".join(text.split()).rstrip(".")
    return text[0].upper() + text[1:] if text else text


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or a name in capitals."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def _shortenings(text: str) -> list[str]:
    """``text`` and its prefixes that end at a clause boundary, longest first."""
    cuts = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
    prefixes = [text[:c].rstrip(" ,;:-–—") for c in reversed(cuts)]
    return [text] + [p for p in prefixes if len(p.split()) >= 2]


def _word_truncate(text: str, limit: int) -> str:
    """The longest whole-word prefix of ``text`` within ``limit`` characters ("" if none)."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else ""
    return cut.rstrip(" ,;:-–—")


_PATH_STOPWORDS = frozenset(["a", "an", "the", "your", "our", "my", "now", "more", "today", "here"])


def _slug(text: str, limit: int, *, from_end: bool = False) -> str:
    """A display-URL path segment: lowercase words joined by '-', within ``limit`` characters.

    ``from_end`` keeps the last words ("Start free trial" -> "free-trial"), skipping filler.
    """
    words = [w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _PATH_STOPWORDS]
    if from_end:
        words.reverse()
    out: list[str] = []
    for word in words:
        if len("-".join([*out, word])) > limit:
            break
        out.append(word)
    if from_end:
        out.reverse()
    return "-".join(out)


@dataclass
class _Assets:
    """The compliant building blocks for one request."""

    brand_name: str
    hooks: list[str] = field(default_factory=list)  # sentences from pains
    aspirations: list[str] = field(default_factory=list)  # sentences from motivations
    values: list[str] = field(default_factory=list)  # value propositions
    claims: list[str] = field(default_factory=list)  # approved claims
    offers: list[str] = field(default_factory=list)  # the brief's offer
    ctas: list[str] = field(default_factory=list)  # calls to action
    short: list[str] = field(default_factory=list)  # headline-style phrases
    notes: list[str] = field(default_factory=list)


class OfflineCopyWriter:
    """Copy writer that combines the brand's assets (see the module docstring)."""

    name = "offline"
    model = "offline-assets-v1"

    @classmethod
    def from_settings(cls, settings: Settings) -> OfflineCopyWriter:
        """The registry's factory: the offline writer needs no settings."""
        return cls()

    def __init__(self) -> None:
        # The compliant assets depend only on these inputs; building them is most of the work.
        # Values hold the guideline too, which keeps its id() from being reused while cached.
        self._cache: dict[tuple[int, str, str, str], tuple[object, _Assets]] = {}

    def write(self, request: CopyRequest) -> CopyDraft:
        rng = random.Random(
            "|".join(
                (request.brand.slug, request.persona_slug, request.channel.id, str(request.seed))
            )
        )
        key = (
            id(request.brand.guideline),
            request.persona_slug,
            request.channel.id,
            request.brief.offer,
        )
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > 256:
                self._cache.clear()
            cached = self._cache[key] = (request.brand.guideline, self._assets(request))
        assets = cached[1]
        channel = request.channel
        fields: dict[str, object] = {}
        cta = rng.choice(assets.ctas) if assets.ctas else ""
        for spec in channel.fields:
            value = self._field(rng, spec, channel, request, assets, cta)
            if value not in (None, "", []):
                fields[spec.name] = value
        return CopyDraft(
            fields=fields, backend=self.name, model=self.model, notes=tuple(assets.notes)
        )

    # ----------------------------------------------------------------------------------------

    def _assets(self, request: CopyRequest) -> _Assets:
        guideline = request.brand.guideline
        persona = request.persona
        checker = _checker(request)
        assets = _Assets(brand_name=guideline.name)

        def keep(text: str, kind: str, bucket: list[str]) -> None:
            reasons = [v.reason for v in checker.check_text(text, channel=request.channel)]
            if reasons:
                # Phrases are cut from the other assets, whose notes already say what was wrong.
                if kind != "phrase":
                    assets.notes.append(f"left out {kind} {text!r}: {'; '.join(reasons)}")
            elif text.casefold() not in {t.casefold() for t in bucket}:
                bucket.append(text)

        for pain in persona.pains:
            for template in ("Tired of {}?", "No more {}.", "Say goodbye to {}."):
                keep(template.format(_lower_first(pain)), "pain", assets.hooks)
        for motivation in persona.motivations:
            for template in ("Here's to {}.", "All about {}.", "Made for {}."):
                keep(template.format(_lower_first(motivation)), "motivation", assets.aspirations)
        for value in guideline.value_propositions:
            keep(_sentence(value), "value proposition", assets.values)
        for claim in guideline.approved_claims:
            keep(_sentence(claim.text), "approved claim", assets.claims)
        if request.brief.offer.strip():
            keep(_sentence(request.brief.offer), "offer", assets.offers)
        for cta in guideline.calls_to_action:
            keep(_phrase(cta), "call to action", assets.ctas)

        phrases = [guideline.name, *guideline.value_propositions]
        phrases += [c.text for c in guideline.approved_claims]
        phrases += [f"No more {_lower_first(p)}" for p in persona.pains]
        phrases += list(persona.motivations) + list(guideline.calls_to_action)
        if request.brief.offer.strip():
            phrases.append(request.brief.offer)
        for phrase in phrases:
            for short in _shortenings(_phrase(phrase)):
                keep(short, "phrase", assets.short)
        return assets

    def _field(
        self,
        rng: random.Random,
        spec: FieldSpec,
        channel: ChannelSpec,
        request: CopyRequest,
        assets: _Assets,
        cta: str,
    ) -> object:
        disclaimers = request.disclaimers if spec.name == channel.disclaimer_field else []
        usable = _usable(spec)
        if spec.choices is not None:
            return suggest_cta_button(cta, channel) if cta else "LEARN_MORE"
        if channel.id == "google_rsa":
            if spec.name == "headlines":
                return self._headlines(rng, spec, assets)
            if spec.name == "descriptions":
                return self._descriptions(rng, spec, assets, cta, disclaimers)
            if spec.name == "path1":
                return _slug(request.persona_slug.replace("-", " "), spec.max_length)
            if spec.name == "path2":
                return _slug(cta, spec.max_length, from_end=True) if rng.random() < 0.7 else ""
        if spec.name in ("headline", "description"):
            if not spec.required and rng.random() < 0.2:
                return ""
            limit = (
                spec.shown_length if spec.shown_length and rng.random() < 0.8 else spec.max_length
            )
            pool = [p for p in assets.short if usable(p) and len(p) <= limit]
            pool = pool or [p for p in assets.short if usable(p) and len(p) <= spec.max_length]
            if spec.name == "description" and cta and len(cta) <= spec.max_length:
                pool = [*pool, cta]
            return rng.choice(pool) if pool else _word_truncate(assets.brand_name, spec.max_length)
        # The one long text field of the channel: hook, body, proof, offer, action, disclaimers.
        budget = spec.max_length
        if spec.shown_length and spec.shown_length < spec.max_length and rng.random() < 0.6:
            budget = spec.shown_length  # keep everything visible before "see more"
        slots: list[Sequence[str]] = [
            assets.hooks + assets.aspirations,
            assets.values,
            assets.claims if rng.random() < 0.7 else [],
            assets.offers,
            assets.aspirations if budget > 200 else [],
            [_sentence(cta)] if cta else [],
        ]
        text = _compose(rng, slots, disclaimers, budget, usable)
        if len(text) < spec.min_length:
            text = _compose(
                rng, [assets.values, assets.claims, assets.hooks], disclaimers, budget, usable
            )
        return text

    def _headlines(self, rng: random.Random, spec: FieldSpec, assets: _Assets) -> list[str]:
        usable = _usable(spec)
        pool = [p for p in assets.short if usable(p) and len(p) <= spec.max_length]
        if len(pool) < spec.min_count:
            # Too few assets fit: fall back to whole-word cuts of the longer ones.
            for phrase in assets.short:
                cut = _word_truncate(phrase, spec.max_length)
                if cut and usable(cut) and cut.casefold() not in {p.casefold() for p in pool}:
                    pool.append(cut)
        brand_first = assets.brand_name in pool and rng.random() < 0.7
        rest = [p for p in pool if not (brand_first and p == assets.brand_name)]
        rng.shuffle(rest)
        low = min(max(spec.min_count, 8), spec.max_count)
        count = rng.randint(low, spec.max_count)
        chosen = ([assets.brand_name] if brand_first else []) + rest
        return chosen[:count]

    def _descriptions(
        self, rng: random.Random, spec: FieldSpec, assets: _Assets, cta: str, disclaimers: list[str]
    ) -> list[str]:
        usable = _usable(spec)
        tail = " ".join(_sentence(d) for d in disclaimers)
        budget = spec.max_length - (len(tail) + 1 if tail else 0)
        bodies: list[str] = []
        ending = f" {_sentence(cta)}" if cta else ""
        for sentence in assets.values + assets.claims + assets.offers + assets.aspirations:
            # "Get your first bag" does not end a sentence that already says "first bag".
            repeats = bool(cta) and _phrase(cta).casefold().rstrip(".") in sentence.casefold()
            for candidate in (sentence,) if repeats else (sentence + ending, sentence):
                if len(candidate) <= budget and usable(candidate):
                    bodies.append(candidate)
                    break
        for hook in assets.hooks:
            for value in assets.values:
                candidate = f"{hook} {value}"
                if len(candidate) <= budget and usable(candidate):
                    bodies.append(candidate)
        rng.shuffle(bodies)
        out: list[str] = []
        seen: set[str] = set()
        count = rng.randint(spec.min_count, spec.max_count)
        for body in bodies:
            text = f"{body} {tail}".strip()
            if text.casefold() not in seen:
                seen.add(text.casefold())
                out.append(text)
            if len(out) == count:
                break
        return out


def _usable(spec: FieldSpec) -> Callable[[str], bool]:
    """A predicate: the text has no character the field forbids."""

    def usable(text: str) -> bool:
        if not spec.allow_emoji and EMOJI.search(text):
            return False
        return not any(c in text for c in spec.forbidden_chars)

    return usable


def _compose(
    rng: random.Random,
    slots: Sequence[Sequence[str]],
    disclaimers: Sequence[str],
    budget: int,
    usable: Callable[[str], bool],
) -> str:
    """Fill ``budget`` characters with at most one sentence per slot, disclaimers reserved first."""
    tail = " ".join(_sentence(d) for d in disclaimers)
    remaining = budget - len(tail) - (1 if tail else 0)
    parts: list[str] = []
    for slot in slots:
        options = [s for s in slot if usable(s) and s not in parts]
        rng.shuffle(options)
        for option in options:
            if len(option) + (1 if parts else 0) <= remaining:
                remaining -= len(option) + (1 if parts else 0)
                parts.append(option)
                break
    return " ".join([*parts, tail] if tail else parts)


_CHECKERS: dict[int, ComplianceChecker] = {}


def _checker(request: CopyRequest) -> ComplianceChecker:
    """One compiled checker per guideline object (guidelines are not edited once loaded)."""
    guideline = request.brand.guideline
    checker = _CHECKERS.get(id(guideline))
    if checker is None or checker.guideline is not guideline:
        if len(_CHECKERS) > 64:  # brands reloaded many times in a long-running app
            _CHECKERS.clear()
        checker = ComplianceChecker(guideline)
        _CHECKERS[id(guideline)] = checker
    return checker
