"""Names in the places only a name goes: form fields, roles, sign-offs, initials, handles.

The name lists and the NER know names; users also write names no list holds (Thai,
Ethiopian, Nigerian, Polish ...), and then the place tells: the value of a name field
(`Surname: ...`, `"firstName": "..."`, `legal_name:`, vCard `FN:`, `name="..."`), the
words after a person's role ("our dispatcher X", "my lawyer X", "the courier X"), a
sign-off ("Regards,\\nX", "-- X | title"), initials before a surname ("J. K. X"), the
owner before "'s mom", a table's name column, and user names made of two listed names
(maya.levi, @oguz_demir). The words taken must look like a name (capitalized, or all
capitals in a field) and, outside an explicit field, be no English word (WordNet less
the name lists) and not on the allow list, so "the driver App", "Name: String",
"Regards, Support Team" and "@Override" stay.
"""

from __future__ import annotations

import re
from itertools import pairwise

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.en_person import EnPersonRecognizer
from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.recognizers.tables import column_cells

_CAP = r"\p{Lu}[\p{Ll}'’]*\p{Ll}(?:-\p{Lu}?\p{Ll}+)*"
_UPPER = r"\p{Lu}{2,}(?:-\p{Lu}{2,})?"
_INITIAL = r"\p{Lu}\."
# One to four name words; initials only before a word ("R. T. Mbeki-Osei") or last ("Chayanin P.").
_NAME = rf"(?:{_INITIAL}\s?)*{_CAP}(?:[ \t]+(?:{_CAP}|{_INITIAL}(?=\s|$))){{0,3}}"
_NAME_UPPER = rf"{_UPPER}(?:[ \t]+{_UPPER}){{0,3}}"

_FIELD = (
    r"full[\s_-]?name|legal[\s_-]?name|display[\s_-]?name|first[\s_-]?name|last[\s_-]?name|"
    r"given[\s_-]?names?|family[\s_-]?name|surname|name(?:\s+as\s+in\s+passport)?|"
    r"(?:account|card)[\s_-]?holder|holder|applicant|tenant|landlord|beneficiary|payee|"
    r"recipient|insured|testator|principal|guardian|witness|employee|patient|driver|student|"
    r"customer|client|contact|passenger|mieter|vermieter|fn"
)
# A field label, then its delimiter: "Surname: X", "name=X", "\"driver\": \"X\"", "FN:X".
_FIELD_VALUE = regex.compile(
    rf"(?:(?<=\\n)|(?<![\p{{L}}_]))(?i:{_FIELD})[\"']?\s*(?:[:=]|：)\s*[\"']?"
    rf"(?P<name>{_NAME_UPPER}(?![\p{{Ll}}])|{_NAME})"
)
# The name labels also work without a delimiter ("Surname ALEMAYEHU, Given names X").
_NAME_LABEL = regex.compile(
    r"(?<![\p{L}_])(?i:surname|given\s+names?|family\s+name|holder|name)\s+"
    rf"(?P<name>{_NAME_UPPER}(?![\p{{Ll}}])|{_NAME})"
)
_ROLE_WORDS = (
    "lawyer attorney solicitor dispatcher courier driver rider student pupil customer "
    "client tenant landlord colleague coworker neighbor neighbour husband wife partner "
    "boyfriend girlfriend fiance fiancee son daughter mom mum dad mother father brother "
    "sister cousin uncle aunt nephew niece grandma grandpa boss manager teacher tutor "
    "doctor nurse dentist pharmacist therapist recruiter host guest date match leader "
    "mentor officer clerk cashier mechanic plumber contractor realtor broker accountant "
    "teammate roommate flatmate intern employee applicant patient buyer seller caller "
    "sender recipient coach agent friend "
)
_ROLES = frozenset(_ROLE_WORDS.split())
# The same roles in Chinese, before a Latin-script name in mixed text.
_ZH_ROLE_WORDS = (
    "司机 客户 房东 租客 朋友 好友 同事 老板 经理 老师 学生 律师 医生 同学 室友 邻居 老公 老婆 "
    "男友 女友 我叫 名叫 叫做 联系人 收件人 卖家 买家 骑手 主播 群主 会长 甲方 乙方 "
    "收款人 付款人 驾驶人 车主 房客 租客 持有人 申请人 受益人 被保险人"
)
_ZH_ROLES = tuple(_ZH_ROLE_WORDS.split())
# A role word (a Latin word, or a Han run ending in a Chinese role), then a name; the
# role is looked up in a set, not tried as 80 case-insensitive alternatives everywhere.
_ANY_WORD = regex.compile(r"(?<![\p{L}])\p{L}+")
_AFTER_ROLE = regex.compile(rf",?\s+(?P<name>{_NAME})(?![\p{{L}}\d])")
_OWNER = regex.compile(
    rf"(?P<name>{_NAME})['’]s\s+(?i:mom|mum|dad|mother|father|son|daughter|wife|husband|"
    r"sister|brother|parents|family|boss|teacher)\b"
)
_INITIALS = regex.compile(
    rf"(?<![\p{{L}}.])(?P<name>(?:\p{{Lu}}\.\s?){{1,3}}{_CAP}(?:\s{_CAP})?)(?![\p{{L}}])"
)
_SIGN_OFF = regex.compile(
    r"(?:(?:^|(?<=\n|\\n|[.!?]\s))(?i:kind regards|best regards|warm regards|regards|best|"
    r"thanks|thank you|cheers|sincerely|yours truly|yours|love|br)\s*,?\s*(?:\n|\\n|\s)"
    r"|(?<![\w-])(?:--|—|–)\s*(?:\n|\\n)?\s*)"
    rf"(?P<name>{_NAME})(?=\s*(?:$|\n|\\n|\||,|\s+x\b|\s+(?:[-–—]|\p{{Han}})))",
)
_MENTION = regex.compile(
    rf"(?<![\w.@])@(?P<name>{_CAP})(?=\s+(?!(?:public|private|protected|static|final|class|"
    r"void|def|fun|val|var|override|abstract|async|export|interface)\b)\p{Ll})"
)
_HANDLE = regex.compile(
    r"(?<![\w./@:-]|://)@?(?P<name>(?P<a>[a-z]{2,})[._](?P<b>[a-z]{1,}))(?![\w@-]|\.[a-z])"
)
_CAP_WORD = regex.compile(rf"(?<![\p{{L}}\d@._-]){_CAP}(?![\p{{L}}\d@_]|\.[a-z])")
# "&" joins brands (Ben & Jerry's), not people in chat.
_JOINER = regex.compile(r",\s*|\s+(?:and|or)\s+|,\s+(?:and|or)\s+|、")
_JOINER_HINT = re.compile(r" and | or |, |、")
_POSSESSIVE = re.compile(r"['’]s$")
_CAP_BEFORE = regex.compile(r"\p{Lu}[\p{L}'’-]*\s$")
_CAP_AFTER = regex.compile(r"\s\p{Lu}")
_HANDLE_HINT = re.compile(r"[a-z][._][a-z]")
_NAME_COLUMN = re.compile(
    r"name|full[\s_]?name|姓名|名字|customer|client|driver|employee|student|contact",
    re.IGNORECASE,
)
_WORD = regex.compile(r"\p{L}[\p{L}'’-]*")

# The words of the field labels, as plain substrings (name covers full_name, surname ...).
_FIELD_LABELS = (
    "name holder applicant tenant landlord beneficiary payee recipient insured testator "
    "principal guardian witness employee patient driver student customer client contact "
    "passenger mieter fn"
)
_FIELD_WORDS = tuple(_FIELD_LABELS.split())
# Each place with its score and the substrings (lower-case) without which it cannot match.
_PLACES: tuple[tuple[regex.Pattern[str], float, tuple[str, ...]], ...] = (
    (_FIELD_VALUE, 0.75, _FIELD_WORDS),
    (_NAME_LABEL, 0.7, ("name", "holder")),
    (_OWNER, 0.65, ("'s", "’s")),
    (_INITIALS, 0.65, (". ",)),
    (
        _SIGN_OFF,
        0.65,
        ("regards", "best", "thank", "cheers", "sincerely", "yours", "love", "br", "--", "—", "–"),
    ),
    (_MENTION, 0.6, ("@",)),
)
GATE = re.compile(r"[A-Z]")


class RolePersonRecognizer(EntityRecognizer):
    """PERSON from the place a word stands in; the word lists come from `names`."""

    def __init__(self, supported_language: str, names: EnPersonRecognizer) -> None:
        self.names = names
        super().__init__(
            supported_entities=["PERSON"],
            name="RolePersonRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """The word lists belong to `names`, which loads them."""

    def _english(self, word: str) -> bool:
        """A WordNet or allow-listed word that is no listed given name (Bank, Crew and
        Monday are surnames, and still words here), or an unlisted word of three letters
        (App, Ops)."""
        key = fold(word)
        if key in self.names.ordinary:
            return True
        if key in self.names.given:
            return False
        return key in self.names.wordnet or (len(key) <= 3 and key not in self.names.surnames)

    def _plain(self, name: str) -> bool:
        """Every word is an English or allow-listed word, or an initial."""
        words = [w for w in _WORD.findall(name) if len(w) > 1]
        return not words or all(self._english(w) for w in words)

    def _listed(self, word: str) -> bool:
        key = fold(word)
        return key in self.names.given or key in self.names.surnames

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities or not GATE.search(text):
            return []
        low = text.lower()
        spans = [
            (*m.span("name"), score)
            for pattern, score, words in _PLACES
            if any(w in low for w in words)
            for m in pattern.finditer(text)
            if not self._plain(_strip_upper(m.group("name")))
        ]
        after_role = (
            _AFTER_ROLE.match(text, w.end()) for w in _ANY_WORD.finditer(text) if _role(w.group())
        )
        spans += [
            (*m.span("name"), 0.65)
            for m in after_role
            if m and not self._plain(_strip_upper(m.group("name")))
        ]
        spans += [
            (*m.span("name"), 0.6)
            for m in (_HANDLE.finditer(text) if _HANDLE_HINT.search(text) else ())
            if self._listed(m.group("a"))
            and (self._listed(m.group("b")) or len(m.group("b")) == 1)
            and not self._english(m.group("a"))
        ]
        spans += [
            (s, e, 0.6)
            for s, e in column_cells(text, _NAME_COLUMN)
            if regex.fullmatch(rf"{_NAME}|{_NAME_UPPER}", text[s:e]) and not self._plain(text[s:e])
        ]
        spans += self._coordinated(text)
        return [RecognizerResult("PERSON", s, e, score) for s, e, score in spans]

    def _coordinated(self, text: str) -> list[tuple[int, int, float]]:
        """Names joined by "and" / "or" / a comma to a listed given name or to a name the
        lists found ("Aleksandra or Bilal", "Rohit and Mei Chen"): both are people when
        neither is an English word (Jordan and Egypt, Kafka and Flink stay)."""
        if not _JOINER_HINT.search(text):
            return []
        found = [(s, e) for s, e, _ in self.names.spans(text)]
        words = [w for w in _CAP_WORD.finditer(text) if not self._english(w.group())]
        out: list[tuple[int, int, float]] = []
        for a, b in pairwise(words):
            if not _JOINER.fullmatch(text[a.end() : b.start()]) or any(
                _POSSESSIVE.search(w.group()) for w in (a, b)
            ):
                continue  # a possessive joined to a name is a brand's (Jack Daniel's or X)
            in_span = [any(s <= w.start() < e for s, e in found) for w in (a, b)]
            # a word inside a longer capitalized run is a product's ("AirPods Max")
            alone = [_alone(text, w) for w in (a, b)]
            if not all(al or sp for al, sp in zip(alone, in_span, strict=True)):
                continue
            anchored = in_span  # two lone given names may be characters (Abigail or Sebastian)
            if any(anchored):
                out += [(*w.span(), 0.6) for w in (a, b)]
        return out

    def _listed_given(self, word: str) -> bool:
        return fold(word) in self.names.given


def _alone(text: str, word: regex.Match[str]) -> bool:
    """No capitalized word right before or after: not part of a longer proper name."""
    return not _CAP_BEFORE.search(text, max(0, word.start() - 30), word.start()) and not (
        _CAP_AFTER.match(text, word.end())
    )


def _role(word: str) -> bool:
    low = word.lower()
    if low.endswith(_ZH_ROLES):  # 我朋友 Abebe, 客户 Siriporn, 房东 X
        return True
    return low in _ROLES or (low.endswith("s") and low[:-1] in _ROLES)


def _strip_upper(name: str) -> str:
    """ALEMAYEHU is judged as Alemayehu (English words are looked up lower-case)."""
    return name.title() if name.isupper() else name
