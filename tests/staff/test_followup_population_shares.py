"""The manager's dashboard shows Kolada's population-based shares (issue 19 §2: share of the population with
assistance, adults with long-term assistance as a share of the population 18+, young adults 18–24 as a share
of their age group) from imported population figures, and says what is missing instead of guessing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bistand.followup.population import import_population
from bistand.tenancy.models import Municipality
from bistand.tenancy.roles import Role
from tests.factories import user_with_role
from tests.followup.test_indicators import EXPECTED_A, region  # noqa: F401 (fixture)

POPULATION = ("municipality,year,sex,age_group,population\n" + "".join(
    f"0680,2025,{sex},{group},{n}\n" for sex in ("women", "men")
    for group, n in (("0-17", 15000), ("18-24", 7000), ("25-64", 36000), ("65+", 14000)))).encode()


@pytest.fixture
def manager(region):
    return user_with_role(Role.MANAGER, Municipality.objects.get(code="0680"))


def _page(client, **params):
    response = client.get("/handlaggning/uppfoljning/", {"year": 2025, **params})
    assert response.status_code == 200
    return response, response.content.decode()


def test_without_population_figures_the_dashboard_says_the_shares_are_missing(client, manager):
    client.force_login(manager)
    response, page = _page(client)
    assert "Andel av befolkningen" in page
    assert "Befolkningsuppgifter saknas för 2025 (Jönköping)" in page
    assert all(share.value is None for share in response.context["shares"].values())


def test_with_population_figures_the_dashboard_shows_kolada_s_shares_in_per_cent(client, manager):
    import_population(POPULATION)
    client.force_login(manager)
    response, page = _page(client)
    shares = response.context["shares"]
    expected = (Decimal(EXPECTED_A["recipients"]) * 100 / 144000).quantize(Decimal("0.01"))
    assert shares["recipients_share"].value == expected
    assert shares["long_term_adults_share"].denominator == 114000
    assert f"{expected:.2f}".replace(".", ",") + " %" in page
    assert "Befolkningsuppgifter saknas" not in page


def test_with_a_filter_the_population_shares_are_not_shown_as_if_for_everyone(client, manager):
    import_population(POPULATION)
    client.force_login(manager)
    response, page = _page(client, sex="women")
    assert response.context["shares"] is None
    assert "Andelarna av befolkningen visas bara utan urval" in page
