"""Sentence layer: predicates of one parsed sentence with their arguments.

Every trigger token (config/taxonomy.yaml) is read through its frame
(data/lexicon/en.yaml): who acts comes from the dependency path of that predicate
(subject, passive agent, possessor), never from any actor elsewhere in the sentence;
objects of against/on/at are targets. What the sentence cannot settle (a pronoun actor,
"the district", a list named in the next sentence) is left as a reference for the
passage layer.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.extraction.lexicon import Lexicon, Trigger
from pipeline.places import PlaceMatch

log = logging.getLogger(__name__)
Token = Any  # spacy.tokens.Token
SUBJECTS = ("nsubj", "nsubjpass", "csubj", "expl")
OBJECTS = ("dobj", "attr", "oprd")
CLAUSE_LINKS = (
    "xcomp",
    "ccomp",
    "advcl",
    "conj",
    "acl",
    "relcl",
    "pcomp",
    "prep",
    "pobj",
    "dobj",
    "acomp",
)
MODIFIERS = ("compound", "amod", "poss", "nmod", "appos")
# categories whose events need a named party (an attack or a fall may be agentless)
STATEMENT_NOUNS = frozenset(
    {"statement", "message", "video", "post", "letter", "tweet", "communique", "speech"}
)
OCCURRENCE_VERBS = frozenset(
    {
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
        "claim",
        "go",
        "explode",
    }
)


@dataclass
class ActorRef:
    """Who an argument names: a group, or a word the passage must resolve."""

    groups: list[str] = field(default_factory=list)
    pronoun: str | None = None  # "they", "it", "the group"
    token: Token | None = None
    person: bool = False  # a person or group noun ("envoy", "troops"), whatever its group
    military: bool = False


@dataclass
class Mention:
    """One predicate of a sentence, before the passage resolves its references."""

    category: str
    type: str | None
    trigger: Token
    frame: str
    actor: ActorRef
    target: str | None = None
    places: list[PlaceMatch] = field(default_factory=list)
    place_ref: str | None = None  # district | city | it | plural
    place_count: int = 0  # "four district centres": how many the list should hold
    theme_kind: str | None = None  # district | city | capital | base | crossing | minor
    theme_province: PlaceMatch | None = None
    theme_words: frozenset[str] = frozenset()
    realis: str = "actual"
    claim: str = "reported"  # reported | claimed | denied | confirmed
    definite: bool = False  # "the attack": maybe a re-mention
    background: bool = False  # pluperfect or relative clause ("which they had seized")
    attempted: bool = False
    default_actor: bool = False  # agentless: the actor is the frame's default
    sentence: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SentenceContext:
    """What the sentence layer needs besides the parse."""

    lexicon: Lexicon
    actors: Any  # pipeline.actors.ActorDictionary
    on: date | None
    base: int  # character offset of the sentence in the passage
    places: list[PlaceMatch]  # passage places inside this sentence (passage offsets)
    index: int
    text: str | None = None  # the sentence's text (for the gaps between listed places)


# --------------------------------------------------------------------------
# actors of tokens


def actor_spans(doc: Any, ctx: SentenceContext) -> dict[int, str]:
    """Token index -> actor group, from the actor ruler's entities (dated groups)."""
    found: dict[int, str] = {}
    for ent in doc.ents:
        group = None
        dated = None
        if ent.label_ == "ACTOR":
            dated = ctx.actors.group_for(ent.text, ctx.on)
            group = dated or ent.ent_id_
        elif ent.label_ == "ACTOR_GENERIC":
            term = ctx.actors.generic_for(ent.text)
            group = term.group if term else ent.ent_id_
        if (
            ent.start >= 2
            and doc[ent.start - 1].text == "-"
            and (doc[ent.start - 2].lower_ == "anti")
        ):
            group = "Resistance"  # "anti-Taliban fighters"
        if (
            dated is None
            and group in ("Afghan forces", "Afghan government")
            and ctx.on
            and (ctx.on > date(2021, 8, 15))
        ):
            group = "Taliban"  # words for the state follow who governs on the article's date
        if group:
            for token in ent:
                found[token.i] = group
    return found


def actor_of(token: Token, spans: dict[int, str], lex: Lexicon, depth: int = 0) -> ActorRef:
    """The group an argument phrase names: its head, modifiers, apposition, coordination,
    and the "of" phrase of a group noun ("members of the Taliban")."""
    ref = ActorRef(token=token)
    if token is None:
        return ref
    lemma = token.lemma_.lower()
    ref.person = (
        lemma in lex.person_nouns
        or lemma in lex.military_nouns
        or lemma in (lex.group_nouns)
        or (token.pos_ == "PROPN" and token.i in spans)
    )
    ref.military = lemma in lex.military_nouns
    if depth < 2:
        for child in token.children:
            if (
                child.dep_ in MODIFIERS
                and child.i < token.i
                and child.i not in _same_entity(token, spans)
            ):
                inner = actor_of(child, spans, lex, depth + 1)
                ref.groups += [g for g in inner.groups if g not in ref.groups]
    named_by_modifier = bool(ref.groups) and token.pos_ == "NOUN"
    if token.i in spans and spans[token.i] not in ref.groups and not named_by_modifier:
        ref.groups.append(spans[token.i])  # "German soldiers": German, not "soldiers"
    if not ref.groups and depth < 2:
        for child in token.children:
            if child.dep_ in MODIFIERS and child.i > token.i:
                ref.groups += actor_of(child, spans, lex, depth + 1).groups
                if ref.groups:
                    break
    if not ref.groups and depth < 2:  # "a bomb planted by the Taliban"
        for child in token.children:
            if child.dep_ == "acl" and child.tag_ == "VBN":
                agent = agent_of(child)
                if agent is not None:
                    ref.groups += actor_of(agent, spans, lex, depth + 1).groups
    if not ref.groups and (ref.person or token.lower_ in ("one", "some", "several", "two")):
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ in ("of", "from", "for"):
                for obj in prep.children:
                    if obj.dep_ == "pobj":
                        inner = actor_of(obj, spans, lex, depth + 1)
                        ref.groups += inner.groups
                        if not inner.groups and inner.pronoun and ref.pronoun is None:
                            ref.pronoun, ref.token = inner.pronoun, inner.token  # "one of
                            # their fighters"
    if not ref.groups and depth == 0 and token.dep_ in SUBJECTS + OBJECTS + ("pobj",):
        for sibling in token.head.children:  # "police counter - attack": split by the tokenizer
            if sibling.dep_ == token.dep_ and sibling != token and abs(sibling.i - token.i) <= 3:
                ref.groups += actor_of(sibling, spans, lex, 1).groups
    if not ref.groups:
        ref.pronoun = ref.pronoun or _pronoun(token, lex)
        owner = next((c for c in token.children if c.dep_ == "poss"), None)
        if ref.pronoun is None and owner is not None and ref.person:
            owned = actor_of(owner, spans, lex, depth + 1)  # "their fighters", "the group's men"
            if owned.pronoun:
                pronoun = "they" if owned.pronoun == "their" else owned.pronoun
                ref.pronoun, ref.token = ("it" if pronoun == "its" else pronoun), owner
    for conj in token.children:
        if conj.dep_ == "conj" and depth < 3:
            more = actor_of(conj, spans, lex, depth + 1)
            ref.groups += [g for g in more.groups if g not in ref.groups]
    if not ref.groups and lemma == "afghan":  # "Afghan and Taliban negotiators"
        ref.groups.append(_afghan_group(token.head, lex))
    elif lemma == "afghan" or (ref.groups and _has_afghan_conjunct(token)):
        ref.groups.insert(0, _afghan_group(token.head, lex))
    return ref


def _same_entity(token: Token, spans: dict[int, str]) -> set[int]:
    """Token indices of the actor entity a token belongs to ("NATO troops")."""
    if token.i not in spans or token.ent_iob_ == "":
        return set()
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return set(range(ent.start, ent.end))
    return set()


def _has_afghan_conjunct(token: Token) -> bool:
    return any(
        c.lemma_.lower() == "afghan"
        and c.dep_ in ("nmod", "amod")
        and any(cc.dep_ == "conj" for cc in c.children)
        for c in token.children
    )


def _afghan_group(head: Token, lex: Lexicon) -> str:
    return "Afghan forces" if head.lemma_.lower() in lex.military_nouns else "Afghan government"


def _pronoun(token: Token, lex: Lexicon) -> str | None:
    lower = token.lower_
    if lower in lex.actor_pronouns:
        return lower
    definite = any(c.dep_ == "det" and c.lower_ in lex.definite_determiners for c in token.children)
    if definite and token.lemma_.lower() in lex.group_nouns:
        return "group"
    if (
        definite
        and token.lemma_.lower() in lex.party_nouns
        and not any(c.dep_ in ("compound", "amod", "poss", "nmod") for c in token.children)
    ):
        return "they"  # "the delegation held talks": the delegation named before
    return None


# --------------------------------------------------------------------------
# dependency helpers


def subject_of(verb: Token) -> Token | None:
    """The subject of a verb, following conjunctions, open complements and relative
    clauses to the noun they share ("the Taliban, who seized X": the Taliban)."""
    for _ in range(4):
        # the subject nearest the verb: a dateline ("KABUL (AP):") may be parsed as another
        subjects = sorted(
            (c for c in verb.children if c.dep_ in SUBJECTS), key=lambda c: abs(verb.i - c.i)
        )
        for child in subjects:
            if child.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
                return verb.head
            return child
        if verb.dep_ == "relcl":
            return verb.head
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
            governor = verb.head.head  # "accused X of violating", "responded by accusing"
            if verb.head.lower_ == "of" and direct_object(governor) is not None:
                return direct_object(governor)
            if governor.pos_ in ("VERB", "AUX"):
                verb = governor
                continue
        if verb.dep_ == "xcomp" and direct_object(verb.head) is not None:
            return direct_object(verb.head)  # "forced the insurgents to flee"
        if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
            if verb.dep_ == "advcl" and not _is_participle(verb):
                return None
            verb = verb.head
            continue
        if verb.dep_ == "acl" and verb.tag_ == "VBG":
            if verb.head.lemma_.lower() in STATEMENT_NOUNS and verb.head.dep_ == "dobj":
                return subject_of(verb.head.head)  # "released a statement rejecting X"
            return verb.head
        return None
    return None


def _is_participle(verb: Token) -> bool:
    return verb.tag_ in ("VBG", "VBN") and not any(c.dep_ in SUBJECTS for c in verb.children)


def agent_of(verb: Token) -> Token | None:
    """The "by X" of a passive verb or of a noun ("an airstrike by the US")."""
    holders = [verb, verb.head] if misparsed_passive(verb) else [verb]
    children = [c for h in holders for c in h.children]
    preps = [c for c in children if c.dep_ == "agent"] or [
        c for c in children if c.dep_ == "prep" and c.lower_ == "by" and c.i > verb.i
    ]
    for child in preps:
        for obj in child.children:
            if obj.dep_ == "pobj":
                return obj
    return None


def misparsed_passive(token: Token) -> bool:
    """ "X was overrun by Y" where the tagger read "overrun" as a noun after "was", or
    "X was gone" read as an adjective complement."""
    return (
        token.dep_ in ("attr", "acomp")
        and token.head.lemma_.lower() == "be"
        and (token.pos_ != "VERB" or token.tag_ == "VBN")
    )


def passive_subject(verb: Token) -> Token | None:
    if misparsed_passive(verb):
        be = verb.head
        if any(c.dep_ in SUBJECTS for c in be.children):
            return subject_of(be)
        before = next(
            (
                t
                for t in reversed(be.doc[: be.i])
                if not t.is_punct and t.pos_ not in ("ADV", "CCONJ")
            ),
            None,
        )
        if before is not None and before.pos_ in ("PROPN", "NOUN"):
            return before  # "..., Yangi Qala, was overrun": the name before the verb
        return subject_of(be)
    return next((c for c in verb.children if c.dep_ == "nsubjpass"), None)


def is_passive(verb: Token) -> bool:
    if misparsed_passive(verb):
        return True
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children) or (
        verb.tag_ == "VBN"
        and verb.dep_ in ("acl", "amod")
        and not any(c.dep_ == "aux" for c in verb.children)
    )


def prep_objects(token: Token, preps: tuple[str, ...]) -> list[Token]:
    """Objects of the given prepositions under a token ("out of X": X)."""
    found = []
    for child in token.children:
        if child.dep_ in ("prep", "agent", "prt", "advmod") and child.lower_ in preps:
            for obj in child.children:
                if obj.dep_ == "pobj":
                    found.append(obj)
                elif obj.dep_ == "prep":
                    found += [o for o in obj.children if o.dep_ == "pobj"]
    return found


def direct_object(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in OBJECTS:
            return child
    return None


def governors(token: Token, limit: int = 5) -> Iterator[Token]:
    """Clauses and nouns that govern a trigger: "hope to take", "denied that X fell"."""
    current = token
    for _ in range(limit):
        if current.dep_ not in CLAUSE_LINKS and current.dep_ not in ("dobj", "nsubj", "nsubjpass"):
            return
        if current.head == current:
            return
        current = current.head
        yield current


def span_of(token: Token) -> tuple[int, int]:
    """Character span of a token's subtree within its sentence doc."""
    left, right = token.left_edge, token.right_edge
    return left.idx, right.idx + len(right.text)


# --------------------------------------------------------------------------
# triggers


def find_triggers(doc: Any, lex: Lexicon) -> Iterator[tuple[Token, Trigger, list[Token]]]:
    """Each token that starts a trigger of the lexicon, with the trigger and its tokens."""
    for token in doc:
        keys = {token.lemma_.lower(), token.lower_, lex.lemma_of_form.get(token.lower_, "")}
        if token.lower_.endswith("s"):
            keys.add(token.lower_[:-1])  # "Rockets" tagged as a proper noun keeps its plural
        for key in keys:
            for trigger in lex.by_head.get(key, ()):
                tokens = _phrase_tokens(token, trigger.lemmas)
                if tokens is None:
                    continue
                head = _phrase_head(tokens)
                pos = "NOUN" if head.pos_ == "PROPN" else head.pos_
                if misparsed_passive(head) and "VERB" in trigger.pos:
                    pos = "VERB"
                if pos not in trigger.pos:
                    continue
                yield head, trigger, tokens


def _phrase_tokens(token: Token, lemmas: tuple[str, ...]) -> list[Token] | None:
    """The tokens of a trigger phrase: adjacent, or a child of the head ("took it back")."""
    tokens = [token]
    doc = token.doc
    for lemma in lemmas[1:]:
        last = tokens[-1]
        nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
        if nxt is not None and lemma in (nxt.lemma_.lower(), nxt.lower_):
            tokens.append(nxt)
            continue
        child = next(
            (c for c in token.children if lemma in (c.lemma_.lower(), c.lower_) and c.i > token.i),
            None,
        )
        if child is None:
            return None
        tokens.append(child)
    return tokens


def _phrase_head(tokens: list[Token]) -> Token:
    if len(tokens) == 1:
        return tokens[0]
    for token in tokens:
        if token.head not in tokens or token.head == token:
            return token
    return tokens[0]


# --------------------------------------------------------------------------
# realis and claims


def realis_of(trigger: Token, lex: Lexicon) -> str:
    """actual, announced, hypothetical or negated, from the trigger's own clause and the
    clauses that embed it (complements, not the clauses it merely stands beside)."""
    if _negated(trigger, lex) or (
        trigger.pos_ == "NOUN"
        and trigger.head.lemma_.lower() in lex.support_verbs
        and _negated(trigger.head, lex)
    ):
        return "negated"
    if trigger.dep_ == "pobj" and trigger.head.lower_ == "without":
        return "negated"
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in trigger.children) and any(
        c.lower_ == "yet" for c in trigger.head.children
    ):
        return "negated"  # "the Taliban have yet to win it back"
    if trigger.dep_ == "advcl" and any(
        c.dep_ == "aux" and c.lower_ == "to" for c in trigger.children
    ):
        return "hypothetical"  # "sent reinforcements to retake the lost areas": a purpose
    if any(a.lower_ == "without" for a in list(trigger.ancestors)[:3]):
        return "negated"  # "without firing a shot"
    if trigger.pos_ == "NOUN" and any(
        c.dep_ == "det" and c.lower_ in ("any", "every") for c in trigger.children
    ):
        return "hypothetical"  # "any attack on departing troops": none in particular
    chain = [trigger, *_embedding(trigger)]
    links = [trigger.dep_] + [c.dep_ for c in chain[1:]]
    for clause, link in zip(chain, [None, *links[:-1]], strict=True):
        auxes = {c.lower_ for c in clause.children if c.dep_ in ("aux", "auxpass")}
        marks = {c.lower_ for c in clause.children if c.dep_ == "mark"}
        if auxes & lex.modals or marks & lex.conditional_marks:
            return "hypothetical"
        if "so" in marks or (marks & {"that"} and auxes & {"can", "could"}):
            return "hypothetical"
        if clause == trigger or link == "conj":
            continue  # a coordinated clause shares modals, not its neighbour's verb
        if clause.lemma_.lower() in lex.hypothetical_governors:
            return "hypothetical"
        if _negated(clause, lex) and clause.pos_ in ("VERB", "AUX"):
            return "hypothetical"
    own = {c.lower_ for c in trigger.children if c.dep_ in ("aux", "auxpass")}
    past = trigger.tag_ in ("VBD", "VBN") and not own & lex.future_auxiliaries
    if own & lex.future_auxiliaries:
        return "announced"
    for clause in chain[1:3]:
        if clause.lemma_.lower() in lex.announced_governors and not past:
            return "announced"
        if any(c.dep_ == "aux" and c.lower_ in lex.future_auxiliaries for c in clause.children):
            return "announced"
    return "actual"


def _embedding(token: Token) -> list[Token]:
    """Governors whose complement the token is: "hope [to take]", "[capturing] in if
    ... successful", "decided [whether to pull]"."""
    found = []
    current = token
    for _ in range(5):
        links = (
            "xcomp",
            "ccomp",
            "pcomp",
            "prep",
            "pobj",
            "acomp",
            "conj",
            "dobj",
            "acl",
            "auxpass",
        )
        if current.pos_ == "NOUN" and current == token:
            links += ("nsubj", "nsubjpass")  # "any attack would be met": the verb's modal
        if current.dep_ not in links or current.head == current:
            break
        if current.dep_ == "dobj" and current.pos_ != "NOUN":
            break
        current = current.head
        found.append(current)
    return found


def _negated(token: Token, lex: Lexicon) -> bool:
    if any(c.dep_ == "neg" for c in token.children):
        return True
    return any(c.dep_ == "det" and c.lower_ == "no" for c in token.children)


def claim_of(trigger: Token, spans: dict[int, str], lex: Lexicon) -> tuple[str, str | None]:
    """(claim status, speaker group) from the closest verb of saying, claiming, denying
    or confirming that governs the trigger."""
    for clause in governors(trigger, 6):
        lemma = clause.lemma_.lower()
        if lemma in ("report", "claim", "rumour", "rumor", "account") and clause.pos_ == "NOUN":
            verb = clause.head
            if any(
                c.dep_ == "acomp" and c.lemma_.lower() in lex.falsity_words for c in verb.children
            ):
                return "denied", None  # "reports that fighters had abducted him were false"
        if lemma in lex.confirm_verbs:
            return "confirmed", None
        if lemma in lex.deny_verbs:
            if _negated(clause, lex):
                return "reported", None
            return "denied", _speaker(clause, spans, lex)
        if lemma in lex.claim_verbs:
            speaker = subject_of(clause)
            groups = actor_of(speaker, spans, lex).groups if speaker is not None else []
            unofficial = speaker is not None and _unofficial(speaker, lex)
            if lemma in ("claim", "boast") or "Taliban" in groups or unofficial:
                return "claimed", groups[0] if groups else None
            return "reported", groups[0] if groups else None
    return "reported", None


def _speaker(verb: Token, spans: dict[int, str], lex: Lexicon) -> str | None:
    subject = subject_of(verb)
    if subject is None:
        return None
    groups = actor_of(subject, spans, lex).groups
    return groups[0] if groups else None


def _unofficial(token: Token, lex: Lexicon) -> bool:
    words = {t.lemma_.lower() for t in token.subtree}
    return bool(words & lex.unofficial_sources)


def is_background(trigger: Token) -> bool:
    """A capture told as background: a relative clause or the pluperfect."""
    if trigger.dep_ == "relcl" or (trigger.dep_ == "acl" and trigger.tag_ == "VBN"):
        return True
    auxes = [c for c in trigger.children if c.dep_ in ("aux", "auxpass")]
    # "after the insurgents had seized it": background; "but troops had expelled them by
    # nightfall" (a coordinated clause) and reported speech tell the sequence itself
    after = any(c.dep_ == "mark" and c.lower_ in ("after", "since") for c in trigger.children)
    return any(a.lower_ == "had" for a in auxes) and (trigger.dep_ in ("advcl", "relcl") or after)


# --------------------------------------------------------------------------
# places


def places_in(token: Token, ctx: SentenceContext, lex: Lexicon) -> list[PlaceMatch]:
    """Passage places inside a phrase, leaving out reference points ("near X")."""
    lo, hi = span_of(token)
    for sibling in token.head.children:  # a name split by the tokenizer: two subjects
        if sibling.dep_ == token.dep_ and sibling != token and token.dep_ != "ROOT":
            a, b = span_of(sibling)
            lo, hi = min(lo, a), max(hi, b)
    excluded = [
        span_of(child)
        for t in token.subtree
        for child in t.children
        if child.dep_ == "prep"
        and (
            child.lower_ in lex.near_prepositions
            or (child.lower_ == "of" and t.lemma_.lower() in lex.reference_heads)
        )
    ]  # "near X", "south of Kabul", "an hour's drive from X": reference points
    found = []
    for place in ctx.places:
        start, end = place.start - ctx.base, place.end - ctx.base
        if _dateline(place, ctx):
            continue  # "KABUL, Aug 15 (Reuters) -": where it was filed, not what happened
        if lo <= start and end <= hi and not any(a <= start and end <= b for a, b in excluded):
            found.append(place)
    return found


DATELINE_TAIL = re.compile(
    r"[ \t]*(?:\(|\[|:|—|–|-[ \t]|,[ \t]*(?:Afghanistan|Pakistan|[A-Z][a-z]{2,8}\.?[ \t]+\d))"
)


def is_dateline(text: str, start: int, end: int) -> bool:
    """ "KABUL, Aug 15 (Reuters) -", "HERAT, Afghanistan (AP) —": a place opening a line in
    capitals or followed by an agency, a date or a dash. "Pul-e-Alam, capital of Logar,
    fell" is news, not a dateline."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return False
    return text[start:end].isupper() or bool(DATELINE_TAIL.match(text, end))


def _dateline(place: PlaceMatch, ctx: SentenceContext) -> bool:
    if ctx.text is None:
        return False
    return is_dateline(ctx.text, place.start - ctx.base, place.end - ctx.base)


def theme_kind(token: Token, places: list[PlaceMatch], lex: Lexicon) -> str | None:
    """What kind of territory a theme phrase names: its nouns first, then its places."""
    nouns = {t.lemma_.lower() for t in token.subtree if t.pos_ in ("NOUN", "PROPN", "ADJ")}
    head = token.lemma_.lower()
    if head in lex.base_nouns or head in lex.minor_place_nouns:
        return "base" if head in lex.base_nouns else "minor"
    if head in lex.crossing_nouns or "crossing" in nouns:
        return "crossing"
    if nouns & lex.capital_nouns:
        return "capital"
    if head in lex.district_nouns or nouns & {"district", "districts"}:
        return "district"
    if head in lex.city_nouns:
        return "city"
    if nouns & lex.minor_place_nouns and not places:
        return "minor"
    local = [p for p in places if p.kind != "province"]
    if local:
        return "city" if local[0].kind == "city" else "district"
    if places:
        return "province" if head not in lex.settlement_nouns else "district"
    return None


def _count(token: Token) -> int:
    for child in token.children:
        if child.dep_ == "nummod" and child.like_num:
            words = {
                "two": 2,
                "three": 3,
                "four": 4,
                "five": 5,
                "six": 6,
                "seven": 7,
                "eight": 8,
                "nine": 9,
                "ten": 10,
                "both": 2,
                "pair": 2,
            }
            try:
                return int(child.text)
            except ValueError:
                return words.get(child.lower_, 2)
    return 2 if token.tag_ in ("NNS", "NNPS") or token.lower_ in ("both", "pair", "all") else 0


def place_reference(token: Token, lex: Lexicon) -> tuple[str | None, int]:
    """A theme that stands for places named elsewhere: "it", "the district", "both",
    "four district centres"."""
    lower = token.lower_
    if lower in ("it", "this", "its"):
        return "it", 1
    words = {t.lower_ for t in token.subtree}
    if lower in ("them", "both", "each", "all", "all four", "these", "those") or (
        token.like_num and token.dep_ in ("dobj", "nsubj", "nsubjpass")
    ):
        return "plural", _count(token) or 2
    count = _count(token)
    lemma = token.lemma_.lower()
    if lemma in lex.minor_place_nouns or lemma in lex.base_nouns:
        # "the road between Shirin Tagab and the provincial capital", "a post near the
        # district centre": the settlement only locates the road or post that was taken
        return None, 0
    if lemma in (
        "pair",
        "couple",
        "number",
        "handful",
        "dozen",
        "dozens",
        "score",
        "scores",
        "string",
        "series",
        "clutch",
        "raft",
        "group",
        "cluster",
    ):
        return "plural", 2 if lemma in ("pair", "couple") else 0
    if lemma in lex.settlement_nouns or words & lex.settlement_nouns:
        if count >= 2 or token.tag_ in ("NNS", "NNPS") or words & {"both", "all", "each"}:
            return "plural", max(count, 2)
        if words & lex.capital_nouns:
            return "capital", 1  # "the provincial capital": the province's capital
        if lemma in lex.city_nouns:
            return "city", 1
        return "district", 1
    return None, 0


# --------------------------------------------------------------------------
# frames


def read_sentence(
    doc: Any, ctx: SentenceContext, spans: dict[int, str] | None = None
) -> list[Mention]:
    """All predicates of a sentence, one mention per trigger token that fits its frame
    (`spans`: the sentence's actor tokens, when the caller has them already)."""
    lex = ctx.lexicon
    spans = actor_spans(doc, ctx) if spans is None else spans
    mentions: list[Mention] = []
    used: set[int] = set()
    for head, trigger, tokens in find_triggers(doc, lex):
        if head.i in used:
            continue
        try:
            mention = _read(head, trigger, tokens, spans, ctx)
        except Exception:  # an odd parse must cost one predicate, never the article
            log.warning(
                "skipped trigger %r in sentence %r", head.text, doc.text[:200], exc_info=True
            )
            continue
        if mention is None:
            continue
        used.update(t.i for t in tokens)
        mention.sentence = ctx.index
        mentions.append(mention)
    mentions += _control_states(doc, spans, ctx, used)
    mentions += _reported_accusations(doc, spans, ctx, used)
    mentions += _responsibility_claims(doc, spans, ctx)
    mentions += _back_states(doc, spans, ctx, used)
    return mentions


def _back_states(
    doc: Any, spans: dict[int, str], ctx: SentenceContext, used: set[int]
) -> list[Mention]:
    """ "police were back in the compound", "the centre was back with the police": a
    place held again by whoever is back."""
    lex = ctx.lexicon
    found = []
    for token in doc:
        verb = next(
            (a for a in list(token.ancestors)[:3] if a.lemma_.lower() in ("be", "come", "move")),
            None,
        )
        if token.lower_ != "back" or verb is None:
            continue
        if verb.i in used:
            continue
        subject = subject_of(verb)
        if subject is None:
            continue
        with_whom = next(iter(prep_objects(token, ("with",)) + prep_objects(verb, ("with",))), None)
        where = next(
            iter(
                prep_objects(token, ("in", "at", "inside"))
                + prep_objects(verb, ("in", "at", "inside"))
            ),
            None,
        )
        if with_whom is not None:  # "X was back with the police"
            holder, theme = actor_of(with_whom, spans, lex), subject
        elif where is not None:  # "police were back in the compound"
            holder, theme = actor_of(subject, spans, lex), where
        else:
            continue
        if not holder.groups:
            continue
        found_theme = _territorial_theme(theme, verb, ctx)
        if found_theme is None or found_theme["theme_kind"] in ("minor",):
            continue
        trigger = Trigger(("back",), "territory_retaken", None, "state", frozenset({"ADV"}))
        mention = _mention(trigger, token, holder, **found_theme)
        mention.realis = realis_of(verb, lex)
        mention.sentence = ctx.index
        found.append(mention)
    return found


def _responsibility_claims(doc: Any, spans: dict[int, str], ctx: SentenceContext) -> list[Mention]:
    """ "The Taliban claimed it", "X claimed responsibility": the attack told before gets
    its attacker (the passage layer joins it to that attack)."""
    found = []
    for token in doc:
        behind = (
            next(
                (
                    o
                    for o in prep_objects(token, ("behind",))
                    if o.lower_ in ("it", "this", "that")
                    or o.lemma_.lower()
                    in ("attack", "bombing", "blast", "explosion", "killing", "assault")
                ),
                None,
            )
            if token.lemma_.lower() == "be"
            else None
        )
        if behind is not None:  # "its fighters were behind it": a claim of responsibility
            claimer = actor_of(subject_of(token), spans, ctx.lexicon) if subject_of(token) else None
            if claimer is not None and (claimer.groups or claimer.pronoun):
                trigger = Trigger(("claim",), "attack", None, "event", frozenset({"VERB"}))
                mention = _mention(trigger, behind, ActorRef(), definite=True)
                mention.extra["claimed_by"] = claimer
                mention.sentence = ctx.index
                found.append(mention)
            continue
        if token.lemma_.lower() != "claim" or token.pos_ != "VERB" or is_passive(token):
            continue
        obj = direct_object(token)
        if obj is None or obj.lower_ not in ("it", "responsibility"):
            continue
        if prep_objects(obj, ("for",)):
            continue  # "claimed responsibility for the attack": the noun is read itself
        claimer = _claimer(token, spans, ctx.lexicon)
        if claimer is None or not claimer.groups:
            continue
        trigger = Trigger(("claim",), "attack", None, "event", frozenset({"VERB"}))
        mention = _mention(trigger, obj, ActorRef(), definite=True)
        mention.extra["claimed_by"] = claimer
        mention.sentence = ctx.index
        found.append(mention)
    return found


def _read(
    head: Token, trigger: Trigger, tokens: list[Token], spans: dict[int, str], ctx: SentenceContext
) -> Mention | None:
    reader = {
        "territory": _territory,
        "control": _control,
        "place_subject": _place_subject,
        "loss": _loss,
        "expel": _expel,
        "state": _state,
        "entry": _entry,
        "departure": _departure,
        "movement": _movement,
        "release": _release,
        "speech": _speech,
    }.get(trigger.frame, _event)
    mention = reader(head, trigger, tokens, spans, ctx)
    if mention is None:
        return None
    lex = ctx.lexicon
    mention.realis = realis_of(head, lex) if mention.realis == "actual" else mention.realis
    mention.claim, _ = claim_of(head, spans, lex)
    if mention.claim == "denied":
        mention.realis = "negated"  # "denied that the Taliban had overrun the base"
    if (
        mention.category == "attack"
        and head.dep_ == "xcomp"
        and (head.head.lemma_.lower() in lex.attempt_words)
    ):
        mention.realis = realis_of(head.head, lex)  # "tried to storm X": an attack happened
    if (
        mention.category.startswith("territory")
        and head.pos_ == "NOUN"
        and (mention.realis == "announced")
    ):
        mention.realis = "actual"  # "announced the retaking of X": it has happened
    mention.background = is_background(head)
    mention.extra["sequence"] = _in_sequence(head)
    mention.extra["pluperfect"] = _had(head) or (
        head.tag_ in ("VBG", "VBN") and head.dep_ in ("advcl", "xcomp", "conj") and _had(head.head)
    )  # "had pulled out, leaving it to ...", "had seized it and driven out ...": one tense
    mention.extra["earlier"] = _told_as_earlier(head)
    if mention.category.startswith("territory"):
        _attempt(mention, head, lex)
    return mention


def _mention(trigger: Trigger, head: Token, actor: ActorRef, **kw: Any) -> Mention:
    return Mention(trigger.category, trigger.type, head, trigger.frame, actor, **kw)


def _territorial_theme(
    theme: Token | None, head: Token, ctx: SentenceContext
) -> dict[str, Any] | None:
    """Places, place reference and kind of a territorial theme; None when it names no
    territory ("captured four fighters", "seized weapons")."""
    lex = ctx.lexicon
    if theme is None:
        return None
    if theme.lemma_.lower() in ("control", "authority", "command") and prep_objects(
        theme, ("of", "over")
    ):
        theme = prep_objects(theme, ("of", "over"))[0]  # "reclaimed control of X"
    places = places_in(theme, ctx, lex)
    if theme.tag_ in ("NNS", "NNPS") or _count(theme) >= 2:
        # "two district centres in Kunduz": the province, not the city of that name
        places = [_as_province(p) if _named_like_province(p) else p for p in places]
    theme_places = list(places)
    if (
        theme.pos_ == "NOUN"
        and theme.lemma_.lower() not in _PLACE_HEADS(lex)
        and not any(p.start - ctx.base <= theme.idx < p.end - ctx.base for p in places)
        and theme.lemma_.lower() not in QUANTITY_HEADS
    ):
        return None  # "prices in Qalat fell": the place only qualifies another noun
    if (
        theme.lemma_.lower() in QUANTITY_HEADS
        and prep_objects(theme, ("of",))
        and (not places and not {t.lemma_.lower() for t in theme.subtree} & _PLACE_HEADS(lex))
    ):
        return None  # "seized dozens of weapons"
    kind = theme_kind(theme, places, lex)
    has_local = any(p.kind != "province" for p in places)
    names_province = any(p.start - ctx.base <= theme.idx < p.end - ctx.base for p in places) or (
        theme.lemma_.lower() == "province" and places
    )
    ref, count = (None, 0) if has_local or names_province else place_reference(theme, lex)
    if (
        not places
        and ref is None
        and kind not in ("base", "crossing", "minor", "district", "city", "capital")
    ):
        return None
    if not places:
        places = [p for p in _clause_places(head, ctx) if p.kind != "province"]
    places = _whole_list(places, ctx)
    province = next((p for p in theme_places if p.kind == "province"), None) or next(
        (p for p in _clause_places(head, ctx) if p.kind == "province"), None
    )  # "... in Parwan"
    local = [p for p in places if p.kind != "province"]
    return {
        "places": local or (places if ref is None else []),
        "theme_words": frozenset(t.lower_ for t in theme.subtree),
        "place_ref": ref if not local else None,
        "place_count": count,
        "theme_kind": kind,
        "theme_province": province,
    }


LIST_GAP = re.compile(r"\s*(?:,|and|or|&|, and)\s*")


def _whole_list(places: list[PlaceMatch], ctx: SentenceContext) -> list[PlaceMatch]:
    """ "A, B and C districts": a misparsed list still names all its members. Places of
    the sentence joined to a found one only by commas and "and" join it."""
    local = [p for p in ctx.places if p.kind != "province"]
    if not places or not local:
        return places
    found = {id(p) for p in places}
    text_of = {id(p): p for p in local}
    changed = True
    while changed:
        changed = False
        for a, b in itertools.pairwise(local):
            gap = _gap(a, b, ctx)
            if gap is None or not LIST_GAP.fullmatch(gap):
                continue
            if (id(a) in found) != (id(b) in found):
                found |= {id(a), id(b)}
                changed = True
    extra = [text_of[i] for i in found if i in text_of and all(i != id(p) for p in places)]
    return sorted([*places, *extra], key=lambda p: p.start)


def _gap(a: PlaceMatch, b: PlaceMatch, ctx: SentenceContext) -> str | None:
    doc_text = ctx.text
    if doc_text is None:
        return None
    return doc_text[a.end - ctx.base : b.start - ctx.base]


def _fold(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())


QUANTITY_HEADS = frozenset(
    {
        "pair",
        "couple",
        "number",
        "string",
        "handful",
        "dozen",
        "dozens",
        "score",
        "scores",
        "rest",
        "all",
        "each",
        "series",
        "clutch",
    }
)


def _named_like_province(place: PlaceMatch) -> bool:
    return place.kind == "city" and _fold(place.raw) == _fold(place.province or "")


def _as_province(place: PlaceMatch) -> PlaceMatch:
    from dataclasses import replace

    return replace(place, kind="province", district=None, district_code=None)


def _PLACE_HEADS(lex: Lexicon) -> frozenset[str]:
    return (
        lex.settlement_nouns
        | lex.base_nouns
        | lex.crossing_nouns
        | lex.minor_place_nouns
        | lex.country_nouns
    )


def _clause_places(head: Token, ctx: SentenceContext) -> list[PlaceMatch]:
    """Places in the predicate's own "in"/"at" phrases ("overran the headquarters in X")."""
    found: list[PlaceMatch] = []
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in ("in", "at", "of", "inside"):
            found += places_in(child, ctx, ctx.lexicon)
    return found


def _territory(head, trigger, tokens, spans, ctx) -> Mention | None:
    lex = ctx.lexicon
    if head.pos_ == "NOUN" and not misparsed_passive(head):
        theme = next(iter(prep_objects(head, ("of", "over"))), None) or _possessor(head)
        actor = _noun_actor(head, spans, lex, exclude=theme, announcer_acts=False)
    elif is_passive(head):
        theme = passive_subject(head)
        if theme is None and head.dep_ in ("acl", "amod"):
            theme = head.head
        if theme is not None and theme.tag_ in ("WDT", "WP") and head.dep_ == "relcl":
            theme = head.head
        agent = agent_of(head)
        actor = actor_of(agent, spans, lex) if agent is not None else ActorRef()
    else:
        theme = direct_object(head)
        if theme is None and head.dep_ == "relcl":
            theme = head.head
        subject = subject_of(head)
        actor = actor_of(subject, spans, lex) if subject is not None else ActorRef()
    if theme is not None and theme.lemma_.lower() in lex.defender_nouns:
        held = next(iter(prep_objects(theme, ("of", "in", "at"))), None)
        theme = held if held is not None else theme  # "overwhelmed the defenders of Zebak"
    if theme is not None and (theme.i in spans or actor_of(theme, spans, lex).groups):
        return None  # "captured four Taliban fighters": people, not a place
    if theme is None and trigger.lemmas == ("surrender",) and actor.groups:
        surrender = Trigger(("surrender",), "other", "surrender", "movement", trigger.pos)
        return _mention(surrender, head, actor)  # "200 soldiers surrendered to the Taliban"
    found = _territorial_theme(theme, head, ctx)
    if found is None:
        return None
    return _mention(trigger, head, actor, default_actor=actor.token is None, **found)


def _possessor(head: Token) -> Token | None:
    return next((c for c in head.children if c.dep_ == "poss"), None)


def _noun_actor(
    head: Token,
    spans: dict[int, str],
    lex: Lexicon,
    exclude: Token | None,
    announcer_acts: bool = True,
) -> ActorRef:
    """Actor of a nominal trigger: "the Taliban takeover", "a Taliban attack", "by the US",
    or the subject of the verb it is the object of ("the Taliban launched an attack")."""
    for child in head.children:
        if child == exclude:
            continue
        if child.dep_ in ("compound", "amod", "poss", "nmod") and child.i in spans:
            return actor_of(child, spans, lex)
    agent = agent_of(head)
    if agent is not None:
        return actor_of(agent, spans, lex)
    if head.dep_ == "compound" and head.head.pos_ == "NOUN":  # "its sanctions list"
        return _noun_actor(head.head, spans, lex, exclude, announcer_acts)
    if (
        head.dep_ == "pobj"
        and head.head.lower_ in ("of", "with")
        and head.head.head.pos_ in ("NOUN", "VERB")
        and head.head.head.lemma_.lower()
        in ("round", "session", "series", "press", "proceed", "continue")
    ):
        parent = head.head.head  # "their sixth round of talks", "pressed on with its withdrawal"
        found = actor_of(parent, spans, lex) if parent.pos_ == "NOUN" else ActorRef()
        if not found.groups and parent.pos_ == "VERB":
            subject = subject_of(parent)
            found = actor_of(subject, spans, lex) if subject is not None else found
        if found.groups or found.pronoun:
            return found
        if parent.pos_ == "NOUN":
            return _noun_actor(parent, spans, lex, exclude, announcer_acts)
    if (
        head.dep_ == "pobj"
        and head.head.lower_ == "in"
        and head.head.head.lemma_.lower() in ("participate", "part", "take")
    ):
        verb = head.head.head
        verb = verb.head if verb.lemma_.lower() == "part" else verb  # "took part in"
        subject = subject_of(verb)
        if subject is not None:
            return actor_of(subject, spans, lex)
    if head.dep_ in ("dobj", "pobj") and head.head.pos_ in ("VERB", "ADP"):
        verb = head.head if head.dep_ == "dobj" else head.head.head
        speech = lex.claim_verbs | lex.confirm_verbs | lex.deny_verbs
        lemma = verb.lemma_.lower()
        if lemma in speech and not announcer_acts:
            return ActorRef()  # "the ministry announced the retaking of X": not its actor
        if lemma in lex.repelled_words or lemma in lex.suffer_verbs:
            return ActorRef()  # "troops repelled the attack": the defenders
        if lemma in lex.support_verbs and verb.pos_ == "VERB":
            subject = subject_of(verb)
            if subject is not None:
                return actor_of(subject, spans, lex)
    return ActorRef()


def _control(head, trigger, tokens, spans, ctx) -> Mention | None:
    control = tokens[-1]
    theme = next(iter(prep_objects(control, ("of", "over"))), None) or next(
        iter(prep_objects(head, ("of", "over", "in"))), None
    )
    subject = subject_of(head)
    actor = actor_of(subject, spans, ctx.lexicon) if subject is not None else ActorRef()
    found = _territorial_theme(theme, head, ctx)
    if found is None:
        return None
    return _mention(trigger, head, actor, default_actor=actor.token is None, **found)


def _place_subject(head, trigger, tokens, spans, ctx) -> Mention | None:
    """fall / collapse / surrender: the place is the subject, the taker follows "to"."""
    lex = ctx.lexicon
    if head.pos_ == "NOUN":
        theme = next(iter(prep_objects(head, ("of",))), None) or _possessor(head)
    elif head.dep_ == "amod":  # "fallen districts"
        theme = head.head
    elif misparsed_passive(head):
        theme = passive_subject(head)  # "Khanaqa, too, was gone"
    else:
        theme = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if theme is not None and theme.tag_ in ("WDT", "WP"):
            theme = head.head
        if theme is None:
            theme = subject_of(head)
    takers = prep_objects(head, ("to",))
    actor = actor_of(takers[0], spans, lex) if takers else ActorRef()
    if theme is None:
        return None
    if actor_of(theme, spans, lex).groups and trigger.lemmas[0] == "surrender":
        return None  # troops surrendering: the movement frame codes it
    found = _territorial_theme(theme, head, ctx)
    if found is None:
        return None
    if found["theme_kind"] == "province" and trigger.lemmas[0] == "collapse":
        return None
    return _mention(trigger, head, actor, default_actor=actor.token is None, **found)


def _loss(head, trigger, tokens, spans, ctx) -> Mention | None:
    """ "X was lost", "the army lost X": the other side took the place."""
    lex = ctx.lexicon
    if is_passive(head):
        theme = passive_subject(head)
        if theme is None and head.dep_ in ("acl", "amod", "relcl"):
            theme = head.head
        loser = ActorRef()
    else:
        theme = direct_object(head)
        if theme is not None and theme.lemma_.lower() == "control":
            theme = next(iter(prep_objects(theme, ("of", "over"))), None)
        subject = subject_of(head)
        loser = actor_of(subject, spans, lex) if subject is not None else ActorRef()
    found = _territorial_theme(theme, head, ctx)
    if found is None:
        return None
    if "Taliban" in loser.groups:
        taker = ActorRef(groups=["Afghan forces"])
        return Mention("territory_retaken", None, head, trigger.frame, taker, **found)
    return _mention(trigger, head, ActorRef(), default_actor=True, **found)


def _expel(head, trigger, tokens, spans, ctx) -> Mention | None:
    """ "cleared X of insurgents", "drove the Taliban out of X", "were driven out of X"."""
    lex = ctx.lexicon
    obj = direct_object(head)
    people = obj is not None and (
        obj.lower_ in ("them", "they", "him")
        or bool(actor_of(obj, spans, lex).groups)
        or obj.lemma_.lower() in lex.group_nouns
    )
    # "out of X" before "from X"; "evicted fighters from X": the PP may hang on the people
    candidates = prep_objects(head, ("out", "of")) + prep_objects(head, ("from",))
    if people:
        candidates += prep_objects(obj, ("out", "of", "from"))
    theme = next(
        (
            p
            for p in candidates
            if not actor_of(p, spans, lex).groups
            and p.lemma_.lower() not in lex.group_nouns
            and p.lower_ not in ("them", "they")
        ),
        None,
    )
    if obj is not None and not people and theme is None:
        theme = obj
    if theme is None and obj is not None and places_in(obj, ctx, lex):
        theme = obj
    if is_passive(head):
        agent = agent_of(head)
        actor = actor_of(agent, spans, lex) if agent is not None else ActorRef()
        expelled = passive_subject(head)
        if (
            expelled is not None
            and not places_in(expelled, ctx, lex)
            and (
                actor_of(expelled, spans, lex).groups
                or actor_of(expelled, spans, lex).pronoun
                or expelled.lemma_.lower() in lex.group_nouns | lex.military_nouns
            )
        ):
            people = True  # "fighters who stormed X were expelled": they were, not X
    else:
        subject = subject_of(head)
        actor = actor_of(subject, spans, lex) if subject is not None else ActorRef()
        expelled = obj if theme != obj else None
    if (
        trigger.lemmas[0] == "clear"
        and obj is not None
        and theme == obj
        and not prep_objects(head, ("of",))
        and not places_in(obj, ctx, lex)
    ):
        return None  # "cleared the way", "cleared the debris"
    found = _territorial_theme(theme, head, ctx)
    if found is None and people and theme is None:
        found = {
            "places": [],
            "place_ref": "it",
            "place_count": 1,
            "theme_kind": None,
            "theme_province": None,
            "theme_words": frozenset(),
        }  # "drove them out"
    if found is None:
        return None
    expelled_groups = actor_of(expelled, spans, lex).groups if expelled is not None else []
    if actor.groups and actor.groups[0] == "Taliban" and "Taliban" not in expelled_groups:
        category = "territory_retaken"
    else:
        category = "territory_retaken"
    mention = Mention(category, None, head, trigger.frame, actor, **found)
    mention.default_actor = actor.token is None
    return mention


def _entry(head, trigger, tokens, spans, ctx) -> Mention | None:
    """ "swept into the district centre", "re-entered X", "raised their flag over X": the
    place is taken where it is a settlement or a named district or town."""
    lex = ctx.lexicon
    if trigger.lemmas[0] in ("raise", "hoist", "plant"):
        flag = direct_object(head)
        if flag is None or flag.lemma_.lower() != "flag":
            return None
        theme = next(iter(prep_objects(head, ("over", "above", "on", "in", "atop"))), None) or (
            next(iter(prep_objects(flag, ("over", "above", "on", "in", "atop"))), None)
        )
        national = any(c.lower_ in ("national", "afghan", "government") for c in flag.children)
    else:
        theme = direct_object(head) or next(iter(prep_objects(head, ("into", "in"))), None)
        national = False
    if theme is None and trigger.lemmas in (("move", "in"), ("walk", "in"), ("roll", "in")):
        subject = subject_of(head)
        actor = actor_of(subject, spans, lex) if subject is not None else ActorRef()
        if not (actor.groups or actor.pronoun):
            return None
        found = {
            "places": [],
            "place_ref": "it",
            "place_count": 1,
            "theme_kind": None,
            "theme_province": None,
            "theme_words": frozenset(),
        }  # "the Taliban moved in"
        return Mention("territory_captured", None, head, "territory", actor, **found)
    if theme is None:
        return None
    subject = subject_of(head)
    actor = actor_of(subject, spans, lex) if subject is not None else ActorRef()
    found = _territorial_theme(theme, head, ctx)
    if (
        found is None
        or found["theme_kind"] in ("minor", "base")
        or not (actor.groups or actor.pronoun)
    ):
        return None  # "entered the bazaar": a raid, not a capture
    if national:
        actor = ActorRef(groups=["Afghan forces"], token=subject)  # the national flag again
    again = any(c.lower_ in ("again", "back") for c in head.children) or trigger.lemmas[0] in (
        "re-enter",
        "reenter",
    )
    category = "territory_retaken" if again or national else "territory_captured"
    return Mention(category, None, head, "territory", actor, **found)


def _state(head, trigger, tokens, spans, ctx) -> Mention | None:
    """ "the insurgents now hold / control X", "X is held by the Taliban": the holder took
    it; the government "still" holding a place denies its fall; "had held" is background."""
    lex = ctx.lexicon
    if is_passive(head):
        agent = agent_of(head)
        theme = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
        holder = actor_of(agent, spans, lex) if agent is not None else ActorRef()
    else:
        subject = subject_of(head)
        holder = actor_of(subject, spans, lex) if subject is not None else ActorRef()
        theme = direct_object(head)
    confirmed = claim_of(head, spans, lex)[0] == "confirmed"
    if (
        not (holder.groups or holder.pronoun)
        or theme is None
        or is_background(head)
        or (_had(head) and not confirmed)
    ):
        return None  # "had held it since May": background, unless an official now admits it
    if actor_of(theme, spans, lex).groups:
        return None  # "held talks with the Taliban", "controls the militants"
    found = _territorial_theme(theme, head, ctx)
    if found is None:
        return None
    still = any(c.lower_ in lex.government_hold for c in head.children)
    again = any(c.lower_ in ("again", "back") for c in head.children)
    government = bool(holder.groups) and holder.groups[0] in ("Afghan forces", "Afghan government")
    if government and (still or not again):  # "security forces still held the city": a denial
        mention = _mention(trigger, head, holder, **found)
        mention.extra["holds"] = True
        return mention
    category = "territory_retaken" if again else "territory_captured"
    return Mention(category, None, head, trigger.frame, holder, **found)


def _in_sequence(head: Token) -> bool:
    """ "By Thursday commandos had pushed them out again": a pluperfect that moves the story
    on (a "by" time, "again", "later") rather than looking back."""
    words = {c.lower_ for c in head.children}
    if words & {"again", "later", "then", "eventually", "finally"}:
        return True
    return any(
        c.dep_ == "prep"
        and c.lower_ == "by"
        and any(o.ent_type_ in ("DATE", "TIME") or o.lower_ in TIME_WORDS for o in c.subtree)
        for c in head.children
    )


TIME_WORDS = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "morning",
        "afternoon",
        "evening",
        "night",
        "nightfall",
        "dusk",
        "dawn",
        "noon",
        "midday",
        "midnight",
        "then",
        "now",
    }
)


def _told_as_earlier(head: Token) -> bool:
    """ "two days after fighters overran it": the clause under "after"/"since" came first."""
    for clause in [head, *list(head.ancestors)[:2]]:
        if any(c.dep_ == "mark" and c.lower_ in ("after", "since") for c in clause.children):
            return True
        if clause.dep_ == "pcomp" and clause.head.lower_ in ("after", "since"):
            return True
    return False


def _had(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "had" for c in verb.children)


def _departure(head, trigger, tokens, spans, ctx) -> Mention | None:
    """Foreign troops leave, withdraw, hand over a base; officials leaving are `other`."""
    lex = ctx.lexicon
    if head.pos_ == "NOUN":
        actor = _noun_actor(head, spans, lex, exclude=None)
        if not actor.groups:
            for child in head.children:
                if child.dep_ in ("compound", "nmod", "amod") and child.lemma_.lower() in (
                    lex.military_nouns
                ):
                    actor = actor_of(child, spans, lex)
        if not _nominal_event(head, lex) and not actor.groups:
            return None
        return _mention(trigger, head, actor, places=_sentence_places(head, ctx))
    subject = subject_of(head)
    actor = actor_of(subject, spans, lex) if subject is not None else ActorRef()
    if is_passive(head):
        agent = agent_of(head)
        actor = actor_of(agent, spans, lex) if agent is not None else ActorRef()
    obj = direct_object(head)
    lemma = trigger.lemmas[0]
    recipients = prep_objects(head, ("to",))
    if (
        lemma in ("hand", "hand over", "handover", "leave")
        and recipients
        and "Taliban" in (actor_of(recipients[0], spans, lex).groups)
    ):
        theme = next((c for c in head.children if c.dep_ == "nsubjpass"), None) or obj
        found = _territorial_theme(theme, head, ctx)
        if found is not None:  # "five district centres were handed to the Taliban"
            taker = ActorRef(groups=["Taliban"], token=recipients[0])
            return Mention("territory_captured", None, head, "territory", taker, **found)
    if lemma in ("hand", "hand over", "handover") and obj is not None:
        handed = obj.lemma_.lower()
        if handed in lex.weapon_nouns or obj.lower_ in ("himself", "themselves", "herself"):
            surrender = Trigger(trigger.lemmas, "other", "surrender", "movement", trigger.pos)
            return _mention(surrender, head, actor)  # "handed their weapons to the Taliban"
        if handed in lex.prisoner_nouns | lex.captive_nouns or actor_of(obj, spans, lex).groups:
            release = Trigger(trigger.lemmas, "other", "prisoner_release", "release", trigger.pos)
            return _mention(release, head, actor, places=_sentence_places(head, ctx))
    if lemma in ("hand", "pass") and not recipients and obj is None:
        return None
    if lemma == "pass" and (
        obj is None
        or not (
            places_in(obj, ctx, lex)
            or obj.lemma_.lower() in (lex.base_nouns | lex.settlement_nouns)
        )
    ):
        return None  # "passed a law": only a place handed over is a withdrawal
    if lemma in ("leave", "depart", "exit", "vacate"):
        obj_words = {t.lemma_.lower() for t in obj.subtree} if obj is not None else set()
        place_object = obj is not None and (
            bool(places_in(obj, ctx, lex)) or bool(obj_words & (lex.country_nouns | lex.base_nouns))
        )
        if actor.military or (
            actor.groups
            and actor.groups[0] in ("US", "NATO")
            and (place_object or obj is None)
            and not actor.person
        ):
            return _mention(trigger, head, actor, places=_sentence_places(head, ctx))
        if not place_object or not (actor.person or _is_official(actor)):
            return None  # "families left Kunduz", "the envoy left the hotel"
        flight = Trigger(trigger.lemmas, "other", "flight", "departure", trigger.pos)
        who = actor if actor.groups or actor.pronoun else ActorRef(groups=["other"], token=subject)
        return _mention(flight, head, who, places=_sentence_places(head, ctx))
    return _mention(trigger, head, actor, places=_sentence_places(head, ctx))


def _is_official(actor: ActorRef) -> bool:
    return bool(actor.groups) and actor.groups[0] in ("Afghan government",)


def _movement(head, trigger, tokens, spans, ctx) -> Mention | None:
    if is_passive(head) and trigger.lemmas[0] == "fly":
        flown = passive_subject(head)  # "the governor was flown to Faizabad"
        actor = actor_of(flown, spans, ctx.lexicon) if flown is not None else ActorRef()
        places = [
            p
            for c in head.children
            if c.dep_ == "prep" and c.lower_ in ("to", "out")
            for p in places_in(c, ctx, ctx.lexicon)
        ]
        return _mention(trigger, head, actor, places=places) if actor.groups else None
    if trigger.lemmas == ("lay", "down"):
        laid = direct_object(head)
        if laid is None or laid.lemma_.lower() not in ctx.lexicon.weapon_nouns:
            return None  # "laid down rules"
    if is_passive(head) and trigger.lemmas != ("fly",):  # "Deh-e-Shu was given up"
        found = _territorial_theme(passive_subject(head), head, ctx)
        if found is None:
            return None
        taken = Trigger(trigger.lemmas, "territory_captured", None, "territory", trigger.pos)
        return _mention(taken, head, ActorRef(), default_actor=True, **found)
    subject = subject_of(head)
    actor = actor_of(subject, spans, ctx.lexicon) if subject is not None else ActorRef()
    if not actor.groups and not actor.pronoun:
        return None
    places = [
        p
        for c in head.children
        if c.dep_ == "prep" and c.lower_ in ("to", "for", "in")
        for p in places_in(c, ctx, ctx.lexicon)
    ]
    return _mention(trigger, head, actor, places=places)


def _release(head, trigger, tokens, spans, ctx) -> Mention | None:
    lex = ctx.lexicon
    obj = (
        direct_object(head)
        if head.pos_ == "VERB"
        else next(iter(prep_objects(head, ("of",))), None)
    )
    if is_passive(head):
        obj = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
    if obj is None or not (
        obj.lemma_.lower() in lex.prisoner_nouns | lex.captive_nouns
        or obj.i in spans
        or actor_of(obj, spans, lex).groups
    ):
        return None  # "released a video", "released funds"
    subject = subject_of(head) if head.pos_ == "VERB" and not is_passive(head) else None
    actor = (
        actor_of(subject, spans, lex)
        if subject is not None
        else _noun_actor(head, spans, lex, exclude=obj)
    )
    return _mention(trigger, head, actor, places=_sentence_places(head, ctx))


def _speech(head, trigger, tokens, spans, ctx) -> Mention | None:
    lex = ctx.lexicon
    if head.pos_ != "VERB":
        return None
    subject = subject_of(head)
    if is_passive(head):
        agent = agent_of(head)
        subject = agent
    speaker = actor_of(subject, spans, lex) if subject is not None else ActorRef()
    if not speaker.groups and not speaker.pronoun:
        return None
    targets = [
        g for t in head.subtree if t.i in spans for g in [spans[t.i]] if g not in speaker.groups
    ]
    mention = _mention(
        trigger,
        head,
        speaker,
        target=targets[0] if targets else None,
        places=_sentence_places(head, ctx),
    )
    mention.extra["denial"] = trigger.lemmas[0] in lex.deny_verbs
    obj = direct_object(head)
    mention.extra["object_ref"] = obj is not None and obj.lower_ in (
        "this",
        "it",
        "that",
        "report",
        "reports",
        "claim",
        "claims",
    )
    mention.extra["object_ref"] |= obj is not None and obj.lemma_.lower() in (
        "report",
        "claim",
        "rumour",
        "rumor",
        "account",
    )
    return mention


def _event(head, trigger, tokens, spans, ctx) -> Mention | None:
    """Attacks, talks, agreements, aid: a verb with its subject, or a noun that reports an
    event (not a mention such as "the anniversary of the attacks")."""
    lex = ctx.lexicon
    lemma = trigger.lemmas[0]
    if head.pos_ == "VERB":
        if trigger.category == "agreement" and not _agreement_verb(head, lemma, lex):
            return None
        if trigger.category == "talks_meeting" and head.dep_ == "acl":
            return None  # "commanders meeting nearby": a description, not talks
        obj = direct_object(head)
        if trigger.category == "attack" and (
            (obj is not None and obj.lemma_.lower() in lex.abstract_nouns)
            or any(p.lemma_.lower() in STATEMENT_NOUNS for p in prep_objects(head, ("in",)))
        ):  # "attacked Western sanctions in a speech": words, not force
            subject = subject_of(head)
            speaker = actor_of(subject, spans, lex) if subject is not None else ActorRef()
            said = Trigger(
                trigger.lemmas, "statement_accusation", "accusation", "speech", trigger.pos
            )
            return _mention(said, head, speaker) if speaker.groups else None
        if is_passive(head):
            agent = agent_of(head)
            actor = actor_of(agent, spans, lex) if agent is not None else ActorRef()
        else:
            subject = subject_of(head)
            actor = actor_of(subject, spans, lex) if subject is not None else ActorRef()
        target = _target(head, spans, lex, actor)
        return _mention(trigger, head, actor, target=target, places=_sentence_places(head, ctx))
    if not _nominal_event(head, lex):
        return None
    if trigger.category == "agreement" and not _agreement_noun(head, lex):
        return None
    if trigger.category == "attack" and head.head.lemma_.lower() in lex.cessation_verbs:
        return None  # "stop attacks on foreign troops": the opposite of one
    actor = _noun_actor(head, spans, lex, exclude=None)
    if not actor.groups and head.head.lemma_.lower() in lex.repelled_words:
        defender = subject_of(head.head)
        defenders = actor_of(defender, spans, lex).groups if defender is not None else []
        if defenders and defenders[0] in ("Afghan forces", "Afghan government"):
            actor = ActorRef(groups=["Taliban"])  # "forces repelled an attack": the enemy's
    definite = any(
        c.dep_ == "det" and c.lower_ in lex.definite_determiners for c in head.children
    ) and not any(
        c.dep_ in ("compound", "poss", "amod", "nmod") and c.i in spans for c in head.children
    )
    mention = _mention(
        trigger,
        head,
        actor,
        target=_target(head, spans, lex, actor),
        places=_sentence_places(head, ctx),
        definite=definite,
    )
    if head.dep_ in ("dobj", "nsubjpass") and head.head.lemma_.lower() == "claim":
        mention.extra["claimed_by"] = _claimer(head.head, spans, lex)
    if head.dep_ == "pobj" and head.head.head.lemma_.lower() == "responsibility":
        verb = head.head.head.head
        mention.extra["claimed_by"] = _claimer(verb, spans, lex)
        mention.actor = ActorRef()
    return mention


def _claimer(verb: Token, spans: dict[int, str], lex: Lexicon) -> ActorRef | None:
    if verb.lemma_.lower() not in ("claim", "take", "accept", "issue"):
        return None
    who = agent_of(verb) if is_passive(verb) else subject_of(verb)
    if who is not None and who.lemma_.lower() in ("statement", "message", "video", "post"):
        issuer = subject_of(who.head) if who.dep_ in ("dobj", "nsubjpass") else None
        who = issuer if issuer is not None else who  # "issued a statement claiming ..."
    if who is None or _negated(verb, lex) or any(c.lower_ == "no" for c in who.children):
        return None
    return actor_of(who, spans, lex)


def _nominal_event(head: Token, lex: Lexicon) -> bool:
    """A noun reports an event as a subject of a verb, an object of a support verb, a
    headline, or inside "in an attack" under an event verb."""
    dep = head.dep_
    if dep == "ROOT":
        return True
    if dep in ("nsubj", "nsubjpass"):
        verb = head.head  # "the attack was the deadliest" mentions; "the attack killed" reports
        return verb.lemma_.lower() != "be" or any(c.dep_ == "acomp" for c in verb.children)
    if dep in ("dobj", "attr", "conj", "appos") and head.head.pos_ in ("VERB", "NOUN"):
        if dep in ("conj", "appos"):
            return _nominal_event(head.head, lex)
        return head.head.lemma_.lower() in lex.support_verbs
    if (
        dep == "pobj"
        and head.head.lower_ == "of"
        and head.head.head.lemma_.lower()
        in ("round", "session", "series", "day", "week", "resumption", "start", "end")
    ):
        return _nominal_event(head.head.head, lex)  # "wrapped up their sixth round of talks"
    if (
        dep == "pobj"
        and head.head.lower_ == "in"
        and head.head.head.lemma_.lower() in ("participate", "part", "take")
    ):
        return True  # "took part in a UN meeting", "participated in the talks"
    if (
        dep == "pobj"
        and head.head.lower_ == "with"
        and head.head.head.lemma_.lower() in ("press", "proceed", "continue", "go", "push")
    ):
        return True  # "pressed on with its withdrawal"
    if dep == "pobj" or (dep == "compound" and head.head.dep_ == "pobj"):
        prep = head.head if dep == "pobj" else head.head.head
        if prep.lower_ == "for" and prep.head.lemma_.lower() == "responsibility":
            return True
        if prep.lower_ in ("to", "on") and prep.head.lemma_.lower() in ("add", "put", "place"):
            return True  # "added two ministers to its sanctions list"
        if prep.lower_ in ("in", "during", "by") and prep.head.pos_ == "VERB":
            return prep.head.lemma_.lower() in OCCURRENCE_VERBS
    return False


def _agreement_verb(head: Token, lemma: str, lex: Lexicon) -> bool:
    """ "signed a deal", "agreed on a ceasefire", "the two sides agreed"; not "agreed to
    withdraw" (an announced withdrawal) nor "signed a letter"."""
    if lemma == "sign":
        obj = direct_object(head)
        return obj is not None and obj.lemma_.lower() in (
            "agreement",
            "deal",
            "accord",
            "pact",
            "ceasefire",
            "truce",
            "treaty",
        )
    if any(c.dep_ == "xcomp" for c in head.children):
        return False
    return not any(c.dep_ == "ccomp" for c in head.children)


def _agreement_noun(head: Token, lex: Lexicon) -> bool:
    verb = head.head
    if verb.lemma_.lower() in lex.reference_verbs:
        return False
    return not any(c.dep_ == "prep" and c.lower_ in ("under",) for c in verb.children)


def _target(head: Token, spans: dict[int, str], lex: Lexicon, actor: ActorRef) -> str | None:
    """The group acted upon: an object, or the object of against / on / at / with."""
    candidates = [c for c in head.children if c.dep_ in ("dobj", "nsubjpass")]
    candidates += prep_objects(head, ("against", "on", "at", "with", "targeting", "of"))
    for token in candidates:
        groups = [g for g in actor_of(token, spans, lex).groups if g not in actor.groups]
        if groups:
            return groups[0]
    return None


def _sentence_places(head: Token, ctx: SentenceContext) -> list[PlaceMatch]:
    """The place of the trigger's own phrase ("a drone strike in Nangarhar"), else the place
    nearest the trigger (districts and towns before provinces)."""
    if not ctx.places:
        return []
    own = (
        places_in(head, ctx, ctx.lexicon)
        if head.pos_ == "NOUN"
        else [
            p
            for c in head.children
            if c.dep_ == "prep" and c.lower_ in ("in", "at", "near", "on")
            for p in places_in(c, ctx, ctx.lexicon)
        ]
    )
    if own:
        return [min(own, key=lambda p: p.kind == "province")]
    at = ctx.base + head.idx

    def rank(place: PlaceMatch) -> tuple[int, int]:
        return (place.kind == "province", min(abs(place.start - at), abs(place.end - at)))

    return [min(ctx.places, key=rank)]


def _attempt(mention: Mention, head: Token, lex: Lexicon) -> None:
    """ "an offensive to overrun X", "attempts to capture X": only tried, an attack."""
    infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in head.children)
    if not infinitive and head.dep_ not in ("xcomp", "acl", "pcomp"):
        return
    window = {t.lemma_.lower() for t in head.doc[max(head.i - 3, 0) : head.i]}
    ancestors = {a.lemma_.lower() for a in list(head.ancestors)[:3]}
    if (window | ancestors) & lex.attempt_words and mention.category == "territory_captured":
        mention.attempted = True
        governor = next(
            (a for a in list(head.ancestors)[:3] if a.lemma_.lower() in lex.attempt_words),
            head.head,
        )
        mention.extra["attempt_realis"] = realis_of(governor, lex)


GAIN_PREPS = ("under", "in", "into", "to")
LOSS_PREPS = ("from", "of")  # "slipped from government control", "out of Taliban hands"


def _control_states(
    doc: Any, spans: dict[int, str], ctx: SentenceContext, used: set[int]
) -> list[Mention]:
    """Control as a state: "came under Taliban control", "back in government hands",
    "slipped out of government hands", "remains under government control" (a denial)."""
    lex = ctx.lexicon
    found = []
    for token in doc:
        if token.lemma_.lower() not in ("control", "hand") or token.dep_ != "pobj":
            continue
        if token.i in used or token.lower_ == "hand" or token.text[0].isupper():
            continue  # "Office of Foreign Assets Control" is a name
        prep = token.head
        if prep.lower_ == "of" and prep.head.lower_ != "out":
            continue  # only "out of X's hands" is a loss
        verb = prep.head
        for _ in range(2):  # "was back in government hands": the prep hangs on "back"
            if verb.pos_ in ("VERB", "AUX") or verb.head == verb:
                break
            verb = verb.head
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        gain = prep.lower_ in GAIN_PREPS
        if not gain and prep.lower_ not in LOSS_PREPS:
            continue
        holder = _controller(token, spans, lex)
        if holder is None:
            continue
        if holder == "Afghan government":
            holder = "Afghan forces"  # "back in government hands": held by its forces
        of_place = next(iter(prep_objects(token, ("of", "over"))), None)
        subject = subject_of(verb)
        theme = of_place if of_place is not None else subject
        found_theme = _territorial_theme(theme, verb, ctx) if theme is not None else None
        if found_theme is None:
            continue
        if of_place is not None and subject is not None:
            subject_groups = actor_of(subject, spans, lex).groups
            holder = subject_groups[0] if subject_groups else holder
        government = holder in ("Afghan forces", "Afghan government")
        back = any(c.lower_ in ("back", "again") for c in verb.children) or (
            verb.lemma_.lower() in ("return", "restore")
        )
        still = verb.lemma_.lower() in lex.government_hold or any(
            c.lower_ in lex.government_hold for c in verb.children
        )
        if not gain:  # lost from the holder's control: the other side has it
            holder = "Taliban" if government else "Afghan forces"
            government = not government
            back = back or holder == "Afghan forces"
        category = "territory_retaken" if back else "territory_captured"
        trigger = Trigger(("control",), category, None, "control", frozenset({"NOUN"}))
        mention = _mention(trigger, token, ActorRef(groups=[holder], token=token), **found_theme)
        mention.realis = realis_of(verb, lex)
        mention.claim, _ = claim_of(verb, spans, lex)
        mention.extra["pluperfect"] = _had(verb)
        # "had been under insurgent control since April": how things stood before
        mention.background = is_background(verb) or (_had(verb) and not back)
        if government and (still or not back):
            mention.extra["holds"] = True
        elif still and verb.lemma_.lower() in ("remain", "stay"):
            continue  # "stayed under Taliban control": nothing changed hands
        mention.sentence = ctx.index
        found.append(mention)
    return found


def _controller(token: Token, spans: dict[int, str], lex: Lexicon) -> str | None:
    """Whose control or hands: "Taliban control", "government hands", "the control of
    the Mujahideen", "their control" is left to nobody."""
    for child in token.children:
        if child.dep_ in ("compound", "amod", "poss", "nmod"):
            if child.i in spans:
                return spans[child.i]
            if child.lemma_.lower() in ("government", "state", "afghan"):
                return "Afghan forces"
    of = next(iter(prep_objects(token, ("of",))), None)
    if of is not None:
        groups = actor_of(of, spans, lex).groups
        if groups:
            return groups[0]
    if any(c.lower_ == "full" for c in token.children):
        return None
    return None


def _reported_accusations(
    doc: Any, spans: dict[int, str], ctx: SentenceContext, used: set[int]
) -> list[Mention]:
    """ "The Taliban said Washington had abandoned the deal": saying that another party
    broke its word is an accusation by the speaker."""
    lex = ctx.lexicon
    found = []
    for token in doc:
        if token.lemma_.lower() not in lex.accusation_verbs or token.i in used:
            continue
        broken = direct_object(token)
        if broken is None or broken.lemma_.lower() not in lex.commitment_nouns:
            continue  # "broke into the bazaar": force, not a broken promise
        accused = subject_of(token)
        accused_groups = actor_of(accused, spans, lex).groups if accused is not None else []
        for clause in governors(token, 6):
            if clause.lemma_.lower() in ("say", "state", "tell", "claim", "add", "write"):
                speaker = actor_of(subject_of(clause), spans, lex) if subject_of(clause) else None
                if speaker is None or not speaker.groups:
                    break
                if accused_groups and accused_groups[0] in speaker.groups:
                    break
                trigger = Trigger(
                    ("accuse",), "statement_accusation", "accusation", "speech", frozenset({"VERB"})
                )
                mention = _mention(
                    trigger, clause, speaker, target=accused_groups[0] if accused_groups else None
                )
                mention.sentence = ctx.index
                found.append(mention)
                break
    return found
