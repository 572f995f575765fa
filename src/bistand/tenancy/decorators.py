"""View decorators for pages that show person-level data."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from .current import for_request


def person_data_view(*permissions: str):
    """Guard a staff view that shows person-level data.

    1. anonymous users go to the login page;
    2. users who work in several municipalities and have not chosen one go to the page where they
       choose (and come back afterwards);
    3. users whose roles in the current municipality give no person-level data (regional coordinators,
       researchers, users without any role) get 403;
    4. users without each of ``permissions`` get 403.

    The view itself must still read through bistand.tenancy.scoping and write the access log.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            state = for_request(request)
            if not user.is_superuser:
                if state.must_choose:
                    url = reverse("tenancy:choose_municipality")
                    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
                if not state.may_see_person_data:
                    raise PermissionDenied("Din roll ger inte tillgång till uppgifter om enskilda personer.")
            for permission in permissions:
                if not user.has_perm(permission):
                    raise PermissionDenied("Du har inte behörighet till den här sidan.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
