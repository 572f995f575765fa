"""Assessment: instruments (versioned packages), occasions, ratings, screening flags, MI notes, rulers.

* :class:`Instrument` / :class:`InstrumentVersion` — the content of an instrument package, stored as
  validated JSON with its checksum. ``municipality`` null = shipped with the product (visible to every
  municipality); otherwise loaded by that municipality and visible to it only. A version is immutable
  once any occasion uses it (:func:`bistand.assessment.services.install_package`).
* :class:`Occasion` — one assessment of one adult (intake, follow-up, exit), linked to the version used.
* :class:`DomainRating` — one rating per occasion, domain and rater (client or worker): the database
  refuses a second one, so the client's and the worker's ratings are always kept side by side.
* :class:`ScreeningFlag`, :class:`MINote`, :class:`Ruler` — worker-only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bistand.tenancy import scoping


class LicenceType(models.TextChoices):
    CC_BY_4 = "cc-by-4.0", "CC BY 4.0"
    PUBLIC_DOMAIN = "public-domain", "Allmän egendom"
    PROPRIETARY = "proprietary", "Licensierat (upphovsrättsskyddat)"
    OTHER = "other", "Annan licens"


class Instrument(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", null=True, blank=True, on_delete=models.PROTECT,
        related_name="instruments", help_text="Tom = levereras med systemet och syns i alla kommuner.",
    )
    key = models.CharField("id", max_length=80)
    name = models.CharField("namn", max_length=200)
    owner = models.CharField("ägare", max_length=200)
    licence_type = models.CharField("licens", max_length=16, choices=LicenceType.choices)
    redistribution = models.BooleanField("får spridas vidare", default=False)
    created_at = models.DateTimeField("inläst", default=timezone.now)

    class Meta:
        verbose_name = "bedömningsinstrument"
        verbose_name_plural = "bedömningsinstrument"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(municipality__isnull=True), name="instrument_global_key_unique"),
            models.UniqueConstraint(fields=["municipality", "key"], condition=Q(municipality__isnull=False),
                                    name="instrument_municipal_key_unique"),
            models.CheckConstraint(condition=~Q(licence_type="proprietary") | Q(redistribution=False),
                                   name="instrument_proprietary_not_redistributable"),
        ]

    def __str__(self) -> str:
        return self.name


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, verbose_name="instrument", on_delete=models.PROTECT, related_name="versions")
    version = models.CharField("version", max_length=30)
    content = models.JSONField("innehåll (validerat paket)")
    checksum = models.CharField("kontrollsumma (SHA-256)", max_length=64)
    loaded_at = models.DateTimeField("inläst", default=timezone.now)
    loaded_by = models.CharField("inläst av", max_length=200, blank=True)

    class Meta:
        verbose_name = "instrumentversion"
        verbose_name_plural = "instrumentversioner"
        ordering = ["instrument", "-loaded_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["instrument", "version"], name="instrumentversion_unique")]

    def __str__(self) -> str:
        return f"{self.instrument.name} {self.version}"

    # --- read helpers over the package content (no writes) ---
    @property
    def body(self) -> dict:
        return self.content["instrument"]

    @property
    def domains(self) -> list[dict]:
        return self.body["domains"]

    def domain(self, code: str) -> dict | None:
        return next((d for d in self.domains if d["id"] == code), None)

    @property
    def levels(self) -> list[dict]:
        return self.body["levels"]

    @property
    def flags(self) -> list[dict]:
        return self.body.get("screening_flags", [])

    def flag(self, code: str) -> dict | None:
        return next((f for f in self.flags if f["id"] == code), None)

    @property
    def schedule(self) -> dict:
        return self.body.get("schedule", {})


class AssessmentSettings(models.Model):
    """A municipality's own rules for assessments (empty = the instrument's defaults)."""

    municipality = models.OneToOneField("tenancy.Municipality", verbose_name="kommun", on_delete=models.CASCADE,
                                        related_name="assessment_settings")
    default_instrument = models.ForeignKey(Instrument, verbose_name="instrument som används", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    first_assessment_within_days = models.PositiveSmallIntegerField(
        "första bedömningen inom (dagar från första ansökan)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)])
    follow_up_every_days = models.PositiveSmallIntegerField(
        "uppföljning var (dagar)", null=True, blank=True, validators=[MinValueValidator(7), MaxValueValidator(730)])
    routine_violence = models.TextField("rutin vid våld i nära relation", blank=True)
    routine_children = models.TextField("rutin vid oro för barns situation", blank=True)
    routine_acute = models.TextField("rutin vid akut nöd", blank=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "inställningar för bedömning"
        verbose_name_plural = "inställningar för bedömning"


class OccasionKind(models.TextChoices):
    INTAKE = "intake", "Första bedömning"
    FOLLOW_UP = "follow_up", "Uppföljning"
    EXIT = "exit", "Avslut"


@scoping.register("municipality")
class Occasion(models.Model):
    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="assessment_occasions")
    person = models.ForeignKey("people.Person", verbose_name="person", on_delete=models.PROTECT,
                               related_name="assessment_occasions")
    unit = models.ForeignKey("tenancy.Unit", verbose_name="enhet", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="handläggare", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="assessment_occasions")
    instrument_version = models.ForeignKey(InstrumentVersion, verbose_name="instrumentversion", on_delete=models.PROTECT,
                                           related_name="occasions")
    kind = models.CharField("typ", max_length=16, choices=OccasionKind.choices)
    scheduled_for = models.DateField("planerad till")
    performed_on = models.DateField("genomförd", null=True, blank=True)
    client_submitted_at = models.DateTimeField("den enskilde skickade sin skattning", null=True, blank=True)
    created_at = models.DateTimeField("skapad", default=timezone.now)
    created_by = models.CharField("skapad av", max_length=200, blank=True)

    class Meta:
        verbose_name = "bedömningstillfälle"
        verbose_name_plural = "bedömningstillfällen"
        ordering = ["person", "scheduled_for", "pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=OccasionKind.values), name="occasion_kind_known")]
        indexes = [models.Index(fields=["municipality", "scheduled_for"], name="occasion_municipality_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scheduled_for:%Y-%m-%d}"

    @property
    def date(self):
        return self.performed_on or self.scheduled_for


class Rater(models.TextChoices):
    CLIENT = "client", "Den enskilde"
    WORKER = "worker", "Handläggare"


class RatingStatus(models.TextChoices):
    RATED = "rated", "Bedömd"
    NOT_RELEVANT = "not_relevant", "Inte aktuellt"
    NOT_ASSESSED = "not_assessed", "Inte bedömt"
    DECLINED = "declined", "Vill inte svara"


@scoping.register("occasion__municipality")
class DomainRating(models.Model):
    occasion = models.ForeignKey(Occasion, verbose_name="tillfälle", on_delete=models.PROTECT, related_name="ratings")
    domain = models.CharField("område", max_length=20)
    rater = models.CharField("bedömd av", max_length=8, choices=Rater.choices)
    status = models.CharField("status", max_length=16, choices=RatingStatus.choices)
    level = models.PositiveSmallIntegerField("nivå", null=True, blank=True)
    comment = models.TextField("kommentar", blank=True)
    rated_at = models.DateTimeField("bedömd", default=timezone.now)
    rated_by = models.CharField("bedömd av (namn)", max_length=200, blank=True)

    class Meta:
        verbose_name = "bedömning av område"
        verbose_name_plural = "bedömningar av områden"
        ordering = ["occasion", "domain", "rater"]
        constraints = [
            models.UniqueConstraint(fields=["occasion", "domain", "rater"], name="domainrating_one_per_rater"),
            models.CheckConstraint(condition=Q(rater__in=Rater.values), name="domainrating_rater_known"),
            models.CheckConstraint(
                condition=(Q(status="rated", level__gte=1, level__lte=10)
                           | (Q(status__in=["not_relevant", "not_assessed", "declined"]) & Q(level__isnull=True))),
                name="domainrating_level_matches_status",
            ),
        ]


class FlagKind(models.TextChoices):
    VIOLENCE = "violence", "Våld i nära relation"
    CHILDREN = "children", "Barns situation"
    ACUTE = "acute", "Akut nöd"
    OTHER = "other", "Annat"


@scoping.register("occasion__municipality")
class ScreeningFlag(models.Model):
    occasion = models.ForeignKey(Occasion, verbose_name="tillfälle", on_delete=models.PROTECT, related_name="flags")
    flag = models.CharField("flagga", max_length=20)
    kind = models.CharField("slag", max_length=16, choices=FlagKind.choices)
    note = models.TextField("anteckning", blank=True)
    routine = models.TextField("rutin som visades")
    raised_at = models.DateTimeField("satt", default=timezone.now)
    raised_by = models.CharField("satt av", max_length=200, blank=True)

    class Meta:
        verbose_name = "screeningflagga"
        verbose_name_plural = "screeningflaggor"
        ordering = ["occasion", "flag"]
        constraints = [models.UniqueConstraint(fields=["occasion", "flag"], name="screeningflag_once_per_occasion")]


class MIProcess(models.TextChoices):
    ENGAGE = "engage", "Engagera"
    FOCUS = "focus", "Fokusera"
    EVOKE = "evoke", "Locka fram"
    PLAN = "plan", "Planera"


class ChangeTalk(models.TextChoices):
    DESIRE = "desire", "Önskan"
    ABILITY = "ability", "Förmåga"
    REASONS = "reasons", "Skäl"
    NEED = "need", "Behov"
    COMMITMENT = "commitment", "Åtagande"
    ACTIVATION = "activation", "Aktivering"
    TAKING_STEPS = "taking_steps", "Tagit steg"
    SUSTAIN = "sustain", "Bevarandeprat"


@scoping.register("occasion__municipality")
class MINote(models.Model):
    occasion = models.OneToOneField(Occasion, verbose_name="tillfälle", on_delete=models.PROTECT, related_name="mi_note")
    processes = models.JSONField("processer som nåddes", default=list, blank=True)
    change_talk = models.JSONField("markeringar för förändringsprat", default=dict, blank=True)
    summary = models.TextField("sammanfattning", blank=True)
    updated_at = models.DateTimeField("ändrad", default=timezone.now)
    updated_by = models.CharField("ändrad av", max_length=200, blank=True)

    class Meta:
        verbose_name = "MI-anteckning"
        verbose_name_plural = "MI-anteckningar"


@scoping.register("occasion__municipality")
class Ruler(models.Model):
    occasion = models.ForeignKey(Occasion, verbose_name="tillfälle", on_delete=models.PROTECT, related_name="rulers")
    domain = models.CharField("område", max_length=20)
    importance = models.PositiveSmallIntegerField("hur viktigt (0–10)", null=True, blank=True)
    confidence = models.PositiveSmallIntegerField("hur säker på att klara det (0–10)", null=True, blank=True)
    chosen_by_client = models.BooleanField("valt av den enskilde", default=True)
    recorded_at = models.DateTimeField("registrerad", default=timezone.now)

    class Meta:
        verbose_name = "skattningsskala"
        verbose_name_plural = "skattningsskalor"
        ordering = ["occasion", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["occasion", "domain"], name="ruler_one_per_domain"),
            models.CheckConstraint(condition=Q(importance__isnull=True) | Q(importance__lte=10), name="ruler_importance_0_10"),
            models.CheckConstraint(condition=Q(confidence__isnull=True) | Q(confidence__lte=10), name="ruler_confidence_0_10"),
        ]
