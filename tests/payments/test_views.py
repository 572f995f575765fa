"""Staff pages for approvers: payments awaiting approval (scoped, access-logged, fixed number of queries),
approval with four eyes, and the bank files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bistand.audit.models import AccessLog
from bistand.payments.models import Payment, PaymentExport, PaymentStatus
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
    assert "är skapad med 1 utbetalning på" in response.content.decode()
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


# --- issue 20: the checklist, the payment page, stop and issue again, the bank's answer -----------------


def test_the_approver_approves_all_at_once_after_confirming_count_and_total(client, municipality, caseworker, approver):
    payments = [scheduled(municipality, caseworker) for _ in range(3)]
    client.force_login(approver)
    page = client.get(reverse("staff:payment_list")).content.decode()
    total = sum(p.amount_ore for p in payments)
    from bistand.common.formatting import format_kronor

    assert f"Attestera alla som du kan attestera (3 st, {format_kronor(total)})" in page
    confirm = client.post(reverse("staff:payment_approve_many"), {"all": "1"})
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "3 utbetalningar" in text and format_kronor(total) in text
    assert PaymentStatus.APPROVED not in set(p.status for p in Payment.objects.all())
    done = client.post(reverse("staff:payment_approve_many"),
                       {"confirm": "1", "count": "3", "total_ore": str(total), "payment": [p.pk for p in payments]})
    assert done.status_code == 302
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.APPROVED}


def test_a_confirmation_that_no_longer_matches_approves_nothing(client, municipality, caseworker, approver):
    payments = [scheduled(municipality, caseworker) for _ in range(2)]
    client.force_login(approver)
    response = client.post(reverse("staff:payment_approve_many"),
                           {"confirm": "1", "count": "2", "total_ore": "100", "payment": [p.pk for p in payments]}, follow=True)
    assert "Du bekräftade 2 utbetalningar" in response.content.decode()
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.SCHEDULED}


def test_every_row_the_approver_meets_has_a_way_forward(client, municipality, caseworker, approver):
    no_account = scheduled(municipality, caseworker, bank_account=None)
    own = scheduled(municipality, approver)
    client.force_login(approver)
    page = client.get(reverse("staff:payment_list")).content.decode()
    detail = reverse("staff:payment_detail", args=[no_account.pk])
    assert f'href="{detail}">Lägg till kontot' in page
    assert "En annan attestant attesterar den." in page
    assert f'{reverse("staff:case_detail", args=[own.decision.application_id])}#beslut' in page


def test_the_payment_page_shows_the_decision_and_is_access_logged(client, municipality, caseworker, approver):
    payment = scheduled(municipality, caseworker)
    client.force_login(approver)
    response = client.get(reverse("staff:payment_detail", args=[payment.pk]))
    assert response.status_code == 200
    assert reverse("staff:decision_letter", args=[payment.decision_id]) in response.content.decode()
    assert AccessLog.objects.filter(user=approver, target="staff:payment_detail",
                                    person=payment.decision.application.applicant).exists()


def test_a_case_worker_stops_a_payment_with_a_reason_and_the_decision_is_listed_as_unexecuted(client, municipality, caseworker):
    payment = scheduled(municipality, caseworker)
    other = user_with_role(Role.CASEWORKER, municipality)
    client.force_login(other)
    url = reverse("staff:payment_cancel", args=[payment.pk])
    refused = client.post(url, {"cancel-reason": ""})
    assert refused.status_code == 400 and "Skriv skälet." in refused.content.decode()
    assert client.post(url, {"cancel-reason": "Den sökande har flyttat"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    listing = client.get(reverse("staff:payment_unexecuted")).content.decode()
    assert "Den sökande har flyttat" in listing and reverse("staff:payment_detail", args=[payment.pk]) in listing
    again = client.post(reverse("staff:payment_reissue", args=[payment.pk]),
                        {"reissue-payee_kind": "applicant", "reissue-payee_name": payment.payee_name,
                         "reissue-account": "5000-1111116", "reissue-reason": "Flytten blev inte av"})
    assert again.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED and payment.attempt == 2
    assert "Alla beslut om bistånd är verkställda" in client.get(reverse("staff:payment_unexecuted")).content.decode()


def test_changing_the_account_from_the_page_needs_a_valid_account_and_a_reason(client, municipality, caseworker):
    payment = scheduled(municipality, caseworker)
    client.force_login(user_with_role(Role.CASEWORKER, municipality))
    url = reverse("staff:payment_change_payee", args=[payment.pk])
    data = {"payee-payee_kind": "applicant", "payee-payee_name": payment.payee_name, "payee-account": "5000-1111111",
            "payee-reason": "Nytt konto"}
    bad = client.post(url, data)
    assert bad.status_code == 400 and "kontrollsiffran är fel" in bad.content.decode()
    assert client.post(url, {**data, "payee-account": "6000-301286698"}).status_code == 302
    payment.refresh_from_db()
    assert payment.account == "6000-301286698"


def test_the_approver_uploads_the_banks_status_file_and_sees_the_rejected_payment_with_its_reason(client, municipality, caseworker, approver):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bistand.payments.services import export_payments

    from . import bankfiles

    payments = [approve(scheduled(municipality, caseworker), approver) for _ in range(2)]
    export = export_payments(municipality, dt.date(2026, 3, 25))
    for payment in payments:
        payment.refresh_from_db()
    content = bankfiles.pain002(export.message_id, [(payments[0].end_to_end_id, "ACSC", "", ""),
                                                    (payments[1].end_to_end_id, "RJCT", "AC01", "")])
    client.force_login(approver)
    response = client.post(reverse("staff:payment_bank_status"),
                           {"file": SimpleUploadedFile("status.xml", content, content_type="application/xml")})
    text = response.content.decode()
    assert response.status_code == 200 and "1 utbetald, 1 avvisad" in text
    listing = client.get(reverse("staff:payment_list")).content.decode()
    assert "Avvisade av banken" in listing and "AC01 Kontonumret är fel" in listing
    bad = client.post(reverse("staff:payment_bank_status"), {"file": SimpleUploadedFile("x.xml", b"<x/>")})
    assert bad.status_code == 400 and "ISO 20022" in bad.content.decode()


def test_a_case_worker_cannot_upload_the_banks_answer(client, municipality, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("staff:payment_bank_status")).status_code == 403


def test_the_manager_sees_each_days_automatic_approvals_and_what_waits_for_a_person(client, municipality):
    from bistand.payments.services import schedule_payments

    from .factories import delegation as make_delegation

    delegation_ = make_delegation(municipality, approves_payments=True, committee_reference="Socialnämnden 2026-01-20 § 3")
    decisions = [issued_decision(municipality, automated=True, delegation_=delegation_) for _ in range(2)]
    delegation_.payment_daily_limit_ore = decisions[0].amount_ore
    delegation_.save()
    schedule_payments(decisions)
    manager = user_with_role(Role.MANAGER, municipality)
    client.force_login(manager)
    page = client.get(reverse("staff:payment_automated")).content.decode()
    from bistand.common.formatting import format_kronor

    amount = format_kronor(decisions[0].amount_ore)
    assert "Socialnämnden 2026-01-20 § 3" in page
    assert f"1 st, {amount}" in page and page.count(amount) >= 3  # approved, the limit, and the one held
