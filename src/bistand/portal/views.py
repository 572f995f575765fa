"""Pages of the e-service (/e-tjanst/).

Every page but the start page and the login needs a logged-in applicant (:func:`applicant_required`);
every read goes through the applicant selectors of :mod:`bistand.applications.selectors`, which return
only the applicant's own applications (404 for anyone else's, the same as for one that does not exist).
Writes go through :mod:`bistand.applications.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.applications import declaration as decl
from bistand.applications import selectors, services
from bistand.applications.models import Application, ApplicationKind, ApplicationStatus, CompletionStatus
from bistand.applications.views import file_response
from bistand.casework import timeline
from bistand.common import plugins as registry
from bistand.common.http import safe_next
from bistand.common.months import add_months, format_month, month_sv
from bistand.decisions import letters
from bistand.decisions.letters import authority
from bistand.decisions.models import Decision, DecisionStatus
from bistand.identity.base import EidError
from bistand.people.models import HouseholdMember, HouseholdRole
from bistand.registers import selectors as register_selectors
from bistand.tenancy.models import Municipality

from . import forms
from .presenters import calculation_basis, calculation_lines, next_unfinished
from .session import applicant_required, current_applicant, sign_in, sign_out

NEXT_SESSION_KEY = "bistand_portal_next"
STEPS = [*decl.SECTIONS, ("attachments", "Bilagor")]
STEP_KEYS = [key for key, _ in STEPS]
def _safe_next(request, candidate: str, default: str) -> str:
    return safe_next(request, candidate, default, within="/e-tjanst/")


def _person_for(request, application: Application):
    person = request.applicant.person_in(application.municipality_id)
    if person is None or person.pk not in (application.applicant_id, application.co_applicant_id):
        raise Http404("Sidan finns inte.")
    return person


def _own_draft(request, pk: int) -> tuple[Application, object]:
    application = selectors.own_application(request.applicant.person_ids, pk)
    person = _person_for(request, application)
    if person.pk != application.applicant_id:
        raise Http404("Sidan finns inte.")
    return application, person


# --- start and login ----------------------------------------------------------------------------------


@require_GET
def start(request):
    if current_applicant(request) is not None:
        return redirect("portal:case")
    return render(request, "portal/start.html", {})


@require_GET
def login(request):
    request.session[NEXT_SESSION_KEY] = _safe_next(request, request.GET.get("next", ""), reverse("portal:case"))
    try:
        provider = registry.get("eid")
        return provider.start(request, reverse("portal:login_complete"))
    except (EidError, registry.UnknownPlugin) as error:
        message = getattr(error, "message", "Inloggningen är inte inställd här. Kontakta kommunen.")
        return render(request, "portal/login_error.html", {"message": message}, status=503)


@require_GET
def login_complete(request):
    try:
        identity = registry.get("eid").complete(request)
    except (EidError, registry.UnknownPlugin) as error:
        message = getattr(error, "message", "Inloggningen kunde inte slutföras.")
        return render(request, "portal/login_error.html", {"message": message}, status=400)
    next_url = request.session.pop(NEXT_SESSION_KEY, reverse("portal:case"))
    sign_in(request, identity)
    return HttpResponseRedirect(_safe_next(request, next_url, reverse("portal:case")))


@require_POST
def logout(request):
    sign_out(request)
    messages.success(request, "Du är utloggad. Stäng webbläsaren om du använder en delad dator.")
    return redirect("portal:start")


# --- "Mitt ärende" --------------------------------------------------------------------------------------


def _recurring_offers(request, applications: list[Application]) -> list[dict]:
    """Households for which the applicant can re-apply: a received application of an earlier month and
    no live application for the next month after it."""
    today = timezone.localdate()
    offers, seen = [], set()
    live = {(a.household_id, a.month) for a in applications
            if a.kind in (ApplicationKind.NEW, ApplicationKind.RECURRING) and a.status != ApplicationStatus.WITHDRAWN}
    for application in applications:
        if application.household_id in seen or not application.is_received:
            continue
        seen.add(application.household_id)
        for month in (today.replace(day=1), add_months(today.replace(day=1), 1)):
            if month > application.month and (application.household_id, month) not in live:
                offers.append({"household_id": application.household_id, "month": format_month(month),
                               "label": month_sv(month), "municipality": application.municipality.name})
    return offers


@require_GET
@applicant_required
def case(request):
    ids = request.applicant.person_ids
    applications = list(selectors.applications_of(ids)[:36])
    events = timeline.case_events(ids)[:60]
    completions = list(
        selectors.CompletionRequest.objects.filter(
            Q(application__applicant_id__in=ids) | Q(application__co_applicant_id__in=ids), status=CompletionStatus.OPEN
        ).select_related("application").order_by("due_date")
    ) if ids else []
    return render(request, "portal/case.html", {
        "applications": applications,
        "drafts": [a for a in applications if a.status == ApplicationStatus.DRAFT],
        "events": events,
        "awaiting": list(selectors.awaiting_confirmation_for(request.applicant.personnummer)),
        "completions": completions,
        "offers": _recurring_offers(request, applications),
    })


@require_GET
def events_fragment(request):
    """The events for htmx polling. When the login has ended, 286 tells htmx to stop polling (rather
    than swapping a login page into the list)."""
    applicant = current_applicant(request)
    if applicant is None:
        return HttpResponse(status=286)
    events = timeline.case_events(applicant.person_ids)[:60]
    return render(request, "portal/_events.html", {"events": events})


# --- starting an application --------------------------------------------------------------------------


def _month_choices():
    this = timezone.localdate().replace(day=1)
    return [(format_month(m), month_sv(m).capitalize()) for m in (this, add_months(this, 1))]


@require_http_methods(["GET", "POST"])
@applicant_required
def new_application(request):
    applicant = request.applicant
    known = {p.municipality_id for p in applicant.persons}
    municipalities = list(Municipality.objects.order_by("name"))
    preselected = next(iter(known)) if len(known) == 1 else (municipalities[0].pk if len(municipalities) == 1 else "")
    form = forms.StartForm(request.POST or None, municipalities=municipalities, months=_month_choices(),
                           initial={"month": _month_choices()[0][0], "municipality": str(preselected)})
    if request.method == "POST" and form.is_valid():
        municipality = next(m for m in municipalities if str(m.pk) == form.cleaned_data["municipality"])
        person = applicant.person_in(municipality.pk) or services.ensure_person(
            municipality=municipality, personnummer=applicant.personnummer,
            given_name=applicant.given_name, family_name=applicant.family_name,
        )
        applicant.forget_persons()
        if not _is_adult(person):
            form.add_error(None, "Du behöver vara 18 år för att söka själv. Kontakta socialtjänsten i din kommun.")
        else:
            application = services.start_application(person=person, month=form.cleaned_data["month"])
            if application.applicant_id != person.pk:
                messages.info(request, "Hushållet har redan en ansökan för månaden.")
            return redirect("portal:application", pk=application.pk)
    return render(request, "portal/new_application.html", {"form": form}, status=400 if form.errors else 200)


def _is_adult(person) -> bool:
    from bistand.common.months import age_at

    return age_at(person.birth_date, timezone.localdate()) >= 18


@require_POST
@applicant_required
def recurring(request):
    try:
        household_id = int(request.POST.get("household", ""))
        month = request.POST.get("month", "")
    except ValueError:
        raise Http404("Sidan finns inte.") from None
    member = HouseholdMember.objects.filter(
        household_id=household_id, person_id__in=request.applicant.person_ids,
        role__in=[HouseholdRole.APPLICANT, HouseholdRole.PARTNER],
    ).select_related("household", "person").first()
    if member is None:
        # Someone who is the applicant of an earlier application but not yet in the register.
        previous = Application.objects.filter(household_id=household_id, applicant_id__in=request.applicant.person_ids).select_related("household", "applicant").first()
        if previous is None:
            raise Http404("Sidan finns inte.")
        household, person = previous.household, previous.applicant
    else:
        household, person = member.household, member.person
    try:
        application = services.prefill_recurring(household, month, person=person)
    except (ValidationError, ValueError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("portal:case")
    except PermissionDenied:
        raise Http404("Sidan finns inte.") from None
    return redirect("portal:application", pk=application.pk)


# --- the application ------------------------------------------------------------------------------------


def _step_states(application: Application) -> list[dict]:
    declaration = application.declaration
    answered = set(declaration.get("answered") or [])
    unanswerable = declaration.get("cannot_answer") or {}
    rows = []
    for key, label in STEPS:
        if key == "attachments":
            count = application.attachments.count()
            state, text = ("done", f"{count} {'bifogad' if count == 1 else 'bifogade'}") if count else ("optional", "Frivilligt")
        elif key in unanswerable:
            state, text = "cannot", "Du kan inte svara – en handläggare hjälper dig"
        elif key in answered:
            state, text = "done", "Klart"
        else:
            state, text = "todo", "Inte ifyllt"
        rows.append({"key": key, "label": label, "state": state, "text": text,
                     "url": reverse("portal:attachments" if key == "attachments" else "portal:step",
                                    kwargs={"pk": application.pk} if key == "attachments" else {"pk": application.pk, "section": key})})
    return rows


def _decisions_for(application: Application) -> list:
    return list(Decision.objects.filter(application=application, status=DecisionStatus.ISSUED).order_by("pk"))


@require_GET
@applicant_required
def application_detail(request, pk: int):
    application = selectors.own_application(request.applicant.person_ids, pk)
    person = _person_for(request, application)
    if application.is_editable and person.pk == application.applicant_id:
        steps = _step_states(application)
        state = {row["key"]: row["text"] for row in steps}
        current = decl.summary(application.declaration)
        return render(request, "portal/application_draft.html", {
            "application": application, "steps": steps, "month_label": month_sv(application.month),
            "sections": [(key, label, current.get(key, []), state.get(key, "")) for key, label in decl.SECTIONS],
            "missing": decl.missing_answers(application.declaration), "next_step": next_unfinished(steps),
        })
    return render(request, "portal/application_detail.html", {
        "application": application,
        "month_label": month_sv(application.month),
        "summary": [(label, decl.summary(application.declaration, _viewer(application, person)).get(key, []))
                    for key, label in decl.SECTIONS],
        "events": timeline.application_events(application, viewer_ids=request.applicant.person_ids),
        "completions": list(application.completion_requests.order_by("-created_at")),
        "attachments": list(application.attachments.all()),
        "decisions": _decisions_for(application),
        "is_co_applicant": person.pk == application.co_applicant_id,
        "answer_by": selectors.answer_by(application),
        "register_facts": _register_facts(application),
    })


def _viewer(application: Application, person) -> str:
    return decl.VIEWER_APPLICANT if person.pk == application.applicant_id else decl.VIEWER_PARTNER


def _register_facts(application: Application) -> list:
    return list(register_selectors.register_facts_for(application))


@require_POST
@applicant_required
def confirm_unchanged(request, pk: int, section: str):
    """Recurring application: the section is the same as last month."""
    application, person = _own_draft(request, pk)
    if section not in decl.SECTION_LABELS or application.previous_id is None:
        raise Http404("Sidan finns inte.")
    services.save_draft(application, person=person, section=section)
    return redirect("portal:application", pk=pk)


def _rows_from_formset(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms
            if form.cleaned_data and not (formset.can_delete and formset._should_delete_form(form))]


def _rows_from_post(post, prefix: str, fields: dict[str, str], skip: int | None = None) -> list[dict]:
    """The rows of a formset as typed (not checked), without deleted rows and the row ``skip``."""
    try:
        total = min(int(post.get(f"{prefix}-TOTAL_FORMS") or 0), 40)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        if index == skip or post.get(f"{prefix}-{index}-DELETE"):
            continue
        rows.append({name: (bool(post.get(f"{prefix}-{index}-{name}")) if kind == "bool" else post.get(f"{prefix}-{index}-{name}", ""))
                     for name, kind in fields.items()})
    return rows


def _formset_action(request, formset_class, prefix: str, fields: dict[str, str], **kwargs):
    """Add or remove a row without saving or checking anything (the buttons "Lägg till …" / "Ta bort …"):
    the page comes back with what was typed, one row more or less."""
    action = request.POST.get("action", "")
    skip = None
    if action.startswith(f"remove-{prefix}-"):
        try:
            skip = int(action.rsplit("-", 1)[-1])
        except ValueError:
            skip = None
    rows = _rows_from_post(request.POST, prefix, fields, skip)
    focus = None
    if action == f"add-{prefix}":
        rows.append({})
        focus = len(rows) - 1
    formset = formset_class(prefix=prefix, initial=rows, **kwargs)
    if focus is not None:
        # The new row's first field gets the focus (also after an htmx swap).
        form = formset.forms[focus]
        first = next(name for name, field in form.fields.items() if not field.widget.is_hidden)
        form.fields[first].widget.attrs["autofocus"] = "autofocus"
    return formset, focus


CHILD_FIELDS = {"key": "str", "first_name": "str", "personnummer": "str", "days_present": "str", "lunch_away_from_home": "bool"}
INCOME_FIELDS = {"type": "str", "member": "str", "amount": "str"}


@require_http_methods(["GET", "POST"])
@applicant_required
def step(request, pk: int, section: str):
    application, person = _own_draft(request, pk)
    if section not in decl.SECTION_LABELS:
        raise Http404("Sidan finns inte.")
    declaration = application.declaration
    members = declaration.get("members") or {}
    answered = section in (declaration.get("answered") or [])
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if post else ""
    cannot = forms.CannotAnswerForm(post, initial={
        "cannot_answer": section in (declaration.get("cannot_answer") or {}),
        "note": (declaration.get("cannot_answer") or {}).get(section, ""),
    })
    context = {"application": application, "section": section, "section_label": decl.SECTION_LABELS[section],
               "steps": _step_states(application), "cannot": cannot, "focus_row": None}
    form = formset = None
    member_choices = decl.member_keys(declaration)

    if section == "members":
        form = forms.MembersForm(post, initial=forms.MembersForm.initial_for(members),
                                 applicant_personnummer=request.applicant.personnummer)
        child_initial = [{"key": c["key"], "first_name": c.get("first_name", ""), "personnummer": c.get("personnummer", ""),
                          "days_present": c.get("days_present"), "lunch_away_from_home": c.get("lunch_away_from_home", False)}
                         for c in members.get("children") or []]
        if action.startswith(("add-children", "remove-children")):
            formset, context["focus_row"] = _formset_action(request, forms.ChildFormSet, "children", CHILD_FIELDS)
            form = forms.MembersForm(initial={name: request.POST.get(name, "") for name in form.fields},
                                     applicant_personnummer=request.applicant.personnummer)
        else:
            formset = forms.ChildFormSet(post, prefix="children", initial=child_initial)
    elif section == "housing":
        form = forms.HousingForm(post, initial=declaration.get("housing") or {})
    elif section == "costs":
        form = forms.CostsForm(post, initial=forms.CostsForm.initial_for(declaration.get("costs") or []))
    elif section == "incomes":
        income_initial = [{"type": i["type"], "member": i.get("member"), "amount": i.get("amount_ore")}
                          for i in declaration.get("incomes") or []]
        if action.startswith(("add-incomes", "remove-incomes")):
            formset, context["focus_row"] = _formset_action(request, forms.IncomeFormSet, "incomes", INCOME_FIELDS,
                                                            members=member_choices)
        else:
            formset = forms.IncomeFormSet(post, prefix="incomes", initial=income_initial, members=member_choices)
    elif section == "assets":
        form = forms.AssetsForm(post, initial=forms.AssetsForm.initial_for(declaration.get("assets") or [], answered))
    elif section == "bank_account":
        form = forms.BankAccountForm(post, initial=declaration.get("bank_account") or {})

    if post and not action:
        cannot_ok = cannot.is_valid()
        marks_cannot = cannot_ok and cannot.cleaned_data.get("cannot_answer")
        note = cannot.cleaned_data.get("note", "") if cannot_ok else ""
        valid = (form is None or form.is_valid()) & (formset is None or formset.is_valid())
        if valid or marks_cannot:
            data = _section_data(section, form, formset, members) if valid else None
            services.save_draft(application, person=person, section=section, data=data,
                                cannot_answer=note if marks_cannot else None)
            if marks_cannot and not valid:
                messages.info(request, f"Vi har sparat att du inte kan svara om {decl.SECTION_LABELS[section].lower()}. "
                                       "En handläggare hjälper dig. Det du skrev på sidan sparades inte.")
            return redirect(_next_step_url(application, section))
    context.update({"form": form, "formset": formset})
    status = 400 if post and not action and ((form is not None and form.errors) or (formset is not None and not formset.is_valid())) else 200
    template = "portal/step_form.html" if request.headers.get("HX-Request") and action else "portal/step.html"
    return render(request, template, context, status=status)


def _section_data(section: str, form, formset, members: dict):
    if section == "members":
        data = form.section_data(members)
        old_children = {c["key"]: c for c in members.get("children") or []}
        children, used = [], set(old_children)
        for row in _rows_from_formset(formset):
            key = row.get("key") or ""
            if key not in old_children:
                n = 1
                while f"barn{n}" in used:
                    n += 1
                key = f"barn{n}"
                used.add(key)
            old = old_children.get(key, {})
            children.append({"key": key, "person_id": old.get("person_id") if old.get("personnummer") == row["personnummer"] else None,
                             "personnummer": row["personnummer"], "first_name": row["first_name"].strip(),
                             "days_present": row.get("days_present"), "lunch_away_from_home": bool(row.get("lunch_away_from_home")),
                             **decl.SOURCE})
        data["children"] = children
        return data
    if section == "housing":
        return {**form.cleaned_data, **decl.SOURCE}
    if section == "costs":
        return form.section_data()
    if section == "incomes":
        return [{"type": r["type"], "member": r["member"], "amount_ore": r["amount"], **decl.SOURCE}
                for r in _rows_from_formset(formset)]
    if section == "assets":
        return form.section_data()
    if section == "bank_account":
        return {**form.cleaned_data, **decl.SOURCE}
    return None


def _next_step_url(application: Application, section: str) -> str:
    if application.kind == ApplicationKind.RECURRING:
        return reverse("portal:application", kwargs={"pk": application.pk})
    index = STEP_KEYS.index(section)
    following = STEP_KEYS[index + 1]
    if following == "attachments":
        return reverse("portal:attachments", kwargs={"pk": application.pk})
    return reverse("portal:step", kwargs={"pk": application.pk, "section": following})


@require_http_methods(["GET", "POST"])
@applicant_required
def attachments(request, pk: int):
    application, person = _own_draft(request, pk)
    form = forms.AttachmentForm(max_bytes=services.max_attachment_bytes())
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action.startswith("remove-"):
            try:
                attachment = application.attachments.get(pk=int(action.split("-", 1)[1]))
            except (ValueError, application.attachments.model.DoesNotExist):
                raise Http404("Sidan finns inte.") from None
            services.remove_attachment(attachment, person=person)
            messages.success(request, f"Filen {attachment.original_name} är borttagen.")
            return redirect("portal:attachments", pk=pk)
        form = forms.AttachmentForm(request.POST, request.FILES, max_bytes=services.max_attachment_bytes())
        if form.is_valid():
            try:
                attachment = services.add_attachment(application, person=person, uploaded=form.cleaned_data["file"],
                                                     kind=form.cleaned_data["kind"])
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"Filen {attachment.original_name} är bifogad.")
                return redirect("portal:attachments", pk=pk)
        status = 400
    return render(request, "portal/attachments.html", {
        "application": application, "form": form, "attachments": list(application.attachments.all()),
        "steps": _step_states(application), "section": "attachments",
    }, status=status)


@require_GET
@applicant_required
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = selectors.own_attachment(request.applicant.person_ids, pk, attachment_pk)
    return file_response(attachment)


@require_http_methods(["GET", "POST"])
@applicant_required
def review(request, pk: int):
    application, person = _own_draft(request, pk)
    error = ""
    missing = decl.missing_answers(application.declaration)
    status = 200
    if request.method == "POST":
        try:
            result = services.submit(application, request.POST.get("submission_key", ""), person=person)
        except services.StaleSubmission as stale:
            error, status = stale.message, 409
            application.refresh_from_db()
        except ValidationError as failure:
            missing = {k: " ".join(v) for k, v in failure.message_dict.items()}
            status = 400
        else:
            if result.application.status == ApplicationStatus.AWAITING_CO_APPLICANT:
                messages.success(request, "Du har skrivit under. Nu behöver din make, maka eller sambo logga in och "
                                          "bekräfta ansökan innan den skickas till kommunen.")
            elif result.created:
                messages.success(request, "Tack! Din ansökan har kommit in till kommunen.")
            return redirect("portal:application", pk=result.application.pk)
    steps = _step_states(application)
    missing_rows = [(row["url"], row["label"], missing[row["key"]]) for row in steps if row["key"] in missing]
    return render(request, "portal/review.html", {
        "application": application, "month_label": month_sv(application.month), "missing_rows": missing_rows,
        "summary": [(key, label, decl.summary(application.declaration).get(key, [])) for key, label in decl.SECTIONS],
        "changes": selectors.declaration_changes(application), "missing": missing, "error": error,
        "attachments": list(application.attachments.all()),
        "unanswerable": application.declaration.get("cannot_answer") or {},
        "steps": steps, "section": "review",
    }, status=status)


@require_http_methods(["GET", "POST"])
@applicant_required
def confirm(request, pk: int):
    """The co-applicant confirms (or does not confirm) the application with their own e-ID login. A
    declared partner whom the municipality did not know gets their Person from their own e-ID here."""
    applicant = request.applicant
    application = selectors.awaiting_confirmation_for(applicant.personnummer).filter(pk=pk).first()
    if application is None:
        application = selectors.own_application(applicant.person_ids, pk)
    person = applicant.person_in(application.municipality_id)
    if person is None and application.co_applicant_id is None and services.declared_partner_number(application) == applicant.personnummer:
        if request.method != "POST":
            person = None  # shown before any Person exists; made when they answer
        else:
            person = services.ensure_person(municipality=application.municipality, personnummer=applicant.personnummer,
                                            given_name=applicant.given_name, family_name=applicant.family_name)
            applicant.forget_persons()
    elif not services.is_declared_partner(application, person):
        raise Http404("Sidan finns inte.")
    form = forms.DeclineForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline" and form.is_valid():
                services.decline_as_co_applicant(application, person=person, reason=form.cleaned_data["reason"])
                messages.info(request, "Du har inte bekräftat ansökan. Den som sökte kan ändra den och skriva under igen.")
            else:
                services.confirm_as_co_applicant(application, person=person)
                messages.success(request, "Tack! Du har bekräftat ansökan och den har kommit in till kommunen.")
        except ValidationError as failure:
            messages.error(request, " ".join(failure.messages))
        return redirect("portal:case")
    return render(request, "portal/confirm.html", {
        "application": application, "month_label": month_sv(application.month), "form": form,
        "summary": [(label, decl.summary(application.declaration, decl.VIEWER_PARTNER).get(key, []))
                    for key, label in decl.SECTIONS],
        "awaiting": application.status == ApplicationStatus.AWAITING_CO_APPLICANT,
    })


@require_http_methods(["GET", "POST"])
@applicant_required
def withdraw(request, pk: int):
    """GET asks "are you sure?" (a page of its own: no script), POST deletes the draft or withdraws."""
    application, person = _own_draft_or_received(request, pk)
    if request.method == "GET":
        return render(request, "portal/withdraw.html", {"application": application, "month_label": month_sv(application.month),
                                                         "is_draft": application.status == ApplicationStatus.DRAFT})
    try:
        services.withdraw(application, person=person)
    except ValidationError as failure:
        messages.error(request, " ".join(failure.messages))
    else:
        messages.success(request, "Ansökan är återkallad.")
    return redirect("portal:case")


def _own_draft_or_received(request, pk: int):
    application = selectors.own_application(request.applicant.person_ids, pk)
    person = _person_for(request, application)
    if person.pk != application.applicant_id:
        raise Http404("Sidan finns inte.")
    return application, person


@require_http_methods(["GET", "POST"])
@applicant_required
def completion(request, pk: int):
    completion_request = selectors.own_completion_request(request.applicant.person_ids, pk)
    application = completion_request.application
    person = _person_for(request, application)
    form = forms.CompletionAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [form.cleaned_data["file"]] if form.cleaned_data.get("file") else []
        try:
            services.answer_completion(completion_request, person=person, answer=form.cleaned_data["answer"], files=files)
        except ValidationError as failure:
            form.add_service_errors(ValidationError({("file" if k == "file" else "answer"): v for k, v in failure.message_dict.items()}))
        else:
            messages.success(request, "Tack! Ditt svar har skickats till kommunen.")
            return redirect("portal:application", pk=application.pk)
    return render(request, "portal/completion.html", {"completion": completion_request, "application": application,
                                                      "form": form}, status=400 if form.errors else 200)


# --- decisions ------------------------------------------------------------------------------------------


def _own_decision(request, pk: int, decision_pk: int):
    application = selectors.own_application(request.applicant.person_ids, pk)
    _person_for(request, application)
    if application.status == ApplicationStatus.DRAFT:
        raise Http404("Sidan finns inte.")
    decision = next((d for d in _decisions_for(application) if d.pk == decision_pk), None)
    if decision is None:
        raise Http404("Sidan finns inte.")
    return application, decision


def letter_renderer():
    """The function that gives a decision's letter as it was sent (:func:`bistand.decisions.letters.stored_letter`)."""
    return letters.stored_letter


@require_GET
@applicant_required
def decision(request, pk: int, decision_pk: int):
    application, decision_obj = _own_decision(request, pk, decision_pk)
    calculation = getattr(decision_obj, "calculation", None)
    names = selectors.member_names(application)
    return render(request, "portal/decision.html", {
        "application": application, "decision": decision_obj, "month_label": month_sv(application.month),
        "lines": calculation_lines(calculation, names) if calculation is not None else [],
        "basis": calculation_basis(calculation, names) if calculation is not None else [],
        "decision_lines": list(decision_obj.lines.all()),
        "letter_available": letter_renderer() is not None,
        "register_facts": _register_facts(application),
        "date": timezone.localtime(decision_obj.issued_at) if getattr(decision_obj, "issued_at", None) else None,
        **authority(application.municipality),
    })


@require_GET
@applicant_required
def decision_letter(request, pk: int, decision_pk: int):
    application, decision_obj = _own_decision(request, pk, decision_pk)
    render_pdf = letter_renderer()
    if render_pdf is None:
        return render(request, "portal/letter_unavailable.html", {"application": application}, status=404)
    from bistand.decisions.models import LetterIntegrityError

    try:
        content = render_pdf(decision_obj)
    except LetterIntegrityError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="beslut-{format_month(application.month)}-{decision_obj.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

