"""Brand: view and edit guideline and persona files; validated, atomic, versioned."""

from __future__ import annotations

import streamlit as st

from studio.brand import store as brand_store
from studio.brand.guidelines import editable_files, resolve_brand_file, validate_text
from studio.core.models import saved_id
from studio.core.uploads import UploadRejected
from studio.review.accounts import AuthError
from studio.ui import context

_SAVED = "brand_saved"
_SAVE_ERRORS = "brand_save_errors"


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


def _save(path: str, editor_key: str) -> None:
    """Save button callback: runs before the next run draws the page, so it may clear the note."""
    config = context.settings()
    try:
        with context.db_session() as session:
            brand_store.save_brand_file(
                session,
                root=config.brand_dir,
                path=path,
                text=st.session_state.get(editor_key, ""),
                author=context.current_username(),
                message=st.session_state.get(f"message:{path}", ""),
            )
    except brand_store.BrandFileInvalid as exc:
        st.session_state[_SAVE_ERRORS] = [str(error) for error in exc.errors]
    except AuthError as exc:
        st.session_state[_SAVE_ERRORS] = [str(exc)]
    else:
        st.session_state[_SAVED] = path
        st.session_state[f"message:{path}"] = ""  # the note belonged to the saved version


def _editor(path: str) -> bool:
    """The file's editor; returns whether the text in it is valid."""
    config = context.settings()
    target = resolve_brand_file(config.brand_dir, path)
    # platforms.yaml is listed for every brand and may not exist yet: saving creates it.
    on_disk = target.read_text(encoding="utf-8") if target.is_file() else ""
    # The editor's key includes the file's hash so a save or a restore refreshes its text.
    key = f"editor:{path}:{hash(on_disk)}"
    text = st.text_area("YAML", value=on_disk, height=520, key=key, label_visibility="collapsed")
    errors = validate_text(config.brand_dir, path, text)
    for error in errors:
        st.error(str(error))
    st.text_input("What changed (optional)", key=f"message:{path}")
    st.button(
        "Save",
        type="primary",
        disabled=bool(errors) or text == on_disk,
        key=f"save:{path}",
        on_click=_save,
        args=(path, key),
    )
    for problem in st.session_state.pop(_SAVE_ERRORS, []):
        st.error(problem)
    if st.session_state.pop(_SAVED, None) == path:
        st.success(f"Saved {path}.")
    return not errors


def _history(path: str) -> None:
    config = context.settings()
    with context.db_session() as session:
        versions = list(brand_store.history(session, path=path))
    if not versions:
        st.caption("No saved versions yet: the first save records the file as it was too.")
        return
    labels = {
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
        format_func=lambda i: labels[i],
        key=f"version:{path}",
    )
    version = next(v for v in versions if v.id == chosen)
    target = resolve_brand_file(config.brand_dir, path)
    current = target.read_text(encoding="utf-8") if target.is_file() else ""
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
            st.session_state[_SAVED] = path
            st.rerun()


def _uploads() -> None:
    config = context.settings()
    brand = context.active_brand()
    if brand is None:
        return
    st.caption(
        f"Add a logo, font or music file to **{brand.guideline.name}** (up to {config.max_upload_mb:g} MiB), "
        "then point the guideline at it (e.g. `logo: new-logo.png`, `fonts: {headline: fonts/Brand.ttf}`). "
        "The TikTok bulk template (.csv, downloaded from your TikTok Ads Manager) goes to `templates/`: "
        "name it in platforms.yaml (`tiktok: {template: templates/<file>.csv}`)."
    )
    uploaded = st.file_uploader(
        "File",
        type=[s.lstrip(".") for s in brand_store.BRAND_ASSET_FOLDERS],
        key=f"brand_upload:{brand.slug}",
    )
    if uploaded is not None and st.button("Add to brand folder", key="brand_upload_save"):
        try:
            with context.db_session() as session:
                relative = brand_store.save_brand_asset(
                    session,
                    root=config.brand_dir,
                    brand=brand.slug,
                    name=uploaded.name,
                    data=uploaded.getvalue(),
                    max_mb=config.max_upload_mb,
                    author=context.current_username(),
                )
        except (UploadRejected, AuthError) as exc:
            st.error(str(exc))
        else:
            st.success(f"Saved {brand.slug}/{relative}")
    files = sorted(
        p.relative_to(brand.root).as_posix()
        for p in brand.root.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in brand_store.BRAND_ASSET_FOLDERS
    )
    st.write("Files in the brand folder: " + ", ".join(f"`{f}`" for f in files))


def render() -> None:
    st.title("Brand guidelines")
    banner = st.container()  # filled once the editor has checked the text in it
    files = editable_files(context.settings().brand_dir)
    if not files:
        with banner:
            _problems(editing_is_valid=True)
        st.info("No guideline or persona files found.")
        return
    brand = context.active_brand()
    preferred = next((f for f in files if brand and f.startswith(f"{brand.slug}/")), files[0])
    path = st.selectbox("File", files, index=files.index(preferred), key="brand_file")
    edit_tab, history_tab, files_tab = st.tabs(["Edit", "History", "Logo, fonts, music"])
    with edit_tab:
        editing_is_valid = _editor(path)
    with banner:
        _problems(editing_is_valid)
    with history_tab:
        _history(path)
    with files_tab:
        _uploads()
