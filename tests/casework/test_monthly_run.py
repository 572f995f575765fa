"""The monthly run (bistand.casework.monthly, ``bistand monthly-run``): standard recurring applications are
decided automatically and their payments scheduled; every deviation goes to a case worker with its reason;
running it again changes nothing; a chunk that fails leaves nothing half done; the batch path decides
exactly as the one-application path."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bistand.applications.models import Application, ApplicationStatus
from bistand.applications.services import request_completion
from bistand.audit.models import AuditEvent
from bistand.calculations.inputs import DecimalJSONEncoder
from bistand.calculations.models import StoredCalculation
from bistand.casework import monthly
from bistand.casework.models import MonthlyRun, Referral
from bistand.decisions import services as decision_services
from bistand.decisions.models import Decision, DecisionLine
from bistand.payments.models import Payment, PaymentStatus
from bistand.people.models import HouseholdMember, HouseholdRole
from bistand.registers.models import RegisterFact, RegisterFetch
from bistand.registers.services import fetch_for_application
from bistand.tenancy.models import Municipality
from tests.decisions.factories import MONTH, calculate, declaration, make_application

pytestmark = pytest.mark.django_db


def run(municipality, **options):
    return monthly.run_month(municipality, MONTH, **options)


def state_rows() -> dict:
    """Everything the run writes, as comparable values."""
    return {
        "decisions": sorted(Decision.objects.values_list("application_id", "outcome", "amount_ore", "automated", "status")),
        "lines": DecisionLine.objects.count(),
        "payments": sorted(Payment.objects.values_list("decision__application_id", "amount_ore", "status")),
        "referrals": sorted(Referral.objects.values_list("application_id", "codes")),
        "fetches": sorted(RegisterFetch.objects.values_list("person_id", "period", "number")),
        "facts": RegisterFact.objects.count(),
        "calculations": sorted(StoredCalculation.objects.values_list("household_id", "month", "input_hash")),
        "statuses": sorted(Application.objects.values_list("pk", "status")),
        "audit": AuditEvent.objects.exclude(model__in=["casework.monthlyrun", "casework.monthlyrunjob"]).count(),
    }


# --- the standard case -------------------------------------------------------------------------------


def test_a_standard_recurring_application_is_decided_automatically_and_its_payment_scheduled(cases):
    case = cases.add()
    report = run(case.municipality)

    decision = Decision.objects.get(application=case.application)
    assert decision.automated and decision.decided_by is None and decision.delegation == case.delegation
    assert decision.status == "issued" and decision.outcome == "granted"
    assert decision.decision_maker_label.startswith("Automatiserad beslutsfunktion")
    assert case.delegation.committee_reference in decision.decision_maker_label
    assert "automatiserad beslutsfunktion" in decision.reasons
    assert decision.amount_ore == decision.calculation.amount_ore > 0
    assert decision.lines.count() >= 2
    assert {row["code"] for row in decision.automation_report} >= {"recurring", "register_incomes_match"}
    case.application.refresh_from_db()
    assert case.application.status == ApplicationStatus.DECIDED

    payment = Payment.objects.get(decision=decision)
    assert payment.amount_ore == decision.amount_ore and payment.status == PaymentStatus.SCHEDULED
    assert payment.created_by is None and payment.payee_kind == "applicant"

    # every person of the application was asked about in the registers
    persons = {m.person_id for m in HouseholdMember.objects.filter(household=case.household)}
    assert set(RegisterFetch.objects.values_list("person_id", flat=True)) == persons
    assert report.done.decided == 1 and report.done.payments == 1 and report.done.referred == 0
    assert report.state.decided_automatically == 1 and report.state.waiting == 0


def test_a_delegation_that_approves_payments_approves_them_as_they_are_scheduled(cases):
    case = cases.add()
    case.application.declaration["bank_account"] = {"clearing": "5000", "account": "1111116", "source": "applicant"}
    case.application.save()
    case.delegation.approves_payments = True
    case.delegation.save()
    run(case.municipality)
    payment = Payment.objects.get(decision__application=case.application)
    assert payment.status == PaymentStatus.APPROVED and payment.approved_by_delegation == case.delegation
    assert payment.approved_by is None and payment.account == "5000-1111116"


def test_the_batch_decides_exactly_as_the_one_application_path(cases, settings):
    """Two identical households: one through the monthly run, one through decide_automatically."""
    batch = cases.add(adults=2, incomes=(("wage", "applicant", 4000), ("sickness_benefit", "partner", 2500)))
    single = cases.add(adults=2, incomes=(("wage", "applicant", 4000), ("sickness_benefit", "partner", 2500)))
    # the single path: fetch, calculate, decide for one application (before the run looks at it)
    facts = fetch_for_application(single.application)
    decision_single, verdict = decision_services.decide_automatically(
        single.application, calculation=calculate(single.application, facts), register_facts=facts)
    assert verdict.automate
    run(batch.municipality)
    decision_batch = Decision.objects.get(application=batch.application)

    def comparable(decision):
        # the trace names the adults by their person ids (jobbstimulans per adult): name them by role
        roles = {str(decision.application.applicant_id): "sökande", str(decision.application.co_applicant_id): "make"}
        text = re.sub(r"(jobbstimulans\.|Jobbstimulans, )(\d+)", lambda m: m.group(1) + roles[m.group(2)],
                      json.dumps(decision.calculation.result, cls=DecimalJSONEncoder, sort_keys=True))
        return {
            "fields": [getattr(decision, f) for f in ("outcome", "amount_ore", "reasons", "legal_basis", "conditions",
                                                       "decision_maker_label", "automation_report", "engine_version",
                                                       "parameter_hash", "automated")],
            "lines": list(decision.lines.values_list("position", "item", "label", "applied_ore", "granted_ore",
                                                     "outcome", "reason")),
            "result": text,
        }

    assert comparable(decision_batch) == comparable(decision_single)
    # the input differs only by the persons' ids
    batch_input, single_input = decision_batch.calculation.input_data, decision_single.calculation.input_data
    assert len(batch_input["incomes"]) == len(single_input["incomes"]) == 2
    assert [i["note"] for i in batch_input["incomes"]] == [i["note"] for i in single_input["incomes"]]


# --- deviations go to a case worker --------------------------------------------------------------------


def _changed_household(cases):
    case = cases.add()
    data = case.application.declaration
    data["housing"] = {**data["housing"], "rooms": 4}
    case.application.save()
    return case, "household_and_housing_unchanged"


def _register_mismatch(cases):
    case = cases.add()
    cases.register_reports(case.application, {"applicant": [("wage", 6500)]})
    return case, "register_incomes_match"


def _open_completion(cases):
    case = cases.add()
    request_completion(case.application, actor=case.caseworker, text="Skicka hyresavin.",
                       due_date=timezone.localdate() + dt.timedelta(days=10))
    return case, "no_open_completion_request"


def _amount_jump(cases):
    case = cases.add()
    # last month's decision had no dental care: the amount jumps by 4 000 kr
    data = case.application.declaration
    data["costs"].append({"type": "dental_care_acute", "amount_ore": 400_000, "source": "applicant"})
    case.application.save()
    return case, "amount_close_to_last_month"


def _new_application(cases):
    case = cases.add()
    Application.objects.filter(pk=case.application.pk).update(kind="new", previous=None)
    return case, "recurring"


def _needs_caseworker(cases):
    case = cases.add()
    Application.objects.filter(pk=case.application.pk).update(
        needs_caseworker=True,
        caseworker_reasons=[{"code": "cannot_answer:assets", "label": "Sökanden kunde inte svara om tillgångar."}])
    return case, "nothing_for_caseworker"


def _refusal(cases):
    case = cases.add()
    Application.objects.filter(pk=case.application.pk).update(
        declaration={**case.application.declaration,
                     "incomes": [{"type": "wage", "member": "applicant", "amount_ore": 4_000_000, "source": "applicant"}]})
    cases.register_reports(case.application, {"applicant": [("wage", 40_000)]})
    return case, "full_grant"


def _estimated_parameter(cases):
    cases.municipality = Municipality.objects.create(code="0680", name="Jönköping")
    case = cases.add()  # rent 6 000 kr: the ceiling of local/0680.yaml is used, an estimated value
    return case, "no_estimated_parameter"


def _kill_switch(cases):
    case = cases.add()
    case.delegation.active = False
    case.delegation.save()
    return case, "delegation_in_force"


def _calculation_fails(cases):
    case = cases.add()
    # the household has no applicant in the month any more
    HouseholdMember.objects.filter(household=case.household, role=HouseholdRole.APPLICANT).update(
        valid_to=dt.date(2026, 2, 28))
    return case, "calculation_failed"


DEVIATIONS = {
    "changed household": _changed_household,
    "register income mismatch": _register_mismatch,
    "open completion request": _open_completion,
    "amount jump": _amount_jump,
    "new application": _new_application,
    "needs a case worker": _needs_caseworker,
    "refusal": _refusal,
    "estimated parameter": _estimated_parameter,
    "kill switch": _kill_switch,
    "calculation fails": _calculation_fails,
}


@pytest.mark.parametrize("make", DEVIATIONS.values(), ids=DEVIATIONS.keys())
def test_a_deviation_goes_to_a_case_worker_with_its_reason(cases, make):
    standard = None
    if make not in (_estimated_parameter, _kill_switch):
        standard = cases.add()  # a standard case beside it is still decided
    case, code = make(cases)
    report = run(case.municipality)

    assert not Decision.objects.filter(application=case.application).exists()
    assert not Payment.objects.filter(decision__application=case.application).exists()
    referral = Referral.objects.get(application=case.application)
    assert code in referral.code_list
    reason = next(r for r in referral.reasons if r["code"] == code)
    assert reason["detail"]
    case.application.refresh_from_db()
    assert case.application.status == ApplicationStatus.SUBMITTED
    assert report.done.referred == 1 and report.done.reasons[code] == 1
    assert code in [c for c, _, _ in report.state.reasons]
    if standard is not None:
        assert Decision.objects.get(application=standard.application).automated


def test_without_a_delegation_every_application_goes_to_a_case_worker(cases):
    case = cases.add()
    case.delegation.delete()
    report = run(case.municipality)
    assert Referral.objects.get(application=case.application).code_list[0] == "delegation_in_force"
    assert "Ingen delegation" in report.delegation


def test_the_kill_switch_stops_automated_decisions_from_the_next_chunk(cases):
    first, second = cases.add(), cases.add()

    def pull_the_switch(done, total, result):
        first.delegation.active = False
        first.delegation.save()

    run(first.municipality, chunk_size=1, progress=pull_the_switch)
    assert Decision.objects.get(application=first.application).automated
    assert Referral.objects.get(application=second.application).code_list == ["delegation_in_force"]


# --- running again, stopping, colliding ----------------------------------------------------------------


def test_running_again_changes_nothing(cases):
    for _ in range(3):
        cases.add()
    deviating = cases.add()
    cases.register_reports(deviating.application, {"applicant": [("wage", 9000)]})
    first = run(deviating.municipality, chunk_size=2)
    before = state_rows()
    again = run(deviating.municipality, chunk_size=2)

    assert state_rows() == before
    assert again.pending == 0 and again.done.taken == 0
    assert again.state == first.state
    assert MonthlyRun.objects.get().starts == 2


@pytest.mark.parametrize("frozen_before", [False, True], ids=["nothing frozen", "frozen by the process"])
def test_the_run_leaves_the_garbage_collector_as_it_found_it(cases, frozen_before, monkeypatch):
    import gc

    cases.add()
    cases.add()
    seen = []
    monkeypatch.setattr(gc, "collect", lambda *a: seen.append(gc.get_freeze_count()) or 0)
    if frozen_before:
        gc.freeze()
    before = gc.get_freeze_count()
    try:
        run(cases.municipality, chunk_size=1)
        assert gc.isenabled()
        # the process's own freeze is kept (objects freed meanwhile leave it); without one, none is left behind
        assert 0 < gc.get_freeze_count() <= before if frozen_before else gc.get_freeze_count() == 0
    finally:
        if frozen_before:
            gc.unfreeze()
    # the collection after each chunk leaves out what existed before the run (the run's own freeze, or the
    # process's, which the run does not add to)
    assert len(seen) == 2 and all(count > 0 for count in seen)
    if frozen_before:
        assert all(count <= before for count in seen)


def test_a_chunk_that_fails_leaves_nothing_half_done_and_the_next_run_completes(cases, monkeypatch):
    for _ in range(4):
        cases.add()
    municipality = cases.municipality
    real = monthly.schedule_payments
    calls = []

    def fail_second_chunk(decisions):
        calls.append(len(decisions))
        if len(calls) == 2:
            raise RuntimeError("strömavbrott")
        return real(decisions)

    monkeypatch.setattr(monthly, "schedule_payments", fail_second_chunk)
    with pytest.raises(RuntimeError):
        run(municipality, chunk_size=2)
    # the first chunk is written completely, the second not at all
    assert Decision.objects.filter(month=MONTH).count() == Payment.objects.count() == 2
    assert Application.objects.filter(month=MONTH, status="decided").count() == 2
    monkeypatch.setattr(monthly, "schedule_payments", real)

    report = run(municipality, chunk_size=2)
    assert report.pending == 2
    assert Decision.objects.filter(month=MONTH).count() == Payment.objects.count() == 4
    assert set(Payment.objects.values_list("decision__application_id", flat=True)) == set(
        Application.objects.filter(month=MONTH).values_list("pk", flat=True))


def test_a_chunk_that_collides_is_done_again_one_application_at_a_time(cases, monkeypatch):
    for _ in range(3):
        cases.add()
    real = monthly.process
    sizes = []

    def collide_once(ids, **options):
        ids = list(ids)
        sizes.append(len(ids))
        if len(sizes) == 1:
            real(ids, **options)  # writes, then the transaction fails as if another run had done the same
            raise IntegrityError("UNIQUE constraint failed: decisions_decision.application_id")
        return real(ids, **options)

    monkeypatch.setattr(monthly, "process", collide_once)
    report = run(cases.municipality, chunk_size=10)
    assert sizes == [3, 1, 1, 1]
    assert Decision.objects.filter(month=MONTH).count() == Payment.objects.count() == 3
    assert report.done.decided == 3 and not report.done.errors


def test_when_the_register_does_not_answer_nothing_is_written_and_the_run_says_so(cases, monkeypatch):
    from bistand.registers.ssbtek.base import SsbtekError
    from bistand.registers.ssbtek.simulator import SimulatorClient

    case = cases.add()

    def down(self, persons, period):
        raise SsbtekError("SSBTEK är inte tillgängligt just nu.")

    monkeypatch.setattr(SimulatorClient, "fetch_many", down)
    report = run(case.municipality)
    assert report.done.errors == [(case.application.pk, "Registret svarade inte: SSBTEK är inte tillgängligt just nu.")]
    assert not Decision.objects.filter(month=MONTH).exists() and not Referral.objects.exists()
    assert not RegisterFetch.objects.exists()
    assert "kunde inte behandlas och tas med nästa gång" in monthly.format_report(report)
    monkeypatch.undo()
    assert run(case.municipality).done.decided == 1


def test_an_application_decided_by_a_case_worker_meanwhile_is_left_alone(cases):
    case = cases.add()
    other = cases.add()
    facts = fetch_for_application(case.application)
    decision_services.issue_decision(case.application, calculate(case.application, facts), case.caseworker)
    report = run(case.municipality)
    assert report.pending == 1
    assert Decision.objects.filter(application=case.application).count() == 1
    assert not Decision.objects.get(application=case.application).automated
    assert Decision.objects.get(application=other.application).automated


def test_the_number_of_queries_does_not_grow_with_the_number_of_applications(cases):
    cases.add()
    run(cases.municipality)  # the month's first run also creates its MonthlyRun row
    counts = []
    for size in (2, 8):
        for _ in range(size):
            cases.add()
        with CaptureQueriesContext(connection) as queries:
            report = run(cases.municipality, chunk_size=50)
        assert report.done.decided == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_an_application_of_another_month_or_municipality_is_not_touched(cases):
    case = cases.add()
    later = make_application(case.household, "2026-04", previous=case.application,
                             decl=declaration(case.household, "2026-04"))
    report = run(case.municipality)
    later.refresh_from_db()
    assert report.done.taken == 1 and later.status == "submitted"


# --- the summary and the command --------------------------------------------------------------------------


def test_the_summary_says_in_swedish_what_was_done(cases):
    cases.add()
    deviating = cases.add()
    cases.register_reports(deviating.application, {"applicant": [("wage", 9000)]})
    text = monthly.format_report(run(cases.municipality))
    assert "mars 2026" in text
    assert "Beslutade automatiskt: 1" in text
    assert "Till handläggare (inte beslutade än): 1" in text
    assert "Inkomsterna i registren stämmer inte med ansökan: 1" in text
    assert "Utbetalningar upplagda för automatiska beslut: 1" in text


def test_the_command_shows_progress_on_stderr_and_the_summary_on_stdout(cases):
    for _ in range(3):
        cases.add()
    out, err = io.StringIO(), io.StringIO()
    call_command("monthly-run", municipality=cases.municipality.code, month="2026-03", chunk_size=2, stdout=out,
                 stderr=err)
    assert "3 av 3 ansökningar (100 %), 3 beslutade automatiskt, 0 till handläggare" in err.getvalue()
    assert "Beslutade automatiskt: 3" in out.getvalue()
    assert Decision.objects.filter(month=MONTH).count() == 3


@pytest.mark.parametrize(("arguments", "message"), [
    ({"municipality": "9999", "month": "2026-03"}, "Det finns ingen kommun"),
    ({"municipality": "0680", "month": "mars"}, "ÅÅÅÅ-MM"),
])
def test_the_command_refuses_wrong_arguments(arguments, message):
    Municipality.objects.create(code="0680", name="Jönköping")
    with pytest.raises(CommandError, match=message):
        call_command("monthly-run", **arguments, stdout=io.StringIO(), stderr=io.StringIO())
