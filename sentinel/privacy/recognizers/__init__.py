"""Sentinel's Presidio recognizer registry for English and Chinese, and its gates.

Every recognizer is a plain Presidio recognizer added to a RecognizerRegistry, once per
language code. Each recognizer also carries a *gate*: a cheap regex that must match for
its type to be possible at all (no "@", no e-mail). The analyzer asks Presidio only for
the types whose gate matched, so a typical chat message runs two or three recognizers
instead of all of them. The gates are read off the registry (`gates`), never listed a
second time, and a recognizer without one is refused when the registry is built, so no
entity type can be registered and then silently never asked for (issue 16). The NER's
recognizer is the one exception: its gate is the NER having found something.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from presidio_analyzer import EntityRecognizer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from sentinel.privacy.recognizers import (
    address,
    address_fields,
    address_intl,
    address_postal,
    address_street_first,
    address_world,
    birth_date,
    birth_fields,
    birth_window,
    cn_phone,
    cn_plate,
    cn_resident_id,
    credit_card,
    email,
    en_lone_names,
    en_person,
    en_person_cues,
    en_person_slots,
    im_account,
    im_context,
    im_fields,
    im_window,
    intl_mixed_names,
    intl_romanized_names,
    network,
    passport,
    passport_roster,
    passport_window,
    passport_world,
    person_roles,
    phone,
    phone_regions,
    secrets,
    url_credentials,
    url_secret_path,
    us_ssn,
    zh_address_street,
    zh_person,
    zh_person_clauses,
    zh_person_cues,
    zh_person_fields,
    zh_person_pinyin,
    zh_person_places,
)
from sentinel.privacy.recognizers.deny_list import ANY_TEXT, deny_list_recognizers
from sentinel.privacy.recognizers.gate import WordGate

LANGUAGES = ("en", "zh")
NER_RECOGNIZER = "SpacyRecognizer"
_HAN = re.compile(r"[\u4e00-\u9fff]")

Gate = re.Pattern[str] | WordGate
Gates = dict[str, tuple[Gate, ...]]


class MissingGateError(ValueError):
    """A recognizer was registered without a gate, so its types would never be asked for."""


def gated(recognizer: EntityRecognizer, gate: Gate) -> EntityRecognizer:
    """`recognizer` with the cheap regex that must match before it can find anything."""
    recognizer.gate = gate  # type: ignore[attr-defined]
    return recognizer


def _recognizers(language: str, ordinary_words: Collection[str]) -> list[EntityRecognizer]:
    people = _en_people(ordinary_words) if language == "en" else _zh_people()
    return _any_language(language, ordinary_words) + people


def _any_language(language: str, ordinary_words: Collection[str]) -> list[EntityRecognizer]:
    return [
        gated(email.OfflineEmailRecognizer(language), email.GATE),
        gated(phone.IntlPhoneRecognizer(language), phone.GATE),
        gated(phone_regions.RegionalPhoneRecognizer(language), phone_regions.GATE),
        gated(cn_phone.cn_phone_recognizer(language), cn_phone.GATE),
        gated(cn_resident_id.CnResidentIdRecognizer(language), cn_resident_id.GATE),
        gated(cn_resident_id.cn_resident_id_in_context(language), cn_resident_id.GATE),
        gated(credit_card.CardRecognizer(language), credit_card.GATE),
        gated(url_credentials.url_credentials_recognizer(language), url_credentials.GATE),
        gated(url_secret_path.url_secret_path_recognizer(language), url_secret_path.GATE),
        gated(address.AddressRecognizer(language, ordinary_words), address.GATE),
        gated(address_intl.intl_address_recognizer(language), address_intl.GATE),
        gated(address_world.world_address_recognizer(language), address_world.GATE),
        gated(address_postal.postal_address_recognizer(language), address_postal.GATE),
        gated(address_fields.AddressFieldRecognizer(language), address_fields.GATE),
        gated(address_street_first.street_first_recognizer(language), address_street_first.GATE),
        gated(zh_address_street.ZhStreetAddressRecognizer(language), zh_address_street.GATE),
        gated(us_ssn.SsnRecognizer(language), us_ssn.GATE),
        gated(passport.passport_recognizer(language), passport.GATE),
        gated(passport_window.PassportWindowRecognizer(language), passport_window.GATE),
        gated(passport_world.PassportWorldRecognizer(language), passport_world.GATE),
        gated(passport_roster.PassportRosterRecognizer(language), passport_roster.GATE),
        gated(birth_date.birth_date_recognizer(language), birth_date.GATE),
        gated(birth_window.BirthWindowRecognizer(language), birth_date.GATE),
        gated(birth_fields.birth_field_recognizer(language), birth_fields.GATE),
        gated(im_account.im_account_recognizer(language), im_account.GATE),
        gated(im_context.ImContextRecognizer(language), im_context.GATE),
        gated(im_window.ImWindowRecognizer(language), im_window.GATE),
        gated(im_fields.ImFieldRecognizer(language), im_fields.GATE),
        gated(cn_plate.cn_plate_recognizer(language), cn_plate.GATE),
        gated(network.ip_recognizer(language), network.IP_GATE),
        gated(network.iban_recognizer(language), network.IBAN_GATE),
        *(gated(r, secrets.GATE) for r in secrets.secret_recognizers(language)),
    ]


def _en_people(ordinary_words: Collection[str]) -> list[EntityRecognizer]:
    """English names: the NER, then rules that each may consult the ones before them."""
    language = "en"
    recs: list[EntityRecognizer] = [
        SpacyRecognizer(supported_language="en", supported_entities=["PERSON", "LOCATION"])
    ]
    names = en_person.EnPersonRecognizer(language, ordinary_words)
    recs.append(gated(names, en_person.GATE))
    roles = person_roles.RolePersonRecognizer(language, names)
    recs.append(gated(roles, person_roles.GATE))
    recs.append(gated(en_person_slots.SlotPersonRecognizer(language, roles), en_person_slots.GATE))
    recs.append(gated(en_lone_names.LoneNameRecognizer(language, roles), en_lone_names.GATE))
    cues = en_person_cues.StrongCuePersonRecognizer(language, roles)
    recs.append(gated(cues, en_person_cues.GATE))
    romanized = intl_romanized_names.RomanizedNameRecognizer(language, roles)
    recs.append(gated(romanized, intl_romanized_names.GATE))
    mixed = intl_mixed_names.MixedScriptNameRecognizer(language, roles)
    recs.append(gated(mixed, intl_mixed_names.GATE))
    return recs


def _zh_people() -> list[EntityRecognizer]:
    """Chinese names: jieba's reading first, then rules that consult it."""
    language = "zh"
    recs: list[EntityRecognizer] = []
    zh = zh_person.ZhPersonRecognizer(language)
    recs.append(gated(zh, _HAN))
    places = zh_person_places.ZhPersonPlaceRecognizer(language, zh)
    recs.append(gated(places, _HAN))
    recs.append(gated(zh_person_fields.ZhPersonFieldRecognizer(language, places), _HAN))
    cues = zh_person_cues.ZhPersonCueRecognizer(language, zh)
    recs.append(gated(cues, _HAN))
    recs.append(gated(zh_person_clauses.ZhPersonClauseRecognizer(language, cues), _HAN))
    recs.append(gated(zh_person_pinyin.ZhPinyinNameRecognizer(language), _HAN))
    return recs


def build_registry(
    deny_list: Mapping[str, Sequence[str]],
    ordinary_words: Collection[str] = (),
    deny_patterns: Mapping[str, Sequence[str]] | None = None,
) -> RecognizerRegistry:
    """The registry for both languages, deny-list terms and patterns included."""
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        denied = [
            gated(r, ANY_TEXT)
            for r in deny_list_recognizers(deny_list, language, deny_patterns or {})
        ]
        for recognizer in (*_recognizers(language, ordinary_words), *denied):
            registry.add_recognizer(recognizer)
    gates(registry)  # refuses a registry with an ungated recognizer now, not at run time
    return registry


def gates(registry: RecognizerRegistry, language: str | None = None) -> Gates:
    """Entity type -> the gates of the recognizers that find it (in `language`, or any)."""
    out: dict[str, list[Gate]] = {}
    for recognizer in registry.recognizers:
        if language is not None and recognizer.supported_language != language:
            continue
        if recognizer.name == NER_RECOGNIZER:
            continue
        gate = getattr(recognizer, "gate", None)
        if gate is None:
            raise MissingGateError(
                f"recognizer {recognizer.name} ({', '.join(recognizer.supported_entities)}) "
                "has no gate: register it with gated(recognizer, GATE)"
            )
        for entity in recognizer.supported_entities:
            entry = out.setdefault(entity, [])
            if gate not in entry:
                entry.append(gate)
    return {entity: tuple(gs) for entity, gs in out.items()}
