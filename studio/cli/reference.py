"""Write the CLI reference (``docs/cli.md``) from the typer app itself.

Run ``python -m studio.cli.reference > docs/cli.md`` after changing a command;
``tests/test_docs.py`` fails when the file differs from what this module writes now.

The page walks the command tree that ``typer.main.get_command`` builds from :data:`studio.cli.app`
and shows, for every command, its help text, its usage line and each argument and option with
the help row ``--help`` prints (type, default, environment variable, range, required).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import typer.main

from studio.cli import app

REGENERATE = "python -m studio.cli.reference > docs/cli.md"


def render_reference() -> str:
    """The whole reference as Markdown, ending with one newline."""
    root = typer.main.get_command(app)
    root_context = root.context_class(root, info_name="studio")
    lines = [
        "# CLI reference",
        "",
        f"Generated from the typer app by `{REGENERATE}`; do not edit by hand",
        "(`tests/test_docs.py` fails when this page and the commands disagree).",
        "",
    ]
    commands = list(_walk(root, root_context))
    lines += ["| command | what it does |", "|---|---|"]
    for path, command, _ in commands:
        lines.append(f"| [`{path}`](#{_anchor(path)}) | {_cell(_summary(command))} |")
    lines.append("")
    for path, command, context in commands:
        lines += _command_section(path, command, context)
    return "\n".join(lines).rstrip("\n") + "\n"


def _walk(command: Any, context: Any) -> Any:
    """Yield ``(path, command, context)`` for ``command`` and every visible subcommand, in order."""
    yield context.command_path, command, context
    if not hasattr(command, "list_commands"):
        return
    for name in command.list_commands(context):
        sub = command.get_command(context, name)
        if sub is None or sub.hidden:
            continue
        yield from _walk(sub, sub.context_class(sub, info_name=name, parent=context))


def _command_section(path: str, command: Any, context: Any) -> list[str]:
    lines = [f"## {path}", ""]
    help_text = _help(command)
    if help_text:
        lines += [help_text, ""]
    lines += ["```", command.get_usage(context), "```", ""]
    rows = [record for param in command.params if (record := param.get_help_record(context))]
    if rows:
        lines += ["| argument or option | help | details |", "|---|---|---|"]
        for names, help_row in rows:
            text, details = _split_details(help_row)
            lines.append(f"| `{_code_cell(names)}` | {_cell(text)} | {_cell(details)} |")
        lines.append("")
    if hasattr(command, "list_commands"):
        subcommands = [
            name
            for name in command.list_commands(context)
            if not command.get_command(context, name).hidden
        ]
        if subcommands:
            links = ", ".join(f"[`{name}`](#{_anchor(f'{path} {name}')})" for name in subcommands)
            lines += [f"Commands: {links}.", ""]
    return lines


def _help(command: Any) -> str:
    """The command's help as ``--help`` shows it: cleaned, cut at click's ``\\f`` marker."""
    return inspect.cleandoc(command.help or "").split("\f")[0].strip()


def _summary(command: Any) -> str:
    return command.short_help or _help(command).split("\n\n")[0].replace("\n", " ")


def _split_details(help_row: str) -> tuple[str, str]:
    """Split ``"text  [default: 3; required]"`` (typer's help row) into text and details."""
    if help_row.endswith("]"):
        if help_row.startswith("[") and "  [" not in help_row:
            return "", help_row[1:-1]
        head, sep, tail = help_row.rpartition("  [")
        if sep:
            return head, tail[:-1]
    return help_row, ""


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading made of words, spaces and dashes."""
    return heading.lower().replace(" ", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code_cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> None:
    sys.stdout.write(render_reference())


if __name__ == "__main__":
    main()
