"""The Redactor: PII in, typed numbered placeholders out.

`redact_many` is the fast path (one batched NER pass over all texts); `redact` is the
same for one text. Placeholders are numbered per conversation: pass one `Placeholders`
to every call for one conversation and "Alice" is `<PERSON_1>` in every message of it.
Results carry only type, span and score, never the value, so they are safe to log.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from sentinel.privacy.analyzer import BatchAnalyzer
from sentinel.privacy.entities import Entity, resolve_overlaps
from sentinel.privacy.language import LangChoice
from sentinel.privacy.policy import DEFAULT_ALLOW_LIST, Policy, policy_from_settings
from sentinel.privacy.pool import AnalyzerPool

__all__ = ["DEFAULT_ALLOW_LIST", "Entity", "Placeholders", "Redaction", "Redactor", "apply"]


@dataclass(frozen=True)
class Redaction:
    """A redacted text and where its PII was (spans refer to the original text)."""

    text: str
    entities: tuple[Entity, ...]


@dataclass
class Placeholders:
    """Placeholder numbering for one conversation (same value, same placeholder)."""

    _assigned: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def for_value(self, entity_type: str, value: str) -> str:
        key = (entity_type, value.strip().casefold())
        if key not in self._assigned:
            n = self._counts.get(entity_type, 0) + 1
            self._counts[entity_type] = n
            self._assigned[key] = f"<{entity_type}_{n}>"
        return self._assigned[key]


_ANONYMIZER = AnonymizerEngine()


def apply(text: str, entities: Sequence[Entity], placeholders: Placeholders) -> str:
    """`text` with each entity span replaced by its placeholder, through Presidio's
    AnonymizerEngine with one custom operator per entity type."""
    if not entities:
        return text
    # Presidio replaces right to left; numbering first, in reading order, keeps
    # <PERSON_1> the first person mentioned.
    for e in entities:
        placeholders.for_value(e.type, text[e.start : e.end])
    operators = {
        t: OperatorConfig("custom", {"lambda": functools.partial(placeholders.for_value, t)})
        for t in {e.type for e in entities}
    }
    results = [RecognizerResult(e.type, e.start, e.end, e.score) for e in entities]
    return _ANONYMIZER.anonymize(text, results, operators).text


class Redactor:
    """Finds and replaces PII in English, Chinese and mixed text, fully offline.

    The operator's policy comes from the settings (SENTINEL_REDACT_ALLOW, _DENY,
    _ENTITIES, _THRESHOLDS) unless `policy` is given; `allow_list` then replaces its
    allow terms (exact match on the finding's text) and `deny_list` (entity type ->
    terms always redacted as that type) is added to its deny terms.

    Loading takes a few seconds (spaCy model, jieba dictionary): build one and reuse it.
    `n_process` > 1 analyzes in that many worker processes (see `pool`), which pays
    off for batches of hundreds of texts; `close()` stops them.
    """

    def __init__(
        self,
        allow_list: Collection[str] | None = None,
        deny_list: Mapping[str, Sequence[str]] | None = None,
        batch_size: int = 64,
        n_process: int = 1,
        *,
        policy: Policy | None = None,
    ) -> None:
        if policy is None:
            from sentinel.config import Settings

            policy = policy_from_settings(Settings())
        if allow_list is not None:
            policy = replace(policy, allow_terms=frozenset(allow_list))
        if deny_list:
            merged = dict(policy.deny_terms)
            for entity, terms in deny_list.items():
                merged[entity] = (*merged.get(entity, ()), *terms)
            policy = replace(policy, deny_terms=merged)
        self.policy = policy
        self.engine: BatchAnalyzer | AnalyzerPool = (
            AnalyzerPool(n_process, policy, batch_size)
            if n_process > 1
            else BatchAnalyzer(policy, batch_size)
        )

    def analyze_many(
        self, texts: Sequence[str], language: LangChoice = "auto"
    ) -> list[list[Entity]]:
        """The non-overlapping PII spans of each text, in text order."""
        if isinstance(self.engine, AnalyzerPool):
            return self.engine.analyze_many(texts, language)
        return [resolve_overlaps(r) for r in self.engine.analyze_many(texts, language)]

    def redact_many(
        self,
        texts: Sequence[str],
        language: LangChoice = "auto",
        placeholders: Placeholders | None = None,
    ) -> list[Redaction]:
        """Redact a batch. With `placeholders`, the texts are one conversation and share
        numbering; without, each text is numbered on its own."""
        out = []
        for text, entities in zip(texts, self.analyze_many(texts, language), strict=True):
            scope = placeholders if placeholders is not None else Placeholders()
            out.append(Redaction(apply(text, entities, scope), tuple(entities)))
        return out

    def close(self) -> None:
        """Stop the worker processes, if any."""
        if isinstance(self.engine, AnalyzerPool):
            self.engine.close()

    def redact(
        self, text: str, language: LangChoice = "auto", placeholders: Placeholders | None = None
    ) -> Redaction:
        """Redact one text (prefer `redact_many` for many: the NER batches)."""
        return self.redact_many([text], language, placeholders)[0]
