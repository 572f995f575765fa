"""Admin of the research project register: an administrator registers a project (title, responsible
researcher, ethics approval, variables, period, who may download) and the municipalities that take part
with their secrecy assessments. Approval is not given here: each municipality's manager approves on the
staff page (bistand.research.views). The project's key is never shown. A change of what the project covers
withdraws the approvals (bistand.research.services.save_project)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from bistand.tenancy.current import get_state

from . import services
from .models import ProjectMunicipality, ResearchExport, ResearchProject, Variable


class ResearchProjectForm(forms.ModelForm):
    variables = forms.MultipleChoiceField(label="tillåtna variabler", choices=Variable.choices,
                                          widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = ResearchProject
        fields = ["slug", "title", "researcher", "region", "ethics_authority", "ethics_reference",
                  "ethics_valid_until", "variables", "period_from", "period_to", "downloaders"]

    def clean(self):
        cleaned = super().clean()
        for name in ("period_from", "period_to"):
            day = cleaned.get(name)
            if day is not None and day.day != 1:
                self.add_error(name, "Skriv den första dagen i månaden, till exempel 2025-01-01.")
        if cleaned.get("period_from") and cleaned.get("period_to") and cleaned["period_from"] > cleaned["period_to"]:
            self.add_error("period_to", "Periodens slut kan inte vara före dess början.")
        return cleaned


class ParticipationInline(admin.TabularInline):
    model = ProjectMunicipality
    extra = 1
    fields = ["municipality", "secrecy_assessed_on", "secrecy_decided_by", "approved_at", "approved_by_name"]
    readonly_fields = ["approved_at", "approved_by_name"]


@admin.register(ResearchProject)
class ResearchProjectAdmin(admin.ModelAdmin):
    form = ResearchProjectForm
    inlines = [ParticipationInline]
    list_display = ["slug", "title", "researcher", "ethics_reference", "ethics_valid_until"]
    filter_horizontal = ["downloaders"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        state = get_state(request.user)
        if state.municipality is None:
            return queryset.none()
        return queryset.filter(participations__municipality=state.municipality).distinct()

    def save_related(self, request, form, formsets, change):
        """After the project and its municipalities are saved (the inline rows would otherwise write back an
        approval withdrawn before them): a new project gets its key; a change of what it covers, or of its
        municipalities and their secrecy assessments, withdraws the approvals."""
        super().save_related(request, form, formsets, change)
        changed = list(form.changed_data)
        if any(formset.has_changed() for formset in formsets):
            changed.append("participations")
        services.save_project(user=request.user, project=form.instance, changed=changed, created=not change)


@admin.register(ResearchExport)
class ResearchExportAdmin(admin.ModelAdmin):
    list_display = ["project", "exported_at", "exported_by_name", "via", "manifest_sha256"]
    readonly_fields = [f.name for f in ResearchExport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
