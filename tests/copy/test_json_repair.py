"""JSON repair of model replies: what small local models write, read where it is safe to."""

from __future__ import annotations

import json

import pytest

from studio.backends.contracts import CopyWriterError
from studio.copy.channels import CHANNELS
from studio.copy.writing import parse_reply, repair_json

TIKTOK = CHANNELS["tiktok"]


@pytest.mark.parametrize(
    ("reply", "expected", "repair"),
    [
        ('{"ad_text": "Hi there", "call_to_action": "SIGN_UP"}', None, None),
        (
            'Sure! ```json\n{"ad_text": "Hi there", "call_to_action": "SIGN_UP",}\n```',
            None,
            "trailing commas removed",
        ),
        (
            "{'ad_text': 'It\\'s here', call_to_action: 'SIGN_UP'}",
            {"ad_text": "It's here", "call_to_action": "SIGN_UP"},
            "quotes, keys",
        ),
        ("{“ad_text”: “Hi there”, “call_to_action”: “SIGN_UP”}", None, "curly quotes"),
        (
            '{"ad_text": "Hi there", // the caption\n "call_to_action": "SIGN_UP"}',
            None,
            "comments",
        ),
        (
            '```json\n{"ad_text": "Hi there", "call_to_action": "SIGN_UP", "x": ',
            {"ad_text": "Hi there", "call_to_action": "SIGN_UP"},
            "cut off after a complete value",
        ),
        (
            '{"headlines": ["A", "B",\n "C"], "flag": True, "none": None}',
            {"headlines": ["A", "B", "C"], "flag": True, "none": None},
            "literals",
        ),
    ],
)
def test_repairs(reply, expected, repair):
    data, repairs = repair_json(reply)
    assert data == (expected or {"ad_text": "Hi there", "call_to_action": "SIGN_UP"})
    if repair is None:
        assert repairs == []
    else:
        assert any(repair in r for r in repairs), repairs


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("Sure! Here is a great ad: Get paid on time.", "no JSON object found"),
        ('{"ad_text": "Get paid on', "even after repair"),  # cut inside the copy: not closed
        ('{"ad_text": "Hi" "call_to_action"}', "even after repair"),
    ],
)
def test_what_cannot_be_repaired_is_a_clear_error(reply, message):
    with pytest.raises(CopyWriterError, match=f"transformers reply is not valid JSON.*{message}"):
        parse_reply(reply, TIKTOK, backend="transformers")


def test_repaired_reply_still_meets_the_schema():
    reply = "{'ad_text': 'Get paid on time. Trial terms apply.', 'call_to_action': 'SIGN_UP',}"
    assert parse_reply(reply, TIKTOK, backend="transformers") == {
        "ad_text": "Get paid on time. Trial terms apply.",
        "call_to_action": "SIGN_UP",
    }
    with pytest.raises(CopyWriterError, match="does not match the TikTok in-feed ad schema"):
        parse_reply("{'ad_txt': 'x', 'call_to_action': 'SIGN_UP'}", TIKTOK, backend="t")


def test_a_string_with_a_line_break_and_an_escaped_quote():
    data, _ = repair_json('{"ad_text": "line one\nline \\"two\\""}')
    assert data == {"ad_text": 'line one\nline "two"'}
    assert json.loads(json.dumps(data)) == data
