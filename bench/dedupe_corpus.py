"""Deterministic synthetic news articles for the dedupe benchmark.

Articles look like Afghanistan security/politics wire copy: templated sentences whose
slots are filled from word lists (Zipf-weighted), names, places from the project's
gazetteer and numbers, so almost every word 5-gram is rare. Like real crawled text they
also carry *boilerplate that survives `normalise_text`*: stock news phrases, per-site
footers (WordPress comment notice, copyright, social links) and agency footers. Those
give the shingle index realistic very common hashes. Every article is a pure function
of (seed, namespace, index).
"""

from __future__ import annotations

import csv
import random
import re
import string
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "data" / "gazetteer" / "afghanistan_districts.csv"


def words(text: str) -> list[str]:
    """A word list written as one string."""
    return text.split()


FIRST_NAMES = words(
    "Ahmad Mohammad Abdul Naveed Farid Hamid Rahim Karim Nasir Zabihullah Bilal Jawad Sohail "
    "Omid Wahid Mirwais Rahmatullah Hekmatullah Najibullah Sayed Mustafa Yasin Qadir Shafiq "
    "Fawad Habib Latif Mansoor Bashir Daud Khalid Zalmai Aziz Hafiz Noor Ehsan Fatima Zahra "
    "Maryam Shabnam Nargis Farzana Laila Roya Sima Parwin Malalai Hasina Frishta Nazifa Sadia "
    "Mina Anisa Qudratullah Enayatullah Asadullah Sharifullah Jamshid Tariq Idris Sultan"
)
SYLLABLES = words(
    "ka ra ma sha ba da na za ha ja wa fa ya ta la qa ga pa ni ri di mi zi "
    "li hu nu ru mu zu far mir gul nas sar hak dad wal rah kar zar bad jan"
)
SURNAME_ENDINGS = ["zai", "i", "yar", "khil", "wal", "zada", "ullah", "ani", "dost", "ri"]
SITE_WORDS = [
    "News", "Times", "Post", "Daily", "Herald", "Tribune", "Observer", "Online", "Today",
    "Express", "Voice", "Mirror", "Chronicle", "Gazette", "Wire", "Monitor",
]  # fmt: skip
ROLES = [
    "police spokesman", "provincial governor's spokesman", "district chief", "tribal elder",
    "health official", "security official", "local journalist", "shopkeeper",
    "provincial council member", "hospital director", "UN official", "aid worker",
    "Taliban commander", "border police commander", "teacher", "farmer", "student",
    "mosque imam", "former soldier", "taxi driver", "human rights activist", "analyst",
    "spokesman for the Ministry of Interior", "deputy governor", "intelligence official",
]  # fmt: skip
ORGS = [
    "the Ministry of Interior", "the Ministry of Defence", "UNAMA", "the Taliban administration",
    "the International Committee of the Red Cross", "the World Food Programme",
    "Human Rights Watch", "Amnesty International", "the provincial police",
    "the Islamic State Khorasan Province", "the National Resistance Front",
    "the World Health Organization", "UNICEF", "the Afghan Red Crescent Society",
    "the Ministry of Refugees", "the General Directorate of Intelligence",
    "Doctors Without Borders", "the Norwegian Refugee Council", "the provincial health department",
]  # fmt: skip
VICTIMS = [
    "people", "civilians", "soldiers", "police officers", "fighters", "children", "women",
    "workers", "students", "guards", "passengers", "worshippers", "villagers", "deminers",
    "shopkeepers", "members of the security forces", "refugees", "returnees", "farmers",
]  # fmt: skip
HARM = [
    "killed", "wounded", "injured", "detained", "arrested", "abducted", "released",
    "displaced", "evacuated", "rescued", "killed and wounded", "hurt",
]  # fmt: skip
INCIDENTS = [
    "a roadside bomb exploded", "gunmen opened fire", "a suicide bomber detonated explosives",
    "a rocket struck", "an armed clash broke out", "a magnetic bomb attached to a vehicle went off",
    "unknown assailants attacked", "flash floods swept through", "a landmine exploded",
    "an earthquake struck", "a grenade was thrown", "a fire broke out", "a bus overturned",
    "border guards exchanged fire", "a drone strike hit", "a mortar round landed",
    "armed men stormed", "an explosive device hidden in a cart detonated",
]  # fmt: skip
TARGETS = [
    "a checkpoint", "a mosque", "a market", "a school", "a bus", "a police vehicle",
    "a wedding hall", "a hospital", "a bank", "a madrasa", "a government office",
    "a bakery", "a money exchange", "a shrine", "a border crossing", "a refugee camp",
    "a university", "a power station", "a bridge", "a fuel tanker", "a private clinic",
]  # fmt: skip
ATTACK_NOUNS = ["attack", "blast", "explosion", "incident", "clash", "shooting", "assault", "raid"]
WEEKDAYS = words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = words(
    "January February March April May June July August September October November December"
)
PERIODS = ["days", "weeks", "months", "years"]
FACILITIES = [
    "the provincial hospital", "a military hospital", "an MSF clinic", "the Emergency hospital",
    "a health centre", "a private hospital", "the civil hospital", "the Indira Gandhi hospital",
    "a field hospital", "the Mirwais hospital", "the burns unit", "the trauma centre",
]  # fmt: skip
CONDITIONS = ["critical", "serious", "stable", "unknown"]
COMMODITIES = [
    "flour", "cooking oil", "rice", "fuel", "sugar", "firewood", "gas", "medicine", "wheat",
    "potatoes", "onions", "meat", "coal", "saffron", "dried fruit", "cotton",
]  # fmt: skip
MOVES = ["risen", "fallen", "jumped", "dropped", "climbed", "doubled"]
POLICY_VERBS = [
    "build", "repair", "expand", "close", "reopen", "inspect", "fund", "distribute",
    "register", "review", "suspend", "restore",
]  # fmt: skip
POLICY_OBJECTS = [
    "irrigation canals", "health clinics", "schools for boys", "the main highway",
    "water reservoirs", "food aid", "cash assistance", "land titles", "mobile clinics",
    "power lines", "border markets", "wheat seed", "winter shelters", "checkpoints",
    "religious schools", "customs posts", "mining contracts", "refugee registration centres",
]  # fmt: skip
COMPLAINT_VERBS = [
    "gone without", "been unable to buy", "run out of", "lost", "been forced to sell",
    "received no", "waited months for", "been denied", "struggled to find", "been promised",
    "seen the price double for", "had to borrow money for", "queued for days for",
]  # fmt: skip
NEEDS = [
    "clean water", "food", "heating fuel", "medicine", "shelter", "electricity", "seeds",
    "a doctor", "cash", "teachers", "flour", "livestock", "their harvest", "blankets",
    "winter clothes", "school books", "fertiliser", "diesel", "rent", "firewood", "milk",
    "vaccines", "land", "work permits", "identity cards", "transport", "compensation",
]  # fmt: skip
DEMAND_VERBS = [
    "investigate", "release", "reopen", "increase", "protect", "rebuild", "compensate",
    "restore", "clear", "fund", "punish", "return", "inspect", "explain",
]  # fmt: skip
DEMAND_OBJECTS = [
    "the killings", "the detainees", "girls' schools", "humanitarian aid", "civilians",
    "the damaged homes", "the families", "mobile networks", "unexploded ordnance",
    "the checkpoint", "the clinic", "the road", "the market", "the confiscated land",
    "the bodies", "the water supply", "the border crossing", "the displaced", "the prisoners",
]  # fmt: skip
ADJECTIVES = [
    "latest", "deadliest", "second", "third", "unexpected", "coordinated", "rare",
    "apparent", "suspected", "recent", "brazen", "fresh", "widespread", "sudden",
]  # fmt: skip
SOURCES = [
    "local officials", "hospital sources", "witnesses", "a statement from the police",
    "residents", "a security source", "the provincial information department",
    "a spokesman for the governor", "tribal elders", "aid agencies",
]  # fmt: skip
QUOTE_OPENERS = [
    "We have asked the authorities to", "Nobody has come to", "The government must",
    "Our people cannot", "We are ready to", "The families want the officials to",
    "We will not allow anyone to", "The international community should", "We are trying to",
    "There is no money left to", "Our forces will continue to", "They promised to",
]  # fmt: skip
QUOTE_VERBS = [
    "help us", "rebuild the school", "find those responsible", "feed our children",
    "open the road", "protect the villagers", "send doctors", "pay the salaries",
    "stop the fighting", "return our land", "bring security", "explain what happened",
]  # fmt: skip

STOCK_PHRASES = [
    "No group has so far claimed responsibility for the attack.",
    "Further details were not immediately available.",
    "The Taliban seized power in August 2021 as US-led forces withdrew from the country.",
    "Security officials did not immediately respond to requests for comment.",
    "The Islamic State group has claimed responsibility for similar attacks in the past.",
    "This is a developing story and will be updated as more information becomes available.",
    "The names of the victims have not been released by the authorities.",
    "The Taliban administration has not been formally recognised by any foreign government.",
    "Afghanistan has been hit by a series of deadly blasts in recent months.",
    "Millions of Afghans face acute food insecurity according to the World Food Programme.",
    "The wounded were taken to a nearby hospital for treatment, officials said.",
    "Girls have been barred from secondary schools and universities since the takeover.",
    "The United Nations has repeatedly called on all parties to protect civilians.",
    "An investigation into the incident has been launched, the spokesman added.",
    "Reporters were not allowed to visit the site of the explosion.",
    "The country's economy has been in freefall since international aid was frozen.",
    "Local residents said they heard gunfire for several hours during the night.",
    "Humanitarian agencies say funding shortfalls have forced them to cut food rations.",
    "The death toll is expected to rise as rescue teams search the rubble.",
    "Taliban security forces cordoned off the area after the explosion.",
    "Rights groups have accused the Taliban of extrajudicial killings of former soldiers.",
    "Pakistan has accused the Taliban of sheltering militants who attack its territory.",
    "Hundreds of thousands of Afghans have been deported from Iran and Pakistan this year.",
    "The World Health Organization warned that hospitals were running out of supplies.",
    "Mobile phone networks were cut in the area for several hours, residents said.",
    "It was not immediately clear who was behind the attack.",
    "The provincial governor visited the wounded in hospital on the same day.",
    "Women have also been barred from working for non-governmental organisations.",
    "The blast shattered windows of nearby shops and houses, witnesses said.",
    "Officials said the attackers were killed in a gunfight with security forces.",
]
WORDPRESS_FOOTER = (
    "Your email address will not be published. Required fields are marked *\n"
    "Save my name, email, and website in this browser for the next time I comment."
)
AP_FOOTER = (
    "Copyright {year} The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed without permission."
)
REUTERS_FOOTER = (
    "Reporting by {person} in {city}; Editing by {editor}\n"
    "Our Standards: The Thomson Reuters Trust Principles."
)
FOOTER_STYLES = ("copyright", "wordpress", "social", "newsletter", "none", "tipline")
WRAPPER_NAV = "Home | Afghanistan | World | Business | Sport | Opinion | Video"

Slot = Callable[[random.Random], str]


class Zipf:
    """Pick items with probability proportional to 1 / rank**s."""

    def __init__(self, items: Sequence[str], s: float = 1.0) -> None:
        self.items = list(items)
        total = 0.0
        self.cum: list[float] = []
        for rank in range(1, len(self.items) + 1):
            total += 1.0 / rank**s
            self.cum.append(total)
        self.cum[-1] = float("inf")
        self.total = total

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect(self.cum, rng.random() * self.total)]

    def index(self, rng: random.Random) -> int:
        return bisect(self.cum, rng.random() * self.total)


@dataclass(frozen=True)
class Site:
    name: str
    domain: str
    footer: str


@dataclass(frozen=True)
class Article:
    """One synthetic article; `index` is its position in its namespace."""

    index: int
    url: str
    title: str
    text: str
    published: datetime
    site: str


NOUNS = words(
    "government official province district village road market school hospital clinic border "
    "commander fighter soldier police officer elder council committee ministry court judge "
    "prisoner family child woman student teacher farmer trader driver worker refugee returnee "
    "mosque shrine bridge highway checkpoint convoy vehicle truck car motorcycle house building "
    "wall roof field crop harvest drought flood earthquake storm winter summer spring season "
    "budget salary price currency bank loan debt tax customs export import mine contract project "
    "dam canal well pipeline power grid network phone internet radio newspaper journalist report "
    "investigation inquiry survey census election decree order policy ban restriction permit "
    "passport visa camp shelter tent blanket meal ration aid donor agency charity programme "
    "meeting delegation envoy ambassador embassy neighbour ally rival militant group faction "
    "weapon rifle grenade mortar rocket drone explosive bomb mine attack ambush raid operation "
    "curfew protest strike rally ceremony funeral wedding festival prayer sermon speech statement "
    "interview video photograph message letter complaint petition dispute clash feud ceasefire "
    "agreement talks negotiation deadline schedule plan strategy reform audit budget shortage"
)
VERBS = words(
    "visited inspected reported announced rejected accepted approved blocked opened closed "
    "attacked defended seized captured released arrested detained questioned warned urged "
    "criticised praised welcomed denied confirmed discussed reviewed delayed postponed cancelled "
    "extended reduced increased doubled halved repaired damaged destroyed rebuilt surveyed "
    "mapped funded supplied delivered distributed collected registered recorded counted "
    "estimated measured tested treated vaccinated evacuated relocated deported expelled "
    "recruited trained paid hired dismissed replaced appointed elected nominated summoned "
    "threatened protected guarded patrolled searched raided surrounded entered left crossed "
    "reached blamed accused thanked invited hosted met joined signed ratified suspended "
    "resumed restored banned allowed taxed fined sentenced pardoned freed buried mourned"
)
ADJECTIVES_BIG = words(
    "local provincial national regional rural urban northern southern eastern western central "
    "remote mountainous dusty crowded empty damaged new old former current temporary permanent "
    "armed unarmed civilian military religious tribal ethnic political economic social legal "
    "illegal official unofficial senior junior young elderly poor wealthy hungry sick injured "
    "displaced returning foreign domestic private public small large long short heavy light "
    "early late recent previous annual monthly weekly daily urgent serious minor major key "
    "difficult dangerous peaceful violent fragile stable cold hot dry wet frozen flooded"
)
ADVERBS = words(
    "also later again reportedly allegedly recently quickly slowly openly quietly repeatedly "
    "finally initially eventually briefly formally informally partly largely mostly nearly"
)
PREPOSITIONS = words(
    "in near outside across along around beyond through inside behind towards from"
)
DETERMINERS = words("the a the the their its one another this every")
FILLER_PATTERNS = [
    "{det} {adj} {noun} {verb} {det} {noun} {prep} {district}.",
    "{person} {verb} {det} {adj} {noun} {prep} {det} {noun} of {district}.",
    "{det} {noun} {adv} {verb} {det} {noun} and {det} {adj} {noun} {verb} {det} {noun2}.",
    "In {district}, {det} {noun} {verb} {n} {nouns} {prep} {det} {adj} {noun}.",
    "{adv}, {det} {noun} of {det} {noun2} {verb} {det} {adj} {noun} {when}.",
    "{det} {adj} {nouns} {prep} {district} {verb} {det} {noun} {prep} {det} {adj} {noun2}.",
    "{person} {said} {det} {adj} {noun} had {verb} {det} {noun2} {prep} {city}.",
    "{det} {noun} {verb} {n} {adj} {nouns} and {adv} {verb} {det} {noun2} of {province}.",
]
BODY_TEMPLATES = [
    "{n} {victims} {were} {harm} when {incident} {near} {target} in {place} {when}.",
    "{person_intro} {said} the {attack} {happened} {approx} {clock} {when}.",
    '"{quote}," {person} {told} {site}.',
    "{according}, {n} {victims} {were} {harm} and {n2} {others} {were} {harm}.",
    "{person_intro} {said} {n} {victims} {had_been} {taken} to {facility} in {city}, where {n2} {of_them} {were} in {condition} condition.",
    "{residents_of} {district} {said} they had {complaint} for {n2} {period} and {urged} {org} to {demand}.",
    "{org_cap} {said} it had {arrested} {n} {suspects} {in_connection} the {attack} in {district}.",
    "The {adj_news} {attack} {comes} {n2} {period} after {n} {victims} {were} {harm} in {place}.",
    "{org_cap} {condemned} the {attack} in {district} and {called_on} {authority} to {demand}.",
    "In {a_separate} {attack} in {place}, {n2} {victims} {were} {harm} {when}.",
    "{prices_of} {commodity} in {city} have {moved} by {pct} {percent} since {month}, {person_intro} {told} {site}.",
    "{org_cap} {announced} plans to {policy_verb} {policy_object} in {province} over the {next} {n2} {period}.",
    "{person}, who {lives} in {district}, {said} {his_her} family had {complaint}.",
    "The {facility_short} in {district} has been {closed} since {month} {year}, {source} {said}.",
    "{officials_in} {city} {said} {n} families from {district} had {returned} to {district2} in the {past} {n2} {period}.",
    "{org_cap} {said} {n} {victims} had been {harm} in {province} between {month} and {month2}.",
    '"{quote}. {quote2}," {said} {person}.',
    "{local_sources} {said} the {attackers} {fled} {towards} {district} after the {attack} {near} {target}.",
    "The {adj_news} {attack} in {district} was the {ordinal} in {province} since {month}, {source} {said}.",
    "{person_intro} {said} {org} had {promised} to {demand} in {district} but {nothing_changed}.",
    "A {convoy} carrying {commodity} to {city} was {stopped} {near} {target} in {district} {when}.",
    "{org_cap} {estimated} that {pct} {percent} of {households} in {province} {lacked} {need}.",
]
CONNECTIVES: dict[str, list[str]] = {
    "were": ["were", "had been", "were reportedly", "have been", "were later"],
    "had_been": ["had been", "were", "have been", "had already been"],
    "near": ["near", "outside", "inside", "close to", "next to", "at", "in front of", "behind"],
    "said": ["said", "told reporters", "confirmed", "added", "stated", "told local media",
             "said in a statement", "claimed", "reported", "told AFP", "wrote on X", "noted",
             "explained", "insisted", "alleged", "recalled", "told Tolo News", "told the BBC",
             "said on Monday", "said on Tuesday", "said on Wednesday", "said on Thursday",
             "said on Friday", "said on Saturday", "said on Sunday", "said late on Friday",
             "told Pajhwok", "posted on Facebook", "said by phone", "acknowledged"],
    "told": ["told", "said to", "confirmed to", "spoke to", "told a reporter from"],
    "happened": ["took place", "happened", "occurred", "began", "started", "was carried out"],
    "approx": ["at around", "at about", "shortly before", "shortly after", "just after", "at"],
    "according": ["According to {source}", "{source_cap} said", "Citing {source}, officials said",
                  "{source_cap} reported that"],
    "others": ["others", "more", "people", "of them", "bystanders"],
    "taken": ["taken", "rushed", "transferred", "brought", "flown"],
    "of_them": ["of them", "of the wounded", "of those", "patients"],
    "residents_of": ["Residents of", "People in", "Villagers in", "Families in", "Elders from"],
    "urged": ["urged", "asked", "called on", "demanded that", "appealed to"],
    "arrested": ["arrested", "detained", "identified", "killed", "questioned"],
    "suspects": ["suspects", "people", "men", "members of a cell", "alleged militants"],
    "in_connection": ["in connection with", "over", "linked to", "for their role in", "after"],
    "comes": ["comes", "came", "follows", "occurred", "was reported"],
    "condemned": ["condemned", "denounced", "criticised", "deplored", "expressed concern over"],
    "called_on": ["called on", "urged", "asked", "appealed to"],
    "authority": ["the authorities", "the Taliban", "officials", "the de facto authorities",
                  "local leaders", "the interior ministry"],
    "a_separate": ["a separate", "another", "an unrelated", "a similar", "a second"],
    "prices_of": ["Prices of", "The cost of", "The price of", "Wholesale prices of"],
    "percent": ["percent", "per cent", "%"],
    "announced": ["announced", "unveiled", "approved", "launched", "revealed"],
    "next": ["next", "coming", "following"],
    "lives": ["lives", "works", "owns a shop", "farms", "teaches"],
    "his_her": ["his", "her", "their", "the"],
    "closed": ["closed", "shut", "out of service", "abandoned", "damaged"],
    "officials_in": ["Officials in", "Authorities in", "The refugee department in", "Aid workers in"],
    "returned": ["returned", "fled", "moved", "been relocated", "been deported"],
    "past": ["past", "last", "previous"],
    "local_sources": ["Local sources", "Witnesses", "Police", "A resident", "Security sources"],
    "attackers": ["attackers", "gunmen", "assailants", "militants", "suspects"],
    "fled": ["fled", "escaped", "withdrew", "disappeared", "drove off", "retreated"],
    "towards": ["towards", "into", "in the direction of", "to"],
    "promised": ["promised", "pledged", "agreed", "vowed", "been asked"],
    "nothing_changed": ["nothing had changed", "no one had come", "the work never started",
                        "the money never arrived", "little had been done"],
    "convoy": ["convoy", "truck", "lorry", "caravan", "minibus"],
    "stopped": ["stopped", "attacked", "looted", "held", "searched", "turned back"],
    "estimated": ["estimated", "said", "found", "warned", "reported"],
    "households": ["households", "families", "children", "women", "farmers", "schools"],
    "lacked": ["lacked", "had no", "needed", "could not afford", "were short of"],
    "need": ["clean water", "enough food", "heating fuel", "medicine", "shelter", "electricity",
             "seeds", "a doctor", "cash", "teachers"],
}  # fmt: skip
TITLE_TEMPLATES = [
    "{n} {victims} {harm} in {district} {attack}",
    "{attack_cap} at {target} in {city} leaves {n} dead",
    "{org_cap} warns of {commodity} shortages in {province}",
    "{province}: {n} {victims} {harm} as {incident}",
    "Residents of {district} say they have {complaint}",
    "{org_cap} to {policy_verb} {policy_object} in {province}",
]


class Vocabulary:
    """All word lists and site definitions, built deterministically from the seed."""

    def __init__(self, seed: int, boilerplate: bool = True, template_share: float = 0.4) -> None:
        rng = random.Random(f"{seed}:vocabulary")
        self.boilerplate = boilerplate
        self.template_share = template_share
        districts, provinces = _gazetteer()
        surnames: set[str] = set()
        while len(surnames) < 3000:
            parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))]
            surnames.add("".join(parts).capitalize() + rng.choice(SURNAME_ENDINGS))
        shuffled = sorted(surnames)
        rng.shuffle(shuffled)
        self.first = Zipf(FIRST_NAMES, 0.8)
        self.last = Zipf(shuffled, 0.9)
        self.district = Zipf(districts, 0.5)
        self.province = Zipf(provinces, 0.8)
        self.city = Zipf(["Kabul", "Kandahar", "Herat", "Mazar-i-Sharif", "Jalalabad", "Kunduz",
                          "Ghazni", "Khost", "Lashkar Gah", "Bamiyan", "Faizabad", "Pul-i-Khumri"],
                         1.0)  # fmt: skip
        self.sites = [self._site(k, rng) for k in range(300)]
        self.site_pick = Zipf([s.name for s in self.sites], 0.9)
        self.numbers = Zipf([str(i) for i in range(2, 400)], 0.8)
        attack = Zipf(ATTACK_NOUNS, 0.5)
        role = Zipf(ROLES, 0.4)
        org = Zipf(ORGS, 0.5)
        complaint_verb = Zipf(COMPLAINT_VERBS, 0.4)
        need = Zipf(NEEDS, 0.4)
        demand_verb = Zipf(DEMAND_VERBS, 0.4)
        demand_object = Zipf(DEMAND_OBJECTS, 0.4)

        def complaint(r: random.Random) -> str:
            return f"{complaint_verb(r)} {need(r)}"

        def demand(r: random.Random) -> str:
            return f"{demand_verb(r)} {demand_object(r)}"

        self.slots: dict[str, Slot] = {
            "n": self.numbers,
            "n2": self.numbers,
            "pct": Zipf([str(i) for i in range(2, 100)], 0.6),
            "victims": Zipf(VICTIMS, 0.5),
            "harm": Zipf(HARM, 0.6),
            "incident": Zipf(INCIDENTS, 0.4),
            "target": Zipf(TARGETS, 0.4),
            "attack": attack,
            "attack_cap": lambda r: _cap(attack(r)),
            "district": self.district,
            "district2": self.district,
            "province": self.province,
            "city": self.city,
            "person": self.person,
            "role": role,
            "role_cap": lambda r: _cap(role(r)),
            "org_cap": lambda r: _cap(org(r)),
            "org": org,
            "source": Zipf(SOURCES, 0.5),
            "facility": Zipf(FACILITIES, 0.4),
            "facility_short": Zipf(["clinic", "school", "market", "bridge", "road", "bakery"]),
            "condition": Zipf(CONDITIONS, 1.0),
            "complaint": complaint,
            "complaint_now": lambda r: f"had {complaint_verb(r)} {need(r)}",
            "demand": demand,
            "commodity": Zipf(COMMODITIES, 0.5),
            "moved": Zipf(MOVES, 0.8),
            "policy_verb": Zipf(POLICY_VERBS, 0.4),
            "policy_object": Zipf(POLICY_OBJECTS, 0.4),
            "adj_news": Zipf(ADJECTIVES, 0.4),
            "period": Zipf(PERIODS, 0.9),
            "ordinal": Zipf(
                ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "latest"], 0.5
            ),
            "month": Zipf(MONTHS, 0.2),
            "month2": Zipf(MONTHS, 0.2),
            "year": Zipf([str(y) for y in range(2025, 2015, -1)], 0.8),
            "when": self.when,
            "place": self.place,
            "person_intro": self.person_intro,
            "source_cap": lambda r: _cap(self.slots["source"](r)),
            "clock": lambda r: (
                f"{r.randint(1, 12)}:{r.choice(['00', '15', '30', '45'])} {r.choice(['am', 'pm'])}"
            ),
            "quote": self.quote,
            "quote2": self.quote,
        }
        for name, options in CONNECTIVES.items():
            self.slots[name] = self._connective(options)
        self.body = [_parse(t) for t in BODY_TEMPLATES]
        self.filler = [_parse(t) for t in FILLER_PATTERNS]
        noun = Zipf(NOUNS, 0.6)
        self.slots |= {
            "noun": noun,
            "noun2": noun,
            "nouns": lambda r: noun(r) + "s",
            "verb": Zipf(VERBS, 0.6),
            "adj": Zipf(ADJECTIVES_BIG, 0.6),
            "adv": Zipf(ADVERBS, 0.6),
            "prep": Zipf(PREPOSITIONS, 0.8),
            "det": Zipf(DETERMINERS, 0.8),
        }
        self.titles = [_parse(t) for t in TITLE_TEMPLATES]
        self.stock_p = [0.12 / (rank + 1) ** 0.7 for rank in range(len(STOCK_PHRASES))]

    def _site(self, k: int, rng: random.Random) -> Site:
        word = "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        name = f"{word} {SITE_WORDS[k % len(SITE_WORDS)]}"
        domain = f"{name.lower().replace(' ', '')}{k}.example"
        style = FOOTER_STYLES[k % len(FOOTER_STYLES)]
        footer = {
            "copyright": f"© {{year}} {name}. All rights reserved.",
            "wordpress": WORDPRESS_FOOTER,
            "social": f"Follow {name} on Facebook, X and Telegram for the latest news from Afghanistan.",
            "newsletter": f"Get the latest headlines from {name} delivered to your inbox every morning.",
            "tipline": f"Have a news tip? Contact the {name} newsroom on WhatsApp.",
            "none": "",
        }[style]
        return Site(name, domain, footer)

    def _connective(self, options: list[str]) -> Slot:
        pick = Zipf(options, 0.5)
        parsed = [_parse(o) for o in options]
        templated = {o: p for o, p in zip(options, parsed, strict=True) if len(p) > 1 or p[0][1]}
        if not templated:
            return pick

        def slot(rng: random.Random) -> str:
            chosen = pick(rng)
            return self.fill(templated[chosen], rng, {}) if chosen in templated else chosen

        return slot

    def place(self, rng: random.Random) -> str:
        district, province = self.district(rng), self.province(rng)
        return rng.choice(
            [f"{district} district of {province} province", f"{district} district",
             f"{province}'s {district} district", f"the {district} area of {province}",
             f"{district}, {province}", f"{province} province"]
        )  # fmt: skip

    def person_intro(self, rng: random.Random) -> str:
        person, role = self.person(rng), self.slots["role"](rng)
        return rng.choice(
            [f"{person}, a {role} in {self.district(rng)},", f"{_cap(role)} {person}",
             f"{person}, {role},", f"{person}, the {role},", f"a {role} from {self.district(rng)}, {person},"]
        )  # fmt: skip

    def person(self, rng: random.Random) -> str:
        return f"{self.first(rng)} {self.last(rng)}"

    def when(self, rng: random.Random) -> str:
        day = rng.choice(WEEKDAYS)
        return rng.choice(
            [f"on {day}", f"late on {day}", f"early on {day} morning", f"on {day} evening",
             "last week", f"on {rng.choice(MONTHS)} {rng.randint(1, 28)}", "overnight"]
        )  # fmt: skip

    def quote(self, rng: random.Random) -> str:
        opener, verb = rng.choice(QUOTE_OPENERS), rng.choice(QUOTE_VERBS)
        tail = self.fill(rng.choice(self.filler), rng, {}).rstrip(".")
        return f"{opener} {verb} in {self.district(rng)} as {tail[0].lower()}{tail[1:]}"

    def fill(
        self, template: list[tuple[str, str | None]], rng: random.Random, extra: dict[str, str]
    ) -> str:
        out: list[str] = []
        for literal, slot in template:
            out.append(literal)
            if slot is not None:
                out.append(extra[slot] if slot in extra else self.slots[slot](rng))
        return "".join(out)

    def headline(self, rng: random.Random, extra: dict[str, str]) -> str:
        text = self.fill(rng.choice(self.titles), rng, extra)
        return text[0].upper() + text[1:]

    def paragraphs(self, rng: random.Random, words: int, extra: dict[str, str]) -> list[str]:
        """Body paragraphs of about `words` words, with stock phrases mixed in."""
        sentences: list[str] = []
        count = 0
        stock = (
            [
                p
                for p, chance in zip(STOCK_PHRASES, self.stock_p, strict=True)
                if rng.random() < chance
            ]
            if self.boilerplate
            else []
        )
        order = list(range(len(self.body)))
        rng.shuffle(order)
        while count < words:
            if order and rng.random() < self.template_share:
                template = self.body[order.pop()]
            else:
                template = rng.choice(self.filler)
            sentence = self.fill(template, rng, extra)
            sentence = sentence[0].upper() + sentence[1:]
            sentences.append(sentence)
            count += sentence.count(" ") + 1
        for phrase in stock:
            sentences.insert(rng.randint(1, len(sentences)), phrase)
        paras: list[str] = []
        i = 0
        while i < len(sentences):
            step = rng.randint(1, 3)
            paras.append(" ".join(sentences[i : i + step]))
            i += step
        return paras


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _parse(template: str) -> list[tuple[str, str | None]]:
    return [(literal, field) for literal, field, _, _ in string.Formatter().parse(template)]


def _gazetteer() -> tuple[list[str], list[str]]:
    with GAZETTEER.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    districts = sorted({row["district_name"] for row in rows})
    provinces = sorted({row["province_name"] for row in rows})
    return districts, provinces


def make_article(vocab: Vocabulary, seed: int, namespace: str, index: int) -> Article:
    """The article `index` of `namespace`: 300-900 words, dateline, body, footers."""
    rng = random.Random(f"{seed}:{namespace}:{index}")
    site = vocab.sites[vocab.site_pick.index(rng)]
    published = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(7 * 365 * 86400))
    extra = {"site": site.name, "city": vocab.city(rng), "province": vocab.province(rng)}
    title = vocab.headline(rng, extra)
    paras = vocab.paragraphs(rng, rng.randint(300, 900) - 20, extra)
    dateline = (
        f"{extra['city'].upper()}, {MONTHS[published.month - 1]} {published.day} ({site.name}) - "
    )
    lines = [title, dateline + paras[0], *paras[1:]]
    if vocab.boilerplate:
        if site.footer:
            lines.append(site.footer.format(year=published.year))
        agency = rng.random()
        if agency < 0.05:
            lines.append(AP_FOOTER.format(year=published.year))
        elif agency < 0.09:
            lines.append(
                REUTERS_FOOTER.format(
                    person=vocab.person(rng), city=vocab.city(rng), editor=vocab.person(rng)
                )
            )
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8])
    url = f"https://{site.domain}/{published:%Y/%m}/{slug}-{namespace}{index}"
    return Article(index, url, title, "\n\n".join(lines), published, site.name)


def truncated_copy(text: str, share: float = 0.4) -> str:
    """The first `share` of the words of a text, cut at a word boundary."""
    tokens = list(re.finditer(r"\S+", text))
    keep = max(1, round(len(tokens) * share))
    return text[: tokens[keep - 1].end()]


def wrapped_copy(vocab: Vocabulary, text: str, rng: random.Random) -> str:
    """A text embedded in another site's page furniture and unrelated teasers."""
    site = vocab.sites[vocab.site_pick.index(rng)]
    extra = {"site": site.name}
    header = [
        site.name,
        WRAPPER_NAV,
        "Breaking: " + vocab.headline(rng, extra),
        "Trending: " + "; ".join(vocab.headline(rng, extra) for _ in range(3)),
    ]
    related = ["Related stories", *(vocab.headline(rng, extra) for _ in range(4))]
    teaser = vocab.paragraphs(rng, rng.randint(40, 120), extra)
    footer = [site.footer.format(year=2024)] if vocab.boilerplate and site.footer else []
    return "\n\n".join([*header, text, *related, *teaser, *footer])
