"""Stored calculations: one household's försörjningsstöd calculation for one month, kept exactly as it
was made.

A stored calculation keeps its input, the full result (trace lines and warnings), the engine version
and the hash of the parameter set, so that it can be shown again years later exactly as it was
decided, even after the parameters have changed. It is never changed once stored:

* :mod:`bistand.calculations.services` only ever creates rows;
* ``save()`` on a stored row and ``QuerySet.update()`` raise :class:`ImmutableCalculationError`;
* the database itself refuses an UPDATE of the table (a trigger, see migration 0002).

Deleting is left to the database's foreign keys (households and users are protected); only the demo
data loader deletes stored calculations, when it resets the demo data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bistand.common.fields import TextJSONField
from bistand.common.months import format_month
from bistand.tenancy import scoping

from .inputs import DecimalJSONDecoder, DecimalJSONEncoder


class ImmutableCalculationError(Exception):
    """A stored calculation cannot be changed; make a new calculation instead."""

    def __init__(self, message: str = "En sparad beräkning kan inte ändras. Gör en ny beräkning i stället.") -> None:
        super().__init__(message)


class MadeBy(models.TextChoices):
    USER = "user", "Användare"
    DEMO = "demo", "Demodata"
    SYSTEM = "system", "Systemet"


class StoredCalculationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableCalculationError()

    def newest_first(self):
        return self.order_by("-month", "-created_at", "-pk")


@scoping.register("municipality")
class StoredCalculation(models.Model):
    """One household's calculation for one month, as it was made (immutable)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="stored_calculations"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="stored_calculations"
    )
    month = models.DateField("månad", help_text="Månadens första dag.")
    # `json` on PostgreSQL (the text as written; nothing queries inside the input), see TextJSONField
    input_data = TextJSONField(
        "indata", encoder=DecimalJSONEncoder, decoder=DecimalJSONDecoder, help_text="Indata enligt calculation.schema.json."
    )
    input_hash = models.CharField("indatans kontrollsumma", max_length=64, help_text="SHA-256 av indatan i kanonisk form.")
    result = models.JSONField(
        "resultat",
        encoder=DecimalJSONEncoder,
        decoder=DecimalJSONDecoder,
        help_text="Hela resultatet (calculation-result.md) med beräkningsrader och varningar.",
    )
    amount_ore = models.BigIntegerField("belopp att betala ut (öre)")
    outcome = models.CharField("utfall", max_length=16, choices=[("granted", "Beviljas"), ("refused", "Avslås")])
    engine_version = models.CharField("beräkningsmotorns version", max_length=32)
    parameter_hash = models.CharField("parameteruppsättningens kontrollsumma", max_length=64)
    made_by = models.CharField("gjord av", max_length=16, choices=MadeBy.choices)
    made_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="användare",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    made_by_name = models.CharField("gjord av (namn)", max_length=200)
    created_at = models.DateTimeField("skapad", default=timezone.now)

    objects = StoredCalculationQuerySet.as_manager()

    class Meta:
        verbose_name = "sparad beräkning"
        verbose_name_plural = "sparade beräkningar"
        ordering = ["-month", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "month", "input_hash"], name="storedcalculation_one_per_household_month_input"
            ),
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="storedcalculation_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(outcome="granted", amount_ore__gt=0) | Q(outcome="refused", amount_ore=0),
                name="storedcalculation_outcome_matches_amount",
            ),
            models.CheckConstraint(
                condition=Q(made_by="user", made_by_user__isnull=False)
                | (Q(made_by__in=["demo", "system"]) & Q(made_by_user__isnull=True)),
                name="storedcalculation_user_only_when_made_by_user",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="storedcalculation_month_is_first_day"
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-month", "-created_at"], name="storedcalc_household_month"),
            models.Index(fields=["municipality", "month"], name="storedcalc_municipality_month"),
            # the latest calculation of each household-month in one ordered pass (what-if's DISTINCT ON)
            models.Index(fields=["household", "month", "-created_at", "-id"], name="storedcalc_latest_per_month"),
        ]

    def __str__(self) -> str:
        return f"Beräkning {format_month(self.month)} för hushåll {self.household_id}"

    def save(self, *args, **kwargs):
        # Guard only: a stored calculation is written once (see the module docstring).
        if not self._state.adding:
            raise ImmutableCalculationError()
        super().save(*args, **kwargs)

    @property
    def month_label(self) -> str:
        return format_month(self.month)

    @property
    def amount_kronor(self) -> int:
        """The payable amount in whole kronor (the calculation rounds it to whole kronor)."""
        return self.amount_ore // 100

    @property
    def lines(self) -> list[dict]:
        return list(self.result.get("lines", []))

    @property
    def warnings(self) -> list[str]:
        return list(self.result.get("warnings", []))

    @property
    def short_parameter_hash(self) -> str:
        return self.parameter_hash[:12]


class YearParameters(models.Model):
    """A year's official figures (riksnorm cells, prisbasbelopp) as a municipality's administrator entered
    them, with their SFS number: a document in exactly the format of rules/parameters/riksnorm/<year>.yaml.

    They count (the calculation uses them instead of provisional values) only once a *second* administrator
    has confirmed them (four-eyes: the database refuses a confirmation by the one who entered them). A row is
    never changed after confirmation; new figures are a new row, and the latest confirmed row counts."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="year_parameters"
    )
    year = models.PositiveSmallIntegerField("år")
    sfs = models.CharField("SFS-nummer", max_length=40, help_text="Förordningen som fastställer beloppen, till exempel SFS 2026:1234.")
    document = models.TextField("årsfil (YAML)", help_text="Samma format som rules/parameters/riksnorm/<år>.yaml.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="inmatad av", on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("inmatad", default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="bekräftad av", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )
    confirmed_at = models.DateTimeField("bekräftad", null=True, blank=True)

    class Meta:
        verbose_name = "parametrar för nästa år"
        verbose_name_plural = "parametrar för nästa år"
        ordering = ["municipality__name", "-year", "-entered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("entered_by")),
                name="year_parameters_four_eyes",
                violation_error_message="Den som matade in beloppen kan inte bekräfta dem.",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="year_parameters_confirmed_by_and_at",
            ),
        ]

    def __str__(self) -> str:
        state = "bekräftade" if self.is_confirmed else "inte bekräftade"
        return f"Parametrar {self.year} ({self.sfs}), {state}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
