"""Brand files as forms: one form model per section, YAML kept as the source of truth.

A form never owns the data. It reads the file's YAML (:func:`form_values`), the person edits
plain values, and :func:`apply_form` writes them back into the *same* YAML document, loaded
round-trip with ruamel.yaml: every comment, key order, quoting style and key the form does not
know about stays as it was. Only values that changed are rewritten, so ``apply_form(text,
form_values(text)) == text`` for every file the studio ships.

The YAML safety limits of :func:`studio.brand.guidelines.parse_yaml` (size, depth, no aliases)
are checked before ruamel reads anything. Field errors come from the one validator that
``studio brands validate`` uses (:func:`studio.brand.guidelines.validate_text`), keyed by the
field's path (``colors[2].hex``) so a form can show each beside its widget.

The sections (:data:`GUIDELINE_SECTIONS`, :data:`PERSONA_SECTIONS`, :data:`PLATFORM_SECTIONS`)
describe every field of :class:`~studio.brand.guidelines.Guideline`,
:class:`~studio.brand.guidelines.Persona` and
:class:`~studio.brand.platforms.PlatformSettings`; a test fails when a schema field has no form.
Enum-like fields are ``choice`` fields whose options are the schema's own ``Literal`` values,
each with a human label.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarfloat import ScalarFloat

from studio.brand.guidelines import BrandFileError, parse_yaml, validate_text
from studio.brand.platforms import (
    GoogleBidStrategy,
    MetaBillingEvent,
    MetaOptimizationGoal,
    MetaSpecialAdCategory,
)
from studio.core.errors import UserFacingError

FieldKind = Literal[
    "text",  # one line
    "long_text",  # a paragraph
    "list",  # a list of one-line texts (add, reorder, remove)
    "channels",  # a list of channel ids
    "color_role",  # one colour role
    "hex",  # a #RRGGBB colour
    "date",  # YYYY-MM-DD, optional
    "int",  # a whole number, optional
    "file",  # a path relative to the brand folder (uploadable)
    "records",  # a list of mappings with the ``columns`` below (add, reorder, remove)
    "bool",
    "choice",  # one of ``options`` (shown by their labels), optional unless required
    "choices",  # any of ``options``
    "money",  # an amount with two decimals, optional
]


@dataclass(frozen=True)
class FormField:
    """One field of a form.

    Attributes
    ----------
    path
        Where the value lives in the file, dotted from the top (``voice.tone``).
    label, help
        What the form shows.
    kind
        The widget (:data:`FieldKind`).
    required
        Whether the schema requires a value (an optional field left empty is removed from the
        file rather than written empty).
    columns
        For ``records``: the fields of each item, ``path`` relative to the item.
    options
        For ``choice`` and ``choices``: ``(value, label)`` pairs, the value as the file writes it.
    keep_empty
        An empty value is itself an answer and stays in the file (Meta's
        ``special_ad_categories: []`` says "none applies"; leaving it out says nothing).
    """

    path: str
    label: str
    kind: FieldKind
    help: str = ""
    required: bool = True
    columns: tuple[FormField, ...] = ()
    options: tuple[tuple[Any, str], ...] = ()
    keep_empty: bool = False

    def label_of(self, value: Any) -> str:
        """The human label of one of :attr:`options` (the value itself when it is not one)."""
        return next((label for option, label in self.options if option == value), str(value))

    @property
    def key(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class FormSection:
    """A titled group of fields (one expander or card in the app)."""

    key: str
    title: str
    fields: tuple[FormField, ...]


_CLAIM_COLUMNS = (
    FormField("id", "Id", "text", "Short, unique, e.g. trial-30."),
    FormField("text", "Claim", "text", "As copy may use it, figures included."),
    FormField("evidence", "Evidence", "text", "What substantiates it."),
    FormField("source", "Source", "text", "Where the evidence can be checked.", required=False),
    FormField(
        "expires", "Expires", "date", "Last day the claim may be used; empty: no end.", False
    ),
)
_PHOTO_COLUMNS = (
    FormField("file", "File", "file", "Path in the brand folder, e.g. photos/bag.png."),
    FormField("description", "Description", "text", "What the photo shows."),
    FormField("licence", "Licence", "text", "Who owns it and how it may be used."),
    FormField(
        "background",
        "Background",
        "choice",
        "How the layouts place the photo.",
        options=(
            ("transparent", "Transparent (alpha channel around the product)"),
            ("plain", "Plain, even background (removed when placed)"),
        ),
    ),
)

GUIDELINE_SECTIONS: tuple[FormSection, ...] = (
    FormSection(
        "identity",
        "Identity",
        (
            FormField("name", "Brand name", "text"),
            FormField("website", "Website", "text", "https://… (landing pages must be on it)."),
            FormField("industry", "Industry", "text"),
        ),
    ),
    FormSection(
        "voice",
        "Voice",
        (
            FormField("voice.tone", "Tone", "list", "Adjectives, e.g. warm, expert."),
            FormField("voice.description", "How the brand sounds", "long_text"),
            FormField("voice.do", "Do", "list", required=False),
            FormField("voice.dont", "Don't", "list", required=False),
        ),
    ),
    FormSection(
        "value_propositions",
        "Value propositions",
        (FormField("value_propositions", "Value propositions", "list"),),
    ),
    FormSection(
        "approved_claims",
        "Approved claims",
        (
            FormField(
                "approved_claims",
                "Approved claims",
                "records",
                "Only claims listed here may carry numbers or superlatives in copy.",
                required=False,
                columns=_CLAIM_COLUMNS,
            ),
        ),
    ),
    FormSection(
        "banned_phrases",
        "Banned phrases",
        (FormField("banned_phrases", "Banned phrases", "list", required=False),),
    ),
    FormSection(
        "disclaimers",
        "Disclaimers",
        (
            FormField(
                "disclaimers",
                "Disclaimers",
                "records",
                "Text that must appear with ads on the listed channels (all when none).",
                required=False,
                columns=(
                    FormField("text", "Text", "text"),
                    FormField("channels", "Channels", "channels", required=False),
                ),
            ),
        ),
    ),
    FormSection(
        "calls_to_action",
        "Calls to action",
        (FormField("calls_to_action", "Calls to action", "list"),),
    ),
    FormSection(
        "colors",
        "Colours",
        (
            FormField(
                "colors",
                "Colours",
                "records",
                "Roles primary, background and text are required.",
                columns=(
                    FormField("name", "Name", "text"),
                    FormField("hex", "Colour", "hex"),
                    FormField("role", "Role", "color_role"),
                ),
            ),
        ),
    ),
    FormSection(
        "fonts",
        "Fonts",
        (
            FormField("fonts.headline", "Headline font", "file", "A .ttf or .otf file."),
            FormField("fonts.body", "Body font", "file", "A .ttf or .otf file."),
        ),
    ),
    FormSection(
        "logo",
        "Logo",
        (
            FormField("logo", "Logo", "file", "A PNG with transparency."),
            FormField(
                "logo_min_height_px",
                "Minimum logo height (px)",
                "int",
                "Previews warn when a format draws the logo smaller.",
                required=False,
            ),
        ),
    ),
    FormSection(
        "visual_style",
        "Visual style",
        (FormField("visual_style", "Visual style", "long_text"),),
    ),
    FormSection(
        "negative_prompts",
        "Negative prompts",
        (FormField("negative_prompts", "Never in a picture", "list", required=False),),
    ),
    FormSection(
        "product_motifs",
        "Product motifs",
        (FormField("product_motifs", "Product motifs", "list", required=False),),
    ),
    FormSection(
        "product_photos",
        "Product photos",
        (
            FormField(
                "product_photos",
                "Product photos",
                "records",
                "Product images the layouts place.",
                required=False,
                columns=_PHOTO_COLUMNS,
            ),
        ),
    ),
)

PERSONA_SECTIONS: tuple[FormSection, ...] = (
    FormSection(
        "persona",
        "Persona",
        (
            FormField("name", "Name", "text"),
            FormField("description", "Description", "long_text"),
            FormField("locale", "Locale", "text", "Like en-US or de-DE.", required=False),
            FormField(
                "retired", "Retired", "bool", "Kept for its variants, offered nowhere.", False
            ),
        ),
    ),
    FormSection(
        "demographics",
        "Demographics",
        (
            FormField("demographics.age_range", "Age range", "text", "e.g. 25-45."),
            FormField("demographics.locations", "Locations", "list", required=False),
            FormField("demographics.income", "Income", "text", required=False),
            FormField("demographics.occupations", "Occupations", "list", required=False),
        ),
    ),
    FormSection(
        "needs",
        "Pains, motivations, objections",
        (
            FormField("pains", "Pains", "list"),
            FormField("motivations", "Motivations", "list"),
            FormField("objections", "Objections", "list", required=False),
        ),
    ),
    FormSection(
        "channels",
        "Channels",
        (FormField("preferred_channels", "Preferred channels", "channels"),),
    ),
)


def _options(values: Any, labels: Mapping[str, str]) -> tuple[tuple[Any, str], ...]:
    """Every value of a schema ``Literal`` with its label (a test checks none is missing)."""
    return tuple((value, labels.get(value, value)) for value in get_args(values))


#: Human labels of the platforms' enum values (the values are the platforms' own spelling).
ENUM_LABELS: dict[str, str] = {
    "HOUSING": "Housing",
    "EMPLOYMENT": "Employment",
    "CREDIT": "Credit",
    "FINANCIAL_PRODUCTS_SERVICES": "Financial products and services",
    "ISSUES_ELECTIONS_POLITICS": "Social issues, elections or politics",
    "ONLINE_GAMBLING_AND_GAMING": "Online gambling and gaming",
    "LINK_CLICKS": "Link clicks",
    "LANDING_PAGE_VIEWS": "Landing page views",
    "IMPRESSIONS": "Impressions",
    "REACH": "Reach (people reached)",
    "OFFSITE_CONVERSIONS": "Conversions on the website",
    "LEAD_GENERATION": "Leads (instant forms)",
    "POST_ENGAGEMENT": "Post engagement",
    "APP_INSTALLS": "App installs",
    "THRUPLAY": "ThruPlays (video watched 15 s or to the end)",
}
_YES_NO = ((True, "Yes"), (False, "No"))
_COUNTRIES_HELP = "ISO 3166 two-letter codes in capitals, e.g. US, DE."

PLATFORM_SECTIONS: tuple[FormSection, ...] = (
    FormSection(
        "google_ads",
        "Google Ads",
        (
            FormField(
                "google_ads.daily_budget",
                "Daily budget",
                "money",
                "Campaign daily budget in the account's currency (new campaigns).",
                required=False,
            ),
            FormField(
                "google_ads.bid_strategy",
                "Bid strategy",
                "choice",
                "Google Ads Editor's Bid Strategy Type for new Search campaigns.",
                required=False,
                options=_options(GoogleBidStrategy, {}),
            ),
            FormField(
                "google_ads.max_cpc",
                "Max CPC",
                "money",
                "Each new ad group's max cost per click; Manual CPC bidding only.",
                required=False,
            ),
            FormField(
                "google_ads.languages",
                "Languages",
                "list",
                "Language codes targeted, e.g. en.",
                required=False,
            ),
            FormField(
                "google_ads.eu_political_ads",
                "EU political advertising",
                "choice",
                "Does the campaign contain EU political advertising? Google requires the answer.",
                required=False,
                options=_YES_NO,
            ),
        ),
    ),
    FormSection(
        "meta",
        "Meta",
        (
            FormField(
                "meta.page_id", "Facebook Page ID", "text", "The Page the ads run as.", False
            ),
            FormField(
                "meta.instagram_account_id",
                "Instagram account ID",
                "text",
                "Leave empty to run on Facebook only.",
                required=False,
            ),
            FormField(
                "meta.special_ad_categories",
                "Special ad categories",
                "choices",
                "Empty: none applies (Meta requires the answer).",
                required=False,
                options=_options(MetaSpecialAdCategory, ENUM_LABELS),
                keep_empty=True,
            ),
            FormField(
                "meta.special_ad_category_countries",
                "Special ad category countries",
                "list",
                "Where the special ad category applies. " + _COUNTRIES_HELP,
                required=False,
            ),
            FormField(
                "meta.daily_budget",
                "Daily budget",
                "money",
                "Ad set daily budget in the account's currency.",
                required=False,
            ),
            FormField(
                "meta.optimization_goal",
                "Optimisation goal",
                "choice",
                "What each ad set optimises for.",
                required=False,
                options=_options(MetaOptimizationGoal, ENUM_LABELS),
            ),
            FormField(
                "meta.billing_event",
                "Billing event",
                "choice",
                "What Meta charges for.",
                required=False,
                options=_options(MetaBillingEvent, ENUM_LABELS),
            ),
            FormField("meta.countries", "Countries", "list", _COUNTRIES_HELP, required=False),
            FormField("meta.age_min", "Minimum age", "int", "13 to 65; 18 when empty.", False),
            FormField("meta.age_max", "Maximum age", "int", "13 to 65; 65 when empty.", False),
            FormField(
                "meta.start_time",
                "Start time",
                "text",
                "Ad set start with its time zone, e.g. 2026-12-01T09:00:00+00:00.",
                required=False,
            ),
        ),
    ),
    FormSection(
        "tiktok",
        "TikTok",
        (
            FormField(
                "tiktok.template",
                "Bulk template",
                "file",
                "The bulk template CSV from TikTok Ads Manager, uploaded under Files.",
                required=False,
            ),
            FormField("tiktok.identity", "Identity", "text", "Display name the ads run as.", False),
            FormField(
                "tiktok.daily_budget",
                "Daily budget",
                "money",
                "Ad group daily budget in the account's currency.",
                required=False,
            ),
            FormField("tiktok.countries", "Countries", "list", _COUNTRIES_HELP, required=False),
        ),
    ),
)


def money(amount: float) -> float:
    """``amount`` rounded to cents, written with two decimals (``30.00``) as the files write
    budgets, rather than as Python prints a float (``30.0``)."""
    text = f"{round(float(amount), 2):.2f}"
    written: float = ScalarFloat(float(text), width=len(text), prec=text.index("."), m_lead0=0)
    return written


def form_fields(sections: Sequence[FormSection]) -> list[FormField]:
    return [f for section in sections for f in section.fields]


class FormDocumentInvalid(UserFacingError):
    """The file cannot be read as a form (bad YAML, a safety limit, not a mapping)."""

    def __init__(self, errors: Sequence[BrandFileError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    # The example files' style: "key:\n  - item" with the dash indented under the key.
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_document(text: str, file: str = "brand file") -> CommentedMap:
    """The YAML text as a round-trip document (comments kept), within the safety limits.

    Raises
    ------
    FormDocumentInvalid
        The text breaks a YAML safety limit, is not YAML, or is not a mapping of fields.
    """
    if not text.strip():
        return CommentedMap()
    _, errors = parse_yaml(text, file)
    if errors:
        raise FormDocumentInvalid(errors)
    document = _yaml().load(text)
    if not isinstance(document, CommentedMap):
        raise FormDocumentInvalid(
            [BrandFileError(file, "(whole file)", "expected a mapping of fields")]
        )
    return document


def dump_document(document: CommentedMap) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | date) or value is None:
        return value
    return str(value)  # ruamel's scalar string types (folded, quoted) as plain str


def form_values(text: str, file: str = "brand file") -> dict[str, Any]:
    """Every value in the file as plain Python (dict, list, str, int, date), unknown keys too."""
    return dict(_plain(load_document(text, file)))


def _merged(node: Any, new: Any) -> Any:
    """``new`` written into ``node`` in place where both are containers; unchanged values kept.

    Mappings lose the keys ``new`` lacks and keep the position (and comments) of the others;
    lists are merged item by item, so a comment stays on its line while values move.
    """
    if isinstance(node, CommentedMap) and isinstance(new, Mapping):
        for key in [k for k in node if k not in new]:
            del node[key]
        for key, value in new.items():
            node[key] = _merged(node[key], value) if key in node else to_yaml_node(value)
        return node
    if isinstance(node, CommentedSeq) and isinstance(new, list | tuple):
        for index, value in enumerate(new):
            if index < len(node):
                node[index] = _merged(node[index], value)
            else:
                node.append(to_yaml_node(value))
        del node[len(new) :]
        return node
    if _plain(node) == new and type(_plain(node)) is type(new):
        return node  # keeps the original's style (folded text, quotes)
    return to_yaml_node(new)


def to_yaml_node(value: Any) -> Any:
    if isinstance(value, Mapping):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = to_yaml_node(item)
        return node
    if isinstance(value, list | tuple):
        seq = CommentedSeq(to_yaml_node(v) for v in value)
        # Short lists of short words read best on one line, as the example brands write them.
        if value and all(isinstance(v, str) and len(v) <= 24 for v in value) and len(value) <= 6:
            seq.fa.set_flow_style()
        return seq
    return value


def apply_form(text: str, values: Mapping[str, Any], file: str = "brand file") -> str:
    """The YAML ``text`` with ``values`` written into it (see :func:`_merged`).

    ``values`` is the whole file as :func:`form_values` returns it, edited: a top-level key it
    lacks is removed, so a form that keeps the values it does not show keeps every unknown key.
    Optional fields the form left empty (``None``, ``""``, ``[]`` where the schema has a
    default) should be left out of ``values`` by the caller: see :func:`without_empty`.
    """
    document = load_document(text, file)
    return dump_document(_merged(document, dict(values)))


def without_empty(values: Mapping[str, Any], fields: Sequence[FormField]) -> dict[str, Any]:
    """``values`` without the optional fields (and optional record columns) left empty."""
    out = _plain(values)
    for form_field in fields:
        parent, key = _parent(out, form_field.path)
        if parent is None:
            continue
        if (
            not form_field.required
            and not form_field.keep_empty
            and _empty(parent.get(key), form_field)
        ):
            parent.pop(key, None)
        elif form_field.kind == "records" and isinstance(parent.get(key), list):
            for item in parent[key]:
                for column in form_field.columns:
                    if (
                        isinstance(item, dict)
                        and not column.required
                        and _empty(item.get(column.key), column)
                    ):
                        item.pop(column.key, None)
    return dict(out)


def _empty(value: Any, form_field: FormField) -> bool:
    """Whether an optional field holds nothing; ``False`` is nothing only for a checkbox (a
    yes/no choice answered "No" is an answer)."""
    if value is False:
        return form_field.kind == "bool"
    return value is None or value == "" or value == []


def _parent(values: dict[str, Any], path: str) -> tuple[dict[str, Any] | None, str]:
    *heads, key = path.split(".")
    node: Any = values
    for head in heads:
        node = node.get(head) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), key


def get_value(values: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``voice.tone``), or None."""
    node: Any = values
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def set_value(values: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted ``path``, creating mappings on the way."""
    *heads, key = path.split(".")
    node = values
    for head in heads:
        if not isinstance(node.get(head), dict):
            node[head] = {}
        node = node[head]
    node[key] = value


def field_errors(root: Path, relative_path: str, text: str) -> dict[str, list[str]]:
    """Problems in the would-be file, by field path (``colors[2].hex``, ``voice.tone``).

    The same rules and wording as ``studio brands validate``; problems about the whole file
    are under ``"(whole file)"`` and YAML syntax problems under ``"line L, column C"``.
    """
    errors: dict[str, list[str]] = {}
    for error in validate_text(root, relative_path, text):
        errors.setdefault(error.field or "(whole file)", []).append(error.problem)
    return errors


def errors_under(errors: Mapping[str, list[str]], path: str) -> list[str]:
    """The problems of ``path`` and of anything inside it (``colors`` -> ``colors[1].hex``)."""
    return [
        f"{field}: {problem}" if field != path else problem
        for field, problems in errors.items()
        if field == path or field.startswith((f"{path}.", f"{path}["))
        for problem in problems
    ]


def schema_fields(model: type[BaseModel]) -> set[str]:
    """Every field path of a schema, nested models included (``voice.tone``)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out |= {f"{name}.{sub}" for sub in schema_fields(annotation)}
        else:
            out.add(name)
    return out
