"""The ``studio`` command line: the same library as the app, headless.

Each area has its own module with a ``typer.Typer`` registered below, the way the app's pages
are registered in :mod:`studio.ui.shell`.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from studio.cli import brands, db
from studio.cli import ctr as ctr_cli
from studio.cli import demo as demo_cli
from studio.cli import events as events_cli
from studio.cli import experiments as tests_cli
from studio.cli import export as export_cli
from studio.cli import generate as generate_cli
from studio.cli import jobs as jobs_cli
from studio.cli import render as render_cli
from studio.cli import review as review_cli
from studio.cli import simulate as simulate_cli
from studio.cli import users as users_cli
from studio.cli._common import fail
from studio.core import audit
from studio.core.errors import UserFacingError


class _StudioGroup(TyperGroup):
    """Shows any :class:`~studio.core.errors.UserFacingError` a command lets through as
    ``error: <message>`` on stderr with exit code 1, never as a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserFacingError as exc:
            fail(str(exc))


app = typer.Typer(
    cls=_StudioGroup,
    name="studio",
    help="Generative creative production and testing studio.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _record_who_runs_it(ctx: typer.Context) -> None:
    """Every audit row written by this command names the operating-system user who ran it.

    The CLI trusts ``--as``/``STUDIO_USER`` without a password (whoever can run it on the server
    can read the database anyway); recording the OS account keeps that trust accountable.
    """
    token = audit.set_origin(f"cli os_user={os_user()}")
    ctx.call_on_close(lambda: audit.reset_origin(token))


def os_user() -> str:
    """The operating-system account running this process (``uid N`` if it has no name)."""
    import getpass
    import os

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


app.add_typer(brands.app, name="brands")
app.add_typer(db.app, name="db")
app.add_typer(ctr_cli.app, name="ctr")
app.add_typer(review_cli.app, name="review")
app.add_typer(users_cli.app, name="users")
app.add_typer(events_cli.app, name="events")
app.add_typer(tests_cli.app, name="tests")
app.add_typer(jobs_cli.app, name="jobs")
app.command("generate")(generate_cli.generate)
app.command("export")(export_cli.export)
app.command("simulate")(simulate_cli.simulate)
app.command("render")(render_cli.render)
app.command("demo")(demo_cli.demo)
app.command("worker")(jobs_cli.worker)
