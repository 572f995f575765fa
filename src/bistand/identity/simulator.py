"""The e-ID SIMULATOR — for development, tests and the demo only, never for real persons.

Instead of a real e-ID service it shows a page titled "Simulerad e-legitimation – endast för test"
where one picks or types a test personnummer from Skatteverket's test series (birth numbers 980–999);
any other number is refused. It behaves like a small identity provider: ``start`` remembers a one-time
``state`` and sends the browser to the simulator page; the page sends it back to ``next_url`` with the
state and a one-time code; ``complete`` checks both.

It is refused (``start`` raises :class:`~.base.EidError`, the page answers 404 and ``check_config``
reports it) when ``BISTAND_ALLOW_SIMULATORS`` is false, as in the production settings.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse

from bistand.common.plugins import register, simulators_allowed

from .base import EidError, EidIdentity, EidProvider, new_token, remember_pending, take_pending

NAME = "simulator"
#: How many test persons the simulator's page offers to pick from.
SUGGESTION_COUNT = 8

#: Where the simulator's page takes test persons to pick from: functions ``f(limit) -> [{"personnummer",
#: "name", "municipality"}]`` registered by other apps (the demo registers its households in its
#: ``AppConfig.ready()``). The simulator itself reads no app's tables: without a source it lists nobody.
_suggestion_sources: list[Callable[[int], list[dict[str, str]]]] = []


def register_suggestions(source: Callable[[int], list[dict[str, str]]]) -> Callable[[int], list[dict[str, str]]]:
    """Add ``source`` to the test persons the simulator's page offers (once, however often it is called)."""
    if source not in _suggestion_sources:
        _suggestion_sources.append(source)
    return source


def suggestions(limit: int = SUGGESTION_COUNT) -> list[dict[str, str]]:
    """Up to ``limit`` test persons from the registered sources, each personnummer once."""
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for source in _suggestion_sources:
        for row in source(limit):
            if row["personnummer"] in seen:
                continue
            seen.add(row["personnummer"])
            rows.append(row)
            if len(rows) == limit:
                return rows
    return rows


def refused() -> EidError:
    return EidError(
        "Den simulerade e-legitimationen är avstängd här. Logga in med en riktig e-legitimation.", "refused"
    )


@register("eid", NAME)
class SimulatorProvider(EidProvider):
    verbose_name = "Simulerad e-legitimation (endast för test)"
    is_simulator = True

    def start(self, request, next_url: str):
        if not simulators_allowed():
            raise refused()
        state = new_token()
        remember_pending(request, state, {"provider": NAME, "next_url": next_url})
        return HttpResponseRedirect(f"{reverse('eid:simulator')}?{urlencode({'state': state})}")

    def complete(self, request) -> EidIdentity:
        if not simulators_allowed():
            raise refused()
        if request.GET.get("error"):
            take_pending(request, request.GET.get("state"))
            raise EidError("Du avbröt inloggningen.", "cancelled")
        entry = take_pending(request, request.GET.get("state"))
        identity = entry.get("identity")
        code = request.GET.get("code") or ""
        if entry.get("provider") != NAME or identity is None or not code or code != entry.get("code"):
            raise EidError("Inloggningen kunde inte slutföras. Börja om inloggningen.", "state")
        return EidIdentity(
            personnummer=identity["personnummer"],
            given_name=identity["given_name"],
            family_name=identity["family_name"],
            provider=NAME,
            raw_claims={"simulated": True, **identity},
        )
