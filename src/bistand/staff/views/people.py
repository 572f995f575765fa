"""Staff pages for persons, households and the access log.

Every view reads through the selectors (which scope to the user's municipality with
bistand.tenancy.scoping), shows persons through bistand.people.presenters (which hides protected
identities) and writes one AccessLog row per person shown, in one INSERT (bistand.audit.services).
List pages run the same number of queries whatever the number of rows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bistand.audit.models import AccessAction, AccessPurpose
from bistand.audit.selectors import access_log_for
from bistand.audit.services import log_access
from bistand.calculations.selectors import calculations_for_household
from bistand.casework.selectors import records_of
from bistand.common.http import page_of
from bistand.people.audit_presenters import target_label
from bistand.people.forms import PersonForm
from bistand.people.models import HouseholdRole
from bistand.people.presenters import can_see_protected, present_person
from bistand.people.selectors import (
    household_for,
    households_for,
    members_of_household,
    memberships_of_person,
    person_for,
    persons_for,
    search_persons,
)
from bistand.people.services import update_person
from bistand.staff.forms_access_log import AccessLogFilterForm
from bistand.tenancy.current import for_request
from bistand.tenancy.decorators import person_data_view

PAGE_SIZE = 25
ACCESS_LOG_PAGE_SIZE = 50


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
@person_data_view("people.view_person")
def person_list(request):
    query = " ".join(request.GET.get("q", "").split())[:100]
    page = page_of(request, search_persons(request.user, query), PAGE_SIZE)
    reveal = can_see_protected(request.user)
    rows = [present_person(person, reveal=reveal) for person in page.rows]
    log_access(
        user=request.user,
        persons=page.rows,
        action=AccessAction.SEARCH if query else AccessAction.LIST,
        target="staff:person_list",
        request=request,
    )
    return render(
        request,
        "staff/person_list.html",
        {"query": query, "page": page, "rows": rows, "querystring": _query_without_page(request)},
    )


@require_GET
@person_data_view("people.view_person")
def person_detail(request, pk: int):
    person = person_for(request.user, pk)
    memberships = list(memberships_of_person(person))
    log_access(user=request.user, persons=[person], target="staff:person_detail", request=request)
    view = present_person(person, request.user)
    return render(
        request,
        "staff/person_detail.html",
        {
            "person": view,
            "memberships": memberships,
            "today": timezone.localdate(),
            "may_edit": request.user.has_perm("people.change_person") and not view.hidden,
            "may_see_access_log": request.user.has_perm("audit.view_accesslog"),
            "records": records_of(request.user, person=person),
        },
    )


@require_http_methods(["GET", "POST"])
@person_data_view("people.view_person", "people.change_person")
def person_edit(request, pk: int):
    person = person_for(request.user, pk)
    if person.protected_identity and not can_see_protected(request.user):
        raise PermissionDenied("Personen har skyddad identitet. Du har inte behörighet att ändra uppgifterna.")
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                update_person(actor=request.user, person=person, data=form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Uppgifterna är sparade.")
                return redirect("staff:person_detail", pk=person.pk)
    else:
        form = PersonForm(initial=PersonForm.initial_for(person))
    log_access(user=request.user, persons=[person], target="staff:person_edit", request=request)
    return render(
        request,
        "staff/person_edit.html",
        {"person": present_person(person, request.user), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
@person_data_view("people.view_household")
def household_list(request):
    page = page_of(request, households_for(request.user), PAGE_SIZE)
    reveal = can_see_protected(request.user)
    rows, shown = [], []
    for household in page.rows:
        adults = [m for m in household.current_members if m.role in (HouseholdRole.APPLICANT, HouseholdRole.PARTNER)]
        shown.extend(m.person for m in adults)
        rows.append(
            {
                "household": household,
                "adults": [(m, present_person(m.person, reveal=reveal)) for m in adults],
                "member_count": len(household.current_members),
            }
        )
    log_access(user=request.user, persons=shown, action=AccessAction.LIST, target="staff:household_list", request=request)
    return render(
        request,
        "staff/household_list.html",
        {"page": page, "rows": rows, "querystring": _query_without_page(request), "today": timezone.localdate()},
    )


@require_GET
@person_data_view("people.view_household")
def household_detail(request, pk: int):
    household = household_for(request.user, pk)
    members = list(members_of_household(household))
    today = timezone.localdate()
    log_access(user=request.user, persons=[m.person for m in members], target="staff:household_detail", request=request)
    reveal = can_see_protected(request.user)
    current = [(m, present_person(m.person, reveal=reveal)) for m in members if m.is_current(today)]
    records = records_of(request.user, household=household)
    for record in [*records.plans, *records.occasions]:
        record.person_label = present_person(record.person, reveal=reveal).display_name
    earlier = [(m, present_person(m.person, reveal=reveal)) for m in members if not m.is_current(today)]
    return render(
        request,
        "staff/household_detail.html",
        {
            "household": household,
            "current": current,
            "earlier": earlier,
            "today": today,
            "stored_calculations": calculations_for_household(household, request.user),
            "records": records,
        },
    )


def _users_of(request):
    """Users who can appear in the filter: everyone with a role in the current municipality."""
    users = get_user_model().objects.order_by("last_name", "first_name", "username")
    state = for_request(request)
    if state.municipality is not None:
        return list(users.filter(memberships__municipality=state.municipality).distinct())
    if request.user.is_superuser:
        return list(users)
    return []


@require_GET
@person_data_view("audit.view_accesslog")
def access_log(request):
    today = timezone.localdate()
    users = _users_of(request)
    form = AccessLogFilterForm(request.GET or None, users=users, today=today)
    person = None
    rows_qs = None
    if form.is_bound and not form.is_valid():
        rows_qs = access_log_for(request.user).none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        person_id = data.get("person")
        if data.get("personnummer") or person_id:
            lookup = Q(personnummer=data["personnummer"]) if data.get("personnummer") else Q(pk=person_id)
            person = persons_for(request.user).filter(lookup).first()
            if person is None:
                form.add_error(
                    "personnummer" if data.get("personnummer") else None,
                    "Det finns ingen person med det numret i kommunen.",
                )
        if form.is_bound and form.errors:
            rows_qs = access_log_for(request.user).none()
        else:
            rows_qs = access_log_for(
                request.user,
                person_id=person.pk if person else None,
                user_id=data.get("user"),
                action=data.get("action") or None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
    page = page_of(request, rows_qs, ACCESS_LOG_PAGE_SIZE)
    reveal = can_see_protected(request.user)
    rows = [
        {"entry": entry, "person": present_person(entry.person, reveal=reveal), "target": target_label(entry.target)}
        for entry in page.rows
    ]
    shown = [entry.person for entry in page.rows]
    if person is not None:
        shown.append(person)
    log_access(
        user=request.user,
        persons=shown,
        action=AccessAction.SEARCH if form.is_bound else AccessAction.LIST,
        target="staff:access_log",
        purpose=AccessPurpose.ACCESS_REVIEW,
        request=request,
    )
    return render(
        request,
        "staff/access_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "person": present_person(person, reveal=reveal) if person else None,
            "querystring": _query_without_page(request),
            "may_view_person": request.user.has_perm("people.view_person"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
