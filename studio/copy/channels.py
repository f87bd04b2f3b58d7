"""Channel formats: the one table of ad fields and their platform limits.

Every part of the studio that writes, checks or exports copy reads its limits from
:data:`CHANNELS`: the copy writers (to size what they write), :mod:`studio.copy.compliance` (via
:func:`check_fields`) and the ad-platform exporters (to map fields onto bulk-sheet columns).

A variant's copy is a mapping from a field name to its text, or to a list of texts for a
multi-asset field (Google responsive search ad headlines and descriptions)::

    {"headlines": ["Fresh beans, every week", ...], "descriptions": [...], "path1": "coffee"}

Lengths are counted as each platform counts them (:func:`text_length`): the text is first
normalised to Unicode NFC (so "é" written as "e" plus a combining accent counts once, as the
platform shows it), then each character counts 1, except on channels whose platform counts
double-width characters (Chinese, Japanese, Korean, full-width forms) as 2. The text itself
is never changed: normalising is for counting only. ``max_length`` is the hard limit the studio
enforces; ``shown_length``, where set, is how much the platform shows before it truncates with
"...", reported by :func:`check_fields` as a warning only when asked (``include_truncation=True``).

Sources (checked 2026), cited again beside each rule below:

* Google: responsive search ad specs (support.google.com/google-ads/answer/7684791); Editorial
  policy, Style and spelling (support.google.com/adspolicy/answer/14848297): "character limits
  in [double-width] languages are half that of other languages"; Punctuation and symbols
  (support.google.com/adspolicy/answer/14847994): emoji are "invalid or unsupported characters".
* TikTok: Video ads specifications (ads.tiktok.com/help/article?aid=6669199281502552069): ad
  description "12-100 English characters (6-50 Chinese / Japanese characters) ... Emoji, { } and
  # cannot appear in the ad text".
* Meta: Ads Guide (feed, single image); LinkedIn: single-image ad specs. Neither documents a
  double-width rule, so their characters count 1. Meta accepts primary text longer than 125
  characters but truncates it on feed behind "... more"; the studio treats the shown length as
  the limit so that the disclaimer and the offer are always visible.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from studio.brand.guidelines import ChannelId
from studio.core.errors import InvalidValue, NotFound
from studio.core.text import Counting, text_length

Severity = Literal["error", "warning"]

#: Emoji and pictographs (including flags, dingbats, variation selectors and joiners).
EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, symbols & pictographs ext.
    "\U00002600-\U000027bf"  # misc symbols, dingbats
    "\U00002b00-\U00002bff"  # arrows & stars used as emoji (e.g. ⭐)
    "\U0001f1e6-\U0001f1ff"  # regional indicators (flags)
    "\U0000fe0f\U0000200d"  # variation selector-16, zero-width joiner
    "\U00002300-\U000023ff"  # misc technical (⌚, ⏰)
    "]"
)

#: A web address or bare domain in running text (``https://x.example``, ``www.x.example``).
LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|io|co|shop|app)\b")


@dataclass(frozen=True)
class Violation:
    """One broken rule on one field of one variant.

    Attributes
    ----------
    rule
        Short machine name of the rule, e.g. ``"max_length"``, ``"banned_phrase"``.
    field
        The field, with an index for one item of a multi-asset field (``"headlines[2]"``),
        or ``"(variant)"`` for a rule about the whole variant.
    reason
        A sentence for the person reading the variant: what was found and what is allowed.
    severity
        ``"error"`` must be fixed before the ad runs; ``"warning"`` is advice (truncation).
    """

    rule: str
    field: str
    reason: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form, as stored in ``Variant.violations``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Violation:
        return cls(
            rule=str(data["rule"]),
            field=str(data["field"]),
            reason=str(data["reason"]),
            severity="warning" if data.get("severity") == "warning" else "error",
        )

    def __str__(self) -> str:
        return f"{self.field}: {self.reason} [{self.rule}]"


@dataclass(frozen=True)
class FieldSpec:
    """One field of an ad format.

    Attributes
    ----------
    name
        Key in a variant's ``fields`` mapping (snake_case).
    label
        The platform's own name for the field, for display and export column mapping.
    max_length
        Hard limit, in characters, for the text (each item for multi-asset fields).
    min_length
        Shortest allowed text, in characters.
    shown_length
        Characters shown before the platform truncates; ``None`` when nothing is truncated.
    min_count, max_count
        Number of texts for a multi-asset field (``multiple=True``); both 1 otherwise.
    multiple
        The value is a list of texts that the platform combines (responsive ads).
    distinct
        Items of a multi-asset field must differ (compared case-insensitively).
    required
        The field must be present and non-empty.
    allow_emoji
        When false, any emoji or pictograph is a violation.
    forbidden_chars
        Characters the platform rejects in this field.
    allow_links
        When false, a web address in the text is a violation (the platform does not link it).
    choices
        When set, the value must be one of these platform enumeration values (e.g. CTA buttons).
    help
        What the field is for, shown to copywriters and included in prompts.
    """

    name: str
    label: str
    max_length: int
    min_length: int = 1
    shown_length: int | None = None
    min_count: int = 1
    max_count: int = 1
    multiple: bool = False
    distinct: bool = False
    required: bool = True
    allow_emoji: bool = True
    forbidden_chars: tuple[str, ...] = ()
    allow_links: bool = True
    choices: tuple[str, ...] | None = None
    help: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.min_length <= self.max_length:
            raise InvalidValue(f"{self.name}: need 0 <= min_length <= max_length")
        if self.shown_length is not None and not 0 < self.shown_length <= self.max_length:
            raise InvalidValue(f"{self.name}: shown_length must be in (0, max_length]")
        if not 0 <= self.min_count <= self.max_count:
            raise InvalidValue(f"{self.name}: need 0 <= min_count <= max_count")
        if not self.multiple and self.max_count != 1:
            raise InvalidValue(f"{self.name}: only multiple fields may hold more than one text")

    @property
    def is_text(self) -> bool:
        """Free text (as opposed to an enumeration such as a CTA button)."""
        return self.choices is None

    @property
    def limit_text(self) -> str:
        """The limits in words, e.g. ``"3-15 distinct texts, each at most 30 characters"``."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        length = (
            f"{self.min_length}-{self.max_length} characters"
            if self.min_length > 1
            else f"at most {self.max_length} characters"
        )
        if self.shown_length is not None and self.shown_length < self.max_length:
            length += f" ({self.shown_length} shown before truncation)"
        elif self.shown_length is not None:
            length += " (longer text is truncated)"
        if self.multiple:
            distinct = " distinct" if self.distinct else ""
            return f"{self.min_count}-{self.max_count}{distinct} texts, each {length}"
        return length


@dataclass(frozen=True)
class ChannelSpec:
    """An ad format on one platform.

    Attributes
    ----------
    id
        Channel id used in personas, variants and settings (:data:`studio.brand.guidelines.ChannelId`).
    name
        Human name, e.g. ``"Google responsive search ad"``.
    platform
        The ad platform, e.g. ``"google_ads"``; the exporters key on it.
    fields
        The format's fields in display order.
    disclaimer_field
        Where brand disclaimers must appear. For a multi-asset field every item must carry
        them, because the platform shows any subset of the items.
    counting
        How the platform counts characters toward ``max_length`` (see :func:`text_length`).
    """

    id: ChannelId
    name: str
    platform: str
    fields: tuple[FieldSpec, ...]
    disclaimer_field: str
    counting: Counting = "characters"

    def length(self, text: str) -> int:
        """``text``'s length as this channel's platform counts it."""
        return text_length(text, self.counting)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise InvalidValue(f"{self.id}: field names repeat: {names}")
        if self.disclaimer_field not in names:
            raise InvalidValue(
                f"{self.id}: disclaimer_field {self.disclaimer_field!r} is not a field"
            )

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise NotFound("field", name, self.field_names, within=f"channel {self.id!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def text_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.is_text)


_GOOGLE_RSA = ChannelSpec(
    id="google_rsa",
    name="Google responsive search ad",
    platform="google_ads",
    disclaimer_field="descriptions",
    # Editorial policy: double-width languages get half the characters, i.e. each counts 2.
    counting="double_width",
    fields=(
        FieldSpec(
            "headlines",
            "Headline",
            30,
            multiple=True,
            min_count=3,
            max_count=15,
            distinct=True,
            allow_emoji=False,  # Punctuation and symbols policy: emoji are unsupported characters
            help="Short headlines Google combines, up to three at a time; each must make sense alone.",
        ),
        FieldSpec(
            "descriptions",
            "Description",
            90,
            multiple=True,
            min_count=2,
            max_count=4,
            distinct=True,
            allow_emoji=False,
            help="Descriptions Google shows one or two at a time under the headlines.",
        ),
        FieldSpec(
            "path1",
            "Path 1",
            15,
            required=False,
            allow_emoji=False,
            # A path is one URL segment: "/" would start another (ResponsiveSearchAdInfo.path1).
            forbidden_chars=("/",),
            help="First display-URL path segment after the domain, e.g. 'coffee'.",
        ),
        FieldSpec(
            "path2",
            "Path 2",
            15,
            required=False,
            allow_emoji=False,
            forbidden_chars=("/",),
            help="Second display-URL path segment; only shown when Path 1 is set.",
        ),
    ),
)

_META_CTAS = (
    "SHOP_NOW",
    "LEARN_MORE",
    "SIGN_UP",
    "SUBSCRIBE",
    "GET_OFFER",
    "ORDER_NOW",
    "BOOK_NOW",
    "CONTACT_US",
    "DOWNLOAD",
    "APPLY_NOW",
    "GET_QUOTE",
)

_META_FEED = ChannelSpec(
    id="meta_feed",
    name="Meta feed (Facebook and Instagram)",
    platform="meta",
    disclaimer_field="primary_text",
    fields=(
        FieldSpec(
            "primary_text",
            "Primary text",
            125,
            shown_length=125,
            help="Text above the image; feed truncates after about 125 characters.",
        ),
        FieldSpec(
            "headline",
            "Headline",
            40,
            shown_length=27,
            help="Bold line under the image; 27 characters are shown on feed.",
        ),
        FieldSpec(
            "description", "Description", 30, required=False, help="Line under the headline."
        ),
        FieldSpec("call_to_action", "Call to action", 16, choices=_META_CTAS, help="The button."),
    ),
)

_LINKEDIN_CTAS = (
    "LEARN_MORE",
    "SIGN_UP",
    "SUBSCRIBE",
    "REGISTER",
    "REQUEST_DEMO",
    "DOWNLOAD",
    "APPLY",
    "JOIN",
    "ATTEND",
    "VIEW_QUOTE",
)

_LINKEDIN = ChannelSpec(
    id="linkedin_sponsored",
    name="LinkedIn sponsored content (single image)",
    platform="linkedin",
    disclaimer_field="intro_text",
    fields=(
        FieldSpec(
            "intro_text",
            "Introductory text",
            600,
            shown_length=150,
            help="Text above the image; 150 characters show before '...see more'.",
        ),
        FieldSpec(
            "headline",
            "Headline",
            200,
            shown_length=70,
            help="Line under the image; about 70 characters show before truncation.",
        ),
        FieldSpec(
            "call_to_action", "Call to action", 16, choices=_LINKEDIN_CTAS, help="The button."
        ),
    ),
)

_TIKTOK_CTAS = (
    "LEARN_MORE",
    "SHOP_NOW",
    "SIGN_UP",
    "SUBSCRIBE",
    "ORDER_NOW",
    "BOOK_NOW",
    "DOWNLOAD",
    "CONTACT_US",
    "APPLY_NOW",
    "GET_QUOTE",
)

_TIKTOK = ChannelSpec(
    id="tiktok",
    name="TikTok in-feed ad",
    platform="tiktok",
    disclaimer_field="ad_text",
    # "12-100 English characters (6-50 Chinese / Japanese characters)": each of those counts 2.
    counting="double_width",
    fields=(
        FieldSpec(
            "ad_text",
            "Ad text",
            100,
            min_length=12,
            allow_emoji=False,
            # "Emoji, { } and # cannot appear in the ad text" (TikTok video ads specifications);
            # captions link nothing and do not support @mentions, so neither may stand in copy.
            forbidden_chars=("#", "{", "}", "@"),
            allow_links=False,
            help="Caption shown with the video: 12-100 characters (CJK count 2), no emoji, "
            "no #, { }, @ or links.",
        ),
        FieldSpec("call_to_action", "Call to action", 16, choices=_TIKTOK_CTAS, help="The button."),
    ),
)

#: Every channel the studio writes for, by id. The exporters reuse this table.
CHANNELS: dict[str, ChannelSpec] = {c.id: c for c in (_GOOGLE_RSA, _META_FEED, _LINKEDIN, _TIKTOK)}

assert set(CHANNELS) == set(get_args(ChannelId)), (
    "CHANNELS and studio.brand.guidelines.ChannelId disagree"
)


def get_channel(channel: str | ChannelSpec) -> ChannelSpec:
    """The :class:`ChannelSpec` for a channel id (a spec is returned unchanged)."""
    if isinstance(channel, ChannelSpec):
        return channel
    try:
        return CHANNELS[channel]
    except KeyError:
        raise NotFound("channel", channel, CHANNELS) from None


def field_texts(channel: str | ChannelSpec, fields: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every free text of a variant as ``(location, text)``, e.g. ``("headlines[0]", "...")``.

    Enumeration fields (CTA buttons) and values of the wrong type are skipped; the latter are
    reported by :func:`check_fields`.
    """
    spec = get_channel(channel)
    for fspec in spec.text_fields:
        value = fields.get(fspec.name)
        if isinstance(value, str):
            yield fspec.name, value
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield f"{fspec.name}[{i}]", item


def _check_text(
    spec: ChannelSpec, fspec: FieldSpec, where: str, text: str, include_truncation: bool
) -> list[Violation]:
    out: list[Violation] = []
    n = spec.length(text)
    counted = (
        f"counts {n} (double-width characters count 2)"
        if n != len(unicodedata.normalize("NFC", text))
        else f"{n} characters"
    )
    if text != text.strip():
        out.append(Violation("whitespace", where, "starts or ends with spaces; remove them"))
    if n > fspec.max_length:
        out.append(
            Violation(
                "max_length",
                where,
                f"{counted}; {fspec.label} allows at most {fspec.max_length} ({n - fspec.max_length} too many)",
            )
        )
    elif n < fspec.min_length:
        out.append(
            Violation(
                "min_length",
                where,
                f"{counted}; {fspec.label} needs at least {fspec.min_length}",
            )
        )
    if not fspec.allow_emoji:
        found = sorted(set(EMOJI.findall(text)))
        if found:
            out.append(
                Violation(
                    "emoji", where, f"contains emoji {''.join(found)!r}; {fspec.label} allows none"
                )
            )
    for char in fspec.forbidden_chars:
        if char in text:
            out.append(
                Violation(
                    "forbidden_character",
                    where,
                    f"contains {char!r}, which {fspec.label} does not allow",
                )
            )
    link = None if fspec.allow_links else LINK.search(text)
    if link is not None:
        out.append(
            Violation(
                "link",
                where,
                f"contains the web address {link.group(0)!r}; {fspec.label} does not link it: "
                "the landing page goes in the campaign instead",
            )
        )
    if (
        include_truncation
        and fspec.shown_length is not None
        and fspec.max_length >= n > fspec.shown_length
    ):
        out.append(
            Violation(
                "truncation",
                where,
                f"{n} characters; only the first {fspec.shown_length} are shown: "
                f"{text[: fspec.shown_length]!r}...",
                severity="warning",
            )
        )
    return out


def check_fields(
    channel: str | ChannelSpec, fields: Mapping[str, Any], *, include_truncation: bool = False
) -> list[Violation]:
    """Check a variant's fields against the channel's format.

    Parameters
    ----------
    channel
        Channel id (``"google_rsa"``, ...) or its :class:`ChannelSpec`.
    fields
        Field name -> text, or list of texts for multi-asset fields.
    include_truncation
        Also report texts longer than the shown length, as ``severity="warning"``.

    Returns
    -------
    list of Violation
        Empty when the variant fits the format. Rules: ``unknown_field``, ``required``,
        ``type``, ``count``, ``distinct``, ``max_length``, ``min_length``, ``whitespace``,
        ``emoji``, ``forbidden_character``, ``choice``, ``dependency`` and (warnings)
        ``truncation``.
    """
    spec = get_channel(channel)
    out: list[Violation] = []
    for name in fields:
        if name not in spec.field_names:
            out.append(
                Violation(
                    "unknown_field",
                    name,
                    f"{spec.name} has no field {name!r}; fields: {', '.join(spec.field_names)}",
                )
            )
    for fspec in spec.fields:
        value = fields.get(fspec.name)
        empty = (
            value is None or value == "" or (isinstance(value, list | tuple) and len(value) == 0)
        )
        if empty:
            if fspec.required:
                out.append(
                    Violation(
                        "required", fspec.name, f"{fspec.label} is required ({fspec.limit_text})"
                    )
                )
            continue
        if fspec.choices is not None:
            if value not in fspec.choices:
                out.append(
                    Violation(
                        "choice",
                        fspec.name,
                        f"{value!r} is not allowed; use one of {', '.join(fspec.choices)}",
                    )
                )
            continue
        if fspec.multiple:
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                out.append(
                    Violation(
                        "type", fspec.name, f"expected a list of texts, got {type(value).__name__}"
                    )
                )
                continue
            if not fspec.min_count <= len(value) <= fspec.max_count:
                out.append(
                    Violation(
                        "count",
                        fspec.name,
                        f"{len(value)} texts; {fspec.label} needs {fspec.min_count}-{fspec.max_count}",
                    )
                )
            if fspec.distinct:
                seen: dict[str, int] = {}
                for i, item in enumerate(value):
                    key = " ".join(item.casefold().split())
                    if key in seen:
                        out.append(
                            Violation(
                                "distinct",
                                f"{fspec.name}[{i}]",
                                f"repeats {fspec.name}[{seen[key]}] {item!r}; each {fspec.label} must differ",
                            )
                        )
                    else:
                        seen[key] = i
            for i, item in enumerate(value):
                out.extend(_check_text(spec, fspec, f"{fspec.name}[{i}]", item, include_truncation))
        elif not isinstance(value, str):
            out.append(Violation("type", fspec.name, f"expected text, got {type(value).__name__}"))
        else:
            out.extend(_check_text(spec, fspec, fspec.name, value, include_truncation))
    if spec.id == "google_rsa" and fields.get("path2") and not fields.get("path1"):
        out.append(
            Violation(
                "dependency", "path2", "Path 2 is only shown when Path 1 is set; fill in path1"
            )
        )
    return out


def truncate_for_display(spec: FieldSpec, text: str) -> str:
    """``text`` as the platform shows it: cut at ``shown_length`` with an ellipsis."""
    if spec.shown_length is None or len(text) <= spec.shown_length:
        return text
    return text[: spec.shown_length].rstrip() + "…"


@dataclass(frozen=True)
class ChannelSummary:
    """One row of :func:`limits_table`, for documentation and the UI."""

    channel: str
    field: str
    label: str
    limits: str
    required: bool
    # dataclasses.field by its full name: the `field` attribute above shadows it in this body
    notes: list[str] = dataclasses.field(default_factory=list)


def limits_table() -> list[ChannelSummary]:
    """Every channel field with its limits in words (the UI and the docs show this table)."""
    rows = []
    for spec in CHANNELS.values():
        for fspec in spec.fields:
            notes = []
            if not fspec.allow_emoji:
                notes.append("no emoji")
            notes += [f"no {c!r}" for c in fspec.forbidden_chars]
            if not fspec.allow_links:
                notes.append("no links")
            if fspec.is_text and spec.counting == "double_width":
                notes.append("double-width characters count 2")
            if fspec.name == spec.disclaimer_field:
                notes.append("carries the brand disclaimers")
            rows.append(
                ChannelSummary(
                    spec.id, fspec.name, fspec.label, fspec.limit_text, fspec.required, notes
                )
            )
    return rows


#: Words in a brand's call to action -> platform CTA buttons that say the same, best first.
_CTA_KEYWORDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("demo",), ("REQUEST_DEMO", "BOOK_NOW", "LEARN_MORE")),
    (("subscri",), ("SUBSCRIBE", "SIGN_UP")),
    (("trial", "sign up", "sign-up", "get started", "join", "register"), ("SIGN_UP", "REGISTER")),
    (("shop", "buy", "order", "get your first", "bag"), ("SHOP_NOW", "ORDER_NOW")),
    (("quote",), ("GET_QUOTE", "VIEW_QUOTE")),
    (("download",), ("DOWNLOAD",)),
    (("apply",), ("APPLY_NOW", "APPLY")),
    (("contact", "call us"), ("CONTACT_US",)),
    (("book",), ("BOOK_NOW",)),
)


def suggest_cta_button(call_to_action: str, channel: str | ChannelSpec) -> str | None:
    """The channel's CTA button closest to a brand's call-to-action text.

    ``"Start free trial"`` -> ``"SIGN_UP"``; falls back to ``"LEARN_MORE"``. ``None`` for a
    channel without a CTA button (Google RSA).
    """
    spec = get_channel(channel)
    buttons = next((f.choices for f in spec.fields if f.choices is not None), None)
    if buttons is None:
        return None
    text = call_to_action.casefold()
    for keywords, preferred in _CTA_KEYWORDS:
        if any(k in text for k in keywords):
            for button in preferred:
                if button in buttons:
                    return button
    return "LEARN_MORE" if "LEARN_MORE" in buttons else buttons[0]
