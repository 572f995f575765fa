"""The applicant's side of the e-service as a new user meets it: one "Fortsätt" on the draft overview,
deleting a draft only after a confirmation page, the receipt after submitting, and the co-applicant
seeing the application from their own point of view."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from bistand.applications.models import Application, ApplicationStatus
from tests.factories import MunicipalityFactory
from tests.portal.test_application_pages import (
    CHILD,
    PARTNER,
    fill_all_steps,
    signed_in,
    start,
    step_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory(name="Testby")


def _buttons_named(page: str, text: str) -> list[str]:
    return re.findall(rf'<a class="button"[^>]*>\s*{text}[^<]*<', page)


def test_the_draft_overview_shows_one_fortsatt_button_to_the_next_unfinished_part(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/").content.decode()
    buttons = _buttons_named(page, "Fortsätt")
    assert len(buttons) == 1 and step_url(application, "members") in page.split(buttons[0])[0][-300:] + buttons[0]
    client.post(step_url(application, "members"), {
        "has_partner": "no", "other_adults_in_dwelling": "0", "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0",
        "applicant_af_registered": "yes"})
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/").content.decode()
    buttons = _buttons_named(page, "Fortsätt")
    assert len(buttons) == 1
    assert f'href="{step_url(application, "housing")}">Fortsätt' in page


def test_deleting_a_draft_asks_for_confirmation_first(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    overview = client.get(f"/e-tjanst/ansokan/{application.pk}/").content.decode()
    delete_url = f"/e-tjanst/ansokan/{application.pk}/aterkalla/"
    assert f'href="{delete_url}"' in overview  # a link to a confirmation page, not a button that deletes
    confirmation = client.get(delete_url)
    page = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Vill du ta bort utkastet?" in page and "Ja, ta bort utkastet" in page
    assert "<script" not in page.split("<main", 1)[1]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT  # looking at the question changes nothing
    done = client.post(delete_url)
    assert done.status_code == 302 and done["Location"] == "/e-tjanst/mitt-arende/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


def test_withdrawing_a_submitted_application_asks_for_confirmation_first(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/aterkalla/").content.decode()
    assert "Vill du återkalla ansökan?" in page and "Ja, återkalla ansökan" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_the_receipt_gives_the_case_number_the_answer_date_and_what_happens_next(client, municipality, settings):
    settings.BISTAND_ANSWER_WITHIN_DAYS = 10
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    key = str(Application.objects.get(pk=application.pk).submission_key)
    sent = client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key}, follow=True)
    page = sent.content.decode()
    application.refresh_from_db()
    answer_by = timezone.localtime(application.submitted_at).date() + dt.timedelta(days=10)
    receipt = page[page.index('id="receipt"'):]
    assert f"Ärendenummer {application.pk} " in " ".join(re.sub(r"<[^>]+>", " ", receipt).split())
    assert f"{answer_by.day} " in receipt and str(answer_by.year) in receipt
    assert "Så går det vidare" in receipt
    assert "komplettering" in receipt and "Mitt ärende" in receipt


def test_the_co_applicant_sees_the_application_from_their_own_point_of_view(client, municipality):
    signed_in(client, given_name="Sara", family_name="Sökande")
    application = start(client, municipality)
    fill_all_steps(client, application, {
        "members": {"has_partner": "yes", "partner_personnummer": f"{PARTNER[:8]}-{PARTNER[8:]}",
                    "partner_first_name": "Pia", "partner_last_name": "Partner", "children-TOTAL_FORMS": "1",
                    "children-0-first_name": "Bo", "children-0-personnummer": CHILD},
        "incomes": {"incomes-TOTAL_FORMS": "2", "incomes-0-type": "wage", "incomes-0-member": "partner",
                    "incomes-0-amount": "4 000", "incomes-1-type": "child_benefit", "incomes-1-member": "applicant",
                    "incomes-1-amount": "1 250"},
    })
    key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    client.post("/e-tjanst/logga-ut/")

    signed_in(client, PARTNER, given_name="Pia", family_name="Partner")
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert f"/e-tjanst/ansokan/{application.pk}/bekrafta/" in case
    assert "Väntar på att du bekräftar ansökan" in case
    assert "Väntar på att din make, maka eller sambo bekräftar" not in case
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/bekrafta/").content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]).split())
    assert "Din make, maka eller sambo Sara Sökande har sökt" in text
    assert "Lön (efter skatt, du)" in text and "Barnbidrag (Sara)" in text
    assert "Pia Partner" not in text  # the co-applicant is "du", not a name in the third person
    assert "Det här behöver du göra" in text


def test_mitt_arende_lists_events_newest_first_and_a_payment_by_its_payment_date_without_a_time():
    from django.template.loader import render_to_string

    from bistand.casework import timeline
    from bistand.payments.services import import_bank_status
    from bistand.tenancy.roles import Role
    from tests.factories import user_with_role
    from tests.payments import bankfiles
    from tests.payments.factories import debtor_account
    from tests.payments.test_bank_status import EXPORT_DAY, exported

    municipality = MunicipalityFactory(name="Betalby")
    debtor_account(municipality)
    people = user_with_role(Role.CASEWORKER, municipality), user_with_role(Role.APPROVER, municipality)
    export, (paid,) = exported(municipality, people, count=1)
    import_bank_status(bankfiles.pain002(export.message_id, [(paid.end_to_end_id, "ACSC", "", "")]))
    application = paid.decision.application
    events = timeline.case_events([application.applicant_id])
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    assert "Utbetalt" in [e.title for e in events]
    html = render_to_string("portal/_events.html", {"events": events})
    payment_item = html[html.index("event-paid"):]
    payment_item = payment_item[:payment_item.index("</li>")]
    assert f'datetime="{EXPORT_DAY.isoformat()}"' in payment_item
    assert "12:00" not in payment_item and "25 mars 2026" in payment_item
