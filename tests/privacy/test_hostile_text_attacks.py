"""Hostile characters an outside tester tried that the analysis view first missed
(issue 19): the invisible characters Unicode calls default-ignorable, and format
controls, beyond the ones the view listed; lone surrogates on the `sentinel redact --jsonl`
path. Real Redactor (Presidio, spaCy, jieba), real CLI."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.privacy.redactor import Redactor
from sentinel.privacy.view import analysis_view

# Invisible in every renderer, so a user can hide a value with them: interlinear
# annotation controls, Hangul fillers, Khmer inherent vowels, shorthand and musical
# format controls, Egyptian hieroglyph format controls, an unassigned tag code point.
IGNORABLES = [
    "\ufff9",
    "\ufffa",
    "\ufffb",
    "\u3164",
    "\uffa0",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\U0001bca0",
    "\U0001d173",
    "\U00013430",
    "\U000e0fff",
]
SAMPLES = [
    ("write to ", "john.smith@example.com", " today", "<EMAIL_ADDRESS_1>"),
    ("call ", "1-619-582-5697", " tonight", "<PHONE_NUMBER_1>"),
    ("my SSN is ", "536-90-4399", " ok", "<US_SSN_1>"),
]


@pytest.mark.parametrize("char", IGNORABLES, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s[3])
def test_an_ignorable_character_inside_a_value_does_not_hide_it(
    redactor: Redactor, char: str, sample: tuple[str, str, str, str]
) -> None:
    before, value, after, placeholder = sample
    hidden = value[:4] + char + value[4:-3] + char + value[-3:]
    text = f"{char}{before}{hidden}{after}{char}"
    [red] = redactor.redact_many([text])
    # the whole value goes, its invisibles included; the ones around it stay
    assert red.text == f"{char}{before}{placeholder}{after}{char}"


def test_redact_jsonl_keeps_a_lone_surrogate_instead_of_crashing(redactor: Redactor) -> None:
    """`{"text": "\\ud800 ..."}` is valid JSON (json.loads accepts it) but no UTF-8
    stream can hold the bare surrogate: written back as the same escape."""
    line = '{"text": "x\\ud800 call 1-619-582-5697 \\udfff", "n": "\\udc00"}\n'
    result = CliRunner().invoke(app, ["redact", "--jsonl"], input=line)
    assert result.exit_code == 0, result.output
    out = result.stdout_bytes.decode("utf-8")
    assert json.loads(out) == {"text": "x\ud800 call <PHONE_NUMBER_1> \udfff", "n": "\udc00"}


# Combining marks that compose with nothing ("zalgo"): after NFC they stayed in the view
# and cut the value in two, so a phone or SSN leaked whole and the first part of an
# e-mail or a surname stayed in the text.
ZALGO = [
    ("call 415-555-01\u0334\u033534 now", "call <PHONE_NUMBER_1> now"),
    ("call 4\u20e315-555-0134 now", "call <PHONE_NUMBER_1> now"),
    ("my SSN is 536-9\u03340-4399\u0335 ok", "my SSN is <US_SSN_1> ok"),
    ("mail jo\u0334hn.smith@exa\u1ab5mple.com now", "mail <EMAIL_ADDRESS_1> now"),
    ("Please ask Anne Ly\u0334nch to call back.", "Please ask <PERSON_1> to call back."),
]


@pytest.mark.parametrize(("text", "redacted"), ZALGO)
def test_stray_combining_marks_inside_a_value_do_not_hide_it(
    redactor: Redactor, text: str, redacted: str
) -> None:
    [red] = redactor.redact_many([text])
    assert red.text == redacted
    # and one value written with and without the marks is one placeholder
    [twice] = redactor.redact_many([f"{text} / {text.replace(chr(0x334), '')}"])
    assert twice.text == f"{redacted} / {redacted}"


def _math_italic(value: str) -> str:
    """Mathematical italic letters as a keyboard app writes them: the italic h is
    U+210E PLANCK CONSTANT, the math block leaves a hole where it would be."""
    return "".join(
        "\u210e" if c == "h" else chr(0x1D44E + ord(c) - 97) if c.islower() else c for c in value
    )


def test_mathematical_letters_from_the_letterlike_block_are_folded_too(
    redactor: Redactor,
) -> None:
    """The math alphabets' holes are letterlike symbols (ℎ, ℯ, ℊ, ℴ; script ℬ ℰ ℱ ℋ ℐ ℒ ℳ ℛ;
    double-struck ℂ ℍ ℕ ℙ ℚ ℝ ℤ): left unfolded they cut a math-italic e-mail in two and
    the first part stayed in the text."""
    email = _math_italic("john.smith") + "@" + _math_italic("example") + ".com"
    [red] = redactor.redact_many([f"write to {email} today"])
    assert red.text == "write to <EMAIL_ADDRESS_1> today"
    [red] = redactor.redact_many(["mail \U0001d4bf\u2134\U0001d4bd\U0001d4c3@example.com now"])
    assert red.text == "mail <EMAIL_ADDRESS_1> now"  # script j, o (U+2134), h, n


# Word processors and phone keyboards turn "-" into an en dash or a non-breaking hyphen
# ("smart punctuation"): the value is the same, and it leaked whole.
DASHED = [
    ("my SSN is 536\u201390\u20134399 ok", "my SSN is <US_SSN_1> ok"),
    ("call 415\u2010555\u20110134 tonight", "call <PHONE_NUMBER_1> tonight"),
    ("call 1\u2212619\u2212582\u22125697 tonight", "call <PHONE_NUMBER_1> tonight"),
    ("call 1\u2012619\ufe63582\u20135697 tonight", "call <PHONE_NUMBER_1> tonight"),
]


@pytest.mark.parametrize(("text", "redacted"), DASHED)
def test_typographic_hyphens_and_dashes_inside_a_value_do_not_hide_it(
    redactor: Redactor, text: str, redacted: str
) -> None:
    [red] = redactor.redact_many([text])
    assert red.text == redacted


def test_chinese_dashes_are_not_folded(redactor: Redactor) -> None:
    """The em dash and horizontal bar are Chinese punctuation (——), kept for the zh
    recognizers like the other full-width punctuation."""
    assert analysis_view("我叫欧阳娜娜——你好\u2015").text == "我叫欧阳娜娜——你好\u2015"


def _view_cpu_per_char(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        view = analysis_view(text)
        view.span(0, len(view.text))
        best = min(best, time.process_time() - start)
    return best / len(text)


def test_a_long_run_of_combining_marks_costs_linear_time(redactor: Redactor) -> None:
    """NFC sorts a run of marks of different classes by insertion (CPython), quadratic
    in the run: one base with 16,000 marks took over a second and 100,000 took 18 s,
    enough for one message to stall the job. Runs longer than any text needs (UAX 15's
    stream-safe limit is 30) leave the view, so the cost is linear; the value next to
    one is still redacted whole."""
    small = "e" + "\u0301\u0334" * 1_000
    large = "e" + "\u0301\u0334" * 12_000
    assert _view_cpu_per_char(large) < 2.5 * _view_cpu_per_char(small)
    sorted_run = "e" + "\u0334" * 6_000 + "\u0301" * 6_000  # in order, NFC "Maybe"
    assert _view_cpu_per_char(sorted_run) < 2.5 * _view_cpu_per_char(small)
    [red] = redactor.redact_many([f"call 415-555-0134{large[1:]} now"])
    assert red.text == "call <PHONE_NUMBER_1> now"
