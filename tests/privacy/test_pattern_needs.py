"""A recognizer skipped for lacking its need would have found nothing (issue 19, speed).

`literals` reads, off each pattern, literals of which every match holds one; the
registry skips a plain pattern recognizer on a text holding none of them. These tests
check the reading on invented patterns, and that every recognizer of the registry finds
the same with and without the skipping on invented texts that hold each need's literals
in every case and shape (benchmarks/redaction_outputs.py compares the labelled corpora).
"""

from __future__ import annotations

import re
import sys

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from sentinel.privacy.gating import _PREFILTERS, CachedRegistry, OpenGates, _search
from sentinel.privacy.literals import (
    _ASCII_CASE_MATES,
    _PLAIN_RUN,
    Need,
    Prefilter,
    pattern_literals,
    recognizer_need,
)
from sentinel.privacy.recognizers import build_registry


def test_a_sequence_needs_its_longest_literal_run() -> None:
    assert pattern_literals(r"\d{1,4}\s+Sokak\s+No") == {("Sokak", False)}


def test_an_alternation_needs_one_of_its_branches() -> None:
    assert pattern_literals(r"(?:Sokak|Caddesi)\s\d") == {("Sokak", False), ("Caddesi", False)}
    assert pattern_literals(r"(?:Caddesi|Cad\.)\s\d") == {("Cad", False)}  # a shared prefix


def test_a_branch_that_needs_nothing_makes_the_whole_need_nothing() -> None:
    assert pattern_literals(r"Plot\s\d|\d{5}") is None


def test_optional_parts_are_never_needed() -> None:
    assert pattern_literals(r"(?:Box)?\d{3}") is None
    assert pattern_literals(r"x*y?") is None
    assert pattern_literals(r"(?:Unit\s)+\d") == {("Unit", False)}


def test_case_follows_the_global_and_the_scoped_flags() -> None:
    assert pattern_literals(r"rue\s\d", regex.IGNORECASE) == {("rue", True)}
    assert pattern_literals(r"\d\s(?i:rue)\s") == {("rue", True)}
    assert pattern_literals(r"(?-i:No):\s\d", regex.IGNORECASE) == {("No", False)}


def test_a_small_character_class_is_an_alternation() -> None:
    assert pattern_literals(r"\d[栋幢]") == {("栋", False), ("幢", False)}
    assert pattern_literals(r"\d[^栋幢]") is None


def test_syntax_only_the_regex_module_reads_needs_nothing() -> None:
    assert pattern_literals(r"[[:alpha:]]\]x") is None  # re would read "]x" as needed
    assert pattern_literals(r"(?:Strasse){e<=1}") is None
    assert pattern_literals(r"\p{Han}+路") is None
    assert pattern_literals(r"Road", regex.FULLCASE | regex.IGNORECASE) is None


def test_the_need_searches_case_as_the_pattern_does() -> None:
    need = Need(frozenset({("Sokak", False), ("rue", True)}))
    assert need.search("Bağdat Sokak 12") and not need.search("bağdat sokak 12")
    assert need.search("12 RUE de Rivoli") and need.search("12 Rue de Rivoli")
    assert not need.search("12 Road")


def test_a_recognizer_with_its_own_analyze_has_no_need() -> None:
    class Custom(PatternRecognizer):
        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
            return super().analyze(text, entities, nlp_artifacts, regex_flags)

    plain = PatternRecognizer("LOCATION", patterns=[Pattern("p", r"Sokak\s\d", 0.5)])
    custom = Custom("LOCATION", patterns=[Pattern("p", r"Sokak\s\d", 0.5)])
    assert recognizer_need(plain) is not None
    assert recognizer_need(custom) is None


# Invented texts that hold every kind of literal the registry's needs are made of.
_TEXTS = [
    "Ship it to Atatürk Caddesi No: 12, Kadıköy 34710 Istanbul please",
    "Bağdat Cad. No 5 / 3, 34728 İstanbul",
    "Send the parcel to PO Box 4411, Springfield or Plot No. 7, Block C, Lekki",
    "my flat: Rua Augusta 100, Lisboa; office at Hauptstraße 5, 10115 Berlin",
    "He moved to 4410 Maple Ave, Unit 3, Columbus OH 43004 last May",
    "住在北京市朝阳区望京西园三区12号楼3单元502室，寄到上海市徐汇区漕溪北路88号",
    "Herzl St 12, Tel Aviv 6100000 is the branch; 8 rue de la Paix, 75002 Paris too",
    "mail me at ana.garcia@example.org or call 1-619-582-5697, card 4111 1111 1111 1111",
    "我的身份证号是110105199003077715，车牌京A12345，护照E12345678",
    "Storgatan 4, 111 23 Stockholm; Nørrevej 7, 2100 København Ø; CALLE MAYOR 12, Madrid",
]


def test_skipping_recognizers_that_lack_their_need_changes_no_finding() -> None:
    registry = CachedRegistry(build_registry({}))
    needs = {r.id: recognizer_need(r) for r in registry.recognizers}
    assert sum(n is not None for n in needs.values()) >= 4  # the skipping does apply
    for text in _TEXTS:
        for recognizer in registry.recognizers:
            if needs[recognizer.id] is None or recognizer.name == "SpacyRecognizer":
                continue
            if not recognizer.is_loaded:
                recognizer.load()
                recognizer.is_loaded = True
            found = recognizer.analyze(text, recognizer.supported_entities, None)
            if found:
                assert needs[recognizer.id].search(text), (recognizer.name, text)  # type: ignore[union-attr]


def test_the_registry_serves_a_text_the_recognizers_whose_need_it_holds() -> None:
    registry = CachedRegistry(build_registry({}))
    everything = registry.get_recognizers("en", ["LOCATION"])
    text = "Bağdat Cad. No 5, 34728 İstanbul"
    with registry.serving(OpenGates(text)):
        served = registry.get_recognizers("en", ["LOCATION"])
    skipped = {r.name for r in everything} - {r.name for r in served}
    assert "StreetFirstAddressRecognizer" in skipped  # no street word of its own here
    assert "WorldAddressRecognizer" not in skipped
    for recognizer in everything:
        need = recognizer_need(recognizer)
        assert (recognizer in served) == (need is None or need.search(text))
    assert registry.get_recognizers("en", ["LOCATION"]) == everything  # outside: all


def test_a_case_insensitive_gate_is_searched_only_where_its_literals_are() -> None:
    gate = re.compile(r"(?:Rua|Avenida|Calle|Strada|Straße)\s|\w(?:gasse|vägen)\s+\d", re.I)
    prefilter = Prefilter.of(gate)
    assert prefilter is not None
    texts = [
        "RUA Augusta 100",
        "calle mayor 12",
        "Hauptgasse 5",
        "Storvägen 4",
        "STRASSE 5",
        "Via Roma",
        "ſtrada nuova 3",  # long s: IGNORECASE matches it to s
        "Strada\u212a 3",
        "İstanbul Straße 5",
        "no street here, 地址未知",
        "",
    ]
    for text in texts:
        searched = bool(gate.search(text))
        assert searched <= prefilter.may_match(text), text  # never misses a match
        assert _search(gate, text) == searched, text
    assert _PREFILTERS[gate] is not None
    assert not prefilter.may_match("no street here, 地址未知")


def test_a_gate_that_would_not_pay_gets_no_prefilter() -> None:
    assert Prefilter.of(re.compile(r"Caddesi|Sokak")) is None  # case-sensitive: fast anyway
    assert Prefilter.of(re.compile(r"addr|địa", re.I)) is None  # "a": in most texts
    assert Prefilter.of(re.compile(r"\d{9}", re.I)) is None


def test_the_plain_run_characters_have_no_case() -> None:
    """A case-insensitive literal is reduced to a run of these; the reduction holds only
    where IGNORECASE and str.lower() agree on them."""
    for code in range(0x80, sys.maxunicode + 1):
        c = chr(code)
        if _PLAIN_RUN.fullmatch(c):
            assert c.lower() == c == c.upper(), hex(code)
    letter = re.compile(r"[a-z]", re.I)
    mates = {chr(c) for c in range(0x80, sys.maxunicode + 1) if letter.fullmatch(chr(c))}
    assert mates == _ASCII_CASE_MATES


def test_a_need_of_too_many_literals_is_no_need() -> None:
    many = "|".join(f"{chr(65 + i % 26)}{chr(97 + i // 26)}road" for i in range(100))
    recognizer = PatternRecognizer("LOCATION", patterns=[Pattern("p", rf"(?:{many})\s\d", 0.5)])
    assert recognizer_need(recognizer) is None  # the recognizer simply runs
