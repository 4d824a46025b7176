"""Issue 19, recall from knowledge: passport numbers after the passport word of many
languages, in a passport column and in an ICAO 9303 MRZ; street lines of more countries'
postal layouts. Values invented from the countries' published formats, each kind with
look-alikes that must stay, through the real Redactor."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.recognizers.address_fields import AddressFieldRecognizer
from sentinel.privacy.recognizers.address_postal import postal_address_recognizer
from sentinel.privacy.recognizers.passport_world import PassportWorldRecognizer, mrz_check
from sentinel.privacy.redactor import Redactor

# ICAO 9303 part 4's specimen, and the same passport with its number's check digit wrong.
MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Mi número de pasaporte es XDD123456, gracias", "XDD123456"),
        ("Pasaporte: PAA123456", "PAA123456"),
        ("Número do passaporte: FT123456", "FT123456"),
        ("Numéro de passeport : 12AB34567", "12AB34567"),
        ("Reisepass-Nr. C4J9K2L7M", "C4J9K2L7M"),
        ("Pass-Nr.: C01X00T47", "C01X00T47"),
        ("Numer paszportu: ZS1234567", "ZS1234567"),
        ("Pasaport numarası U12345678", "U12345678"),
        ("Nomor paspor: B1234567", "B1234567"),
        ("Số hộ chiếu: C1234567", "C1234567"),
        ("Номер паспорта: 45 12 345678", "45 12 345678"),
        ("Загранпаспорт 751234567", "751234567"),
        ("رقم جواز السفر A12345678", "A12345678"),
        ("パスポート番号：TK1234567", "TK1234567"),
        ("passport: AB 123 4567", "AB 123 4567"),
        ("Passport number: E 1234 5678", "E 1234 5678"),
        ("travelers passports: 512345678, 523456789, 534567890", "534567890"),
        ("pasaportes: PAB123456 y PAC654321", "PAC654321"),
        (r"Name,Passport,Nationality\nAna Silva,FT482913,BR", "FT482913"),
        ("| Name | Passport No | Country |\n| Dana | K48201937 | DE |", "K48201937"),
        (MRZ, "L898902C36UTO7408122F1204159ZE184226B"),
        (MRZ, "ERIKSSON<<ANNA"),
        (MRZ.split("\n")[1], "L898902C36UTO7408122F1204159ZE184226B"),
        ("PP No: N1234567, expires 2030", "N1234567"),
        ("Travel document number: X12345678", "X12345678"),
        ('{"passportNumber": "K48201937"}', "K48201937"),
        ("Passport number(s): 512345678 / 523456789", "523456789"),
    ],
)
def test_passports_of_many_languages_and_layouts_are_found(
    redactor: Redactor, text: str, value: str
) -> None:
    assert value not in redactor.redact(text).text, found(redactor, text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("El pasaporte cuesta 30 euros y el pedido 12345678 llegó.", "12345678"),
        ("Passport appointment on 20240501 at the consulate", "20240501"),
        ("Reisepass beantragt. Bestellnummer 123456789 folgt.", "123456789"),
        ("pasaporte versión 2.3.1 build 45678901?", "45678901"),
        ("паспорт готов, заказ 12345678 придёт завтра", "12345678"),
        (r"Name,Passport,Country\nDana,yes,DE", "yes"),
        ("my passport E12345678 and SSN 536904399", "SSN"),
        ("pasaporte perdido, llama al ID 12345678", "12345678"),
    ],
)
def test_passport_lookalikes_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redactor.redact(text).text


def test_mrz_check_digits_decide() -> None:
    assert mrz_check("L898902C3") == 6
    assert mrz_check("740812") == 2
    wrong = MRZ.replace("L898902C36", "L898902C37")
    assert PassportWorldRecognizer("en").analyze(wrong, ["PASSPORT"]) == []
    spans = PassportWorldRecognizer("en").analyze(MRZ, ["PASSPORT"])
    assert (0, len(MRZ)) in [(s.start, s.end) for s in spans]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My address: Carrera 7 # 71-21, Bogotá", "Carrera 7 # 71-21"),
        ("Calzada de Tlalpan 1234, Col. Portales", "Calzada de Tlalpan 1234"),
        ("Dirección: C. de Alcalá 45, 3º B, 28014 Madrid", "Alcalá 45"),
        ("Endereço: R. das Laranjeiras 112, apto 302", "Laranjeiras 112"),
        ("Meine Adresse ist Am Markt 3, 28195 Bremen", "Am Markt 3"),
        ("ul. Marszałkowska 10/12, Warszawa", "Marszałkowska 10/12"),
        ("Jl. Sudirman No. 45, Jakarta Selatan 12190", "Sudirman No. 45"),
        ("88 Soi Sukhumvit 11, Bangkok 10110", "Soi Sukhumvit 11"),
        ("Địa chỉ: 123 Đường Lê Lợi, Quận 1", "123 Đường Lê Lợi"),
        ("доставка: ул. Тверская 7, Москва", "Тверская 7"),
        ("서울시 마포구 서교동 123-45번지", "서교동 123-45번지"),
        ("House No. 12, Street 5, F-7/2, Islamabad", "House No. 12"),
        ("I live at 15 Maple Crescent, Toronto, ON M5V 2T6", "M5V 2T6"),
        ("Mailing: PO Box 4821, Austin, TX 78765", "TX 78765"),
        ("Unit 5, 42 Wallaby Way, Sydney NSW 2000", "NSW 2000"),
        ("我住在中关村大街27号，来玩", "中关村大街27号"),
        ("寄到南京路300号3楼", "南京路300号"),
        ("Road No. 5, Gulshan-1, Dhaka 1212", "Road No. 5"),
        ("5 Rue de la Paix, Paris", "5 Rue de la Paix"),
        ("Mannerheimintie 5 A 12, 00100 Helsinki", "Mannerheimintie 5"),
        ("Hẻm 51 Nguyễn Trãi, Quận 5", "Hẻm 51 Nguyễn Trãi"),
        ("Václavské náměstí 832/19, 110 00 Praha 1", "Václavské náměstí 832/19"),
        ("Andrássy út 60, 1062 Budapest", "Andrássy út 60"),
        ("Οδός Ερμού 15, 105 63 Αθήνα", "Ερμού 15"),
        ("רחוב הרצל 12, תל אביב", "הרצל 12"),
        ("شارع التحرير 25، القاهرة", "التحرير 25"),
        ("25 Thanon Silom, Bang Rak, Bangkok 10500", "25 Thanon Silom"),
        ("부산광역시 해운대구 우동 1234", "우동 1234"),
    ],
)
def test_street_lines_of_more_postal_layouts_are_found(
    redactor: Redactor, text: str, value: str
) -> None:
    assert value not in redactor.redact(text).text, found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Upgrade to version 2.3.1 of the Calle app",
        "Meet me in room 3 at 10:30",
        "Product code C. 4521 and R. 2 are out",
        "Soi Cowboy is a nightlife street in Bangkok",
        "Am Montag 3 Leute kommen",
        "Im Jahr 2024 waren es 12, 45000 Besucher",
        "Flight AA 1234, gate C. 12",
        "Version R. 4.2 released",
        "The price is $12.99, order 4521-33",
        "We walked Jalan Alor 2 km to dinner",
        "Austin, TX 78765 is a ZIP code area",
        "坐地铁2号线到人民路3号口出",
        "这条路1号门进，3号线换乘",
        "3 avenues of growth and 2 places to go",
        "Road No. 5 is closed today",
        "강남구 역삼동 3번 출구에서 만나요",
        "Budapest has 23 districts and 2 rivers",
    ],
)
def test_postal_lookalikes_are_no_address(text: str) -> None:
    assert postal_address_recognizer("en").analyze(text, ["LOCATION"]) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"name": "Dana", "address": "Lot 7, Kampung Baru, Kuala Lumpur"}', "Kampung Baru"),
        ('{"shipping_address": "Blk 123 Ang Mo Kio Ave 3 #05-67"}', "Blk 123"),
        ('{"住址": "幸福里小区3期12幢"}', "幸福里小区3期12幢"),
        (r"name,address,phone\nDana,Lot 7 Kampung Baru,555", "Lot 7 Kampung Baru"),
        ("| 姓名 | 地址 |\n| 王 | 翠苑一区5幢301 |", "翠苑一区5幢301"),
    ],
)
def test_an_address_field_holds_an_address_of_any_layout(
    redactor: Redactor, text: str, value: str
) -> None:
    assert value not in redactor.redact(text).text, found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        '{"ip_address": "10.0.0.12", "mac_address": "00:1A:2B:3C:4D:5E"}',
        '{"email_address": "dana 2 at example"}',
        '{"address": "n/a"}',
        '{"address": "Berlin"}',
        '{"address": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"}',
        '{"address": "10.0.0.12 port 8080"}',
    ],
)
def test_other_address_fields_and_values_stay(text: str) -> None:
    assert AddressFieldRecognizer("en").analyze(text, ["LOCATION"]) == []
