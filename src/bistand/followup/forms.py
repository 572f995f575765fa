"""Forms of the dashboards: the filters, and a region's implementation goal."""

from __future__ import annotations

from django import forms

from bistand.common.forms import AccessibleFormMixin
from bistand.common.months import parse_month

from .dashboard import AGE_GROUP_LABELS, HOUSEHOLD_TYPES, SEXES, Filters, previous_month
from .goals import GOAL_INDICATORS
from .models import GoalDirection


def _choices(values: dict[str, str], everyone: str) -> list[tuple[str, str]]:
    return [("", everyone), *((key, f"{key} {label}" if key.isdigit() else label) for key, label in values.items())]


class DashboardFilterForm(AccessibleFormMixin, forms.Form):
    year = forms.IntegerField(label="År", min_value=2000, max_value=2100, required=False,
                              error_messages={"invalid": "År: skriv ett år med fyra siffror, till exempel 2026.",
                                              "min_value": "År: skriv ett år från 2000.",
                                              "max_value": "År: skriv ett år till och med 2100."})
    household_type = forms.ChoiceField(label="Hushållstyp", required=False,
                                       choices=_choices(HOUSEHOLD_TYPES, "Alla hushållstyper"))
    sex = forms.ChoiceField(label="Kön", required=False, choices=_choices(SEXES, "Alla"))
    age_group = forms.ChoiceField(label="Åldersgrupp", required=False, choices=_choices(AGE_GROUP_LABELS, "Alla åldrar"))

    def __init__(self, data=None, *, units=None, **kwargs):
        """``units``: the municipality's units to choose from (the manager's page); none: no unit filter."""
        super().__init__(data, **kwargs)
        if units is not None:
            self.fields["unit"] = forms.ChoiceField(label="Enhet", required=False, choices=[
                ("", "Alla enheter"), *((str(unit.pk), unit.name) for unit in units)])
            self.order_fields(["year", "unit"])
        for _name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField):
                field.error_messages["invalid_choice"] = f"{field.label}: välj ett värde i listan."

    def year_or_default(self) -> int:
        return self.cleaned_data.get("year") or previous_month().year

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(household_type=data.get("household_type") or "", sex=data.get("sex") or "",
                       age_group=data.get("age_group") or "", unit=data.get("unit") or "")


class GoalForm(AccessibleFormMixin, forms.Form):
    indicator = forms.ChoiceField(label="Indikator", choices=[(k, v.label) for k, v in GOAL_INDICATORS.items()])
    year = forms.IntegerField(label="År", min_value=2000, max_value=2100,
                              error_messages={"invalid": "År: skriv ett år med fyra siffror.",
                                              "required": "År: skriv vilket år målet gäller."})
    direction = forms.ChoiceField(label="Riktning", choices=GoalDirection.choices)
    target = forms.CharField(label="Målvärde i procent", max_length=10, help_text="Till exempel 80.",
                             error_messages={"required": "Målvärde: skriv en procentsats, till exempel 80."})


class StatisticsMonthForm(AccessibleFormMixin, forms.Form):
    """The month of the statistics files for Socialstyrelsen (the month the assistance is for)."""

    month = forms.CharField(label="Månad", max_length=7, required=False, help_text="Skriv ÅÅÅÅ-MM, till exempel 2026-03.")

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return previous_month()
        try:
            return parse_month(value)
        except ValueError:
            raise forms.ValidationError("Månad: skriv månaden som ÅÅÅÅ-MM, till exempel 2026-03.") from None

    def month_or_default(self):
        return self.cleaned_data["month"] if self.is_bound and self.is_valid() else previous_month()
