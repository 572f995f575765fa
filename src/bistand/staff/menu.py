"""The staff menu: what each role may use, and nothing else (issue 20: no link that ends in 403).

One list, :data:`ENTRIES`, says every page of the menu and the condition its view checks; the page
header (``base.html``) and the start page (``staff/home.html``) both show :func:`menu_for`. A page that
shows person-level data is offered only when the user's roles in the current municipality give person
data at all and the user has each permission its view demands (or when the user must still choose a
municipality: the page then asks for the choice instead of refusing). The test
``tests/staff/test_menu.py`` walks every link for every demo role and fails on a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from bistand.decisions.selectors import may_use_to_decide
from bistand.tenancy.current import for_request
from bistand.tenancy.selectors import has_staff_membership


@dataclass(frozen=True)
class Entry:
    label: str  # in the header
    description: str  # on the start page
    url_name: str
    permissions: tuple[str, ...] = ()
    person_data: bool = True  # the view is guarded by bistand.tenancy.decorators.person_data_view
    staff_membership: bool = False  # the view needs a staff role in some municipality (no person data)
    admin_site: bool = False  # the Django admin: users with is_staff
    condition: Callable | None = None  # a further check of the view, given the user (e.g. a delegation)


ENTRIES: tuple[Entry, ...] = (
    Entry("Ärenden", "Ärenden: sök och hitta alla ansökningar", "staff:case_list",
          ("applications.view_application",)),
    Entry("Inkorg", "Inkorg: ansökningar att handlägga", "staff:inbox",
          ("applications.view_application", "casework.view_referral")),
    Entry("Att besluta", "Att besluta: förslag till beslut som du har delegation att fatta", "staff:to_decide",
          ("decisions.view_decision",), condition=may_use_to_decide),
    Entry("Delegationsbeslut", "Delegationsbeslut att anmäla till nämnden", "staff:delegation_report",
          ("decisions.view_decision", "decisions.view_persondelegation")),
    Entry("Uppföljning", "Uppföljning: försörjningsstöd i kommunen", "staff:followup_dashboard",
          ("followup.view_personmonth",)),
    Entry("Statistik", "Statistik till Socialstyrelsen: månadens filer och kontroll", "staff:followup_statistics",
          ("followup.view_personmonth", "followup.add_statisticsexport")),
    Entry("Månadskörning", "Månadskörning: månadens läge och körningen", "staff:monthly_run",
          ("casework.view_monthlyrunjob",)),
    Entry("Översikt", "Översikt: det som ska göras", "staff:overview", ("plans.view_plan",)),
    Entry("Bedömningar", "Bedömningar att göra", "staff:assessment_due", ("assessment.view_occasion",)),
    Entry("Personer", "Personer", "staff:person_list", ("people.view_person",)),
    Entry("Hushåll", "Hushåll", "staff:household_list", ("people.view_household",)),
    Entry("Utbetalningar", "Utbetalningar att attestera", "staff:payment_list", ("payments.view_payment",)),
    Entry("Betalfiler", "Betalfiler till banken", "staff:payment_export_list", ("payments.view_paymentexport",)),
    Entry("Instrument", "Bedömningsinstrument", "staff:assessment_instruments", ("assessment.view_instrument",)),
    Entry("Åtkomstlogg", "Åtkomstlogg: vem har sett vad", "staff:access_log", ("audit.view_accesslog",)),
    Entry("Forskning", "Forskningsprojekt: godkännanden och exporter", "research:project_list",
          ("research.view_researchproject",), person_data=False),
    Entry("Prova beräkning", "Prova en beräkning av försörjningsstöd", "staff:calculation", person_data=False,
          staff_membership=True),
    Entry("Administration", "Administration: enheter, användare, roller och inställningar", "admin:index",
          person_data=False, admin_site=True),
)


@dataclass(frozen=True)
class Link:
    label: str
    description: str
    url: str


def _allowed(entry: Entry, user, state) -> bool:
    if entry.admin_site:
        return user.is_active and user.is_staff
    if entry.staff_membership and not has_staff_membership(user):
        return False
    if entry.person_data and not user.is_superuser and not (state.may_see_person_data or state.must_choose):
        return False
    if not all(user.has_perm(p) for p in entry.permissions):
        return False
    return entry.condition is None or state.must_choose or bool(entry.condition(user))


def menu_for(request) -> list[Link]:
    """The menu of the signed-in user (empty for anonymous users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    state = for_request(request)
    return [Link(e.label, e.description, reverse(e.url_name)) for e in ENTRIES if _allowed(e, user, state)]


def staff_menu(request) -> dict:
    """Context processor: ``staff_menu`` for the page header and the start page, worked out only when a
    template uses it (the e-service's pages do not), and then once per request."""
    cache: list = []

    def links() -> list[Link]:
        if not cache:
            cache.append(menu_for(request))
        return cache[0]

    return {"staff_menu": links}
