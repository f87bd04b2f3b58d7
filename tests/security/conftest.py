"""Fixtures for the threat-model tests: the shared test accounts (tests.people)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.core.models import User
from tests.people import add_people


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return add_people(session)
