"""Decisions on applications for försörjningsstöd, and the committee's delegation to an automated
decision function.

* :class:`Decision` — one decision on one application (or an omprövning of an earlier decision). It
  keeps the stored calculation it rests on, with the engine version and parameter-set hash, and the
  texts as they were issued (reasons, legal basis, conditions, decision maker), so the decision and its
  letter can be shown again exactly as they were, years later. A draft can be changed; an **issued
  decision never changes**: :mod:`bistand.decisions.services` refuses, ``save()`` and
  ``QuerySet.update()`` refuse, and the database refuses (triggers, migration 0002). A correction is a
  new decision that ``reconsiders`` the old one.
* :class:`DecisionLine` — the outcome for each applied item (the norm, each cost), with the amount
  applied for and the amount granted.
* :class:`Delegation` — the social committee's delegation of a decision type to the automated decision
  function (automatiserad beslutsfunktion): a kill switch, the date it takes effect, the reference to
  the committee's decision, and the criteria the automation checks (:mod:`bistand.decisions.automation`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.common.formatting import format_kronor
from bistand.common.months import format_month
from bistand.tenancy import scoping
from bistand.tenancy.roles import DELEGATE_ROLES, Role, role_label


class ImmutableDecisionError(Exception):
    """An issued decision cannot be changed; make an omprövning (a new decision) instead."""

    def __init__(self, message: str = "Ett fattat beslut kan inte ändras. Gör en omprövning i stället.") -> None:
        super().__init__(message)


class Outcome(models.TextChoices):
    GRANTED = "granted", gettext_noop("Bifall")
    PARTLY_REFUSED = "partly_refused", gettext_noop("Delavslag")
    REFUSED = "refused", gettext_noop("Avslag")
    DISMISSED = "dismissed", gettext_noop("Avvisning")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", "Utkast"
    ISSUED = "issued", "Fattat"


class DecisionType(models.TextChoices):
    MONTHLY_ASSISTANCE = "monthly_assistance", "Försörjningsstöd, månadsansökan"


# --- delegation ------------------------------------------------------------------------------------


class Delegation(models.Model):
    """The committee's delegation of one decision type to the automated decision function, in one
    municipality (a row of its delegationsordning). Edited in the admin; decisions made under it point
    to it and keep a copy of the criteria they were checked against."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="delegations"
    )
    decision_type = models.CharField(
        "typ av beslut", max_length=40, choices=DecisionType.choices, default=DecisionType.MONTHLY_ASSISTANCE
    )
    active = models.BooleanField(
        "påslagen",
        default=False,
        help_text="Nödstopp: när rutan inte är ikryssad fattas inga automatiska beslut, alla ansökningar går "
        "till en handläggare.",
    )
    effective_from = models.DateField("gäller från", help_text="Första dagen som delegationen gäller.")
    committee_reference = models.CharField(
        "nämndens beslut",
        max_length=200,
        help_text="Hänvisning till nämndens beslut om delegationen, till exempel ”Socialnämnden 2026-01-20 § 12”.",
    )
    criteria = models.JSONField(
        "villkor för automatiska beslut",
        default=dict,
        blank=True,
        help_text="Varje villkor kan slås av och på och har sin tolerans. Villkor som saknas har standardvärdet.",
    )
    conditions_text = models.TextField(
        "villkor i beslutet",
        blank=True,
        help_text="Villkor som skrivs in i varje automatiskt beslut, till exempel om att stå till "
        "arbetsmarknadens förfogande.",
    )
    approves_payments = models.BooleanField(
        "attesterar utbetalningen",
        default=False,
        help_text="Kryssa i om nämndens delegation också omfattar attesten av utbetalningar av automatiska "
        "beslut. Annars attesterar en person varje utbetalning.",
    )
    payment_daily_limit_ore = models.BigIntegerField(
        "högsta summa per dag som attesteras automatiskt (öre)",
        null=True,
        blank=True,
        help_text="Krävs när delegationen attesterar utbetalningar. Utbetalningar över summan för dagen väntar på "
        "attest av en person. Skrivs i öre: 50000000 är 500 000 kr.",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "delegation till automatiserad beslutsfunktion"
        verbose_name_plural = "delegationer till automatiserad beslutsfunktion"
        ordering = ["municipality__name", "decision_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "decision_type", "effective_from"],
                name="delegation_one_per_type_and_date",
                violation_error_message="Kommunen har redan en delegation för den typen av beslut från det datumet.",
            ),
            models.CheckConstraint(condition=Q(decision_type__in=DecisionType.values), name="delegation_type_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_type_display()} från {self.effective_from:%Y-%m-%d} ({self.committee_reference})"

    def clean(self):
        super().clean()
        if self.approves_payments and self.payment_daily_limit_ore is None:
            raise ValidationError({"payment_daily_limit_ore": "Skriv den högsta summan per dag som delegationen får "
                                                              "attestera, när den attesterar utbetalningar."})
        if self.payment_daily_limit_ore is not None and self.payment_daily_limit_ore < 0:
            raise ValidationError({"payment_daily_limit_ore": "Summan kan inte vara negativ."})


# --- delegation to people (the delegationsordning) ---------------------------------------------------


class DecisionKind(models.TextChoices):
    """The kinds of decision a delegationsordning delegates, as the system makes them: the outcome of a
    decision on an application for försörjningsstöd, an omprövning, and a norm set at a higher or lower
    level. A decision may need more than one kind (a grant with a lowered norm needs both); see
    :func:`bistand.decisions.selectors.kinds_of`."""

    GRANT = "grant", "Försörjningsstöd: bifall"
    PARTLY_REFUSED = "partly_refused", "Försörjningsstöd: delvis bifall (delavslag)"
    REFUSAL = "refusal", "Försörjningsstöd: avslag"
    DISMISSAL = "dismissal", "Avvisning av ansökan"
    NORM_LEVEL = "norm_level", "Norm på högre eller lägre nivå (12 kap. 7 § tredje stycket SoL)"
    RECONSIDERATION = "reconsideration", "Omprövning av beslut (37–39 §§ förvaltningslagen)"


class PersonDelegation(models.Model):
    """One row of a municipality's delegationsordning for people: the committee delegates a kind of
    decision, up to an amount per decision (or without limit), for a period, to everyone with a role or
    to one named user. Edited by the municipality's administrator in the admin (audited). A case worker
    without a row for the decision at hand only prepares it (föredragande) for someone with one to decide
    (:mod:`bistand.decisions.services`); :func:`bistand.decisions.selectors.may_decide` answers who may.

    A municipality with no rows at all has not entered its delegationsordning: decisions by its staff
    are then not checked against it (as before the delegationsordning existed)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="person_delegations"
    )
    committee = models.CharField(
        "nämnd som delegerat", max_length=150, blank=True,
        help_text="Nämnden som har fattat beslutet om delegation. Tomt: kommunens nämnd för ekonomiskt bistånd.",
    )
    role = models.CharField(
        "roll", max_length=32, blank=True, choices=[(r.value, r.label) for r in Role if r.value in DELEGATE_ROLES],
        help_text="Alla med rollen i kommunen får fatta beslutet. Välj antingen en roll eller en namngiven person.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="namngiven person", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )
    decision_kind = models.CharField("typ av beslut", max_length=30, choices=DecisionKind.choices)
    max_amount_kronor = models.PositiveIntegerField(
        "högsta belopp per beslut (kronor)", null=True, blank=True,
        help_text="Beslut över beloppet fattas av någon med högre delegation. Tomt: ingen beloppsgräns.",
    )
    valid_from = models.DateField("gäller från")
    valid_to = models.DateField("gäller till och med", null=True, blank=True, help_text="Tomt: tills vidare.")
    reference = models.CharField(
        "nämndens beslut", max_length=200,
        help_text="Hänvisning till nämndens beslut om delegationsordningen, till exempel ”IFN 2026-01-20 § 12”.",
    )
    decided_on = models.DateField("datum för nämndens beslut")
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "rad i delegationsordningen"
        verbose_name_plural = "delegationsordning (beslut av personal)"
        ordering = ["municipality__name", "committee", "decision_kind", "role", "valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(role="") & Q(user__isnull=True)) | (Q(role="") & Q(user__isnull=False)),
                name="persondelegation_role_or_user",
                violation_error_message="Välj antingen en roll eller en namngiven person, inte båda.",
            ),
            models.CheckConstraint(condition=Q(decision_kind__in=DecisionKind.values),
                                   name="persondelegation_kind_known"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="persondelegation_valid_to_after_from",
                                   violation_error_message="Sista dagen kan inte vara före första dagen."),
        ]
        indexes = [models.Index(fields=["municipality", "decision_kind"], name="persondelegation_kind")]

    def __str__(self) -> str:
        who = role_label(self.role) if self.role else str(self.user)
        limit = f"högst {format_kronor(self.max_amount_kronor * 100)}" if self.max_amount_kronor is not None \
            else "utan beloppsgräns"
        return f"{self.get_decision_kind_display()} – {who}, {limit}"

    @property
    def committee_name(self) -> str:
        """The committee that delegated the decision (the municipality's, when not written)."""
        return self.committee or self.municipality.committee_name

    def clean(self):
        super().clean()
        if bool(self.role) == (self.user_id is not None):
            raise ValidationError({"role": "Välj antingen en roll eller en namngiven person, inte båda."})
        if self.valid_to is not None and self.valid_from is not None and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "Sista dagen kan inte vara före första dagen."})


# --- decisions -------------------------------------------------------------------------------------


class DecisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Drafts are changed one by one through the services; issued decisions never.
        raise ImmutableDecisionError()

    def issued(self):
        return self.filter(status=DecisionStatus.ISSUED)

    def issue_drafts(self, issued_at) -> int:
        """Issue the drafts among these decisions in one UPDATE (the automated decision function's bulk
        path; an issued decision is never updated — the database refuses that too). Returns how many."""
        return models.QuerySet.update(self.filter(status=DecisionStatus.DRAFT), status=DecisionStatus.ISSUED,
                                      issued_at=issued_at)


@scoping.register("municipality")
class Decision(models.Model):
    """A decision on an application (see the module docstring)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="decisions"
    )
    application = models.ForeignKey(
        "applications.Application", verbose_name="ansökan", on_delete=models.PROTECT, related_name="decisions"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="decisions"
    )
    month = models.DateField("månad", help_text="Månadens första dag.")
    outcome = models.CharField("utfall", max_length=20, choices=Outcome.choices)
    amount_ore = models.BigIntegerField("beviljat belopp (öre)")
    calculation = models.ForeignKey(
        "calculations.StoredCalculation",
        verbose_name="beräkning",
        on_delete=models.PROTECT,
        related_name="decisions",
        null=True,
        blank=True,
        help_text="Tom bara vid avvisning utan beräkning.",
    )
    engine_version = models.CharField("beräkningsmotorns version", max_length=32, blank=True)
    parameter_hash = models.CharField("parameteruppsättningens kontrollsumma", max_length=64, blank=True)
    reasons = models.TextField("skäl för beslutet")
    caseworker_text = models.TextField("handläggarens egna skäl", blank=True)
    legal_basis = models.TextField("lagrum")
    conditions = models.TextField("villkor", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="beslutsfattare",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    automated = models.BooleanField("automatiserat beslut", default=False)
    delegation = models.ForeignKey(
        Delegation, verbose_name="delegation", on_delete=models.PROTECT, related_name="decisions", null=True, blank=True
    )
    automation_report = models.JSONField(
        "kontrollerade villkor",
        default=list,
        blank=True,
        help_text="För automatiska beslut: varje villkor som kontrollerades, med inställning och resultat.",
    )
    decision_maker_label = models.CharField("beslutsfattare (text i beslutet)", max_length=300)
    person_delegation = models.ForeignKey(
        PersonDelegation, verbose_name="rad i delegationsordningen", on_delete=models.PROTECT,
        related_name="decisions", null=True, blank=True,
        help_text="Den delegation som beslutsfattaren fattade beslutet med stöd av.",
    )
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="föredragande", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, help_text="Handläggaren som förberedde beslutet åt beslutsfattaren.",
    )
    presented_at = models.DateTimeField(
        "lämnat för beslut", null=True, blank=True,
        help_text="När förslaget lämnades till någon med delegation. Tomt när det inte väntar på beslut.",
    )
    # null rather than "": SQLite adds a column without a default in place, while a default would rebuild the
    # table and trip the immutability triggers (migration 0002).
    returned_comment = models.TextField("kommentar när förslaget lämnades tillbaka", null=True, blank=True)  # noqa: DJ001
    status = models.CharField("status", max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    issued_at = models.DateTimeField("beslutsdatum", null=True, blank=True)
    reconsiders = models.OneToOneField(
        "self",
        verbose_name="omprövar beslut",
        on_delete=models.PROTECT,
        related_name="reconsidered_by",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="skapat av", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField("skapat", default=timezone.now)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "beslut"
        verbose_name_plural = "beslut"
        ordering = ["-month", "-created_at", "-pk"]
        constraints = [
            # No application is decided twice: one original decision per application; corrections are
            # omprövningar (and each decision is reconsidered at most once: ``reconsiders`` is one-to-one).
            models.UniqueConstraint(
                fields=["application"], condition=Q(reconsiders__isnull=True), name="decision_one_original_per_application"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="decision_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(outcome__in=["granted", "partly_refused"], amount_ore__gt=0)
                | Q(outcome__in=["refused", "dismissed"], amount_ore=0),
                name="decision_outcome_matches_amount",
            ),
            models.CheckConstraint(
                condition=Q(calculation__isnull=False) | Q(outcome="dismissed"),
                name="decision_calculation_unless_dismissed",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", issued_at__isnull=True) | Q(status="issued", issued_at__isnull=False),
                name="decision_issued_has_date",
            ),
            # An automated decision is a grant under a delegation, made by no person.
            models.CheckConstraint(
                condition=Q(automated=False)
                | Q(automated=True, outcome="granted", delegation__isnull=False, decided_by__isnull=True),
                name="decision_automated_only_grants_under_delegation",
            ),
            models.CheckConstraint(
                condition=Q(automated=True) | Q(status="draft") | Q(decided_by__isnull=False),
                name="decision_issued_by_a_person_unless_automated",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-month"], name="decision_household_month"),
            models.Index(fields=["municipality", "month", "status"], name="decision_municipality_month"),
        ]

    def __str__(self) -> str:
        return f"Beslut {self.pk or ''} {format_month(self.month)}: {self.get_outcome_display()}".replace("  ", " ")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_issued(self) -> bool:
        return self.status == DecisionStatus.ISSUED

    def save(self, *args, **kwargs):
        # Guard only: an issued decision is never written again (see the module docstring).
        if not self._state.adding and getattr(self, "_loaded_status", None) == DecisionStatus.ISSUED:
            raise ImmutableDecisionError()
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def delete(self, *args, **kwargs):
        if self.is_issued or getattr(self, "_loaded_status", None) == DecisionStatus.ISSUED:
            raise ImmutableDecisionError("Ett fattat beslut kan inte tas bort.")
        return super().delete(*args, **kwargs)

    @property
    def month_label(self) -> str:
        from bistand.common.months import month_sv

        return month_sv(self.month)


@scoping.register("decision__municipality")
class DecisionLine(models.Model):
    """The outcome for one applied item of a decision."""

    decision = models.ForeignKey(Decision, verbose_name="beslut", on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField("ordning", default=0)
    item = models.CharField("post", max_length=60, help_text="”norm” eller kostnadens typ, till exempel ”rent”.")
    label = models.CharField("benämning", max_length=200)
    applied_ore = models.BigIntegerField("ansökt belopp (öre)")
    granted_ore = models.BigIntegerField("beviljat belopp (öre)")
    outcome = models.CharField("utfall", max_length=20, choices=Outcome.choices)
    reason = models.TextField("skäl", blank=True)

    class Meta:
        verbose_name = "beslutsrad"
        verbose_name_plural = "beslutsrader"
        ordering = ["decision", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(applied_ore__gte=0, granted_ore__gte=0), name="decisionline_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(outcome__in=["granted", "dismissed"]) | ~Q(reason=""),
                name="decisionline_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if self.decision_id is not None and Decision.objects.filter(pk=self.decision_id, status=DecisionStatus.ISSUED).exists():
            raise ImmutableDecisionError()
        super().save(*args, **kwargs)


# --- omprövning to the party's detriment (FL 37 § second paragraph) ---------------------------------------


class WorseningException(models.TextChoices):
    """The exceptions of förvaltningslagen 37 § second paragraph under which a favourable decision may be
    changed to the party's detriment."""

    RESERVATION = "reservation", ("Det framgår av beslutet eller av föreskrifterna att det får återkallas under "
                                  "vissa förutsättningar, och de förutsättningarna finns (37 § andra stycket 1 FL)")
    SAFETY = "safety", "Beslutet måste ändras omedelbart av tvingande säkerhetsskäl (37 § andra stycket 2 FL)"
    MISLEADING_INFORMATION = "misleading_information", (
        "Felet beror på att sökanden har lämnat felaktiga eller vilseledande uppgifter (37 § andra stycket 3 FL)")


WORSENING_PROVISIONS = {
    WorseningException.RESERVATION: "37 § andra stycket 1 förvaltningslagen (2017:900)",
    WorseningException.SAFETY: "37 § andra stycket 2 förvaltningslagen (2017:900)",
    WorseningException.MISLEADING_INFORMATION: "37 § andra stycket 3 förvaltningslagen (2017:900)",
}


@scoping.register("decision__municipality")
class WorseningGround(models.Model):
    """Why an omprövning changes a favourable decision to the applicant's detriment: the exception of
    FL 37 § second paragraph the case worker chose, and their reason. Written with the decision, never
    changed."""

    decision = models.OneToOneField(Decision, verbose_name="beslut", on_delete=models.PROTECT,
                                    related_name="worsening_ground")
    exception = models.CharField("undantag", max_length=30, choices=WorseningException.choices)
    reason = models.TextField("handläggarens skäl")
    created_at = models.DateTimeField("skapat", default=timezone.now)

    class Meta:
        verbose_name = "skäl för ändring till nackdel"
        verbose_name_plural = "skäl för ändring till nackdel"
        constraints = [
            models.CheckConstraint(condition=Q(exception__in=WorseningException.values), name="worsening_exception_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="worsening_reason_required"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDecisionError()
        super().save(*args, **kwargs)


# --- no kommunicering before an adverse decision (FL 25 § second paragraph) ------------------------------


class KommuniceringException(models.TextChoices):
    """The grounds of förvaltningslagen 25 § second paragraph on which a decision against the applicant may
    be made without first telling them what the registers say (kommunicering)."""

    UNNECESSARY = "unnecessary", ("Uppgiften saknar betydelse eller kommunicering är av andra skäl uppenbart "
                                  "obehövlig (25 § andra stycket 1 FL)")
    ENFORCEMENT = "enforcement", ("Det kan befaras att det annars blir betydligt svårare att genomföra beslutet "
                                  "(25 § andra stycket 2 FL)")
    URGENT = "urgent", "Avgörandet kan inte skjutas upp (25 § andra stycket 3 FL)"


KOMMUNICERING_PROVISIONS = {
    KommuniceringException.UNNECESSARY: "25 § andra stycket 1 förvaltningslagen (2017:900)",
    KommuniceringException.ENFORCEMENT: "25 § andra stycket 2 förvaltningslagen (2017:900)",
    KommuniceringException.URGENT: "25 § andra stycket 3 förvaltningslagen (2017:900)",
}


@scoping.register("decision__municipality")
class KommuniceringExemption(models.Model):
    """Why a decision against the applicant resting on register data that differ from the declaration was
    made without kommunicering: the ground of FL 25 § second paragraph the case worker chose, and their
    reason. Written with the decision (or its draft), never changed once written."""

    decision = models.OneToOneField(Decision, verbose_name="beslut", on_delete=models.PROTECT,
                                    related_name="kommunicering_exemption")
    exception = models.CharField("undantag", max_length=30, choices=KommuniceringException.choices)
    reason = models.TextField("handläggarens skäl")
    created_at = models.DateTimeField("skapat", default=timezone.now)

    class Meta:
        verbose_name = "skäl att avstå från kommunicering"
        verbose_name_plural = "skäl att avstå från kommunicering"
        constraints = [
            models.CheckConstraint(condition=Q(exception__in=KommuniceringException.values),
                                   name="kommunicering_exception_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="kommunicering_exemption_reason_required"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDecisionError()
        super().save(*args, **kwargs)


# --- the letter as sent ------------------------------------------------------------------------------------


class LetterIntegrityError(Exception):
    """A stored letter does not match its checksum: it is not served."""

    def __init__(self, message: str = "Beslutsbrevet kan inte lämnas ut: den sparade filen stämmer inte med "
                                      "kontrollsumman. Kontakta systemförvaltningen.") -> None:
        super().__init__(message)
        self.message = message


class LetterRenderingError(Exception):
    """The letter could not be made into a PDF just now (a full disk, a font that cannot be loaded …).
    Nothing is stored; the decision and its stored letter text are unchanged, and the next try makes it."""

    def __init__(self, message: str = "Beslutsbrevet kunde inte skapas just nu (tekniskt fel vid utskriften, till "
                                      "exempel full disk eller ett typsnitt som saknas). Beslutet är fattat och "
                                      "oförändrat. Försök igen om en stund; kvarstår felet, kontakta "
                                      "systemförvaltningen.") -> None:
        super().__init__(message)
        self.message = message


@scoping.register("decision__municipality")
class DecisionLetter(models.Model):
    """The decision letter as it was issued: what every later download serves, so a template change or
    a library upgrade never changes a letter already sent (:mod:`bistand.decisions.letters`).

    At issue the letter's HTML (the rendered template) is stored with its SHA-256 — cheap enough for
    every decision, also in the monthly run; the PDF is made from that stored HTML once, at the first
    download, and stored with its SHA-256. Both are written once and never changed."""

    decision = models.OneToOneField(Decision, verbose_name="beslut", on_delete=models.PROTECT, related_name="letter")
    html = models.TextField("beslutsbrev (HTML, som det skapades när beslutet fattades)")
    html_sha256 = models.CharField("kontrollsumma för HTML (SHA-256)", max_length=64)
    content = models.BinaryField("beslutsbrev (PDF)", null=True, editable=False)
    sha256 = models.CharField("kontrollsumma för PDF (SHA-256)", max_length=64, blank=True)
    stored_at = models.DateTimeField("sparat", default=timezone.now)
    pdf_stored_at = models.DateTimeField("PDF sparad", null=True, blank=True)
    stored_on_first_download = models.BooleanField(
        "sparat vid första hämtningen", default=False,
        help_text="Beslut som fattades innan breven sparades: brevet skapades och sparades när det hämtades första gången.")

    class Meta:
        verbose_name = "beslutsbrev"
        verbose_name_plural = "beslutsbrev"
        constraints = [
            models.CheckConstraint(condition=Q(html_sha256__regex=r"^[0-9a-f]{64}$"), name="decisionletter_html_sha256_form"),
            models.CheckConstraint(condition=Q(content__isnull=True, sha256="")
                                   | Q(content__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                                   name="decisionletter_pdf_has_sha256"),
        ]

    def __str__(self) -> str:
        return f"Beslutsbrev för beslut {self.decision_id}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._had_pdf = instance.__dict__.get("content") is not None
        return instance

    def save(self, *args, **kwargs):
        # Guard only: the HTML is written once; the PDF once, when it is first made.
        if not self._state.adding and (getattr(self, "_had_pdf", True)
                                       or set(kwargs.get("update_fields") or ()) != {"content", "sha256", "pdf_stored_at"}):
            raise ImmutableDecisionError("Ett sparat beslutsbrev kan inte ändras.")
        super().save(*args, **kwargs)
        self._had_pdf = self.content is not None

    def delete(self, *args, **kwargs):
        raise ImmutableDecisionError("Ett sparat beslutsbrev kan inte tas bort.")


# --- the rådrum for rent above the ceiling ------------------------------------------------------------------


@scoping.register("municipality")
class HousingGrace(models.Model):
    """The household's rådrum for rent above the municipality's ceiling (issue 17 §2; 12 kap. 7 § första
    stycket 2 SoL): the first month the rent was above the ceiling and the last month the full rent counts.
    Made when the first decision in it is issued (``services.record_housing_grace``); the case worker can
    extend it with a reason of their own (``services.extend_housing_grace``). One per household; audited."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    household = models.OneToOneField(
        "people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="housing_grace"
    )
    start_month = models.DateField("rådrummets första månad", help_text="Månadens första dag.")
    end_month = models.DateField("rådrummets sista månad", help_text="Månadens första dag.")
    first_decision = models.ForeignKey(
        Decision, verbose_name="första beslutet i rådrummet", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )
    reason = models.TextField("handläggarens skäl för förlängning", blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="förlängt av", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )
    extended_at = models.DateTimeField("förlängt", null=True, blank=True)
    created_at = models.DateTimeField("skapat", default=timezone.now)

    class Meta:
        verbose_name = "rådrum för boendekostnad"
        verbose_name_plural = "rådrum för boendekostnad"
        constraints = [
            models.CheckConstraint(condition=Q(end_month__gte=models.F("start_month")),
                                   name="housing_grace_end_not_before_start"),
            models.CheckConstraint(condition=Q(extended_at__isnull=True) | ~Q(reason=""),
                                   name="housing_grace_extension_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Rådrum {format_month(self.start_month)}–{format_month(self.end_month)}"

    @property
    def is_extended(self) -> bool:
        return self.extended_at is not None
