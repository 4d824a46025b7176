"""More hostile text (issue 19, outside testers): Cyrillic and Greek look-alike letters
inside Latin words, small and full-width commercial at in e-mail addresses, VT and FF
between words, and CR, CRLF or the Unicode line and paragraph separators where a text
has line breaks. Each is read by the analyzers as what it shows (sentinel.privacy.view)
and the whole original value is redacted; Russian and Greek text is read as written."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.privacy.confusable_table import CONFUSABLE_FROM, CONFUSABLE_TO
from sentinel.privacy.confusables import unconfused
from sentinel.privacy.redactor import Redactor
from sentinel.privacy.view import ADDRESS_MARKS, analysis_view, fold

# Look-alikes a tester typed (not the table under test): Cyrillic а е о р с х і ј ѕ,
# capitals А В Е К М Н О Р С Т Х, Greek ο α ν.
CYRILLIC = dict(zip("aeopcxijsABEKMHOPCTX", "аеорсхіјѕАВЕКМНОРСТХ", strict=True))
GREEK = {"o": "ο", "a": "α", "v": "ν"}

SAMPLES = [
    ("Please ask ", "Brandon Gaines", " to call back."),
    ("Dear ", "Kevin Ortiz", ", your order shipped."),
    ("write to ", "john.smith@example.com", " today"),
    ("邮箱", "maria.lopez@example.org", "，谢谢"),
    ("ship to ", "8908 5th Court, Springfield, IL 62745", " please"),
]
_PLACEHOLDER = re.compile(r"<([A-Z_]+)_\d+>")


def _disguised(value: str, letters: dict[str, str]) -> str:
    """Every second letter that has a look-alike swapped for it (each word keeps Latin
    letters: a word of look-alikes only is no longer a Latin word)."""
    out, swap = [], False
    for c in value:
        if c in letters:
            swap = not swap
            out.append(letters[c] if swap else c)
        else:
            out.append(c)
    return "".join(out)


def _clean_type(redactor: Redactor, before: str, value: str, after: str) -> str:
    out = redactor.redact(before + value + after).text
    m = _PLACEHOLDER.fullmatch(out[len(before) : len(out) - len(after)])
    assert out.startswith(before) and out.endswith(after) and m, out
    return m.group(1)


@pytest.mark.parametrize("letters", [CYRILLIC, GREEK], ids=["cyrillic", "greek"])
@pytest.mark.parametrize("sample", SAMPLES, ids=[s[1] for s in SAMPLES])
def test_a_value_with_look_alike_letters_is_redacted_whole(
    redactor: Redactor, sample: tuple[str, str, str], letters: dict[str, str]
) -> None:
    before, value, after = sample
    hostile = _disguised(value, letters)
    assert hostile != value  # every sample has a letter with a look-alike in both scripts
    entity_type = _clean_type(redactor, before, value, after)
    result = redactor.redact(before + hostile + after)
    assert result.text == f"{before}<{entity_type}_1>{after}"
    assert [(e.start, e.end) for e in result.entities] == [
        (len(before), len(before) + len(hostile))
    ]


def test_the_view_keeps_its_offsets_and_one_value_folds_to_one() -> None:
    text = "mail jоhn.smith@gmаil.com now"  # Cyrillic о and а
    view = analysis_view(text)
    assert view.text == "mail john.smith@gmail.com now"
    assert view.span(5, 25) == (5, 25)  # one for one
    assert fold("Вrаndоn") == fold("Brandon") == "Brandon"


@pytest.mark.parametrize(
    "text",
    [
        "Меня зовут Оксана, позвоните мне завтра.",  # every letter Cyrillic
        "Сор, рос и сосна",  # Russian words made only of look-alike letters
        "Ο Νίκος μένει στην Αθήνα.",  # Greek
        "Скачайте Googleпоиск сегодня",  # glued, with letters that look like no Latin one
        "Windows-программа и iPhone",
    ],
)
def test_russian_and_greek_text_is_read_as_written(text: str) -> None:
    assert analysis_view(text).text == text


def test_russian_text_keeps_its_words_and_loses_its_address(redactor: Redactor) -> None:
    text = "Меня зовут Оксана Петрова, мой e-mail oksana.petrova@example.ru"
    out = redactor.redact(text)
    assert "Меня зовут" in out.text and "oksana.petrova@example.ru" not in out.text


def test_the_table_is_unicodes_cyrillic_and_greek_letters_to_ascii() -> None:
    assert len(CONFUSABLE_FROM) == len(CONFUSABLE_TO) > 50  # not a hand-picked dozen
    for source, latin in zip(CONFUSABLE_FROM, CONFUSABLE_TO, strict=True):
        assert unicodedata.name(source).startswith(
            ("CYRILLIC ", "GREEK ", "ARMENIAN ", "CHEROKEE ", "LATIN LETTER SMALL CAPITAL ")
        ), source
        assert unicodedata.category(source) in {"Lu", "Ll"}
        assert latin.isascii() and latin.isalpha()
    table = dict(zip(CONFUSABLE_FROM, CONFUSABLE_TO, strict=True))
    for letters in (CYRILLIC, GREEK):
        assert all(table[look] == latin for latin, look in letters.items())
    assert table["І"] == table["Ι"] == "I"  # capitals read as I, not as the prototype l


def test_only_words_mixing_scripts_are_folded() -> None:
    assert unconfused("Вrandon рaid") == "Brandon paid"
    assert unconfused("Вор вор") == "Вор вор"  # no Latin letter in either word
    assert unconfused("café сafé") == "café café"  # accented Latin letters are Latin
    assert unconfused("邮箱jоhn@example.com") == "邮箱john@example.com"


@pytest.mark.parametrize("at", ["\ufe6b", "\uff20"], ids=["small", "full-width"])
def test_an_address_with_a_commercial_at_look_alike_is_redacted(
    redactor: Redactor, at: str
) -> None:
    text = f"mail me at jane.doe{at}example.com or jane.doe@example.com"
    out = redactor.redact(text)
    assert out.text == "mail me at <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_1>"


def test_the_address_marks_are_what_nfkc_writes_as_address_punctuation() -> None:
    marks = {c for c in re.findall(".", _expanded(ADDRESS_MARKS))}
    wanted = {
        chr(cp)
        for cp in range(0x80, 0x10000)
        if unicodedata.normalize("NFKC", chr(cp)) in {"+", ".", "@", "_"}
        and not 0xFF00 <= cp <= 0xFFEF  # full width: folded with the letters
    }
    assert marks == wanted
    assert analysis_view("a\ufe52b\u2024c\ufe62d").text == "a.b.c+d"


def _expanded(ranges: str) -> str:
    return "".join(
        "".join(map(chr, range(ord(m[0]), ord(m[2]) + 1))) if len(m) == 3 else m
        for m in re.findall(r".-.|.", ranges)
    )


@pytest.mark.parametrize("gap", ["\x0b", "\x0c"], ids=["vt", "ff"])
def test_vt_and_ff_between_words_are_spaces(redactor: Redactor, gap: str) -> None:
    assert analysis_view(f"Anne{gap}Lynch").text == "Anne Lynch"
    text = f"Please ask Maria{gap}Gonzalez about the refund."
    out = redactor.redact(text)
    assert out.text == "Please ask <PERSON_1> about the refund."
    assert [(e.start, e.end) for e in out.entities] == [(11, 25)]


MULTILINE = [
    "Ship to:\n8908 5th Court\nSpringfield, IL 62745\nThanks",
    "name,phone\nAnne Lynch,+1 619-582-5697\nKevin Ortiz,+1 415-555-0133\n",
    "客户资料\n姓名：王小明\n电话：13812345678\n地址：上海市浦东新区世纪大道100号",
    "Passport: E12345678\nDOB: 1988-04-12\nName: Kevin Ortiz",
]


@pytest.mark.parametrize("line_break", ["\r\n", "\r", "\u2028", "\u2029"])
@pytest.mark.parametrize("text", MULTILINE, ids=range(len(MULTILINE)))
def test_any_line_break_is_read_as_a_line_break(
    redactor: Redactor, text: str, line_break: str
) -> None:
    plain = redactor.redact(text).text
    assert "<" in plain  # the text has values to find
    pasted = redactor.redact(text.replace("\n", line_break)).text
    assert pasted == plain.replace("\n", line_break)


@given(st.text(st.sampled_from("abcoxyzABCÉé .@-7" + "аеорсхіВНΟαν" + "жлпфΣλ张"), max_size=60))
def test_folding_is_one_for_one_and_only_of_look_alikes(text: str) -> None:
    seen = unconfused(text)
    table = dict(zip(CONFUSABLE_FROM, CONFUSABLE_TO, strict=True))
    assert len(seen) == len(text)
    assert all(a == b or table.get(a) == b for a, b in zip(text, seen, strict=True))
    assert unconfused(seen) == seen
    words = re.findall(r"[^\W\d_]+", text)
    if not any(unicodedata.name(c).startswith("LATIN ") for w in words for c in w):
        assert seen == text  # no Latin letter anywhere: nothing is read as Latin
