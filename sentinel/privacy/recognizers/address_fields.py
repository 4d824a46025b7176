"""A street address by the field that holds it: a JSON key or a table column named address.

A value under "address" / "street" / "addr" / 地址 / 住址 (and the words of other
languages) is an address whatever its layout, including layouts no pattern knows ("Lot
7, Kampung Baru"). The key has to say street address: an ip_address, email_address or
mac_address field is something else, and so is a value that reads as an IP, an e-mail, a
URL or a hex number. It also needs a digit and two words, so "n/a" or "Berlin" stays.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.tables import column_cells

ENTITY = "LOCATION"
_KEYS = (
    r"(?:(?:home|street|mailing|shipping|billing|postal|delivery|residential|full)[ _-]?)?"
    r"(?:address|addr)(?:[ _-]?(?:line)?[ _-]?[12])?|street|anschrift|adresse|direcci[oó]n"
    r"|endere[cç]o|indirizzo|adres|alamat|địa\s?chỉ|地址|住址|收货地址|通讯地址|住所|주소"
)
GATE = re.compile(
    r"addr|street|anschrift|adresse|direcci|endere|indirizzo|adres|alamat|địa|地址|住址|住所|주소",
    re.IGNORECASE,
)
_HEADER = re.compile(_KEYS, re.IGNORECASE)
_JSON = re.compile(rf"[\"'](?i:{_KEYS})[\"']\s*:\s*[\"'](?P<value>[^\"'\n\\]{{6,120}})[\"']")
_NOT_ADDRESS = re.compile(
    r"\d{1,3}(?:\.\d{1,3}){3}|@|://|www\.|^(?:0x)?[0-9a-fA-F:.-]+$|^[\d\s.,:/-]+$"
)


def _is_address(value: str) -> bool:
    return (
        any(c.isdigit() for c in value)
        and (len(value.split()) >= 2 or any("\u4e00" <= c <= "\u9fff" for c in value))
        and not _NOT_ADDRESS.search(value)
    )


class AddressFieldRecognizer(RuleRecognizer):
    """Values of address fields and cells of address columns."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans = [m.span("value") for m in _JSON.finditer(text) if _is_address(m["value"])]
        spans += [(s, e) for s, e in column_cells(text, _HEADER) if _is_address(text[s:e])]
        return [RecognizerResult(ENTITY, s, e, 0.6) for s, e in sorted(set(spans))]
