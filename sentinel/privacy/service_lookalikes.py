"""Findings that name a service, a network or a thing rather than a person.

* A toll-free number (NANP 800 / 888 / 877 / 866 / 855 / 844 / 833, China's 400 / 800
  lines) is a company's hotline: it is dialled by everyone and reaches no one person,
  unless an extension follows it (ext 14: someone's desk).
* A private or loopback IP address is one side of a network, not a person's address,
  where the text shows that: a public address is in the same text (the attacker's or the
  user's; the private one is "our box"), the sentence asks about the address itself (is
  it reachable, routable, private?), an intranet word stands before it (内网, LAN,
  egress), or an internal host name (*.internal, *.local, *.lan, *.corp) shares
  its sentence. A private address alone after "the server" stays a finding.
* A secret-shaped value made only of letters and underscores with a placeholder word in
  it (whsec_example_value, sk_your_key_here) holds nothing secret.
* A birthday of an animal (my dog's birthday, 我家猫的生日) is no person's birth date.
* A place right after a time-zone region (Europe/Paris, Asia/Hong_Kong) is a zone name.
"""

from __future__ import annotations

import ipaddress

import regex
from presidio_analyzer import RecognizerResult

_TOLL_FREE = regex.compile(
    r"(?:\+?1[\s.-]?)?\(?8(?:00|88|77|66|55|44|33)\)?[\s.-]?\d{3}[\s.-]?\d{4}"
    r"|(?:400|800)[\s-]?\d{3}[\s-]?\d{4}"
)
# An extension makes a company's number one person's desk line.
_EXTENSION = regex.compile(r"[\s,]*(?:ext|extension|x)\.?\s*\d", regex.IGNORECASE)
_IPV4 = regex.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = regex.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}:?[0-9a-fA-F]{0,4}(?![\w:])")
_SENTENCE_END = regex.compile(r"[.!?。！？\n](?:\s|$)|[。！？\n]")
_ABOUT_ADDRESS = regex.compile(
    r"\b(?:reachable|routable|private|public|internal|rfc\s*1918|subnet|range)\b"
    r"|私有|私网|内网|公网|可达|能不能访问",
    regex.IGNORECASE,
)
_INTRANET_BEFORE = regex.compile(
    r"(?:内网|局域网|\b(?:lan|egress|intranet)\b)[^.!?。！？\n]{0,24}$",
    regex.IGNORECASE,
)
_INTERNAL_HOST = regex.compile(
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|lan|corp|intranet|home\.arpa)\b",
    regex.IGNORECASE,
)
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
_ZONE_BEFORE = regex.compile(
    r"\b(?:Europe|Asia|America|Africa|Australia|Pacific|Atlantic|Indian|Antarctica)/"
    r"(?:[A-Za-z_]+/)?$"
)


def service_lookalike(text: str, result: RecognizerResult) -> bool:
    """Whether `result` found in `text` is a hotline, a network's own address, a
    placeholder secret, an animal's birthday or a time zone."""
    kind, start, end = result.entity_type, result.start, result.end
    value = text[start:end]
    if kind == "PHONE_NUMBER":
        return bool(_TOLL_FREE.fullmatch(value.strip())) and not _EXTENSION.match(text, end)
    if kind == "IP_ADDRESS":
        return _network_side(text, start, end)
    if kind == "API_KEY":
        return bool(_ONLY_WORDS.fullmatch(value) and _PLACEHOLDER.search(value))
    if kind == "DATE_OF_BIRTH":
        return bool(_ANIMAL_BIRTHDAY.search(text, _at(text, start), start))
    if kind == "LOCATION":
        return bool(_ZONE_BEFORE.search(text, max(0, start - 30), start))
    return False


def _at(text: str, start: int) -> int:
    """Where the sentence holding `start` begins."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    return begin


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end], its closing mark included."""
    m = _SENTENCE_END.search(text, end)
    return text[_at(text, start) : m.end() if m else len(text)]


def _network_side(text: str, start: int, end: int) -> bool:
    try:
        address = ipaddress.ip_address(text[start:end])
    except ValueError:
        return False
    if not (address.is_private or address.is_loopback or address.is_link_local):
        return False
    for m in (*_IPV4.finditer(text), *_IPV6.finditer(text)):
        try:
            other = ipaddress.ip_address(m.group())
        except ValueError:
            continue
        if other.is_global:
            return True
    sentence = _sentence(text, start, end)
    if _ABOUT_ADDRESS.search(sentence) and ("?" in sentence or "？" in sentence):
        return True
    if _INTRANET_BEFORE.search(text, max(0, start - 40), start):
        return True
    return bool(_INTERNAL_HOST.search(sentence))
