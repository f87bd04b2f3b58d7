"""Print render throughput (items per second) of the local and Ray executors on this machine.

Run from the repository root::

    .venv/bin/python benchmarks/executor_throughput.py [--items 32] [--actors 2] [--num-cpus N]
        [--batch-size 4] [--scale 0.25] [--diffusers-model PATH_OR_HUB_ID --device cuda]
        [--ray-address ray://head:10001] [--output benchmarks/results/executor_throughput.txt]

Each item is one finished image ad (background, compositor, brand QC, PNG in the asset store)
rendered by :func:`studio.jobs.compute.render_images`, for the example brand halden-coffee's
meta_feed variant at ``--scale`` of the platform sizes. Backends measured:

* ``offline``: the procedural backgrounds (no model);
* ``tiny diffusion``: the tiny Stable Diffusion pipeline of ``benchmarks/render_speed.py``
  (CPU, 64 px area, 2 steps): measures the executor and pipeline overhead, not a real model;
* with ``--diffusers-model``: that model (e.g. ``stabilityai/sd-turbo`` with ``--steps 1
  --guidance 0 --device cuda``); Ray gives each actor ``--gpus-per-actor`` GPUs.

Ray's start is timed on its own; each Ray figure includes what every job pays: starting its
actor pool and loading the model once per actor (each ``map_batches`` run has its own pool), so
more items per job amortise it. The Ray run writes the same files as the local one (same
payloads), so both are timed on the same work. The load average is printed alongside because
wall time depends on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from studio.jobs.executors import Executor, Resources


def _payloads(
    backend: dict[str, Any], items: int, scale: float, steps: int, guidance: float, asset_dir: Path
) -> list[dict[str, Any]]:
    from studio.core.models import Variant
    from studio.core.settings import Settings
    from studio.imaging.render import RenderOptions
    from studio.jobs.compute import render_payloads

    settings = Settings(brand_dir=REPO / "brand_guidelines", asset_dir=asset_dir, **backend)
    options = RenderOptions(scale=scale, steps=steps, guidance=guidance, video=False)
    payloads: list[dict[str, Any]] = []
    seed = 0
    while len(payloads) < items:
        variant = Variant(
            id=len(payloads) + 1,
            brand="halden-coffee",
            persona="home-baristas",
            channel="meta_feed",
            fields={"headline": "Roasted within 48 hours", "call_to_action": "SHOP_NOW"},
            seed=seed,
        )
        payloads += render_payloads(variant, settings=settings, options=options)
        seed += 100
    return payloads[:items]


def _timed(
    executor: Executor, payloads: list[dict[str, Any]], batch_size: int, resources: Resources
) -> tuple[float, int]:
    """Seconds to run every payload and how many ran; failures are printed (they should be none)."""
    from studio.jobs.compute import render_images

    started = time.perf_counter()
    outcomes = list(
        executor.run(render_images, payloads, batch_size=batch_size, resources=resources)
    )
    seconds = time.perf_counter() - started
    failed = [o for _, o in outcomes if isinstance(o, BaseException)]
    if failed:
        print(f"    {len(failed)} item(s) failed, first: {type(failed[0]).__name__}: {failed[0]}")
    return seconds, len(outcomes) - len(failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument(
        "--num-cpus",
        type=int,
        default=os.cpu_count() or 2,
        help="CPUs of the local Ray (ignored with --ray-address)",
    )
    parser.add_argument("--ray-address", default=None)
    parser.add_argument("--diffusers-model", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--resolution", type=int, default=512)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=7.0)
    parser.add_argument("--gpus-per-actor", type=float, default=0)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--output", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    import ray

    from studio.jobs.executors import ExecutorUnavailable, LocalExecutor, RayExecutor, Resources

    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    scratch = Path(tempfile.mkdtemp(prefix="studio-executor-bench-"))
    sys.path.insert(0, str(REPO / "benchmarks"))
    from render_speed import _tiny_pipeline

    backends: list[tuple[str, dict[str, Any], int, float, Resources]] = [
        ("offline", {"image_backend": "offline"}, 25, 7.0, Resources(num_cpus=1)),
        (
            "tiny diffusion (cpu, 64 px, 2 steps)",
            {
                "image_backend": "diffusers",
                "diffusers_model": str(_tiny_pipeline(scratch / "tiny")),
                "device": "cpu",
                "diffusers_resolution": 64,
            },
            2,
            7.0,
            Resources(num_cpus=1),
        ),
    ]
    if args.diffusers_model:
        backends.append(
            (
                f"{args.diffusers_model} ({args.device}, {args.resolution} px, {args.steps} steps)",
                {
                    "image_backend": "diffusers",
                    "diffusers_model": args.diffusers_model,
                    "device": args.device,
                    "diffusers_resolution": args.resolution,
                },
                args.steps,
                args.guidance,
                Resources(num_cpus=1, num_gpus=args.gpus_per_actor),
            )
        )

    say(
        f"executor throughput: {args.items} image ads per run, scale {args.scale}, "
        f"batch size {args.batch_size}; {os.cpu_count()} CPUs here, load average "
        f"{'/'.join(f'{v:.1f}' for v in os.getloadavg())} at start"
    )
    ray_executor = RayExecutor(
        address=args.ray_address,
        actors=args.actors,
        init_options={} if args.ray_address else {"num_cpus": args.num_cpus},
    )
    if not args.skip_ray:
        started = time.perf_counter()
        for attempt in (1, 2, 3):
            try:
                ray_executor.connect()
                break
            except ExecutorUnavailable as exc:
                # Ray waits 30 s for its node to register; a loaded machine can take longer.
                print(f"  attempt {attempt}: {exc}")
                ray.shutdown()
        else:
            raise SystemExit("Ray did not start; run again when the machine is less busy")
        say(f"ray start ({args.ray_address or 'local'}): {time.perf_counter() - started:.1f} s")
    for label, backend, steps, guidance, resources in backends:
        say(f"{label}")
        payloads = _payloads(backend, args.items, args.scale, steps, guidance, scratch / "assets")
        seconds, count = _timed(LocalExecutor(), payloads, args.batch_size, resources)
        say(f"  local                      {count / seconds:8.2f} items/s  ({seconds:.1f} s)")
        if args.skip_ray:
            continue
        seconds, count = _timed(ray_executor, payloads, args.batch_size, resources)
        say(
            f"  ray, {args.actors} actor(s)          {count / seconds:8.2f} items/s  "
            f"({seconds:.1f} s, actor start and model load included)"
        )
    say(f"load average at end {'/'.join(f'{v:.1f}' for v in os.getloadavg())}")
    if not args.skip_ray:
        ray.shutdown()
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n".join(lines) + "\n")
        print(f"written to {args.output}")


if __name__ == "__main__":
    main()
