"""What demo data has been loaded, so that loading again is idempotent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DemoDataset(models.Model):
    """The demo data in the database (at most one row): the settings it was generated with.

    Loading the demo data again with the same settings changes nothing; other settings need
    ``bistand demo --reset``."""

    seed = models.IntegerField("frö")
    households_per_municipality = models.PositiveIntegerField("hushåll per kommun")
    months = models.PositiveIntegerField("månader")
    last_month = models.DateField("sista månaden")
    loaded_at = models.DateTimeField("laddad", default=timezone.now)

    class Meta:
        verbose_name = "demodata"
        verbose_name_plural = "demodata"

    def __str__(self) -> str:
        return (f"Demodata (frö {self.seed}, {self.households_per_municipality} hushåll per kommun, "
                f"{self.months} månader till {self.last_month:%Y-%m})")

    def same_settings(self, *, seed: int, households_per_municipality: int, months: int, last_month) -> bool:
        return (self.seed, self.households_per_municipality, self.months, self.last_month) == (
            seed, households_per_municipality, months, last_month)
