"""Applications, their attachments and completion requests.

An :class:`Application` is one household's application for one month. What the applicant declares —
members, housing, costs, incomes, assets, bank account — is kept in ``declaration`` (JSON, see
:mod:`bistand.applications.declaration`), every fact marked ``source: "applicant"``; register data is
kept apart (``registers.RegisterFact``) so that both can be shown side by side.

At most one live (not withdrawn) new or recurring application per household and month: a database
constraint, so that a double click, a retry or two tabs can never make two. Submitting is idempotent
through ``submission_key`` (see :func:`bistand.applications.services.submit`).

All three models are person-level data (scoped to their municipality). Writes go through
:mod:`bistand.applications.services`; nothing clever happens in ``save()``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.common.months import format_month
from bistand.tenancy import scoping

from .storage import attachment_storage


class ApplicationKind(models.TextChoices):
    NEW = "new", gettext_noop("Ny ansökan")
    RECURRING = "recurring", gettext_noop("Återansökan")
    SUPPLEMENTARY = "supplementary", gettext_noop("Kompletterande ansökan")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", gettext_noop("Utkast")
    AWAITING_CO_APPLICANT = "awaiting_co_applicant", gettext_noop("Väntar på medsökande")
    SUBMITTED = "submitted", gettext_noop("Inskickad")
    IN_REVIEW = "in_review", gettext_noop("Handläggs")
    DECIDED = "decided", gettext_noop("Beslutad")
    WITHDRAWN = "withdrawn", gettext_noop("Återkallad")


class Channel(models.TextChoices):
    """How an application came in. The supervisory authority expects municipalities to take applications
    on paper and in person as well as through the e-service."""

    E_SERVICE = "e_service", "E-tjänsten"
    PAPER = "paper", "Pappersblankett (lämnad in)"
    POST = "post", "Brev (med posten)"
    VISIT = "visit", "Besök (muntligt, registrerad av handläggare)"


#: Channels where a case worker registers the application on the applicant's behalf.
STAFF_CHANNELS = (Channel.PAPER, Channel.POST, Channel.VISIT)


#: Statuses in which the application counts as received by the municipality.
RECEIVED_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.DECIDED)
#: Statuses in which the applicant may still change the declaration.
EDITABLE_STATUSES = (ApplicationStatus.DRAFT,)
#: Kinds of which a household may have only one live application per month.
MONTHLY_KINDS = (ApplicationKind.NEW, ApplicationKind.RECURRING)


@scoping.register("municipality")
class Application(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="applications"
    )
    unit = models.ForeignKey(
        "tenancy.Unit", verbose_name="handläggande enhet", on_delete=models.PROTECT, related_name="applications",
        null=True, blank=True,
    )
    household = models.ForeignKey(
        "people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        "people.Person", verbose_name="sökande", on_delete=models.PROTECT, related_name="applications"
    )
    co_applicant = models.ForeignKey(
        "people.Person", verbose_name="medsökande", on_delete=models.PROTECT, related_name="co_applications",
        null=True, blank=True,
    )
    month = models.DateField("månad", help_text="Månadens första dag: den månad ansökan gäller.")
    kind = models.CharField("typ", max_length=16, choices=ApplicationKind.choices)
    status = models.CharField("status", max_length=24, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    declaration = models.JSONField("uppgifter från sökande", default=dict, blank=True)
    previous = models.ForeignKey(
        "self", verbose_name="föregående ansökan", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submission_key = models.UUIDField(
        "inskickningsnyckel", default=uuid.uuid4, unique=True,
        help_text="Byts vid varje ändring av utkastet; den sida där sökanden skriver under bär nyckeln.",
    )
    channel = models.CharField("inkom via", max_length=12, choices=Channel.choices, default=Channel.E_SERVICE)
    received_on = models.DateField(
        "inkom den", null=True, blank=True,
        help_text="Dagen då ansökan kom in till kommunen, när en handläggare registrerade den (papper, brev, besök).",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="registrerad av", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, help_text="Handläggaren som registrerade en ansökan på papper, brev eller besök.",
    )
    needs_caseworker = models.BooleanField(
        "behöver handläggare", default=False,
        help_text="Sökanden kunde inte svara på allt, eller något annat kräver en handläggare.",
    )
    caseworker_reasons = models.JSONField("skäl för handläggare", default=list, blank=True)
    applicant_signed_at = models.DateTimeField("sökanden skrev under", null=True, blank=True)
    submitted_at = models.DateTimeField("inkommen", null=True, blank=True)
    co_applicant_confirmed_at = models.DateTimeField("medsökanden bekräftade", null=True, blank=True)
    declined_by_co_applicant_at = models.DateTimeField("medsökanden bekräftade inte", null=True, blank=True)
    created_at = models.DateTimeField("skapad", default=timezone.now)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "ansökan"
        verbose_name_plural = "ansökningar"
        ordering = ["-month", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "month"],
                condition=Q(kind__in=["new", "recurring"]) & ~Q(status="withdrawn"),
                name="application_one_live_per_household_month",
                violation_error_message="Hushållet har redan en ansökan för den månaden.",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="application_month_is_first_day"),
            models.CheckConstraint(condition=Q(kind__in=ApplicationKind.values), name="application_kind_known"),
            models.CheckConstraint(condition=Q(status__in=ApplicationStatus.values), name="application_status_known"),
            models.CheckConstraint(condition=Q(channel__in=["e_service", "paper", "post", "visit"]),
                                   name="application_channel_known"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "awaiting_co_applicant", "withdrawn"]) | Q(submitted_at__isnull=False),
                name="application_received_has_submitted_at",
            ),
            models.CheckConstraint(
                condition=Q(co_applicant__isnull=True) | ~Q(co_applicant=models.F("applicant")),
                name="application_co_applicant_not_applicant",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "month", "status"], name="application_muni_month_status"),
            models.Index(fields=["applicant", "-month"], name="application_applicant_month"),
            models.Index(fields=["co_applicant", "-month"], name="application_coapplicant_month"),
            models.Index(fields=["household", "-month"], name="application_household_month"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_month(self.month)} (hushåll {self.household_id})"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def letter_by_post(self) -> bool:
        """The decision letter goes by post: the application came in on paper, by post or at a visit
        (the applicant may not use the e-service at all)."""
        return self.channel in STAFF_CHANNELS

    @property
    def is_received(self) -> bool:
        return self.status in RECEIVED_STATUSES


class AttachmentKind(models.TextChoices):
    RENT = "rent", gettext_noop("Hyresavi eller hyreskontrakt")
    INCOME = "income", gettext_noop("Lönebesked eller annat besked om inkomst")
    COST = "cost", gettext_noop("Kvitto eller faktura")
    BANK = "bank", gettext_noop("Kontoutdrag")
    OTHER = "other", gettext_noop("Annat")


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The name on disk is random; the original name is kept in the database only.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{instance.municipality_id}/{instance.application_id}/{uuid.uuid4().hex}.{extension}"


@scoping.register("municipality")
class Attachment(models.Model):
    """A file the applicant attached (type and size checked; stored outside the web root, served only
    to the applicant and to staff of the municipality)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(Application, verbose_name="ansökan", on_delete=models.PROTECT, related_name="attachments")
    completion_request = models.ForeignKey(
        "CompletionRequest", verbose_name="komplettering", on_delete=models.PROTECT, related_name="attachments",
        null=True, blank=True,
    )
    uploaded_by = models.ForeignKey(
        "people.Person", verbose_name="uppladdad av", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("slag", max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    file = models.FileField("fil", upload_to=_attachment_path, storage=attachment_storage, max_length=200)
    original_name = models.CharField("filnamn", max_length=200)
    content_type = models.CharField("filtyp", max_length=100)
    size = models.PositiveBigIntegerField("storlek (byte)")
    sha256 = models.CharField("kontrollsumma", max_length=64)
    created_at = models.DateTimeField("uppladdad", default=timezone.now)

    class Meta:
        verbose_name = "bilaga"
        verbose_name_plural = "bilagor"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Bilaga {self.pk} till ansökan {self.application_id}"


class CompletionStatus(models.TextChoices):
    OPEN = "open", "Väntar på svar"
    ANSWERED = "answered", "Besvarad"
    CANCELLED = "cancelled", "Återkallad"


class CompletionKind(models.TextChoices):
    COMPLETION = "completion", "Komplettering"
    KOMMUNICERING = "kommunicering", "Kommunicering (25 § förvaltningslagen)"


@scoping.register("municipality")
class CompletionRequest(models.Model):
    """A request for more information (komplettering) sent to the applicant — or, ``kind``
    kommunicering, what registers say that differs from the declaration, for the applicant to comment on
    before a decision against them (25 § förvaltningslagen): answered the same way in the e-service."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        Application, verbose_name="ansökan", on_delete=models.PROTECT, related_name="completion_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="begärd av", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("slag", max_length=16, choices=CompletionKind.choices, default=CompletionKind.COMPLETION)
    text = models.TextField("vad som behövs")
    due_date = models.DateField("svara senast")
    status = models.CharField("status", max_length=16, choices=CompletionStatus.choices, default=CompletionStatus.OPEN)
    answer = models.TextField("svar", blank=True)
    answered_at = models.DateTimeField("besvarad", null=True, blank=True)
    answered_by = models.ForeignKey(
        "people.Person", verbose_name="besvarad av", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField("skapad", default=timezone.now)

    class Meta:
        verbose_name = "komplettering"
        verbose_name_plural = "kompletteringar"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CompletionStatus.values), name="completion_status_known"),
            models.CheckConstraint(condition=Q(kind__in=CompletionKind.values), name="completion_kind_known"),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False),
                name="completion_answered_has_time",
            ),
        ]
        indexes = [models.Index(fields=["application", "status"], name="completion_application_status")]

    def __str__(self) -> str:
        return f"Komplettering {self.pk} av ansökan {self.application_id}"


class NormDirection(models.TextChoices):
    HIGHER = "higher", "Högre nivå"
    LOWER = "lower", "Lägre nivå"


class NormAdjustmentKind(models.TextChoices):
    """What the special reasons concern (the calculation contract's ``norm_adjustments[].kind``)."""

    SPECIAL_DIET = "special_diet", "Särskild kost"
    SCHOOL_MEALS = "school_meals", "Skolmåltider"
    FOOD_IN_CARE_FEE = "food_in_care_fee", "Mat som ingår i en vårdavgift"
    DISABILITY = "disability", "Kostnader på grund av funktionsnedsättning"
    OTHER = "other", "Andra särskilda skäl"


@scoping.register("municipality")
class NormAdjustment(models.Model):
    """The case worker's higher or lower level of the norm for an application (12 kap. 7 § tredje
    stycket SoL 2025:400), with the case worker's own reason. It goes into the application's calculation
    input (``selectors.calculation_input_for``) and so into the trace, the decision and the letter."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        Application, verbose_name="ansökan", on_delete=models.PROTECT, related_name="norm_adjustments"
    )
    direction = models.CharField("höjning eller sänkning", max_length=10, choices=NormDirection.choices)
    kind = models.CharField("vad skälen gäller", max_length=30, choices=NormAdjustmentKind.choices)
    member = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    amount_ore = models.BigIntegerField("belopp per månad (öre)")
    reason = models.TextField("handläggarens skäl")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="gjord av", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("skapad", default=timezone.now)

    class Meta:
        verbose_name = "högre eller lägre nivå på normen"
        verbose_name_plural = "högre eller lägre nivåer på normen"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gt=0), name="normadjustment_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="normadjustment_has_reason"),
            models.CheckConstraint(condition=Q(direction__in=NormDirection.values), name="normadjustment_direction_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} på normen för ansökan {self.application_id}"
