"""The what-if page's form: period and change (validated by the law package's parser)."""

from __future__ import annotations

import re

from django import forms

from bistand.common.forms import AccessibleFormMixin
from bistand.rules.errors import CalculationInputError
from bistand.rules.whatif import ParameterChange

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class SimulationForm(AccessibleFormMixin, forms.Form):
    month_from = forms.CharField(label="Från och med månad", help_text="ÅÅÅÅ-MM, till exempel 2026-01.",
                                 max_length=7)
    month_to = forms.CharField(label="Till och med månad", help_text="ÅÅÅÅ-MM.", max_length=7)
    riksnorm_change = forms.CharField(
        label="Ändring av riksnormen (procent)", required=False, max_length=12,
        help_text="Till exempel 2,5 för en höjning med 2,5 procent eller -3 för en sänkning. Tomt = ingen ändring.")
    settings = forms.CharField(
        label="Ändra enskilda parametrar", required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="En ändring per rad: PARAMETER=VÄRDE, till exempel local.0680.housing_cost_ceiling.2.0=7000 "
                  "(hyrestak för två vuxna utan barn i kronor). Se listan över parametrar nedan.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._describe()

    def _month(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if not _MONTH.match(value):
            raise forms.ValidationError("Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-01.")
        return value

    def clean_month_from(self) -> str:
        return self._month("month_from")

    def clean_month_to(self) -> str:
        return self._month("month_to")

    def clean(self):
        data = super().clean()
        if data.get("month_from") and data.get("month_to") and data["month_to"] < data["month_from"]:
            self.add_error("month_to", "Slutmånaden ska vara samma som eller efter startmånaden.")
        lines = [line.strip() for line in (data.get("settings") or "").splitlines() if line.strip()]
        try:
            data["change"] = ParameterChange.build(data.get("riksnorm_change") or "0", lines)
        except CalculationInputError as exc:
            self.add_error("riksnorm_change" if exc.field == "riksnorm_change" else "settings", exc.message)
        return data


class ApprovalForm(AccessibleFormMixin, forms.Form):
    """A manager approves a research project for the municipality, with the municipality's secrecy assessment."""

    secrecy_assessed_on = forms.DateField(
        label="Datum för kommunens sekretessprövning", help_text="ÅÅÅÅ-MM-DD, till exempel 2026-03-15.",
        error_messages={"required": "Skriv datum för kommunens sekretessprövning.",
                        "invalid": "Skriv datumet för sekretessprövningen som ÅÅÅÅ-MM-DD."})
    secrecy_decided_by = forms.CharField(
        label="Vem beslutade i sekretessprövningen", max_length=200,
        help_text="Till exempel ”Socialnämnden, § 45” eller den som har delegation.",
        error_messages={"required": "Skriv vem som fattade beslutet i sekretessprövningen."})
    confirm = forms.BooleanField(
        label="Jag har läst projektets etikgodkännande och vilka uppgifter det får, och godkänner projektet för kommunen.",
        error_messages={"required": "Kryssa i att du har läst projektet och godkänner det."})
