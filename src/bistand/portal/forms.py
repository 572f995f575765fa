"""Forms of the e-service. Each step's form checks what was typed and shows a plain-Swedish message at
the field; nothing is ever refused for how it was filled in (a section the applicant cannot answer is
marked so and goes to a case worker)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bistand.applications.models import AttachmentKind
from bistand.casework.declaration_forms import (  # the declaration's forms, shared with the staff's paper registration
    AssetsForm,
    BankAccountForm,
    CannotAnswerForm,
    ChildFormSet,
    CostsForm,
    HousingForm,
    IncomeFormSet,
    MembersForm,
    translated,
)
from bistand.common.forms import AccessibleFormMixin

__all__ = ["AssetsForm", "AttachmentForm", "BankAccountForm", "CannotAnswerForm", "ChildFormSet", "CompletionAnswerForm",
           "CostsForm", "DeclineForm", "HousingForm", "IncomeFormSet", "MembersForm", "StartForm", "translated"]


class AttachmentForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Vad är det för fil?"), choices=[(value, _(label)) for value, label in AttachmentKind.choices], initial=AttachmentKind.OTHER)
    file = forms.FileField(label=_("Välj fil"), help_text=_("PDF, JPG eller PNG, högst 10 MB."),
                           error_messages={"required": _("Välj en fil att ladda upp."), "empty": _("Filen är tom. Välj en annan fil.")})

    def __init__(self, *args, max_bytes: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_bytes:
            megabytes = f"{max_bytes / (1024 * 1024):g}".replace(".", ",")
            self.fields["file"].help_text = format_lazy(_("PDF, JPG eller PNG, högst {} MB."), megabytes)
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
        self._describe()


class StartForm(AccessibleFormMixin, forms.Form):
    municipality = forms.ChoiceField(label=_("Vilken kommun bor du i?"), choices=[], error_messages={"required": _("Välj kommun.")})
    month = forms.ChoiceField(label=_("Vilken månad söker du för?"), choices=[], widget=forms.RadioSelect,
                              error_messages={"required": _("Välj månad.")})

    def __init__(self, *args, municipalities=(), months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", _("Välj …")), *[(str(m.pk), m.name) for m in municipalities]]
        self.fields["month"].choices = list(months)
        self._describe()


class CompletionAnswerForm(AccessibleFormMixin, forms.Form):
    answer = forms.CharField(label=_("Ditt svar"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    file = forms.FileField(label=_("Bifoga en fil"), required=False, help_text=_("PDF, JPG eller PNG, högst 10 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()


class DeclineForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(label=_("Vad stämmer inte?"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 4}))


# --- the applicant's plan and appeals -------------------------------------------------------------------------
# The plan's answer and usefulness: the same values as bistand.plans.forms (the staff pages use those), with the
# words in the applicant's language (the choices' Swedish labels are marked with gettext_noop where written).

class PlanResponseForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Ditt svar"), choices=[], widget=forms.RadioSelect,
                             error_messages={"required": _("Välj ett svar.")})
    comment = forms.CharField(label=_("Kommentar eller skäl"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text=_("Behövs om du vill lämna en kommentar eller inte håller med."))

    def __init__(self, *args, **kwargs):
        from bistand.plans.models import ResponseKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(value, translated(label)) for value, label in ResponseKind.choices]
        self._describe()


class PlanUsefulnessForm(AccessibleFormMixin, forms.Form):
    usefulness = forms.TypedChoiceField(label=_("Hur stor nytta har du haft av planeringen?"), coerce=int, choices=[],
                                        widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        from bistand.plans.forms import RATING_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["usefulness"].choices = [(value, translated(label)) for value, label in RATING_CHOICES]


class AppealForm(AccessibleFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Hur vill du att beslutet ska ändras, och varför?"), widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Skriv hur du vill att beslutet ska ändras, och varför.")},
        help_text=_("Skriv vad du tycker är fel i beslutet och vad du vill få. Du kan skicka med papper som visar det "
                    "till din handläggare."))


def service_errors_in_language(error: ValidationError) -> ValidationError:
    """A service's ValidationError with its Swedish messages in the applicant's language (where the catalogue
    has them: the msgids are marked with gettext_noop in the service)."""
    if hasattr(error, "error_dict"):
        return ValidationError({field: [translated(m) for m in messages] for field, messages in error.message_dict.items()})
    return ValidationError([translated(m) for m in error.messages])
