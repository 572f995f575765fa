"""Organisations and who works where: Region, Municipality, Unit and Membership (a user's role)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .roles import REGION_ROLES, Role, role_label
from .validators import validate_kommunkod


class Region(models.Model):
    """A group of municipalities that follow up their work together (e.g. a county)."""

    code = models.CharField("kod", max_length=20, unique=True, help_text="En kort kod, till exempel länskoden.")
    name = models.CharField("namn", max_length=100)

    class Meta:
        verbose_name = "region"
        verbose_name_plural = "regioner"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (kommun): the tenant. All person-level data belongs to exactly one municipality."""

    code = models.CharField(
        "kommunkod",
        max_length=4,
        unique=True,
        validators=[validate_kommunkod],
        help_text="Fyra siffror, till exempel 0680.",
    )
    name = models.CharField("namn", max_length=100)
    region = models.ForeignKey(
        Region, verbose_name="region", on_delete=models.PROTECT, related_name="municipalities", null=True, blank=True
    )
    # How the municipality and its committee are named in letters, and where they can be reached. The name
    # is written as the municipality spells it ("Sävsjö kommun", "Jönköpings kommun"): never generated.
    official_name = models.CharField(
        "kommunens namn i brev", max_length=120, blank=True,
        help_text="Som kommunen skriver det, till exempel ”Sävsjö kommun” eller ”Jönköpings kommun”.",
    )
    committee_name = models.CharField(
        "nämnd för ekonomiskt bistånd", max_length=150, default="Socialnämnden",
        help_text="Nämnden som ansvarar för ekonomiskt bistånd och har delegerat besluten, "
                  "till exempel ”Individ- och familjeomsorgsnämnden”.",
    )
    postal_address = models.TextField(
        "postadress", blank=True, help_text="Nämndens postadress, en rad per rad i brevet."
    )
    phone = models.CharField("telefon", max_length=40, blank=True)
    email = models.EmailField("e-post", blank=True)
    kommunicering_days = models.PositiveSmallIntegerField(
        "dagar att svara vid kommunicering", default=7,
        help_text="Så många dagar får sökanden på sig att yttra sig över uppgifter från register som skiljer sig "
                  "från det sökanden har angett (25 § förvaltningslagen), innan beslut fattas.")

    class Meta:
        verbose_name = "kommun"
        verbose_name_plural = "kommuner"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="municipality_code_four_digits",
                violation_error_message="Kommunkoden ska vara fyra siffror."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def letter_name(self) -> str:
        """The municipality's name as written in letters: ``official_name``, else the plain ``name``."""
        return self.official_name or self.name


class Unit(models.Model):
    """A unit (enhet) of a municipality's social services, e.g. "Försörjningsstöd Väster"."""

    municipality = models.ForeignKey(
        Municipality, verbose_name="kommun", on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField("namn", max_length=100)

    class Meta:
        verbose_name = "enhet"
        verbose_name_plural = "enheter"
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unit_name_unique_per_municipality",
                violation_error_message="Kommunen har redan en enhet med det namnet."),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in a municipality (optionally in one of its units), or a regional coordinator's
    role in a region. A user may have several memberships; see :mod:`bistand.tenancy.current`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="användare", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("roll", max_length=32, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="kommun",
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
    )
    unit = models.ForeignKey(
        Unit, verbose_name="enhet", on_delete=models.PROTECT, related_name="memberships", null=True, blank=True
    )
    region = models.ForeignKey(
        Region,
        verbose_name="region",
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        help_text="Bara för regionala samordnare.",
    )
    created_at = models.DateTimeField("tillagd", auto_now_add=True)

    class Meta:
        verbose_name = "roll i kommun eller region"
        verbose_name_plural = "roller i kommuner och regioner"
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=list(REGION_ROLES), region__isnull=False, municipality__isnull=True, unit__isnull=True)
                | (~Q(role__in=list(REGION_ROLES)) & Q(municipality__isnull=False, region__isnull=True)),
                name="membership_region_role_in_region_other_roles_in_municipality",
                violation_error_message="En regional samordnare hör till en region; alla andra roller hör till en kommun.",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_known",
                violation_error_message="Okänd roll."),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=Q(municipality__isnull=False),
                name="membership_unique_role_per_municipality",
                violation_error_message="Användaren har redan den rollen i kommunen.",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(region__isnull=False),
                name="membership_unique_role_per_region",
                violation_error_message="Användaren har redan den rollen i regionen.",
            ),
        ]

    def __str__(self) -> str:
        where = self.municipality or self.region
        return f"{self.user} – {role_label(self.role)} – {where}"
