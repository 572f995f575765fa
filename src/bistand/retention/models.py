"""Gallring (SoL 2025:400 16 kap.): the municipality's retention plan and the record of each gallring.

The law: personal data in a case (the personakt) is removed five years after the last entry in the case
(SoL 16 kap. 1 §), except what is kept for research under the archive rules (16 kap. 4 §; SoF 2025:468
13 kap. 1 §: the documents about persons born on the 5th, 15th and 25th of a month, and everything in
the municipalities chosen as a representative selection).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

#: Five years (SoL 2025:400 16 kap. 1 §).
DEFAULT_MONTHS = 60
MAX_MONTHS = 600
DEFAULT_RESEARCH_BIRTH_DAYS = "5,15,25"
#: Seven years after the calendar year (bokföringslagen 1999:1078 7 kap. 2 §): a bank file is
#: räkenskapsinformation, kept longer than the case.
DEFAULT_BANK_FILE_MONTHS = 84


def parse_birth_days(text: str) -> tuple[int, ...]:
    """"5,15,25" → (5, 15, 25). Raises ValueError with a Swedish message naming the field."""
    days = []
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 31:
            raise ValueError(f"Födelsedagar som bevaras för forskning: {part!r} är inte en dag 1–31.")
        days.append(int(part))
    return tuple(sorted(set(days)))


class RetentionPlan(models.Model):
    """How long the municipality keeps each kind of record, counted from the last entry in the case."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="retention_plan"
    )
    case_months = models.PositiveIntegerField(
        "ärendet (månader)", default=DEFAULT_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text="Hela ärendet gallras så här många månader efter den sista anteckningen (lagen: 60 månader).",
    )
    register_data_months = models.PositiveIntegerField(
        "registeruppgifter (månader)", default=DEFAULT_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text="Uppgifter som hämtats från andra myndigheter (SSBTEK). Högst lika länge som ärendet.",
    )
    attachment_months = models.PositiveIntegerField(
        "bilagor (månader)", default=DEFAULT_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text="Bilagor som sökanden har laddat upp. Högst lika länge som ärendet.",
    )
    bank_file_months = models.PositiveIntegerField(
        "betalfiler (månader efter årets slut)", default=DEFAULT_BANK_FILE_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text="Betalfilerna till banken (pain.001) räknas från utgången av det år då filen skapades. De är "
                  "räkenskapsinformation: bokföringslagen 7 kap. 2 § kräver att de sparas till och med det sjunde "
                  "året efter det året (84 månader). Kortare bara om ekonomisystemet sparar samma uppgifter.",
    )
    research_birth_days = models.CharField(
        "födelsedagar som bevaras för forskning", max_length=100, default=DEFAULT_RESEARCH_BIRTH_DAYS, blank=True,
        help_text="Ärenden där någon är född en av dessa dagar i månaden gallras inte (SoF 2025:468 13 kap. 1 §). "
                  "Skriv dagarna med komma emellan, till exempel 5,15,25.",
    )
    keep_all_for_research = models.BooleanField(
        "kommunen bevarar allt för forskning", default=False,
        help_text="Kommunen ingår i det representativa urvalet och gallrar inga ärenden.",
    )
    archive_rule = models.CharField(
        "kommunens gallringsbeslut", max_length=200, blank=True,
        help_text="Hänvisning till nämndens dokumenthanteringsplan eller arkivmyndighetens beslut.",
    )
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "gallringsplan"
        verbose_name_plural = "gallringsplaner"
        constraints = [
            models.CheckConstraint(
                condition=Q(register_data_months__lte=models.F("case_months"))
                & Q(attachment_months__lte=models.F("case_months")),
                name="retentionplan_kinds_within_case",
                violation_error_message="En del av ärendet kan inte sparas längre än ärendet.",
            ),
        ]

    def __str__(self) -> str:
        return f"Gallringsplan {self.municipality_id}"

    def clean(self) -> None:
        errors = {}
        try:
            parse_birth_days(self.research_birth_days)
        except ValueError as error:
            errors["research_birth_days"] = str(error)
        for field in ("register_data_months", "attachment_months"):
            if getattr(self, field) and self.case_months and getattr(self, field) > self.case_months:
                errors[field] = (f"{self._meta.get_field(field).verbose_name.capitalize()} kan inte vara längre "
                                 f"än ärendet ({self.case_months} månader).")
        if errors:
            raise ValidationError(errors)

    @property
    def birth_days(self) -> tuple[int, ...]:
        return parse_birth_days(self.research_birth_days)


class Gallring(models.Model):
    """One run of ``bistand gallra`` for one municipality: anonymous counts only, never who."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("startad", default=timezone.now)
    finished_at = models.DateTimeField("klar", null=True, blank=True)
    dry_run = models.BooleanField("bara rapport", default=False)
    cases_due = models.PositiveIntegerField("ärenden att gallra", default=0)
    cases_removed = models.PositiveIntegerField("gallrade ärenden", default=0)
    cases_kept_for_research = models.PositiveIntegerField("bevarade för forskning", default=0)
    cases_failed = models.PositiveIntegerField("kunde inte gallras", default=0)
    parts_removed = models.PositiveIntegerField("gallrade delar av ärenden", default=0)
    records = models.JSONField("antal gallrade uppgifter per slag", default=dict)

    class Meta:
        verbose_name = "gallring"
        verbose_name_plural = "gallringar"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Gallring {self.started_at:%Y-%m-%d}"
