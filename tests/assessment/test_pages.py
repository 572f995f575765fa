"""Staff and e-service pages for assessment."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from bistand.assessment import services
from bistand.assessment.models import DomainRating, Instrument, Rater, ScreeningFlag
from bistand.audit.models import AccessLog
from bistand.tenancy.roles import Role
from tests.assessment.factories import licensed_package, make_occasion
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory(name="Hemby")


@pytest.fixture
def worker(municipality):
    return user_with_role(Role.CASEWORKER, municipality)


@pytest.fixture
def occasion(municipality, worker):
    return make_occasion(municipality, worker=worker, scheduled_for=dt.date.today())


def test_client_rates_one_domain_per_screen_and_can_skip_or_decline(client, occasion):
    simulator_login(client, occasion.person.personnummer)
    listing = client.get("/e-tjanst/skattning/")
    assert f"/e-tjanst/skattning/{occasion.pk}/steg/1/" in listing.content.decode()
    page = client.get(f"/e-tjanst/skattning/{occasion.pk}/steg/1/")
    html = page.content.decode()
    assert "Fråga 1 av 13" in html and "Vill inte svara" in html and "Jag har inte pengar till mat" in html
    assert "Våld" not in html  # screening flags are never shown to the client
    assert client.post(f"/e-tjanst/skattning/{occasion.pk}/steg/1/", {"answer": "2"})["Location"].endswith("/steg/2/")
    assert client.post(f"/e-tjanst/skattning/{occasion.pk}/steg/2/", {"action": "skip"})["Location"].endswith("/steg/3/")
    client.post(f"/e-tjanst/skattning/{occasion.pk}/steg/3/", {"answer": "declined"})
    missing = client.post(f"/e-tjanst/skattning/{occasion.pk}/steg/4/", {"answer": ""})
    assert missing.status_code == 400 and "Välj ett svar" in missing.content.decode()
    last = client.post(f"/e-tjanst/skattning/{occasion.pk}/steg/13/", {"answer": "5"})
    assert last["Location"].endswith("/skicka/")
    assert client.post(f"/e-tjanst/skattning/{occasion.pk}/skicka/")["Location"].endswith("/klar/")
    kept = {(r.domain, r.status, r.level) for r in DomainRating.objects.filter(occasion=occasion, rater=Rater.CLIENT)}
    assert kept == {("D1", "rated", 2), ("D3", "declined", None), ("D13", "rated", 5)}
    occasion.refresh_from_db()
    assert occasion.client_submitted_at is not None
    # after sending, the steps lead to the receipt and nothing can change
    assert client.get(f"/e-tjanst/skattning/{occasion.pk}/steg/1/")["Location"].endswith("/klar/")


def test_client_cannot_open_someone_elses_occasion(client, occasion, municipality):
    other = PersonFactory(municipality=municipality)
    simulator_login(client, other.personnummer)
    assert client.get(f"/e-tjanst/skattning/{occasion.pk}/steg/1/").status_code == 404
    assert client.post(f"/e-tjanst/skattning/{occasion.pk}/steg/1/", {"answer": "1"}).status_code == 404
    assert not DomainRating.objects.exists()


def test_worker_sees_both_ratings_side_by_side_with_the_gap(client, worker, occasion):
    services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D1", status="rated", level=4)
    client.force_login(worker)
    response = client.post(f"/handlaggning/bedomning/{occasion.pk}/bedom/", {"domain_D1": "2", "domain_D2": "not_relevant"})
    assert response.status_code == 302
    page = client.get(f"/handlaggning/bedomning/{occasion.pk}/")
    html = page.content.decode()
    assert "4 – Egen kapacitet" in html and "2 – Sårbar" in html and "Prata om det (2 steg)" in html
    assert DomainRating.objects.get(occasion=occasion, rater=Rater.CLIENT, domain="D1").level == 4
    assert AccessLog.objects.filter(person=occasion.person, target="staff:assessment_occasion").exists()


def test_setting_a_flag_shows_the_routine_to_the_worker(client, worker, occasion):
    client.force_login(worker)
    response = client.post(f"/handlaggning/bedomning/{occasion.pk}/flagga/", {"flag": "F1"}, follow=True)
    html = response.content.decode()
    assert "Rutin att följa" in html and "skyddsbedömning" in html
    assert ScreeningFlag.objects.get(occasion=occasion).kind == "violence"


def test_mi_form_saves_rulers_and_change_talk(client, worker, occasion):
    client.force_login(worker)
    client.post(f"/handlaggning/bedomning/{occasion.pk}/samtal/", {
        "processes": ["engage", "focus"], "talk_desire": "2", "talk_sustain": "1", "summary": "Vill börja sfi.",
        "importance_D5": "9", "confidence_D5": "4"})
    assert occasion.rulers.get(domain="D5").confidence == 4
    assert occasion.mi_note.change_talk == {"desire": 2, "sustain": 1}
    bad = client.post(f"/handlaggning/bedomning/{occasion.pk}/samtal/", {"importance_D5": "12"}, follow=True)
    assert "från 0 till 10" in bad.content.decode()


def test_person_page_plans_an_occasion_and_shows_history_with_a_table(client, worker, occasion):
    services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D6", status="rated", level=2)
    client.force_login(worker)
    page = client.get(f"/handlaggning/personer/{occasion.person.pk}/bedomning/")
    html = page.content.decode()
    assert "<svg" in html and 'aria-hidden="true"' in html and "Boende: nivå 1–5 per tillfälle" in html
    response = client.post(f"/handlaggning/personer/{occasion.person.pk}/bedomning/",
                           {"kind": "follow_up", "scheduled_for": "2027-02-01"})
    assert response.status_code == 302
    assert occasion.person.assessment_occasions.count() == 2


def test_due_page_lists_overdue_occasions(client, worker, municipality):
    make_occasion(municipality, scheduled_for=dt.date.today() - dt.timedelta(days=3))
    client.force_login(worker)
    html = client.get("/handlaggning/bedomning/").content.decode()
    assert "Försenad" in html


def test_admin_loads_a_licensed_package_for_the_own_municipality_only(client, municipality):
    admin = user_with_role(Role.ADMIN, municipality)
    client.force_login(admin)
    upload = SimpleUploadedFile("paket.yaml", yaml.safe_dump(licensed_package(), allow_unicode=True).encode())
    response = client.post("/handlaggning/bedomning/instrument/", {"package": upload}, follow=True)
    assert "Det syns bara i Hemby" in response.content.decode()
    assert Instrument.objects.get(key="se.example.licensed").municipality == municipality
    other = user_with_role(Role.ADMIN, MunicipalityFactory())
    client.force_login(other)
    assert "Licensierat testinstrument" not in client.get("/handlaggning/bedomning/instrument/").content.decode()


def test_caseworker_cannot_load_packages(client, worker):
    client.force_login(worker)
    upload = SimpleUploadedFile("paket.yaml", yaml.safe_dump(licensed_package(), allow_unicode=True).encode())
    assert client.post("/handlaggning/bedomning/instrument/", {"package": upload}).status_code == 403


def test_admin_sets_the_municipalitys_schedule_and_routine(client, municipality, occasion, worker):
    admin = user_with_role(Role.ADMIN, municipality)
    client.force_login(admin)
    assert "28 dagar" in client.get("/handlaggning/bedomning/installningar/").content.decode()
    bad = client.post("/handlaggning/bedomning/installningar/", {"follow_up_every_days": "2"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()
    response = client.post("/handlaggning/bedomning/installningar/", {
        "first_assessment_within_days": "21", "follow_up_every_days": "60", "routine_violence": "Ring Kvinnofridsteamet."})
    assert response.status_code == 302
    settings_row = municipality.assessment_settings
    assert (settings_row.first_assessment_within_days, settings_row.follow_up_every_days) == (21, 60)
    flag = services.raise_flag(user=worker, occasion=occasion, flag="F1")
    assert flag.routine == "Ring Kvinnofridsteamet."
    client.force_login(worker)
    assert client.get("/handlaggning/bedomning/installningar/").status_code == 403
