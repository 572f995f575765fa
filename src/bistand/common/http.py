"""What the pages share: the safe ``next`` redirect and pagination."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, candidate: str | None, default: str, *, within: str = "") -> str:
    """``candidate`` when it is a safe place to send the browser next — a path or URL on this site (same
    host, https when the request is), starting with ``within`` when given — else ``default``. Guards
    every ``next`` parameter against open redirects."""
    if candidate and candidate.startswith(within) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def page_of(request, queryset, size: int) -> Page:
    """The page that ``?page=`` asks for (the last one when it is past the end, the first when it is not
    a number), with its rows read once into ``page.rows``."""
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    page.rows = list(page.object_list)
    return page
