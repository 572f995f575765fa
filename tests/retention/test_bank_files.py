"""Gallring of the bank files (pain.001, payments.PaymentExport): a bank file holds the names and accounts
of every payee in it, so it is removed by `bistand gallra` once its time in the retention plan has run
out. It is räkenskapsinformation: bokföringslagen (1999:1078) 7 kap. 2 § keeps it until the end of the
seventh year after the calendar year of the file (the plan's own kind, 84 months by default), longer than
the case (five years), so it is counted from the end of the year it was made. The clock is pinned with
time-machine."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from bistand.audit.models import AuditEvent
from bistand.payments.models import Payment, PaymentExport, PaymentStatus
from bistand.retention import services
from bistand.retention.models import RetentionPlan
from tests.factories import MunicipalityFactory, household_with_members
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db

STOCKHOLM = dt.timezone(dt.timedelta(hours=1))
BIRTH_DATE = dt.date(1980, 6, 3)  # not a research day


def at(year, month, day):
    return time_machine.travel(dt.datetime(year, month, day, 12, 0, tzinfo=STOCKHOLM), tick=False)


@pytest.fixture
def municipality():
    return MunicipalityFactory()


def bank_file(municipality, *, export_date=dt.date(2026, 3, 25), household=None) -> tuple[PaymentExport, Payment]:
    """An exported payment and the bank file it went in (made on ``export_date``)."""
    household = household or household_with_members(municipality, birth_date=BIRTH_DATE)
    exported = payment(issued_decision(municipality, household=household), status=PaymentStatus.APPROVED)
    export = PaymentExport.objects.create(
        municipality=municipality, export_date=export_date, message_id=f"M-{municipality.code}-{export_date:%Y%m%d}",
        content=f"<Nm>{exported.payee_name}</Nm>".encode(), sha256="0" * 64, payment_count=1,
        total_ore=exported.amount_ore,
    )
    Payment.objects.filter(pk=exported.pk).update(status=PaymentStatus.EXPORTED, export=export)
    return export, exported


def test_the_default_plan_keeps_bank_files_seven_years_after_the_year_they_were_made():
    assert RetentionPlan().bank_file_months == 84


def test_a_bank_file_is_removed_after_the_bookkeeping_period_and_not_a_day_before(municipality):
    with at(2026, 3, 25):
        export, _paid = bank_file(municipality)
    with at(2033, 12, 31):  # "till och med det sjunde året efter utgången av det kalenderår" 2026
        report = services.gallra(municipality)
    assert PaymentExport.objects.filter(pk=export.pk).exists()
    assert report.bank_files == 0
    with at(2034, 1, 1):
        report = services.gallra(municipality)
    assert not PaymentExport.objects.filter(pk=export.pk).exists()
    assert report.bank_files == 1
    assert report.gallring.records["payments.paymentexport"] == 1


def test_a_bank_file_outlives_the_cases_it_paid(municipality):
    with at(2026, 3, 25):
        export, paid = bank_file(municipality)
    with at(2031, 6, 1):
        report = services.gallra(municipality)
    assert report.removed == 1 and not Payment.objects.filter(pk=paid.pk).exists()
    assert PaymentExport.objects.filter(pk=export.pk).exists()


def test_a_bank_file_a_kept_payment_still_names_loses_its_content_and_keeps_an_anonymous_row(municipality):
    with at(2026, 3, 25):
        export, paid = bank_file(municipality)
    with at(2033, 6, 1):  # a later entry keeps the case
        issued_decision(municipality, household=paid.decision.household, month=dt.date(2033, 7, 1))
    with at(2034, 2, 1):
        report = services.gallra(municipality)
    assert report.bank_files == 1
    paid.refresh_from_db()
    assert paid.export_id == export.pk and paid.status == PaymentStatus.EXPORTED
    kept = PaymentExport.objects.get(pk=export.pk)
    assert bytes(kept.content) == b"" and kept.removed_at is not None
    assert (kept.payment_count, kept.total_ore, kept.sha256) == (1, export.total_ore, export.sha256)
    with at(2034, 3, 1):  # once removed, it is not counted again
        assert services.gallra(municipality).bank_files == 0


def test_a_removed_bank_file_is_not_handed_out_and_says_why(municipality, client):
    from bistand.tenancy.roles import Role
    from tests.factories import user_with_role

    with at(2026, 3, 25):
        export, paid = bank_file(municipality)
    with at(2033, 6, 1):
        issued_decision(municipality, household=paid.decision.household, month=dt.date(2033, 7, 1))
    with at(2034, 2, 1):
        services.gallra(municipality)
    client.force_login(user_with_role(Role.APPROVER, municipality))
    listing = client.get("/handlaggning/utbetalningar/betalfiler/").content.decode()
    assert "Gallrad 2034-02-01" in listing
    response = client.get(f"/handlaggning/utbetalningar/betalfiler/{export.pk}/", follow=True)
    assert "är gallrad 2034-02-01" in response.content.decode()
    assert response.get("Content-Disposition") is None


def test_the_plan_may_keep_bank_files_a_shorter_time(municipality):
    RetentionPlan.objects.create(municipality=municipality, bank_file_months=12)
    with at(2026, 3, 25):
        export, _paid = bank_file(municipality)
    with at(2027, 12, 31):
        services.gallra(municipality)
    assert PaymentExport.objects.get(pk=export.pk).removed_at is None
    with at(2028, 1, 1):  # the case itself is kept until 2031: the file's row stays, without content
        services.gallra(municipality)
    assert PaymentExport.objects.get(pk=export.pk).removed_at is not None


def test_a_dry_run_counts_the_bank_files_and_removes_none(municipality):
    with at(2026, 3, 25):
        export, _paid = bank_file(municipality)
    with at(2034, 1, 1):
        report = services.gallra(municipality, dry_run=True)
    assert report.bank_files == 1
    assert PaymentExport.objects.filter(pk=export.pk).exists()


def test_another_municipalitys_bank_file_is_left_alone(municipality):
    other = MunicipalityFactory()
    with at(2026, 3, 25):
        theirs, _paid = bank_file(other)
    with at(2034, 1, 1):
        services.gallra(municipality)
    assert PaymentExport.objects.filter(pk=theirs.pk).exists()


def test_the_removal_of_bank_files_leaves_an_anonymous_count_in_the_audit_trail(municipality):
    with at(2026, 3, 25):
        export, paid = bank_file(municipality)
    with at(2034, 1, 1):
        report = services.gallra(municipality)
    [event] = AuditEvent.objects.filter(model="retention.gallring", changes__has_key="betalfiler")
    assert event.changes["betalfiler"]["old"] == {"payments.paymentexport": 1}
    assert event.object_id == str(report.gallring.pk)
    assert export.message_id not in str(event.changes)


def test_the_command_reports_the_bank_files(municipality):
    with at(2026, 3, 25):
        bank_file(municipality)
    out = StringIO()
    with at(2034, 1, 1):
        call_command("gallra", municipality=municipality.code, dry_run=True, stdout=out)
    assert "betalfiler som skulle gallras: 1" in out.getvalue()
