"""The client's self-rating in the e-service (/e-tjanst/skattning/): one domain per screen, plain words,
skip or "vill inte svara". Only the client's own occasions (404 for anyone else's); screening flags and
the worker's ratings are never shown here. Writes go through bistand.assessment.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bistand.assessment import selectors, services
from bistand.assessment.models import Occasion, Rater, RatingStatus

from ..forms import service_errors_in_language, translated
from ..session import applicant_required


def _own(request, pk: int) -> Occasion:
    try:
        return selectors.client_occasion(request.applicant.person_ids, pk)
    except Occasion.DoesNotExist:
        raise Http404("Sidan finns inte.") from None


@require_GET
@applicant_required
def assessment_list(request):
    return render(request, "portal/assessment_list.html",
                  {"occasions": selectors.open_for_client(request.applicant.person_ids)})


@require_http_methods(["GET", "POST"])
@applicant_required
def assessment_step(request, pk: int, step: int):
    occasion = _own(request, pk)
    version = occasion.instrument_version
    domains = version.domains
    if not 1 <= step <= len(domains):
        raise Http404("Sidan finns inte.")
    if occasion.client_submitted_at is not None or occasion.performed_on is not None:
        return redirect("portal:assessment_done", pk=occasion.pk)
    domain = domains[step - 1]
    error = ""
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if request.POST.get("action") == "skip":
            return _next(occasion, step, len(domains))
        if answer == "":
            error = _("Välj ett svar, eller tryck på ”Hoppa över”.")
        else:
            status, level = (RatingStatus.RATED, int(answer)) if answer.isdigit() else (answer, None)
            try:
                services.rate(occasion=occasion, rater=Rater.CLIENT, domain=domain["id"], status=status, level=level,
                              client_name=request.applicant.full_name)
            except ValidationError as exc:
                error = " ".join(service_errors_in_language(exc).messages)
            else:
                return _next(occasion, step, len(domains))
    current = selectors.client_rating(occasion, domain["id"])
    chosen = (str(current.level) if current.status == RatingStatus.RATED else current.status) if current else ""
    if request.method == "POST" and error:
        chosen = request.POST.get("answer", "")
    return render(request, "portal/assessment_step.html", {
        "occasion": occasion, "step": step, "total": len(domains), "error": error, "chosen": chosen,
        # the package's words in the applicant's language (marked in bistand.assessment.client_texts)
        "domain": {"client_label": translated(domain["client_label"]), "question": translated(domain["question"])},
        "anchors": [{"value": a["value"], "client": translated(a["client"])}
                    for a in sorted(domain["anchors"], key=lambda a: -a["value"])],
        "not_relevant": _not_relevant(version),
        "time_window": translated(version.body.get("time_window", "")) if version.body.get("time_window") else "",
    }, status=400 if error else 200)


def _not_relevant(version) -> str:
    return translated(version.body.get("not_relevant", {}).get("client_label", "Gäller inte mig"))


def _next(occasion, step, total):
    if step < total:
        return redirect("portal:assessment_step", pk=occasion.pk, step=step + 1)
    return redirect("portal:assessment_review", pk=occasion.pk)


@require_http_methods(["GET", "POST"])
@applicant_required
def assessment_review(request, pk: int):
    occasion = _own(request, pk)
    if request.method == "POST":
        services.submit_client_rating(occasion)
        messages.success(request, _("Tack! Dina svar är skickade till din handläggare."))
        return redirect("portal:assessment_done", pk=occasion.pk)
    answers = {r.domain: r for r in occasion.ratings.filter(rater=Rater.CLIENT)}
    version = occasion.instrument_version
    rows = []
    for i, domain in enumerate(version.domains, start=1):
        r = answers.get(domain["id"])
        if r is None:
            text = _("Inget svar")
        elif r.status == RatingStatus.RATED:
            text = translated(next(a["client"] for a in domain["anchors"] if a["value"] == r.level))
        elif r.status == RatingStatus.NOT_RELEVANT:
            text = _not_relevant(version)
        else:
            text = _("Vill inte svara")
        rows.append({"step": i, "label": translated(domain["client_label"]), "text": text})
    return render(request, "portal/assessment_review.html", {"occasion": occasion, "rows": rows,
                                                             "sent": occasion.client_submitted_at is not None})


@require_GET
@applicant_required
def assessment_done(request, pk: int):
    occasion = _own(request, pk)
    return render(request, "portal/assessment_done.html", {"occasion": occasion})
