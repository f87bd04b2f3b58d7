"""Ad-account settings per brand: ``brand_guidelines/<brand>/platforms.yaml``.

What each ad platform's import file needs beyond the copy and the media: the Meta Page and
Instagram account the ads run as, TikTok's identity and its bulk template, budgets, bidding,
schedule, targeting defaults, Meta's special ad categories and Google's EU political ads
answer. The file is validated like the guideline (:func:`validate_platforms_text`) and edited on
the Brand page with the same history (:func:`studio.brand.store.save_brand_file`).

Every setting may be left out: a brand that never exports to TikTok needs no TikTok section.
An export that needs a setting the file lacks lists exactly which ones to fill in, and writes
nothing (:func:`studio.export.base.settings_problems`). Values are checked when present: enums
are the platforms' own (cited beside each field), budgets positive, countries ISO 3166 codes.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from studio.brand.guidelines import (
    PLATFORMS_FILE,
    BrandFileError,
    _validation_errors,
    parse_yaml,
)
from studio.core.errors import InvalidValue

#: Where a brand keeps the TikTok bulk template downloaded from its own Ads Manager.
TIKTOK_TEMPLATE_DIR = "templates"

Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
NumericId = Annotated[str, Field(pattern=r"^[0-9]{5,25}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


#: Google Ads Editor "Bid Strategy Type" values for Search campaigns (Editor CSV columns help,
#: support.google.com/google-ads/editor/answer/57747; BiddingStrategyType in the Google Ads API).
GoogleBidStrategy = Literal[
    "Manual CPC",
    "Maximize clicks",
    "Maximize conversions",
    "Maximize conversion value",
    "Target CPA",
    "Target ROAS",
    "Target impression share",
]


class GoogleAdsSettings(_Strict):
    """Settings of the Search campaigns studio writes for Google Ads Editor."""

    daily_budget: Money | None = Field(
        None, description="Campaign daily budget in the account's currency (new campaigns)."
    )
    bid_strategy: GoogleBidStrategy | None = None
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]] = Field(
        default_factory=list, description="Language codes targeted, e.g. [en]."
    )
    #: Google Ads API Campaign.contains_eu_political_advertising (EuPoliticalAdvertisingStatus):
    #: every new campaign must answer it before it can be posted.
    eu_political_ads: bool | None = Field(
        None, description="Does the campaign contain EU political advertising? true or false."
    )
    #: AdGroup.cpc_bid_micros (Google Ads API): the ad group's default max CPC, used only by
    #: Manual CPC bidding (the automated strategies set their own bids).
    max_cpc: Money | None = Field(
        None,
        description="Each new ad group's max CPC in the account's currency, e.g. 0.80 "
        "(Manual CPC bidding only).",
    )

    @model_validator(mode="after")
    def _max_cpc_needs_manual_cpc(self) -> GoogleAdsSettings:
        if self.max_cpc is not None and self.bid_strategy != "Manual CPC":
            raise InvalidValue(
                f"max_cpc is set but bid_strategy is {self.bid_strategy!r}: a max CPC applies to "
                "Manual CPC bidding only; remove max_cpc or set bid_strategy: Manual CPC"
            )
        return self


#: Meta Marketing API Campaign.special_ad_categories (facebook-python-business-sdk,
#: ``Campaign.SpecialAdCategories``); an empty list means "none".
MetaSpecialAdCategory = Literal[
    "HOUSING",
    "EMPLOYMENT",
    "CREDIT",
    "FINANCIAL_PRODUCTS_SERVICES",
    "ISSUES_ELECTIONS_POLITICS",
    "ONLINE_GAMBLING_AND_GAMING",
]
#: AdSet.OptimizationGoal values for the objectives studio maps (facebook-python-business-sdk).
MetaOptimizationGoal = Literal[
    "LINK_CLICKS",
    "LANDING_PAGE_VIEWS",
    "IMPRESSIONS",
    "REACH",
    "OFFSITE_CONVERSIONS",
    "LEAD_GENERATION",
    "POST_ENGAGEMENT",
    "APP_INSTALLS",
    "THRUPLAY",
]
#: AdSet.BillingEvent values (facebook-python-business-sdk).
MetaBillingEvent = Literal["IMPRESSIONS", "LINK_CLICKS", "THRUPLAY", "APP_INSTALLS"]


class MetaSettings(_Strict):
    """The Page, Instagram account, special ad categories and ad set defaults for Meta."""

    page_id: NumericId | None = Field(None, description="Facebook Page ID the ads run as.")
    instagram_account_id: NumericId | None = Field(
        None, description="Instagram account ID; leave out to run on Facebook only."
    )
    special_ad_categories: list[MetaSpecialAdCategory] | None = Field(
        None, description="Special ad categories; [] when none applies (Meta requires the answer)."
    )
    special_ad_category_countries: list[Country] = Field(default_factory=list)
    daily_budget: Money | None = Field(None, description="Ad set daily budget (account currency).")
    optimization_goal: MetaOptimizationGoal | None = None
    billing_event: MetaBillingEvent | None = None
    countries: list[Country] = Field(default_factory=list, description="Targeted countries.")
    age_min: int = Field(18, ge=13, le=65)
    age_max: int = Field(65, ge=13, le=65)
    start_time: datetime | None = Field(
        None, description="Ad set start, with its time zone, e.g. 2026-12-01T09:00:00+00:00."
    )

    @model_validator(mode="after")
    def _ages_and_countries(self) -> MetaSettings:
        if self.age_min > self.age_max:
            raise InvalidValue(f"age_min {self.age_min} is above age_max {self.age_max}")
        if self.special_ad_categories and not self.special_ad_category_countries:
            raise InvalidValue(
                "special_ad_category_countries must list where the special ad category applies"
            )
        if self.start_time is not None and self.start_time.tzinfo is None:
            raise InvalidValue("start_time needs a time zone, e.g. 2026-12-01T09:00:00+00:00")
        return self


class TikTokSettings(_Strict):
    """TikTok's bulk template (downloaded from the brand's own Ads Manager) and ad group defaults."""

    template: str | None = Field(
        None,
        description=f"The bulk template CSV in the brand's {TIKTOK_TEMPLATE_DIR}/ folder, "
        "downloaded from TikTok Ads Manager > Bulk import, unedited.",
    )
    identity: str | None = Field(None, description="Identity (display name) the ads run as.")
    daily_budget: Money | None = Field(None, description="Ad group daily budget.")
    countries: list[Country] = Field(default_factory=list, description="Targeted locations.")

    @field_validator("template")
    @classmethod
    def _inside_templates(cls, value: str | None) -> str | None:
        if value is not None and not re.match(
            rf"^{TIKTOK_TEMPLATE_DIR}/[A-Za-z0-9_. -]+\.csv$", value
        ):
            raise InvalidValue(
                f"{value!r} is not a CSV in the brand's {TIKTOK_TEMPLATE_DIR}/ folder; "
                f"write it as {TIKTOK_TEMPLATE_DIR}/<name>.csv"
            )
        return value


class PlatformSettings(_Strict):
    """The contents of ``platforms.yaml``; each platform's section may be left out."""

    google_ads: GoogleAdsSettings = Field(default_factory=GoogleAdsSettings)
    meta: MetaSettings = Field(default_factory=MetaSettings)
    tiktok: TikTokSettings = Field(default_factory=TikTokSettings)


def validate_platforms_text(
    text: str, file: str, brand_root: Path
) -> tuple[PlatformSettings | None, list[BrandFileError]]:
    """Validate ``platforms.yaml`` text, including that the TikTok template it names exists."""
    data, errors = parse_yaml(text, file)
    if errors:
        return None, errors
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [BrandFileError(file, "(whole file)", "expected a mapping of platforms")]
    try:
        settings = PlatformSettings.model_validate(data)
    except ValidationError as exc:
        return None, _validation_errors(file, exc)
    template = settings.tiktok.template
    if template is not None and not (brand_root / template).is_file():
        return None, [
            BrandFileError(
                file,
                "tiktok.template",
                f"file {template!r} does not exist in the brand folder; upload the template "
                "downloaded from TikTok Ads Manager on the Brand page first",
            )
        ]
    return settings, []


def load_platform_settings(brand_root: Path) -> tuple[PlatformSettings, list[BrandFileError]]:
    """A brand's settings; an absent file is an empty one, a bad one is reported (and empty)."""
    file = f"{brand_root.name}/{PLATFORMS_FILE}"
    path = brand_root / PLATFORMS_FILE
    if not path.is_file():
        return PlatformSettings(), []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return PlatformSettings(), [BrandFileError(file, "", f"cannot be read: {exc}")]
    settings, errors = validate_platforms_text(text, file, brand_root)
    return (settings or PlatformSettings()), errors
