"""The recognizers' gates searched once per text, and Presidio's registry scan once per request.

A type is asked for when one of its recognizers' gates matches (`recognizers.gated`).
The same gate object serves several recognizers, several types and both languages of a
mixed text (the English and the Chinese registry share the pattern recognizers' gates),
so `OpenGates` searches each one at most once per text instead of once per use, and a
regex gate not at all when the text lacks every literal it needs (`literals.Prefilter`:
a few substring tests instead of a scan by a long alternation).

Presidio's AnalyzerEngine asks its registry for the recognizers of the requested types
on every call and the registry scans every recognizer for every type; the answer
depends only on (language, types), of which chat traffic has a few hundred, so
`CachedRegistry` keeps it. The gate of a recognizer guards its type, not the recognizer
alone (im_context's ids after a messenger's name rely on im_account's gate), so a
recognizer is never skipped because its own gate is closed. What skips one is its
*need* (`literals`): computed from its own patterns, none of which can match a text
holding none of the need's literals. The registry leaves out, for the text being
analyzed (`serving`), every recognizer whose need that text lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from presidio_analyzer import EntityRecognizer, RecognizerRegistry

from sentinel.privacy.literals import Need, Prefilter, recognizer_need
from sentinel.privacy.recognizers import Gate, Gates

# Distinct (language, types) requests kept; beyond it the cache starts over.
_MAX_REQUESTS = 4096
# Each regex gate's prefilter, computed once (gates are module constants, a few dozen).
_PREFILTERS: dict[re.Pattern[str], Prefilter | None] = {}


def _search(gate: Gate | Need, text: str) -> bool:
    if isinstance(gate, re.Pattern):
        if gate not in _PREFILTERS:
            _PREFILTERS[gate] = Prefilter.of(gate)
        prefilter = _PREFILTERS[gate]
        if prefilter is not None and not prefilter.may_match(text):
            return False
    return bool(gate.search(text))


class OpenGates:
    """Which gates match one text; each gate is searched at most once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._seen: dict[Gate, bool] = {}

    def __call__(self, gate: Gate | Need) -> bool:
        found = self._seen.get(gate)
        if found is None:
            found = self._seen[gate] = _search(gate, self.text)
        return found

    def candidates(self, gates_by_entity: Gates) -> set[str]:
        """Entity types one of whose gated recognizers could find something here."""
        return {entity for entity, gates in gates_by_entity.items() if any(map(self, gates))}


class CachedRegistry(RecognizerRegistry):
    """`registry`'s recognizers; the answer for each (language, types) computed once."""

    def __init__(self, registry: RecognizerRegistry) -> None:
        super().__init__(
            recognizers=registry.recognizers,
            global_regex_flags=registry.global_regex_flags,
            supported_languages=registry.supported_languages,
        )
        self._served: dict[tuple[str, tuple[str, ...]], list[EntityRecognizer]] = {}
        self._needs = {r.id: need for r in self.recognizers if (need := recognizer_need(r))}
        self._text: ContextVar[OpenGates | None] = ContextVar("gates_of_text", default=None)

    @contextmanager
    def serving(self, is_open: OpenGates) -> Iterator[None]:
        """Within it, recognizers whose need `is_open.text` lacks are left out."""
        token = self._text.set(is_open)
        try:
            yield
        finally:
            self._text.reset(token)

    def get_recognizers(
        self,
        language: str,
        entities: Iterable[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        if all_fields or entities is None or ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (language, tuple(entities))
        served = self._served.get(key)
        if served is None:
            if len(self._served) >= _MAX_REQUESTS:
                self._served.clear()
            served = self._served[key] = super().get_recognizers(language, list(key[1]))
        is_open = self._text.get()
        if is_open is None:
            return list(served)  # a copy: the caller may extend it
        needs = self._needs
        return [r for r in served if (need := needs.get(r.id)) is None or is_open(need)]
