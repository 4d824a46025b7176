"""Issue 19, fourth round: passport shapes of other countries, Stripe / Google / GitLab /
Hugging Face / npm keys, dates of birth written "on the 5th of" or before 出生, UK and
continental street lines, and given names from gender-guesser's data file (Irish,
Indian, Arabic, Korean), each with look-alikes that must stay. Sentences of our own,
through the real Redactor."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.recognizers.gazetteer import package_given_names
from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("passport number T7LX04KQ9, issued in Munich", "PASSPORT", "T7LX04KQ9"),
        ("my passport no is R5520913 and the visa is pending", "PASSPORT", "R5520913"),
        ("her passport 09FD44120 expires soon", "PASSPORT", "09FD44120"),
        ("护照号是 P3318820，我下周出国", "PASSPORT", "P3318820"),
        (
            "prod uses rk_live_9QmT2xLp4Vb7Nc1Zs8Kd3Hf6 now",
            "API_KEY",
            "rk_live_9QmT2xLp4Vb7Nc1Zs8Kd3Hf6",
        ),
        (
            "maps key AIzaSyB3x9Qe7Lk2Mw5Rt8Yu1Io4Pa6Sd0Fg3Hj",
            "API_KEY",
            "AIzaSyB3x9Qe7Lk2Mw5Rt8Yu1Io4Pa6Sd0Fg3Hj",
        ),
        ("ci token glpat-Xy7Rq2Lm9Tv4Bn1Kc8Wd", "API_KEY", "glpat-Xy7Rq2Lm9Tv4Bn1Kc8Wd"),
        (
            "hf_QwErTy1234567890AsDfGh0987654321zx is my hub token",
            "API_KEY",
            "hf_QwErTy1234567890AsDfGh0987654321zx",
        ),
        ("born on the 21st of June 1979 in Cork", "DATE_OF_BIRTH", "21st of June 1979"),
        ("她是2001年9月3日出生的", "DATE_OF_BIRTH", "2001年9月3日"),
        (
            "ship it to 7 Castle Lane, Norwich NR2 1PL tomorrow",
            "LOCATION",
            "7 Castle Lane, Norwich NR2 1PL",
        ),
        (
            "Flat 3, 22 Harbour View, Cardiff CF10 4AB is mine",
            "LOCATION",
            "Flat 3, 22 Harbour View, Cardiff CF10 4AB",
        ),
        ("j'habite 14 rue du Moulin, 44000 Nantes", "LOCATION", "14 rue du Moulin, 44000 Nantes"),
        (
            "envíalo a Calle Mayor 12, 3ºA, 46001 Valencia",
            "LOCATION",
            "Calle Mayor 12, 3ºA, 46001 Valencia",
        ),
        ("bitte an Lindenstraße 8, 80331 München", "LOCATION", "Lindenstraße 8, 80331 München"),
        ("stuur het naar Dorpsweg 3, 3511 AB Utrecht", "LOCATION", "Dorpsweg 3, 3511 AB Utrecht"),
        ("can you remind Aoife about the standup", "PERSON", "Aoife"),
        ("I'll loop in Nikhil after lunch", "PERSON", "Nikhil"),
    ],
)
def test_new_shapes_are_found(redactor: Redactor, text: str, entity: str, value: str) -> None:
    hits = found(redactor, text)
    assert any(t == entity and v == value for t, v in hits), hits
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    "text",
    [
        "passport photo 2x2 needed, passport renewal 2031",  # no number after the word
        "our passport office ticket PASS-2231 is closed",
        "order R5520913 shipped yesterday",  # the same shape without passport context
        "the sk_ prefix and pk_test_ docs explain it",  # prefixes without a key
        "the project went live on 2023年3月1日",  # a date, nobody's birth
        "released on the 21st of June 1979",
        "I have 3 Kafka Streams, 2 Pro, Leeds",  # no postcode closes it
        "version 2 Release, 10115 downloads",
        "we sent it via email, 20 tickets closed",
        "the best way to tell the team",  # Tell is in the name data: a WordNet word
        "what a nice way to say no",
        "go with Trees and Aiming for the demo",  # inflected words among the names
    ],
)
def test_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)


def test_name_data_is_read_without_importing_the_package() -> None:
    import sys

    names = package_given_names()
    assert {"aoife", "nikhil", "hyejin"} <= names
    assert "gender_guesser.detector" not in sys.modules  # its GPL code is never loaded


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("whats a kind way to say no to aunt Folasade", "Folasade"),  # bare relation titles
        ("ask for nurse Okafor at the desk", "Okafor"),
        ("sorry Kwabena i meant the other build", "Kwabena"),  # words that address a person
        ("cc Adeyinka on this thread", "Adeyinka"),
        ("Nkechi, the order shipped today", "Nkechi"),  # a name opening the message
        ("Olumide can you send the link", "Olumide"),
        ("Tendai and i are splitting it", "Tendai"),
        ("Tendai Moyo wants to know the price", "Tendai Moyo"),
        ("Rosalind, my aunt, is flying in", "Rosalind"),  # an apposition of a relation
        ("please remind Lakshmi about the form", "Lakshmi"),  # a WordNet proper noun
        ("my emergency contact is Min-jun Choi", "Min-jun Choi"),  # Korean hyphenation
    ],
)
def test_unlisted_names_in_a_persons_place(redactor: Redactor, text: str, value: str) -> None:
    out = redactor.redact(text).text
    assert value not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "ask Datadog about the spike",  # ask / call take products too
        "call Uber when you land",
        "the River flows past the office",  # name data that WordNet has as a noun
        "we sold the Asset last week",
        "the Wi-fi drops every hour",  # a hyphenated word is no Korean name
        "Kubernetes, Terraform and Ansible are on the list",  # brands opening a message
    ],
)
def test_products_in_those_places_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, redactor.redact(text).entities


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ngozi, your parcel is at the desk", "Ngozi"),  # a listed name opening a message
        ("请转告给Professor Lindqvist明天开会", "Lindqvist"),  # a title right after Chinese
        ("麻烦给Monsieur Dubois的信翻译一下", "Dubois"),
        ("Señora Ramírez called twice", "Ramírez"),
        ("老周 can you check the build", "老周"),  # 老 + surname between Latin words
        ("兰姐，明天的会改到下午", "兰"),  # surname + 姐 / 哥
        ("夏雨说他明天不来了", "夏雨"),  # a name that is a noun, doing what people do
        ("林海的手机号换了", "林海"),
    ],
)
def test_titles_and_word_names(redactor: Redactor, text: str, value: str) -> None:
    out = redactor.redact(text).text
    assert value not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "空姐服务很好，帅哥也很热情",  # surname + 姐 / 哥 that are words
        "我们姐妹明天出差",
        "店家说明天发货",  # roles speak too
        "官方说下周上线",
        "我和同事明天出差",  # a time word, not a name
    ],
)
def test_chinese_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, redactor.redact(text).entities


def test_without_the_names_extra_the_name_data_is_empty_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """gender-guesser is the opt-in `names` extra: an install without it (the wheel's
    default) reads no names from it instead of failing to start the recognizer."""
    import importlib.metadata

    def missing(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    package_given_names.cache_clear()
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    try:
        assert package_given_names() == frozenset()
    finally:
        package_given_names.cache_clear()
