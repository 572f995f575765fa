"""Stored XSS: names and texts that contain markup are escaped in every htmx fragment, staff and portal.

Every fragment that htmx swaps into a page is fetched here with a colleague, a person, a note or a
typed name that contains markup; the raw markup must never come back, its escaped form must."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bistand.applications.models import Application
from bistand.applications.services import request_completion
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, make_application
from tests.factories import MunicipalityFactory, UnitFactory, household_with_members, user_with_role
from tests.portal.helpers import simulator_login
from tests.staff.test_calculation_page import URL as CALCULATION_URL
from tests.staff.test_calculation_page import form_data

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
MARKUP = (SCRIPT, IMG)


def assert_escaped(html: str, *texts: str) -> None:
    for text in texts:
        assert text not in html, f"raw markup {text!r} in the fragment"
    assert "<script>alert" not in html and "<img src=x" not in html
    assert any(escape(text) in html for text in texts), "the escaped text is not shown at all"


@pytest.fixture
def unit_world(settings):
    settings.BISTAND_ATTACHMENT_DIR = "/tmp/bistand-test-attachments"
    municipality = MunicipalityFactory()
    unit = UnitFactory(municipality=municipality)
    worker = user_with_role(Role.CASEWORKER, municipality, unit=unit, first_name="Wilma", last_name="Handläggare")
    colleague = user_with_role(Role.CASEWORKER, municipality, unit=unit, first_name=SCRIPT, last_name=IMG)

    def application(kind, **fields):
        household = household_with_members(municipality, first_name=SCRIPT, last_name=IMG)
        made = make_application(household, MONTH, kind=kind, **fields)
        Application.objects.filter(pk=made.pk).update(unit=unit)
        made.refresh_from_db()
        return made

    return municipality, worker, colleague, application


def test_the_inbox_row_after_assigning_escapes_the_colleagues_and_the_applicants_names(client, unit_world):
    _, worker, colleague, application = unit_world
    made = application("new")
    client.force_login(worker)
    response = client.post(reverse("staff:case_assign", args=[made.pk]), {"assigned_to": colleague.pk},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert_escaped(response.content.decode(), SCRIPT, IMG)


def test_the_status_row_of_an_application_that_left_the_inbox_escapes_the_colleagues_name(client, unit_world):
    municipality, _, colleague, application = unit_world
    made = application("new")
    # A case worker of another unit assigns it to the unit's colleague: it is not in the assigner's inbox.
    client.force_login(user_with_role(Role.CASEWORKER, municipality, unit=UnitFactory(municipality=municipality)))
    response = client.post(reverse("staff:case_assign", args=[made.pk]), {"assigned_to": colleague.pk},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"' in html
    assert_escaped(html, SCRIPT, IMG)


def test_the_notes_fragment_escapes_the_authors_name_and_the_note(client, unit_world):
    _, _, colleague, application = unit_world
    made = application("new")
    client.force_login(colleague)
    response = client.post(reverse("staff:case_note", args=[made.pk]), {"text": f"Anteckning {IMG}"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert_escaped(response.content.decode(), SCRIPT, IMG)


def test_the_calculation_fragment_escapes_what_was_typed(client, unit_world):
    _, worker, _, _ = unit_world
    client.force_login(worker)
    data = form_data(incomes=({"type": "wage", "member": IMG, "amount": SCRIPT},))
    data["action"] = "add-incomes"
    response = client.post(CALCULATION_URL, data, HTTP_HX_REQUEST="true")
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<html" not in html
    assert_escaped(html, SCRIPT, IMG)


def _start(client, municipality) -> Application:
    month = timezone.localdate().strftime("%Y-%m")
    response = client.post("/e-tjanst/ansok/", {"municipality": municipality.pk, "month": month})
    assert response.status_code == 302
    return Application.objects.get(pk=int(re.search(r"/ansokan/(\d+)/", response["Location"]).group(1)))


def test_the_portal_step_fragment_escapes_typed_names(client):
    from tests.portal.test_application_pages import APPLICANT, STEP_DATA

    municipality = MunicipalityFactory()
    simulator_login(client, APPLICANT, given_name="Sara", family_name="Sökande")
    application = _start(client, municipality)
    response = client.post(f"/e-tjanst/ansokan/{application.pk}/steg/members/", {
        **STEP_DATA["members"], "has_partner": "yes", "partner_first_name": SCRIPT, "partner_last_name": IMG,
        "action": "add-children",
    }, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="step-form"' in html
    assert_escaped(html, SCRIPT, IMG)


def test_the_portal_events_fragment_escapes_a_case_workers_text(client, unit_world):
    from tests.portal.test_application_pages import APPLICANT

    municipality, worker, _, _ = unit_world
    simulator_login(client, APPLICANT, given_name="Sara", family_name="Sökande")
    applicant = _start(client, municipality).applicant
    household = household_with_members(municipality)
    made = make_application(household, MONTH, kind="new")
    Application.objects.filter(pk=made.pk).update(applicant=applicant)
    made.refresh_from_db()
    request_completion(made, actor=worker, text=f"Skicka hyresavin {SCRIPT} {IMG}",
                       due_date=timezone.localdate() + dt.timedelta(days=7))
    response = client.get(reverse("portal:events"))
    assert response.status_code == 200
    assert_escaped(response.content.decode(), SCRIPT, IMG)


SOURCE = __import__("pathlib").Path(__file__).resolve().parents[2] / "src" / "bistand"
UNSAFE_PYTHON = re.compile(r"\bmark_safe\b|\bSafeString\b|\bSafeText\b|HttpResponse\(\s*f?[\"']\s*<|f[\"']<[a-zA-Z]")
UNSAFE_TEMPLATE = re.compile(r"\|\s*safe\b|\{%\s*autoescape\s+off|\|\s*safeseq\b")


def test_no_html_is_built_outside_templates_and_format_html():
    found = [f"{path.relative_to(SOURCE)}:{n}" for path in SOURCE.rglob("*.py") if "migrations" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if UNSAFE_PYTHON.search(line)]
    assert found == []


def test_no_template_switches_escaping_off():
    found = [f"{path.relative_to(SOURCE)}:{n}" for path in SOURCE.rglob("*.html")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if UNSAFE_TEMPLATE.search(line)]
    assert found == []
