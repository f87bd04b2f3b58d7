"""The Generate page in Streamlit's AppTest (no browser)."""

from __future__ import annotations

from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import AuditLog, Campaign, Variant
from studio.jobs.executors import get_executor
from studio.jobs.worker import Worker

PAGE = "from studio.ui.pages.generate import render\nrender()\n"


def open_page(sign_in, username: str) -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    sign_in(at, username)
    return at.run()


def rows(env) -> list[Variant]:
    with Session(get_engine(env["STUDIO_DATABASE_URL"])) as session:
        return list(session.exec(select(Variant).order_by(Variant.id)).all())


def test_generate_saves_drafts_and_shows_them(sign_in, studio_env):
    at = open_page(sign_in, "cara")
    assert not at.exception, at.exception
    assert "offline" in " ".join(c.value for c in at.caption)
    at.multiselect(key="gen_personas").set_value(["home-baristas", "gift-buyers"])
    at.multiselect(key="gen_channels").set_value(["tiktok", "google_rsa"])
    at.text_input(key="gen_offer").set_value("50% off your first bag")
    at.text_input(key="gen_name").set_value("Spring")
    at.number_input(key="gen_n").set_value(2)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # The page queued a job; the worker (scripts/app.sh runs one beside the app) does the work.
    assert rows(studio_env) == []
    Worker(studio_env["STUDIO_DATABASE_URL"], get_executor("local")).run(once=True)
    at.run()
    assert not at.exception, at.exception
    saved = rows(studio_env)
    assert len(saved) == 2 * 2 * 2
    assert all(
        r.status == "draft" and r.created_by == "cara" and r.backend == "offline" for r in saved
    )
    assert {(r.persona, r.channel) for r in saved} == {
        (p, c) for p in ("home-baristas", "gift-buyers") for c in ("tiktok", "google_rsa")
    }
    assert any("Saved 8 drafts" in s.value for s in at.success)
    table = at.dataframe[0].value  # the variants; the channel limits table comes after it
    assert list(table["id"]) == [r.id for r in saved]
    assert {
        "persona",
        "channel",
        "backend",
        "model",
        "seed",
        "prompt",
        "violations",
        "predicted CTR",
    } <= set(table.columns)
    assert table["prompt"].str.startswith("copy.j2 · ").all()
    # Labels, not stored values.
    assert set(table["persona"]) == {"Home baristas", "Gift buyers"}
    assert set(table["channel"]) == {"TikTok in-feed ad", "Google responsive search ad"}
    assert set(table["status"]) == {"Draft"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Drafts"] == "8" and float(metrics["Diversity"]) > 0
    # The prompt of any variant can be read back.
    assert saved[0].prompt.strip() in [c.value.strip() for c in at.code]
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        campaign = session.exec(select(Campaign)).one()
        assert campaign.name == "Spring" and campaign.offer == "50% off your first bag"
        assert (
            len(session.exec(select(AuditLog).where(AuditLog.action == "variant.create")).all())
            == 8
        )


def test_bad_brief_is_named_and_nothing_is_saved(sign_in, studio_env):
    at = open_page(sign_in, "cara")
    at.text_input(key="gen_landing_url").set_value("haldencoffee")
    at.button[0].click().run()
    assert any("landing_url 'haldencoffee' is not a web address" in e.value for e in at.error)
    at.text_input(key="gen_landing_url").set_value("https://haldencoffee.example")
    at.multiselect(key="gen_personas").set_value([])
    at.button[0].click().run()
    assert any("choose at least one persona" in e.value for e in at.error)
    assert rows(studio_env) == []


def test_a_role_that_may_not_generate_is_told_so(sign_in, studio_env):
    at = open_page(sign_in, "bea")
    at.button[0].click().run()
    assert any("bea" in e.value and "Nothing was queued" in e.value for e in at.error)
    assert rows(studio_env) == []


def test_missing_openai_key_is_explained(sign_in, studio_env, monkeypatch):
    from studio.core.settings import get_settings

    monkeypatch.setenv("STUDIO_LLM_BACKEND", "openai")
    monkeypatch.delenv("STUDIO_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("STUDIO_OPENAI_BASE_URL", raising=False)
    get_settings.cache_clear()
    at = open_page(sign_in, "cara")
    at.button[0].click().run()
    assert any("STUDIO_OPENAI_API_KEY" in e.value for e in at.error)
    assert rows(studio_env) == []


def test_landing_url_follows_the_active_brand(sign_in, studio_env):
    at = open_page(sign_in, "cara")
    assert at.text_input(key="gen_landing_url").value == "https://haldencoffee.example"
    at.text_input(key="gen_landing_url").set_value("https://haldencoffee.example/spring").run()
    at.session_state["brand"] = "ledgerly"
    at.run()
    assert at.text_input(key="gen_landing_url").value == "https://ledgerly.example"
    at.session_state["brand"] = "halden-coffee"
    at.run()
    assert at.text_input(key="gen_landing_url").value == "https://haldencoffee.example"


def test_an_off_site_landing_url_is_warned_about(sign_in, studio_env):
    at = open_page(sign_in, "cara")
    at.text_input(key="gen_landing_url").set_value("https://ledgerly.example/pricing")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any(
        "'https://ledgerly.example/pricing' is not on 'haldencoffee.example'" in w.value
        for w in at.warning
    ), [w.value for w in at.warning]


def test_rubric_fresh_seeds_and_repeated_briefs(sign_in, studio_env):
    at = open_page(sign_in, "cara")
    first_seed = at.number_input(key="gen_seed").value
    assert first_seed != 0
    at.multiselect(key="gen_channels").set_value(["meta_feed"])
    at.number_input(key="gen_n").set_value(2)
    at.button[0].click().run()
    assert not at.exception, at.exception
    Worker(studio_env["STUDIO_DATABASE_URL"], get_executor("local")).run(once=True)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Button-label headlines"] == "0" and metrics["Cut-off phrases"] == "0"
    assert metrics["Apply a Do rule"].endswith("%")
    table = at.dataframe[0].value
    assert {"rubric", "Do rules"} <= set(table.columns)
    assert table["Do rules"].str.len().gt(0).any()
    assert not any("run before" in w.value for w in at.warning)
    # The next run gets a fresh seed; going back to the first one is warned about.
    second_seed = at.number_input(key="gen_seed").value
    assert second_seed != first_seed
    at.number_input(key="gen_seed").set_value(first_seed)
    at.button[0].click().run()
    assert not at.exception, at.exception
    warned = [w.value for w in at.warning if "run before" in w.value]
    assert warned and f"seed {first_seed} repeats campaign #" in warned[0]


def test_an_unbacked_offer_is_refused_or_rewritten_with_a_warning(sign_in, studio_env):
    at = open_page(sign_in, "cara")
    at.text_input(key="gen_offer").set_value("60% off your first bag")
    at.button[0].click().run()
    assert any("'60%'" in e.value and "first-bag-50" in e.value for e in at.error)
    assert rows(studio_env) == []
    at.radio(key="gen_offer_policy").set_value("rewrite")
    at.button[0].click().run()
    assert not at.exception, at.exception
    Worker(studio_env["STUDIO_DATABASE_URL"], get_executor("local")).run(once=True)
    at.run()
    assert any("offer rewritten from '60% off your first bag'" in w.value for w in at.warning)
    assert rows(studio_env) and "60%" not in repr([r.fields for r in rows(studio_env)])
