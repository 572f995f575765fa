"""Django admin building blocks: access logging of admin reads and audit events for admin changes."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import AccessAction, AccessPurpose
from .services import diff, log_access, record_change, snapshot


class AccessLoggedAdminMixin:
    """Writes AccessLog rows for the persons an admin page shows: the change list (each row), the
    change page, the history page and the delete confirmation."""

    access_purpose: str = AccessPurpose.ADMINISTRATION

    def persons_in_list(self, objects: Iterable) -> list:
        """The persons a change list of ``objects`` shows (override for models that are not Person)."""
        return list(objects)

    def persons_on_page(self, obj) -> list:
        """The persons the page of one object shows (override for models that are not Person)."""
        return [obj]

    def _target(self, suffix: str) -> str:
        opts = self.model._meta
        return f"admin:{opts.app_label}_{opts.model_name}_{suffix}"

    def _log(self, request, persons, action, suffix):
        if persons:
            log_access(
                user=request.user,
                persons=persons,
                action=action,
                target=self._target(suffix),
                purpose=self.access_purpose,
                request=request,
            )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            action = AccessAction.SEARCH if changelist.query else AccessAction.LIST
            self._log(request, self.persons_in_list(changelist.result_list), action, "changelist")
        return response

    def _log_object(self, request, response, key: str, suffix: str):
        obj = (getattr(response, "context_data", None) or {}).get(key)
        if obj is not None and getattr(obj, "pk", None) is not None:
            self._log(request, self.persons_on_page(obj), AccessAction.VIEW, suffix)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._log_object(request, response, "original", "change")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._log_object(request, response, "object", "history")
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        self._log_object(request, response, "object", "delete")
        return response


class AuditedAdminMixin:
    """Writes an AuditEvent with old and new values for every save and delete made in the admin
    (for models without a service of their own): one per municipality the object belongs to (see
    :meth:`audit_municipality_ids`), so that each municipality's trail shows the change."""

    audit_fields: list[str] | None = None

    def audit_municipality_id(self, obj) -> int | None:
        return getattr(obj, "municipality_id", None)

    def audit_municipality_ids(self, obj) -> list[int | None]:
        """The municipalities whose audit trail gets the change (default: the object's own)."""
        return [self.audit_municipality_id(obj)]

    def record_admin_change(self, request, obj, action: str, changes) -> None:
        """One audit event of ``action`` on ``obj`` in each of its municipalities."""
        for municipality_id in self.audit_municipality_ids(obj):
            record_change(user=request.user, action=action, instance=obj, municipality_id=municipality_id,
                          changes=changes, object_id=obj.pk)

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            old = snapshot(stored, self.audit_fields) if stored is not None else {}
            super().save_model(request, obj, form, change)
            self.record_admin_change(request, obj, "update", diff(old, snapshot(obj, self.audit_fields)))
        else:
            super().save_model(request, obj, form, change)
            self.record_admin_change(request, obj, "create", diff({}, snapshot(obj, self.audit_fields)))

    def delete_model(self, request, obj):
        self.record_admin_change(request, obj, "delete", diff(snapshot(obj, self.audit_fields), {}))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.record_admin_change(request, obj, "delete", diff(snapshot(obj, self.audit_fields), {}))
            super().delete_queryset(request, queryset)
