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


# --- the base of the indicators: one row per person and month with assistance -----------------------


class MonthRole(models.TextChoices):
    """A person's place in the household's assistance month (contracts/assistance-history.md)."""

    APPLICANT = "applicant", "Sökande (registerledare)"
    CO_APPLICANT = "co_applicant", "Medsökande"
    CHILD = "child", "Barn"


class EndReason(models.TextChoices):
    """Why a household left assistance after a month (contracts/assistance-history.md)."""

    WORK = "work", "Arbete"
    STUDIES = "studies", "Studier"
    OTHER_BENEFIT = "other_benefit", "Annan ersättning"
    MOVED = "moved", "Flyttat"
    OTHER = "other", "Annat"
    UNKNOWN = "unknown", "Okänt"


class MonthSource(models.TextChoices):
    IMPORTED = "imported", "Inläst historik"
    DECIDED = "decided", "Beslut i systemet"


@scoping.register("municipality")
class PersonMonth(models.Model):
    """One person had försörjningsstöd through their household for one month (the month the assistance
    is *for*): the one base of every follow-up indicator (:mod:`bistand.followup.indicators`).

    Rows come from imported history (``bistand import-history``) and from decisions made in the system
    (:func:`bistand.followup.services.record_assistance_months`, adults and the household's children).
    One row per municipality, person and month; a month decided in the system replaces an imported one.

    ``household_key`` names the household inside the municipality: ``h<id>`` for a household of the
    system, ``x:<reference>`` for the old system's reference of imported history. ``amount_ore`` is the
    household's amount for the month and is set on the applicant's row only; ``end_reason`` likewise.
    """

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="person_months"
    )
    household_key = models.CharField("hushåll", max_length=80)
    person = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="person_months"
    )
    month = models.DateField("månad", help_text="Månadens första dag: den månad biståndet gäller.")
    role = models.CharField("roll", max_length=16, choices=MonthRole.choices)
    amount_ore = models.BigIntegerField("hushållets belopp (öre)", null=True, blank=True)
    end_reason = models.CharField("avslutsorsak", max_length=16, choices=EndReason.choices, blank=True)
    source = models.CharField("källa", max_length=16, choices=MonthSource.choices)
    updated_at = models.DateTimeField("ändrad", default=timezone.now)

    class Meta:
        verbose_name = "person och månad med bistånd"
        verbose_name_plural = "personer och månader med bistånd"
        ordering = ["municipality", "month", "household_key", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "person", "month"], name="personmonth_one_per_person_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="personmonth_month_is_first_day"),
            models.CheckConstraint(condition=Q(role__in=MonthRole.values), name="personmonth_role_known"),
            models.CheckConstraint(condition=Q(source__in=MonthSource.values), name="personmonth_source_known"),
            models.CheckConstraint(
                condition=(Q(role=MonthRole.APPLICANT) & Q(amount_ore__gt=0))
                | (~Q(role=MonthRole.APPLICANT) & Q(amount_ore__isnull=True) & Q(end_reason="")),
                name="personmonth_amount_on_applicant_row",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "month"], name="personmonth_municipality_month"),
            models.Index(fields=["municipality", "household_key", "month"], name="personmonth_household_month"),
        ]

    def __str__(self) -> str:
        return f"Bistånd {self.month:%Y-%m} för person {self.person_id}"


@scoping.register("municipality")
class HistoryImport(models.Model):
    """One run of ``bistand import-history`` that changed something, for the audit trail (the rows it
    wrote are :class:`PersonMonth` rows with source ``imported``)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="history_imports"
    )
    file_name = models.CharField("fil", max_length=255)
    sha256 = models.CharField("kontrollsumma (SHA-256)", max_length=64)
    months_created = models.PositiveIntegerField("nya personmånader")
    months_replaced = models.PositiveIntegerField("ersatta personmånader")
    persons_created = models.PositiveIntegerField("nya personer")
    created_at = models.DateTimeField("inläst", default=timezone.now)

    class Meta:
        verbose_name = "inläsning av historik"
        verbose_name_plural = "inläsningar av historik"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Historik {self.file_name} ({self.created_at:%Y-%m-%d})"


class PopulationSex(models.TextChoices):
    WOMEN = "women", "Kvinnor"
    MEN = "men", "Män"


class Population(models.Model):
    """The population of a municipality on 31 December of a year, by legal sex and age group, from SCB's
    published tables (``bistand import-population``): the denominators of the population-based shares.
    An age group is ``age_from``–``age_to`` years, both included (``age_to`` empty: and older)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="population"
    )
    year = models.PositiveSmallIntegerField("år", help_text="Folkmängden den 31 december året.")
    sex = models.CharField("kön", max_length=8, choices=PopulationSex.choices)
    age_from = models.PositiveSmallIntegerField("ålder från")
    age_to = models.PositiveSmallIntegerField("ålder till och med", null=True, blank=True)
    population = models.PositiveIntegerField("folkmängd")
    updated_at = models.DateTimeField("ändrad", default=timezone.now)

    class Meta:
        verbose_name = "folkmängd"
        verbose_name_plural = "folkmängd"
        ordering = ["municipality", "year", "sex", "age_from"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "sex", "age_from"], name="population_one_per_group"),
            models.CheckConstraint(condition=Q(sex__in=PopulationSex.values), name="population_sex_known"),
            models.CheckConstraint(condition=Q(age_to__isnull=True) | Q(age_to__gte=models.F("age_from")),
                                   name="population_age_group_not_reversed"),
        ]

    def __str__(self) -> str:
        ages = f"{self.age_from}+" if self.age_to is None else f"{self.age_from}-{self.age_to}"
        return f"{self.municipality_id} {self.year} {self.sex} {ages}: {self.population}"


@scoping.register("municipality")
class SupportBarrier(models.Model):
    """The main försörjningshinder of one adult for one decision (Socialstyrelsen: one per adult, assessed
    at each application), a code of the versioned list :mod:`bistand.followup.barriers`."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="support_barriers"
    )
    decision = models.ForeignKey(
        "decisions.Decision", verbose_name="beslut", on_delete=models.PROTECT, related_name="support_barriers"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="support_barriers"
    )
    code = models.CharField("försörjningshinder (kod)", max_length=60)
    code_list_version = models.CharField("kodlistans version", max_length=20)
    recorded_at = models.DateTimeField("registrerat", default=timezone.now)
    recorded_by = models.CharField("registrerat av", max_length=200, blank=True)

    class Meta:
        verbose_name = "försörjningshinder"
        verbose_name_plural = "försörjningshinder"
        ordering = ["decision", "person"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "person"], name="supportbarrier_one_per_decision_and_adult"),
        ]

    def __str__(self) -> str:
        return f"Försörjningshinder {self.code} (beslut {self.decision_id})"


@scoping.register("municipality")
class HouseholdEnd(models.Model):
    """Why a household of the system left assistance after a month (its last month with assistance)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="household_ends"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name="hushåll", on_delete=models.PROTECT, related_name="ends"
    )
    month = models.DateField("sista månaden med bistånd")
    reason = models.CharField("avslutsorsak", max_length=16, choices=EndReason.choices)
    recorded_at = models.DateTimeField("registrerad", default=timezone.now)
    recorded_by = models.CharField("registrerad av", max_length=200, blank=True)

    class Meta:
        verbose_name = "avslutsorsak"
        verbose_name_plural = "avslutsorsaker"
        ordering = ["household", "month"]
        constraints = [
            models.UniqueConstraint(fields=["household", "month"], name="householdend_one_per_household_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="householdend_month_is_first_day"),
            models.CheckConstraint(condition=Q(reason__in=EndReason.values), name="householdend_reason_known"),
        ]

    def __str__(self) -> str:
        return f"Avslut {self.month:%Y-%m} för hushåll {self.household_id}"


# --- implementation goals of a region (issue 19 §3) ---------------------------------------------------


class GoalDirection(models.TextChoices):
    AT_LEAST = "at_least", "Minst"
    AT_MOST = "at_most", "Högst"


class ImplementationGoal(models.Model):
    """A region's target for one indicator (a share, 0–1) and year, e.g. "at least 80 % of new adults
    assessed within the municipality's N days". Aggregates only: not person-level, not scoped to a
    municipality (the region's coordinators set it; :mod:`bistand.followup.goals`)."""

    region = models.ForeignKey("tenancy.Region", verbose_name="region", on_delete=models.PROTECT,
                               related_name="implementation_goals")
    indicator = models.CharField("indikator", max_length=40)
    year = models.PositiveSmallIntegerField("år")
    target = models.DecimalField("målvärde (andel)", max_digits=5, decimal_places=4)
    direction = models.CharField("riktning", max_length=10, choices=GoalDirection.choices)
    set_by = models.CharField("satt av", max_length=200, blank=True)
    updated_at = models.DateTimeField("ändrat", default=timezone.now)

    class Meta:
        verbose_name = "implementeringsmål"
        verbose_name_plural = "implementeringsmål"
        ordering = ["region", "year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator", "year"], name="implementationgoal_one_per_indicator_year"),
            models.CheckConstraint(condition=Q(target__gte=0) & Q(target__lte=1), name="implementationgoal_target_is_share"),
            models.CheckConstraint(condition=Q(direction__in=GoalDirection.values), name="implementationgoal_direction_known"),
        ]

    def __str__(self) -> str:
        return f"Mål {self.indicator} {self.year} ({self.region_id})"


# --- official statistics (issue 19 §4) -----------------------------------------------------------------


@scoping.register("municipality")
class StatisticsExport(models.Model):
    """One run of the monthly statistics export for Socialstyrelsen (``bistand export-statistics`` or the
    manager's download, :mod:`bistand.followup.statistics`). Every run writes a row; a re-export sends the
    full month again and, on the same data, the same bytes (the checksums show it)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="statistics_exports"
    )
    month = models.DateField("månad", help_text="Månadens första dag: den månad biståndet gäller.")
    layout_version = models.CharField("filbeskrivningens version", max_length=40)
    codes_version = models.CharField("kodlistornas version", max_length=40)
    households = models.PositiveIntegerField("hushåll i filen")
    ended_households = models.PositiveIntegerField("avslut i filen")
    problems = models.PositiveIntegerField("brister i kontrollen")
    sha256 = models.CharField("kontrollsumma, bistånd (SHA-256)", max_length=64)
    end_reasons_sha256 = models.CharField("kontrollsumma, avslut (SHA-256)", max_length=64)
    created_at = models.DateTimeField("exporterad", default=timezone.now)
    created_by = models.CharField("exporterad av", max_length=200, blank=True)

    class Meta:
        verbose_name = "statistikexport"
        verbose_name_plural = "statistikexporter"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="statisticsexport_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"Statistik {self.month:%Y-%m} ({self.municipality_id})"


class IndicatorAggregate(models.Model):
    """The precomputed follow-up of one scope (a municipality or a region), year and filter combination:
    the indicators of shared contract contracts/indicators.md and the monthly trend, exactly as the
    definitions give them from the person-month base (:mod:`bistand.followup.aggregates`). Counts only, no
    person data. ``updated_at`` is when the numbers were computed; the pages show it."""

    scope_key = models.CharField("omfattning", max_length=20, help_text="m:<kommunens id> eller r:<regionens id>.")
    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="+")
    region = models.ForeignKey("tenancy.Region", verbose_name="region", on_delete=models.CASCADE,
                               null=True, blank=True, related_name="+")
    year = models.PositiveSmallIntegerField("år")
    filters = models.CharField("urval", max_length=200, blank=True, help_text="Tomt: alla.")
    data = models.JSONField("nyckeltal och månader")
    latest_month = models.DateField("underlaget når", null=True, blank=True)
    data_changed_at = models.DateTimeField("underlaget ändrat", null=True, blank=True)
    updated_at = models.DateTimeField("beräknat", default=timezone.now)

    class Meta:
        verbose_name = "förberäknade nyckeltal"
        verbose_name_plural = "förberäknade nyckeltal"
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "year", "filters"], name="indicatoraggregate_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"Nyckeltal {self.scope_key} {self.year} {self.filters or 'alla'}"


class AggregateTouch(models.Model):
    """A (municipality, month) whose person-months changed since the aggregates were last refreshed: written
    by every writer of :class:`PersonMonth` in its own transaction, consumed by
    :func:`bistand.followup.aggregates.refresh`."""

    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.CASCADE,
                                     related_name="+")
    month = models.DateField("månad")
    touched_at = models.DateTimeField("ändrat", default=timezone.now)

    class Meta:
        verbose_name = "ändring som väntar på omräkning"
        verbose_name_plural = "ändringar som väntar på omräkning"
        indexes = [models.Index(fields=["municipality", "month"], name="aggregatetouch_municipality")]

    def __str__(self) -> str:
        return f"Ändrat {self.municipality_id} {self.month:%Y-%m}"


class CondensedYear(models.Model):
    """One municipality's person-months of one calendar year condensed to one row per person, household and
    year (:class:`bistand.followup.indicators.PersonHouseholdYear`, unfiltered), kept so that a region's
    aggregates are recomputed from its municipalities' condensed rows instead of every person-month
    (:mod:`bistand.followup.aggregates`). Dropped by :func:`~bistand.followup.aggregates.touch` when a month
    of the year changes, and made again from the base by the next refresh. Counts and masks only."""

    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.CASCADE,
                                     related_name="+")
    year = models.PositiveSmallIntegerField("år")
    rows = models.TextField("förtätade rader", help_text="JSON: [hushåll, personnummer, månader, vuxen, barn, "
                                                         "ung vuxen, avslut arbete/studier, belopp öre] per rad.")
    updated_at = models.DateTimeField("beräknat", default=timezone.now)

    class Meta:
        verbose_name = "förtätat år"
        verbose_name_plural = "förtätade år"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="condensedyear_one_per_municipality_year"),
        ]

    def __str__(self) -> str:
        return f"Förtätat {self.municipality_id} {self.year}"
