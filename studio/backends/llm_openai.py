"""OpenAI-compatible copy writer: OpenAI itself, or any server speaking its chat-completions API
(Ollama, vLLM, llama.cpp server, LM Studio, Azure-compatible gateways...).

Settings: ``STUDIO_OPENAI_BASE_URL`` (empty: api.openai.com), ``STUDIO_OPENAI_MODEL``,
``STUDIO_OPENAI_API_KEY`` (required for api.openai.com; local servers accept any),
``STUDIO_OPENAI_TIMEOUT_S`` and ``STUDIO_OPENAI_MAX_RETRIES``.

The reply is requested as structured output (``response_format`` with the channel's JSON
schema, see :meth:`studio.backends.contracts.WriteRequest.reply_schema`) and validated with the channel's pydantic
model. Rate limits (429), server errors (5xx) and timeouts are retried by the official SDK with
exponential backoff (0.5 s doubling, at most 8 s, honouring ``Retry-After``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from studio.backends.contracts import (
    CopyDraft,
    CopyWriterError,
    CopyWriterUnavailable,
    WriteRequest,
)
from studio.core.redact import redact, redact_url

if TYPE_CHECKING:
    from studio.core.settings import Settings

SYSTEM_MESSAGE = (
    "You are an advertising copywriter. Follow the brand rules and the character limits exactly. "
    "Reply with one JSON object only."
)
DEFAULT_ENDPOINT = "https://api.openai.com/v1"


class OpenAICopyWriter:
    """Copy writer over the ``openai`` SDK.

    Parameters
    ----------
    model
        Model name on the server, e.g. ``"gpt-4o-mini"`` or ``"llama3.1:8b"``.
    api_key
        Bearer token.
    base_url
        Server root including ``/v1``; ``None`` for api.openai.com.
    timeout_s
        Seconds before one HTTP request is abandoned (then retried).
    max_retries
        Retries after the first try on 429, 5xx, connection errors and timeouts.
    temperature
        Sampling temperature; variety across seeds comes from it and from ``seed``.
    """

    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 3,
        temperature: float = 0.9,
    ) -> None:
        try:
            import openai
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise CopyWriterUnavailable(
                "the openai backend needs the openai package: pip install openai"
            ) from exc
        if not model:
            raise CopyWriterUnavailable(
                "the openai backend needs a model name: set STUDIO_OPENAI_MODEL"
            )
        self.model = model
        # Messages name the endpoint; a user:password@ or ?key= in it must not reach them.
        self.endpoint = redact_url(base_url or DEFAULT_ENDPOINT)
        self._secrets = tuple(
            s for s in (api_key, urlsplit(base_url or "").password or "") if s != "no-key"
        )
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.temperature = temperature
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICopyWriter:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        if not key and settings.openai_base_url is None:
            raise CopyWriterUnavailable(
                "the openai backend has no API key: set STUDIO_OPENAI_API_KEY, or set "
                "STUDIO_OPENAI_BASE_URL to a local OpenAI-compatible server (e.g. http://localhost:11434/v1 "
                "for Ollama), or choose STUDIO_LLM_BACKEND=offline"
            )
        return cls(
            model=settings.openai_model,
            # Local OpenAI-compatible servers ignore the key, but the SDK requires one.
            api_key=key or "no-key",
            base_url=settings.openai_base_url,
            timeout_s=settings.openai_timeout_s,
            max_retries=settings.openai_max_retries,
        )

    def _unavailable(self, exc: Exception) -> CopyWriterUnavailable:
        """What went wrong, for people: a server's error text may echo the key; it is hidden."""
        return CopyWriterUnavailable(redact(self._describe(exc), self._secrets))

    def _describe(self, exc: Exception) -> str:
        import openai

        where = f"the OpenAI-compatible server at {self.endpoint}"
        tries = f"after {self.max_retries + 1} tries with backoff"
        if isinstance(exc, openai.APITimeoutError):
            return (
                f"{where} did not answer within {self.timeout_s:g} s ({tries}); "
                "raise STUDIO_OPENAI_TIMEOUT_S or check the server's load"
            )
        if isinstance(exc, openai.APIConnectionError):
            return (
                f"cannot reach {where} ({tries}): {exc.__cause__ or exc}; "
                "check STUDIO_OPENAI_BASE_URL and that the server is running"
            )
        if isinstance(exc, openai.AuthenticationError):
            return f"{where} refused the API key (401); check STUDIO_OPENAI_API_KEY"
        if isinstance(exc, openai.PermissionDeniedError):
            return f"{where} denied access (403) to model {self.model!r}: {_message(exc)}"
        if isinstance(exc, openai.NotFoundError):
            return (
                f"{where} has no model {self.model!r} or no chat-completions endpoint (404); "
                "check STUDIO_OPENAI_MODEL and STUDIO_OPENAI_BASE_URL (it usually ends in /v1)"
            )
        if isinstance(exc, openai.RateLimitError):
            return f"{where} is rate limiting (429) {tries}: {_message(exc)}; try again later"
        if isinstance(exc, openai.InternalServerError):
            return f"{where} failed with {exc.status_code} {tries}: {_message(exc)}"
        if isinstance(exc, openai.BadRequestError):
            return (
                f"{where} rejected the request (400): {_message(exc)}; the model must support "
                "JSON-schema structured output (response_format)"
            )
        if isinstance(exc, openai.APIStatusError):
            return f"{where} answered {exc.status_code}: {_message(exc)}"
        return f"{where}: {exc}"

    def write(self, request: WriteRequest) -> CopyDraft:
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": SYSTEM_MESSAGE},
                    {"role": "user", "content": request.prompt_text},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.reply_name,
                        "schema": request.reply_schema(),
                        "strict": False,
                    },
                },
                temperature=self.temperature,
                seed=request.seed,
            )
        except openai.OpenAIError as exc:
            raise self._unavailable(exc) from exc
        if not response.choices:
            raise CopyWriterError(f"the openai reply from {self.endpoint} has no choices")
        choice = response.choices[0]
        content = choice.message.content or ""
        if choice.finish_reason == "length":
            raise CopyWriterError(
                f"the openai reply was cut off at the model's token limit; it began: {content[:200]!r}"
            )
        if not content.strip():
            refusal = getattr(choice.message, "refusal", None)
            raise CopyWriterError(
                f"the openai reply is empty{f' (refusal: {refusal})' if refusal else ''}"
            )
        fields = request.parse_reply(content, backend="openai")
        return CopyDraft(
            fields=fields, backend=self.name, model=response.model or self.model, raw=content
        )


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return str(getattr(exc, "message", exc))
