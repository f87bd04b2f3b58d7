"""Sign-in, pages by role, and the Review, Audit log and Users pages in Streamlit's AppTest."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from studio.core import audit
from studio.core.database import get_engine
from studio.core.models import VariantStatus, utcnow
from studio.core.settings import get_settings
from studio.review import accounts as auth
from studio.review import queries as review_queries
from studio.review import workflow as review
from studio.ui.auth import SIGNIN_KEY
from tests import factories
from tests.conftest import REPO_ROOT

from .conftest import META_FIELDS, PASSWORD, add_people, make_variant

S = VariantStatus
APP = str(REPO_ROOT / "app.py")


@pytest.fixture
def db(studio_env: dict[str, str]) -> Session:
    session = Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False)
    add_people(session)
    return session


@pytest.fixture
def campaign_id(db: Session) -> int:
    return factories.make_campaign(db, name="Spring", landing_url="https://haldencoffee.example")


@pytest.fixture
def downloaded(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], bytes]:
    """Read what a download button serves: AppTest keeps it in an in-memory media store that it
    drops after each run, so keep a handle on each store (and its manager) and look the button's
    URL up in it. A deferred download (built when clicked) is generated now, as a click would."""
    stores: list[MemoryMediaFileStorage] = []
    managers: list[MediaFileManager] = []

    class KeptStorage(MemoryMediaFileStorage):
        def __init__(self, media_endpoint: str) -> None:
            super().__init__(media_endpoint)
            stores.append(self)

    class KeptManager(MediaFileManager):
        def __init__(self, storage: Any) -> None:
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)
    monkeypatch.setattr(app_test_module, "MediaFileManager", KeptManager)

    def read(button: Any) -> bytes:
        assert stores, "no AppTest run has happened since the fixture was set up"
        url = button.proto.url
        if button.proto.deferred_file_id:
            url = managers[-1].execute_deferred(button.proto.deferred_file_id)
        filename = url.rsplit("/", 1)[-1]
        return bytes(stores[-1].get_file(filename).content)

    return read


def page(module: str, db: Session, username: str | None) -> AppTest:
    at = AppTest.from_string(
        f"from studio.ui.pages.{module} import render\nrender()\n", default_timeout=60
    )
    if username:
        user = auth.active_user(db, username=username)
        at.session_state[SIGNIN_KEY] = auth.start_session(user, ttl_minutes=60)
    return at


def test_the_app_asks_for_sign_in_first_and_signs_in(db: Session):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in to studio"]
    assert not at.sidebar.selectbox  # no brand picker, no pages until signed in
    at.text_input(key="sign_in_username").set_value("bea")
    at.text_input(key="sign_in_password").set_value("wrong password here")
    at.button[0].click().run()
    assert any("unknown username or wrong password" in e.value for e in at.error)
    at.text_input(key="sign_in_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Signed in as **Bea**" in c.value for c in at.sidebar.caption)
    db.expire_all()
    actions = [e.action for e in audit.list_entries(db, entity_type="user", entity_id="bea")]
    assert actions == ["user.sign_in", "user.sign_in_failed"]
    at.sidebar.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in to studio"]


def test_an_expired_sign_in_goes_back_to_the_form(db: Session):
    at = AppTest.from_file(APP, default_timeout=60)
    user = auth.active_user(db, username="bea")
    at.session_state[SIGNIN_KEY] = auth.start_session(
        user, ttl_minutes=5, now=utcnow() - timedelta(minutes=6)
    )
    at.run()
    assert any("your sign-in expired" in w.value for w in at.warning)
    assert [t.value for t in at.title] == ["Sign in to studio"]


def test_oidc_mode_without_provider_settings_says_what_is_missing(db: Session, monkeypatch):
    monkeypatch.setenv("STUDIO_AUTH_PROVIDER", "oidc")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any(
        "no [auth] section" in e.value and "docs/identity-provider.md" in e.value for e in at.error
    )
    assert not at.text_input  # no password form in OIDC mode


def test_a_deactivated_user_is_signed_out_at_the_next_run(db: Session):
    at = page("review", db, "bea").run()
    assert [t.value for t in at.title] == ["Review"] and not at.error
    auth.set_active(db, actor="ada", username="bea", active=False)
    db.commit()
    at.run()
    assert any("Sign in to review" in e.value for e in at.error)


VISIBLE = "import streamlit as st\nfrom studio.ui.shell import PAGES\nfrom studio.ui.auth import may_open\nst.write(', '.join(s.title for s in PAGES if may_open(s.permission)))\n"


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("cara", {"Overview", "Review"}),
        ("bea", {"Overview", "Brand", "Review", "Audit log"}),
        ("mia", {"Overview", "Review", "Audit log"}),
        ("ada", {"Overview", "Brand", "Review", "Audit log", "Users"}),
    ],
)
def test_pages_are_listed_by_role(db: Session, username: str, expected: set[str]):
    at = AppTest.from_string(VISIBLE, default_timeout=60)
    at.session_state[SIGNIN_KEY] = auth.start_session(
        auth.active_user(db, username=username), ttl_minutes=60
    )
    at.run()
    shown = set(at.markdown[0].value.split(", "))
    assert expected <= shown
    assert not ({"Brand", "Audit log", "Users"} - expected) & shown


def test_review_page_approve_reject_and_request_changes(db: Session, campaign_id: int):
    a, b, c = (
        make_variant(db, campaign_id=campaign_id, status=S.in_review, predicted_ctr=ctr)
        for ctr in (0.02, 0.03, 0.01)
    )
    at = page("review", db, "bea").run()
    assert not at.exception, at.exception
    headers = [m.value for m in at.markdown if m.value.startswith("#### Variant")]
    assert [h.split(" · ")[0] for h in headers] == [
        f"#### Variant {v.id}" for v in (b, a, c)
    ]  # best CTR first
    assert any("Predicted CTR:** 3.00%" in m.value for m in at.markdown)
    assert any("Persona: Home baristas" in m.value for m in at.markdown)
    assert any(
        "Disclaimer: _New subscribers only. Cancel anytime._" in m.value for m in at.markdown
    )
    at.button(key=f"approve:{a.id}").click().run()
    at.button(key=f"reject:{b.id}").click().run()
    assert any("write a reason" in e.value for e in at.error)
    at.text_input(key=f"reason:{b.id}").set_value("Promises a discount we do not offer")
    at.button(key=f"reject:{b.id}").click().run()
    at.text_input(key=f"comment:{c.id}").set_value("Shorter headline")
    at.button(key=f"request_changes:{c.id}").click().run()
    assert not at.exception, at.exception
    statuses = {v.id: review_queries.load_variant(db, variant_id=v.id).status for v in (a, b, c)}
    assert statuses == {a.id: S.approved, b.id: S.rejected, c.id: S.changes_requested}
    [rejection] = review_queries.list_reviews(db, variant_ids=[b.id])
    assert (rejection.reviewer, rejection.comment) == ("bea", "Promises a discount we do not offer")


def test_review_page_tells_the_second_reviewer_it_changed(db: Session, campaign_id: int):
    variant = make_variant(db, campaign_id=campaign_id, status=S.in_review)
    at = page("review", db, "bea").run()  # Bea opens the queue...
    review.approve(db, variant_id=variant.id, actor="ben")  # ...Ben approves meanwhile
    db.commit()
    at.text_input(key=f"reason:{variant.id}").set_value("Off brand")
    at.button(key=f"reject:{variant.id}").click().run()
    assert any(
        "changed since you opened it" in e.value and "approve by ben" in e.value for e in at.error
    )
    assert review_queries.load_variant(db, variant_id=variant.id).status == S.approved
    assert len(review_queries.list_reviews(db, variant_ids=[variant.id])) == 1


def test_bulk_approval_asks_for_confirmation_and_reports_each(db: Session, campaign_id: int):
    variants = [make_variant(db, campaign_id=campaign_id, status=S.in_review) for _ in range(3)]
    at = page("review", db, "bea").run()
    assert at.button(key="bulk_approve").disabled
    for v in variants[:2]:
        at.checkbox(key=f"select:{v.id}").check().run()
    at.button(key="bulk_approve").click().run()
    assert any("Approve: 2 variant(s)" in w.value for w in at.warning)
    assert (
        review_queries.load_variant(db, variant_id=variants[0].id).status == S.in_review
    )  # not yet
    at.button(key="bulk_confirm").click().run()
    assert any("2 done, 0 refused" in s.value for s in at.success)
    db.expire_all()
    assert [review_queries.load_variant(db, variant_id=v.id).status for v in variants] == [
        S.approved,
        S.approved,
        S.in_review,
    ]


def test_creative_edits_and_submits_a_revision(db: Session, campaign_id: int):
    variant = make_variant(db, campaign_id=campaign_id, status=S.changes_requested)
    at = page("review", db, "cara")
    at.run()
    at.selectbox(key="review_status").set_value("changes_requested").run()
    assert not at.text_area, "the editor's boxes are drawn only once asked for"
    at.toggle(key=f"editing:{variant.id}").set_value(True).run()
    assert f"edit:{variant.id}:headline" in [t.key for t in at.text_area]
    assert not any(
        str(b.key).startswith(("approve:", "reject:")) for b in at.button
    )  # not a reviewer
    at.text_area(key=f"edit:{variant.id}:headline").set_value("The best coffee, cheap").run()
    at.button(key=f"save:{variant.id}").click().run()
    assert any("Saved revision 2" in s.value for s in at.success), [e.value for e in at.error]
    revision = review_queries.next_revision(db, variant_id=variant.id)
    assert revision is not None and revision.fields["headline"] == "The best coffee, cheap"
    assert {v["rule"] for v in revision.violations} >= {"banned_phrase", "unbacked_claim"}
    at.selectbox(key="review_status").set_value("draft").run()
    assert any(
        "cheap" in e.value and "banned\\_phrase" in e.value for e in at.error
    )  # flags on the card (as literal text: tests/security/test_text_normaliser.py)
    at.button(key=f"submit:{revision.id}").click().run()
    assert review_queries.load_variant(db, variant_id=revision.id).status == S.in_review


def test_audit_page_filters_and_downloads_csv(
    db: Session, campaign_id: int, downloaded: Callable[[Any], bytes]
):
    variant = make_variant(db, campaign_id=campaign_id, status=S.in_review)
    review.reject(db, variant_id=variant.id, actor="bea", reason="Too loud")
    db.commit()
    at = page("audit", db, "cara").run()
    assert any("may not read and download the audit log" in e.value for e in at.error)
    at = page("audit", db, "ben").run()
    assert not at.exception, at.exception
    at.selectbox(key="audit_action").set_value("variant.reject").run()
    frame = at.dataframe[0].value
    assert list(frame["who"]) == ["bea"] and list(frame["action"]) == ["Variant: reject"]
    # Before/after read as words on the page; the CSV below keeps the JSON.
    assert frame["what changed"].iloc[0].startswith("Status: In review → Rejected")
    assert "Reason: Too loud" in frame["what changed"].iloc[0]
    assert at.selectbox(key="audit_action").format_func("variant.reject") == "Variant: reject"
    assert any("1 entry" in c.value for c in at.caption)

    # The download holds exactly the filtered rows, with every column and before/after as JSON.
    button = at.get("download_button")[0]
    assert button.proto.label == "Download CSV" and not button.proto.disabled
    assert button.proto.deferred_file_id  # built when clicked, not at every page load
    rows = list(csv.DictReader(io.StringIO(downloaded(button).decode())))
    assert len(rows) == 1, rows
    (row,) = rows
    assert list(row) == [
        "id",
        "at",
        "actor",
        "origin",  # how the action arrived (tests/security/test_files_and_cli_trust.py)
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
    ]
    assert (row["actor"], row["action"], row["entity_type"], row["entity_id"]) == (
        "bea",
        "variant.reject",
        "variant",
        str(variant.id),
    )
    before, after = json.loads(row["before"]), json.loads(row["after"])
    assert before == {"status": "in_review", "lock_version": after["lock_version"] - 1}
    assert (after["status"], after["reason"]) == ("rejected", "Too loud")
    assert datetime.fromisoformat(row["at"]).tzinfo is not None


def test_users_page_adds_and_deactivates(db: Session):
    at = page("users", db, "bea").run()
    assert any("Only admins" in e.value for e in at.error)
    at = page("users", db, "ada").run()
    at.text_input(key="new_username").set_value("dan")
    at.text_input(key="new_display_name").set_value("Dan Park")
    at.selectbox(key="new_role").set_value("marketer")
    at.text_input(key="new_password").set_value("a long enough passphrase")
    at.text_input(key="new_password_again").set_value("a long enough passphrase")
    at.button(key="add_user").click().run()
    assert any("Added dan" in s.value for s in at.success), [e.value for e in at.error]
    at.button(key="active:dan").click().run()
    db.expire_all()
    with pytest.raises(auth.AuthenticationFailed, match="deactivated"):
        auth.active_user(db, username="dan")
    at.button(key="active:ada").click().run()
    assert any("only active admin" in e.value for e in at.error)


def test_each_card_names_its_campaign_and_warns_of_an_off_site_landing_url(db: Session):
    spring = factories.make_campaign(
        db, name="Spring", landing_url="https://haldencoffee.example/spring"
    )
    wrong = factories.make_campaign(
        db, name="Autumn", landing_url="https://ledgerly.example/pricing"
    )
    make_variant(db, campaign_id=spring, status=S.in_review)
    make_variant(db, campaign_id=wrong, status=S.in_review)
    at = page("review", db, "bea").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert f"Campaign #{spring} · Spring · https://haldencoffee.example/spring" in captions
    assert f"Campaign #{wrong} · Autumn · https://ledgerly.example/pricing" in captions
    [warning] = [w.value for w in at.warning if "landing URL" in w.value]
    assert "'https://ledgerly.example/pricing' is not on 'haldencoffee.example'" in warning


def test_review_cards_show_labels_not_raw_values(db: Session, campaign_id: int):
    fields = {**META_FIELDS, "call_to_action": "LEARN_MORE"}
    variant = make_variant(db, campaign_id=campaign_id, status=S.in_review, fields=fields)
    review.approve(db, variant_id=variant.id, actor="bea")
    db.commit()
    at = page("review", db, "ben").run()
    at.selectbox(key="review_status").set_value("approved").run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    [header] = [m for m in shown if m.startswith(f"#### Variant {variant.id}")]
    assert "Home baristas · Meta feed (Facebook and Instagram)" in header
    assert "**Approved**" in header
    assert any("**Call to action:** Learn more" in m for m in shown)  # the copy is one block
    assert any("bea approved" in c for c in shown)
    assert at.selectbox(key="review_status").format_func("changes_requested") == (
        "Changes requested"
    )
    for raw in ("LEARN_MORE", "in_review", "meta_feed", "home-baristas", "`approved`"):
        assert not any(raw in text for text in shown), raw


def _texts(node: Any) -> list[str]:
    """Every text shown under an AppTest node, in page order."""
    children = getattr(node, "children", None)
    if children is None:
        value = getattr(node, "value", None)
        return [value] if isinstance(value, str) else []
    return [text for child in children.values() for text in _texts(child)]


def card_texts(at: AppTest, variant_id: int) -> list[str]:
    """The texts of the card of ``variant_id``: the largest block holding its header alone."""
    header = f"#### Variant {variant_id} "

    def find(node: Any) -> list[str] | None:
        if getattr(node, "children", None) is None:
            return None  # an element, not a block
        headers = [t for t in _texts(node) if t.startswith("#### Variant ")]
        if len(headers) == 1 and headers[0].startswith(header):
            return _texts(node)
        for child in node.children.values():
            found = find(child)
            if found is not None:
                return found
        return None

    found = find(at.main)
    assert found is not None, f"no card for variant {variant_id}"
    return found


def test_feedback_shows_beside_the_card_acted_on(db: Session, campaign_id: int):
    a, b = (make_variant(db, campaign_id=campaign_id, status=S.in_review) for _ in range(2))
    at = page("review", db, "bea").run()
    at.button(key=f"reject:{b.id}").click().run()  # no reason: refused, the card stays
    assert any("write a reason" in t for t in card_texts(at, b.id))
    assert not any("write a reason" in t for t in card_texts(at, a.id))
    at.button(key=f"approve:{a.id}").click().run()  # approved: the card leaves 'In review'
    assert any(f"Variant {a.id}: In review → Approved" in s.value for s in at.success)
    assert [t.value for t in at.toast] == [f"Variant {a.id}: In review → Approved."]


def test_a_creative_submits_many_drafts_at_once(db: Session, campaign_id: int):
    drafts = [make_variant(db, campaign_id=campaign_id, status=S.draft) for _ in range(3)]
    at = page("review", db, "cara").run()
    at.selectbox(key="review_status").set_value("draft").run()
    assert not [b for b in at.button if b.key == "bulk_approve"], "a creative does not approve"
    for v in drafts[:2]:
        at.checkbox(key=f"select:{v.id}").check().run()
    assert at.button(key="bulk_submit").label == "Submit for review: selected (2)"
    at.button(key="bulk_submit").click().run()
    assert any("Submit for review: 2 variant(s)" in w.value for w in at.warning)
    at.button(key="bulk_confirm").click().run()
    assert any("Submit for review, selected: 2 done, 0 refused" in s.value for s in at.success)
    db.expire_all()
    assert [review_queries.load_variant(db, variant_id=v.id).status for v in drafts] == [
        S.in_review,
        S.in_review,
        S.draft,
    ]


def test_a_revision_shows_the_request_for_changes_it_answers(db: Session, campaign_id: int):
    asked = factories.make_variant(db, campaign_id=campaign_id, status=S.changes_requested)
    [request] = [
        r
        for r in review_queries.list_reviews(db, variant_ids=[asked.id])
        if r.action == "request_changes"
    ]
    at = page("review", db, "cara").run()
    at.selectbox(key="review_status").set_value("changes_requested").run()
    at.toggle(key=f"editing:{asked.id}").set_value(True).run()
    at.text_area(key=f"edit:{asked.id}:headline").set_value("Your roast, your way").run()
    at.button(key=f"save:{asked.id}").click().run()
    revision = review_queries.next_revision(db, variant_id=asked.id)
    assert revision is not None
    review.submit(db, variant_id=revision.id, actor="cara")
    db.commit()
    at = page("review", db, "bea").run()
    [answer] = [i.value for i in at.info if "Answers" in i.value]
    assert answer == f"Answers {request.reviewer}'s request on revision 1: “{request.comment}”"
    assert answer in card_texts(at, revision.id)


@pytest.mark.parametrize(
    ("username", "offered"), [("bea", True), ("ada", True), ("mia", False), ("cara", False)]
)
def test_approved_copy_is_sent_back_to_review_with_a_reason(
    db: Session, campaign_id: int, username: str, offered: bool
):
    variant = make_variant(db, campaign_id=campaign_id, status=S.approved)
    at = page("review", db, username).run()
    at.selectbox(key="review_status").set_value(S.approved.value).run()
    assert not at.exception, at.exception
    assert any(m.value.startswith(f"#### Variant {variant.id}") for m in at.markdown)
    keys = {b.key for b in at.button}
    assert (f"send_back:{variant.id}" in keys) is offered
    if not offered:
        return
    at.button(key=f"send_back:{variant.id}").click().run()
    assert any("write a reason" in e.value for e in at.error)
    assert review_queries.load_variant(db, variant_id=variant.id).status == S.approved
    at.text_input(key=f"reason:{variant.id}").set_value("The 4.8 rating claim was withdrawn")
    at.button(key=f"send_back:{variant.id}").click().run()
    assert not at.exception, at.exception
    assert any("Approved → In review" in s.value for s in at.success), [s.value for s in at.success]
    db.expire_all()
    assert review_queries.load_variant(db, variant_id=variant.id).status == S.in_review
    [entry] = [
        e
        for e in audit.list_entries(db, entity_type="variant", entity_id=variant.id)
        if e.action == "variant.send_back"
    ]
    assert entry.actor == username
    assert entry.after["reason"] == "The 4.8 rating claim was withdrawn"
