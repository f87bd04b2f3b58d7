"""The copy rubric on the Review page: one compact line per card, and one per finding."""

from __future__ import annotations

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.copy import variants as variant_queries
from studio.core.database import get_engine
from studio.core.models import VariantStatus
from studio.review import accounts as auth
from studio.ui.auth import SIGNIN_KEY
from tests import factories
from tests.people import add_people


def test_each_review_card_shows_the_rubric(studio_env):
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as db:
        add_people(db)
        campaign = variant_queries.create_campaign(
            db,
            brand="halden-coffee",
            name="Spring",
            objective="traffic",
            landing_url="https://haldencoffee.example",
            created_by="cara",
        )
        db.commit()
        # The factory's headline is a button label: the rubric says so on the card.
        button = factories.make_variant(db, campaign_id=campaign.id, status=VariantStatus.in_review)
        clean = factories.make_variant(
            db,
            campaign_id=campaign.id,
            status=VariantStatus.in_review,
            headline="Roasted within 48 hours",
            seed=8,
        )
        user = auth.active_user(db, username="bea")
        token = auth.start_session(user, ttl_minutes=60)
    at = AppTest.from_string(
        "from studio.ui.pages.review import render\nrender()\n", default_timeout=60
    )
    at.session_state[SIGNIN_KEY] = token
    at.run()
    assert not at.exception, at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]  # Markdown escapes dropped
    rubric = [c for c in captions if c.startswith("Rubric:")]
    assert len(rubric) == 2, captions
    assert any("1 finding(s)" in c for c in rubric) and any("no findings" in c for c in rubric)
    assert all("applies Do: Name the origin" in c for c in rubric)
    assert any("headline 'Find your roast'" in c and "button_headline" in c for c in captions)
    assert button.id != clean.id
