"""Admin for persons, households and household members.

* Non-superusers see only the current municipality's rows (MunicipalityScopedAdminMixin).
* Names and addresses of persons with protected identity are hidden, in lists and forms, from users
  without ``people.view_protected_identity``; such users cannot change those persons, and searching by
  name does not find them.
* Every page that shows persons writes the access log; every save and delete goes through
  bistand.people.services (audit event with old and new values).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from bistand.audit.admin_mixins import AccessLoggedAdminMixin
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from . import admin_audit, services  # noqa: F401  (admin_audit registers the audit models' admin)
from .models import Household, HouseholdMember, Person
from .presenters import PROTECTED_TEXT, can_see_protected, present_person
from .selectors import search_persons


class PersonAdminForm(forms.ModelForm):
    personnummer = forms.CharField(
        label="Personnummer eller samordningsnummer", max_length=20, help_text="10 eller 12 siffror."
    )

    class Meta:
        model = Person
        fields = ["municipality", "personnummer", "first_name", "last_name", "care_of", "street_address",
                  "postal_code", "postal_town", "protected_identity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "postal_code" in self.fields:
            self.fields["postal_code"].max_length = 6
            self.fields["postal_code"].widget.attrs["maxlength"] = 6

    def _post_clean(self):
        # Validate with the service's rules (the same messages as on the staff pages) instead of the
        # model's validation, which would reject the 10-digit and hyphenated forms. Saving goes through
        # the services with cleaned_data, so the instance is not filled in here.
        data = {k: v for k, v in self.cleaned_data.items() if k in services.PERSON_FIELDS}
        try:
            cleaned = services.clean_person_data(data, today=timezone.localdate())
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return
        municipality = self.cleaned_data.get("municipality") or getattr(self.instance, "municipality", None)
        if "personnummer" in cleaned and municipality is not None:
            try:
                services.check_unique_personnummer(municipality.pk, cleaned["personnummer"], self.instance.pk)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)


@admin.register(Person)
class PersonAdmin(AccessLoggedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    form = PersonAdminForm
    search_fields = ["personnummer"]  # the real search is get_search_results
    search_help_text = "Sök på namn eller personnummer."
    list_filter = ["protected_identity", "kind"]
    list_select_related = ["municipality"]
    ordering = ["personnummer"]
    readonly_fields = ["kind", "birth_date", "created_at", "updated_at"]

    def get_list_display(self, request):
        reveal = can_see_protected(request.user)

        def name(obj):
            return present_person(obj, reveal=reveal).display_name

        name.short_description = "namn"

        def postal_town(obj):
            return present_person(obj, reveal=reveal).postal_town or ("–" if not obj.protected_identity or reveal else PROTECTED_TEXT)

        postal_town.short_description = "postort"
        return ["__str__", name, "kind", postal_town, "protected_identity", "municipality"]

    def get_list_display_links(self, request, list_display):
        return ["__str__"]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        matching = search_persons(request.user, search_term).values("pk")
        return queryset.filter(pk__in=matching), False

    def _hidden_for(self, request, obj) -> bool:
        return obj is not None and obj.protected_identity and not can_see_protected(request.user)

    def get_fields(self, request, obj=None):
        fields = ["municipality", "personnummer", "kind", "birth_date", "first_name", "last_name", "care_of",
                  "street_address", "postal_code", "postal_town", "protected_identity", "created_at", "updated_at"]
        if self._hidden_for(request, obj):
            fields = [f for f in fields if f not in Person.PROTECTED_FIELDS] + ["protected_notice"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            readonly.append("municipality")
        if self._hidden_for(request, obj):
            readonly += ["protected_notice", "personnummer", "protected_identity"]
        return readonly

    @admin.display(description="skyddad identitet")
    def protected_notice(self, obj):
        return "Namn och adress visas inte: personen har skyddad identitet."

    def has_change_permission(self, request, obj=None):
        if self._hidden_for(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._hidden_for(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            payload = {k: form.cleaned_data[k] for k in services.PERSON_FIELDS if k in form.cleaned_data}
            services.update_person(actor=request.user, person=obj, data=payload)
        else:
            created = services.create_person(
                actor=request.user,
                municipality=form.cleaned_data["municipality"],
                **{k: form.cleaned_data.get(k, "") for k in services.PERSON_FIELDS},
            )
            obj.pk = created.pk
            for field in ("kind", "birth_date", "personnummer", "search_name", "created_at", "updated_at"):
                setattr(obj, field, getattr(created, field))

    def delete_model(self, request, obj):
        services.delete_person(actor=request.user, person=obj)

    def delete_queryset(self, request, queryset):
        for person in queryset:
            services.delete_person(actor=request.user, person=person)


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    fields = ["person", "role", "valid_from", "valid_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(AccessLoggedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "municipality", "unit", "created_at"]
    list_filter = [("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["municipality", "unit"]
    search_fields = ["pk"]  # the real search is get_search_results
    search_help_text = "Sök på hushållets nummer."
    inlines = [HouseholdMemberInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        return ["municipality", "unit", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["municipality", *self.readonly_fields] if obj is not None else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        digits = re.sub(r"[^0-9]", "", search_term)
        if not search_term.strip():
            return queryset, False
        return (queryset.filter(pk=int(digits)) if digits else queryset.none()), False

    def persons_in_list(self, objects):
        return []  # the change list shows no person

    def persons_on_page(self, obj):
        return [m.person for m in obj.members.select_related("person")]  # the members (by personnummer)

    def save_model(self, request, obj, form, change):
        if change:
            services.update_household(actor=request.user, household=obj, unit=form.cleaned_data.get("unit"))
        else:
            created = services.create_household(
                actor=request.user, municipality=form.cleaned_data["municipality"], unit=form.cleaned_data.get("unit")
            )
            obj.pk = created.pk
            obj.created_at, obj.updated_at = created.created_at, created.updated_at


class HouseholdMemberAdminForm(forms.ModelForm):
    class Meta:
        model = HouseholdMember
        fields = ["household", "person", "role", "valid_from", "valid_to"]

    def _post_clean(self):
        super()._post_clean()
        household = self.cleaned_data.get("household") or getattr(self.instance, "household", None)
        person = self.cleaned_data.get("person") or getattr(self.instance, "person", None)
        if household is None or person is None or self.errors:
            return
        try:
            services.validate_household_member(
                household,
                person,
                self.cleaned_data.get("role"),
                self.cleaned_data.get("valid_from"),
                self.cleaned_data.get("valid_to"),
                exclude_pk=self.instance.pk,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(AccessLoggedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    form = HouseholdMemberAdminForm
    list_display = ["__str__", "person", "role", "valid_from", "valid_to"]
    list_filter = ["role"]
    list_select_related = ["person", "household"]
    autocomplete_fields = ["household", "person"]
    readonly_fields = ["created_at", "updated_at"]

    def persons_in_list(self, objects):
        return [member.person for member in objects]

    def persons_on_page(self, obj):
        return [obj.person]

    def get_readonly_fields(self, request, obj=None):
        return ["household", "person", *self.readonly_fields] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.update_household_member(
                actor=request.user,
                member=obj,
                data={k: form.cleaned_data[k] for k in ("role", "valid_from", "valid_to") if k in form.cleaned_data},
            )
        else:
            created = services.add_household_member(
                actor=request.user,
                household=form.cleaned_data["household"],
                person=form.cleaned_data["person"],
                role=form.cleaned_data["role"],
                valid_from=form.cleaned_data["valid_from"],
                valid_to=form.cleaned_data.get("valid_to"),
            )
            obj.pk = created.pk
            obj.created_at, obj.updated_at = created.created_at, created.updated_at

    def delete_model(self, request, obj):
        services.remove_household_member(actor=request.user, member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            services.remove_household_member(actor=request.user, member=member)
