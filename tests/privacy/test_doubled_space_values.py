"""A name typed with a doubled space ("Brandon  Gaines") was two clauses to the
analyzers (a run of spaces ends one), so only the given name was found and the surname
went upstream in clear under outbound redaction. Found by an outside tester of issue 19.
Real Redactor; real client over loopback HTTP to FakeDeepSeek."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.privacy.view import analysis_view


@pytest.mark.parametrize(
    "text, surname",
    [
        ("I am Brandon  Gaines, call me", "Gaines"),
        ("Orla   Fitzgerald signed the lease", "Fitzgerald"),
        ("please ask Marisol\u00a0\u00a0Quintero about it", "Quintero"),
    ],
)
def test_a_doubled_space_inside_a_name_hides_no_part_of_it(
    redactor: Any, text: str, surname: str
) -> None:
    redacted = redactor.redact(text).text
    assert surname not in redacted, redacted
    assert redacted.count("<PERSON_") == 1, redacted


def test_layout_spaces_stay_in_the_view() -> None:
    # four spaces or more are columns; a digit or a lone letter beside them too
    for text in ("Name    Phone", "No. G3090  Nationality", "Ana   B . C", "ok.  Next"):
        assert analysis_view(text).text == text
    view = analysis_view("Anne  Lynch")
    assert view.text == "Anne Lynch" and view.span(0, 10) == (0, 11)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_the_provider_never_gets_the_surname_and_the_app_gets_it_back(
    harness: Any, redactor: Any, stream: bool
) -> None:
    client = harness.client()
    prompt = "Book a room for Brandon  Gaines tonight"
    kwargs: dict[str, Any] = {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": prompt}],
        "redact_outbound": True,
    }
    if stream:
        chunks = client.chat.completions.create(stream=True, **kwargs)
        content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        content = client.chat.completions.create(**kwargs).content
    sent = harness.fake.requests[-1].body.decode()
    assert "Gaines" not in sent and "Brandon" not in sent, sent
    assert content == f"Echo: {prompt}"
