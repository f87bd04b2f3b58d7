"""The model card: what the artifact was trained on, how it was measured, what it cannot do.

Written from the artifact itself by ``studio ctr train`` (so the figures cannot drift from
the model); ``tests/scoring/test_model_card.py`` checks the shipped pair agrees.
"""

from __future__ import annotations

from pathlib import Path

from studio.scoring.data import UPWORTHY_CITATION
from studio.scoring.model import CtrModel


def _pct(value: float) -> str:
    return f"{value:.3f}"


def render_model_card(model: CtrModel, *, artifact: Path, sha256: str) -> str:
    """The Markdown model card for ``model`` (saved at ``artifact`` with digest ``sha256``)."""
    m, t, cal = model.metrics, model.training, model.calibration
    test, base = m["test"], m["baseline_embedding_ridge"]
    split = m["split"]
    hp = ", ".join(f"{k}={v}" for k, v in sorted(m["selected"].items()))
    upworthy = any("upworthy" in s.lower() for s in t["sources"])
    lines = [
        "# CTR predictor: model card",
        "",
        f"- Artifact: `{artifact.name}` (sha256 `{sha256}`)",
        f"- Trained: {t['trained_at']}; reproduce with `studio ctr train --data PATH/TO/{' --data PATH/TO/'.join(t['sources'])} "
        f"--output {artifact.name}` (same figures to three decimals)",
        f"- Data: {', '.join(t['sources'])} (sha256 of the table `{t['data_sha256'][:16]}...`): "
        f"{t['packages']} packages, {t['distinct_texts']} distinct headlines, {t['tests']} tests, periods {t['periods'][0]}-{t['periods'][1]}",
        f"- Text encoder: `{model.encoder}` (MiniLM sentence embeddings, 384 dims, offline) + {len(model.feature_names)} lexical features",
        "",
        "## What it predicts",
        "",
        "Which headline of a test gets more clicks. It learns *relative* performance within a test:",
        "an ensemble of a pairwise logistic regression on within-test feature differences and a ridge",
        "regression of log-odds CTR, both linear on [MiniLM embedding, standardised lexical features].",
        f"Scores map to a CTR as `sigmoid(logit(base_ctr) + {cal.slope:.4f} * (score - {cal.score_ref:.4f}))`",
        f"with `base_ctr` = {cal.base_ctr:.4%} (median test CTR of the training data): the CTR the headline",
        "would get in a test whose typical headline gets `base_ctr`. The slope was fitted on held-out tests.",
        f"The {cal.interval_level:.0%} interval uses the held-out spread of true within-test deviations around",
        f"the prediction (binomial noise removed): log-odds sigma {', '.join(f'{s:.3f}' for s in cal.sigma)}",
        "for texts far from / near to / very near to a training headline.",
        "",
        "## Evaluation (temporal split)",
        "",
        f"Selected on forward-chaining validation folds of the earlier weeks only ({hp}; validation",
        f"pairwise accuracy {m['validation_pairwise_accuracy']:.3f} on {m['validation_pairs']} pairs), fitted on the",
        f"{split['train_tests']} tests of periods {split['train_periods'][0]}-{split['train_periods'][1]}, measured once on the",
        f"{split['test_tests']} later tests of periods {split['test_periods'][0]}-{split['test_periods'][1]}.",
        "A pair is two packages of one test with different headlines; its CTRs differ significantly when",
        "the pooled two-proportion z-test gives p<0.05.",
        "",
        "| metric | this model | MiniLM embedding ridge baseline |",
        "|---|---|---|",
        f"| pairwise accuracy, p<0.05 pairs | {_pct(test['pairwise_accuracy'])} ({test['significant_pairs']} pairs) | {_pct(base['pairwise_accuracy'])} |",
        f"| pairwise accuracy, abs(z)>3 pairs | {_pct(test['pairwise_accuracy_z3'])} ({test['z3_pairs']} pairs) | {_pct(base['pairwise_accuracy_z3'])} |",
        f"| top-1 accuracy (best headline picked) | {_pct(test['top1_accuracy'])} ({test['tests']} tests) | {_pct(base['top1_accuracy'])} |",
        f"| top-1 by random pick | {_pct(test['top1_random'])} | {_pct(base['top1_random'])} |",
        "",
        "The shipped artifact was then refitted on all the data with the selected settings.",
        "",
        "## Limits",
        "",
        "- Trained on "
        + (
            "Upworthy's 2013-2014 news-feed headlines (social issues, viral stories, US audience). "
            "Ad copy for a product, another language or another platform is outside that;"
            if upworthy
            else "the data named above;"
        )
        + " the drift check (`studio ctr drift`, the CTR model page) warns when new copy looks unlike the training data.",
        "- It judges the headline text only: not the image, offer, audience, placement or timing. Upworthy packages",
        "  also varied the image, which adds noise to the pairs the model learnt from.",
        "- Style conventions of the training data are learnt as such (e.g. Title Case Headlines score higher),",
        "  which may not carry over to other channels.",
        "- About 7 in 10 significant pairs are ordered right: use it to rank drafts and set test priors, not to",
        "  skip testing. Predicted CTR levels are relative to `base_ctr`; pass your channel's CTR for your scale.",
        "- Retrain on your own results (`studio ctr import-report`, `studio ctr retrain`) and compare before switching.",
        "",
    ]
    if upworthy:
        lines += ["## Data citation", "", UPWORTHY_CITATION + ".", ""]
    return "\n".join(lines)
