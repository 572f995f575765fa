"""Demo applications, decisions and payments, so that a fresh demo has real work for the monthly run.

For the last month of the demo history (M, normally the current month) and the month before (P):

* **Each demo municipality** gets the committee's delegation to the automated decision function (on,
  in force from the first day of P, a committee reference such as "Socialnämnden 2026-09-12 § 14", the
  default criteria, and the municipality's local parameter file accepted — the demo's rent ceilings are
  marked estimated, so without that every case with rent would go to a case worker) and its bank account
  for payments (a debtor account). In Sävsjö the delegation also approves the payments of automated
  decisions; elsewhere the approver (attestant) does.
* **P** — every household with försörjningsstöd in P applied and was decided by the municipality's case
  worker (``decisions.services.issue_decision`` on the demo's calculation of P); the payments were
  scheduled, approved by the approver and exported in P's bank file, so "Mitt ärende" shows them paid.
* **M** — every household with försörjningsstöd in M has a *submitted* application: a recurring
  application (återansökan) that repeats P's declaration with M's costs and incomes (the incomes the
  registers report, so that most match), or a first application for a household that had no
  assistance in P. Most are standard and the monthly run decides them; some deviate on purpose, one of
  each kind per municipality (see :data:`DEVIATIONS`), and some deviate by themselves: a rent above the
  ceiling (delavslag), a big change in the month's income, or the SSBTEK simulator's deviating persons.

Everything is deterministic for the demo's seed and months (dates are fixed from the months; only the
audit times are the real time). :func:`load_applications` writes nothing when the municipality already
has the demo's applications of P or M.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from bistand.applications.models import Application, ApplicationKind, ApplicationStatus
from bistand.applications.services import request_completion
from bistand.calculations.models import MadeBy, StoredCalculation
from bistand.common.months import add_months, age_at
from bistand.decisions.models import DecisionKind, DecisionType, Delegation, PersonDelegation
from bistand.decisions.proposals import propose
from bistand.decisions.selectors import kinds_for, may_decide_all
from bistand.decisions.services import decide_proposal, issue_decision, submit_for_decision
from bistand.payments.accounts import iban_checksum_valid, mod11_valid
from bistand.payments.models import DebtorAccount
from bistand.payments.services import approve, export_payments, schedule_payment

from . import generator

#: The deviations planted among M's standard recurring applications, in order: (code, what is done, in
#: short for the summary of ``bistand demo``).
DEVIATIONS: tuple[tuple[str, str], ...] = (
    ("household_changed", "ändrat boende"),
    ("register_income_mismatch", "inkomst som inte stämmer med registren"),
    ("open_completion_request", "obesvarad komplettering"),
    ("amount_jump", "stor ändring av beloppet"),
    ("needs_caseworker", "frågor som sökanden inte kunde svara på"),
    ("new_application", "ny ansökan"),
)
DEVIATION_LABELS = dict(DEVIATIONS)

#: The committee's decision about the delegation: (day of the month, section) per municipality.
COMMITTEE = {"0680": (12, 14), "0662": (19, 22), "0684": (5, 9)}
#: Municipalities whose delegation also approves the payments of automated decisions.
DELEGATION_APPROVES_PAYMENTS = {"0684"}
DEBTOR_BIC = "ESSESESS"
CONDITIONS = ("Du ska stå till arbetsmarknadens förfogande och följa den planering du har gjort tillsammans "
              "med din handläggare.")


@dataclass
class ApplicationsSummary:
    previous_decided: int = 0
    submitted: int = 0
    deviations: dict[str, list[str]] = field(default_factory=dict)  # kind → household keys


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


def bank_account_for(personnummer: str) -> tuple[str, str]:
    """A valid SEB account (clearing, number) made from the personnummer (type 1, modulus 11)."""
    seed = _digest("demo-account", personnummer)
    clearing = str(5000 + seed % 1000)
    base = seed // 1000
    for attempt in range(20):
        stem = f"{(base + attempt) % 1_000_000:06d}"
        for last in "0123456789":
            if mod11_valid(clearing[1:] + stem + last):
                return clearing, stem + last
    raise AssertionError("no valid account found")  # pragma: no cover


def debtor_iban(code: str) -> str:
    """A valid Swedish IBAN for the municipality's own account (SEB, made from the kommunkod)."""
    bban = "5000" + f"{_digest('demo-debtor', code) % 10**16:016d}"
    for check in range(2, 99):
        iban = f"SE{check:02d}{bban}"
        if iban_checksum_valid(iban):
            return iban
    raise AssertionError("unreachable")  # pragma: no cover


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo(settings.TIME_ZONE)) + dt.timedelta(minutes=minute)


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


# --- the organisation's side -------------------------------------------------------------------------


def ensure_delegation(municipality, previous_month: dt.date) -> Delegation:
    """The demo municipality's delegation (created or brought up to date)."""
    today = timezone.localdate()
    effective = min(previous_month, today.replace(day=1))
    day, section = COMMITTEE.get(municipality.code, (12, 14))
    decided_on = add_months(effective, -1).replace(day=day)
    values = {
        "active": True,
        "committee_reference": f"{municipality.committee_name} {decided_on:%Y-%m-%d} § {section}",
        "criteria": {
            "no_estimated_parameter": {"accepted_files": [f"local/{municipality.code}.yaml"]},
            # Part-time wages vary from month to month: the committee allows 2 000 kr or 15 %.
            "amount_close_to_last_month": {"max_difference_ore": 200_000, "max_difference_percent": 15},
        },
        "conditions_text": CONDITIONS,
        "approves_payments": municipality.code in DELEGATION_APPROVES_PAYMENTS,
        # The committee's daily limit for automatic approval: 500 000 kr (above it a person approves).
        "payment_daily_limit_ore": 50_000_000 if municipality.code in DELEGATION_APPROVES_PAYMENTS else None,
    }
    delegation, created = Delegation.objects.get_or_create(
        municipality=municipality, decision_type=DecisionType.MONTHLY_ASSISTANCE, effective_from=effective,
        defaults=values,
    )
    if not created:
        changed = [name for name, value in values.items() if getattr(delegation, name) != value]
        for name in changed:
            setattr(delegation, name, values[name])
        if changed:
            delegation.save()
    return delegation


#: The demo's delegationsordning for people: case workers (handläggare) decide up to this many kronor per
#: decision; the 1:e socialsekreterare (attestant) and the unit manager decide every amount. Above the
#: ceiling the case worker presents the decision (föredragande) and one of them decides (in the demo's
#: history the manager, so that the attestant can approve the payment).
CASEWORKER_CEILING_KRONOR = 15_000


def ensure_person_delegations(municipality, previous_month: dt.date) -> list[PersonDelegation]:
    """The demo municipality's delegationsordning for people (created once; kept as it is afterwards)."""
    existing = list(PersonDelegation.objects.filter(municipality=municipality))
    if existing:
        return existing
    effective = min(previous_month, timezone.localdate().replace(day=1))
    day, section = COMMITTEE.get(municipality.code, (12, 14))
    decided_on = add_months(effective, -1).replace(day=day)
    reference = f"{municipality.committee_name} {decided_on:%Y-%m-%d} § {section + 1}"
    rows = []
    for kind in DecisionKind.values:
        for role, ceiling in (("caseworker", CASEWORKER_CEILING_KRONOR), ("approver", None), ("manager", None)):
            rows.append(PersonDelegation(
                municipality=municipality, role=role, decision_kind=kind,
                max_amount_kronor=ceiling if kind not in (DecisionKind.REFUSAL, DecisionKind.DISMISSAL) else None,
                valid_from=effective, reference=reference, decided_on=decided_on))
    return PersonDelegation.objects.bulk_create(rows)


def ensure_debtor_account(municipality) -> DebtorAccount:
    from bistand.decisions.letters import municipality_name

    account, _ = DebtorAccount.objects.get_or_create(
        municipality=municipality,
        defaults={"name": municipality_name(municipality), "iban": debtor_iban(municipality.code), "bic": DEBTOR_BIC},
    )
    return account


# --- declarations ------------------------------------------------------------------------------------


_MEMBER_KEYS = {"a1": "applicant", "a2": "partner"}
_SOURCE = {"source": "applicant"}


def declaration_for(household: generator.HouseholdPlan, month_plan: generator.MonthPlan, persons: dict) -> dict:
    """A version-1 declaration of ``household`` for the month of ``month_plan`` (its costs and incomes
    as the demo plan has them; amounts in öre)."""
    month = month_plan.month

    def fact(member) -> dict:
        person = persons[member.person.personnummer]
        return {"person_id": person.pk, "personnummer": person.personnummer, "first_name": person.first_name,
                "last_name": person.last_name}

    applicant = household.applicant
    partner = next(iter(household.by_role("partner")), None)
    children = household.by_role("child")
    others = household.by_role("other_adult")
    size = len(household.members)
    rooms = max(1, min(5, size - len(others) + (0 if len(household.members) > 1 else 1)))
    clearing, account = bank_account_for(applicant.person.personnummer)
    # Each adult is registered with Arbetsförmedlingen unless an income of theirs gives a plausible reason.
    income_types: dict[str, set[str]] = {}
    for income in month_plan.incomes:
        income_types.setdefault(_MEMBER_KEYS.get(income["member"], income["member"]), set()).add(income["type"])

    def labour_market(key: str) -> dict:
        types = income_types.get(key, set())
        for income_type, reason in _AF_REASON_BY_INCOME:
            if income_type in types:
                return {"registered": False, "reason": reason, "reason_text": ""}
        return {"registered": True, "reason": "", "reason_text": ""}

    return {
        "version": 1,
        "members": {
            "applicant": {**fact(applicant), "labour_market": labour_market("applicant")},
            "partner": {**fact(partner), "labour_market": labour_market("partner"), **_SOURCE} if partner else None,
            "children": [
                {"key": child.key, **fact(child), "days_present": child.days_present(month),
                 "lunch_away_from_home": child.lunch_away_from_home,
                 # the demo's young people of 16–19 are in upper-secondary school (they have studiebidrag)
                 "in_upper_secondary_school": True if age_at(child.person.birth_date, month) >= 18 else None,
                 **_SOURCE}
                for child in children
            ],
            "other_adults_in_dwelling": len(others),
        },
        "housing": {"kind": "rental", "rooms": rooms, "persons_in_dwelling": size, **_SOURCE},
        "costs": [{"type": c["type"], "amount_ore": int(c["amount"]) * 100, **_SOURCE} for c in month_plan.costs],
        "incomes": [
            {"type": i["type"], "member": _MEMBER_KEYS.get(i["member"], i["member"]), "amount_ore": int(i["amount"]) * 100,
             **_SOURCE}
            for i in month_plan.incomes
        ],
        "assets": [],
        "bank_account": {"clearing": clearing, "account": account, **_SOURCE},
        "answered": ["members", "housing", "costs", "incomes", "assets", "bank_account"],
        "cannot_answer": {},
        "message": "",
    }


#: A demo adult with one of these incomes has that reason not to be registered with Arbetsförmedlingen.
_AF_REASON_BY_INCOME = [
    ("sickness_benefit", "sick_with_certificate"),
    ("parental_benefit", "parental_leave"),
    ("activity_compensation", "pension"),
    ("pension", "pension"),
]


def _deviate(kind: str, declaration: dict) -> dict:
    """Change a standard declaration the way ``kind`` (a code of :data:`DEVIATIONS`) says."""
    if kind == "household_changed":
        declaration["housing"] = {**declaration["housing"], "rooms": declaration["housing"]["rooms"] + 1}
    elif kind == "register_income_mismatch":
        incomes = declaration["incomes"]
        if incomes:
            largest = max(range(len(incomes)), key=lambda i: incomes[i]["amount_ore"])
            incomes[largest] = {**incomes[largest], "amount_ore": max(0, incomes[largest]["amount_ore"] - 150_000)}
        else:
            declaration["incomes"] = [{"type": "tax_refund", "member": "applicant", "amount_ore": 90_000, **_SOURCE}]
    elif kind == "amount_jump":
        declaration["costs"] = [*declaration["costs"],
                                {"type": "dental_care_acute", "amount_ore": 450_000, **_SOURCE}]
    elif kind == "needs_caseworker":
        declaration["answered"] = [s for s in declaration["answered"] if s != "assets"]
        declaration["cannot_answer"] = {"assets": "Jag vet inte vad min bil är värd"}
    return declaration


# --- the whole load ----------------------------------------------------------------------------------


def _manager(code: str):
    prefix = next(prefix for role, prefix in generator.MUNICIPAL_USERS if role == "manager")
    return get_user_model().objects.get(username=f"{prefix}.{code}")


def _users(code: str):
    User = get_user_model()
    names = {f"{prefix}.{code}": role for role, prefix in generator.MUNICIPAL_USERS}
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    return users[f"handlaggare.{code}"], users[f"attestant.{code}"]


def load_applications(plan: generator.DemoPlan, households: dict, persons: dict, municipalities: dict
                      ) -> ApplicationsSummary:
    """Write the demo's applications, decisions and payments (see the module docstring)."""
    summary = ApplicationsSummary()
    month = plan.last_month
    previous = add_months(month, -1)
    for spec in generator.MUNICIPALITIES:
        ensure_delegation(municipalities[spec.code], previous)
        ensure_person_delegations(municipalities[spec.code], previous)
        ensure_debtor_account(municipalities[spec.code])
    if previous < plan.first_month:
        return summary  # a one-month demo has no month before to repeat
    calculations = {
        (c.household_id, c.month): c
        for c in StoredCalculation.objects.filter(
            household__in=[h.pk for h in households.values()], month__in=[previous, month], made_by=MadeBy.DEMO
        ).order_by("created_at", "pk")
    }
    for spec in generator.MUNICIPALITIES:
        municipality = municipalities[spec.code]
        mine = [h for h in plan.households if h.municipality_code == spec.code]
        rows = [households[h.key] for h in mine]
        if Application.objects.filter(household__in=rows, month__in=[previous, month]).exists():
            continue
        caseworker, approver = _users(spec.code)
        decided = _previous_month(mine, households, persons, calculations, previous, caseworker, approver, municipality)
        summary.previous_decided += len(decided)
        submitted, planted = _this_month(mine, households, persons, calculations, month, decided, caseworker)
        summary.submitted += submitted
        for kind, key in planted:
            summary.deviations.setdefault(kind, []).append(key)
    return summary


#: What the demo's case worker writes for an item that is not granted in full (e.g. rent above the ceiling).
DEMO_LINE_REASON = ("Vi har gått igenom kostnaden med dig. Den del som är högre än det kommunen räknar med som "
                    "skäligt kan vi inte bevilja.")


def _previous_month(mine, households, persons, calculations, previous, caseworker, approver, municipality) -> dict:
    """P: applications decided by the case worker, paid and exported. Returns household key → application."""
    decided: dict[str, Application] = {}
    index = 0
    for household in mine:
        row = households[household.key]
        calculation = calculations.get((row.pk, previous))
        if calculation is None or calculation.amount_ore <= 0:
            continue
        month_plan = next(m for m in household.months if m.month == previous)
        application = _application(household, row, persons, month_plan, ApplicationKind.NEW, None,
                                   submitted_at=_local(add_months(previous, -1).replace(day=25), 9, index * 7))
        issued_at = _local(previous.replace(day=3), 10, index * 5)
        # The demo's case worker writes a reason of their own for each item not granted in full (the
        # calculation's text never counts as the case worker's reason).
        own = {line.item: DEMO_LINE_REASON for line in propose(application, calculation).lines
               if line.outcome != "granted" and not line.has_own_reason}
        if may_decide_all(caseworker, municipality, kinds_for("granted", calculation), calculation.amount_ore,
                          on=previous.replace(day=3)):
            decision = issue_decision(application, calculation, caseworker, line_reasons=own, issued_at=issued_at)
        else:  # above the case worker's delegation: föredragning, the unit manager decides (so that the
            # attestant, who approves the payment, is not also the decision maker: four eyes)
            proposal = submit_for_decision(application, calculation, caseworker, line_reasons=own)
            decision = decide_proposal(proposal, _manager(municipality.code), issued_at=issued_at)
        payment = schedule_payment(decision, due_date=_weekday_on_or_after(previous.replace(day=5)))
        if payment.account:
            approve(payment, approver)
        application.refresh_from_db()
        decided[household.key] = application
        index += 1
    if decided:
        export_payments(municipality, _weekday_on_or_after(previous.replace(day=4)))
    return decided


def _this_month(mine, households, persons, calculations, month, decided, caseworker) -> tuple[int, list[tuple[str, str]]]:
    """M: submitted applications, with the planted deviations. Returns (count, [(deviation, household key)])."""
    standard, count, planted = [], 0, []
    for household in mine:
        row = households[household.key]
        calculation = calculations.get((row.pk, month))
        if calculation is None or calculation.amount_ore <= 0:
            continue
        if household.key in decided:
            standard.append(household)
    kinds = {}
    # One of each deviation, spread over the municipality's recurring applications (the first one is left
    # standard, so that the e2e test and a demo visitor always find a standard case first).
    for position, (kind, _) in enumerate(DEVIATIONS):
        target = 1 + position * 2
        if target < len(standard):
            kinds[standard[target].key] = kind
    index = 0
    for household in mine:
        row = households[household.key]
        calculation = calculations.get((row.pk, month))
        if calculation is None or calculation.amount_ore <= 0:
            continue
        month_plan = next(m for m in household.months if m.month == month)
        previous = decided.get(household.key)
        kind = kinds.get(household.key)
        if kind == "new_application" or previous is None:
            application_kind, previous = ApplicationKind.NEW, None
        else:
            application_kind = ApplicationKind.RECURRING
        application = _application(household, row, persons, month_plan, application_kind, previous,
                                   submitted_at=_local(add_months(month, -1).replace(day=25), 8, index * 7),
                                   deviation=kind)
        if kind == "open_completion_request":
            request_completion(application, actor=caseworker,
                               text="Skicka kontoutdrag för de tre senaste månaderna för alla dina konton.",
                               due_date=timezone.localdate() + dt.timedelta(days=14))
        if kind:
            planted.append((kind, household.key))
        elif application_kind == ApplicationKind.NEW:
            planted.append(("new_application", household.key))
        count += 1
        index += 1
    return count, planted


def _application(household, row, persons, month_plan, kind, previous, *, submitted_at, deviation=None) -> Application:
    from bistand.applications import declaration as decl

    declaration = declaration_for(household, month_plan, persons)
    if deviation:
        declaration = _deviate(deviation, declaration)
    reasons = decl.caseworker_reasons(declaration)
    applicant = persons[household.applicant.person.personnummer]
    partner = next(iter(household.by_role("partner")), None)
    return Application.objects.create(
        municipality_id=row.municipality_id,
        unit_id=row.unit_id,
        household=row,
        applicant=applicant,
        co_applicant=persons[partner.person.personnummer] if partner else None,
        month=month_plan.month,
        kind=kind,
        status=ApplicationStatus.SUBMITTED,
        declaration=declaration,
        previous=previous,
        needs_caseworker=bool(reasons),
        caseworker_reasons=reasons,
        applicant_signed_at=submitted_at,
        submitted_at=submitted_at,
        co_applicant_confirmed_at=submitted_at if partner else None,
        created_at=submitted_at - dt.timedelta(minutes=20),
    )
