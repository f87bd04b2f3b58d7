"""Prompt templates: rendering, fingerprints and errors that name the problem."""

from __future__ import annotations

import hashlib

import pytest

from studio.copy.channels import CHANNELS
from studio.copy.prompts import (
    PROMPTS_DIR,
    PromptError,
    available_templates,
    render,
    template_sha256,
)
from studio.copy.writing import CampaignBrief, build_prompt, reply_schema


def test_copy_prompt_carries_brand_persona_channel_and_limits(catalog):
    brand = catalog.get("halden-coffee")
    brief = CampaignBrief(
        "sales", "https://haldencoffee.example/gift", offer="50% off your first bag"
    )
    prompt = build_prompt(brand, "gift-buyers", CHANNELS["tiktok"], brief)
    assert prompt.template == "copy.j2"
    assert prompt.sha256 == hashlib.sha256((PROMPTS_DIR / "copy.j2").read_bytes()).hexdigest()
    assert prompt.sha256 == template_sha256("copy.j2")
    for expected in (
        "Halden Coffee Roasters",
        "Gift buyers",
        "last-minute shipping worries",
        "50% off your first bag",
        "https://haldencoffee.example/gift",
        "New subscribers only. Cancel anytime.",
        "12-100 characters",
        "No emoji",
        'No "#"',
        "cheap",
        "Rated 4.8 out of 5 by 9,000 subscribers",
    ):
        assert expected in prompt.text, expected
    assert '"ad_text"' in prompt.text  # the JSON schema
    assert "Fix your previous attempt" not in prompt.text


def test_repair_prompt_lists_previous_answer_and_violations(catalog):
    from studio.copy.channels import Violation

    brand = catalog.get("ledgerly")
    brief = CampaignBrief("leads", "https://ledgerly.example")
    feedback = (Violation("banned_phrase", "ad_text", "uses the banned phrase 'risk-free'"),)
    prompt = build_prompt(
        brand,
        "freelancers",
        CHANNELS["tiktok"],
        brief,
        previous={"ad_text": "Risk-free invoicing"},
        feedback=feedback,
    )
    assert "Fix your previous attempt" in prompt.text
    assert (
        "Risk-free invoicing" in prompt.text and "uses the banned phrase 'risk-free'" in prompt.text
    )


def test_every_channel_prompt_renders(catalog):
    brand = catalog.get("ledgerly")
    brief = CampaignBrief("leads", "https://ledgerly.example")
    for channel in CHANNELS.values():
        text = build_prompt(brand, "finance-leads", channel, brief).text
        for spec in channel.fields:
            assert f'"{spec.name}"' in text
        assert reply_schema(channel)["additionalProperties"] is False


def test_missing_template_lists_the_available_ones():
    with pytest.raises(PromptError, match=r"no prompt template 'nope.j2'.*copy\.j2"):
        render("nope.j2")
    with pytest.raises(PromptError, match="no prompt template"):
        render("../pyproject.toml")
    assert "copy.j2" in available_templates()


def test_undefined_variable_is_named(tmp_path):
    (tmp_path / "hello.j2").write_text("Hello {{ name }} from {{ place }}")
    with pytest.raises(PromptError, match=r"'place' is undefined.*passed: name"):
        render("hello.j2", prompts_dir=tmp_path, name="Ada")
    rendered = render("hello.j2", prompts_dir=tmp_path, name="Ada", place="Leeds")
    assert rendered.text == "Hello Ada from Leeds\n"
    assert rendered.text_sha256 == hashlib.sha256(rendered.text.encode()).hexdigest()


def test_syntax_error_names_the_line(tmp_path):
    (tmp_path / "broken.j2").write_text("line one\n{% if x %}\nunclosed\n")
    with pytest.raises(PromptError, match=r"broken\.j2"):
        render("broken.j2", prompts_dir=tmp_path, x=True)


def test_hash_changes_when_the_template_changes(tmp_path):
    path = tmp_path / "t.j2"
    path.write_text("v1 {{ x }}")
    first = render("t.j2", prompts_dir=tmp_path, x=1)
    path.write_text("v2 {{ x }}")
    second = render("t.j2", prompts_dir=tmp_path, x=1)
    assert first.sha256 != second.sha256 and second.text == "v2 1\n"
