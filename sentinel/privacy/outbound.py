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
a backslash leaves the arguments valid JSON. A model writing JSON may escape the angle
brackets itself (`\\u003cPERSON_1\\u003e`, as Go's encoder and some models do): that
placeholder is inside a JSON string by its own spelling, and is restored JSON-escaped.

One value written several ways in one request ("138 1234 5678" and "13812345678",
"张伟" in prose and `\\u5f20\\u4f1f` in pasted JSON, "Anne Lynch" and "ANNE LYNCH") is one
value to the provider: one placeholder (the anonymization job's rule, sentinel.privacy.
redactor.Placeholders: the view's form, case and whitespace aside). The answer then
names only the placeholder, so which spelling it means is not known; the choice made
here: in each text of the answer (its content, its reasoning, each tool call's
arguments), the n-th time a placeholder appears it gets the n-th spelling the request
used, in the request's reading order, and past the last one the first. An answer that
repeats the request's values in their order (an echo, a rewrite, a translation) gets
each back as it was written; any other gets a spelling the user wrote, never a
normalised one.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sentinel.privacy.entities import Entity, every_occurrence
from sentinel.privacy.escapes import decoded
from sentinel.privacy.walk import transform

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

# A placeholder, its angle brackets as written or JSON-escaped (group 2 its name, group
# 1 or 3 set when a bracket was escaped). An escape is one only after an even run of
# backslashes (escaped ones: the JSON `C:\\\u003c` is the text `C:\<`), which the match
# then starts with (escaped_run); after an odd run its backslash is an escaped one and
# "u003c" is text.
PLACEHOLDER = re.compile(
    r"(?:<|(?<!\\)(?:\\\\)*(\\u003[cC]))([A-Z][A-Z0-9_]*_\d+)(?:>|(\\u003[eE]))"
)
# The longest tail that may still grow into a placeholder: "<", "<PERSON", "<PERSON_1",
# and their escaped spellings as far as they go ("\\", "\\u00", "\\u003cPERSON_1\\u003").
# (A backslash before an escape is held with it; StreamRestorer carries whether the run
# that went out before it was odd.)
_PARTIAL = re.compile(
    r"(?:<|\\{1,2}u003[cC])[A-Z0-9_]{0,40}(?:\\(?:u(?:0(?:0(?:3)?)?)?)?)?$"
    r"|\\{1,2}(?:u(?:0(?:0(?:3)?)?)?)?$"
)


def placeholder_name(m: re.Match[str]) -> str:
    """`<PERSON_1>` however the match spelt its brackets."""
    return f"<{m.group(2)}>"


def escaped_run(m: re.Match[str]) -> str:
    """The escaped backslashes a PLACEHOLDER match starts with (text before it)."""
    return m.group()[: m.start(1) - m.start()] if m.group(1) else ""


def _may_hold_placeholder(text: str) -> bool:
    return "<" in text or "\\u003" in text


@dataclass
class OutboundMask:
    """Placeholder -> original value (its first spelling) for one request, and every
    spelling in the request's reading order; counts per type (no values).
    `json_answer`: the request asked for a JSON answer (response_format json_object),
    so streamed content is restored as JSON too."""

    values: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    json_answer: bool = False
    spellings: dict[str, list[str]] = field(default_factory=dict)

    def add(self, placeholder: str, value: str) -> None:
        """One occurrence of `value` in the request, masked as `placeholder`."""
        self.values.setdefault(placeholder, value)
        self.spellings.setdefault(placeholder, []).append(value)

    def restore(self, text: str, escape: bool = False, seen: Counter[str] | None = None) -> str:
        """`text` with every known placeholder replaced by its original value (see the
        module docstring for which spelling; `seen` counts the placeholders restored so
        far in this text, for one streamed in pieces), written as inside a JSON string
        when `escape` or when the placeholder's brackets were JSON-escaped (a
        placeholder in valid JSON can only be inside a string: `<` is nothing else there)."""
        if not self.values or not _may_hold_placeholder(text):
            return text
        seen = Counter() if seen is None else seen

        def value(m: re.Match[str]) -> str:
            name = placeholder_name(m)
            spellings = self.spellings.get(name)
            if not spellings:
                if name not in self.values:
                    return m.group()
                spellings = [self.values[name]]  # a mask made from its values alone
            n = seen[name]
            seen[name] += 1
            spelling = spellings[n] if n < len(spellings) else spellings[0]
            if escape or m.group(1) or m.group(3):
                return escaped_run(m) + _json_escaped(spelling)
            return spelling

        return PLACEHOLDER.sub(value, text)

    def restore_json(self, text: str, document: bool = False) -> str:
        """`text` restored as JSON when it is a JSON object or array, or any JSON where
        it is meant to be one (`document`: tool-call arguments, a json_object answer,
        where a bare JSON string is JSON too), else as text (arguments a model got
        wrong, a plain answer that quotes a sentence)."""
        if not self.values or not _may_hold_placeholder(text):
            return text
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return self.restore(text)
        return self.restore(text, escape=document or isinstance(parsed, dict | list))

    def restorer(self, escape: bool = False) -> StreamRestorer:
        return StreamRestorer(self, escape)


@dataclass
class StreamRestorer:
    """Restores placeholders in a stream of text pieces that may split them (JSON-escaped
    for streamed tool-call arguments)."""

    mask: OutboundMask
    escape: bool = False
    _held: str = ""
    _seen: Counter[str] = field(default_factory=Counter)
    _odd: bool = False  # what went out ends in an odd run of backslashes

    def feed(self, piece: str) -> str:
        text = self._held + piece
        partial = _PARTIAL.search(text)
        cut = partial.start() if partial else len(text)
        self._held = text[cut:]
        return self._restored(text[:cut])

    def _restored(self, text: str) -> str:
        """`text` restored as the continuation of what went out: a run of backslashes
        that began there counts from its start (one stands in for an odd run's rest)."""
        lead = "\\" if self._odd else ""
        run = len(text) - len(text.rstrip("\\"))
        self._odd = (self._odd if run == len(text) else False) != (run % 2 == 1)
        return self.mask.restore(lead + text, self.escape, self._seen)[len(lead) :]

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def flush(self) -> str:
        """Whatever was held back (a "<" that never became a placeholder)."""
        text, self._held = self._held, ""
        return self._restored(text)


def _json_escaped(value: str) -> str:
    """`value` as the inside of a JSON string. A spelling the request wrote in `\\uXXXX`
    escapes is decoded first: escaped again as it stands, its backslashes would be text."""
    unescaped = decoded(value)
    return json.dumps(unescaped[0] if unescaped else value, ensure_ascii=False)[1:-1]


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
        if _may_hold_placeholder(text):
            for m in PLACEHOLDER.finditer(text):
                entity_type, _, number = m.group(2).rpartition("_")
                placeholders.reserve(entity_type, int(number))
    mask = OutboundMask()
    found = iter(_everywhere(texts, names, redactor.analyze_many(texts, in_process=True)))

    def masked_text(text: str) -> str:
        entities = next(found)
        for e in entities:
            value = text[e.start : e.end]
            mask.add(placeholders.for_value(e.type, value), value)
            mask.counts[e.type] += 1
        return apply(text, entities, placeholders)

    def masked_name(name: str) -> str:
        """A participant's name is a person's, masked whole (as the job does)."""
        if not name.strip():
            return name
        placeholder = placeholders.for_value("PERSON", name)
        mask.add(placeholder, name)
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
