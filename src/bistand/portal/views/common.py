"""What the pages of the e-service share: the applicant's own application and person, the steps of a
draft, the issued decisions and the register facts of an application."""

from __future__ import annotations

import re

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from bistand.applications import declaration as decl
from bistand.applications import selectors
from bistand.applications.models import Application, ApplicationStatus
from bistand.common.http import safe_next
from bistand.registers import selectors as register_selectors

STEPS = [*decl.SECTIONS, ("attachments", gettext_noop("Bilagor"))]
STEP_KEYS = [key for key, _ in STEPS]


def safe_portal_next(request, candidate: str, default: str) -> str:
    return safe_next(request, candidate, default, within="/e-tjanst/")


def person_for(request, application: Application):
    person = request.applicant.person_in(application.municipality_id)
    if person is None or person.pk not in (application.applicant_id, application.co_applicant_id):
        raise Http404("Sidan finns inte.")
    return person


def own_draft(request, pk: int) -> tuple[Application, object]:
    application = selectors.own_application(request.applicant.person_ids, pk)
    person = person_for(request, application)
    if person.pk != application.applicant_id:
        raise Http404("Sidan finns inte.")
    if application.registered_by_id is not None and application.status == ApplicationStatus.DRAFT:
        raise Http404("Sidan finns inte.")  # a paper application: the case worker who registers it fills it in
    return application, person


def step_states(application: Application) -> list[dict]:
    declaration = application.declaration
    answered = set(declaration.get("answered") or [])
    unanswerable = declaration.get("cannot_answer") or {}
    rows = []
    for key, label in STEPS:
        if key == "attachments":
            count = application.attachments.count()
            state, text = ("done", ngettext("%(count)d bifogad", "%(count)d bifogade", count) % {"count": count}) if count else ("optional", _("Frivilligt"))
        elif key in unanswerable:
            state, text = "cannot", _("Du kan inte svara – en handläggare hjälper dig")
        elif key in answered:
            state, text = "done", _("Klart")
        else:
            state, text = "todo", _("Inte ifyllt")
        rows.append({"key": key, "label": _(label), "state": state, "text": text,
                     "url": reverse("portal:attachments" if key == "attachments" else "portal:step",
                                    kwargs={"pk": application.pk} if key == "attachments" else {"pk": application.pk, "section": key})})
    return rows


def register_facts(application: Application) -> list:
    return list(register_selectors.register_facts_for(application))


def own_draft_or_received(request, pk: int):
    application = selectors.own_application(request.applicant.person_ids, pk)
    person = person_for(request, application)
    if person.pk != application.applicant_id:
        raise Http404("Sidan finns inte.")
    return application, person


def sections_in_language(sections):
    """The declaration's sections (key, label, rows, …) with their fixed Swedish words (section and row
    labels, "Inga", "Inte ifyllt", the names of cost and income types) in the applicant's language; what the
    applicant wrote is left as it is."""
    return [(key, _text(label), [(_text(row_label), _child_detail(value) if _is_child_row(row_label) else _text(value))
                                 for row_label, value in rows], *rest)
            for key, label, rows, *rest in sections]


def _is_child_row(label) -> bool:
    return isinstance(label, str) and label.startswith("Barn: ")


_CHILD_DAYS = {re.compile("^" + re.escape(template).replace(re.escape("%(days)s"), r"(\d+)") + "$"): template
               for template in (decl.CHILD_DAYS_WITH_YOU, decl.CHILD_DAYS_WITH_US, decl.CHILD_DAY_WITH_YOU,
                                decl.CHILD_DAY_WITH_US)}


def _child_detail(value):
    """A child's row ("19850312-9804, bor hos dig 15 dagar i månaden, går i gymnasieskolan") part by part:
    each part is one of the marked texts of bistand.applications.declaration (the personnummer stays)."""
    if not isinstance(value, str) or not value:
        return value
    parts = []
    for part in value.split(decl.CHILD_DETAIL_SEPARATOR):
        for pattern, template in _CHILD_DAYS.items():
            days = pattern.match(part)
            if days:
                part = _(template) % {"days": days.group(1)}
                break
        else:
            part = _(part) if part else part
        parts.append(part)
    return decl.CHILD_DETAIL_SEPARATOR.join(parts)


def _text(value):
    """gettext for a runtime Swedish string (never for "": gettext("") is the catalogue's header); a label
    with whose it is, "Barnbidrag (du)", is translated in its two parts."""
    if not isinstance(value, str) or not value:
        return value
    translated = _(value)
    for template in (decl.NOT_REGISTERED_BECAUSE, decl.NOT_REGISTERED_OTHER):  # "… Skäl: <a reason's label>"
        prefix = template.split("%(reason)s")[0]
        if translated == value and value.startswith(prefix):
            return _(template) % {"reason": _(value.removeprefix(prefix))}
    whose = _WHOSE.match(value) if translated == value else None
    if whose:
        return f"{_(whose.group(1))} ({_(whose.group(2))})"
    labelled = _LABELLED.match(value) if translated == value else None
    if labelled and labelled.group(1) == "Barn":  # "Barn: Bo"
        name = labelled.group(2)
        return _("Barn: %(name)s") % {"name": _(name) if name == decl.CHILD_NO_NAME else name}
    if labelled:  # "Arbetsförmedlingen: du"
        return f"{_(labelled.group(1))}: {_(labelled.group(2))}"
    return translated


_WHOSE = re.compile(r"^(.+) \(([^()]+)\)$")
_LABELLED = re.compile(r"^(Arbetsförmedlingen|Barn): (.+)$")
