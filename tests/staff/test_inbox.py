"""The unit's inbox (/handlaggning/inkorg/): the applications that need a person, each with the reason it
was not decided automatically; filters; assignment; scoping to the unit; a fixed number of queries; the
access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bistand.applications.models import Application, ApplicationStatus
from bistand.applications.services import request_completion
from bistand.audit.models import AccessLog, AuditEvent
from bistand.casework.models import Assignment
from bistand.tenancy.roles import Role
from tests.casework.factories import referral
from tests.decisions.factories import MONTH, make_application
from tests.factories import MunicipalityFactory, UnitFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

INBOX = "/handlaggning/inkorg/"


def application(municipality, unit, *, kind="recurring", status="submitted", month=MONTH, last_name="Andersson",
                **fields):
    household = household_with_members(municipality, last_name=last_name)
    made = make_application(household, month, kind=kind, status=status, **fields)
    Application.objects.filter(pk=made.pk).update(unit=unit)
    made.refresh_from_db()
    return made


class World:
    def __init__(self):
        self.municipality = MunicipalityFactory(name="Inkorgsby")
        self.unit = UnitFactory(municipality=self.municipality, name="Försörjningsstöd Norr")
        self.other_unit = UnitFactory(municipality=self.municipality, name="Försörjningsstöd Söder")
        self.worker = user_with_role(Role.CASEWORKER, self.municipality, unit=self.unit, first_name="Wilma",
                                     last_name="Handläggare")
        self.colleague = user_with_role(Role.CASEWORKER, self.municipality, unit=self.unit, first_name="Conny",
                                        last_name="Kollega")
        self.stranger = user_with_role(Role.CASEWORKER, self.municipality, unit=self.other_unit, first_name="Sune",
                                       last_name="Söder")
        m, u = self.municipality, self.unit
        self.referred = application(m, u, last_name="Registersson")
        referral(self.referred, ("register_incomes_match", "Lön: 4 000 kr angivet i ansökan, 5 500 kr enligt Skatteverket."))
        self.new = application(m, u, kind="new", last_name="Nysson")
        self.waiting = application(m, u, last_name="Väntesson")  # recurring, not yet seen by the monthly run
        self.decided = application(m, u, status="decided", last_name="Beslutsson")
        self.elsewhere = application(m, self.other_unit, kind="new", last_name="Södersson")
        self.no_unit = application(m, None, kind="new", last_name="Enhetslös")
        self.unanswered = application(m, u, last_name="Frågasson", needs_caseworker=True,
                                      caseworker_reasons=[{"code": "cannot_answer:assets",
                                                           "label": "Sökanden kunde inte svara om tillgångar."}])
        self.completion = application(m, u, last_name="Kompletteringsson")
        request_completion(self.completion, actor=self.worker, text="Skicka hyresavin.",
                           due_date=timezone.localdate() + dt.timedelta(days=7))


@pytest.fixture
def world(settings):
    settings.BISTAND_ATTACHMENT_DIR = "/tmp/bistand-test-attachments"
    return World()


def names_in(response) -> str:
    return response.content.decode()


def test_the_inbox_shows_what_needs_a_person_with_the_reason(client, world):
    client.force_login(world.worker)
    response = client.get(INBOX)
    assert response.status_code == 200
    html = names_in(response)
    for shown in ("Registersson", "Nysson", "Enhetslös", "Frågasson", "Kompletteringsson"):
        assert shown in html
    for hidden in ("Väntesson", "Beslutsson", "Södersson"):
        assert hidden not in html
    assert "Inkomsterna i registren stämmer inte med ansökan" in html
    assert "Lön: 4 000 kr angivet i ansökan, 5 500 kr enligt Skatteverket." in html
    assert "Ny ansökan, inte en återansökan" in html
    assert "Sökanden kunde inte svara om tillgångar." in html
    assert "Obesvarad begäran om komplettering" in html
    assert "1 återansökning väntar på månadskörningen" in html


def test_each_row_has_its_own_reasons(client, world):
    client.force_login(world.worker)
    rows = {a.pk: codes for a, codes in _rows(client.get(INBOX))}
    assert rows[world.referred.pk] == ["register_incomes_match"]
    assert rows[world.new.pk] == ["recurring"]
    assert rows[world.unanswered.pk] == ["nothing_for_caseworker"]
    assert rows[world.completion.pk] == ["no_open_completion_request"]


def _rows(response):
    for row in response.context["rows"]:
        yield row["application"], [r.code for r in row["reasons"]]


@pytest.mark.parametrize(("query", "expected"), [
    ({"reason": "register_incomes_match"}, {"referred"}),
    ({"reason": "recurring"}, {"new", "no_unit"}),
    ({"reason": "nothing_for_caseworker"}, {"unanswered"}),
    ({"reason": "no_open_completion_request"}, {"completion"}),
    ({"kind": "new"}, {"new", "no_unit"}),
    ({"kind": "recurring"}, {"referred", "unanswered", "completion"}),
    ({"month": "2026-03"}, {"referred", "new", "no_unit", "unanswered", "completion"}),
])
def test_the_filters(client, world, query, expected):
    client.force_login(world.worker)
    response = client.get(INBOX, query)
    assert response.status_code == 200
    wanted = {getattr(world, name).pk for name in expected}
    assert {a.pk for a, _ in _rows(response)} == wanted


def test_a_filter_value_that_is_not_in_the_list_is_refused_with_a_message(client, world):
    client.force_login(world.worker)
    response = client.get(INBOX, {"month": "2026-04"})
    assert response.status_code == 400
    assert list(_rows(response)) == []
    assert "Något behöver rättas" in response.content.decode()


def test_another_units_inbox_is_not_shown_unless_chosen(client, world):
    client.force_login(world.stranger)
    shown = {a.pk for a, _ in _rows(client.get(INBOX))}
    assert shown == {world.elsewhere.pk, world.no_unit.pk}
    chosen = {a.pk for a, _ in _rows(client.get(INBOX, {"unit": str(world.unit.pk)}))}
    assert world.referred.pk in chosen and world.elsewhere.pk not in chosen


def test_assigning_to_me_takes_the_application_and_the_filter_finds_it(client, world):
    client.force_login(world.worker)
    response = client.post(reverse("staff:case_assign", args=[world.referred.pk]), {"assigned_to": world.worker.pk})
    assert response.status_code == 302
    assignment = Assignment.objects.get(application=world.referred)
    assert assignment.assigned_to == world.worker and assignment.assigned_by == world.worker
    world.referred.refresh_from_db()
    assert world.referred.status == ApplicationStatus.IN_REVIEW
    assert AuditEvent.objects.filter(model="casework.assignment", object_id=str(assignment.pk)).exists()
    mine = {a.pk for a, _ in _rows(client.get(INBOX, {"assigned": "me"}))}
    assert mine == {world.referred.pk}
    unassigned = {a.pk for a, _ in _rows(client.get(INBOX, {"assigned": "none"}))}
    assert world.referred.pk not in unassigned and world.new.pk in unassigned


def test_assigning_to_a_colleague_with_htmx_replaces_the_row(client, world):
    client.force_login(world.worker)
    response = client.post(reverse("staff:case_assign", args=[world.new.pk]), {"assigned_to": world.colleague.pk},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<tr") and f'id="ansokan-{world.new.pk}"' in html
    assert "Conny Kollega" in html and "Ansökan är tilldelad Conny Kollega." in html
    assert Assignment.objects.get(application=world.new).assigned_to == world.colleague
    by_colleague = {a.pk for a, _ in _rows(client.get(INBOX, {"assigned": str(world.colleague.pk)}))}
    assert by_colleague == {world.new.pk}


def test_an_application_cannot_be_assigned_to_someone_outside_the_unit(client, world):
    client.force_login(world.worker)
    response = client.post(reverse("staff:case_assign", args=[world.new.pk]), {"assigned_to": world.stranger.pk},
                           HTTP_HX_REQUEST="true")
    assert "Välj en handläggare i enheten" in response.content.decode()
    assert not Assignment.objects.filter(application=world.new).exists()


def test_a_decided_application_cannot_be_assigned(client, world):
    client.force_login(world.worker)
    client.post(reverse("staff:case_assign", args=[world.decided.pk]), {"assigned_to": world.worker.pk})
    assert not Assignment.objects.filter(application=world.decided).exists()


def test_the_inbox_writes_one_access_log_row_per_person_shown(client, world):
    client.force_login(world.worker)
    before = AccessLog.objects.count()
    response = client.get(INBOX)
    shown = {p.pk for a, _ in _rows(response) for p in (a.applicant, a.co_applicant) if p is not None}
    rows = AccessLog.objects.filter(target="staff:inbox")
    assert AccessLog.objects.count() - before == len(shown) == rows.count()
    assert set(rows.values_list("person_id", flat=True)) == shown
    assert set(rows.values_list("action", flat=True)) == {"list"}


def _queries(client, user) -> int:
    client.force_login(user)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200
    return len(queries)


def test_the_inbox_runs_the_same_queries_for_2_and_20_rows(client):
    counts = []
    for rows in (2, 20):
        municipality = MunicipalityFactory()
        unit = UnitFactory(municipality=municipality)
        worker = user_with_role(Role.CASEWORKER, municipality, unit=unit)
        for index in range(rows):
            made = application(municipality, unit, kind="new" if index % 2 else "recurring", last_name=f"Rad{index}")
            if index % 2 == 0:
                referral(made, ("amount_close_to_last_month", "Beloppet skiljer sig."))
            if index % 3 == 0:
                Assignment.objects.create(application=made, assigned_to=worker, assigned_by=worker)
        counts.append(_queries(client, worker))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.REGIONAL_COORDINATOR])
def test_roles_without_person_data_do_not_get_the_inbox(client, world, role):
    from tests.factories import RegionFactory

    user = user_with_role(role, world.municipality, region=RegionFactory())
    client.force_login(user)
    assert client.get(INBOX).status_code == 403


def test_a_manager_sees_the_inbox_and_can_assign(client, world):
    manager = user_with_role(Role.MANAGER, world.municipality)
    client.force_login(manager)
    response = client.get(INBOX)
    assert response.status_code == 200 and world.referred.pk in {a.pk for a, _ in _rows(response)}
    client.post(reverse("staff:case_assign", args=[world.referred.pk]), {"assigned_to": world.colleague.pk})
    assert Assignment.objects.get(application=world.referred).assigned_to == world.colleague


@pytest.mark.parametrize("listing", ["inbox", "case_list"])
def test_the_assignment_filter_finds_mine_nobodys_or_a_colleagues_in_the_inbox_and_the_case_list(world, listing):
    from bistand.casework import selectors
    from bistand.casework.services import assign

    assign(world.referred, to_user=world.worker, by_user=world.worker)
    assign(world.new, to_user=world.colleague, by_user=world.worker)
    select, filters = ((selectors.inbox, selectors.InboxFilters) if listing == "inbox"
                       else (selectors.case_list, selectors.CaseFilters))

    def found(assigned: str) -> set[int]:
        return set(select(world.worker, filters(assigned=assigned)).values_list("pk", flat=True))

    everyone = found("")
    assert found("me") == {world.referred.pk}
    assert found(str(world.colleague.pk)) == {world.new.pk}
    assert found("none") == everyone - {world.referred.pk, world.new.pk}
    assert world.completion.pk in found("none")
