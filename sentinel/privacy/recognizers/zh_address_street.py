"""Chinese street addresses by the street's own grammar, with or without a city before it.

address.py's Chinese line starts at a province, city or district (…市…区…路…号); people
often write only the street and the door (寄到X路Y号Z栋), and the door's parts go on
past what it takes (X座, X号院Y号楼Z单元W, a bare room number). A Chinese street
address is, in this order:

* a street: a name, a street word (路 / 街 / 大街 / 道 / 大道 / 巷 / 弄 / 胡同 / 里 / 村 /
  线), optionally a section (东段, 南三段, 2段);
* a door: an optional lane (N巷, N弄), then N号 (N-M号, 之N, 号院);
* the building's parts, each optional: a block (N栋 / 幢 / 座 / 号楼 / 区, with a letter or
  甲乙丙丁), a unit (N单元), a floor (N层 / 楼 / F), a room (N室 / 户 / 房, or the
  bare number closing the line after a unit or block).

The street's name is the words before the street word up to the first that cannot be a
place's: jieba's verbs, prepositions, particles and pronouns, and the nouns that
introduce an address (地址, 住址, 位于); a province, city or district before it stays
part of the address. A street word that jieba knows as an everyday word (马路, 线路,
思路, 通道) is no street. Traditional forms (號, 樓, 棟) arrive folded to simplified.
"""

from __future__ import annotations

import logging

import jieba
import jieba.posseg
import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

GATE = regex.compile(r"[号號弄]")

_NUM = r"[一二三四五六七八九十\d]"
_STREET_WORD = r"大道|大街|胡同|路|街|道|巷|弄|里|村|线"
_STREET = (
    rf"(?P<name>[\u4e00-\u9fff\d]{{1,14}}?)(?P<word>{_STREET_WORD})"
    rf"(?:[东西南北中]?{_NUM}{{1,3}}段|[东西南北中]段)?"
)
_DOOR = r"(?:\d{1,4}巷)?(?:\d{1,4}弄)?\d{1,5}(?:-\d{1,4})?号(?:之\d{1,3})?院?"
_PART = (
    r"[A-Za-z\d甲乙丙丁]{1,4}(?:栋|幢|座|号楼|区)|[一二三四五六七八九十\d]{1,3}单元"
    r"|\d{1,3}(?:层|楼|F)(?:之\d{1,3})?|\d{1,5}(?:室|户|号房|房)"
)
# A room number without 室 closes the line after a unit, block or floor (4单元1906).
_BARE_ROOM = r"(?<=单元|栋|幢|座|号楼|层|楼)\d{2,5}(?![\d号])"
_ADDRESS = regex.compile(rf"{_STREET}{_DOOR}(?:{_PART})*(?:{_BARE_ROOM})?")
# jieba tags of the closed classes no place name holds: prepositions, conjunctions,
# particles, pronouns, interjections; verbs too (住, 位于, 寄到), except the word the
# street is named by (解放路, 建设路), and one-character adverbs (就, 也, 已).
_CLOSED_TAGS = frozenset({"p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv", "r", "y", "e", "o"})
_VERB_TAGS = frozenset({"v", "vd", "vi", "vq", "zg"})
# Nouns that introduce an address or say what is at it.
_STOP_WORDS = frozenset(
    (
        "地址", "住址", "家庭住址", "通讯地址", "收货地址", "现住址", "户籍地址", "房产", "房子",
        "公司", "单位", "门店", "附近", "旁边", "对面", "楼下", "楼上", "地点",
    )
)  # fmt: skip
# What may stand between the naming word and the street word: 解放东路, 长江中路, 南三
_DIRECTION = frozenset("东西南北中一二三四五六七八九十")
_WORD_FREQ = 100  # a street word jieba knows this well is an everyday word (马路, 线路)


class ZhStreetAddressRecognizer(EntityRecognizer):
    """LOCATION: a Chinese street and door. Registered in both languages: a mixed text
    (an English word in a Chinese message) asks the Chinese registry for names only."""

    def __init__(self, supported_language: str) -> None:
        self.freq: dict[str, int] = {}
        self.tags: dict[str, str] = {}
        super().__init__(
            supported_entities=["LOCATION"],
            name="ZhStreetAddressRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """jieba's dictionary, built once per process (zh_person builds the same one)."""
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        self.freq = jieba.dt.FREQ
        self.tags = jieba.posseg.dt.word_tag_tab

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "LOCATION" not in entities or not GATE.search(text):
            return []
        results = []
        for m in _ADDRESS.finditer(text):
            start = self._name_start(m["name"], m.start())
            if start is None:
                continue
            street = text[start : m.end("word")]
            if self.freq.get(street, 0) >= _WORD_FREQ and self.tags.get(street) != "ns":
                continue  # 马路, 线路, 通道: a road, not one with a name
            results.append(RecognizerResult("LOCATION", start, m.end(), 0.7))
        return results

    def _name_start(self, name: str, pos: int) -> int | None:
        """Where the street's name starts: after the last word no place name holds; the
        word nearest the street word names it whatever its class (解放 is a verb)."""
        end = pos + len(name)
        start = end
        named = False
        for word in reversed(list(jieba.cut(name))):
            if not named:
                start -= len(word)
                named = not all(c in _DIRECTION for c in word)
                continue
            kept = self._kept(word)
            start -= kept
            if kept < len(word):
                break
        return start if named or start < end else None

    def _kept(self, word: str) -> int:
        """How many of `word`'s last characters belong to a place's name: all, none, or
        (a word jieba made up, 请寄到) those after its last function character."""
        tag = self.tags.get(word)
        if tag is None and len(word) > 1:
            for i in range(len(word) - 1, -1, -1):
                if self._function_char(word[i]):
                    return len(word) - 1 - i
            return len(word)
        if len(word) == 1:
            return 0 if self._function_char(word) else 1
        stop = word in _STOP_WORDS or tag in _CLOSED_TAGS or tag in _VERB_TAGS
        return 0 if stop else len(word)

    def _function_char(self, char: str) -> bool:
        tag = self.tags.get(char)
        return tag in _CLOSED_TAGS or tag in _VERB_TAGS or tag == "d"
