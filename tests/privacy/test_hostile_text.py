"""Invisible, decomposed and look-alike characters inside a PII value (issue 19): each
obfuscation of each value type is redacted like the clean value, the whole original
value (its invisible characters included) is replaced, and every other character of the
text is kept byte for byte. Through the Redactor, `sentinel redact`, the anonymization
job and outbound redaction, which all analyze the same view (sentinel.privacy.view)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.models import Conversation
from sentinel.privacy.job import anonymize_conversations
from sentinel.privacy.outbound import mask_document
from sentinel.privacy.redactor import Redactor

# (text before, value, text after): the clean value is redacted exactly, by the test's
# own check below, so a failure here is about the obfuscation, not the recognizer.
SAMPLES = [
    ("Please ask ", "Anne Lynch", " to call back."),
    ("My name is ", "José García", "."),
    ("我叫", "欧阳娜娜", "，你好"),
    ("write to ", "john.smith@example.com", " today"),
    ("call ", "1-619-582-5697", " tonight"),
    ("我的手机是", "13812345678", "，谢谢"),
    ("card ", "4111 1111 1111 1111", " expires"),
    ("my SSN is ", "536-90-4399", " ok"),
    ("身份证 ", "11010519491231002X", " 已登记"),
    ("护照号 ", "E12345678", " 已登记"),
    ("server ", "8.8.4.4", " is down"),
    ("key ", "AKIAIOSFODNN7EXAMPLE", " leaked"),
    ("IBAN ", "DE89370400440532013000", " please"),
    ("加我微信 ", "chenxc_1988", " 吧"),
    ("车牌 ", "粤B12345", " 停在楼下"),
    ("DOB ", "03/14/1985", " on file"),
    (
        "token ",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        " here",
    ),
    ("reset via ", "https://x.example.com/reset?token=Ab12Cd34Ef56Gh78", " now"),
    ("ship to ", "8908 5th Court, Springfield, IL 62745", " please"),
    ("寄到", "上海市浦东新区世纪大道100号", "，谢谢"),
]


def _inside(char: str) -> Callable[[str], str]:
    """`char` after every second character of the value, never at its ends."""
    return lambda v: "".join(c + char if i % 2 and i < len(v) - 1 else c for i, c in enumerate(v))


def _full_width(value: str) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if c.isascii() and (c.isalnum() or c in "+-.@_") else c for c in value
    )


def _math_bold(value: str) -> str:
    def bold(c: str) -> str:
        if c.isascii() and c.isupper():
            return chr(0x1D400 + ord(c) - ord("A"))
        if c.isascii() and c.islower():
            return chr(0x1D41A + ord(c) - ord("a"))
        return chr(0x1D7CE + int(c)) if c.isascii() and c.isdigit() else c

    return "".join(map(bold, value))


def _digits(base: int) -> Callable[[str], str]:
    return lambda v: "".join(chr(base + int(c)) if c.isdigit() else c for c in v)


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "nfd": lambda v: unicodedata.normalize("NFD", v),
    "zero-width space": _inside("\u200b"),
    "zero-width non-joiner": _inside("\u200c"),
    "zero-width joiner": _inside("\u200d"),
    "word joiner": _inside("\u2060"),
    "byte-order mark": _inside("\ufeff"),
    "soft hyphen": _inside("\u00ad"),
    "nul": _inside("\x00"),
    "c0 control": _inside("\x1b"),
    "c1 control": _inside("\x9b"),
    "left-to-right mark": _inside("\u200e"),
    "right-to-left override": _inside("\u202e"),
    "first-strong isolate": _inside("\u2068"),
    "tag character": _inside("\U000e0041"),
    "full width": _full_width,
    "mathematical bold": _math_bold,
    "arabic-indic digits": _digits(0x0660),
    "devanagari digits": _digits(0x0966),
}

_PLACEHOLDER = re.compile(r"<([A-Z_]+)_\d+>")


def _clean_type(redactor: Redactor, before: str, value: str, after: str) -> str:
    out = redactor.redact(before + value + after).text
    m = _PLACEHOLDER.fullmatch(out[len(before) : len(out) - len(after)])
    assert out.startswith(before) and out.endswith(after) and m, out
    return m.group(1)


CASES = [
    pytest.param(sample, name, id=f"{name}-{sample[1]}")
    for sample in SAMPLES
    for name, obfuscate in OBFUSCATIONS.items()
    if obfuscate(sample[1]) != sample[1]
]


@pytest.mark.parametrize(("sample", "obfuscation"), CASES)
def test_an_obfuscated_value_is_redacted_and_the_rest_kept(
    redactor: Redactor, sample: tuple[str, str, str], obfuscation: str
) -> None:
    before, value, after = sample
    entity_type = _clean_type(redactor, before, value, after)
    hostile = OBFUSCATIONS[obfuscation](value)
    result = redactor.redact(before + hostile + after)
    assert result.text == f"{before}<{entity_type}_1>{after}"
    assert [(e.start, e.end) for e in result.entities] == [
        (len(before), len(before) + len(hostile))
    ]


def test_bidi_controls_around_a_value_stay_and_the_value_goes(redactor: Redactor) -> None:
    text = "ring \u202e1-619-582-5697\u202c or mail \u2067john.smith@example.com\u2069 now"
    assert redactor.redact(text).text == (
        "ring \u202e<PHONE_NUMBER_1>\u202c or mail \u2067<EMAIL_ADDRESS_1>\u2069 now"
    )


def test_values_at_the_start_and_end_of_the_text(redactor: Redactor) -> None:
    text = "j\u200bohn.smith@example.com and 1-619-\u00ad582-5697\u200b"
    assert redactor.redact(text).text == "<EMAIL_ADDRESS_1> and <PHONE_NUMBER_1>\u200b"


def test_invisible_only_texts_and_lone_surrogates_do_not_raise(redactor: Redactor) -> None:
    texts = ["\u200b\u200d\x00\ufeff", "", "\ud800", "call \udc00 1-619-582-5697 \ud83d"]
    out = redactor.redact_many(texts)
    assert [r.text for r in out[:3]] == texts[:3]
    assert out[3].text == "call \udc00 <PHONE_NUMBER_1> \ud83d"


def test_one_value_written_two_ways_has_one_placeholder(redactor: Redactor) -> None:
    text = "José García wrote; Jose\u0301 Garci\u0301a signed; Jo\u200bsé García paid"
    out = redactor.redact(text).text
    assert out == "<PERSON_1> wrote; <PERSON_1> signed; <PERSON_1> paid"


def test_a_repeated_value_with_other_invisibles_is_found_again(redactor: Redactor) -> None:
    out = redactor.redact("Mr. Lynch called. Ly\u200bnch said hi").text
    assert out == "Mr. <PERSON_1> called. <PERSON_1> said hi"


_INVISIBLE = st.sampled_from(
    list("\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\x1b\x9b\u200e\u202e\u2066\u034f")
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.integers(1, 40), _INVISIBLE), min_size=1, max_size=6),
)
def test_inserting_invisibles_into_a_value_never_unredacts_it(
    redactor: Redactor, sample: tuple[str, str, str], inserts: list[tuple[int, str]]
) -> None:
    before, value, after = sample
    hostile = value
    for pos, c in sorted(inserts, reverse=True):
        at = min(pos, len(value) - 1)  # strictly inside the value
        hostile = hostile[:at] + c + hostile[at:]
    result = redactor.redact(before + hostile + after)
    m = _PLACEHOLDER.fullmatch(result.text[len(before) : len(result.text) - len(after)])
    assert m and result.text.startswith(before) and result.text.endswith(after), result.text


HOSTILE_PROMPT = (
    "I'm Jose\u0301 Garci\u0301a, mail j\u200bohn.smith@exa\u00admple.com or 1-619-\x00582-5697"
)
HOSTILE_VALUES = (
    "Jose\u0301 Garci\u0301a",
    "j\u200bohn.smith@exa\u00admple.com",
    "1-619-\x00582-5697",
)
MASKED = "I'm <PERSON_1>, mail <EMAIL_ADDRESS_1> or <PHONE_NUMBER_1>"


def test_sentinel_redact_command(redactor: Redactor) -> None:
    lines = json.dumps({"msg": HOSTILE_PROMPT}) + "\n"
    result = CliRunner().invoke(app, ["redact", "--jsonl", "--field", "msg"], input=lines)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"msg": MASKED}


def test_anonymization_job(redactor: Redactor) -> None:
    conv = Conversation(
        request_id="r1",
        timestamp=datetime(2026, 3, 1, tzinfo=UTC),
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": HOSTILE_PROMPT}],
        completion="Thanks Jose\u0301 Garci\u0301a.",
    )
    [done] = anonymize_conversations([conv], redactor, datetime(2026, 3, 4, tzinfo=UTC))
    assert done.messages[0]["content"] == MASKED
    assert done.completion == "Thanks <PERSON_1>."


def test_outbound_redaction_masks_and_restores(redactor: Redactor) -> None:
    masked, mask = mask_document([{"role": "user", "content": HOSTILE_PROMPT}], redactor)
    assert masked[0]["content"] == MASKED
    assert mask.restore(MASKED) == HOSTILE_PROMPT  # the app gets its own bytes back
    assert all(v not in masked[0]["content"] for v in HOSTILE_VALUES)


def test_operator_terms_match_whichever_way_either_side_is_written() -> None:
    """Allow and deny terms are folded like the text: a term typed in NFD (macOS) or
    with an invisible character matches the value written plainly, and the reverse."""
    custom = Redactor(
        allow_list={"Anne Lyn\u200bch"},
        deny_list={"PROJECT": ["Proje\u0300t Cre\u0300me"]},
        n_process=1,
    )
    text = "the projèt crème, then proje\u0300t cr\u00ade\u0300me, with Anne Lynch"
    assert custom.redact(text).text == "the <PROJECT_1>, then <PROJECT_1>, with Anne Lynch"
