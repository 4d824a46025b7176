"""A FIM answer's legacy-shaped `logprobs` (`tokens`, `token_logprobs`, `top_logprobs`
maps, `text_offset`) screened like chat's, whole and streamed, through the client and
the proxy over loopback to FakeDeepSeek: a masked term's tokens are masked with the
text (no alternatives kept), the rest reach the app as sent. They used to be dropped
whenever an output list applied (streamed), or as soon as a mask touched the text."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from safety_support import Harness, write_lists

from sentinel.testing import FakeDeepSeek

FIM = {
    "model": "deepseek-v4-flash",
    "prompt": "def add(a, b):\n",
    "suffix": "\n    return c",
    "extra_body": {"logprobs": 2},
}
GAPS = "# category: gaps\n# action: mask\n# apply: output\nbetween\n"


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    """The usual lists plus one that masks "between" (in every FIM answer of the fake:
    "/* between N and M words */"); the proxy fixture loads these too."""
    root = write_lists(tmp_path / "lists")
    (root / "gaps.txt").write_text(GAPS, encoding="utf-8")
    return root


def check_tokens(text: str, logprobs: dict[str, Any], masked: bool = True) -> None:
    """The legacy columns line up with `text`: the tokens spell it, the offsets follow
    the tokens, the term's tokens are masked and carry no alternatives."""
    tokens = logprobs["tokens"]
    assert "".join(tokens) == text
    n = len(tokens)
    assert len(logprobs["token_logprobs"]) == len(logprobs["top_logprobs"]) == n
    offsets = logprobs["text_offset"]
    assert [b - a for a, b in itertools.pairwise(offsets)] == [len(t) for t in tokens[:-1]]
    dumped = orjson.dumps(logprobs).decode()
    assert ("betw" in dumped) is not masked and ("een" in dumped) is not masked
    for token, top in zip(tokens, logprobs["top_logprobs"], strict=True):
        hidden = "*" in token and set(token) <= {"*", " "}  # "/* " is the fake's own
        assert top == ({} if hidden else {token: -0.1, " x": -3.0})


def test_a_whole_fim_answers_logprobs_are_masked_with_its_text(harness: Harness) -> None:
    resp = harness.client().completions.create(**FIM)
    choice = resp.choices[0]
    assert "*******" in choice.text and "between" not in choice.text
    check_tokens(choice.text, choice.model_dump()["logprobs"])
    assert choice.model_dump()["logprobs"]["text_offset"][0] == len(FIM["prompt"])


def test_a_fim_answer_without_a_match_keeps_its_logprobs(harness: Harness) -> None:
    (harness.lists_dir / "gaps.txt").unlink()  # the other lists still apply to output
    resp = harness.client().completions.create(**FIM)
    check_tokens(resp.choices[0].text, resp.choices[0].model_dump()["logprobs"], masked=False)


def spell(chunks: list[dict[str, Any]]) -> tuple[str, dict[str, list[Any]]]:
    """(the streamed text, every chunk's legacy columns joined), checking that no token
    runs ahead of the text it spells."""
    text = ""
    joined: dict[str, list[Any]] = {"tokens": [], "token_logprobs": [], "top_logprobs": []}
    joined["text_offset"] = []
    for chunk in chunks:
        for choice in chunk.get("choices") or ():
            text += choice["text"]
            for key, values in (choice.get("logprobs") or {}).items():
                joined[key] += values
            assert text.startswith("".join(joined["tokens"])), (text, joined["tokens"])
    return text, joined


@pytest.mark.parametrize("listed", [True, False])
def test_streamed_fim_logprobs_are_held_and_masked_with_the_text(
    harness: Harness, listed: bool
) -> None:
    if not listed:
        (harness.lists_dir / "gaps.txt").unlink()
    stream = harness.client().completions.create(**FIM, stream=True)
    text, joined = spell([c.model_dump() for c in stream])
    assert ("between" in text) is not listed
    check_tokens(text, joined, masked=listed)


def test_proxy_relays_fim_logprobs_screened_whole_and_streamed(
    proxy: tuple[str, dict[str, str]], fake: FakeDeepSeek
) -> None:
    url, headers = proxy
    body = {k: v for k, v in FIM.items() if k != "extra_body"} | {"logprobs": 2}
    whole = httpx.post(f"{url}/beta/completions", json=body, headers=headers, timeout=10)
    assert whole.status_code == 200, whole.text
    assert fake.requests[-1].json()["logprobs"] == 2
    [choice] = whole.json()["choices"]
    assert "between" not in choice["text"]
    check_tokens(choice["text"], choice["logprobs"])
    streamed = httpx.post(
        f"{url}/beta/completions", json=body | {"stream": True}, headers=headers, timeout=10
    )
    chunks = [
        orjson.loads(line[6:])
        for line in streamed.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    text, joined = spell(chunks)
    assert text == choice["text"]
    check_tokens(text, joined)
