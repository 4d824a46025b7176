"""What the outbound-redaction tests of the client (tests/privacy) and of the proxy
(tests/proxy) share: a conversation with PII in every message field, the check that
none of it went upstream, and a loopback upstream that streams its answer one
character per event (reasoning, content, tool-call arguments), so every placeholder
arrives split at every point."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from loopback import QuietHandler

NAME, EMAIL, PHONE = "Brandon Gaines", "brandon.gaines@example.com", "1-619-582-5697"
OTHER = "Anne Lynch"
VALUES = (NAME, EMAIL, PHONE, OTHER)
QUOTED = 'My name is Brandon "Bee" Gaines, book the table please.'  # found with its quotes


def conversation() -> list[dict[str, Any]]:
    """Every message shape an app sends: a named participant, text parts, the thinking
    sent back, tool-call and legacy function_call arguments (JSON), a tool result."""
    arguments = {"guest": NAME, "contact": {"email": EMAIL, "phone": PHONE}, "seats": 2}
    return [
        {"role": "system", "content": "You book tables."},
        {
            "role": "user",
            "name": NAME,
            "content": [
                {"type": "text", "text": f"Mail me at {EMAIL}"},
                {"type": "text", "text": f"or call {PHONE}."},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": f"{NAME} wants a table; confirm to {EMAIL}.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "book_table", "arguments": json.dumps(arguments)},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": json.dumps({"status": "booked", "sent_to": EMAIL}),
        },
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "notify", "arguments": json.dumps({"who": NAME})},
        },
        {"role": "user", "content": f"Thanks! Tell {OTHER} too, at {PHONE}."},
    ]


def assert_not_upstream(body: bytes) -> None:
    """Neither in the bytes sent nor in their JSON's decoded strings (an escape)."""
    decoded = json.dumps(json.loads(body), ensure_ascii=False)
    for value in VALUES:
        assert value.encode() not in body and value not in decoded, value


def tool_request(stream: bool) -> dict[str, Any]:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "book_table",
                "description": "Books a table for the guest named in the query.",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
            },
        }
    ]
    return {"messages": [{"role": "user", "content": QUOTED}], "tools": tools, "stream": stream}


# A loopback upstream that streams reasoning, content and a tool call's arguments one
# character per event, each echoing the (masked) last user message.
def echo_events(text: str) -> list[dict[str, Any]]:
    arguments = json.dumps({"query": text})
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"reasoning_content": c} for c in f"Thinking about: {text}"]
    deltas += [{"content": c} for c in f"You said: {text}"]
    deltas.append({"tool_calls": [{"index": 0, "id": "call_9", "type": "function",
                                   "function": {"name": "echo", "arguments": ""}}]})  # fmt: skip
    deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": c}}]} for c in arguments]
    events = [{"index": 0, "delta": d, "finish_reason": None} for d in deltas]
    events.append({"index": 0, "delta": {}, "finish_reason": "tool_calls"})
    return [
        {"id": "c1", "object": "chat.completion.chunk", "created": 1,
         "model": "deepseek-v4-flash", "choices": [e]}
        for e in events
    ]  # fmt: skip


class CharByChar(QuietHandler):
    protocol_version = "HTTP/1.1"
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["content-length"]))
        type(self).bodies.append(raw)
        text = json.loads(raw)["messages"][-1]["content"]
        body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in echo_events(text))
        body += b"data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


PROMPT = f'{QUOTED} Mail {EMAIL} or call {PHONE}; C:\\path "x" stays.'
