"""Redaction before a request leaves (SENTINEL_REDACT_OUTBOUND, `redact_outbound=True`).

The prompt's PII is replaced by the same typed placeholders the anonymization job uses
(`<PERSON_1>`), numbered over the whole conversation, so the provider never receives
the values and the stored conversation holds the masked form; the answer, which refers
to the placeholders, is restored for the app. Streams are restored chunk by chunk: a
placeholder split across chunks ("<PER" + "SON_1>") is held back until it is complete,
so the app never sees half of one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")
# The longest tail that may still grow into a placeholder: "<", "<PERSON", "<PERSON_1".
_PARTIAL = re.compile(r"<[A-Z0-9_]{0,40}$")


@dataclass
class OutboundMask:
    """Placeholder -> original value for one request; counts per type (no values)."""

    values: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def restore(self, text: str) -> str:
        """`text` with every known placeholder replaced by its original value."""
        if not self.values:
            return text
        return PLACEHOLDER.sub(lambda m: self.values.get(m.group(), m.group()), text)

    def restorer(self) -> StreamRestorer:
        return StreamRestorer(self)


@dataclass
class StreamRestorer:
    """Restores placeholders in a stream of text pieces that may split them."""

    mask: OutboundMask
    _held: str = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        partial = _PARTIAL.search(text)
        cut = partial.start() if partial else len(text)
        self._held = text[cut:]
        return self.mask.restore(text[:cut])

    def flush(self) -> str:
        """Whatever was held back (a "<" that never became a placeholder)."""
        text, self._held = self._held, ""
        return self.mask.restore(text)


def _texts(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out += [
                p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)
            ]
    return out


def mask_messages(
    messages: Sequence[Mapping[str, Any]], redactor: Redactor
) -> tuple[list[dict[str, Any]], OutboundMask]:
    """Copies of `messages` with PII replaced by placeholders, and how to undo it."""
    from sentinel.privacy.redactor import Placeholders, apply

    texts = _texts(messages)
    placeholders = Placeholders()
    for text in texts:
        for m in PLACEHOLDER.finditer(text):
            entity_type, _, number = m.group()[1:-1].rpartition("_")
            placeholders.reserve(entity_type, int(number))
    mask = OutboundMask()
    masked = []
    for text, entities in zip(texts, redactor.analyze_many(texts), strict=True):
        for e in entities:
            value = text[e.start : e.end]
            mask.values.setdefault(placeholders.for_value(e.type, value), value)
            mask.counts[e.type] += 1
        masked.append(apply(text, entities, placeholders))
    replaced = iter(masked)
    out = []
    for message in messages:
        m = dict(message)
        if isinstance(m.get("content"), str):
            m["content"] = next(replaced)
        elif isinstance(m.get("content"), list):
            m["content"] = [
                {**p, "text": next(replaced)}
                if isinstance(p, dict) and isinstance(p.get("text"), str)
                else p
                for p in m["content"]
            ]
        out.append(m)
    return out, mask
