"""Findings that are look-alikes of PII, judged from the sentence around them.

Each recognizer sees its own shape; the sentence shows what the shape is used for:

* a known place alone (Texas, a city, a country: data/places.txt, from phonenumbers'
  geocoding data) is no street-level address: only a LOCATION with a house number or a
  postcode next to it, at the end of an address being given with a number ("lives at
  18 ..., <city>"), or touching one the address patterns found, identifies where
  someone lives; the NER also calls people places, so a place outside that list, or
  one that is a given name too (Sofia), stays redacted;
* four numbers inside a longer dotted run (an OID, 1.3.6.1.4.1) are no IP address; a
  private or loopback IP address that is the host of a URL (http://10.0.4.17:9200)
  names an internal service, and an address with a prefix length whose host bits are
  zero (192.168.0.0/16) is a network range, not anyone's address;
* a card-shaped number glued to letters (SF3082716649012) is part of an id, and one
  right after IMEI / MEID / ICCID / IMSI is a phone's or a SIM card's (IMEI ends in a
  Luhn digit too);
* an address@host right after `://` is the user part of a URL (a DSN), not a mailbox;
* a phone-shaped number that starts with a date (2025-06-01 10:22), follows an id's
  label (EIN, order no., 学号, 保单号; a mobile-shaped order number too, and one the
  sentence only says looks like a phone number) or continues a code of letters and
  digits (1Z 9W4 71E 03 9184 2265) is that date or id.

* a Chinese "name" paired by 和 / 与 / 还是 with another word in a clause that asks which
  one or how they differ (李子和桃子哪个甜, 柳树和杨树怎么区分) is one of two things
  compared: people are asked about with 谁, not 哪个.

Names in Latin script are judged by `name_lookalikes` and `word_lookalikes` (firms,
days, everyday-word titles, code argument values), Chinese ones by `zh_lookalikes`
(dictionary nouns, places, shops), and hotlines, a network's own addresses, placeholder
secrets, pets' birthdays and time zones by `service_lookalikes`. Deny lists are never
dropped, nor are checksummed ids; a birth date only when it is an animal's.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import regex
from presidio_analyzer import RecognizerResult

from sentinel.privacy import ip_lookalikes
from sentinel.privacy.fiction_lookalikes import FictionLookalikes
from sentinel.privacy.name_lookalikes import NUMBER_AFTER, NUMBER_BEFORE, NameLookalikes
from sentinel.privacy.org_lookalikes import OrgLookalikes
from sentinel.privacy.phrases import SpanIndex
from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.service_lookalikes import service_lookalike
from sentinel.privacy.thing_lookalikes import ThingLookalikes
from sentinel.privacy.word_lookalikes import WordLookalikes, firm_shaped
from sentinel.privacy.zh_lookalikes import ZhFindings, ZhLookalikes

_DIGIT = regex.compile(r"\d")
# An address being given, with a house number, earlier in the clause: the place ends it
# even where no address pattern matched ("lives at 18 ... , <city>").
_ADDRESS_BEFORE = regex.compile(
    r"(?:\b(?:lives?|living|resides?|residing|located|ship|shipping|deliver|delivery|send"
    r"|mail|post)\s+(?:it\s+)?(?:at|to)|\baddress(?:\s+is)?|\baddr|地址|住在|寄到|送到)"
    r"\W*[^.!?\n。！？]*\d[^.!?\n。！？]*$",
    regex.IGNORECASE,
)
_LETTER = regex.compile(r"[A-Za-z]")
_DATE_START = regex.compile(r"(?:19|20)\d\d[./-]\d\d?[./-]\d\d?\b")
# The label of an id that is not a phone number, right before it.
_ID_LABEL = regex.compile(
    r"(?:\b(?:ein|tin|tax\s+id|vat|order|orders|tracking|invoice|ticket|case|ref|reference|"
    r"account|acct|employee|member|student|customer|policy|claim|serial|booking|"
    r"confirmation|shipment|parcel|waybill|sku|isbn|folio|reservation|pnr|itinerary|voucher|"
    r"receipt|transaction|txn|rma|loyalty|imei|meid|iccid|imsi)\b"
    r"(?:\s*(?:no|number|num|id|#)\b)?"
    r"|学号|工号|订单号|订单|单号|运单号|运单|快递单号|编号|账号|会员号|发票号|工单|案号|合同号|案件|案件号|理赔|保单|保单号|流水号|交易号|物流单号)"
    r"\s*[.:：#=]?\s*$",
    regex.IGNORECASE,
)
# The number called a phone right after it ("... 415-555-0132 is my cell"): the label
# before it was the line's, not the number's.
_PHONE_AFTER = regex.compile(
    r"\W{0,3}(?:[\w'-]+\s+){0,4}?(?:phone|cell|mobile|whatsapp)\b|\W{0,3}\S{0,4}(?:手机|电话)",
    regex.IGNORECASE,
)
# Talk about the number's shape ("... looks like a phone number", 像手机号, 是手机号格式的吗):
# the sentence asks whether it is one, so it does not call it one.
_SHAPE_TALK = regex.compile(
    r"\W{0,3}\S{0,8}?(?:像(?:是|个)?(?:手机|电话)|(?:手机|电话)号?(?:码)?格式)"
    r"|\W{0,3}(?:[\w'-]+\s+){0,3}?(?:looks?|looking|shaped)\s+like\s+(?:a\s+)?phone",
    regex.IGNORECASE,
)
_DEVICE_ID_BEFORE = regex.compile(r"\b(?:imei|meid|iccid|imsi|esn)\b\W{0,3}$", regex.IGNORECASE)
_CODE_BEFORE = regex.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]+\s$"
)
_CLAUSE_END = regex.compile(r"[，。！？；,.!?;\n]")
_WHICH = regex.compile(
    r"哪个|哪一个|哪种|哪款|哪家|什么区别|啥区别|怎么区分|怎么区别|的区别|有什么不同"
)
_PAIRED = regex.compile(r"和|与|还是|或")
_NER = "SpacyRecognizer"
_NAME_RECOGNIZERS = frozenset({_NER, "EnPersonRecognizer"})
# The phone recognizers whose numbers an id's label claims (a mobile-shaped order number).
_ID_SHAPED_PHONES = frozenset(
    {"IntlPhoneRecognizer", "CnMobileRecognizer", "RegionalPhoneRecognizer"}
)
_ADDRESS_NEAR = 3  # characters between an NER place and an address pattern's finding


class Lookalikes:
    """The judge of one analyzer, holding the word lists its recognizers loaded."""

    def __init__(
        self, given: Collection[str], surnames: Collection[str], english: Collection[str]
    ) -> None:
        self.given = given
        self.names = NameLookalikes(given, surnames, english)
        self.words = WordLookalikes(given, surnames, self.names.english, self.names.places)
        self.zh = ZhLookalikes()
        self.fiction = FictionLookalikes(given, surnames, self.names.english)
        self.orgs = OrgLookalikes(given, surnames, self.names.english)
        self.things = ThingLookalikes(surnames)
        self._near: tuple[Sequence[RecognizerResult], SpanIndex] | None = None
        self._zh_found: tuple[Sequence[RecognizerResult], ZhFindings] | None = None

    def _thing_place(self, key: str) -> bool:
        """A single everyday word the NER called a place (Ideas?, Notion): no name."""
        return " " not in key and self.words.thing_word(key)

    def _address_spans(self, results: Sequence[RecognizerResult]) -> SpanIndex:
        """The address patterns' LOCATION findings, indexed once per analyzed text (the
        analyzer judges its findings in turn; a line of thousands of places once cost
        time quadratic in its length)."""
        if self._near is None or self._near[0] is not results:
            self._near = (results, SpanIndex(results, _address_pattern))
        return self._near[1]

    def _zh_findings(self, results: Sequence[RecognizerResult]) -> ZhFindings:
        """The findings the Chinese judge asks about, indexed once per analyzed text."""
        if self._zh_found is None or self._zh_found[0] is not results:
            self._zh_found = (results, ZhFindings(results))
        return self._zh_found[1]

    def _named_thing(
        self, text: str, result: RecognizerResult, results: Sequence[RecognizerResult]
    ) -> bool:
        """A firm, a fictional character, a pet, a natural feature or a colour."""
        start, end = result.start, result.end
        return (
            self.orgs.organisation(text, result)
            or self.fiction.character(text, result, results)
            or (result.entity_type == "PERSON" and self.fiction.pet(text, result))
            or self.things.feature(text, start, end)
            or self.things.colour(text, start, end)
        )

    def __call__(
        self, text: str, result: RecognizerResult, results: Sequence[RecognizerResult]
    ) -> bool:
        """Whether `result`, one of the `results` found in `text`, is a look-alike to
        keep in the text. May trim `result` in place (a weekday before a name)."""
        name = (result.recognition_metadata or {}).get("recognizer_name") or ""
        kind = result.entity_type
        if name.startswith("DenyList"):
            return False
        if service_lookalike(text, result):
            return True
        if (kind == "PERSON" or (kind == "LOCATION" and name == _NER)) and self._named_thing(
            text, result, results
        ):
            return True
        if kind == "LOCATION" and name == _NER and firm_shaped(text, result.start, result.end):
            return True
        if kind == "LOCATION" and name == _NER:
            # the NER calls people places too (Sofia, Imani): a given name stays a finding
            key = fold(text[result.start : result.end])
            return (
                (key in self.names.places or self._thing_place(key))
                and key not in self.given
                and _lone_place(text, result, self._address_spans(results))
            )
        if kind == "PERSON" and name == "RolePersonRecognizer":
            return self.words.identifier_value(text, result.start, result.end)
        if kind == "PERSON" and name in _NAME_RECOGNIZERS:
            value = text[result.start : result.end]
            near_address = (  # a postcode or an address next to it: part of one
                self._address_spans(results).overlaps(
                    result.start - _ADDRESS_NEAR, result.end + _ADDRESS_NEAR
                )
                or NUMBER_BEFORE.search(text, max(0, result.start - 20), result.start)
                or NUMBER_AFTER.match(text, result.end)
            )
            return (
                (not near_address and firm_shaped(text, result.start, result.end))
                or (not near_address and self.words.dictionary_word_inside(value))
                or self.words.identifier_value(text, result.start, result.end)
                or self.names.not_a_person(text, result, name)
            )
        if kind == "PERSON" and name == "ZhPersonRecognizer":
            return _compared_thing(text, result.start, result.end) or self.zh.not_a_person(
                text, result, self._zh_findings(results)
            )
        if kind == "IP_ADDRESS":
            return ip_lookalikes.kept(text, result.start, result.end)
        if kind == "CREDIT_CARD":  # glued to a code, or a phone's or SIM's id (IMEI: Luhn too)
            return _glued(text, result.start, result.end) or bool(
                _DEVICE_ID_BEFORE.search(text, max(0, result.start - 12), result.start)
            )
        if kind == "EMAIL_ADDRESS":
            return text.endswith("://", 0, result.start)
        if kind == "PHONE_NUMBER" and name in _ID_SHAPED_PHONES:
            return _id_number(text, result.start, result.end)
        return False


def _address_pattern(result: RecognizerResult) -> bool:
    name = (result.recognition_metadata or {}).get("recognizer_name")
    return result.entity_type == "LOCATION" and name != _NER


def _lone_place(text: str, result: RecognizerResult, near: SpanIndex) -> bool:
    if (
        _DIGIT.search(text, result.start, result.end)
        or NUMBER_BEFORE.search(text, max(0, result.start - 20), result.start)
        or NUMBER_AFTER.match(text, result.end)
        or _ADDRESS_BEFORE.search(text, max(0, result.start - 80), result.start)
    ):
        return False
    return not near.overlaps(result.start - _ADDRESS_NEAR, result.end + _ADDRESS_NEAR)


def _compared_thing(text: str, start: int, end: int) -> bool:
    before = _CLAUSE_END.split(text[max(0, start - 30) : start])[-1]
    after = _CLAUSE_END.split(text[end : end + 30])[0]
    if not _WHICH.search(before + after):
        return False
    return bool(_PAIRED.match(after) or _PAIRED.search(before[-2:]))


def _glued(text: str, start: int, end: int) -> bool:
    return bool(_LETTER.match(text, start - 1) if start else False) or bool(
        _LETTER.match(text, end)
    )


def _id_number(text: str, start: int, end: int) -> bool:
    if _DATE_START.match(text, start):
        return True
    before = text[max(0, start - 30) : start]
    if _PHONE_AFTER.match(text, end, end + 40) and not _SHAPE_TALK.match(text, end, end + 40):
        return False
    return bool(_ID_LABEL.search(before) or _CODE_BEFORE.search(before))
