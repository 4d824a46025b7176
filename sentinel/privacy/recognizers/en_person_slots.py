"""Full names no list holds, from the slot they fill in a sentence.

Thai, Ethiopian, Nigerian, Basque or Tamil names (two or three capitalized words, none
an English word) are in no census list, and the small NER misses many of them. The
sentence around them says a person stands there:

* before: a preposition that takes a person in chat (for / under / with / from / by),
  "signed off as", a list after "panel:" or "seating:";
* after: what a person does (paid, said, replied, owes), ", and me", contact data (an
  e-mail or a phone number right after), a speaker's colon and quote (X Y: "...");
* a headline or a signature: X Y - Product Designer, X Y | Staff Engineer;
* a record: the first cell of a pasted CSV / table row (line start, then , | ; or tab);
* two such names joined by &;
* "Surname, Given" as a whole quoted value ("Okafor, Chidi"), one of them a listed name.

Every word must be capitalized, no English word (WordNet less the name lists), not on
the allow list, the whole no known place (Kuala Lumpur), not in a brand's shape
(brands: "the X", "X card") and not followed by a model or a size, so "for Kafka
Streams", "with Azure Functions" and "under Buenos Aires" stay.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.brands import brand_shaped
from sentinel.privacy.recognizers.gazetteer import fold, load
from sentinel.privacy.recognizers.person_roles import RolePersonRecognizer

GATE = re.compile(r"[A-Z][a-z\u00e0-\u00ff]+[ \t][A-Z]")

_CAP = r"\p{Lu}\p{Ll}+(?:['’]\p{Lu}?\p{Ll}+)?(?:-\p{Lu}?\p{Ll}+)?"
_PAIR = regex.compile(
    rf"(?:(?<=\\n)|(?<![\p{{L}}\d@._/-]))(?P<name>{_CAP}(?:[ \t]{_CAP}){{1,2}})"
    r"(?![\p{L}\d@_]|\.\p{L})"
)
_BEFORE = regex.compile(
    r"(?:(?<![\p{L}])(?i:for|under|with|from|by|signed\s+off\s+as|signed\s+as|named|called)"
    r"|(?i:panel|seating|attendees|guests|members|team|list)\s*:[^.\n]{0,40}?)"
    r"\s*[\"“]?\s*$"
)
_AFTER = regex.compile(
    r"\s+(?i:paid|pays|said|says|replied|wrote|writes|asked|asks|owes|texted|emailed|"
    r"signed|booked|called|sent|told)\b"
    r"|,?\s+and\s+(?:me|I)\b"
    r"|\s*(?:,\s*|\s+|\s*[(<]\s*)(?:[\w.+-]+@[\w-]+\.|\+?\d[\d ().-]{6,}\d)"
)
# A model, a size or a count right after is a product's ("for Veltro Maxipod XL 120"),
# a phone number's run of seven digits and more is no model ("Dana Reyes 415-555-0134").
_MODEL_NEXT = regex.compile(r"\s+(?:\d(?![\d ().-]{5,}\d(?![\d.]))|\p{Lu}{2,}(?![\p{Ll}]))")
_JOB_TITLE = regex.compile(
    r"\s+[-–—|]\s+(?:(?:Senior|Junior|Lead|Staff|Principal|Chief|Head|Associate)\s+)?"
    r"(?:\p{Lu}\p{Ll}+\s+)?(?:Designer|Engineer|Manager|Developer|Director|Consultant|"
    r"Analyst|Scientist|Partner|Founder|Recruiter|Researcher|Architect|Officer|Specialist|"
    r"Coordinator|Nurse|Teacher|Lawyer|Accountant|Student|Intern|CEO|CTO|CFO|COO|VP)\b"
)
_SPEAKER = regex.compile(r"\s*:\s*[\"“]")
_CLAUSE_START = regex.compile(r"(?:^|\n|\\n|[:.!?]\s)\s*$")
_ROW_START = regex.compile(r"(?:^|\n|\\n)\s*[\"']?$")
_ROW_NEXT = regex.compile(r"\s*[\"']?\s*[,|;\t]")
_AMP = regex.compile(rf"\s+&\s+{_CAP}[ \t]{_CAP}")
_AMP_BEFORE = regex.compile(rf"{_CAP}[ \t]{_CAP}\s+&\s+$")


# Above the NER's 0.85: Presidio drops a finding inside a higher-scored one before the
# look-alike judge runs, so an NER finding that runs past the name ("Role\\nImara Voss")
# and is then judged no person took the slot's name with it.
_SCORE = 0.86
_INVERTED = regex.compile(rf"(?<=[\"“'‘])(?P<a>{_CAP}),\s(?P<b>{_CAP})(?=[\"”'’])")


class SlotPersonRecognizer(EntityRecognizer):
    """PERSON: unlisted full names in a person's slot; word tests from `roles`."""

    def __init__(self, supported_language: str, roles: RolePersonRecognizer) -> None:
        self.roles = roles
        self.places: frozenset[str] = frozenset()
        super().__init__(
            supported_entities=["PERSON"],
            name="SlotPersonRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        self.places = load("places.txt")

    def _unlisted_name(self, name: str) -> bool:
        words = name.split()
        return fold(" ".join(words)) not in self.places and not any(
            self.roles._english(w) for w in words
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        spans = []
        for m in _PAIR.finditer(text):
            s, e = m.span("name")
            if (
                self._in_slot(text, s, e)
                and self._unlisted_name(m["name"])
                and not brand_shaped(text, s, e)
                and not _MODEL_NEXT.match(text, e)
            ):
                spans.append((s, e))
        spans += [m.span() for m in _INVERTED.finditer(text) if self._inverted(m)]
        return [RecognizerResult("PERSON", s, e, _SCORE) for s, e in spans]

    def _inverted(self, m: regex.Match[str]) -> bool:
        words = (m["a"], m["b"])
        return any(self.roles._listed(w) for w in words) and not any(
            self.roles._english(w) for w in words
        )

    @staticmethod
    def _in_slot(text: str, s: int, e: int) -> bool:
        before = max(0, s - 60)
        return bool(
            _BEFORE.search(text, before, s)
            or _AFTER.match(text, e)
            or (_SPEAKER.match(text, e) and _CLAUSE_START.search(text, before, s))
            or (_ROW_START.search(text, before, s) and _ROW_NEXT.match(text, e))
            or _AMP.match(text, e)
            or _JOB_TITLE.match(text, e)
            or _AMP_BEFORE.search(text, before, s)
        )
