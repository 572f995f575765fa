"""Admin for the committee's delegation to the automated decision function.

An administrator of a municipality sees and edits only the municipality's delegations
(MunicipalityScopedAdminMixin); every save writes an audit event with old and new values
(AuditedAdminMixin). The kill switch (``active``) can be pulled from the list page directly, or for
several delegations at once with the action "Nödstopp".

The delegationsordning for people (:class:`~bistand.decisions.models.PersonDelegation`: who may decide
which kind of decision up to which amount) is edited the same way, scoped and audited.

Decisions themselves are not edited in the admin: they are made through the services and never
changed once issued.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from bistand.audit.admin_mixins import AuditedAdminMixin
from bistand.audit.services import diff, record_change, snapshot
from bistand.tenancy.admin_mixins import MunicipalityScopedAdminMixin

from .automation import DEFAULT_CRITERIA, LABELS, criteria_settings, validate_criteria
from .models import Delegation, PersonDelegation


def _criteria_help() -> str:
    lines = [f"{code}: {LABELS[code]} (standard: {json.dumps(value)})" for code, value in DEFAULT_CRITERIA.items()]
    return "Villkor som kan ställas in, med standardvärden: " + "; ".join(lines) + "."


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["municipality", "decision_type", "active", "effective_from", "committee_reference", "criteria",
                  "conditions_text", "approves_payments", "payment_daily_limit_ore"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "criteria" in self.fields:
            self.fields["criteria"].help_text = _criteria_help()
            self.fields["criteria"].required = False
            if not self.instance.pk and not self.initial.get("criteria"):
                self.initial["criteria"] = DEFAULT_CRITERIA

    def clean_criteria(self):
        value = self.cleaned_data.get("criteria") or {}
        problems = validate_criteria(value)
        if problems:
            raise forms.ValidationError(problems)
        return value


@admin.register(Delegation)
class DelegationAdmin(AuditedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    form = DelegationForm
    list_display = ["__str__", "municipality", "effective_from", "committee_reference", "active", "approves_payments"]
    list_editable = ["active"]
    list_filter = ["active", "decision_type"]
    readonly_fields = ["criteria_in_use", "created_at", "updated_at"]
    actions = ["pull_kill_switch"]

    @admin.display(description="villkor som gäller (med standardvärden)")
    def criteria_in_use(self, obj):
        settings = criteria_settings(obj)
        return "; ".join(
            f"{LABELS[code]}: {'på' if value.get('enabled') else 'av'}"
            + "".join(f", {k} = {v}" for k, v in value.items() if k != "enabled")
            for code, value in settings.items()
        )

    @admin.action(description="Nödstopp: stäng av automatiska beslut för de valda delegationerna")
    def pull_kill_switch(self, request, queryset):
        count = 0
        with transaction.atomic():
            for delegation in queryset.select_for_update():
                if not delegation.active:
                    continue
                before = snapshot(delegation, ["active"])
                delegation.active = False
                delegation.save(update_fields=["active", "updated_at"])
                record_change(user=request.user, action="update", instance=delegation,
                              municipality_id=delegation.municipality_id,
                              changes=diff(before, snapshot(delegation, ["active"])))
                count += 1
        self.message_user(request, f"Automatiska beslut är avstängda för {count} delegation(er).", messages.SUCCESS)


class PersonDelegationForm(forms.ModelForm):
    class Meta:
        model = PersonDelegation
        fields = ["municipality", "committee", "role", "user", "decision_kind", "max_amount_kronor", "valid_from",
                  "valid_to", "reference", "decided_on"]


@admin.register(PersonDelegation)
class PersonDelegationAdmin(AuditedAdminMixin, MunicipalityScopedAdminMixin, admin.ModelAdmin):
    """The municipality's delegationsordning for decisions by people (role or named person, kind, ceiling)."""

    form = PersonDelegationForm
    list_display = ["decision_kind", "delegate", "max_amount_kronor", "valid_from", "valid_to", "committee_shown",
                    "reference"]
    list_filter = ["decision_kind", "role"]
    readonly_fields = ["created_at", "updated_at"]
    audit_fields = ["municipality", "committee", "role", "user", "decision_kind", "max_amount_kronor", "valid_from",
                    "valid_to", "reference", "decided_on"]

    @admin.display(description="delegat")
    def delegate(self, obj):
        return obj.get_role_display() if obj.role else str(obj.user)

    @admin.display(description="nämnd")
    def committee_shown(self, obj):
        return obj.committee_name
