"""The language chooser of the e-service (Svenska, Lättläst svenska, English; bistand.common.languages)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from bistand.applications.services import actor_for
from bistand.common import languages
from bistand.people import services as people_services

from ..session import current_applicant
from .common import safe_portal_next


def remember_language(applicant, code: str) -> None:
    """Store the chosen language on the applicant's Person rows (letters and notifications use it)."""
    persons = applicant.persons
    if persons:
        people_services.set_language(actor=actor_for(persons[0]), persons=persons, language=code)


@require_POST
def choose_language(request):
    code = request.POST.get("language", "")
    if not languages.is_language(code):
        return HttpResponse("Språket finns inte. Välj Svenska, Lättläst svenska eller English.", status=400,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponseRedirect(safe_portal_next(request, request.POST.get("next", ""), reverse("portal:start")))
    languages.set_cookie(response, code)
    applicant = current_applicant(request)
    if applicant is not None:
        remember_language(applicant, code)
    return response
