"""Fixtures for the imaging tests: brand kits from the example brands."""

from __future__ import annotations

import pytest

from studio.brand.guidelines import BrandCatalog
from studio.imaging.compositor import BrandKit


@pytest.fixture
def halden(catalog: BrandCatalog) -> BrandKit:
    return BrandKit.from_brand(catalog.get("halden-coffee"))


@pytest.fixture
def ledgerly(catalog: BrandCatalog) -> BrandKit:
    return BrandKit.from_brand(catalog.get("ledgerly"))
