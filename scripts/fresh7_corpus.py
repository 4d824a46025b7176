"""Rebuild benchmarks/pii_fresh7.txt, the seventh held-out chat corpus, byte for byte.

    python3 scripts/fresh7_corpus.py > benchmarks/pii_fresh7.txt

The messages are hand-written templates (scripts/fresh7_templates.txt, one a line, grouped
in sections) whose PII slots are filled from hand-made pools (scripts/fresh7_values.txt)
and from seeded generators for checksummed values (Luhn cards, mod-97 IBANs, GB 11643 PRC
ids, SSA-rule SSNs, decodable JWTs). A template is used once or twice; its second use gets
fresh values. A filled message whose labelled value also occurs unlabelled in its text, or
a value already labelled twice elsewhere, is drawn again, so the labels stay checkable.

Slots (inside a template): <P:c> a person of culture c (en es pt tr id ar vi ko ja ng in zh
tw i), with =x to bind it and <G=x> (name used to address them), <S=x> (surname), <F=x>
(full name again), <PY=x> (a Chinese name in pinyin), <U=x> (username from the name), <E=x>
(e-mail from the name); |lower, |title,
|upper, |comma, |mrz (SURNAME<<GIVEN) or |nl (first comma as a pasted \\n) change the
spelling. <PH:v> phone, <AD:v> address, <DOB:v>, <EM>, <KEY:v>,
<ID> (PRC id; <ID:bad> has a wrong check digit), <PP:v> passport, <IP> public, <IPP> a
person's private device IP, <IM:v>, <CC:v>, <URL>, <SSN>, <IBAN:v>, <PL> plate, <JWT>; <d:k>
a generated decoy of kind k. Literal [kind|value] decoys are written in the templates.
"""

from __future__ import annotations

import base64
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "fresh7_templates.txt"
POOLS = HERE / "fresh7_values.txt"
HEADER = HERE / "fresh7_header.txt"
TARGET = 720
SEED = 7_2026_1202

SLOT = re.compile(r"<([A-Za-z]+)((?::[a-z0-9]+)*)(?:=([a-z]))?(?:\|([a-z]+))?>")
MARK = re.compile(r"\{([A-Z_]+)\|([^{}]+)\}|\[([a-z_]+)\|([^\[\]]+)\]")
LEFTOVER = re.compile(r"\{[A-Za-z_]+\||\[[a-z_]+\||<[A-Za-z]+[:=|>]")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
AREAS = "110101 110108 120104 130104 140105 210102 220102 230103 310104 310112 320106"
AREAS += " 320583 330102 330206 340104 350102 360102 370102 410102 420106 430102 440106"
AREAS += " 440304 450103 460105 500107 510104 520102 530102 610103 620102 650102 441900"
MONTHS = "January February March April May June July August September October November December"
CULTURES = ["en", "en", "en", "es", "pt", "tr", "id", "ar", "vi", "ko", "ja", "ng", "in"]
MOBILE_HEADS = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
INTL_PREFIX: dict[str, str | tuple[str, ...]] = {
    "es": "+34",
    "pt": "+55",
    "tr": "+90",
    "id": "+62",
    "in": "+91",
    "ng": "+234",
    "vi": "+84",
    "ko": "+82",
    "ja": "+81",
    "ar": ("+971", "+966"),
}
PROVINCES = "京沪粤浙苏川鄂湘闽鲁豫陕渝津冀辽吉黑皖赣桂琼云贵晋蒙甘宁新"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B64URL = ALNUM + "-_"


class Filler:
    """Draws every slot value; one instance per corpus, so the seed fixes the whole file."""

    def __init__(self, pools: dict[str, list[str]], rng: random.Random) -> None:
        self.pools, self.rng = pools, rng
        self.last_culture = ""  # an international phone follows the last person's country

    # -- helpers -----------------------------------------------------------------------
    def pick(self, pool: str) -> str:
        return self.rng.choice(self.pools[pool])

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def hashy(self, n: int, alphabet: str = "0123456789abcdef") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def fill_hash(self, pattern: str) -> str:
        """'#' is a digit, '@' an upper-case letter, '%' a digit 1-9, '&' a digit 2-9."""
        out = []
        for ch in pattern:
            if ch == "#":
                out.append(self.rng.choice("0123456789"))
            elif ch == "%":
                out.append(self.rng.choice("123456789"))
            elif ch == "&":
                out.append(self.rng.choice("23456789"))
            elif ch == "@":
                out.append(self.rng.choice(PLATE_LETTERS))
            else:
                out.append(ch)
        return "".join(out)

    # -- people ------------------------------------------------------------------------
    def person(self, culture: str) -> dict[str, str]:
        if culture == "i":
            culture = self.rng.choice(CULTURES)
        self.last_culture = culture
        if culture in ("zh", "tw"):
            sur, given = self.pick("family.zh"), self.pick("given.zh")
            sound = {line[0]: line[1:] for line in self.pools["pinyin.char"]}
            sur_py, given_py = ("".join(sound[c] for c in x) for x in (sur, given))
            if culture == "tw":  # written in traditional characters
                table = {line[0]: line[1] for line in self.pools["s2t"]}
                sur, given = ("".join(table.get(c, c) for c in x) for x in (sur, given))
            return {
                "full": sur + given,
                "call": given,
                "sur": sur,
                "c": "zh",
                "py": f"{sur_py} {given_py}".upper(),
                "call_py": given_py,
                "sur_py": sur_py,
            }

        given, sur = self.pick(f"given.{culture}"), self.pick(f"family.{culture}")
        if culture in ("ko", "vi"):
            return {"full": f"{sur} {given}", "call": given.split()[-1], "sur": sur, "c": culture}
        return {"full": f"{given} {sur}", "call": given, "sur": sur, "c": culture}

    def username(self, p: dict[str, str]) -> str:
        g = ascii_fold(p.get("call_py", p["call"])).lower().replace(" ", "").replace("-", "")
        s = ascii_fold(p.get("sur_py", p["sur"])).lower().replace(" ", "").replace("-", "")
        return self.rng.choice([f"{g}.{s}", f"{g}_{s}", f"{g[0]}{s}", f"{g}{s[0]}", f"{s}.{g}"])

    def email_for(self, p: dict[str, str]) -> str:
        if p["c"] == "zh" and self.rng.random() < 0.3:
            return self.email()
        local = self.username(p) + self.rng.choice(["", "", str(self.rng.randint(7, 99))])
        return f"{local}@{self.pick('maildomain')}"

    def bad_email(self) -> str:
        """An address typed wrongly (doubled @, dot lost before the TLD): still the user's."""
        local, _, domain = self.email().partition("@")
        if self.rng.random() < 0.5:
            return f"{local}@@{domain}"
        return f"{local}@{domain.replace('.', '', 1)}"

    def email(self) -> str:
        kind = self.rng.randrange(3)
        if kind == 0:
            return f"{self.rng.randint(10000, 3999999999)}@qq.com"
        word = self.pick("mailword") + self.rng.choice(["", ".", "_"]) + self.pick("mailword")
        return f"{word}{self.rng.randint(1, 999) if kind == 1 else ''}@{self.pick('maildomain')}"

    # -- numbers -----------------------------------------------------------------------
    def phone(self, v: str) -> str:
        r = self.rng
        if v in ("", "cn", "cnf"):
            head = r.choice(MOBILE_HEADS)
            a, b = self.digits(4), self.digits(4)
            if v == "cn":
                return f"{head}{a}{b}"
            return r.choice(
                [
                    f"{head} {a} {b}",
                    f"{head}-{a}-{b}",
                    f"+86 {head}{a}{b}",
                    f"+86-{head}-{a}-{b}",
                    f"(+86){head}{a}{b}",
                ]
            )
        if v == "land":
            code, first = r.choice(
                [
                    ("010", "6"),
                    ("021", "5"),
                    ("0755", "8"),
                    ("020", "3"),
                    ("0571", "8"),
                    ("028", "8"),
                    ("027", "8"),
                    ("025", "8"),
                ]
            )
            return r.choice(["{c}-{n}", "({c}){n}", "{c} {n}"]).format(
                c=code, n=first + self.digits(7)
            )
        shapes = self.pools["phone." + v]
        prefix = INTL_PREFIX.get(self.last_culture, "") if v == "intl" else ""
        shapes = [x for x in shapes if x.startswith(prefix)] if prefix else shapes
        return self.fill_hash(r.choice(shapes))

    def card(self, v: str) -> str:
        r = self.rng
        prefix, length = {
            "visa": ("4", 16),
            "mc": (r.choice(["51", "53", "55", "2223"]), 16),
            "amex": (r.choice(["34", "37"]), 15),
            "up": ("62", r.choice([16, 19])),
            "jcb": ("3566", 16),
            "disc": ("6011", 16),
        }[v or r.choice(["visa", "visa", "mc", "amex", "up", "jcb", "disc"])]
        body = prefix + self.digits(length - len(prefix) - 1)
        num = next(body + c for c in "0123456789" if luhn_ok(body + c))
        style = r.randrange(4)
        if style == 0 or length == 19:
            return num
        if length == 15:
            return f"{num[:4]} {num[4:10]} {num[10:]}"
        sep = " " if style < 3 else "-"
        return sep.join(num[i : i + 4] for i in range(0, 16, 4))

    def iban(self, v: str) -> str:
        country, shape = self.rng.choice([s.split() for s in self.pools["iban"]])
        bban = self.fill_hash(shape)
        moved = bban + country + "00"
        check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
        value = f"{country}{check:02d}{bban}"
        if v == "sp" or (not v and self.rng.random() < 0.4):
            return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        return value

    def cn_id(self, bad: bool, kid: bool = False) -> str:
        year = self.rng.randint(2012, 2020) if kid else self.rng.randint(1950, 2008)
        first17 = (
            f"{self.rng.choice(AREAS.split())}{year}{self.rng.randint(1, 12):02d}"
            f"{self.rng.randint(1, 28):02d}{self.digits(3)}"
        )
        good = "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
        if bad:
            return first17 + self.rng.choice([c for c in "0123456789X" if c != good])
        return first17 + good

    def ssn(self) -> str:
        while True:
            area, group, serial = (
                self.rng.randint(1, 899),
                self.rng.randint(1, 99),
                self.rng.randint(1, 9999),
            )
            if area != 666:
                break
        sep = self.rng.choice(["-", "-", "-", " ", ""])
        return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"

    def plate(self) -> str:
        r = self.rng
        head = r.choice(PROVINCES) + r.choice("ABCDEFGH")
        if r.random() < 0.25:
            tail = r.choice("DF") + self.digits(5)
        else:
            tail = "".join(
                r.choice(
                    PLATE_LETTERS if i in r.sample(range(5), r.randint(0, 2)) else "0123456789"
                )
                for i in range(5)
            )
        return head + r.choice(["", "·", " ", "", "-"]) + tail

    def jwt(self) -> str:
        head = {"alg": self.rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
        body = {
            "sub": self.digits(self.rng.randint(5, 9)),
            "iat": 1764000000 + self.rng.randint(0, 9**6),
        }
        if self.rng.random() < 0.5:
            body["role"] = self.rng.choice(["member", "staff", "clerk", "driver"])
        enc = [b64(json.dumps(x, separators=(",", ":"))) for x in (head, body)]
        return ".".join([*enc, self.hashy(43, B64URL)])

    def api_key(self, v: str) -> str:
        v = v or self.rng.choice(["sk", "aws", "gh", "slack", "stripe", "google", "sg", "hf"])
        return {
            "sk": lambda: "sk-" + self.hashy(32),
            "aws": lambda: "AKIA" + self.hashy(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
            "gh": lambda: "ghp_" + self.hashy(36, ALNUM),
            "slack": lambda: f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.hashy(24, ALNUM)}",
            "stripe": lambda: "sk_live_" + self.hashy(24, ALNUM),
            "google": lambda: "AIza" + self.hashy(35, B64URL),
            "sg": lambda: f"SG.{self.hashy(22, B64URL)}.{self.hashy(43, B64URL)}",
            "hf": lambda: "hf_" + self.hashy(34, ALNUM),
        }[v]()

    def ip(self) -> str:
        r = self.rng
        if r.random() < 0.15:
            groups = [r.choice(["240e", "2408", "2a02", "2603"]), self.hashy(3, "123456789abcdef")]
            groups += [self.hashy(4, "123456789abcdef") for _ in range(2)]
            return ":".join(groups) + "::" + self.hashy(2, "123456789abcdef")
        if True:
            a = r.choice(
                [
                    23,
                    36,
                    39,
                    45,
                    58,
                    61,
                    77,
                    81,
                    91,
                    101,
                    103,
                    112,
                    114,
                    117,
                    121,
                    139,
                    146,
                    151,
                    171,
                    182,
                    185,
                    188,
                    203,
                    211,
                    218,
                    222,
                ]
            )
            return f"{a}.{r.randint(1, 254)}.{r.randint(0, 254)}.{r.randint(1, 254)}"

    def private_ip(self) -> str:
        r = self.rng
        return r.choice(
            [
                f"192.168.{r.randint(0, 31)}.{r.randint(2, 250)}",
                f"10.{r.randint(0, 40)}.{r.randint(0, 254)}.{r.randint(2, 250)}",
                f"172.{r.randint(16, 31)}.{r.randint(0, 254)}.{r.randint(2, 250)}",
            ]
        )

    def im(self, v: str) -> str:
        r = self.rng
        v = v or r.choice(["wx", "qq", "tg", "line", "signal"])
        if v == "wa":
            return self.phone("intl")
        if v == "qq":
            return str(r.randint(10000, 3999999999))
        if v == "wx":
            if r.random() < 0.4:
                return "wxid_" + self.hashy(14, "abcdefghijklmnopqrstuvwxyz0123456789")
            return (
                self.pick("mailword")
                + r.choice(["_", "", "-"])
                + self.pick("mailword")
                + self.digits(r.randint(0, 4))
            )
        word = self.pick("mailword") + r.choice(["_", "", "."]) + self.pick("mailword")
        if v == "tg":
            return word.replace(".", "_") + self.digits(r.randint(0, 2))
        return word + self.digits(r.randint(0, 3))

    def url(self) -> str:
        """'#' digits only: '@' and '&' are the URL's own, HEX/TOK/PWD the secret parts."""
        shape = self.rng.choice(self.pools["tokenurl"])
        out = "".join(self.rng.choice("0123456789") if c == "#" else c for c in shape)
        return (
            out.replace("HEX", self.hashy(self.rng.choice([24, 32, 40])))
            .replace("TOK", self.hashy(self.rng.randint(16, 28), ALNUM))
            .replace("PWD", self.hashy(4, "abcdefghijkmnpqrstuvwxyz23456789"))
        )

    def dob(self, v: str) -> str:
        r = self.rng
        y, m, d = r.randint(1938, 2009), r.randint(1, 12), r.randint(1, 28)
        if v.endswith("kid"):  # a baby's or a pupil's
            y, v = r.randint(2012, 2026), v[:-3]
        if v == "bad":  # a day the month does not have, as typed on a form
            return r.choice([f"31/02/{y}", f"{y}-02-30", f"30.02.{y}", f"{y}年2月30日"])
        if v == "zh":
            return r.choice(
                [
                    f"{y}年{m}月{d}日",
                    f"{y}.{m:02d}.{d:02d}",
                    f"{y}-{m:02d}-{d:02d}",
                    f"{y}/{m}/{d}",
                    f"{y}年{m:02d}月{d:02d}日",
                ]
            )
        mon = MONTHS.split()[m - 1]
        return r.choice(
            [
                f"{mon} {d}, {y}",
                f"{d} {mon} {y}",
                f"{m:02d}/{d:02d}/{y}",
                f"{y}-{m:02d}-{d:02d}",
                f"{d:02d}.{m:02d}.{y}",
                f"{mon[:3]} {d} {y}",
                f"{d:02d}/{m:02d}/{y}",
                f"{d}-{mon[:3].upper()}-{y}",
            ]
        )

    def passport(self, v: str) -> str:
        r = self.rng
        v = v or r.choice(["cn", "us", "uk", "in", "jp", "kr", "tr", "de", "br", "ng", "mx"])
        shape = {
            "cn": r.choice(["E########", "E@#######", "EA#######", "EB#######", "G########"]),
            "us": r.choice(["5########", "6########", "A########"]),
            "uk": "#########",
            "in": "@#######",
            "jp": r.choice(["TK#######", "TR#######", "MU#######"]),
            "kr": "M########",
            "tr": "U########",
            "de": "C@@#####@",
            "br": "FZ######",
            "ng": "A########",
            "mx": "G########",
            "hk": "K########",
            "tw": "3########",
        }[v]
        return self.fill_hash(shape)

    def address(self, v: str) -> str:
        r = self.rng
        if v in ("", "en"):
            unit = r.choice(
                [
                    "",
                    "",
                    f", Apt {r.randint(1, 40)}{r.choice('ABCD')}",
                    f" #{r.randint(100, 999)}",
                    f", Unit {r.randint(2, 18)}",
                ]
            )
            return (
                f"{r.randint(12, 9870)} {self.pick('street.en')}{unit}, "
                f"{self.fill_hash(self.pick('cityline.us'))}"
            )
        if v == "uk":
            street = f"{r.randint(2, 190)} {self.pick('street.uk')}"
            return f"{street}, {self.fill_hash(self.pick('cityline.uk'))}"
        if v in ("zh", "zhs"):
            tail = r.choice(
                [
                    f"{r.randint(1, 30)}栋{r.randint(1, 4)}单元"
                    f"{r.randint(1, 28)}0{r.randint(1, 6)}室",
                    f"{r.randint(1, 12)}号楼{r.randint(1, 26)}0{r.randint(1, 4)}",
                    f"{self.pick('estate.zh')}{r.randint(1, 22)}幢"
                    f"{r.randint(1, 18)}0{r.randint(1, 4)}室",
                    f"{r.randint(2, 900)}弄{r.randint(1, 60)}号"
                    f"{r.randint(1, 6)}0{r.randint(1, 3)}室",
                    "",
                ]
            )
            head = "" if v == "zhs" else self.pick("district.zh")
            return f"{head}{self.pick('road.zh')}{r.randint(1, 999)}号{tail}"
        if v == "tw":
            return (
                f"{self.pick('district.tw')}{self.pick('road.tw')}{r.randint(1, 300)}號"
                f"{r.randint(2, 15)}樓{r.choice(['', '之' + str(r.randint(1, 5))])}"
            )
        return self.fill_hash(self.pick("addr." + v))

    # -- decoys ------------------------------------------------------------------------
    def amount(self, v: str) -> str:
        """A sum of the size its sentence implies: '' small, k thousands, zhw ten-thousands."""
        r = self.rng
        if v == "zh":
            return r.choice(
                [
                    f"{r.randint(2, 98)}0元",
                    f"￥{r.randint(3, 60)}0.00",
                    f"{r.randint(15, 300)}块",
                    f"¥{r.randint(20, 900)}",
                ]
            )
        if v == "zhk":
            return r.choice(
                [
                    f"¥{r.randint(1, 9)},{r.randint(0, 9)}00",
                    f"{r.randint(12, 99)}00元",
                    f"RMB {r.randint(10, 98)}00",
                    f"{r.randint(1, 9)}千{r.randint(1, 9)}百元",
                ]
            )
        if v == "zhw":
            return r.choice(
                [
                    f"{r.randint(1, 30)}.{r.randint(1, 9)}万",
                    f"{r.randint(2, 30)}万元",
                    f"¥{r.randint(10, 300)},{r.randint(0, 9)}00",
                ]
            )
        if v == "tw":
            return r.choice(
                [f"NT${r.randint(3, 90)},{r.randint(0, 9)}00", f"新台幣{r.randint(2, 30)}萬元"]
            )
        cur = r.choice(["$", "$", "€", "£", "A$", "C$"])
        if v == "k":
            return r.choice(
                [
                    f"{cur}{r.randint(1, 9)},{r.randint(0, 9)}{r.randint(0, 9)}0",
                    f"{r.randint(12, 99)}00 {r.choice(['USD', 'EUR', 'GBP', 'SGD'])}",
                ]
            )
        return r.choice(
            [
                f"{cur}{r.randint(4, 120)}.{r.choice(['00', '50', '99', '25'])}",
                f"{cur}{r.randint(5, 150)}",
                f"{r.randint(10, 160)} {r.choice(['USD', 'EUR'])}",
            ]
        )

    def decoy(self, kind: str, v: str) -> tuple[str, str]:
        r = self.rng
        if kind in (
            "order",
            "case",
            "tracking",
            "invoice",
            "code",
            "number",
            "host",
            "file",
            "duration",
            "time",
            "version",
        ):
            pool = f"d.{kind}" + (f".{v}" if v else "")
            return kind, self.fill_hash(self.pick(pool))
        if kind == "amount":
            return kind, self.amount(v)
        if kind == "date":
            y, m, d = r.choice([2025, 2026, 2026, 2027]), r.randint(1, 12), r.randint(1, 28)
            if v == "zh":
                return kind, r.choice(
                    [f"{m}月{d}日", f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d}", f"{m}/{d}"]
                )
            mon = MONTHS.split()[m - 1]
            return kind, r.choice(
                [
                    f"{mon[:3]} {d}",
                    f"{y}-{m:02d}-{d:02d}",
                    f"{d} {mon}",
                    f"{mon} {d}, {y}",
                    f"{m}/{d}/{y}",
                ]
            )
        if kind == "hash":
            return kind, self.hashy(r.choice([7, 12, 40, 64]))
        if kind == "uuid":
            h = self.hashy(32)
            return kind, f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{r.choice('89ab')}{h[17:20]}-{h[20:]}"
        if kind == "ip":
            return kind, self.private_ip()
        raise KeyError(f"unknown decoy slot <d:{kind}>")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


FOLD = str.maketrans(
    "ÁÀÂÃÄÅáàâãäåÇçÉÈÊËéèêëÍÌÎÏíìîïıİÑñÓÒÔÕÖóòôõöŞşĞğÚÙÛÜúùûüÝý",
    "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiiINnOOOOOoooooSsGgUUUUuuuuYy",
)


def ascii_fold(text: str) -> str:
    text = text.translate(FOLD)
    for a, b in (
        ("ễ", "e"),
        ("ệ", "e"),
        ("ế", "e"),
        ("ề", "e"),
        ("ố", "o"),
        ("ồ", "o"),
        ("ộ", "o"),
        ("ơ", "o"),
        ("ư", "u"),
        ("ạ", "a"),
        ("ả", "a"),
        ("ấ", "a"),
        ("ầ", "a"),
        ("ậ", "a"),
        ("ă", "a"),
        ("Đ", "D"),
        ("đ", "d"),
        ("ị", "i"),
        ("ọ", "o"),
        ("ụ", "u"),
        ("ữ", "u"),
        ("ứ", "u"),
        ("ừ", "u"),
        ("ự", "u"),
        ("ũ", "u"),
        ("ỳ", "y"),
        ("ý", "y"),
        ("ĩ", "i"),
        ("ẩ", "a"),
        ("ắ", "a"),
        ("ằ", "a"),
        ("ặ", "a"),
        ("ở", "o"),
        ("ớ", "o"),
        ("ờ", "o"),
        ("ợ", "o"),
        ("ổ", "o"),
        ("ỗ", "o"),
        ("ỏ", "o"),
        ("ủ", "u"),
        ("ử", "u"),
    ):
        text = text.replace(a, b)
    return "".join(ch for ch in text if ch.isascii())


def load_pools() -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    current = None
    for line in POOLS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            pools[current] = []
        else:
            pools[current].append(line.strip())
    return pools


def load_templates() -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = []
    for line in TEMPLATES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("//"):
            continue
        if line.startswith("== "):
            sections.append((line[3:].strip(), []))
        else:
            sections[-1][1].append(line.rstrip())
    return sections


def parse(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    text, pii, pos = "", [], 0
    for m in MARK.finditer(line):
        text += line[pos : m.start()]
        value = m.group(2) or m.group(4)
        start = len(text)
        text += value
        if m.group(1):
            pii.append((start, len(text), value))
        pos = m.end()
    return text + line[pos:], pii


def clean(line: str, seen: Counter) -> bool:
    """True when every labelled value occurs only inside labels and is labelled <= 2 times."""
    text, pii = parse(line)
    if LEFTOVER.search(text):
        raise ValueError(f"markup left in: {line}")
    spans = [(s, e) for s, e, _ in pii]
    for _, _, value in pii:
        if seen[value.lower()] >= 2:
            return False
        for m in re.finditer(re.escape(value), text):
            if not any(s <= m.start() and m.start() + len(value) <= e for s, e in spans):
                return False
    return True


def render(template: str, f: Filler) -> str:
    people: dict[str, dict[str, str]] = {}
    for m in SLOT.finditer(template):  # bind first: a given name may come before the full one
        if m.group(1) == "P" and m.group(3):
            people[m.group(3)] = f.person(m.group(2).strip(":") or "i")
    for m in SLOT.finditer(template):  # a surname alone (<S:zh=b>先生) is a person of its own
        if m.group(1) in ("G", "S", "PY") and m.group(3) not in people:
            people[m.group(3)] = f.person(m.group(2).strip(":") or "zh")

    def one(m: re.Match[str]) -> str:
        name, variants, bind, mod = m.group(1), m.group(2).strip(":"), m.group(3), m.group(4)
        v = variants.split(":")[0] if variants else ""
        if name == "d":
            kind, sub = [*variants.split(":"), ""][:2]
            kind, value = f.decoy(kind, sub)
            return f"[{kind}|{value}]"
        if name == "P":
            p = people[bind] if bind else f.person(v or "i")
            kind, value = "PERSON", p["full"]
        elif name == "PY":
            kind, value = "PERSON", people[bind]["py"]
        elif name in "GSFUE" and len(name) == 1:
            if bind not in people:
                raise ValueError(f"<{name}={bind}> without <P:..={bind}> in: {template}")
            p = people[bind]
            kind, value = "PERSON", {"G": p["call"], "S": p["sur"], "F": p["full"]}.get(name, "")
            if name == "U":
                value = f.username(p)
            if name == "E":
                kind, value = "EMAIL_ADDRESS", f.email_for(p)
        else:
            kind, value = {
                "PH": ("PHONE_NUMBER", lambda: f.phone(v)),
                "AD": ("LOCATION", lambda: f.address(v)),
                "DOB": ("DATE_OF_BIRTH", lambda: f.dob(v)),
                "EM": ("EMAIL_ADDRESS", f.bad_email if v == "bad" else f.email),
                "KEY": ("API_KEY", lambda: f.api_key(v)),
                "ID": ("CN_RESIDENT_ID", lambda: f.cn_id(v == "bad", v == "kid")),
                "PP": ("PASSPORT", lambda: f.passport(v)),
                "IP": ("IP_ADDRESS", f.ip),
                "IPP": ("IP_ADDRESS", f.private_ip),
                "IM": ("IM_ACCOUNT", lambda: f.im(v)),
                "CC": ("CREDIT_CARD", lambda: f.card(v)),
                "URL": ("URL", f.url),
                "SSN": ("US_SSN", f.ssn),
                "IBAN": ("IBAN_CODE", lambda: f.iban(v)),
                "PL": ("CN_LICENSE_PLATE", f.plate),
                "JWT": ("JWT", f.jwt),
            }[name]
            value = value()
        if mod == "lower":
            value = value.lower()
        elif mod == "upper":
            value = value.upper()
        elif mod == "comma" and " " in value:
            first, rest = value.split(" ", 1)
            value = f"{rest}, {first}"
        elif mod == "title":
            value = value.title()
        elif mod == "mrz":
            value = value.upper().replace(" ", "<<")
        elif mod == "nl":
            value = value.replace(", ", "\\n", 1)
        return "{" + kind + "|" + value + "}"

    return SLOT.sub(one, template)


def reuse_rank(template: str) -> float:
    """Templates drawn twice come first in this order: the ones richer in decoys and in PII
    other than names (names would otherwise crowd out the other fifteen types)."""
    names = [m.group(1) for m in SLOT.finditer(template)]
    people = sum(n in ("P", "G", "S", "F", "U") for n in names)
    others = sum(n not in ("P", "G", "S", "F", "U", "d") for n in names)
    decoys = len(MARK.findall(template)) + names.count("d")
    return 3 * people - 2 * others - decoys


def build() -> str:
    rng = random.Random(SEED)
    f = Filler(load_pools(), rng)
    sections = load_templates()
    total = sum(len(t) for _, t in sections)
    variable = [
        (i, j) for i, (_, ts) in enumerate(sections) for j, t in enumerate(ts) if SLOT.search(t)
    ]
    rng.shuffle(variable)
    variable.sort(key=lambda ij: reuse_rank(sections[ij[0]][1][ij[1]]))
    twice = set(variable[: max(0, TARGET - total)])
    seen: Counter = Counter()
    texts: set[str] = set()
    out = [HEADER.read_text(encoding="utf-8").rstrip("\n")]
    for i, (title, templates) in enumerate(sections):
        lines = []
        for j, template in enumerate(templates):
            for _ in range(2 if (i, j) in twice else 1):
                for _attempt in range(400):
                    line = render(template, f)
                    if clean(line, seen) and parse(line)[0] not in texts:
                        break
                else:
                    raise ValueError(f"cannot fill cleanly: {template}")
                texts.add(parse(line)[0])
                seen.update(v.lower() for _, _, v in parse(line)[1])
                lines.append(line)
        rng.shuffle(lines)
        out.append(f"# --- {title}")
        out.extend(lines)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(build())
