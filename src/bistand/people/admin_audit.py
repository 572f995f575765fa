"""Read-only admin for the access log and the audit events (nobody may add, change or delete rows).
It lives with people (imported by people/admin.py) because it shows the persons the rows are about."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bistand.audit.admin_mixins import AccessLoggedAdminMixin
from bistand.audit.models import AccessLog, AccessPurpose, AuditEvent
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from .audit_presenters import target_label, visible_changes
from .presenters import can_see_protected, present_person


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, AccessLoggedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    access_purpose = AccessPurpose.ACCESS_REVIEW
    list_filter = ["action", "purpose"]
    list_select_related = ["person"]
    date_hierarchy = "created_at"
    search_fields = ["user_display_name", "person__personnummer"]
    fields = ["created_at", "user", "user_display_name", "person", "municipality", "action", "target", "path", "purpose"]

    def get_list_display(self, request):
        reveal = can_see_protected(request.user)

        def person_name(obj):
            return present_person(obj.person, reveal=reveal).display_name

        person_name.short_description = "vems uppgifter"

        def page(obj):
            return target_label(obj.target)

        page.short_description = "sida"
        return ["created_at", "user_display_name", person_name, "person", "action", page, "purpose"]

    def persons_in_list(self, objects):
        return [row.person for row in objects]

    def persons_on_page(self, obj):
        return [obj.person]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user_display_name", "action", "model", "object_id", "municipality"]
    list_filter = ["action", "model"]
    list_select_related = ["municipality"]
    date_hierarchy = "created_at"
    search_fields = ["user_display_name", "=object_id", "model"]

    _base_fields = ["created_at", "user", "user_display_name", "action", "model", "object_id", "municipality", "sensitive"]

    def _changes_display(self, request):
        """The "changes" column for this request's user (values of protected persons masked unless
        the user may see them). Cached on the request so fields and readonly_fields name the same
        callable."""
        cached = getattr(request, "_bistand_changes_display", None)
        if cached is not None:
            return cached
        reveal = can_see_protected(request.user)

        def changes_table(event):
            changes = visible_changes(event, reveal_protected=reveal)
            rows = [
                format_html(
                    "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
                    field,
                    json.dumps(values.get("old"), ensure_ascii=False),
                    json.dumps(values.get("new"), ensure_ascii=False),
                )
                for field, values in changes.items()
            ]
            return format_html(
                "<table><thead><tr><th scope='col'>Fält</th><th scope='col'>Före</th>"
                "<th scope='col'>Efter</th></tr></thead><tbody>{}</tbody></table>",
                mark_safe("".join(rows)),  # each row is escaped by format_html above
            )

        changes_table.short_description = "ändringar"
        request._bistand_changes_display = changes_table
        return changes_table

    def get_fields(self, request, obj=None):
        return [*self._base_fields, self._changes_display(request)]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)
