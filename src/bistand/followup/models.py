"""Facts for follow-up and official statistics.

:class:`AssistanceMonth` — one adult of one household had försörjningsstöd paid for one month. It is
written when the payment of a decision is exported to the bank (:mod:`bistand.followup.services`), once
per decision and adult (the database refuses a second row), and never changed.

The month is the month the assistance is *for* (the decision's month), not the month it was paid: that
is what Socialstyrelsen's statistics count (see shared reference statistics.md, "månadsprincipen").
``amount_ore`` is the household's amount for the decision; sum it once per decision, not per adult.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from bistand.tenancy import scoping


class AdultRole(models.TextChoices):
    APPLICANT = "applicant", "Sökande"
    PARTNER = "partner", "Make, maka eller sambo"


@scoping.register("municipality")
class AssistanceMonth(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="assistance_months"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="assistance_months"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="assistance_months"
    )
    month = models.DateField("månad", help_text="Månadens första dag: den månad biståndet gäller.")
    decision = models.ForeignKey(
        "decisions.Decision", verbose_name="beslut", on_delete=models.PROTECT, related_name="assistance_months"
    )
    amount_ore = models.BigIntegerField("hushållets belopp (öre)")
    role = models.CharField("roll", max_length=16, choices=AdultRole.choices)
    created_at = models.DateTimeField("registrerad", default=timezone.now)

    class Meta:
        verbose_name = "månad med bistånd"
        verbose_name_plural = "månader med bistånd"
        ordering = ["month", "household", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "person"], name="assistancemonth_one_per_decision_and_person"),
            models.CheckConstraint(condition=Q(month__day=1), name="assistancemonth_month_is_first_day"),
            models.CheckConstraint(condition=Q(amount_ore__gt=0), name="assistancemonth_amount_positive"),
            models.CheckConstraint(condition=Q(role__in=AdultRole.values), name="assistancemonth_role_known"),
        ]
        indexes = [
            models.Index(fields=["municipality", "month"], name="assistmonth_municipality_month"),
            models.Index(fields=["person", "month"], name="assistmonth_person_month"),
        ]

    def __str__(self) -> str:
        return f"Bistånd {self.month:%Y-%m} för person {self.person_id}"
