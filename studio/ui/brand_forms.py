"""The Brand page's form widgets: every field of :mod:`studio.brand.forms`, written into a draft.

The draft is the YAML text being edited (one per file, in session state): the form and the YAML
view both read and write it, so they stay in step, and saving saves it. Every widget writes its
value into the draft in its ``on_change`` callback (through :func:`studio.brand.forms.apply_form`,
which keeps comments and unknown keys); the page then validates the draft with the rules of
``studio brands validate`` and shows each problem under its field.

Widget keys carry the draft's *generation*: it goes up when the draft changes under the widgets
(a list item added, moved or removed, the YAML view edited, a save), so they start again from
the draft's values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from studio.brand import forms
from studio.brand.forms import FormField, FormSection
from studio.copy.channels import CHANNELS
from studio.ui import labels

_STATE = "brand_draft:"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
COLOR_ROLES = ("primary", "secondary", "accent", "background", "text", "cta", "cta_text")
Keys = tuple[str | int, ...]
_NOT_SET = "(not set)"


# --------------------------------------------------------------------------------------------
# The draft
# --------------------------------------------------------------------------------------------


def draft(path: str, on_disk: str) -> dict[str, Any]:
    """The draft of ``path``: ``{"disk", "text", "gen"}``; starts again when the file changed."""
    state = st.session_state.get(_STATE + path)
    if state is None or state["disk"] != on_disk:
        gen = state["gen"] + 1 if state else 0
        state = {"disk": on_disk, "text": on_disk, "gen": gen}
        st.session_state[_STATE + path] = state
    return state


def set_text(path: str, text: str) -> None:
    """Replace the draft's text (the YAML view); the form starts again from it."""
    state = st.session_state[_STATE + path]
    if state["text"] != text:
        state["text"] = text
        state["gen"] += 1


def _key(path: str, keys: Keys, suffix: str = "") -> str:
    gen = st.session_state[_STATE + path]["gen"]
    return f"bf:{path}:{gen}:{'/'.join(map(str, keys))}:{suffix}"


def _set_in(values: Any, keys: Keys, value: Any) -> None:
    node = values
    for part in keys[:-1]:
        if isinstance(part, str) and not isinstance(node.get(part), dict | list):
            node[part] = {}
        node = node[part]
    node[keys[-1]] = value


def _get_in(values: Any, keys: Keys) -> Any:
    node = values
    for part in keys:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node


def _write(
    path: str, fields: Sequence[FormField], change: Callable[[dict[str, Any]], None], *, bump: bool
) -> None:
    state = st.session_state[_STATE + path]
    values = forms.form_values(state["text"], path)
    change(values)
    state["text"] = forms.apply_form(state["text"], forms.without_empty(values, fields), path)
    if bump:
        state["gen"] += 1


def _on_change(
    path: str,
    fields: Sequence[FormField],
    keys: Keys,
    widget: str,
    convert: Callable[[Any], Any],
    bump: bool = False,
) -> None:
    value = convert(st.session_state[widget])
    _write(path, fields, lambda values: _set_in(values, keys, value), bump=bump)


def _list_op(
    path: str, fields: Sequence[FormField], keys: Keys, op: str, index: int, item: Any = None
) -> None:
    def change(values: dict[str, Any]) -> None:
        items = _get_in(values, keys)
        if not isinstance(items, list):
            items = []
            _set_in(values, keys, items)
        if op == "add":
            items.append(item)
        elif op == "remove":
            del items[index]
        elif op == "up" and index > 0:
            items[index - 1], items[index] = items[index], items[index - 1]
        elif op == "down" and index < len(items) - 1:
            items[index + 1], items[index] = items[index], items[index + 1]

    _write(path, fields, change, bump=True)


def _add_from_input(path: str, fields: Sequence[FormField], keys: Keys, widget: str) -> None:
    text = str(st.session_state.get(widget, "")).strip()
    state = st.session_state[_STATE + path]
    present = _get_in(forms.form_values(state["text"], path), keys)
    already = isinstance(present, list) and any(
        str(item).strip().casefold() == text.casefold() for item in present
    )
    # An entry already in the list is not added twice (the same Enter can arrive twice).
    if text and not already:
        _list_op(path, fields, keys, "add", 0, text)


# --------------------------------------------------------------------------------------------
# Widgets
# --------------------------------------------------------------------------------------------


def _errors(errors: dict[str, list[str]], name: str) -> None:
    for problem in forms.errors_under(errors, name):
        st.error(problem, icon=":material/error:")


def _name(keys: Keys) -> str:
    out = ""
    for part in keys:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _hex(value: Any) -> str:
    return str(value).upper()


def _scalar(
    path: str,
    fields: Sequence[FormField],
    field: FormField,
    keys: Keys,
    value: Any,
    brand_root: Path,
    *,
    label: str | None = None,
) -> None:
    """One widget for a scalar field (or a channel list) at ``keys``."""
    label = label or field.label
    widget = _key(path, keys)
    common: dict[str, Any] = {"key": widget, "help": field.help or None}

    def on_change(
        convert: Callable[[Any], Any] = lambda v: v, bump: bool = False
    ) -> dict[str, Any]:
        return {"on_change": _on_change, "args": (path, fields, keys, widget, convert, bump)}

    if field.kind == "long_text":
        st.text_area(label, value=_text(value), height=110, **common, **on_change())
    elif field.kind == "channels":
        chosen = [c for c in (value or []) if c in CHANNELS]
        st.multiselect(
            label,
            list(CHANNELS),
            default=chosen,
            format_func=labels.channel,
            **common,
            **on_change(list),
        )
    elif field.kind == "color_role":
        options = list(COLOR_ROLES)
        index = options.index(value) if value in options else None
        st.selectbox(label, options, index=index, **common, **on_change())
    elif field.kind == "hex":
        current = _text(value)
        if _HEX.match(current):
            st.color_picker(label, value=current, key=widget, **on_change(_hex, bump=True))
        st.text_input(
            f"{label} (hex)",
            value=current,
            key=_key(path, keys, "hex"),
            on_change=_on_change,
            args=(path, fields, keys, _key(path, keys, "hex"), str, True),
        )
    elif field.kind == "date":
        st.date_input(
            label,
            value=value if isinstance(value, date) else None,
            format="YYYY-MM-DD",
            **common,
            **on_change(),
        )
    elif field.kind == "int":
        st.number_input(
            label,
            value=value if isinstance(value, int) else None,
            min_value=0,
            step=1,
            **common,
            **on_change(lambda v: None if v is None else int(v)),
        )
    elif field.kind == "bool":
        st.checkbox(label, value=bool(value), **common, **on_change())
    elif field.kind == "choice":
        choices: list[Any] = [option for option, _ in field.options]
        if value is not None and value not in choices:
            choices.append(value)  # a value the file has but the schema refuses: shown, flagged
        if not field.required:
            choices.insert(0, None)
        st.selectbox(
            label,
            choices,
            index=choices.index(value) if value in choices else None,
            format_func=lambda v: _NOT_SET if v is None else field.label_of(v),
            **common,
            **on_change(),
        )
    elif field.kind == "choices":
        known = [option for option, _ in field.options]
        chosen = value if isinstance(value, list) else []
        st.multiselect(
            label,
            known + [v for v in chosen if v not in known],
            default=chosen,
            format_func=field.label_of,
            **common,
            **on_change(list),
        )
    elif field.kind == "money":
        st.number_input(
            label,
            value=float(value) if isinstance(value, int | float) else None,
            min_value=0.0,
            step=1.0,
            format="%.2f",
            **common,
            **on_change(lambda v: None if v is None else forms.money(v)),
        )
    elif field.kind == "file":
        suffixes = (
            (".ttf", ".otf")
            if field.path.startswith("fonts")
            else (".csv",)
            if field.path == "tiktok.template"
            else (".png", ".jpg", ".jpeg", ".webp")
        )
        present = sorted(
            p.relative_to(brand_root).as_posix()
            for p in brand_root.rglob("*")
            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
        )
        options = present if _text(value) in present else [*present, _text(value)]
        st.selectbox(label, options, index=options.index(_text(value)), **common, **on_change(str))
    else:
        st.text_input(label, value=_text(value), **common, **on_change(str))


def _list(
    path: str, fields: Sequence[FormField], field: FormField, keys: Keys, values: list[Any]
) -> None:
    """A list of texts: edit, move up or down, remove, add."""
    st.markdown(f"**{field.label}**" + (f" · {field.help}" if field.help else ""))
    for index, item in enumerate(values):
        text_col, up, down, remove = st.columns([10, 1, 1, 1], vertical_alignment="bottom")
        with text_col:
            widget = _key(path, (*keys, index))
            st.text_input(
                f"{field.label} {index + 1}",
                value=_text(item),
                key=widget,
                label_visibility="collapsed",
                on_change=_on_change,
                args=(path, fields, (*keys, index), widget, str),
            )
        for column, op, icon, disabled in (
            (up, "up", ":material/arrow_upward:", index == 0),
            (down, "down", ":material/arrow_downward:", index == len(values) - 1),
            (remove, "remove", ":material/close:", False),
        ):
            with column:
                st.button(
                    "",
                    icon=icon,
                    key=_key(path, (*keys, index), op),
                    help=f"{op.title()} {field.label.lower()} {index + 1}",
                    disabled=disabled,
                    on_click=_list_op,
                    args=(path, fields, keys, op, index),
                )
    adder = _key(path, keys, "add")
    st.text_input(
        f"Add to {field.label.lower()}",
        key=adder,
        placeholder="Type and press Enter to add",
        on_change=_add_from_input,
        args=(path, fields, keys, adder),
    )


def _records(
    path: str,
    fields: Sequence[FormField],
    field: FormField,
    keys: Keys,
    values: list[Any],
    brand_root: Path,
) -> None:
    """A list of mappings (claims, colours, disclaimers): one bordered card per item."""
    st.markdown(f"**{field.label}**" + (f" · {field.help}" if field.help else ""))
    for index, item in enumerate(values):
        item = item if isinstance(item, dict) else {}
        with st.container(border=True):
            columns = st.columns(len(field.columns))
            for column, sub in zip(columns, field.columns, strict=True):
                with column:
                    _scalar(
                        path, fields, sub, (*keys, index, sub.key), item.get(sub.key), brand_root
                    )
            up, down, remove, _ = st.columns([1, 1, 1, 9])
            for column, op, icon, disabled in (
                (up, "up", ":material/arrow_upward:", index == 0),
                (down, "down", ":material/arrow_downward:", index == len(values) - 1),
                (remove, "remove", ":material/close:", False),
            ):
                with column:
                    st.button(
                        "",
                        icon=icon,
                        key=_key(path, (*keys, index), op),
                        help=f"{op.title()} item {index + 1}",
                        disabled=disabled,
                        on_click=_list_op,
                        args=(path, fields, keys, op, index),
                    )
    blank: dict[str, Any] = {c.key: "" for c in field.columns if c.required}
    if field.path == "colors":
        blank = {"name": "", "hex": "#808080", "role": "accent"}
    st.button(
        f"Add to {field.label.lower()}",
        icon=":material/add:",
        key=_key(path, keys, "add"),
        on_click=_list_op,
        args=(path, fields, keys, "add", 0, blank),
    )


def render_field(
    path: str,
    fields: Sequence[FormField],
    field: FormField,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    brand_root: Path,
) -> None:
    """The widget(s) of one form field with the field's problems under it."""
    keys: Keys = tuple(field.path.split("."))
    value = _get_in(values, keys)
    if field.kind == "list":
        _list(path, fields, field, keys, value if isinstance(value, list) else [])
    elif field.kind == "records":
        _records(path, fields, field, keys, value if isinstance(value, list) else [], brand_root)
    else:
        _scalar(path, fields, field, keys, value, brand_root)
    _errors(errors, _name(keys))


def render_sections(
    path: str,
    sections: Sequence[FormSection],
    text: str,
    errors: dict[str, list[str]],
    brand_root: Path,
    *,
    all_at_once: bool = False,
) -> None:
    """The sections' fields; one section at a time (a picker above) unless ``all_at_once``.

    A guideline has many fields: drawing only the chosen section keeps each run quick. The
    picker counts each section's problems, so none is hidden.
    """
    fields = forms.form_fields(sections)
    values = forms.form_values(text, path)
    problems = {
        s.key: sum(len(forms.errors_under(errors, f.path)) for f in s.fields) for s in sections
    }
    if all_at_once:
        chosen = list(sections)
    else:
        key = st.radio(
            "Section",
            [s.key for s in sections],
            format_func=lambda k: (
                next(s.title for s in sections if s.key == k)
                + (f" ({problems[k]} problem(s))" if problems[k] else "")
            ),
            horizontal=True,
            key=f"brand_section:{path}",
            label_visibility="collapsed",
        )
        chosen = [s for s in sections if s.key == key]
    for section in chosen:
        with st.container(border=True):
            st.markdown(f"#### {section.title}")
            for field in section.fields:
                render_field(path, fields, field, values, errors, brand_root)
