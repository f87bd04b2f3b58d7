"""The Overview page in Streamlit's AppTest: next steps on a fresh install, counts that hold."""

from __future__ import annotations

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import ReviewAction, VariantStatus
from studio.review import workflow as review
from tests import factories

PAGE = "from studio.ui.pages.overview import render\nrender()\n"


def open_page(sign_in, username: str) -> AppTest:
    at = sign_in(AppTest.from_string(PAGE, default_timeout=60), username).run()
    assert not at.exception, at.exception
    return at


def steps(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def test_a_fresh_install_says_what_to_do_first(studio_env, sign_in):
    at = open_page(sign_in, "cara")
    assert any(s.value == "What to do next" for s in at.subheader)
    assert any("open **Generate**" in s and "first variants" in s for s in steps(at))
    bea = open_page(sign_in, "bea")  # a brand manager does not generate
    assert any("a creative generates the first variants" in s for s in steps(bea))
    assert any("**Brand** page" in s for s in steps(bea))


def test_next_steps_follow_the_work_and_the_role(studio_env, sign_in):
    open_page(sign_in, "cara")  # creates the people
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        campaign = factories.make_campaign(session)
        factories.make_variant(session, campaign_id=campaign, status=VariantStatus.in_review)
    assert any("wait for your decision" in s for s in steps(open_page(sign_in, "bea")))
    assert not any("wait for your decision" in s for s in steps(open_page(sign_in, "cara")))


def test_winners_are_counted_after_they_are_exported(studio_env, sign_in):
    open_page(sign_in, "cara")
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as s:
        campaign = factories.make_campaign(s)
        won = [
            factories.make_variant(s, campaign_id=campaign, status=VariantStatus.winner, seed=i)
            for i in range(2)
        ]
        factories.make_variant(s, campaign_id=campaign, status=VariantStatus.exported, seed=9)
        review.act(s, variant_id=won[0].id, action=ReviewAction.export, actor="mia")
        s.commit()
    metrics = {m.label: m.value for m in open_page(sign_in, "mia").metric}
    assert metrics["Won a test"] == "2"  # one winner was exported since; it still won
    assert metrics["Exported"] == "2"
    assert metrics["Draft"] == "0"
