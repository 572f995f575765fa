"""The demo's work for the monthly run (bistand.demo.applications): a delegation and a bank account per
demo municipality, last month decided, paid and exported, this month's applications submitted — mostly
standard, one of each planted deviation — so that ``bistand monthly-run`` on a fresh demo decides most
of them and leaves each deviation to a case worker with its reason."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from bistand.applications.models import Application, CompletionRequest
from bistand.casework import monthly
from bistand.casework.models import Referral
from bistand.common.months import add_months
from bistand.decisions.models import Decision, Delegation
from bistand.demo import loader
from bistand.demo.applications import DEVIATIONS, bank_account_for, debtor_iban
from bistand.demo.generator import MUNICIPALITIES
from bistand.followup.models import AssistanceMonth
from bistand.payments.accounts import parse_bank_account, parse_iban
from bistand.payments.models import DebtorAccount, Payment, PaymentExport
from bistand.registers.models import RegisterFetch
from bistand.tenancy.models import Municipality

pytestmark = pytest.mark.django_db

LAST = "2026-06"
PREVIOUS = "2026-05"


def load(**options):
    defaults = {"households_per_municipality": 24, "months": 3, "last_month": LAST}
    with loader.quiet_audit_console():
        return loader.load_demo(**{**defaults, **options})


#: The reason code each planted deviation must give.
EXPECTED_REASON = {
    "household_changed": "household_and_housing_unchanged",
    "register_income_mismatch": "register_incomes_match",
    "open_completion_request": "no_open_completion_request",
    "amount_jump": "amount_close_to_last_month",
    "needs_caseworker": "nothing_for_caseworker",
    "new_application": "recurring",
}


def test_each_demo_municipality_gets_a_delegation_and_a_bank_account():
    load()
    for spec in MUNICIPALITIES:
        municipality = Municipality.objects.get(code=spec.code)
        delegation = Delegation.objects.get(municipality=municipality)
        assert delegation.active
        assert delegation.effective_from <= timezone.localdate()
        assert re.fullmatch(r".*nämnden \d{4}-\d{2}-\d{2} § \d+", delegation.committee_reference)
        assert delegation.criteria["no_estimated_parameter"]["accepted_files"] == [f"local/{spec.code}.yaml"]
        account = DebtorAccount.objects.get(municipality=municipality)
        parse_iban(account.iban)  # a valid IBAN
    assert Delegation.objects.get(municipality__code="0684").approves_payments
    assert not Delegation.objects.get(municipality__code="0680").approves_payments


def test_last_month_is_decided_paid_and_exported_and_this_month_is_submitted():
    summary = load()
    previous = Application.objects.filter(month=f"{PREVIOUS}-01")
    assert previous.count() == summary.applications.previous_decided > 0
    assert set(previous.values_list("status", flat=True)) == {"decided"}
    decisions = Decision.objects.filter(month=f"{PREVIOUS}-01")
    assert decisions.count() == previous.count()
    assert not decisions.filter(automated=True).exists()
    assert Payment.objects.filter(decision__in=decisions, status="exported").count() == decisions.count()
    assert PaymentExport.objects.count() == len(MUNICIPALITIES)
    assert AssistanceMonth.objects.exists()
    this = Application.objects.filter(month=f"{LAST}-01")
    assert this.count() == summary.applications.submitted > 0
    assert set(this.values_list("status", flat=True)) == {"submitted"}
    assert this.filter(kind="recurring", previous__isnull=False).count() > this.count() // 2
    assert not RegisterFetch.objects.exists()  # the monthly run fetches


def test_every_planted_deviation_is_there_in_each_municipality():
    summary = load()
    for kind, _ in DEVIATIONS:
        assert len(summary.applications.deviations[kind]) >= len(MUNICIPALITIES), kind
    assert CompletionRequest.objects.filter(status="open").count() == len(MUNICIPALITIES)


def test_the_monthly_run_decides_the_standard_ones_and_refers_each_deviation_with_its_reason():
    summary = load()
    planted = {key: kind for kind, keys in summary.applications.deviations.items() for key in keys}
    decided = referred = 0
    for spec in MUNICIPALITIES:
        report = monthly.run_month(Municipality.objects.get(code=spec.code), LAST)
        decided += report.done.decided
        referred += report.done.referred
    assert decided > referred  # mostly standard
    # each planted deviation went to a case worker with the reason it was planted for
    applications = {a.pk: a for a in Application.objects.filter(month=f"{LAST}-01").select_related("household")}
    keys = _household_keys(summary)
    for application in applications.values():
        kind = planted.get(keys[application.household_id])
        if kind is None:
            continue
        referral = Referral.objects.get(application=application)
        assert EXPECTED_REASON[kind] in referral.code_list, (kind, referral.reasons)
    reasons = Counter(code for r in Referral.objects.all() for code in r.code_list)
    for code in EXPECTED_REASON.values():
        assert reasons[code] >= len(MUNICIPALITIES)
    # the automated decisions name the delegation and have their payments
    automated = Decision.objects.filter(month=f"{LAST}-01", automated=True)
    assert automated.count() == decided
    assert Payment.objects.filter(decision__in=automated).count() == decided
    sävsjö = Payment.objects.filter(decision__in=automated, decision__municipality__code="0684")
    assert set(sävsjö.values_list("status", flat=True)) == {"approved"}


def _household_keys(summary) -> dict[int, str]:
    """household id → the demo plan's household key (the applicant's personnummer finds it)."""
    from bistand.demo import generator
    from bistand.people.models import HouseholdMember

    dataset = summary.dataset
    plan = generator.generate(seed=dataset.seed, households_per_municipality=dataset.households_per_municipality,
                              months=dataset.months, last_month=dataset.last_month)
    by_number = {h.applicant.person.personnummer: h.key for h in plan.households}
    return {m.household_id: by_number[m.person.personnummer]
            for m in HouseholdMember.objects.filter(role="applicant").select_related("person")}


def test_loading_again_creates_nothing_and_reset_removes_the_work_too():
    load()
    counts = (Application.objects.count(), Decision.objects.count(), Payment.objects.count(), Delegation.objects.count())
    load()
    assert (Application.objects.count(), Decision.objects.count(), Payment.objects.count(),
            Delegation.objects.count()) == counts
    monthly.run_month(Municipality.objects.get(code="0680"), LAST)  # decisions, payments, referrals, fetches
    load(reset=True)
    assert (Application.objects.count(), Decision.objects.count(), Payment.objects.count()) == counts[:3]
    assert not Referral.objects.exists() and not RegisterFetch.objects.exists()


def test_the_same_seed_gives_the_same_applications():
    def snapshot():
        return sorted((a.applicant.personnummer, str(a.month), a.kind, a.status, a.declaration["costs"] and
                       sum(c["amount_ore"] for c in a.declaration["costs"]))
                      for a in Application.objects.select_related("applicant"))
    load(seed=5)
    first = snapshot()
    load(seed=5, reset=True)
    assert snapshot() == first


def test_the_demo_prints_what_waits_for_the_monthly_run():
    out = io.StringIO()
    call_command("demo", households_per_municipality=24, months=3, last_month=LAST, stdout=out)
    text = out.getvalue()
    assert "inskickade för 2026-06 som väntar på månadskörningen" in text
    assert "bistand monthly-run --municipality 0680 --month 2026-06" in text


def test_demo_accounts_and_ibans_are_valid():
    for number in ("199001019802", "198512249811", "200203039800"):
        clearing, account = bank_account_for(number)
        parse_bank_account(clearing, account)
    for code in ("0680", "0662", "0684"):
        parse_iban(debtor_iban(code))


def test_the_demo_history_ends_one_month_before_the_submitted_applications():
    summary = load()
    assert add_months(summary.dataset.last_month, -1).isoformat() == f"{PREVIOUS}-01"


def test_the_demo_start_output_gives_the_e_service_address_and_a_test_person_for_each_situation():
    """Issue 20: `scripts/start` (bistand run) prints where applicants log in and which test persons show
    a new applicant, a couple, an application waiting for a completion and a recurring application."""
    from bistand.applications.models import CompletionRequest
    from bistand.common.months import parse_month

    load()
    persons = loader.test_persons()
    assert [situation for situation, _ in persons] == [
        "Ny sökande (första ansökan)", "Par (sökande och medsökande)", "Väntar på en komplettering",
        "Återansökan som månadskörningen kan besluta"]
    numbers = dict(persons)
    waiting = Application.objects.get(applicant__personnummer=numbers["Väntar på en komplettering"].replace("-", ""),
                                      month=parse_month(LAST))
    assert CompletionRequest.objects.filter(application=waiting, status="open").exists()
    couple = Application.objects.get(applicant__personnummer=numbers["Par (sökande och medsökande)"].replace("-", ""),
                                     month=parse_month(LAST))
    assert couple.co_applicant_id is not None
    assert Application.objects.get(applicant__personnummer=numbers["Ny sökande (första ansökan)"].replace("-", ""),
                                   month=parse_month(LAST)).kind == "new"
    text = loader.format_logins([], "hemligt", url="http://127.0.0.1:8000/")
    assert "E-tjänsten för sökande: http://127.0.0.1:8000/e-tjanst/" in text
    for situation, number in persons:
        assert f"{situation}: {number}" in text
