"""Export of approved payments to a pain.001.001.09 bank file: valid against the official XSD, the same
file again for the same date, no payment in two files, nothing written on error."""

from __future__ import annotations

import datetime as dt
import hashlib
from xml.etree import ElementTree as ET

import pytest

from bistand.audit.models import AuditEvent
from bistand.followup.models import AssistanceMonth
from bistand.payments import pain001
from bistand.payments.models import Payment, PaymentExport, PaymentStatus
from bistand.payments.services import ExportError, approve, export_payments, schedule_payment
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

from . import schema
from .factories import debtor_account, issued_decision

pytestmark = pytest.mark.django_db

NS = {"p": pain001.NAMESPACE}
EXPORT_DAY = dt.date(2026, 3, 25)


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(name="Testby")
    debtor_account(municipality)
    return municipality


@pytest.fixture
def people(municipality):
    return (user_with_role(Role.CASEWORKER, municipality), user_with_role(Role.APPROVER, municipality))


def approved_payment(municipality, people, *, due_date=EXPORT_DAY, adults=1, **decision_fields):
    caseworker, approver = people
    decision = issued_decision(municipality, decided_by=caseworker, adults=adults, **decision_fields)
    return approve(schedule_payment(decision, due_date=due_date), approver)


def end_to_end_ids(content: bytes) -> list[str]:
    return [e.text for e in ET.fromstring(content).iter(f"{{{pain001.NAMESPACE}}}EndToEndId")]


def test_the_export_is_a_valid_pain001_file_of_every_approved_payment(municipality, people):
    first = approved_payment(municipality, people)
    second = approved_payment(municipality, people, bank_account=("6000", "301286698"))
    export = export_payments(municipality, EXPORT_DAY)
    content = bytes(export.content)
    schema.validate(content)
    assert export.created_now
    assert sorted(end_to_end_ids(content)) == sorted([f"BISTAND-P{first.pk}", f"BISTAND-P{second.pk}"])
    assert export.payment_count == 2 and export.total_ore == first.amount_ore + second.amount_ore
    assert export.sha256 == hashlib.sha256(content).hexdigest()
    assert export.message_id == f"BISTAND-{municipality.code}-20260325"
    root = ET.fromstring(content)
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "SE4550000000058398257466"
    assert {u.text for u in root.iter(f"{{{pain001.NAMESPACE}}}Ustrd")} == {
        f"Försörjningsstöd 2026-03, beslut {first.decision_id}", f"Försörjningsstöd 2026-03, beslut {second.decision_id}"
    }
    for payment in (first, second):
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.EXPORTED and payment.export == export


def test_only_approved_payments_of_the_municipality_are_exported(municipality, people):
    approved = approved_payment(municipality, people)
    caseworker, _ = people
    waiting = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    elsewhere = MunicipalityFactory()
    debtor_account(elsewhere)
    other = approved_payment(elsewhere, (user_with_role(Role.CASEWORKER, elsewhere), user_with_role(Role.APPROVER, elsewhere)))
    export = export_payments(municipality, EXPORT_DAY)
    assert end_to_end_ids(bytes(export.content)) == [f"BISTAND-P{approved.pk}"]
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert waiting.status == PaymentStatus.SCHEDULED and other.status == PaymentStatus.APPROVED


def test_exporting_the_same_date_again_gives_the_same_file_and_writes_nothing(municipality, people):
    approved_payment(municipality, people)
    first = export_payments(municipality, EXPORT_DAY)
    events, months = AuditEvent.objects.count(), AssistanceMonth.objects.count()
    late = approved_payment(municipality, people)  # approved after the file was made
    again = export_payments(municipality, EXPORT_DAY, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert again.pk == first.pk and not again.created_now
    assert bytes(again.content) == bytes(first.content)
    assert PaymentExport.objects.count() == 1
    assert AssistanceMonth.objects.count() == months
    assert AuditEvent.objects.count() == events + 2  # only the late payment's scheduling and approval
    late.refresh_from_db()
    assert late.status == PaymentStatus.APPROVED and late.export is None


def test_an_exported_payment_is_never_put_into_a_second_file(municipality, people):
    early = approved_payment(municipality, people)
    first = export_payments(municipality, EXPORT_DAY)
    late = approved_payment(municipality, people)
    second = export_payments(municipality, EXPORT_DAY + dt.timedelta(days=1))
    assert end_to_end_ids(bytes(first.content)) == [f"BISTAND-P{early.pk}"]
    assert end_to_end_ids(bytes(second.content)) == [f"BISTAND-P{late.pk}"]
    with pytest.raises(ExportError, match="inga attesterade"):
        export_payments(municipality, EXPORT_DAY + dt.timedelta(days=2))


def test_payments_are_grouped_by_execution_date_and_overdue_ones_go_on_the_export_date(municipality, people):
    overdue = approved_payment(municipality, people, due_date=dt.date(2026, 3, 20))
    today = approved_payment(municipality, people, due_date=EXPORT_DAY)
    later = approved_payment(municipality, people, due_date=dt.date(2026, 3, 27))
    content = bytes(export_payments(municipality, EXPORT_DAY).content)
    schema.validate(content)
    batches = ET.fromstring(content).findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    by_date = {b.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS): sorted(e.text for e in b.iter(f"{{{pain001.NAMESPACE}}}EndToEndId"))
               for b in batches}
    assert by_date == {
        "2026-03-25": sorted([f"BISTAND-P{overdue.pk}", f"BISTAND-P{today.pk}"]),
        "2026-03-27": [f"BISTAND-P{later.pk}"],
    }


def test_nothing_to_export_or_no_bank_account_gives_a_message_and_writes_nothing(municipality, people):
    with pytest.raises(ExportError, match="inga attesterade utbetalningar"):
        export_payments(municipality, EXPORT_DAY)
    without_account = MunicipalityFactory(name="Kontolösa")
    approved_payment(without_account, (user_with_role(Role.CASEWORKER, without_account), user_with_role(Role.APPROVER, without_account)))
    with pytest.raises(ExportError, match="inget bankkonto"):
        export_payments(without_account, EXPORT_DAY)
    assert not PaymentExport.objects.exists()


def test_an_error_half_way_leaves_no_export_no_exported_payment_and_no_facts(municipality, people, monkeypatch):
    payment = approved_payment(municipality, people)
    import bistand.followup.services as followup_services

    def fail(payments):
        raise RuntimeError("disk full")

    monkeypatch.setattr(followup_services, "record_assistance_months", fail)
    with pytest.raises(RuntimeError):
        export_payments(municipality, EXPORT_DAY)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.APPROVED and payment.export is None
    assert not PaymentExport.objects.exists()
    assert not AssistanceMonth.objects.exists()
    assert not AuditEvent.objects.filter(model="payments.paymentexport").exists()


def test_exporting_writes_audit_events_and_assistance_months_per_adult(municipality, people):
    payment = approved_payment(municipality, people, adults=2)
    export = export_payments(municipality, EXPORT_DAY)
    assert AuditEvent.objects.filter(model="payments.paymentexport", object_id=str(export.pk), action="create").exists()
    event = AuditEvent.objects.filter(model="payments.payment", object_id=str(payment.pk)).order_by("pk").last()
    assert event.changes["status"] == {"old": "approved", "new": "exported"}
    facts = AssistanceMonth.objects.filter(decision=payment.decision)
    assert sorted(facts.values_list("role", flat=True)) == ["applicant", "partner"]
    assert {f.month for f in facts} == {dt.date(2026, 3, 1)}


def test_an_export_is_never_changed(municipality, people):
    approved_payment(municipality, people)
    export = export_payments(municipality, EXPORT_DAY)
    export.payment_count = 99
    with pytest.raises(ValueError):
        export.save()


def test_only_someone_working_in_the_municipality_may_export(municipality, people):
    approved_payment(municipality, people)
    stranger = user_with_role(Role.APPROVER, MunicipalityFactory())
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        export_payments(municipality, EXPORT_DAY, user=stranger)
    assert Payment.objects.get().status == PaymentStatus.APPROVED
