"""The openai backend against a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
import socket

import pytest

from studio.backends.contracts import CopyWriterError, CopyWriterUnavailable
from studio.backends.llm_openai import OpenAICopyWriter
from studio.copy.channels import CHANNELS
from studio.copy.generation import GenerationRequest, generate_variants
from studio.copy.writing import CampaignBrief, CopyRequest, build_prompt
from studio.core.settings import Settings

from .conftest import Reply

GOOD_TIKTOK = {
    "ad_text": "Get paid on time, every time. Trial terms apply.",
    "call_to_action": "SIGN_UP",
}
FAST = {"retry-after-ms": "5"}  # the SDK honours it: keeps backoff short in tests


def writer_for(server, **kwargs) -> OpenAICopyWriter:
    settings = Settings(
        llm_backend="openai",
        openai_base_url=server.url,
        openai_api_key="sk-test",
        openai_model="studio-test",
        openai_timeout_s=kwargs.pop("timeout_s", 5.0),
        openai_max_retries=kwargs.pop("max_retries", 2),
    )
    return OpenAICopyWriter.from_settings(settings)


@pytest.fixture
def ledgerly(catalog):
    return catalog.get("ledgerly")


def tiktok_request(brand, seed=3) -> CopyRequest:
    brief = CampaignBrief("leads", "https://ledgerly.example/trial")
    spec = CHANNELS["tiktok"]
    return CopyRequest(
        brand, "freelancers", spec, brief, seed, build_prompt(brand, "freelancers", spec, brief)
    )


def test_structured_reply_is_parsed_and_the_request_is_complete(chat_server, ledgerly):
    chat_server.default = Reply(json.dumps(GOOD_TIKTOK))
    request = tiktok_request(ledgerly)
    draft = writer_for(chat_server).write(request)
    assert (
        draft.fields == GOOD_TIKTOK and draft.backend == "openai" and draft.model == "studio-test"
    )
    [sent] = chat_server.requests
    assert sent["model"] == "studio-test" and sent["seed"] == 3
    assert sent["messages"][-1] == {"role": "user", "content": request.prompt.text}
    schema = sent["response_format"]["json_schema"]["schema"]
    assert sent["response_format"]["type"] == "json_schema"
    assert (
        schema["properties"]["ad_text"]["maxLength"] == 100
        and schema["additionalProperties"] is False
    )
    assert chat_server.headers[0]["authorization"] == "Bearer sk-test"


def test_reply_inside_a_code_fence_with_prose_is_accepted(chat_server, ledgerly):
    chat_server.default = Reply(f"Here you go:\n```json\n{json.dumps(GOOD_TIKTOK)}\n```\nEnjoy.")
    assert writer_for(chat_server).write(tiktok_request(ledgerly)).fields == GOOD_TIKTOK


def test_429_is_retried_with_backoff(chat_server, ledgerly):
    chat_server.script = [Reply(status=429, headers=FAST), Reply(status=429, headers=FAST)]
    chat_server.default = Reply(json.dumps(GOOD_TIKTOK))
    assert (
        writer_for(chat_server, max_retries=2).write(tiktok_request(ledgerly)).fields == GOOD_TIKTOK
    )
    assert len(chat_server.requests) == 3


def test_persistent_429_gives_a_clear_message(chat_server, ledgerly):
    chat_server.default = Reply(status=429, headers=FAST)
    with pytest.raises(CopyWriterUnavailable, match=r"rate limiting \(429\) after 3 tries"):
        writer_for(chat_server, max_retries=2).write(tiktok_request(ledgerly))
    assert len(chat_server.requests) == 3


def test_500_is_retried_then_reported(chat_server, ledgerly):
    chat_server.script = [Reply(status=500, headers=FAST)]
    chat_server.default = Reply(json.dumps(GOOD_TIKTOK))
    assert writer_for(chat_server).write(tiktok_request(ledgerly)).fields == GOOD_TIKTOK
    chat_server.script, chat_server.default = [], Reply(status=503, headers=FAST)
    with pytest.raises(CopyWriterUnavailable, match=r"failed with 503 after 2 tries"):
        writer_for(chat_server, max_retries=1).write(tiktok_request(ledgerly))


def test_timeout_is_retried_then_reported(chat_server, ledgerly):
    chat_server.script = [Reply(json.dumps(GOOD_TIKTOK), delay_s=1.5)]
    chat_server.default = Reply(json.dumps(GOOD_TIKTOK))
    assert (
        writer_for(chat_server, timeout_s=0.5, max_retries=1).write(tiktok_request(ledgerly)).fields
        == GOOD_TIKTOK
    )
    assert len(chat_server.requests) == 2
    chat_server.default = Reply(json.dumps(GOOD_TIKTOK), delay_s=1.5)
    with pytest.raises(
        CopyWriterUnavailable, match=r"did not answer within 0.5 s .*STUDIO_OPENAI_TIMEOUT_S"
    ):
        writer_for(chat_server, timeout_s=0.5, max_retries=0).write(tiktok_request(ledgerly))


def test_reply_that_is_not_json_is_a_clear_retryable_error(chat_server, ledgerly):
    chat_server.default = Reply("Sure! Here is a great ad: Get paid on time.")
    with pytest.raises(
        CopyWriterError, match=r"openai reply is not valid JSON.*it began: 'Sure! Here"
    ) as info:
        writer_for(chat_server).write(tiktok_request(ledgerly))
    assert not isinstance(info.value, CopyWriterUnavailable)
    # Cut off after a complete value: closed by the JSON repair, then the missing field is named.
    chat_server.default = Reply('{"ad_text": "Get paid on time", ')
    with pytest.raises(CopyWriterError, match="call_to_action: Field required"):
        writer_for(chat_server).write(tiktok_request(ledgerly))
    # Cut off inside the copy itself: not repaired (closing it would make cut-off copy).
    chat_server.default = Reply('{"ad_text": "Get paid on')
    with pytest.raises(CopyWriterError, match=r"not valid JSON .*even after repair"):
        writer_for(chat_server).write(tiktok_request(ledgerly))


def test_reply_that_breaks_the_schema_names_the_field(chat_server, ledgerly):
    chat_server.default = Reply(
        json.dumps({"ad_text": ["a", "b"], "call_to_action": "SIGN_UP", "emoji": "x"})
    )
    with pytest.raises(
        CopyWriterError, match=r"does not match the TikTok in-feed ad schema: ad_text: .*emoji"
    ):
        writer_for(chat_server).write(tiktok_request(ledgerly))


def test_reply_cut_off_at_the_token_limit(chat_server, ledgerly):
    chat_server.default = Reply('{"ad_text": "Get paid', finish_reason="length")
    with pytest.raises(CopyWriterError, match="cut off"):
        writer_for(chat_server).write(tiktok_request(ledgerly))


def test_wrong_key_and_unknown_model_are_named(chat_server, ledgerly):
    chat_server.default = Reply(status=401)
    with pytest.raises(CopyWriterUnavailable, match=r"refused the API key.*STUDIO_OPENAI_API_KEY"):
        writer_for(chat_server).write(tiktok_request(ledgerly))
    chat_server.default = Reply(status=404)
    with pytest.raises(CopyWriterUnavailable, match=r"no model 'studio-test'.*STUDIO_OPENAI_MODEL"):
        writer_for(chat_server).write(tiktok_request(ledgerly))


def test_missing_key_and_missing_server_are_named(ledgerly):
    with pytest.raises(CopyWriterUnavailable, match="no API key: set STUDIO_OPENAI_API_KEY"):
        OpenAICopyWriter.from_settings(
            Settings(llm_backend="openai", openai_api_key=None, openai_base_url=None)
        )
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        llm_backend="openai", openai_base_url=f"http://127.0.0.1:{port}/v1", openai_max_retries=0
    )
    with pytest.raises(
        CopyWriterUnavailable, match=rf"cannot reach .*127.0.0.1:{port}.*STUDIO_OPENAI_BASE_URL"
    ):
        OpenAICopyWriter.from_settings(settings).write(tiktok_request(ledgerly))


def test_generation_over_openai_retries_bad_json_and_flags_what_it_cannot_fix(
    chat_server, ledgerly
):
    banned = {**GOOD_TIKTOK, "ad_text": "Risk-free invoicing. Trial terms apply."}
    chat_server.script = [
        Reply("not json at all"),
        Reply(json.dumps(banned)),
        Reply(json.dumps(GOOD_TIKTOK)),
    ]
    chat_server.default = Reply(json.dumps(banned))
    brief = CampaignBrief("leads", "https://ledgerly.example/trial")
    request = GenerationRequest(
        brand=ledgerly, brief=brief, personas=("freelancers",), channels=("tiktok",), n=2
    )
    result = generate_variants(request, writer_for(chat_server))
    first, second = result.variants
    # Draft 1: bad JSON, then a banned phrase, then a clean rewrite with the violations as feedback.
    assert first.fields == GOOD_TIKTOK and not first.flagged and first.attempts == 3
    assert "risk-free" in chat_server.requests[2]["messages"][-1]["content"].lower()
    # Draft 2: the server keeps using the banned phrase: kept and flagged, not dropped.
    assert second.flagged and any(v.rule == "banned_phrase" for v in second.violations)
    assert not result.failures
