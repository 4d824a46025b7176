"""Street addresses written street word first, number last, as most of the world does.

"Rua Augusta 100", "Avenida da Liberdade 245", "Calle Mayor 12", "Via Roma 15", "ulica
Długa 5", and the one-word streets of German, Dutch and Nordic addresses
("Hauptstraße 5", "Kalverstraat 12", "Storgatan 4", "Nørrevej 7"). The US patterns want a
number first. Here a street word, one to four name words (with da / de / del / di ...
between) and a house number are an address, with the city before it ("Lisbon, Rua
Augusta 100") or a postcode and city after it taken along. Without the number a street
word is a place name like any other (Via Appia, Avenida Paulista), so it stays.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

_STREET_WORDS = (
    "Rua|Avenida|Av\\.|Calle|Carrer|Carretera|Paseo|Plaza|Via|Viale|Piazza|Corso|Largo|"
    "Praça|Travessa|Estrada|Alameda|Rue|Ulica|ul\\.|Aleja|al\\.|Strada|Calea|Bulevar"
)
_SUFFIXES = (
    "straße|strasse|str\\.|gasse|weg|allee|platz|damm|straat|gracht|laan|plein|kade|singel|"
    "gatan|gata|vej|veien|vägen|katu"
)
GATE = re.compile(rf"(?:{_STREET_WORDS})\s|\w(?:{_SUFFIXES})\s+\d", re.IGNORECASE)

_CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*"
_PARTICLE = r"(?:da|de|do|dos|das|del|della|dei|di|la|le|des|du|of|na|no)"
# A distance, a duration or a count after the number is no house number (Via Appia 2 km).
# So is a unit of length or a count of episodes (Avenida Paulista 1000 meters away).
_NOT_HOUSE = (
    r"(?!\s*(?:(?:km|mi|m|min|h|hrs?|hours?|minutes?|days?|times|people|%|x|°|meters?|metres?|"
    r"kilometers?|kilometres?|miles?|feet|foot|ft|yards?|steps|blocks|episodes?|seasons?|"
    r"chapters?|pages?|parts?)\b|米|公里))"
)
_NUMBER = r",?\s*(?:n[º°o]\.?\s*)?\d{1,4}[A-Za-z]?(?![\w/.,-]\d|\w)" + _NOT_HOUSE
_CITY_BEFORE = rf"(?:{_CAP}(?:\s{_CAP})?,\s*)?"
_AFTER = rf"(?:,\s*(?:\d{{4,5}}(?:-\d{{3}})?\s+)?{_CAP}(?:\s{_CAP})?(?=[\s,.;!?)]|$))?"
_WORD_FIRST = (
    rf"(?<![\w]){_CITY_BEFORE}(?:{_STREET_WORDS})(?:\s(?:{_PARTICLE}\s)?{_CAP}){{1,4}}{_NUMBER}"
    + _AFTER
)
_ONE_WORD = (
    rf"(?<![\w]){_CITY_BEFORE}[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]{{3,}}(?:{_SUFFIXES})\s+\d{{1,4}}[a-z]?(?![\w])"
    + _NOT_HOUSE
    + _AFTER
)


def street_first_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="LOCATION",
        name="StreetFirstAddressRecognizer",
        supported_language=language,
        patterns=[
            Pattern("street_word_first", _WORD_FIRST, 0.6),
            Pattern("one_word_street", _ONE_WORD, 0.55),
        ],
        global_regex_flags=0,
    )
