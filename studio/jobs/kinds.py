"""What each kind of job does, as three steps around the existing library functions.

* ``prepare(session, job) -> [ItemSpec]`` checks the job's params (so a bad request fails when
  it is submitted) and splits the job into items, each keyed by what it makes;
* ``compute(payloads) -> results`` is pure: a module-level function (importable by name, so an
  executor such as Ray can ship it to another process or machine) that never touches the
  database;
* ``commit(session, job, item, result) -> item result`` stores what the item makes, through the
  library function the app and the CLI call, as the job's submitter (whose permission the
  library checks again), and returns ``{"outputs": {entity type: [ids]}, ...}``.

Commits are idempotent: the queue commits an item only in the transaction that marks it done,
by the worker that holds it, and each commit keys what it creates by the item's key (a variant's
files by their content hash, an export by its output file, a model by its file), so an item run
again after a crash finds what it made instead of making it twice.

The render kind draws in its compute (:func:`studio.jobs.compute.render_variant_files`: the
pixels and videos, in the worker or on Ray, stored in the asset store) and records the files in
its commit. The other kinds' library steps write to the database as they make things
(``run_generation`` writes and saves, ``export`` records its zip), so their ``compute`` is
:func:`checked_payloads` (the payload, checked to be plain JSON) and the work runs in ``commit``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import Session, select

from studio.core.assets import local_folder
from studio.core.errors import InvalidValue, NotFound
from studio.core.models import (
    AssetKind,
    CtrModelRecord,
    Job,
    JobItem,
    JobKind,
    saved_id,
)
from studio.core.settings import Settings, get_settings
from studio.jobs.compute import render_payloads, render_variant_files
from studio.jobs.executors import Compute, Resources
from studio.jobs.queue import ItemSpec
from studio.review.accounts import Permission


def checked_payloads(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each payload as plain JSON (what crosses a process or machine boundary), unchanged."""
    return [json.loads(json.dumps(payload)) for payload in payloads]


class Kind(Protocol):
    @property
    def kind(self) -> JobKind: ...

    @property
    def permission(self) -> Permission: ...

    @property
    def compute(self) -> Compute: ...

    @property
    def batch_size(self) -> int: ...

    @property
    def resources(self) -> Resources: ...

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]: ...

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]: ...


def _int(params: dict[str, Any], name: str, kind: JobKind) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"a {kind} job needs {name} (an integer id); received {value!r}")
    return value


def _ints(params: dict[str, Any], name: str, kind: JobKind) -> list[int]:
    values = params.get(name) or []
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise InvalidValue(f"{kind} job: {name} must be a list of integer ids; received {values!r}")
    return list(values)


def _settings() -> Settings:
    return get_settings()


# --------------------------------------------------------------------------------------------
# render: one item per variant, its files drawn by the executor
# --------------------------------------------------------------------------------------------


@dataclass
class RenderKind:
    """Images and videos of variants (``params``: ``variant_ids`` or ``campaign_id``, and
    ``options``: the fields of :class:`studio.imaging.render.RenderOptions`).

    ``prepare`` deals the images' layouts across the job's variants as
    :func:`studio.imaging.render.render_variants` does and builds each variant's file payloads
    (:func:`studio.jobs.compute.render_payloads`, with the settings of the process that submits
    the job); the executor draws them (:func:`studio.jobs.compute.render_variant_files`, in the
    worker or on Ray); ``commit`` records the files (once each, by content hash), claims the
    variant for its new media and audits the render (one ``variant.render`` entry per item,
    that is per variant), as :func:`studio.imaging.render.render_variant` does.
    """

    kind: JobKind = JobKind.render
    permission: Permission = Permission.generate
    compute: Compute = field(default=render_variant_files)
    batch_size: int = 1
    resources: Resources = field(default_factory=Resources)

    @staticmethod
    def options(raw: dict[str, Any]) -> Any:
        from studio.imaging.render import RenderOptions

        known = {f.name for f in fields(RenderOptions)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InvalidValue(
                f"render options {unknown} are unknown; allowed: {', '.join(sorted(known))}"
            )
        return RenderOptions(**raw)

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]:
        from studio.brand.guidelines import load_catalog
        from studio.copy import variants as variant_crud
        from studio.imaging.render import ad_copy_for, choose_layout, layout_places
        from studio.imaging.render import layouts_available as available

        options = self.options(dict(job.params.get("options") or {}))
        if job.params.get("campaign_id") is not None:
            campaign_id = _int(job.params, "campaign_id", self.kind)
            variant_crud.get_campaign(session, campaign_id=campaign_id)
            rows = variant_crud.list_variants(session, campaign_id=campaign_id, limit=10_000)
            variants = sorted(rows, key=saved_id)
        else:
            variant_ids = _ints(job.params, "variant_ids", self.kind)
            variants = [
                variant_crud.get_variant(session, variant_id=v) for v in dict.fromkeys(variant_ids)
            ]
        settings = _settings()
        catalog = load_catalog(settings.brand_dir)
        places = layout_places(variants)
        items = []
        for variant in variants:
            variant_id = saved_id(variant)
            files = render_payloads(variant, settings=settings, options=options)
            layout = options.layout
            if layout is None and files:
                first_id, position = places[variant_id]
                try:
                    brand = catalog.get(variant.brand)
                    layout = choose_layout(
                        available(ad_copy_for(variant, brand), brand),
                        first_id=first_id,
                        position=position,
                    )
                except (InvalidValue, NotFound):
                    # The compute meets the same problem (copy with no headline, a brand that
                    # does not load) and fails this variant's item with it; the others render.
                    layout = None
            items.append(
                ItemSpec(
                    f"variant:{variant_id}",
                    {
                        "variant_id": variant_id,
                        "options": asdict(options),
                        "layout": layout,
                        "files": [payload | {"layout": layout} for payload in files],
                    },
                )
            )
        return items

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]:
        from studio.copy import variants as variant_crud
        from studio.core import audit
        from studio.imaging.render import AssetRecorder
        from studio.review import accounts as auth
        from studio.review.workflow import claim_for_media

        auth.require(session, username=job.created_by, permission=self.permission)
        variant_id = int(item.payload["variant_id"])
        variant = variant_crud.get_variant(session, variant_id=variant_id)
        files: list[dict[str, Any]] = result["files"]
        if not files:
            skipped = f"channel {variant.channel} takes no images or videos"
            return {"outputs": {"asset": []}, "skipped": skipped, "notes": [], "qc_failed": 0}
        drawn = item.payload["files"][0]["variant"]
        now = {"brand": variant.brand, "persona": variant.persona, "channel": variant.channel}
        if {key: drawn[key] for key in now} != now or drawn["fields"] != variant.fields:
            raise InvalidValue(
                f"variant {variant_id} changed after render job {job.id} was submitted; its "
                "files show the old copy and were not recorded: submit the render again"
            )
        # Approved media are frozen with the copy, as in render_variant.
        claim_for_media(session, variant_id=variant_id)
        recorder = AssetRecorder(session, variant)
        assets = [
            recorder.add(**(made["asset"] | {"kind": AssetKind(made["asset"]["kind"])}))
            for made in files
        ]
        notes = list(dict.fromkeys(note for made in files for note in made["notes"]))
        qc_failed = sum(1 for a in assets for check in a.qc if not check.get("passed", False))
        options = self.options(item.payload["options"])
        audit.record(
            session,
            actor=job.created_by,
            action="variant.render",
            entity_type="variant",
            entity_id=variant_id,
            after={
                "assets": [a.id for a in assets],
                "image_backend": files[0]["image_backend"],
                "model": files[0]["image_model"],
                "seed": variant.seed if options.seed is None else options.seed,
                "qc_failed": qc_failed,
                "layout": item.payload["layout"],
                "job": job.id,
            },
        )
        return {
            "outputs": {"asset": [saved_id(a) for a in assets]},
            "skipped": None,
            "notes": notes,
            "qc_failed": qc_failed,
            "layout": item.payload["layout"],
        }


# --------------------------------------------------------------------------------------------
# generate: one item per brief (a campaign and its drafts are saved together)
# --------------------------------------------------------------------------------------------

GENERATE_PARAMS = (
    "brand",
    "personas",
    "channels",
    "n",
    "seed",
    "objective",
    "offer",
    "landing_url",
    "name",
    "backend",
    "offer_policy",
)


@dataclass
class GenerateKind:
    """Copy variants for a brief (``params``: brand, personas, channels, n, seed, objective,
    offer, landing_url, name and optionally backend, as ``studio generate`` takes them)."""

    kind: JobKind = JobKind.generate
    permission: Permission = Permission.generate
    compute: Compute = field(default=checked_payloads)
    batch_size: int = 1
    resources: Resources = field(default_factory=Resources)

    def request(self, params: dict[str, Any]) -> Any:
        from studio.brand.guidelines import load_catalog
        from studio.copy.channels import CHANNELS
        from studio.copy.generation import GenerationRequest
        from studio.copy.writing import CampaignBrief

        unknown = sorted(set(params) - set(GENERATE_PARAMS))
        if unknown:
            raise InvalidValue(
                f"generate params {unknown} are unknown; allowed: {', '.join(GENERATE_PARAMS)}"
            )
        brand = load_catalog(_settings().brand_dir).get(str(params.get("brand", "")))
        brief = CampaignBrief(
            objective=params.get("objective", "traffic"),
            landing_url=params.get("landing_url") or brand.guideline.website,
            offer=params.get("offer", ""),
            name=params.get("name", ""),
        )
        return GenerationRequest(
            brand=brand,
            brief=brief,
            personas=tuple(params.get("personas") or brand.personas),
            channels=tuple(params.get("channels") or CHANNELS),
            n=int(params.get("n", 3)),
            seed=int(params.get("seed", 0)),
            offer_policy=params.get("offer_policy", "refuse"),
        )

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]:
        self.request(job.params)  # a bad brief fails now, not in the worker
        return [ItemSpec("campaign", dict(job.params))]

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]:
        from studio.backends.contracts import CopyWriterError
        from studio.copy.generation import run_generation
        from studio.copy.writing import make_copy_writer
        from studio.jobs.errors import TransientError

        request = self.request(result)
        writer = make_copy_writer(_settings(), result.get("backend"))
        try:
            generated = run_generation(session, request, writer, created_by=job.created_by)
        except CopyWriterError as exc:  # a server away or a bad reply: worth another try
            raise TransientError(str(exc)) from exc
        return {
            "outputs": {
                "campaign": [generated.campaign_id],
                "variant": [v.variant_id for v in generated.variants],
            },
            "flagged": len(generated.flagged),
            "merged": generated.merged,
            "diversity": generated.diversity,
            "repairs": {str(v.variant_id): v.repairs for v in generated.variants if v.repairs},
            "failures": [
                {"persona": f.persona, "channel": f.channel, "seed": f.seed, "message": f.message}
                for f in generated.failures
            ],
            "shortfall": [[p, c, missing] for (p, c), missing in generated.shortfall.items()],
            "unscored": generated.unscored,
            "warnings": generated.warnings,
        }


# --------------------------------------------------------------------------------------------
# export: one item per zip
# --------------------------------------------------------------------------------------------


@dataclass
class ExportKind:
    """A platform export (``params``: platform, and campaign_id, test_id or variant_ids;
    optionally output, the zip's path, by default ``<asset dir>/exports/job-<id>-<platform>.zip``,
    and the choices of :meth:`options`)."""

    kind: JobKind = JobKind.export
    permission: Permission = Permission.export
    compute: Compute = field(default=checked_payloads)
    batch_size: int = 1
    resources: Resources = field(default_factory=Resources)

    def scope(self, params: dict[str, Any]) -> Any:
        from studio.export.pipeline import ExportScope

        if params.get("campaign_id") is not None:
            return ExportScope.campaign(_int(params, "campaign_id", self.kind))
        if params.get("test_id") is not None:
            return ExportScope.test(_int(params, "test_id", self.kind))
        variant_ids = _ints(params, "variant_ids", self.kind)
        if not variant_ids:
            raise InvalidValue("an export job needs campaign_id, test_id or variant_ids")
        return ExportScope.variants(variant_ids)

    @staticmethod
    def options(params: dict[str, Any]) -> Any:
        """``existing_campaign`` and ``existing_ad_group`` (names), ``platform_campaign_id`` and
        ``platform_ad_group_id`` (the ad platform's ids), ``max_cpc`` and ``pin_first_headline``
        (Google), ``video_ids`` (Meta), ``worksheet`` (TikTok) and ``leave_out_not_ready`` as
        :class:`studio.export.base.ExportOptions` (which validates them)."""
        from studio.export.base import ExportOptions, parse_money
        from studio.export.google_ads import PIN_FIRST_HEADLINE

        max_cpc = params.get("max_cpc")
        return ExportOptions(
            default_pins=PIN_FIRST_HEADLINE if params.get("pin_first_headline") else None,
            existing_campaign=params.get("existing_campaign") or None,
            existing_ad_group=params.get("existing_ad_group") or None,
            campaign_id=params.get("platform_campaign_id") or None,
            ad_group_id=params.get("platform_ad_group_id") or None,
            max_cpc=None if max_cpc is None else parse_money("max_cpc", max_cpc),
            video_ids={str(k): str(v) for k, v in dict(params.get("video_ids") or {}).items()},
            worksheet=bool(params.get("worksheet", False)),
            leave_out_not_ready=bool(params.get("leave_out_not_ready", False)),
        )

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]:
        from studio.export.registry import get_exporter

        platform = str(job.params.get("platform", ""))
        get_exporter(platform)  # NotFound naming the platforms
        self.scope(job.params)
        self.options(job.params)
        folder = local_folder(_settings().asset_dir, purpose="an export job's zip")
        default = folder / "exports" / f"job-{saved_id(job)}-{platform}.zip"
        output = str(Path(job.params.get("output") or default).resolve())
        return [ItemSpec(f"export:{output}", {**job.params, "output": output})]

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]:
        from studio.export.pipeline import export
        from studio.export.queries import find_export_record

        output = Path(result["output"])
        # export() commits on its own; a run that died after that commit finds its record.
        done = find_export_record(session, file_name=str(output))
        if done is None:
            output.parent.mkdir(parents=True, exist_ok=True)
            made = export(
                session,
                platform=result["platform"],
                scope=self.scope(result),
                output=output,
                actor=job.created_by,
                options=self.options(result),
            )
            export_id, variant_ids = made.export_id, list(made.variant_ids)
        else:
            export_id, variant_ids = saved_id(done), list(done.variant_ids)
        return {"outputs": {"export": [export_id]}, "path": str(output), "variants": variant_ids}


# --------------------------------------------------------------------------------------------
# report_import, reweight: one item per test
# --------------------------------------------------------------------------------------------


@dataclass
class ReportImportKind:
    """An ad-platform report into a test (``params``: experiment_id, file_name, the file's
    bytes as ``data_base64``, optionally platform)."""

    kind: JobKind = JobKind.report_import
    permission: Permission = Permission.run_tests
    compute: Compute = field(default=checked_payloads)
    batch_size: int = 1
    resources: Resources = field(default_factory=Resources)

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]:
        experiment_id = _int(job.params, "experiment_id", self.kind)
        name = str(job.params.get("file_name") or "")
        if not name:
            raise InvalidValue("a report_import job needs file_name")
        try:
            base64.b64decode(str(job.params.get("data_base64", "")), validate=True)
        except ValueError as exc:
            raise InvalidValue(f"report_import: data_base64 is not base64 ({exc})") from None
        return [ItemSpec(f"report:{experiment_id}:{name}", dict(job.params))]

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]:
        from studio.experiments.reports import import_report

        # Rows are keyed (experiment, row key): a report imported twice counts each row once.
        imported = import_report(
            session,
            experiment_id=result["experiment_id"],
            data=base64.b64decode(result["data_base64"]),
            file_name=result["file_name"],
            actor=job.created_by,
            platform=result.get("platform", "auto"),
        )
        return {
            "outputs": {"experiment": [imported.experiment_id]},
            "summary": imported.summary(),
            "imported": imported.imported,
            "duplicates": imported.duplicates,
        }


@dataclass
class ReweightKind:
    """The next split of running tests (``params``: experiment_ids)."""

    kind: JobKind = JobKind.reweight
    permission: Permission = Permission.run_tests
    compute: Compute = field(default=checked_payloads)
    batch_size: int = 1
    resources: Resources = field(default_factory=Resources)

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]:
        from studio.experiments import queries

        ids = _ints(job.params, "experiment_ids", self.kind)
        for experiment_id in ids:
            if queries.get_experiment(session, experiment_id=experiment_id) is None:
                raise NotFound("test", experiment_id, hint="`studio tests list` shows them.")
        return [ItemSpec(f"experiment:{e}", {"experiment_id": e}) for e in dict.fromkeys(ids)]

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]:
        from studio.experiments.lifecycle import reweight

        decision = reweight(session, result["experiment_id"], actor=job.created_by)
        return {
            "outputs": {"allocation_decision": [decision.decision_id]},
            "winner_arm_id": decision.winner_arm_id,
        }


# --------------------------------------------------------------------------------------------
# retrain: one item per candidate model
# --------------------------------------------------------------------------------------------


@dataclass
class RetrainKind:
    """A candidate CTR model (``params``: data, a list of test-table files; output, the .npz)."""

    kind: JobKind = JobKind.retrain
    permission: Permission = Permission.run_tests
    compute: Compute = field(default=checked_payloads)
    batch_size: int = 1
    resources: Resources = field(default_factory=Resources)

    def prepare(self, session: Session, job: Job) -> list[ItemSpec]:
        data = job.params.get("data") or []
        if not isinstance(data, list) or not data:
            raise InvalidValue("a retrain job needs data: a list of test-table files")
        missing = [p for p in data if not Path(p).is_file()]
        if missing:
            raise InvalidValue(f"retrain: data files not found: {', '.join(missing)}")
        output = str(job.params.get("output") or "")
        if not output.endswith(".npz"):
            raise InvalidValue(f"retrain: output must be a .npz file; received {output!r}")
        output = str(Path(output).resolve())
        return [ItemSpec(f"model:{output}", {"data": [str(p) for p in data], "output": output})]

    def commit(
        self, session: Session, job: Job, item: JobItem, result: dict[str, Any]
    ) -> dict[str, Any]:
        import pandas as pd

        from studio.scoring.data import load_test_table
        from studio.scoring.registry import load_active_predictor, retrain

        # retrain() commits on its own; a run that died after that commit finds its record.
        done = session.exec(
            select(CtrModelRecord).where(CtrModelRecord.path == result["output"])
        ).first()
        if done is None:
            paths = [Path(p) for p in result["data"]]
            frames = []
            for path in paths:
                table = load_test_table(path)
                if len(paths) > 1:
                    table["test_id"] = f"{path.name}:" + table["test_id"]
                frames.append(table)
            done, _ = retrain(
                session,
                pd.concat(frames, ignore_index=True),
                output=Path(result["output"]),
                sources=[p.name for p in paths],
                current=load_active_predictor(session),
                created_by=job.created_by,
            )
        return {"outputs": {"ctr_model": [saved_id(done)]}}


KINDS: dict[JobKind, Kind] = {
    handler.kind: handler
    for handler in (
        GenerateKind(),
        RenderKind(),
        ExportKind(),
        ReportImportKind(),
        ReweightKind(),
        RetrainKind(),
    )
}


def get_kind(kind: JobKind | str) -> Kind:
    try:
        return KINDS[JobKind(kind)]
    except ValueError:
        raise NotFound("job kind", kind, [k.value for k in JobKind]) from None
