"""The platform exporters, the backends and the bandit maths run without the database or the UI."""

from __future__ import annotations

import subprocess
import sys

import studio.export
from tests.conftest import REPO_ROOT

PURE_MODULES = (
    "studio.export.base",
    "studio.export.google_ads",
    "studio.export.meta",
    "studio.export.linkedin",
    "studio.export.tiktok",
    "studio.export.sheets",
    "studio.backends.contracts",
    "studio.experiments.bandits",
)


def test_pure_modules_load_no_database_or_ui_library_at_run_time():
    probe = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}: importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'streamlit'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_export_package_exports_exactly_its_lazy_names():
    assert set(studio.export.__all__) == set(studio.export._PUBLIC)
    for name in studio.export.__all__:
        assert getattr(studio.export, name) is not None
