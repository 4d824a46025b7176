"""Redaction before a request leaves (SENTINEL_REDACT_OUTBOUND, `redact_outbound=True`).

The prompt's PII is replaced by the same typed placeholders the anonymization job uses
(`<PERSON_1>`), numbered over the whole request, so the provider never receives the
values and the stored conversation holds the masked form; the answer, which refers to
the placeholders, is restored for the app. Streams are restored chunk by chunk: a
placeholder split across chunks ("<PER" + "SON_1>") is held back until it is complete,
so the app never sees half of one.

What is masked is every text of the messages, found by the stored conversation's
walker (`sentinel.privacy.walk`), so the provider gets no field the job would have
had to anonymize later: content (a string or text parts), `reasoning_content` sent
back, a participant's `name`, tool results, tool-call and legacy `function_call`
arguments (JSON: each string value masked, keys kept, so they stay JSON). One
numbering for the whole request: a value in a name, a part and an argument is one
placeholder. Not masked: what the application wrote as code or schema (tool
definitions and their descriptions, tool and function names, ids, `stop`,
`response_format`, `extra_body`): the model needs them as written, and they hold the
app's words, not a user's.

Restoring puts each value back where its placeholder is; inside JSON (tool-call
arguments, a JSON answer) the value is written JSON-escaped, so a name with a quote or
a backslash leaves the arguments valid JSON.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sentinel.privacy.entities import Entity, every_occurrence
from sentinel.privacy.walk import transform

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")
# The longest tail that may still grow into a placeholder: "<", "<PERSON", "<PERSON_1".
_PARTIAL = re.compile(r"<[A-Z0-9_]{0,40}$")


@dataclass
class OutboundMask:
    """Placeholder -> original value for one request; counts per type (no values).
    `json_answer`: the request asked for a JSON answer (response_format json_object),
    so streamed content is restored as JSON too."""

    values: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    json_answer: bool = False
    _escaped: dict[str, str] | None = field(default=None, repr=False)

    def restore(self, text: str, escape: bool = False) -> str:
        """`text` with every known placeholder replaced by its original value, written
        as inside a JSON string when `escape` (a placeholder in valid JSON can only be
        inside a string: `<` is nothing else there)."""
        if not self.values or "<" not in text:
            return text
        values = self._json_values() if escape else self.values
        return PLACEHOLDER.sub(lambda m: values.get(m.group(), m.group()), text)

    def restore_json(self, text: str, document: bool = False) -> str:
        """`text` restored as JSON when it is a JSON object or array, or any JSON where
        it is meant to be one (`document`: tool-call arguments, a json_object answer,
        where a bare JSON string is JSON too), else as text (arguments a model got
        wrong, a plain answer that quotes a sentence)."""
        if not self.values or "<" not in text:
            return text
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return self.restore(text)
        return self.restore(text, escape=document or isinstance(parsed, dict | list))

    def _json_values(self) -> dict[str, str]:
        if self._escaped is None:
            self._escaped = {
                k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in self.values.items()
            }
        return self._escaped

    def restorer(self, escape: bool = False) -> StreamRestorer:
        return StreamRestorer(self, escape)


@dataclass
class StreamRestorer:
    """Restores placeholders in a stream of text pieces that may split them (JSON-escaped
    for streamed tool-call arguments)."""

    mask: OutboundMask
    escape: bool = False
    _held: str = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        partial = _PARTIAL.search(text)
        cut = partial.start() if partial else len(text)
        self._held = text[cut:]
        return self.mask.restore(text[:cut], self.escape)

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def flush(self) -> str:
        """Whatever was held back (a "<" that never became a placeholder)."""
        text, self._held = self._held, ""
        return self.mask.restore(text, self.escape)


def mask_document(doc: Any, redactor: Redactor, unmasked: Any = None) -> tuple[Any, OutboundMask]:
    """A copy of `doc` (messages, or a FIM call's prompt and suffix) with every text the
    walker visits masked, one numbering for all of them, and how to undo it. A
    placeholder written in `doc` or in `unmasked` (the rest of the request: tool
    definitions, `stop`, ... sent as written) is a literal no value is given."""
    from sentinel.privacy.redactor import Placeholders, apply

    texts: list[str] = []
    names: list[str] = []
    transform(doc, lambda t: texts.append(t) or t, lambda n: names.append(n) or n)
    written = list(names)
    transform(unmasked, lambda t: written.append(t) or t, lambda n: written.append(n) or n)
    placeholders = Placeholders()
    for text in (*texts, *written):
        if "<" in text:
            for m in PLACEHOLDER.finditer(text):
                entity_type, _, number = m.group()[1:-1].rpartition("_")
                placeholders.reserve(entity_type, int(number))
    mask = OutboundMask()
    found = iter(_everywhere(texts, names, redactor.analyze_many(texts, in_process=True)))

    def masked_text(text: str) -> str:
        entities = next(found)
        for e in entities:
            value = text[e.start : e.end]
            mask.values.setdefault(placeholders.for_value(e.type, value), value)
            mask.counts[e.type] += 1
        return apply(text, entities, placeholders)

    def masked_name(name: str) -> str:
        """A participant's name is a person's, masked whole (as the job does)."""
        if not name.strip():
            return name
        placeholder = placeholders.for_value("PERSON", name)
        mask.values.setdefault(placeholder, name)
        mask.counts["PERSON"] += 1
        return placeholder

    return transform(doc, masked_text, masked_name), mask


def _everywhere(
    texts: list[str], names: list[str], found: list[list[Entity]]
) -> list[list[Entity]]:
    """Each text's findings plus every occurrence of a value found in another text or
    given as a participant's name: one value, one placeholder in every field, even
    where the analyzer alone would miss it ("it's kumiko again" from `name: kumiko`)."""
    known = {
        text[e.start : e.end].casefold(): e
        for text, entities in zip(texts, found, strict=True)
        for e in entities
    }
    known.update({n.strip().casefold(): Entity("PERSON", 0, 0, 1.0) for n in names if n.strip()})
    if not known:
        return found
    return [every_occurrence(t, f, known) for t, f in zip(texts, found, strict=True)]
