"""Passage layer: events of a whole text, built from the mentions of its sentences.

Places are resolved once over the whole passage (a province named anywhere chooses
between same-named districts); pronouns and "the group" take the latest fitting actor;
"the district", "both", "four district centres" take places named before or after;
re-mentions ("the attack was claimed by ...") join the event they repeat; and every
place gets a status over the passage (captured, retaken, claimed, denied), so the state
at the end of the text decides whether a fall is news.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from pipeline.extraction.lexicon import Lexicon
from pipeline.extraction.sentence import (
    Mention,
    SentenceContext,
    actor_spans,
    is_dateline,
    is_passive,
    read_sentence,
)
from pipeline.models import Event, Location
from pipeline.places import PlaceMatch

CONTRACT_ACTORS = frozenset(
    {"Taliban", "Afghan government", "Afghan forces", "US", "NATO", "al-Qaeda", "ISIS-K"}
)
GOVERNMENT = ("Afghan forces", "Afghan government")
AFGHAN_GROUPS = frozenset({"Taliban", "Afghan government", "Afghan forces"})
NON_STATE = ("Taliban", "ISIS-K", "al-Qaeda", "Resistance")
TALIBAN_TAKEOVER = date(2021, 8, 15)
AFGHAN_CONTEXT = re.compile(
    r"\b(afghan\w*|taliban|taleban|kabul|haqqani\w*|khorasan|iskp|isis-k|andsf)\b", re.IGNORECASE
)
NOT_AFGHAN = re.compile(r"pakistani\s+taliban|tehr[ei]e?k-?[ei]-?taliban\w*|\bTTP\b", re.IGNORECASE)
AGGREGATE = frozenset(
    {"dozens", "dozen", "numerous", "many", "several", "scores", "most", "hundreds"}
)
NUMBER_WORDS = frozenset(
    {
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "both",
        "pair",
        "couple",
        "eleven",
        "twelve",
    }
)
ANAPHORIC = frozenset({"them", "both", "each", "all", "these", "those", "they"})
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    places: list[PlaceMatch]
    doc: Any = None


@dataclass
class Draft:
    """An event being assembled from one or more mentions."""

    mention: Mention
    sentence: Sentence
    category: str
    actor: str | None
    target: str | None
    place: PlaceMatch | None
    kind: str | None
    realis: str
    claim: str
    position: int
    aggregate: bool = False
    control: str | None = None
    dropped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------
# entry point


def passage_events(
    text: str,
    sentences: list[Sentence],
    *,
    lexicon: Lexicon,
    actors: Any,
    gazetteer: Any,
    published: datetime | date | None,
    actor_memory: list[tuple[int, str]],
    places: list[PlaceMatch] | None = None,
) -> list[Event]:
    """Events of a passage whose parsed sentences carry their spaCy docs."""
    on = published.date() if isinstance(published, datetime) else published
    mentions: list[tuple[Sentence, Mention]] = []
    spans: dict[int, dict[int, str]] = {}
    for sentence in sentences:
        if sentence.doc is None:
            continue
        ctx = SentenceContext(
            lexicon, actors, on, sentence.start, sentence.places, sentence.index, sentence.text
        )
        spans[sentence.index] = actor_spans(sentence.doc, ctx)  # once, for mentions and subjects
        mentions += [(sentence, m) for m in read_sentence(sentence.doc, ctx, spans[sentence.index])]
    resolver = _Resolver(text, sentences, actor_memory, gazetteer, lexicon, on, spans)
    resolver.datelines = [p for p in places or () if _is_dateline(text, p)]
    drafts = [d for s, m in mentions for d in resolver.drafts(s, m)]
    drafts = _merge_re_mentions(drafts, lexicon)
    _fold_place_status(drafts)
    return [_to_event(d, published, gazetteer) for d in drafts if not d.dropped]


def afghan_context(
    text: str, places: Iterable[PlaceMatch], named_actors: Iterable[str] = ()
) -> bool:
    """An event is only coded where the passage is about Afghanistan: an Afghan place or
    an Afghan actor named anywhere in it (the Pakistani Taliban are not one)."""
    if any(True for _ in places) or set(named_actors) & AFGHAN_GROUPS:
        return True
    return bool(AFGHAN_CONTEXT.search(NOT_AFGHAN.sub(" ", text)))


# --------------------------------------------------------------------------
# references


class _Resolver:
    """Resolves actor pronouns and place references of mentions over the passage."""

    def __init__(
        self,
        text: str,
        sentences: list[Sentence],
        memory: list[tuple[int, str]],
        gazetteer: Any,
        lexicon: Lexicon,
        on: date | None,
        actors_of_sentence: Any = None,
    ) -> None:
        self.text = text
        self.sentences = sentences
        self.memory = memory
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.on = on
        self.territory: list[tuple[int, PlaceMatch]] = []  # places taken or retaken so far
        self.datelines: list[PlaceMatch] = []
        self.subjects = _subjects(sentences, actors_of_sentence)

    def resistance_era(self) -> bool:
        """After 15 August 2021 the Taliban retake from resistance forces; with no date, only
        where the passage names resistance forces."""
        if self.on is not None:
            return self.on > TALIBAN_TAKEOVER
        return any(group == "Resistance" for _, group in self.memory)

    def government(self) -> str:
        return "Taliban" if self.on and self.on > TALIBAN_TAKEOVER else "Afghan forces"

    def actor_groups(self, mention: Mention, sentence: Sentence) -> list[str]:
        ref = mention.actor
        if ref.groups:
            return [g for g in dict.fromkeys(ref.groups)]
        if ref.pronoun and ref.token is not None:
            found = self._antecedent(sentence.start + ref.token.idx, ref.pronoun)
            return [found] if found else []
        return []

    def _antecedent(self, position: int, pronoun: str) -> str | None:
        """The latest actor named before a pronoun, preferring the subjects of the same and
        the previous sentence ("The US envoy arrived in Islamabad. Hours later he ...");
        "the group" and "it" skip states."""
        floor = self._sentence_start(position, back=2)
        near = self._sentence_start(position, back=1)
        for start, group in reversed(self.subjects):
            if near <= start < position and not (
                pronoun in ("group", "it") and group not in NON_STATE and group != "NATO"
            ):
                return group
        openers = [
            (start, group)
            for start, group in self.memory
            if near <= start < position and self._opens_sentence(start)
        ]
        for _start, group in reversed(openers):  # an unparsed sentence's subject comes first
            if not (pronoun in ("group", "it") and group not in NON_STATE and group != "NATO"):
                return group
        for start, group in reversed(self.memory):
            if start >= position or start < floor:
                continue
            if pronoun in ("group", "it") and group not in NON_STATE and group != "NATO":
                continue
            return group  # "he" after "a spokesman for the army": the army's
        return None

    def _opens_sentence(self, position: int) -> bool:
        """A mention within the first three words of its sentence: most likely its subject."""
        sentence = next((s for s in self.sentences if s.start <= position < s.end), None)
        return sentence is not None and len(self.text[sentence.start : position].split()) <= 3

    def _sentence_start(self, position: int, back: int) -> int:
        index = next((s.index for s in self.sentences if s.start <= position < s.end + 1), 0)
        earlier = [s for s in self.sentences if s.index >= index - back]
        return earlier[0].start if earlier else 0

    def places_for(self, mention: Mention, sentence: Sentence) -> tuple[list[PlaceMatch], bool]:
        """The places a territorial mention is about, and whether it is an aggregate."""
        if mention.places:
            return mention.places, False
        theme_words = set(mention.theme_words)
        position = sentence.start + mention.trigger.idx
        ref = mention.place_ref
        if ref is None:
            return ([mention.theme_province] if mention.theme_province else []), False
        if ref == "capital":  # the capital of the province in question, never a district
            latest_city = self._latest(position, "city", mention.theme_province)
            found = (
                self._capital_of(mention.theme_province)
                or (latest_city if latest_city is not None and latest_city.kind == "city" else None)
                or self._capital_of(
                    self._latest_province(position) or self._topic_province(position)
                )
            )
            return ([found] if found else []), False
        if ref in ("district", "city", "it"):
            found = self._topic(position, ref) or self._latest(
                position, ref, mention.theme_province
            )
            if found is None and ref == "city":
                found = self._capital_of(mention.theme_province) or self._capital_of(
                    self._latest_province(position)
                )
            found = found or mention.theme_province  # "a district in Takhar province"
            if found is None and ref == "city":  # "GHAZNI (Reuters) - The city fell"
                found = next(
                    (p for p in self.datelines if p.kind == "city" and p.start < position), None
                )
            return ([found] if found else []), False
        if theme_words & AGGREGATE and not theme_words & ANAPHORIC:
            return [], True
        anaphoric = bool(theme_words & ANAPHORIC)
        numbered = any(w.isdigit() or w in NUMBER_WORDS for w in theme_words)
        listed = self._listed(sentence, position, anaphoric, mention.place_count, numbered)
        if listed:
            return listed, False
        return ([mention.theme_province] if mention.theme_province else []), False

    def _latest(
        self, position: int, ref: str, province: PlaceMatch | None = None
    ) -> PlaceMatch | None:
        """The latest place of the fitting kind named before (in the theme's province when
        it names one); a district named as the seat of a town just named keeps the town."""
        floor = self._sentence_start(position, back=3)
        candidates = [
            p
            for s in self.sentences
            for p in s.places
            if floor <= p.start < position
            and p.kind != "province"
            and not _is_dateline(self.text, p)
        ]
        if province is not None:
            candidates = [p for p in candidates if p.province_code == province.province_code] or (
                [] if ref == "city" else candidates
            )
        if ref == "district":
            candidates = [p for p in candidates if p.kind == "district"] or candidates
        elif ref == "city":
            candidates = [p for p in candidates if p.kind == "city"] or candidates
        if (
            len(candidates) >= 2
            and candidates[-1].kind == "district"
            and (
                candidates[-2].kind == "city"
                and candidates[-2].district_code == candidates[-1].district_code
            )
        ):
            return candidates[-2]  # "Banu, the main town of Andarab ... took it"
        return candidates[-1] if candidates else None

    def _topic(self, position: int, ref: str) -> PlaceMatch | None:
        """The place the passage is about: the latest place taken or retaken before, which
        "it" and "the district" mean more often than any place merely named since."""
        before = [(p, place) for p, place in self.territory if p < position]
        if not before:
            return None
        place = before[-1][1]
        if ref == "city" and place.kind != "city":
            return None
        return place

    def _topic_province(self, position: int) -> PlaceMatch | None:
        """The province of the place the passage is about."""
        before = [place for p, place in self.territory if p < position]
        if not before or before[-1].province_code is None:
            return None
        place = before[-1]
        return PlaceMatch(
            place.province or "",
            place.start,
            place.end,
            "province",
            None,
            None,
            place.province,
            place.province_code,
            None,
            None,
        )

    def _latest_province(self, position: int) -> PlaceMatch | None:
        floor = self._sentence_start(position, back=1)
        provinces = [
            p
            for s in self.sentences
            for p in s.places
            if floor <= p.start <= position + 200 and p.kind == "province"
        ]
        return provinces[-1] if provinces else None

    def _capital_of(self, province: PlaceMatch | None) -> PlaceMatch | None:
        """ "the city in Nimroz province", "the provincial capital": the capital."""
        if province is None or province.province_code is None:
            return None
        target = self.gazetteer._capital_target(province.province_code)
        if target is None:
            return None
        district = self.gazetteer.districts[target.district_code]
        return PlaceMatch(
            raw=self.gazetteer.provinces[province.province_code].capital,
            start=province.start,
            end=province.end,
            kind="city",
            district=district.name,
            district_code=district.pcode,
            province=province.province,
            province_code=province.province_code,
            lat=target.lat,
            lon=target.lon,
        )

    def _listed(
        self, sentence: Sentence, position: int, anaphoric: bool, count: int, numbered: bool = True
    ) -> list[PlaceMatch]:
        """A list of places named in the same sentence, the next one or (for "both",
        "each", "them") the ones before."""
        local = [
            p
            for p in sentence.places
            if p.kind != "province"
            and not (p.kind == "city" and _letters(p.raw) == _letters(p.province or ""))
            and not _attribution(sentence, p, self.lexicon)
        ]
        after = [p for p in local if p.start > position]
        before = [p for p in local if p.start < position]
        if anaphoric:
            if len(before) >= 2:
                return before[-count:] if count else before
            previous = self._neighbour(sentence, -1)
            if previous:
                return previous[-count:] if count and count <= len(previous) else previous
            return []
        if after:
            return after
        if len(before) >= 2 or (before and not numbered):
            # "Giyan and Omna, two districts abandoned last month"; "police in Tanai district
            # handed the district buildings over"
            return before[-count:] if count and count <= len(before) else before
        return self._neighbour(sentence, +1)

    def _neighbour(self, sentence: Sentence, step: int) -> list[PlaceMatch]:
        index = sentence.index + step
        for other in self.sentences:
            if other.index == index:
                return [p for p in other.places if p.kind != "province"]
        return []

    # ----- drafts

    def drafts(self, sentence: Sentence, mention: Mention) -> list[Draft]:
        groups = self.actor_groups(mention, sentence)
        category = mention.category
        if mention.attempted:
            category = "attack"
        if category.startswith("territory"):
            return self._territorial(sentence, mention, groups, category)
        return self._other(sentence, mention, groups, category)

    def _territorial(
        self, sentence: Sentence, mention: Mention, groups: list[str], category: str
    ) -> list[Draft]:
        actor = groups[0] if groups else None
        if actor is None and not mention.default_actor:
            if mention.actor.pronoun:
                return []  # "they took it" with nobody named before
            actor = "other"  # named, but by no actor we know ("villagers", "gunmen")
        if actor is None:
            actor = "Taliban" if category == "territory_captured" else self.government()
        if actor in GOVERNMENT or actor == "Resistance":
            category = "territory_retaken"  # the government or resistance taking a place back
        elif actor == "Taliban" and category == "territory_retaken" and not self.resistance_era():
            category = "territory_captured"  # before August 2021 a Taliban "retake" is a gain
        if actor not in CONTRACT_ACTORS and actor not in ("Resistance", "other"):
            return []
        places, aggregate = self.places_for(mention, sentence)
        kind = mention.theme_kind
        base = dict(
            mention=mention,
            sentence=sentence,
            category=category,
            actor=actor,
            target=mention.target,
            kind=kind,
            realis=mention.realis,
            claim=mention.claim,
            position=sentence.start + mention.trigger.idx,
            aggregate=aggregate,
        )
        if mention.extra.get("holds"):
            return [Draft(place=p, extra={"holds": True}, **base) for p in places or [None]]
        self.territory += [(base["position"], p) for p in places if p.kind != "province"]
        return [Draft(place=p, **base) for p in places or [None]]

    def _other(
        self, sentence: Sentence, mention: Mention, groups: list[str], category: str
    ) -> list[Draft]:
        claimed_by = mention.extra.get("claimed_by")
        claim = mention.claim
        if claimed_by is not None and not claimed_by.groups and claimed_by.pronoun:
            found = self._antecedent(sentence.start + claimed_by.token.idx, claimed_by.pronoun)
            claimed_by.groups = [found] if found else []  # "its fighters were behind it"
        if claimed_by is not None and claimed_by.groups:
            groups, claim = claimed_by.groups[:1], "claimed"
        if category == "withdrawal":
            if (
                groups
                and groups[0] in ("Afghan government",)
                and mention.trigger.lemma_ in ("leave", "depart", "exit")
            ):
                category = "other"
            elif not groups or not set(groups) & {"US", "NATO"}:
                return []
        if (
            category == "other"
            and mention.frame == "movement"
            and groups
            and groups[0] not in ("Afghan government", "Afghan forces")
        ):
            return []  # fighters fleeing a battle are not news of their own
        if category == "statement_accusation" and groups and _contract(groups[0]) == "other":
            return []  # statements are coded for the parties of the conflict
        if mention.attempted:
            groups = groups or ["Taliban"]
        if not groups:
            if category in ("attack",):
                groups = ["other"]
            else:
                return []
        same_side = _same_side(groups)
        actors = (
            groups if category not in ("talks_meeting", "agreement") or same_side else (groups[:1])
        )
        target = mention.target
        if category in ("talks_meeting", "agreement") and not same_side and len(groups) > 1:
            target = target or groups[1]
        drafts = []
        for actor in dict.fromkeys(actors):
            drafts.append(
                Draft(
                    mention=mention,
                    sentence=sentence,
                    category=category,
                    actor=actor,
                    target=target if target != actor else None,
                    place=mention.places[0] if mention.places else None,
                    kind=None,
                    realis=mention.extra.get("attempt_realis", "actual")
                    if mention.attempted
                    else mention.realis,
                    claim=claim,
                    position=sentence.start + mention.trigger.idx,
                    extra={
                        "definite": mention.definite,
                        "claimed_by": claimed_by,
                        "denial": mention.extra.get("denial", False),
                        "object_ref": mention.extra.get("object_ref", False),
                        "attempted": mention.attempted,
                    },
                )
            )
        return drafts


def _is_dateline(text: str, place: PlaceMatch) -> bool:
    """ "KABUL, Aug 15 (Reuters) -": where the story was filed, never what "it" means."""
    return is_dateline(text, place.start, place.end)


def _subjects(
    sentences: list[Sentence], spans: dict[int, dict[int, str]] | None
) -> list[tuple[int, str]]:
    """(position, group) of the subjects of parsed sentences that name an actor."""
    found = []
    for sentence in sentences:
        if sentence.doc is None or not spans:
            continue
        for token in sentence.doc:
            group = spans.get(sentence.index, {}).get(token.i)
            if group is None or token.dep_ not in ("nsubj", "nsubjpass"):
                head = token.head
                if not (
                    token.dep_ in ("compound", "amod", "poss", "nmod")
                    and head.dep_ in ("nsubj", "nsubjpass")
                    and token.i in spans.get(sentence.index, {})
                ):
                    continue
                group = spans[sentence.index][token.i]
            found.append((sentence.start + token.idx, group))
    return found


def _attribution(sentence: Sentence, place: PlaceMatch, lexicon: Lexicon) -> bool:
    """ "according to an official in Faizabad", "officials in Kunduz said": where the
    source sits, not a place of the list."""
    if sentence.doc is None:
        return False
    offset = place.start - sentence.start
    token = next((t for t in sentence.doc if t.idx <= offset < t.idx + len(t.text)), None)
    if token is None:
        return False
    if any(a.lemma_.lower() == "accord" for a in token.ancestors):
        return True
    prep = token.head
    return prep.dep_ == "prep" and prep.head.lemma_.lower() in lexicon.person_nouns | {
        "source",
        "resident",
        "elder",
    }  # "an official in Faizabad"


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())


def _same_side(groups: list[str]) -> bool:
    sides = {
        "US": "west",
        "NATO": "west",
        "Afghan government": "republic",
        "Afghan forces": "republic",
    }
    return len({sides.get(g, g) for g in groups}) <= 1


# --------------------------------------------------------------------------
# re-mentions and place status


def _merge_re_mentions(drafts: list[Draft], lex: Lexicon) -> list[Draft]:
    """One event per thing that happened: repeated attacks, meetings and falls of the
    same place join the first report; a claim of responsibility names the attacker."""
    kept: list[Draft] = []
    for draft in sorted(drafts, key=lambda d: d.position):
        if draft.category.startswith("territory"):
            if _same_territory(kept, draft):
                continue
        elif draft.category == "attack":
            if _joins_attack(kept, draft):
                continue
        elif draft.category in ("talks_meeting", "agreement") and draft.extra.get("definite"):
            if any(k.category == draft.category and k.actor == draft.actor for k in kept):
                continue  # "the meeting": the talks told before, unless another party acts
        elif any(
            k.category == draft.category
            and k.actor == draft.actor
            and k.sentence.index == draft.sentence.index
            for k in kept
        ):
            continue
        kept.append(draft)
    return _drop_vague_territory(kept)


def _place_key(place: PlaceMatch | None) -> str | None:
    if place is None:
        return None
    return place.district_code or place.province_code or place.raw


def _same_territory(kept: list[Draft], draft: Draft) -> bool:
    key = _place_key(draft.place)
    flips = [
        k.position
        for k in kept
        if key is not None
        and _place_key(k.place) == key
        and (k.category, k.actor) != (draft.category, draft.actor)
    ]
    for other in kept:
        if any(other.position < p for p in flips):
            continue  # taken, lost and taken again: a new event, not a re-mention
        if other.category != draft.category or other.actor != draft.actor:
            continue
        if key is not None and _place_key(other.place) == key and not draft.extra.get("holds"):
            if draft.claim == "confirmed" and other.claim in ("claimed", "denied"):
                other.claim, other.realis = "confirmed", draft.realis
            return True
        if key is None and other.sentence.index == draft.sentence.index and not draft.aggregate:
            return True
    return False


def _joins_attack(kept: list[Draft], draft: Draft) -> bool:
    attacks = [k for k in kept if k.category == "attack"]
    same_sentence = [k for k in attacks if k.sentence.index == draft.sentence.index]
    for other in same_sentence:
        told = other.extra.setdefault("triggers", [other.mention.trigger])
        linked = any(_linked(t, draft.mention.trigger) for t in told)
        if linked and (other.actor == draft.actor or "other" in (other.actor, draft.actor)):
            _adopt_actor(other, draft)  # "a drone strike killed two": one attack
            told.append(draft.mention.trigger)
            return True
    if draft.extra.get("definite") or (
        draft.extra.get("claimed_by") is not None
        and (draft.mention.trigger.lower_ in ("it", "responsibility"))
    ):
        if attacks:
            _adopt_actor(attacks[-1], draft)
            return True
        territorial = [k for k in kept if k.category.startswith("territory")]
        if territorial and draft.actor == "other":
            draft.actor = territorial[-1].actor
            draft.place = draft.place or territorial[-1].place
            return False
        if not _occurrence(draft) and draft.actor == "other":
            return True  # "the raid sent a message": a mention of an event told elsewhere
    casualty = draft.mention.trigger.pos_ == "VERB" and is_passive(draft.mention.trigger)
    elaborates = bool(attacks) and attacks[-1].sentence.index < draft.sentence.index
    if (
        draft.actor == "other"
        and attacks
        and draft.extra.get("claimed_by") is None
        and (casualty or elaborates)
    ):  # a later unattributed attack sentence tells more of the attack told before
        _adopt_actor(attacks[-1], draft)  # "one policeman was killed": the attack told before
        return True
    return False


def _linked(a: Any, b: Any) -> bool:
    """Two triggers of one clause: one governs the other within two steps ("a suicide
    bombing ... killed 13" is one attack, a strike in another clause another)."""

    def near(x: Any, y: Any) -> bool:
        step = x
        for _ in range(2):
            if step.head == step:
                return False
            if step.dep_ == "advcl" and any(
                c.dep_ == "mark" and c.lower_ in ("after", "before", "since", "while", "when")
                for c in step.children
            ):
                return False  # "two days after a bombing killed 13": another event, another time
            step = step.head
            if step == y:
                return True
        return False

    return near(a, b) or near(b, a)


def _adopt_actor(event: Draft, mention: Draft) -> None:
    if mention.claim == "denied" or mention.realis == "negated":
        return  # "the Taliban denied carrying out the blast": not theirs
    if event.actor == "other" and mention.actor != "other":
        event.actor = mention.actor
        event.claim = mention.claim
    event.place = event.place or mention.place


def _occurrence(draft: Draft) -> bool:
    verb = draft.mention.trigger.head
    return draft.mention.trigger.dep_ in ("nsubj", "ROOT") and verb.lemma_.lower() in (
        "kill",
        "wound",
        "injure",
        "hit",
        "strike",
        "target",
        "destroy",
        "damage",
        "rock",
        "tear",
        "happen",
        "occur",
        "take",
        "leave",
        "go",
        "claim",
    )


def _drop_vague_territory(drafts: list[Draft]) -> list[Draft]:
    """ "took a second district in Takhar" and "Takhar's Daraq district was overrun"
    report one fall: the vague report joins the named one."""
    named = [
        d
        for d in drafts
        if d.category.startswith("territory") and d.place is not None and d.place.kind != "province"
    ]
    kept = []
    for draft in drafts:
        vague = (
            draft.category.startswith("territory")
            and not draft.aggregate
            and (draft.place is None or draft.place.kind == "province")
        )
        if vague and any(
            n.category == draft.category
            and n.actor == draft.actor
            and (draft.place is None or n.place.province_code == draft.place.province_code)
            for n in named
        ):
            continue
        kept.append(draft)
    return kept


def _fold_place_status(drafts: list[Draft]) -> None:
    """The state of each place at the end of the passage decides its events' control:
    a capture retaken later is not a fall; a claim denied later is contested."""
    _apply_denials(drafts)
    by_place: dict[str, list[Draft]] = {}
    for draft in sorted(drafts, key=lambda d: d.position):
        if not draft.category.startswith("territory"):
            continue
        key = _place_key(draft.place) or f"#{id(draft)}"
        by_place.setdefault(key, []).append(draft)
    for group in by_place.values():
        told = list(group)  # list.sort empties the list while it sorts
        group.sort(key=lambda d: _narrative_order(d, told))
        for draft in group:
            retaken = any(
                d.category == "territory_retaken"
                and d.actor != draft.actor
                and d.realis == "actual"
                and not d.mention.background
                for d in group
            )
            if retaken and draft.mention.background and draft.category == "territory_captured":
                draft.dropped = True
        state: str | None = None
        for draft in group:
            if draft.dropped:
                continue
            state = _next_state(state, draft)
        for draft in group:
            draft.control = state
            if draft.extra.get("holds"):
                draft.dropped = True
            if state == "contested" and draft.claim in ("claimed", "reported"):
                draft.claim = "disputed"
                if draft.category == "territory_captured":
                    draft.realis = "negated"  # a claim the other side denied: not a fall


def _narrative_order(draft: Draft, group: list[Draft]) -> tuple[int, int]:
    """Background and flashbacks first: "which they had seized", and a pluperfect in a later
    sentence ("Security forces had recaptured it in June") tell what came before."""
    if draft.claim == "confirmed":
        return (2, draft.position)  # "it acknowledged the Taliban had held it": the last word
    if draft.mention.background or draft.mention.extra.get("earlier"):
        return (0, draft.position)
    pluperfect = draft.mention.extra.get("pluperfect", False) and not draft.mention.extra.get(
        "sequence", False
    )
    told_before = any(
        d.sentence.index < draft.sentence.index and not d.mention.background for d in group
    )
    return (1 if pluperfect and told_before else 2, draft.position)


def _next_state(state: str | None, draft: Draft) -> str | None:
    if draft.extra.get("holds"):
        return (
            "contested" if state in ("taliban", "claimed_by_taliban") else (state or "government")
        )
    if draft.realis != "actual":
        return state
    if draft.actor == "Taliban":
        if draft.claim == "claimed":
            return "taliban" if state == "taliban" else "claimed_by_taliban"
        return "taliban"
    if draft.actor in GOVERNMENT:
        if draft.claim == "claimed" and state == "taliban":
            return state
        return "government"
    return "other"


def _apply_denials(drafts: list[Draft]) -> None:
    """A denial of "this", "the reports" or a place still held answers the latest claim
    of a fall before it."""
    ordered = sorted(drafts, key=lambda d: d.position)
    for index, draft in enumerate(ordered):
        if not (draft.extra.get("denial") and draft.extra.get("object_ref")):
            continue
        if draft.mention.background:
            continue  # "a day after the ministry had denied it": before the confirmation
        earlier = [
            d
            for d in ordered[:index]
            if d.category == "territory_captured"
            and d.actor == "Taliban"
            and draft.sentence.index - d.sentence.index <= 2
        ]
        if earlier:  # every fall of the claim the denial answers ("both centres")
            claimed = [d for d in earlier if d.sentence.index == earlier[-1].sentence.index]
            for fall in claimed:
                fall.extra["denied_later"] = True
                drafts.append(replace(fall, extra={"holds": True}, position=draft.position))


# --------------------------------------------------------------------------
# events


def _to_event(draft: Draft, published: datetime | date | None, gazetteer: Any) -> Event:
    mention, sentence = draft.mention, draft.sentence
    trigger = mention.trigger
    doc = sentence.doc
    return Event(
        category=draft.category,
        type=_type(draft, gazetteer),
        actor=_contract(draft.actor),
        target=_contract(draft.target) if draft.target else None,
        realis=draft.realis,
        claim_status=_claim_status(draft),
        evidence=sentence.text.strip(),
        evidence_start=sentence.start + (len(sentence.text) - len(sentence.text.lstrip())),
        evidence_end=sentence.start + len(sentence.text.rstrip()),
        trigger=sentence.text[trigger.idx : trigger.idx + len(trigger.text)],  # not a stand-in
        location=_location(draft.place) if draft.place else None,
        event_date=event_date(sentence.text, published),
        sentence_index=sentence.index,
        lemmas=tuple(t.lemma_.lower() for t in doc) if doc is not None else (),
        control=draft.control,
    )


def _claim_status(draft: Draft) -> str:
    if draft.claim == "confirmed":
        return "reported"
    if draft.claim == "denied" or (draft.realis == "negated" and draft.claim == "denied"):
        return "denied"
    return draft.claim


def _contract(group: str | None) -> str:
    return group if group in CONTRACT_ACTORS else "other"


def _type(draft: Draft, gazetteer: Any) -> str:
    mention = draft.mention
    if not draft.category.startswith("territory"):
        if mention.attempted:
            return "armed_attack"
        return mention.type or draft.category
    verb = "captured" if draft.category == "territory_captured" else "retaken"
    kind = draft.kind
    place = draft.place
    if place is not None and kind not in ("base", "crossing", "minor", "capital"):
        if place.kind == "province":
            kind = "capital" if kind in (None, "province") else kind
        elif place.kind == "city":
            district = gazetteer.districts.get(place.district_code or "")
            kind = "capital" if district is not None and district.is_provincial_centre else "city"
        elif kind is None:
            kind = "district"
    prefix = {
        "capital": "provincial_capital",
        "district": "district",
        "city": "town",
        "base": "base",
        "crossing": "border_crossing",
        "province": "provincial_capital",
    }
    return f"{prefix.get(kind or '', 'territory')}_{verb}"


def _location(place: PlaceMatch) -> Location:
    return Location(
        name=place.raw,
        district=place.district,
        province=place.province,
        district_code=place.district_code,
        province_code=place.province_code,
        lat=place.lat,
        lon=place.lon,
    )


def event_date(sentence: str, published: datetime | date | None) -> str | None:
    """The publication day, moved back to a weekday the sentence names ("on Tuesday")."""
    if published is None:
        return None
    day = published.date() if isinstance(published, datetime) else published
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    if "yesterday" in words:
        return (day - timedelta(days=1)).isoformat()
    for offset, name in enumerate(WEEKDAYS):
        if name in words:
            back = (day.weekday() - offset) % 7
            return (day - timedelta(days=back)).isoformat()
    return day.isoformat()
