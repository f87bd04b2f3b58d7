"""Export approved variants to ad platforms: one bulk-import sheet, its media and a manifest, zipped.

One module per platform (:mod:`~studio.export.google_ads`, :mod:`~studio.export.meta`,
:mod:`~studio.export.linkedin`, :mod:`~studio.export.tiktok`) registered in
:data:`~studio.export.registry.EXPORT_PLATFORMS` (the ``studio.export_platforms``
entry-point group); the shared pipeline is :mod:`~studio.export.pipeline`.

Typical use::

    from studio.export import ExportScope, export, plan_export

    plan = plan_export(session, platform="meta", scope=ExportScope.campaign(3))
    for problem in plan.problems: print(problem)
    result = export(session, platform="meta", scope=ExportScope.campaign(3),
                    output=Path("spring-meta.zip"), actor="mia")  # commits, or leaves no zip
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.export.base import (
        ExportBlocked,
        ExportError,
        ExportOptions,
        ExportProblem,
        InvalidOption,
        LeftOut,
        NotApproved,
        NothingToExport,
        RsaPins,
    )
    from studio.export.pipeline import (
        ExportPlan,
        ExportResult,
        ExportScope,
        export,
        exportable_statuses,
        plan_export,
        select_variants,
    )
    from studio.export.registry import get_exporter, platform_names, platforms

#: Public name -> the module defining it. Loaded on first use, so that importing one platform
#: module (``studio.export.meta``) does not pull in the pipeline and with it the database.
_PUBLIC = {
    **dict.fromkeys(
        (
            "ExportBlocked",
            "ExportError",
            "ExportOptions",
            "ExportProblem",
            "InvalidOption",
            "LeftOut",
            "NotApproved",
            "NothingToExport",
            "RsaPins",
        ),
        "studio.export.base",
    ),
    **dict.fromkeys(
        (
            "ExportPlan",
            "ExportResult",
            "ExportScope",
            "export",
            "exportable_statuses",
            "plan_export",
            "select_variants",
        ),
        "studio.export.pipeline",
    ),
    **dict.fromkeys(("get_exporter", "platform_names", "platforms"), "studio.export.registry"),
}

__all__ = [
    "ExportBlocked",
    "ExportError",
    "ExportOptions",
    "ExportPlan",
    "ExportProblem",
    "ExportResult",
    "ExportScope",
    "InvalidOption",
    "LeftOut",
    "NotApproved",
    "NothingToExport",
    "RsaPins",
    "export",
    "exportable_statuses",
    "get_exporter",
    "plan_export",
    "platform_names",
    "platforms",
    "select_variants",
]


def __getattr__(name: str) -> Any:
    try:
        module = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'studio.export' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
