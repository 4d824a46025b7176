"""Outbound redaction with the response cache (issue 19): the masked body of "my mail
is A" and "my mail is B" is the same, so the key also covers the masked values (as a
digest): real client, FakeDeepSeek over loopback, real SQLite store."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sentinel.config import Settings

A = "alice.moreau@example.com"
B = "bruno.keller@example.org"


def _ask(client: Any, mail: str) -> Any:
    return client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": f"my mail is {mail}, is it valid?"}],
        temperature=0,
        redact_outbound=True,
    )


def _dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


def test_requests_differing_only_in_a_masked_value_do_not_share_an_answer(
    harness: Any, redactor: Any
) -> None:
    client = harness.client(settings=Settings(cache=True))
    first = _ask(client, A)
    client.flush()
    bodies = [r.json()["messages"][-1]["content"] for r in harness.fake.requests]
    assert A not in bodies[0] and "<EMAIL_ADDRESS_1>" in bodies[0]

    second = _ask(client, B)
    client.flush()
    assert harness.fake.count() == 2  # B went upstream: its masked body equals A's
    assert (
        harness.fake.requests[-1].json()["messages"] == harness.fake.requests[0].json()["messages"]
    )
    assert first.content is not None and A in first.content
    assert second.content is not None and B in second.content and A not in second.content

    again = _ask(client, B)
    client.flush()
    assert harness.fake.count() == 2  # the same real content: a hit
    assert again.content == second.content

    harness.flush()
    assert harness.store.count("cache") == 2  # one entry per real content
    dump = _dump(harness.store.path)
    assert "EMAIL_ADDRESS_1" in dump  # the entries are there, masked
    assert A not in dump and B not in dump  # no raw value in the store, key or entry
