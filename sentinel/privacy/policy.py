"""What the operator decides about redaction: allow and deny lists, types, thresholds.

Settings name files and values (SENTINEL_REDACT_ALLOW, _DENY, _ENTITIES, _THRESHOLDS);
this module reads and checks them once, when a Redactor is built or `sentinel doctor`
runs, and every error names the variable, file and line. A Policy is plain frozen data,
so it crosses into the analyzer's worker processes as it is.

File formats (UTF-8, one entry a line, `#` starts a comment, blank lines ignored):

* allow file: a term never redacted (exact text of a finding), or `/regex/` that a
  finding's whole text must match to be kept;
* deny file: `[TYPE:] term` or `[TYPE:] /regex/`, always redacted as TYPE (default
  DENY_LIST), case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import regex
from presidio_analyzer import RecognizerResult

from sentinel.errors import ConfigurationError
from sentinel.privacy.recognizers.gazetteer import load

if TYPE_CHECKING:
    from sentinel.config import Settings

# Every type the shipped recognizers report (deny lists may add their own).
ENTITY_TYPES = frozenset(
    {
        "PERSON",
        "LOCATION",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "IP_ADDRESS",
        "URL",
        "API_KEY",
        "JWT",
        "CN_RESIDENT_ID",
        "US_SSN",
        "PASSPORT",
        "DATE_OF_BIRTH",
        "IM_ACCOUNT",
        "CN_LICENSE_PLATE",
    }
)
DEFAULT_DENY_TYPE = "DENY_LIST"

# Product and technology names that chat about an LLM API is full of and that the
# small English model sometimes tags as a person or place (data/allow_terms.txt).
DEFAULT_ALLOW_LIST: frozenset[str] = load("allow_terms.txt")

_TYPE_PREFIX = re.compile(r"([A-Z][A-Z0-9_]*):\s*(.+)")


class PolicyError(ConfigurationError):
    """A redaction setting or file is wrong; the message names where."""


@dataclass(frozen=True)
class Policy:
    allow_terms: frozenset[str] = DEFAULT_ALLOW_LIST
    allow_patterns: tuple[str, ...] = ()
    deny_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deny_patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    entities: frozenset[str] | None = None  # None: every type
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def chosen(self, entities: Collection[str]) -> set[str]:
        """The candidate types the operator wants found (deny-list types always)."""
        if self.entities is None:
            return set(entities)
        denied = set(self.deny_terms) | set(self.deny_patterns)
        return {e for e in entities if e in self.entities or e in denied}

    def keep(self, text: str, results: Iterable[RecognizerResult]) -> list[RecognizerResult]:
        """Findings above their type's threshold whose text no allow pattern matches."""
        allow = _compiled(self.allow_patterns)
        return [
            r
            for r in results
            if r.score >= self.thresholds.get(r.entity_type, 0.0)
            and not any(p.fullmatch(text[r.start : r.end]) for p in allow)
        ]

    def describe(self) -> list[str]:
        """One line per setting, values counted, never listed (they may be PII)."""
        types = "all" if self.entities is None else ", ".join(sorted(self.entities))
        thresholds = ", ".join(f"{t}>={v:g}" for t, v in sorted(self.thresholds.items()))
        return [
            f"types: {types}",
            f"allow: {len(self.allow_terms)} terms, {len(self.allow_patterns)} patterns",
            f"deny: {sum(map(len, self.deny_terms.values()))} terms, "
            f"{sum(map(len, self.deny_patterns.values()))} patterns",
            f"score thresholds: {thresholds or 'none'}",
        ]


_COMPILED: dict[tuple[str, ...], list[regex.Pattern[str]]] = {}


def _compiled(patterns: tuple[str, ...]) -> list[regex.Pattern[str]]:
    if patterns not in _COMPILED:
        _COMPILED[patterns] = [regex.compile(p) for p in patterns]
    return _COMPILED[patterns]


def _lines(variable: str, path: Path) -> Iterable[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{variable}: file {path} does not exist") from None
    except UnicodeDecodeError as exc:  # say which line, so the operator can find it
        line = exc.object[: exc.start].count(b"\n") + 1
        raise PolicyError(
            f"{variable}: {path}:{line}: not UTF-8 (byte 0x{exc.object[exc.start]:02x})"
        ) from None
    except OSError as exc:
        raise PolicyError(f"{variable}: cannot read {path}: {exc}") from None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield n, line


def _pattern(variable: str, path: Path, n: int, value: str) -> str | None:
    """The regex of a `/.../` entry (checked now), or None for a plain term."""
    if not (len(value) >= 2 and value.startswith("/") and value.endswith("/")):
        return None
    body = value[1:-1]
    try:
        compiled = regex.compile(body)
    except regex.error as exc:
        raise PolicyError(f"{variable}: {path}:{n}: invalid regex /{body}/: {exc}") from None
    if compiled.fullmatch(""):
        raise PolicyError(f"{variable}: {path}:{n}: /{body}/ matches empty text")
    return body


def read_allow_file(
    path: Path, variable: str = "SENTINEL_REDACT_ALLOW"
) -> tuple[set[str], list[str]]:
    terms, patterns = set(), []
    for n, line in _lines(variable, path):
        pattern = _pattern(variable, path, n, line)
        if pattern is None:
            terms.add(line)
        else:
            patterns.append(pattern)
    return terms, patterns


def read_deny_file(
    path: Path, variable: str = "SENTINEL_REDACT_DENY"
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    terms: dict[str, list[str]] = {}
    patterns: dict[str, list[str]] = {}
    for n, line in _lines(variable, path):
        m = _TYPE_PREFIX.fullmatch(line)
        entity, value = (m.group(1), m.group(2).strip()) if m else (DEFAULT_DENY_TYPE, line)
        pattern = _pattern(variable, path, n, value)
        if pattern is None:
            terms.setdefault(entity, []).append(value)
        else:
            patterns.setdefault(entity, []).append(pattern)
    return terms, patterns


def parse_entities(values: Sequence[str]) -> frozenset[str] | None:
    if not values:
        return None
    unknown = sorted(set(values) - ENTITY_TYPES)
    if unknown:
        raise PolicyError(
            f"SENTINEL_REDACT_ENTITIES: unknown type(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(ENTITY_TYPES))}"
        )
    return frozenset(values)


def parse_thresholds(text: str) -> dict[str, float]:
    """`PERSON=0.6,LOCATION=0.5` -> {"PERSON": 0.6, "LOCATION": 0.5}."""
    out: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        entity, sep, value = item.partition("=")
        entity = entity.strip()
        try:
            score = float(value) if sep else -1.0
        except ValueError:
            score = -1.0
        if entity not in ENTITY_TYPES:
            raise PolicyError(f"SENTINEL_REDACT_THRESHOLDS: unknown type {entity!r} in {item!r}")
        if not 0.0 <= score <= 1.0:
            raise PolicyError(
                f"SENTINEL_REDACT_THRESHOLDS: {item!r} needs TYPE=score with a score in [0, 1]"
            )
        out[entity] = score
    return out


def policy_from_settings(settings: Settings) -> Policy:
    """The Policy the settings describe; raises PolicyError naming what is wrong."""
    allow_terms, allow_patterns = set(DEFAULT_ALLOW_LIST), []
    if settings.redact_allow is not None:
        terms, allow_patterns = read_allow_file(settings.redact_allow)
        allow_terms |= terms
    deny_terms: dict[str, list[str]] = {}
    deny_patterns: dict[str, list[str]] = {}
    if settings.redact_deny is not None:
        deny_terms, deny_patterns = read_deny_file(settings.redact_deny)
    return Policy(
        allow_terms=frozenset(allow_terms),
        allow_patterns=tuple(allow_patterns),
        deny_terms={e: tuple(t) for e, t in deny_terms.items()},
        deny_patterns={e: tuple(p) for e, p in deny_patterns.items()},
        entities=parse_entities(settings.redact_entities),
        thresholds=parse_thresholds(settings.redact_thresholds),
    )
