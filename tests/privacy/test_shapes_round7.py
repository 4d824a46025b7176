"""Issue 19, seventh round: Chinese names by the field they fill or the role before them
(given names that are everyday words, traditional surnames, 李工 in a 、 list), national
phone numbers of more regions, messenger handles and passport numbers a few words after
their word, and dates of birth without a year, after a gender field or a foreign word.
Sentences of our own, each kind with look-alikes that must stay, through the real Redactor."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.recognizers.address_street_first import street_first_recognizer
from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("车险报案：驾驶人龚浩然，电话在下面", "PERSON", "龚浩然"),
        ("我太太梅立新的保险，受益人怎么改", "PERSON", "梅立新"),
        ("理赔员滕梓轩让我把卡号发给她", "PERSON", "滕梓轩"),
        ("派师傅裴立新上门修空调", "PERSON", "裴立新"),
        ("捐赠人欧阳建军，捐了二十件衣服", "PERSON", "欧阳建军"),
        ("租车 Hertz，driver 上官国庆，需要国际驾照吗", "PERSON", "上官国庆"),
        ("药店会员登记：喻建国，手机13812340000，积分100", "PERSON", "喻建国"),
        ("表格：申立新，13912340000，杭州", "PERSON", "申立新"),
        ("班级群：伍国庆家长，孩子的数学考试", "PERSON", "伍国庆"),
        ("敬愛的鄭詩語先生，您的保單已生效", "PERSON", "鄭詩語"),
        ("收件人陳芷晴，手機在單上", "PERSON", "陳芷晴"),
        ("参会：王经理、贾工、赵总，下午三点", "PERSON", "贾工"),
        ("如需更改請致電3915 2846，謝謝", "PHONE_NUMBER", "3915 2846"),
        ("我朋友的WhatsApp是 6123 4578，佢想租车位", "PHONE_NUMBER", "6123 4578"),
        ("the agent called me from 098123 45678 about it", "PHONE_NUMBER", "098123 45678"),
        ("Parents: Ana ((11) 98765-4321), Bo", "PHONE_NUMBER", "(11) 98765-4321"),
        ("Beni 0532 481 27 63 numarasından ara", "PHONE_NUMBER", "0532 481 27 63"),
        (r"Regards\nKim Min-jun\n+82 10 4821 7730\nthanks", "PHONE_NUMBER", "+82 10 4821 7730"),
        ("Discord mod log: kite_07 shared a link in #general", "IM_ACCOUNT", "kite_07"),
        ("Telegram bot support: user @orbit_fan22 says it failed", "IM_ACCOUNT", "@orbit_fan22"),
        ("Skype id for the call is owl.3310, interviewer Dana", "IM_ACCOUNT", "owl.3310"),
        ("Discord 上 rain_fox_88 一直私信我，怎么 report？", "IM_ACCOUNT", "rain_fox_88"),
        ("群里有人发：扣扣3920184756，出二手相机", "IM_ACCOUNT", "3920184756"),
        ("My friend lost their passport (K20481937) in Porto", "PASSPORT", "K20481937"),
        ("Consulate queue: passports X41093822 and PA7718240, at 10", "PASSPORT", "PA7718240"),
        ("The desk wants my passport C01X00T47 and a card", "PASSPORT", "C01X00T47"),
        ("Scan: N a m e : Dana   P a s s p o r t  N o Q5520931", "PASSPORT", "Q5520931"),
        ("护照号分别是 E71203948、E71203949，请核对", "PASSPORT", "E71203949"),
        ("他 handle 是 @moon_fox31。骗子吧？", "IM_ACCOUNT", "@moon_fox31"),
        ("远程登录日志：账号nimalperera从内网登录", "IM_ACCOUNT", "nimalperera"),
        ("Suspicious logins, all with user ren_ito. Block it?", "IM_ACCOUNT", "ren_ito"),
        ("From our server: mod sky.tran banned someone", "IM_ACCOUNT", "sky.tran"),
        ("claim denied. Member Dana, SSN on file 412789035. Appeal?", "US_SSN", "412789035"),
        (
            "Webhook: https://hooks.slack.com/services/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",
            "URL",
            "https://hooks.slack.com/services/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",
        ),
        (
            "see https://discord.com/api/webhooks/1234567890123/Zx9-Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1 now",
            "URL",
            "https://discord.com/api/webhooks/1234567890123/Zx9-Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1",
        ),
        ("My niece was born on July 14 and she loves trains", "DATE_OF_BIRTH", "July 14"),
        ("She was born on the 9th of March, in Leeds", "DATE_OF_BIRTH", "9th of March"),
        ("简历开头：某某 | 男 | 1961年4月2日 | 手机在下面", "DATE_OF_BIRTH", "1961年4月2日"),
        (r"patients:\nDana Ruiz, F, 1979-03-04, Leeds", "DATE_OF_BIRTH", "1979-03-04"),
        ("診所覆診：何小姐，出世日期1979/3/21，下星期三", "DATE_OF_BIRTH", "1979/3/21"),
        ("OCR text: N a m e : Dana   D . O . B :  4/11/1969   next", "DATE_OF_BIRTH", "4/11/1969"),
        ("Formular: Geburtsdatum 12.03.1981, Ort Köln", "DATE_OF_BIRTH", "12.03.1981"),
        (r"name,geburtsdatum,ort\nJonas Weber,1984-07-02,Bonn", "DATE_OF_BIRTH", "1984-07-02"),
    ],
)
def test_round7_shapes_are_found(redactor: Redactor, text: str, entity: str, value: str) -> None:
    hits = found(redactor, text)
    assert any(t == entity and value in v for t, v in hits), hits
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("黄山下周六天气怎么样？", "黄山"),
        ("名单：苹果、香蕉、黄瓜", "黄瓜"),
        ("国庆节放假七天，建国门附近堵车", "建国门"),
        ("order 23456789 arrived, tracking 34567890", "23456789"),
        ("订单 62345678，付了¥459", "62345678"),
        ("the build took 2024 1234 ms", "2024 1234"),
        ("call the meeting at 10:30, room 5123 4567 is booked", "5123 4567"),
        ("Discord bot_v2 crashed on node18 with error 50013, see bot_v2.py", "bot_v2.py"),
        ("our Telegram api_2024 webhook returns 429 after 30 requests", "api_2024"),
        ("Slack v4.33 is slow on win11", "win11"),
        ("The desk wants my passport. Booking PK7720394, pickup 08:00.", "PK7720394"),
        ("passport photo size is 35x45 mm, fee 60 EUR", "35x45"),
        ("size M, 2024-05-01 delivery", "2024-05-01"),
        ("I had one lesson on 2024-05-01 at noon", "2024-05-01"),
        ("the user profile page and user settings.py are slow", "settings.py"),
        ("用户名admin，密码忘了", "admin"),
        ("the SSN field is empty; order 412789035 shipped", "412789035"),
        ("SSN field blank, order number 412789035", "412789035"),
        (
            "docs at https://github.com/acme/very-long-repository-name-here/blob/main/README.md",
            "https://github.com/acme/very-long-repository-name-here/blob/main/README.md",
        ),
        (
            "commit https://github.com/acme/repo/commit/3f9a1c7e2b5d4f6a8c0e1b2d3f4a5b6c7d8e9f01",
            "https://github.com/acme/repo/commit/3f9a1c7e2b5d4f6a8c0e1b2d3f4a5b6c7d8e9f01",
        ),
        ("notes: https://example.com/blog/2024-05-01-release-notes-v2", "release-notes-v2"),
        ("born out of a hackathon, the app shipped on May 3", "May 3"),
    ],
)
def test_round7_lookalikes_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I picked up the glasses for Tawanda Mupfumira yesterday", "Tawanda Mupfumira"),
        ("The booking is under Siriwan Khamphoui, arriving late", "Siriwan Khamphoui"),
        ("Split it: Obiageli Nwachukwu paid $31, I paid $20", "Obiageli Nwachukwu"),
        ('Chat log: Kwabena Asantewaa: "I will bring the speakers"', "Kwabena Asantewaa"),
        ("Seating: Iñaki Urrutikoetxea & Pornthip Saengduan, table 2", "Pornthip Saengduan"),
        ("Interview panel: Dana, Tshepiso Mokoena, and me", "Tshepiso Mokoena"),
        (r"name,email\nYupanqui Mamani,ym@example.org", "Yupanqui Mamani"),
        (r"Name | Role\nAdetokunbo Falode | Treasurer", "Adetokunbo Falode"),
    ],
)
def test_round7_unlisted_names_in_a_persons_slot(redactor: Redactor, text: str, value: str) -> None:
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Is $30 fair for Veltro Maxipod 120 sprays?", "Veltro Maxipod"),
        ("Write a review for Korvex Blendora XXL, 7 L.", "Korvex Blendora"),
        ("Is the drive under Kuala Lumpur traffic long?", "Kuala Lumpur"),
        ("I use Kafka Streams with Azure Functions at work.", "Azure Functions"),
    ],
)
def test_round7_unlisted_pairs_that_are_no_person_stay(
    redactor: Redactor, text: str, kept: str
) -> None:
    assert kept in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('The form says "Okafor, Chidi" under applicant', "Okafor, Chidi"),
        ("Send it to Porto, Rua das Flores 87, please", "Rua das Flores 87"),
        ("Deliver to Avenida da Liberdade 245, 1250-142 Lisboa tomorrow", "Avenida da Liberdade"),
        ("mine is Calle Mayor 12, Madrid", "Calle Mayor 12"),
        ("Lieferadresse: Lindenstraße 14, 10969 Berlin", "Lindenstraße 14"),
        ("ons adres is Prinsengracht 263 in Amsterdam", "Prinsengracht 263"),
    ],
)
def test_round7_inverted_names_and_street_first_addresses(
    redactor: Redactor, text: str, value: str
) -> None:
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ('She said "Yes, Please" and left', "Yes, Please"),
        ("The Norweg 2 song and the Spring 2024 notes", "Spring 2024"),
        ("sent via email 3 times", "via email 3"),
    ],
)
def test_round7_street_and_quote_lookalikes_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redactor.redact(text).text


@pytest.mark.parametrize(
    "text",
    ["We walked 2 km along Via Appia 2 km away", "Calle Mayor 12 times", "Spring 2024 plan"],
)
def test_round7_a_street_word_and_a_count_is_no_address(text: str) -> None:
    recognizer = street_first_recognizer("en")
    assert recognizer.analyze(text, ["LOCATION"]) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ngozika here. The courier left my parcel at the wrong gate.", "Ngozika"),
        ("hey it's Thuy - can you explain recursion like i'm five", "Thuy"),
        ("Tobenna just texted me from a new number", "Tobenna"),
        ("Sunniva's dorm is Room 12, Building 3", "Sunniva"),
        ("Olumide 说她的 ID 没过", "Olumide"),
        ("call Ifeoma on 07700 900123, she's in", "Ifeoma"),
        ("the desk said to ask for Tadeusz.", "Tadeusz"),
    ],
)
def test_round7_lone_unlisted_first_names(redactor: Redactor, text: str, value: str) -> None:
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Terraform plan wants to destroy 14 resources", "Terraform"),
        ("Kubernetes here is great", "Kubernetes"),
        ("it's Kubernetes, not Docker", "Kubernetes"),
        ("Wireshark's filters are confusing", "Wireshark"),
        ("ask for Grafana Cloud pricing", "Grafana"),
    ],
)
def test_round7_lone_tool_names_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("驾驶人龙小燕，怎么申诉？", "龙小燕"),
        ("收款人 Nomvula Dlamini，我要从 Wise 转", "Nomvula Dlamini"),
        ('call our pharmacist by her first name, "Wenonah"? She said so.', "Wenonah"),
        ('headline: "Tadesse Gebremariam - Product Designer ex-Acme"', "Tadesse Gebremariam"),
        ("log: user nimaltharaka login from the VPN", "nimaltharaka"),
        ("From our server: mod zeynepkaya banned someone for spam", "zeynepkaya"),
    ],
)
def test_round7_more_slots(redactor: Redactor, text: str, value: str) -> None:
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the user account logged in twice", "account"),
        ("user guest login failed", "guest"),
        ("司机师傅说好", "司机师傅"),
        ("房东太太人很好", "房东太太"),
        ('Is the "Nintendo Switch - Lite" good?', "Nintendo Switch"),
    ],
)
def test_round7_more_slot_lookalikes_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redactor.redact(text).text
