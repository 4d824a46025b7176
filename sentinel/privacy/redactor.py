"""The Redactor: PII in, typed numbered placeholders out.

`redact_many` is the fast path (one batched NER pass over all texts); `redact` is the
same for one text. Placeholders are numbered per conversation: pass one `Placeholders`
to every call for one conversation and "Alice" is `<PERSON_1>` in every message of it.
Results carry only type, span and score, never the value, so they are safe to log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from presidio_analyzer import RecognizerResult

from sentinel.privacy.analyzer import BatchAnalyzer
from sentinel.privacy.language import LangChoice

# Product and technology names that chat about an LLM API is full of and that the
# small English model sometimes tags as a person or place.
DEFAULT_ALLOW_LIST: frozenset[str] = frozenset(
    {
        "DeepSeek",
        "DeepSeek-V3",
        "DeepSeek-R1",
        "OpenAI",
        "ChatGPT",
        "Python",
        "Java",
        "JavaScript",
        "TypeScript",
        "Rust",
        "Go",
        "Spark",
        "Kafka",
        "Flink",
        "Hadoop",
        "Redis",
        "MySQL",
        "PostgreSQL",
        "Postgres",
        "Kubernetes",
        "Docker",
        "Linux",
        "Ubuntu",
        "Elasticsearch",
        "Kibana",
        "Grafana",
        "Prometheus",
        "Nginx",
        "React",
        "Vue",
        "Django",
        "Flask",
        "FastAPI",
        "PyTorch",
        "TensorFlow",
        "Pandas",
        "NumPy",
        "TCP/IP",
        "HTTP",
        "HTTPS",
        "JSON",
        "YAML",
        "GitHub",
        "GitLab",
        "AWS",
        "Azure",
        "Windows",
        "macOS",
        "iOS",
        "Android",
        "Excel",
        "Jira",
        "Slack",
        "Presidio",
    }
)


@dataclass(frozen=True)
class Entity:
    """One redacted span of the original text; deliberately holds no value."""

    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
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


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[Entity]:
    """Merge overlapping findings into one span covering all of them.

    Overlaps come from different recognizers seeing the same PII differently (NER
    "Baker Street, London" vs the address pattern "221B Baker Street, London"); the
    union leaks nothing either saw. The type is that of the longest finding (the
    password@host inside a URL is part of the URL), then of the highest score.
    """
    merged: list[Entity] = []
    best: RecognizerResult | None = None
    for r in sorted(results, key=lambda r: (r.start, -r.end)):
        if merged and r.start < merged[-1].end and best is not None:
            last = merged[-1]
            if (r.end - r.start, r.score) > (best.end - best.start, best.score):
                best = r
            merged[-1] = Entity(best.entity_type, last.start, max(last.end, r.end), best.score)
        else:
            best = r
            merged.append(Entity(r.entity_type, r.start, r.end, r.score))
    return merged


def apply(text: str, entities: Sequence[Entity], placeholders: Placeholders) -> str:
    """`text` with each entity span replaced by its placeholder."""
    parts = []
    pos = 0
    for e in entities:
        parts.append(text[pos : e.start])
        parts.append(placeholders.for_value(e.type, text[e.start : e.end]))
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)


class Redactor:
    """Finds and replaces PII in English, Chinese and mixed text, fully offline.

    Loading takes a few seconds (spaCy model, jieba dictionary): build one and reuse it.
    `n_process` > 1 runs the NER in that many worker processes for large batches.
    """

    def __init__(
        self,
        allow_list: Collection[str] = DEFAULT_ALLOW_LIST,
        deny_list: Mapping[str, Sequence[str]] | None = None,
        batch_size: int = 64,
        n_process: int = 1,
    ) -> None:
        self.analyzer = BatchAnalyzer(allow_list, deny_list or {}, batch_size, n_process)

    def analyze_many(
        self, texts: Sequence[str], language: LangChoice = "auto"
    ) -> list[list[Entity]]:
        """The non-overlapping PII spans of each text, in text order."""
        return [resolve_overlaps(r) for r in self.analyzer.analyze_many(texts, language)]

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

    def redact(
        self, text: str, language: LangChoice = "auto", placeholders: Placeholders | None = None
    ) -> Redaction:
        return self.redact_many([text], language, placeholders)[0]
