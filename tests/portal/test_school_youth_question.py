"""The e-service asks, for a child aged 18–20, whether the child goes to upper-secondary school (issue 17
§2): the answer is required at that age, stored on the application (true / false) and shown on the review."""

from __future__ import annotations

import datetime as dt

import pytest

from bistand.applications.models import Application
from bistand.people import personnummer as pnr
from tests.factories import MunicipalityFactory
from tests.portal.test_application_pages import STEP_DATA, signed_in, start, step_url

pytestmark = pytest.mark.django_db

YOUTH = pnr.test_number(dt.date(2006, 6, 1), 4).normalised  # 20 years old in December 2026
CHILD = pnr.test_number(dt.date(2016, 1, 20), 7).normalised


def members(number: str, answer: str) -> dict:
    return {**STEP_DATA["members"], "children-TOTAL_FORMS": "1", "children-0-first_name": "Elias",
            "children-0-personnummer": number, "children-0-in_upper_secondary_school": answer}


def test_a_child_of_18_or_more_must_have_an_answer_about_school(client):
    signed_in(client)
    application = start(client, MunicipalityFactory())
    response = client.post(step_url(application, "members"), members(YOUTH, ""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Svara om barnet går i gymnasieskolan" in page


@pytest.mark.parametrize(("answer", "stored", "shown"), [("yes", True, "går i gymnasieskolan"),
                                                          ("no", False, "går inte i gymnasieskolan")])
def test_the_answer_is_stored_on_the_application_and_shown_on_the_review(client, answer, stored, shown):
    signed_in(client)
    application = start(client, MunicipalityFactory())
    response = client.post(step_url(application, "members"), members(YOUTH, answer))
    assert response.status_code == 302, response.content.decode()[:2000]
    child = Application.objects.get(pk=application.pk).declaration["members"]["children"][0]
    assert child["in_upper_secondary_school"] is stored
    page = client.get(step_url(application, "members")).content.decode()
    assert f'value="{answer}" selected' in page
    review = client.get(f"/e-tjanst/ansokan/{application.pk}/granska/").content.decode()
    assert shown in review


def test_a_younger_child_needs_no_answer(client):
    signed_in(client)
    application = start(client, MunicipalityFactory())
    assert client.post(step_url(application, "members"), members(CHILD, "")).status_code == 302
    child = Application.objects.get(pk=application.pk).declaration["members"]["children"][0]
    assert child["in_upper_secondary_school"] is None
