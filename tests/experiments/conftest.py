"""People, approved variants and hand-made ad-platform reports for the creative-test tests.

The variants and the report builders live in :mod:`tests.factories` (variants reach
``approved`` through the real review state machine; reports are written exactly as Meta Ads
Manager and Google Ads export them); the tests of this package import them from here.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.factories import google_csv, make_variants, meta_csv  # noqa: F401
from tests.people import add_people


@pytest.fixture
def people(session: Session) -> Session:
    add_people(session)
    return session
