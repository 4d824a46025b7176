"""Build benchmarks/pii_fresh6.txt, the sixth held-out chat corpus, from hand-written templates.

    python3 scripts/fresh6_corpus.py > benchmarks/pii_fresh6.txt

The corpus author wrote every template in scripts/fresh6_templates.txt by hand (one message
shape a line, grouped by domain under "## " headings) without reading the recognizers, their
lists or tests, or the generators of the earlier corpora. This script only fills the
«placeholders» with seeded invented values (valid checksums from fresh_pii_values) and wraps
them in the corpus markup, so the file rebuilds byte for byte. A template with a placeholder
is used at most twice (different values each time), a fixed one or one marked
with a leading "=" once.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fresh_pii_values import iban_make, id_check, luhn_complete

HERE = Path(__file__).resolve().parent
CJK = re.compile("[\u4e00-\u9fff]")
TOKEN = re.compile(r"«([a-z0-9_.]+)(?:#(\d+))?(?::([a-z]+))?»")
SEED = 20261206


def load_names() -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {}
    key = ""
    for line in (HERE / "fresh6_names.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            key = line.strip("[]")
            parts[key] = []
        else:
            parts[key] += line.split()
    return parts


NAMES = load_names()
PINYIN = dict(w.split("=") for w in NAMES["zh.pinyin"])
R = random.Random(SEED)


def digits(n: int) -> str:
    return "".join(R.choice(string.digits) for _ in range(n))


def alnum(n: int, pool: str = string.ascii_letters + string.digits) -> str:
    return "".join(R.choice(pool) for _ in range(n))


# --- people: (full, given, family) ------------------------------------------------------
def person(culture: str) -> tuple[str, str, str]:
    if culture in ("zh", "zht"):
        fam, giv = R.choice(NAMES[culture + ".family"]), R.choice(NAMES[culture + ".given"])
        return fam + giv, giv, fam
    if culture == "py":  # a Chinese name written in pinyin, given name first or last
        fam = R.choice([k for k in PINYIN if len(k) == 1 and k in NAMES["zh.family"]])
        giv = R.choice([k for k in PINYIN if len(k) == 2])
        f, g = PINYIN[fam], PINYIN[giv]
        return (f"{g} {f}" if R.random() < 0.5 else f"{f} {g}"), g, f
    if culture == "any":
        culture = R.choice(["en", "es", "pt", "tr", "id", "ar", "vi", "ko", "ja", "ng", "in"])
    giv, fam = R.choice(NAMES[culture + ".given"]), R.choice(NAMES[culture + ".family"])
    if culture == "vi":
        return f"{fam} {R.choice(NAMES['vi.middle'])} {giv}", giv, fam
    if culture == "es" and R.random() < 0.4:
        fam2 = R.choice(NAMES["es.family"])
        return f"{giv} {fam} {fam2}", giv, fam
    if culture == "ko" and R.random() < 0.5:
        return f"{fam} {giv}", giv, fam
    return f"{giv} {fam}", giv, fam


US_AREAS = ["212", "312", "415", "617", "646", "713", "206", "503", "404", "702", "917", "347"]
NG_PREFIX = ["803", "806", "813", "816", "703", "802"]
AM_PM = ["am", "pm", "AM", "PM"]


# --- phones ----------------------------------------------------------------------------
CN_PREFIX = "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 173 175"
CN_PREFIX = (CN_PREFIX + " 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199").split()


def phone(kind: str) -> str:
    if kind.startswith("cn"):
        n = R.choice(CN_PREFIX) + digits(8)
        return {
            "cn": n,
            "cnd": f"{n[:3]}-{n[3:7]}-{n[7:]}",
            "cns": f"{n[:3]} {n[3:7]} {n[7:]}",
            "cni": f"+86 {n[:3]} {n[3:7]} {n[7:]}",
            "cnj": f"+86{n}",
            "cnl": R.choice(["010-", "021-", "0755-", "(020)", "0571-", "028-"])
            + R.choice("2345678")
            + digits(7),
        }[kind]
    area = R.choice(US_AREAS)
    table = {
        "us": f"({area}) {R.randint(201, 989)}-{digits(4)}",
        "usd": f"{area}-{R.randint(201, 989)}-{digits(4)}",
        "usi": f"+1 {area} {R.randint(201, 989)} {digits(4)}",
        "uk": f"+44 7{R.choice('4589')}{digits(2)} {digits(6)}",
        "ukl": f"07{R.choice('4589')}{digits(2)} {digits(6)}",
        "hk": f"+852 {R.choice('569')}{digits(3)} {digits(4)}",
        "tw": f"09{digits(2)}-{digits(3)}-{digits(3)}",
        "twi": f"+886 9{digits(2)} {digits(3)} {digits(3)}",
        "sg": f"+65 {R.choice('89')}{digits(3)} {digits(4)}",
        "id": f"+62 8{R.choice('1235')}{digits(1)}-{digits(4)}-{digits(4)}",
        "idl": f"08{R.choice('1235')}{digits(1)} {digits(4)} {digits(4)}",
        "tr": f"+90 5{R.choice('345')}{digits(1)} {digits(3)} {digits(2)} {digits(2)}",
        "br": f"+55 {R.choice(['11', '21', '31', '41'])} 9{digits(4)}-{digits(4)}",
        "in": f"+91 {R.choice('6789')}{digits(4)} {digits(5)}",
        "jp": f"0{R.choice('789')}0-{digits(4)}-{digits(4)}",
        "kr": f"010-{digits(4)}-{digits(4)}",
        "ng": f"+234 {R.choice(NG_PREFIX)} {digits(3)} {digits(4)}",
        "vn": f"+84 9{digits(2)} {digits(3)} {digits(3)}",
        "es": f"+34 6{digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        "mx": f"+52 55 {digits(4)} {digits(4)}",
        "de": f"+49 15{R.choice('1279')} {digits(8)}",
        "ae": f"+971 5{R.choice('0256')} {digits(3)} {digits(4)}",
        "my": f"+60 1{R.choice('2679')}-{digits(3)} {digits(4)}",
        "ph": f"+63 9{digits(2)} {digits(3)} {digits(4)}",
        "fr": f"+33 6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
    }
    return table[kind]


# --- addresses -------------------------------------------------------------------------
ZH_CITY = [
    ("北京市", "朝阳区"), ("北京市", "海淀区"), ("上海市", "浦东新区"), ("上海市", "徐汇区"),
    ("广州市", "天河区"), ("深圳市", "南山区"), ("杭州市", "余杭区"), ("成都市", "武侯区"),
    ("南京市", "鼓楼区"), ("武汉市", "洪山区"), ("西安市", "雁塔区"), ("重庆市", "渝北区"),
    ("苏州市", "工业园区"), ("天津市", "河西区"), ("长沙市", "岳麓区"), ("郑州市", "金水区"),
    ("青岛市", "崂山区"), ("厦门市", "思明区"), ("合肥市", "蜀山区"), ("昆明市", "五华区"),
]  # fmt: skip
ZH_ROAD = "建设路 解放路 人民路 中山路 滨江大道 青年路 学府路 文化路 光明街 新华路 长江路 和平路"
ZH_ROAD = (ZH_ROAD + " 东风路 枫林路 望江路 景田北路 金桥路 科技南路 杨柳街 育才路").split()
ZH_ESTATE = [
    "阳光花园", "金色家园", "翠湖苑", "锦绣华庭", "碧桂园",
    "万科城", "保利香槟", "幸福里", "龙湖春江", "和谐家园",
]  # fmt: skip
TW_CITY = [
    "臺北市大安區", "新北市板橋區", "臺中市西屯區", "高雄市苓雅區", "桃園市中壢區", "臺南市東區"
]  # fmt: skip
TW_ROAD = [
    "復興南路一段", "忠孝東路四段", "文化路二段", "中山北路三段", "民生東路", "成功路", "中華路一段"
]  # fmt: skip
US_STREET = "Maple Oak Cedar Birch Willow Highland Lakeview Sycamore Chestnut Ridge Hawthorne"
US_STREET = US_STREET.split()
US_SUFFIX = ["St", "Ave", "Dr", "Ln", "Rd", "Blvd", "Ct", "Way"]
US_CITY = [
    ("Austin", "TX", "787"), ("Portland", "OR", "972"), ("Columbus", "OH", "432"),
    ("Raleigh", "NC", "276"), ("Madison", "WI", "537"), ("Tucson", "AZ", "857"),
    ("Sacramento", "CA", "958"), ("Denver", "CO", "802"), ("Brooklyn", "NY", "112"),
    ("Edison", "NJ", "088"), ("Plano", "TX", "750"), ("Quincy", "MA", "021"),
]  # fmt: skip


UK_CITY = [("Leeds", "LS6"), ("Manchester", "M14"), ("Bristol", "BS7"), ("Nottingham", "NG7")]
UK_CITY += [("Edinburgh", "EH9"), ("Cardiff", "CF24"), ("London", "SE15"), ("London", "N16")]


# Other countries' addresses as shapes: {a|b|c} picks one, {lo-hi} a number, {n5} five digits.
SHAPES = {
    "sg": "Blk {100-699} {Ang Mo Kio Ave 3|Tampines St 81|Jurong West St 52|Bedok North Rd}, "
    "#{02|03|05|07|08|11|12|14}-{10-999}, Singapore {460-650}{n3}",
    "id": "Jl. {Kebon Sirih|Cempaka Putih Raya|Dago|Malioboro|Raya Darmo} No. {1-200}, "
    "RT {1-12}/RW {1-9}, {Menteng, Jakarta Pusat|Coblong, Bandung|Gubeng, Surabaya} {10-60}{n3}",
    "tr": "{Bağdat Cad.|Atatürk Bulvarı|Moda Cad.|Kazım Karabekir Sok.} No:{1-300} D:{1-20}, "
    "{Kadıköy, İstanbul 34|Çankaya, Ankara 06|Konak, İzmir 35}{n3}",
    "br": "Rua {Augusta|Haddock Lobo|dos Pinheiros|Voluntários da Pátria}, {10-2500}, "
    "apto {11-180}, {Consolação|Pinheiros|Botafogo}, {São Paulo - SP|Rio de Janeiro - RJ}, "
    "{n5}-{n3}",
    "es": "Calle de {Alcalá|Serrano|Toledo|Bravo Murillo} {1-250}, {1-8}º {A|B|C|D}, "
    "280{n2} Madrid",
    "de": "{Lindenstraße|Bergmannstraße|Schillerweg|Hauptstraße} {1-120}, "
    "{10969 Berlin|80331 München|50667 Köln|20095 Hamburg}",
    "jp": "東京都{世田谷区三軒茶屋|杉並区高円寺南|目黒区自由が丘|江東区豊洲}{1-5}-{1-30}-{1-20} "
    "{グランドメゾン|パークハイツ|コーポ桜}{101-905}",
    "in": "Flat {101-1204}, {Sai Residency|Prestige Lakeside|Green Glen Layout}, {4-18}th Main "
    "Road, {Indiranagar, Bengaluru 560038|Koramangala, Bengaluru 560034|Andheri West, Mumbai "
    "400053}",
    "ng": "{1-80} {Admiralty Way, Lekki Phase 1|Adeola Odeku Street, Victoria Island|Allen "
    "Avenue, Ikeja}, Lagos",
    "kr": "서울특별시 {마포구 월드컵북로|강남구 테헤란로|송파구 올림픽로} {1-500}, "
    "{101-112}동 {101-2003}호",
}


POOLS = {
    "n": string.digits,
    "h": "0123456789abcdef",
    "a": string.ascii_letters + string.digits,
    "l": string.ascii_lowercase,
    "u": string.ascii_uppercase + string.digits,
}


def shaped(shape: str) -> str:
    def one(m: re.Match) -> str:
        body = m.group(1)
        if re.fullmatch(r"[nhalu]\d+", body):
            return alnum(int(body[1:]), POOLS[body[0]])
        if re.fullmatch(r"\d+-\d+", body):
            lo, hi = body.split("-")
            return str(R.randint(int(lo), int(hi)))
        return R.choice(body.split("|"))

    return re.sub(r"\{([^}]*)\}", one, shape)


def address(kind: str) -> str:
    if kind in ("zh", "zhs", "zhn"):
        city, dist = R.choice(ZH_CITY)
        road = R.choice(ZH_ROAD)
        tail = R.choice(
            [
                f"{R.randint(1, 899)}号",
                f"{R.randint(1, 300)}号{R.choice(ZH_ESTATE)}{R.randint(1, 28)}栋"
                f"{R.randint(1, 4)}单元{R.randint(1, 33)}0{R.randint(1, 4)}室",
                f"{R.randint(10, 999)}弄{R.randint(1, 60)}号{R.randint(101, 2404)}室",
                f"{R.randint(1, 500)}号院{R.randint(1, 12)}号楼{R.randint(101, 1806)}",
            ]
        )
        if kind == "zhn":  # pasted from a form with the line broken after the district
            return city + dist + "\\n" + road + tail
        return (city if kind == "zh" else "") + dist + road + tail
    if kind == "tw":
        return f"{R.choice(TW_CITY)}{R.choice(TW_ROAD)}{R.randint(1, 420)}號{R.randint(2, 18)}樓"
    if kind == "hk":
        return R.choice(
            [
                f"Flat {R.randint(1, 40)}{R.choice('ABCDEFGH')}, {R.randint(3, 45)}/F, "
                f"Block {R.randint(1, 9)}, "
                + R.choice(
                    [
                        "Laguna City, Kwun Tong",
                        "Tai Koo Shing, Quarry Bay",
                        "Mei Foo Sun Chuen, Lai Chi Kok",
                    ]
                ),
                f"九龍旺角彌敦道{R.randint(500, 760)}號{R.randint(3, 25)}樓{R.choice('ABCD')}室",
            ]
        )
    if kind in ("us", "usn"):
        city, st, z = R.choice(US_CITY)
        unit = R.choice(
            ["", f", Apt {R.randint(1, 40)}{R.choice('ABCD')}", f" Unit {R.randint(100, 999)}"]
        )
        sep = ", " if kind == "us" else "\\n"  # usn: the city line pasted as an escape
        street = f"{R.randint(12, 9800)} {R.choice(US_STREET)} {R.choice(US_SUFFIX)}{unit}"
        return f"{street}{sep}{city}, {st} {z}{digits(2)}"
    if kind == "uk":
        city, outward = R.choice(UK_CITY)
        inward = (
            f"{R.randint(1, 9)}{R.choice('ABDEFGHJLNPQRSTUWXYZ')}{R.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        street = R.choice(
            ["Carlton Road", "Mill Lane", "Victoria Street", "Beechwood Avenue", "Church Walk"]
        )
        return f"Flat {R.randint(1, 12)}, {R.randint(2, 180)} {street}, {city} {outward} {inward}"
    if kind in SHAPES:
        return shaped(SHAPES[kind])
    raise KeyError(kind)


# --- dates of birth --------------------------------------------------------------------
MONTHS = "January February March April May June July August September October November December"
MONTHS = MONTHS.split()
RANGES = {"kid": (2019, 2022), "teen": (2006, 2011), "young": (1998, 2007), "old": (1931, 1952)}
RANGES[""] = (1962, 2003)


LAST_DOB = [(1990, 1, 1)]  # the latest date of birth drawn, for an id in the same message


def dob(fmt: str, age: str) -> str:
    lo, hi = RANGES[age]
    y, m, d = R.randint(lo, hi), R.randint(1, 12), R.randint(1, 28)
    LAST_DOB[0] = (y, m, d)
    return {
        "zh": f"{y}年{m}月{d}日",
        "en": f"{MONTHS[m - 1]} {d}, {y}",
        "dm": f"{d} {MONTHS[m - 1][:3]} {y}",
        "us": f"{m:02d}/{d:02d}/{y}",
        "eu": f"{d:02d}.{m:02d}.{y}",
        "iso": f"{y}-{m:02d}-{d:02d}",
        "sl": f"{y}/{m:02d}/{d:02d}",
        "dot": f"{y}.{m}.{d}",
        "ymd": f"{y}{m:02d}{d:02d}",
    }[fmt]


# --- accounts, keys, numbers -----------------------------------------------------------
MAIL_DOMAINS = [
    "gmail.com", "outlook.com", "qq.com", "163.com", "126.com", "foxmail.com", "icloud.com",
    "proton.me"
]  # fmt: skip
MAIL_DOMAINS += ["yahoo.co.jp", "hotmail.co.uk", "naver.com", "sina.com", "yahoo.com.tw", "gmx.de"]


def email() -> str:
    _, giv, fam = person(R.choice(["en", "py", "any", "py"]))
    local = R.choice(
        [
            f"{giv}.{fam}",
            f"{giv[0]}{fam}{digits(2)}",
            f"{fam}_{giv}",
            f"{giv}{R.randint(1970, 2005)}",
        ]
    )
    local = re.sub(r"[^a-z0-9._]", "", local.lower().replace("ş", "s").replace("ı", "i"))
    return f"{local or 'x' + digits(5)}@{R.choice(MAIL_DOMAINS)}"


WORDS = [
    "sunny", "kiwi", "maple", "tiger", "lotus", "pixel", "mango", "cocoa", "frost", "river",
    "echo", "nova", "panda", "blue"
]  # fmt: skip
WORDS += [
    "lemon", "cloud", "orbit", "amber", "misty", "rocket", "bamboo", "coral", "zen", "jade",
    "hazel", "ginger"
]  # fmt: skip


def handle(sep: str = "_") -> str:
    return f"{R.choice(WORDS)}{sep}{R.choice(WORDS)}{digits(R.randint(1, 4))}"


def im(kind: str) -> str:
    return {
        "wx": R.choice(
            [f"wxid_{alnum(14, string.ascii_lowercase + string.digits)}", handle("_"), handle("-")]
        ),
        "qq": str(R.randint(10**5, 3 * 10**9)),
        "tg": handle("_"),
        "line": handle("."),
        "signal": f"{R.choice(WORDS)}{R.choice(WORDS)}.{digits(2)}",
        "kakao": handle(""),
        "skype": f"live:.cid.{alnum(16, '0123456789abcdef')}",
    }[kind]


def api_key(kind: str) -> str:
    hexd = "0123456789abcdef"
    up = string.ascii_uppercase + string.digits
    return {
        "ds": "sk-" + alnum(32, hexd),
        "aws": "AKIA" + alnum(16, up),
        "awss": alnum(40, string.ascii_letters + string.digits + "/+"),
        "stripe": R.choice(["sk_live_", "rk_live_"]) + alnum(24),
        "gh": "ghp_" + alnum(36),
        "google": "AIza" + alnum(35, string.ascii_letters + string.digits + "_-"),
        "slack": f"xoxb-{digits(12)}-{digits(13)}-{alnum(24)}",
        "sg": f"SG.{alnum(22)}.{alnum(43)}",
        "hex": alnum(32, hexd),
        "twilio": "SK" + alnum(32, hexd),
        "openai": "sk-proj-" + alnum(48, string.ascii_letters + string.digits + "_-"),
        "mapbox": "sk." + alnum(60),
    }[kind]


def b64(obj: dict) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwt() -> str:
    alg = R.choice(["HS256", "RS256", "ES256"])
    iat = 1790000000 + R.randint(0, 9000000)
    payload = {
        "sub": R.choice([digits(8), "u_" + alnum(10)]),
        "iat": iat,
        "exp": iat + 3600 * R.choice([1, 2, 24, 168]),
    }
    if R.random() < 0.4:
        payload["scope"] = R.choice(["rider", "driver", "guest", "tenant", "app"])
    sig = alnum(R.choice([43, 86]), string.ascii_letters + string.digits + "_-")
    return f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(payload)}.{sig}"


URL_SHAPES = {
    "reset": "https://{account.tripnest.io|id.cleanhome.cn|auth.leaguely.app}/reset-password"
    "?token={a32}",
    "s3": "https://{crash-uploads|tenant-docs|movers-photos}.s3.amazonaws.com/{l8}/{n6}.jpg"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA{u16}%2F20261202%2Fap-east-1"
    "%2Fs3%2Faws4_request&X-Amz-Signature={h64}",
    "basic": "https://{ops|admin|deploy}:{a12}@{backup.kidsgarden.cn|nas.ridgeclub.org|"
    "ftp.movingpro.com}/{exports|roster|share}/",
    "meet": "https://zoom.us/j/{n10}?pwd={a32}",
    "pan": "https://pan.baidu.com/s/1{a22}?pwd={l2}{n2}",
    "magic": "https://{app.gigbridge.com|login.matchly.co|m.tutorhub.cn}/auth/magic?t={a36}",
    "ics": "https://calendar.google.com/calendar/ical/{l10}%40gmail.com/private-{h32}/basic.ics",
    "invite": "https://{discord.gg/|t.me/+}{a12}",
    "share": "https://docs.qq.com/sheet/{a16}?u={h32}&tab=BB08J2",
    "pg": "postgres://app_rw:{a16}@{db-orders.internal|pg-main.lan}:5432/orders",
    "bill": "https://pay.{sgcc-bill.cn|waterco.hk|gasnet.com.cn}/v/{n10}?sig={a30}",
}


def url(kind: str) -> str:
    return shaped(URL_SHAPES[kind])


PUBLIC_FIRST = [27, 36, 39, 42, 49, 58, 61, 101, 106, 112, 113, 114, 115, 116, 117, 119, 120, 121]
PUBLIC_FIRST += [122, 123, 124, 125, 171, 175, 180, 182, 183, 202, 210, 211, 218, 219, 220, 221]
PUBLIC_FIRST += [24, 68, 71, 73, 76, 81, 84, 88, 91, 94, 95, 5, 31, 46, 78, 85, 89, 93, 178, 185]


def ip(kind: str) -> str:
    if kind == "v6":
        return shaped("{240e|2408|2409|2001:da8|2a02}:{h3}:{h4}:{h4}::{h2}")
    if kind == "priv":  # private, as one person's own device
        return R.choice(
            [
                f"192.168.{R.choice([0, 1, 3, 31, 50])}.{R.randint(2, 250)}",
                f"10.0.{R.randint(0, 9)}.{R.randint(2, 250)}",
            ]
        )
    return f"{R.choice(PUBLIC_FIRST)}.{R.randint(1, 254)}.{R.randint(0, 254)}.{R.randint(1, 254)}"


def card(kind: str) -> str:
    prefix, length = {
        "visa": ("4", 16), "mc": (R.choice(["51", "53", "55", "2221"]), 16),
        "amex": (R.choice(["34", "37"]), 15),
        "up": ("62", 16), "up19": ("62", 19), "jcb": ("3530", 16), "disc": ("6011", 16),
    }[kind]  # fmt: skip
    n = luhn_complete(prefix, length, R)
    style = R.choice(["plain", "space", "space", "dash"])
    if style == "plain" or length == 19:
        return n
    sep = " " if style == "space" else "-"
    if length == 15:
        return sep.join([n[:4], n[4:10], n[10:]])
    return sep.join(n[i : i + 4] for i in range(0, 16, 4))


def ssn(kind: str) -> str:
    while True:
        a, g, s = R.randint(1, 899), R.randint(1, 99), R.randint(1, 9999)
        if a != 666:
            break
    return f"{a:03d} {g:02d} {s:04d}" if kind == "sp" else f"{a:03d}-{g:02d}-{s:04d}"


IBAN_SHAPES = {
    "de": "18n", "fr": "23n", "es": "20n", "nl": "4a10n", "it": "1a22n", "gb": "4a14n",
    "be": "12n", "at": "16n", "ch": "17n", "pl": "24n", "tr": "22n", "pt": "21n", "ae": "19n",
    "sa": "20n", "ie": "4a14n", "se": "20n", "br": "23n1a1a",
}  # fmt: skip
BANKS = {"nl": ["ABNA", "INGB", "RABO"], "gb": ["NWBK", "BARC", "HBUK"], "ie": ["AIBK", "BOFI"]}


def iban(kind: str) -> str:
    country = kind[:2]
    bban = R.choice(BANKS.get(country, [""]))
    shape = IBAN_SHAPES[country]
    if bban:
        shape = shape[2:]
    for count, k in re.findall(r"(\d+)([na])", shape):
        bban += "".join(
            R.choice("0123456789" if k == "n" else "ABCDEFGHJKLMNPRSTUVWXYZ")
            for _ in range(int(count))
        )
    if country == "tr":
        bban = bban[:5] + "0" + bban[6:]
    value = iban_make(country.upper(), bban)
    if kind.endswith("g"):  # grouped by four, as printed on statements
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def cn_id(kind: str) -> str:
    area = R.choice(
        ["110105", "310104", "440106", "330110", "510107", "420106", "320105", "610113"]
    )
    area = R.choice([area, "370212", "350203", "430104", "410105", "500112", "120103", "530102"])
    lo, hi = RANGES.get(kind if kind in RANGES else "", (1962, 2003))
    y, m, d = (
        LAST_DOB[0] if kind == "dob" else (R.randint(lo, hi), R.randint(1, 12), R.randint(1, 28))
    )
    first17 = f"{area}{y}{m:02d}{d:02d}{digits(3)}"
    good = id_check(first17)
    if kind == "bad":  # typed with a wrong last character, right after 身份证
        return first17 + R.choice([c for c in "0123456789X" if c != good])
    return first17 + good


def passport(kind: str) -> str:
    up = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return {
        "cn": R.choice(["E" + digits(8), R.choice(["EA", "EB", "EC", "ED", "EH"]) + digits(7)]),
        "us": R.choice(["5" + digits(8), "A" + digits(8)]),
        "uk": R.choice("12345") + digits(8),
        "in": R.choice("JKLMNPRSTUVZ") + digits(7),
        "jp": "T" + R.choice("KRSZ") + digits(7),
        "kr": "M" + digits(8),
        "tr": "U" + digits(8),
        "de": R.choice("CFGHJK") + alnum(8, "CFGHJKLMNPRTVWXYZ0123456789"),
        "id": R.choice("XCB") + digits(7),
        "br": R.choice(["FX", "GB", "FZ"]) + digits(6),
        "vn": R.choice("CBN") + digits(7),
        "ng": R.choice("AB") + digits(8),
        "hk": "K" + digits(8),
        "tw": "3" + digits(8),
        "es": R.choice(["PAA", "PAB", "PAD"]) + digits(6),
        "mx": "G" + digits(8),
        "ph": "P" + digits(7) + R.choice(up),
        "sg": "K" + digits(7) + R.choice(up),
    }[kind]


PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋蒙陕吉闽贵粤川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def plate(kind: str) -> str:
    head = R.choice(PROVINCES) + R.choice("ABCDEFGH")
    if kind == "ev":
        body = R.choice("DF") + R.choice(["", R.choice(PLATE_LETTERS)]) + digits(5)
        body = body[:6]
    else:
        body = "".join(
            R.choice(PLATE_LETTERS)
            if i in (0, 2) and R.random() < 0.35
            else R.choice(string.digits)
            for i in range(5)
        )
    sep = R.choice(["", "", "·", " "])
    return head + sep + body


# --- decoys ----------------------------------------------------------------------------
def decoy(kind: str) -> tuple[str, str]:
    hexd = "0123456789abcdef"
    table = {
        "order": (
            "order",
            R.choice(
                [
                    digits(19),
                    "SO" + digits(10),
                    f"ORD-{digits(4)}-{alnum(5, string.ascii_uppercase + string.digits)}",
                    "E" + digits(16),
                ]
            ),
        ),
        "track": (
            "tracking",
            R.choice(
                [
                    "SF" + digits(13),
                    "YT" + digits(13),
                    "JDVA" + digits(11),
                    "1Z" + alnum(16, string.ascii_uppercase + string.digits),
                    "ZTO" + digits(12),
                    "773" + digits(12),
                ]
            ),
        ),
        "case": (
            "case",
            R.choice([f"CASE-{digits(6)}", f"TK-{digits(5)}", f"#{digits(5)}", f"GD{digits(12)}"]),
        ),
        "invoice": (
            "invoice",
            R.choice([f"INV-2026-{digits(5)}", f"FP{digits(20)}", f"No.{digits(8)}"]),
        ),
        "uuid": ("uuid", str(uuid.UUID(int=R.getrandbits(128), version=4))),
        "hash": (
            "hash",
            R.choice(
                [alnum(40, hexd), alnum(64, hexd), alnum(7, hexd), "sha256:" + alnum(64, hexd)]
            ),
        ),
        "ver": (
            "version",
            R.choice(
                [
                    f"v{R.randint(1, 9)}.{R.randint(0, 30)}.{R.randint(0, 20)}",
                    f"{R.randint(1, 18)}.{R.randint(0, 9)}.{R.randint(0, 99)}",
                    f"build {R.randint(1000, 9999)}",
                ]
            ),
        ),
        "ip": (
            "ip",
            R.choice(
                [
                    f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
                    f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
                    f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}",
                    "127.0.0.1",
                ]
            ),
        ),
        "time": (
            "time",
            R.choice(
                [
                    f"{R.randint(0, 23):02d}:{R.randint(0, 59):02d}",
                    f"{R.randint(1, 12)}:{R.randint(0, 59):02d} {R.choice(AM_PM)}",
                ]
            ),
        ),
        "amt": (
            "amount",
            R.choice(
                [
                    f"${R.randint(5, 2400)}.{digits(2)}",
                    f"${R.randint(20, 900)}",
                    f"USD {R.randint(10, 3000)}",
                ]
            ),
        ),
        "yuan": (
            "amount",
            R.choice(
                [
                    f"¥{R.randint(12, 9800)}",
                    f"{R.randint(20, 3000)}元",
                    f"{R.randint(12, 800)}.{digits(1)}元",
                ]
            ),
        ),
        "date": (
            "date",
            R.choice(
                [
                    f"2026-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}",
                    f"Dec {R.randint(1, 28)}",
                    f"{R.randint(1, 28):02d}/11/2026",
                    f"Nov {R.randint(1, 30)}",
                ]
            ),
        ),
        "zdate": (
            "date",
            R.choice(
                [
                    f"2026-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}",
                    f"{R.randint(1, 12)}月{R.randint(1, 28)}日",
                    f"{R.randint(1, 12)}/{R.randint(1, 28)}",
                ]
            ),
        ),
        "num": ("number", str(R.randint(10**6, 10**10))),
        "code": ("code", R.choice([digits(6), alnum(6, string.ascii_uppercase + string.digits)])),
        "host": (
            "host",
            R.choice(
                [
                    f"api-gw-{R.randint(1, 9):02d}.internal",
                    f"db{R.randint(1, 6)}.prod.lan",
                    f"edge-{alnum(4, string.ascii_lowercase)}.cdn.net",
                    f"worker-{R.randint(1, 40)}.svc.cluster.local",
                ]
            ),
        ),
        "seat": ("code", f"{R.randint(1, 60)}{R.choice('ABCDEFHJK')}"),
        "flight": (
            "code",
            R.choice(["CA", "MU", "CZ", "HU", "CX", "BR", "SQ", "UA", "TK", "GA"])
            + str(R.randint(100, 9999)),
        ),
        "pnr": ("code", alnum(6, "ABCDEFGHJKLMNPQRSTUVWXYZ")),
        "room": ("number", str(R.randint(2, 30)) + f"{R.randint(1, 40):02d}"),
        "meter": ("number", digits(R.choice([10, 12, 13]))),
    }
    return table[kind]


def fill(template: str) -> str:
    memo: dict[tuple[str, str], tuple] = {}

    def one(m: re.Match) -> str:
        name, n, part = m.group(1), m.group(2) or "", m.group(3) or ""
        key = (name, n)
        head, _, rest = name.partition(".")
        if head == "p":
            if key not in memo:
                memo[key] = person(rest)
            full, giv, fam = memo[key]
            value = {"": full, "f": giv, "l": fam}[part]
            return "{PERSON|" + value + "}"
        if head == "d":
            if key not in memo or not n:
                memo[key] = decoy(rest)
            kind, value = memo[key]
            return f"[{kind}|{value}]"
        if key in memo and n:
            typ, value = memo[key]
            return "{" + typ + "|" + value + "}"
        sub, _, age = rest.partition(".")
        gen = {
            "tel": ("PHONE_NUMBER", lambda: phone(rest)),
            "addr": ("LOCATION", lambda: address(rest)),
            "dob": ("DATE_OF_BIRTH", lambda: dob(sub, age)),
            "mail": ("EMAIL_ADDRESS", email),
            "key": ("API_KEY", lambda: api_key(rest)),
            "cnid": ("CN_RESIDENT_ID", lambda: cn_id(rest)),
            "pp": ("PASSPORT", lambda: passport(rest)),
            "ip": ("IP_ADDRESS", lambda: ip(rest)),
            "im": ("IM_ACCOUNT", lambda: im(rest)),
            "card": ("CREDIT_CARD", lambda: card(rest)),
            "url": ("URL", lambda: url(rest)),
            "ssn": ("US_SSN", lambda: ssn(rest)),
            "iban": ("IBAN_CODE", lambda: iban(rest)),
            "plate": ("CN_LICENSE_PLATE", lambda: plate(rest)),
            "jwt": ("JWT", jwt),
        }[head]
        typ, value = gen[0], gen[1]()
        memo[key] = (typ, value)
        return "{" + typ + "|" + value + "}"

    template = re.sub(r"\[d\.([a-z]+)\]", r"«d.\1»", template)  # [d.kind] is «d.kind»
    if CJK.search(template):  # amounts and dates written the way a Chinese message writes them
        template = template.replace("«d.amt»", "«d.yuan»").replace("«d.date»", "«d.zdate»")
    return TOKEN.sub(one, template)


def main() -> None:
    lines = (HERE / "fresh6_templates.txt").read_text(encoding="utf-8").splitlines()
    header, body = [], []
    for line in lines:
        if line.startswith("#!"):
            header.append("#" + line[2:])
        elif line.startswith("## "):
            body.append(("section", line[3:]))
        elif line.strip() and not line.startswith("#"):
            body.append(("t", line))
    out = header[:]
    section: list[str] = []
    title = ""

    def flush() -> None:
        if not section:
            return
        seconds = [t for t in section if ("«" in t or "[d." in t) and not t.startswith("=")]
        firsts = [fill(t.removeprefix("=")) for t in section]
        again = [fill(t) for t in seconds]
        mixed = firsts + again
        R.shuffle(mixed)
        out.append(f"# --- {title}")
        out.extend(mixed)

    for kind, text in body:
        if kind == "section":
            flush()
            section, title = [], text
        else:
            section.append(text)
    flush()
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
