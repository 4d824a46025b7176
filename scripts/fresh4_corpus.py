"""Write benchmarks/pii_fresh4.txt: hand-written chat templates filled with invented values.

    python3 scripts/fresh4_corpus.py
    python3 scripts/pii_fresh2_check.py benchmarks/pii_fresh4.txt

Templates live in scripts/fresh4_templates.txt (one message a line, grouped by language).
A template is written in the corpus markup itself ([kind|value] decoys inline), with slots
<CODE> or <CODE:arg> for PII drawn from scripts/fresh4_values.py and ((a~b~c)) for wording
that varies between the copies of a template, so copies do not read as one line repeated.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fresh4_values import Values

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "pii_fresh4.txt"
TEMPLATES = Path(__file__).resolve().parent / "fresh4_templates.txt"
_SLOT = re.compile(r"<([A-Za-z]+)(?::([a-z0-9_.-]+))?>")
_ALT = re.compile(r"\(\(([^()]*)\)\)")
# Openings and closings for the second and third copies of a template, as users add them.
_OPEN = {
    "en": ["hey, ", "Hi! ", "quick one: ", "pls help: ", "Hello, ", "ok so ", "Need help. ", ""],
    "zh": ["你好，", "在吗？", "请问一下，", "麻烦帮个忙：", "急！", ""],
    "tw": ["請問一下，", "麻煩幫個忙：", "你好，", ""],
    "mix": ["hi，", "请帮忙：", "Hello，", "问一下，", ""],
}
_CLOSE = {
    "en": [" Thanks!", " thx", " Thank you.", " 🙏", " ASAP please.", ""],
    "zh": ["谢谢！", "多谢", "在线等。", "🙏", ""],
    "tw": ["謝謝！", "感恩", "唔該", ""],
    "mix": [" thanks!", " 谢谢", " 🙏", ""],
}
_TRAD = re.compile(
    "[們這個與說應該為發會臺灣裡對機號區買時請問麼體電話樓嗎單過後確認處現從點貨團護聯絡喺咗嘅唔]"
)
# Capitalised first words that stay capitalised after a lower-case opening.
_PROPER = set(
    [
        "I",
        "I'm",
        "Mr",
        "Dr",
        "Nginx",
        "Slack",
        "Excel",
        "Mailgun",
        "Skype",
        "Telegram",
        "Discord",
        "Docker",
    ]
)
TARGET = {"en": 315, "zh": 285, "mix": 100}

HEADER = "\n".join(
    [
        "# Fourth fresh held-out chat corpus for benchmarks/redaction_eval.py"
        " --corpus fresh4, one message a line.",
        "# {TYPE|value} marks a PII value of TYPE, [kind|value]"
        " a look-alike that must stay unchanged.",
        "# Written by an outside author who never read the"
        " recognizers (sentinel/privacy), their word",
        "# lists or tests, nor the other corpora beyond the"
        " header of pii_fresh3.txt, and never ran the",
        "# redactor on it. Domains new to the corpora: pharmacy"
        " and clinics, insurance claims, recruiting,",
        "# e-commerce returns, food delivery, school parents'"
        " groups, landlords, car rental and parking,",
        "# charity and events, crypto support, group chats,"
        " forum posts, CSV and OCR pastes, e-mails.",
        "# The whole file is held out (no dev half). Every value is invented; checksummed values",
        "# are valid (cards: Luhn, IBANs: mod 97, PRC ids:"
        " GB 11643, except a few typed wrongly right",
        "# after 身份证 or 身份證). Check labels: python3 scripts/pii_fresh2_check.py"
        " benchmarks/pii_fresh4.txt",
        "# Conventions: titles and honorifics (Mr., Dr.,"
        " Pak, Bu, Khun, Bey, Hanım, Pani, 先生, 女士, 老师)",
        "# and a leading @ stay outside spans; LOCATION"
        " is a street-level address as one span (a city,",
        "# district or country alone is neither labelled nor"
        " a decoy); URL is a URL carrying a credential",
        "# or personal token (plain URLs are [url|...]"
        ' decoys); key names and "Bearer " stay outside',
        "# API_KEY spans; an e-mail address is one EMAIL_ADDRESS"
        " span even when it holds a name; short",
        "# service numbers of companies and authorities"
        " (95588, 110, 12345) are [hotline|...] decoys;",
        "# fictional and game characters are [character|...]"
        " decoys; app and company names next to an id",
        "# (微信, Telegram, Slack) are [org|...] decoys; [place|...] is a place inside an",
        "# identifier (us-east-1, Asia/Bangkok); private"
        ' and internal IPs in plain URLs or a "which are',
        '# private" question are decoys; a username made'
        " of a person's name (oguz.demir, @maya.levi) is",
        "# PERSON; a value typed wrongly (an e-mail with"
        " @@, 31/02/1991, a PRC id with a bad check digit",
        "# after 身份证) is still labelled; masked numbers (181****6620),"
        " gamer tags and social-media handles",
        '# outside messaging apps are neither; "\\n" inside'
        " a line is a pasted escape, not a line break.",
    ]
)


def slot(values: Values, code: str, arg: str | None, lang: str) -> str:
    """One slot as labelled markup; decoy slots are lower-case codes."""
    a = arg or ""
    pii = {
        "P": lambda: ("PERSON", values.person(a)),
        "PF": lambda: ("PERSON", values.first()),
        "PS": lambda: ("PERSON", values.surname(a)),
        "PU": lambda: ("PERSON", values.username()),
        "Z": lambda: ("PERSON", values.zh()),
        "ZT": lambda: ("PERSON", values.zh(traditional=True)),
        "ZG": lambda: ("PERSON", values.first()),
        "PH": lambda: ("PHONE_NUMBER", values.phone(a)),
        "EM": lambda: ("EMAIL_ADDRESS", values.email()),
        "EMP": lambda: ("EMAIL_ADDRESS", values.email(from_person=True)),
        "WE": lambda: ("EMAIL_ADDRESS", values.work_email(a)),
        "IM": lambda: ("IM_ACCOUNT", values.im(a)),
        "DOB": lambda: ("DATE_OF_BIRTH", values.dob(a or "en")),
        "LOC": lambda: ("LOCATION", values.location(a)),
        "CNID": lambda: ("CN_RESIDENT_ID", values.cn_id()),
        "CNIDX": lambda: ("CN_RESIDENT_ID", values.cn_id(wrong=True)),
        "SSN": lambda: ("US_SSN", values.ssn()),
        "CC": lambda: ("CREDIT_CARD", values.card()),
        "IBAN": lambda: ("IBAN_CODE", values.iban(a.upper())),
        "PP": lambda: ("PASSPORT", values.passport(a or "us")),
        "PL": lambda: ("CN_LICENSE_PLATE", values.plate()),
        "IP": lambda: ("IP_ADDRESS", values.ip(v6=a == "v6")),
        "KEY": lambda: ("API_KEY", values.key(a)),
        "URL": lambda: ("URL", values.cred_url(a)),
        "JWT": lambda: ("JWT", values.jwt()),
    }
    decoys = {
        "op": ("order_no", "order_phone"),
        "o": ("order_no", "order"),
        "t": ("tracking_no", "track"),
        "c": ("case_no", "case"),
        "i": ("invoice_no", "invoice"),
        "u": ("uuid", "uuid"),
        "h": ("hash", "hash"),
        "ipp": ("ip_private", "ip_private"),
    }
    if code in pii:
        kind, value = pii[code]()
        return "{" + kind + "|" + value + "}"
    kind, make = decoys[code]
    if lang == "zh" and code in ("op", "o", "t", "c", "i"):
        make += "_zh"  # digits only, as Chinese shops and couriers print them
    return f"[{kind}|{values.decoy(make)}]"


def fill(values: Values, template: str, lang: str) -> str:
    text = _ALT.sub(lambda m: values.rng.choice(m.group(1).split("~")), template)
    return _SLOT.sub(lambda m: slot(values, m.group(1), m.group(2), lang), text)


def load() -> dict[str, list[tuple[str, list[str]]]]:
    """Templates per language, each group under its '## lang: section title' line."""
    groups: dict[str, list[tuple[str, list[str]]]] = {"en": [], "zh": [], "mix": []}
    for line in TEMPLATES.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            lang, title = line[3:].split(":", 1)
            groups[lang].append((title.strip(), []))
        elif line.strip():
            groups[lang][-1][1].append(line)
    return groups


def uses(templates: list[str], quota: int, pii_first: bool) -> dict[str, int]:
    """Copies per template: one each, then more of the lighter ones (at most three, and only
    of templates whose copies differ), so type counts stay near the brief's. With pii_first
    (English and mixed, whose names and ids are the scarcer ones) templates carrying a
    little PII grow before PII-free ones; Chinese templates carry many names already."""

    def npii(t: str) -> int:
        return sum(m.group(1)[0].isupper() for m in _SLOT.finditer(t))

    def people(t: str) -> int:  # the types most templates carry
        return sum(m.group(1) in ("P", "Z", "ZT", "PH", "LOC", "DOB") for m in _SLOT.finditer(t))

    def varies(t: str) -> bool:
        return bool(_SLOT.search(t) or _ALT.search(t))

    per = dict.fromkeys(templates, 1)

    def order(t: str) -> tuple[bool, int, int]:
        return (pii_first and npii(t) == 0, people(t), npii(t))

    growable = sorted((t for t in templates if varies(t)), key=order)
    for copies in (2, 3):
        for t in growable:
            if sum(per.values()) >= quota:
                return per
            per[t] = copies
    return per


def main() -> int:
    values = Values(seed=20261202)
    out = [HEADER]
    seen: set[str] = set()
    for lang, sections in load().items():
        templates = [t for _, ts in sections for t in ts]
        per = uses(templates, TARGET[lang], pii_first=lang != "zh")
        for title, ts in sections:
            out.append(f"# --- {title}")
            block: list[str] = []
            for t in ts:
                for copy in range(per[t]):
                    for _attempt in range(20):
                        msg = fill(values, t, lang)
                        if msg not in seen:
                            break
                    seen.add(msg)
                    if copy:
                        style = "tw" if lang == "zh" and _TRAD.search(msg) else lang
                        opening = values.rng.choice(_OPEN[style])
                        first = re.match(r"[A-Z][a-z']+\b", msg)
                        if (
                            (opening[:1].islower() or opening.endswith(", "))
                            and first
                            and first.group() not in _PROPER
                        ):
                            msg = msg[0].lower() + msg[1:]
                        msg = opening + msg + values.rng.choice(_CLOSE[style])
                    block.append(msg)
            values.rng.shuffle(block)
            out += block
    OUT.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(seen)} messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
