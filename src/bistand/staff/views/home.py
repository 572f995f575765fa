from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from bistand.tenancy.current import for_request
from bistand.tenancy.roles import Role
from bistand.tenancy.selectors import has_role


@login_required
def home(request):
    """The start page: each role's own part (manager → the dashboard, regional coordinator → the region,
    researcher → the research page); everyone else, and ``?meny=1``, gets the list of pages."""
    if "meny" not in request.GET:
        state = for_request(request)
        if Role.MANAGER in state.roles:
            return redirect("staff:followup_dashboard")
        if state.region_roles and Role.REGIONAL_COORDINATOR in state.region_roles and not state.roles:
            return redirect("region:home")
        if not state.may_see_person_data and has_role(request.user, Role.RESEARCHER):
            return redirect("staff:research")
    return render(request, "staff/home.html")
