"""Service numbers: the toll-free, shared-cost and national-rate ranges of the numbering
plans, which regulators assign to organisations' lines, never to a subscriber's phone.

The ranges, from each country's national numbering plan (as published by its regulator
and summarised in ITU-T E.164 national plan notifications), written as the national
significant number after the country code (`intl`) and as dialled at home (`home`):

* NANP (+1): 800 / 888 / 877 / 866 / 855 / 844 / 833 (toll-free, FCC); Mexico 800;
* UK (+44, Ofcom): 0800 / 0808 freephone, 03x (030 / 033 / 034 / 037) national rate,
  0843-0845 and 0870-0873 service numbers, 0500 (written at home, the non-freephone
  ones only in a British text: Germany's area codes share those prefixes);
* DE 0800 / 0180x, FR 080x, NL 0800 / 090x / 088, BE 0800 / 078, CH 0800 / 084x,
  AT 0800 / 0810 / 0820, IT 800 / 803 / 199 / 847 / 848, ES 800 / 900 / 901 / 902,
  PT 800 / 808 / 707 / 708, PL 800 / 801, RU 8-800, IE 1800 / 1850 / 1890 / 0818;
* AU 1800 / 1300 / 13xx xx, NZ 0800 / 0508, CN 400 / 800, TW 0800 / 0809, HK 800,
  JP 0120 / 0800 / 0570, KR 080 and the 15xx / 16xx / 18xx representative numbers,
  IN 1800 / 1860, SG 1800, MY 1800 / 1300, ZA 0800 / 0860 / 0861, IL 1800 / 1700 / 1599,
  BR 0800 / 0300 / 0303, PH 1800; and the ITU's universal freephone +800.

Such a number is a company's or an agency's however it is labelled, unless an extension
follows it (ext 14: someone's desk) or the sentence gives it as a person's own line (my
cell, her number, 我的手机).
"""

from __future__ import annotations

import regex

_KR_REPRESENTATIVE = r"1(?:5(?:44|66|77|88|99)|6(?:00|44|61|66|70|88)|8(?:00|33|55|77|99))\d{4}"
# country code -> (national significant number after +cc, number as dialled at home).
# At home a number that opens with a trunk 0 is kept to the freephone 0800 / 0808 / 0120
# blocks: Germany's open plan gives area codes of every other 0-prefix (030 Berlin, 0345
# Halle, 0871 Landshut, 08031 Rosenheim), so 03 / 084 / 088 / 090 ... alone tell nothing.
_PLANS: dict[str, tuple[str, str]] = {
    "1": (r"8(?:00|88|77|66|55|44|33)\d{7}", r"1?8(?:00|88|77|66|55|44|33)\d{7}"),
    "44": (r"80[08]\d{6,7}|3[0347]\d{8}|84[345]\d{7}|87[0-3]\d{7}|500\d{6}", r"080[08]\d{6,7}"),
    "49": (r"800\d{7}|180[1-7]\d{5,7}", r"0(?:800\d{7}|180[1-7]\d{5,7})"),
    "33": (r"80[0-5]\d{6}", r"0800\d{6}"),
    "31": (r"800\d{4,7}|90[069]\d{4,7}|88\d{7}", r"0800\d{4,7}"),
    "32": (r"800\d{5}|78\d{6}", r"0800\d{5}"),
    "41": (r"800\d{6}|84[0248]\d{6}", r"0800\d{6}"),
    "43": (r"8[012]0\d{6}", r"0800\d{6}"),
    "39": (r"80[03]\d{3,6}|199\d{6}|84[78]\d{6}", r"80[03]\d{3,6}|199\d{6}|84[78]\d{6}"),
    "34": (r"[89]00\d{6}|90[12]\d{6}", r"[89]00\d{6}|90[12]\d{6}"),
    "351": (r"80[08]\d{6}|70[78]\d{6}", r"80[08]\d{6}|70[78]\d{6}"),
    "48": (r"80[01]\d{6}", r"0?80[01]\d{6}"),
    "7": (r"800\d{7}", r"8800\d{7}"),
    "353": (r"18[059]0\d{6}|818\d{6}", r"18[059]0\d{6}"),
    "61": (r"1[38]00\d{6}|13\d{4}", r"1[38]00\d{6}|13\d{4}"),
    "64": (r"(?:800|508)\d{6}", r"0800\d{6}"),
    "86": (r"[48]00\d{7}", r"[48]00\d{7}"),
    "886": (r"80[09]\d{6}", r"0800\d{6}"),
    "852": (r"800\d{6}", r"800\d{6}"),
    "81": (r"120\d{6}|800\d{7}|570\d{6}", r"0(?:120\d{6}|800\d{7})"),
    "82": (r"80\d{7}|" + _KR_REPRESENTATIVE, _KR_REPRESENTATIVE),
    "91": (r"1800\d{6,7}|1860\d{7}", r"1800\d{6,7}|1860\d{7}"),
    "65": (r"1800\d{7}", r"1800\d{7}"),
    "60": (r"1[38]00\d{6,7}", r"1[38]00\d{6,7}"),
    "27": (r"8(?:00|6[01])\d{6}", r"0800\d{6}"),
    "972": (r"1(?:800|700|599)\d{6}", r"1(?:800|700|599)\d{6}"),
    "55": (r"(?:800|30[03])\d{7}", r"0800\d{7}"),
    "52": (r"800\d{7}", r"(?:01)?800\d{7}"),
    "63": (r"1800\d{7,8}", r"1800\d{7,8}"),
    "800": (r"\d{8}", r"(?!)"),  # ITU universal international freephone
}
# The UK's national-rate and service ranges written at home count where the text is
# British (a pound sign, UK, +44, a .uk domain, a British agency).
_UK_HOME = regex.compile(r"0(?:3[0347]\d{8}|84[345]\d{7}|87[0-3]\d{7}|500\d{6})")
_UK_TEXT = regex.compile(
    r"£|\bGBP\b|\bUK\b|\bU\.K\.|\+44|\.(?:co|org|gov|ac|nhs)\.uk\b|\bNHS\b|\bHMRC\b|"
    r"\bDVLA\b|\bOfcom\b|\bBritish\b|\bEngland\b|\bScotland\b|\bWales\b|\bLondon\b"
)
_UK_REACH = 200
_INTL = {cc: regex.compile(intl) for cc, (intl, _) in _PLANS.items()}
_HOME = regex.compile("|".join(f"(?:{home})" for _, home in _PLANS.values()))
_SEPARATORS = regex.compile(r"[\s().\-/]+")
_INTL_PREFIX = regex.compile(r"^(?:\+|00)")
# An extension makes a company's number one person's desk line.
_EXTENSION = regex.compile(r"[\s,]*(?:ext|extension|x|分机|轉|转)\.?\s*\d", regex.IGNORECASE)
# The number given as a person's own line, in the words right before it: a possessive
# with a line's noun or a private one's adjective (my cell, her private ...), or a verb
# asking to reach me (call / reach / text me on ...).
_OWN_LINE = regex.compile(
    r"(?:\b(?:my|her|his|your|their)\s+(?:\w+\s+)?(?:cell|mobile|phone|number|line|whatsapp|"
    r"personal|private|own|direct|home)"
    r"|\b(?:call|reach|text|ring|phone|contact|sms|whatsapp)\s+me(?:\s+(?:on|at))?"
    r"|(?:我|你|您|他|她)的?(?:私人|个人|自己的?|私人的)?(?:手机|电话|号码|手机号))"
    r"(?:\s+(?:is|was))?\W{0,12}$",
    regex.IGNORECASE,
)
# ... or in the words right after it (0800 ... is my mobile).
_OWN_LINE_AFTER = regex.compile(
    r"\W{0,3}(?:(?:is|was)\s+)?(?:my|her|his|their)\s+(?:\w+\s+)?"
    r"(?:cell|mobile|phone|number|line|whatsapp)\b"
    r"|\s*[（(]?(?:是)?(?:我|他|她)的?(?:私人|个人)?(?:手机|电话|号码)",
    regex.IGNORECASE,
)


def service_number(value: str, british: bool = False) -> bool:
    """Whether the phone-shaped `value` is in a toll-free, shared-cost or national-rate
    range of its country's numbering plan (the UK's 03 / 084 / 087 ranges written at
    home only when `british`)."""
    value = value.strip()
    digits = _SEPARATORS.sub("", value)
    prefix = _INTL_PREFIX.match(digits)
    if prefix is None:
        return digits.isdigit() and bool(
            _HOME.fullmatch(digits) or (british and _UK_HOME.fullmatch(digits))
        )
    digits = digits[prefix.end() :]
    if not digits.isdigit():
        return False
    for size in (1, 2, 3):
        pattern = _INTL.get(digits[:size])
        rest = digits[size:]
        if rest.startswith("0") and digits[:size] not in ("39", "800"):
            rest = rest[1:]  # +44 (0)800 ...: the trunk 0 written in brackets
        if pattern is not None and pattern.fullmatch(rest):
            return True
    return False


def hotline(text: str, start: int, end: int) -> bool:
    """Whether the PHONE_NUMBER text[start:end] is an organisation's service line."""
    british = bool(_UK_TEXT.search(text, max(0, start - _UK_REACH), end + _UK_REACH))
    if not service_number(text[start:end], british) or _EXTENSION.match(text, end):
        return False
    return not (
        _OWN_LINE.search(text, max(0, start - 60), start) or _OWN_LINE_AFTER.match(text, end)
    )
