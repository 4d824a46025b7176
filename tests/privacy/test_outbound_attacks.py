"""Outbound redaction attacked from outside: JSON an app may send or a model may answer
that is valid but unusual (a key written twice, a bare JSON string with escapes in it),
through the real client over loopback against an upstream that records the raw bytes
it received and answers what the test scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from loopback import QuietHandler, http_server

from sentinel import Sentinel
from sentinel.config import Settings

EMAIL = "alice.smith@example.com"
QUOTED_NAME = 'O"Brien\\ Gaines\n'  # a participant's name, masked whole


class Recording(QuietHandler):
    """Answers every POST with the next scripted completion message, keeping each raw
    request body."""

    protocol_version = "HTTP/1.1"
    bodies: ClassVar[list[bytes]] = []
    messages: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        message = self.messages.pop(0) if self.messages else {"content": "ok"}
        body = json.dumps(
            {
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": "deepseek-v4-flash",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", **message},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Sentinel]:
    Recording.bodies, Recording.messages = [], []
    with http_server(Recording) as url:
        client = Sentinel(
            api_key="sk-test",
            base_url=url,
            store=f"sqlite:///{tmp_path / 'sentinel.db'}",
            settings=Settings(spool_dir=tmp_path / "spool"),
        )
        yield client
        client.close()


def _create(client: Sentinel, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model="deepseek-v4-flash", messages=messages, redact_outbound=True, **kwargs
    )


def _with_tool(arguments: str, result: str) -> list[dict[str, Any]]:
    call = {"id": "t1", "type": "function", "function": {"name": "send", "arguments": arguments}}
    return [
        {"role": "user", "content": "send the mail"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "t1", "content": result},
    ]


def test_a_key_written_twice_does_not_carry_a_value_upstream(client: Sentinel) -> None:
    """JSON keeps the last of two equal keys, so the first value is never visited; the
    arguments must not then go up as written, with that value in them."""
    arguments = json.dumps({"to": EMAIL})[:-1] + ', "to": "team"}'
    result = '{"sent_to": "' + EMAIL + '", "sent_to": "ok"}'
    _create(client, _with_tool(arguments, result))
    body = Recording.bodies[-1].decode()
    assert "alice.smith" not in body
    sent = json.loads(body)["messages"]
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {"to": "team"}
    assert json.loads(sent[2]["content"]) == {"sent_to": "ok"}


def test_a_bare_json_string_is_masked_as_the_text_it_holds(client: Sentinel) -> None:
    """A tool result or arguments that are one JSON string: `\\u0040` there is an @, so
    the e-mail address must be found in the decoded text, not missed in the escaped."""
    hidden = '"write to alice.smith\\u0040example.com today"'
    _create(client, _with_tool(hidden, hidden))
    body = Recording.bodies[-1].decode()
    assert "alice.smith" not in body
    sent = json.loads(body)["messages"]
    for text in (sent[1]["tool_calls"][0]["function"]["arguments"], sent[2]["content"]):
        assert json.loads(text) == "write to <EMAIL_ADDRESS_1> today"


def test_a_value_restored_into_bare_json_string_arguments_keeps_them_json(
    client: Sentinel,
) -> None:
    """Arguments (and a json_object answer) that are one JSON string are JSON as much as
    an object is: the value goes back JSON-escaped, or its quote ends the string."""
    messages = [{"role": "user", "name": QUOTED_NAME, "content": "who am I?"}]
    _create(client, messages)
    placeholder = json.loads(Recording.bodies[-1])["messages"][0]["name"]
    assert placeholder == "<PERSON_1>"
    call = {"id": "t", "type": "function", "function": {"name": "f", "arguments": '"<PERSON_1>"'}}
    Recording.messages.append({"content": '"<PERSON_1>"', "tool_calls": [call]})
    answer = _create(client, messages, response_format={"type": "json_object"}).choices[0]
    assert json.loads(answer.message.content) == QUOTED_NAME
    assert json.loads(answer.message.tool_calls[0]["function"]["arguments"]) == QUOTED_NAME


def test_a_value_masked_in_one_field_is_masked_in_every_other(client: Sentinel) -> None:
    """One numbering per request: a value masked in one field (a participant's name, a
    passport or SSN found in one message by its context) is the same placeholder
    wherever else it is written, also where the analyzer alone would not find it."""
    messages = [
        {"role": "user", "name": "zyxqwerty", "content": "it's zyxqwerty again"},
        {"role": "user", "content": "my passport E12345678 and SSN 536904399"},
        {"role": "assistant", "content": "E12345678 expired; 536904399 is wrong."},
    ]
    _create(client, messages)
    body = Recording.bodies[-1].decode()
    for value in ("zyxqwerty", "E12345678", "536904399"):
        assert value not in body, body
    sent = json.loads(body)["messages"]
    assert sent[0]["content"] == f"it's {sent[0]['name']} again"
    assert sent[2]["content"] == "<PASSPORT_1> expired; <US_SSN_1> is wrong."


def test_a_placeholder_the_app_wrote_in_its_tools_is_never_given_to_a_value(
    client: Sentinel,
) -> None:
    """Tool definitions go up as written; a `<PERSON_1>` in one is the app's literal,
    which the model may repeat, so no value of the request may get that placeholder
    (it would be "restored" into the user's name)."""
    tool = {
        "type": "function",
        "function": {"name": "greet", "description": "Greets <PERSON_1>, the shop owner"},
    }
    Recording.messages.append({"content": "Dear <PERSON_1>, <PERSON_2> says hi"})
    answer = _create(client, [{"role": "user", "content": "I'm Brandon Gaines"}], tools=[tool])
    sent = json.loads(Recording.bodies[-1])
    assert sent["messages"][0]["content"] == "I'm <PERSON_2>"
    assert sent["tools"] == [tool]
    assert answer.content == "Dear <PERSON_1>, Brandon Gaines says hi"


def test_the_clients_own_redaction_policy_masks_what_goes_up(tmp_path: Path) -> None:
    """A client given its Settings (not the environment) masks by their policy: a term
    of its SENTINEL_REDACT_DENY file never reaches the upstream."""
    deny = tmp_path / "deny.txt"
    deny.write_text("PROJECT: Falcon Heavy\n", encoding="utf-8")
    Recording.bodies = []
    with http_server(Recording) as url:
        client = Sentinel(
            api_key="sk-test",
            base_url=url,
            store=f"sqlite:///{tmp_path / 'sentinel.db'}",
            settings=Settings(spool_dir=tmp_path / "spool", redact_deny=deny),
        )
        try:
            Recording.messages = [{"content": "<PROJECT_1> is on schedule"}]
            answer = _create(client, [{"role": "user", "content": "How is Falcon Heavy?"}])
        finally:
            client.close()
    assert b"Falcon" not in Recording.bodies[-1]
    assert json.loads(Recording.bodies[-1])["messages"][0]["content"] == "How is <PROJECT_1>?"
    assert answer.content == "Falcon Heavy is on schedule"


def test_a_number_written_as_a_whole_float_is_masked_like_an_integer(client: Sentinel) -> None:
    """A phone column with a gap is float64 in pandas, so its JSON holds 6195825697.0:
    the digits are the phone number all the same (masked as an integer is)."""
    result = '{"phone": 16195825697.0, "score": 0.5, "seats": 2.0}'
    _create(client, _with_tool('{"id": 7}', result))
    sent = json.loads(Recording.bodies[-1])["messages"][2]["content"]
    assert "6195825697" not in sent, sent
    assert json.loads(sent)["score"] == 0.5 and json.loads(sent)["seats"] == 2.0


def test_a_large_request_is_masked_in_the_apps_process_without_workers(
    client: Sentinel,
) -> None:
    """A request of hundreds of texts (a long chat, a big tool result) is past the batch
    size at which the job's Redactor starts worker processes; started inside the app they
    spawn copies of its `__main__` (a script without a main guard never returns) and take
    seconds to load their models: outbound masking analyzes in the calling process."""
    import multiprocessing

    before = set(multiprocessing.active_children())
    messages = [{"role": "user", "content": f"row {i}: write to {EMAIL}"} for i in range(200)]
    _create(client, messages)
    assert set(multiprocessing.active_children()) == before
    assert "alice.smith" not in Recording.bodies[-1].decode()
