"""Chinese vehicle licence plates (GA 36): a province character, a city letter, then
five characters (six on new-energy plates), optionally with a middle dot.

The province character plus an upper-case city letter (I and O are never used) is
distinctive enough in chat text; case is significant, so "云ecs" stays.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
GATE = re.compile(rf"[{_PROVINCES}][A-HJ-NP-Z]")

_ALNUM = "[A-HJ-NP-Z0-9]"
_PLATE = (
    rf"(?<![A-Za-z0-9])[{_PROVINCES}][A-HJ-NP-Z][·・• ]?"
    rf"(?:[DF]{_ALNUM}\d{{4}}|\d{{5}}[DF]|{_ALNUM}{{4}}[A-HJ-NP-Z0-9挂学警港澳])"
    r"(?![A-Za-z0-9])"
)


def cn_plate_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="CN_LICENSE_PLATE",
        name="CnLicensePlateRecognizer",
        supported_language=language,
        patterns=[Pattern("cn_plate", _PLATE, 0.7)],
        global_regex_flags=0,
    )
