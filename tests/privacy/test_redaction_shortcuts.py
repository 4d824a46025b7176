"""The redaction path's shortcuts (issue 19, throughput) change no output.

Each shortcut skips work whose result is known in advance: the case-insensitive search
for repeated values when no value occurs outside its own finding, a gate's second
search on the same text, Presidio's registry scan for a request already answered. Each
test compares against the work done in full. (benchmarks/redaction_outputs.py compares
every output of the labelled corpora byte for byte.)
"""

from __future__ import annotations

import re
import sys

import pytest
from presidio_analyzer import RecognizerRegistry

from sentinel.privacy import entities
from sentinel.privacy.entities import Entity, every_occurrence
from sentinel.privacy.gating import CachedRegistry, OpenGates
from sentinel.privacy.recognizers import LANGUAGES, build_registry, gates


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Mr. Lynch called about the refund", [(4, 9)]),
        ("Mr. Lynch called. LYNCH said; tell lynch thanks", [(4, 9)]),
        ("Mr. Lynch called about the Lynchburg office", [(4, 9)]),
        ("Lynch,Lynch and lynch-lynch", [(0, 5)]),
        ("联系王伟，电话138 0013 8000，王伟说明天到", [(2, 4), (7, 20)]),
        ("帮我查一下John的订单，John Smith说没收到", [(5, 9)]),
        ("ａｂ lynch Ｌｙｎｃｈ lynch", [(3, 8)]),
        ("straße Strasse STRASSE", [(0, 6)]),
        ("ΟΔΟΣ οδος Οδός", [(0, 4)]),
        ("Kelvin: K kelvin k", [(8, 9)]),
    ],
)
def test_skipping_the_search_finds_what_the_search_finds(
    text: str, found: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    spans = [Entity("PERSON", s, e, 0.8) for s, e in found]
    quick = every_occurrence(text, spans)
    monkeypatch.setattr(entities, "_ASCII_OR_CASELESS", re.compile(r"(?!)"))
    assert quick == every_occurrence(text, spans)


def test_the_caseless_characters_have_no_case() -> None:
    """The shortcut holds only where IGNORECASE and str.lower() agree: ASCII, and
    characters that are their own upper and lower case."""
    shortcut = entities._ASCII_OR_CASELESS
    for code in range(0x80, sys.maxunicode + 1):
        c = chr(code)
        if shortcut.fullmatch(c):
            assert c.lower() == c == c.upper(), hex(code)


def test_a_gate_is_searched_once_per_text() -> None:
    searched: list[str] = []

    class CountingGate:
        def search(self, text: str) -> bool:
            searched.append(text)
            return "@" in text

    shared = CountingGate()
    by_entity = {"EMAIL_ADDRESS": (shared,), "URL": (re.compile("http"), shared)}
    is_open = OpenGates("mail bob@example.com")
    assert is_open.candidates(by_entity) == {"EMAIL_ADDRESS", "URL"}  # type: ignore[arg-type]
    assert is_open.candidates(by_entity) == {"EMAIL_ADDRESS", "URL"}  # type: ignore[arg-type]
    assert searched == ["mail bob@example.com"]
    assert OpenGates("no address").candidates(by_entity) == set()  # type: ignore[arg-type]


def test_open_gates_give_the_candidates_of_searching_every_gate() -> None:
    registry = build_registry({})
    text = "mail bob@example.com or call +1 415 555 0100, 我叫王伟"
    for language in LANGUAGES:
        by_entity = gates(registry, language)
        every = {e for e, gs in by_entity.items() if any(g.search(text) for g in gs)}
        assert OpenGates(text).candidates(by_entity) == every


def test_the_cached_registry_serves_what_presidio_serves() -> None:
    plain = build_registry({"PROJECT": ["Apollo"]})
    cached = CachedRegistry(plain)
    for language in LANGUAGES:
        for request in (["EMAIL_ADDRESS"], ["PERSON", "PROJECT"], ["ADDRESS", "PHONE_NUMBER"]):
            want = RecognizerRegistry.get_recognizers(plain, language, request)
            first = cached.get_recognizers(language, request)
            assert set(first) == set(want)
            first.clear()  # the caller's list is its own
            assert cached.get_recognizers(language, request) == list(want)
        every = cached.get_recognizers(language, all_fields=True)
        assert set(every) == {r for r in plain.recognizers if r.supported_language == language}


def test_han_runs_without_a_surname_start_need_no_segmenting() -> None:
    """ZhPersonRecognizer segments only the Han runs holding a character a finding can
    start at; segmenting every run finds the same."""
    from sentinel.privacy.recognizers.zh_person import ZhPersonRecognizer

    quick = ZhPersonRecognizer("zh")
    quick.load()
    full = ZhPersonRecognizer("zh")
    full.load()
    full.run_starts = frozenset(chr(c) for c in range(0x4E00, 0xA000))
    texts = [
        "请把发票寄给我，谢谢。明天下午开会，记得带上电脑",
        "联系人欧阳娜娜，电话稍后发你；高阳说他明天到",
        "今天天气不错。跟袁泉说一声，让唐国庆把方案发给司马建国",
        "这个问题已经解决了，后续再看",
    ]
    for text in texts:
        got = [(r.start, r.end, r.score) for r in quick.analyze(text, ["PERSON"])]
        assert got == [(r.start, r.end, r.score) for r in full.analyze(text, ["PERSON"])]
    runs = [run for text in texts for run in re.findall(r"[\u4e00-\u9fff]+", text)]
    assert any(quick.run_starts.isdisjoint(run) for run in runs)  # some are skipped


def test_the_one_pass_context_step_gives_presidios_results() -> None:
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerResult

    from sentinel.privacy.analyzer import NoContextEnhancer, _Engine

    recognizers = [
        PatternRecognizer("A", name="a", patterns=[Pattern("a", "a", 0.5)]),
        PatternRecognizer("B", name="b", patterns=[Pattern("b", "b", 0.5)]),
    ]
    key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
    owners = [recognizers[1].id, recognizers[0].id, "elsewhere", recognizers[1].id]
    raw = [
        RecognizerResult("A", i, i + 1, 0.5, recognition_metadata={key: owner})
        for i, owner in enumerate(owners)
    ]
    quick, full = _Engine.__new__(_Engine), AnalyzerEngine.__new__(AnalyzerEngine)  # no model
    quick.context_aware_enhancer = full.context_aware_enhancer = NoContextEnhancer()
    args = ("ab", raw, None, recognizers)
    assert quick._enhance_using_context(*args) == full._enhance_using_context(*args)  # type: ignore[arg-type]
    assert [r.start for r in quick._enhance_using_context(*args)] == [1, 0, 3]  # type: ignore[arg-type]


def test_folding_an_ascii_word_is_lower_casing_it() -> None:
    import unicodedata

    from sentinel.privacy.recognizers import gazetteer

    for word in ["Lynch", "O'Brien-Smith", "ABC def 123", "".join(map(chr, range(128)))]:
        full = unicodedata.normalize("NFKD", word.casefold().translate(gazetteer._UNDECOMPOSED))
        assert gazetteer.fold(word) == "".join(c for c in full if not unicodedata.combining(c))
    assert gazetteer.fold("García") == "garcia" and gazetteer.fold("Yılmaz") == "yilmaz"
