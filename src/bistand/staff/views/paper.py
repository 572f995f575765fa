"""The declaration of an application received on paper, by post or at a visit (issue 20): after
``cases.register_paper_application`` has started it (month, how it came in, the day, the scanned paper),
the case worker fills in the same declaration as the e-service asks for — with the e-service's own forms
(bistand.casework.declaration_forms), section by section — and sends it in.

* ``paper_declaration`` — the sections with their state and "Skicka in ansökan"
  (:func:`bistand.applications.services.submit_on_behalf`);
* ``paper_step`` — one section (the e-service's step form), saved with
  :func:`bistand.applications.services.save_draft` as the case worker.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bistand.applications import declaration as decl
from bistand.applications.selectors import declaration_sections
from bistand.applications.services import save_draft, submit_on_behalf
from bistand.audit.services import log_access
from bistand.casework.declaration_forms import CannotAnswerForm, bind_section, section_data
from bistand.casework.selectors import paper_draft_for
from bistand.people.presenters import present_person
from bistand.tenancy.decorators import person_data_view

PERMISSIONS = ("people.view_person", "applications.view_application", "decisions.add_decision")


def _persons(application) -> list:
    return [p for p in (application.applicant, application.co_applicant) if p is not None]


def _sections(application) -> list[dict]:
    declaration = application.declaration
    answered = set(declaration.get("answered") or [])
    unanswerable = declaration.get("cannot_answer") or {}
    rows = []
    for key, label in decl.SECTIONS:
        if key in unanswerable:
            text = "Inte besvarat i ansökan – handläggaren utreder"
        elif key in answered:
            text = "Ifyllt"
        else:
            text = "Inte ifyllt"
        rows.append({"key": key, "label": label, "text": text, "done": key in answered,
                     "url": reverse("staff:paper_step", kwargs={"pk": application.pk, "section": key})})
    return rows


@require_http_methods(["GET", "POST"])
@person_data_view(*PERMISSIONS)
def paper_declaration(request, pk: int):
    application = paper_draft_for(request.user, pk)
    missing: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            submit_on_behalf(application, actor=request.user)
        except ValidationError as failure:
            missing = {key: " ".join(messages_) for key, messages_ in failure.message_dict.items()}
            status = 400
        else:
            messages.success(request, f"Ansökan är registrerad som ärende {application.pk}.")
            return redirect("staff:case_detail", pk=application.pk)
    log_access(user=request.user, persons=_persons(application), target="staff:paper_declaration", request=request)
    sections = _sections(application)
    return render(request, "staff/paper_declaration.html", {
        "application": application, "person": present_person(application.applicant, request.user),
        "sections": sections, "summary": declaration_sections(application),
        "missing_rows": [(row["url"], row["label"], missing[row["key"]]) for row in sections if row["key"] in missing],
    }, status=status)


@require_http_methods(["GET", "POST"])
@person_data_view(*PERMISSIONS)
def paper_step(request, pk: int, section: str):
    application = paper_draft_for(request.user, pk)
    if section not in decl.SECTION_LABELS:
        raise Http404("Sidan finns inte.")
    declaration = application.declaration
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if post else ""
    cannot = CannotAnswerForm(post, initial={
        "cannot_answer": section in (declaration.get("cannot_answer") or {}),
        "note": (declaration.get("cannot_answer") or {}).get(section, ""),
    })
    bound = bind_section(section, declaration, post, applicant_personnummer=application.applicant.personnummer)
    if post and not action:
        marks_cannot = cannot.is_valid() and cannot.cleaned_data.get("cannot_answer")
        note = cannot.cleaned_data.get("note", "") if cannot.is_valid() else ""
        valid = bound.is_valid()
        if valid or marks_cannot:
            data = section_data(section, bound.form, bound.formset, declaration.get("members") or {}) if valid else None
            save_draft(application, actor=request.user, section=section, data=data,
                       cannot_answer=note if marks_cannot else None)
            return redirect(_next_url(application, section))
    log_access(user=request.user, persons=_persons(application), target="staff:paper_step", request=request)
    status = 400 if post and not action and bound.has_errors() else 200
    context = {"application": application, "section": section, "section_label": decl.SECTION_LABELS[section],
               "person": present_person(application.applicant, request.user), "cannot": cannot,
               "form": bound.form, "formset": bound.formset, "focus_row": bound.focus_row,
               "sections": _sections(application)}
    template = "portal/step_form.html" if request.headers.get("HX-Request") and action else "staff/paper_step.html"
    return render(request, template, context, status=status)


def _next_url(application, section: str) -> str:
    keys = [key for key, _label in decl.SECTIONS]
    index = keys.index(section)
    if index + 1 < len(keys) and keys[index + 1] not in (application.declaration.get("answered") or []):
        return reverse("staff:paper_step", kwargs={"pk": application.pk, "section": keys[index + 1]})
    return reverse("staff:paper_declaration", kwargs={"pk": application.pk})
