"""`sentinel redact` on lines of any size: streamed in pieces, entities across pieces
found whole, no traceback on input it cannot read."""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.privacy.chunks import OVERLAP_CHARS
from sentinel.privacy.cli import LINE_PIECE, redact_stream
from sentinel.privacy.redactor import Redactor

runner = CliRunner()
FILLER = "the parcel was shipped on time and arrived in good order. "


@pytest.fixture(autouse=True)
def _share_the_session_redactor(redactor: Redactor) -> None:
    """The CLI uses the process-wide redactor the fixture already loaded."""


def filler(n: int) -> str:
    return (FILLER * (n // len(FILLER) + 1))[:n]


def test_a_line_longer_than_one_piece_is_streamed_with_entities_across_pieces(
    redactor: Redactor,
) -> None:
    email = "mary.johnson@example.com"
    head = filler(LINE_PIECE - 10) + " "  # the e-mail address crosses the first piece's end
    # ... and a phone number crosses the cut after the second piece (a window overlap
    # before its end), where the text written so far ends
    before_phone = 2 * LINE_PIECE - OVERLAP_CHARS - 5 - len(head) - len(email) - 2
    tail = filler(before_phone) + " 13800138000 " + filler(LINE_PIECE // 2)
    line = head + email + " " + tail + " Mary Johnson called."
    assert line.index("13800138000") == 2 * LINE_PIECE - OVERLAP_CHARS - 5
    writes: list[int] = []

    class Sink(io.StringIO):
        def write(self, s: str) -> int:
            writes.append(len(s))
            return super().write(s)

    sink = Sink()
    source = io.StringIO(line + "\nsecond line from bob@example.com\n")
    assert redact_stream(source, sink, redactor) == 2
    out = sink.getvalue().split("\n")
    redacted_tail = tail.replace("13800138000", "<PHONE_NUMBER_1>")
    assert out[0] == head + "<EMAIL_ADDRESS_1> " + redacted_tail + " <PERSON_1> called."
    assert out[1] == "second line from <EMAIL_ADDRESS_1>"  # its own numbering
    assert len(writes) >= 3 and max(writes) <= 2 * LINE_PIECE  # written piece by piece


def test_the_cli_redacts_a_1_1_mb_line_in_both_modes() -> None:
    text = filler(1_100_000) + " Write to Mary Johnson at mary@example.com."
    plain = runner.invoke(app, ["redact"], input=text + "\n")
    assert plain.exit_code == 0, plain.output[-500:]
    assert plain.stdout.endswith("Write to <PERSON_1> at <EMAIL_ADDRESS_1>.\n")
    assert len(plain.stdout) == len(text) + 1 - len("Mary Johnson") - len("mary@example.com") + len(
        "<PERSON_1><EMAIL_ADDRESS_1>"
    )
    record = json.dumps({"id": 7, "text": text})
    jsonl = runner.invoke(app, ["redact", "--jsonl"], input=record + "\n")
    assert jsonl.exit_code == 0, jsonl.output[-500:]
    assert json.loads(jsonl.stdout)["text"].endswith("<PERSON_1> at <EMAIL_ADDRESS_1>.")


def test_input_that_is_not_utf8_is_an_error_not_a_traceback() -> None:
    result = runner.invoke(app, ["redact"], input=b"caf\xe9 \xff\xfe\n")
    assert result.exit_code == 2
    assert "UTF-8" in result.output and "Traceback" not in result.output
