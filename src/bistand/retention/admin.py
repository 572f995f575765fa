from django.contrib import admin

from bistand.audit.admin_mixins import AuditedAdminMixin
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from .models import Gallring, RetentionPlan


@admin.register(RetentionPlan)
class RetentionPlanAdmin(AuditedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    list_display = ["municipality", "case_months", "register_data_months", "attachment_months", "bank_file_months",
                    "research_birth_days", "keep_all_for_research"]
    readonly_fields = ["updated_at"]


@admin.register(Gallring)
class GallringAdmin(MunicipalityScopedAdminMixin, admin.ModelAdmin):
    """The record of each run: counts only, read only (the runs are made by ``bistand gallra``)."""

    list_display = ["started_at", "municipality", "dry_run", "cases_removed", "parts_removed",
                    "cases_kept_for_research", "cases_failed"]
    readonly_fields = [f.name for f in Gallring._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
