"""The bank's answer (issue 20): a pain.002 status report and a camt.054 debit notification make each
exported payment executed or rejected with the bank's reason; reading a file again changes nothing; a
rejected payment can be issued again to a corrected account. The crafted files are validated against
the official ISO 20022 XSDs (tests/payments/bankfiles.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from bistand.audit.models import AuditEvent
from bistand.payments import bankstatus
from bistand.payments.models import PaymentEvent, PaymentEventKind, PaymentStatus
from bistand.payments.services import (
    Payee,
    PaymentError,
    approve,
    export_payments,
    import_bank_status,
    reissue,
    schedule_payment,
)
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

from . import bankfiles, schema
from .factories import debtor_account, issued_decision

pytestmark = pytest.mark.django_db

EXPORT_DAY = dt.date(2026, 3, 25)


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(name="Testby")
    debtor_account(municipality)
    return municipality


@pytest.fixture
def people(municipality):
    return user_with_role(Role.CASEWORKER, municipality), user_with_role(Role.APPROVER, municipality)


def exported(municipality, people, count=2):
    caseworker, approver = people
    payments = [approve(schedule_payment(issued_decision(municipality, decided_by=caseworker), due_date=EXPORT_DAY), approver)
                for _ in range(count)]
    export = export_payments(municipality, EXPORT_DAY)
    for payment in payments:
        payment.refresh_from_db()
    return export, payments


@pytest.mark.parametrize("version", ["03", "12"])
def test_a_pain002_report_marks_payments_executed_and_rejected_with_the_banks_reason(municipality, people, version):
    export, (paid, refused) = exported(municipality, people)
    content = bankfiles.pain002(export.message_id, [
        (paid.end_to_end_id, "ACSC", "", ""),
        (refused.end_to_end_id, "RJCT", "AC01", "Kontot finns inte"),
    ], version=version)
    bankfiles.validate(content, f"pain.002.001.{version}")
    result = import_bank_status(content)
    assert [p.pk for p in result.executed] == [paid.pk] and [p.pk for p in result.rejected] == [refused.pk]
    paid.refresh_from_db()
    refused.refresh_from_db()
    assert paid.status == PaymentStatus.EXECUTED and paid.bank_reason == ""
    assert refused.status == PaymentStatus.REJECTED
    assert refused.bank_reason == "AC01 Kontonumret är fel (Kontot finns inte)"
    assert AuditEvent.objects.filter(object_id=str(refused.pk), changes__status__new="rejected").exists()
    assert PaymentEvent.objects.get(payment=refused).kind == PaymentEventKind.REJECTED


def test_payments_still_on_their_way_are_left_as_they_are(municipality, people):
    export, (first, second) = exported(municipality, people)
    content = bankfiles.pain002(export.message_id, [(first.end_to_end_id, "ACCP", "", ""), (second.end_to_end_id, "PDNG", "", "")])
    bankfiles.validate(content, "pain.002.001.03")
    result = import_bank_status(content)
    assert not result.executed and not result.rejected
    first.refresh_from_db()
    assert first.status == PaymentStatus.EXPORTED


def test_reading_the_same_file_again_changes_nothing(municipality, people):
    export, (paid, refused) = exported(municipality, people)
    content = bankfiles.pain002(export.message_id, [(paid.end_to_end_id, "ACSC", "", ""), (refused.end_to_end_id, "RJCT", "AC04", "")])
    import_bank_status(content)
    events = AuditEvent.objects.count()
    again = import_bank_status(content)
    assert not again.executed and not again.rejected and again.unchanged == 2
    assert AuditEvent.objects.count() == events
    assert PaymentEvent.objects.count() == 2


def test_a_rejected_file_rejects_every_payment_in_it(municipality, people):
    export, payments = exported(municipality, people)
    content = bankfiles.pain002(export.message_id, group_status="RJCT", group_reason="FF01")
    bankfiles.validate(content, "pain.002.001.03")
    result = import_bank_status(content)
    assert sorted(p.pk for p in result.rejected) == sorted(p.pk for p in payments)
    assert all(p.bank_reason == "FF01 Filen har fel format" for p in result.rejected)


def test_a_rejected_batch_rejects_the_payments_of_its_execution_date(municipality, people):
    export, payments = exported(municipality, people)
    content = bankfiles.pain002(export.message_id, batches=[(f"{export.message_id}-20260325", "RJCT", "AM04")])
    bankfiles.validate(content, "pain.002.001.03")
    result = import_bank_status(content)
    assert sorted(p.pk for p in result.rejected) == sorted(p.pk for p in payments)


def test_a_camt054_debit_notification_marks_booked_payments_executed_and_returned_ones_rejected(municipality, people):
    export, (paid, returned) = exported(municipality, people)
    content = bankfiles.camt054([(paid.end_to_end_id, paid.amount_ore, "DBIT", ""),
                                 (returned.end_to_end_id, returned.amount_ore, "CRDT", "AC04")])
    bankfiles.validate(content, "camt.054.001.02")
    result = import_bank_status(content)
    assert result.kind == "camt.054"
    paid.refresh_from_db()
    returned.refresh_from_db()
    assert paid.status == PaymentStatus.EXECUTED
    assert returned.status == PaymentStatus.REJECTED and returned.bank_reason.startswith("AC04 Kontot är avslutat")


def test_a_status_line_about_another_municipalitys_payment_changes_nothing_for_a_user(municipality, people):
    elsewhere = MunicipalityFactory()
    debtor_account(elsewhere)
    export, (other, _) = exported(elsewhere, (user_with_role(Role.CASEWORKER, elsewhere), user_with_role(Role.APPROVER, elsewhere)))
    content = bankfiles.pain002(export.message_id, [(other.end_to_end_id, "RJCT", "AC01", "")])
    result = import_bank_status(content, user=people[1])
    assert result.unknown == [other.end_to_end_id] and not result.rejected
    other.refresh_from_db()
    assert other.status == PaymentStatus.EXPORTED


@pytest.mark.parametrize("content, message", [
    (b"", "tom"),
    (b"<not xml", "inte giltig XML"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>', "inte tillåts"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "pain.002"),
])
def test_a_file_that_is_not_a_bank_status_file_is_refused_with_a_swedish_message(content, message):
    with pytest.raises(bankstatus.BankStatusError, match=message):
        bankstatus.read(content)


def test_a_rejected_payment_is_issued_again_to_a_corrected_account_and_goes_into_the_next_file(municipality, people):
    caseworker, approver = people
    export, (paid, refused) = exported(municipality, people)
    import_bank_status(bankfiles.pain002(export.message_id, [(refused.end_to_end_id, "RJCT", "AC01", "")]))
    with pytest.raises(PaymentError, match="Skriv varför"):
        reissue(refused, caseworker, "")
    again = reissue(refused, caseworker, "Sökande lämnade rätt konto",
                    Payee(refused.payee_kind, refused.payee_name, "6000-301286698"))
    assert again.status == PaymentStatus.SCHEDULED and again.attempt == 2 and again.account == "6000-301286698"
    assert again.end_to_end_id == f"BISTAND-P{again.pk}-2"
    assert reissue(again, caseworker, "igen").attempt == 2  # idempotent
    approve(again, approver)
    second = export_payments(municipality, dt.date(2026, 3, 26))
    schema.validate(bytes(second.content))
    assert f"BISTAND-P{again.pk}-2".encode() in bytes(second.content)
    # The bank's old answer about the first attempt no longer applies.
    stale = import_bank_status(bankfiles.pain002(export.message_id, [(f"BISTAND-P{again.pk}", "RJCT", "AC01", "")]))
    assert not stale.rejected and stale.unknown
    assert [e.kind for e in again.events.all()] == [PaymentEventKind.REJECTED, PaymentEventKind.REISSUED]


def test_the_import_bank_status_command_reads_the_file_and_says_what_it_did(municipality, people, tmp_path):
    export, (paid, refused) = exported(municipality, people)
    path = tmp_path / "status.xml"
    path.write_bytes(bankfiles.pain002(export.message_id, [(paid.end_to_end_id, "ACSC", "", ""),
                                                           (refused.end_to_end_id, "RJCT", "AC01", "")]))
    out = io.StringIO()
    call_command("import-bank-status", str(path), stdout=out)
    assert "1 utbetald, 1 avvisad" in out.getvalue()
    assert "AC01 Kontonumret är fel" in out.getvalue()
    out = io.StringIO()
    call_command("import-bank-status", str(path), stdout=out)
    assert "2 redan inlästa" in out.getvalue()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<x/>")
    with pytest.raises(CommandError, match="ISO 20022"):
        call_command("import-bank-status", str(bad))


def test_the_applicant_sees_utbetalt_only_when_the_bank_has_executed_the_payment(municipality, people):
    from bistand.payments.selectors import events_for_application

    export, (paid, refused) = exported(municipality, people)
    sent = events_for_application(paid.decision.application)
    assert [e.title for e in sent] == ["Skickad till banken"]
    import_bank_status(bankfiles.pain002(export.message_id, [(paid.end_to_end_id, "ACSC", "", ""),
                                                             (refused.end_to_end_id, "RJCT", "AC01", "")]))
    assert [e.title for e in events_for_application(paid.decision.application)] == ["Utbetalt"]
    titles = [e.title for e in events_for_application(refused.decision.application)]
    assert "Utbetalt" not in titles and titles == ["Banken kunde inte betala ut"]


def test_the_applicant_is_told_when_the_payee_account_is_changed_and_why(municipality, people):
    from bistand.payments.models import PayeeKind
    from bistand.payments.selectors import events_for_application
    from bistand.payments.services import change_payee

    caseworker, _ = people
    payment = schedule_payment(issued_decision(municipality, decided_by=caseworker))
    change_payee(payment, user_with_role(Role.CASEWORKER, municipality),
                 Payee(PayeeKind.APPLICANT, payment.payee_name, "6000-301286698"), "Du bad om ett nytt konto")
    (event,) = events_for_application(payment.decision.application)
    assert event.title == "Kontot för utbetalningen är ändrat"
    assert "Du bad om ett nytt konto" in event.text and "6000-301286698" in event.text


def test_the_applicant_is_told_when_a_rejected_payment_is_issued_again_to_a_corrected_account(municipality, people):
    """Found by the whole-month flow: after a case worker re-issued a rejected payment to a corrected
    account, "Mitt ärende" said nothing about it (and the bank's refusal vanished from the history)."""
    from bistand.payments.models import PayeeKind
    from bistand.payments.selectors import events_for_application
    from bistand.payments.services import reissue

    export, (paid, refused) = exported(municipality, people)
    import_bank_status(bankfiles.pain002(export.message_id, [(paid.end_to_end_id, "ACSC", "", ""),
                                                             (refused.end_to_end_id, "RJCT", "AC01", "")]))
    refused.refresh_from_db()
    reissue(refused, user_with_role(Role.CASEWORKER, municipality), "Du lämnade rätt kontonummer på telefon",
            Payee(PayeeKind.APPLICANT, refused.payee_name, "6000-301286698"))
    events = events_for_application(refused.decision.application)
    assert [e.title for e in events] == ["Banken kunde inte betala ut", "Utbetalningen görs igen"]
    assert "6000-301286698" in events[1].text and "Du lämnade rätt kontonummer på telefon" in events[1].text
    assert "Utbetalt" not in [e.title for e in events]
