"""Admin page "Parametrar för nästa år": a municipality's administrator enters a year's official figures
(every riksnorm cell and the prisbasbelopp, with the SFS number) or uploads them as a YAML file in the
format of rules/parameters/riksnorm/<year>.yaml; a second administrator confirms them (action
"Bekräfta"), after which the municipality's calculations for that year use them. Each row can be
downloaded as YAML. Every write goes through bistand.calculations.services (audited, four-eyes); a row is
never edited here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from bistand.rules.parameters import YEAR_CELLS
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin
from bistand.tenancy.current import get_state

from . import selectors, services
from .models import YearParameters


def _field_name(key: str) -> str:
    return "cell__" + key.replace(".", "__").replace("-", "_")


class _YearParametersForm(forms.ModelForm):
    """Either every cell and the SFS number, or a YAML file (riksnorm/<year>.yaml format)."""

    yaml_file = forms.FileField(
        label="eller: årsfil (YAML)", required=False,
        help_text="En fil i samma format som rules/parameters/riksnorm/<år>.yaml. Då behövs inga belopp ovan.",
    )
    source = forms.CharField(label="källa", required=False, help_text="Var beloppen kommer från (valfritt).")

    class Meta:
        model = YearParameters
        fields = ["year", "sfs"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "year" in self.fields:
            self.fields["year"].required = False
            self.fields["sfs"].required = False

    def cells(self) -> dict[str, int]:
        return {key: self.cleaned_data.get(_field_name(key)) for key, _ in YEAR_CELLS}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("yaml_file"):
            return cleaned
        missing = [label for key, label in YEAR_CELLS if cleaned.get(_field_name(key)) is None]
        if not cleaned.get("year"):
            self.add_error("year", "Skriv året, till exempel 2027.")
        if not cleaned.get("sfs"):
            self.add_error("sfs", "Skriv SFS-numret, till exempel SFS 2026:1234.")
        if missing:
            raise ValidationError("Fyll i alla belopp (eller ladda upp en årsfil). Saknas: " + ", ".join(missing) + ".")
        return cleaned


#: The form with one whole-kronor field per cell of the year file (declared, so the admin knows them).
YearParametersForm = type("YearParametersForm", (_YearParametersForm,), {
    _field_name(key): forms.IntegerField(label=f"{label} (kr)", required=False, min_value=1)
    for key, label in YEAR_CELLS
})


@admin.register(YearParameters)
class YearParametersAdmin(MunicipalityScopedAdminMixin, admin.ModelAdmin):
    form = YearParametersForm
    list_display = ["year", "sfs", "municipality", "entered_by", "entered_at", "confirmed_by", "confirmed_at",
                    "yaml_link"]
    list_filter = ["year"]
    actions = ["confirm"]

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return [(None, {"fields": ["municipality", "year", "sfs", "entered_by", "entered_at", "confirmed_by",
                                       "confirmed_at", "document"]})]
        return [
            (None, {"fields": ["year", "sfs", "source"]}),
            ("Belopp i hela kronor (riksnormen per månad, prisbasbeloppet per år)",
             {"fields": [_field_name(key) for key, _ in YEAR_CELLS]}),
            ("Årsfil", {"fields": ["yaml_file"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["municipality", "year", "sfs", "entered_by", "entered_at", "confirmed_by", "confirmed_at",
                    "document"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="YAML")
    def yaml_link(self, obj):
        url = reverse("admin:calculations_yearparameters_yaml", args=[obj.pk])
        return format_html('<a href="{}">Ladda ner riksnorm/{}.yaml</a>', url, obj.year)

    def get_urls(self):
        return [
            path("<int:pk>/yaml/", self.admin_site.admin_view(self.download_yaml),
                 name="calculations_yearparameters_yaml"),
            *super().get_urls(),
        ]

    def download_yaml(self, request, pk: int):
        entry = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, entry):
            raise PermissionDenied
        response = HttpResponse(selectors.year_document(entry), content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{entry.year}.yaml"'
        return response

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("Inmatade parametrar ändras inte. Mata in nya i stället.")
        municipality = get_state(request.user).municipality
        if municipality is None:
            raise PermissionDenied("Välj först vilken kommun du arbetar i.")
        upload = form.cleaned_data.get("yaml_file")
        if upload:
            entry = services.import_year_document(actor=request.user, municipality=municipality,
                                                  text=upload.read().decode("utf-8"))
        else:
            entry = services.enter_year_parameters(
                actor=request.user, municipality=municipality, year=form.cleaned_data["year"], cells=form.cells(),
                sfs=form.cleaned_data["sfs"], source=form.cleaned_data.get("source") or "",
            )
        obj.__dict__.update({k: v for k, v in entry.__dict__.items() if not k.startswith("_")})
        obj._state = entry._state

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Bekräfta markerade parametrar (den som matade in kan inte bekräfta)",
                  permissions=["change"])
    def confirm(self, request, queryset):
        for entry in queryset:
            try:
                services.confirm_year_parameters(actor=request.user, entry=entry)
            except ValidationError as error:
                self.message_user(request, f"{entry}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Parametrarna för {entry.year} ({entry.sfs}) är bekräftade och gäller "
                                           "nu i kommunens beräkningar.", messages.SUCCESS)
