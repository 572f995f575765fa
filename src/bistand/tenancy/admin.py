"""Admin for regions, municipalities, units, roles (memberships) and users.

Superusers see and change everything. A municipality's administrators (role ``admin``) see their own
municipality's units, memberships and users, may not touch superuser status or permissions, and
cannot grant regional roles.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from bistand.audit.admin_mixins import AuditedAdminMixin
from bistand.audit.services import diff

from .admin_mixins import MunicipalityScopedAdminMixin, users_visible_to
from .current import get_state
from .models import Membership, Municipality, Region, Unit
from .roles import ADMIN_SITE_ROLES, REGION_ROLES, Role
from .services import add_membership

User = get_user_model()

_WHY = ("Användaren har en roll i en kommun som du inte administrerar, är superanvändare eller är "
        "personal utan roll. Kontakta systemförvaltningen om kontot behöver ändras.")
REFUSED_ACCOUNT = f"Du kan inte ändra det här kontot. {_WHY}"
REFUSED_PASSWORD = f"Du kan inte ändra lösenordet för det här kontot. {_WHY}"


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Superusers manage every municipality. A municipality's administrator sees only its own and may
    change only how letters name it and where it can be reached (the name in letters, the committee,
    postal address, telephone and e-mail)."""

    list_display = ["name", "code", "official_name", "committee_name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]
    list_select_related = ["region"]
    fieldsets = [
        (None, {"fields": ["code", "name", "region"]}),
        ("I beslutsbrev", {"fields": ["official_name", "committee_name", "postal_address", "phone", "email"]}),
        ("Handläggning", {"fields": ["kommunicering_days"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        state = get_state(request.user)
        return queryset.filter(pk=state.municipality.pk) if state.municipality is not None else queryset.none()

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["code", "name", "region"]

    def get_form(self, request, obj=None, **kwargs):
        # A change that leaves out the number of kommunicering days keeps the stored value (or the default).
        form = super().get_form(request, obj, **kwargs)
        if "kommunicering_days" in form.base_fields:
            form.base_fields["kommunicering_days"].required = False
        return form

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def audit_municipality_id(self, obj):
        return obj.pk


@admin.register(Unit)
class UnitAdmin(MunicipalityScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    list_select_related = ["municipality"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role", "municipality", "unit", "region"]

    def clean(self):
        cleaned = super().clean()
        role, municipality, unit, region = (cleaned.get(k) for k in ("role", "municipality", "unit", "region"))
        if role in REGION_ROLES:
            if region is None:
                self.add_error("region", "En regional samordnare ska höra till en region.")
            if municipality is not None:
                self.add_error("municipality", "En regional samordnare hör till en region, inte till en kommun.")
            if unit is not None:
                self.add_error("unit", "En regional samordnare hör inte till någon enhet.")
        elif role:
            if municipality is None:
                self.add_error("municipality", "Välj kommun.")
            if region is not None:
                self.add_error("region", "Bara regionala samordnare hör till en region.")
            if unit is not None and municipality is not None and unit.municipality_id != municipality.pk:
                self.add_error("unit", "Enheten hör till en annan kommun.")
        return cleaned


@admin.register(Membership)
class MembershipAdmin(MunicipalityScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "role", "municipality", "unit", "region"]
    list_filter = ["role", "municipality", "region"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "municipality", "unit", "region"]
    audit_fields = ["user", "role", "municipality", "unit", "region"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not request.user.is_superuser:
            form.base_fields["role"].choices = [
                (value, label) for value, label in form.base_fields["role"].choices if value not in REGION_ROLES
            ]
        return form

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["region"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            if obj.role in ADMIN_SITE_ROLES and not obj.user.is_staff:
                obj.user.is_staff = True
                obj.user.save(update_fields=["is_staff"])
            return
        try:
            created = add_membership(
                actor=request.user, user=obj.user, role=obj.role, municipality=obj.municipality, unit=obj.unit,
                region=obj.region,
            )
        except ValidationError as error:  # pragma: no cover - the form has already checked the same rules
            raise ValueError(error.messages) from error
        obj.pk = created.pk
        obj.created_at = created.created_at


class ScopedUserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    """Django's user admin. Administrators who are not superusers manage only the users of
    :func:`~bistand.tenancy.admin_mixins.users_visible_to` (every role in a municipality they
    administer, or a new account without any role) and cannot change superuser status, groups or
    permissions; the change and password pages of any other account answer 403 with a Swedish
    message. Every change is audited in every municipality the account has a role in, also of groups
    and permissions (e.g. who was allowed to see protected identities) and of passwords (without the
    values)."""

    audit_fields = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]

    @staticmethod
    def _grants(user) -> dict[str, list[str]]:
        if user.pk is None:
            return {"groups": [], "user_permissions": []}
        return {
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "user_permissions": sorted(
                f"{app}.{codename}"
                for app, codename in user.user_permissions.values_list("content_type__app_label", "codename")
            ),
        }

    def audit_municipality_ids(self, obj) -> list[int | None]:
        """Every municipality the account has a role in (so that each one's administrator and manager
        sees the change); an account without a municipality role is audited without one."""
        ids = sorted(set(
            Membership.objects.filter(user_id=obj.pk, municipality__isnull=False).values_list("municipality_id", flat=True)
        )) if obj.pk is not None else []
        return ids or [None]

    def save_related(self, request, form, formsets, change):
        before = self._grants(form.instance) if change else {"groups": [], "user_permissions": []}
        super().save_related(request, form, formsets, change)
        changes = diff(before, self._grants(form.instance))
        if changes:
            self.record_admin_change(request, form.instance, "update", changes)

    def _out_of_reach(self, request, object_id) -> bool:
        """True when the account has a role in a municipality this administrator administers but may
        not be managed (it also has a role elsewhere): such a request is refused with a message. Other
        accounts out of reach (superusers, staff without a role, users of other municipalities) answer
        as if they did not exist, so that ids reveal nothing."""
        if request.user.is_superuser:
            return False
        try:
            pk = int(unquote(object_id))
        except (TypeError, ValueError):
            return False
        administered = Membership.objects.filter(user_id=request.user.pk, role=Role.ADMIN).values("municipality_id")
        known_here = Membership.objects.filter(user_id=pk, municipality_id__in=administered).exists()
        return known_here and not users_visible_to(request.user).filter(pk=pk).exists()

    def _refuse(self, request, message: str):
        return TemplateResponse(request, "admin/tenancy/account_refused.html", {
            **self.admin_site.each_context(request), "title": "Kontot kan inte ändras", "message": message,
            "opts": self.opts,
        }, status=403)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self._out_of_reach(request, object_id):
            return self._refuse(request, REFUSED_ACCOUNT)
        return super().change_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        if self._out_of_reach(request, id):
            return self._refuse(request, REFUSED_PASSWORD)
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                self.record_admin_change(request, user, "update",
                                         {"password": {"old": "(dolt)", "new": "(nytt lösenord)"}})
        return response

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=users_visible_to(request.user).values("pk"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"is_superuser", "groups", "user_permissions"}
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_staff", "last_login", "date_joined"]
        return readonly


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)
