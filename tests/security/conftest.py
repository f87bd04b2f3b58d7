"""Fixtures for the threat-model tests: the shared test accounts and the real chat server."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.core.models import User
from tests.copy.conftest import chat_server  # noqa: F401  (a real chat-completions server)
from tests.people import add_people


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return add_people(session)
