"""Copy writers: the contract, the request/result types and the registry.

A copy writer turns one :class:`CopyRequest` (brand, persona, channel, brief, seed and the
rendered prompt) into one :class:`CopyDraft` (the channel's fields). Compliance checking,
repair, de-duplication and saving are the caller's job (:mod:`studio.copy.generation`), so a
backend only has to write.

Built-in backends are registered exactly like third-party ones::

    from studio.backends.llm import register_copy_writer
    register_copy_writer("mybackend", lambda settings: MyWriter(...))

and chosen with ``STUDIO_LLM_BACKEND``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic import Field as PydanticField

from studio.brand.guidelines import Brand, Persona
from studio.copy.channels import ChannelSpec, Violation
from studio.copy.prompts import RenderedPrompt, render
from studio.core.errors import InvalidValue, StudioError, UserFacingError

if TYPE_CHECKING:
    from studio.core.settings import Settings

#: Campaign objectives, as the ad platforms name them in their buying tools.
OBJECTIVES = ("awareness", "traffic", "engagement", "leads", "sales", "app_installs")

#: The prompt template every LLM backend renders for copy.
COPY_TEMPLATE = "copy.j2"


class CopyWriterError(StudioError):
    """One request failed in a way that may succeed on another try (e.g. a reply that is not JSON)."""


class CopyWriterUnavailable(CopyWriterError, UserFacingError):
    """The backend cannot work at all (missing key, server down, model not found): stop and fix settings."""


@dataclass(frozen=True)
class CampaignBrief:
    """What the ads are for.

    Attributes
    ----------
    objective
        One of :data:`OBJECTIVES`.
    landing_url
        Where the ad sends people (``http(s)://...``).
    offer
        The offer to feature, if any (numbers in it must be approved claims).
    name
        Campaign name, for lists.
    """

    objective: str
    landing_url: str
    offer: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise InvalidValue(
                f"objective {self.objective!r} is not allowed; use one of {', '.join(OBJECTIVES)}"
            )
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", self.landing_url):
            raise InvalidValue(
                f"landing_url {self.landing_url!r} is not a web address; write it as https://example.com/page"
            )
        if len(self.offer) > 500:
            raise InvalidValue(f"offer is {len(self.offer)} characters; at most 500 are allowed")


@dataclass(frozen=True)
class CopyRequest:
    """Everything a copy writer needs to write one ad.

    Attributes
    ----------
    brand
        The loaded brand (guideline and personas).
    persona_slug
        Which of ``brand.personas`` the ad is for.
    channel
        The ad format, with its limits.
    brief
        The campaign brief.
    seed
        Random seed: the same request and seed give the same draft on the same backend.
    prompt
        The rendered prompt (see :func:`build_prompt`).
    previous
        The fields of an earlier attempt that broke rules, when this is a repair.
    feedback
        The rules ``previous`` broke.
    """

    brand: Brand
    persona_slug: str
    channel: ChannelSpec
    brief: CampaignBrief
    seed: int
    prompt: RenderedPrompt
    previous: Mapping[str, Any] | None = None
    feedback: tuple[Violation, ...] = ()

    @property
    def persona(self) -> Persona:
        return self.brand.persona(self.persona_slug)

    @property
    def disclaimers(self) -> list[str]:
        return [d.text for d in self.brand.guideline.disclaimers_for(self.channel.id)]


@dataclass(frozen=True)
class CopyDraft:
    """What a copy writer wrote.

    Attributes
    ----------
    fields
        Channel field name -> text (or list of texts for multi-asset fields).
    backend, model
        Who wrote it (stored with the variant).
    raw
        The model's raw reply, kept for debugging ("" for the offline backend).
    notes
        What the writer wants the reviewer to know, e.g. an asset it left out and why.
    """

    fields: dict[str, Any]
    backend: str
    model: str
    raw: str = ""
    notes: tuple[str, ...] = ()


@runtime_checkable
class CopyWriter(Protocol):
    """A copy-writing backend."""

    #: Registry name, e.g. ``"offline"``.
    name: str
    #: Model identifier stored with each variant.
    model: str

    def write(self, request: CopyRequest) -> CopyDraft:
        """Write one ad. Raises :class:`CopyWriterError` (retryable) or :class:`CopyWriterUnavailable`."""
        ...


# --------------------------------------------------------------------------------------------
# Prompt and reply schema shared by the LLM backends
# --------------------------------------------------------------------------------------------


@cache
def reply_model(channel: ChannelSpec) -> type[BaseModel]:
    """A pydantic model of the JSON object a model must reply with for ``channel``.

    It checks structure (field names and types; unknown keys are refused). Lengths and counts
    are stated in the JSON schema for the model's benefit but checked by
    :func:`studio.copy.channels.check_fields`, so a too-long headline becomes a violation that can
    be repaired instead of a lost reply.
    """
    definitions: dict[str, Any] = {}
    for spec in channel.fields:
        extra: dict[str, Any] = {}
        if spec.choices is not None:
            extra["enum"] = list(spec.choices)
            annotation: Any = str
        elif spec.multiple:
            extra["minItems"], extra["maxItems"] = spec.min_count, spec.max_count
            extra["items"] = {
                "type": "string",
                "maxLength": spec.max_length,
                "minLength": spec.min_length,
            }
            annotation = list[str]
        else:
            extra["maxLength"], extra["minLength"] = spec.max_length, spec.min_length
            annotation = str
        description = f"{spec.label}: {spec.limit_text}. {spec.help}".strip()
        if spec.required:
            definitions[spec.name] = (
                annotation,
                PydanticField(..., description=description, json_schema_extra=extra),
            )
        else:
            definitions[spec.name] = (
                annotation | None,
                PydanticField(None, description=description, json_schema_extra=extra),
            )
    model_name = "".join(part.title() for part in channel.id.split("_")) + "Copy"
    return create_model(model_name, __config__=ConfigDict(extra="forbid"), **definitions)


@cache
def reply_schema_json(channel: ChannelSpec) -> str:
    """:func:`reply_schema` as compact JSON text (as the prompt shows it)."""
    return json.dumps(reply_model(channel).model_json_schema(), separators=(",", ":"))


def reply_schema(channel: ChannelSpec) -> dict[str, Any]:
    """The JSON schema of :func:`reply_model` (sent to servers that support structured output)."""
    return dict(json.loads(reply_schema_json(channel)))


def build_prompt(
    brand: Brand,
    persona_slug: str,
    channel: ChannelSpec,
    brief: CampaignBrief,
    *,
    previous: Mapping[str, Any] | None = None,
    feedback: tuple[Violation, ...] = (),
) -> RenderedPrompt:
    """Render :data:`COPY_TEMPLATE` for one ad (with a repair section when ``previous`` is set)."""
    return render(
        COPY_TEMPLATE,
        guideline=brand.guideline,
        persona=brand.persona(persona_slug),
        channel=channel,
        brief=brief,
        disclaimers=[d.text for d in brand.guideline.disclaimers_for(channel.id)],
        schema=reply_schema_json(channel),
        previous=dict(previous) if previous else None,
        feedback=list(feedback),
    )


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def parse_reply(text: str, channel: ChannelSpec, *, backend: str) -> dict[str, Any]:
    """Parse a model's reply into channel fields.

    Accepts a bare JSON object, one inside a Markdown code fence, or one surrounded by prose
    (the first ``{`` to its matching ``}``).

    Raises
    ------
    CopyWriterError
        The reply holds no JSON object, or the object does not match the channel's schema;
        the message quotes the start of the reply and names the offending keys.
    """
    candidate = text.strip()
    fenced = _FENCE.search(candidate)
    if fenced:
        candidate = fenced.group(1).strip()
    start = candidate.find("{")
    preview = text.strip()[:200]
    if start < 0:
        raise CopyWriterError(
            f"the {backend} reply is not valid JSON (no JSON object found); it began: {preview!r}"
        )
    try:
        data, _ = json.JSONDecoder().raw_decode(candidate[start:])
    except json.JSONDecodeError as exc:
        raise CopyWriterError(
            f"the {backend} reply is not valid JSON ({exc.msg} at character {exc.pos}); it began: {preview!r}"
        ) from exc
    if not isinstance(data, dict):
        raise CopyWriterError(
            f"the {backend} reply is JSON but not an object; it began: {preview!r}"
        )
    try:
        parsed = reply_model(channel).model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(object)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CopyWriterError(
            f"the {backend} reply does not match the {channel.name} schema: {problems} "
            f"(fields: {', '.join(channel.field_names)})"
        ) from exc
    return {
        k: (v.strip() if isinstance(v, str) else [s.strip() for s in v])
        for k, v in parsed.model_dump(exclude_none=True).items()
    }


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

CopyWriterFactory = Callable[["Settings"], CopyWriter]


@dataclass
class _Registry:
    factories: dict[str, CopyWriterFactory] = field(default_factory=dict)


_REGISTRY = _Registry()


def register_copy_writer(name: str, factory: CopyWriterFactory) -> None:
    """Make ``STUDIO_LLM_BACKEND=<name>`` build a writer with ``factory(settings)``."""
    _REGISTRY.factories[name] = factory


def available_copy_writers() -> list[str]:
    return sorted(_REGISTRY.factories)


def make_copy_writer(settings: Settings, name: str | None = None) -> CopyWriter:
    """Build the copy writer named ``name`` (default: ``settings.llm_backend``).

    Raises
    ------
    CopyWriterUnavailable
        Unknown backend name, or the backend's settings are incomplete (the message says
        which ``STUDIO_*`` setting to set).
    """
    chosen = name or settings.llm_backend
    try:
        factory = _REGISTRY.factories[chosen]
    except KeyError:
        raise CopyWriterUnavailable(
            f"unknown copy writer {chosen!r} (STUDIO_LLM_BACKEND); available: {', '.join(available_copy_writers())}"
        ) from None
    return factory(settings)


def _offline(settings: Settings) -> CopyWriter:
    from studio.backends.llm_offline import OfflineCopyWriter

    return OfflineCopyWriter()


def _openai(settings: Settings) -> CopyWriter:
    from studio.backends.llm_openai import OpenAICopyWriter

    return OpenAICopyWriter.from_settings(settings)


def _transformers(settings: Settings) -> CopyWriter:
    from studio.backends.llm_transformers import TransformersCopyWriter

    return TransformersCopyWriter.from_settings(settings)


register_copy_writer("offline", _offline)
register_copy_writer("openai", _openai)
register_copy_writer("transformers", _transformers)
