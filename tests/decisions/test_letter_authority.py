"""Each letter names the authority correctly (issue 17 §1): the committee that delegated the decisions, the
municipality as it spells its name, its postal address, telephone and e-mail, and the one appeal text.
A real PDF per demo municipality, read with pdftotext."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from bistand.audit.models import AuditEvent
from bistand.decisions import services
from bistand.decisions.letters import render_pdf
from bistand.demo.applications import ensure_delegation
from bistand.demo.loader import _ensure_organisation
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH, calculate, make_application
from tests.factories import PASSWORD, MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "bistand"

EXPECTED = {
    "0680": ("Socialnämnden", "Jönköpings kommun", "551 89 Jönköping", "036-10 50 00"),
    "0662": ("Socialnämnden", "Gislaveds kommun", "332 80 Gislaved", "0371-810 00"),
    "0684": ("Individ- och familjeomsorgsnämnden", "Sävsjö kommun", "576 80 Sävsjö", "0382-150 00"),
}


def pdftotext(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (Debian's poppler-utils) is needed: scripts/test installs it")
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def issued_letter(municipality) -> tuple:
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1984, 4, 4))
    caseworker = user_with_role(Role.CASEWORKER, municipality, first_name="Eva", last_name="Ek")
    application = make_application(household, MONTH, kind="new", costs={"rent": 4000})
    decision = services.issue_decision(application, calculate(application, register_facts=[]), caseworker)
    return decision, pdftotext(render_pdf(decision))


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_letter_of_each_demo_municipality_names_its_committee_name_address_and_contact(code):
    _, municipalities, _ = _ensure_organisation()
    municipality = municipalities[code]
    committee, name, postal, phone = EXPECTED[code]
    decision, text = issued_letter(municipality)

    assert f"{committee} {name}" in text  # the sender
    assert postal in text and f"Telefon: {phone}" in text and f"E-post: {municipality.email}" in text
    assert f"Skicka eller lämna brevet till {committee}, {name}" in text
    assert f"Överklagandet måste ha kommit in till {committee} inom tre veckor" in text
    assert f"– {name}, beslut {decision.pk}" in decision_title(decision)
    if committee != "Socialnämnden":
        assert "Socialnämnden" not in text and "socialnämnden" not in text
    assert "Sävsjös" not in text and "Gislavedss" not in text


def decision_title(decision) -> str:
    from bistand.decisions.letters import letter_title

    return letter_title(decision)


def test_the_name_in_letters_is_never_a_generated_genitive():
    municipality = MunicipalityFactory(code="0684", name="Sävsjö", official_name="")
    decision, text = issued_letter(municipality)
    assert "Sävsjös kommun" not in text and "Sävsjös" not in decision_title(decision)


def test_the_saevsjoe_demo_delegation_is_from_its_committee_and_the_automated_maker_says_so():
    _, municipalities, _ = _ensure_organisation()
    savsjo = municipalities["0684"]
    delegation = ensure_delegation(savsjo, dt.date(2026, 2, 1))
    assert delegation.committee_reference.startswith("Individ- och familjeomsorgsnämnden ")
    label = services.automated_decision_maker_label(delegation)
    assert "delegation från Individ- och familjeomsorgsnämnden" in label and "socialnämnd" not in label.lower()


def test_the_appeal_text_is_in_one_place():
    letter = (TEMPLATES / "decisions/templates/decisions/letter.html").read_text(encoding="utf-8")
    portal = (TEMPLATES / "portal/templates/portal/decision.html").read_text(encoding="utf-8")
    for template in (letter, portal):
        assert '{% include "decisions/_appeal.html"' in template
        assert "tre veckor" not in template and "förvaltningsrätten" not in template


def test_a_municipality_admin_keeps_the_letter_details_of_their_own_municipality_only(client):
    own = MunicipalityFactory(code="0684", name="Sävsjö")
    other = MunicipalityFactory(code="0680", name="Jönköping")
    admin_user = user_with_role(Role.ADMIN, own)
    client.login(username=admin_user.username, password=PASSWORD)

    assert client.get(f"/admin/tenancy/municipality/{other.pk}/change/").status_code in (302, 404)
    response = client.post(f"/admin/tenancy/municipality/{own.pk}/change/", {
        "official_name": "Sävsjö kommun", "committee_name": "Individ- och familjeomsorgsnämnden",
        "postal_address": "Individ- och familjeomsorgen\n576 80 Sävsjö", "phone": "0382-150 00",
        "email": "kommun@savsjo.se",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert own.official_name == "Sävsjö kommun" and own.committee_name == "Individ- och familjeomsorgsnämnden"
    assert own.name == "Sävsjö" and own.code == "0684"
    assert AuditEvent.objects.filter(object_id=str(own.pk), model__icontains="municipality").exists()
