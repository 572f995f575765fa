"""Facts fetched from outside registers (SSBTEK), kept with their source and time.

A :class:`RegisterFetch` records one question to a register — person, month, plugin, when — even when
the answer was empty (an empty answer is information too: no income was known). Its facts are
:class:`RegisterFact` rows. Neither is ever changed: asking again (``refresh``) makes a new fetch with
the next number, and the newest fetch of a person and month is the one that counts. Writes go through
:mod:`bistand.registers.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bistand.common.months import format_month
from bistand.tenancy import scoping

from .ssbtek.base import AGENCIES, KIND_LABELS

AGENCY_CHOICES = list(AGENCIES.items())


@scoping.register("municipality")
class RegisterFetch(models.Model):
    """One question to a register about one person and one month."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="register_fetches"
    )
    period = models.DateField("månad", help_text="Månadens första dag.")
    number = models.PositiveIntegerField("hämtning nummer", help_text="1 för den första hämtningen, 2 för nästa …")
    source = models.CharField("källa", max_length=50, help_text="Insticksprogrammet som gav svaret.")
    fetched_at = models.DateTimeField("hämtad", default=timezone.now)
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="hämtad av",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Tom när systemet hämtade uppgifterna.",
    )
    fact_count = models.PositiveIntegerField("antal uppgifter", default=0)

    class Meta:
        verbose_name = "registerhämtning"
        verbose_name_plural = "registerhämtningar"
        ordering = ["person", "-period", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["person", "period", "number"], name="registerfetch_one_number_per_person_period"),
            models.CheckConstraint(condition=Q(period__day=1), name="registerfetch_period_is_first_day"),
            models.CheckConstraint(condition=Q(number__gte=1), name="registerfetch_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Registerhämtning {format_month(self.period)} nr {self.number}"


@scoping.register("municipality")
class RegisterFact(models.Model):
    """One fact from a register: an income or benefit for the month, or a fact without an amount
    (Arbetsförmedlingen's registration)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="register_facts"
    )
    fetch = models.ForeignKey(RegisterFetch, verbose_name="hämtning", on_delete=models.PROTECT, related_name="facts")
    period = models.DateField("månad", help_text="Månadens första dag.")
    agency = models.CharField("myndighet", max_length=10, choices=AGENCY_CHOICES)
    kind = models.CharField("slag", max_length=40)
    amount_ore = models.BigIntegerField("belopp (öre)", null=True, blank=True)
    payload = models.JSONField("uppgifter från myndigheten", default=dict, blank=True)
    source = models.CharField("källa", max_length=50)
    fetched_at = models.DateTimeField("hämtad")

    class Meta:
        verbose_name = "registeruppgift"
        verbose_name_plural = "registeruppgifter"
        ordering = ["person", "-period", "agency", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="registerfact_period_is_first_day"),
        ]
        indexes = [models.Index(fields=["person", "period"], name="registerfact_person_period")]

    def __str__(self) -> str:
        return f"{self.agency_label}: {self.kind_label} {format_month(self.period)}"

    @property
    def agency_label(self) -> str:
        return AGENCIES.get(self.agency, self.agency)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)
