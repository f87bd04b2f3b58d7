"""Class 8: secrets never appear in messages.

Before: an OpenAI-compatible base URL with ``user:pass@`` and a server's error text echoing the
API key appeared in error messages, although the README says the key is never logged. Now the
backend names its endpoint without credentials and every message passes through
:func:`studio.core.redact.redact` (known secrets, URL credentials, key-shaped tokens).
"""

from __future__ import annotations

import pytest

from studio.backends.contracts import CopyWriterUnavailable
from studio.backends.llm_openai import OpenAICopyWriter
from studio.core.redact import redact, redact_url
from studio.core.settings import Settings
from tests.copy.conftest import Reply
from tests.copy.test_llm_openai import tiktok_request

KEY = "sk-live-0123456789abcdefSECRET"


def _writer(url: str) -> OpenAICopyWriter:
    return OpenAICopyWriter.from_settings(
        Settings(
            llm_backend="openai",
            openai_base_url=url,
            openai_api_key=KEY,
            openai_model="studio-test",
            openai_timeout_s=5.0,
            openai_max_retries=0,
        )
    )


def test_a_server_error_echoing_the_key_is_redacted(chat_server, catalog) -> None:  # type: ignore[no-untyped-def]
    chat_server.default = Reply(
        status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}
    )
    with pytest.raises(CopyWriterUnavailable) as caught:
        _writer(chat_server.url).write(tiktok_request(catalog.get("ledgerly")))
    assert KEY not in str(caught.value) and KEY[:12] not in str(caught.value)
    chat_server.default = Reply(
        status=500, body={"error": {"message": f"upstream said Bearer {KEY} is bad"}}
    )
    with pytest.raises(CopyWriterUnavailable) as caught:
        _writer(chat_server.url).write(tiktok_request(catalog.get("ledgerly")))
    assert "failed with 500" in str(caught.value) and KEY not in str(caught.value)


def test_credentials_in_the_base_url_never_reach_a_message(chat_server, catalog) -> None:  # type: ignore[no-untyped-def]
    url = chat_server.url.replace("http://", "http://admin:hunter2pass@")
    writer = _writer(url)
    assert "hunter2pass" not in writer.endpoint and "admin" not in writer.endpoint
    chat_server.default = Reply(status=404, body={"error": {"message": f"no route at {url}"}})
    with pytest.raises(CopyWriterUnavailable) as caught:
        writer.write(tiktok_request(catalog.get("ledgerly")))
    assert "hunter2pass" not in str(caught.value)


def test_redact() -> None:
    assert redact_url("https://u:p@host.example/v1?key=abc&x=1") == (
        "https://***@host.example/v1?key=***&x=1"
    )
    assert redact(f"call https://u:p@h/v1 with {KEY}", [KEY]) == "call https://***@h/v1 with ***"
    assert redact("token sk-abcdefgh12345678 leaked") == "token *** leaked"
