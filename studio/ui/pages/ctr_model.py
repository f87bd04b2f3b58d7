"""CTR model: try the predictor, see how good it is, retrain on your results, switch models."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from studio.core.assets import local_folder
from studio.core.errors import UserFacingError
from studio.review.accounts import AuthError, Permission
from studio.ui import auth as auth_ui
from studio.ui import context

if TYPE_CHECKING:
    from studio.scoring.predict import CtrPredictor

MAX_TEXTS = 200


@st.cache_resource(show_spinner="Loading the CTR model…")
def _predictor(path: str, sha256: str) -> CtrPredictor:
    from studio.scoring.predict import load_predictor

    return load_predictor(Path(path))


def _active() -> tuple[CtrPredictor | None, Path]:
    from studio.scoring.model import file_sha256
    from studio.scoring.registry import active_model_path

    with context.db_session() as session:
        path = active_model_path(session)
    if not path.is_file():
        return None, path
    return _predictor(str(path), file_sha256(path)), path


def _metrics_row(label: str, metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": label,
        "pairwise acc. p<0.05": metrics.get("pairwise_accuracy"),
        "pairs": metrics.get("significant_pairs"),
        "pairwise acc. |z|>3": metrics.get("pairwise_accuracy_z3"),
        "top-1": metrics.get("top1_accuracy"),
        "top-1 random": metrics.get("top1_random"),
        "tests": metrics.get("tests"),
    }


def _try_it(predictor: CtrPredictor) -> None:
    st.subheader("Score headlines")
    texts_raw = st.text_area(
        "One headline per line",
        key="ctr_texts",
        height=140,
        placeholder="What This Barista Does Every Morning Will Change Your Coffee",
    )
    base_pct = st.number_input(
        "Typical CTR on your channel (%)",
        min_value=0.01,
        max_value=50.0,
        value=round(predictor.model.calibration.base_ctr * 100, 2),
        step=0.1,
        key="ctr_base",
    )
    if not st.button("Score", key="ctr_score", type="primary"):
        return
    texts = [t.strip() for t in texts_raw.splitlines() if t.strip()]
    if not texts:
        st.error("Type at least one headline (one per line).")
        return
    if len(texts) > MAX_TEXTS:
        st.error(
            f"{len(texts)} headlines: the page scores up to {MAX_TEXTS} at a time; "
            "use `studio ctr score FILE.csv` for more."
        )
        return
    predictions = predictor.predict(texts, base_ctr=base_pct / 100)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "headline": p.text,
                    "predicted CTR %": round(p.predicted_ctr * 100, 3),
                    "low %": round(p.ctr_low * 100, 3),
                    "high %": round(p.ctr_high * 100, 3),
                    "vs typical": f"{p.lift - 1:+.0%}",
                }
                for p in predictions
            ]
        ).sort_values("predicted CTR %", ascending=False),
        hide_index=True,
        use_container_width=True,
    )
    for p in predictions:
        with st.expander(p.text):
            st.write(p.summary())
            st.markdown("**What pushes it up or down**")
            st.table(
                pd.DataFrame(
                    [{"reason": d.label, "effect on CTR": f"{d.percent:+.1f}%"} for d in p.drivers]
                )
            )
            st.markdown("**Most similar past headlines and their real results**")
            st.table(
                pd.DataFrame(
                    [
                        {
                            "headline": n.text,
                            "similarity": round(n.similarity, 2),
                            "CTR %": round(n.ctr * 100, 2),
                            "test CTR %": round(n.test_ctr * 100, 2),
                            "vs its test": f"{n.lift - 1:+.0%}",
                        }
                        for n in p.neighbours
                    ]
                )
            )
    drift = predictor.drift(texts)
    for warning in drift.warnings:
        st.warning(warning)


def _quality(predictor: CtrPredictor, path: Path) -> None:
    st.subheader("How good is it")
    metrics = predictor.metrics
    test, split = metrics.get("test", {}), metrics.get("split", {})
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Pairwise accuracy (p<0.05 pairs)", f"{test.get('pairwise_accuracy', float('nan')):.3f}"
    )
    c2.metric(
        "Top-1 accuracy",
        f"{test.get('top1_accuracy', float('nan')):.3f}",
        help=f"random pick: {test.get('top1_random', float('nan')):.3f}",
    )
    c3.metric("Later tests measured", test.get("tests", 0))
    st.caption(
        f"Trained on earlier tests (periods {split.get('train_periods')}), measured once on later ones "
        f"({split.get('test_periods')}). Model file `{path.name}` · sha256 `{predictor.sha256[:12]}`. "
        f"Data: {', '.join(predictor.model.training.get('sources', []))}."
    )
    rows = [_metrics_row("this model", test)]
    if "baseline_embedding_ridge" in metrics:
        rows.append(_metrics_row("MiniLM ridge baseline", metrics["baseline_embedding_ridge"]))
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    if any("upworthy" in s.lower() for s in predictor.model.training.get("sources", [])):
        from studio.scoring.data import UPWORTHY_CITATION

        st.caption(f"Data: {UPWORTHY_CITATION}.")


def _retrain(predictor: CtrPredictor) -> None:
    from studio.core.uploads import UploadRejected, check_upload
    from studio.scoring.data import TestTableError
    from studio.scoring.registry import activate_model, list_models, retrain
    from studio.scoring.reports import load_training_table, studio_results_table

    st.subheader("Retrain on your results")
    st.caption(
        "Upload a Google Ads or Meta Ads Manager CSV export (ad text, impressions, clicks, ad group or "
        "ad set, day), or a test table; optionally add the studio's own test results. The new model is "
        "measured beside the current one on the same later tests and is used only after you switch."
    )
    upload = st.file_uploader("Performance report", type=["csv", "tsv", "txt"], key="ctr_report")
    include_studio = st.checkbox("Add the studio's own test results", key="ctr_include_studio")
    if st.button("Train a candidate", key="ctr_train"):
        frames = []
        try:
            if upload is not None:
                checked = check_upload(
                    upload.name,
                    upload.getvalue(),
                    max_mb=context.settings().max_upload_mb,
                    allowed_suffixes={".csv", ".tsv", ".txt"},
                )
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / checked.name
                    path.write_bytes(checked.data)
                    frames.append(load_training_table(path))
            if include_studio:
                with context.db_session() as session:
                    own = studio_results_table(session)
                if own.empty:
                    st.info("The studio has no test results with delivery yet.")
                else:
                    frames.append(own)
            if not frames:
                st.error("Upload a report or tick the studio's own results first.")
                return
            table = pd.concat(frames, ignore_index=True)
            output = (
                local_folder(context.settings().asset_dir, purpose="a CTR model file")
                / "models"
                / f"ctr-{pd.Timestamp.now():%Y%m%d-%H%M%S}.npz"
            )
            spinner = st.spinner(
                f"Training on {len(table)} ads in {table['test_id'].nunique()} tests…"
            )
            with spinner, context.db_session() as session:
                record, comparison = retrain(
                    session,
                    table,
                    output=output,
                    sources=[upload.name if upload else "studio results"],
                    current=predictor,
                    created_by=auth_ui.current_username(),
                )
            st.success(f"Candidate model {record.id} trained and registered (not active yet).")
            st.dataframe(
                pd.DataFrame(
                    [
                        _metrics_row("candidate", comparison.candidate.as_dict()),
                        _metrics_row("current", comparison.current.as_dict()),
                    ]
                ),
                hide_index=True,
                use_container_width=True,
            )
        except (UploadRejected, TestTableError, AuthError) as error:
            st.error(str(error))

    with context.db_session() as session:
        records = list(list_models(session))
    if not records:
        st.caption("No retrained models yet; the shipped model is in use.")
        return
    st.markdown("**Registered models**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": r.id,
                    "active": r.is_active,
                    "created": r.created_at,
                    "by": r.created_by,
                    "data": r.training_data,
                    "candidate acc.": r.metrics.get("comparison", {})
                    .get("candidate", {})
                    .get("pairwise_accuracy"),
                    "current acc. (same tests)": r.metrics.get("comparison", {})
                    .get("current", {})
                    .get("pairwise_accuracy"),
                }
                for r in records
            ]
        ),
        hide_index=True,
        use_container_width=True,
    )
    choice = st.selectbox(
        "Model to use",
        [r.id for r in records],
        key="ctr_activate_id",
        format_func=lambda i: f"model {i}",
    )
    if choice is not None and st.button("Switch to this model", key="ctr_activate"):
        try:
            with context.db_session() as session:
                activate_model(session, record_id=int(choice), actor=auth_ui.current_username())
        except UserFacingError as error:
            st.error(str(error))
        else:
            st.success(f"Model {choice} is now active; new scores use it.")


def render() -> None:
    st.title("CTR model")
    from studio.scoring.model import ModelFileError

    try:
        predictor, path = _active()
    except ModelFileError as error:
        st.error(str(error))
        return
    if predictor is None:
        st.error(
            # The folder is the server's business: the page names the file, the admin the setting.
            f"The CTR model file `{path.name}` is missing; train one with `studio ctr train` "
            "or point STUDIO_CTR_MODEL_PATH at a trained model."
        )
        return
    _try_it(predictor)
    _quality(predictor, path)
    user = auth_ui.current_user()
    if user is not None and user.may(Permission.run_tests):
        _retrain(predictor)
