"""Passport numbers in a travel roster: one per person, labelled by the list's header.

A tour operator, an airline's group desk, a hotel or a visa agent pastes the people of a
trip as a list under one header ("Passenger list:", "Group booking for the tour:",
"Rooming list", "旅客名单：", "Lista de pasajeros"), one person a line with the number a
border check asks of each traveller (the passport's, APIS and visa forms want nothing
else of that shape): "1. Dana Reyes X12345678", "2、王某 E12345678". The header says what
the column is; no line says "passport". So within the list items (numbered "1." "1)"
"1、" or bulleted "-" "*" "•") that follow such a header, each one's passport-shaped
number counts, unless another noun labels it there (passport_world's list: "seat",
"booking ref", "phone" ...). The list ends at the first line that is not an item.

The header words are the travel industry's names for a list of travellers in the
languages the other passport rules read: passenger(s) / traveller(s) / guests / manifest
/ rooming list / group booking / tour group / delegation / pilgrims, pasajeros / viajeros,
passagers / voyageurs, Passagiere / Reisende, passageiros, 旅客 / 乘客 / 游客 / 团员 /
出行人 / 名单, 乗客 / 旅行者 / 名簿, 탑승객 / 여행자 / 명단.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gate import WordGate
from sentinel.privacy.recognizers.passport_world import _NUMBER, OTHER_LABEL
from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.tables import LINE_BREAK

ENTITY = "PASSPORT"
_HEADER_WORDS = (
    "passenger",
    "traveller",
    "traveler",
    "guest list",
    "guests",
    "manifest",
    "rooming list",
    "group booking",
    "group travel",
    "tour group",
    "tour members",
    "tour participants",
    "delegation",
    "delegates",
    "pilgrims",
    "pasajeros",
    "viajeros",
    "passagers",
    "voyageurs",
    "passagiere",
    "reisende",
    "reiseteilnehmer",
    "passageiros",
    "viajantes",
    "旅客",
    "乘客",
    "游客",
    "团员",
    "出行人",
    "名单",
    "乗客",
    "旅行者",
    "名簿",
    "탑승객",
    "여행자",
    "명단",
)
GATE = WordGate(_HEADER_WORDS)
_HEADER = re.compile("|".join(re.escape(w) for w in _HEADER_WORDS), re.IGNORECASE)
# A list item's marker: a number with its dot, bracket or 、, or a bullet.
_ITEM = re.compile(r"[^\S\n]*(?:\d{1,3}[.)、:：]|[-*•·])[^\S\n]*(?=\S)")
_IN_ITEM = re.compile(rf"(?<![\w-]){_NUMBER}(?![\w-])")
# A header names the list; a long line with a header word is a sentence about one.
_HEADER_LINE = 120


class PassportRosterRecognizer(RuleRecognizer):
    """Passport-shaped numbers in the items of a list a traveller-list header names."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities or not LINE_BREAK.search(text):
            return []
        cuts = [(m.start(), m.end()) for m in LINE_BREAK.finditer(text)]
        starts = [0, *(end for _, end in cuts)]
        ends = [*(start for start, _ in cuts), len(text)]
        spans = []
        in_list = False
        for start, end in zip(starts, ends, strict=True):
            item = _ITEM.match(text, start, end)
            if item is None:
                in_list = end - start <= _HEADER_LINE and bool(_HEADER.search(text, start, end))
                continue
            if not in_list:
                continue
            spans += [
                m.span()
                for m in _IN_ITEM.finditer(text, item.end(), end)
                if not OTHER_LABEL.search(text, max(item.end(), m.start() - 24), m.start())
            ]
        return [RecognizerResult(ENTITY, s, e, 0.6) for s, e in spans]
