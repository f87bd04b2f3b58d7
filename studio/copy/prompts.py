"""Prompt templates: render ``prompts/*.j2`` (Jinja2) and fingerprint them.

Every generated output stores the template id (its file name under ``prompts/``), the SHA-256
of the template source and the rendered text, so any variant or image can be traced back to
the exact instructions that produced it and reproduced with its seed.

Templates get one filter of the studio's own, ``usable_claims``: a guideline's approved claims
less those past their ``expires`` date (read against the context's ``today`` when the caller
passes one, else today in UTC, as :class:`studio.copy.compliance.ComplianceChecker` reads them),
so the model is never shown a claim the compliance check would then refuse.

Templates use strict undefined variables: a template that refers to a value the caller did not
pass fails with the variable's name instead of silently rendering an empty string.

Example
-------
>>> rendered = render("copy.j2", brand=..., persona=..., channel=...)  # doctest: +SKIP
>>> rendered.template, rendered.sha256[:8], rendered.text[:40]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from studio.brand.guidelines import ApprovedClaim
from studio.core.errors import UserFacingError

#: The templates folder at the repository root, next to the ``studio`` package.
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


class PromptError(UserFacingError):
    """A template is missing, malformed, or needs a value the caller did not pass."""


@dataclass(frozen=True)
class RenderedPrompt:
    """A rendered template.

    Attributes
    ----------
    template
        Template id: its path relative to the prompts folder, e.g. ``"copy.j2"``.
    text
        The rendered prompt, exactly as sent to the model.
    sha256
        Hex SHA-256 of the *template source* (64 characters): it changes when the template is
        edited, so outputs from different template versions can be told apart.
    """

    template: str
    text: str
    sha256: str

    @property
    def text_sha256(self) -> str:
        """Hex SHA-256 of the rendered text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def usable_claims(
    claims: Iterable[ApprovedClaim], today: date | None = None
) -> list[ApprovedClaim]:
    """``claims`` less those whose ``expires`` day is before ``today`` (default: today, UTC)."""
    day = today or datetime.now(UTC).date()
    return [claim for claim in claims if not claim.expired(day)]


@lru_cache(maxsize=4)
def _environment(root: str) -> Any:
    import jinja2

    @jinja2.pass_context
    def usable_claims_filter(
        context: jinja2.runtime.Context, claims: Iterable[ApprovedClaim]
    ) -> list[ApprovedClaim]:
        today = context.get("today")
        return usable_claims(claims, today if isinstance(today, date) else None)

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts are plain text, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["usable_claims"] = usable_claims_filter
    return environment


@lru_cache(maxsize=64)
def _compiled(root: str, source: str) -> Any:
    """A compiled template per source text (compiling is ~100x slower than rendering)."""
    return _environment(root).from_string(source)


def available_templates(prompts_dir: Path = PROMPTS_DIR) -> list[str]:
    """Template ids under ``prompts_dir`` (``*.j2``, sub-folders included)."""
    return sorted(p.relative_to(prompts_dir).as_posix() for p in prompts_dir.rglob("*.j2"))


def template_sha256(template_name: str, prompts_dir: Path = PROMPTS_DIR) -> str:
    """Hex SHA-256 of a template's source bytes."""
    return hashlib.sha256(_template_path(template_name, prompts_dir).read_bytes()).hexdigest()


def _template_path(template_name: str, prompts_dir: Path) -> Path:
    path = (prompts_dir / template_name).resolve()
    if not path.is_relative_to(prompts_dir.resolve()) or not path.is_file():
        known = ", ".join(available_templates(prompts_dir)) or "none"
        raise PromptError(
            f"no prompt template {template_name!r} in {prompts_dir}; templates: {known}"
        )
    return path


def render(
    template_name: str, /, *, prompts_dir: Path = PROMPTS_DIR, **context: Any
) -> RenderedPrompt:
    """Render ``prompts/<template_name>`` with ``context``.

    Parameters
    ----------
    template_name
        Template id relative to ``prompts_dir``, e.g. ``"copy.j2"``.
    prompts_dir
        Folder of templates; the repository's ``prompts/`` by default.
    **context
        Variables the template uses.

    Raises
    ------
    PromptError
        The template does not exist, has a syntax error (with its line), or uses a variable
        that is not in ``context``.
    """
    import jinja2

    path = _template_path(template_name, prompts_dir)
    source = path.read_text(encoding="utf-8")
    try:
        # Compile the very source that is hashed, so text and hash can never disagree.
        template = _compiled(str(prompts_dir.resolve()), source)
        text = template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(
            f"prompt template {template_name!r}, line {exc.lineno}: {exc.message}"
        ) from exc
    except jinja2.UndefinedError as exc:
        passed = ", ".join(sorted(context)) or "nothing"
        raise PromptError(
            f"prompt template {template_name!r} needs a value the caller did not pass: {exc.message} "
            f"(passed: {passed})"
        ) from exc
    return RenderedPrompt(
        template=template_name,
        text=text.strip() + "\n",
        sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(),
    )
