"""Names written as brands stay (sentinel.privacy.brands), people in the same sentence
shapes are still found. Sentences of our own, through the real Redactor."""

from __future__ import annotations

import pytest

from sentinel.privacy.brands import brand_shaped
from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    "text",
    [
        "is the Calvin Klein perfume any good",  # a name modifying a product noun
        "my Barclays card got blocked",
        "rank the Sherlock Holmes books for me",
        "the Ford Mustang needs new tyres",  # "the X": a thing
        "she works at Goldman Sachs now",  # where someone works
        "are the AirTags worth it",  # camel case
        "Calvin Klein or Hugo Boss perfume for him?",  # paired with a brand-shaped one
        "my Tesla keeps losing range",  # what one has, not whom
        "bake it w/ golden raisins",  # a lower-case adjective that is a given name too
        "the Honda manual is wrong about it",
        "Macy's wont take returns without a receipt",  # a possessive that acts
        "Johnnie Walker's or Glenfiddich, which is smoother?",
    ],
)
def test_brand_shaped_names_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, redactor.redact(text).entities


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Priya Raman's laptop was stolen", "Priya Raman"),  # his or her own laptop
        ("I worked with Daniel Kim on it", "Daniel Kim"),  # with a person, not at a firm
        ("ping Ryan McAllister about it", "Ryan McAllister"),  # Mc is a name prefix
        ("ask Maria or Jose Garcia please", "Jose Garcia"),  # "or" without a product
        ("my sister Nadia is visiting", "Nadia"),  # a relation, not a possession
        ("was it Maria's or yours", "Maria"),  # a person's possessive before "or"
        ("is this Kevin's or John's", "Kevin"),
        ("Hannah问iPad的保修期多久", "Hannah"),  # the NER span stops at the Chinese
    ],
)
def test_people_in_the_same_shapes_are_found(redactor: Redactor, text: str, value: str) -> None:
    out = redactor.redact(text).text
    assert value not in out, out


def test_ner_span_does_not_run_into_chinese(redactor: Redactor) -> None:
    text = "Hannah问iPad的保修期多久"
    spans = [text[e.start : e.end] for e in redactor.redact(text).entities]
    assert "Hannah" in spans, spans


def test_acronyms_are_no_names(redactor: Redactor) -> None:
    text = "is a Roth IRA and a 401k the same for HR"
    assert redactor.redact(text).text == text


def test_brand_shape_rules() -> None:
    assert brand_shaped("the Acme Corp card", 4, 13)
    assert not brand_shaped("Acme Corp's card", 0, 11)
    assert brand_shaped("she banks with Lloyds", 15, 21)
    assert not brand_shaped("ask Lloyd today", 4, 9)
    assert not brand_shaped("the Okonjo family moved in", 4, 10)  # a family is people
