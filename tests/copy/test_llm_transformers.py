"""The transformers backend with a tiny GPT-2 and a tokenizer trained here, saved and loaded from disk.

The model is trained (a few seconds) to answer the real copy prompt with one JSON ad, then
saved with ``save_pretrained`` and loaded back through ``STUDIO_TRANSFORMERS_MODEL``, the same
path a user's model takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.backends.contracts import CopyWriterError, CopyWriterUnavailable
from studio.backends.llm_transformers import TransformersCopyWriter
from studio.copy.channels import CHANNELS
from studio.copy.compliance import ComplianceChecker
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt, make_copy_writer
from studio.core.settings import Settings

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TARGET = {
    "ad_text": "Get paid on time, every time. Trial terms apply.",
    "call_to_action": "SIGN_UP",
}
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def tiktok_request(brand, seed: int) -> CopyRequest:
    brief = CampaignBrief("leads", "https://ledgerly.example/trial")
    spec = CHANNELS["tiktok"]
    return CopyRequest(
        brand, "freelancers", spec, brief, seed, build_prompt(brand, "freelancers", spec, brief)
    )


def train_tokenizer(texts: list[str]) -> transformers.PreTrainedTokenizerFast:
    """A BPE tokenizer trained on ``texts``.

    It splits only at newlines, commas and braces, and may merge across spaces, so the long
    copy prompt becomes a few hundred tokens: small enough to train a model on it in seconds.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.Split(pattern=Regex(r"[\n,{}]"), behavior="isolated")
    bpe.decoder = decoders.Fuse()
    bpe.train_from_iterator(
        texts, trainer=trainers.BpeTrainer(vocab_size=3000, special_tokens=["<|endoftext|>"])
    )
    return transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>")


def train_tiny_gpt2(folder: Path, prompt_text: str, answer: str, *, chat: bool) -> None:
    """Train a tokenizer and a 2-layer GPT-2 to answer ``prompt_text`` with ``answer``; save both."""
    from studio.backends.llm_openai import SYSTEM_MESSAGE

    tokenizer = train_tokenizer(
        [SYSTEM_MESSAGE, prompt_text, answer, CHAT_TEMPLATE, "<|assistant|>JSON:"]
    )
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    request_text = TransformersCopyWriter.format_prompt(_FakeRequestText(prompt_text), tokenizer)
    # The prompt ends in the reply's first character; the model learns the rest.
    assert answer.startswith(TransformersCopyWriter.REPLY_PREFIX)
    assert request_text.endswith(TransformersCopyWriter.REPLY_PREFIX)
    answer = answer.removeprefix(TransformersCopyWriter.REPLY_PREFIX)
    prompt_ids = tokenizer(request_text, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert tokenizer.decode(answer_ids, skip_special_tokens=True) == answer
    ids = torch.tensor([prompt_ids + answer_ids])
    labels = ids.clone()
    labels[0, : len(prompt_ids)] = -100  # learn the answer, not the prompt

    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=ids.shape[1] + 64,
        n_embd=32,
        n_layer=2,
        n_head=2,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.eos_token_id,
    )
    model = transformers.GPT2LMHeadModel(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(200):
        loss = model(input_ids=ids, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if loss.item() < 0.002:
            break
    assert loss.item() < 0.02, f"the tiny model did not learn its answer (loss {loss.item():.3f})"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """CI shares two cores between jobs: one thread avoids oversubscription (10x faster here)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class _FakeRequestText:
    """Just enough of a CopyRequest for ``format_prompt``: the rendered prompt's text."""

    def __init__(self, text: str) -> None:
        self.prompt_text = text


@pytest.mark.slow
@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat-template"])
def test_tiny_model_saved_to_disk_writes_valid_copy(tmp_path, catalog, chat):
    brand = catalog.get("ledgerly")
    request = tiktok_request(brand, seed=5)
    folder = tmp_path / "tiny-gpt2"
    train_tiny_gpt2(folder, request.prompt.text, json.dumps(TARGET), chat=chat)

    settings = Settings(llm_backend="transformers", transformers_model=str(folder), device="auto")
    writer = make_copy_writer(settings)
    assert isinstance(writer, TransformersCopyWriter)
    draft = writer.write(request)
    assert draft.fields == TARGET
    assert draft.backend == "transformers" and draft.model == str(folder)
    assert ComplianceChecker(brand.guideline).check("tiktok", draft.fields).passed
    # Seeded: the same request gives the same reply.
    assert writer.write(request).raw == draft.raw
    tokenizer, _, device = writer.load()
    assert device == "cpu" and bool(tokenizer.chat_template) is chat


def test_untrained_model_reply_is_reported_as_not_json(tmp_path, catalog):
    brand = catalog.get("ledgerly")
    request = tiktok_request(brand, seed=1)
    tokenizer = train_tokenizer([request.prompt.text, json.dumps(TARGET)])
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(
        transformers.GPT2Config(
            vocab_size=len(tokenizer), n_positions=1024, n_embd=32, n_layer=1, n_head=2
        )
    )
    model.save_pretrained(tmp_path / "random")
    tokenizer.save_pretrained(tmp_path / "random")
    writer = TransformersCopyWriter(str(tmp_path / "random"), device="cpu", max_new_tokens=16)
    with pytest.raises(CopyWriterError, match="transformers reply is not valid JSON"):
        writer.write(request)


def test_missing_model_setting_and_folder_are_named(tmp_path, catalog):
    with pytest.raises(CopyWriterUnavailable, match="set STUDIO_TRANSFORMERS_MODEL"):
        make_copy_writer(Settings(llm_backend="transformers", transformers_model=None))
    writer = make_copy_writer(
        Settings(llm_backend="transformers", transformers_model=str(tmp_path / "nowhere"))
    )
    with pytest.raises(
        CopyWriterUnavailable, match=r"cannot load the text-generation model .*nowhere"
    ):
        writer.write(tiktok_request(catalog.get("ledgerly"), seed=0))


def test_unavailable_device_is_named():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    from studio.backends.llm_transformers import resolve_device

    with pytest.raises(CopyWriterUnavailable, match="STUDIO_DEVICE=cuda"):
        resolve_device("cuda")
    assert resolve_device("auto") in ("cpu", "mps")
