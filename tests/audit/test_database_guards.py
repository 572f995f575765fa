"""Records that must not change are guarded by the database itself (triggers on SQLite and PostgreSQL),
not only by the ORM: raw SQL is refused as well. Only bistand.audit.guards.guards_lifted() lets the
guarded rows go (the demo reset and flush)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from bistand.audit.guards import OVERRIDE_TABLE, guards_lifted
from bistand.audit.models import AccessLog, AuditEvent
from bistand.decisions.models import Decision, DecisionLine
from bistand.payments.models import Payment
from tests.decisions.factories import build_decision
from tests.factories import AccessLogFactory, AuditEventFactory, MunicipalityFactory
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db


def refused(sql, params):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def count(model) -> int:
    return model.objects.count()


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.mark.parametrize("factory, model", [(AccessLogFactory, AccessLog), (AuditEventFactory, AuditEvent)])
def test_access_log_and_audit_rows_cannot_be_changed_or_deleted_with_raw_sql(factory, model):
    row = factory()
    table = model._meta.db_table
    refused(f"UPDATE {table} SET user_id = NULL WHERE id = %s", [row.pk])
    refused(f"DELETE FROM {table} WHERE id = %s", [row.pk])
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("factory, model", [(AccessLogFactory, AccessLog), (AuditEventFactory, AuditEvent)])
def test_access_log_and_audit_rows_cannot_be_deleted_through_the_orm(factory, model):
    row = factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.filter(pk=row.pk).exists()


def test_new_audit_rows_can_still_be_added():
    before = count(AuditEvent)
    AuditEventFactory()
    assert count(AuditEvent) == before + 1


def test_an_issued_decision_cannot_be_deleted(municipality):
    decision = issued_decision(municipality)
    refused(f"DELETE FROM {Decision._meta.db_table} WHERE id = %s", [decision.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).delete()
    assert Decision.objects.filter(pk=decision.pk).exists()


def test_the_lines_of_an_issued_decision_cannot_be_deleted(municipality):
    decision = build_decision(municipality, made={})
    assert decision.is_issued
    lines = list(decision.lines.values_list("pk", flat=True))
    assert lines
    refused(f"DELETE FROM {DecisionLine._meta.db_table} WHERE id = %s", [lines[0]])
    refused(f"DELETE FROM {DecisionLine._meta.db_table} WHERE decision_id = %s", [decision.pk])
    assert DecisionLine.objects.filter(decision=decision).count() == len(lines)


def checked_now():
    """PostgreSQL checks the payment amount at commit (a deferred constraint trigger, payments 0004 and
    0006); inside the test's transaction the pending checks are run here instead."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize("difference", [1, 100_000])
def test_a_payment_never_pays_more_than_its_decision(municipality, difference):
    decision = issued_decision(municipality)
    with pytest.raises(IntegrityError), transaction.atomic():
        payment(decision, amount_ore=decision.amount_ore + difference)
        checked_now()
    paid = payment(decision)
    checked_now()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Payment._meta.db_table} SET amount_ore = amount_ore + %s WHERE id = %s",
                       [difference, paid.pk])
        checked_now()
    assert Payment.objects.get(pk=paid.pk).amount_ore == decision.amount_ore


@pytest.mark.django_db(transaction=True)
def test_a_payment_above_its_decision_is_refused_at_commit():
    """Without a test transaction around it: the commit itself is refused and nothing is kept."""
    decision = issued_decision(MunicipalityFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        payment(decision, amount_ore=decision.amount_ore + 1)
    assert not Payment.objects.filter(decision=decision).exists()
    paid = payment(decision)
    assert Payment.objects.get(pk=paid.pk).amount_ore == decision.amount_ore


def test_a_payment_may_pay_less_than_its_decision_as_after_an_omprovning(municipality):
    """After an omprövning of a month already paid, the new decision's payment is the difference."""
    decision = issued_decision(municipality)
    assert payment(decision, amount_ore=decision.amount_ore - 1).amount_ore == decision.amount_ore - 1
    checked_now()
    with pytest.raises(IntegrityError), transaction.atomic():
        payment(decision, amount_ore=-1)
        checked_now()


def test_guards_lifted_lets_the_rows_go_and_leaves_the_guards_in_place(municipality):
    decision = issued_decision(municipality)
    log = AccessLogFactory()
    with guards_lifted("test"):
        AccessLog.objects.filter(pk=log.pk).delete()
        DecisionLine.objects.filter(decision=decision).delete()
        Decision.objects.filter(pk=decision.pk).delete()
    assert not Decision.objects.filter(pk=decision.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {OVERRIDE_TABLE}")
        assert cursor.fetchone()[0] == 0
    other = AccessLogFactory()
    refused(f"DELETE FROM {AccessLog._meta.db_table} WHERE id = %s", [other.pk])


def test_the_migrations_helper_runs_only_the_statements_of_the_connections_database():
    from bistand.audit.guards import run_sql_for_vendor

    class Editor:
        def __init__(self):
            self.connection, self.executed = connection, []

        def execute(self, sql, params=None):
            self.executed.append(sql)

    editor = Editor()
    run_sql_for_vendor({connection.vendor: ["SELECT 1", "SELECT 2"], "other": ["SELECT 3"]})(None, editor)
    assert editor.executed == ["SELECT 1", "SELECT 2"]
    nothing = Editor()
    run_sql_for_vendor({"other": ["SELECT 3"]})(None, nothing)
    assert nothing.executed == []


def test_a_payment_and_its_events_cannot_be_deleted_outside_the_guards(municipality):
    from bistand.payments.models import PaymentEvent

    paid = payment(issued_decision(municipality))
    checked_now()
    event = PaymentEvent.objects.create(payment=paid, kind=PaymentEvent._meta.get_field("kind").choices[0][0], attempt=1)
    refused(f"DELETE FROM {Payment._meta.db_table} WHERE id = %s", [paid.pk])
    refused(f"DELETE FROM {PaymentEvent._meta.db_table} WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=paid.pk).delete()
    assert Payment.objects.filter(pk=paid.pk).exists() and PaymentEvent.objects.filter(pk=event.pk).exists()
    with guards_lifted("test"):
        PaymentEvent.objects.filter(pk=event.pk).delete()
        Payment.objects.filter(pk=paid.pk).delete()
    assert not Payment.objects.filter(pk=paid.pk).exists()
