"""Every e-service page an applicant (and a co-applicant) meets in a month, proofread by
:func:`tests.proofread.problems`: no "?.", no "Fråga?: Fel", "1 bilaga" not "1 bilagor", names not ids,
"du" not "klienten", "(frivilligt)" only where a field is."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bistand.applications.models import Application
from tests.factories import MunicipalityFactory
from tests.plans.factories import shared_plan
from tests.portal.test_application_pages import (
    CHILD,
    PARTNER,
    PDF,
    STEP_DATA,
    fill_all_steps,
    signed_in,
    start,
    step_url,
)
from tests.proofread import problems

pytestmark = pytest.mark.django_db


def proofread(client, url: str, pages: dict[str, list[str]]) -> str:
    response = client.get(url, follow=True)
    assert response.status_code in (200, 404), (url, response.status_code)
    html = response.content.decode()
    pages[url] = problems(html)
    return html


def test_every_page_of_a_first_application_reads_as_proofread_swedish(client):
    municipality = MunicipalityFactory(name="Testby")
    pages: dict[str, list[str]] = {}
    proofread(client, "/e-tjanst/", pages)
    signed_in(client, given_name="Sara", family_name="Sökande")
    proofread(client, "/e-tjanst/mitt-arende/", pages)
    proofread(client, "/e-tjanst/ansok/", pages)
    application = start(client, municipality)
    base = f"/e-tjanst/ansokan/{application.pk}/"
    proofread(client, base, pages)
    for section in STEP_DATA:
        proofread(client, step_url(application, section), pages)
    fill_all_steps(client, application, {"members": {
        "has_partner": "yes", "partner_personnummer": f"{PARTNER[:8]}-{PARTNER[8:]}", "partner_first_name": "Pia",
        "partner_last_name": "Partner", "children-TOTAL_FORMS": "1", "children-0-first_name": "Bo",
        "children-0-personnummer": CHILD}})
    client.post(f"{base}bilagor/", {"kind": "rent", "file": SimpleUploadedFile("hyra.pdf", PDF, content_type="application/pdf")})
    proofread(client, f"{base}bilagor/", pages)
    proofread(client, base, pages)
    proofread(client, f"{base}granska/", pages)
    proofread(client, f"{base}aterkalla/", pages)
    # A wrong answer: the page with its error messages.
    response = client.post(step_url(application, "costs"), {"cost_rent": "sex tusen"})
    pages["costs with an error"] = problems(response.content.decode())
    response = client.post(step_url(application, "housing"), {"rooms": "två"})
    pages["housing with errors"] = problems(response.content.decode())
    assert "Hur bor du? " in response.content.decode()
    key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(f"{base}granska/", {"submission_key": key})
    proofread(client, base, pages)
    proofread(client, "/e-tjanst/mitt-arende/", pages)
    proofread(client, "/e-tjanst/finns-inte/", pages)
    client.post("/e-tjanst/logga-ut/")

    signed_in(client, PARTNER, given_name="Pia", family_name="Partner")
    proofread(client, "/e-tjanst/mitt-arende/", pages)
    proofread(client, f"{base}bekrafta/", pages)
    client.post(f"{base}bekrafta/", {"action": "confirm"})
    receipt = proofread(client, base, pages)
    assert 'id="receipt"' in receipt
    assert {url: found for url, found in pages.items() if found} == {}


def test_the_applicants_own_plan_speaks_to_them(client):
    from tests.plans.factories import adult_in

    person = adult_in(first_name="Sara")
    plan = shared_plan(person)
    signed_in(client, person.personnummer)
    pages: dict[str, list[str]] = {}
    proofread(client, "/e-tjanst/planering/", pages)
    html = proofread(client, f"/e-tjanst/planering/{plan.pk}/", pages)
    assert re.search(r"\bDu\b|\bdu\b", html)
    assert {url: found for url, found in pages.items() if found} == {}
