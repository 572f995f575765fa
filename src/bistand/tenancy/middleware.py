"""Resolve, once per request, the municipality the user works in (see bistand.tenancy.current)."""

from __future__ import annotations

from .current import for_request


class TenancyMiddleware:
    """Must come after ``AuthenticationMiddleware``. Attaches the user's tenancy state to
    ``request.user`` before any view runs, so that scoping and permissions agree for the whole
    request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for_request(request)
        return self.get_response(request)
