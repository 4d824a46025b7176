"""Issue 19, precision: look-alikes the sentence shows to be no PII stay in the text
(sentinel.privacy.lookalikes, name_lookalikes), and real PII written in the same shapes
is still found. Sentences of our own (no corpus's), through the real Redactor."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor

KEPT = [
    # a known place alone is no address
    "what's the weather like in Portugal during April?",
    "cheapest way to get from Lisbon to Porto by train",
    "the conference is in Toronto this year",
    "how much is a taxi in Hong Kong at night",
    # a month next to a day number is a date; a weekday is no part of a name
    "the webinar moved from Mar 9 to Apr 2",
    "deadline is 21 Sep, keep it short",
    # internal hosts of URLs and network ranges
    "the grafana at http://192.168.40.12:3000 shows nothing",
    "route 10.40.0.0/16 through the tunnel",
    "our office router 192.168.40.12 drops packets",  # an organisation's machine
    "what does OID 1.3.6.1.2.1.25 mean in SNMP",
    # card-shaped digits inside a code, a URL's user part, ids shaped like phones
    "parcel code ZX4111111111111111 is stuck",
    "sentry dsn https://abc123@o55.ingest.example.io/7 is in the env",
    "build log: 2024-11-03 14 05 22 step failed",
    "vendor EIN 47-3829104 on the W-9",
    "shipment AB7 77C 02 4419 8830 is delayed",
    "学号2019302211的成绩单怎么打印",
    # organisations and titles the name lists or the NER took for people
    "is Bank Hapoalim open on Friday",
    "my package is with Swiss Post since Monday",
    "I sent the parcel with Canada Post on Monday",
    "summarize Smith v. Atlanta Women's Health Organization for me",
    "we played Breath of the Wild all weekend",
    "Zoom vs Teams for a 40 person call",
    "is the Steam Deck worth it",
    "the Mr. Clean sponge works on walls",  # a title before an everyday word
    # two things compared: 哪个 / 区别 asks about things, 谁 about people
    "松树和柏树哪个长得快",
    "胡椒和花椒有什么区别",
]


@pytest.mark.parametrize("text", KEPT)
def test_lookalikes_stay(redactor: Redactor, text: str) -> None:
    out = redactor.redact(text)
    assert out.text == text, out.entities


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # an address keeps its city; a person the NER calls a place stays a person
        ("Kwame moved to 14 Harbour Road, Accra last week", ["14 Harbour Road"]),
        ("Sofia booked the room for friday", ["Sofia"]),
        ("she lives at 18 Ngo Quyen, Hoan Kiem district, Lisbon", ["Lisbon"]),
        ("Mateo vive en Calle Falsa 742, 1406 Buenos Aires", ["Mateo", "Buenos Aires"]),
        # the weekday goes, the name is still found
        ("oncall: Thu Priya Raman, Fri Tomasz Nowak", ["Priya Raman", "Tomasz Nowak"]),
        # public and credentialed hosts, plain cards, mailboxes, phones
        ("my home router 192.168.40.12 drops packets", ["192.168.40.12"]),  # a person's
        ("db url postgres://admin:hunter2pass@10.1.2.3:5432/app leaked", ["hunter2pass"]),
        ("my card 4111 1111 1111 1111 was charged twice", ["4111 1111 1111 1111"]),
        ("mail me at lena.fischer@example.com please", ["lena.fischer@example.com"]),
        ("call me on 020 7946 0958 tonight", ["020 7946 0958"]),
        # a name that is also a month, an org word or a place word
        ("ask Jan Kowalski about the invoice", ["Jan Kowalski"]),
        ("Emily Post wrote the etiquette book", ["Emily Post"]),
        ("Mr. Baker called about the lease", ["Baker"]),  # a surname that is a word
        ("Ms. Rose signed it", ["Rose"]),
        ("Dear Marta Kowalczyk, your visa appointment is confirmed", ["Marta Kowalczyk"]),
        ("| Tomas Berg | QA | tomas@x.io |", ["Tomas Berg", "tomas@x.io"]),
        ("问一下王平和李强谁负责", ["王平", "李强"]),
    ],
)
def test_pii_in_the_same_shapes_is_found(redactor: Redactor, text: str, values: list[str]) -> None:
    out = redactor.redact(text).text
    assert all(v not in out for v in values), out


def test_weekday_is_trimmed_off_the_name(redactor: Redactor) -> None:
    text = "rota: Wed Olga Petrova"
    spans = [text[e.start : e.end] for e in redactor.redact(text).entities]
    assert spans == ["Olga Petrova"], spans


def test_an_operator_can_still_redact_a_place_by_deny_list() -> None:
    # deny-list findings are never judged: a city the operator lists goes, the rest stay
    redactor = Redactor(deny_list={"LOCATION": ["Lisbon"]}, n_process=1)
    try:
        out = redactor.redact("cheapest way to get from Lisbon to Porto by train").text
    finally:
        redactor.close()
    assert out == "cheapest way to get from <LOCATION_1> to Porto by train", out
