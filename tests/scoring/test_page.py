"""The CTR model page in Streamlit's AppTest: score headlines, see the figures, switch models."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

PAGE = "from studio.ui.pages.ctr_model import render\nrender()\n"


def test_page_scores_headlines_and_shows_the_evaluation(studio_env, sign_in):
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "cara").run()
    assert not at.exception, at.exception
    at.text_area(key="ctr_texts").set_value(
        "This Dad Did Something Amazing\nQuarterly bond yields"
    ).run()
    at.button(key="ctr_score").click().run()
    assert not at.exception, at.exception
    assert len(at.expander) == 2
    assert any("Pairwise accuracy" in m.label for m in at.metric)
    assert not [b for b in at.button if b.key == "ctr_train"], "creatives may not retrain"


def test_page_refuses_empty_input_and_lets_marketers_retrain(studio_env, sign_in):
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "mia").run()
    at.button(key="ctr_score").click().run()
    assert any("at least one headline" in e.value for e in at.error)
    at.button(key="ctr_train").click().run()
    assert any("Upload a report" in e.value for e in at.error)


def test_page_names_the_model_file_but_not_the_server_folder(studio_env, sign_in):
    from sqlmodel import Session

    from studio.core.database import get_engine
    from studio.scoring.registry import active_model_path

    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        path = active_model_path(session)
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "cara").run()
    assert not at.exception, at.exception
    shown = [e.value for e in (*at.caption, *at.markdown, *at.error, *at.warning, *at.info)]
    assert any(f"`{path.name}`" in text for text in shown)
    assert not any(str(path.parent) in text for text in shown), "a server folder is on the page"
