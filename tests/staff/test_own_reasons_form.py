"""The decision form on the case page: the calculation's text for a refused or reduced line is shown as a
read-only suggestion ("Förslag"); the reason field starts empty, and submitting without a reason of the
case worker's own — or with the suggestion typed back unchanged — is refused with an error on that field."""

from __future__ import annotations

import pytest

from bistand.decisions.models import Decision
from bistand.tenancy.models import Municipality
from tests.decisions.factories import rent_grace_over
from tests.staff.test_case_page import first_application, prepare, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_simulator(settings, tmp_path):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path)


def _rent_case(client, settings):
    jonkoping = Municipality.objects.create(code="0680", name="Jönköping")
    application, worker = first_application(settings, jonkoping, costs={"rent": 7000, "household_electricity": 300})
    rent_grace_over(application.household)  # the rådrum ended last month: only the ceiling counts (delavslag)
    client.force_login(worker)
    prepare(client, application)
    return application


def test_the_reason_field_starts_empty_and_the_suggestion_is_shown_beside_it(client, settings):
    application = _rent_case(client, settings)
    page = client.get(url("case_detail", application.pk))
    field = page.context["decision_form"]["reason_rent"]
    assert not field.value()
    assert "Förslag från beräkningen" in page.content.decode()


@pytest.mark.parametrize("typed", ["", "suggestion"])
def test_submitting_the_generated_text_as_the_reason_is_refused_naming_the_field(client, settings, typed):
    application = _rent_case(client, settings)
    page = client.get(url("case_detail", application.pk))
    rent = next(line for line in page.context["proposal"].lines if line.item == "rent")
    reason = rent.suggestion if typed == "suggestion" else ""
    assert "tak" in (rent.suggestion + rent.reason)
    response = client.post(url("case_decide", application.pk), {"action": "issue", "reason_rent": reason})
    assert response.status_code == 400
    assert not Decision.objects.filter(application=application).exists()
    form = response.context["decision_form"]
    assert "reason_rent" in form.errors
    assert "eget skäl" in form.errors["reason_rent"][0]
