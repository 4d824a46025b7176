"""Findings that name a service, a network or a thing rather than a person.

* A toll-free, shared-cost or national-rate number of a numbering plan (`hotlines`) is
  an organisation's line: it is dialled by everyone and reaches no one person, unless an
  extension follows it (ext 14: someone's desk) or it is given as someone's own line.
* A secret-shaped value made only of letters and underscores with a placeholder word in
  it (whsec_example_value, sk_your_key_here) holds nothing secret.
* A birthday of an animal (my dog's birthday, 我家猫的生日) is no person's birth date.
* A place or a name inside an IANA time-zone id (America/New_York, Asia/Taipei: every id
  of the tz database, as Python's zoneinfo lists it) is that zone's name.

IP addresses are judged by `ip_lookalikes`.
"""

from __future__ import annotations

import zoneinfo

import regex
from presidio_analyzer import RecognizerResult

from sentinel.privacy.hotlines import hotline

_PLACEHOLDER = regex.compile(
    r"(?i)(?:^|_)(?:test|placeholder|example|sample|dummy|fake|your|here|changeme|redacted|"
    r"xxx+|todo|replace|demo)(?:_|$)"
)
_ONLY_WORDS = regex.compile(r"[A-Za-z]+(?:_[A-Za-z]+)+")
_ANIMAL_BIRTHDAY = regex.compile(
    r"(?i:\b(?:dog|dogs|cat|cats|puppy|kitten|pet|pup|hamster|parrot|rabbit|bunny|horse|"
    r"goldfish|turtle)(?:['’]s)?\s+(?:\w+\s+){0,2}birthday\b)"
    r"|(?:狗|猫|宠物|狗狗|猫咪|小狗|小猫|兔子|仓鼠|鹦鹉)[^，。！？,.!?]{0,4}(?:的)?生日"
)
_SENTENCE_END = regex.compile(r"[.!?。！？\n](?:\s|$)|[。！？\n]")
# The token of a time-zone id around a finding: letters, _, - and + joined by slashes.
_ZONE_PART = regex.compile(r"[A-Za-z0-9_+-]*$")
_ZONE_REST = regex.compile(r"[A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")
_ZONE_TOKEN = regex.compile(r"(?<![A-Za-z0-9_+/-])[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)+")
_BEFORE_ZONE = frozenset(" \t([{\"'“‘,;:-")
_ZONES = frozenset(z.casefold() for z in zoneinfo.available_timezones())


def service_lookalike(text: str, result: RecognizerResult) -> bool:
    """Whether `result` found in `text` is a hotline, a network's own address, a
    placeholder secret, an animal's birthday or a time zone. A name or place that runs
    on into a time-zone id is cut before it, in place."""
    kind, start, end = result.entity_type, result.start, result.end
    value = text[start:end]
    if kind == "PHONE_NUMBER":
        return hotline(text, start, end)
    if kind == "API_KEY":
        return bool(_ONLY_WORDS.fullmatch(value) and _PLACEHOLDER.search(value))
    if kind == "DATE_OF_BIRTH":
        return bool(_ANIMAL_BIRTHDAY.search(text, _at(text, start), start))
    if kind in ("LOCATION", "PERSON"):
        if zone_name(text, start, end):
            return True
        result.end = _before_zone(text, start, end)  # the NER ran on into one
        return result.end <= start
    return False


def zone_name(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies inside an IANA time-zone id written in `text`."""
    begin = start
    while True:  # back over "Region/" parts: America/Argentina/Buenos_Aires
        part = _ZONE_PART.search(text, max(0, begin - 40), begin)
        begin = part.start() if part else begin
        if begin > 0 and text[begin - 1] == "/" and start - begin < 80:
            begin -= 1
            continue
        break
    token = _ZONE_REST.match(text, begin, min(len(text), end + 80))
    if token is None or token.end() < end or "/" not in token.group():
        return False
    return token.group().strip("/").casefold() in _ZONES


def _before_zone(text: str, start: int, end: int) -> int:
    """Where the finding text[start:end] ends once a time-zone id that starts inside it
    and runs past its end is cut off, with the space and bracket before the id
    ("Victoria Lopez (America/Chicago": the NER's name); `end` when none does."""
    for m in _ZONE_TOKEN.finditer(text, start, min(len(text), end + 80)):
        if m.start() >= end:
            break
        if m.start() > start and m.end() > end and m.group().casefold() in _ZONES:
            cut = m.start()
            while cut > start and text[cut - 1] in _BEFORE_ZONE:
                cut -= 1
            return cut
    return end


def _at(text: str, start: int) -> int:
    """Where the sentence holding `start` begins."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    return begin
