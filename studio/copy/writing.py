"""Writing copy: the brief, the request a copy writer gets, its prompt and reply schema, and
the copy writers registered in the ``studio.copy_writers`` entry-point group.

A copy writer turns one :class:`CopyRequest` (brand, persona, channel, brief, seed and the
rendered prompt) into one :class:`~studio.backends.contracts.CopyDraft` (the channel's fields).
Compliance checking, repair, de-duplication and saving are the caller's job
(:mod:`studio.copy.generation`), so a writer only has to write.

Writers are registered like any third-party plug-in, in a package's ``pyproject.toml``::

    [project.entry-points."studio.copy_writers"]
    mywriter = "my_package.writer:MyWriter.from_settings"   # factory(settings) -> CopyWriter

and chosen with ``STUDIO_LLM_BACKEND=mywriter`` (see :mod:`studio.core.plugins`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic import Field as PydanticField

from studio.backends.contracts import CopyWriter, CopyWriterError, CopyWriterUnavailable
from studio.brand.guidelines import Brand, Persona
from studio.copy.channels import ChannelSpec, Violation
from studio.copy.prompts import RenderedPrompt, render
from studio.core.errors import InvalidValue
from studio.core.plugins import PluginError, Registry

if TYPE_CHECKING:
    from studio.core.settings import Settings

#: Campaign objectives, as the ad platforms name them in their buying tools.
OBJECTIVES = ("awareness", "traffic", "engagement", "leads", "sales", "app_installs")

#: The prompt template every LLM backend renders for copy.
COPY_TEMPLATE = "copy.j2"


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
    reference
        An ad to beat and how to differ from it (a challenger brief, see
        :mod:`studio.experiments.challengers`); empty for a fresh brief.
    """

    objective: str
    landing_url: str
    offer: str = ""
    name: str = ""
    reference: str = ""

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
        if len(self.reference) > 4000:
            raise InvalidValue(
                f"reference is {len(self.reference)} characters; at most 4000 are allowed"
            )


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

    # The members model-backed writers read (:class:`studio.backends.contracts.WriteRequest`).

    @property
    def prompt_text(self) -> str:
        return self.prompt.text

    @property
    def reply_name(self) -> str:
        return f"{self.channel.id}_copy"

    def reply_schema(self) -> dict[str, Any]:
        return reply_schema(self.channel)

    def parse_reply(self, text: str, *, backend: str) -> dict[str, Any]:
        return parse_reply(text, self.channel, backend=backend)


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
# The registered writers
# --------------------------------------------------------------------------------------------

CopyWriterFactory = Callable[["Settings"], CopyWriter]

#: Copy writers by name: ``factory(settings) -> CopyWriter``.
COPY_WRITERS: Registry[CopyWriterFactory] = Registry(
    "studio.copy_writers",
    kind="copy writer",
    setting="STUDIO_LLM_BACKEND",
    accepts=callable,
    expected="a factory taking the settings and returning a copy writer",
)


def available_copy_writers() -> list[str]:
    """The registered copy writer names, sorted (nothing is imported)."""
    return COPY_WRITERS.names()


def make_copy_writer(settings: Settings, name: str | None = None) -> CopyWriter:
    """Build the copy writer named ``name`` (default: ``settings.llm_backend``).

    Raises
    ------
    CopyWriterUnavailable
        Unknown backend name (the message names the group and the registered names), its code
        needs a package that is not installed, or the backend's settings are incomplete (the
        message says which ``STUDIO_*`` setting to set).
    """
    chosen = name or settings.llm_backend
    try:
        factory = COPY_WRITERS.load(chosen)
    except PluginError as exc:
        raise CopyWriterUnavailable(str(exc)) from exc
    return factory(settings)
