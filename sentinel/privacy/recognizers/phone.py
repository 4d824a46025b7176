"""International phone numbers: a phone-shaped regex, validated by phonenumbers.

Presidio's PhoneRecognizer runs phonenumbers' matcher over the whole text once per
region, which made it the costliest recognizer in the pipeline. Here a regex finds the
phone-shaped runs and the same library validates each one, so the metadata work
happens only where a number can be:

* with a leading + (or 00), the number is read whatever the region;
* national numbers are read as US (also written 1-619-..., with the country code and
  no +), GB, DE, FR, NL, ES and IT when they are grouped ("0612 345 678"); a bare run
  of digits counts only after a phone word (call, tel, 电话 ...), since order and
  ticket numbers are bare digit runs too;
* the North American shape ((619) 582-5697) counts as it is;
* dates (2024-05-01) and dotted versions never count.

Chinese mobiles have their own recognizer.
"""

from __future__ import annotations

import re

import phonenumbers
import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

GATE = re.compile(r"\+\d|\(\d{2,5}\)|(?<!\d)\d{2,5}[ .-]\d{2,4}[ .-]?\d{2,4}|\d{9}")

# A number may follow a line break pasted escaped ("\\n(415) 555-0134", the n is no
# word's letter) or an abbreviated phone word's dot ("tel.020 7946 0018", "Mob.07700 ...").
_SHAPED = (
    r"(?:(?<=\\n)|(?<=(?i:tel|ph|mob|fax|cell)\.)|(?<![A-Za-z0-9+.-]))"
    r"(?:(?:\+|00)\d{1,3}[ .-]?|1[ .-])?(?:\(0\)\s?)?(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,5}(?:[ .-]?\d{2,5}){1,4}(?![A-Za-z0-9]|[.-]\d)"
)
# The regions whose national numbers can start with that digit: a trunk 0 in GB, DE, FR,
# NL and IT; Spanish numbers start with 6-9, Italian mobiles with 3, US ones with 2-9.
# Each region tried is one phonenumbers parse, the costliest step here.
_BY_FIRST_DIGIT = {
    "0": ("GB", "DE", "FR", "NL", "IT"),
    "3": ("US", "IT"),
    **{d: ("US", "ES") for d in "6789"},
}
_DATE = re.compile(r"(?:19|20)\d\d[.-]\d\d?[.-]\d\d?|\d\d?[.-]\d\d?[.-](?:19|20)\d\d")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")  # the US SSN layout, never a phone layout
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # parses as a valid number surprisingly often
_VERSION = re.compile(r"\d+(?:\.\d+)*\.\d{1,3}")  # 1.26.2, not 886.220.3723
# North American shape: (619) 582-5697, 1-619-582-5697, +1 619 582 5697. The shape is
# the evidence, so an unassigned area code (a typo, a new one) still counts.
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\([2-9]\d\d\)\s?|[2-9]\d\d[ .-])[2-9]\d\d[ .-]\d{4}")
_PHONE_WORD = regex.compile(
    r"(?:phone|call|tel|mobile|cell|fax|reach|dial|whatsapp|text me|answers on|line is|"
    r"电话|手机|致电|打|联系|号码|telefon|téléphone|portable|móvil|cellulare)\W{0,3}\S{0,12}\W{0,3}$",
    regex.IGNORECASE,
)


def _valid(number: str, regions: tuple[str, ...], possible: bool = False) -> bool:
    """Valid (or, with `possible`, of a possible length) as a number of one region."""
    check = phonenumbers.is_possible_number if possible else phonenumbers.is_valid_number
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if check(parsed):
            return True
    return False


class IntlPhoneRecognizer(PatternRecognizer):
    """Phone numbers in international (+44 ...) or national formats of common regions."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="IntlPhoneRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("phone_shaped", _SHAPED, 0.4)],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        return [
            r
            for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if self._is_phone(text, r.start, r.end)
        ]

    def _is_phone(self, text: str, start: int, end: int) -> bool:
        number = text[start:end]
        if any(p.fullmatch(number) for p in (_IPV4, _DATE, _VERSION, _SSN_SHAPE)):
            return False
        if _NANP.fullmatch(number):
            return True
        grouped = not number.isdigit()
        if number.startswith(("+", "00")):  # "+" and grouping: a phone number in chat
            international = "+" + number.lstrip("+0") if number.startswith("00") else number
            return _valid(international, ("US",), possible=grouped)
        digits = sum(c.isdigit() for c in number)
        if not 7 <= digits <= 15:  # E.164 allows 15; card and id numbers are longer
            return False
        in_context = bool(_PHONE_WORD.search(text, max(0, start - 30), start))
        regions = _BY_FIRST_DIGIT.get(number.lstrip("(")[:1], ("US",))
        if not (grouped or in_context):
            regions = tuple(r for r in regions if r in ("US", "GB"))
        return _valid(number, regions, possible=grouped and in_context)
