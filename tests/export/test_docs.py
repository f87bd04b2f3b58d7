"""docs/exports.md holds a row for every column an exporter writes, with a source and a verdict."""

from __future__ import annotations

import re

import pytest

from studio.export.registry import get_exporter
from studio.export.tiktok import TEMPLATE_FIELDS, WORKSHEET_COLUMNS
from tests.conftest import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "exports.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("platform", ["google_ads", "meta", "linkedin"])
def test_every_column_is_in_the_export_notes(platform):
    # Numbered columns (Headline 1 ... Headline 15) are documented by their first one.
    missing = [
        column
        for column in get_exporter(platform).columns
        if column not in DOC and re.sub(r"\d+", "1", column) not in DOC
    ]
    assert missing == [], f"document these {platform} columns in docs/exports.md: {missing}"


def test_every_tiktok_header_studio_recognises_is_in_the_notes():
    names = [n for names, _ in TEMPLATE_FIELDS.values() for n in names] + list(WORKSHEET_COLUMNS)
    assert [n for n in names if n not in DOC] == []


def test_each_platform_section_says_where_no_authoritative_source_exists():
    assert "No authoritative source exists" in DOC  # LinkedIn
    assert DOC.count("unverified") >= 10
    for file_name in (
        "google_ads_editor_import.csv",
        "meta_ads_manager_import.csv",
        "tiktok_bulk_import.csv",
        "tiktok_WORKSHEET_not_an_import_file.csv",
        "linkedin_WORKSHEET_not_an_import_file.csv",
    ):
        assert file_name in DOC


def test_the_linkedin_emoji_research_is_stated():
    # No LinkedIn source documents an emoji rule for intro text: none is enforced, and the page
    # says so (with what was searched) instead of leaving it as "not done".
    assert "LinkedIn documents no emoji rule" in DOC and "Not done" not in DOC


def test_linkedin_intro_text_emoji_are_counted_not_refused():
    from studio.copy.channels import check_fields
    from tests.factories import FIELDS

    fields = dict(
        FIELDS["linkedin_sponsored"], intro_text="Fresh roast \u2615\U0001f525 every week."
    )
    assert [v.rule for v in check_fields("linkedin_sponsored", fields)] == []
    google = dict(FIELDS["google_rsa"], headlines=["Fresh roast \u2615", "Two", "Three"])
    assert "emoji" in [v.rule for v in check_fields("google_rsa", google)]  # where a rule exists
