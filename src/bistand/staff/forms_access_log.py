"""The filter form of the access-log page (bistand.audit keeps the rows; the page is staff's)."""

from __future__ import annotations

from django import forms

from bistand.audit.models import AccessAction
from bistand.common.forms import AccessibleFormMixin
from bistand.people import personnummer as pnr


class AccessLogFilterForm(AccessibleFormMixin, forms.Form):
    personnummer = forms.CharField(
        label="Person (personnummer)",
        required=False,
        max_length=20,
        help_text="Visa bara vem som har sett den här personens uppgifter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    user = forms.TypedChoiceField(label="Användare", required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label="Typ av åtkomst", required=False, choices=[("", "Alla"), *AccessAction.choices])
    date_from = forms.DateField(
        label="Från och med", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="Till och med", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, users=(), today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Alla användare"), *[(u.pk, _user_label(u)) for u in users]]
        self.fields["user"].error_messages["invalid_choice"] = "Välj en användare i listan."
        self.fields["date_from"].error_messages["invalid"] = "Skriv datumet som ÅÅÅÅ-MM-DD."
        self.fields["date_to"].error_messages["invalid"] = "Skriv datumet som ÅÅÅÅ-MM-DD."
        self._describe()

    def clean_personnummer(self):
        value = self.cleaned_data.get("personnummer", "").strip()
        if not value:
            return ""
        try:
            return pnr.normalise(value, today=self.today)
        except pnr.PersonnummerError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Slutdatumet kan inte vara före startdatumet.")
        return cleaned


def _user_label(user) -> str:
    full = user.get_full_name().strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()
