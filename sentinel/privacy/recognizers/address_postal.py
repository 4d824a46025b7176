"""Street lines of the layouts the other address modules do not take, by postal convention.

`address` (number + USPS suffix, postcodes), `address_street_first` (Rua / Calle / Via /
-straße + number) and `address_intl` / `address_world` cover the common layouts. Written
from the countries' postal conventions rather than from any corpus, these are the rest:
the abbreviated or local street words of Spanish, Portuguese, Catalan, Indonesian /
Malay, Thai, Vietnamese and Russian addresses (C. de Alcalá 45, R. das Laranjeiras 112,
Calzada de Tlalpan 1234, Jl. Sudirman No. 45, Soi Sukhumvit 11, 123 Đường Lê Lợi, ул.
Тверская 7) with a house number that may read "No. 45", "10/12" or "123-45"; Colombia's
grid (Carrera 7 # 71-21); a German street without a suffix that a postcode closes (Am
Markt 3, 28195 Bremen); Korea's lot address (서교동 123-45번지); Pakistan's House No. +
Street N; and the "City, STATE postcode" tail of a US, Canadian or Australian line (ON M5V
2T6, NSW 2000, TX 78765) right after a street or a PO box. A street word without its number
is a place name and stays.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

_LOCAL_WORDS = (
    r"C\.|Calzada|Camino|Ronda|Rambla|Travesía|Passeig|Avinguda|Diagonal|Transversal"
    r"|R\.|Avda\.|Jl\.|Jln\.|Jalan|Gang|Gg\.|Lorong|Soi|Thanon|Đường|Phố|Ngõ|Hẻm"
    r"|ул\.|улица|пр\.|проспект|пер\.|переулок|бульвар|ul\.|al\."
)
GATE = re.compile(
    rf"(?:{_LOCAL_WORDS})\s|(?i:carrera|cra\.|calle|cl\.)\s*\d|\b(?:Am|An der|Im|Auf der|Zum|Zur)\s"
    r"|번지|House No|Road No|Street No"
    r"|\d,?\s(?i:rue|avenue|boulevard|bd|place|chemin|all[ée]e|impasse|quai|cours)\s"
    r"|[a-zäöå](?:tie|katu|kuja|polku|gatan|vägen|gata|gade|vej|veien|gaten)\s\d|[路街道巷同]\d{1,5}号"
    r"|, (?:[A-Z]{2,3}) (?:\d{4}|[A-Z]\d[A-Z])|[구군]\s*[가-힣]{1,5}[동리가]\s*\d"
    r"|\s(?:náměstí|nám\.|ulice|třída|nábřeží|út|utca|u\.|tér|körút|krt\.)\s\d"
    r"|(?:Οδός|Οδ\.|Λεωφόρος|Λεωφ\.|רחוב|רח'|שדרות|شارع|طريق)\s",
)
_CAP = r"[A-ZÀ-ÖØ-ÞĀ-ŽĐА-ЯЁ][\w'’.-]*"
_PARTICLE = r"(?:da|de|do|dos|das|del|de la|dels|di|la|le|des|du)"
# A house number: "45", "No. 45", "n.º 7", "10/12", "123-45", "12A", a Thai soi's "11".
_NUMBER = (
    r",?\s*(?:(?:No|Nº|n\.?º|N°|№|Số|д\.)\.?\s*)?\d{1,5}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?"
    r"(?![\w.,/-]\d|\w)(?!\s*(?:km|mi|m(?!\.\s?\d)|min|h|hrs?|hours?|minutes?|days?|times|people|%|x|°)\b)"
)
# The flat after the house number, as Polish and Russian write it: "84/92 m. 17" (mieszkanie),
# "lok. 5" (lokal), "кв. 12" (квартира).
_FLAT = r"(?:,?\s(?:m\.|lok\.|кв\.)\s?\d{1,4}[A-Za-z]?(?!\w))?"
# Then the postcode and town: 4-5 digits (and a Portuguese -NNN), Poland's NN-NNN.
_POSTCODE = r"(?:\d{4,5}(?:-\d{3})?|\d{2}-\d{3})"
_AFTER = rf"(?:,\s*(?:{_POSTCODE}\s+)?{_CAP}(?:\s{_CAP}){{0,2}}(?:\s\d{{4,5}}(?!\d))?)?"
_LOCAL = (
    rf"(?<![\w])(?:\d{{1,5}}[A-Za-z]?(?:/\d{{1,3}})?\s+)?(?:{_LOCAL_WORDS})\s*"
    rf"(?:{_PARTICLE}\s)?(?:{_CAP}\s(?:{_PARTICLE}\s)?){{0,3}}{_CAP}{_NUMBER}{_FLAT}" + _AFTER
)
# "123 Đường Lê Lợi, Quận 1": the number comes first and the street's name has no number.
_VN = (
    r"(?<![\w])(?:(?:Số\s)?\d{1,5}[A-Za-z]?(?:/\d{1,3}){0,3}\s+(?:Đường|Phố|Ngõ|Hẻm|Thanon|Soi)"
    r"|(?:Ngõ|Ngách|Hẻm|Kiệt)\s\d{1,4}(?:/\d{1,4}){0,3}(?:\s(?:Đường|Phố))?)\s+"
    rf"(?:{_CAP}\s){{0,3}}{_CAP}(?:,\s*(?:Phường|Quận|Huyện|P\.|Q\.)\s*[\w]+(?:\s[\w]+)?){{0,2}}"
)
_CO = (
    r"(?<![\w])(?i:carrera|cra\.?|kr\.?|calle|cl\.?|diagonal|dg\.?|transversal|tv\.?|avenida|av\.?)"
    r"\s*\d{1,3}\s?[A-Z]?(?:\s?bis)?\s*(?:#|No\.?|N[º°])\s*\d{1,3}\s?[A-Z]?\s?-\s?\d{1,3}"
    rf"(?:,\s*{_CAP}(?:\s{_CAP})?)?"
)
_DE_NO_SUFFIX = (
    r"(?<![\w])(?:Am|An der|An den|Im|Auf der|Auf dem|Zum|Zur|In der|Unter den)\s"
    r"[A-ZÄÖÜ][a-zäöüß]+(?:\s[A-ZÄÖÜ][a-zäöüß]+)?\s\d{1,4}[a-z]?,\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß-]+"
)
_KO_LOT = (
    r"(?:[가-힣]{2,6}(?:특별시|광역시|시|도)\s*)?(?:[가-힣]{1,5}(?:구|군|시)\s*)?"
    r"[가-힣]{1,5}(?:동|리|가)\s*\d{1,5}(?:-\d{1,4})?\s*번지"
)
# Korea's district, neighbourhood and lot without 번지: "해운대구 우동 1234".
_KO_DONG = (
    r"[가-힣]{1,5}(?:구|군)\s*[가-힣]{1,5}(?:동|리|가)\s*\d{1,5}(?:-\d{1,4})?(?![\d-])"
    r"(?!\s*(?:번\s?출구|호선|분|시간|개|명|km))"
)
# The street word after the name, as Czech and Hungarian write it: "Andrássy út 60".
_CENTRAL = (
    rf"(?<![\w])(?:{_CAP}\s){{1,3}}(?:náměstí|nám\.|ulice|třída|nábřeží|út|utca|u\.|tér|körút|krt\.)"
    r"\s\d{1,4}(?:/\d{1,4})?[a-z]?(?!\w)"
    rf"(?:,\s*(?:\d{{3}}\s?\d{{2}}|\d{{4}})\s+{_CAP}(?:\s\d{{1,2}})?)?"
)
# Greek, Hebrew and Arabic street words before the name: "Οδός Ερμού 15", "רחוב הרצל 12".
_SCRIPTS = (
    r"(?<![\w])(?:Οδός|Οδ\.|Λεωφόρος|Λεωφ\.|רחוב|רח'|שדרות|شارع|طريق)\s"
    r"(?:[^\W\d_]+\s){0,3}[^\W\d_]+\s\d{1,4}(?!\w)"
)
_PK = (
    r"(?<![\w])House\s(?:No\.?\s?)?\d{1,5}[A-Z]?,\s*(?:Street|St\.?|Gali|Lane)\s\d{1,3}"
    r"(?:,\s*[A-Z]-?\d{1,2}(?:/\d)?)?(?:,\s*{_CAP})?"
).replace("{_CAP}", _CAP)
# South Asia's numbered roads: "Road No. 5, Gulshan-1, Dhaka 1212".
_ROAD_NO = (
    rf"(?<![\w])(?:Road|Street|Lane|Block|Sector)\sNo\.?\s?\d{{1,4}}[A-Z]?,\s*{_CAP}(?:-\d{{1,2}})?"
    rf"(?:,\s*{_CAP}(?:\s\d{{4}}(?!\d))?)?"
)
# A French line with the number first and no postcode: "5 Rue de la Paix, Paris".
_FR_NUMBER_FIRST = (
    r"(?<![\w.,])\d{1,4}(?:\s?(?:bis|ter))?,?\s(?i:rue|avenue|boulevard|bd|place|chemin|all[ée]e"
    rf"|impasse|quai|cours)\s(?:(?:de la|de|du|des|d'|l')\s?)?(?:{_CAP}\s){{0,3}}{_CAP}"
    rf"(?:,\s*{_CAP})?"
)
# Nordic one-word streets with a staircase and flat: "Mannerheimintie 5 A 12, 00100 Helsinki".
_NORDIC = (
    r"(?<![\w])[A-ZÄÖÅÆØ][a-zäöåæø]{3,}(?:tie|katu|kuja|polku|gatan|vägen|gata|gade|vej|veien|gaten)"
    r"\s\d{1,4}(?:\s?[A-Z](?:\s\d{1,3})?)?(?:,\s*\d{3}\s?\d{2}\s[A-ZÄÖÅ][\wäöå-]+)?"
)
# A Chinese street and its number without the district before it (我住在中关村大街27号):
# 路 / 街 + number + 号 is an address; the metro's 3号线 is not.
_ZH_NOT = r"到在址是住于寄送往我你他她的"
_ZH_ROAD = (
    rf"(?<=^|[^\u4e00-\u9fff]|[{_ZH_NOT}])(?:(?![{_ZH_NOT}])[\u4e00-\u9fff]){{2,8}}?"
    r"(?:路|街|大道|巷|胡同)(?:[一二三四五六七八九十\d]{1,3}段)?\d{1,5}号(?![线口门位])"
    r"(?:\d{1,4}(?:栋|幢|号楼))?(?:\d{1,2}单元)?(?:\d{1,3}楼)?(?:\d{1,5}室)?"
)
_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH"
    r"|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_PROVINCES = r"AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT"
_AU_STATES = r"NSW|VIC|QLD|WA|SA|TAS|ACT|NT"
# The tail of a line whose street or PO box came just before (another recognizer's span).
_TAIL = (
    r"(?<=(?:Box\s\d{1,6}|\b(?:St|Street|Ave|Avenue|Rd|Road|Way|Blvd|Lane|Ln|Dr|Drive|Ct|Court"
    r"|Pl|Place|Terrace|Crescent|Close|Pkwy|Hwy)\.?(?:,?\s(?:Apt|Unit|Suite|Ste|#)\.?\s?\w{1,5})?)"
    r",?\s)"
    r"(?:[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2},?\s)?"
    rf"(?:(?:{_STATES})\s\d{{5}}(?:-\d{{4}})?|(?:{_PROVINCES})\s[A-Z]\d[A-Z]\s?\d[A-Z]\d"
    rf"|(?:{_AU_STATES})\s\d{{4}})(?![\w-])"
)


def postal_address_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="LOCATION",
        name="PostalAddressRecognizer",
        supported_language=language,
        patterns=[
            Pattern("local_street_word", _LOCAL, 0.6),
            Pattern("vn_street", _VN, 0.6),
            Pattern("co_grid", _CO, 0.65),
            Pattern("de_no_suffix", _DE_NO_SUFFIX, 0.6),
            Pattern("ko_lot", _KO_LOT, 0.65),
            Pattern("pk_house", _PK, 0.6),
            Pattern("line_tail", _TAIL, 0.6),
            Pattern("road_no", _ROAD_NO, 0.6),
            Pattern("fr_number_first", _FR_NUMBER_FIRST, 0.6),
            Pattern("nordic_street", _NORDIC, 0.55),
            Pattern("zh_road", _ZH_ROAD, 0.65),
            Pattern("ko_dong", _KO_DONG, 0.6),
            Pattern("central_europe", _CENTRAL, 0.6),
            Pattern("greek_hebrew_arabic", _SCRIPTS, 0.6),
        ],
        global_regex_flags=regex.UNICODE,
    )
