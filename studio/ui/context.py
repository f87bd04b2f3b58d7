"""What every page needs: settings, the migrated database, the brand catalog, the user.

Pages call these instead of reaching for globals, so that AppTest and the real app run the
same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


#: The last catalog loaded per brand folder, with the fingerprint of the files it was read from.
_CATALOGS: dict[Path, tuple[tuple[tuple[str, int, int], ...], BrandCatalog]] = {}


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file and folder under ``root`` with its modification time and size."""
    if not root.is_dir():
        return ()
    found = []
    for path in root.rglob("*"):
        try:
            stat = path.stat()
        except OSError:  # removed while listing: the next run sees the folder as it is then
            continue
        found.append((str(path.relative_to(root)), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))


def catalog() -> BrandCatalog:
    """Brands as they are on disk now.

    Parsing and validating the YAML files costs far more than a page (hundreds of ms), so the
    catalog is reloaded only when a file under the brand folder was added, removed or changed
    (listing their modification times and sizes takes about a millisecond); an edit saved on
    the Brand page, or made in an editor, shows at the next run. Treat the result as read-only.
    """
    root = Path(settings().brand_dir)
    fingerprint = _fingerprint(root)
    cached = _CATALOGS.get(root)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    loaded = load_catalog(root)
    _CATALOGS[root] = (fingerprint, loaded)
    return loaded


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
