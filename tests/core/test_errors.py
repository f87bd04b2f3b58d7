"""Every exception studio defines derives from StudioError; user-facing ones name what was asked."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import typer
from typer.testing import CliRunner

import studio
from studio.cli import app
from studio.copy import variants as variant_queries
from studio.copy.channels import CHANNELS, get_channel
from studio.core.errors import InvalidValue, NotFound, StudioError, UserFacingError
from studio.core.plugins import UnknownPlugin
from studio.export.registry import get_exporter, platform_names
from studio.imaging.formats import formats_for
from studio.review import account_queries

# Modules that cannot be imported on their own: Alembic runs them with its own context.
_NOT_IMPORTABLE = {"studio.core.migrations.env"}


def _studio_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(studio.__path__, "studio."):
        if info.name in _NOT_IMPORTABLE or ".migrations.versions." in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == info.name
            ):
                found[f"{info.name}.{name}"] = obj
    return found


def test_the_walk_finds_the_exceptions_of_every_domain():
    names = _studio_exceptions()
    # A walk that found nothing would make the next test pass vacuously.
    for expected in (
        "studio.core.errors.StudioError",
        "studio.export.base.ExportError",
        "studio.review.workflow.ReviewError",
        "studio.experiments.decisions.ExperimentError",
        "studio.backends.contracts.CopyWriterError",
        "studio.ui.auth.NotSignedIn",
        "studio.experiments.reports._BadValue",
    ):
        assert expected in names
    assert len(names) >= 30


def test_every_exception_class_in_studio_derives_from_studio_error():
    strays = sorted(
        n for n, cls in _studio_exceptions().items() if not issubclass(cls, StudioError)
    )
    assert strays == [], f"derive these from studio.core.errors.StudioError: {strays}"


def test_studio_error_is_the_only_root():
    roots = sorted(
        name
        for name, cls in _studio_exceptions().items()
        if not any(base.__module__.startswith("studio.") for base in cls.__bases__)
    )
    assert roots == ["studio.core.errors.StudioError"]


def test_not_found_names_the_thing_asked_for_and_what_exists():
    error = NotFound("channel", "fax", ["meta_feed", "google_rsa"])
    assert str(error) == "There is no channel 'fax'. Known: meta_feed, google_rsa."
    assert isinstance(error, UserFacingError) and isinstance(error, LookupError)
    assert (error.kind, error.wanted, error.known) == (
        "channel",
        "fax",
        ("meta_feed", "google_rsa"),
    )
    assert str(NotFound("variant with id", 42)) == "There is no variant with id 42."
    assert str(NotFound("brand", "x", [])) == "There is no brand 'x'. Known: none yet."
    assert str(NotFound("user named", "bo", hint="Ask an admin.")).endswith("'bo'. Ask an admin.")


def test_invalid_value_is_user_facing_and_a_value_error():
    assert issubclass(InvalidValue, UserFacingError) and issubclass(InvalidValue, ValueError)


def test_unknown_platform_lists_the_platforms():
    with pytest.raises(UnknownPlugin) as caught:
        get_exporter("bing")
    assert isinstance(caught.value, UserFacingError) and isinstance(caught.value, LookupError)
    message = str(caught.value)
    assert "platform 'bing'" in message
    for platform in platform_names():
        assert platform in message


def test_unknown_channel_lists_the_channels():
    with pytest.raises(NotFound) as caught:
        get_channel("fax")
    assert "channel 'fax'" in str(caught.value)
    assert all(channel in str(caught.value) for channel in CHANNELS)
    with pytest.raises(NotFound, match="channel with image formats 'fax'"):
        formats_for("fax")


def test_unknown_brand_and_persona_name_what_exists(catalog):
    with pytest.raises(NotFound) as caught:
        catalog.get("nope")
    assert "valid brand 'nope'" in str(caught.value)
    assert all(slug in str(caught.value) for slug in catalog.brands)
    brand = next(iter(catalog.brands.values()))
    with pytest.raises(NotFound) as caught:
        brand.persona("astronauts")
    assert "'astronauts'" in str(caught.value)
    assert all(slug in str(caught.value) for slug in brand.personas)


def test_unknown_rows_name_the_id(session):
    with pytest.raises(NotFound, match="There is no variant with id 42"):
        variant_queries.get_variant(session, variant_id=42)
    with pytest.raises(NotFound, match="There is no campaign with id 7"):
        variant_queries.get_campaign(session, campaign_id=7)
    with pytest.raises(NotFound, match="There is no user named 'ghost'"):
        account_queries.get_user(session, username="ghost")


def test_cli_shows_a_user_facing_error_without_a_traceback():
    # The studio app's command group turns any user-facing error a command lets through into
    # "error: <message>" and exit code 1; other errors (bugs) keep their traceback.
    probe = typer.Typer(cls=app.info.cls)

    @probe.command("lookup")
    def lookup() -> None:
        get_exporter("bing")

    @probe.command("bug")
    def bug() -> None:
        raise KeyError("a programming error")

    looked = CliRunner().invoke(probe, ["lookup"])
    assert looked.exit_code == 1
    assert "error: unknown platform 'bing'" in looked.output
    assert looked.exception is None or isinstance(looked.exception, SystemExit)
    crashed = CliRunner().invoke(probe, ["bug"])
    assert isinstance(crashed.exception, KeyError)
