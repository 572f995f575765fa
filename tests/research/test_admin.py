"""The research project register in the Django admin: registering a project makes its key; changing what it
covers withdraws the municipalities' approvals; the key is never on the page."""

from __future__ import annotations

import pytest

from bistand.research.models import ProjectKey, ResearchProject
from tests.factories import MunicipalityFactory, UserFactory
from tests.research.factories import make_project

pytestmark = pytest.mark.django_db

INLINE = "participations"


def _form(municipality, **fields):
    data = {"slug": "ny-studie", "title": "Ny studie", "researcher": "Anna Forskare, Lunds universitet",
            "ethics_authority": "Etikprövningsmyndigheten", "ethics_reference": "2026-01111-01",
            "ethics_valid_until": "2030-12-31", "variables": ["person_months", "exits"],
            "period_from": "2025-01-01", "period_to": "2025-12-01",
            f"{INLINE}-TOTAL_FORMS": "1", f"{INLINE}-INITIAL_FORMS": "0", f"{INLINE}-MIN_NUM_FORMS": "0",
            f"{INLINE}-MAX_NUM_FORMS": "1000", f"{INLINE}-0-municipality": str(municipality.pk),
            f"{INLINE}-0-secrecy_assessed_on": "2025-01-10", f"{INLINE}-0-secrecy_decided_by": "Socialnämnden § 3"}
    data.update(fields)
    return data


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_registering_a_project_in_the_admin_makes_its_key(admin_client):
    municipality = MunicipalityFactory()
    response = admin_client.post("/admin/research/researchproject/add/", _form(municipality))
    assert response.status_code == 302, response.content.decode()[:2000]
    project = ResearchProject.objects.get(slug="ny-studie")
    assert project.variables == ["person_months", "exits"]
    assert len(bytes(ProjectKey.objects.get(project=project).key)) == 32
    assert not project.participations.get().approved


def test_a_period_not_on_a_first_of_the_month_is_refused_naming_the_field(admin_client):
    response = admin_client.post("/admin/research/researchproject/add/",
                                 _form(MunicipalityFactory(), period_from="2025-01-15"))
    assert response.status_code == 200
    assert "Skriv den första dagen i månaden" in response.content.decode()
    assert not ResearchProject.objects.exists()


def test_changing_the_variables_in_the_admin_withdraws_the_approvals_and_the_key_is_never_shown(admin_client):
    municipality = MunicipalityFactory()
    project = make_project([municipality], slug="ny-studie")
    participation = project.participations.get()
    key = bytes(ProjectKey.objects.get(project=project).key)
    url = f"/admin/research/researchproject/{project.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert key.hex() not in page
    data = _form(municipality, **{f"{INLINE}-INITIAL_FORMS": "1", f"{INLINE}-0-id": str(participation.pk),
                                  f"{INLINE}-0-project": str(project.pk),
                                  "period_from": "2025-01-01", "period_to": "2026-12-01",
                                  "ethics_valid_until": project.ethics_valid_until.isoformat()})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not project.participations.get().approved
    assert bytes(ProjectKey.objects.get(project=project).key) == key
