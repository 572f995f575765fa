"""A completion request answered by the applicant shows as answered on the case (issue 20): the case page
and the inbox no longer say that a request waits for an answer, they say that the answer has come, and
the answer (text, date, files) is on the case page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bistand.applications.services import answer_completion, request_completion
from bistand.casework.reasons import OPEN_COMPLETION, reason_label
from bistand.tenancy.roles import Role
from tests.casework.factories import referral
from tests.decisions.factories import MONTH, make_application
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def answered(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path)
    municipality = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, municipality)
    application = make_application(household_with_members(municipality, last_name="Svarsson"), MONTH)
    completion = request_completion(application, actor=worker, text="Skicka hyresavin för mars.",
                                    due_date=timezone.localdate() + dt.timedelta(days=7))
    # the monthly run saw the open request and left the application to a case worker
    referral(application, (OPEN_COMPLETION, "1 obesvarad."))
    answer_completion(completion, person=application.applicant, answer="Här är hyresavin.",
                      files=[SimpleUploadedFile("hyresavi.pdf", PDF, content_type="application/pdf")])
    return application, worker


def test_the_case_page_shows_an_answered_completion_request_as_answered(client, answered):
    application, worker = answered
    client.force_login(worker)
    html = client.get(reverse("staff:case_detail", args=[application.pk])).content.decode()
    assert reason_label(OPEN_COMPLETION) not in html
    assert "Kompletteringen är besvarad" in html
    assert "Svar " + timezone.localdate().strftime("%Y-%m-%d") in html
    assert "Här är hyresavin." in html and "hyresavi.pdf" in html


def test_the_inbox_shows_the_answer_has_come_and_the_filter_for_unanswered_leaves_it_out(client, answered):
    application, worker = answered
    client.force_login(worker)
    html = client.get(reverse("staff:inbox")).content.decode()
    row = html[html.index(f'id="ansokan-{application.pk}"'):]
    row = row[:row.index("</tr>")]
    assert reason_label(OPEN_COMPLETION) not in row
    assert "Kompletteringen är besvarad" in row
    filtered = client.get(reverse("staff:inbox"), {"reason": OPEN_COMPLETION}).content.decode()
    assert f'id="ansokan-{application.pk}"' not in filtered
