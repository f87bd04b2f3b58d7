"""The app shell: navigation over the pages, and a sidebar with brand, database and backends.

Pages are registered in :data:`PAGES` exactly like third-party ones would be: a title, a URL
path, an icon and a ``render()`` function in ``studio.ui.pages.<module>``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import streamlit as st

from studio.core.database import database_label
from studio.core.errors import UserFacingError
from studio.review.accounts import Permission
from studio.ui import auth as auth_ui
from studio.ui import context


@dataclass(frozen=True)
class PageSpec:
    title: str
    module: str
    icon: str
    url_path: str
    #: A :class:`studio.review.accounts.Permission` the signed-in role needs to see the page; None: everyone.
    permission: str | None = None


PAGES: list[PageSpec] = [
    PageSpec("Overview", "overview", ":material/home:", "overview"),
    PageSpec("Brand", "brand", ":material/palette:", "brand", permission="edit_guidelines"),
    PageSpec("Generate", "generate", ":material/edit_note:", "generate", permission="generate"),
    PageSpec("Review", "review", ":material/fact_check:", "review"),
    PageSpec("Gallery", "gallery", ":material/photo_library:", "gallery"),
    PageSpec("CTR model", "ctr_model", ":material/insights:", "ctr-model"),
    PageSpec("Audit log", "audit", ":material/history:", "audit", permission="view_audit"),
    PageSpec("Tests", "tests", ":material/science:", "tests", permission="run_tests"),
    PageSpec("Export", "export", ":material/ios_share:", "export", permission="export"),
    PageSpec("Jobs", "jobs", ":material/pending_actions:", "jobs"),
    PageSpec("Users", "users", ":material/group:", "users", permission="manage_users"),
]


def _page(spec: PageSpec, default: bool) -> st.Page:
    module = importlib.import_module(f"studio.ui.pages.{spec.module}")
    return st.Page(
        module.render, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=default
    )


def sidebar() -> None:
    config = context.settings()
    catalog = context.catalog()
    with st.sidebar:
        if catalog.brands:
            slugs = list(catalog.brands)
            current = context.active_brand()
            st.selectbox(
                "Active brand",
                slugs,
                index=slugs.index(current.slug) if current else 0,
                format_func=lambda s: catalog.brands[s].guideline.name,
                key="brand",
            )
        else:
            st.error("No valid brand. Open the Brand page to see what is wrong.")
        if catalog.errors:
            st.warning(f"{len(catalog.errors)} problem(s) in brand files — see the Brand page.")
        st.caption(f"Database: `{database_label(config.database_url)}`")
        st.caption(f"Copy: `{config.llm_backend}` · Images: `{config.image_backend}`")


def main() -> None:
    st.set_page_config(page_title="studio", page_icon=":material/campaign:", layout="wide")
    user = auth_ui.current_user()
    if user is None:
        # Register the pages (hidden) so that an address such as /review survives sign-in.
        st.navigation(
            [_page(spec, default=i == 0) for i, spec in enumerate(PAGES)], position="hidden"
        )
        user = auth_ui.require_sign_in()
    # The user just read from the database decides, not one more lookup per page.
    allowed = [
        spec for spec in PAGES if spec.permission is None or user.may(Permission(spec.permission))
    ]
    navigation = st.navigation([_page(spec, default=i == 0) for i, spec in enumerate(allowed)])
    sidebar()
    auth_ui.account_sidebar(user)
    auth_ui.hand_over_cookie()
    try:
        navigation.run()
    except UserFacingError as exc:
        # A page that lets a user-facing error through shows its sentence, not a traceback.
        st.error(str(exc))
