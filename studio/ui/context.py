"""What every page needs: settings, the migrated database, the brand catalog, the user.

Pages call these instead of reaching for globals, so that AppTest and the real app run the
same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlmodel import Session

from studio.brand.guidelines import Brand, BrandCatalog, load_catalog
from studio.core.database import session_scope, upgrade
from studio.core.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner="Preparing the database…")
def _migrated(database_url: str) -> str:
    upgrade(database_url)
    return database_url


@contextmanager
def db_session() -> Iterator[Session]:
    """A session on the migrated database; commits when the block succeeds."""
    url = _migrated(settings().database_url)
    with session_scope(url) as session:
        yield session


def catalog() -> BrandCatalog:
    """Brands as they are on disk now (a few small YAML files: cheap to reload every run)."""
    return load_catalog(settings().brand_dir)


def active_brand() -> Brand | None:
    """The brand chosen in the sidebar, if any valid brand exists."""
    brands = catalog().brands
    slug = st.session_state.get("brand")
    if slug not in brands:
        slug = next(iter(brands), None)
        st.session_state["brand"] = slug
    return brands.get(slug) if slug else None


def current_username() -> str:
    """The signed-in user's name, recorded with every change they make."""
    from studio.ui.auth import current_username as signed_in_username  # auth imports this module

    return signed_in_username()
