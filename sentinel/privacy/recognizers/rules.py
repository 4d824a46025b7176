"""The base of recognizers that find one entity type by rules of their own.

Presidio's EntityRecognizer wants a constructor naming the entity, the recognizer and the
language, and a `load`; a rule-based recognizer has nothing to load. Each subclass sets
ENTITY and writes `analyze`; its name is its class's, which the registry, tests and
`redaction_eval.py --show-over` look it up by.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import EntityRecognizer


class RuleRecognizer(EntityRecognizer):
    ENTITY: ClassVar[str]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load: patterns (and data files read at import) only."""
