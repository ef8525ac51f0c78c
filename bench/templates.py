"""Synthetic news articles for the extraction benchmark.

Every sentence below was written for this benchmark. About one article in ten is
Afghanistan security news (a district falls, an attack, a troop withdrawal, peace
talks) naming real districts and provinces from the project gazetteer; the rest is
world, business and sport news, some of which mentions NATO, Pakistan, the US or the
Afghan cricket team, as real feeds do. Each article has 300-800 words in several
paragraphs and is a pure function of (seed, index).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER_DIR = ROOT / "data" / "gazetteer"
MIN_WORDS = 300
MAX_WORDS = 800

# --------------------------------------------------------------------------- slot values


def _words(text: str) -> list[str]:
    """A word list written as one string."""
    return text.split()


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
AFGHAN_FIRST = _words(
    "Ahmad Abdul Naveed Farid Hamid Rahim Karim Nasir Bilal Jawad Omid Wahid Mirwais "
    "Rahmatullah Hekmatullah Najibullah Sayed Mustafa Qadir Shafiq Fawad Habib Latif "
    "Bashir Daud Khalid Aziz Hafiz Ehsan Fatima Maryam Shabnam Nargis Farzana Laila Roya"
)
AFGHAN_LAST = _words(
    "Ahmadzai Stanikzai Noori Rahimi Karimi Hotak Wardak Sultani Popal Mohmand Safi "
    "Nazari Haidari Jalali Samadi Amiri Sharifi Barakzai Alokozai Hakimi Mansoori"
)
WORLD_FIRST = _words(
    "Maria Jonas Ana Pedro Lucia Kwame Amara Ingrid Tomas Elena Rafael Sofia Daniel "
    "Nadia Henrik Ines Mateo Clara Samuel Yusuf Aiko Priya Oliver Marta Felix Grace"
)
WORLD_LAST = _words(
    "Okafor Lindqvist Moreau Castillo Petrov Andersen Mensah Ferreira Novak Brennan "
    "Tanaka Haddad Kovacs Delgado Whitfield Achterberg Rossi Varga Osei Santos Holm"
)
OUTLETS = [
    "Reuters", "the Associated Press", "AFP", "local television", "Tolo News",
    "Pajhwok news agency", "a local radio station", "reporters",
]  # fmt: skip
AFGHAN_ROLES = [
    "provincial council member", "police spokesman", "district governor",
    "tribal elder", "health official", "security official", "local journalist",
    "shopkeeper", "hospital director", "teacher", "farmer", "former soldier",
]  # fmt: skip
TALIBAN = ["the Taliban", "Taliban fighters", "Taliban militants", "the Taleban"]
GOV_FORCES = [
    "Afghan forces", "Afghan security forces", "the Afghan army", "Afghan commandos",
    "government forces", "Afghan National Army soldiers", "Afghan police",
]  # fmt: skip
BASES = ["Bagram Airfield", "Kandahar Airfield", "Camp Shorab", "Camp Marmal", "Camp Fenty"]
QUOTES_AFGHAN = [
    "We have not seen fighting like this for many years",
    "The people are exhausted and only want peace",
    "Nobody told us anything, we woke up and the soldiers were gone",
    "Our children cannot go to school because of the fighting",
    "Prices in the bazaar have doubled in a week",
    "We are waiting to see what the next days bring",
    "The roads are closed and we cannot take the wounded to hospital",
    "Everyone who could afford it has already left",
    "There is no electricity and the phone network comes and goes",
    "We just want the killing to stop, whoever is in charge",
]
QUOTES_WORLD = [
    "This is a decisive moment and we intend to meet it",
    "We have listened carefully and we will keep listening",
    "The figures speak for themselves",
    "Nobody expected it to happen this quickly",
    "There is still a great deal of work to do",
    "We are confident about the months ahead",
    "It is a good result, but we cannot relax",
    "People deserve clear answers and they deserve them now",
]
COUNTRIES = [
    ("Peru", "Lima"), ("Kenya", "Nairobi"), ("Indonesia", "Jakarta"), ("Portugal", "Lisbon"),
    ("Ghana", "Accra"), ("Chile", "Santiago"), ("Malaysia", "Kuala Lumpur"),
    ("Norway", "Oslo"), ("Senegal", "Dakar"), ("Vietnam", "Hanoi"),
    ("Colombia", "Bogota"), ("Romania", "Bucharest"), ("Ecuador", "Quito"),
    ("Tanzania", "Dodoma"), ("Finland", "Helsinki"), ("Philippines", "Manila"),
]  # fmt: skip
COMPANIES = [
    "Norvex Systems", "Halden Foods", "Brightwater Energy", "Castell Motors",
    "Meridian Retail", "Oakhurst Pharmaceuticals", "Tessaro Bank", "Kestrel Airlines",
    "Lumen Logistics", "Arvida Telecom", "Greystone Mining", "Pelham Insurance",
]  # fmt: skip
NATIONALITIES = [
    "Syrians, Venezuelans and Afghans", "Syrians, Colombians and Turks", "Turks, Syrians and Iraqis",
    "Venezuelans, Syrians and Bangladeshis", "Colombians, Peruvians and Syrians",
    "Turks, Syrians and Georgians", "Syrians, Eritreans and Turks",
]  # fmt: skip
# Round-ups of related stories leave out sentences naming NATO or Afghans, so that
# only the stories themselves (defence, some migration and cricket items) reach the gate.
GATE_WORDS = ("NATO", "Afghan", "Stoltenberg")
CLUBS = [
    "Riverside United", "Northport City", "Ashford Rovers", "Westmere Athletic",
    "Kingsbridge Town", "Harbour Wanderers", "Eastfield Albion", "Redcliffe Rangers",
]  # fmt: skip
CRICKET = [
    "India", "Australia", "England", "Pakistan", "Sri Lanka", "Bangladesh",
    "New Zealand", "South Africa", "West Indies", "Afghanistan", "Ireland", "Zimbabwe",
]  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A real Afghan district with its province and that province's capital."""

    district: str
    province: str
    capital: str
    neighbour: str


@dataclass(frozen=True)
class Article:
    """One generated article; ``topic`` is ``section/subtopic``."""

    id: str
    topic: str
    afghan: bool
    title: str
    text: str
    published: datetime

    @property
    def words(self) -> int:
        return len(self.text.split())


def load_places(directory: Path = GAZETTEER_DIR) -> list[Place]:
    """Non-capital districts of the gazetteer with their province and its capital."""
    with (directory / "afghanistan_provinces.csv").open(encoding="utf-8") as handle:
        provinces = list(csv.DictReader(handle))
    with (directory / "afghanistan_districts.csv").open(encoding="utf-8") as handle:
        districts = list(csv.DictReader(handle))
    capital: dict[str, str] = {}
    for row in provinces:
        common = next(
            (
                d["province_name_common"]
                for d in districts
                if d["province_name"] == row["province_name"]
            ),
            row["province_name"],
        )
        capital[row["province_name"]] = (
            common if row["capital"] == row["province_name"] else row["capital"]
        )
    by_province: dict[str, list[dict[str, str]]] = {}
    for row in districts:
        if row["is_provincial_centre"] != "yes":
            by_province.setdefault(row["province_name"], []).append(row)
    places = []
    for province, rows in by_province.items():
        names = [r["district_name"] for r in rows]
        for i, row in enumerate(rows):
            places.append(
                Place(
                    district=row["district_name"],
                    province=row["province_name_common"],
                    capital=capital.get(province, row["province_name_common"]),
                    neighbour=names[(i + 1) % len(names)],
                )
            )
    return places


class Slots(dict[str, str]):
    """Template values: fixed per article, plus fresh numbers and names per sentence."""

    def __init__(self, rng: random.Random, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rng = rng
        self.fresh: dict[str, Callable[[random.Random], str]] = {
            "n": lambda r: str(r.randint(2, 19)),
            "n2": lambda r: str(r.randint(3, 60)),
            "n3": lambda r: str(r.randint(40, 180)),
            "big": lambda r: f"{r.randint(2, 950):,}",
            "pct": lambda r: str(r.randint(3, 48)),
            "dec": lambda r: f"{r.randint(1, 9)}.{r.randint(0, 9)}",
            "money": lambda r: f"${r.randint(2, 900)} million",
            "day": lambda r: r.choice(WEEKDAYS),
            "ordinal": lambda r: r.choice(ORDINALS),
            "outlet": lambda r: r.choice(OUTLETS),
            "afghan_person": lambda r: f"{r.choice(AFGHAN_FIRST)} {r.choice(AFGHAN_LAST)}",
            "afghan_role": lambda r: r.choice(AFGHAN_ROLES),
            "taliban": lambda r: r.choice(TALIBAN),
            "forces": lambda r: r.choice(GOV_FORCES),
            "person": lambda r: f"{r.choice(WORLD_FIRST)} {r.choice(WORLD_LAST)}",
            "company2": lambda r: r.choice(COMPANIES),
            "quote_af": lambda r: r.choice(QUOTES_AFGHAN),
            "quote": lambda r: r.choice(QUOTES_WORLD),
            "nationalities": lambda r: r.choice(NATIONALITIES),
        }

    def __missing__(self, key: str) -> str:
        make = self.fresh.get(key)
        if make is None:
            raise KeyError(f"template slot {{{key}}} has no value")
        return make(self.rng)


# --------------------------------------------------------------------------- sentence pools
# Each pool is a list of paragraphs' worth of sentences for one subtopic; an article
# takes a headline and lead from its subtopic, then draws further sentences (each used
# at most once) from the subtopic and its section's background until it is long enough.

AF_HEADLINES = {
    "district_fall": [
        "{district} district falls to the Taliban after {days} days of fighting",
        "Taliban overrun district centre in {province}",
        "Fighting spreads in {province} as another district changes hands",
    ],
    "attack": [
        "Bomb kills {killed} in {province} as violence surges",
        "Deadly attack on security convoy in {district}",
        "Airstrikes and clashes across {province} province",
    ],
    "withdrawal": [
        "Foreign troops leave {base} as withdrawal accelerates",
        "US and NATO press ahead with Afghanistan pullout",
        "Afghan army takes over {base} after US departure",
    ],
    "talks": [
        "Afghan peace talks resume in Doha",
        "Taliban and government negotiators meet as violence rises",
        "US envoy pushes for ceasefire in new round of talks",
    ],
}
AF_LEADS = {
    "district_fall": [
        "{district} district in {province} province fell to the Taliban on {day} after {days} days of heavy fighting, local officials said.",
        "Taliban fighters overran the district headquarters in {district} late on {day}, a {afghan_role} in {capital} told {outlet}.",
        "The Taliban captured {district} district of {province} province on {day}, the latest in a string of districts to come under the group's control.",
    ],
    "attack": [
        "A roadside bomb struck a minibus in {district} district of {province} province on {day}, killing {killed} civilians, police said.",
        "A suicide bomber detonated explosives near a security checkpoint on the outskirts of {capital} on {day}, killing {n} members of the security forces.",
        "Clashes between {taliban} and {forces} in {district} district of {province} left at least {n2} people dead on {day}, officials said.",
    ],
    "withdrawal": [
        "The last US troops left {base} on {day}, handing the sprawling base over to the Afghan National Army, officials said.",
        "NATO said on {day} that the withdrawal of its remaining troops from Afghanistan was more than {pct} percent complete.",
        "The United States has pulled out the bulk of its forces from Afghanistan, the Pentagon said on {day}, weeks ahead of the deadline.",
    ],
    "talks": [
        "Negotiators for the Taliban and the Afghan government met in Doha on {day} for the first time in {n} weeks, a spokesman for the Taliban political office said.",
        "US envoy Zalmay Khalilzad held talks with Taliban leaders in Doha on {day} in an effort to revive the stalled peace process.",
        "The Afghan government and the Taliban agreed on {day} to resume talks after a pause of {n} weeks, officials on both sides said.",
    ],
}
AF_BODY = {
    "district_fall": [
        "{afghan_person}, a member of the {province} provincial council, said government forces had withdrawn from the district centre to avoid civilian casualties.",
        "The fall of {district} leaves the Taliban in control of the main road linking {capital} with {neighbour}.",
        "Security forces surrendered the police headquarters and handed over {n} vehicles and a large stock of weapons, two residents said.",
        "The Ministry of Defence did not confirm the fall of the district and said reinforcements had been sent to the area.",
        "A Taliban spokesman, Zabihullah Mujahid, claimed in a statement that the group had captured the district and seized an army base nearby.",
        "The Defence Ministry denied the claim, saying the district had not fallen and that clearance operations were under way.",
        "Residents said shops in the bazaar remained closed on {day} and many families had fled towards {capital}.",
        "At least {n} members of the security forces were killed and {n2} wounded in the fighting, according to a {afghan_role} in the area.",
        "{district} is the {ordinal} district in {province} to come under Taliban control since May.",
        "Local elders negotiated the surrender of {n2} soldiers, who were allowed to go home after handing over their weapons.",
        "The district had been under siege for weeks, with supplies reaching the garrison only by helicopter.",
        "Pictures shared on social media showed fighters raising the Taliban's white flag over the governor's compound.",
        "In neighbouring {neighbour}, {forces} repelled an attempt to overrun the district centre, the provincial police chief said.",
        "The army corps commander said his troops would launch an operation to retake the district within days.",
        "Officials in {capital} said the provincial capital itself was not under immediate threat.",
        "A {afghan_role} said the Taliban had set up checkpoints on the road and were searching vehicles for government employees.",
    ],
    "attack": [
        "No group immediately claimed responsibility for the attack, but officials blamed the Taliban.",
        "The Taliban denied involvement and said its fighters were not active in the area.",
        "The Afghan Air Force carried out airstrikes on Taliban positions in {neighbour}, killing {n2} insurgents, the Ministry of Defence said in a statement.",
        "A US drone strike hit a vehicle in {district} on {day}, a spokesman for US forces in Afghanistan said.",
        "Gunmen on a motorbike shot dead a {afghan_role} in {capital} in what police described as a targeted killing.",
        "Insurgents stopped a bus on the highway between {capital} and {neighbour} and abducted {n} passengers.",
        "Rockets struck a residential area of {capital} early on {day}, wounding {n} people, the provincial governor's office said.",
        "Hospital officials in {capital} said they had received {n2} wounded, several of them in critical condition.",
        "Afghan special forces raided a Taliban prison in {neighbour} and freed {n2} detainees, the National Directorate of Security said.",
        "The Islamic State Khorasan Province claimed responsibility for a separate bombing in {capital} in a statement on its news channel.",
        "UNAMA said civilian casualties rose {pct} percent in the first half of the year compared with the same period last year.",
        "Fighting between {taliban} and {forces} continued through the night in several villages of {district}.",
        "Witnesses said the explosion shattered windows several hundred metres away.",
        "The interior ministry said {n} attackers were killed in the gun battle that followed.",
        "A {afghan_role} said roads in the district had been mined, making it hard for ambulances to reach the wounded.",
        "Violence has surged across Afghanistan since peace talks began in Doha, with civilians bearing the brunt.",
    ],
    "withdrawal": [
        "President Biden announced in April that all American forces would withdraw from Afghanistan by September.",
        "NATO allies agreed to pull out their roughly {n3}00 troops in step with the United States.",
        "Afghan officials said they were not told in advance when the Americans departed from the base overnight.",
        "Under the agreement signed in Doha in February 2020, foreign forces were to leave Afghanistan in exchange for Taliban security guarantees.",
        "General Austin Scott Miller, the commander of NATO's Resolute Support mission, warned that the security situation could deteriorate.",
        "The US deployed additional troops to Kabul airport to secure the evacuation of embassy staff.",
        "Germany and Italy have already completed the withdrawal of their contingents from northern Afghanistan.",
        "Critics warned that the pullout could allow the Taliban to overrun provincial capitals within months.",
        "The Pentagon said it would continue to pay for the Afghan security forces and provide air support from bases in the region.",
        "The Taliban welcomed the departure of foreign forces and urged the government to accept their demands.",
        "Looters entered parts of {base} hours after the last American aircraft took off, a district official said.",
        "The handover of {base} to {forces} marks the end of nearly two decades of foreign presence there.",
        "Afghan commanders said the departure of contractors who maintain their aircraft was a severe blow to the air force.",
        "Several embassies in Kabul began evacuating local staff and advised their citizens to leave the country.",
        "A {afghan_role} in {capital} said residents feared what would follow once the foreign troops had gone.",
    ],
    "talks": [
        "The two sides discussed the agenda for the negotiations, including a possible ceasefire and the future system of government.",
        "The Afghan government demanded a significant reduction in violence before the talks could make progress.",
        "The Taliban accused the government of delaying the release of prisoners promised under the US deal.",
        "Abdullah Abdullah, head of the High Council for National Reconciliation, said the people of Afghanistan wanted a lasting peace.",
        "The talks were suspended last month after the Taliban delegation left Doha for consultations with its leadership.",
        "Diplomats have proposed a conference in Istanbul to accelerate the process, but the Taliban have not yet agreed to attend.",
        "The government has released more than {big} Taliban prisoners since the agreement was signed.",
        "Both sides observed a three-day ceasefire during Eid, the first pause in the fighting in years.",
        "Pakistan, which has influence over the Taliban leadership, urged all sides to show flexibility.",
        "Khalilzad also met President Ashraf Ghani in Kabul to brief him on the latest round of meetings.",
        "Women's rights activists warned that hard-won freedoms must not be traded away in a deal.",
        "Taliban spokesman Mohammad Naeem said the group remained committed to the negotiations.",
        "The United States has threatened to cut aid to Kabul if the parties fail to reach a settlement.",
        "The Taliban rejected a proposal for an interim government, saying it would only accept an Islamic system.",
        "Observers say the two delegations remain far apart on power-sharing.",
    ],
}
AF_BACKGROUND = [
    "The United States invaded Afghanistan in 2001 after the attacks of September 11 and toppled the Taliban government.",
    "Afghanistan has 34 provinces and around 400 districts, many of which have been contested for years.",
    "The Taliban control or contest large parts of the countryside, while the government holds the provincial capitals.",
    "The conflict has killed tens of thousands of civilians over two decades, according to the United Nations.",
    "{province} province has long been one of the most violent parts of the country.",
    "Local journalists say reporting from the area is difficult because the phone network is often cut.",
    "Aid agencies say thousands of families have been displaced by the fighting this year alone.",
    "The Afghan security forces have suffered heavy losses, and desertion is widespread in some units.",
    "Afghanistan's economy depends heavily on foreign aid, which pays for most of the government's budget.",
    "Drought and the coronavirus pandemic have added to the hardship of millions of Afghans.",
    '"{quote_af}," said {afghan_person}, a {afghan_role} in {capital}.',
    '"{quote_af}," a {afghan_role} from {district} said by telephone.',
    "{afghan_person}, who runs a pharmacy in {capital}, said his customers now buy only what they need for a day or two.",
    "The highway between {capital} and Kabul has been closed several times this month.",
    "Officials did not respond to requests for comment on {day}.",
    "Many government employees in {capital} say they have not been paid for two months.",
    "Mobile phone coverage in {district} is switched off at night on the orders of local commanders, residents say.",
    "The provincial hospital in {capital} is the only one in the region with a surgical ward.",
    "Most families in {district} live from farming wheat, melons and poppy.",
    "Fuel prices in {capital} have risen sharply because of disruption on the roads, traders said.",
    "Schools in several districts of {province} have been closed since the spring.",
    "{afghan_person}, a {afghan_role}, said dozens of families had arrived in {capital} with only what they could carry.",
    "The government has repeatedly promised to send more troops to {province}, but residents say few have arrived.",
    "Some displaced families are staying with relatives, while others sleep in mosques and schools.",
    "Casualty figures given by both sides are often exaggerated and are difficult to verify independently.",
]

WORLD_SUBTOPICS = ["election", "disaster", "climate", "migration", "defence", "diplomacy"]
WORLD_HEADLINES = {
    "election": [
        "{country} votes in tight parliamentary election",
        "Polls close in {country} as turnout rises",
    ],
    "disaster": [
        "Floods in {country} force thousands from their homes",
        "Earthquake shakes {country}, damage reported",
    ],
    "climate": [
        "Climate talks in {city} run into overtime",
        "Ministers split over emissions targets in {city}",
    ],
    "migration": [
        "Asylum applications rise across Europe",
        "New rules on migration divide EU governments",
    ],
    "defence": [
        "NATO ministers meet as defence spending rises",
        "Allies debate new air defence plans",
    ],
    "diplomacy": [
        "Washington presses for ceasefire in regional conflict",
        "Foreign ministers gather for security conference",
    ],
}
WORLD_BODY = {
    "election": [
        "Voters in {country} went to the polls on {day} in a parliamentary election that opinion surveys suggest is too close to call.",
        "Turnout stood at {pct} percent by midday, higher than at the same point in the last election, the electoral commission said.",
        "The governing coalition has campaigned on its record of economic growth and new infrastructure.",
        "Opposition leader {person} promised to cut taxes on small businesses and to raise public sector pay.",
        "Queues formed outside polling stations in {city} before they opened at seven in the morning.",
        "International observers said voting had been largely orderly, with a few reports of missing ballot papers.",
        "Preliminary results are expected late on {day}, with a final count due within a week.",
        "Analysts say neither main party is likely to win an outright majority, which would mean weeks of coalition talks.",
        "Young voters have been courted with promises of cheaper housing and better public transport.",
        "The campaign was dominated by the rising cost of living and a row over pension reform.",
    ],
    "disaster": [
        "Heavy rain caused rivers to burst their banks across the north of {country}, forcing more than {big} people from their homes.",
        "Rescue teams used boats to reach villages cut off by the water, the civil protection agency said.",
        "At least {n} people have died and dozens are missing, according to officials in {city}.",
        "The government declared a state of emergency in {n} regions and deployed the army to help with evacuations.",
        "Meteorologists warned that more rain was expected over the weekend.",
        "Aid organisations appealed for clean water, tents and medicine for those sheltering in schools.",
        "Farmers said entire harvests had been lost just weeks before they were due to be gathered.",
        "The prime minister visited the worst-hit town on {day} and promised compensation for families.",
        "Scientists say extreme rainfall events have become more frequent in the region over the past two decades.",
        "Power was cut to about {big} homes, and several bridges were closed pending inspection.",
    ],
    "climate": [
        "Negotiators in {city} worked through the night on {day} to agree on the wording of a final statement.",
        "Small island states called for a firm commitment to phase down coal and to double funding for adaptation.",
        "Several large economies resisted a fixed date for ending fossil fuel subsidies.",
        "The conference president, {person}, said a deal was within reach but warned that time was running out.",
        "Campaigners staged a silent protest outside the venue, holding photographs of flooded towns.",
        "A draft text seen by reporters mentions a new fund for loss and damage but leaves its size open.",
        "Emissions rose by {dec} percent last year, according to a report published at the start of the talks.",
        "Business leaders attending the summit said clear rules would speed up investment in clean energy.",
        "Delegates said the mood had improved after a late-night meeting between the largest emitters.",
        "The agreement must be adopted by consensus of nearly 200 countries.",
    ],
    "migration": [
        "The number of asylum applications lodged in the European Union rose by {pct} percent in the first quarter, the bloc's asylum agency said.",
        "{nationalities} made up the largest groups of applicants.",
        "Interior ministers meeting in Brussels on {day} failed to agree on how to share responsibility for new arrivals.",
        "Charities operating rescue ships in the Mediterranean said they had been prevented from leaving port.",
        "Several governments want faster returns for people whose applications are rejected.",
        "Reception centres on the islands are operating at more than twice their capacity, aid workers said.",
        "A new screening procedure at external borders is due to take effect next year.",
        "Human rights groups warned that the proposals could leave children in detention for months.",
        "Local mayors called for more money to house and integrate new arrivals.",
        "{person}, who works at a shelter in {city}, said volunteers were struggling to keep up.",
    ],
    "defence": [
        "NATO defence ministers met in Brussels on {day} to discuss air defence and ammunition production.",
        "Most allies are now expected to meet the target of spending two percent of economic output on defence.",
        "Secretary General Jens Stoltenberg said the alliance must be ready for a long period of tension in Europe.",
        "Ministers approved new plans to station additional troops on the eastern flank.",
        "Arms makers say orders have outstripped their capacity to produce shells and missiles.",
        "A joint exercise involving {big} troops from {n} countries will take place in the Baltic region next month.",
        "Some governments pushed for a common fund to buy equipment together and cut costs.",
        "Officials said cyber attacks on critical infrastructure were now treated as a priority.",
        "The meeting also discussed support for partners outside the alliance.",
        "Analysts said the spending increases were the largest since the end of the Cold War.",
    ],
    "diplomacy": [
        "Washington urged both sides to agree to a ceasefire and allow humanitarian convoys through, the State Department said.",
        "Foreign ministers from more than {n2} countries gathered in {city} for a two-day security conference.",
        "The White House said the president had spoken by telephone with regional leaders on {day}.",
        "The United Nations warned that food supplies in the besieged areas would run out within weeks.",
        "Diplomats said a draft resolution at the Security Council was unlikely to pass in its current form.",
        "Mediators from Qatar and Egypt shuttled between the delegations throughout the day.",
        "The foreign minister of {country} called for an international conference on reconstruction.",
        "Protesters gathered outside several embassies to demand an end to the bombardment.",
        "Officials said a prisoner exchange could be agreed if the talks make progress.",
        "The envoy, {person}, said there was cautious hope of a breakthrough before the end of the month.",
    ],
}
WORLD_BACKGROUND = [
    '"{quote}," {person} told reporters in {city}.',
    "The government in {city} has faced criticism over its handling of the economy.",
    "Inflation in {country} has fallen from its peak but remains above the central bank's target.",
    "Officials declined to comment on the details, citing the sensitivity of the discussions.",
    "The issue is expected to return to the agenda when leaders meet next month.",
    "Newspapers in {city} devoted their front pages to the story on {day}.",
    "Opinion polls suggest a majority of the public supports the government's approach.",
    "The country's population of about {n2} million is among the youngest in the region.",
    "Critics say the measures came too late and will do little for those most affected.",
    "A spokesperson for the ministry said further details would be announced in the coming days.",
    "The story was updated on {day} with additional comments from officials.",
    "Economists say the coming months will be crucial for the country's recovery.",
    "Television debates on the issue have drawn large audiences in recent weeks.",
    "The opposition has called for a parliamentary inquiry into the matter.",
    "Regional governments have asked for more say in how funds are spent.",
    "The foreign ministry summoned an ambassador over remarks made at the weekend.",
    "{person}, a political scientist at a university in {city}, said the outcome was hard to predict.",
    "Public sector unions have warned of walkouts if their demands are ignored.",
    "The national statistics office will publish new unemployment figures on {day}.",
    "Several ministers are expected to travel abroad next week for related meetings.",
]

BUSINESS_SUBTOPICS = ["earnings", "rates", "oil", "merger"]
BUSINESS_HEADLINES = {
    "earnings": ["{company} profit beats forecasts", "{company} shares slide after weak outlook"],
    "rates": ["Central bank holds rates as inflation cools", "Markets rally on hopes of rate cuts"],
    "oil": ["Oil prices climb as producers extend output cuts", "Crude falls on demand worries"],
    "merger": ["{company} agrees takeover of {company2}", "Regulators to review {company} deal"],
}
BUSINESS_BODY = {
    "earnings": [
        "{company} reported a {pct} percent rise in quarterly profit on {day}, helped by strong demand in its home market.",
        "Revenue reached {money}, slightly above the average forecast of analysts polled by the company.",
        "Chief executive {person} said cost cuts introduced last year were starting to pay off.",
        "The company kept its full-year guidance unchanged, citing uncertainty over consumer spending.",
        "Shares rose {dec} percent in early trading before giving up some of their gains.",
        "Margins were squeezed by higher wages and the cost of raw materials.",
        "The board proposed a higher dividend and a new share buyback programme.",
        "Analysts at several brokers raised their price targets after the results.",
        "Sales in Asia grew faster than expected, while Europe remained flat.",
        "The company said it would open {n} new distribution centres over the next two years.",
        "Unions representing warehouse workers have threatened a strike over pay, which could disrupt deliveries.",
    ],
    "rates": [
        "The central bank left its main interest rate unchanged at {dec} percent on {day}, as most economists had expected.",
        "Policymakers said inflation was falling but that it was too early to declare victory.",
        "Markets priced in at least one rate cut before the end of the year after the decision.",
        "Government bond yields fell and the currency weakened slightly against the dollar.",
        "The bank's governor, {person}, said wage growth was still too strong to be consistent with the target.",
        "Mortgage lenders have already begun to lower some fixed-rate deals.",
        "Consumer confidence improved for the {ordinal} month in a row, a separate survey showed.",
        "Two members of the rate-setting committee voted for an immediate cut.",
        "The bank also published new forecasts showing slower growth next year.",
        "Business groups urged the bank to act quickly to support investment.",
    ],
    "oil": [
        "Brent crude rose {dec} percent to its highest level in {n} weeks on {day}.",
        "Major producers agreed to extend voluntary output cuts until the end of the next quarter.",
        "Traders said inventories in the United States had fallen more than expected.",
        "Demand from Asian refiners has recovered faster than many analysts predicted.",
        "Higher fuel prices could complicate efforts by central banks to bring inflation down.",
        "Shipping costs have risen because of disruption on key trade routes.",
        "Some analysts expect prices to ease later in the year as new supply comes online.",
        "Airlines warned that rising jet fuel costs would feed into ticket prices.",
        "Natural gas prices in Europe were little changed, with storage levels high.",
        "Energy shares led gains on the main stock indexes.",
    ],
    "merger": [
        "{company} agreed to buy {company2} in a deal worth {money}, the companies said on {day}.",
        "The offer represents a premium of {pct} percent to the target's closing share price.",
        "The combined group would have annual sales of about {money} and employ more than {big} people.",
        "Both boards have recommended the deal to shareholders.",
        "Competition regulators are expected to examine the overlap between the two businesses.",
        "The companies said they expected annual cost savings within three years.",
        "Some investors questioned whether the price was too high.",
        "Unions asked for guarantees that jobs would be protected after the merger.",
        "Advisers on the deal include several large investment banks.",
        "The transaction is expected to close in the second half of the year.",
    ],
}
BUSINESS_BACKGROUND = [
    '"{quote}," {person}, an analyst at a broker in {city}, said.',
    "The wider market has been volatile this year amid uncertainty over interest rates.",
    "Shares in the sector have underperformed the broader index over the past twelve months.",
    "The results come at a time of slowing growth in several large economies.",
    "Investors will watch next week's inflation figures closely.",
    "Retail investors have played a growing role in trading since the pandemic.",
    "The company employs about {big} people across {n} countries.",
    "Credit rating agencies have kept their outlook on the sector stable.",
    "Currency movements reduced reported earnings by a small amount.",
    "The figures were published before the market opened on {day}.",
    "Trading volumes were lower than usual because of a holiday in several markets.",
    "Bond investors have become more cautious about companies with high debt levels.",
    "{person}, who manages a fund in {city}, said valuations looked stretched in parts of the market.",
    "The dollar was steady against a basket of major currencies.",
    "Gold prices edged higher as investors sought safer assets.",
    "Corporate borrowing costs have risen since the start of the year.",
    "A survey of purchasing managers pointed to a modest expansion in manufacturing.",
    "Small companies say access to credit has become harder over the past year.",
    "Pension funds have been increasing their holdings of government bonds.",
    "The sector's biggest companies report their results over the next fortnight.",
    "Index providers will rebalance their benchmarks at the end of the month.",
    "Company executives have become more cautious in their comments on hiring.",
]

SPORT_SUBTOPICS = ["football", "tennis", "cricket", "motorsport"]
SPORT_HEADLINES = {
    "football": ["{club} beat {club2} to go top", "Late goal rescues draw for {club}"],
    "tennis": [
        "{person} reaches final after five-set thriller",
        "Top seed knocked out in straight sets",
    ],
    "cricket": ["{team} beat {team2} by {n} wickets", "{team} collapse hands {team2} series win"],
    "motorsport": [
        "Pole position for {person} in wet qualifying",
        "Late safety car shakes up the podium",
    ],
}
SPORT_BODY = {
    "football": [
        "{club} moved to the top of the table with a 2-1 win over {club2} on {day}.",
        "The visitors took the lead after {n2} minutes when their captain headed in a corner.",
        "The home side equalised before half-time through a deflected shot from the edge of the area.",
        "The winner came in the final minute from a substitute who had been on the pitch for only ten minutes.",
        "The manager, {person}, praised his players for their patience and said the title race was far from over.",
        "The referee showed {n} yellow cards in a scrappy second half.",
        "A crowd of {big} watched the match on a cold evening.",
        "{club2} have now won only one of their last {n} league games.",
        "The striker has scored {n} goals in his last {n2} appearances.",
        "Both teams play again in midweek in the cup.",
        "Supporters held a minute's applause in memory of a former player.",
    ],
    "tennis": [
        "{person} reached the final on {day} after winning a match that lasted almost five hours.",
        "The third seed saved two match points in the fourth set before breaking serve late in the decider.",
        "Her opponent struggled with a shoulder injury and needed treatment between sets.",
        "The crowd rose to applaud both players at the end of a match full of long rallies.",
        "The top seed was knocked out in straight sets by a qualifier ranked outside the top hundred.",
        "The winner served {n2} aces and won {pct} percent of points on her first serve.",
        "Rain delayed play on the outside courts for more than two hours.",
        "The final will be played on {day} afternoon.",
        "The defending champion withdrew before the tournament with a wrist problem.",
        "It will be the first final of her career at this level.",
    ],
    "cricket": [
        "{team} beat {team2} by {n} wickets with {n2} balls to spare on {day}.",
        "Batting first, {team2} were bowled out for {n3} in the final over.",
        "The opening bowlers took early wickets before the spinners tightened the grip in the middle overs.",
        "The {team} captain praised his bowling attack and said the team had executed its plans well.",
        "A partnership of {n3} runs for the third wicket settled the chase.",
        "Fielding errors cost {team2} dearly, with three catches dropped.",
        "The man of the match scored an unbeaten century and took two catches.",
        "The series now moves to a new venue for the second match on {day}.",
        "Dew made bowling difficult in the second innings under lights.",
        "Selectors are expected to name the squad for the next tournament this week.",
    ],
    "motorsport": [
        "{person} took pole position in a wet qualifying session on {day}.",
        "The championship leader could only manage sixth after a mistake on his final lap.",
        "A late safety car bunched up the field and allowed the chasing pack to close in.",
        "The team changed strategy in the final stint, switching to slick tyres with ten laps left.",
        "Several drivers complained about visibility in the spray.",
        "Stewards are investigating an incident at the first corner involving two cars.",
        "The result leaves the title race open with {n} rounds remaining.",
        "Engineers said the car's new floor had improved performance in slow corners.",
        "The race was watched by a crowd of {big} despite the weather.",
        "The next round takes place in two weeks.",
    ],
}
SPORT_BACKGROUND = [
    '"{quote}," {person} said afterwards.',
    "Tickets for the next fixture sold out within hours.",
    "The governing body is reviewing its schedule after complaints about player workload.",
    "Broadcasters reported record audiences for the event.",
    "Injuries have disrupted preparations for several teams this season.",
    "The result was the talk of the evening among supporters in {city}.",
    "Coaches said recovery would be a priority before the next round.",
    "Statistics compiled by the organisers show a rise in scoring this season.",
    "The stadium in {city} is undergoing renovation and will hold more spectators next year.",
    "Young players from the academy have been given more chances this season.",
    "Ticket prices have become a source of complaints among supporters' groups.",
    "The league is considering changes to its calendar to reduce travel.",
    "Several clubs are in talks with new sponsors for next season.",
    "The event is being shown live in more than {n2} countries.",
    "Former players working as pundits praised the attacking intent of both sides.",
    "Medical staff said the injured player would have a scan on {day}.",
    "Women's competitions have attracted growing crowds and television audiences.",
    "The organisers said safety measures had been reviewed after last year's event.",
    "Coaches from both camps agreed the conditions had been difficult.",
    "Fans travelled from across the region to watch, many of them arriving by train.",
    "Anti-doping officials carried out tests after the event, as is routine.",
    "The weather forecast for the next round suggests warm and dry conditions.",
]


# --------------------------------------------------------------------------- assembly


def _sentence(template: str, slots: Slots) -> str:
    text = template.format_map(slots)
    return text[0].upper() + text[1:]


def _compose(
    rng: random.Random,
    slots: Slots,
    headline: str,
    lead: str,
    body: list[str],
    background: list[str],
    related: list[str],
) -> tuple[str, str]:
    """Headline and text: lead paragraph, then 2-4 sentence paragraphs to the target size."""
    target = rng.randint(MIN_WORDS + 20, MAX_WORDS - 40)
    pool = [(t, 0) for t in body] + [(t, 1) for t in background] + [(t, 2.5) for t in related]
    rng.shuffle(pool)
    # topical sentences first, background mixed in later and a round-up of related
    # stories of the same section at the end, as in wire copy
    pool.sort(key=lambda item: item[1] + rng.random() * 1.5)
    paragraphs = [[_sentence(lead, slots)]]
    words = len(paragraphs[0][0].split())
    current: list[str] = []
    size = rng.randint(2, 4)
    for template, _ in pool:
        sentence = _sentence(template, slots)
        if words + len(sentence.split()) > MAX_WORDS:
            break
        current.append(sentence)
        words += len(sentence.split())
        if len(current) >= size:
            paragraphs.append(current)
            current, size = [], rng.randint(2, 4)
        if words >= target:
            break
    if current:
        paragraphs.append(current)
    text = "\n\n".join(" ".join(p) for p in paragraphs)
    return _sentence(headline, slots), text


def _published(rng: random.Random) -> datetime:
    start = datetime(2019, 1, 1, tzinfo=UTC)
    return start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))


def afghan_article(rng: random.Random, places: list[Place], subtopic: str) -> tuple[str, str]:
    """An Afghanistan security story of one subtopic, with a real district and province."""
    place = rng.choice(places)
    slots = Slots(
        rng,
        {
            "district": place.district,
            "province": place.province,
            "capital": place.capital,
            "neighbour": place.neighbour,
            "base": rng.choice(BASES),
            "days": str(rng.randint(2, 20)),
            "killed": str(rng.randint(3, 25)),
        },
    )
    return _compose(
        rng,
        slots,
        rng.choice(AF_HEADLINES[subtopic]),
        rng.choice(AF_LEADS[subtopic]),
        AF_BODY[subtopic],
        AF_BACKGROUND,
        [t for other, pool in AF_BODY.items() if other != subtopic for t in pool],
    )


def other_article(rng: random.Random, section: str, subtopic: str) -> tuple[str, str]:
    """A world, business or sport story."""
    country, city = rng.choice(COUNTRIES)
    club, club2 = rng.sample(CLUBS, 2)
    team, team2 = rng.sample(CRICKET, 2)
    slots = Slots(
        rng,
        {
            "country": country,
            "city": city,
            "company": rng.choice(COMPANIES),
            "club": club,
            "club2": club2,
            "team": team,
            "team2": team2,
        },
    )
    headlines, body, background = {
        "world": (WORLD_HEADLINES, WORLD_BODY, WORLD_BACKGROUND),
        "business": (BUSINESS_HEADLINES, BUSINESS_BODY, BUSINESS_BACKGROUND),
        "sport": (SPORT_HEADLINES, SPORT_BODY, SPORT_BACKGROUND),
    }[section]
    sentences = body[subtopic]
    related = [
        t
        for other, pool in body.items()
        if other != subtopic
        for t in pool
        if not any(word in t for word in GATE_WORDS)
    ]
    return _compose(
        rng,
        slots,
        rng.choice(headlines[subtopic]),
        sentences[0],
        sentences[1:],
        background,
        related,
    )


def generate_articles(count: int, seed: int = 1, afghan_share: float = 0.1) -> list[Article]:
    """``count`` articles; ``round(count * afghan_share)`` of them about Afghanistan."""
    rng = random.Random(seed)
    places = load_places()
    afghan_count = round(count * afghan_share)
    afghan_slots = set(rng.sample(range(count), afghan_count))
    subtopics = list(AF_BODY)
    articles = []
    for index in range(count):
        article_rng = random.Random(f"{seed}:{index}")
        if index in afghan_slots:
            subtopic = subtopics[len([i for i in afghan_slots if i < index]) % len(subtopics)]
            title, text = afghan_article(article_rng, places, subtopic)
            topic, afghan = f"afghanistan/{subtopic}", True
        else:
            section = article_rng.choices(["world", "business", "sport"], weights=[45, 30, 25])[0]
            subtopic = article_rng.choice(
                {
                    "world": WORLD_SUBTOPICS,
                    "business": BUSINESS_SUBTOPICS,
                    "sport": SPORT_SUBTOPICS,
                }[section]
            )
            title, text = other_article(article_rng, section, subtopic)
            topic, afghan = f"{section}/{subtopic}", False
        articles.append(
            Article(
                id=f"s{seed}-{index:04d}",
                topic=topic,
                afghan=afghan,
                title=title,
                text=f"{title}\n\n{text}",
                published=_published(article_rng),
            )
        )
    return articles


if __name__ == "__main__":
    for article in generate_articles(8, seed=3, afghan_share=0.5):
        print(f"== {article.id} {article.topic} ({article.words} words)\n{article.text[:600]}\n")
