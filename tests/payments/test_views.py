"""Staff pages for approvers: payments awaiting approval (scoped, access-logged, fixed number of queries),
approval with four eyes, and the bank files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bistand.audit.models import AccessLog
from bistand.payments.models import PaymentExport, PaymentStatus
from bistand.payments.services import approve, schedule_payment
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

from . import schema
from .factories import debtor_account, issued_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(name="Testby")
    debtor_account(municipality)
    return municipality


@pytest.fixture
def caseworker(municipality):
    return user_with_role(Role.CASEWORKER, municipality, first_name="Cecilia", last_name="Handläggare")


@pytest.fixture
def approver(municipality):
    return user_with_role(Role.APPROVER, municipality, first_name="Anna", last_name="Attestant")


def scheduled(municipality, decided_by, **fields):
    return schedule_payment(issued_decision(municipality, decided_by=decided_by, **fields))


def test_the_approver_sees_the_payments_awaiting_approval_and_the_list_is_access_logged(client, municipality, caseworker, approver):
    payment = scheduled(municipality, caseworker)
    applicant = payment.decision.application.applicant
    client.force_login(approver)
    response = client.get(reverse("staff:payment_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert f"{applicant.first_name} {applicant.last_name}" in text
    assert "5000-1111116 (SEB)" in text
    assert reverse("staff:payment_approve", args=[payment.pk]) in text
    log = AccessLog.objects.get(user=approver)
    assert (log.person_id, log.action, log.target) == (applicant.pk, "list", "staff:payment_list")


def test_the_decision_maker_sees_why_they_cannot_approve_instead_of_the_button(client, municipality):
    decider = user_with_role(Role.APPROVER, municipality)
    payment = scheduled(municipality, decider)
    client.force_login(decider)
    text = client.get(reverse("staff:payment_list")).content.decode()
    assert "Du fattade beslutet och kan därför inte attestera utbetalningen." in text
    assert reverse("staff:payment_approve", args=[payment.pk]) not in text


def test_approving_from_the_page(client, municipality, caseworker, approver):
    payment = scheduled(municipality, caseworker)
    client.force_login(approver)
    response = client.post(reverse("staff:payment_approve", args=[payment.pk]), follow=True)
    assert "är attesterad" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.APPROVED and payment.approved_by == approver


def test_approving_ones_own_decision_from_the_page_is_refused_with_the_reason(client, municipality):
    decider = user_with_role(Role.APPROVER, municipality)
    payment = scheduled(municipality, decider)
    client.force_login(decider)
    response = client.post(reverse("staff:payment_approve", args=[payment.pk]), follow=True)
    assert "Du fattade beslutet" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED


def test_a_case_worker_may_see_payments_but_not_approve_them_or_see_bank_files(client, municipality, caseworker):
    payment = scheduled(municipality, user_with_role(Role.CASEWORKER, municipality))
    client.force_login(caseworker)
    page = client.get(reverse("staff:payment_list"))
    assert page.status_code == 200 and "Attestera</button>" not in page.content.decode()
    assert client.post(reverse("staff:payment_approve", args=[payment.pk])).status_code == 403
    assert client.get(reverse("staff:payment_export_list")).status_code == 403


def test_a_protected_applicants_name_is_hidden_also_as_payee(client, municipality, caseworker, approver):
    household = household_with_members(municipality, first_name="Hemlig", last_name="Skyddsson", protected_identity=True)
    scheduled(municipality, caseworker, household=household)
    client.force_login(approver)
    text = client.get(reverse("staff:payment_list")).content.decode()
    assert "Skyddsson" not in text and "Hemlig" not in text
    assert "Skyddad identitet" in text


def test_another_municipalitys_payment_cannot_be_approved(client, municipality, caseworker):
    payment = scheduled(municipality, caseworker)
    elsewhere = user_with_role(Role.APPROVER, MunicipalityFactory())
    client.force_login(elsewhere)
    assert client.post(reverse("staff:payment_approve", args=[payment.pk])).status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED


def municipality_with_payments(count: int):
    municipality = MunicipalityFactory()
    decider = user_with_role(Role.CASEWORKER, municipality)
    for index in range(count):
        household = household_with_members(municipality, adults=2, protected_identity=index % 3 == 0)
        scheduled(municipality, decider, household=household)
    return municipality, user_with_role(Role.APPROVER, municipality)


def test_the_list_runs_the_same_queries_for_3_and_30_payments(client):
    counts = []
    for rows in (3, 30):
        _, reader = municipality_with_payments(rows)
        client.force_login(reader)
        client.get(reverse("staff:payment_list"))
        before = AccessLog.objects.count()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("staff:payment_list"))
        assert response.status_code == 200
        assert AccessLog.objects.count() - before == rows  # one row per applicant, in one INSERT
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 3 rows, {counts[1]} for 30"
    assert counts[1] <= 15


def test_the_approver_makes_lists_and_downloads_a_bank_file(client, municipality, caseworker, approver):
    payment = approve(scheduled(municipality, caseworker), user_with_role(Role.APPROVER, municipality))
    client.force_login(approver)
    listing = client.get(reverse("staff:payment_export_list"))
    assert "1 attesterad utbetalning" in listing.content.decode()
    response = client.post(reverse("staff:payment_export_create"), {"export_date": "2026-03-25"}, follow=True)
    assert "är skapad med 1 utbetalningar" in response.content.decode()
    export = PaymentExport.objects.get()
    assert export.created_by == approver and export.export_date == dt.date(2026, 3, 25)
    assert reverse("staff:payment_export_download", args=[export.pk]) in response.content.decode()

    download = client.get(reverse("staff:payment_export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{export.filename}"'
    schema.validate(download.content)
    log = AccessLog.objects.filter(target="staff:payment_export_download").get()
    assert (log.person_id, log.action) == (payment.decision.application.applicant_id, "export")


def test_making_a_bank_file_with_nothing_to_export_shows_the_reason_at_the_form(client, municipality, approver):
    client.force_login(approver)
    response = client.post(reverse("staff:payment_export_create"), {"export_date": "2026-03-25"})
    assert response.status_code == 400
    assert "inga attesterade utbetalningar" in response.content.decode()
    response = client.post(reverse("staff:payment_export_create"), {"export_date": "25 mars"})
    assert response.status_code == 400 and "ÅÅÅÅ-MM-DD" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
