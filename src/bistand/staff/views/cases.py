"""Staff pages for case handling: the unit's inbox and the case page of one application.

* ``inbox`` — the applications of the user's unit(s) that need a person, each with the reasons it was
  not decided automatically; filters (reason, kind, month, assigned, unit) and assignment (to me or to a
  colleague in the unit; htmx replaces the row). A fixed number of queries whatever the number of rows;
  one AccessLog row per person shown (one INSERT).
* ``case_detail`` — the household, what was declared next to what the registers say, the calculation
  with its trace, the household's last 12 months, notes, requests for more information, and the
  decision: drafting (outcome per applied item, amount, reasons generated from the calculation plus the
  case worker's own text, legal basis, conditions), issuing, the letter, the payment, omprövning.
* POST endpoints for each action on the case page; each redirects back to it (or answers htmx with the
  changed part).

Reads go through the selectors (scoped to the user's municipality); persons are shown through
bistand.people.presenters; writes go through the services of each app. Every page that shows person-level
data writes the access log.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.applications import declaration as decl
from bistand.applications.models import ApplicationStatus
from bistand.applications.selectors import (
    calculation_input_for,
    declaration_changes,
    declared_assets,
    label_with_names,
    member_names,
    norm_adjustment_of,
    norm_adjustments_of,
    pending_household_claims,
)
from bistand.applications.services import (
    accept_household_claims,
    add_norm_adjustment,
    register_on_behalf,
    remove_norm_adjustment,
    request_completion,
)
from bistand.audit.models import AccessAction
from bistand.audit.services import log_access
from bistand.calculations.inputs import InputBuildError
from bistand.calculations.services import CalculationConflictError, calculate_and_store, members_in_month
from bistand.casework import services as case_services
from bistand.casework.selectors import (
    case_for,
    case_list,
    case_months,
    colleagues_for,
    inbox,
    inbox_months,
    municipality_units,
    notes_of,
    reasons_for,
    referral_of,
    related_or_none,
    user_units,
    waiting_for_run_count,
)
from bistand.common.http import page_of
from bistand.common.months import add_months
from bistand.decisions import services as decision_services
from bistand.decisions.letters import letter_filename, stored_letter
from bistand.decisions.models import (
    Decision,
    DecisionStatus,
    LetterIntegrityError,
    LetterRenderingError,
    Outcome,
)
from bistand.decisions.proposals import ore, propose
from bistand.decisions.selectors import (
    calculation_of_application,
    calculation_to_decide_on,
    decision_for,
    decisions_for_application,
    has_delegationsordning,
    kinds_for,
    may_decide_all,
    proposed_housing_grace,
)
from bistand.payments.services import PaymentError, amount_left, schedule_payment
from bistand.people.models import HouseholdRole
from bistand.people.presenters import can_see_protected, present_person
from bistand.people.selectors import person_for
from bistand.plans import services as plan_services
from bistand.plans.selectors import reduction_of, requirement_text, requirements_for_reduction
from bistand.registers.selectors import application_persons, facts_of_fetches, income_comparison, latest_fetches
from bistand.registers.services import fetch_for_application
from bistand.registers.ssbtek.base import SsbtekError
from bistand.rules import CalculationInputError
from bistand.staff.forms.cases import (
    AssignForm,
    CaseListForm,
    CompletionForm,
    DecisionForm,
    HousingGraceForm,
    InboxFilterForm,
    NormAdjustmentForm,
    NoteForm,
    PaperApplicationForm,
    ReconsiderForm,
    ReductionForm,
)
from bistand.tenancy.decorators import person_data_view

from .appeals import appeals_context
from .kommunicering import kommunicering_context

PAGE_SIZE = 50
HISTORY_MONTHS = 12
SUBTOTALS = frozenset({"norm", "norm_level", "costs", "need", "income_counted", "income_disregarded", "amount"})


def _persons_of(application) -> list:
    return [p for p in (application.applicant, application.co_applicant) if p is not None]


# --- the inbox ------------------------------------------------------------------------------------------------


def _inbox_row(application, reveal: bool, colleagues) -> dict:
    assignment = related_or_none(application, "assignment")
    return {
        "application": application,
        "person": present_person(application.applicant, reveal=reveal),
        "co_applicant": present_person(application.co_applicant, reveal=reveal) if application.co_applicant_id else None,
        "reasons": reasons_for(application),
        "assignment": assignment,
        "colleagues": colleagues,
    }


@require_GET
@person_data_view("applications.view_application", "casework.view_referral")
def inbox_view(request):
    user = request.user
    colleagues = colleagues_for(user)
    own_units = user_units(user)
    form = InboxFilterForm(request.GET or None, user=user, months=inbox_months(user), units=municipality_units(user),
                           colleagues=colleagues, own_units=own_units)
    invalid = form.is_bound and not form.is_valid()
    found = inbox(user, form.filters(), units=own_units)
    page = page_of(request, found.none() if invalid else found, PAGE_SIZE)
    reveal = can_see_protected(user)
    may_assign = user.has_perm("casework.add_assignment")
    rows = [_inbox_row(a, reveal, colleagues) for a in page.rows]
    log_access(user=user, persons=[p for a in page.rows for p in _persons_of(a)], action=AccessAction.LIST,
               target="staff:inbox", request=request)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "staff/inbox.html", {
        "form": form, "page": page, "rows": rows, "querystring": params.urlencode(), "may_assign": may_assign,
        "units": own_units, "waiting": waiting_for_run_count(user),
    }, status=400 if invalid else 200)


@require_POST
@person_data_view("applications.view_application", "casework.add_assignment")
def case_assign(request, pk: int):
    application = case_for(request.user, pk)
    form = AssignForm(request.POST)
    error = ""
    target = None
    if form.is_valid():
        wanted = form.cleaned_data["assigned_to"]
        target = request.user if wanted in (None, request.user.pk) else get_user_model().objects.filter(pk=wanted).first()
    try:
        if request.POST.get("action") == "unassign":
            case_services.unassign(application, by_user=request.user)
            message = "Ansökan är inte längre tilldelad."
        else:
            case_services.assign(application, to_user=target, by_user=request.user)
            message = f"Ansökan är tilldelad {'dig' if target == request.user else target.get_full_name() or target.get_username()}."
    except ValidationError as exc:
        error = " ".join(exc.messages)
        message = ""
    if request.headers.get("HX-Request"):
        refreshed = inbox(request.user).filter(pk=application.pk).first()
        log_access(user=request.user, persons=_persons_of(application), target="staff:case_assign", request=request)
        if refreshed is None:  # no longer in the inbox (e.g. decided meanwhile)
            return render(request, "staff/inbox_row_gone.html", {"application_pk": application.pk,
                                                                 "text": error or message})
        row = _inbox_row(refreshed, can_see_protected(request.user), colleagues_for(request.user))
        return render(request, "staff/inbox_row.html", {"row": row, "may_assign": True, "message": message,
                                                        "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/handlaggning/")
                    else reverse("staff:inbox"))


# --- the case list: find any case again ------------------------------------------------------------------


@require_GET
@person_data_view("applications.view_application")
def case_list_view(request):
    user = request.user
    colleagues = colleagues_for(user)
    form = CaseListForm(request.GET or None, user=user, months=case_months(user), units=municipality_units(user),
                        colleagues=colleagues)
    invalid = form.is_bound and not form.is_valid()
    cases = case_list(user, form.filters())
    page = page_of(request, cases.none() if invalid else cases, PAGE_SIZE)
    reveal = can_see_protected(user)
    rows = [{"application": a, "person": present_person(a.applicant, reveal=reveal),
             "co_applicant": present_person(a.co_applicant, reveal=reveal) if a.co_applicant_id else None,
             "assignment": related_or_none(a, "assignment")} for a in page.rows]
    searched = bool(form.is_bound and form.filters().query)
    log_access(user=user, persons=[p for a in page.rows for p in _persons_of(a)],
               action=AccessAction.SEARCH if searched else AccessAction.LIST, target="staff:case_list", request=request)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "staff/case_list.html", {
        "form": form, "page": page, "rows": rows, "querystring": params.urlencode(),
    }, status=400 if invalid else 200)


# --- applications received on paper, by post or at a visit ------------------------------------------------


@require_http_methods(["GET", "POST"])
@person_data_view("people.view_person", "applications.view_application", "decisions.add_decision")
def register_paper_application(request, pk: int):
    person = person_for(request.user, pk)
    form = PaperApplicationForm(request.POST or None, request.FILES or None,
                                initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = register_on_behalf(actor=request.user, person=person, month=data["month"],
                                             channel=data["channel"], received_on=data["received_on"],
                                             scanned=data["scanned"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if application.status != ApplicationStatus.DRAFT:
                return redirect("staff:case_detail", pk=application.pk)  # already registered and sent in
            messages.success(request, f"Ansökan är påbörjad som ärende {application.pk}. Fyll i uppgifterna från ansökan.")
            return redirect("staff:paper_declaration", pk=application.pk)
    log_access(user=request.user, persons=[person], target="staff:register_paper_application", request=request)
    return render(request, "staff/paper_application.html", {
        "person": present_person(person, request.user), "form": form,
    }, status=400 if form.is_bound and form.errors else 200)


# --- the case page ---------------------------------------------------------------------------------------------


def _trace_rows(calculation, names: dict[str, str] | None = None) -> list[dict]:
    names = names or {}
    return [{"code": line.get("code", ""), "label": label_with_names(line.get("label", ""), names), "amount": line.get("amount"),
             "reference": line.get("reference", ""), "is_total": line.get("code") in SUBTOTALS}
            for line in calculation.result.get("lines", ())]


def _shown_names(application, persons: dict, reveal: bool, members: list | None = None) -> dict[str, str]:
    """Member id → first name for the trace, without the names this user may not see."""
    hidden = {str(pk) for pk, person in persons.items() if person.protected_identity and not reveal}
    return {member_id: name for member_id, name in member_names(application, members=members).items()
            if member_id not in hidden}


def _members(application) -> list:
    """The household's members in the application's month, with their persons (one query)."""
    return members_in_month([application.household_id], application.month).get(application.household_id, [])


def _household(application, reveal: bool, members: list | None = None) -> tuple[list[dict], list]:
    members = _members(application) if members is None else members
    roles = dict(HouseholdRole.choices)
    rows = [{"member": m, "role": roles.get(m.role, m.role), "person": present_person(m.person, reveal=reveal)}
            for m in members]
    return rows, [m.person for m in members]


def _register_data(application, members: list) -> dict:
    """The application's persons, their newest register fetches for the month and those fetches' facts, read
    once for the comparison table and the kommunicering form."""
    persons = application_persons(application, members=members)
    fetches = latest_fetches([p.pk for p in persons], application.month)
    return {"persons": persons, "fetches": fetches, "facts": facts_of_fetches(fetches.values())}


def _history(application) -> list[dict]:
    """The household's decisions of the last 12 months (the decision in force of each month)."""
    first = add_months(application.month, -HISTORY_MONTHS)
    decisions = list(
        Decision.objects.filter(household_id=application.household_id, month__gte=first, month__lte=application.month,
                                status=DecisionStatus.ISSUED, reconsidered_by__isnull=True)
        .select_related("payment").order_by("-month", "-issued_at", "-pk")
    )
    return [{"decision": d, "payment": related_or_none(d, "payment")} for d in decisions]


def _comparison(application, reveal: bool, persons: dict, register: dict) -> dict:
    rows, not_fetched = income_comparison(application, **register)
    facts = register["facts"]
    return {
        "rows": [{"row": row, "person": present_person(persons[row.person_id], reveal=reveal)
                  if row.person_id in persons else None} for row in rows],
        "not_fetched": [present_person(p, reveal=reveal) for p in not_fetched],
        "other_facts": [{"fact": f, "person": present_person(persons[f.person_id], reveal=reveal)
                         if f.person_id in persons else None} for f in facts if f.amount_ore is None],
        "fetched_at": max((f.fetched_at for f in facts), default=None),
        "any_fetched": bool(facts) or len(not_fetched) < len(persons),
        "flagged": any(row.flagged for row in rows),
    }


def _member_choices(household_rows) -> list[tuple[int, str]]:
    return [(row["member"].person_id, f"{row['person'].first_name} {row['person'].last_name}".strip()
             or row["role"]) for row in household_rows]


def _case_context(request, application, *, decision_form=None, note_form=None, completion_form=None,
                  reconsider_form=None, norm_form=None, reduction_form=None, grace_form=None) -> dict:
    user = request.user
    reveal = can_see_protected(user)
    referral = referral_of(application)
    decisions = decisions_for_application(application)
    issued = [d for d in decisions if d.is_issued]
    in_force = next((d for d in sorted(issued, key=lambda d: (d.issued_at, d.pk), reverse=True)
                     if not any(o.reconsiders_id == d.pk and o.is_issued for o in issued)), None)
    draft = next((d for d in decisions if not d.is_issued), None)
    calculation = calculation_to_decide_on(application, referral, in_force)
    proposal = propose(application, calculation) if calculation is not None else None
    members = _members(application)
    household, member_persons = _household(application, reveal, members)
    persons = {p.pk: p for p in [*member_persons, *_persons_of(application)]}
    register = _register_data(application, members)
    completion_requests = list(application.completion_requests.order_by("-created_at", "-pk"))
    refused_lines = [line for line in proposal.lines if line.outcome != Outcome.GRANTED] if proposal else []
    if decision_form is None:
        initial = {"calculation": calculation.pk if calculation else None}
        if draft is not None:
            initial.update({"caseworker_text": draft.caseworker_text, "conditions": draft.conditions,
                            "outcome": draft.outcome if draft.outcome in (Outcome.REFUSED, Outcome.DISMISSED) else ""})
        decision_form = DecisionForm(initial=initial, refused_lines=refused_lines)
    payment = related_or_none(in_force, "payment") if in_force else None
    return {
        **_delegation_context(user, application, proposal, calculation),
        "application": application,
        "applicant": present_person(application.applicant, reveal=reveal),
        "co_applicant": present_person(application.co_applicant, reveal=reveal) if application.co_applicant_id else None,
        "household": household,
        "summary": decl.summary(application.declaration or {}),
        "sections": decl.SECTIONS,
        "changes": declaration_changes(application),
        "comparison": _comparison(application, reveal, persons, register),
        "referral": referral,
        "reasons": reasons_for_case(application, referral, completion_requests),
        "calculation": calculation,
        "trace": _trace_rows(calculation, _shown_names(application, persons, reveal, members)) if calculation else [],
        "proposal": proposal,
        "proposal_outcome": Outcome(proposal.outcome).label if proposal else "",
        "proposal_lines": [{"line": line, "outcome": Outcome(line.outcome).label} for line in proposal.lines]
        if proposal else [],
        "history": _history(application),
        "notes": notes_of(application),
        "completion_requests": completion_requests,
        "attachments": list(application.attachments.all()),
        "decisions": decisions,
        "in_force": in_force,
        "draft": draft,
        "payment": payment,
        "may_decide": user.has_perm("decisions.add_decision") and application.status in decision_services.OPEN_STATUSES
        and not issued,
        "may_reconsider": user.has_perm("decisions.add_decision") and in_force is not None,
        # föredragning of an omprövning, as of any decision, where the municipality has a delegationsordning
        "reconsider_may_present": in_force is not None and has_delegationsordning(application.municipality),
        "may_schedule_payment": (in_force is not None and payment is None and in_force.amount_ore > 0
                                 and user.has_perm("decisions.add_decision") and amount_left(in_force) > 0),
        "amount_left_ore": amount_left(in_force) if in_force is not None and payment is None else None,
        "overpayment_claim": related_or_none(in_force, "overpayment_claim") if in_force else None,
        "may_note": user.has_perm("casework.add_casenote"),
        "may_request_completion": user.has_perm("applications.add_completionrequest")
        and application.status in decision_services.OPEN_STATUSES,
        "may_assign": user.has_perm("casework.add_assignment") and application.status in decision_services.OPEN_STATUSES,
        "assignment": related_or_none(application, "assignment"),
        "colleagues": colleagues_for(user, application),
        "decision_form": decision_form,
        "note_form": note_form or NoteForm(),
        "completion_form": completion_form or CompletionForm(initial={"due_date": timezone.localdate() + dt.timedelta(days=14)}),
        "reconsider_form": reconsider_form or ReconsiderForm(),
        "assets": declared_assets(application),
        "norm_adjustments": norm_adjustments_of(application),
        "norm_form": norm_form or NormAdjustmentForm(members=_member_choices(household)),
        "may_adjust_norm": user.has_perm("decisions.add_decision") and application.status in decision_services.OPEN_STATUSES
        and not issued,
        "reduction": reduction_of(application),
        "reduction_form": reduction_form or ReductionForm(requirements=_requirement_choices(application)),
        "housing_grace": proposed_housing_grace(application, calculation),
        "grace_form": grace_form or HousingGraceForm(),
        "today": timezone.localdate(),
        "persons_shown": list(persons.values()),
        **appeals_context(user, application, decisions),
        **kommunicering_context(user, application, register=register, completion_requests=completion_requests),
    }


def _delegation_context(user, application, proposal, calculation) -> dict:
    """Whether the user may decide the proposal at hand under the municipality's delegationsordning, or only
    present it (föredragande) for someone with delegation to decide."""
    if not has_delegationsordning(application.municipality):
        return {"delegation_required": False, "may_issue": True}
    outcome = proposal.outcome if proposal is not None else Outcome.DISMISSED
    amount = proposal.amount_ore if proposal is not None else 0
    answer = may_decide_all(user, application.municipality, kinds_for(outcome, calculation), amount)
    return {"delegation_required": True, "may_issue": answer.allowed}


def reasons_for_case(application, referral, completion_requests: list | None = None) -> list:
    """Why the case is in the inbox. ``completion_requests``: the application's, when already read."""
    if application.status not in decision_services.OPEN_STATUSES:
        return []
    if completion_requests is None:
        open_requests = application.completion_requests.filter(status="open").count()
    else:
        open_requests = sum(1 for request in completion_requests if request.status == "open")
    return reasons_for(application, referral=referral, open_requests=open_requests)


def _render_case(request, application, status: int = 200, **forms_) -> HttpResponse:
    context = _case_context(request, application, **forms_)
    context["claims"] = pending_household_claims(application)
    context["may_accept_claims"] = request.user.has_perm("people.add_householdmember")
    log_access(user=request.user, persons=context.pop("persons_shown"), target="staff:case_detail", request=request)
    return render(request, "staff/case_detail.html", context, status=status)


@require_GET
@person_data_view("applications.view_application", "decisions.view_decision")
def case_detail(request, pk: int):
    return _render_case(request, case_for(request.user, pk))


def _back(application, anchor: str = ""):
    return redirect(reverse("staff:case_detail", args=[application.pk]) + (f"#{anchor}" if anchor else ""))


def _save_case_form(request, application, form, form_name: str, save, *, done: str, anchor: str) -> HttpResponse:
    """A form on the case page: ``save(cleaned_data)`` calls the service when the form is valid, and the
    ValidationError it raises lands at the form's fields. With errors the case page again (400, the form as
    ``form_name``); without, the message ``done`` and back to ``anchor``."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
    if form.errors:
        return _render_case(request, application, status=400, **{form_name: form})
    messages.success(request, done)
    return _back(application, anchor)


def _case_action(request, application, act, *, done: str, anchor: str) -> HttpResponse:
    """A button on the case page without a form: ``act()`` calls the service; the ValidationError it raises
    is the error message, otherwise ``done``; back to ``anchor`` either way."""
    try:
        act()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _back(application, anchor)


@require_POST
@person_data_view("applications.view_application", "casework.add_casenote")
def case_note(request, pk: int):
    application = case_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            case_services.add_note(application, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_service_errors(error)
    if form.errors and request.headers.get("HX-Request"):
        return render(request, "staff/case_notes.html", {"notes": notes_of(application), "note_form": form,
                                                         "application": application, "may_note": True})
    if form.errors:
        return _render_case(request, application, status=400, note_form=form)
    if request.headers.get("HX-Request"):
        log_access(user=request.user, persons=_persons_of(application), target="staff:case_note", request=request)
        return render(request, "staff/case_notes.html", {"notes": notes_of(application), "note_form": NoteForm(),
                                                         "application": application, "may_note": True,
                                                         "saved": True})
    messages.success(request, "Anteckningen är sparad.")
    return _back(application, "anteckningar")


@require_POST
@person_data_view("applications.view_application", "applications.add_completionrequest")
def case_completion(request, pk: int):
    application = case_for(request.user, pk)

    def save(data):
        request_completion(application, actor=request.user, text=data["text"], due_date=data["due_date"])

    return _save_case_form(request, application, CompletionForm(request.POST), "completion_form", save,
                           done="Begäran om komplettering är skickad till sökanden.", anchor="kompletteringar")


@require_POST
@person_data_view("applications.view_application", "people.add_householdmember")
def case_accept_claims(request, pk: int):
    """The case worker accepts what the applicant declared about the household (partner, children)."""
    application = case_for(request.user, pk)
    return _case_action(request, application, lambda: accept_household_claims(application, actor=request.user),
                        done="Uppgifterna om hushållet är godkända och införda i personregistret.",
                        anchor="hushall")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_fetch_registers(request, pk: int):
    application = case_for(request.user, pk)
    try:
        fetch_for_application(application, user=request.user, refresh=True)
    except SsbtekError as error:
        messages.error(request, f"Registeruppgifterna kunde inte hämtas: {error}")
    else:
        messages.success(request, "Registeruppgifterna är hämtade.")
    return _back(application, "register")


@require_POST
@person_data_view("applications.view_application", "calculations.add_storedcalculation")
def case_calculate(request, pk: int):
    application = case_for(request.user, pk)
    try:
        calculate_and_store(application.household, application.month, calculation_input_for(application), request.user)
    except (InputBuildError, CalculationConflictError, CalculationInputError, ValueError) as error:
        messages.error(request, f"Beräkningen kunde inte göras: {error}")
    else:
        messages.success(request, "Beräkningen är gjord med uppgifterna i ansökan och registren.")
    return _back(application, "berakning")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_norm_adjustment(request, pk: int):
    """The case worker sets the norm at a higher or lower level (then recalculates)."""
    application = case_for(request.user, pk)
    household, _ = _household(application, can_see_protected(request.user))

    def save(data):
        members = {row["member"].person_id: row["member"].person for row in household}
        add_norm_adjustment(application, actor=request.user, direction=data["direction"], kind=data["kind"],
                            amount_ore=int(data["amount"] * 100), reason=data["reason"],
                            member=members.get(data["member"]))

    form = NormAdjustmentForm(request.POST, members=_member_choices(household))
    return _save_case_form(request, application, form, "norm_form", save, anchor="berakning",
                           done="Normen är ändrad. Beräkna på nytt för att ta med ändringen i beräkningen.")


def _requirement_choices(application) -> list[tuple[int, str]]:
    return [(action.pk, f"Planering {action.plan.version}: {requirement_text(action)}")
            for action in requirements_for_reduction(application)]


def _norm_before_reduction(application) -> int | None:
    """The norm (after any higher or lower level) of the latest calculation, in öre; None without one."""
    calculation = calculation_to_decide_on(application)
    if calculation is None:
        return None
    lines = {line["code"]: line for line in calculation.result.get("lines", ())}
    line = lines.get("norm_level") or lines.get("norm")
    return None if line is None else ore(line["amount"])


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_reduction(request, pk: int):
    """The case worker records a nedsättning (then recalculates)."""
    application = case_for(request.user, pk)
    requirements = {action.pk: action for action in requirements_for_reduction(application)}

    def save(data):
        plan_services.record_reduction(application, actor=request.user,
                                       requirement=requirements.get(data["requirement"]),
                                       norm_amount_ore=int(data["norm_amount"] * 100), reason=data["reason"],
                                       norm_ore=_norm_before_reduction(application))

    form = ReductionForm(request.POST, requirements=_requirement_choices(application))
    return _save_case_form(request, application, form, "reduction_form", save, anchor="berakning",
                           done="Nedsättningen är sparad. Beräkna på nytt för att ta med den i beräkningen.")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_housing_grace(request, pk: int):
    """The case worker extends the rådrum for rent above the ceiling with their own reason (then recalculates)."""
    application = case_for(request.user, pk)
    form = HousingGraceForm(request.POST)
    if form.is_valid():
        calculation = calculation_to_decide_on(application)
        generated = list(calculation.result.get("warnings", ())) if calculation is not None else []
        try:
            decision_services.extend_housing_grace(application, actor=request.user,
                                                   end_month=form.cleaned_data["end_month"],
                                                   reason=form.cleaned_data["reason"], generated=generated)
        except ValidationError as error:
            form.add_service_errors(error)
    if form.errors:
        return _render_case(request, application, status=400, grace_form=form)
    messages.success(request, "Rådrummet är förlängt. Beräkna på nytt för att ta med det i beräkningen.")
    return _back(application, "berakning")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_reduction_remove(request, pk: int):
    application = case_for(request.user, pk)
    reduction = reduction_of(application)
    if reduction is None:
        raise Http404("Sidan finns inte.")
    return _case_action(request, application, lambda: plan_services.remove_reduction(reduction, actor=request.user),
                        done="Nedsättningen är borttagen. Beräkna på nytt.", anchor="berakning")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_norm_adjustment_remove(request, pk: int, adjustment_pk: int):
    application = case_for(request.user, pk)
    adjustment = norm_adjustment_of(application, adjustment_pk)
    if adjustment is None:
        raise Http404("Sidan finns inte.")
    return _case_action(request, application, lambda: remove_norm_adjustment(adjustment, actor=request.user),
                        done="Ändringen av normen är borttagen. Beräkna på nytt.", anchor="berakning")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_decide(request, pk: int):
    application = case_for(request.user, pk)
    referral = referral_of(application)
    calculation = (calculation_of_application(application, request.POST.get("calculation"))
                   or calculation_to_decide_on(application, referral))
    proposal = propose(application, calculation) if calculation is not None else None
    refused = [line for line in proposal.lines if line.outcome != Outcome.GRANTED] if proposal else []
    form = DecisionForm(request.POST, refused_lines=refused)
    action = request.POST.get("action")
    issue = action not in ("draft", "present")
    if form.is_valid():
        data = form.cleaned_data
        arguments = dict(outcome=data["outcome"] or None, caseworker_text=data["caseworker_text"],
                         conditions=data["conditions"], line_reasons=form.line_reasons(),
                         kommunicering_exception=data["kommunicering_exception"],
                         kommunicering_reason=data["kommunicering_reason"])
        try:
            if issue:  # completes the draft, if there is one
                decision = decision_services.issue_decision(application, calculation, request.user, **arguments)
            elif action == "present":  # föredragning: someone with delegation decides
                decision_services.submit_for_decision(application, calculation, request.user, **arguments)
            else:
                decision_services.save_draft(application, calculation, request.user, **arguments)
        except decision_services.MissingReasonsError as error:
            form.add_error(None, str(error))
            for item in error.items:
                if f"reason_{item}" in form.fields:
                    form.add_error(f"reason_{item}", decision_services.OWN_REASON_MISSING)
        except decision_services.DecisionError as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            form.add_error(None, str(error))
    if form.errors:
        return _render_case(request, application, status=400, decision_form=form)
    if issue:
        messages.success(request, f"Beslutet är fattat: {decision.get_outcome_display().lower()}.")
    elif action == "present":
        messages.success(request, "Förslaget är lämnat för beslut. Det finns under ”Att besluta” hos dem som har "
                                  "delegation att fatta beslutet.")
    else:
        messages.success(request, "Utkastet är sparat.")
    return _back(application, "beslut")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision")
def case_reconsider(request, pk: int, decision_pk: int):
    application = case_for(request.user, pk)
    decision = decision_for(request.user, decision_pk)
    if decision.application_id != application.pk:
        raise Http404("Sidan finns inte.")
    form = ReconsiderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        calculation = calculation_to_decide_on(application) if data["new_calculation"] else None
        present = request.POST.get("action") == "present"  # föredragning: someone with delegation decides
        write = (decision_services.submit_reconsideration_for_decision if present
                 else decision_services.reconsider)
        try:
            new = write(decision, request.user, calculation=calculation, caseworker_text=data["caseworker_text"],
                        outcome=data["outcome"] or None, worsening_exception=data["worsening_exception"],
                        worsening_reason=data["worsening_reason"],
                        kommunicering_exception=data["kommunicering_exception"],
                        kommunicering_reason=data["kommunicering_reason"])
        except decision_services.DecisionError as error:
            form.add_error(None, str(error))
    if form.errors:
        return _render_case(request, application, status=400, reconsider_form=form)
    if present:
        messages.success(request, "Omprövningen är lämnad för beslut. Den finns under ”Att besluta” hos dem som har "
                                  "delegation att fatta beslutet.")
    else:
        messages.success(request, f"Beslutet är omprövat. Det nya beslutet ({new.pk}) ersätter beslut {decision.pk}.")
    return _back(application, "beslut")


@require_POST
@person_data_view("applications.view_application", "decisions.add_decision", "payments.view_payment")
def case_schedule_payment(request, pk: int, decision_pk: int):
    application = case_for(request.user, pk)
    decision = decision_for(request.user, decision_pk)
    if decision.application_id != application.pk:
        raise Http404("Sidan finns inte.")
    try:
        payment = schedule_payment(decision, user=request.user)
    except PaymentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Utbetalningen på {payment.amount_kronor_text} är upplagd och väntar på attest."
                         if payment.status == "scheduled" else "Utbetalningen är upplagd.")
    return _back(application, "beslut")


@require_GET
@person_data_view("decisions.view_decision")
def decision_letter(request, pk: int):
    decision = decision_for(request.user, pk)
    application = decision.application
    if application.applicant.protected_identity and not can_see_protected(request.user):
        raise PermissionDenied("Sökanden har skyddad identitet. Du har inte behörighet att se beslutsbrevet.")
    if not decision.is_issued:
        raise Http404("Beslutet är inte fattat än.")
    try:
        content = stored_letter(decision)
    except LetterIntegrityError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    except LetterRenderingError as error:
        response = HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "60"
        return response
    log_access(user=request.user, persons=_persons_of(application), action=AccessAction.EXPORT,
               target="staff:decision_letter", request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter_filename(decision)}"'
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = [
    "case_accept_claims", "case_assign", "case_calculate", "case_list_view", "case_completion", "case_decide",
    "case_detail", "case_fetch_registers",
    "case_note", "case_reconsider", "case_schedule_payment", "decision_letter", "inbox_view",
    "register_paper_application",
]
