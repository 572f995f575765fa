"""The client's plans in the e-service (/e-tjanst/planering/).

The client sees only their own plans once they are shared (never drafts, never the worker's notes),
answers them (accept, accept with a comment, dispute with a reason; every answer is kept) and rates
how useful the plan was at a follow-up. Goals and requirements are shown under separate headings: a
voluntary goal is never presented as a requirement.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.plans import selectors, services
from bistand.plans.models import LIVE_STATUSES

from ..forms import PlanResponseForm, PlanUsefulnessForm, service_errors_in_language
from ..session import applicant_required


@require_GET
@applicant_required
def plan_list(request):
    plans = list(selectors.client_plans(request.applicant.person_ids))
    return render(request, "portal/plan_list.html", {"plans": plans})


def _context(request, plan, form=None):
    parts = selectors.split_actions(plan)
    return {
        "plan": plan,
        **parts,
        "responses": list(plan.responses.all()),
        "follow_ups": list(plan.follow_ups.all()),
        "form": form or PlanResponseForm(),
        "may_respond": plan.status in LIVE_STATUSES,
        "usefulness_form": PlanUsefulnessForm(),
    }


@require_http_methods(["GET", "POST"])
@applicant_required
def plan_detail(request, pk: int):
    plan = selectors.client_plan(request.applicant.person_ids, pk)
    form = None
    if request.method == "POST":
        form = PlanResponseForm(request.POST)
        if form.is_valid():
            try:
                services.respond(plan=plan, person=request.applicant.person_in(plan.municipality_id),
                                 kind=form.cleaned_data["kind"], comment=form.cleaned_data["comment"])
            except ValidationError as error:
                form.add_service_errors(service_errors_in_language(error))
            else:
                messages.success(request, _("Tack! Ditt svar är skickat till din handläggare."))
                return redirect("portal:plan", pk=plan.pk)
    status = 400 if form is not None and form.errors else 200
    return render(request, "portal/plan_detail.html", _context(request, plan, form), status=status)


@require_POST
@applicant_required
def plan_follow_up_rate(request, pk: int, follow_up_pk: int):
    plan = selectors.client_plan(request.applicant.person_ids, pk)
    follow_up = next((f for f in plan.follow_ups.all() if f.pk == follow_up_pk), None)
    if follow_up is None:
        raise Http404("Sidan finns inte.")
    form = PlanUsefulnessForm(request.POST)
    if form.is_valid():
        try:
            services.rate_usefulness_client(follow_up=follow_up, person=request.applicant.person_in(plan.municipality_id),
                                            value=form.cleaned_data["usefulness"])
        except ValidationError as error:
            messages.error(request, " ".join(service_errors_in_language(error).messages))
        else:
            messages.success(request, _("Tack för ditt svar!"))
    else:
        messages.error(request, _("Välj en siffra från 1 till 5."))
    return redirect("portal:plan", pk=plan.pk)
