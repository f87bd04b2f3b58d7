"""A package outside studio/ adds a copy writer, an image backend and an export platform.

The package and its ``*.dist-info`` (METADATA + entry_points.txt) are written into a temporary
folder put on ``sys.path``: to Python that is an installed distribution, found by
``importlib.metadata`` exactly as the studio's own entry points are.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.backends.contracts import CopyWriterUnavailable
from studio.cli import app
from studio.copy.writing import COPY_WRITERS, available_copy_writers, make_copy_writer
from studio.core import plugins
from studio.core.database import get_engine
from studio.core.models import Asset, Variant
from studio.core.settings import Settings
from studio.export import get_exporter, platform_names
from studio.imaging.backends import IMAGE_BACKENDS, make_image_backend
from tests.people import add_people

ACME_PLUGIN = '''
"""Acme's studio plug-ins. Like any backend they import only studio.backends.contracts."""

import time

from PIL import Image

from studio.backends.contracts import CopyDraft, GeneratedImages

WORDS = ("Plain", "copy", "from", "Acme", "for", "your", "next", "campaign", "today", "friends")


def _text(spec, index=0):
    words = " ".join(WORDS[index % len(WORDS):] + WORDS[: index % len(WORDS)])
    limit = spec.get("maxLength", len(words))
    return words if len(words) <= limit else words[: limit + 1].rsplit(" ", 1)[0]


def _reply(schema):
    """A reply that fits the schema the request gives: what a model would be asked for."""
    reply = {}
    for name in schema["required"]:
        spec = schema["properties"][name]
        if "enum" in spec:
            reply[name] = spec["enum"][0]
        elif spec.get("type") == "array":
            reply[name] = [_text(spec["items"], i) for i in range(spec["minItems"])]
        else:
            reply[name] = _text(spec)
    return reply


class AcmeWriter:
    name = "acme"
    model = "acme-plain-1"

    def write(self, request):
        import json

        raw = json.dumps(_reply(request.reply_schema()))
        fields = request.parse_reply(raw, backend=self.name)
        return CopyDraft(fields=fields, backend=self.name, model=self.model, raw=raw)


def writer(settings):
    return AcmeWriter()


class AcmeImages:
    name = "acme"
    model = "acme-flat-1"
    ai_generated = False

    def generate(self, request):
        started = time.perf_counter()
        images = tuple(
            Image.new("RGB", (request.width, request.height), (30 + 20 * i, 90, 160))
            for i in range(request.num_images)
        )
        seeds = tuple(request.seed + i for i in range(request.num_images))
        return GeneratedImages(
            images, seeds, self.name, self.model, False, time.perf_counter() - started
        )


def images(settings):
    return AcmeImages()


class AcmeAdsExporter:
    """Borrows the Meta exporter's sheet: a stand-in for a platform the studio does not know."""

    platform = "acme_ads"
    label = "Acme Ads"

    def __getattr__(self, name):
        from studio.export.meta import EXPORTER

        return getattr(EXPORTER, name)


EXPORTER = AcmeAdsExporter()
'''

ENTRY_POINTS = """
[studio.copy_writers]
acme = acme_studio_plugin:writer

[studio.image_backends]
acme = acme_studio_plugin:images

[studio.export_platforms]
acme_ads = acme_studio_plugin:EXPORTER

[studio.video_backends]
broken = acme_studio_plugin_heavy:animator
"""


def install(folder: Path, name: str, modules: dict[str, str], entry_points: str) -> None:
    """Write ``modules`` and a dist-info for distribution ``name`` into ``folder``."""
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(textwrap.dedent(source))
    info = folder / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The acme-studio-plugin distribution, installed for this test only."""
    folder = tmp_path / "site"
    folder.mkdir()
    install(
        folder,
        "acme-studio-plugin",
        {
            "acme_studio_plugin": ACME_PLUGIN,
            # Needs a library that is not installed, as a GPU backend might.
            "acme_studio_plugin_heavy": "import acme_missing_gpu_lib\n\nanimator = None\n",
        },
        ENTRY_POINTS,
    )
    monkeypatch.syspath_prepend(str(folder))
    plugins.clear_caches()
    yield folder
    for module in ("acme_studio_plugin", "acme_studio_plugin_heavy"):
        sys.modules.pop(module, None)
    monkeypatch.undo()
    plugins.clear_caches()


def test_the_built_ins_are_registered_through_entry_points() -> None:
    assert available_copy_writers() == ["offline", "openai", "transformers"]
    assert IMAGE_BACKENDS.names() == ["diffusers", "offline"]
    assert platform_names() == ["google_ads", "linkedin", "meta", "tiktok"]
    assert COPY_WRITERS.entry_point("offline").dist.name == "studio"


def test_a_package_outside_studio_is_listed_and_built(acme: Path) -> None:
    assert available_copy_writers() == ["acme", "offline", "openai", "transformers"]
    assert IMAGE_BACKENDS.names() == ["acme", "diffusers", "offline"]
    assert platform_names() == ["acme_ads", "google_ads", "linkedin", "meta", "tiktok"]
    writer = make_copy_writer(Settings(llm_backend="acme"))
    assert (writer.name, writer.model) == ("acme", "acme-plain-1")
    assert make_image_backend(Settings(image_backend="acme")).model == "acme-flat-1"
    exporter = get_exporter("acme_ads")
    assert exporter.label == "Acme Ads" and exporter.platform == "acme_ads"
    assert COPY_WRITERS.entry_point("acme").dist.name == "acme-studio-plugin"


def test_the_plugins_run_end_to_end_through_the_cli(
    acme: Path, studio_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as session:
        add_people(session)
    monkeypatch.setenv("STUDIO_LLM_BACKEND", "acme")
    monkeypatch.setenv("STUDIO_IMAGE_BACKEND", "acme")
    runner = CliRunner()
    out = tmp_path / "variants.json"
    generated = runner.invoke(
        app,
        [
            "generate",
            "--brand",
            "ledgerly",
            "--persona",
            "freelancers",
            "--channel",
            "meta_feed",
            "-n",
            "1",
            "--objective",
            "leads",
            "--output",
            str(out),
            "--as",
            "cara",
        ],
    )
    assert generated.exit_code == 0, generated.output
    [record] = json.loads(out.read_text())
    assert record["backend"] == "acme" and record["model"] == "acme-plain-1"
    assert record["fields"]["headline"] == "Plain copy from Acme for your next"

    rendered = runner.invoke(
        app,
        [
            "render",
            "--variant",
            str(record["variant_id"]),
            "--scale",
            "0.1",
            "--batch-size",
            "1",
            "--no-video",
            "--as",
            "cara",
        ],
    )
    assert rendered.exit_code == 0, rendered.output
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        variant = session.exec(select(Variant)).one()
        assets = session.exec(select(Asset)).all()
    assert variant.backend == "acme"
    assert len(assets) == 3 and {(a.backend, a.model) for a in assets} == {("acme", "acme-flat-1")}


def test_unknown_names_list_the_group_and_what_is_registered(acme: Path) -> None:
    with pytest.raises(
        CopyWriterUnavailable,
        match=r"unknown copy writer 'gpt-magic' \(STUDIO_LLM_BACKEND\) in entry-point group "
        r"studio.copy_writers; registered: acme, offline, openai, transformers",
    ):
        make_copy_writer(Settings(llm_backend="gpt-magic"))
    with pytest.raises(plugins.UnknownPlugin, match=r"unknown platform 'bing' .*: acme_ads, "):
        get_exporter("bing")


def test_a_missing_dependency_names_the_package_and_how_to_install_it(acme: Path) -> None:
    from studio.imaging.backends import make_background_animator

    with pytest.raises(
        plugins.PluginUnavailable,
        match=r"the video backend 'broken' \(entry point acme_studio_plugin_heavy:animator in group "
        r"studio.video_backends, from acme-studio-plugin\) needs the Python package "
        r"'acme_missing_gpu_lib', which is not installed; install it \(pip install "
        r"acme_missing_gpu_lib\), or choose another: diffusers",
    ):
        make_background_animator(Settings(video_backend="broken"))


def test_clearing_the_cache_forgets_an_uninstalled_package(acme: Path) -> None:
    assert "acme" in COPY_WRITERS
    sys.path.remove(str(acme))
    assert "acme" in COPY_WRITERS, "names are cached until the cache is cleared"
    plugins.clear_caches()
    assert "acme" not in COPY_WRITERS
    sys.path.insert(0, str(acme))
