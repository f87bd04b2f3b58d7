"""The Review page draws one page of cards at a time, and each card's editor only when asked."""

from __future__ import annotations

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import VariantStatus
from studio.ui.pages.review import PAGE_SIZE
from tests import factories

REVIEW_PAGE = "from studio.ui.pages.review import render\nrender()\n"


def _card_ids(at: AppTest) -> list[int]:
    headers = [m.value for m in at.markdown if m.value.startswith("#### Variant ")]
    return [int(h.removeprefix("#### Variant ").split(" ", 1)[0]) for h in headers]


def test_the_second_page_shows_the_next_cards(studio_env, sign_in):
    at = sign_in(AppTest.from_string(REVIEW_PAGE, default_timeout=120), "bea")
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as db:
        made = factories.make_variants(db, n=PAGE_SIZE + 2, status=VariantStatus.in_review)
    newest_first = sorted((v.id for v in made if v.id is not None), reverse=True)
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="review_sort").set_value("Newest first").run()
    assert _card_ids(at) == newest_first[:PAGE_SIZE]
    assert any(f"{PAGE_SIZE + 2} variant(s) in review" in c.value for c in at.caption)
    at.number_input(key="review_page").set_value(2).run()
    assert _card_ids(at) == newest_first[PAGE_SIZE:]
    assert any("showing 2 on page 2 of 2" in c.value for c in at.caption)


def test_a_card_draws_its_editor_only_when_asked(studio_env, sign_in):
    at = sign_in(AppTest.from_string(REVIEW_PAGE, default_timeout=120), "cara")
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as db:
        [draft] = factories.make_variants(db, n=1, status=VariantStatus.draft)
    at.run()
    at.selectbox(key="review_status").set_value("draft").run()
    assert not at.exception, at.exception
    assert _card_ids(at) == [draft.id]
    assert not at.text_area
    at.toggle(key=f"editing:{draft.id}").set_value(True).run()
    assert {t.key for t in at.text_area} == {f"edit:{draft.id}:{name}" for name in draft.fields}
    assert at.button(key=f"save:{draft.id}")
