"""Per-entity precision and recall on the labelled set: Sentinel vs plain Presidio.

Plain Presidio runs with its default recognizers and the same spaCy model. Its
findings count for an entity when it uses the same type name (PERSON, EMAIL_ADDRESS,
PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, URL, LOCATION); it has no type for
Chinese resident ids, API keys or JWTs, so its recall there is 0 by construction, but
its leak column still shows whether any of its findings covered the value.
"""

from __future__ import annotations

from _privacy_common import PlainPresidio, print_quality
from scoring import load_eval_set, score

from sentinel.privacy.redactor import Redactor


def main() -> None:
    records = load_eval_set()
    texts = [r["text"] for r in records]
    ours = Redactor().redact_many(texts)
    plain = PlainPresidio()
    theirs = [plain.redact(t) for t in texts]
    print(f"labelled set: {len(records)} messages (en, zh, mixed)")
    print_quality(
        "per-entity recall (R), precision (P) and leak rate",
        {
            "Sentinel": score(
                records,
                [[(e.type, e.start, e.end) for e in r.entities] for r in ours],
                [r.text for r in ours],
            ),
            "Presidio": score(
                records,
                [[(r.entity_type, r.start, r.end) for r in res] for _, res in theirs],
                [text for text, _ in theirs],
            ),
        },
    )


if __name__ == "__main__":
    main()
