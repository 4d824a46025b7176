"""Passport numbers a few words after the passport word: in brackets, in lists, OCR'd.

`passport` takes a number right after "passport" (with no. / number / 号码 between) or
after "is" a few words later. People also write "lost their passport (K20481937) in
Porto", "passports X41093822 and PA7718240", "护照号分别是 E71203948、E71203949", and OCR
spreads a form's letters out ("P a s s p o r t  N o"). Within the same sentence after the
word (plural, spaced out or not), a number of a passport's shape counts: one or two
letters and 7-8 digits, or 9 capitals and digits with at least two of each kind (German
C01X00T47). A sentence that ends stops the window, so a booking code in the next one
stays. A number that another noun labels ("the passport fee rose ..., code AB1234567")
is that noun's, not the passport's (passport_world's list of such nouns).
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.im_context import _window
from sentinel.privacy.recognizers.passport_world import OTHER_LABEL
from sentinel.privacy.recognizers.rules import RuleRecognizer

ENTITY = "PASSPORT"
# The word, also OCR'd with its letters spaced out.
GATE = re.compile(r"passport|p a s s p o r t|护照|護照|旅券|여권", re.IGNORECASE)
_WORD = re.compile(r"passports?|p a s s p o r t|护照|護照|旅券|여권", re.IGNORECASE)
_WINDOW = 60
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{1,2}\d{7,8}"
    r"|(?=(?:[A-Z]*\d){2})(?=\d*[A-Z]\d*[A-Z])[A-Z0-9]{9})(?![A-Za-z0-9])"
)


class PassportWindowRecognizer(RuleRecognizer):
    """Passport-shaped numbers in the sentence after the passport word."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans = []
        end = 0
        for w in _WORD.finditer(text):
            start = max(w.end(), end)  # windows that overlap are read once
            end = _window(text, w.end(), _WINDOW)
            spans += [
                m.span()
                for m in _NUMBER.finditer(text, start, end)
                if not OTHER_LABEL.search(text, max(start, m.start() - 24), m.start())
            ]
        return [RecognizerResult(ENTITY, s, e, 0.7) for s, e in sorted(set(spans))]
