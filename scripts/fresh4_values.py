"""Invented PII values for benchmarks/pii_fresh4.txt (seeded; checksummed values valid).

Imported by scripts/fresh4_corpus.py, which fills hand-written message templates with
them. Every value is made up; the pools are varied on purpose (many countries, scripts
and formats) so the corpus does not reward one recognizer shape.
"""

from __future__ import annotations

import base64
import json
import random
import string
import unicodedata

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _words(text: str, sep: str = " ") -> list[str]:
    return text.split(sep) if sep != " " else text.split()


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split()]


LATIN_NAMES = {
    "en": (
        "Brandon Megan Travis Kelsey Douglas Heather Colin Shannon Derek Tamsin Gareth Fiona "
        "Rhys Nathan Bethany Logan Courtney Wesley Holly Graham Imogen Lachlan Maddie Trent",
        "Gaines Whitfield Pruitt Hargreaves Ogden Calloway Mercer Finch Dunleavy Ashworth "
        "Kendrick Sutter Bramley Holloway Pemberton Voss Lindqvist Carmody Tulloch Redfern",
    ),
    "es": (
        "Ana Joaquín Lucía Mateo Ximena Rodrigo Inês João Thiago Larissa Beatriz Gonçalo "
        "Camila Diego Renata Esteban Marisol Caetano",
        "García Ferreira Oliveira Mendoza Quintero Salazar Carvalho Figueroa Barbosa "
        "Esquivel Nogueira Arriaga Valdivia Sepúlveda Brandão",
    ),
    "af": (
        "Chidi Amara Kwame Nomvula Tendai Oluwaseun Wanjiru Kofi Zanele Babajide Thandiwe "
        "Abebe Folake Sipho",
        "Okonkwo Mensah Adeyemi Dlamini Mwangi Otieno Nkosi Boateng Chukwu Tesfaye Banda "
        "Achieng Oyelaran",
    ),
    "ar": (
        "Youssef Layla Omar Fatima Khalid Rania Tariq Noura Hamza Salma Bilal",
        "Al-Mansouri Haddad El-Sayed Qureshi Nasser Khoury Al-Harbi Bensaid Zaidan",
    ),
    "tr": (
        "Oğuz Elif Burak Zeynep Emre Selin Kaan Ayşe Mert",
        "Demir Yılmaz Kaya Öztürk Şahin Aydın Çelik Arslan",
    ),
    "in": (
        "Priya Arjun Sneha Rohan Kavya Vikram Ananya Siddharth Meera Rahul Ishaan Divya",
        "Raghunathan Iyer Deshpande Chatterjee Malhotra Nair Kulkarni Bhattacharya Reddy "
        "Venkatesan",
    ),
    "th": (
        "Somchai Nattaya Pimchanok Kittisak Supaporn Anucha Waraporn Thanakorn",
        "Srisuk Wongsawat Chaiyaporn Rattanakorn Boonmee Kaewkanya Phromma",
    ),
    "jp": (
        "Haruto Yui Takeshi Sakura Kenji Aoi Daisuke Mei Ren",
        "Takahashi Yamamoto Nakamura Fujiwara Kobayashi Matsuda Inoue Hayashi",
    ),
    "eu": (
        "Katarzyna Dmitri Annelies Jurgen Sofie Matteo Ingrid Luka Eleni Tomasz Henrike",
        "Wójcik Volkov Verhoeven Brandt Lindgren Esposito Haugen Kovačević Papadakis Nowicki",
    ),
}
# Written family name first, as their owners write them in Latin script.
FAMILY_FIRST = _words(
    "Park Ji-hoon|Choi Seo-yeon|Jung Min-jun|Kang Ha-eun|Yoon Dong-hyun|Han Soo-ah|Lim Jae-won|"
    "Nguyễn Thị Lan|Trần Văn Minh|Phạm Quốc Huy|Lê Thu Hà|Võ Thanh Tùng|Đặng Ngọc Anh|"
    "Bùi Minh Khoa|Nguyen Van Thanh|Hoang Thi Mai|Chan Ka Ming|Wong Siu Fong|Budi Santoso|"
    "Siti Rahayu|Dewi Lestari",
    "|",
)
HK_EN = _words(
    "Kelvin Chan|Winnie Lau|Gigi Cheung|Ivan Tsang|Karen Leung|Jacky Ho|Phoebe Yeung", "|"
)

ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤谈温牛游"
)
ZH_COMPOUND = _words(
    "欧阳 司马 诸葛 上官 慕容 东方 皇甫 令狐 夏侯 端木 公孙 尉迟 长孙 宇文 司徒 南宫"
)
ZH_GIVEN = _words(
    "阳 斌 旭 娜娜 伟 芳 静 磊 敏 婷 浩然 子涵 雨桐 思远 嘉怡 俊杰 晓燕 建国 丽华 志强 秀英 "
    "梓轩 欣怡 宇航 佳琪 文博 海燕 立新 雪梅 一鸣 若曦 锦程 秋菊 春生 小燕 明轩 诗雨 振华 晨曦 "
    "凯 鹏 蕾 琳 颖 亚楠 红霞 国庆 玉兰 天佑 可馨 沐阳 泽宇"
)
TW_SURNAMES = "陳張黃劉吳楊鄭謝許蔡林王李周葉梁賴簡蕭羅"
TW_GIVEN = _words(
    "志明 淑芬 怡君 冠宇 詠琳 家豪 美玲 俊傑 嘉欣 偉倫 靜宜 雅婷 建宏 柏翰 佩珊 宗翰 芷晴 國華 "
    "惠美 子軒"
)


class Values:
    """Draws each value once (a person at most twice), so labels stay distinct."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.last_person: tuple[str, str, str] = ("", "", "")

    def _fresh(self, make) -> str:
        for _ in range(200):
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("value pool exhausted")

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    # --- people
    def person(self, origin: str = "") -> str:
        r = self.rng
        origin = origin or r.choice([*LATIN_NAMES, "ff", "ff", "hk"])

        def make() -> str:
            if origin == "ff":
                full = r.choice(FAMILY_FIRST)
                family, given = full.split(" ", 1)
                self.last_person = (full, given.split()[-1] if " " in given else given, family)
                return full
            if origin == "hk":
                full = r.choice(HK_EN)
                self.last_person = (full, *full.split())
                return full
            firsts, lasts = LATIN_NAMES[origin]
            first, last = r.choice(firsts.split()), r.choice(lasts.split())
            self.last_person = (f"{first} {last}", first, last)
            return f"{first} {last}"

        try:
            return self._fresh(make)
        except RuntimeError:  # a small pool (Hong Kong English names) ran out
            return self.person(r.choice(list(LATIN_NAMES)))

    def first(self) -> str:
        return self.last_person[1]

    def surname(self, origin: str = "") -> str:
        """The last person's family name, or a new person's of that origin."""
        if origin:
            self.person(origin)
        return self.last_person[2]

    def username(self) -> str:
        full, first, last = self.last_person
        if not full:
            self.person()
            full, first, last = self.last_person
        f, s = _ascii(first), _ascii(last)
        if not f or not s:  # the last name drawn was Chinese: usernames here are Latin
            self.person()
            return self.username()
        return self._fresh(
            lambda: self.rng.choice([f"{f}.{s}", f"{f}_{s}", f"{f[0]}{s}", f"{f}{s}"])
        )

    def zh(self, traditional: bool = False) -> str:
        r = self.rng

        def make() -> str:
            if traditional:
                return r.choice(TW_SURNAMES) + r.choice(TW_GIVEN)
            if r.random() < 0.22:
                return r.choice(ZH_COMPOUND) + r.choice(ZH_GIVEN)
            return r.choice(ZH_SURNAMES) + r.choice(ZH_GIVEN)

        name = self._fresh(make)
        surname = name[:2] if name[:2] in ZH_COMPOUND else name[0]
        self.last_person = (name, name[len(surname) :], surname)
        return name

    # --- contact
    def phone(self, country: str = "") -> str:
        r, d = self.rng, self.digits
        country = country or r.choice(
            [
                "us",
                "us",
                "uk",
                "de",
                "fr",
                "es",
                "br",
                "mx",
                "in",
                "ng",
                "ke",
                "za",
                "ae",
                "tr",
                "vn",
                "th",
                "jp",
                "kr",
                "au",
                "nl",
                "it",
                "sg",
                "ph",
                "id",
                "ca",
            ]
        )
        shapes = {
            "us": lambda: r.choice(
                [
                    f"({r.randint(201, 989)}) {r.randint(201, 989)}-{d(4)}",
                    f"1-{r.randint(201, 989)}-{r.randint(201, 989)}-{d(4)}",
                    f"+1 {r.randint(201, 989)} {r.randint(201, 989)} {d(4)}",
                    f"{r.randint(201, 989)}.{r.randint(201, 989)}.{d(4)}",
                ]
            ),
            "ca": lambda: f"+1 (604) {r.randint(201, 989)}-{d(4)}",
            "uk": lambda: r.choice(
                [f"+44 7{d(3)} {d(6)}", f"07{d(3)} {d(3)} {d(3)}", f"020 {d(4)} {d(4)}"]
            ),
            "de": lambda: r.choice(
                [f"+49 15{d(1)} {d(4)} {d(4)}", f"0171 {d(7)}", f"030 {d(4)} {d(3)}"]
            ),
            "fr": lambda: r.choice(
                [f"06 {d(2)} {d(2)} {d(2)} {d(2)}", f"+33 7 {d(2)} {d(2)} {d(2)} {d(2)}"]
            ),
            "es": lambda: f"+34 6{d(2)} {d(3)} {d(3)}",
            "br": lambda: r.choice([f"+55 11 9{d(4)}-{d(4)}", f"(21) 9{d(4)}-{d(4)}"]),
            "mx": lambda: f"+52 55 {d(4)} {d(4)}",
            "in": lambda: r.choice([f"+91 9{d(4)} {d(5)}", f"098{d(3)} {d(5)}"]),
            "ng": lambda: f"+234 80{d(1)} {d(3)} {d(4)}",
            "ke": lambda: f"+254 7{d(2)} {d(6)}",
            "za": lambda: f"+27 82 {d(3)} {d(4)}",
            "ae": lambda: f"+971 5{d(1)} {d(3)} {d(4)}",
            "tr": lambda: r.choice(
                [f"+90 53{d(1)} {d(3)} {d(2)} {d(2)}", f"0532 {d(3)} {d(2)} {d(2)}"]
            ),
            "vn": lambda: f"+84 9{d(2)} {d(3)} {d(3)}",
            "th": lambda: f"08{d(1)}-{d(3)}-{d(4)}",
            "jp": lambda: r.choice([f"090-{d(4)}-{d(4)}", f"+81 80-{d(4)}-{d(4)}"]),
            "kr": lambda: r.choice([f"010-{d(4)}-{d(4)}", f"+82 10 {d(4)} {d(4)}"]),
            "au": lambda: f"04{d(2)} {d(3)} {d(3)}",
            "nl": lambda: f"06-{d(8)}",
            "pt": lambda: f"+351 91{d(1)} {d(3)} {d(3)}",
            "it": lambda: f"+39 3{d(2)} {d(3)} {d(4)}",
            "sg": lambda: f"+65 9{d(3)} {d(4)}",
            "ph": lambda: f"+63 917 {d(3)} {d(4)}",
            "id": lambda: f"+62 812-{d(4)}-{d(4)}",
            "cn": lambda: r.choice(
                [
                    f"1{r.choice('3578')}{d(1)}{d(8)}",
                    f"1{r.choice('3589')}{d(1)} {d(4)} {d(4)}",
                    f"+86 1{r.choice('38')}{d(1)}-{d(4)}-{d(4)}",
                    f"021-{d(8)}",
                    f"(0755) {d(8)}",
                ]
            ),
            "tw": lambda: r.choice(
                [f"09{d(2)}-{d(3)}-{d(3)}", f"+886 9{d(2)} {d(3)} {d(3)}", f"(02) {d(4)}-{d(4)}"]
            ),
            "hk": lambda: r.choice(
                [f"{r.choice('569')}{d(3)} {d(4)}", f"+852 {r.choice('69')}{d(3)} {d(4)}"]
            ),
        }
        return self._fresh(shapes[country])

    def email(self, from_person: bool = False) -> str:
        r = self.rng
        domains = _words(
            "gmail.com outlook.com yahoo.com proton.me icloud.com hotmail.co.uk web.de gmx.net"
        )
        domains += _words("qq.com 163.com 126.com foxmail.com yahoo.com.tw naver.com uol.com.br")
        if from_person:
            return self._fresh(lambda: f"{self.username()}@{r.choice(domains)}")
        words = _words("sunny moon.river kite blue_fox tea.lover nightowl coffee.addict mapleleaf")
        return self._fresh(lambda: f"{r.choice(words)}{r.randint(7, 99)}@{r.choice(domains)}")

    def work_email(self, domain: str) -> str:
        _, first, last = self.last_person
        low = _ascii(first)[:1] + "." + _ascii(last)
        return self._fresh(lambda: f"{low}@{domain}")

    def im(self, app: str) -> str:
        r, d = self.rng, self.digits
        words = _words("chenxc lulu_k xiaoyu wangtao kiki dada momo ahua sunny_l tiger_g")
        shapes = {
            "wechat": lambda: r.choice(
                [
                    f"{r.choice(words)}_{r.randint(1970, 2005)}",
                    f"wxid_{d(4)}{r.choice('abcdefgh')}{d(6)}",
                    f"{r.choice(words)}{d(4)}",
                ]
            ),
            "qq": lambda: str(r.randint(10000000, 3999999999)),
            "line": lambda: r.choice([f"{r.choice(words)}.{d(3)}", f"mei_{d(4)}tw"]),
            "tg": lambda: r.choice(
                [f"{r.choice(words)}_{d(2)}", f"crypto_{r.choice(words)}{d(2)}"]
            ),
            "skype": lambda: r.choice(
                [
                    f"live:.cid.{''.join(r.choice('0123456789abcdef') for _ in range(16))}",
                    f"{r.choice(words)}.{d(4)}",
                ]
            ),
            "discord": lambda: f"{r.choice(words)}{r.choice(['_', '.'])}{d(3)}",
            "kakao": lambda: f"{r.choice(words)}{d(2)}",
        }
        return self._fresh(shapes[app])

    # --- places and dates
    def dob(self, style: str) -> str:
        r = self.rng
        y, m, dd = r.randint(1952, 2008), r.randint(1, 12), r.randint(1, 28)
        months = _words(
            "January February March April May June July August September October November December"
        )
        es = _words(
            "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
            "diciembre"
        )
        shapes = {
            "en": lambda: r.choice(
                [
                    f"{dd:02d}/{m:02d}/{y}",
                    f"{m}/{dd}/{y}",
                    f"{months[m - 1]} {dd}, {y}",
                    f"{dd} {months[m - 1][:3]} {y}",
                    f"{y}-{m:02d}-{dd:02d}",
                    f"{dd}.{m:02d}.{y}",
                ]
            ),
            "es": lambda: f"{dd} de {es[m - 1]} de {y}",
            "zh": lambda: r.choice(
                [
                    f"{y}年{m}月{dd}日",
                    f"{y}.{m:02d}.{dd:02d}",
                    f"{y}-{m:02d}-{dd:02d}",
                    f"{y}/{m}/{dd}",
                    f"{y}年{m:02d}月{dd:02d}日",
                ]
            ),
            "tw": lambda: r.choice(
                [
                    f"民國{y - 1911}年{m}月{dd}日",
                    f"{y - 1911}/{m:02d}/{dd:02d}",
                    f"{y}年{m}月{dd}日",
                ]
            ),
        }
        return self._fresh(shapes[style])

    def location(self, country: str) -> str:
        """A street address of that country, each used once (then a neighbour's)."""
        pool = [loc for loc in LOCATIONS[country] if loc not in self.used]
        if not pool:
            family = "cn tw hk" if country in ("cn", "tw", "hk") else "us uk de fr es in br jp au"
            left = [c for c in family.split() if any(x not in self.used for x in LOCATIONS[c])]
            pool = [loc for loc in LOCATIONS[self.rng.choice(left)] if loc not in self.used]
        value = self.rng.choice(pool)
        self.used.add(value)
        return value

    # --- ids and secrets
    def cn_id(self, wrong: bool = False) -> str:
        r = self.rng
        areas = _words(
            "110105 310115 440305 330106 510107 420111 320102 370202 210203 350203 610113 "
            "500103 430104 120101"
        )

        def make() -> str:
            born = f"{r.randint(1958, 2006)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
            first17 = f"{r.choice(areas)}{born}{self.digits(3)}"
            check = "10X98765432"[
                sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11
            ]
            if wrong:
                check = r.choice([c for c in "0123456789X" if c != check])
            return first17 + check

        return self._fresh(make)

    def ssn(self) -> str:
        r = self.rng

        def make() -> str:
            area = r.randint(1, 899)
            while area == 666:
                area = r.randint(1, 899)
            a, g, s = f"{area:03d}", f"{r.randint(1, 99):02d}", f"{r.randint(1, 9999):04d}"
            return r.choice([f"{a}-{g}-{s}", f"{a}-{g}-{s}", f"{a} {g} {s}", f"{a}{g}{s}"])

        return self._fresh(make)

    def card(self) -> str:
        r = self.rng

        def make() -> str:
            prefix, length = r.choice(
                [
                    ("4", 16),
                    ("51", 16),
                    ("55", 16),
                    ("2221", 16),
                    ("37", 15),
                    ("6011", 16),
                    ("62", 16),
                    ("3530", 16),
                    ("4", 16),
                ]
            )
            body = prefix + self.digits(length - len(prefix) - 1)
            num = next(body + c for c in string.digits if luhn_ok(body + c))
            if length == 15:
                return r.choice([num, f"{num[:4]} {num[4:10]} {num[10:]}"])
            groups = [num[i : i + 4] for i in range(0, 16, 4)]
            return r.choice([num, " ".join(groups), "-".join(groups)])

        return self._fresh(make)

    def iban(self, country: str = "") -> str:
        r = self.rng
        shapes = {
            "DE": "18n",
            "FR": "23n",
            "ES": "20n",
            "NL": "4a10n",
            "IT": "1a22n",
            "GB": "4a14n",
            "BE": "12n",
        }
        shapes |= {
            "AT": "16n",
            "CH": "17n",
            "PL": "24n",
            "PT": "21n",
            "TR": "22n",
            "AE": "19n",
            "SA": "20n",
            "IE": "4a14n",
        }
        country = country or r.choice(list(shapes))
        banks = {
            "NL": ["ABNA", "INGB", "RABO"],
            "GB": ["NWBK", "BARC", "MIDL"],
            "IE": ["AIBK", "BOFI"],
        }

        def make() -> str:
            bban = ""
            for count, kind in _shape(shapes[country]):
                if kind == "a" and country in banks:
                    bban += r.choice(banks[country])
                else:
                    pool = string.digits if kind == "n" else "ABCDEFGHJKLMNPRSTUVWXYZ"
                    bban += "".join(r.choice(pool) for _ in range(count))
            moved = bban + country + "00"
            check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
            iban = f"{country}{check:02d}{bban}"
            if r.random() < 0.5:
                return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
            return iban

        return self._fresh(make)

    def passport(self, country: str) -> str:
        r, d = self.rng, self.digits
        up = "ABCDEFGHJKLMNPRSTUVWXYZ"
        shapes = {
            "cn": lambda: r.choice([f"E{d(8)}", f"E{r.choice(up)}{d(7)}", f"G{d(8)}"]),
            "us": lambda: r.choice([d(9), f"A{d(8)}"]),
            "uk": lambda: d(9),
            "de": lambda: "C" + "".join(r.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8)),
            "in": lambda: f"{r.choice('JKLMNPRSTUVZ')}{d(7)}",
            "jp": lambda: f"T{r.choice('KRSZ')}{d(7)}",
            "kr": lambda: f"M{d(8)}",
            "fr": lambda: f"{d(2)}{r.choice(up)}{r.choice(up)}{d(5)}",
            "br": lambda: f"{r.choice(up)}{r.choice(up)}{d(6)}",
            "tw": lambda: f"3{d(8)}",
            "hk": lambda: f"K{d(8)}",
            "mx": lambda: f"G{d(8)}",
            "tr": lambda: f"U{d(8)}",
            "ng": lambda: f"A{d(8)}",
            "vn": lambda: f"C{d(7)}",
        }
        return self._fresh(shapes[country])

    def plate(self) -> str:
        r = self.rng
        provinces = "京沪粤浙苏川鄂湘鲁豫闽陕渝津冀辽皖"
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

        def make() -> str:
            p, c = r.choice(provinces), r.choice("ABCDEFGH")
            tail = "".join(r.choice(letters + "0123456789" * 3) for _ in range(5))
            kind = r.random()
            if kind < 0.25:  # new-energy: D or F then five digits
                return f"{p}{c}{r.choice('DF')}{self.digits(5)}"
            if kind < 0.45:
                return f"{p}{c}·{tail}"
            if kind < 0.55:
                return f"{p}{c} {tail}"
            return f"{p}{c}{tail}"

        return self._fresh(make)

    def ip(self, v6: bool = False) -> str:
        r = self.rng
        if v6:
            return self._fresh(
                lambda: (
                    r.choice(["2a02:8071", "2406:da18", "2600:1f18", "2001:ee0"])
                    + ":"
                    + ":".join(f"{r.randint(0, 65535):x}" for _ in range(4))
                    + "::"
                    + f"{r.randint(1, 4095):x}"
                )
            )
        firsts = _ints("23 31 45 58 61 77 85 91 103 112 116 139 151 176 185 203 211 218 222")
        return self._fresh(
            lambda: (
                f"{r.choice(firsts)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
            )
        )

    def key(self, vendor: str = "") -> str:
        r = self.rng
        alnum = string.ascii_letters + string.digits

        def s(n: int, pool: str = alnum) -> str:
            return "".join(r.choice(pool) for _ in range(n))

        shapes = {
            "openai": lambda: f"sk-proj-{s(40)}",
            "deepseek": lambda: f"sk-{s(32, string.hexdigits.lower()[:16])}",
            "aws": lambda: f"AKIA{s(16, string.ascii_uppercase + '234567')}",
            "github": lambda: f"ghp_{s(36)}",
            "slack": lambda: f"xoxb-{self.digits(12)}-{self.digits(13)}-{s(24)}",
            "stripe": lambda: f"sk_live_{s(28)}",
            "google": lambda: f"AIza{s(35, alnum + '-_')}",
            "sendgrid": lambda: f"SG.{s(22)}.{s(43)}",
            "hf": lambda: f"hf_{s(34)}",
            "gitlab": lambda: f"glpat-{s(20, alnum + '-_')}",
            "anthropic": lambda: f"sk-ant-api03-{s(40, alnum + '-_')}",
            "twilio": lambda: f"SK{s(32, string.hexdigits.lower()[:16])}",
            "npm": lambda: f"npm_{s(36)}",
            "mailgun": lambda: f"key-{s(32, string.hexdigits.lower()[:16])}",
        }
        return self._fresh(shapes[vendor or r.choice(list(shapes))])

    def cred_url(self, kind: str = "") -> str:
        r = self.rng
        tok = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(28))
        hexs = "".join(r.choice("0123456789abcdef") for _ in range(40))
        n = r.randint(1000000, 9999999)
        shapes = {
            "webhook": [
                f"https://hooks.slack.com/services/T0{n}/B0{n % 7919 + 1000000}/{tok[:24]}",
                f"https://discord.com/api/webhooks/{r.randint(10**17, 10**18)}/{tok}{hexs[:20]}",
            ],
            "db": [
                f"postgres://app_user:{tok[:14]}@pg.prod.lumenpay.net:5432/ledger",
                f"redis://:{tok[:18]}@cache.parkwise.io:6379/0",
                f"https://admin:{tok[:12]}@db-backup.kestrelfoods.io/export",
                f"mongodb+srv://claims_svc:{tok[:16]}@cluster0.q8xkz.mongodb.net/claims",
            ],
            "reset": [
                f"https://www.rentaldesk.com/account/reset?token={tok}",
                f"https://mail.yunxiao.cn/login?sid={tok}",
                f"https://portal.homelet-tenants.co.uk/magic-login?code={hexs[:32]}",
                f"https://shop.mintleaf.hk/orders/track?auth={tok}",
            ],
            "meet": [f"https://meet.zoomish.us/j/{r.randint(10**9, 10**10)}?pwd={tok[:22]}"],
            "share": [
                f"https://drive.fileshare.tw/s/{tok[:16]}?key={hexs[:24]}",
                f"https://claims-upload.s3.amazonaws.com/scan.pdf?X-Amz-Credential=AKIA{tok[:16].upper()}&X-Amz-Signature={hexs}",
                f"https://pay.quickfund.app/invoice/{tok[:10]}?access_key={hexs[:32]}",
            ],
        }
        pool = shapes.get(kind) or [u for us in shapes.values() for u in us]
        return self._fresh(lambda: r.choice(pool))

    def jwt(self) -> str:
        r = self.rng

        def b64(obj: dict) -> str:
            return (
                base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode())
                .decode()
                .rstrip("=")
            )

        def make() -> str:
            header = {"alg": r.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
            payload = {
                "sub": str(r.randint(10000, 99999999)),
                "iat": r.randint(1760000000, 1790000000),
            }
            if r.random() < 0.5:
                payload["role"] = r.choice(["user", "admin", "driver", "merchant"])
            sig = base64.urlsafe_b64encode(r.randbytes(32)).decode().rstrip("=")
            return f"{b64(header)}.{b64(payload)}.{sig}"

        return self._fresh(make)

    # --- decoy values
    def decoy(self, kind: str) -> str:
        r, d = self.rng, self.digits
        hexs = "0123456789abcdef"
        shapes = {
            "order_phone": lambda: r.choice(
                [f"1{r.choice('3578')}{d(9)}", f"{d(3)}-{d(7)}-{d(7)}", f"{d(4)} {d(4)} {d(3)}"]
            ),
            "order": lambda: r.choice(
                [
                    f"#{d(7)}",
                    f"ORD-{d(8)}",
                    f"{r.randint(2024, 2026)}{d(14)}",
                    f"W{d(9)}",
                    f"DD{d(10)}",
                ]
            ),
            "track": lambda: r.choice(
                [
                    f"SF{d(13)}",
                    f"1Z{d(3)}E{d(2)}A{d(10)}",
                    f"YT{d(16)}",
                    f"JD{d(13)}",
                    f"7{d(11)}",
                    f"LX{d(9)}CN",
                ]
            ),
            "case": lambda: r.choice(
                [f"CLM-{d(8)}", f"CS-2026-{d(5)}", f"INC{d(7)}", f"TKT-{d(6)}"]
            ),
            "invoice": lambda: r.choice([f"INV-2026-{d(5)}", f"FP{d(12)}", f"No. {d(8)}"]),
            "uuid": lambda: "-".join(
                "".join(r.choice(hexs) for _ in range(n)) for n in (8, 4, 4, 4, 12)
            ),
            "hash": lambda: "".join(r.choice(hexs) for _ in range(r.choice([7, 12, 40, 64]))),
            "order_phone_zh": lambda: f"1{r.choice('3578')}{d(9)}",
            "order_zh": lambda: r.choice(
                [f"{r.randint(2024, 2026)}{d(14)}", f"{d(18)}", f"{d(12)}"]
            ),
            "track_zh": lambda: r.choice([f"73{d(12)}", f"43{d(13)}", f"78{d(12)}", f"9{d(12)}"]),
            "case_zh": lambda: r.choice([f"{d(10)}", f"2026{d(9)}", f"{d(8)}"]),
            "invoice_zh": lambda: r.choice([f"{d(8)}", f"{d(20)}"]),
            "ip_private": lambda: r.choice(
                [
                    f"192.168.{r.randint(0, 9)}.{r.randint(2, 254)}",
                    f"10.{r.randint(0, 40)}.{r.randint(0, 255)}.{r.randint(2, 254)}",
                    f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(2, 254)}",
                ]
            ),
        }
        return self._fresh(shapes[kind])


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.lower()).translate(str.maketrans("ıđł", "idl"))
    return "".join(c for c in plain if c.isascii() and c.isalpha())


def _shape(spec: str) -> list[tuple[int, str]]:
    out, num = [], ""
    for ch in spec:
        if ch.isdigit():
            num += ch
        else:
            out.append((int(num), ch))
            num = ""
    return out


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


LOCATIONS = {
    "us": [
        "8908 5th Court, Springfield, IL 62745",
        "1427 Alder Creek Rd, Boise, ID 83706",
        "55 Wexford Lane, Apt 3B, Hoboken, NJ 07030",
        "3109 Mesquite Trail, El Paso, TX 79936",
        "740 NW Glisan St #412, Portland, OR 97209",
        "19 Hollis Ave, Quincy, MA 02169",
        "2216 Buena Vista Dr, San Marcos, CA 92069",
        "611 Magnolia Blvd, Savannah, GA 31405",
        "4820 Kessler Ridge Ct, Columbus, OH 43221",
        "1088 W Fullerton Pkwy, Unit 2R, Chicago, IL 60614",
        "37 Birchwood Terrace, Burlington, VT 05401",
        "9150 Sandpiper Loop, Naples, FL 34108",
        "2603 Elm Hollow Dr, Nashville, TN 37211",
        "515 Juniper Way, Flagstaff, AZ 86001",
    ],
    "uk": [
        "Flat 7, 22 Tennyson Road, Leeds LS6 2QT",
        "14 Bramble Close, Didsbury, Manchester M20 6RB",
        "3 Harcourt Mews, Bath BA1 2JX",
        "41 Kelvinside Gardens, Glasgow G20 6BG",
        "Flat 2, 9 Cromwell Road, Brighton BN3 3EA",
    ],
    "ca": ["88 Lakeshore Blvd W, Unit 1904, Toronto, ON M5V 3X9"],
    "au": ["Unit 5/41 Jacaranda St, Paddington QLD 4064"],
    "de": ["Schillerstraße 41, 10627 Berlin", "Am Kirchberg 7, 50667 Köln"],
    "fr": ["12 rue des Tanneurs, 67000 Strasbourg", "5 allée des Cerisiers, 69007 Lyon"],
    "es": [
        "Calle de Embajadores 118, 3º B, 28045 Madrid",
        "Carrer de Provença 261, 08008 Barcelona",
    ],
    "pt": ["Rua do Almada 203, 4050-038 Porto"],
    "br": [
        "Rua Harmonia 412, apto 31, Vila Madalena, São Paulo - SP, 05435-000",
        "Av. Atlântica 1702, Copacabana, Rio de Janeiro - RJ",
    ],
    "mx": ["Calle Durango 247, Col. Roma Norte, 06700 CDMX"],
    "in": [
        "Flat 402, Sai Krupa Apartments, 14th Cross, Indiranagar, Bengaluru 560038",
        "B-17, Lajpat Nagar II, New Delhi 110024",
    ],
    "ng": ["14 Adeola Odeku Street, Victoria Island, Lagos"],
    "ke": ["House 9, Riara Road, Kilimani, Nairobi"],
    "ae": ["Villa 23, Street 14, Al Barsha 2, Dubai"],
    "tr": ["Bağdat Caddesi No:187 D:6, Kadıköy, İstanbul"],
    "nl": ["Prinsengracht 431-II, 1016 HM Amsterdam"],
    "jp": ["3-14-7 Nishi-Shinjuku, Shinjuku-ku, Tokyo 160-0023"],
    "kr": ["Apt 1203, 45 Teheran-ro 52-gil, Gangnam-gu, Seoul"],
    "vn": ["68 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP.HCM"],
    "th": ["99/14 Soi Sukhumvit 39, Khlong Tan Nuea, Bangkok 10110"],
    "sg": ["Blk 512 Bedok North Ave 3, #08-214, Singapore 460512"],
    "cn": [
        "北京市朝阳区望京西路48号院3号楼1单元602",
        "上海市徐汇区漕溪北路595弄12号1701室",
        "广东省深圳市南山区科苑南路2666号",
        "浙江省杭州市西湖区文三路259号昌地火炬大厦",
        "成都市武侯区玉林南路17号附3号",
        "武汉市洪山区珞喻路1037号华中科大东区宿舍",
        "江苏省南京市鼓楼区中山北路105号2栋",
        "天津市河西区友谊路23号",
        "重庆市渝中区解放碑民族路188号",
        "西安市雁塔区小寨西路26号",
        "山东省青岛市市南区香港中路61号",
        "长沙市岳麓区麓山南路932号",
        "广州市天河区体育西路191号中石化大厦B座2305",
        "苏州市工业园区星湖街328号创意产业园8幢",
        "郑州市金水区花园路39号院5号楼",
        "厦门市思明区湖滨南路57号金源大厦",
        "合肥市蜀山区长江西路669号",
        "沈阳市和平区南京北街206号3门",
        "昆明市五华区翠湖南路8号",
        "大连市中山区人民路15号国际金融大厦2101",
        "福州市鼓楼区五四路128号恒力城",
        "南宁市青秀区民族大道136号",
        "杭州市余杭区五常街道文一西路969号",
        "北京市海淀区中关村大街27号1106室",
        "上海市浦东新区张杨路500号华润时代广场18楼",
        "深圳市福田区福华三路88号财富大厦3506",
        "南昌市东湖区八一大道357号",
        "贵阳市云岩区中华北路289号",
        "哈尔滨市南岗区西大直街92号",
        "济南市历下区泉城路180号齐鲁国际大厦",
        "石家庄市长安区中山东路326号",
        "太原市小店区长风街115号",
        "兰州市城关区东岗西路638号",
    ],
    "tw": [
        "台北市大安區復興南路一段390號7樓",
        "新北市板橋區文化路二段182巷3弄12號",
        "臺中市西屯區台灣大道三段99號",
        "高雄市苓雅區四維三路6號12樓之3",
        "台南市東區大學路1號",
        "桃園市中壢區中正路215號5樓",
        "新竹市東區光復路二段101號",
    ],
    "hk": [
        "九龍旺角彌敦道688號旺角中心一期12樓B室",
        "香港島北角英皇道510號港運大廈18樓",
        "新界沙田第一城銀城街5號15座23樓F室",
        "九龍觀塘巧明街100號友邦九龍大樓9樓",
        "香港灣仔軒尼詩道302號集成中心20樓",
        "新界荃灣楊屋道8號如心廣場2座31樓",
    ],
}
