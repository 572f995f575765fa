"""Forms for plans (staff and e-service). The rules are in bistand.plans.services; the forms collect
values and show the services' messages at the right field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_noop

from bistand.common.forms import AccessibleFormMixin

from .models import REQUIREMENT_BASIS, ActionStatus, GoalOrigin, ResponseKind, Responsible

DATE = forms.DateInput(attrs={"type": "date"})
RATING_CHOICES = [(1, gettext_noop("1 – Inte alls till nytta")), (2, "2"), (3, "3"), (4, "4"), (5, gettext_noop("5 – Till mycket stor nytta"))]


class PlanForm(AccessibleFormMixin, forms.Form):
    based_on_occasion = forms.TypedChoiceField(label="Bygger på bedömningen", coerce=int, empty_value=None,
                                               required=False, choices=[])
    valid_from = forms.DateField(label="Gäller från", widget=DATE)
    valid_to = forms.DateField(label="Gäller till och med", widget=DATE, required=False)
    follow_up_due = forms.DateField(label="Nästa uppföljning", widget=DATE, required=False)
    summary = forms.CharField(label="Sammanfattning i klartext", widget=forms.Textarea(attrs={"rows": 3}),
                              required=False, help_text="Klienten ser sammanfattningen i e-tjänsten.")

    def __init__(self, *args, occasions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["based_on_occasion"].choices = [("", "Ingen bedömning"), *[
            (o.pk, f"{o.get_kind_display()} {o.date:%Y-%m-%d}") for o in occasions]]
        self._describe()


class GoalForm(AccessibleFormMixin, forms.Form):
    client_wording = forms.CharField(label="Målet med klientens egna ord", widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text="Skriv som klienten säger det.")
    domain_code = forms.CharField(label="Livsområde", max_length=40, required=False)
    origin = forms.ChoiceField(label="Vems mål", choices=GoalOrigin.choices)
    target_level = forms.TypedChoiceField(label="Önskad nivå", coerce=int, empty_value=None, required=False,
                                          choices=[("", "Ingen"), *[(i, str(i)) for i in range(1, 6)]])
    target_date = forms.DateField(label="När målet ska vara nått", widget=DATE, required=False)
    worker_note = forms.CharField(label="Handläggarens anteckning", widget=forms.Textarea(attrs={"rows": 2}),
                                  required=False, help_text="Visas inte för klienten.")

    def __init__(self, *args, domains=None, **kwargs):
        super().__init__(*args, **kwargs)
        if domains:
            self.fields["domain_code"] = forms.ChoiceField(label="Livsområde", required=False,
                                                           choices=[("", "Inget särskilt"), *domains])
            self._describe()


class ActionForm(AccessibleFormMixin, forms.Form):
    description = forms.CharField(label="Vad ska göras", widget=forms.Textarea(attrs={"rows": 2}))
    goal = forms.TypedChoiceField(label="Hör till målet", coerce=int, empty_value=None, required=False, choices=[])
    responsible = forms.ChoiceField(label="Vem ansvarar", choices=Responsible.choices)
    responsible_other = forms.CharField(label="Annan ansvarig", max_length=200, required=False,
                                        help_text="Bara om du valt Annan.")
    due_date = forms.DateField(label="Klart senast", widget=DATE, required=False)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [("", "Inget mål"), *[(g.pk, f"Mål {i}: {g.client_wording[:60]}")
                                                              for i, g in enumerate(goals, 1)]]
        self._describe()


class RequirementForm(AccessibleFormMixin, forms.Form):
    description = forms.CharField(label="Kravet", widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="Skriv tydligt vad klienten måste göra för att få försörjningsstöd.")
    decision = forms.TypedChoiceField(label="Beslut som kravet bygger på", coerce=int, empty_value=None, choices=[])
    legal_basis = forms.CharField(label="Lagrum", max_length=300, initial=REQUIREMENT_BASIS,
                                  help_text=f"Oftast {REQUIREMENT_BASIS}: att stå till arbetsmarknadens "
                                            "förfogande eller delta i praktik eller kompetenshöjande verksamhet.")
    due_date = forms.DateField(label="Klart senast", widget=DATE, required=False)

    def __init__(self, *args, decisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [("", "Välj beslut"), *[
            (d.pk, f"Beslut {d.pk}, {d.month:%Y-%m}, {d.get_outcome_display()}") for d in decisions]]
        self._describe()


class ActionStatusForm(AccessibleFormMixin, forms.Form):
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices)


class ReferralForm(AccessibleFormMixin, forms.Form):
    partner = forms.ChoiceField(label="Mottagare", choices=[c for c in Responsible.choices if c[0] != "client"])
    partner_name = forms.CharField(label="Mottagarens namn", max_length=200, required=False)
    sent_on = forms.DateField(label="Skickad", widget=DATE)
    first_contact_on = forms.DateField(label="Första kontakt", widget=DATE, required=False)


class FollowUpForm(AccessibleFormMixin, forms.Form):
    held_on = forms.DateField(label="Uppföljningen hölls", widget=DATE)
    note = forms.CharField(label="Anteckning", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    next_due = forms.DateField(label="Nästa uppföljning", widget=DATE, required=False)


class UsefulnessForm(AccessibleFormMixin, forms.Form):
    usefulness = forms.TypedChoiceField(label="Hur stor nytta har planeringen varit?", coerce=int,
                                        choices=RATING_CHOICES, widget=forms.RadioSelect)


class ResponseForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Ditt svar", choices=ResponseKind.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="Kommentar eller skäl", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text="Behövs om du vill lämna en kommentar eller inte håller med.")
