"""Navigation by role (issue 20): the menu shows each role only what it may use. For every demo role the
test follows every link of the page header and the start page and fails on a 403; the administrator gets
the admin pages; the manager the monthly run."""

from __future__ import annotations

import re

import pytest

from bistand.demo.generator import MUNICIPAL_USERS, REGION_USERS
from bistand.tenancy.models import Membership
from bistand.tenancy.roles import Role
from bistand.tenancy.services import add_membership
from tests.factories import MunicipalityFactory, RegionFactory, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db

DEMO_ROLES = sorted({role for role, _ in MUNICIPAL_USERS} | {role for role, _ in REGION_USERS})
NAV = re.compile(r'<nav aria-label="Huvudmeny">(.*?)</nav>', re.S)
MAIN = re.compile(r'<main[^>]*>(.*?)</main>', re.S)
HREF = re.compile(r'href="(/[^"#?]*)"')


def demo_like_user(role: str):
    """A user as the demo makes them: municipal roles in one unit of one municipality (the administrator
    for the whole municipality), the regional coordinator in the region, the researcher in every
    municipality of the region."""
    region = RegionFactory()
    first = MunicipalityFactory(region=region)
    second = MunicipalityFactory(region=region)
    if role == Role.REGIONAL_COORDINATOR:
        return user_with_role(role, region=region)
    if role == Role.RESEARCHER:
        user = user_with_role(role, first)
        add_membership(actor=None, user=user, role=role, municipality=second)
        return user
    unit = None if role == Role.ADMIN else UnitFactory(municipality=first)
    return user_with_role(role, first, unit=unit)


def menu_links(html: str) -> set[str]:
    nav = NAV.search(html)
    main = MAIN.search(html)
    return set(HREF.findall(nav.group(1) if nav else "")) | set(HREF.findall(main.group(1) if main else ""))


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_no_menu_link_of_any_demo_role_answers_403(client, role):
    user = demo_like_user(role)
    client.force_login(user)
    start = client.get("/handlaggning/?meny=1")
    assert start.status_code == 200
    links = menu_links(start.content.decode())
    assert "/handlaggning/" in links
    refused = {}
    for link in sorted(links):
        response = client.get(link)
        if response.status_code == 403:
            refused[link] = response.status_code
        assert response.status_code in (200, 302), (link, response.status_code)
    assert refused == {}, f"{role}: {refused}"


def test_the_administrator_gets_the_admin_pages_and_no_person_pages(client):
    client.force_login(demo_like_user(Role.ADMIN))
    links = menu_links(client.get("/handlaggning/?meny=1").content.decode())
    assert "/admin/" in links
    assert client.get("/admin/").status_code == 200
    assert "/handlaggning/personer/" not in links and "/handlaggning/arenden/" not in links


def test_the_case_worker_gets_cases_inbox_and_people_but_not_the_access_log(client):
    client.force_login(demo_like_user(Role.CASEWORKER))
    links = menu_links(client.get("/handlaggning/?meny=1").content.decode())
    assert {"/handlaggning/arenden/", "/handlaggning/inkorg/", "/handlaggning/personer/",
            "/handlaggning/manadskorning/"} <= links
    assert "/handlaggning/atkomstlogg/" not in links and "/admin/" not in links


def test_the_manager_gets_the_monthly_run_and_the_access_log(client):
    client.force_login(demo_like_user(Role.MANAGER))
    links = menu_links(client.get("/handlaggning/?meny=1").content.decode())
    assert {"/handlaggning/manadskorning/", "/handlaggning/atkomstlogg/", "/handlaggning/arenden/"} <= links


def test_the_regional_coordinator_gets_no_person_pages(client):
    client.force_login(demo_like_user(Role.REGIONAL_COORDINATOR))
    links = menu_links(client.get("/handlaggning/?meny=1").content.decode())
    assert not any(link.startswith(("/handlaggning/personer", "/handlaggning/hushall", "/handlaggning/arenden"))
                   for link in links)
    assert Membership.objects.count() == 1


def test_the_manager_reaches_the_statistics_files_from_the_menu_and_the_case_worker_does_not(client):
    client.force_login(demo_like_user(Role.MANAGER))
    assert "/handlaggning/uppfoljning/statistik/" in menu_links(client.get("/handlaggning/?meny=1").content.decode())
    client.force_login(demo_like_user(Role.CASEWORKER))
    assert "/handlaggning/uppfoljning/statistik/" not in menu_links(client.get("/handlaggning/?meny=1").content.decode())
