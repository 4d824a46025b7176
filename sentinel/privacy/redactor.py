"""The Redactor: PII in, typed numbered placeholders out.

`redact_many` is the fast path (one batched NER pass over all texts); `redact` is the
same for one text. Placeholders are numbered per conversation: pass one `Placeholders`
to every call for one conversation and "Alice" is `<PERSON_1>` in every message of it.
Results carry only type, span and score, never the value, so they are safe to log.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from sentinel.privacy import chunks
from sentinel.privacy.analyzer import BatchAnalyzer
from sentinel.privacy.entities import Entity, every_occurrence, resolve_overlaps
from sentinel.privacy.language import LangChoice
from sentinel.privacy.policy import DEFAULT_ALLOW_LIST, Policy, policy_from_settings
from sentinel.privacy.pool import AnalyzerPool
from sentinel.privacy.view import analysis_view, fold

POOL_MIN_BATCH = 128  # below this, starting and feeding workers costs more than it saves

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
        key = (entity_type, value_key(value))
        if key not in self._assigned:
            n = self._counts.get(entity_type, 0) + 1
            self._counts[entity_type] = n
            self._assigned[key] = f"<{entity_type}_{n}>"
        return self._assigned[key]

    def reserve(self, entity_type: str, number: int) -> None:
        """Never hand out `<entity_type_number>` or a lower number: the text already
        holds it (a prompt quoting `<PERSON_1>`), and a second meaning for it would
        make restoring put a value where the user wrote the literal."""
        self._counts[entity_type] = max(self._counts.get(entity_type, 0), number)


def value_key(value: str) -> str:
    """What makes two spellings one value: the analysis view's form ("Jose\u0301" is
    "José", "jоhn" with a Cyrillic о is "john"), case aside, and spaces: a number or id
    (any digit) is one value with or without its spaces ("138 1234 5678" and
    "13812345678", an IBAN in groups or not), a name with any run of spaces between its
    words ("Anne  Lynch"), not without them ("Li Na" is not "Lina")."""
    folded = fold(value).casefold()
    if any(c.isdigit() for c in folded):
        return "".join(folded.split())
    return " ".join(folded.split())


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
    # Presidio rebuilds the whole text once per entity, quadratic on a megabyte text with
    # thousands of findings: long texts go through it in segments cut between entities.
    out = []
    for start, end, part in _segments(text, entities):
        results = [RecognizerResult(e.type, e.start - start, e.end - start, e.score) for e in part]
        out.append(_ANONYMIZER.anonymize(text[start:end], results, operators).text)
    return "".join(out)


def _segments(text: str, entities: Sequence[Entity]) -> Iterator[tuple[int, int, list[Entity]]]:
    """(start, end, entities inside) pieces of about WINDOW_CHARS covering `text`, cut
    only at the start of an entity (the entities are sorted and do not overlap)."""
    start, part = 0, []
    for e in entities:
        if part and e.start - start >= chunks.WINDOW_CHARS:
            yield start, e.start, part
            start, part = e.start, []
        part.append(e)
    yield start, len(text), part


class Redactor:
    """Finds and replaces PII in English, Chinese and mixed text, fully offline.

    The operator's policy comes from the settings (SENTINEL_REDACT_ALLOW, _DENY,
    _ENTITIES, _THRESHOLDS) unless `policy` is given; `allow_list` then replaces its
    allow terms (exact match on the finding's text) and `deny_list` (entity type ->
    terms always redacted as that type) is added to its deny terms.

    Loading takes a few seconds (spaCy model, jieba dictionary): build one and reuse it.
    `n_process` > 1 analyzes in that many worker processes (see `pool`), which pays
    off for batches of hundreds of texts; `close()` stops them. Left as None it is
    SENTINEL_REDACT_WORKERS (0: one per core, at most 4), and the workers start only
    when a batch of POOL_MIN_BATCH texts or more arrives (a job backlog, a large
    `sentinel redact` input); smaller batches are analyzed in this process.
    """

    def __init__(
        self,
        allow_list: Collection[str] | None = None,
        deny_list: Mapping[str, Sequence[str]] | None = None,
        batch_size: int = 256,  # texts per NER batch: larger runs the model's matrices fuller
        n_process: int | None = None,
        *,
        policy: Policy | None = None,
    ) -> None:
        settings = None
        if policy is None or n_process is None:
            from sentinel.config import Settings

            settings = Settings()
        if policy is None:
            assert settings is not None
            policy = policy_from_settings(settings)
        if allow_list is not None:
            policy = replace(policy, allow_terms=frozenset(allow_list))
        if deny_list:
            merged = dict(policy.deny_terms)
            for entity, terms in deny_list.items():
                merged[entity] = (*merged.get(entity, ()), *terms)
            policy = replace(policy, deny_terms=merged)
        self.policy = policy
        self.batch_size = batch_size
        self._lazy = n_process is None
        if n_process is None:
            assert settings is not None
            n_process = settings.redact_workers or min(os.cpu_count() or 1, 4)
        self.n_process = n_process
        self.pool: AnalyzerPool | None = None
        self.local: BatchAnalyzer | None = None
        if n_process > 1 and not self._lazy:
            self.pool = AnalyzerPool(n_process, policy, batch_size)
        else:
            self.local = BatchAnalyzer(policy, batch_size)

    @property
    def engine(self) -> BatchAnalyzer | AnalyzerPool:
        """What analyzes the next large batch: the worker pool if any, else this process."""
        return self.pool or self.local  # type: ignore[return-value]

    def analyze_many(
        self, texts: Sequence[str], language: LangChoice = "auto", *, in_process: bool = False
    ) -> list[list[Entity]]:
        """The non-overlapping PII spans of each text, in text order. Texts of any
        length: long ones are analyzed in overlapping windows (`chunks`). The analyzers
        see each text's `view` (NFC, invisible characters removed); the spans returned
        are on the original text and cover the invisible characters inside a value.
        `in_process` never starts the worker pool for a large batch: inside an app's
        call (outbound masking) spawned workers would re-run its `__main__` and load
        their models for seconds."""
        views = [analysis_view(t) for t in texts]
        pieces, layout = chunks.split([v.text for v in views])
        joined = chunks.join(layout, self._analyze_pieces(pieces, language, in_process))
        return [
            v.entities(every_occurrence(v.text, found))
            for v, found in zip(views, joined, strict=True)
        ]

    def _analyze_pieces(
        self, texts: Sequence[str], language: LangChoice, in_process: bool = False
    ) -> list[list[Entity]]:
        large = len(texts) >= POOL_MIN_BATCH and not (in_process and self.local is not None)
        if self.pool is None and self._lazy and self.n_process > 1 and large:
            self.pool = AnalyzerPool(self.n_process, self.policy, self.batch_size)
        if self.pool is not None and (self.local is None or large):
            return self.pool.analyze_many(texts, language)
        assert self.local is not None
        return [resolve_overlaps(r) for r in self.local.analyze_many(texts, language)]

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
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def redact(
        self, text: str, language: LangChoice = "auto", placeholders: Placeholders | None = None
    ) -> Redaction:
        """Redact one text (prefer `redact_many` for many: the NER batches)."""
        return self.redact_many([text], language, placeholders)[0]
