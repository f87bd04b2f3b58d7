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


_FENCE = re.compile(r"```(?:json)?\s*(.*?)(?:```|$)", re.DOTALL)
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_TRAILING_COMMA = re.compile(r",\s*(?=[}\]])")
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}


def _scan_repair(text: str) -> tuple[str, bool]:
    """One pass over ``text`` (from its first ``{``) fixing what small models write wrong.

    Outside strings: ``//`` and ``#`` comments are dropped; ``True``/``False``/``None`` become
    JSON; unquoted keys are quoted. Strings in single quotes become double-quoted; raw line
    breaks inside a string become ``\\n``. If the text ends inside the object, it is closed,
    but only after a complete value: a string cut off mid-way is left broken (closing it would
    turn cut-off copy into copy). Returns the text and whether it had to be closed.
    """
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    last_complete = 0  # len(out) after the last complete value or opening bracket
    while i < n:
        c = text[i]
        if c in "\"'":
            quote, j, chars = c, i + 1, ['"']
            while j < n and text[j] != quote:
                if text[j] == "\\" and j + 1 < n:
                    chars.append(text[j : j + 2] if text[j + 1] != "'" else "'")
                    j += 2
                    continue
                chars.append({"\n": "\\n", '"': '\\"'}.get(text[j], text[j]))
                j += 1
            if j >= n:  # the reply ends inside a string: cut off, not repairable
                out.append("".join(chars))
                return "".join(out), False
            out.append("".join(chars) + '"')
            i = j + 1
            if not text[i:].lstrip().startswith(":"):  # a value, not a key
                last_complete = len(out)
            continue
        if c in "{[":
            stack.append("}" if c == "{" else "]")
            out.append(c)
            last_complete = len(out)
        elif c in "}]":
            if stack:
                stack.pop()
            out.append(c)
            last_complete = len(out)
            if not stack:
                return "".join(out), False
        elif (c == "/" and text.startswith("//", i)) or c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-"):
                j += 1
            word = text[i:j]
            rest = text[j:].lstrip()
            if rest.startswith(":"):
                out.append(json.dumps(word))  # an unquoted key
            else:
                out.append(_PY_LITERALS.get(word, word))
                last_complete = len(out)
            i = j
            continue
        else:
            out.append(c)
            if c.isdigit():
                last_complete = len(out)
        i += 1
    # Ended inside the object: keep what was complete, then close what is open.
    head = "".join(out[:last_complete]).rstrip().rstrip(",").rstrip()
    depth = []
    in_string = False
    for k, ch in enumerate(head):
        if ch == '"' and (k == 0 or head[k - 1] != "\\"):
            in_string = not in_string
        elif not in_string and ch in "{[":
            depth.append("}" if ch == "{" else "]")
        elif not in_string and ch in "}]" and depth:
            depth.pop()
    return head + "".join(reversed(depth)), True


def repair_json(text: str) -> tuple[Any, list[str]]:
    """The first JSON object in a model's reply, repaired if need be, and what was repaired.

    Accepts a bare object, one in a Markdown code fence (closed or not), or one after prose.
    Repairs, in words in the returned list: curly quotes, single-quoted strings, unquoted keys,
    comments, Python literals, trailing commas, raw line breaks in strings, and a reply cut off
    after a complete value (closed). A reply cut inside a string is not repaired.

    Raises
    ------
    ValueError
        No JSON object can be read (``json.JSONDecodeError`` for a broken one).
    """
    candidate = text.strip()
    fenced = _FENCE.search(candidate)
    if fenced and "{" in fenced.group(1):
        candidate = fenced.group(1).strip()
    start = candidate.find("{")
    if start < 0:
        raise ValueError("no JSON object found")
    candidate = candidate[start:]
    try:
        data, _ = json.JSONDecoder().raw_decode(candidate)
        return data, []
    except json.JSONDecodeError as first_error:
        repairs: list[str] = []
        fixed = candidate.translate(_SMART_QUOTES)
        if fixed != candidate:
            repairs.append("curly quotes straightened")
        scanned, closed_end = _scan_repair(fixed)
        if not closed_end and scanned != fixed[: len(scanned)]:
            repairs.append("quotes, keys, comments, literals or line breaks fixed")
        closed = _TRAILING_COMMA.sub("", scanned)
        if closed != scanned:
            repairs.append("trailing commas removed")
        try:
            data, _ = json.JSONDecoder().raw_decode(closed)
        except json.JSONDecodeError:
            raise first_error from None
        if closed_end:
            repairs.append("a reply cut off after a complete value was closed")
        return data, repairs or ["JSON repaired"]


def parse_reply(text: str, channel: ChannelSpec, *, backend: str) -> dict[str, Any]:
    """Parse a model's reply into channel fields, repairing its JSON where that is safe.

    See :func:`repair_json` for what is accepted and repaired.

    Raises
    ------
    CopyWriterError
        The reply holds no JSON object that can be read or repaired, or the object does not
        match the channel's schema; the message quotes the start of the reply and names the
        offending keys.
    """
    preview = text.strip()[:200]
    try:
        data, _ = repair_json(text)
    except json.JSONDecodeError as exc:
        raise CopyWriterError(
            f"the {backend} reply is not valid JSON ({exc.msg} at character {exc.pos}), "
            f"even after repair; it began: {preview!r}"
        ) from exc
    except ValueError as exc:
        raise CopyWriterError(
            f"the {backend} reply is not valid JSON ({exc}); it began: {preview!r}"
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
