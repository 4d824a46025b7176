"""Street addresses of Hong Kong, Taiwan (in English), Poland, Korea, Japan and India.

Each shape is closed by what only an address has, so street words alone never count:
a Hong Kong line starts with its region (香港 / 九龍 / 新界) and ends with 號 and
optionally a building, floor and room; a Polish line starts with ul. / al. / os. / pl.
and ends with the NN-NNN postcode and the city; a Korean line has a -ro / -gil road
and a -gu district (or Hangul 로 / 길 with a number after 구); a Japanese line is a
block number chome-ban-go before a -ku / -shi ward (or 都道府県 ... 区市町村 ... 丁目 in
kanji, or after a 〒 postcode); a Taiwan line in English runs No. / Ln. / Sec. / Rd. /
Dist. to the city; an Indian line starts with a flat, house, plot or
block number and ends with a city and a six-digit PIN.
Text arrives folded to simplified characters (sentinel.privacy.script), so both
scripts are written into the Chinese and Japanese classes.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from sentinel.privacy.recognizers.gate import WordGate

GATE = WordGate(
    (
        "no.",
        "ulica",
        "aleja",
        "osiedle",
        "plac",
        "flat",
        "house",
        "h.no",
        "h. no",
        "plot",
        "block",
        "door",
        "villa",
        "-ro",
        "-gil",
        "-daero",
        "-ku",
        "-shi",
        "九龙",
        "九龍",
        "新界",
        "香港",
        "丁目",
        "〒",
    ),
    r"(?:^|\s)(?:ul|al|os|pl|Ul|Al|Os|Pl)\.|#\s?\d|[A-Z]-\d{2,4},|\d-\d{1,4},|[로길]\s*\d|"
    r"[区區市町村][^\n\d]{0,8}\d{1,2}-\d",
)

_HAN = r"[\u4e00-\u9fff]"
_HK = (
    rf"(?:香港|九[龙龍]|新界)(?:{_HAN}{{1,8}}?)(?:道|路|街|里|径|徑|坊)\d{{1,5}}(?:-\d{{1,5}})?[号號]"
    rf"(?:{_HAN}{{1,10}}?(?:大[厦廈]|中心|广场|廣場|花园|花園|苑|邨|[阁閣]|商[场場]|大[楼樓]))?"
    r"(?:\d{1,3}[楼樓])?(?:[A-Z\d]{1,5}室)?"
)
_CAP = r"[A-ZĄĆĘŁŃÓŚŹŻ][\wąćęłńóśźż.-]*"
_PL = (
    r"(?<![\w.])(?:ul\.|ulica|al\.|aleja|os\.|osiedle|pl\.|plac)\s*"
    rf"(?:{_CAP}\s+){{0,4}}?{_CAP}\s+\d{{1,4}}[A-Za-z]?(?:\s*/\s*\d{{1,4}}|\s+m\.\s*\d{{1,4}})?"
    rf",?\s+\d{{2}}-\d{{3}}\s+{_CAP}"
)
_KO_ROMAN = (
    r"(?<![\w-])(?:\d{1,5}(?:-\d{1,4})?,?\s+)?[A-Z][a-z]+(?:-[a-z]+)?-(?:ro|gil|daero)"
    r"(?:\s+\d{1,3}(?:beon)?-gil)?(?:\s+\d{1,5}(?:-\d{1,4})?)?,\s*"
    r"(?:[A-Z][a-z]+-dong,\s*)?[A-Z][a-z]+-(?:gu|gun|si)(?:,\s*[A-Z][a-z]+(?:-(?:si|do))?)?"
    r"(?:,?\s*\d{5}(?!\d))?"
)
_KO_HANGUL = (
    r"(?:[가-힣]{2,6}(?:특별시|광역시|시|도)\s*)?[가-힣]{1,5}(?:구|군|시)\s*"
    r"(?:[가-힣]{1,5}동\s*)?[가-힣0-9]{1,10}(?:로|길)\s*\d{1,5}(?:-\d{1,4})?"
)
_JP_ROMAN = (
    r"(?<![\w-])\d{1,2}-\d{1,2}(?:-\d{1,3})?,?\s+[A-Z][a-z]+(?:[- ][A-Z]?[a-z]+)?,\s*"
    r"[A-Z][a-z]+-(?:ku|shi|cho|machi|gun)(?:,\s*[A-Z][a-z]+(?:-(?:to|fu|ken))?)?"
    r"(?:,?\s*\d{3}-\d{4}(?!\d))?"
)
# A ward and prefecture closed by the postcode, without the block ("Minato-ku, Tokyo 106-0032").
_JP_WARD = (
    r"(?<![\w-])[A-Z][a-z]+-(?:ku|shi),\s*(?:[A-Z][a-z]+(?:-(?:to|fu|ken))?)\s*\d{3}-\d{4}(?!\d)"
)
_KANA = r"[\u4e00-\u9fff\u3040-\u30ff]"
_JP_KANJI = (
    r"(?:〒\s?\d{3}-\d{4}\s*)?"
    rf"(?:[东東]京都|北海道|(?:大阪|京都)府|{_HAN}{{2,3}}[县県縣])?{_KANA}{{1,5}}?[区區市町村]"
    rf"{_KANA}{{1,8}}?\d{{1,2}}(?:丁目|-)\d{{1,3}}(?:番地?|-)\d{{1,3}}[号號]?"
    r"|〒\s?\d{3}-\d{4}\s*" + _KANA + r"{2,20}\d{1,4}(?:-\d{1,4}){0,2}"
)
# Taiwan written in English: "3F., No. 7, Ln. 12, Sec. 2, Xinyi Rd., Da'an Dist., Taipei City".
_TW_ROMAN = (
    r"(?<![\w-])(?:\d{1,2}F\.?,?\s*(?:-\d{1,2},?\s*)?)?No\.\s?\d{1,4}(?:-\d{1,3})?,\s*"
    r"(?:(?:Aly|Alley|Ln|Lane)\.?\s*\d{1,4},\s*){0,2}(?:Sec\.?\s*\d,\s*)?"
    r"[A-Z][a-z']+(?:\s[A-Z][a-z']+){0,2}\s(?:Rd|Road|St|Street|Blvd|Ave)\.?,\s*"
    r"(?:[A-Z][a-z']+\s(?:Dist|District|Township|Vil)\.?,\s*)?[A-Z][a-z]+(?:\s(?:City|County))?"
    r"(?:,?\s*\d{3}(?:\d{2,3})?(?!\d))?"
)
_IN_START = (
    r"(?:(?:Flat|House|H\.|Plot|Door|Shop|Apt|Villa)\s*(?:No\.?|#)?\s*[:.]?\s*|#\s?|"
    r"Block\s+)[A-Z]?-?\d{0,5}[A-Z]?(?:[-/]\d{1,5}[A-Z]?)*"
    r"|[A-Z]-\d{2,4}(?=,)|\d{1,4}(?:-\d{1,4}){1,3}(?=,)"
)
_IN = (
    rf"(?<![\w-])(?<!(?i:ticket|order|issue|bug|case|pr|item)\s)(?:{_IN_START}),?\s+(?:[\w.'&/-]+(?:\s+[\w.'&/-]+){{0,4}},\s*){{0,6}}"
    r"[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s*[-–,]?\s*[1-9]\d{2}\s?\d{3}(?!\d)"
)


def intl_address_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="LOCATION",
        name="IntlAddressRecognizer",
        supported_language=language,
        patterns=[
            Pattern("hk_address", _HK, 0.7),
            Pattern("pl_street", _PL, 0.7),
            Pattern("ko_street", _KO_ROMAN, 0.7),
            Pattern("ko_hangul", _KO_HANGUL, 0.7),
            Pattern("jp_street", _JP_ROMAN, 0.7),
            Pattern("jp_ward", _JP_WARD, 0.7),
            Pattern("jp_kanji", _JP_KANJI, 0.7),
            Pattern("tw_street", _TW_ROMAN, 0.7),
            Pattern("in_street", _IN, 0.65),
        ],
        global_regex_flags=regex.UNICODE,
    )
