"""Test data for payments and follow-up: issued decisions (written directly, as the decisions app would
have issued them), payments in each status, and the municipality's bank account."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bistand.applications.models import Application
from bistand.calculations.services import build_input_for_household, new_stored_calculation, prepare_calculation
from bistand.decisions.models import Decision, Delegation
from bistand.payments.models import DebtorAccount, PayeeKind, Payment, PaymentStatus
from bistand.people.models import HouseholdRole
from bistand.tenancy.roles import Role
from tests.factories import household_with_members, user_with_role

MONTH = dt.date(2026, 3, 1)
ACCOUNT = ("5000", "1111116")  # SEB, valid type 1 account


def debtor_account(municipality) -> DebtorAccount:
    account, _ = DebtorAccount.objects.get_or_create(
        municipality=municipality,
        defaults={"name": f"{municipality.name} kommun", "iban": "SE4550000000058398257466", "bic": "ESSESESS"},
    )
    return account


def delegation(municipality, **fields) -> Delegation:
    defaults = {"active": True, "effective_from": dt.date(2026, 1, 1), "committee_reference": "Socialnämnden 2025-12-10 § 7"}
    defaults.update(fields)
    return Delegation.objects.create(municipality=municipality, **defaults)


def issued_decision(
    municipality,
    *,
    household=None,
    decided_by=None,
    automated: bool = False,
    delegation_: Delegation | None = None,
    month: dt.date = MONTH,
    adults: int = 1,
    bank_account: tuple[str, str] | None = ACCOUNT,
    rent: int = 6000,
    pk: int | None = None,
) -> Decision:
    """An issued, granted decision for a household of ``municipality`` (a new household with ``adults``
    adults unless one is given). Manual decisions need ``decided_by``; automated ones get a delegation."""
    household = household or household_with_members(municipality, adults=adults)
    members = {m.role: m.person for m in household.members.all() if m.is_current(month)}
    declaration = {"version": 1}
    if bank_account:
        declaration["bank_account"] = {"clearing": bank_account[0], "account": bank_account[1], "source": "applicant"}
    application = Application.objects.create(
        municipality=municipality,
        household=household,
        applicant=members[HouseholdRole.APPLICANT],
        co_applicant=members.get(HouseholdRole.PARTNER),
        month=month,
        kind="recurring",
        status="decided",
        declaration=declaration,
        submitted_at=timezone.now(),
    )
    document = build_input_for_household(household, month, costs=[{"type": "rent", "amount": rent}])
    calculation = new_stored_calculation(household=household, month=month, prepared=prepare_calculation(document), user="system")
    calculation.save()
    if automated:
        delegation_ = delegation_ or delegation(municipality)
        label = f"Automatiserad beslutsfunktion enligt socialnämndens delegation ({delegation_.committee_reference})"
    else:
        decided_by = decided_by or user_with_role(Role.CASEWORKER, municipality)
        label = decided_by.get_full_name() or decided_by.get_username()
    return Decision.objects.create(
        pk=pk,
        municipality=municipality,
        application=application,
        household=household,
        month=month,
        outcome="granted",
        amount_ore=calculation.amount_ore,
        calculation=calculation,
        engine_version=calculation.engine_version,
        parameter_hash=calculation.parameter_hash,
        reasons="Hushållet har rätt till försörjningsstöd enligt beräkningen.",
        legal_basis="4 kap. 1 § socialtjänstlagen",
        decided_by=None if automated else decided_by,
        automated=automated,
        delegation=delegation_ if automated else None,
        decision_maker_label=label,
        status="issued",
        issued_at=timezone.now(),
    )


def payment(decision: Decision, *, status: str = PaymentStatus.SCHEDULED, approved_by=None, pk: int | None = None,
            due_date: dt.date = dt.date(2026, 3, 25), account: str = "5000-1111116", **fields) -> Payment:
    """A payment of ``decision`` written directly (for tests of reads; writes go through the services)."""
    values = {
        "municipality_id": decision.municipality_id,
        "decision": decision,
        "amount_ore": decision.amount_ore,
        "payee_kind": PayeeKind.APPLICANT,
        "payee_name": f"{decision.application.applicant.first_name} {decision.application.applicant.last_name}",
        "account": account,
        "account_kind": "iban" if account.startswith("SE") else ("bban" if account else ""),
        "status": status,
        "due_date": due_date,
        "decided_by_id": decision.decided_by_id,
    }
    if status in (PaymentStatus.APPROVED, PaymentStatus.EXPORTED):
        values["approved_by"] = approved_by
        values["approved_at"] = timezone.now()
        if approved_by is None:
            values["approved_by_delegation"] = decision.delegation or delegation(decision.municipality)
    values.update(fields)
    return Payment.objects.create(pk=pk, **values)


# --- builders for the cross-municipality test (tests/factories.PERSON_LEVEL_BUILDERS) ---------------------


def _household(municipality, made):
    # Reuse the household already made: a new household would add persons and members, whose ids the
    # cross-municipality test keeps free.
    return made.get("people.household") or household_with_members(municipality)


def _decision_for(municipality, made, month: dt.date):
    """The decision made for this municipality already (when issued and not paid yet), else a new one
    for the household already made, in ``month`` (each builder its own month)."""
    decision = made.get("decisions.decision")
    if decision is not None and decision.status == "issued" and not Payment.objects.filter(decision=decision).exists():
        return decision
    return issued_decision(municipality, household=_household(municipality, made), month=month)


def build_payment(municipality, *, pk=None, made, **fields):
    return payment(_decision_for(municipality, made, dt.date(2025, 10, 1)), pk=pk, **fields)


def build_payment_export(municipality, *, pk=None, made, **fields):
    """An export holding one exported payment (its payee's name is in the file)."""
    from bistand.payments import pain001
    from bistand.payments.accounts import parse_account, parse_iban
    from bistand.payments.models import PaymentExport

    decision = issued_decision(municipality, household=_household(municipality, made), month=dt.date(2025, 11, 1))
    exported = payment(decision, status=PaymentStatus.APPROVED)
    content = pain001.build_document(
        message_id=f"TEST-{municipality.code}-{pk or 'X'}",
        created_at=dt.datetime(2026, 3, 25, 9, 0),
        debtor=pain001.Debtor(municipality.name, parse_iban("SE4550000000058398257466"), "ESSESESS"),
        batches=[pain001.Batch("B-1", dt.date(2026, 3, 25), [pain001.Transfer(
            exported.end_to_end_id, exported.amount_ore, exported.payee_name, parse_account(exported.account), "Test"
        )])],
    )
    export = PaymentExport.objects.create(
        pk=pk, municipality=municipality, export_date=dt.date(2026, 3, 25), message_id=f"TEST-{municipality.code}-{pk or 'X'}",
        content=content, sha256="0" * 64, payment_count=1, total_ore=exported.amount_ore, **fields,
    )
    Payment.objects.filter(pk=exported.pk).update(status=PaymentStatus.EXPORTED, export=export)
    return export


def build_payment_event(municipality, *, pk=None, made, **fields):
    from bistand.payments.models import PaymentEvent, PaymentEventKind

    paid = payment(_decision_for(municipality, made, dt.date(2025, 9, 1)))
    defaults = {"kind": PaymentEventKind.PAYEE_CHANGED, "reason": "Nytt konto", "attempt": 1, "account": paid.account}
    return PaymentEvent.objects.create(pk=pk, payment=paid, **{**defaults, **fields})


def build_automated_approval_batch(municipality, *, pk=None, made, **fields):
    from bistand.payments.models import AutomatedApprovalBatch

    owner = delegation(municipality, approves_payments=True, payment_daily_limit_ore=10_000_000,
                       effective_from=dt.date(2025, 1, 1) + dt.timedelta(days=AutomatedApprovalBatch.objects.count()))
    defaults = {"day": dt.date(2026, 3, 25), "limit_ore": 10_000_000, "approved_count": 1, "approved_total_ore": 500_000}
    return AutomatedApprovalBatch.objects.create(pk=pk, municipality=municipality, delegation=owner, **{**defaults, **fields})


def build_assistance_month(municipality, *, pk=None, made, **fields):
    from bistand.followup.models import AssistanceMonth

    decision = made.get("decisions.decision") or issued_decision(
        municipality, household=_household(municipality, made), month=dt.date(2025, 12, 1)
    )
    person = made.get("people.person") or decision.application.applicant
    return AssistanceMonth.objects.create(
        pk=pk, municipality=municipality, household=decision.household, person=person, month=decision.month,
        decision=decision, amount_ore=max(decision.amount_ore, 100), role="applicant", **fields,
    )
