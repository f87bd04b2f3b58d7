"""Print image and video rendering speed.

Run from the repository root::

    .venv/bin/python benchmarks/render_speed.py [--repeats 3] [--diffusers-model PATH_OR_HUB_ID]

Prints, for the example brand halden-coffee:

1. per ad size: seconds for the offline background, the compositor, brand QC and the PNG write
   (median of ``--repeats`` seeds; seed k uses layout k of the six, with the brand's product
   photo, as the render flow does);
2. a 6 s 1080x1080 video at 30 fps (two scenes, animated headline, end card): wall seconds,
   frames/s, CPU seconds (Python and ffmpeg together: steadier than wall time when others
   share the machine) and file size, with the default encoder (libx264 veryfast, CRF 18) and
   with ffmpeg's default preset (medium, CRF 20) for comparison; the load average is printed
   alongside because wall time depends on it;
3. diffusers seconds per image: a tiny Stable Diffusion pipeline built here (CPU, 64 px area,
   4 steps: measures pipeline overhead, not a real model), and, with ``--diffusers-model``,
   that model at 512x512 with 25 steps on the best device (``STUDIO_DEVICE=auto``), e.g.
   ``--diffusers-model stabilityai/sd-turbo`` on a GPU.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _offline(repeats: int, scratch: Path) -> None:
    from studio.backends.contracts import ImageRequest
    from studio.backends.image_offline import OfflineImageBackend
    from studio.brand.guidelines import load_catalog
    from studio.imaging.compositor import (
        AdCopy,
        BrandKit,
        compose,
        layout_regions,
        place_product,
        resolve_layout,
    )
    from studio.imaging.formats import IMAGE_FORMATS
    from studio.imaging.layouts import LAYOUT_NAMES
    from studio.imaging.product import product_photo
    from studio.imaging.provenance import Provenance, save_png
    from studio.imaging.qc import check_image

    brand = load_catalog(REPO / "brand_guidelines").get("halden-coffee")
    kit = BrandKit.from_brand(brand)
    product = product_photo(brand)
    copy = AdCopy(
        "Roasted within 48 hours of shipping, at your door by Friday",
        "Start your subscription",
        offer="50% off your first bag",
        proof="Rated 4.8 out of 5 by 9,000 subscribers",
    )
    backend = OfflineImageBackend()
    print("offline image, per size (median seconds)")
    print(f"  {'size':<10} {'render':>7} {'compose':>8} {'qc':>6} {'png':>6} {'total':>7}")
    for label, fmt in IMAGE_FORMATS.items():
        rows = []
        for seed in range(repeats):
            t0 = time.perf_counter()
            spec = resolve_layout(LAYOUT_NAMES[seed % len(LAYOUT_NAMES)], fmt)
            regions = layout_regions(spec, fmt)
            scaled, box = (
                place_product(product, regions["product"])
                if "product" in regions and product
                else (None, None)
            )
            generated = backend.generate(
                ImageRequest(
                    prompt="",
                    width=fmt.width,
                    height=fmt.height,
                    seed=seed,
                    colors=kit.colors,
                    motifs=tuple(brand.guideline.product_motifs),
                    motif_box=regions["motifs"].as_tuple(),
                    product=scaled,
                    product_box=box.as_tuple() if box else None,
                )
            )
            t1 = time.perf_counter()
            ad = compose(
                generated.images[0],
                copy,
                kit,
                fmt,
                layout=spec,
                product=product,
                motif_mask=generated.motif_masks[0],
            )
            t2 = time.perf_counter()
            check_image(ad, kit.palette)
            t3 = time.perf_counter()
            save_png(ad.image, Provenance("offline", backend.model, seed, "0" * 64, False), scratch)
            t4 = time.perf_counter()
            rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0))
        med = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"  {label:<10} {med[0]:>7.3f} {med[1]:>8.3f} {med[2]:>6.3f} {med[3]:>6.3f} {med[4]:>7.3f}"
        )


def _video(scratch: Path) -> None:
    import os
    import resource

    from studio.backends.contracts import ImageRequest
    from studio.backends.image_offline import OfflineImageBackend
    from studio.brand.guidelines import load_catalog
    from studio.imaging.compositor import AdCopy, BrandKit
    from studio.imaging.formats import VIDEO_FORMATS
    from studio.imaging.probe import probe_video
    from studio.imaging.video import MoviePyVideoBackend, VideoRequest

    brand = load_catalog(REPO / "brand_guidelines").get("halden-coffee")
    kit = BrandKit.from_brand(brand)
    fmt = VIDEO_FORMATS["1:1"]
    backgrounds = (
        OfflineImageBackend()
        .generate(
            ImageRequest(
                prompt="",
                width=fmt.width,
                height=fmt.height,
                seed=1,
                num_images=2,
                colors=kit.colors,
                motifs=tuple(brand.guideline.product_motifs),
            )
        )
        .images
    )
    request = VideoRequest(
        backgrounds,
        AdCopy("Roasted within 48 hours", "Start your subscription"),
        kit,
        fmt,
        duration_s=6.0,
        fps=30,
        seed=1,
    )

    def cpu_seconds() -> float:
        own, children = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"video: 6 s {fmt.size_label} at 30 fps; load average {load} (1/5/15 min) on {os.cpu_count()} CPUs"
    )
    print(
        f"  {'encoder':<26} {'stream':<13} {'frames':>6} {'seconds':>8} {'frames/s':>9} {'cpu s':>6} {'MB':>6}"
    )
    for label, backend in (
        ("veryfast crf 18 (default)", MoviePyVideoBackend()),
        ("medium crf 20", MoviePyVideoBackend(preset="medium", crf=20)),
    ):
        cpu = cpu_seconds()
        encoded = backend.render(request, scratch / f"clip-{backend.preset}.mp4")
        cpu = cpu_seconds() - cpu
        probe = probe_video(encoded.path)
        print(
            f"  {label:<26} {probe.codec + '/' + probe.pix_fmt:<13} {probe.frames:>6} {encoded.seconds:>8.2f} {probe.frames / encoded.seconds:>9.1f} "
            f"{cpu:>6.1f} {encoded.path.stat().st_size / 1e6:>6.2f}"
        )


def _tiny_pipeline(folder: Path) -> Path:
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in "abcdefghijklmnopqrstuvwxyz0123456789,.-'":
        vocab.setdefault(char, len(vocab))
        vocab.setdefault(f"{char}</w>", len(vocab))
    pipeline = StableDiffusionPipeline(
        vae=AutoencoderKL(
            block_out_channels=[4, 8],
            latent_channels=4,
            norm_num_groups=2,
            down_block_types=["DownEncoderBlock2D"] * 2,
            up_block_types=["UpDecoderBlock2D"] * 2,
        ),
        text_encoder=CLIPTextModel(
            CLIPTextConfig(
                bos_token_id=0,
                eos_token_id=1,
                pad_token_id=1,
                vocab_size=len(vocab),
                hidden_size=16,
                intermediate_size=32,
                num_attention_heads=2,
                num_hidden_layers=2,
                max_position_embeddings=77,
            )
        ),
        tokenizer=CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77),
        unet=UNet2DConditionModel(
            block_out_channels=(4, 8),
            layers_per_block=1,
            sample_size=8,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=16,
            norm_num_groups=2,
        ),
        scheduler=DDIMScheduler(
            beta_schedule="scaled_linear",
            beta_start=0.00085,
            beta_end=0.012,
            clip_sample=False,
            set_alpha_to_one=False,
            steps_offset=1,
        ),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    return folder


def _diffusers(model: str, device: str, resolution: int, steps: int, label: str) -> None:
    from studio.backends.contracts import ImageRequest
    from studio.backends.image_diffusers import DiffusersImageBackend

    backend = DiffusersImageBackend(model, device=device, resolution=resolution)
    request = ImageRequest(
        prompt="warm morning light, coffee beans",
        negative_prompt="text, watermark",
        width=resolution,
        height=resolution,
        seed=0,
        steps=steps,
        guidance=7.0,
    )
    t0 = time.perf_counter()
    backend.generate(request)  # load + warm-up
    t1 = time.perf_counter()
    timings = []
    for seed in range(1, 4):
        t = time.perf_counter()
        result = backend.generate(ImageRequest(**{**request.__dict__, "seed": seed}))
        timings.append(time.perf_counter() - t)
    print(
        f"diffusers {label}: {statistics.median(timings):.3f} s per {resolution}x{resolution} image, "
        f"{steps} steps ({result.notes[0]}); load + first image {t1 - t0:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="seeds per size for the offline timings"
    )
    parser.add_argument(
        "--diffusers-model", help="also time this text-to-image model at 512x512, 25 steps"
    )
    parser.add_argument("--skip-video", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        _offline(args.repeats, scratch)
        if not args.skip_video:
            _video(scratch)
        _diffusers(str(_tiny_pipeline(scratch / "tiny-sd")), "cpu", 64, 4, "tiny pipeline on cpu")
        if args.diffusers_model:
            _diffusers(args.diffusers_model, "auto", 512, 25, args.diffusers_model)


if __name__ == "__main__":
    main()
