"""The research project register and the log of research exports (issue 21 §1).

A :class:`ResearchProject` is one approved research use of the data: its ethics approval, the variables it
may have, the period, and the people who may download. It covers one municipality or several
(a regional project); each municipality that takes part makes its own secrecy assessment and its manager
approves the project for that municipality (:class:`ProjectMunicipality`). Nothing is exported until
every municipality of the project has approved it and the ethics approval is still valid
(:func:`bistand.research.services.check_exportable`).

The project's pseudonymisation key (:class:`ProjectKey`) is made once, with the project, and kept by the
installation: it is never shown, never exported and never changed (a new key means a new project).
Every export is logged (:class:`ResearchExport`): who, when, the files and their SHA-256.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Variable(models.TextChoices):
    """The groups of variables a project may be allowed (each is one or more tables of the export)."""

    PERSON_MONTHS = "person_months", "Personmånader: belopp, hushållstyp och försörjningshinder"
    DECISIONS = "decisions", "Beslut: slag, automatiserat eller inte, skäl som koder"
    ASSESSMENTS = "assessments", "Bedömningar: instrument, tillfälle, skattningar av klient och handläggare, flaggor"
    MI = "mi", "MI: linjaler och markeringar för förändringsprat"
    PLANS = "plans", "Planeringar: målens livsområden, accept, nytta, åtgärder och remisser"
    EXITS = "exits", "Avslut och återkomster"
    CASEWORKERS = "caseworkers", "Handläggare: pseudonym, antal ärenden, bedömningar, MI-stöd"
    FREE_TEXT = "free_text", "Fritext (målen med klientens egna ord, granskade för personnummer och namn)"


class ResearchProject(models.Model):
    slug = models.SlugField("kortnamn", max_length=60, unique=True,
                            help_text="Används i kommandot bistand research-export --project, till exempel demo-studie.")
    title = models.CharField("titel", max_length=300)
    researcher = models.CharField("forskningshuvudman och ansvarig forskare", max_length=300,
                                  help_text="Namn och lärosäte, till exempel ”Anna Berg, Umeå universitet”.")
    region = models.ForeignKey("tenancy.Region", verbose_name="region (för ett regionalt projekt)", null=True,
                               blank=True, on_delete=models.PROTECT, related_name="research_projects")
    ethics_authority = models.CharField("etikprövning: myndighet", max_length=200, default="Etikprövningsmyndigheten")
    ethics_reference = models.CharField("etikprövning: diarienummer", max_length=100)
    ethics_valid_until = models.DateField("etikgodkännandet gäller till och med")
    variables = models.JSONField("tillåtna variabler", default=list,
                                 help_text="Koder ur listan över variabelgrupper (Variable).")
    period_from = models.DateField("period från (månad)", help_text="Första dagen i den första månaden.")
    period_to = models.DateField("period till och med (månad)", help_text="Första dagen i den sista månaden.")
    downloaders = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="får ladda ner", blank=True,
                                         related_name="research_projects")
    created_at = models.DateTimeField("registrerat", default=timezone.now)
    created_by = models.CharField("registrerat av", max_length=200, blank=True)

    class Meta:
        verbose_name = "forskningsprojekt"
        verbose_name_plural = "forskningsprojekt"
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(period_from__lte=models.F("period_to")),
                                   name="researchproject_period_in_order"),
            models.CheckConstraint(condition=Q(period_from__day=1) & Q(period_to__day=1),
                                   name="researchproject_period_whole_months"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.slug})"

    def allows(self, variable: str) -> bool:
        return variable in (self.variables or [])

    def ethics_valid_on(self, day: dt.date) -> bool:
        return self.ethics_valid_until >= day


class ProjectMunicipality(models.Model):
    """One municipality's part in a project: its secrecy assessment and its manager's approval."""

    project = models.ForeignKey(ResearchProject, verbose_name="projekt", on_delete=models.CASCADE,
                                related_name="participations")
    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="research_participations")
    secrecy_assessed_on = models.DateField("sekretessprövning: datum", null=True, blank=True)
    secrecy_decided_by = models.CharField("sekretessprövning: beslutad av", max_length=200, blank=True,
                                          help_text="Till exempel ”Socialnämnden, § 45” eller en delegat.")
    approved_at = models.DateTimeField("godkänt", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="godkänt av", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_by_name = models.CharField("godkänt av (namn)", max_length=200, blank=True)

    class Meta:
        verbose_name = "kommun i forskningsprojekt"
        verbose_name_plural = "kommuner i forskningsprojekt"
        ordering = ["project", "municipality__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "municipality"], name="projectmunicipality_once"),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | (Q(secrecy_assessed_on__isnull=False) & ~Q(secrecy_decided_by="")),
                name="projectmunicipality_approved_after_secrecy_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.slug}: {self.municipality}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class ProjectKey(models.Model):
    """The project's pseudonymisation key (HMAC-SHA256), made once and kept by the installation. Never
    shown in the admin, never exported, never changed."""

    project = models.OneToOneField(ResearchProject, verbose_name="projekt", on_delete=models.CASCADE,
                                   related_name="key", primary_key=True)
    key = models.BinaryField("nyckel", editable=False)
    created_at = models.DateTimeField("skapad", default=timezone.now)

    class Meta:
        verbose_name = "projektnyckel"
        verbose_name_plural = "projektnycklar"

    def __str__(self) -> str:
        return f"Nyckel för {self.project_id}"


class ResearchExport(models.Model):
    """One export of a project: who, when, the files with their row counts and SHA-256, what k-anonymity
    coarsened and suppressed."""

    project = models.ForeignKey(ResearchProject, verbose_name="projekt", on_delete=models.PROTECT,
                                related_name="exports")
    exported_at = models.DateTimeField("exporterad", default=timezone.now)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="exporterad av", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    exported_by_name = models.CharField("exporterad av (namn)", max_length=200)
    via = models.CharField("hur", max_length=20, choices=[("command", "Kommando"), ("web", "Webbsidan")])
    files = models.JSONField("filer", default=list, help_text="[{name, rows, sha256}]")
    suppression = models.JSONField("k-anonymitet", default=dict)
    manifest_sha256 = models.CharField("manifestets SHA-256", max_length=64)

    class Meta:
        verbose_name = "forskningsexport"
        verbose_name_plural = "forskningsexporter"
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"Export av {self.project_id} {self.exported_at:%Y-%m-%d %H:%M}"
