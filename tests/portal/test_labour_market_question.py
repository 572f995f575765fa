"""The e-service asks each adult whether they are registered with Arbetsförmedlingen as a job seeker, or
else which reason they have not to be (12 kap. 3 § SoL, issue 17 §2): the answer is required, a reason is
required when not registered, "Annat skäl" requires a short text; the answer is stored per adult on the
application and shown on the review page."""

from __future__ import annotations

import pytest

from bistand.applications.models import Application
from tests.factories import MunicipalityFactory
from tests.portal.test_application_pages import PARTNER, STEP_DATA, signed_in, start, step_url

pytestmark = pytest.mark.django_db


def post_members(client, application, **answers):
    data = {**STEP_DATA["members"], "applicant_af_registered": "", "partner_af_registered": "", **answers}
    return client.post(step_url(application, "members"), data)


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({}, "applicant_af_registered", "Svara om du är inskriven på Arbetsförmedlingen."),
    ({"applicant_af_registered": "no"}, "applicant_af_reason", "Välj ett skäl, eller välj att inget av skälen stämmer."),
    ({"applicant_af_registered": "no", "applicant_af_reason": "other"}, "applicant_af_reason_text",
     "Beskriv skälet kort när du har valt Annat skäl."),
    ({"applicant_af_registered": "yes", "has_partner": "yes", "partner_personnummer": PARTNER,
      "partner_first_name": "Pia", "partner_last_name": "Partner"}, "partner_af_registered",
     "Svara om din make, maka eller sambo är inskriven på Arbetsförmedlingen."),
])
def test_the_answer_is_required_and_the_error_names_the_field(client, answers, field, message):
    signed_in(client)
    application = start(client, MunicipalityFactory())
    response = post_members(client, application, **answers)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()


@pytest.mark.parametrize(("answers", "stored", "shown"), [
    ({"applicant_af_registered": "yes"}, {"registered": True, "reason": "", "reason_text": ""},
     "Inskriven som arbetssökande på Arbetsförmedlingen"),
    ({"applicant_af_registered": "no", "applicant_af_reason": "sick_with_certificate"},
     {"registered": False, "reason": "sick_with_certificate", "reason_text": ""}, "Jag är sjuk och har läkarintyg"),
    ({"applicant_af_registered": "no", "applicant_af_reason": "other", "applicant_af_reason_text": "Vårdar min mamma"},
     {"registered": False, "reason": "other", "reason_text": "Vårdar min mamma"}, "Annat skäl: Vårdar min mamma"),
    ({"applicant_af_registered": "no", "applicant_af_reason": "none"},
     {"registered": False, "reason": "none", "reason_text": ""}, "Inte inskriven på Arbetsförmedlingen och inget skäl"),
])
def test_the_answer_is_stored_per_adult_and_shown_on_the_review(client, answers, stored, shown):
    signed_in(client)
    application = start(client, MunicipalityFactory())
    response = post_members(client, application, **answers)
    assert response.status_code == 302, response.content.decode()[:2000]
    members = Application.objects.get(pk=application.pk).declaration["members"]
    assert members["applicant"]["labour_market"] == stored
    assert members["applicant"]["personnummer"]  # the applicant's facts are kept
    review = client.get(f"/e-tjanst/ansokan/{application.pk}/granska/").content.decode()
    assert shown in review


def test_the_partners_answer_is_stored_on_the_partner(client):
    signed_in(client)
    application = start(client, MunicipalityFactory())
    response = post_members(client, application, applicant_af_registered="yes", has_partner="yes",
                            partner_personnummer=PARTNER, partner_first_name="Pia", partner_last_name="Partner",
                            partner_af_registered="no", partner_af_reason="parental_leave")
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = Application.objects.get(pk=application.pk).declaration["members"]["partner"]
    assert partner["labour_market"] == {"registered": False, "reason": "parental_leave", "reason_text": ""}
