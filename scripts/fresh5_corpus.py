# ruff: noqa: E501 - value pools and templates of formats read best one per line
"""Rebuild benchmarks/pii_fresh5.txt from hand-written templates and seeded invented values.

    python3 scripts/fresh5_corpus.py > benchmarks/pii_fresh5.txt

The fifth held-out corpus was written by an outside author: the templates in
scripts/fresh5_templates.txt are hand-written messages whose PII and look-alike slots are
filled here from scripts/fresh5_names.txt and small invented pools, so that a template
used twice carries different values. Checksummed values are made valid (Luhn, IBAN mod 97,
GB 11643, SSA rules) unless a template asks for an id typed wrongly right after 身份证.
Only the standard library is used, so the file rebuilds byte for byte anywhere.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 5_20261202
TARGET = 700
FREE_TWICE = 30

HEADER = """\
# Fifth fresh held-out chat corpus for benchmarks/redaction_eval.py, one message a line.
# {TYPE|value} marks a PII value of TYPE, [kind|value] a look-alike that must stay unchanged.
# Written by an outside author who never read the recognizers (sentinel/privacy), their word
# lists or tests, nor the other corpora beyond fresh3's first 21 lines, and never ran the
# redactor on it. Rebuilt byte for byte by scripts/fresh5_corpus.py from hand-written
# templates (scripts/fresh5_templates.txt) and invented values; the whole file is held out.
# Checksummed values are valid (cards: Luhn, IBANs: mod 97, PRC ids: GB 11643, SSNs: SSA
# rules) except a few PRC ids typed wrongly right after 身份证. Domains: banking disputes,
# travel/visa, telecom, HR payroll, legal intake, logistics/customs, real estate, gyms, vets,
# weddings, government forms, IT helpdesk, code/log/JSON/YAML/SQL pastes, CRM exports, chat
# and call transcripts, SMS threads, markdown tables, commits, stack traces.
# Conventions: titles and honorifics (Mr., Dr., Ms., Sra., Bey, Pak, 先生, 女士, 经理, 老师)
# and a leading @ stay outside spans; LOCATION is a street-level address as one span (a city,
# district or country alone is neither labelled nor a decoy); URL is a URL carrying a
# credential or personal token (plain URLs are [url|...] decoys); key names and "Bearer "
# stay outside API_KEY spans; an e-mail is one EMAIL_ADDRESS span; a WhatsApp number is a
# PHONE_NUMBER, other messaging ids IM_ACCOUNT; hotlines, private IPs, [place|us-east-1],
# [character|...], [org|...] and [word|...] (a word that looks like a name) are decoys; a
# username made of a person's name is PERSON; masked numbers (138****5521) are neither;
# a value typed wrongly is still labelled; "\\n" inside a line is a pasted escape.
"""

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_AREAS = ["110108", "310104", "440106", "330102", "510104", "420106", "320106", "370212"]
_AREAS += ["210204", "350206", "610103", "500112", "430103", "120103", "130104", "410102"]
_AREAS += ["440305", "320583", "330206", "360102", "450103", "530102", "230103", "220104"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
CN_ROADS = {
    "上海市浦东新区": ["张杨路", "世纪大道", "东方路", "锦绣路"],
    "北京市朝阳区": ["建国路", "朝阳北路", "望京街", "东三环中路"],
    "广州市天河区": ["体育西路", "天河路", "黄埔大道西", "林和西路"],
    "深圳市南山区": ["科苑南路", "南海大道", "深南大道", "后海大道"],
    "杭州市西湖区": ["文三路", "天目山路", "教工路", "古墩路"],
    "成都市武侯区": ["人民南路四段", "科华北路", "武侯祠大街", "一环路南三段"],
    "南京市鼓楼区": ["中山北路", "湖南路", "广州路", "北京西路"],
    "武汉市洪山区": ["珞喻路", "雄楚大道", "民族大道", "光谷大道"],
    "苏州市工业园区": ["星湖街", "现代大道", "苏州大道东", "金鸡湖大道"],
    "西安市雁塔区": ["科技路", "小寨东路", "长安南路", "高新路"],
    "重庆市渝北区": ["金开大道", "新牌坊一路", "红锦大道", "龙山大道"],
    "天津市河西区": ["友谊路", "围堤道", "解放南路", "大沽南路"],
}
TW_ROADS = {
    "台北市大安區": ["復興南路一段", "和平東路二段", "敦化南路二段"],
    "台北市信義區": ["忠孝東路五段", "松仁路", "基隆路一段"],
    "新北市板橋區": ["文化路二段", "中山路一段", "縣民大道二段"],
    "台中市西屯區": ["台灣大道三段", "福星路", "文心路二段"],
    "高雄市苓雅區": ["中正一路", "四維三路", "青年一路"],
}
UK_STREETS = {
    "Leeds LS6 2AB": ["Albion Street", "Otley Road", "Hyde Park Terrace"],
    "Bristol BS8 1TH": ["Whiteladies Road", "Park Row", "Queens Road"],
    "London N1 7GU": ["Essex Road", "Upper Street", "Canonbury Lane"],
    "Manchester M14 5JD": ["Wilmslow Road", "Mauldeth Road", "Platt Lane"],
    "Glasgow G12 8QQ": ["Byres Road", "Great George Street", "Kersland Street"],
    "Cardiff CF24 3NB": ["Richmond Road", "City Road", "Mackintosh Place"],
}
US_STREETS = {
    "Columbus, OH 43215": ["N High St", "Neil Ave", "W 5th Ave"],
    "New York, NY 10025": ["W 104th St", "Amsterdam Ave", "Riverside Dr"],
    "Austin, TX 78704": ["S Lamar Blvd", "Barton Springs Rd", "Oltorf St"],
    "Seattle, WA 98103": ["Stone Way N", "N 45th St", "Aurora Ave N"],
    "Chicago, IL 60614": ["N Clark St", "W Armitage Ave", "N Halsted St"],
    "Denver, CO 80205": ["Welton St", "E 26th Ave", "Downing St"],
    "San Jose, CA 95112": ["N 10th St", "E Santa Clara St", "Jackson St"],
    "Portland, OR 97209": ["NW Glisan St", "NW 23rd Ave", "NW Everett St"],
    "Miami, FL 33133": ["Bird Rd", "SW 27th Ave", "Tigertail Ave"],
}


class Gen:
    """Fills one template's slots; remembers every value so none repeats in the corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        # Names by language and sex ("m"/"f"), so a husband, 父亲 or 新娘 gets a fitting name.
        self.names: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for line in (HERE / "fresh5_names.txt").read_text(encoding="utf-8").splitlines():
            tag, sex, a, b = line.split()
            self.names.setdefault((tag, sex), []).append((a, b))
        for pool in self.names.values():
            rng.shuffle(pool)
        self.persons: dict[str, tuple[str, str, str]] = {}

    # ---- helpers
    def r(self, n: int, pool: str = "0123456789") -> str:
        return "".join(self.rng.choice(pool) for _ in range(n))

    def pick(self, seq):
        return self.rng.choice(seq)

    def fresh(self, make) -> str:
        for _ in range(200):
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v
        raise RuntimeError("value pool exhausted")

    # ---- persons
    def person(self, key: str, lang: str, sex: str) -> str:
        """A new person (full name) under key; .g / .f give their given / family name."""
        if lang == "x":
            lang = self.pick(["es", "pt", "tr", "id", "vi", "in", "ng", "ja", "ko", "ar"])
        sex = sex or self.pick("mf")
        pool = self.names[(lang, sex)]
        if not pool:
            raise RuntimeError(f"names of {lang}/{sex} exhausted")
        a, b = pool.pop()
        if lang in ("zh", "tw"):
            # A one-character given name is not used alone ("Hi 超"): the full name stands in.
            given, family, full = (a if len(a) > 1 else b + a), b, b + a
        elif lang == "py":
            family, given = a, b
            full = self.pick([f"{family} {given}", f"{given} {family}"])
        elif lang == "vi":
            given, family = a, b
            full = f"{family} {self.pick(['Thị', 'Văn', 'Minh', 'Ngọc', 'Đức'])} {given}"
        else:
            given, family, full = a, b, f"{a} {b}"
        self.persons[key] = (full, given, family)
        return full

    def ascii_of(self, s: str) -> str:
        table = str.maketrans(
            "ğüşıöçĞÜŞİÖÇáéíóúãõâêôàèìòùñÁÉÍÓÚÑ", "gusiocGUSIOCaeiouaoaeoaeioun" + "AEIOUN"
        )
        return re.sub(r"[^A-Za-z]", "", s.translate(table))

    # ---- PII makers
    def phone(self, v: str) -> str:
        r = self.r
        if v in ("cn", "cn0"):
            p = self.pick(["13", "15", "18", "17", "19", "16"])
            n = p + r(1, "0123456789") + r(8)
            if v == "cn0":
                return n
            return self.pick([n, n, f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}",
                              f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"+86{n}"])  # fmt: skip
        if v == "us":
            a = self.pick(["212", "415", "617", "312", "206", "512", "303", "646", "408", "713"])
            n = self.pick("23456789") + r(2)
            s = r(4)
            return self.pick([f"({a}) {n}-{s}", f"{a}-{n}-{s}", f"+1 {a} {n} {s}", f"{a}.{n}.{s}"])
        if v == "uk":
            return self.pick([f"07{r(3)} {r(6)}", f"+44 7{r(3)} {r(6)}", f"020 {r(4)} {r(4)}"])
        if v in ("tw", "twl"):
            if v == "twl":  # a Taipei landline
                return f"(02) {self.pick('23')}{r(3)}-{r(4)}"
            return self.pick(
                [f"09{r(2)}-{r(3)}-{r(3)}", f"09{r(8)}", f"+886 9{r(2)} {r(3)} {r(3)}"]
            )
        if v == "hk":
            return self.pick([f"+852 {self.pick('569')}{r(3)} {r(4)}", f"{self.pick('69')}{r(7)}"])
        forms = [
            lambda: f"+34 6{r(2)} {r(2)} {r(2)} {r(2)}",
            lambda: f"+90 5{r(2)} {r(3)} {r(2)} {r(2)}",
            lambda: f"+62 81{r(1)}-{r(4)}-{r(4)}",
            lambda: f"+84 9{r(2)} {r(3)} {r(3)}",
            lambda: f"+82 10-{r(4)}-{r(4)}",
            lambda: f"+81 90-{r(4)}-{r(4)}",
            lambda: f"+234 80{r(1)} {r(3)} {r(4)}",
            lambda: f"+91 9{r(4)} {r(5)}",
            lambda: f"+971 5{r(1)} {r(3)} {r(4)}",
            lambda: f"+55 11 9{r(4)}-{r(4)}",
            lambda: f"+49 151 {r(8)}",
            lambda: f"+33 6 {r(2)} {r(2)} {r(2)} {r(2)}",
            lambda: f"+65 {self.pick('89')}{r(3)} {r(4)}",
        ]
        return self.pick(forms)()

    def address(self, v: str) -> str:
        pick, rng = self.pick, self.rng
        if v == "cn":
            city, roads = pick(list(CN_ROADS.items()))
            n, floor, room = rng.randint(1, 999), rng.randint(2, 28), rng.randint(1, 6)
            tail = pick([f"{n}号{rng.randint(1, 12)}栋{floor}{room:02d}室",
                         f"{rng.randint(10, 1999)}弄{rng.randint(1, 60)}号{floor}0{room}室",
                         f"{n}号{pick('ABC')}座{floor}楼",
                         f"{n}号院{rng.randint(1, 20)}号楼{rng.randint(1, 4)}单元{floor}0{room}"])  # fmt: skip
            return pick([city, city, ""]) + pick(roads) + tail
        if v == "tw":
            city, roads = pick(list(TW_ROADS.items()))
            lane = pick([f"{rng.randint(2, 300)}巷", ""])
            return f"{city}{pick(roads)}{lane}{rng.randint(1, 120)}號{rng.randint(2, 15)}樓"
        if v == "uk":
            town, streets = pick(list(UK_STREETS.items()))
            st = pick(streets)
            return pick([f"Flat {rng.randint(1, 9)}, {rng.randint(2, 140)} {st}, {town}",
                         f"{rng.randint(2, 140)} {st}, {town}"])  # fmt: skip
        town, streets = pick(list(US_STREETS.items()))
        num = str(rng.randint(12, 9890))
        apt = pick(
            ["", f", Apt {rng.randint(1, 9)}{pick('ABCD')}", f" Unit {rng.randint(101, 940)}", ""]
        )
        # "split": pasted from a form, the street and the town on two lines ("\\n" escape).
        return f"{num} {pick(streets)}{apt}" + ("\\n" if v == "split" else ", ") + town

    def dob(self, v: str) -> str:
        """An adult's birth date; "kid" (school age) and "new" (a newborn) read from the suffix."""
        lo, hi = (
            (2010, 2021)
            if v.endswith("kid")
            else (2025, 2026)
            if v.endswith("new")
            else (1952, 2005)
        )
        v = v.replace("kid", "").replace("new", "") or "en"
        y, m, d = self.rng.randint(lo, hi), self.rng.randint(1, 12), self.rng.randint(1, 28)
        mon = MONTHS[m - 1]
        if v == "cn":
            return self.pick([f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d}", f"{y}.{m:02d}.{d:02d}",
                              f"{y}/{m}/{d}"])  # fmt: skip
        return self.pick([f"{mon} {d}, {y}", f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}",
                          f"{d} {mon[:3]} {y}", f"{d:02d}.{m:02d}.{y}"])  # fmt: skip

    def email(self, v: str, key: str) -> str:
        pick = self.pick
        if v == "p" and key in self.persons:
            _full, given, family = self.persons[key]
            g, f = self.ascii_of(given).lower(), self.ascii_of(family).lower()
            if not g or not f:
                g, f = "user", self.r(4)
            local = pick([f"{g}.{f}", f"{g[0]}{f}", f"{g}_{f}{self.r(2)}", f"{f}.{g}"])
        else:
            local = pick([f"{pick(['sunny', 'blue', 'mango', 'k', 'jx', 'coco', 'tiger'])}{self.r(4)}",
                          f"{self.r(9)}", f"{pick(['lin', 'amy', 'rk', 'ops', 'dan'])}_{self.r(3)}"])  # fmt: skip
        dom = pick(["gmail.com", "outlook.com", "163.com", "qq.com", "yahoo.com", "proton.me",
                    "icloud.com", "126.com", "hotmail.co.uk", "foxmail.com", "example-mail.net"])  # fmt: skip
        return f"{local}@{dom}"

    def api_key(self, v: str) -> str:
        """A provider's key shape: the key name in the template says which (sk, aws, gh...)."""
        r = self.r
        forms = {
            "sk": lambda: "sk-" + r(48, ALNUM),
            "proj": lambda: "sk-proj-" + r(40, ALNUM + "_-"),
            "ds": lambda: "sk-" + r(32, HEX),
            "aws": lambda: "AKIA" + r(16, string.ascii_uppercase + "234567"),
            "gh": lambda: "ghp_" + r(36, ALNUM),
            "gl": lambda: "glpat-" + r(20, ALNUM + "_-"),
            "slack": lambda: "xoxb-" + r(11) + "-" + r(12) + "-" + r(24, ALNUM),
            "stripe": lambda: "sk_live_" + r(24, ALNUM),
            "google": lambda: "AIza" + r(35, ALNUM + "_-"),
            "hf": lambda: "hf_" + r(34, ALNUM),
            "sg": lambda: "SG." + r(22, ALNUM) + "." + r(43, ALNUM),
        }
        return forms[v or self.pick(list(forms))]()

    def cn_id(self, bad: bool) -> str:
        y = self.rng.randint(1955, 2006)
        f17 = self.pick(_AREAS) + f"{y}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
        f17 += self.r(3)
        check = "10X98765432"[sum(int(c) * w for c, w in zip(f17, _ID_WEIGHTS, strict=True)) % 11]
        if bad:
            check = self.pick([c for c in "0123456789X" if c != check])
        return f17 + check

    def passport(self, v: str) -> str:
        r = self.r
        v = v or self.pick(["cn", "us", "uk", "in", "tr", "de", "tw", "jp", "kr", "ph"])
        return {
            "cn": lambda: self.pick(["E", "EA", "EB", "EH", "G"]).ljust(1) + r(8 if True else 7),
            "us": lambda: self.pick("56") + r(8),
            "uk": lambda: "1" + r(8),
            "in": lambda: self.pick("JKLMNPRSTUVWZ") + r(7),
            "tr": lambda: "U" + r(8),
            "de": lambda: "C" + r(8, "0123456789CFGHJKLMNPRTVWXYZ"),
            "tw": lambda: "3" + r(8),
            "jp": lambda: self.pick(["TK", "TR", "MZ"]) + r(7),
            "kr": lambda: "M" + r(8),
            "ph": lambda: "P" + r(7) + self.pick("ABC"),
        }[v]()

    def ip(self) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return f"2a0{rng.randint(1, 9)}:{self.r(4, HEX)}:{self.r(3, HEX)}::{self.r(2, HEX)}"
        first = self.pick(
            [23, 34, 45, 52, 61, 77, 89, 101, 112, 118, 121, 139, 154, 183, 185, 203, 211, 222]
        )
        return f"{first}.{rng.randint(1, 254)}.{rng.randint(0, 254)}.{rng.randint(1, 254)}"

    def im(self, v: str) -> str:
        r, pick = self.r, self.pick
        word = pick(["bluefox", "mochi", "nightowl", "k1ng", "pandabao", "sunflower", "yoyo",
                     "rainy", "driftwood", "lemon", "zhenzhen", "catnap", "orbit", "xiaoyu"])  # fmt: skip
        if v == "wx":
            return pick([f"wxid_{r(14, string.ascii_lowercase + string.digits)}",
                         f"{word}_{r(4)}", f"{word}{r(3)}wx"])  # fmt: skip
        if v == "qq":
            return r(1, "123456789") + r(self.rng.randint(7, 9))
        if v == "line":
            return pick([f"{word}.{r(3)}", f"{word}{r(2)}_tw"])
        return pick([f"{word}_{r(3)}", f"{word}{r(4)}", f"the_{word}{r(2)}"])

    def card(self) -> str:
        pre, n = self.pick([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("62", 16),
                            ("6011", 16), ("3530", 16), ("37", 15), ("4", 16), ("62", 19)])  # fmt: skip
        body = pre + self.r(n - len(pre) - 1)
        for c in "0123456789":
            d = body + c
            tot = 0
            for i, ch in enumerate(reversed(d)):
                x = int(ch) * (2 if i % 2 else 1)
                tot += x - 9 if x > 9 else x
            if tot % 10 == 0:
                break
        if n == 15:
            return self.pick([d, f"{d[:4]} {d[4:10]} {d[10:]}"])
        if n == 19:
            return d
        g = [d[i : i + 4] for i in range(0, 16, 4)]
        return self.pick([d, " ".join(g), "-".join(g), " ".join(g)])

    def url(self, v: str) -> str:
        """A URL carrying a credential or personal token, of the kind the template names."""
        r, pick = self.r, self.pick
        up = string.ascii_uppercase + string.digits
        forms = {
            "share": lambda: (
                f"https://share.filebox-cloud.com/s/{r(10, ALNUM)}?token={r(32, ALNUM)}"
            ),
            "reset": lambda: (
                f"https://portal.brightlease.com/reset-password?uid={r(6)}&token={r(40, HEX)}"
            ),
            "git": lambda: (
                f"https://{pick(['deploy', 'ci', 'backup'])}:{r(12, ALNUM)}@git.acme-build.io/payroll.git"
            ),
            "meet": lambda: f"https://meet.zoomcall.app/j/{r(10)}?pwd={r(28, ALNUM)}",
            "hook": lambda: (
                f"https://hooks.slack.com/services/T{r(8, up)}/B{r(10, up)}/{r(24, ALNUM)}"
            ),
            "wxhook": lambda: (
                f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={r(8, HEX)}-{r(4, HEX)}-{r(4, HEX)}-{r(4, HEX)}-{r(12, HEX)}"
            ),
            "ding": lambda: f"https://oapi.dingtalk.com/robot/send?access_token={r(64, HEX)}",
            "doc": lambda: f"https://docs.paperflow.io/d/{r(12, ALNUM)}?access_key={r(24, ALNUM)}",
            "invite": lambda: (
                f"https://app.teamboard.io/invite/accept?code={r(26, ALNUM)}&email_token={r(16, HEX)}"
            ),
            "pet": lambda: f"https://my.clinicvet.com/pets/records?session_id={r(30, ALNUM)}",
            "ftp": lambda: (
                f"ftp://admin:{r(10, ALNUM)}@files.{pick(['logi-hub', 'ewms', 'tradelink'])}.net/inbound/"
            ),
            "s3": lambda: (
                f"https://bucket-{r(4)}.s3.amazonaws.com/scan.pdf?X-Amz-Credential=AKIA{r(16, up)}&X-Amz-Signature={r(64, HEX)}"
            ),
            "grafana": lambda: (
                f"https://grafana.acme-ops.io/d/{r(9, ALNUM)}/payroll?orgId=1&auth_token={r(32, ALNUM)}"
            ),
        }
        return forms[v or pick(["share", "reset", "doc", "s3", "meet"])]()

    def ssn(self) -> str:
        while True:
            a, g, s = self.rng.randint(1, 899), self.rng.randint(1, 99), self.rng.randint(1, 9999)
            if a != 666:
                break
        return self.pick([f"{a:03d}-{g:02d}-{s:04d}", f"{a:03d}-{g:02d}-{s:04d}", f"{a:03d} {g:02d} {s:04d}", f"{a:03d}{g:02d}{s:04d}"])  # fmt: skip

    def iban(self) -> str:
        c, shape = self.pick([("DE", "18n"), ("FR", "23n"), ("ES", "20n"), ("NL", "4a10n"),
                              ("GB", "4a14n"), ("IT", "1a22n"), ("BE", "12n"), ("AT", "16n"),
                              ("CH", "17n"), ("PL", "24n"), ("TR", "22n"), ("PT", "21n")])  # fmt: skip
        bban = ""
        for count, kind in re.findall(r"(\d+)([na])", shape):
            bban += self.r(int(count), "0123456789" if kind == "n" else "ABCDEFGHJKLMNPRSTUVWXYZ")
        if c == "NL":
            bban = self.pick(["ABNA", "INGB", "RABO"]) + bban[4:]
        if c == "GB":
            bban = self.pick(["NWBK", "BARC", "HBUK", "LOYD"]) + bban[4:]
        check = 98 - int("".join(str(int(ch, 36)) for ch in bban + c + "00")) % 97
        iban = f"{c}{check:02d}{bban}"
        if self.rng.random() < 0.5:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def plate(self) -> str:
        prov = self.pick("京沪粤浙苏川鄂湘鲁豫闽渝津陕")
        letter = self.pick("ABCDEFGHJK")
        tail = self.pick([
            lambda: self.r(5, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"),
            lambda: self.pick("DF") + self.r(5),
        ])()  # fmt: skip
        return self.pick(
            [f"{prov}{letter}{tail}", f"{prov}{letter}·{tail}", f"{prov}{letter} {tail}"]
        )

    def jwt(self) -> str:
        def b64(obj: dict) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        head = {"alg": self.pick(["HS256", "RS256"]), "typ": "JWT"}
        body = {"sub": self.r(7), "iat": 1764000000 + self.rng.randint(0, 9_000_000)}
        if self.rng.random() < 0.5:
            body["role"] = self.pick(["user", "agent", "admin"])
        return f"{b64(head)}.{b64(body)}.{self.r(43, ALNUM + '-_')}"

    # ---- decoy makers
    def decoy(self, kind: str, v: str) -> str:
        """A look-alike of kind; v is "cn" or "tw" (Chinese form) and/or a size: small, big..."""
        if v.startswith("tw"):  # Taiwan: traditional characters and NT$
            text = self.decoy(kind, "cn" + v[2:])
            text = text.replace("¥", "NT$").replace("人民币", "新台幣").replace("块", "元")
            return text.translate(str.maketrans("个周时钟万", "個週時鐘萬"))
        r, pick, rng = self.r, self.pick, self.rng
        cn = v.startswith("cn")
        v = v[2:] if cn else v
        if kind == "order":
            return pick([f"ORD-{r(8)}-{r(4)}", f"#{r(7)}", f"SO{r(10)}", r(16)])
        if kind == "case":
            return pick([f"CASE-{r(5)}", f"DSP-{r(6)}", f"LC-2026-{r(4)}", r(6)])
        if kind == "ticket":
            return pick([f"INC{r(7)}", f"HD-{r(5)}", f"JIRA-{r(4)}", f"SR{r(8)}"])
        if kind == "tracking":
            return pick([f"SF{r(13)}", f"1Z{r(6, '0123456789ABCDEFGHJKLMNPRSTUVWXYZ')}{r(10)}",
                         f"YT{r(16)}", f"JD{r(15)}", f"{r(12)}"])  # fmt: skip
        if kind == "invoice":
            return pick([f"INV-2026-{r(4)}", r(8), f"BILL/{r(3)}/{r(5)}"])
        if kind == "amount":
            lo, hi = {"small": (5, 200), "big": (20_000, 900_000)}.get(v, (40, 6000))
            n = rng.randint(lo, hi)
            if cn:
                if v == "big":
                    return pick([f"人民币{n // 10000}万元", f"¥{n:,}", f"{n // 10000}万"])
                return pick([f"¥{n:,}", f"{n}元", f"¥{n}.{r(1)}0", f"{n}块"])
            return pick([f"${n:,}.{r(2)}", f"€{n:,}", f"£{n:,}.{r(2)}", f"USD {n:,}", f"${n:,}"])
        if kind == "date":
            m, d = rng.randint(1, 12), rng.randint(1, 28)
            if cn:
                return pick(
                    [f"{m}月{d}日", f"2026年{m}月{d}日", f"2026-{m:02d}-{d:02d}", f"{m}/{d}"]
                )
            mon = MONTHS[m - 1][:3]
            return pick([f"2026-{m:02d}-{d:02d}", f"{mon} {d}", f"{d} {mon} 2026", f"{m}/{d}/2026"])
        if kind == "time":
            if v == "log":
                return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            # "am" / "pm" keep a range ("between 9:30 and 16:00") in order.
            lo, hi = {"am": (8, 11), "pm": (13, 19)}.get(v, (8, 20))
            h, mi = rng.randint(lo, hi), pick(["00", "15", "30", "45", "10", "20", "40", "50"])
            return pick(
                [
                    f"{h:02d}:{mi}",
                    f"{h}:{mi}",
                    f"{(h - 1) % 12 + 1}:{mi} {'am' if h < 12 else 'pm'}",
                ]
            )
        if kind == "duration":
            n = rng.randint
            if cn:
                forms = {"min": [f"{n(5, 50)}分钟"], "short": [f"{n(5, 50)}分钟", f"{n(2, 12)}小时"],
                         "days": [f"{n(3, 15)}个工作日", f"{n(2, 30)}天"], "long": [f"{n(2, 12)}个月", f"{n(2, 8)}周", f"{n(2, 3)}年"]}  # fmt: skip
            else:
                forms = {"min": [f"{n(5, 55)} minutes"], "short": [f"{n(5, 55)} minutes", f"{n(2, 12)}h", f"{n(2, 9)} hours"],
                         "days": [f"{n(3, 14)} business days", f"{n(2, 20)} days"], "long": [f"{n(2, 18)} months", f"{n(2, 6)} weeks", f"{n(2, 4)} years"]}  # fmt: skip
            return pick(forms.get(v) or forms["short"] + forms["days"])
        if kind == "version":
            return pick([f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}",
                         f"{rng.randint(1, 5)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}-rc{rng.randint(1, 4)}"])  # fmt: skip
        if kind == "hash":
            return r(pick([7, 8, 12, 40]), HEX)
        if kind == "uuid":
            h = r(32, HEX)
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{pick('89ab')}{h[17:20]}-{h[20:]}"
        if kind == "ip":
            return pick([f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                         f"192.168.{rng.randint(0, 20)}.{rng.randint(1, 254)}",
                         f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"])  # fmt: skip
        if kind == "host":
            return pick([f"api-gw-{r(2)}.internal", f"db-{pick(['primary', 'replica'])}-{r(1)}.prod.local",
                         f"k8s-node-{r(3)}", f"mq{r(2)}.corp.lan", f"build-runner-{r(2)}.ci"])  # fmt: skip
        if kind == "file":
            forms = {"log": [f"app-{r(3)}.log", f"worker-2026{r(4)}.log", "error.log.1"],
                     "img": [f"IMG_{r(4)}.HEIC", f"scan_{r(4)}.jpg", f"Screenshot_{r(8)}.png"],
                     "csv": [f"export-{r(8)}.csv", f"customers_{r(4)}.csv", f"payroll_{r(6)}.xlsx"],
                     "doc": [f"contract_{r(4)}.pdf", f"scan_{r(4)}.pdf", f"offer_letter_v{r(1, '23')}.docx", f"checklist_{r(3)}.xlsx"]}  # fmt: skip
            return pick(forms.get(v) or forms["doc"])
        if kind == "number":
            if v == "pct":
                return f"{rng.randint(1, 9)}.{r(1)}%"
            if v == "big":
                return f"{rng.randint(1000, 99999):,}"
            if v == "otp":
                return r(6)
            return str(rng.randint(100, 999) if v == "mid" else rng.randint(2, 60))
        if kind == "code":
            if v == "hs":
                return f"{r(4)}.{r(2)}.{r(2)}"
            return pick([f"E{r(4)}", f"ERR_{pick(['TIMEOUT', 'AUTH', 'QUOTA', 'DECLINED'])}_{r(2)}",
                         f"0x{r(8, HEX.upper())}", f"{pick(['4', '5'])}0{pick('0123')}"])  # fmt: skip
        raise KeyError(kind)


_SLOT = re.compile(r"\$\(([a-z_]+\d?)(?:\.([gf]))?(?::([a-z0-9]+))?\)")
_PERSON_LANG = {"p": "en", "c": "zh", "t": "tw", "x": "x", "y": "py"}
PII = {
    "ph": ("PHONE_NUMBER", lambda g, v, k: g.phone(v or "cn")),
    "addr": ("LOCATION", lambda g, v, k: g.address(v or "en")),
    "dob": ("DATE_OF_BIRTH", lambda g, v, k: g.dob(v or "en")),
    "mail": ("EMAIL_ADDRESS", lambda g, v, k: g.email(v, k)),
    "key": ("API_KEY", lambda g, v, k: g.api_key(v)),
    "cnid": ("CN_RESIDENT_ID", lambda g, v, k: g.cn_id(v == "bad")),
    "pp": ("PASSPORT", lambda g, v, k: g.passport(v)),
    "ip": ("IP_ADDRESS", lambda g, v, k: g.ip()),
    "im": ("IM_ACCOUNT", lambda g, v, k: g.im(v)),
    "card": ("CREDIT_CARD", lambda g, v, k: g.card()),
    "url": ("URL", lambda g, v, k: g.url(v)),
    "ssn": ("US_SSN", lambda g, v, k: g.ssn()),
    "iban": ("IBAN_CODE", lambda g, v, k: g.iban()),
    "plate": ("CN_LICENSE_PLATE", lambda g, v, k: g.plate()),
    "jwt": ("JWT", lambda g, v, k: g.jwt()),
}
DECOYS = {"order", "case", "ticket", "tracking", "invoice", "amount", "date", "time",
          "duration", "version", "hash", "uuid", "ip", "host", "file", "number", "code"}  # fmt: skip
DECOY_ALIAS = {
    "pip": "ip",
    "amt": "amount",
    "dur": "duration",
    "ver": "version",
    "trk": "tracking",
    "inv": "invoice",
}


def is_person(slot: str) -> bool:
    """p, c, t, x, y (English, Chinese, traditional, other-language, pinyin), then m/f."""
    base = slot.rstrip("0123456789")
    return base[:1] in _PERSON_LANG and base[1:] in ("", "m", "f")


def fill(gen: Gen, template: str) -> str:
    gen.persons = {}
    mail_key = ["p"]

    def one(m: re.Match) -> str:
        name, part, variant = m.group(1), m.group(2), m.group(3)
        base = name.rstrip("0123456789")
        if is_person(name):
            if name not in gen.persons:
                gen.person(name, variant or _PERSON_LANG[base[0]], base[1:])
            full, given, family = gen.persons[name]
            if not part:
                mail_key[0] = name
            return "{PERSON|" + {"g": given, "f": family, None: full}[part] + "}"
        if base in PII:
            label, make = PII[base]
            return "{" + label + "|" + gen.fresh(lambda: make(gen, variant, mail_key[0])) + "}"
        kind = DECOY_ALIAS.get(base, base)
        if kind in DECOYS:
            return f"[{kind}|{gen.decoy(kind, variant or '')}]"
        raise KeyError(f"unknown slot {m.group(0)} in {template!r}")

    return _SLOT.sub(one, template)


_MARK = re.compile(r"\{([A-Z_]+)\|([^{}]*)\}|\[([a-z_]+)\|([^\[\]]*)\]")


def clean(line: str) -> bool:
    """True when no labelled value also occurs unlabelled in the plain text."""
    text, spans, pos = "", [], 0
    for m in _MARK.finditer(line):
        text += line[pos : m.start()]
        value = m.group(2) if m.group(1) else m.group(4)
        if m.group(1):
            spans.append((len(text), len(text) + len(value), value))
        text += value
        pos = m.end()
    text += line[pos:]
    for _s, _e, value in spans:
        for hit in re.finditer(re.escape(value), text):
            if not any(s <= hit.start() and hit.end() <= e for s, e, _v in spans):
                return False
    return True


def has_pii(template: str) -> bool:
    return any(
        m.group(1).rstrip("0123456789") in PII or is_person(m.group(1))
        for m in _SLOT.finditer(template)
    )


def main() -> None:
    rng = random.Random(SEED)
    gen = Gen(rng)
    sections: list[tuple[str, list[str]]] = []
    for raw in (HERE / "fresh5_templates.txt").read_text(encoding="utf-8").splitlines():
        if raw.startswith("## "):
            sections.append((raw[3:].strip(), []))
        elif raw.strip() and not raw.startswith("#"):
            sections[-1][1].append(raw.rstrip())
    templates = [t for _title, ts in sections for t in ts]
    # A template is used twice only when it has slots (so the two messages differ); a few
    # PII-free ones are among them, so the PII-free share stays near a third.
    free = [t for t in templates if _SLOT.search(t) and not has_pii(t)]
    with_pii = [t for t in templates if has_pii(t)]
    extra = max(0, TARGET - len(templates))
    twice = set(rng.sample(free, min(FREE_TWICE, extra)))
    twice |= set(rng.sample(with_pii, extra - len(twice)))
    out = [HEADER.rstrip("\n")]
    seen: set[str] = set()
    for title, ts in sections:
        out.append(f"# --- {title}")
        lines = []
        for t in ts:
            for _ in range(2 if t in twice else 1):
                for _attempt in range(30):
                    line = fill(gen, t)
                    if clean(line) and line not in seen:
                        break
                else:
                    continue
                seen.add(line)
                lines.append(line)
        rng.shuffle(lines)
        out.extend(lines)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
