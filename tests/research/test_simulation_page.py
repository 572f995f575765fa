"""The what-if page for managers and the regional coordinator (/handlaggning/analys/simulering/)."""

from __future__ import annotations

import re

import pytest

from bistand.tenancy.roles import Role
from tests.calculations.factories import StoredCalculationFactory
from tests.factories import MunicipalityFactory, RegionFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

URL = "/handlaggning/analys/simulering/"
QUERY = {"month_from": "2025-03", "month_to": "2025-03", "riksnorm_change": "10", "settings": ""}


def _caseload(municipality, n, rent=5000):
    households = []
    for _ in range(n):
        household = household_with_members(municipality)
        StoredCalculationFactory(household=household, month="2025-03", rent=rent)
        households.append(household)
    return households


def test_a_manager_sees_the_change_for_the_own_municipality_as_figures_chart_and_table(client):
    region = RegionFactory()
    mine, other = MunicipalityFactory(region=region), MunicipalityFactory(region=region)
    households = _caseload(mine, 5)
    _caseload(other, 5)
    client.force_login(user_with_role(Role.MANAGER, mine))
    response = client.get(URL, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="cost-change">2\u00a0590\u00a0kr</dd>' in html  # 5 × 518 kr; the other municipality is left out
    assert "<svg" in html and 'aria-hidden="true"' in html
    assert "Ensamstående utan barn" in html
    # No person data on the page: names as words of its text (a generated name such as "Tran" may be part of
    # an SVG attribute like patternTransform), personnummer anywhere.
    text = re.sub(r"<[^>]+>", " ", html)
    for household in households:
        for member in household.members.select_related("person"):
            assert not re.search(rf"\b{re.escape(member.person.last_name)}\b", text)
            assert member.person.personnummer not in html


def test_the_regional_coordinator_sees_every_municipality_of_the_region_and_small_groups_are_hidden(client):
    region = RegionFactory()
    big, small = MunicipalityFactory(region=region, name="Storby"), MunicipalityFactory(region=region, name="Lillby")
    _caseload(big, 6)
    _caseload(small, 2)
    client.force_login(user_with_role(Role.REGIONAL_COORDINATOR, region=region))
    html = client.get(URL, QUERY).content.decode()
    assert '<dd id="cost-change">4\u00a0144\u00a0kr</dd>' in html  # 8 × 518 kr
    assert "Storby" in html
    lillby = html[html.index("Lillby"):]
    assert lillby.split("</tr>")[0].count("Färre än 5 hushåll") == 1


def test_the_csv_has_the_same_figures_and_hides_small_groups(client):
    m = MunicipalityFactory(name="Csvby")
    _caseload(m, 5)
    client.force_login(user_with_role(Role.MANAGER, m))
    response = client.get(URL + "csv/", QUERY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Totalt;Csvby;5;5;50900;53490;2590" in text
    assert "Hushåll som får mer;;5" in text


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.APPROVER, Role.RESEARCHER])
def test_other_roles_may_not_simulate(client, role):
    client.force_login(user_with_role(role))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "csv/", QUERY).status_code == 403


def test_bad_input_is_shown_in_swedish_at_the_field(client):
    m = MunicipalityFactory()
    client.force_login(user_with_role(Role.MANAGER, m))
    response = client.get(URL, {**QUERY, "month_to": "2025-13", "settings": "riksnorm.okand=5"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Skriv månaden som ÅÅÅÅ-MM" in html
    assert "riksnorm.okand: ingen sådan parameter" in html
    assert 'aria-invalid="true"' in html


def test_the_empty_page_shows_the_form_without_figures(client):
    m = MunicipalityFactory()
    client.force_login(user_with_role(Role.MANAGER, m))
    response = client.get(URL)
    assert response.status_code == 200
    assert "Räkna" in response.content.decode()
    assert "cost-change" not in response.content.decode()
