"""Batched analysis of many texts with one Presidio AnalyzerEngine.

Per text: detect its languages, gate the entity types, run the NER (batched over all
texts through `nlp.pipe`) only where names can be, then call `AnalyzerEngine.analyze`
with the precomputed NLP artifacts and only the candidate types. Mixed text runs the
English analysis and the Chinese-only recognizers (names), so pattern recognizers,
which are language-neutral, run once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from sentinel.privacy.brands import JUDGED_RECOGNIZERS, JUDGED_TYPES, brand_shaped
from sentinel.privacy.gating import CachedRegistry, OpenGates
from sentinel.privacy.language import LangChoice, detect
from sentinel.privacy.lookalikes import Lookalikes
from sentinel.privacy.ner import GatedSpacyNlpEngine
from sentinel.privacy.policy import Policy
from sentinel.privacy.recognizers import LANGUAGES, build_registry, gates
from sentinel.privacy.recognizers.en_person import EnPersonRecognizer
from sentinel.privacy.script import fold_traditional
from sentinel.privacy.view import fold

# Capitalized words that are not names, for the NER gate: contractions, greetings and
# titles (the name after them is what matters), languages people ask to translate into.
_NOT_NAMES = {"i'm", "i've", "i'll", "i'd", "hi", "hey", "hello", "dear", "thanks", "mr", "mrs"}
_NOT_NAMES |= {"ms", "dr", "prof", "chinese", "english", "japanese", "korean", "french", "german"}
# What the English NER can add to a text's candidate types once it found something.
NER_ENTITIES = frozenset({"PERSON", "LOCATION"})


class NoContextEnhancer(ContextAwareEnhancer):
    """Keeps scores as the recognizers set them.

    Presidio's default enhancer raises scores when context words appear among the
    lemmas around a finding; the NER-only pipeline computes no lemmas, and Sentinel
    keeps every validated finding whatever its score, so it would cost time per
    finding and change nothing.
    """

    def __init__(self) -> None:
        super().__init__(0.0, 0.0, 0, 0)

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results


class _Engine(AnalyzerEngine):
    """AnalyzerEngine whose context step, a no-op here, costs one pass over the results.

    Presidio regroups the results recognizer by recognizer (two scans of all results per
    recognizer) so that each can rescore its own from context; with NoContextEnhancer
    and no recognizer of Sentinel's rescoring, what is left is the regrouping, done here
    in one pass with the same order (and the same drop of a result whose recognizer is
    not in the list)."""

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        rescoring = any(
            type(r).enhance_using_context is not EntityRecognizer.enhance_using_context
            for r in recognizers
        )
        if rescoring or not isinstance(self.context_aware_enhancer, NoContextEnhancer):
            return super()._enhance_using_context(
                text, raw_results, nlp_artifacts, recognizers, context
            )
        by_recognizer: dict[str, list[RecognizerResult]] = {}
        for result in raw_results:
            key = result.recognition_metadata[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY]
            by_recognizer.setdefault(key, []).append(result)
        return [result for r in recognizers for result in by_recognizer.get(r.id, ())]


class BatchAnalyzer:
    """Presidio analysis for batches of en / zh / mixed texts.

    `policy` carries the operator's choices (sentinel.privacy.policy): allow terms and
    patterns, deny terms and patterns, the entity types to look for and a minimum score
    per type.
    """

    def __init__(self, policy: Policy, batch_size: int = 64) -> None:
        # The texts arrive as their analysis view (NFC, no invisibles): an operator's
        # terms must be written the same way to match ("José" typed in NFD on macOS).
        policy = replace(
            policy,
            allow_terms=frozenset(map(fold, policy.allow_terms)),
            deny_terms={e: tuple(map(fold, terms)) for e, terms in policy.deny_terms.items()},
        )
        self.policy = policy
        self.allow_list = sorted(policy.allow_terms)
        ordinary = {w.lower() for w in policy.allow_terms} | set(STOP_WORDS) | _NOT_NAMES
        registry = CachedRegistry(build_registry(policy.deny_terms, ordinary, policy.deny_patterns))
        self.registry = registry
        self.en_person = next(r for r in registry.recognizers if isinstance(r, EnPersonRecognizer))
        self.nlp_engine = GatedSpacyNlpEngine(
            LANGUAGES,
            ordinary_words=ordinary,
            names=self.en_person.given | self.en_person.surnames,
            products={w.lower() for w in policy.allow_terms},
        )
        self.engine = _Engine(
            registry=registry,
            nlp_engine=self.nlp_engine,
            supported_languages=list(LANGUAGES),
            context_aware_enhancer=NoContextEnhancer(),
        )
        self.en_person.learn_english(
            self.nlp_engine.sentence_words,
            self.nlp_engine.wordnet,
            self.nlp_engine.adjectives,
            self.nlp_engine.nouns_only,
        )
        self.lookalikes = Lookalikes(
            self.en_person.given, self.en_person.surnames, self.nlp_engine.wordnet
        )
        self.gates = {language: gates(registry, language) for language in LANGUAGES}
        self.deny_entities = {e for e, terms in policy.deny_terms.items() if terms} | {
            e for e, patterns in policy.deny_patterns.items() if patterns
        }
        self.batch_size = batch_size
        for recognizer in self.engine.registry.recognizers:  # pay loading costs up front
            if not recognizer.is_loaded:
                recognizer.load()
                recognizer.is_loaded = True

    def analyze_many(
        self, texts: Sequence[str], language: LangChoice = "auto"
    ) -> list[list[RecognizerResult]]:
        self.en_person.forget()  # its memo spans one batch (gate, then Presidio), no more
        originals = texts
        texts = [fold_traditional(t) for t in texts]  # same offsets, simplified
        langs = [detect(t, language) for t in texts]
        english = [("en" in ls) for ls in langs]
        explained = [
            [(s, e) for s, e, _ in self.en_person.spans(t)] if en else []
            for t, en in zip(texts, english, strict=True)
        ]
        artifacts = self.nlp_engine.process_gated(texts, english, self.batch_size, explained)
        out = []
        for original, text, text_langs, nlp_artifacts in zip(
            originals, texts, langs, artifacts, strict=True
        ):
            results: list[RecognizerResult] = []
            is_open = OpenGates(text)  # a gate shared by types or languages: searched once
            with self.registry.serving(is_open):
                if "en" in text_langs or not text_langs:
                    entities = self._candidates(is_open, "en")
                    if nlp_artifacts.entities:
                        entities |= NER_ENTITIES
                    results += self._analyze(text, "en", entities, nlp_artifacts)
                if "zh" in text_langs:  # mixed text: the patterns already ran in English
                    entities = self._candidates(is_open, "zh")
                    if "en" in text_langs:
                        entities &= {"PERSON"}
                    results += self._analyze(text, "zh", entities, nlp_artifacts)
            kept = [
                r
                for r in results
                if not _brand(original, r) and not self.lookalikes(original, r, results)
            ]
            out.append(self.policy.keep(original, kept))
        return out

    def _candidates(self, is_open: OpenGates, language: str) -> set[str]:
        return is_open.candidates(self.gates[language]) | self.deny_entities

    def _analyze(
        self, text: str, language: str, entities: set[str], nlp_artifacts: NlpArtifacts
    ) -> list[RecognizerResult]:
        entities = self.policy.chosen(entities)
        if not entities:  # an empty list would mean "all entities" to Presidio
            return []
        return self.engine.analyze(
            text,
            language=language,
            entities=sorted(entities),
            nlp_artifacts=nlp_artifacts,
            allow_list=self.allow_list,
        )


def _brand(text: str, result: RecognizerResult) -> bool:
    """A name-list or NER finding written as a brand is (sentinel.privacy.brands)."""
    return (
        result.entity_type in JUDGED_TYPES
        and (result.recognition_metadata or {}).get("recognizer_name") in JUDGED_RECOGNIZERS
        and brand_shaped(text, result.start, result.end)
    )
