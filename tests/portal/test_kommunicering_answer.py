"""The applicant's side of kommunicering (25 § förvaltningslagen): what the registers say is shown in
"Mitt ärende" with the last day, the applicant comments in the e-service, and the answer ends the wait."""

from __future__ import annotations

import pytest

from bistand.applications import selectors, services
from bistand.applications.models import Application
from tests.factories import user_with_role
from tests.portal.test_application_pages import fill_all_steps, municipality, signed_in, start  # noqa: F401

pytestmark = pytest.mark.django_db

FINDINGS = "Skatteverket uppger 9 000 kr i lön; du angav 4 000 kr."


def test_the_applicant_sees_the_findings_and_the_last_day_and_comments_in_the_e_service(client, municipality):  # noqa: F811
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/",
                {"submission_key": str(Application.objects.get(pk=application.pk).submission_key)})
    application.refresh_from_db()
    started = services.start_kommunicering(application, actor=user_with_role(municipality=municipality),
                                           findings=FINDINGS)
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert FINDINGS in case and f"{started.due_date:%Y-%m-%d}" in case and "25 § förvaltningslagen" in case
    answered = client.post(f"/e-tjanst/komplettering/{started.pk}/", {"answer": "Lönen gällde februari."})
    assert answered.status_code == 302
    started.refresh_from_db()
    assert started.status == "answered" and started.answer == "Lönen gällde februari."
    assert selectors.pending_kommunicering(application) is None
    assert selectors.completed_kommunicering(application) == started
