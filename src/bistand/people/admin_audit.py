"""Read-only admin for the access log and the audit events (nobody may add, change or delete rows).

Both pages show person data (whose data was read; old and new values of changes) only to users whose
role may see people (``people.view_person``) and log every such read (AccessLog, purpose "granskning
av åtkomstloggen"). Others — e.g. a municipality's administrator — see which fields changed and when,
with every value of a person-level record and every personnummer hidden, and cannot search the access
log by personnummer. Rows are those of the user's current municipality (tenancy.scoping).
It lives with people (imported by people/admin.py) because it shows the persons the rows are about.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from bistand.audit.admin_mixins import AccessLoggedAdminMixin
from bistand.audit.models import AccessLog, AccessPurpose, AuditEvent
from bistand.tenancy import scoping
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from .audit_presenters import HIDDEN_VALUE, can_see_people, persons_in_events, target_label, visible_changes
from .models import Person
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
    _base_fields = ["created_at", "user", "user_display_name", "municipality", "action", "target", "path", "purpose"]

    def get_search_fields(self, request):
        return self.search_fields if can_see_people(request.user) else ["user_display_name"]

    def _person_columns(self, request):
        if not can_see_people(request.user):
            def person_ref(obj):
                return f"Person {obj.person_id} ({HIDDEN_VALUE})"

            person_ref.short_description = "vems uppgifter"
            return [person_ref]
        reveal = can_see_protected(request.user)

        def person_name(obj):
            return present_person(obj.person, reveal=reveal).display_name

        person_name.short_description = "vems uppgifter"

        def personnummer(obj):
            return obj.person.personnummer

        personnummer.short_description = "personnummer"
        return [person_name, personnummer]

    def get_list_display(self, request):
        def page(obj):
            return target_label(obj.target)

        page.short_description = "sida"
        return ["created_at", "user_display_name", *self._person_columns(request), "action", page, "purpose"]

    def get_fields(self, request, obj=None):
        cached = getattr(request, "_bistand_accesslog_fields", None)
        if cached is None:
            cached = request._bistand_accesslog_fields = [*self._base_fields[:3], *self._person_columns(request),
                                                          *self._base_fields[3:]]
        return cached

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def persons_in_list(self, objects):
        return [row.person for row in objects]

    def persons_on_page(self, obj):
        return [obj.person]

    def _log(self, request, persons, action, suffix):
        if can_see_people(request.user):  # nothing of the person is shown otherwise
            super()._log(request, persons, action, suffix)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, AccessLoggedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    access_purpose = AccessPurpose.ACCESS_REVIEW
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
        people = can_see_people(request.user)

        def changes_table(event):
            changes = visible_changes(event, reveal_protected=reveal, reveal_people=people)
            rows = format_html_join(
                "",
                "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
                (
                    (field, json.dumps(values.get("old"), ensure_ascii=False),
                     json.dumps(values.get("new"), ensure_ascii=False))
                    for field, values in changes.items()
                ),
            )
            return format_html(
                "<table><thead><tr><th scope='col'>Fält</th><th scope='col'>Före</th>"
                "<th scope='col'>Efter</th></tr></thead><tbody>{}</tbody></table>",
                rows,
            )

        changes_table.short_description = "ändringar"
        request._bistand_changes_display = changes_table
        return changes_table

    def get_fields(self, request, obj=None):
        return [*self._base_fields, self._changes_display(request)]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def persons_in_list(self, objects):
        return []  # the list shows no values, only who changed what kind of record when

    def persons_on_page(self, obj):
        """The persons whose data the event's values show (none when the values are hidden)."""
        return persons_in_events([obj])

    def _log(self, request, persons, action, suffix):
        if can_see_people(request.user):
            persons = scoping.scoped(Person.objects.filter(pk__in=[p.pk for p in persons]), request.user)
            super()._log(request, list(persons), action, suffix)
