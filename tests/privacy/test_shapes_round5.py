"""Issue 19, fifth round: the leak kinds the second outside corpus showed, as general
shapes (messenger handles, Taiwan / Hong Kong / Polish / Korean / Japanese / Indian
addresses, vendor keys, birth years and form fields, Minguo dates, passports without a
letter, traditional-script names), each with look-alikes that must stay. Sentences of
our own, through the real Redactor."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.redactor import Redactor
from sentinel.privacy.script import fold_traditional


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # messengers other than WeChat / QQ
        ("add me on LINE, my LINE id: kumiko_77", "IM_ACCOUNT", "kumiko_77"),
        ("Line ID: harunatsu", "IM_ACCOUNT", "harunatsu"),
        ("my discord is nightowl#0815 if you play", "IM_ACCOUNT", "nightowl#0815"),
        ("discord username: pixel.moth", "IM_ACCOUNT", "pixel.moth"),
        ("ask in discord, Bramble#2291 runs the server", "IM_ACCOUNT", "Bramble#2291"),
        ("telegram @boris_kuz for the files", "IM_ACCOUNT", "@boris_kuz"),
        ("my tg is @olya.v", "IM_ACCOUNT", "@olya.v"),
        ("ping @marta.r on slack about the invoice", "IM_ACCOUNT", "@marta.r"),
        ("dm @kenji when the deploy is done", "IM_ACCOUNT", "@kenji"),
        ("@priya can you review the PR", "IM_ACCOUNT", "@priya"),
        ("kakaotalk id: sunny_jh92", "IM_ACCOUNT", "sunny_jh92"),
        ("my telegram is t.me/vera_sokol", "IM_ACCOUNT", "vera_sokol"),
        ("auth failed: user=wangxiuying ip=10.2.3.4", "IM_ACCOUNT", "wangxiuying"),
        ('{"username": "chen.jiahao", "status": 403}', "IM_ACCOUNT", "chen.jiahao"),
        # Taiwan and Hong Kong, traditional script
        (
            "寄到臺北市信義區松仁路三段58巷4弄12號3樓之2",
            "LOCATION",
            "臺北市信義區松仁路三段58巷4弄12號3樓之2",
        ),
        ("地址是高雄市苓雅區四維三路2號", "LOCATION", "高雄市苓雅區四維三路2號"),
        (
            "送去九龍尖沙咀廣東道30號新港中心12樓1205室",
            "LOCATION",
            "九龍尖沙咀廣東道30號新港中心12樓1205室",
        ),
        ("新界荃灣青山公路398號", "LOCATION", "新界荃灣青山公路398號"),
        # Poland, Korea, Japan, India
        (
            "ship to ul. Piękna 24/7, 00-549 Warszawa",
            "LOCATION",
            "ul. Piękna 24/7, 00-549 Warszawa",
        ),
        ("al. Grunwaldzka 82, 80-244 Gdańsk", "LOCATION", "al. Grunwaldzka 82, 80-244 Gdańsk"),
        (
            "I live at 31 Sejong-daero, Jung-gu, Seoul 04524",
            "LOCATION",
            "31 Sejong-daero, Jung-gu, Seoul 04524",
        ),
        ("부산광역시 해운대구 센텀중앙로 79", "LOCATION", "부산광역시 해운대구 센텀중앙로 79"),
        (
            "hotel is at 3-8-1 Marunouchi, Chiyoda-ku, Tokyo 100-0005",
            "LOCATION",
            "3-8-1 Marunouchi, Chiyoda-ku, Tokyo 100-0005",
        ),
        (
            "〒530-0001 大阪府大阪市北区梅田3-1-3",
            "LOCATION",
            "〒530-0001 大阪府大阪市北区梅田3-1-3",
        ),
        (
            "deliver to Flat C-1204, Palm Heights, Powai, Mumbai 400076",
            "LOCATION",
            "Flat C-1204, Palm Heights, Powai, Mumbai 400076",
        ),
        (
            "House No. 17, Sector 21, Gurugram - 122016",
            "LOCATION",
            "House No. 17, Sector 21, Gurugram - 122016",
        ),
        (
            "office: 5F., No. 18, Ln. 7, Sec. 3, Minsheng Rd., Songshan Dist., Taipei City 105",
            "LOCATION",
            "5F., No. 18, Ln. 7, Sec. 3, Minsheng Rd., Songshan Dist., Taipei City 105",
        ),
        ("we moved to Meguro-ku, Tokyo 153-0063", "LOCATION", "Meguro-ku, Tokyo 153-0063"),
        (
            "8-2-293, Jubilee Hills, Hyderabad 500033 is home",
            "LOCATION",
            "8-2-293, Jubilee Hills, Hyderabad 500033",
        ),
        ("加我微信kai88，谢谢", "IM_ACCOUNT", "kai88"),
        # vendor keys
        (
            "aws_secret_access_key = q8Jd2LmN4vB7xZ1cR5tY9uI3oP6aS0dF2gH4jK7l",
            "API_KEY",
            "q8Jd2LmN4vB7xZ1cR5tY9uI3oP6aS0dF2gH4jK7l",
        ),
        (
            "the secret key is Zr4Tq8Wm2Ny6Kp0Lx3Vb7Hc1Jd5Fg9Sa2Ee4Rr6T",
            "API_KEY",
            "Zr4Tq8Wm2Ny6Kp0Lx3Vb7Hc1Jd5Fg9Sa2Ee4Rr6T",
        ),
        ("temp creds ASIAQ7RT3LMN8XWZ2KPD expire at noon", "API_KEY", "ASIAQ7RT3LMN8XWZ2KPD"),
        (
            "SENDGRID=SG.Qw3rTy7uIo9pAs1dFg5hJk.Lz2Xc4Vb6Nm8Qw0Er2Ty4Ui6Op8As0Df2Gh4Jk6L",
            "API_KEY",
            "SG.Qw3rTy7uIo9pAs1dFg5hJk.Lz2Xc4Vb6Nm8Qw0Er2Ty4Ui6Op8As0Df2Gh4Jk6L",
        ),
        ("slack bot xoxb-2231-99812-Rt5Yu8Io1Pa4", "API_KEY", "xoxb-2231-99812-Rt5Yu8Io1Pa4"),
        (
            "twilio SK2f9e8d7c6b5a49382716a5b4c3d2e1f0 works",
            "API_KEY",
            "SK2f9e8d7c6b5a49382716a5b4c3d2e1f0",
        ),
        (
            "mailgun key-7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b",
            "API_KEY",
            "key-7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b",
        ),
        (
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Qk9zR2x1V3N0b3JhZ2VLZXk5OQ==;",
            "API_KEY",
            "Qk9zR2x1V3N0b3JhZ2VLZXk5OQ==",
        ),
        ("export MYAPP_API_KEY=f00dcafe1234beef5678", "API_KEY", "f00dcafe1234beef5678"),
        ("MAPS_KEY=Ab12Cd34Ef56Gh78Ij90 in .env", "API_KEY", "Ab12Cd34Ef56Gh78Ij90"),
        (
            "shopify 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",
            "API_KEY",
            "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",
        ),
        ('{"client_secret": "Vq7Lm2Np9Rt4Xz8Kc1"}', "API_KEY", "Vq7Lm2Np9Rt4Xz8Kc1"),
        # dates of birth
        ("born 1962 in Leeds, retired now", "DATE_OF_BIRTH", "1962"),
        ("DOB: 11/04/1987", "DATE_OF_BIRTH", "11/04/1987"),
        ("Date of birth (dd/mm/yyyy): 23/09/1975", "DATE_OF_BIRTH", "23/09/1975"),
        ('"date_of_birth": "1993-02-17"', "DATE_OF_BIRTH", "1993-02-17"),
        ("year of birth: 2001", "DATE_OF_BIRTH", "2001"),
        ("she was born in October 1979", "DATE_OF_BIRTH", "October 1979"),
        ("出生日期：民國81年11月3日", "DATE_OF_BIRTH", "民國81年11月3日"),
        ("他是民國68年2月9日出生的", "DATE_OF_BIRTH", "民國68年2月9日"),
        ("生於一九八二年三月十五日", "DATE_OF_BIRTH", "一九八二年三月十五日"),
        ("my birthday is April 19th, cake?", "DATE_OF_BIRTH", "April 19th"),
        ("他的生日是7月23日", "DATE_OF_BIRTH", "7月23日"),
        ("DOB - 1984-12-02", "DATE_OF_BIRTH", "1984-12-02"),
        # passports without a letter prefix, other context words
        ("passport number is 471903265", "PASSPORT", "471903265"),
        ('"passport_no": "608142337"', "PASSPORT", "608142337"),
        ("護照號碼：309217746", "PASSPORT", "309217746"),
        ("passport of my son is K4820193", "PASSPORT", "K4820193"),
        # traditional-script names
        ("我叫陳建宏，有問題找我", "PERSON", "陳建宏"),
        ("請聯絡張淑芬小姐", "PERSON", "張淑芬"),
        ("黃志偉說明天不來了", "PERSON", "黃志偉"),
        ("劉雅婷的電話換了", "PERSON", "劉雅婷"),
    ],
)
def test_round5_shapes_are_found(redactor: Redactor, text: str, entity: str, value: str) -> None:
    hits = found(redactor, text)
    assert any(t == entity and value in v for t, v in hits), hits
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    "text",
    [
        # @ that is no handle: decorators, npm scopes, paths
        "@Override\npublic void run() {}",
        "use @app.get('/items') in the router",
        "@dataclass\nclass Point: ...",
        "npm install @types/node @babel/core",
        "the line 42: parse_config failed",
        "add me on LINE later today",
        "slack is down again, discord too",
        "Slack v4.33 crashes on start, Telegram v10.2 too",
        "the Discord bot_token is in vault, slack webhook_url too",
        "order#4412 and issue#1234 are closed",
        "sudo failed for user=root on host db-2",
        "User: how do I reset the router",
        # keys' look-alikes
        "the primary_key = user_id_and_timestamp",
        "the commit is 3f9a7c1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a",
        "max_tokens: 2048 and the secret is patience",
        "the key-value store is fine",
        "SG. Smith signed it",
        # dates that are nobody's birth
        "released in 1962 and remastered later",
        "deadline 11/04/1987 was a typo, it is 2027",
        "民國110年的預算已經公布",
        "the company was founded in 2001",
        "the birthday party on April 19 is cancelled",
        "生日蛋糕7月23日到货",
        # numbers near passport that are not passports
        "passport renewal takes 6 weeks, fee is 130",
        "passport photos 2x2, order 471903265 shipped",
        # address look-alikes
        "version 3-8-1 of the chart, 100-0005 rows",
        "ticket #45, Mumbai 400076 office",
        "see No. 5, the last one on the list",
        "step 1-2-3, then Mumbai 400001",
        "微信apple店的活动",
        "we have 24/7 support, 00-549 is the error code",
        "九龍和新界都很大",
        "台北很熱",
        # traditional everyday text
        "這個價格很合理，謝謝",
        "我們下週開會討論預算",
    ],
)
def test_round5_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)


def test_an_email_address_is_no_handle(redactor: Redactor) -> None:
    text = "ping support@example.org on slack, or dm ops@example.net"
    assert {t for t, _ in found(redactor, text)} == {"EMAIL_ADDRESS"}


def test_fold_keeps_offsets_and_simplified_text() -> None:
    assert fold_traditional("臺北市大安區") == "台北市大安区"
    simplified = "上海市浦东新区世纪大道100号，著名的乾隆皇帝"
    assert fold_traditional(simplified) == simplified
    assert fold_traditional("plain ascii") == "plain ascii"
    mixed = "陳先生 said hi"
    assert len(fold_traditional(mixed)) == len(mixed)
