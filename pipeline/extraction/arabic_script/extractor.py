"""Events from Dari, Persian, Pashto and Urdu text, in the English extractor's schema.

A passage is folded (fold.py), split into sentences and tokenised with spaCy's tokenizer
for the language (Pashto, which spaCy lacks, with the multi-language one). In each
sentence the lexicon finds actors, triggers and cues and the script gazetteer finds
places; a trigger takes the places of its clause (a list of places counts whole), the
captor it names ("به دست طالبان", "طالبانو ... ونیو", "طالبان نے ... قبضہ") and the
cues around it (a denial, a repulsed attack, "may fall", a currency's fall). As in
English, the state of each place at the end of the passage decides its events' control,
so a claim the ministry denies later in the passage is contested, not a fall.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from pipeline.extraction.arabic_script.fold import FoldedText, fold
from pipeline.extraction.arabic_script.lexicon import (
    Phrase,
    ScriptLexicon,
    any_match,
    find_all,
    script_lexicon,
)
from pipeline.extraction.arabic_script.places import (
    NameTarget,
    ScriptGazetteer,
    default_script_gazetteer,
    name_key,
)
from pipeline.models import Event, Location

LANGUAGES = frozenset({"fa", "ps", "ur"})
SENTENCE_END = re.compile(r"(?<!\d)[.!?](?!\d)|\n")
CLAUSE_MARKS = frozenset({",", ";", ":"})
QUOTES = frozenset({'"', "'", "(", ")", "-", "/"})
# the side each group is on; Resistance fighters taking a place take it back
GOVERNMENT = frozenset({"Afghan forces", "Afghan government"})
NON_STATE = frozenset({"Taliban", "Resistance", "ISIS-K", "al-Qaeda"})
CONTRACT_ACTORS = frozenset({"Taliban", "Afghan government", "Afghan forces", "US", "NATO"})
CONTRACT_ACTORS |= {"ISIS-K", "al-Qaeda"}
# folded words for "yesterday" and "last night"
YESTERDAY = (
    "دیروز",
    "روز گذشته",
    "دیشب",
    "شب گذشته",
    "پرون",
    "تیره ورز",
    "تیره شپه",
    "گزشته روز",
    "گزشته رات",
    "گذشته روز",
)
NEAR = 3  # words around a trigger its cues may stand in


@dataclass
class Token:
    text: str
    start: int
    end: int


@dataclass
class Mention:
    """An actor, place or trigger: tokens [start, end) of one sentence."""

    start: int
    end: int
    label: str  # the group, the trigger kind, or the place's name key
    role: str | None = None  # actors: agent | source
    targets: frozenset[NameTarget] = frozenset()
    kind: str | None = None  # places: district | city | province | part
    person: bool = False  # places: a post's place ("the governor of X"), not what was taken
    aside: bool = False  # places: a dateline or a locative ("in X"), never what was taken
    candidates: frozenset[NameTarget] = frozenset()  # places: every target the name has
    chain: int = -1


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    tokens: list[Token]
    places: list[Mention] = field(default_factory=list)
    actors: list[Mention] = field(default_factory=list)
    triggers: list[Mention] = field(default_factory=list)


@dataclass
class PassageContext:
    """What the passage has said so far: provinces named (they pick among districts of one
    name later on) and names already read as places (a short one stays a place)."""

    provinces: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)

    def learn(self, places: list[Mention]) -> None:
        for place in places:
            if place.kind is None:
                continue
            self.known.add(name_key(place.label))
            self.provinces |= {t.province_pcode for t in place.targets if t.kind == "province"}


@dataclass
class Draft:
    category: str
    actor: str
    target: str | None
    sentence: Sentence
    trigger: Mention
    place: Mention | None
    target_place: NameTarget | None
    kind: str | None
    realis: str = "actual"
    claim: str = "reported"
    control: str | None = None


class ScriptExtractor:
    """The extractor for fa, ps and ur (see the module docstring)."""

    def __init__(self, gazetteer: ScriptGazetteer | None = None, places: Any = None) -> None:
        from pipeline.places import default_gazetteer

        self.gazetteer = gazetteer or default_script_gazetteer()
        self.places = places or default_gazetteer()  # English names and coordinates

    def extract(self, text: str, published: datetime | date | None, language: str) -> list[Event]:
        if language not in LANGUAGES or not text.strip():
            return []
        lexicon = script_lexicon(language)
        folded = fold(text)
        sentences = self._sentences(folded.text, lexicon)
        if not _afghan_context(sentences, lexicon):
            return []
        drafts: list[Draft] = []
        for sentence in sentences:
            drafts += self._drafts(sentence, sentences, lexicon)
        drafts = _merge(drafts)
        _fold_control(drafts, sentences, lexicon)
        return [self._event(d, folded, published) for d in drafts]

    # --- reading sentences ----------------------------------------------------------
    def _sentences(self, text: str, lexicon: ScriptLexicon) -> list[Sentence]:
        tokenizer = _tokenizer(lexicon.spacy_language)
        sentences: list[Sentence] = []
        context = PassageContext()
        start = 0
        for match in [*SENTENCE_END.finditer(text), None]:
            end = match.end() if match else len(text)
            chunk = text[start:end]
            if chunk.strip():
                tokens = [
                    Token(t.text, start + t.idx, start + t.idx + len(t.text))
                    for t in tokenizer(chunk)
                    if not t.is_space
                ]
                if tokens:
                    sentence = Sentence(len(sentences), start, end, tokens)
                    self._read(sentence, lexicon, context)
                    context.learn(sentence.places)
                    _resolve_group_pronouns(sentence, sentences)
                    sentences.append(sentence)
            start = end
        return sentences

    def _read(self, sentence: Sentence, lexicon: ScriptLexicon, context: PassageContext) -> None:
        """Actors, places, then triggers; a place of two words or more wins over an actor
        inside it ("دولت شاه" is a district, not the state)."""
        words = [t.text for t in sentence.tokens]
        actors = _actors(words, lexicon)
        in_actors = {i for a in actors for i in range(a.start, a.end)}
        sentence.places = self._places(words, lexicon, context, in_actors)
        in_places = {
            i for p in sentence.places if p.end - p.start > 1 for i in range(p.start, p.end)
        }
        sentence.actors = [a for a in actors if not in_places & set(range(a.start, a.end))]
        triggers = _holders(_triggers(words, lexicon), sentence.actors)
        sentence.triggers = [t for t in triggers if not _pluperfect(t, words, lexicon)]

    def _places(
        self,
        words: list[str],
        lexicon: ScriptLexicon,
        context: PassageContext,
        taken: set[int],
    ) -> list[Mention]:
        """Places of the sentence; a name of two words or more may hold an actor's word
        ("دولت شاه" is a district, not the state), a one-word name may not."""
        kind_words = _kind_words(lexicon)
        found: list[Mention] = []
        i = 0
        while i < len(words):
            hit = None
            if words[i] not in kind_words:
                for size in range(min(self.gazetteer.max_words + 1, len(words) - i), 0, -1):
                    span = words[i : i + size]
                    if any(w in kind_words or w in QUOTES for w in span[1:]):
                        continue
                    if size == 1 and i in taken:
                        break
                    targets = self.gazetteer.lookup(span)
                    if not targets and size == 1 and span[0].startswith("و") and len(span[0]) > 3:
                        targets = self.gazetteer.lookup([span[0][1:]])  # "واوبند": and Ab Band
                    if targets:
                        hit = Mention(i, i + size, " ".join(span), targets=frozenset(targets))
                        break
            if hit:
                found.append(hit)
                i = hit.end
            else:
                i += 1
        found += self._unknown_names(words, lexicon, found, taken)
        found.sort(key=lambda m: m.start)
        _chain(found, words, lexicon)
        _resolve(found, words, lexicon, self.gazetteer, context)
        return [p for p in found if p.kind is not None]

    def _unknown_names(
        self, words: list[str], lexicon: ScriptLexicon, found: list[Mention], taken: set[int]
    ) -> list[Mention]:
        """Names the gazetteer spells otherwise, read where the text says a district
        stands: walking out from a district word over the list it heads, every word
        that is not a known place or a list word is tried by its skeleton."""
        provinces = {t.province_pcode for p in found for t in p.targets if t.kind == "province"}
        known = {i for p in found for i in range(p.start, p.end)} | taken
        district_words = lexicon.single_words("district_words")
        list_words = lexicon.single_words("list_words") | CLAUSE_MARKS - {":", ";"} | QUOTES
        added: list[Mention] = []
        for anchor, word in enumerate(words):
            if word not in district_words:
                continue
            for step in (1, -1):
                i = anchor + step
                while 0 <= i < len(words):
                    if i in known or words[i] in list_words:
                        i += step
                        continue
                    hit = None
                    for size in (3, 2, 1):
                        a, b = (i, i + size) if step > 0 else (i - size + 1, i + 1)
                        if a < 0 or b > len(words) or any(j in known for j in range(a, b)):
                            continue
                        targets = self.gazetteer.lookup_skeleton(words[a:b], provinces)
                        if targets:
                            hit = Mention(a, b, " ".join(words[a:b]), targets=frozenset(targets))
                            break
                    if hit is None:
                        break
                    added.append(hit)
                    known |= set(range(hit.start, hit.end))
                    i = hit.end if step > 0 else hit.start - 1
        return added

    # --- events of one sentence -----------------------------------------------------
    def _drafts(
        self, sentence: Sentence, sentences: list[Sentence], lexicon: ScriptLexicon
    ) -> list[Draft]:
        words = [t.text for t in sentence.tokens]
        drafts: list[Draft] = []
        territorial = [
            t for t in sentence.triggers if t.label in ("capture", "loss", "retake", "surrender")
        ]
        for trigger in territorial:
            drafts += self._territory(trigger, sentence, sentences, words, lexicon)
        for trigger in sentence.triggers:
            if trigger.label in ("attack", "withdrawal", "talks", "agreement", "accusation"):
                draft = _other_event(trigger, sentence, words)
                if draft and not any(d.category == draft.category for d in drafts):
                    drafts.append(draft)
        return drafts

    def _territory(
        self,
        trigger: Mention,
        sentence: Sentence,
        sentences: list[Sentence],
        words: list[str],
        lexicon: ScriptLexicon,
    ) -> list[Draft]:
        clause = _clause(words, trigger, sentence.places)
        if _other_sense(trigger, words, clause, sentence, lexicon) or _background(
            trigger, words, lexicon
        ):
            return []
        candidates = [p for p in sentence.places if not p.person and not p.aside and p.kind]
        places = [
            p
            for p in candidates
            if (clause[0] <= p.start < clause[1] or _chain_in(p, sentence, clause))
            and _nearest_trigger(p, sentence) is trigger
        ]
        if not places:
            places = _subject_before(trigger, candidates, sentence, clause)
        if trigger.label == "surrender":
            if not _place_before(trigger, places, words, lexicon):
                return []  # people surrender; a place is surrendered
            places = [p for p in places if p.start < trigger.start]
        places = _objects(places, sentence.places)
        kind_hint = _kind_hint(words, clause, lexicon)
        if all(p.kind == "province" for p in places):
            # "this district ... of Takhar": the district named before, not the province
            antecedent = _antecedent(trigger, sentence, sentences, words, clause, lexicon)
            if antecedent is not None and (not places or antecedent.kind != "province"):
                places = [antecedent]
        captor = _captor(trigger, sentence, sentences, clause, words)
        if trigger.label == "loss":
            if any(a.label in ("US", "NATO") for a in sentence.actors):
                return []  # foreign troops leaving a base: a withdrawal, not a fall
            captor = None  # a place the government lost went to the Taliban
        category, actor, target = _roles(trigger, captor, words, lexicon)
        realis, claim = _modality(trigger, words, clause, lexicon, sentence, actor)
        if realis == "attempted":
            category, realis = "attack", "actual"
        if claim == "disputed" and actor in GOVERNMENT:
            return []  # "the district is in our hands": a denial, not a retake
        if not places:
            if kind_hint is None:
                return []
            return [
                Draft(
                    category, actor, target, sentence, trigger, None, None, kind_hint, realis, claim
                )
            ]
        drafts = []
        for place in places:
            for target_place in _targets_of(place):
                kind = _event_kind(place, target_place, kind_hint)
                drafts.append(
                    Draft(
                        category,
                        actor,
                        target,
                        sentence,
                        trigger,
                        place,
                        target_place,
                        kind,
                        realis,
                        claim,
                    )
                )
        return drafts

    # --- events out ----------------------------------------------------------------
    def _event(self, draft: Draft, folded: FoldedText, published: datetime | date | None) -> Event:
        sentence = draft.sentence
        text = folded.text
        a, b = sentence.start, sentence.end
        while a < b and (text[a].isspace() or text[a] in ".!?"):
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        start, end = folded.to_original(a, b)
        tokens = sentence.tokens
        trig_a, trig_b = folded.to_original(
            tokens[draft.trigger.start].start, tokens[draft.trigger.end - 1].end
        )
        return Event(
            category=draft.category,
            type=_type(draft, self.gazetteer),
            actor=draft.actor if draft.actor in CONTRACT_ACTORS else "other",
            target=(draft.target if draft.target in CONTRACT_ACTORS else "other")
            if draft.target
            else None,
            realis=draft.realis,
            claim_status=draft.claim,
            evidence=folded.original[start:end],
            evidence_start=start,
            evidence_end=end,
            trigger=folded.original[trig_a:trig_b],
            location=self._location(draft.target_place),
            event_date=_event_date(text[sentence.start : sentence.end], published),
            sentence_index=sentence.index,
            control=draft.control,
        )

    def _location(self, target: NameTarget | None) -> Location | None:
        if target is None:
            return None
        province = self.places.provinces.get(target.province_pcode)
        if target.kind == "province":
            if province is None:
                return None
            return Location(
                name=province.name,
                province=province.name,
                province_code=province.pcode,
                lat=province.lat,
                lon=province.lon,
            )
        district = self.places.districts.get(target.pcode)
        if district is None:
            return None
        return Location(
            name=self.gazetteer.english_names.get(district.pcode, district.name),
            district=district.name,
            province=province.name if province else district.province_name,
            district_code=district.pcode,
            province_code=district.province_pcode,
            lat=district.lat,
            lon=district.lon,
        )


# --- finding mentions -------------------------------------------------------------------
def _find(phrases: Sequence[Phrase], words: list[str]) -> list[tuple[int, int, Phrase]]:
    """Non-overlapping matches, longer phrases first."""
    used: set[int] = set()
    spans = []
    matches = find_all(tuple(phrases), words)
    for a, b, phrase in sorted(matches, key=lambda m: (-m[2].size, m[0])):
        if not used & set(range(a, b)):
            spans.append((a, b, phrase))
            used |= set(range(a, b))
    return sorted(spans, key=lambda s: s[0])


@functools.cache
def _actor_phrases(language: str) -> tuple[tuple[Phrase, ...], dict[Phrase, str]]:
    """Every actor phrase of a lexicon with its group ("?group" for "this group")."""
    lexicon = script_lexicon(language)
    groups = {p: g for g, ps in lexicon.actors.items() for p in ps}
    groups |= {p: "?group" for p in lexicon.words["group_pronouns"]}
    return tuple(groups), groups


def _actors(words: list[str], lexicon: ScriptLexicon) -> list[Mention]:
    """Actor mentions with their roles; "this group" stays a pronoun (label "?group")
    until the passage resolves it, "the police headquarters" names no actor."""
    phrases, groups = _actor_phrases(lexicon.language)
    buildings = lexicon.single_words("building_words")
    used: set[int] = set()
    found = []
    for a, b, phrase in sorted(find_all(phrases, words), key=lambda m: (-m[2].size, m[0])):
        group = groups[phrase]
        if b - a != phrase.size or used & set(range(a, b)):
            continue
        if (a > 0 and words[a - 1] in buildings) or (b < len(words) and words[b] in buildings):
            continue  # "مقر پولیس", "د پولیسو قوماندانۍ": a building, not the police
        found.append(Mention(a, b, group))
        used |= set(range(a, b))
    found.sort(key=lambda m: m.start)
    for mention in found:
        mention.role = _role(mention, words, lexicon)
    return found


def _resolve_group_pronouns(sentence: Sentence, earlier: list[Sentence]) -> None:
    """ "This group" is the non-state group named last before it (the Taliban when the
    passage names none)."""
    earlier_groups = [a.label for s in earlier for a in s.actors if a.label in NON_STATE]
    for mention in sentence.actors:
        if mention.label != "?group":
            continue
        here = [
            a.label for a in sentence.actors if a.start < mention.start and a.label in NON_STATE
        ]
        named = earlier_groups + here
        mention.label = named[-1] if named else "Taliban"


def _role(mention: Mention, words: list[str], lexicon: ScriptLexicon) -> str | None:
    """agent when a captor marker names it ("به دست X", "X نے", "د X لخوا"), source when
    it is the side something was taken from ("از X", "X سے")."""
    before = [w for w in words[max(0, mention.start - 4) : mention.start] if w not in QUOTES]
    before = before[-3:]
    after = words[mention.end : mention.end + 3]
    agent = _ending_size(lexicon.words["captor_before"], before)
    source = _ending_size(lexicon.words["source_before"], before[-2:])
    if source and source >= agent:  # "از تصرف X" (from X's hold) over "تصرف X"
        return "source"
    if agent or _starts_with(lexicon.words["captor_after"], after):
        return "agent"
    if _starts_with(lexicon.words["source_after"], after[:1]):
        return "source"
    return None


def _ending_size(phrases: Sequence[Phrase], words: list[str]) -> int:
    """The size of the longest phrase that ends the words (0 when none does)."""
    return max(
        (
            phrase.size
            for phrase in phrases
            for start in range(len(words))
            if phrase.match_at(words, start) == len(words)
        ),
        default=0,
    )


def _starts_with(phrases: Sequence[Phrase], words: list[str]) -> bool:
    return any(phrase.match_at(words, 0) is not None for phrase in phrases)


def _triggers(words: list[str], lexicon: ScriptLexicon) -> list[Mention]:
    """Trigger matches; a retake that contains a capture word ("بېرته ونیوله") is a
    retake only."""
    found: list[Mention] = []
    for kind in (
        "retake",
        "hold",
        "capture",
        "loss",
        "surrender",
        "attack",
        "withdrawal",
        "talks",
        "agreement",
        "accusation",
    ):
        for a, b, _phrase in _find(lexicon.triggers[kind], words):
            if kind in ("capture", "loss", "surrender") and any(
                m.label in ("retake", "hold") and m.start <= a < m.end for m in found
            ):
                continue
            if kind == "hold" and any(m.label == "retake" and m.start <= a < m.end for m in found):
                continue
            found.append(Mention(a, b, kind))
    return sorted(found, key=lambda m: m.start)


def _pluperfect(trigger: Mention, words: list[str], lexicon: ScriptLexicon) -> bool:
    """ "Had fallen a week ago", "طالبانو نیولی و": a fall told as the background of
    what the passage reports (a retake, a denial), not as news."""
    if trigger.label not in ("capture", "loss", "surrender"):
        return False
    return any_match(lexicon.cues["pluperfect_after"], words[trigger.end : trigger.end + 3])


def _holders(triggers: list[Mention], actors: list[Mention]) -> list[Mention]:
    """ "Under the Taliban's control" reports a fall; under the government's it is a
    hold that disputes one (the holder stands inside the phrase or right before it)."""
    for trigger in triggers:
        if trigger.label != "hold":
            continue
        inside = [a for a in actors if trigger.start <= a.start < trigger.end]
        before = [a for a in actors if a.end <= trigger.start and trigger.start - a.end <= 3]
        holder = (inside or before[-1:] or [None])[0]
        if holder is not None and holder.label == "Taliban":
            trigger.label = "capture"
    return triggers


def _kind_words(lexicon: ScriptLexicon) -> frozenset[str]:
    return _kind_words_of(lexicon.language)


@functools.cache
def _kind_words_of(language: str) -> frozenset[str]:
    lexicon = script_lexicon(language)
    return frozenset().union(
        *(
            lexicon.single_words(k)
            for k in ("district_words", "province_words", "city_words", "city_part_words")
        )
    )


def _chain(places: list[Mention], words: list[str], lexicon: ScriptLexicon) -> None:
    """Places joined only by list words ("X، Y و Z در استان W") form one chain."""
    joins = lexicon.single_words("list_words") | _kind_words(lexicon) | {",", *QUOTES}
    chain = 0
    for previous, place in zip([None, *places], places, strict=False):
        if previous is not None and all(w in joins for w in words[previous.end : place.start]):
            place.chain = previous.chain
        else:
            chain += 1
            place.chain = chain


def _resolve(
    places: list[Mention],
    words: list[str],
    lexicon: ScriptLexicon,
    gazetteer: ScriptGazetteer,
    context: PassageContext,
) -> None:
    """Pick each place's target and kind from its neighbours: a district word makes it a
    district, a city word a city, the province named in its list picks among districts
    of one name; a short name with no such context is a word, not a place."""
    district_words = lexicon.single_words("district_words")
    city_words = lexicon.single_words("city_words") | lexicon.single_words("capital_words")
    part_words = lexicon.single_words("city_part_words")
    person_words = lexicon.single_words("person_words")
    province_words = lexicon.single_words("province_words")
    list_words = lexicon.single_words("list_words")
    by_chain: dict[int, list[Mention]] = {}
    for place in places:
        by_chain.setdefault(place.chain, []).append(place)
    headed = {
        place.chain
        for place in places
        if any(w in district_words for w in _around(words, place, list_words))
    }
    for place in places:
        around = _around(words, place, list_words)
        common = name_key(place.label) in _common_keys(lexicon)
        if common and lexicon.language != "ps":  # Persian and Urdu put "district" first
            before = [w for w in words[max(0, place.start - 3) : place.start] if w not in QUOTES]
            around = before[-1:]
        chain = by_chain[place.chain]
        provinces = {
            t.province_pcode
            for other in chain
            if other is not place
            for t in other.targets
            if t.kind == "province"
        }
        kinds = {t.kind for t in place.targets}
        named_as = (
            "part"
            if any(w in part_words for w in words[max(0, place.start - 4) : place.start])
            else "district"
            if any(w in district_words for w in around)
            else "city"
            if any(w in city_words for w in around)
            else "province"
            if any(w in province_words for w in words[max(0, place.start - 2) : place.start])
            else None
        )
        targets = set(place.targets)
        place.candidates = place.targets
        if named_as == "province" and "province" in kinds:
            targets = {t for t in targets if t.kind == "province"}
        elif named_as in ("district", "city", "part") and kinds - {"province"}:
            targets = {t for t in targets if t.kind != "province"}
        elif "province" in kinds and named_as is None:
            targets = {t for t in targets if t.kind == "province"}
        if provinces and not any(t.province_pcode in provinces for t in targets):
            # "Nawa" in Helmand is Nawa-e-Barakzaiy, not Ghazni's Nawa
            shortened = gazetteer.lookup_shortened(words[place.start : place.end], provinces)
            targets = set(shortened) or targets
        for named in (provinces, context.provinces):  # its list's province, then the passage's
            if len({t.pcode for t in targets}) > 1 and named:
                targets = {t for t in targets if t.province_pcode in named} or targets
        if len({t.pcode for t in targets}) > 1:
            targets = {min(targets, key=lambda t: (t.pcode not in gazetteer.centres, t.pcode))}
        place.targets = frozenset(targets)
        kinds = {t.kind for t in targets}
        kind = "city" if "city" in kinds else next(iter(kinds)) if kinds else None
        if kind in ("district", "city") and named_as == "part":
            kind = "part"
        elif kind == "district" and named_as == "city":
            kind = "city"
        weak = common or (
            kind in ("district", "city", "part")
            and gazetteer.is_weak(words[place.start : place.end])
        )
        if name_key(place.label) in context.known:
            listed = True  # read as a place earlier in the passage: the same place again
        elif common:  # "Jurm" in "districts of Keshem, Jurm and ...", not "a heavy attack"
            listed = (
                place.chain in headed
                and place.start > 0
                and words[place.start - 1]
                in {
                    ",",
                    "و",
                    "او",
                    "اور",
                }
            )
        else:
            listed = place.chain in headed or _listed_with_context(place, chain)
        if weak and named_as is None and not listed:
            kind = None  # "a heavy attack" (سنگین), not Sangin district
        place.kind = kind
        place.person = any(w in person_words for w in _neighbours(words, place))
        place.aside = _dateline(place, words) or _locative(place, words, lexicon)
    _inherit_city(places, by_chain)


def _around(words: list[str], place: Mention, list_words: frozenset[str]) -> list[str]:
    """The word either side, looking through quotes and Pashto's د."""
    skip = QUOTES | {"د"}
    before = [w for w in words[max(0, place.start - 3) : place.start] if w not in skip][-1:]
    after = [w for w in words[place.end : place.end + 3] if w not in skip][:1]
    return before + after


def _neighbours(words: list[str], place: Mention) -> list[str]:
    """The word right before and right after (through a possessive particle)."""
    particles = {"د", "کی", "کا", "کے", "ی", *QUOTES}
    before = [w for w in words[max(0, place.start - 2) : place.start] if w not in particles][-1:]
    after = [w for w in words[place.end : place.end + 2] if w not in particles][:1]
    return before + after


def _listed_with_context(place: Mention, chain: list[Mention]) -> bool:
    """A short name in a list that holds a longer name or a province."""
    return any(
        len(o.label.replace(" ", "")) > 4 or any(t.kind == "province" for t in o.targets)
        for o in chain
        if o is not place
    )


@functools.cache
def _common_keys_of(language: str) -> frozenset[str]:
    return frozenset(name_key(p.source) for p in script_lexicon(language).words["common_words"])


def _common_keys(lexicon: ScriptLexicon) -> frozenset[str]:
    return _common_keys_of(lexicon.language)


def _dateline(place: Mention, words: list[str]) -> bool:
    """ "کابل (92 نیوز)", "کابل:": the place a report was filed from."""
    return place.start == 0 and place.end < len(words) and words[place.end] in {"(", ":", ","}


def _locative(place: Mention, words: list[str], lexicon: ScriptLexicon) -> bool:
    """Pashto "په X کې", Urdu "X میں", "towards X": where something happened or went,
    not what was taken (words are folded: کې is کی, میں is مین)."""
    after = words[place.end] if place.end < len(words) else ""
    before = words[place.start - 1] if place.start else ""
    toward = lexicon.single_words("direction_words")
    if any(w in toward for w in words[place.end : place.end + 2]):
        return True  # "towards Kabul"
    if lexicon.language == "ps":
        return before == "په" and after == "کی"
    if lexicon.language == "fa":  # "به ولسوالی X": to X (forces retreated to X)
        kinds = _kind_words(lexicon)
        head = place.start - 1 if before in kinds or before in QUOTES else place.start
        return head > 0 and words[head - 1] == "به"
    following = words[place.end + 1] if place.end + 1 < len(words) else ""
    return after == "مین" and following != "داخل"  # "entered X" is not "in X"


def _inherit_city(places: list[Mention], by_chain: dict[int, list[Mention]]) -> None:
    """ "The cities of Ghazni and Herat": a list headed by a city word is of cities."""
    for chain in by_chain.values():
        if any(p.kind == "city" for p in chain):
            for place in chain:
                cities = frozenset(t for t in place.candidates if t.kind != "province")
                if place.kind == "province" and cities:
                    place.targets = cities
                    place.kind = "city"


# --- one trigger's arguments -----------------------------------------------------------
def _clause(words: list[str], trigger: Mention, places: list[Mention]) -> tuple[int, int]:
    """The trigger's clause: between the clause marks around it, a comma inside a list of
    places not counting."""
    in_list = {
        i
        for a, b in itertools.pairwise(places)
        if a.chain == b.chain
        for i in range(a.end, b.start)
    }
    start = trigger.start
    while start > 0 and not (words[start - 1] in CLAUSE_MARKS and start - 1 not in in_list):
        start -= 1
    end = trigger.end
    while end < len(words) and not (words[end] in CLAUSE_MARKS and end not in in_list):
        end += 1
    return start, end


def _territorial_triggers(sentence: Sentence) -> list[Mention]:
    return [t for t in sentence.triggers if t.label in ("capture", "loss", "retake", "surrender")]


def _nearest_trigger(place: Mention, sentence: Sentence) -> Mention | None:
    """The territorial trigger a place belongs to: the nearest one (a list belongs whole
    to the trigger nearest any of its members), "X retook Y and captured fighters"
    keeping Y with "retook"."""
    members = [p for p in sentence.places if p.chain == place.chain] or [place]

    def distance(trigger: Mention) -> int:
        return min(max(trigger.start - m.end, m.start - trigger.end, 0) for m in members)

    triggers = _territorial_triggers(sentence)
    return min(triggers, key=distance) if triggers else None


def _subject_before(
    trigger: Mention, candidates: list[Mention], sentence: Sentence, clause: tuple[int, int]
) -> list[Mention]:
    """ "Kunduz city, the capital of Kunduz province, fell on Sunday": with no place in
    the trigger's clause, the list of places just before it, if no other trigger stands
    between."""
    before = [p for p in candidates if p.end <= clause[0]]
    local = [p for p in before if p.kind != "province"]  # the district, not its province
    if not before:
        return []
    chain = (local or before)[-1].chain
    last_end = max(p.end for p in before if p.chain == chain)
    if any(last_end <= t.start < trigger.start for t in _territorial_triggers(sentence)):
        return []
    return [p for p in candidates if p.chain == chain]


def _chain_in(place: Mention, sentence: Sentence, clause: tuple[int, int]) -> bool:
    """A member of the place's list stands in the clause, or the list ends right before
    it ("X، Y و Z، به دست طالبان افتاد")."""
    members = [p for p in sentence.places if p.chain == place.chain]
    return any(clause[0] <= p.start < clause[1] for p in members) or (
        clause[0] > 0 and max(p.end for p in members) in (clause[0] - 1, clause[0])
    )


def _objects(places: list[Mention], named: list[Mention]) -> list[Mention]:
    """What was taken: a province is not when the sentence names a place inside it."""
    keep = []
    for place in places:
        if place.kind == "province":
            province = next(iter(place.targets)).province_pcode
            if any(
                p is not place
                and p.kind not in ("province", None)
                and any(t.province_pcode == province for t in p.targets)
                for p in named
            ):
                continue
        keep.append(place)
    return keep


def _targets_of(place: Mention) -> list[NameTarget]:
    return sorted(place.targets, key=lambda t: t.pcode)[:1]


def _place_before(
    trigger: Mention, places: list[Mention], words: list[str], lexicon: ScriptLexicon
) -> bool:
    kinds = _kind_words(lexicon)
    window = range(max(0, trigger.start - 8), trigger.start)
    return any(words[i] in kinds for i in window) or any(p.end in window for p in places)


def _kind_hint(words: list[str], clause: tuple[int, int], lexicon: ScriptLexicon) -> str | None:
    """The kind of place the clause talks about when it names none ("13 districts")."""
    span = words[clause[0] : clause[1]]
    if any_match(lexicon.words["capital_words"], span):
        return "capital"
    for key, kind in (
        ("district_words", "district"),
        ("city_words", "city"),
        ("province_words", "province"),
    ):
        if any(w in lexicon.single_words(key) for w in span):
            return kind
    return None


def _antecedent(
    trigger: Mention,
    sentence: Sentence,
    sentences: list[Sentence],
    words: list[str],
    clause: tuple[int, int],
    lexicon: ScriptLexicon,
) -> Mention | None:
    """ "This district", "the province": the latest place of that kind named before
    (a place word next to a name is that name's, not a reference; a place another
    trigger of the sentence took is not referred to)."""
    named = {i for p in sentence.places for i in (p.start - 1, p.start - 2, p.end, p.end + 1)}
    span = [w for i, w in enumerate(words) if clause[0] <= i < clause[1] and i not in named]
    wanted = (
        "district"
        if any(w in lexicon.single_words("district_words") for w in span)
        else "province"
        if any(w in lexicon.single_words("province_words") for w in span)
        else "city"
        if any(w in lexicon.single_words("city_words") for w in span)
        else None
    )
    counts = lexicon.single_words("count_words") | {w for w in span if w.isdigit()}
    kinds = _kind_words(lexicon)
    window = [
        span[j]
        for i, w in enumerate(span)
        if w in kinds
        for j in range(max(0, i - 2), min(len(span), i + 3))
    ]
    if wanted is None or any(w in counts or w.isdigit() for w in window):
        return None  # "13 districts", "the number of fallen districts": a count
    earlier = [p for s in sentences[: sentence.index] for p in s.places] + [
        p
        for p in sentence.places
        if p.start < trigger.start and _nearest_trigger(p, sentence) in (trigger, None)
    ]
    earlier = [p for p in earlier if not (p.aside and p.start == 0)]
    earlier = [
        p for p in earlier if p.kind == wanted or (wanted == "city" and p.kind == "district")
    ]
    if not earlier:
        return None
    found = replace(earlier[-1], person=False)
    return found


def _captor(
    trigger: Mention,
    sentence: Sentence,
    sentences: list[Sentence],
    clause: tuple[int, int],
    words: list[str],
) -> Mention | None:
    """Who took the place: an actor a captor marker names, else the nearest one before
    the trigger in its clause, else before the clause (the subject of a sentence whose
    verb follows an aside), else after it, else the passage's latest actor; never the
    side it was taken from."""
    actors = [a for a in sentence.actors if a.role != "source"]
    inside = [a for a in actors if trigger.start <= a.start < trigger.end]
    if inside:  # "به دست طالبان افتاد", "به کنترول طالبان درآمد"
        return inside[0]
    in_clause = [a for a in actors if clause[0] <= a.start < clause[1]]
    agents = [a for a in in_clause if a.role == "agent"]
    before = [a for a in in_clause if a.start < trigger.start]
    if agents:
        before_agents = [a for a in agents if a.start < trigger.start]
        agent = before_agents[-1] if before_agents else agents[0]
        # "به دست طالبان افتاده بود و ارتش آن را پس گرفت": the nearer subject acts
        nearer = [a for a in before if agent.end <= a.start]
        return nearer[-1] if nearer else agent
    if before:
        return before[-1]
    # the subject before an aside: the sentence's first segment first ("X، که طالبان
    # گرفته بودند، پس گرفت": not the Taliban of the aside)
    marks = [i for i in range(clause[0]) if words[i] in CLAUSE_MARKS]
    head = [a for a in actors if marks and a.start < marks[0]]
    earlier = head or [a for a in actors if a.start < clause[0]]
    if earlier:
        return earlier[-1]
    after = [a for a in in_clause if a.start >= trigger.start]
    if after:
        return after[0]
    for earlier in reversed(sentences[: sentence.index]):
        named = [a for a in earlier.actors if a.role != "source"]
        if trigger.label != "retake":  # "fell", said with no one named: not to Kabul
            named = [a for a in named if a.label not in GOVERNMENT]
        if named:
            return named[-1]
    return None


def _roles(
    trigger: Mention, captor: Mention | None, words: list[str], lexicon: ScriptLexicon
) -> tuple[str, str, str | None]:
    """(category, actor, target). A capture by government or resistance forces takes a
    place back; so does the Taliban's "again"."""
    group = captor.label if captor else None
    retake = trigger.label == "retake" or (
        trigger.label == "capture"
        and (
            _near(lexicon.cues["again"], words, trigger, before=4, after=0)
            or any_match(lexicon.cues["again"], words[trigger.start : trigger.end])
        )
    )
    if group is None:
        group = "Afghan forces" if retake else "Taliban"
    if group in GOVERNMENT or group == "Resistance":
        return "territory_retaken", group, "Taliban"
    if retake:
        return "territory_retaken", group, "other" if group == "Taliban" else "Taliban"
    return "territory_captured", group, "Afghan forces" if group == "Taliban" else None


def _modality(
    trigger: Mention,
    words: list[str],
    clause: tuple[int, int],
    lexicon: ScriptLexicon,
    sentence: Sentence,
    actor: str,
) -> tuple[str, str]:
    """(realis, claim status) of a territory trigger from the cues around it; a repulse
    disputes a Taliban capture, not the government's retake that drove them out."""
    cues = lexicon.cues
    span = words[clause[0] : clause[1]]
    if _near(cues["attempt"], words, trigger, before=4, after=4):
        return "attempted", "reported"
    if any_match(cues["hedge"], span):
        return "hypothetical", "reported"
    whole = [t.text for t in sentence.tokens]
    denied = any_match(cues["deny"], whole) or (
        actor == "Taliban" and any_match(cues["repelled"], whole)
    )
    held = any(t.label == "hold" for t in sentence.triggers)
    if denied or held:
        return "actual", "disputed"
    if any_match(cues["claim"], whole):
        return "actual", "claimed"
    return "actual", "reported"


def _other_sense(
    trigger: Mention,
    words: list[str],
    clause: tuple[int, int],
    sentence: Sentence,
    lexicon: ScriptLexicon,
) -> bool:
    """A currency, an aircraft or a government falls: a sense word next to the trigger,
    or before it in a clause whose district or city is only where it happened."""
    senses = lexicon.cues["other_senses"]
    if _near(senses, words, trigger, exclude_places=sentence.places):
        return True
    span = words[clause[0] : trigger.start]
    if not any_match(senses, span) and not any_match(
        lexicon.cues["other_subjects"],
        words[: trigger.start],  # a clause before, even
    ):
        return False
    # a helicopter "crashed in X district": X stands after "in", the fall is the aircraft's
    subjects = [
        p
        for p in sentence.places
        if p.kind in ("district", "city")
        and clause[0] <= p.start < clause[1]
        and not _after_in(p, words, lexicon)
    ]
    return not subjects


def _after_in(place: Mention, words: list[str], lexicon: ScriptLexicon) -> bool:
    """The place follows "in" ("در ولسوالی X", "در مسیر X", "په X کې", "X میں")."""
    kinds = _kind_words(lexicon)
    head = place.start
    while head > 0 and (words[head - 1] in kinds or words[head - 1] in QUOTES):
        head -= 1
    before = words[max(0, head - 2) : head]
    after = words[place.end] if place.end < len(words) else ""
    return bool({"در", "په"} & set(before)) or after in {"کی", "مین"}


def _background(trigger: Mention, words: list[str], lexicon: ScriptLexicon) -> bool:
    """ "After the fall of Kabul", "کابل پر قبضے کے بعد": a fall that dates something
    else is background, not news."""
    cues = lexicon.cues
    return _near(cues["background_before"], words, trigger, before=2, after=0) or _near(
        cues["background_after"], words, trigger, before=0, after=3
    )


def _near(
    phrases: Sequence[Phrase],
    words: list[str],
    trigger: Mention,
    before: int = NEAR,
    after: int = NEAR,
    exclude_places: list[Mention] | None = None,
) -> bool:
    """A cue within `before` words before the trigger or `after` words after it."""
    left = words[max(0, trigger.start - before) : trigger.start]
    right = words[trigger.end : trigger.end + after]
    if exclude_places and any(p.start == trigger.end and p.kind for p in exclude_places):
        right = []  # "the fall of <place>": the place says which sense
    return any_match(phrases, left) or any_match(phrases, right)


def _event_kind(place: Mention, target: NameTarget, hint: str | None) -> str:
    if place.kind == "part":
        return "minor"
    if target.kind == "province":
        return "district" if hint == "district" else "capital"
    if place.kind == "city" or target.kind == "city":
        return "city"
    return "capital" if hint == "capital" else "district"


def _type(draft: Draft, gazetteer: ScriptGazetteer) -> str:
    if not draft.category.startswith("territory"):
        return {
            "attack": "armed_attack",
            "withdrawal": "troop_withdrawal",
            "talks_meeting": "talks_held",
            "agreement": "deal_signed",
            "statement_accusation": "accusation",
        }[draft.category]
    verb = "captured" if draft.category == "territory_captured" else "retaken"
    kind = draft.kind
    if kind == "city" and draft.target_place is not None:
        kind = "capital" if draft.target_place.pcode in gazetteer.centres else "city"
    if draft.place is None and kind in ("district", "city", "province", "capital"):
        kind = None  # "13 districts fell": a count, no place
    prefix = {"capital": "provincial_capital", "district": "district", "city": "town"}
    return f"{prefix.get(kind or '', 'territory')}_{verb}"


def _other_event(trigger: Mention, sentence: Sentence, words: list[str]) -> Draft | None:
    """Attacks, withdrawals, talks, agreements and accusations: the nearest actor before
    the trigger (else after it) acts; the sentence's first district or province places it."""
    category = {
        "attack": "attack",
        "withdrawal": "withdrawal",
        "talks": "talks_meeting",
        "agreement": "agreement",
        "accusation": "statement_accusation",
    }[trigger.label]
    actors = sentence.actors
    if not actors:
        return None
    before = [a for a in actors if a.start < trigger.start and a.role != "source"]
    actor = before[-1] if before else actors[0]
    if category == "withdrawal" and actor.label not in ("US", "NATO"):
        return None
    others = [a.label for a in actors if a.label != actor.label]
    parties = {actor.label, *others}
    if category in ("talks_meeting", "agreement") and not (
        len(parties) > 1 and parties & {"Taliban", "Afghan government"}
    ):
        return None  # talks need two sides, one of them the Taliban or Kabul
    places = [p for p in sentence.places if p.kind and not p.person]
    place = next((p for p in places if p.kind != "province"), places[0] if places else None)
    target_place = _targets_of(place)[0] if place else None
    return Draft(
        category,
        actor.label,
        others[0] if others else None,
        sentence,
        trigger,
        place,
        target_place,
        place.kind if place else None,
    )


# --- the passage ------------------------------------------------------------------------
def _afghan_context(sentences: list[Sentence], lexicon: ScriptLexicon) -> bool:
    """Only passages naming an Afghan place or Afghans are read: the Taliban alone may
    be Pakistan's (Urdu news reports the TTP as "طالبان")."""
    return any(
        any(p.kind for p in s.places) or any(t.text.startswith("افغان") for t in s.tokens)
        for s in sentences
    )


def _merge(drafts: list[Draft]) -> list[Draft]:
    """One event per (category, place) of a passage, the first report kept; a disputed
    report of the same place makes the kept one say so."""
    kept: dict[tuple[Any, ...], Draft] = {}
    for draft in drafts:
        key = (
            draft.category,
            draft.target_place.pcode if draft.target_place else ("none", draft.sentence.index),
        )
        if key not in kept:
            kept[key] = draft
        elif draft.claim == "disputed":
            kept[key].claim = "disputed"
    return list(kept.values())


def _fold_control(drafts: list[Draft], sentences: list[Sentence], lexicon: ScriptLexicon) -> None:
    """Each place's state at the end of the passage becomes its territory events'
    control: taken, claimed, back with the government, or contested by a denial."""
    states: dict[str, str] = {}
    territory = [d for d in drafts if d.category.startswith("territory")]
    for draft in sorted(territory, key=lambda d: d.sentence.index):
        if draft.target_place is None or draft.realis != "actual":
            continue
        key = draft.target_place.pcode
        if draft.claim == "disputed":
            states[key] = "contested"
        elif draft.actor == "Taliban":
            states[key] = "claimed_by_taliban" if draft.claim == "claimed" else "taliban"
        elif draft.actor in GOVERNMENT:
            states[key] = "government"
        else:
            states[key] = "other"
    _later_denials(territory, sentences, lexicon, states)
    for draft in territory:
        if draft.target_place is not None and draft.realis == "actual":
            draft.control = states.get(draft.target_place.pcode)
            if draft.control == "contested":
                draft.claim = "disputed"


def _later_denials(
    drafts: list[Draft], sentences: list[Sentence], lexicon: ScriptLexicon, states: dict[str, str]
) -> None:
    """Another sentence denying the claim (naming the place, or naming none) or holding
    the place for the government makes a Taliban fall contested, before it or after it
    (a headline "ministry denies the fall of X" comes first)."""
    for draft in drafts:
        if draft.target_place is None or draft.actor != "Taliban":
            continue
        key = draft.target_place.pcode
        for later in sentences:
            if later.index == draft.sentence.index:
                continue
            words = [t.text for t in later.tokens]
            names = {t.pcode for p in later.places for t in p.targets}
            denies = any_match(lexicon.cues["deny"], words)
            holds = any(t.label == "hold" for t in later.triggers)
            if (denies and (key in names or not later.places)) or (holds and key in names):
                states[key] = "contested"


def _event_date(sentence: str, published: datetime | date | None) -> str | None:
    if published is None:
        return None
    day = published.date() if isinstance(published, datetime) else published
    if any(word in sentence for word in YESTERDAY):
        day -= timedelta(days=1)
    return day.isoformat()


@functools.cache
def _tokenizer(spacy_language: str) -> Any:
    """spaCy's rule-based tokenizer for the language (no model, nothing downloaded)."""
    import spacy

    return spacy.blank(spacy_language).tokenizer
