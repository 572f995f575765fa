"""Forms for persons. Validation of the values is in bistand.people.services; the form only
collects them and shows the service's messages at the right field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bistand.common.forms import AccessibleFormMixin

from .services import clean_person_data


class PersonForm(AccessibleFormMixin, forms.Form):
    personnummer = forms.CharField(
        label="Personnummer eller samordningsnummer",
        max_length=20,
        help_text="12 siffror, till exempel 19850312-9804.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    first_name = forms.CharField(label="Förnamn", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = forms.CharField(label="Efternamn", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    care_of = forms.CharField(label="C/o", max_length=100, required=False)
    street_address = forms.CharField(label="Gatuadress", max_length=200, required=False)
    postal_code = forms.CharField(
        label="Postnummer", max_length=6, required=False, help_text="Fem siffror, till exempel 553 21.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    postal_town = forms.CharField(label="Postort", max_length=100, required=False)
    protected_identity = forms.BooleanField(
        label="Skyddad identitet",
        required=False,
        help_text="Namn och adress visas då bara för den som har behörighet att se skyddade identiteter.",
    )

    def __init__(self, *args, today=None, **kwargs):
        self.today = today or timezone.localdate()
        super().__init__(*args, **kwargs)
        self.fields["first_name"].error_messages["required"] = "Skriv förnamnet."
        self.fields["last_name"].error_messages["required"] = "Skriv efternamnet."
        self.fields["personnummer"].error_messages["required"] = "Skriv personnumret eller samordningsnumret."
        self._describe()

    def clean(self):
        """Check every field with the service's rules, so that all mistakes are shown at once."""
        cleaned = super().clean()
        present = {k: v for k, v in cleaned.items() if k not in self.errors}
        try:
            clean_person_data(present, today=self.today)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned

    @classmethod
    def initial_for(cls, person) -> dict:
        return {
            "personnummer": f"{person.personnummer[:8]}-{person.personnummer[8:]}",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "care_of": person.care_of,
            "street_address": person.street_address,
            "postal_code": person.postal_code,
            "postal_town": person.postal_town,
            "protected_identity": person.protected_identity,
        }
