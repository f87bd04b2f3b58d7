"""Personas as the Brand page handles them: create, duplicate, retire or bring back.

Every change is a save of a persona file through :func:`studio.brand.store.save_brand_file`
(validated, versioned, audited, brand managers and admins only). Retiring sets
``retired: true`` in the file: the persona is kept for the variants that name it and offered
nowhere else; a brand keeps at least one active persona.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from studio.brand import forms, store
from studio.brand.guidelines import PERSONA_DIR, load_brand
from studio.brand.new_brand import NewPersona, persona_text, slugify
from studio.core.errors import InvalidValue


def _free_path(root: Path, brand: str, name: str) -> str:
    base = slugify(name) or "persona"
    slug, n = base, 2
    while (root / brand / PERSONA_DIR / f"{slug}.yaml").exists():
        slug, n = f"{base}-{n}", n + 1
    return f"{brand}/{PERSONA_DIR}/{slug}.yaml"


def create_persona(
    session: Session, *, root: Path, brand: str, persona: NewPersona, author: str
) -> str:
    """Save a new persona file (named after the persona); returns its path."""
    path = _free_path(root, brand, persona.name)
    store.save_brand_file(
        session,
        root=root,
        path=path,
        text=persona_text(persona),
        author=author,
        message=f"new persona {persona.name!r}",
    )
    return path


def duplicate_persona(session: Session, *, root: Path, path: str, author: str) -> str:
    """Save a copy of a persona file as ``<name> (copy)``; returns the new file's path."""
    brand = path.split("/", 1)[0]
    text = (root / path).read_text(encoding="utf-8")
    values = forms.form_values(text, path)
    values["name"] = f"{values.get('name', 'Persona')} (copy)"
    values.pop("retired", None)
    new_path = _free_path(root, brand, str(values["name"]))
    store.save_brand_file(
        session,
        root=root,
        path=new_path,
        text=forms.apply_form(text, values, path),
        author=author,
        message=f"copy of {path}",
    )
    return new_path


def set_retired(session: Session, *, root: Path, path: str, retired: bool, author: str) -> None:
    """Retire a persona (or bring it back).

    Raises
    ------
    InvalidValue
        Retiring the brand's last active persona.
    """
    brand = path.split("/", 1)[0]
    if retired:
        loaded, _ = load_brand(root, brand)
        active = set(loaded.personas) if loaded else set()
        if active <= {Path(path).stem}:
            raise InvalidValue(
                f"{path} is the brand's last active persona; add or bring back another first"
            )
    text = (root / path).read_text(encoding="utf-8")
    values = forms.form_values(text, path)
    if retired:
        values["retired"] = True
    else:
        values.pop("retired", None)
    store.save_brand_file(
        session,
        root=root,
        path=path,
        text=forms.apply_form(text, values, path),
        author=author,
        message="retired" if retired else "brought back",
    )
