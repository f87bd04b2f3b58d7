"""Brand compliance: check a variant's copy against its brand guideline and channel format.

Rules (each violation names the rule, the field and the reason):

``banned_phrase``
    A phrase from ``banned_phrases`` appears as a whole word or phrase, in any letter case
    ("cheap" matches "Cheap!" but not "cheaper").
``disclaimer``
    A disclaimer that applies to the channel is missing from the channel's disclaimer field
    (every item of it, for multi-asset fields).
``unbacked_claim``
    A number (``48``, ``4.8``, ``9,000``, ``2x``), percentage (``50%``) or superlative
    (``best``, ``fastest``, ``#1``, ``most loved``...) that no approved claim contains.
    Numbers inside the brand's disclaimers are exempt. Number *words* ("two clicks") are
    everyday language and are not treated as claims.
``expired_claim``
    A number or superlative that only an approved claim past its ``expires`` date contains:
    the claim may no longer be used, and the message names it and its last day.
``shouting``
    A word of three or more letters in capitals (common business acronyms, and words the
    brand name, approved claims or disclaimers write in capitals, are allowed), or stacked
    exclamation marks ("!!").
``hidden_characters``
    Invisible or direction-changing characters (zero-width spaces, soft hyphens, bidi controls)
    in the copy: what a reader sees is not what the text holds. (A zero-width joiner inside an
    emoji sequence is allowed.)
Channel format rules
    Length, count, distinctness, emoji and characters, from :func:`studio.copy.channels.check_fields`.

Every text rule reads the copy through :func:`studio.core.text.fold` (NFKC, invisible characters
removed, Cyrillic/Greek look-alikes folded to Latin), so "frее" with a Cyrillic "е", "ｆｒｅｅ" or
"fr\u200bee" is the banned "free" it looks like.

Use :class:`ComplianceChecker` when checking many variants of one brand: it compiles the
guideline's patterns once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from studio.brand.guidelines import ApprovedClaim, Guideline
from studio.copy.channels import ChannelSpec, Violation, check_fields, field_texts, get_channel
from studio.core.text import fold, hidden_characters, lookalikes

#: Numbers as ads write them: 48, 4.8, 9,000, 50%, 2x, 24/7 (two numbers), £5.
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*)(\s?(?:%|percent\b|x\b))?", re.IGNORECASE)

#: Superlatives that are never everyday words. "-est" words are matched too, minus the list below.
_SUPERLATIVE_WORDS = frozenset(
    [
        "best",
        "worst",
        "most",
        "least",
        "top-rated",
        "top-selling",
        "best-selling",
        "bestselling",
        "unbeatable",
        "unmatched",
        "unrivalled",
        "unrivaled",
        "number-one",
    ]
)
_NOT_SUPERLATIVE = frozenset(
    [
        "honest",
        "interest",
        "forest",
        "guest",
        "request",
        "harvest",
        "test",
        "contest",
        "rest",
        "west",
        "nest",
        "chest",
        "invest",
        "protest",
        "arrest",
        "modest",
        "earnest",
        "manifest",
        "digest",
        "quest",
        "conquest",
        "priest",
        "zest",
        "vest",
        "pest",
        "crest",
        "fest",
        "jest",
        "lest",
        "attest",
        "detest",
        "infest",
        "ingest",
        "behest",
        "inquest",
        "unrest",
        "midwest",
        "northwest",
        "southwest",
        "suggest",
        "congest",
        "divest",
        "pretest",
        "retest",
        "latest",
    ]
)
_EST_WORD = re.compile(r"\b[a-z]{3,}i?est\b", re.IGNORECASE)
_SUPERLATIVE_PHRASE = re.compile(
    r"(#\s?1\b|\bno\.?\s?1\b|\bnumber (?:one|1)\b|\b(?:most|least)\s+[a-z][a-z-]+)", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’]{2,}\b")
_STACKED_BANGS = re.compile(r"!(?:\s*[!?1])+")
#: Acronyms that are not shouting in business copy, on top of those the guideline uses.
_COMMON_ACRONYMS = frozenset(
    ["CEO", "CFO", "CTO", "COO", "USA", "API", "PDF", "FAQ", "ROI", "SEO", "VAT", "GDPR", "HTML"]
)


def _normalise_number(token: str) -> str:
    return token.replace(",", "")


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern; spaces match any whitespace, ' matches ’.

    Match it against :func:`studio.core.text.fold`-ed text (the phrase is folded too).
    """
    parts = [re.escape(p.replace("’", "'")).replace("'", "['’]") for p in fold(phrase).split()]
    body = r"\s+".join(parts)
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)


def _squash(text: str) -> str:
    return " ".join(fold(text).replace("’", "'").casefold().split())


def _is_emoji_joiner(text: str, index: int) -> bool:
    """A zero-width joiner between two symbols (an emoji sequence such as a family emoji)."""
    if text[index] != "\u200d" or index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    symbolic = ("So", "Sk", "Mn")
    return unicodedata.category(before) in symbolic and unicodedata.category(after) in symbolic


@dataclass(frozen=True)
class Claim:
    """A number, percentage or superlative found in copy."""

    kind: str  # "number" | "percentage" | "superlative"
    text: str  # as written, e.g. "50%"
    key: str  # normalised, e.g. "50%"


def find_claims(text: str) -> list[Claim]:
    """Numbers, percentages and superlatives in ``text``, in order of appearance."""
    claims: list[Claim] = []
    for match in _NUMBER.finditer(text):
        number = _normalise_number(match.group(1))
        suffix = (match.group(2) or "").strip().lower()
        if suffix in ("%", "percent"):
            claims.append(Claim("percentage", match.group(0).strip(), number + "%"))
        elif suffix == "x":
            claims.append(Claim("number", match.group(0), number + "x"))
        else:
            claims.append(Claim("number", match.group(1), number))
    for match in _SUPERLATIVE_PHRASE.finditer(text):
        claims.append(
            Claim("superlative", match.group(0), _squash(match.group(0)).replace(" ", ""))
        )
    for match in _WORD.finditer(text):
        word = match.group(0).casefold().strip("'’-")
        if word in _SUPERLATIVE_WORDS or (
            _EST_WORD.fullmatch(word) and word not in _NOT_SUPERLATIVE and not word.endswith("ness")
        ):
            # "most"/"least" followed by a word were taken as a phrase above.
            if word in ("most", "least") and _SUPERLATIVE_PHRASE.match(text, match.start()):
                continue
            claims.append(Claim("superlative", match.group(0), word))
    return claims


@dataclass(frozen=True)
class ComplianceResult:
    """The outcome of checking one variant.

    Attributes
    ----------
    channel
        The channel id checked against.
    violations
        Every broken rule, errors and (if asked for) truncation warnings.
    """

    channel: str
    violations: tuple[Violation, ...]

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == "error")

    @property
    def passed(self) -> bool:
        """True when no error-level rule is broken (warnings do not fail a variant)."""
        return not self.errors

    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}

    def to_dicts(self) -> list[dict[str, str]]:
        return [v.to_dict() for v in self.violations]


class ComplianceChecker:
    """Brand compliance for one guideline, compiled once and reused for many variants.

    Parameters
    ----------
    guideline
        The brand's guideline (``Brand.guideline``).
    today
        The day claims' expiry dates are read against (default: today, UTC).

    Examples
    --------
    >>> checker = ComplianceChecker(brand.guideline)  # doctest: +SKIP
    >>> checker.check("tiktok", {"ad_text": "...", "call_to_action": "SHOP_NOW"}).passed  # doctest: +SKIP
    """

    def __init__(self, guideline: Guideline, *, today: date | None = None) -> None:
        self.guideline = guideline
        self.today = today or datetime.now(UTC).date()
        self._banned = [(p, _phrase_pattern(p)) for p in guideline.banned_phrases]

    @staticmethod
    def _keys(claim: ApprovedClaim) -> set[str]:
        keys: set[str] = set()
        for found in find_claims(fold(claim.text)):
            keys.add(found.key)
            if found.key.endswith(("%", "x")):
                keys.add(found.key[:-1])
        return keys

    @cached_property
    def backed_keys(self) -> frozenset[str]:
        """Normalised numbers/superlatives that some approved claim still in date contains."""
        claims = [c for c in self.guideline.approved_claims if not c.expired(self.today)]
        return frozenset(key for claim in claims for key in self._keys(claim))

    @cached_property
    def expired_keys(self) -> dict[str, ApprovedClaim]:
        """Keys only expired claims back, each with (the first of) its expired claim."""
        out: dict[str, ApprovedClaim] = {}
        for claim in self.guideline.approved_claims:
            if claim.expired(self.today):
                for key in self._keys(claim) - self.backed_keys:
                    out.setdefault(key, claim)
        return out

    @cached_property
    def allowed_caps(self) -> frozenset[str]:
        """Capitalised words the guideline's fixed texts use: brand name, claims, disclaimers.

        Value propositions and calls to action are copy assets, not authorities, so a shouted
        word there is still shouting.
        """
        texts: list[str] = [self.guideline.name, *(c.text for c in self.guideline.approved_claims)]
        texts += [d.text for d in self.guideline.disclaimers]
        return _COMMON_ACRONYMS | {m.group(0) for t in texts for m in _CAPS_WORD.finditer(t)}

    def check(
        self,
        channel: str | ChannelSpec,
        fields: Mapping[str, Any],
        *,
        include_truncation: bool = False,
    ) -> ComplianceResult:
        """Check one variant's ``fields`` for ``channel``; see the module docstring for the rules."""
        spec = get_channel(channel)
        violations = list(check_fields(spec, fields, include_truncation=include_truncation))
        disclaimers = [d.text for d in self.guideline.disclaimers_for(spec.id)]
        violations += self._check_disclaimers(spec, fields, disclaimers)
        for where, text in field_texts(spec, fields):
            violations += self._check_hidden(where, text)
            violations += self._check_banned(where, text)
            violations += self._check_claims(where, self._without(text, disclaimers))
            violations += self._check_shouting(where, text)
        return ComplianceResult(spec.id, tuple(violations))

    def check_text(
        self, text: str, *, where: str = "text", channel: str | ChannelSpec | None = None
    ) -> list[Violation]:
        """The text-level rules (banned phrases, unbacked claims, shouting) on one text.

        Copy writers use it to keep non-compliant assets out of what they write. Numbers inside
        the disclaimers of ``channel`` are exempt, as in :meth:`check`.
        """
        disclaimers = (
            [d.text for d in self.guideline.disclaimers_for(get_channel(channel).id)]
            if channel
            else []
        )
        return (
            self._check_hidden(where, text)
            + self._check_banned(where, text)
            + self._check_claims(where, self._without(text, disclaimers))
            + self._check_shouting(where, text)
        )

    def check_many(self, items: Iterable[tuple[str, Mapping[str, Any]]]) -> list[ComplianceResult]:
        """Check ``(channel, fields)`` pairs."""
        return [self.check(channel, fields) for channel, fields in items]

    def _check_hidden(self, where: str, text: str) -> list[Violation]:
        hidden = [h for h in hidden_characters(text) if not _is_emoji_joiner(text, h.index)]
        if not hidden:
            return []
        listed = "; ".join(h.describe() for h in hidden[:5])
        more = f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
        return [
            Violation(
                "hidden_characters",
                where,
                f"contains {len(hidden)} invisible or direction-changing character(s) ({listed}{more}); "
                "a reader does not see them and ad platforms may show the text differently: remove them",
            )
        ]

    def _check_banned(self, where: str, text: str) -> list[Violation]:
        folded = fold(text)
        disguised = (
            " (written with hidden or look-alike characters)"
            if (hidden_characters(text) or lookalikes(text) or folded != text)
            else ""
        )
        return [
            Violation(
                "banned_phrase",
                where,
                f"uses the banned phrase {phrase!r} (found {m.group(0)!r}){disguised}",
            )
            for phrase, pattern in self._banned
            if (m := pattern.search(folded))
        ]

    def _check_disclaimers(
        self, spec: ChannelSpec, fields: Mapping[str, Any], disclaimers: list[str]
    ) -> list[Violation]:
        out = []
        value = fields.get(spec.disclaimer_field)
        items: list[tuple[str, str]]
        if isinstance(value, list | tuple):
            items = [
                (f"{spec.disclaimer_field}[{i}]", v)
                for i, v in enumerate(value)
                if isinstance(v, str)
            ]
        else:
            items = [(spec.disclaimer_field, value if isinstance(value, str) else "")]
        for disclaimer in disclaimers:
            for where, text in items:
                if _squash(disclaimer) not in _squash(text):
                    out.append(
                        Violation(
                            "disclaimer",
                            where,
                            f"the required disclaimer {disclaimer!r} is missing "
                            f"({spec.name} needs it in {spec.disclaimer_field})",
                        )
                    )
        return out

    @staticmethod
    def _without(text: str, disclaimers: list[str]) -> str:
        text = fold(text)
        for disclaimer in disclaimers:
            text = _phrase_pattern(disclaimer).sub(" ", text)
        return text

    def _check_claims(self, where: str, text: str) -> list[Violation]:
        out = []
        for claim in find_claims(fold(text)):
            if claim.key in self.backed_keys:
                continue
            expired = self.expired_keys.get(claim.key)
            if expired is not None:
                out.append(
                    Violation(
                        "expired_claim",
                        where,
                        f"{claim.kind} {claim.text!r} comes from the approved claim "
                        f"{expired.id!r} ({expired.text!r}), which expired on "
                        f"{expired.expires:%Y-%m-%d}; new copy may not use it",
                    )
                )
                continue
            if claim.kind == "superlative":
                reason = f"superlative {claim.text!r} is not in any approved claim"
            else:
                reason = f"{claim.kind} {claim.text!r} is not backed by an approved claim"
            ids = ", ".join(c.id for c in self.guideline.approved_claims) or "none"
            out.append(Violation("unbacked_claim", where, f"{reason} (approved claims: {ids})"))
        return out

    def _check_shouting(self, where: str, text: str) -> list[Violation]:
        out = []
        text = fold(text)
        shouted = [
            m.group(0) for m in _CAPS_WORD.finditer(text) if m.group(0) not in self.allowed_caps
        ]
        if shouted:
            out.append(
                Violation(
                    "shouting",
                    where,
                    f"all-caps {', '.join(repr(w) for w in shouted)}; write in sentence case",
                )
            )
        for match in _STACKED_BANGS.finditer(text):
            out.append(
                Violation(
                    "shouting",
                    where,
                    f"stacked exclamation marks {match.group(0)!r}; use at most one",
                )
            )
        return out


def check_variant(
    guideline: Guideline, channel: str | ChannelSpec, fields: Mapping[str, Any]
) -> ComplianceResult:
    """Check one variant (compiles the guideline's patterns; prefer :class:`ComplianceChecker` in loops)."""
    return ComplianceChecker(guideline).check(channel, fields)
