"""Try a calculation: /handlaggning/berakning/ (the form logic is in bistand.staff.calculation).

The page holds no personal data (only ages and amounts, nothing is stored), so it needs no scoping or
access log: a signed-in user with a staff role may use it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from bistand.staff.calculation.page import CalculationPage
from bistand.tenancy.selectors import has_staff_membership


@login_required
@require_http_methods(["GET", "POST"])
def calculation(request):
    if not has_staff_membership(request.user):
        raise PermissionDenied("Sidan är till för handläggare och chefer.")
    page = CalculationPage(request.POST if request.method == "POST" else None)
    page.calculate()
    template = "staff/calculation_body.html" if request.headers.get("HX-Request") else "staff/calculation.html"
    return render(request, template, page.context())
