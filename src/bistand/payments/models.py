"""Payments of granted decisions, the municipality's bank account, and the bank files (exports).

* :class:`Payment` — the payment of one decision. The database forbids a second payment of the same
  decision (``decision`` is one-to-one) and an approval by the person who decided the decision, set up
  the payment or changed the payee (check constraints on the snapshot columns ``decided_by``,
  ``created_by`` and ``payee_changed_by``; :mod:`bistand.payments.services` checks the same first and
  says why in Swedish).
* :class:`PaymentExport` — one bank file (ISO 20022 pain.001.001.09) of one municipality and one date,
  stored byte for byte, so that exporting the same date again gives the same file. A payment belongs to
  at most one export.
* :class:`DebtorAccount` — the municipality's own bank account that payments are made from (edited in
  the admin).

Writes go through :mod:`bistand.payments.services` only.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from bistand.common.formatting import format_kronor
from bistand.tenancy import scoping

from .accounts import BBAN, IBAN, AccountError, parse_account, parse_iban


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Väntar på attest"
    APPROVED = "approved", "Attesterad"
    EXPORTED = "exported", "Skickad till banken"
    EXECUTED = "executed", "Utbetald"
    REJECTED = "rejected", "Avvisad av banken"
    CANCELLED = "cancelled", "Stoppad"


#: Statuses of a payment that is (or was) in a bank file.
IN_BANK_FILE = (PaymentStatus.EXPORTED, PaymentStatus.EXECUTED, PaymentStatus.REJECTED)
#: Statuses from which a case worker can issue the payment again (to a corrected account).
REISSUABLE = (PaymentStatus.REJECTED, PaymentStatus.CANCELLED)


class PayeeKind(models.TextChoices):
    APPLICANT = "applicant", "Den sökande"
    LANDLORD = "landlord", "Hyresvärden"


class AccountKind(models.TextChoices):
    BBAN = BBAN, "Clearingnummer och kontonummer"
    IBAN = IBAN, "IBAN"


def _not_same(user_field: str, other: str) -> Q:
    """``user_field`` and ``other`` are not the same user (either may be empty)."""
    return Q(**{f"{user_field}__isnull": True}) | Q(**{f"{other}__isnull": True}) | ~Q(**{user_field: F(other)})


@scoping.register("municipality")
class Payment(models.Model):
    """The payment of one granted decision (see the module docstring)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="payments"
    )
    decision = models.OneToOneField(
        "decisions.Decision",
        verbose_name="beslut",
        on_delete=models.PROTECT,
        related_name="payment",
        help_text="Ett beslut betalas ut en gång; databasen tillåter inte en andra utbetalning av samma beslut.",
    )
    amount_ore = models.BigIntegerField("belopp (öre)")
    payee_kind = models.CharField("mottagare", max_length=16, choices=PayeeKind.choices, default=PayeeKind.APPLICANT)
    payee_name = models.CharField("mottagarens namn", max_length=140)
    account = models.CharField(
        "konto",
        max_length=34,
        blank=True,
        help_text="Clearingnummer-kontonummer (till exempel 5000-1111116) eller IBAN. Tomt när kontot saknas.",
    )
    account_kind = models.CharField("typ av konto", max_length=4, choices=AccountKind.choices, blank=True)
    status = models.CharField("status", max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.SCHEDULED)
    due_date = models.DateField("utbetalningsdag")
    created_at = models.DateTimeField("upplagd", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="upplagd av",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Tom när systemet lade upp utbetalningen (månadskörningen).",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="beslutsfattare",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Kopia av beslutets beslutsfattare (tom för automatiska beslut), för kontrollen av fyra ögon.",
    )
    payee_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="mottagare ändrad av",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    payee_changed_at = models.DateTimeField("mottagare ändrad", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="attesterad av",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_by_delegation = models.ForeignKey(
        "decisions.Delegation",
        verbose_name="attesterad genom delegation",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="För automatiska beslut vars delegation också attesterar utbetalningen.",
    )
    approved_at = models.DateTimeField("attesterad", null=True, blank=True)
    export = models.ForeignKey(
        "payments.PaymentExport",
        verbose_name="betalfil",
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="stoppad av", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cancelled_at = models.DateTimeField("stoppad", null=True, blank=True)
    cancellation_reason = models.TextField("varför utbetalningen stoppades", blank=True)
    attempt = models.PositiveSmallIntegerField(
        "försök", default=1, help_text="Ökar med ett varje gång utbetalningen läggs upp igen efter att den stoppats "
        "eller avvisats av banken; ingår i betalningens id i betalfilen."
    )
    bank_status_at = models.DateTimeField("bankens svar", null=True, blank=True)
    bank_reason = models.CharField("bankens orsak", max_length=300, blank=True,
                                   help_text="Bankens orsakskod och förklaring när banken avvisade betalningen.")
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "utbetalning"
        verbose_name_plural = "utbetalningar"
        ordering = ["due_date", "pk"]
        permissions = [("approve_payment", "Kan attestera utbetalningar")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gt=0), name="payment_amount_positive",
                                   violation_error_message="Beloppet måste vara större än noll."),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_known"),
            models.CheckConstraint(condition=Q(payee_kind__in=PayeeKind.values), name="payment_payee_kind_known"),
            models.CheckConstraint(
                condition=Q(account="", account_kind="") | (~Q(account="") & Q(account_kind__in=AccountKind.values)),
                name="payment_account_kind_matches_account",
            ),
            # Approved (and exported) payments have an account, a time and exactly one approver: a person or
            # the delegation of an automated decision.
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"])
                | (
                    ~Q(account="")
                    & Q(approved_at__isnull=False)
                    & (Q(approved_by__isnull=False, approved_by_delegation__isnull=True)
                       | Q(approved_by__isnull=True, approved_by_delegation__isnull=False))
                ),
                name="payment_approved_has_one_approver",
            ),
            models.CheckConstraint(
                condition=Q(status__in=IN_BANK_FILE, export__isnull=False) | (~Q(status__in=IN_BANK_FILE) & Q(export__isnull=True)),
                name="payment_exported_has_export",
            ),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="payment_attempt_positive"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="payment_cancelled_has_time"
            ),
            # Four eyes: whoever decided, set up the payment or changed the payee does not approve it.
            models.CheckConstraint(condition=_not_same("approved_by", "decided_by"), name="payment_approver_did_not_decide",
                                   violation_error_message="Den som fattade beslutet kan inte attestera utbetalningen."),
            models.CheckConstraint(condition=_not_same("approved_by", "payee_changed_by"),
                                   name="payment_approver_did_not_change_payee",
                                   violation_error_message="Den som ändrade mottagaren kan inte attestera utbetalningen."),
            models.CheckConstraint(condition=_not_same("approved_by", "created_by"), name="payment_approver_did_not_create",
                                   violation_error_message="Den som lade upp utbetalningen kan inte attestera den."),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "due_date"], name="payment_municipality_status"),
        ]

    def __str__(self) -> str:
        return f"Utbetalning {self.pk} ({self.get_status_display().lower()})"

    @property
    def amount_kronor_text(self) -> str:
        return format_kronor(self.amount_ore)

    @property
    def end_to_end_id(self) -> str:
        """The payment's id in the bank file (EndToEndId), made from the payment id and, from the second
        attempt on, the attempt (a bank refuses an id it has seen before)."""
        return end_to_end_id(self.pk, self.attempt)

    def parsed_account(self):
        return parse_account(self.account) if self.account else None


def end_to_end_id(pk: int, attempt: int = 1) -> str:
    return f"BISTAND-P{pk}" if attempt == 1 else f"BISTAND-P{pk}-{attempt}"


def parse_end_to_end_id(value: str) -> tuple[int, int] | None:
    """(payment id, attempt) of an EndToEndId made by :func:`end_to_end_id`, or None for another id."""
    match = re.fullmatch(r"BISTAND-P([0-9]{1,18})(?:-([0-9]{1,4}))?", (value or "").strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 1)


class PaymentEventKind(models.TextChoices):
    PAYEE_CHANGED = "payee_changed", "Mottagare eller konto ändrat"
    CANCELLED = "cancelled", "Stoppad"
    REISSUED = "reissued", "Upplagd igen"
    EXECUTED = "executed", "Utbetald enligt banken"
    REJECTED = "rejected", "Avvisad av banken"


@scoping.register("payment__municipality")
class PaymentEvent(models.Model):
    """What happened to a payment after it was set up, with the reason: the payment's history, shown to
    the staff and (payee changes, stops) to the applicant in "Mitt ärende". Written by the services only,
    next to the audit event."""

    payment = models.ForeignKey(Payment, verbose_name="utbetalning", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("händelse", max_length=16, choices=PaymentEventKind.choices)
    at = models.DateTimeField("när", default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="av", on_delete=models.PROTECT, related_name="+",
                           null=True, blank=True, help_text="Tom när systemet (bankens fil) gjorde det.")
    reason = models.TextField("orsak", blank=True)
    attempt = models.PositiveSmallIntegerField("försök")
    account = models.CharField("konto", max_length=34, blank=True)
    export = models.ForeignKey("payments.PaymentExport", verbose_name="betalfil", on_delete=models.PROTECT,
                               related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "händelse för utbetalning"
        verbose_name_plural = "händelser för utbetalningar"
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PaymentEventKind.values), name="paymentevent_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"


@scoping.register("municipality")
class AutomatedApprovalBatch(models.Model):
    """The payments that the delegation of the automated decision function approved on one day, and those
    it left for a person because the day's limit was reached: listed for the manager."""

    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="+")
    delegation = models.ForeignKey("decisions.Delegation", verbose_name="delegation", on_delete=models.PROTECT,
                                   related_name="+")
    day = models.DateField("dag")
    limit_ore = models.BigIntegerField("dagens gräns (öre)", null=True, blank=True)
    approved_count = models.PositiveIntegerField("attesterade automatiskt", default=0)
    approved_total_ore = models.BigIntegerField("summa attesterad automatiskt (öre)", default=0)
    held_count = models.PositiveIntegerField("lämnade till en person", default=0)
    held_total_ore = models.BigIntegerField("summa lämnad till en person (öre)", default=0)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "automatisk attest per dag"
        verbose_name_plural = "automatiska attester per dag"
        ordering = ["-day", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["delegation", "day"], name="automatedapprovalbatch_one_per_day"),
            models.CheckConstraint(condition=Q(limit_ore__isnull=True) | Q(approved_total_ore__lte=F("limit_ore")),
                                   name="automatedapprovalbatch_within_limit"),
        ]

    @property
    def approved_total_text(self) -> str:
        return format_kronor(self.approved_total_ore)

    @property
    def held_total_text(self) -> str:
        return format_kronor(self.held_total_ore)

    @property
    def limit_text(self) -> str:
        return "ingen gräns" if self.limit_ore is None else format_kronor(self.limit_ore)


@scoping.register("municipality")
class PaymentExport(models.Model):
    """One bank file of one municipality and date (see the module docstring). Never changed once made."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="payment_exports"
    )
    export_date = models.DateField("exportdag")
    message_id = models.CharField("meddelandets id", max_length=35, unique=True)
    content = models.BinaryField("fil (pain.001.001.09)", editable=False)
    sha256 = models.CharField("kontrollsumma (SHA-256)", max_length=64)
    payment_count = models.PositiveIntegerField("antal utbetalningar")
    total_ore = models.BigIntegerField("summa (öre)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="skapad av",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Tom när filen skapades med kommandot export-payments.",
    )
    created_at = models.DateTimeField("skapad", default=timezone.now)
    removed_at = models.DateTimeField(
        "gallrad", null=True, blank=True, editable=False,
        help_text="När filens innehåll (namn och konton) togs bort av gallringen (bistand gallra). Raden finns kvar "
                  "utan personuppgifter så länge en utbetalning hänvisar till den.",
    )

    class Meta:
        verbose_name = "betalfil"
        verbose_name_plural = "betalfiler"
        ordering = ["-export_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "export_date"], name="paymentexport_one_per_municipality_date",
                                    violation_error_message="Kommunen har redan en betalfil för den dagen."),
            models.CheckConstraint(condition=Q(payment_count__gt=0, total_ore__gt=0), name="paymentexport_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Betalfil {self.export_date:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        # Guard only: a bank file is written once (see the module docstring).
        if not self._state.adding:
            raise ValueError("En betalfil kan inte ändras.")
        super().save(*args, **kwargs)

    @property
    def filename(self) -> str:
        return f"pain001-{self.message_id}.xml"

    @property
    def total_kronor_text(self) -> str:
        return format_kronor(self.total_ore)


class ClaimStatus(models.TextChoices):
    OPEN = "open", "Att pröva"
    DECIDED = "decided", "Prövad"


@scoping.register("municipality")
class OverpaymentClaim(models.Model):
    """Money paid for a household and month above what its latest decision grants (an omprövning to a
    lower amount after the payment was sent to the bank): recorded for a case worker, who decides
    whether to claim it back (återkrav, 33 kap. socialtjänstlagen 2025:400). Never decided here."""

    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="+")
    household = models.ForeignKey("people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("månad")
    decision = models.OneToOneField("decisions.Decision", verbose_name="beslut (omprövningen)", on_delete=models.PROTECT,
                                    related_name="overpayment_claim")
    paid_ore = models.BigIntegerField("utbetalt för månaden (öre)")
    granted_ore = models.BigIntegerField("beviljat i det senaste beslutet (öre)")
    amount_ore = models.BigIntegerField("för mycket utbetalt (öre)")
    status = models.CharField("status", max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    created_at = models.DateTimeField("registrerat", default=timezone.now)

    class Meta:
        verbose_name = "för mycket utbetalt (att pröva för återkrav)"
        verbose_name_plural = "för mycket utbetalt (att pröva för återkrav)"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gt=0) & Q(amount_ore=F("paid_ore") - F("granted_ore")),
                                   name="overpaymentclaim_amount_is_difference"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="overpaymentclaim_status_known"),
        ]

    def __str__(self) -> str:
        return f"För mycket utbetalt {format_kronor(self.amount_ore)} ({self.month:%Y-%m})"

    @property
    def amount_kronor_text(self) -> str:
        return format_kronor(self.amount_ore)


class DebtorAccount(models.Model):
    """The municipality's own bank account, that payments of försörjningsstöd are made from."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="debtor_account"
    )
    name = models.CharField("betalarens namn", max_length=140, help_text="Som det ska stå i betalfilen, till exempel ”Jönköpings kommun”.")
    iban = models.CharField("IBAN", max_length=34, help_text="Kommunens konto, SE och 22 siffror.")
    bic = models.CharField("BIC", max_length=11, help_text="Bankens BIC, till exempel ESSESESS (SEB) eller SWEDSESS (Swedbank).")
    initiating_party_id = models.CharField(
        "avtals-id hos banken",
        max_length=35,
        blank=True,
        help_text="Det id som banken har gett kommunens avtal för betalfiler, om banken kräver det.",
    )
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "kommunens bankkonto för utbetalningar"
        verbose_name_plural = "kommunernas bankkonton för utbetalningar"
        ordering = ["municipality__name"]
        constraints = [
            models.CheckConstraint(condition=Q(bic__regex=r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$"),
                                   name="debtoraccount_bic_form", violation_error_message="BIC ska vara 8 eller 11 tecken."),
            models.CheckConstraint(condition=Q(iban__regex=r"^SE[0-9]{22}$"), name="debtoraccount_iban_swedish",
                                   violation_error_message="IBAN ska vara SE och 22 siffror."),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.iban}"

    def clean(self):
        try:
            self.iban = parse_iban(self.iban).value
        except AccountError as error:
            raise ValidationError({"iban": error.message}) from None
        self.bic = (self.bic or "").replace(" ", "").upper()
