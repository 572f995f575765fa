"""The calculation page's form and formsets: one Django form (month, municipality, dwelling size) and
four row groups (adults, children, costs, incomes). The municipalities are those the rules package
knows (:func:`bistand.rules.parameters.known_municipalities`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.conf import settings

from bistand.rules.parameters import known_municipalities

from .presenters import COST_LABELS, INCOME_LABELS


def municipalities() -> list[tuple[str, str]]:
    """(kommunkod, name) of every municipality with local rules, packaged or in
    settings.BISTAND_LOCAL_PARAMETERS_DIR, sorted by name."""
    return list(known_municipalities(settings.BISTAND_LOCAL_PARAMETERS_DIR))


# --- fields -------------------------------------------------------------------------------------------


class KronorField(forms.DecimalField):
    """An amount in kronor as people write it: "5220", "5 220,50" or "5220.50".

    Only the form of the number is checked here; whether the amount is allowed (not negative, at most
    two decimals) is decided by the rules package's decoder, so the messages are the same as in the API.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12})
    default_error_messages = {"invalid": "Skriv beloppet med siffror, till exempel 5 220 eller 5 220,50."}

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value)
            value = re.sub(r"(?i)kr\.?$", "", value).replace(",", ".").replace("−", "-")
        return super().to_python(value)


class WholeNumberField(forms.IntegerField):
    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 5})
    default_error_messages = {"invalid": "Skriv ett heltal med siffror, till exempel 34."}


class MonthField(forms.CharField):
    """A month as YYYY-MM. Its format is checked by the rules package's decoder."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "ÅÅÅÅ-MM", "autocomplete": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)
        self.error_messages["max_length"] = "Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-03."


# --- forms --------------------------------------------------------------------------------------------


class HouseholdForm(forms.Form):
    month = MonthField(
        label="Månad",
        help_text="Den månad beräkningen gäller, ÅÅÅÅ-MM. Året bestämmer vilken riksnorm som används.",
        error_messages={"required": "Fyll i vilken månad beräkningen gäller."},
    )
    municipality = forms.ChoiceField(
        label="Kommun (frivilligt)",
        required=False,
        help_text="Kommunens lokala regler, till exempel tak för hyran. Utan kommun används nationella standardvärden.",
    )
    dwelling_size = WholeNumberField(
        label="Antal personer i bostaden (frivilligt)",
        required=False,
        help_text=(
            "Fyll bara i när hushållet bor tillsammans med andra än make, maka, sambo och egna barn "
            "(hushållsgemenskap). Räkna med alla som bor i bostaden."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", "Ingen kommun – nationella standardvärden")] + [
            (code, f"{name} ({code})") for code, name in municipalities()
        ]


class AdultForm(forms.Form):
    age = WholeNumberField(label="Ålder", error_messages={"required": "Fyll i den vuxnas ålder."})
    consecutive_months_on_assistance = WholeNumberField(
        label="Månader i följd med försörjningsstöd (frivilligt)",
        required=False,
        help_text="Antal månader i rad före den beräknade månaden. Efter 6 månader gäller jobbstimulans.",
    )
    jobbstimulans_since = MonthField(
        label="Jobbstimulansen började (frivilligt)",
        required=False,
        help_text="Första månaden i den pågående tvåårsperioden, ÅÅÅÅ-MM. Lämna tomt om ingen period har börjat.",
    )


class ChildForm(forms.Form):
    age = WholeNumberField(label="Ålder", error_messages={"required": "Fyll i barnets ålder."})
    lunch_away_from_home = forms.BooleanField(
        label="Äter lunch på förskolan eller i pedagogisk omsorg fem dagar i veckan",
        required=False,
        help_text="Gäller barn upp till 6 år. Då räknas en lägre kostnad för mat.",
    )
    days_present = WholeNumberField(
        label="Dagar i hushållet den här månaden (frivilligt)",
        required=False,
        help_text="Till exempel vid växelvis boende. Lämna tomt om barnet bor i hushållet hela månaden.",
    )
    earnings_this_year_before_month = KronorField(
        label="Barnets egna arbetsinkomster tidigare i år, kronor (frivilligt)",
        required=False,
        help_text="Barns arbetsinkomster räknas inte upp till ett prisbasbelopp per år.",
    )


class CostForm(forms.Form):
    type = forms.ChoiceField(label="Typ av kostnad", choices=list(COST_LABELS.items()))
    amount = KronorField(label="Belopp per månad, kronor", error_messages={"required": "Fyll i beloppet eller ta bort raden."})


class IncomeForm(forms.Form):
    type = forms.ChoiceField(label="Typ av inkomst", choices=list(INCOME_LABELS.items()))
    member = forms.ChoiceField(
        label="Vem får inkomsten",
        required=False,
        help_text="Måste anges för lön.",
        error_messages={"invalid_choice": "Välj en person som finns i hushållet."},
    )
    amount = KronorField(
        label="Belopp per månad efter skatt, kronor",
        error_messages={"required": "Fyll i beloppet eller ta bort raden."},
    )

    def __init__(self, *args, member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "Hela hushållet / ingen särskild")] + list(member_choices)


class RowFormSet(forms.BaseFormSet):
    """Every row is validated, also one the case worker left empty (it is removed with its button)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False
        return form


@dataclass(frozen=True)
class Group:
    """One list of rows on the page."""

    prefix: str  # formset prefix = the list's name in the JSON document
    form_class: type[forms.Form]
    min_rows: int
    max_rows: int
    heading: str
    hint: str
    row_label: str  # "Vuxen" → "Vuxen 1"
    add_label: str
    first_field: str
    new_row: tuple[tuple[str, str], ...] = ()

    def formset_class(self):
        return forms.formset_factory(self.form_class, formset=RowFormSet, extra=0, max_num=self.max_rows)


GROUPS = (
    Group(
        "adults", AdultForm, 1, 2, "Vuxna", "Den som söker, och make, maka eller sambo om det finns. Högst två.",
        "Vuxen", "Lägg till en vuxen", "age",
    ),
    Group(
        "children", ChildForm, 0, 20, "Barn", "Barn och skolungdomar under 21 år som de vuxna försörjer.",
        "Barn", "Lägg till ett barn", "age",
    ),
    Group(
        "costs", CostForm, 0, 30, "Kostnader",
        "Kostnader utöver riksnormen, per månad. Hyran begränsas av kommunens tak om kommunen har ett.",
        "Kostnad", "Lägg till en kostnad", "type", (("type", "rent"),),
    ),
    Group(
        "incomes", IncomeForm, 0, 30, "Inkomster",
        "Hushållets inkomster per månad efter skatt. Ange vem som har lönen: det styr jobbstimulans och barns inkomster.",
        "Inkomst", "Lägg till en inkomst", "type",
    ),
)
GROUP_BY_PREFIX = {group.prefix: group for group in GROUPS}

# Member ids in the JSON document. They appear in the trace ("Personliga kostnader, barn 2, 5 år",
# "Jobbstimulans, sökande: ..."), so they are words a case worker reads, not technical keys.
ADULT_IDS = ("sökande", "medsökande")
MEMBER_GROUPS = ("adults", "children")


def member_id(prefix: str, index: int) -> str:
    return ADULT_IDS[index] if prefix == "adults" else str(index + 1)


def member_choices(adults: int, children: int) -> list[tuple[str, str]]:
    return [(member_id("adults", i), f"Vuxen {i + 1} ({ADULT_IDS[i]})") for i in range(min(adults, 2))] + [
        (member_id("children", i), f"Barn {i + 1}") for i in range(children)
    ]
