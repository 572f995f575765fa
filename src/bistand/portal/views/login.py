"""The start page, the e-ID login and the logout of the e-service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bistand.common import languages
from bistand.common import plugins as registry
from bistand.identity.base import EidError

from ..session import current_applicant, sign_in, sign_out
from .common import safe_portal_next
from .language import remember_language

NEXT_SESSION_KEY = "bistand_portal_next"


@require_GET
def start(request):
    if current_applicant(request) is not None:
        return redirect("portal:case")
    return render(request, "portal/start.html", {})


@require_GET
def login(request):
    request.session[NEXT_SESSION_KEY] = safe_portal_next(request, request.GET.get("next", ""), reverse("portal:case"))
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
    applicant = sign_in(request, identity)
    response = HttpResponseRedirect(safe_portal_next(request, next_url, reverse("portal:case")))
    # The language chosen on this browser is the applicant's choice; without one, the choice stored on
    # their person (from an earlier visit) applies.
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        remember_language(applicant, languages.from_cookie(request))
    else:
        stored = next((p.language for p in applicant.persons if p.language != languages.SWEDISH), None)
        if stored:
            languages.set_cookie(response, stored)
    return response


@require_POST
def logout(request):
    sign_out(request)
    messages.success(request, _("Du är utloggad. Stäng webbläsaren om du använder en delad dator."))
    return redirect("portal:start")
