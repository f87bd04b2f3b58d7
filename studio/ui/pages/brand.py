"""Brand: the brand kit as forms with a live preview, the YAML beside them, personas as cards,
a new-brand wizard, the impact of a change before saving, history and restore.

Every rule lives in :mod:`studio.brand` (forms, impact, preview, personas, new_brand, store):
this page gathers input, calls them and shows what they return.
"""

from __future__ import annotations

import io
from pathlib import Path

import streamlit as st

from studio.brand import forms, impact, personas, preview
from studio.brand import store as brand_store
from studio.brand.guidelines import (
    GUIDELINE_FILE,
    PERSONA_DIR,
    PLATFORMS_FILE,
    Guideline,
    editable_files,
    load_brand,
    resolve_brand_file,
    validate_guideline_text,
    validate_text,
)
from studio.brand.new_brand import (
    NewBrand,
    NewBrandInvalid,
    NewColor,
    NewPersona,
    UploadedFile,
    create_brand,
)
from studio.copy.channels import CHANNELS
from studio.core.errors import InvalidValue, UserFacingError
from studio.core.models import saved_id
from studio.core.uploads import UploadRejected
from studio.review.accounts import AuthError
from studio.ui import brand_forms, context, labels

_SAVED = "brand_saved"
_SAVE_ERRORS = "brand_save_errors"
_NOTICE = "brand_notice"
_FILE = "brand_file"
_VIEW = "brand_view"
_MODE = "brand_mode"
VIEWS = ("Form", "YAML", "Personas", "History", "Files")
MODES = ("Edit a brand", "New brand")


def _problems(editing_is_valid: bool) -> None:
    """The state of the files on disk; no green banner while the edit below has problems."""
    errors = context.catalog().errors
    if not errors:
        if editing_is_valid:
            st.success("All brand files are valid.")
        return
    st.error(
        f"{len(errors)} problem(s) in brand files. Brands with a valid guideline keep working."
    )
    st.dataframe(
        [{"file": e.file, "field": e.field, "problem": e.problem} for e in errors],
        hide_index=True,
        use_container_width=True,
    )


def _on_disk(path: str) -> str:
    target = resolve_brand_file(context.settings().brand_dir, path)
    # platforms.yaml is listed for every brand and may not exist yet: saving creates it.
    return target.read_text(encoding="utf-8") if target.is_file() else ""


def _is_guideline(path: str) -> bool:
    return path.endswith(f"/{GUIDELINE_FILE}")


# --------------------------------------------------------------------------------------------
# Saving (both views) with the impact of the change
# --------------------------------------------------------------------------------------------


def _save(path: str, send_back_key: str) -> None:
    """Save button callback: runs before the next run draws the page, so it may clear the note."""
    config = context.settings()
    text = st.session_state[brand_forms._STATE + path]["text"]
    message = st.session_state.get(f"message:{path}", "")
    try:
        with context.db_session() as session:
            if _is_guideline(path):
                saved = impact.save_guideline(
                    session,
                    root=config.brand_dir,
                    path=path,
                    text=text,
                    author=context.current_username(),
                    message=message,
                    send_back_approved=bool(st.session_state.get(send_back_key)),
                )
                sent = saved.sent_back
            else:
                brand_store.save_brand_file(
                    session,
                    root=config.brand_dir,
                    path=path,
                    text=text,
                    author=context.current_username(),
                    message=message,
                )
                sent = ()
    except brand_store.BrandFileInvalid as exc:
        st.session_state[_SAVE_ERRORS] = [str(error) for error in exc.errors]
    except (AuthError, UserFacingError) as exc:
        st.session_state[_SAVE_ERRORS] = [str(exc)]
    else:
        st.session_state[_SAVED] = (path, tuple(sent))
        st.session_state[f"message:{path}"] = ""  # the note belonged to the saved version


def _impact(path: str, text: str) -> str:
    """The variants the edited guideline would newly flag; returns the send-back checkbox key."""
    send_back_key = f"send_back:{path}"
    if not _is_guideline(path):
        return send_back_key
    with context.db_session() as session:
        found = impact.impact_of_text(
            session, root=context.settings().brand_dir, path=path, text=text
        )
    if found is None:
        return send_back_key
    st.markdown("**Impact of this change**")
    if not found.affected:
        st.caption(f"None of the {found.checked} live variants of this brand would be flagged.")
        return send_back_key
    st.warning(
        f"{len(found.affected)} of {found.checked} live variants would now be flagged "
        f"({', '.join(f'{rule}: {n}' for rule, n in impact.flags_by_rule(found).items())})."
    )
    st.table(
        [
            {
                "variant": f"#{row['variant']}",
                "status": labels.status(str(row["status"])),
                "rule": row["rule"],
                "field": row["field"],
                "text": row["text"],
                "why": row["why"],
            }
            for row in impact.affected_rows(found)
        ]
    )
    if found.approved_ids:
        st.checkbox(
            f"Send the {len(found.approved_ids)} approved variant(s) back to review when saving",
            key=send_back_key,
            help="They go back to 'In review' with the new flags as the reason; the choice is "
            "recorded in the audit log either way.",
        )
    return send_back_key


def _save_block(path: str, on_disk: str, text: str, errors: dict[str, list[str]]) -> None:
    send_back_key = (_impact(path, text) if not errors else "") if text != on_disk else ""
    st.text_input("What changed (optional)", key=f"message:{path}")
    st.button(
        "Save",
        type="primary",
        disabled=bool(errors) or text == on_disk,
        key=f"save:{path}",
        on_click=_save,
        args=(path, send_back_key),
    )
    for problem in st.session_state.pop(_SAVE_ERRORS, []):
        st.error(problem)
    saved = st.session_state.get(_SAVED)
    if saved and saved[0] == path:
        st.session_state.pop(_SAVED)
        sent = saved[1]
        st.success(
            f"Saved {path}."
            + (f" Sent back to review: {', '.join(f'#{i}' for i in sent)}." if sent else "")
        )


# --------------------------------------------------------------------------------------------
# Form view and live preview
# --------------------------------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def _sample_ads(
    root: str, slug: str, guideline_json: str, headline: str, cta: str
) -> list[tuple[bytes, str, tuple[str, ...]]]:
    """The sample ads as PNG bytes, caption and warnings; the same edit is drawn once."""
    guideline = Guideline.model_validate_json(guideline_json)
    out = []
    for ad in preview.sample_ads(Path(root), slug, guideline, headline, cta):
        buffer = io.BytesIO()
        ad.image.save(buffer, format="PNG")
        caption = f"Sample ad {ad.format.size_label} ({ad.format.aspect})"
        out.append((buffer.getvalue(), caption, ad.warnings))
    return out


def _preview(path: str, guideline: Guideline, brand_root: Path, slug: str) -> None:
    st.markdown("**Contrast (WCAG)**")
    st.table(
        [
            {
                "text": f"{p.text_role} {p.text_hex}",
                "on": f"{p.background_role} {p.background_hex}",
                "used for": p.used_for,
                "ratio": f"{p.ratio:.2f}:1",
                "AA": "pass" if p.passes else "FAIL",
            }
            for p in preview.contrast_matrix(guideline)
        ]
    )
    headline = st.text_input(
        "Sample headline",
        value=guideline.value_propositions[0][:60],
        key=f"sample_headline:{path}",
    )
    cta = guideline.calls_to_action[0]
    try:
        ads = _sample_ads(
            str(brand_root), slug, guideline.model_dump_json(), headline or guideline.name, cta
        )
    except (InvalidValue, OSError) as exc:
        st.error(f"The preview cannot be drawn: {exc}")
    else:
        for png, caption, warnings in ads:
            st.image(png, caption=caption)
            for warning in warnings:
                st.warning(warning)
    sample = st.text_input(
        "Sample copy to check",
        value=guideline.value_propositions[0],
        key=f"sample_copy:{path}",
    )
    found = preview.sample_copy_check(guideline, sample)
    if found:
        for violation in found:
            st.error(f"{violation.rule}: {violation.reason}")
    else:
        st.success("The sample copy passes the brand's copy checks.")
    st.markdown("**Fonts and logo on light and dark**")
    light, dark = guideline.color("background").hex, guideline.color("text").hex
    try:
        for label, font in (("Headline", guideline.fonts.headline), ("Body", guideline.fonts.body)):
            for fg, bg in ((dark, light), (light, dark)):
                st.image(
                    preview.font_specimen(
                        brand_root / font, f"{label}: {guideline.name} Aa 123", fg, bg, 28
                    )
                )
        cols = st.columns(2)
        for column, bg in zip(cols, (light, dark), strict=True):
            with column:
                st.image(preview.logo_on(brand_root / guideline.logo, bg, 64))
    except OSError as exc:
        st.error(f"A font or the logo cannot be read: {exc}")


def _unplaced_errors(sections: tuple[forms.FormSection, ...], errors: dict[str, list[str]]) -> None:
    """Problems no single field shows (a rule across fields, an unknown key, the whole file)."""
    fields = forms.form_fields(sections)
    for field, problems in errors.items():
        if not any(
            field == f.path or field.startswith((f.path + ".", f.path + "[")) for f in fields
        ):
            for problem in problems:
                st.error(f"{field}: {problem}")


def _form_view(path: str) -> bool:
    """The file as a form (guideline, persona or platform settings; the guideline beside the
    live preview); returns validity."""
    config = context.settings()
    on_disk = _on_disk(path)
    state = brand_forms.draft(path, on_disk)
    text = state["text"]
    brand_root = config.brand_dir / path.split("/", 1)[0]
    errors = forms.field_errors(config.brand_dir, path, text)
    try:
        forms.load_document(text, path)
    except forms.FormDocumentInvalid as exc:
        st.error(f"The YAML cannot be shown as a form: {exc}. Fix it in the YAML view.")
        return False
    if not _is_guideline(path):
        platforms = path.endswith(f"/{PLATFORMS_FILE}")
        if platforms:
            st.caption(
                "Ad-account settings each export writes into the platform's import file. "
                "Leave out what you do not use: an export that needs a setting says which."
            )
        sections = forms.PLATFORM_SECTIONS if platforms else forms.PERSONA_SECTIONS
        brand_forms.render_sections(path, sections, text, errors, brand_root, all_at_once=True)
        _unplaced_errors(sections, errors)
        _save_block(path, on_disk, st.session_state[brand_forms._STATE + path]["text"], errors)
        return not errors
    sections = forms.GUIDELINE_SECTIONS
    form_col, preview_col = st.columns([3, 2])
    with form_col:
        brand_forms.render_sections(path, sections, text, errors, brand_root)
        _unplaced_errors(sections, errors)
        _save_block(path, on_disk, text, errors)
    with preview_col:
        st.subheader("Live preview")
        guideline, _ = validate_guideline_text(text, path, brand_root)
        if guideline is None:
            st.caption("Showing the saved version: the edit has problems (see the form).")
            guideline, _ = validate_guideline_text(on_disk, path, brand_root)
        if guideline is not None:
            _preview(path, guideline, brand_root, path.split("/", 1)[0])
    return not errors


def _yaml_view(path: str) -> bool:
    """The draft's YAML; edits here show in the form, and the other way round."""
    config = context.settings()
    on_disk = _on_disk(path)
    state = brand_forms.draft(path, on_disk)
    key = f"editor:{path}:{state['gen']}"

    def changed() -> None:
        brand_forms.set_text(path, st.session_state[key])

    st.text_area(
        "YAML",
        value=state["text"],
        height=520,
        key=key,
        label_visibility="collapsed",
        on_change=changed,
    )
    text = state["text"]
    errors = validate_text(config.brand_dir, path, text)
    for error in errors:
        st.error(str(error))
    _save_block(path, on_disk, text, {e.field: [e.problem] for e in errors})
    return not errors


# --------------------------------------------------------------------------------------------
# Personas as cards
# --------------------------------------------------------------------------------------------


def _open(path: str) -> None:
    st.session_state[_FILE] = path
    st.session_state[_VIEW] = "Form"


def _persona_action(action: str, path: str) -> None:
    config = context.settings()
    try:
        with context.db_session() as session:
            author = context.current_username()
            if action == "duplicate":
                new_path = personas.duplicate_persona(
                    session, root=config.brand_dir, path=path, author=author
                )
                st.session_state[_NOTICE] = f"Duplicated as {new_path}."
            else:
                personas.set_retired(
                    session,
                    root=config.brand_dir,
                    path=path,
                    retired=action == "retire",
                    author=author,
                )
                st.session_state[_NOTICE] = (
                    f"{'Retired' if action == 'retire' else 'Brought back'} {path}."
                )
    except (AuthError, UserFacingError) as exc:
        st.session_state[_SAVE_ERRORS] = [str(exc)]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _new_persona(brand: str) -> None:
    state = st.session_state
    config = context.settings()
    try:
        with context.db_session() as session:
            path = personas.create_persona(
                session,
                root=config.brand_dir,
                brand=brand,
                persona=NewPersona(
                    name=state["np_name"].strip(),
                    description=state["np_description"].strip(),
                    age_range=state["np_age"].strip(),
                    pains=_lines(state["np_pains"]),
                    motivations=_lines(state["np_motivations"]),
                    preferred_channels=list(state["np_channels"]),
                    locale=state["np_locale"].strip() or "en-US",
                ),
                author=context.current_username(),
            )
    except brand_store.BrandFileInvalid as exc:
        state[_SAVE_ERRORS] = [str(e) for e in exc.errors]
    except (AuthError, UserFacingError) as exc:
        state[_SAVE_ERRORS] = [str(exc)]
    else:
        state[_NOTICE] = f"Created persona {path}."


def _personas_view(path: str) -> None:
    config = context.settings()
    slug = path.split("/", 1)[0]
    brand, _ = load_brand(config.brand_dir, slug)
    for problem in st.session_state.pop(_SAVE_ERRORS, []):
        st.error(problem)
    if notice := st.session_state.pop(_NOTICE, None):
        st.success(notice)
    if brand is None:
        st.info("The brand's guideline has problems: fix it first (Form or YAML view).")
        return
    cards = [(s, p, False) for s, p in brand.personas.items()]
    cards += [(s, p, True) for s, p in brand.retired_personas.items()]
    columns = st.columns(3)
    for index, (persona_slug, persona, retired) in enumerate(cards):
        persona_path = f"{slug}/{PERSONA_DIR}/{persona_slug}.yaml"
        with columns[index % 3], st.container(border=True):
            st.markdown(f"**{persona.name}**" + (" · retired" if retired else ""))
            st.caption(persona.description)
            st.caption(
                f"{persona.demographics.age_range} · {persona.locale} · "
                + ", ".join(labels.channel(c) for c in persona.preferred_channels)
            )
            edit, copy, retire = st.columns(3)
            edit.button("Edit", key=f"pe:{persona_path}", on_click=_open, args=(persona_path,))
            copy.button(
                "Duplicate",
                key=f"pd:{persona_path}",
                on_click=_persona_action,
                args=("duplicate", persona_path),
            )
            retire.button(
                "Bring back" if retired else "Retire",
                key=f"pr:{persona_path}",
                on_click=_persona_action,
                args=("restore" if retired else "retire", persona_path),
            )
    with st.expander("New persona", expanded=False), st.form("new_persona", clear_on_submit=False):
        st.text_input("Name", key="np_name")
        st.text_area("Description", key="np_description", height=80)
        st.text_input("Age range", key="np_age", placeholder="25-45")
        st.text_area("Pains (one per line)", key="np_pains", height=80)
        st.text_area("Motivations (one per line)", key="np_motivations", height=80)
        st.multiselect(
            "Preferred channels", list(CHANNELS), format_func=labels.channel, key="np_channels"
        )
        st.text_input("Locale", value="en-US", key="np_locale")
        st.form_submit_button("Create persona", on_click=_new_persona, args=(slug,))


# --------------------------------------------------------------------------------------------
# History and files (as before)
# --------------------------------------------------------------------------------------------


def _history(path: str) -> None:
    config = context.settings()
    with context.db_session() as session:
        versions = list(brand_store.history(session, path=path))
    if not versions:
        st.caption("No saved versions yet: the first save records the file as it was too.")
        return
    labels_by_id = {
        v.id: f"#{v.id} · {v.created_at:%Y-%m-%d %H:%M:%S} · {v.author} · {v.message}"
        for v in versions
    }
    st.dataframe(
        [
            {"version": v.id, "saved at (UTC)": v.created_at, "by": v.author, "message": v.message}
            for v in versions
        ],
        hide_index=True,
        use_container_width=True,
    )
    ids = [v.id for v in versions]
    chosen = st.selectbox(
        "Compare a version with the file as it is now",
        ids,
        format_func=lambda i: labels_by_id[i],
        key=f"version:{path}",
    )
    version = next(v for v in versions if v.id == chosen)
    current = _on_disk(path)
    patch = brand_store.diff(
        version.content, current, old_label=f"version {chosen}", new_label="current"
    )
    if patch:
        st.code(patch, language="diff")
    else:
        st.caption("This version is identical to the current file.")
    if st.button(f"Restore version {chosen}", disabled=not patch, key=f"restore:{path}"):
        try:
            with context.db_session() as session:
                brand_store.restore_version(
                    session,
                    root=config.brand_dir,
                    version_id=saved_id(version),
                    author=context.current_username(),
                )
        except (AuthError, brand_store.BrandFileInvalid) as exc:
            st.error(str(exc))
        else:
            st.session_state[_SAVED] = (path, ())
            st.rerun()


def _uploads(slug: str) -> None:
    config = context.settings()
    brand_root = config.brand_dir / slug
    st.caption(
        f"Add a logo, font or music file to **{slug}** (up to {config.max_upload_mb:g} MiB), "
        "then choose it in the form (Fonts, Logo). "
        "The TikTok bulk template (.csv, downloaded from your TikTok Ads Manager) goes to `templates/`: "
        "name it in platforms.yaml (`tiktok: {template: templates/<file>.csv}`)."
    )
    uploaded = st.file_uploader(
        "File",
        type=[s.lstrip(".") for s in brand_store.BRAND_ASSET_FOLDERS],
        key=f"brand_upload:{slug}",
    )
    if uploaded is not None and st.button("Add to brand folder", key="brand_upload_save"):
        try:
            with context.db_session() as session:
                relative = brand_store.save_brand_asset(
                    session,
                    root=config.brand_dir,
                    brand=slug,
                    name=uploaded.name,
                    data=uploaded.getvalue(),
                    max_mb=config.max_upload_mb,
                    author=context.current_username(),
                )
        except (UploadRejected, AuthError) as exc:
            st.error(str(exc))
        else:
            st.success(f"Saved {slug}/{relative}")
    files = sorted(
        p.relative_to(brand_root).as_posix()
        for p in brand_root.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in brand_store.BRAND_ASSET_FOLDERS
    )
    st.write("Files in the brand folder: " + ", ".join(f"`{f}`" for f in files))


# --------------------------------------------------------------------------------------------
# New-brand wizard
# --------------------------------------------------------------------------------------------


def _upload(key: str) -> UploadedFile:
    value = st.session_state.get(key)
    if value is None:
        raise InvalidValue(f"choose a file for {key.removeprefix('nb_').replace('_', ' ')}")
    return UploadedFile(value.name, value.getvalue())


def _create_brand() -> None:
    state = st.session_state
    config = context.settings()
    colors = [
        NewColor(role.replace("_", " ").title(), state[f"nb_color_{role}"].upper(), role)
        for role in ("primary", "background", "text", "cta", "cta_text")
    ]
    try:
        spec = NewBrand(
            name=state["nb_name"].strip(),
            website=state["nb_website"].strip(),
            industry=state["nb_industry"].strip(),
            tone=[t.strip() for t in state["nb_tone"].split(",") if t.strip()],
            voice_description=state["nb_voice"].strip(),
            value_propositions=_lines(state["nb_values"]),
            calls_to_action=_lines(state["nb_ctas"]),
            visual_style=state["nb_style"].strip(),
            colors=colors,
            logo=_upload("nb_logo"),
            headline_font=_upload("nb_headline_font"),
            body_font=_upload("nb_body_font"),
            persona=NewPersona(
                name=state["nb_persona_name"].strip(),
                description=state["nb_persona_description"].strip(),
                age_range=state["nb_persona_age"].strip(),
                pains=_lines(state["nb_persona_pains"]),
                motivations=_lines(state["nb_persona_motivations"]),
                preferred_channels=list(state["nb_persona_channels"]),
            ),
        )
        with context.db_session() as session:
            slug = create_brand(
                session, root=config.brand_dir, spec=spec, author=context.current_username()
            )
    except NewBrandInvalid as exc:
        state[_SAVE_ERRORS] = [str(e) for e in exc.errors]
    except (AuthError, UserFacingError) as exc:
        state[_SAVE_ERRORS] = [str(exc)]
    else:
        state[_NOTICE] = f"Created the brand {spec.name} in {slug}/."
        state["brand"] = slug
        state[_FILE] = f"{slug}/{GUIDELINE_FILE}"
        state[_VIEW] = "Form"
        state[_MODE] = MODES[0]


def _wizard() -> None:
    st.caption(
        "A new brand in one go: name, website, colours, logo, fonts and a first persona. "
        "Everything else can be refined in the form afterwards."
    )
    for problem in st.session_state.pop(_SAVE_ERRORS, []):
        st.error(problem)
    with st.form("new_brand"):
        st.subheader("The brand")
        st.text_input("Brand name", key="nb_name")
        st.text_input("Website", key="nb_website", placeholder="https://example.com")
        st.text_input("Industry", key="nb_industry")
        st.text_input("Tone (comma-separated)", key="nb_tone", placeholder="warm, expert")
        st.text_area("How the brand sounds", key="nb_voice", height=80)
        st.text_area("Value propositions (one per line)", key="nb_values", height=80)
        st.text_area("Calls to action (one per line)", key="nb_ctas", height=80)
        st.text_area("Visual style", key="nb_style", height=80)
        st.subheader("Colours")
        defaults = {
            "primary": "#1F3A5F",
            "background": "#F7F7F2",
            "text": "#16181D",
            "cta": "#C2410C",
            "cta_text": "#FFFFFF",
        }
        columns = st.columns(len(defaults))
        for column, (role, value) in zip(columns, defaults.items(), strict=True):
            with column:
                st.color_picker(role.replace("_", " ").title(), value=value, key=f"nb_color_{role}")
        st.subheader("Logo and fonts")
        st.file_uploader(
            "Logo (PNG with transparency, or JPEG)", type=["png", "jpg", "jpeg"], key="nb_logo"
        )
        st.file_uploader("Headline font (.ttf, .otf)", type=["ttf", "otf"], key="nb_headline_font")
        st.file_uploader("Body font (.ttf, .otf)", type=["ttf", "otf"], key="nb_body_font")
        st.subheader("First persona")
        st.text_input("Persona name", key="nb_persona_name")
        st.text_area("Persona description", key="nb_persona_description", height=80)
        st.text_input("Age range", key="nb_persona_age", placeholder="25-45")
        st.text_area("Pains (one per line)", key="nb_persona_pains", height=80)
        st.text_area("Motivations (one per line)", key="nb_persona_motivations", height=80)
        st.multiselect(
            "Preferred channels",
            list(CHANNELS),
            format_func=labels.channel,
            key="nb_persona_channels",
        )
        st.form_submit_button("Create brand", type="primary", on_click=_create_brand)


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def render() -> None:
    st.title("Brand guidelines")
    banner = st.container()  # filled once the editor has checked the text in it
    mode = st.radio("Mode", MODES, horizontal=True, key=_MODE, label_visibility="collapsed")
    if mode == MODES[1]:
        with banner:
            _problems(editing_is_valid=True)
        _wizard()
        return
    files = editable_files(context.settings().brand_dir)
    if not files:
        with banner:
            _problems(editing_is_valid=True)
        st.info("No guideline or persona files found. Create a brand with 'New brand'.")
        return
    if (notice := st.session_state.get(_NOTICE)) and notice.startswith("Created the brand"):
        st.session_state.pop(_NOTICE)
        st.success(notice)
    if st.session_state.get(_FILE) not in files:
        brand = context.active_brand()
        st.session_state[_FILE] = next(
            (f for f in files if brand and f == f"{brand.slug}/{GUIDELINE_FILE}"), files[0]
        )
    path = st.selectbox("File", files, key=_FILE)
    view = st.radio("View", VIEWS, horizontal=True, key=_VIEW, label_visibility="collapsed")
    editing_is_valid = True
    if view == "Form":
        editing_is_valid = _form_view(path)
    elif view == "YAML":
        editing_is_valid = _yaml_view(path)
    elif view == "Personas":
        _personas_view(path)
    elif view == "History":
        _history(path)
    else:
        _uploads(path.split("/", 1)[0])
    with banner:
        _problems(editing_is_valid)
