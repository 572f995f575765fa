"""The forms of the staff's case pages (staff/views/cases.py): the inbox filter, assignment, notes,
requests for more information, the decision, the reconsideration, the case list's filter and the
application received on paper."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from bistand.applications.models import (
    STAFF_CHANNELS,
    ApplicationKind,
    ApplicationStatus,
    NormAdjustmentKind,
    NormDirection,
)
from bistand.casework.reasons import reason_choices
from bistand.casework.selectors import CASE_LIST_STATUSES, CaseFilters, InboxFilters, user_units
from bistand.common.formatting import format_kronor
from bistand.common.forms import AccessibleFormMixin
from bistand.common.months import month_sv, parse_month
from bistand.decisions.models import KommuniceringException, Outcome, WorseningException


class InboxFilterForm(AccessibleFormMixin, forms.Form):
    reason = forms.ChoiceField(label="Skäl", required=False)
    kind = forms.ChoiceField(label="Typ av ansökan", required=False,
                             choices=[("", "Alla typer"), *ApplicationKind.choices])
    month = forms.ChoiceField(label="Månad", required=False)
    assigned = forms.ChoiceField(label="Tilldelad", required=False)
    unit = forms.ChoiceField(label="Enhet", required=False)

    def __init__(self, *args, user, months, units, colleagues, own_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "Alla skäl"), *reason_choices()]
        self.fields["month"].choices = [("", "Alla månader"), *[(f"{m:%Y-%m}", month_sv(m)) for m in months]]
        self.fields["assigned"].choices = [
            ("", "Alla"), ("me", "Till mig"), ("none", "Inte tilldelade"),
            *[(str(u.pk), u.get_full_name() or u.get_username()) for u in colleagues if u.pk != user.pk],
        ]
        own_units = user_units(user) if own_units is None else own_units
        self.fields["unit"].choices = [("", "Mina enheter" if own_units else "Alla enheter"),
                                       *[(str(u.pk), u.name) for u in units]]

    def filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return InboxFilters(
            unit=int(data["unit"]) if data.get("unit") else None,
            reason=data.get("reason") or "",
            kind=data.get("kind") or "",
            month=parse_month(data["month"]) if data.get("month") else None,
            assigned=data.get("assigned") or "",
        )


class AssignForm(forms.Form):
    assigned_to = forms.IntegerField(required=False)


class NoteForm(AccessibleFormMixin, forms.Form):
    text = forms.CharField(label="Ny anteckning", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


class CompletionForm(AccessibleFormMixin, forms.Form):
    text = forms.CharField(label="Vad behöver sökanden komplettera med?", widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=4000)
    due_date = forms.DateField(label="Svara senast", help_text="Datum, till exempel 2026-03-20.",
                               widget=forms.DateInput(attrs={"type": "date"}))


OUTCOME_CHOICES = [
    ("", "Enligt beräkningen"),
    (Outcome.REFUSED, "Avslag på hela ansökan"),
    (Outcome.DISMISSED, "Avvisning (ansökan prövas inte)"),
]


def _kommunicering_exception_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Om beslutet går sökanden emot och bygger på registeruppgifter som skiljer sig från ansökan utan att "
              "sökanden har fått yttra sig: vilket undantag gäller?", required=False,
        choices=[("", "Inget undantag (sökanden har fått yttra sig, eller det behövs inte)"),
                 *KommuniceringException.choices],
        widget=forms.RadioSelect,
        help_text="Sökanden ska få yttra sig över uppgifter från registren innan ett beslut som går sökanden emot "
                  "(kommunicering, 25 § förvaltningslagen). Avstå bara i de fall som anges i 25 § andra stycket.",
    )


def _kommunicering_reason_field() -> forms.CharField:
    return forms.CharField(label="Skäl till att undantaget från kommunicering gäller", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=3000)


class DecisionForm(AccessibleFormMixin, forms.Form):
    calculation = forms.IntegerField(widget=forms.HiddenInput, required=False)
    outcome = forms.ChoiceField(label="Beslut", choices=OUTCOME_CHOICES, required=False, widget=forms.RadioSelect,
                                help_text="Enligt beräkningen blir det bifall, delavslag eller avslag efter vad "
                                          "beräkningen ger för varje post.")
    caseworker_text = forms.CharField(
        label="Dina egna skäl", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Läggs till efter skälen från beräkningen. Krävs vid avslag, avvisning och omprövning.",
    )
    conditions = forms.CharField(label="Villkor", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kommunicering_exception = _kommunicering_exception_field()
    kommunicering_reason = _kommunicering_reason_field()

    def __init__(self, *args, refused_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The field starts empty: the calculation's text is shown beside it as a read-only suggestion
        # ("Förslag från beräkningen", the template) and never counts as the case worker's reason.
        self.suggestions = {}
        for line in refused_lines:
            if line.suggestion:
                self.suggestions[f"reason_{line.item}"] = line.suggestion
            self.fields[f"reason_{line.item}"] = forms.CharField(
                label=f"Skäl för {line.label.lower()}", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                help_text=(f"Beviljas {format_kronor(line.granted_ore)} av {format_kronor(line.applied_ore)}. "
                           "Skriv med egna ord varför det inte beviljas i sin helhet."
                           + (f" Förslag från beräkningen (står med i beslutet men räknas inte som ditt skäl): "
                              f"{line.suggestion}" if line.suggestion else "")),
            )

    def line_reasons(self) -> dict[str, str]:
        return {name[len("reason_"):]: value for name, value in self.cleaned_data.items()
                if name.startswith("reason_") and value}


class ReconsiderForm(AccessibleFormMixin, forms.Form):
    caseworker_text = forms.CharField(label="Varför omprövas beslutet?", widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label="Nytt beslut", choices=OUTCOME_CHOICES, required=False, widget=forms.RadioSelect)
    new_calculation = forms.BooleanField(
        label="Använd den senaste beräkningen", required=False,
        help_text="Annars gäller samma beräkning som i beslutet som omprövas.",
    )
    worsening_exception = forms.ChoiceField(
        label="Om beslutet blir sämre för sökanden: vilket undantag gäller?", required=False,
        choices=[("", "Beslutet blir inte sämre för sökanden"), *WorseningException.choices], widget=forms.RadioSelect,
        help_text="Ett gynnande beslut får bara ändras till sökandens nackdel i de fall som anges i 37 § andra "
                  "stycket förvaltningslagen.",
    )
    worsening_reason = forms.CharField(
        label="Skäl till att undantaget gäller", required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )
    kommunicering_exception = _kommunicering_exception_field()
    kommunicering_reason = _kommunicering_reason_field()


class CaseListForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label="Sök", required=False, max_length=100,
                        help_text="Personnummer, namn eller ärendenummer.",
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}))
    month = forms.ChoiceField(label="Månad", required=False)
    status = forms.ChoiceField(label="Status", required=False)
    kind = forms.ChoiceField(label="Typ av ansökan", required=False,
                             choices=[("", "Alla typer"), *ApplicationKind.choices])
    assigned = forms.ChoiceField(label="Handläggare", required=False)
    unit = forms.ChoiceField(label="Enhet", required=False)

    def __init__(self, *args, user, months, units, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ApplicationStatus.choices)
        self.fields["status"].choices = [("", "Alla"), *[(s.value, labels[s]) for s in CASE_LIST_STATUSES]]
        self.fields["month"].choices = [("", "Alla månader"), *[(f"{m:%Y-%m}", month_sv(m)) for m in months]]
        self.fields["assigned"].choices = [
            ("", "Alla"), ("me", "Mig"), ("none", "Ingen"),
            *[(str(u.pk), u.get_full_name() or u.get_username()) for u in colleagues if u.pk != user.pk],
        ]
        self.fields["unit"].choices = [("", "Alla enheter"), *[(str(u.pk), u.name) for u in units]]

    def filters(self) -> CaseFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return CaseFilters(
            query=data.get("q") or "",
            month=parse_month(data["month"]) if data.get("month") else None,
            status=data.get("status") or "",
            kind=data.get("kind") or "",
            assigned=data.get("assigned") or "",
            unit=int(data["unit"]) if data.get("unit") else None,
        )


class PaperApplicationForm(AccessibleFormMixin, forms.Form):
    month = forms.CharField(label="Månad som ansökan gäller", max_length=7,
                            help_text="År och månad, till exempel 2026-03.")
    channel = forms.ChoiceField(label="Hur kom ansökan in?", widget=forms.RadioSelect,
                                choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    received_on = forms.DateField(label="Dag då ansökan kom in", help_text="Datum, till exempel 2026-03-03.",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    scanned = forms.FileField(label="Den skannade ansökan", required=False,
                              help_text="PDF, JPG eller PNG. Behövs inte vid besök.")

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError("Skriv månaden som år och månad, till exempel 2026-03.") from None


class NormAdjustmentForm(AccessibleFormMixin, forms.Form):
    """A higher or lower level of the norm (12 kap. 7 § tredje stycket SoL) with the case worker's reason."""

    direction = forms.ChoiceField(label="Högre eller lägre nivå", choices=NormDirection.choices, widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="Vad gäller de särskilda skälen?", choices=NormAdjustmentKind.choices)
    member = forms.TypedChoiceField(label="Vem gäller det?", required=False, coerce=int, empty_value=None)
    amount = forms.DecimalField(label="Belopp per månad (kronor)", min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2, help_text="Hur mycket normen höjs eller sänks, till exempel 450.")
    reason = forms.CharField(label="Skäl", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Dina egna skäl. De står i beräkningen, i beslutet och i beslutsbrevet.")

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "Hela hushållet"), *members]


class ReductionForm(AccessibleFormMixin, forms.Form):
    """Nedsättning (12 kap. 5 § SoL): the plan requirement that was not met, the norm part after the
    reduction (0 refuses it) and the case worker's own reason — each required, the error naming the field."""

    requirement = forms.TypedChoiceField(
        label="Krav i planeringen som inte följts", coerce=int, empty_value=None,
        error_messages={"required": "Välj kravet i planeringen som sökanden inte har följt."},
    )
    norm_amount = forms.DecimalField(
        label="Normdelen efter nedsättningen (kronor per månad)", min_value=Decimal("0"), max_digits=12,
        decimal_places=2, help_text="0 om normdelen vägras. Högst normen. Hyran och andra kostnader sätts inte ned.",
        error_messages={"required": "Ange normdelen efter nedsättningen (0 om den vägras)."},
    )
    reason = forms.CharField(
        label="Skäl", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Dina egna skäl: vad sökanden inte har gjort och varför det saknas godtagbart skäl. De står i "
                  "beräkningen, i beslutet och i beslutsbrevet.",
        error_messages={"required": "Skriv ditt eget skäl till nedsättningen."},
    )

    prefix = "reduction"  # its fields' ids differ from the norm form's (both have a "reason")

    def __init__(self, *args, requirements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [("", "Välj krav"), *requirements]


class HousingGraceForm(AccessibleFormMixin, forms.Form):
    """The case worker extends the rådrum for rent above the ceiling: the new last month and their own
    reason (each required, the error naming the field; a generated text never counts as the reason)."""

    end_month = forms.CharField(
        label="Rådrummets nya sista månad", max_length=7, help_text="År och månad, till exempel 2026-08.",
        error_messages={"required": "Välj rådrummets nya sista månad."},
    )
    reason = forms.CharField(
        label="Skäl till förlängningen", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Dina egna skäl, till exempel att en billigare bostad är klar från ett visst datum. De står i "
                  "beräkningen, i beslutet och i beslutsbrevet.",
        error_messages={"required": "Skriv ditt eget skäl till att rådrummet förlängs."},
    )

    prefix = "grace"  # its "reason" does not share an id with the other forms' on the case page

    def clean_end_month(self):
        try:
            return parse_month(self.cleaned_data["end_month"].strip())
        except ValueError:
            raise forms.ValidationError("Skriv månaden som år och månad, till exempel 2026-08.") from None
