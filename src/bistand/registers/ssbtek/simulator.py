"""SSBTEK simulator for development, tests and the demo (never for real cases).

What it reports for a person and a month, in this order:

1. **Fixtures** (setting ``BISTAND_SSBTEK_SIMULATOR_FIXTURES``: a dict, or the path of a JSON file,
   ``{personnummer: {"YYYY-MM" or "*": [{"agency", "kind", "amount" (kronor, or null), "payload"}]}}``):
   exactly those facts, for tests that need a particular answer.
2. **The demo data**: the incomes of the person's household in the demo's stored calculation of that
   month (``made_by`` demo) — or, for a month after the demo history, of its newest month at most
   :data:`CARRY_FORWARD_MONTHS` earlier — that belong to the person (the calculation input's
   ``member``), each as a fact of the agency that pays it (:data:`~.base.AGENCY_OF_INCOME`), and for
   an adult Arbetsförmedlingen's registration, derived from the incomes. So the register agrees with
   the demo's calculations and most demo cases match what the household declares.
3. Nothing for anyone else (the registers know of no income).

**Deviating persons**: the facts of a person in ``BISTAND_SSBTEK_SIMULATOR_DEVIATING`` (a list of
personnummer), and of ``BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT`` per cent of the demo persons
(chosen by a hash of personnummer and month, default 5), differ from the demo data: the largest income
is 10–30 % higher, or, for someone without incomes, an undeclared a-kassa payment appears. Every such
fact says ``"simulated_deviation": true`` in its payload. :func:`deviates` tells which persons deviate.

Everything is deterministic: the same person and month give the same answer every time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q

from bistand.common.months import add_months, format_month, last_day
from bistand.common.plugins import register

from .base import AGENCIES, AGENCY_OF_INCOME, KIND_LABELS, REGISTRATION, SsbtekClient, SsbtekFact, SsbtekResponse

NAME = "simulator"
#: How many months after the demo history the simulator still reports the newest demo month's incomes.
CARRY_FORWARD_MONTHS = 3
DEFAULT_DEVIATING_PERCENT = 5
#: A wage at least this high (kronor a month) counts as full-time work: not registered at Arbetsförmedlingen.
FULL_TIME_WAGE_KRONOR = 19_000

_ADULT_ROLES = ("applicant", "partner")
_MEMBER_ROLES = ("applicant", "partner", "child")


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


def _ore(amount: Any) -> int:
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise ValueError(f"amount {amount!r} has more than two decimals")
    return int(value)


def deviating_percent() -> int:
    value = int(getattr(settings, "BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT", DEFAULT_DEVIATING_PERCENT))
    return max(0, min(100, value))


def deviating_persons() -> frozenset[str]:
    return frozenset(str(p).replace("-", "") for p in getattr(settings, "BISTAND_SSBTEK_SIMULATOR_DEVIATING", ()) or ())


def deviates(personnummer: str, period: dt.date, *, from_demo: bool = True) -> bool:
    """True when the simulator's answer for ``personnummer`` and ``period`` deviates from the demo data:
    the person is listed in ``BISTAND_SSBTEK_SIMULATOR_DEVIATING``, or (for persons whose facts come from
    the demo data) falls within ``BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT``."""
    if personnummer in deviating_persons():
        return True
    if not from_demo:
        return False
    return _digest("ssbtek-deviation", personnummer, format_month(period)) % 100 < deviating_percent()


@lru_cache(maxsize=8)
def _fixture_file(path: str, mtime: float) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def fixtures() -> Mapping[str, Any]:
    configured = getattr(settings, "BISTAND_SSBTEK_SIMULATOR_FIXTURES", None)
    if not configured:
        return {}
    if isinstance(configured, Mapping):
        return configured
    path = Path(configured)
    return _fixture_file(str(path), path.stat().st_mtime)


def _fixture_facts(entries: Iterable[Mapping[str, Any]], period: dt.date) -> list[SsbtekFact]:
    facts = []
    for entry in entries:
        amount = entry.get("amount")
        facts.append(
            SsbtekFact(
                agency=entry["agency"],
                kind=entry["kind"],
                amount_ore=None if amount is None else _ore(amount),
                period=period,
                payload={"simulated": True, **dict(entry.get("payload") or {})},
            )
        )
    return facts


def _payment_date(period: dt.date) -> str:
    return period.replace(day=25).isoformat()


def _income_fact(kind: str, amount_ore: int, period: dt.date, source_month: dt.date) -> SsbtekFact:
    agency = AGENCY_OF_INCOME[kind]
    payload: dict[str, Any] = {
        "simulated": True,
        "label": KIND_LABELS.get(kind, kind),
        "agency_name": AGENCIES[agency],
        "payment_date": _payment_date(period),
        "demo_month": format_month(source_month),
    }
    if agency == "skv":
        payload["document"] = "Arbetsgivardeklaration på individnivå"
    return SsbtekFact(agency, kind, amount_ore, period, payload)


def _registration(person, kinds: dict[str, int], period: dt.date) -> SsbtekFact:
    """Arbetsförmedlingen's registration, derived from the person's incomes that month."""
    number = person.personnummer
    if kinds.get("wage", 0) >= FULL_TIME_WAGE_KRONOR * 100:
        payload: dict[str, Any] = {"registered": False, "category": "Inte inskriven (arbetar heltid)"}
    elif "sickness_benefit" in kinds or "activity_compensation" in kinds:
        payload = {"registered": False, "category": "Inte inskriven (sjukskriven)"}
    else:
        if "establishment_allowance" in kinds:
            category = "Etableringsprogrammet"
        elif "activity_support" in kinds:
            category = "I arbetsmarknadspolitiskt program"
        elif "wage" in kinds:
            category = "Deltidsarbetande"
        else:
            category = "Arbetssökande"
        since = add_months(period, -(1 + _digest("af-since", number) % 30))
        payload = {"registered": True, "category": category, "registered_since": since.isoformat(),
                   "scope_percent": 100}
        if "unemployment_benefit" in kinds:
            payload["a_kassa"] = "A-kassan (simulerad)"
    return SsbtekFact("af", REGISTRATION, None, period, {"simulated": True, **payload})


def _deviate(facts: list[SsbtekFact], personnummer: str, period: dt.date) -> list[SsbtekFact]:
    roll = _digest("ssbtek-deviation-size", personnummer, format_month(period))
    incomes = [f for f in facts if f.amount_ore]
    if incomes:
        largest = max(incomes, key=lambda f: (f.amount_ore, f.kind))
        extra = max(50_000, largest.amount_ore * (10 + roll % 21) // 100 // 1000 * 1000)
        changed = SsbtekFact(largest.agency, largest.kind, largest.amount_ore + extra, period,
                             {**largest.payload, "simulated_deviation": True})
        return [changed if f is largest else f for f in facts]
    amount = (2_000 + roll % 3_000) // 10 * 10 * 100
    extra_fact = _income_fact("unemployment_benefit", amount, period, period)
    return [*facts, SsbtekFact(extra_fact.agency, extra_fact.kind, amount, period,
                               {**extra_fact.payload, "simulated_deviation": True})]


@register("ssbtek", NAME)
class SimulatorClient(SsbtekClient):
    """See the module docstring. Clearly a simulator: every fact says ``"simulated": true``."""

    name = NAME
    verbose_name = "SSBTEK-simulator (demodata)"
    is_simulator = True

    def fetch(self, person, period: dt.date) -> SsbtekResponse:
        period = period.replace(day=1)
        found = fixtures().get(person.personnummer)
        if found is not None:
            entries = found.get(format_month(period), found.get("*"))
            if entries is not None:
                facts = _fixture_facts(entries, period)
                if person.personnummer in deviating_persons():
                    facts = _deviate(facts, person.personnummer, period)
                return SsbtekResponse(period, facts, self.name)
        facts, from_demo = self.demo_facts(person, period)
        if deviates(person.personnummer, period, from_demo=from_demo):
            facts = _deviate(facts, person.personnummer, period)
        return SsbtekResponse(period, facts, self.name)

    def fetch_many(self, persons, period: dt.date) -> dict[int, SsbtekResponse]:
        """:meth:`fetch` for many persons, with the demo data read in two queries for all of them (the
        same answers as asking one by one)."""
        period = period.replace(day=1)
        persons = list(persons)
        answers: dict[int, SsbtekResponse] = {}
        rest = []
        for person in persons:
            found = fixtures().get(person.personnummer)
            if found is not None and found.get(format_month(period), found.get("*")) is not None:
                answers[person.pk] = self.fetch(person, period)
            else:
                rest.append(person)
        calculations = demo_calculations_for(rest, period)
        for person in rest:
            facts, from_demo = self.demo_facts(person, period, calculation=calculations.get(person.pk))
            if deviates(person.personnummer, period, from_demo=from_demo):
                facts = _deviate(facts, person.personnummer, period)
            answers[person.pk] = SsbtekResponse(period, facts, self.name)
        return {person.pk: answers[person.pk] for person in persons}

    def demo_facts(self, person, period: dt.date, *, calculation: Any = False) -> tuple[list[SsbtekFact], bool]:
        """The facts the demo data gives for ``person`` in ``period``, and whether there was demo data
        for the person at all. ``calculation``: the demo calculation to read, when already looked up
        (None: there is none)."""
        if calculation is False:
            calculation = demo_calculation_for(person, period)
        if calculation is None:
            return [], False
        member = str(person.pk)
        kinds: dict[str, int] = {}
        for income in calculation.input_data.get("incomes", ()):
            if str(income.get("member")) != member or income.get("type") not in AGENCY_OF_INCOME:
                continue
            kinds[income["type"]] = kinds.get(income["type"], 0) + _ore(income["amount"])
        facts = [_income_fact(kind, amount, period, calculation.month) for kind, amount in kinds.items() if amount]
        adults = {str(a.get("id")) for a in calculation.input_data.get("household", {}).get("adults", ())}
        if member in adults:
            facts.append(_registration(person, kinds, period))
        return facts, True

    def check_config(self) -> list[str]:
        problems = super().check_config()
        percent = getattr(settings, "BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT", DEFAULT_DEVIATING_PERCENT)
        try:
            if not 0 <= int(percent) <= 100:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT ska vara ett heltal från 0 till 100.")
        try:
            fixtures()
        except (OSError, ValueError) as error:
            problems.append(f"BISTAND_SSBTEK_SIMULATOR_FIXTURES kan inte läsas: {error}")
        return problems


def demo_calculation_for(person, period: dt.date):
    """The demo's stored calculation that the simulator reads for ``person`` in ``period`` (see the
    module docstring), or None."""
    from bistand.calculations.models import MadeBy, StoredCalculation
    from bistand.people.models import HouseholdMember

    households = HouseholdMember.objects.filter(
        person_id=person.pk, role__in=_MEMBER_ROLES, valid_from__lte=last_day(period)
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=add_months(period, -CARRY_FORWARD_MONTHS))).values("household_id")
    return (
        StoredCalculation.objects.filter(
            household_id__in=households,
            made_by=MadeBy.DEMO,
            month__lte=period,
            month__gte=add_months(period, -CARRY_FORWARD_MONTHS),
        )
        .only("month", "input_data", "household_id")
        .order_by("-month", "-created_at", "-pk")
        .first()
    )


def demo_calculations_for(persons, period: dt.date) -> dict[int, Any]:
    """person id → :func:`demo_calculation_for` of each of ``persons`` (missing: none), in three
    queries whatever the number of persons."""
    from bistand.calculations.models import MadeBy, StoredCalculation
    from bistand.people.models import HouseholdMember

    ids = [p.pk for p in persons]
    if not ids:
        return {}
    earliest = add_months(period, -CARRY_FORWARD_MONTHS)
    households: dict[int, set[int]] = {}
    for person_id, household_id in (
        HouseholdMember.objects.filter(person_id__in=ids, role__in=_MEMBER_ROLES, valid_from__lte=last_day(period))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=earliest))
        .values_list("person_id", "household_id")
    ):
        households.setdefault(person_id, set()).add(household_id)
    all_households = set().union(*households.values()) if households else set()
    newest: dict[int, tuple] = {}  # household → (month, created_at, pk) of its newest demo calculation
    for pk, household_id, month, created_at in StoredCalculation.objects.filter(
        household_id__in=all_households, made_by=MadeBy.DEMO, month__lte=period, month__gte=earliest
    ).values_list("pk", "household_id", "month", "created_at"):
        key = (month, created_at, pk)
        if household_id not in newest or key > newest[household_id]:
            newest[household_id] = key
    chosen: dict[int, int] = {}
    for person_id, person_households in households.items():
        keys = [newest[h] for h in person_households if h in newest]
        if keys:
            chosen[person_id] = max(keys)[2]
    rows = {c.pk: c for c in StoredCalculation.objects.filter(pk__in=set(chosen.values()))
            .only("month", "input_data", "household_id")}
    return {person_id: rows[pk] for person_id, pk in chosen.items()}


def demo_incomes(person, period: dt.date) -> list[dict[str, Any]]:
    """The person's incomes in the demo data that the simulator reports for ``period``, as contract
    incomes (``{"type", "amount" (kronor as Decimal), "member"}``) without deviations — for building
    demo applications whose declarations match the registers."""
    facts, _ = SimulatorClient().demo_facts(person, period)
    return [
        {"type": f.kind, "amount": Decimal(f.amount_ore) / 100, "member": str(person.pk)}
        for f in facts
        if f.amount_ore is not None
    ]
