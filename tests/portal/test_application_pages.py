"""The application pages of the e-service: first application step by step, field messages, "kan inte
svara", double submit, the co-applicant, the recurring application and "Mitt ärende"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bistand.applications import services
from bistand.applications.models import Application, ApplicationKind, ApplicationStatus
from bistand.people import personnummer as pnr
from bistand.people.models import Person
from tests.factories import MunicipalityFactory
from tests.portal.helpers import simulator_login

pytestmark = pytest.mark.django_db

APPLICANT = pnr.test_number(dt.date(1984, 6, 1), 2).normalised
PARTNER = pnr.test_number(dt.date(1986, 9, 9), 5).normalised
CHILD = pnr.test_number(dt.date(2018, 1, 20), 7).normalised
PDF = b"%PDF-1.4\n%%EOF\n"


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


@pytest.fixture
def municipality():
    return MunicipalityFactory(name="Testby")


def start(client, municipality) -> Application:
    response = client.post("/e-tjanst/ansok/", {"municipality": municipality.pk, "month": this_month()})
    assert response.status_code == 302, response.content.decode()[:3000]
    pk = int(re.search(r"/ansokan/(\d+)/", response["Location"]).group(1))
    return Application.objects.get(pk=pk)


def step_url(application, section):
    return f"/e-tjanst/ansokan/{application.pk}/steg/{section}/"


STEP_DATA = {
    "members": {"has_partner": "no", "partner_personnummer": "", "partner_first_name": "", "partner_last_name": "",
                "other_adults_in_dwelling": "0", "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0",
                "applicant_af_registered": "yes", "partner_af_registered": "yes"},
    "housing": {"kind": "rental", "rooms": "2", "persons_in_dwelling": "1"},
    "costs": {"cost_rent": "6 500", "cost_household_electricity": "350"},
    "incomes": {"incomes-TOTAL_FORMS": "1", "incomes-INITIAL_FORMS": "0", "incomes-0-type": "child_benefit",
                "incomes-0-member": "applicant", "incomes-0-amount": "1 250"},
    "assets": {"has_assets": "no"},
    "bank_account": {"clearing": "8327-9", "account": "123 456 789-7"},
}


def fill_all_steps(client, application, overrides=None):
    for section, data in STEP_DATA.items():
        data = {**data, **(overrides or {}).get(section, {})}
        response = client.post(step_url(application, section), data)
        assert response.status_code == 302, (section, response.content.decode()[:3000])


def signed_in(client, number=APPLICANT, **names):
    simulator_login(client, number, **names)
    return client


def test_first_application_from_start_to_received(client, municipality):
    signed_in(client, given_name="Sara", family_name="Sökande")
    application = start(client, municipality)
    applicant = Person.objects.get(personnummer=APPLICANT, municipality=municipality)
    assert applicant.first_name == "Sara"
    assert client.get(f"/e-tjanst/ansokan/{application.pk}/").status_code == 200
    fill_all_steps(client, application)
    upload = client.post(f"/e-tjanst/ansokan/{application.pk}/bilagor/",
                         {"kind": "rent", "file": SimpleUploadedFile("hyra.pdf", PDF, content_type="application/pdf")})
    assert upload.status_code == 302
    review = client.get(f"/e-tjanst/ansokan/{application.pk}/granska/")
    page = review.content.decode()
    assert review.status_code == 200 and "hyra.pdf" in page and "6\u00a0500\u00a0kr" in page and "Barnbidrag" in page
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    sent = client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    assert sent.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declaration["costs"] == [
        {"type": "rent", "amount_ore": 650000, "source": "applicant"},
        {"type": "household_electricity", "amount_ore": 35000, "source": "applicant"},
    ]
    assert application.declaration["bank_account"]["account"] == "1234567897"
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert "Ansökan har kommit in till kommunen" in case
    assert "Tack! Din ansökan har kommit in till kommunen." in case


def test_pressing_the_sign_button_twice_makes_one_application(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    key = str(Application.objects.get(pk=application.pk).submission_key)
    first = client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    second = client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1
    # A second tab that starts a new application for the same month lands on the same one.
    again = client.post("/e-tjanst/ansok/", {"municipality": municipality.pk, "month": this_month()})
    assert again["Location"] == f"/e-tjanst/ansokan/{application.pk}/"
    assert Application.objects.count() == 1


def test_a_wrongly_filled_field_gets_a_message_at_the_field_and_nothing_is_lost(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    response = client.post(step_url(application, "costs"), {"cost_rent": "sex tusen", "cost_other": "200"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Skriv beloppet i kronor med siffror" in page
    assert 'aria-describedby="id_cost_rent-error"' in page and 'aria-invalid="true"' in page
    assert "Skriv vad den andra kostnaden gäller." in page
    assert 'value="sex tusen"' in page  # what was typed is shown again
    assert 'href="#id_cost_rent"' in page  # the error summary links to the field


def test_cannot_answer_saves_the_section_for_a_case_worker(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    response = client.post(step_url(application, "incomes"), {
        "incomes-TOTAL_FORMS": "1", "incomes-INITIAL_FORMS": "0", "incomes-0-type": "wage",
        "incomes-0-member": "applicant", "incomes-0-amount": "vet ej",
        "ca-cannot_answer": "on", "ca-note": "Jag vet inte vad lönen blir",
    })
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.declaration["cannot_answer"] == {"incomes": "Jag vet inte vad lönen blir"}
    key = str(application.submission_key)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.needs_caseworker


def test_adding_a_child_row_keeps_what_was_typed(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    response = client.post(step_url(application, "members"), {
        **STEP_DATA["members"], "has_partner": "yes", "partner_first_name": "Pia", "action": "add-children",
    }, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="step-form"' in page and "<html" not in page
    assert 'name="children-0-first_name"' in page and "autofocus" in page
    assert 'value="Pia"' in page
    assert "Något behöver rättas" not in page


def test_review_lists_what_is_missing_with_links(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/granska/").content.decode()
    assert f'href="/e-tjanst/ansokan/{application.pk}/steg/housing/"' in page
    response = client.post(f"/e-tjanst/ansokan/{application.pk}/granska/",
                           {"submission_key": str(application.submission_key)})
    assert response.status_code == 400
    assert "Fyll i boende, eller markera att du inte kan svara." in response.content.decode()


def test_a_page_shown_before_a_change_in_another_tab_is_not_signed(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    old_key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(step_url(application, "costs"), {"cost_rent": "7000"})
    response = client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": old_key})
    assert response.status_code == 409
    assert "Ansökan har ändrats sedan du öppnade sidan" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_someone_else_sees_nothing_of_the_application(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    client.post(f"/e-tjanst/ansokan/{application.pk}/bilagor/", {"kind": "rent", "file": SimpleUploadedFile("a.pdf", PDF)})
    attachment = application.attachments.get()
    client.post("/e-tjanst/logga-ut/")
    signed_in(client, pnr.test_number(dt.date(1970, 1, 1), 0).normalised)
    for path in (f"/e-tjanst/ansokan/{application.pk}/", f"/e-tjanst/ansokan/{application.pk}/granska/",
                 step_url(application, "costs"), f"/e-tjanst/ansokan/{application.pk}/bilagor/{attachment.pk}/",
                 f"/e-tjanst/ansokan/{application.pk}/bekrafta/"):
        assert client.get(path).status_code == 404, path
    assert client.post(step_url(application, "costs"), {"cost_rent": "1"}).status_code == 404
    assert "a.pdf" not in client.get("/e-tjanst/mitt-arende/").content.decode()


def test_the_applicant_downloads_an_own_attachment(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    client.post(f"/e-tjanst/ansokan/{application.pk}/bilagor/", {"kind": "rent", "file": SimpleUploadedFile("a.pdf", PDF)})
    attachment = application.attachments.get()
    response = client.get(f"/e-tjanst/ansokan/{application.pk}/bilagor/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    bad = client.post(f"/e-tjanst/ansokan/{application.pk}/bilagor/",
                      {"kind": "rent", "file": SimpleUploadedFile("b.pdf", b"<html></html>")})
    assert bad.status_code == 400
    assert "Skicka en PDF eller en bild" in bad.content.decode()


def test_the_co_applicant_confirms_with_their_own_login(client, municipality):
    signed_in(client, given_name="Sara", family_name="Sökande")
    application = start(client, municipality)
    fill_all_steps(client, application, {"members": {
        "has_partner": "yes", "partner_personnummer": f"{PARTNER[:8]}-{PARTNER[8:]}", "partner_first_name": "Pia",
        "partner_last_name": "Partner", "children-TOTAL_FORMS": "1", "children-0-first_name": "Bo",
        "children-0-personnummer": CHILD, "children-0-days_present": "15"}})
    key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_CO_APPLICANT
    assert application.declaration["members"]["children"][0]["days_present"] == 15
    detail = client.get(f"/e-tjanst/ansokan/{application.pk}/").content.decode()
    assert "väntar på att Pia loggar in" in detail.replace("Ansökan väntar", "ansökan väntar").lower() or "Pia" in detail

    client.post("/e-tjanst/logga-ut/")
    signed_in(client, PARTNER)
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert f"/e-tjanst/ansokan/{application.pk}/bekrafta/" in case
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/bekrafta/").content.decode()
    assert "Sara Sökande har sökt" in page and "6\u00a0500\u00a0kr" in page
    # The co-applicant cannot change the draft.
    assert client.get(step_url(application, "costs")).status_code == 404
    client.post(f"/e-tjanst/ansokan/{application.pk}/bekrafta/", {"action": "confirm"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.co_applicant.personnummer == PARTNER


def test_a_recurring_application_asks_only_what_changed(client, municipality):
    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    # Pretend that was last month's application.
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    Application.objects.filter(pk=application.pk).update(month=last_month)

    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert "Ansök igen för" in case
    response = client.post("/e-tjanst/ateransok/", {"household": application.household_id, "month": this_month()})
    recurring = Application.objects.get(kind=ApplicationKind.RECURRING)
    assert response["Location"] == f"/e-tjanst/ansokan/{recurring.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Samma som förra månaden" in page and "6\u00a0500\u00a0kr" in page
    for section in ("members", "housing", "incomes", "assets", "bank_account"):
        assert client.post(f"/e-tjanst/ansokan/{recurring.pk}/samma/{section}/").status_code == 302
    client.post(step_url(recurring, "costs"), {"cost_rent": "7 100", "cost_household_electricity": "350"})
    review = client.get(f"/e-tjanst/ansokan/{recurring.pk}/granska/").content.decode()
    changes = review[review.index('id="changes"'):]
    assert "Hyra eller avgift för bostaden" in changes and "6\u00a0500\u00a0kr" in changes and "7\u00a0100\u00a0kr" in changes
    key = re.search(r'name="submission_key" value="([^"]+)"', review).group(1)
    client.post(f"/e-tjanst/ansokan/{recurring.pk}/granska/", {"submission_key": key})
    recurring.refresh_from_db()
    assert recurring.status == ApplicationStatus.SUBMITTED and recurring.previous_id == application.pk


def test_mitt_arende_shows_completion_requests_and_the_answer_page(client, municipality):
    from tests.factories import user_with_role

    signed_in(client)
    application = start(client, municipality)
    fill_all_steps(client, application)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/",
                {"submission_key": str(Application.objects.get(pk=application.pk).submission_key)})
    application.refresh_from_db()
    completion = services.request_completion(application, actor=user_with_role(municipality=municipality),
                                             text="Skicka ditt senaste lönebesked.",
                                             due_date=timezone.localdate() + dt.timedelta(days=7))
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert "Kommunen behöver fler uppgifter" in case and "Skicka ditt senaste lönebesked." in case
    empty = client.post(f"/e-tjanst/komplettering/{completion.pk}/", {"answer": ""})
    assert empty.status_code == 400 and "Skriv ett svar eller bifoga en fil." in empty.content.decode()
    answered = client.post(f"/e-tjanst/komplettering/{completion.pk}/",
                           {"answer": "Här är det.", "file": SimpleUploadedFile("lon.pdf", PDF)})
    assert answered.status_code == 302
    completion.refresh_from_db()
    assert completion.status == "answered" and completion.attachments.count() == 1
    fragment = client.get("/e-tjanst/mitt-arende/handelser/").content.decode()
    assert "Du har skickat kompletteringen" in fragment


@pytest.mark.parametrize(
    "clearing, account, message",
    [
        ("8327-9", "123 456 789", "kontrollsiffran är fel"),  # Swedbank 8xxx: Luhn over the account number
        ("5000", "1111117", "kontrollsiffran är fel"),  # SEB, type 1: modulus 11 with the clearing number
        ("83270", "1234567897", "femte siffran i clearingnumret"),  # Swedbank's own fifth clearing digit
        ("0999", "1234567", "ingen bank med clearingnumret"),
    ],
)
def test_the_e_service_refuses_a_bank_account_that_the_payment_file_would_refuse(
    client, municipality, clearing, account, message
):
    signed_in(client)
    application = start(client, municipality)
    response = client.post(step_url(application, "bank_account"), {"clearing": clearing, "account": account})
    assert response.status_code == 400
    assert message in response.content.decode()
    application.refresh_from_db()
    assert not (application.declaration.get("bank_account") or {}).get("account")


def test_the_e_service_stores_a_valid_bank_account_as_the_payment_code_reads_it(client, municipality):
    from bistand.payments.services import declared_payee

    signed_in(client)
    application = start(client, municipality)
    response = client.post(step_url(application, "bank_account"), {"clearing": "8327-9", "account": "123 456 789-7"})
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert application.declaration["bank_account"]["clearing"] == "8327"
    assert application.declaration["bank_account"]["account"] == "1234567897"
    assert declared_payee(application).account == "8327-1234567897"
