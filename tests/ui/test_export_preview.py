"""The Export page previews the first rows of a long sheet, and says how many it leaves out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.ui.pages import export as export_page
from tests.export.conftest import make_campaign, make_image_ad

PAGE = "from studio.ui.pages.export import render\nrender()\n"


def test_a_long_sheet_previews_its_first_rows(
    studio_env, sign_in, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_page, "PREVIEW_ROWS", 2)
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "mia")
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as db:
        campaign_id = make_campaign(db)
        for seed in range(3):
            make_image_ad(
                db,
                campaign_id=campaign_id,
                asset_dir=Path(studio_env["STUDIO_ASSET_DIR"]),
                seed=seed,
            )
    at.run()
    at.selectbox(key="export_platform").set_value("meta").run()
    assert not at.exception, at.exception
    assert any("3 variant(s) · 3 row(s)" in s.value for s in at.subheader)
    assert len(at.dataframe[0].value) == 2
    assert any(
        "The first 2 of 3 rows; the export writes all of them." in c.value for c in at.caption
    )
