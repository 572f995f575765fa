"""Logging in to the e-service: only through e-ID (the simulator in tests), never a password."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

from bistand.people import personnummer as pnr
from bistand.portal.session import SESSION_KEY
from tests.factories import MunicipalityFactory, PersonFactory
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db

NUMBER = pnr.test_number(dt.date(1985, 3, 12), 4).normalised


def test_the_simulator_login_signs_the_applicant_in(client):
    response = simulator_login(client, f"{NUMBER[:8]}-{NUMBER[8:]}", given_name="Sara", family_name="Sökande")
    assert response.status_code == 302 and response["Location"] == "/e-tjanst/mitt-arende/"
    assert client.session[SESSION_KEY]["personnummer"] == NUMBER
    page = client.get("/e-tjanst/mitt-arende/")
    assert page.status_code == 200
    assert "Inloggad: Sara Sökande" in page.content.decode()


def test_the_name_comes_from_the_register_when_none_is_typed(client):
    PersonFactory(personnummer=NUMBER, birth_date=dt.date(1985, 3, 12), first_name="Karin", last_name="Känd")
    simulator_login(client, NUMBER)
    assert client.session[SESSION_KEY]["given_name"] == "Karin"


def test_the_simulator_page_says_it_is_a_simulator(client):
    start = client.get("/e-tjanst/logga-in/")
    page = client.get(start["Location"]).content.decode()
    assert "<h1>Simulerad e-legitimation – endast för test</h1>" in page
    assert "<title>Simulerad e-legitimation – endast för test" in page


def test_the_simulator_refuses_numbers_outside_the_test_series(client):
    start = client.get("/e-tjanst/logga-in/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    real_looking = pnr.Personnummer(dt.date(1985, 3, 12), 123).normalised
    response = client.post("/e-legitimation/simulator/", {"state": state, "personnummer": real_looking})
    assert response.status_code == 400
    assert "bara emot testpersonnummer" in response.content.decode()
    bad = client.post("/e-legitimation/simulator/", {"state": state, "personnummer": "19850312-9999"})
    assert "Kontrollsiffran" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()
    assert SESSION_KEY not in client.session


def test_a_simulator_post_without_a_login_in_progress_does_nothing(client):
    response = client.post("/e-legitimation/simulator/", {"personnummer": NUMBER})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_a_login_answer_can_be_used_only_once(client):
    simulator_login(client, NUMBER)
    client.post("/e-tjanst/logga-ut/")
    start = client.get("/e-tjanst/logga-in/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    back = client.post("/e-legitimation/simulator/", {"state": state, "personnummer": NUMBER})["Location"]
    assert client.get(back).status_code == 302
    client.post("/e-tjanst/logga-ut/")
    replay = client.get(back)
    assert replay.status_code == 400
    assert SESSION_KEY not in client.session


def test_cancelling_in_the_simulator_logs_nobody_in(client):
    start = client.get("/e-tjanst/logga-in/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    back = client.post("/e-legitimation/simulator/", {"state": state, "cancel": "1"})["Location"]
    response = client.get(back)
    assert response.status_code == 400
    assert "avbröt" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_simulator_is_refused_in_production_settings(client, settings):
    settings.BISTAND_ALLOW_SIMULATORS = False
    response = client.get("/e-tjanst/logga-in/")
    assert response.status_code == 503
    assert "simulerade e-legitimationen är avstängd" in response.content.decode()
    assert client.get("/e-legitimation/simulator/?state=x").status_code == 404
    from bistand.common import plugins as registry

    assert registry.check_config("eid")[0][2].startswith("Simulerad e-legitimation")


def test_pages_of_the_e_service_need_a_login(client):
    for path in ("/e-tjanst/mitt-arende/", "/e-tjanst/ansok/", "/e-tjanst/ansokan/1/", "/e-tjanst/ansokan/1/granska/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/e-tjanst/logga-in/?next=")


def test_after_login_the_applicant_comes_back_to_the_page_asked_for(client):
    response = simulator_login(client, NUMBER, next_path="/e-tjanst/ansok/")
    assert response["Location"] == "/e-tjanst/ansok/"
    evil = simulator_login(client, NUMBER, next_path="https://evil.example/")
    assert evil["Location"] == "/e-tjanst/mitt-arende/"


def test_logout_ends_the_applicant_session(client):
    simulator_login(client, NUMBER)
    client.post("/e-tjanst/logga-ut/")
    assert client.get("/e-tjanst/mitt-arende/").status_code == 302


def test_the_staff_login_of_another_user_is_kept_apart(client):
    """A staff member logged in with Django's login is not an applicant in the e-service."""
    from tests.factories import user_with_role

    client.force_login(user_with_role(municipality=MunicipalityFactory()))
    assert client.get("/e-tjanst/mitt-arende/").status_code == 302


def test_event_polling_stops_when_the_login_has_ended(client):
    assert client.get("/e-tjanst/mitt-arende/handelser/").status_code == 286
    simulator_login(client, NUMBER)
    assert client.get("/e-tjanst/mitt-arende/handelser/").status_code == 200


def test_the_simulator_offers_demo_applicants_only_when_the_demo_data_is_loaded(client):
    from bistand.demo.models import DemoDataset
    from tests.factories import household_with_members

    household = household_with_members(MunicipalityFactory(code="0680", name="Jönköping"))
    person = household.members.get().person
    start = client.get("/e-tjanst/logga-in/")
    assert person.last_name not in client.get(start["Location"]).content.decode()
    DemoDataset.objects.create(seed=1, households_per_municipality=1, months=1, last_month=dt.date(2026, 3, 1))
    page = client.get(start["Location"]).content.decode()
    assert f"{person.first_name} {person.last_name}, {person.personnummer[:8]}-{person.personnummer[8:]} (Jönköping)" in page
