"""spaCy's NER reads a sentence-initial verb + an allow-listed product as a person
("Upgrade Elasticsearch to 8.19.3" became "<PERSON_1> to 8.19.3"); the product filter
looked only at the entity's first word (found by an outside tester)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    "text", ["Upgrade Elasticsearch to 8.19.3 before Friday.", "Restart Kafka now."]
)
def test_verb_plus_product_is_kept(redactor: Any, text: str) -> None:
    assert redactor.redact(text, "en").text == text


def test_a_person_named_like_a_product_is_still_redacted(redactor: Any) -> None:
    out = redactor.redact("Franz Kafka wrote it.", "en").text
    assert "Franz" not in out and "<PERSON_1>" in out, out
