"""Outbound redaction of a prompt whose values hide behind invisible and decomposed
characters (issue 19), over real HTTP to FakeDeepSeek (which echoes the last user
message): the provider receives placeholders only, the app gets its own bytes back."""

from __future__ import annotations

from typing import Any

PROMPT = (
    "I'm Jose\u0301 Garci\u0301a, mail j\u200bohn.smith@exa\u00admple.com or 1-619-\u2060582-5697."
)


def test_hostile_values_never_reach_the_provider(harness: Any, redactor: Any) -> None:
    resp = harness.client().chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": PROMPT}],
        redact_outbound=True,
    )
    upstream = harness.fake.requests[-1].json()["messages"][-1]["content"]
    assert upstream == "I'm <PERSON_1>, mail <EMAIL_ADDRESS_1> or <PHONE_NUMBER_1>."
    assert resp.content is not None and PROMPT in resp.content
