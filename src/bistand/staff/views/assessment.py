"""Staff pages for assessment (bistand.assessment): a person's occasions and history, one occasion with
the client's and the worker's ratings side by side, screening flags, MI support, the due list, and the
instruments (with the administrator's upload of a licensed package).

Reads go through bistand.assessment.selectors (scoped to the user's municipality) and write one
AccessLog row for the person shown; writes go through bistand.assessment.services (audited)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.assessment import charts, package, selectors, services
from bistand.assessment.models import (
    ChangeTalk,
    InstrumentVersion,
    MINote,
    MIProcess,
    OccasionKind,
    Rater,
    RatingStatus,
)
from bistand.audit.services import log_access
from bistand.people.presenters import present_person
from bistand.people.selectors import person_for
from bistand.tenancy.current import for_request
from bistand.tenancy.decorators import person_data_view

MI_PROMPTS = [
    (MIProcess.ENGAGE, "Engagera", [
        "Börja med en öppen fråga om hur personen har det just nu, till exempel: ”Hur ser en vanlig dag ut för dig?”",
        "Lyssna och spegla det du hör innan du frågar vidare.",
        "Bekräfta något konkret som personen redan gör eller har klarat.",
    ]),
    (MIProcess.FOCUS, "Fokusera", [
        "Titta tillsammans på skattningarna sida vid sida. Börja där ni ser olika på saken – som ett samtalsämne, inte ett fel.",
        "Fråga: ”Vilket område är viktigast för dig att börja med?” Låt personen välja.",
    ]),
    (MIProcess.EVOKE, "Locka fram", [
        "Fråga hur viktigt en förändring är på en skala 0–10, och sedan: ”Varför just den siffran och inte en lägre?”",
        "Fråga hur säker personen är på att klara det (0–10), och: ”Vad skulle behövas för att gå ett steg upp?”",
        "Fråga aldrig ”varför inte 10?” – det brukar locka fram skäl att låta bli.",
        "Lyssna efter personens egna skäl, önskemål, förmåga och behov av förändring och spegla dem.",
    ]),
    (MIProcess.PLAN, "Planera", [
        "Formulera målet med personens egna ord.",
        "Kom överens om ett första litet steg: vem gör vad och när?",
        "Tänk igenom vad som kan komma i vägen och vad ni gör då.",
        "Sammanfatta och läs upp för personen: stämmer det?",
    ]),
]
SUMMARY_TEMPLATE = (
    "Det här är viktigt för dig just nu: …\n"
    "Det här har du redan gjort eller klarat: …\n"
    "Det här bestämde vi: …\n"
    "Första steget (vem, vad, när): …\n"
    "Nästa gång vi ses: …"
)


def _occasion(request, pk: int, target: str):
    occasion = selectors.occasion_for(request.user, pk)
    log_access(user=request.user, persons=[occasion.person], target=target, request=request)
    return occasion


def _int_or_none(value: str | None, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError("Ange ett heltal.") from None
    if not low <= number <= high:
        raise ValidationError(f"Ange ett tal från {low} till {high}.")
    return number


def _history(user, person, version):
    rows = []
    for domain in version.domains:
        points = selectors.domain_history(user, person, domain["id"])
        if not points:
            continue
        labels = [f"{p.date:%Y-%m-%d}" for p in points]
        svg = charts.line_chart(labels, [("Den enskilde", [p.client for p in points]),
                                         ("Handläggaren", [p.worker for p in points])])
        rulers = selectors.ruler_trend(user, person, domain["id"])
        rows.append({"code": domain["id"], "label": domain["label"], "points": points, "svg": svg, "rulers": rulers})
    return rows


@require_http_methods(["GET", "POST"])
@person_data_view("people.view_person", "assessment.view_occasion")
def person_assessments(request, pk: int):
    person = person_for(request.user, pk)
    state = for_request(request)
    version = selectors.default_version(state.municipality or person.municipality)
    if request.method == "POST":
        if not request.user.has_perm("assessment.add_occasion"):
            raise PermissionDenied("Du har inte behörighet att planera bedömningar.")
        try:
            scheduled = dt.date.fromisoformat(request.POST.get("scheduled_for", ""))
            chosen = selectors.version_for(person.municipality_id, int(request.POST.get("version") or getattr(version, "pk", 0)))
            occasion = services.create_occasion(user=request.user, person=person, kind=request.POST.get("kind", ""),
                                                scheduled_for=scheduled, version=chosen, worker=request.user)
        except (ValueError, ValidationError, InstrumentVersion.DoesNotExist) as error:
            messages.error(request, "Bedömningen kunde inte planeras: " + " ".join(getattr(error, "messages", [
                "ange ett datum som ÅÅÅÅ-MM-DD."])))
        else:
            messages.success(request, "Bedömningen är planerad.")
            return redirect("staff:assessment_occasion", pk=occasion.pk)
    occasions = selectors.occasions_of_person(request.user, person)
    log_access(user=request.user, persons=[person], target="staff:assessment_person", request=request)
    versions = [v for i in selectors.instruments_for(person.municipality_id) for v in i.versions.all()]
    return render(request, "staff/assessment_person.html", {
        "person": present_person(person, request.user), "occasions": occasions, "kinds": OccasionKind.choices,
        "versions": versions, "default_version": version, "today": timezone.localdate(),
        "history": _history(request.user, person, version) if version else [], "legend": charts.legend(),
        "may_add": request.user.has_perm("assessment.add_occasion"),
    })


@require_GET
@person_data_view("people.view_person", "assessment.view_occasion")
def occasion_detail(request, pk: int):
    occasion = _occasion(request, pk, "staff:assessment_occasion")
    version = occasion.instrument_version
    previous = selectors.previous_occasion(occasion)
    rows = selectors.side_by_side(occasion, previous)
    flags = {f.flag: f for f in occasion.flags.all()}
    note = MINote.objects.filter(occasion=occasion).first()
    rulers = {r.domain: r for r in occasion.rulers.all()}
    previous_rulers = selectors.previous_rulers(occasion)
    return render(request, "staff/assessment_occasion.html", {
        "occasion": occasion, "person": present_person(occasion.person, request.user), "version": version,
        "rows": rows, "levels": version.levels, "domains": version.domains,
        "flag_rows": [{"def": f, "set": flags.get(f["id"])} for f in version.flags],
        "raised": [f for f in occasion.flags.all()],
        "note": note, "processes": MIProcess.choices, "change_talk": ChangeTalk.choices,
        "note_counts": (note.change_talk if note else {}), "note_processes": (note.processes if note else []),
        "ruler_rows": [{"domain": d, "ruler": rulers.get(d["id"]), "previous": previous_rulers.get(d["id"])}
                       for d in version.domains],
        "previous": previous,
        "prompts": MI_PROMPTS, "summary_template": SUMMARY_TEMPLATE,
        "may_change": request.user.has_perm("assessment.add_domainrating"),
        "licence": version.body["licence"],
    })


@require_POST
@person_data_view("people.view_person", "assessment.add_domainrating")
def occasion_rate(request, pk: int):
    occasion = _occasion(request, pk, "staff:assessment_rate")
    saved, errors = 0, []
    for domain in occasion.instrument_version.domains:
        answer = request.POST.get(f"domain_{domain['id']}", "")
        if not answer:
            continue
        status, level = (RatingStatus.RATED, int(answer)) if answer.isdigit() else (answer, None)
        try:
            services.rate(occasion=occasion, rater=Rater.WORKER, domain=domain["id"], status=status, level=level,
                          comment=request.POST.get(f"comment_{domain['id']}", "").strip(), user=request.user)
            saved += 1
        except ValidationError as error:
            errors.append(f"{domain['label']}: {' '.join(error.messages)}")
    for error in errors:
        messages.error(request, error)
    if saved:
        messages.success(request, f"Din bedömning är sparad ({saved} områden).")
    return redirect("staff:assessment_occasion", pk=occasion.pk)


@require_POST
@person_data_view("people.view_person", "assessment.add_screeningflag")
def occasion_flag(request, pk: int):
    occasion = _occasion(request, pk, "staff:assessment_flag")
    try:
        flag = services.raise_flag(user=request.user, occasion=occasion, flag=request.POST.get("flag", ""),
                                   note=request.POST.get("note", "").strip())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.warning(request, f"Flaggan ”{occasion.instrument_version.flag(flag.flag)['label']}” är satt. "
                                  f"Nästa steg: {flag.routine}")
    return redirect("staff:assessment_occasion", pk=occasion.pk)


@require_POST
@person_data_view("people.view_person", "assessment.add_minote")
def occasion_mi(request, pk: int):
    occasion = _occasion(request, pk, "staff:assessment_mi")
    try:
        counts = {key: _int_or_none(request.POST.get(f"talk_{key}"), 0, 99) or 0 for key in ChangeTalk.values}
        services.save_mi_note(user=request.user, occasion=occasion, processes=request.POST.getlist("processes"),
                              change_talk=counts, summary=request.POST.get("summary", "").strip())
        for domain in occasion.instrument_version.domains:
            importance = _int_or_none(request.POST.get(f"importance_{domain['id']}"), 0, 10)
            confidence = _int_or_none(request.POST.get(f"confidence_{domain['id']}"), 0, 10)
            if importance is not None or confidence is not None:
                services.set_ruler(user=request.user, occasion=occasion, domain=domain["id"], importance=importance,
                                   confidence=confidence)
    except ValidationError as error:
        messages.error(request, "Samtalsstödet kunde inte sparas: " + " ".join(error.messages))
    else:
        messages.success(request, "Samtalsstödet är sparat.")
    return redirect("staff:assessment_occasion", pk=occasion.pk)


@require_POST
@person_data_view("people.view_person", "assessment.change_occasion")
def occasion_complete(request, pk: int):
    occasion = _occasion(request, pk, "staff:assessment_complete")
    services.complete_occasion(user=request.user, occasion=occasion, performed_on=timezone.localdate())
    messages.success(request, "Bedömningen är markerad som genomförd.")
    return redirect("staff:assessment_occasion", pk=occasion.pk)


@require_GET
@person_data_view("assessment.view_occasion")
def due_list(request):
    mine = request.GET.get("mina") == "1"
    items = selectors.occasions_due(request.user, worker=request.user if mine else None)
    log_access(user=request.user, persons=[i.person for i in items], target="staff:assessment_due", request=request)
    rows = [{"item": i, "person": present_person(i.person, request.user)} for i in items]
    return render(request, "staff/assessment_due.html", {"rows": rows, "mine": mine})


@require_http_methods(["GET", "POST"])
@person_data_view("assessment.view_instrument")
def instruments(request):
    municipality = for_request(request).municipality
    if request.method == "POST":
        if not request.user.has_perm("assessment.add_instrument"):
            raise PermissionDenied("Bara kommunens administratör kan läsa in instrument.")
        upload = request.FILES.get("package")
        try:
            if upload is None or upload.size > 2_000_000:
                raise ValidationError("Välj en YAML-fil (högst 2 MB).")
            version = services.install_package(package.parse(upload.read()), municipality=municipality,
                                               user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{version} är inläst. Det syns bara i {municipality.name}.")
            return redirect("staff:assessment_instruments")
    if municipality is None:
        raise Http404("Sidan finns inte.")
    return render(request, "staff/assessment_instruments.html", {
        "instruments": selectors.instruments_for(municipality),
        "may_load": request.user.has_perm("assessment.add_instrument"),
        "schedule": services.schedule_for(municipality, selectors.default_version(municipality)),
    })


SETTINGS_FIELDS = ["first_assessment_within_days", "follow_up_every_days", "routine_violence", "routine_children",
                   "routine_acute"]


@require_http_methods(["GET", "POST"])
@person_data_view("assessment.change_assessmentsettings")
def settings_page(request):
    """The administrator's page for the municipality's schedule and screening routines."""
    from django import forms as djforms

    from bistand.assessment.models import AssessmentSettings

    municipality = for_request(request).municipality
    if municipality is None:
        raise Http404("Sidan finns inte.")

    class SettingsForm(djforms.ModelForm):
        class Meta:
            model = AssessmentSettings
            fields = SETTINGS_FIELDS
            widgets = {name: djforms.Textarea(attrs={"rows": 3}) for name in SETTINGS_FIELDS[2:]}

    current = AssessmentSettings.objects.filter(municipality=municipality).first()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.update_settings(user=request.user, municipality=municipality,
                                 **{name: form.cleaned_data[name] for name in SETTINGS_FIELDS})
        messages.success(request, "Inställningarna är sparade.")
        return redirect("staff:assessment_settings")
    for name, field in form.fields.items():
        if form.errors.get(name):
            field.widget.attrs["aria-describedby"] = f"id_{name}-error"
            field.widget.attrs["aria-invalid"] = "true"
    defaults = services.schedule_for(municipality, selectors.default_version(municipality)) if current is None else None
    return render(request, "staff/assessment_settings.html", {"form": form, "defaults": defaults,
                                                              "default_routines": services.DEFAULT_ROUTINES})
