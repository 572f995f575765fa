"""Persons, households and who belongs to which household.

All three are person-level data: they belong to one municipality and are read only through
:func:`bistand.tenancy.scoping.scoped`. Names and addresses of a person with protected identity are
shown only through :mod:`bistand.people.presenters`. Writes go through :mod:`bistand.people.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from bistand.common import languages
from bistand.tenancy import scoping

from . import personnummer as pnr


class PersonKind(models.TextChoices):
    PERSONNUMMER = pnr.PERSONNUMMER, "Personnummer"
    SAMORDNINGSNUMMER = pnr.SAMORDNINGSNUMMER, "Samordningsnummer"


class HouseholdRole(models.TextChoices):
    APPLICANT = "applicant", "Sökande"
    PARTNER = "partner", "Make, maka eller sambo"
    CHILD = "child", "Barn"
    OTHER_ADULT = "other_adult", "Annan vuxen i hushållsgemenskap"


def validate_stored_personnummer(value: str) -> None:
    """A stored number is the normalised 12-digit form of a valid personnummer or samordningsnummer."""
    if not isinstance(value, str) or len(value) != 12 or not value.isdigit():
        raise ValidationError("Personnumret ska sparas med 12 siffror (ÅÅÅÅMMDDNNNN).", code="format")
    try:
        pnr.parse(value)
    except pnr.PersonnummerError as error:
        raise ValidationError(error.message, code=error.code) from None


@scoping.register("municipality")
class Person(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="persons"
    )
    personnummer = models.CharField(
        "personnummer",
        max_length=12,
        validators=[validate_stored_personnummer],
        help_text="Personnummer eller samordningsnummer, sparat med 12 siffror.",
    )
    kind = models.CharField("typ av nummer", max_length=20, choices=PersonKind.choices)
    birth_date = models.DateField("födelsedatum")
    first_name = models.CharField("förnamn", max_length=100)
    last_name = models.CharField("efternamn", max_length=100)
    care_of = models.CharField("c/o", max_length=100, blank=True)
    street_address = models.CharField("gatuadress", max_length=200, blank=True)
    postal_code = models.CharField("postnummer", max_length=5, blank=True)
    postal_town = models.CharField("postort", max_length=100, blank=True)
    protected_identity = models.BooleanField(
        "skyddad identitet",
        default=False,
        help_text="Namn och adress visas bara för den som har behörighet att se skyddade identiteter.",
    )
    search_name = models.CharField(
        "namn för sökning", max_length=201, editable=False, help_text="Förnamn och efternamn med små bokstäver."
    )
    language = models.CharField(
        "språk i e-tjänsten", max_length=8, choices=languages.CHOICES, default=languages.SWEDISH,
        help_text="Det språk personen har valt i e-tjänsten. Beslutets lagtext är alltid på svenska.",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    #: Fields hidden for a person with protected identity (see bistand.people.presenters).
    PROTECTED_FIELDS = ("first_name", "last_name", "care_of", "street_address", "postal_code", "postal_town", "search_name")

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "personer"
        ordering = ["last_name", "first_name", "pk"]
        permissions = [
            ("view_protected_identity", "Kan se namn och adress för personer med skyddad identitet"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "personnummer"], name="person_personnummer_unique_per_municipality",
                violation_error_message="Det finns redan en person med det numret i kommunen."),
            models.CheckConstraint(condition=Q(personnummer__regex=r"^[0-9]{12}$"), name="person_personnummer_twelve_digits",
                violation_error_message="Personnumret ska sparas med 12 siffror."),
            models.CheckConstraint(condition=Q(kind__in=PersonKind.values), name="person_kind_known",
                violation_error_message="Okänd typ av nummer."),
        ]
        indexes = [
            models.Index(fields=["municipality", "last_name", "first_name"], name="person_municipality_name"),
        ]

    def __str__(self) -> str:
        # Never the name: __str__ ends up in admin logs and select boxes, where protected identity
        # cannot be respected.
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}" if len(self.personnummer) == 12 else self.personnummer

    @staticmethod
    def build_search_name(first_name: str, last_name: str) -> str:
        """Lower-case ("casefolded") name used for searching, the same on SQLite and PostgreSQL
        (SQLite's own case-insensitive matching knows only A–Z, not Å, Ä, Ö)."""
        return f"{first_name} {last_name}".casefold().strip()


@scoping.register("municipality")
class Household(models.Model):
    """A household (hushåll) that applies for assistance together."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="households"
    )
    unit = models.ForeignKey(
        "tenancy.Unit",
        verbose_name="handläggande enhet",
        on_delete=models.PROTECT,
        related_name="households",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("skapat", auto_now_add=True)
    updated_at = models.DateTimeField("ändrat", auto_now=True)

    class Meta:
        verbose_name = "hushåll"
        verbose_name_plural = "hushåll"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Hushåll {self.pk}"


@scoping.register("household__municipality")
class HouseholdMember(models.Model):
    """A person's place in a household during a period (``valid_to`` empty: still a member)."""

    household = models.ForeignKey(
        Household, verbose_name="hushåll", on_delete=models.PROTECT, related_name="members"
    )
    person = models.ForeignKey(
        Person, verbose_name="person", on_delete=models.PROTECT, related_name="household_memberships"
    )
    role = models.CharField("roll i hushållet", max_length=20, choices=HouseholdRole.choices)
    valid_from = models.DateField("från och med")
    valid_to = models.DateField("till och med", null=True, blank=True)
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "hushållsmedlem"
        verbose_name_plural = "hushållsmedlemmar"
        ordering = ["household", "valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="householdmember_period_not_reversed",
                violation_error_message="Slutdatumet kan inte vara före startdatumet.",
            ),
            models.CheckConstraint(condition=Q(role__in=HouseholdRole.values), name="householdmember_role_known",
                violation_error_message="Okänd roll i hushållet."),
        ]
        indexes = [
            models.Index(fields=["household", "valid_from"], name="hhmember_household_from"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} i hushåll {self.household_id}"

    def is_current(self, on) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)
