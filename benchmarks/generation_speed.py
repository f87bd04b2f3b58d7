"""Print copy-generation throughput: offline variants per second and compliance checks per second.

Run from the repository root::

    .venv/bin/python benchmarks/generation_speed.py [--seconds 3]

Figures (all on CPU, single process):

* offline writer: drafts written per second (prompt rendering included), per channel;
* compliance: full brand checks (channel limits + banned phrases + disclaimers + claims +
  shouting) per second on those drafts;
* pipeline: variants per second through :func:`studio.copy.generation.generate_variants` (write,
  check, repair, MiniLM near-duplicate merge), after the encoder has loaded.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from studio.brand.guidelines import load_catalog
from studio.copy.channels import CHANNELS
from studio.copy.compliance import ComplianceChecker
from studio.copy.generation import GenerationRequest, generate_variants
from studio.copy.offline_writer import OfflineCopyWriter
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="Time budget per measurement.")
    args = parser.parse_args()
    catalog = load_catalog(ROOT / "brand_guidelines")
    brand = catalog.get("halden-coffee")
    brief = CampaignBrief("sales", brand.guideline.website, offer="50% off your first bag")
    writer = OfflineCopyWriter()
    checker = ComplianceChecker(brand.guideline)
    personas = list(brand.personas)

    drafts = []
    print(f"offline writer (brand {brand.slug}, {len(personas)} personas)")
    for channel, spec in CHANNELS.items():
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds / len(CHANNELS):
            persona = personas[count % len(personas)]
            prompt = build_prompt(brand, persona, spec, brief)
            drafts.append(
                (
                    channel,
                    writer.write(CopyRequest(brand, persona, spec, brief, count, prompt)).fields,
                )
            )
            count += 1
        elapsed = time.perf_counter() - start
        print(f"  {channel:<20} {count / elapsed:9.1f} variants/s")

    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        channel, fields = drafts[count % len(drafts)]
        checker.check(channel, fields)
        count += 1
    elapsed = time.perf_counter() - start
    print(
        f"compliance checks          {count / elapsed:9.1f} checks/s  (over {len(drafts)} drafts, all channels)"
    )

    request = GenerationRequest(
        brand=brand, brief=brief, personas=tuple(personas), channels=tuple(CHANNELS), n=5
    )
    generate_variants(
        GenerationRequest(
            brand=brand, brief=brief, personas=(personas[0],), channels=("tiktok",), n=1
        ),
        writer,
    )
    start = time.perf_counter()
    result = generate_variants(request, writer)
    elapsed = time.perf_counter() - start
    print(
        f"pipeline (write+check+repair+merge) {len(result.variants) / elapsed:9.1f} variants/s "
        f"({len(result.variants)} variants, {result.merged} merged, diversity {result.diversity:.3f})"
    )


if __name__ == "__main__":
    main()
