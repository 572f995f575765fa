"""Choosing the municipality to work in (for users with roles in several)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render

from bistand.common.http import safe_next

from .current import choose_municipality as choose
from .current import for_request


def _safe_next(request, default: str = "/handlaggning/") -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), default)


@login_required
def choose_municipality(request):
    state = for_request(request)
    error = ""
    if request.method == "POST":
        try:
            municipality_id = int(request.POST.get("municipality", ""))
            state = choose(request, municipality_id)
        except (ValueError, PermissionError):
            error = "Välj en av kommunerna i listan."
        else:
            messages.success(request, f"Du arbetar nu i {state.municipality.name}.")
            return HttpResponseRedirect(_safe_next(request))
    return render(
        request,
        "tenancy/choose_municipality.html",
        {"state": state, "municipalities": state.municipalities, "error": error, "next": _safe_next(request, "")},
        status=400 if error else 200,
    )
