"""platforms.yaml: the ad-account settings exports need, validated and saved with history."""

from __future__ import annotations

import pytest

from studio.brand import store as brand_store
from studio.brand.guidelines import validate_text
from studio.brand.platforms import load_platform_settings
from tests.people import add_people

PATH = "halden-coffee/platforms.yaml"


@pytest.fixture(autouse=True)
def team(session):
    return add_people(session)


@pytest.mark.parametrize("brand", ["halden-coffee", "ledgerly"])
def test_both_example_brands_ship_valid_settings(brand_dir, brand):
    settings, errors = load_platform_settings(brand_dir / brand)
    assert errors == []
    assert settings.meta.page_id and settings.meta.special_ad_categories == []
    assert settings.google_ads.eu_political_ads is False and settings.google_ads.daily_budget


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("meta:\n  page_id: my page\n", "meta.page_id", "should match pattern"),
        (
            "meta:\n  special_ad_categories: [GAMBLING]\n",
            "meta.special_ad_categories[0]",
            "GAMBLING",
        ),
        ("meta:\n  special_ad_categories: [CREDIT]\n", "meta", "special_ad_category_countries"),
        ("meta:\n  age_min: 40\n  age_max: 30\n", "meta", "age_min 40 is above age_max 30"),
        ("google_ads:\n  daily_budget: -5\n", "google_ads.daily_budget", "greater than 0"),
        ("google_ads:\n  bid_strategy: Cheapest\n", "google_ads.bid_strategy", "Cheapest"),
        ("tiktok:\n  template: ../../etc/passwd.csv\n", "tiktok.template", "templates/"),
        ("tiktok:\n  template: templates/missing.csv\n", "tiktok.template", "does not exist"),
        ("bing: {}\n", "bing", "unknown field"),
    ],
)
def test_bad_settings_are_explained_by_field(brand_dir, text, field, problem):
    errors = validate_text(brand_dir, PATH, text)
    assert any(e.field == field and problem in e.problem for e in errors), errors


def test_settings_are_saved_with_history_like_the_guideline(session, brand_dir):
    original = (brand_dir / PATH).read_text()
    changed = original.replace("daily_budget: 25.00", "daily_budget: 30.00")
    result = brand_store.save_brand_file(
        session, root=brand_dir, path=PATH, text=changed, author="bea", message="more budget"
    )
    session.commit()  # the file changes with its version (tests/security/test_crash_windows.py)
    assert result.changed and (brand_dir / PATH).read_text() == changed
    versions = brand_store.history(session, path=PATH)
    assert [v.message for v in versions] == [
        "more budget",
        "version found on disk before the first save",
    ]
    with pytest.raises(brand_store.BrandFileInvalid, match="page_id"):
        brand_store.save_brand_file(
            session, root=brand_dir, path=PATH, text="meta:\n  page_id: x\n", author="bea"
        )
    assert (brand_dir / PATH).read_text() == changed  # nothing saved is lost


def test_a_brand_without_the_file_can_create_it(session, brand_dir):
    (brand_dir / "ledgerly" / "platforms.yaml").unlink()
    settings, errors = load_platform_settings(brand_dir / "ledgerly")
    assert errors == [] and settings.meta.page_id is None  # absent: everything to fill in
    brand_store.save_brand_file(
        session,
        root=brand_dir,
        path="ledgerly/platforms.yaml",
        text='meta:\n  page_id: "123456789"\n',
        author="bea",
    )
    session.commit()
    assert load_platform_settings(brand_dir / "ledgerly")[0].meta.page_id == "123456789"


def test_the_tiktok_template_is_uploaded_into_templates(session, brand_dir):
    relative = brand_store.save_brand_asset(
        session,
        root=brand_dir,
        brand="halden-coffee",
        name="TikTok Bulk Template.csv",
        data=b'\xef\xbb\xbf"Campaign Name","Ad Name"\r\n',
        max_mb=5,
        author="bea",
    )
    session.commit()
    assert relative == "templates/TikTok-Bulk-Template.csv"
    errors = validate_text(brand_dir, PATH, f"tiktok:\n  template: {relative}\n")
    assert errors == []
