"""Sentinel's Presidio recognizer registry for English and Chinese, and its gates.

Every recognizer is a plain Presidio recognizer added to a RecognizerRegistry, once per
language code. Each entity type also has a *gate*: a cheap regex that must match for
the type to be possible at all (no "@", no e-mail). The analyzer asks Presidio only for
the types whose gate matched, so a typical chat message runs two or three recognizers
instead of all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from presidio_analyzer import EntityRecognizer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from sentinel.privacy.recognizers import (
    address,
    cn_phone,
    cn_resident_id,
    credit_card,
    email,
    network,
    phone,
    secrets,
    url_credentials,
    zh_person,
)
from sentinel.privacy.recognizers.deny_list import deny_list_recognizers

LANGUAGES = ("en", "zh")

# Entity type -> regexes of which at least one must match the text for the type to occur.
PATTERN_GATES: dict[str, tuple[re.Pattern[str], ...]] = {
    "EMAIL_ADDRESS": (email.GATE,),
    "PHONE_NUMBER": (phone.GATE, cn_phone.GATE),
    "CN_RESIDENT_ID": (cn_resident_id.GATE,),
    "CREDIT_CARD": (credit_card.GATE,),
    "IP_ADDRESS": (network.IP_GATE,),
    "IBAN_CODE": (network.IBAN_GATE,),
    "URL": (url_credentials.GATE,),
    "API_KEY": (secrets.GATE,),
    "JWT": (secrets.GATE,),
    "LOCATION": (address.GATE,),
}


def pattern_candidates(text: str) -> set[str]:
    """Entity types the pattern recognizers could find in `text`."""
    return {
        entity
        for entity, gates in PATTERN_GATES.items()
        if any(gate.search(text) for gate in gates)
    }


def _recognizers(language: str) -> list[EntityRecognizer]:
    recs: list[EntityRecognizer] = [
        email.OfflineEmailRecognizer(language),
        phone.IntlPhoneRecognizer(language),
        cn_phone.cn_phone_recognizer(language),
        cn_resident_id.CnResidentIdRecognizer(language),
        credit_card.CardRecognizer(language),
        url_credentials.url_credentials_recognizer(language),
        address.address_recognizer(language),
        *network.network_recognizers(language),
        *secrets.secret_recognizers(language),
    ]
    if language == "en":
        recs.append(
            SpacyRecognizer(supported_language="en", supported_entities=["PERSON", "LOCATION"])
        )
    else:
        recs.append(zh_person.ZhPersonRecognizer(language))
    return recs


def build_registry(deny_list: Mapping[str, Sequence[str]]) -> RecognizerRegistry:
    """The registry for both languages, deny-list terms included."""
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        for recognizer in (*_recognizers(language), *deny_list_recognizers(deny_list, language)):
            registry.add_recognizer(recognizer)
    return registry
