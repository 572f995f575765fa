"""Case handling around an application: the monthly run, the applications it left to a person and why,
who is working on an application, and the case workers' notes.

* :class:`MonthlyRun` — the monthly run of one municipality and month (``bistand monthly-run``): one row,
  however many times the run is started (it is safe to run again; see :mod:`bistand.casework.monthly`).
* :class:`MonthlyRunJob` — one start of the run (web page or command), with its progress and summary;
  the database lets only one run at a time per municipality.
* :class:`Referral` — an application the automated decision function did not decide, with every
  criterion that failed (the inbox shows them as the reason). One per application.
* :class:`Assignment` — the case worker an application is assigned to (one per application).
* :class:`CaseNote` — a case worker's note on an application (journal). Notes are never changed.

Writes go through :mod:`bistand.casework.services` (and the monthly run); every write has an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bistand.common.months import format_month
from bistand.tenancy import scoping


class MonthlyRun(models.Model):
    """The monthly run of one municipality and month."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("månad", help_text="Månadens första dag.")
    first_started_at = models.DateTimeField("först startad", default=timezone.now)
    last_started_at = models.DateTimeField("senast startad", default=timezone.now)
    last_finished_at = models.DateTimeField("senast klar", null=True, blank=True)
    starts = models.PositiveIntegerField("antal starter", default=0)

    class Meta:
        verbose_name = "månadskörning"
        verbose_name_plural = "månadskörningar"
        ordering = ["-month", "municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="monthlyrun_one_per_municipality_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlyrun_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"Månadskörning {format_month(self.month)}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Pågår"
    DONE = "done", "Klar"
    FAILED = "failed", "Avbröts av ett fel"
    ABANDONED = "abandoned", "Avbröts (processen finns inte längre)"


class MonthlyRunJob(models.Model):
    """One start of the monthly run, from the web page or ``bistand monthly-run``: who started it, how far
    it has come, and its summary.

    **One at a time per municipality**, by the database: at most one job per municipality is
    ``running`` (a partial unique index), so a second start — in another process, on another server —
    is refused at the INSERT. A job whose process has died (``kill -9``, a restart of the web server)
    is marked abandoned by the next start: on the same host when its process id is gone, anywhere when
    it has not reported progress for :data:`bistand.casework.monthly.STALE_AFTER`.
    """

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("månad", help_text="Månadens första dag.")
    status = models.CharField("status", max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="startad av", on_delete=models.PROTECT, related_name="+", null=True,
        blank=True, help_text="Tom när körningen startades från kommandoraden eller en systemtimer.",
    )
    started_from = models.CharField("startad från", max_length=12, default="command",
                                    help_text="web (webbsidan), command (kommandoraden) eller due (--due).")
    started_at = models.DateTimeField("startad", default=timezone.now)
    heartbeat_at = models.DateTimeField("senaste livstecken", default=timezone.now)
    finished_at = models.DateTimeField("klar", null=True, blank=True)
    host = models.CharField("dator", max_length=255, blank=True)
    pid = models.PositiveIntegerField("process-id", null=True, blank=True)
    total = models.PositiveIntegerField("ansökningar att göra", default=0)
    done = models.PositiveIntegerField("gjorda", default=0)
    decided = models.PositiveIntegerField("beslutade automatiskt", default=0)
    referred = models.PositiveIntegerField("till handläggare", default=0)
    summary = models.TextField("sammanfattning", blank=True)

    class Meta:
        verbose_name = "start av månadskörningen"
        verbose_name_plural = "starter av månadskörningen"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality"], condition=Q(status="running"),
                                    name="monthlyrunjob_one_running_per_municipality"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlyrunjob_month_is_first_day"),
        ]
        permissions = [("start_monthly_run", "Kan starta månadskörningen")]

    def __str__(self) -> str:
        return f"Månadskörning {format_month(self.month)} ({self.get_status_display().lower()})"

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else (100 if self.status != RunStatus.RUNNING else 0)


@scoping.register("municipality")
class Referral(models.Model):
    """An application that goes to a case worker, and why: every criterion of the automation that failed
    (``reasons``: ``[{"code", "label", "detail"}]``; ``codes`` holds the codes as ``|code|code|`` so that
    the inbox can filter on them in SQL)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    application = models.OneToOneField(
        "applications.Application", verbose_name="ansökan", on_delete=models.PROTECT, related_name="referral"
    )
    run = models.ForeignKey(
        MonthlyRun, verbose_name="månadskörning", on_delete=models.PROTECT, related_name="referrals", null=True,
        blank=True,
    )
    calculation = models.ForeignKey(
        "calculations.StoredCalculation", verbose_name="beräkning", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, help_text="Beräkningen som villkoren prövades mot (tom om den inte gick att göra).",
    )
    reasons = models.JSONField("skäl", default=list)
    codes = models.CharField("villkor som inte var uppfyllda", max_length=1000, blank=True)
    referred_at = models.DateTimeField("lämnad till handläggare", default=timezone.now)

    class Meta:
        verbose_name = "ansökan till handläggare"
        verbose_name_plural = "ansökningar till handläggare"
        ordering = ["-referred_at", "-pk"]

    def __str__(self) -> str:
        return f"Ansökan {self.application_id} till handläggare"

    @property
    def code_list(self) -> list[str]:
        return [c for c in self.codes.split("|") if c]


@scoping.register("application__municipality")
class Assignment(models.Model):
    """Who works on an application right now."""

    application = models.OneToOneField(
        "applications.Application", verbose_name="ansökan", on_delete=models.PROTECT, related_name="assignment"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="handläggare", on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="tilldelad av", on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField("tilldelad", default=timezone.now)

    class Meta:
        verbose_name = "tilldelning"
        verbose_name_plural = "tilldelningar"
        ordering = ["-assigned_at", "-pk"]

    def __str__(self) -> str:
        return f"Ansökan {self.application_id} tilldelad"


@scoping.register("application__municipality")
class CaseNote(models.Model):
    """A case worker's note on an application (never changed once written)."""

    application = models.ForeignKey(
        "applications.Application", verbose_name="ansökan", on_delete=models.PROTECT, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="skriven av", on_delete=models.PROTECT,
                               related_name="+")
    author_name = models.CharField("skriven av (namn)", max_length=200)
    text = models.TextField("anteckning")
    created_at = models.DateTimeField("skriven", default=timezone.now)

    class Meta:
        verbose_name = "anteckning"
        verbose_name_plural = "anteckningar"
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="casenote_not_empty")]

    def __str__(self) -> str:
        return f"Anteckning {self.pk} om ansökan {self.application_id}"
