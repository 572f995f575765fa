"""The case page (/handlaggning/arenden/<id>/): the household, declared next to register data, the
calculation with its trace, the last 12 months, notes, completion requests, and the decision — drafted,
issued through bistand.decisions.services, the letter, the payment, omprövning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bistand.applications.models import ApplicationStatus, CompletionRequest
from bistand.audit.models import AccessLog, AuditEvent
from bistand.casework.models import CaseNote
from bistand.decisions.models import Decision, DecisionStatus, Outcome
from bistand.payments.models import Payment
from bistand.people.models import HouseholdMember
from bistand.registers.models import RegisterFetch
from bistand.tenancy.models import Municipality
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application, rent_grace_over, simulator_fixture, standard_case
from tests.factories import MunicipalityFactory, grant_protected_identity, household_with_members, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_simulator(settings, tmp_path):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path)


def url(name, *args):
    return reverse(f"staff:{name}", args=args)


def first_application(settings, municipality=None, **declaration):
    """A first (new) application of a one-adult household with a wage of 3 000 kr, registers agreeing."""
    municipality = municipality or MunicipalityFactory()  # no local parameters: no rent ceiling
    household = household_with_members(municipality, birth_date=dt.date(1980, 5, 5))
    application = make_application(household, MONTH, kind="new", incomes=(("wage", "applicant", 3000),), **declaration)
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(application)
    worker = user_with_role(Role.CASEWORKER, municipality, first_name="Karin", last_name="Kasper")
    return application, worker


def prepare(client, application):
    """What a case worker does first: fetch the register data and calculate."""
    assert client.post(url("case_fetch_registers", application.pk)).status_code == 302
    assert client.post(url("case_calculate", application.pk)).status_code == 302


def test_the_case_page_shows_the_case_and_logs_who_saw_whom(client, settings):
    case = standard_case(settings)
    client.force_login(case.caseworker)
    prepare(client, case.application)
    before = AccessLog.objects.count()
    response = client.get(url("case_detail", case.application.pk))
    assert response.status_code == 200
    html = response.content.decode()
    applicant = case.application.applicant
    assert f"{applicant.first_name} {applicant.last_name}" in html
    assert "Angivna inkomster bredvid registrens uppgifter för mars 2026" in html
    assert "Lön" in html and "Skatteverket" in html
    assert 'id="trace"' in html and "Försörjningsstöd att betala ut" in html
    assert "februari 2026" in html  # last month's decision in the 12 months
    assert "Inget är ändrat sedan förra ansökan." in html
    members = set(HouseholdMember.objects.filter(household=case.household).values_list("person_id", flat=True))
    logged = AccessLog.objects.filter(target="staff:case_detail")
    assert AccessLog.objects.count() - before == logged.count() == len(members)
    assert set(logged.values_list("person_id", flat=True)) == members


def test_a_case_worker_decides_a_first_application_and_schedules_its_payment(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    prepare(client, application)
    assert RegisterFetch.objects.filter(person=application.applicant).exists()
    page = client.get(url("case_detail", application.pk))
    proposal = page.context["proposal"]
    assert proposal.outcome == Outcome.GRANTED and proposal.amount_ore > 0

    response = client.post(url("case_decide", application.pk), {
        "calculation": page.context["calculation"].pk, "outcome": "", "action": "issue",
        "caseworker_text": "Du har sökt arbete enligt planeringen.", "conditions": "Fortsätt söka arbete.",
    })
    assert response.status_code == 302
    decision = Decision.objects.get(application=application)
    assert decision.status == DecisionStatus.ISSUED and decision.decided_by == worker and not decision.automated
    assert decision.outcome == Outcome.GRANTED and decision.amount_ore == proposal.amount_ore
    assert "Du har sökt arbete enligt planeringen." in decision.reasons
    assert decision.conditions == "Fortsätt söka arbete."
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECIDED

    letter = client.get(url("decision_letter", decision.pk))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(target="staff:decision_letter", action="export", person=application.applicant).exists()

    page = client.get(url("case_detail", application.pk))
    assert page.context["may_schedule_payment"] and not page.context["may_decide"]
    assert client.post(url("case_schedule_payment", application.pk, decision.pk)).status_code == 302
    payment = Payment.objects.get(decision=decision)
    assert payment.created_by == worker and payment.status == "scheduled" and payment.amount_ore == decision.amount_ore
    # scheduling again changes nothing
    client.post(url("case_schedule_payment", application.pk, decision.pk))
    assert Payment.objects.filter(decision=decision).count() == 1


def test_a_draft_is_saved_then_issued(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    prepare(client, application)
    client.post(url("case_decide", application.pk), {"action": "draft", "caseworker_text": "Utkastets skäl."})
    draft = Decision.objects.get(application=application)
    assert draft.status == DecisionStatus.DRAFT
    page = client.get(url("case_detail", application.pk))
    assert "Utkast till beslut" in page.content.decode()
    assert page.context["decision_form"].initial["caseworker_text"] == "Utkastets skäl."
    client.post(url("case_decide", application.pk), {"action": "issue", "caseworker_text": "Utkastets skäl."})
    assert Decision.objects.filter(application=application).count() == 1
    assert Decision.objects.get(application=application).status == DecisionStatus.ISSUED


def test_a_refusal_needs_the_case_workers_own_reasons(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    prepare(client, application)
    response = client.post(url("case_decide", application.pk), {"action": "issue", "outcome": "refused"})
    assert response.status_code == 400
    assert "Skriv skälen till avslaget." in response.content.decode()
    assert not Decision.objects.filter(application=application).exists()
    client.post(url("case_decide", application.pk), {"action": "issue", "outcome": "refused",
                                                     "caseworker_text": "Du har tillgångar som ska användas först."})
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Outcome.REFUSED and decision.amount_ore == 0
    assert not client.get(url("case_detail", application.pk)).context["may_schedule_payment"]


def test_a_rent_above_the_ceiling_is_partly_refused_with_the_reason_from_the_calculation(client, settings):
    jonkoping = Municipality.objects.create(code="0680", name="Jönköping")
    application, worker = first_application(settings, jonkoping, costs={"rent": 7000, "household_electricity": 300})
    rent_grace_over(application.household)  # "you have had time to move": the rådrum ended last month
    client.force_login(worker)
    prepare(client, application)
    page = client.get(url("case_detail", application.pk))
    assert "reason_rent" in page.context["decision_form"].fields
    client.post(url("case_decide", application.pk), {"action": "issue", "reason_rent": "Du har fått tid att flytta."})
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Outcome.PARTLY_REFUSED
    rent = decision.lines.get(item="rent")
    assert rent.granted_ore < rent.applied_ore == 700_000
    assert "tak för boendekostnad" in rent.reason and "Du har fått tid att flytta." in rent.reason


def test_an_issued_decision_is_reconsidered_with_reasons(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    prepare(client, application)
    client.post(url("case_decide", application.pk), {"action": "issue"})
    first = Decision.objects.get(application=application)
    response = client.post(url("case_reconsider", application.pk, first.pk), {"caseworker_text": ""})
    assert response.status_code == 400 and "Varför omprövas beslutet?" in response.content.decode()
    client.post(url("case_reconsider", application.pk, first.pk), {
        "caseworker_text": "Sökanden visade att lönen var lägre.", "outcome": "", "new_calculation": "on"})
    second = Decision.objects.exclude(pk=first.pk).get(application=application)
    assert second.reconsiders == first and second.status == DecisionStatus.ISSUED
    assert f"omprövning av beslut {first.pk}" in second.reasons
    first.refresh_from_db()
    assert first.status == DecisionStatus.ISSUED  # the old decision stays as it was
    page = client.get(url("case_detail", application.pk))
    assert page.context["in_force"] == second
    assert "Omprövat beslut" in page.content.decode()


def test_notes_are_added_with_htmx(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    response = client.post(url("case_note", application.pk), {"text": "Ringde sökanden om hyran."},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<section id="anteckningar"') and "Ringde sökanden om hyran." in html
    note = CaseNote.objects.get(application=application)
    assert note.author == worker and note.author_name.startswith("Karin Kasper")
    assert AuditEvent.objects.filter(model="casework.casenote", object_id=str(note.pk)).exists()
    empty = client.post(url("case_note", application.pk), {"text": "  "}, HTTP_HX_REQUEST="true")
    assert "Något behöver rättas" in empty.content.decode()
    assert CaseNote.objects.count() == 1


def test_a_completion_request_is_sent_with_a_due_date(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    due = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(url("case_completion", application.pk), {"text": "Skicka lönebesked.", "due_date": due})
    assert response.status_code == 302
    completion = CompletionRequest.objects.get(application=application)
    assert completion.status == "open" and completion.due_date == due and completion.requested_by == worker
    page = client.get(url("case_detail", application.pk)).content.decode()
    assert "Skicka lönebesked." in page and due.isoformat() in page
    late = client.post(url("case_completion", application.pk), {"text": "Något mer.",
                                                                "due_date": timezone.localdate() - dt.timedelta(days=1)})
    assert late.status_code == 400 and "Sista dagen för svar kan inte ha passerat." in late.content.decode()


def test_the_letter_of_a_person_with_protected_identity_needs_the_permission(client, settings):
    application, worker = first_application(settings)
    client.force_login(worker)
    prepare(client, application)
    client.post(url("case_decide", application.pk), {"action": "issue"})
    decision = Decision.objects.get(application=application)
    applicant = application.applicant
    applicant.protected_identity = True
    applicant.save()
    assert client.get(url("decision_letter", decision.pk)).status_code == 403
    grant_protected_identity(worker)
    assert client.get(url("decision_letter", decision.pk)).status_code == 200


def test_a_manager_reads_the_case_but_cannot_decide(client, settings):
    application, worker = first_application(settings)
    manager = user_with_role(Role.MANAGER, application.municipality)
    client.force_login(manager)
    page = client.get(url("case_detail", application.pk))
    assert page.status_code == 200 and not page.context["may_decide"]
    assert client.post(url("case_decide", application.pk), {"action": "issue"}).status_code == 403


def test_the_trace_names_each_child_not_its_id_and_keeps_a_protected_childs_name_hidden(client, settings):
    from bistand.people.models import HouseholdRole

    municipality = MunicipalityFactory()
    household = household_with_members(municipality, children=2, birth_date=dt.date(1980, 5, 5))
    children = [m.person for m in HouseholdMember.objects.filter(household=household, role=HouseholdRole.CHILD).order_by("pk")]
    named, protected = children
    named.first_name = "Ella"
    named.save()
    protected.first_name, protected.protected_identity = "Hemlig", True
    protected.save()
    application = make_application(household, MONTH, kind="new", incomes=(("wage", "applicant", 3000),))
    settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = simulator_fixture(application)
    worker = user_with_role(Role.CASEWORKER, municipality)
    client.force_login(worker)
    prepare(client, application)
    html = client.get(url("case_detail", application.pk)).content.decode()
    trace = html[html.index('id="trace"'):]
    trace = trace[:trace.index("</table>")]
    assert f"barn {named.pk}," not in trace
    assert "Personliga kostnader, Ella," in trace
    assert "Hemlig" not in trace and f"barn {protected.pk}," in trace
