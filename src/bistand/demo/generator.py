"""The demo data plan: households, persons and each month's costs and incomes (pure Python).

Everything here is decided by one seeded ``random.Random``, so the same seed, size and end month give
the same plan, the same personnummer and therefore the same amounts. The plan holds no database rows;
:mod:`bistand.demo.loader` writes it to the database and runs the real calculation month by month.

Persons get only Skatteverket's test personnummer (birth numbers 980–999, correct check digit) from
:func:`bistand.people.personnummer.test_number`, and names from the fixed lists in
:mod:`bistand.demo.names`.

Each household follows a *story* over the months, so that the history shows how assistance changes:

* ``long_term``: no work, on assistance the whole time (sometimes with a low sickness benefit);
* ``to_work``: unemployed, then part-time work (where jobbstimulans shows), then full-time work and
  no more assistance;
* ``benefit_ends``: a-kassa that is too low, then nothing, then a labour-market programme and
  part-time work;
* ``sick_then_work``: sickness benefit, then part-time work;
* ``in_and_out``: short jobs now and then;
* ``new_arrival``: etableringsersättning, then a programme and work.

Amounts are plausible but invented (rents, wages, benefits); only child benefit comes from the
parameter file (``rules/parameters/child_benefit.yaml``). Rents are drawn below the municipality's rent
ceiling (``rules/parameters/local/``), except for about one household in eight whose rent is above it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from bistand.common.months import add_months, age_at, days_in_month, month_range
from bistand.people import personnummer as pnr
from bistand.rules.errors import CalculationInputError
from bistand.rules.parameters import child_benefit, load_parameters

from . import names

# --- the organisation ------------------------------------------------------------------------------

REGION_CODE = "06"
REGION_NAME = "Region Exempel"


@dataclass(frozen=True)
class MunicipalitySpec:
    code: str
    name: str
    postal_code_prefix: str  # the first three digits of the generated postal codes
    postal_town: str
    # How letters name the municipality and its committee, and where it can be reached (demo values; each
    # municipality's administrator keeps its own in the admin).
    official_name: str = ""
    committee_name: str = "Socialnämnden"
    postal_address: str = ""
    phone: str = ""
    email: str = ""


MUNICIPALITIES: tuple[MunicipalitySpec, ...] = (
    MunicipalitySpec("0680", "Jönköping", "553", "Jönköping", official_name="Jönköpings kommun",
                     committee_name="Socialnämnden", postal_address="Socialförvaltningen\n551 89 Jönköping",
                     phone="036-10 50 00", email="socialforvaltningen@jonkoping.se"),
    MunicipalitySpec("0662", "Gislaved", "332", "Gislaved", official_name="Gislaveds kommun",
                     committee_name="Socialnämnden", postal_address="Socialförvaltningen\n332 80 Gislaved",
                     phone="0371-810 00", email="kommun@gislaved.se"),
    MunicipalitySpec("0684", "Sävsjö", "576", "Sävsjö", official_name="Sävsjö kommun",
                     committee_name="Individ- och familjeomsorgsnämnden",
                     postal_address="Individ- och familjeomsorgen\n576 80 Sävsjö",
                     phone="0382-150 00", email="kommun@savsjo.se"),
)
UNITS: tuple[str, ...] = ("Försörjningsstöd", "Arbetsmarknadsenheten")
#: The unit that handles the demo households.
CASE_UNIT = UNITS[0]

#: Municipal roles and the first part of the user name (``handlaggare.0680``).
MUNICIPAL_USERS: tuple[tuple[str, str], ...] = (
    ("caseworker", "handlaggare"),
    ("approver", "attestant"),
    ("manager", "chef"),
    ("admin", "admin"),
)
#: Users of the region as a whole: (role, user name).
REGION_USERS: tuple[tuple[str, str], ...] = (
    ("regional_coordinator", "samordnare.region"),
    ("researcher", "forskare.region"),
)

#: Rents are somewhat lower outside the biggest town (kronor per month, factor in per cent).
RENT_LEVEL = {"0680": 100, "0662": 90, "0684": 88}

# Invented demo figures (kronor per month), not official amounts.
STUDENT_AID = 1250  # studiebidrag for 16–19-year-olds in upper-secondary school, September–June

STORIES: tuple[str, ...] = ("long_term", "to_work", "benefit_ends", "sick_then_work", "in_and_out", "new_arrival")
_STORY_WEIGHTS = (30, 25, 15, 10, 10, 10)

#: One shuffled deck per municipality decides the household types, so that even a small demo has a
#: mix (the first slots of the deck come first).
_TYPE_DECK: tuple[str, ...] = (
    "single", "single_parent", "couple_children", "single", "single_visiting_child", "couple",
    "shared_dwelling", "single", "single_parent", "couple_children", "single", "single_parent",
    "couple_children", "single", "couple", "shared_dwelling", "single", "single_visiting_child",
    "couple_children", "single",
)


# --- the plan --------------------------------------------------------------------------------------


@dataclass
class PersonPlan:
    first_name: str
    last_name: str
    birth_date: dt.date
    personnummer: str  # 12 digits
    protected_identity: bool = False
    street_address: str = ""
    postal_code: str = ""
    postal_town: str = ""


@dataclass
class MemberPlan:
    key: str  # "a1" (applicant), "a2" (partner), "c1"… (children), "o1"… (other adults in the dwelling)
    role: str  # people.HouseholdRole value
    person: PersonPlan
    visiting: str | None = None  # children: "every_other_week" or "weekends" (part-month presence)
    lunch_away_from_home: bool = False  # children in förskola

    def days_present(self, month: dt.date) -> int | None:
        if self.visiting == "every_other_week":
            return days_in_month(month) // 2
        if self.visiting == "weekends":
            return 8
        return None


@dataclass
class MonthPlan:
    month: dt.date
    costs: list[dict[str, Any]]
    incomes: list[dict[str, Any]]  # "member" is a member key


@dataclass
class HouseholdPlan:
    key: str  # "0680-007"
    municipality_code: str
    kind: str
    story: str
    members: list[MemberPlan]
    months: list[MonthPlan] = field(default_factory=list)

    @property
    def applicant(self) -> MemberPlan:
        return self.members[0]

    def by_role(self, *roles: str) -> list[MemberPlan]:
        return [m for m in self.members if m.role in roles]

    @property
    def dwelling_size(self) -> int | None:
        others = self.by_role("other_adult")
        return len(self.members) if others else None


@dataclass
class DemoPlan:
    seed: int
    first_month: dt.date
    last_month: dt.date
    households: list[HouseholdPlan]

    @property
    def months(self) -> list[dt.date]:
        return month_range(self.first_month, self.last_month)

    def persons(self) -> list[PersonPlan]:
        return [m.person for h in self.households for m in h.members]


# --- generation ------------------------------------------------------------------------------------


class _People:
    """Names and unique test personnummer, drawn from the seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, birth_date: dt.date, *, female: bool, last_name: str | None = None) -> PersonPlan:
        rng = self.rng
        first = rng.choice(names.FEMALE_FIRST_NAMES if female else names.MALE_FIRST_NAMES)
        last = last_name or rng.choice(names.LAST_NAMES)
        # The sex digit of a personnummer (the last birth-number digit) is even for women, odd for men.
        indexes = [i for i in range(len(pnr.TEST_BIRTH_NUMBERS)) if (pnr.TEST_BIRTH_NUMBERS[i] % 2 == 0) == female]
        rng.shuffle(indexes)
        for index in indexes:
            number = pnr.test_number(birth_date, index).normalised
            if number not in self.used:
                self.used.add(number)
                return PersonPlan(first, last, birth_date, number)
        # All ten numbers of that date and sex are taken: move the birthday a day.
        return self.person(birth_date + dt.timedelta(days=1), female=female, last_name=last)

    def birth_date(self, age_from: int, age_to: int, on: dt.date) -> dt.date:
        """A birth date for someone aged ``age_from``–``age_to`` on the day ``on``."""
        latest = on.replace(year=on.year - age_from) if not (on.month == 2 and on.day == 29) else dt.date(on.year - age_from, 2, 28)
        earliest = dt.date(latest.year - (age_to - age_from) - 1, latest.month, 1) + dt.timedelta(days=1)
        return earliest + dt.timedelta(days=self.rng.randrange((latest - earliest).days + 1))


def _children(people: _People, rng: random.Random, count: int, first: dt.date, last: dt.date, last_name: str,
              start_key: int = 1, visiting: str | None = None) -> list[MemberPlan]:
    members = []
    for i in range(count):
        # Born before the first month, and at most 19 at the end (still a child the whole history).
        born = people.birth_date(0, 17, last) if i == 0 else people.birth_date(0, 12, last)
        if born >= first:
            born = first - dt.timedelta(days=rng.randrange(30, 300))
        person = people.person(born, female=rng.random() < 0.5, last_name=last_name)
        members.append(MemberPlan(f"c{start_key + i}", "child", person, visiting=visiting))
    for member in members:
        age = age_at(member.person.birth_date, first)
        member.lunch_away_from_home = 1 <= age <= 5 and rng.random() < 0.8
    return members


def _household_members(kind: str, people: _People, rng: random.Random, first: dt.date, last: dt.date) -> list[MemberPlan]:
    female = rng.random() < 0.55
    applicant_born = people.birth_date(20, 62, first)
    if kind in {"single_parent", "couple_children"}:
        applicant_born = people.birth_date(22, 48, first)
    applicant = people.person(applicant_born, female=female)
    members = [MemberPlan("a1", "applicant", applicant)]
    last_name = applicant.last_name
    if kind in {"couple", "couple_children"}:
        partner_born = people.birth_date(max(19, age_at(applicant_born, first) - 6), age_at(applicant_born, first) + 6, first)
        partner = people.person(partner_born, female=not female,
                                last_name=last_name if rng.random() < 0.6 else None)
        members.append(MemberPlan("a2", "partner", partner))
    if kind in {"single_parent", "couple_children"}:
        count = rng.choice((1, 1, 2, 2, 2, 3, 3, 4)) if kind == "couple_children" else rng.choice((1, 1, 2, 2, 3))
        members += _children(people, rng, count, first, last, last_name)
        if rng.random() < 0.25:  # one child lives here every other week
            members += _children(people, rng, 1, first, last, last_name, start_key=count + 1, visiting="every_other_week")
    if kind == "single_visiting_child":
        members += _children(people, rng, rng.choice((1, 1, 2)), first, last, last_name, visiting="weekends")
    if kind == "shared_dwelling":
        for i in range(rng.choice((1, 1, 2))):
            other = people.person(people.birth_date(20, 70, first), female=rng.random() < 0.5)
            members.append(MemberPlan(f"o{i + 1}", "other_adult", other))
    return members


def _phases(story: str, rng: random.Random, months: int) -> list[str]:
    """The applicant's situation month by month: none | akassa | sick | establishment | programme |
    part_time | full_time."""
    def run(*parts: tuple[str, int]) -> list[str]:
        out: list[str] = []
        for state, length in parts:
            out += [state] * length
        return (out + [parts[-1][0]] * months)[:months]

    if story == "long_term":
        return run(("sick" if rng.random() < 0.35 else "none", months))
    if story == "to_work":
        start = "akassa" if rng.random() < 0.4 else "none"
        return run((start, rng.randint(2, 5)), ("none", rng.randint(2, 8)), ("part_time", rng.randint(4, 9)),
                   ("full_time", months))
    if story == "benefit_ends":
        return run(("akassa", rng.randint(3, 8)), ("none", rng.randint(3, 8)), ("programme", rng.randint(3, 6)),
                   ("part_time", months))
    if story == "sick_then_work":
        return run(("sick", rng.randint(6, 14)), ("none", rng.randint(1, 3)), ("part_time", months))
    if story == "in_and_out":
        states: list[str] = []
        while len(states) < months:
            states += ["none"] * rng.randint(2, 5) + ["part_time" if rng.random() < 0.6 else "full_time"] * rng.randint(1, 3)
        return states[:months]
    if story == "new_arrival":
        return run(("establishment", rng.randint(8, 18)), ("programme", rng.randint(2, 4)), ("part_time", months))
    raise ValueError(story)


def _partner_phases(rng: random.Random, months: int) -> list[str]:
    roll = rng.random()
    if roll < 0.5:
        return ["none"] * months
    if roll < 0.75:
        start = rng.randint(4, max(5, months - 4))
        return ["none"] * start + ["part_time"] * (months - start)
    return (["parental" if rng.random() < 0.5 else "sick"] * rng.randint(3, 10) + ["none"] * months)[:months]


@dataclass
class _Amounts:
    """One adult's usual amounts (kronor per month) in each situation."""

    full_time: int
    part_time: int
    akassa: int
    sick: int
    establishment: int
    programme: int
    parental: int

    @classmethod
    def draw(cls, rng: random.Random) -> _Amounts:
        return cls(
            full_time=rng.randrange(19_000, 26_000, 50),
            part_time=rng.randrange(6_000, 12_000, 50),
            akassa=rng.randrange(7_500, 13_000, 50),
            sick=rng.randrange(5_000, 11_000, 50),
            establishment=rng.randrange(6_000, 9_500, 50),
            programme=rng.randrange(4_500, 7_500, 50),
            parental=rng.randrange(5_000, 10_000, 50),
        )


_INCOME_OF = {
    "full_time": "wage",
    "part_time": "wage",
    "akassa": "unemployment_benefit",
    "sick": "sickness_benefit",
    "establishment": "establishment_allowance",
    "programme": "activity_support",
    "parental": "parental_benefit",
}
_ELECTRICITY_SEASON = {1: 160, 2: 150, 3: 125, 4: 100, 5: 80, 6: 65, 7: 60, 8: 65, 9: 80, 10: 100, 11: 130, 12: 155}


def _plan_months(household: HouseholdPlan, rng: random.Random, months: list[dt.date]) -> None:
    adults = household.by_role("applicant", "partner")
    children = household.by_role("child")
    living_here = [c for c in children if c.visiting is None]
    phases = {"a1": _phases(household.story, rng, len(months))}
    if len(adults) == 2:
        phases["a2"] = _partner_phases(rng, len(months))
    amounts = {adult.key: _Amounts.draw(rng) for adult in adults}

    size = len(adults) + len(children)
    level = RENT_LEVEL[household.municipality_code]
    if household.kind == "shared_dwelling":
        rent = rng.randrange(3_000, 4_200, 10)
    else:
        draw = rng.randrange(0, 1_200, 10)
        ceiling = _housing_ceiling(household.municipality_code, months[0], len(adults), len(children))
        if ceiling is None:
            rent = (4_800 + 900 * max(0, size - 1) + draw) * level // 100
        else:
            # 78–93 % of the municipality's ceiling when the history starts, so that the yearly rent
            # increases keep it below the (also rising) ceiling ...
            rent = ceiling * (780 + draw * 150 // 1_200) // 1_000
        if rng.random() < 0.12:  # ... except for about one household in eight: a rent above the ceiling
            rent = rent * 125 // 100
    electricity_base = rng.randrange(180, 420, 5)
    insurance = rng.randrange(110, 230)
    travel = rng.randrange(600, 860, 5)
    fund_fee = rng.randrange(120, 165)
    housing_allowance = rng.randrange(900, 2_800, 10) if living_here and rng.random() < 0.45 else 0
    maintenance = (
        rng.randrange(1_500, 1_900, 10) if household.kind == "single_parent" and living_here and rng.random() < 0.5 else 0
    )
    summer_jobbers = [c for c in living_here if rng.random() < 0.5]

    for index, month in enumerate(months):
        if index and month.month == 1:
            rent = rent * (100 + rng.randint(2, 5)) // 100  # the yearly rent increase
        states = {key: values[index] for key, values in phases.items()}
        working = any(s in {"part_time", "full_time"} for s in states.values())
        costs: list[dict[str, Any]] = [
            {"type": "rent", "amount": rent},
            {"type": "household_electricity", "amount": electricity_base * _ELECTRICITY_SEASON[month.month] // 100},
            {"type": "home_insurance", "amount": insurance},
        ]
        if working:
            costs.append({"type": "work_travel", "amount": travel})
        if working or "akassa" in states.values():
            costs.append({"type": "unemployment_fund_fee", "amount": fund_fee})
        if any(c.lunch_away_from_home and age_at(c.person.birth_date, month) <= 5 for c in living_here):
            costs.append({"type": "childcare_fee", "amount": 450 if working else 160})
        roll = rng.random()
        if roll < 0.06:
            costs.append({"type": "medicine", "amount": rng.randrange(100, 600, 5)})
        elif roll < 0.09:
            costs.append({"type": "medical_care", "amount": rng.choice((200, 300, 400))})
        elif roll < 0.10:
            costs.append({"type": "dental_care_acute", "amount": rng.randrange(900, 3_000, 10)})
        elif roll < 0.105:
            costs.append({"type": "glasses", "amount": rng.randrange(700, 1_500, 10)})

        incomes: list[dict[str, Any]] = []
        for adult in adults:
            state = states.get(adult.key, "none")
            if state == "none":
                continue
            amount = getattr(amounts[adult.key], state)
            if state in {"part_time", "full_time"}:
                amount = amount * rng.randint(92, 108) // 100  # hours vary a little from month to month
            incomes.append({"type": _INCOME_OF[state], "amount": amount, "member": adult.key})
        under_16 = [c for c in living_here if age_at(c.person.birth_date, month) < 16]
        if under_16:
            incomes.append({"type": "child_benefit", "amount": child_benefit(len(under_16), _iso(month)) // 100,
                            "member": "a1"})
        for child in living_here:
            age = age_at(child.person.birth_date, month)
            if 16 <= age <= 19 and month.month not in (7, 8):
                incomes.append({"type": "student_aid", "amount": STUDENT_AID, "member": child.key})
            if child in summer_jobbers and 16 <= age <= 20 and month.month in (6, 7):
                incomes.append({"type": "wage", "amount": rng.randrange(8_000, 16_000, 50), "member": child.key})
        if housing_allowance:
            incomes.append({"type": "housing_allowance", "amount": housing_allowance, "member": "a1"})
        if maintenance:
            incomes.append({"type": "maintenance_support", "amount": maintenance * len(living_here), "member": "a1"})
        household.months.append(MonthPlan(month, costs, incomes))


def _housing_ceiling(code: str, month: dt.date, adults: int, children: int) -> int | None:
    """The municipality's rent ceiling in kronor for the composition in ``month`` (None: none)."""
    try:
        ceiling = load_parameters(_iso(month), code).housing_ceiling(adults, children)
    except CalculationInputError:  # no riksnorm that year: the plain formula is used
        return None
    return None if ceiling is None else ceiling // 100


def _iso(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def generate(*, seed: int, households_per_municipality: int, months: int, last_month: dt.date,
             municipalities: tuple[MunicipalitySpec, ...] = MUNICIPALITIES) -> DemoPlan:
    """The whole demo plan for ``seed`` (see the module docstring)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    last_month = last_month.replace(day=1)
    first_month = add_months(last_month, -(months - 1))
    month_list = month_range(first_month, last_month)
    rng = random.Random(f"bistand-demo:{seed}")
    people = _People(rng)
    households: list[HouseholdPlan] = []
    for municipality in municipalities:
        deck = list(_TYPE_DECK)
        rng.shuffle(deck)
        protected = set(rng.sample(range(households_per_municipality), k=households_per_municipality // 20)) \
            if households_per_municipality >= 20 else ({0} if households_per_municipality >= 3 else set())
        for number in range(households_per_municipality):
            kind = deck[number % len(deck)]
            story = rng.choices(STORIES, weights=_STORY_WEIGHTS)[0]
            members = _household_members(kind, people, rng, first_month, add_months(last_month, 1) - dt.timedelta(days=1))
            if number in protected:
                for member in members:
                    if member.role != "other_adult":
                        member.person.protected_identity = True
            street = f"{rng.choice(names.STREET_NAMES)} {rng.randint(1, 60)}"
            postal_code = f"{municipality.postal_code_prefix}{rng.randint(10, 99)}"
            for member in members:
                member.person.street_address = street
                member.person.postal_code = postal_code
                member.person.postal_town = municipality.postal_town
            household = HouseholdPlan(f"{municipality.code}-{number + 1:03d}", municipality.code, kind, story, members)
            _plan_months(household, rng, month_list)
            households.append(household)
    return DemoPlan(seed=seed, first_month=first_month, last_month=last_month, households=households)
