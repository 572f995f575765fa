"""The e-service in the applicant's language (issue 20): Svenska (the default), Lättläst svenska and
English, chosen on every e-service page and kept; staff pages and the law's texts stay Swedish."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format

from bistand.audit.models import AuditEvent
from bistand.decisions import letters
from bistand.people.models import Person
from tests.factories import PersonFactory
from tests.portal.helpers import simulator_login
from tests.portal.test_application_pages import APPLICANT, fill_all_steps, municipality, signed_in, start  # noqa: F401
from tests.portal.test_decision_pages import NUMBER, decided  # noqa: F401

LOCALE = Path(__file__).resolve().parents[2] / "src" / "bistand" / "locale"
CATALOGUES = {"en": LOCALE / "en" / "LC_MESSAGES" / "django.po", "sv-ll": LOCALE / "sv_LL" / "LC_MESSAGES" / "django.po"}


def choose(client, code: str, next_path: str = "/e-tjanst/"):
    response = client.post("/e-tjanst/sprak/", {"language": code, "next": next_path})
    assert response.status_code == 302 and response["Location"] == next_path
    return response


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


# --- the catalogues ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CATALOGUES))
def test_every_string_of_the_catalogue_is_translated_and_none_is_fuzzy(code):
    catalogue = polib.pofile(str(CATALOGUES[code]))
    assert len(catalogue) > 300
    untranslated = [entry.msgid for entry in catalogue if not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert untranslated == [] and fuzzy == []
    assert not catalogue.metadata_is_fuzzy
    for entry in catalogue:  # the placeholders of each message survive the translation
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text:
                assert sorted(re.findall(r"%\(\w+\)[sd]|\{\}", text)) == sorted(re.findall(r"%\(\w+\)[sd]|\{\}", entry.msgid)), entry.msgid


@pytest.mark.parametrize("code", sorted(CATALOGUES))
def test_the_compiled_catalogue_is_the_po_file_as_it_is_now(code):
    """The .mo files are committed (nothing to compile on a clean clone): each must say exactly what its
    .po says. After changing a .po: `compilemessages` (CONTRIBUTING.md, "Översättningar")."""
    po = CATALOGUES[code]
    with open(po.with_suffix(".mo"), "rb") as compiled:
        mo_catalog = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in polib.pofile(str(po)):
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                expected[(entry.msgid, int(index))] = text
        elif entry.msgstr:
            expected[entry.msgid] = entry.msgstr
    assert {key: value for key, value in mo_catalog.items() if key != ""} == expected


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_marked_string_is_in_both_catalogues(tmp_path, settings):
    """makemessages on a copy of the source finds no marked string that the catalogues lack (nor any
    they keep that is no longer marked)."""
    source = Path(__file__).resolve().parents[2] / "src" / "bistand"
    copy = tmp_path / "bistand"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("static", "locale", "__pycache__", "*.yaml", "*.json"))
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    import os

    here = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    finally:
        os.chdir(here)
    marked = {(e.msgid, e.msgid_plural) for e in polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    for code, path in CATALOGUES.items():
        assert {(e.msgid, e.msgid_plural) for e in polib.pofile(str(path)) if not e.obsolete} == marked, code


def test_plural_forms_follow_the_count_in_every_language():
    for code, one, many in (("sv", "1 bifogad", "2 bifogade"), ("sv-ll", "1 fil", "2 filer"), ("en", "1 attached", "2 attached")):
        with translation.override(code):
            assert translation.ngettext("%(count)d bifogad", "%(count)d bifogade", 1) % {"count": 1} == one
            assert translation.ngettext("%(count)d bifogad", "%(count)d bifogade", 2) % {"count": 2} == many


# --- choosing a language ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_e_service_is_swedish_by_default_even_for_an_english_browser(client):
    response = client.get("/e-tjanst/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    page = response.content.decode()
    assert html_lang(page) == "sv" and "Ansök om ekonomiskt bistånd" in page
    assert response["Content-Language"] == "sv"


@pytest.mark.django_db
def test_every_e_service_page_has_the_chooser_with_each_language_named_in_itself(client):
    page = client.get("/e-tjanst/").content.decode()
    chooser = page.split('class="language-chooser', 1)[1].split("</form>", 1)[0]
    assert 'value="sv" lang="sv"' in chooser and ">Svenska</button>" in chooser
    assert 'value="sv-ll" lang="sv"' in chooser and ">Lättläst svenska</button>" in chooser
    assert 'value="en" lang="en"' in chooser and ">English</button>" in chooser
    assert re.search(r'value="sv"[^>]*aria-pressed="true"', chooser)


@pytest.mark.django_db
def test_choosing_english_changes_the_e_service_and_the_choice_is_kept(client):
    choose(client, "en")
    for _ in range(2):  # the next request too: the choice is kept
        response = client.get("/e-tjanst/")
        page = response.content.decode()
        assert html_lang(page) == "en" and response["Content-Language"] == "en"
        assert "Apply for financial assistance" in page and "Sign in with e-ID" in page
        assert "Ansök om ekonomiskt bistånd" not in page
        assert re.search(r'value="en"[^>]*aria-pressed="true"', page)


@pytest.mark.django_db
def test_lattlast_is_swedish_in_easy_words_with_lang_sv(client):
    choose(client, "sv-ll")
    page = client.get("/e-tjanst/").content.decode()
    assert html_lang(page) == "sv"
    assert "Sök pengar från kommunen" in page and "Ansök om ekonomiskt bistånd" not in page


@pytest.mark.django_db
def test_an_unknown_language_is_refused_with_a_swedish_message(client):
    response = client.post("/e-tjanst/sprak/", {"language": "xx", "next": "/e-tjanst/"})
    assert response.status_code == 400 and "Språket finns inte" in response.content.decode()


@pytest.mark.django_db
def test_the_chooser_never_sends_the_browser_off_the_e_service(client):
    response = client.post("/e-tjanst/sprak/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/e-tjanst/"


@pytest.mark.django_db
def test_staff_pages_stay_swedish_whatever_the_applicant_chose(client):
    choose(client, "en")
    page = client.get("/konto/logga-in/").content.decode()
    assert html_lang(page) == "sv" and "Hoppa till innehållet" in page and "Skip to main content" not in page
    failed = client.post("/konto/logga-in/", {"username": "", "password": ""}).content.decode()
    assert "This field is required" not in failed


@pytest.mark.django_db
def test_the_choice_is_stored_on_the_applicants_person_with_an_audit_event(client):
    person = PersonFactory(personnummer=APPLICANT)
    simulator_login(client, APPLICANT)
    choose(client, "en", "/e-tjanst/mitt-arende/")
    person.refresh_from_db()
    assert person.language == "en"
    event = AuditEvent.objects.filter(model="people.person", object_id=str(person.pk)).latest("pk")
    assert event.changes == {"language": {"old": "sv", "new": "en"}}
    choose(client, "en", "/e-tjanst/mitt-arende/")  # choosing it again changes nothing
    assert AuditEvent.objects.filter(model="people.person", object_id=str(person.pk)).count() == 1


@pytest.mark.django_db
def test_the_stored_choice_follows_the_applicant_to_another_browser(client, django_user_model):
    from django.test import Client

    PersonFactory(personnummer=APPLICANT, language="sv-ll")
    other_browser = Client()
    simulator_login(other_browser, APPLICANT)
    page = other_browser.get("/e-tjanst/mitt-arende/").content.decode()
    assert "Mitt ärende" in page and "Det här har hänt i ditt ärende" in page


@pytest.mark.django_db
def test_a_choice_made_before_login_is_stored_at_login(client):
    person = PersonFactory(personnummer=APPLICANT)
    choose(client, "en")
    simulator_login(client, APPLICANT)
    person.refresh_from_db()
    assert person.language == "en"


# --- the application in English ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_application_in_english_from_the_steps_to_the_receipt(client, municipality):  # noqa: F811
    choose(client, "en")
    signed_in(client)
    application = start(client, municipality)
    assert Person.objects.get(personnummer=APPLICANT).language == "en"  # stored once the person exists
    step = client.get(f"/e-tjanst/ansokan/{application.pk}/steg/members/").content.decode()
    assert "Do you live with a spouse or partner?" in step and "Save and continue" in step
    error = client.post(f"/e-tjanst/ansokan/{application.pk}/steg/housing/", {"kind": "rental", "rooms": "x"}).content.decode()
    assert "There is a problem" in error and "Enter a whole number using digits, for example 2." in error
    fill_all_steps(client, application)
    review = client.get(f"/e-tjanst/ansokan/{application.pk}/granska/").content.decode()
    assert "Check and sign" in review and "Child benefit" in review and "Renting directly from the landlord" in review
    key = re.search(r'name="submission_key" value="([^"]+)"', review).group(1)
    client.post(f"/e-tjanst/ansokan/{application.pk}/granska/", {"submission_key": key})
    receipt = client.get(f"/e-tjanst/ansokan/{application.pk}/").content.decode()
    assert "Receipt" in receipt and "Case number" in receipt and "What happens next" in receipt
    assert "Thank you. The municipality has received your application." in receipt
    assert "Kvitto" not in receipt
    assert re.search(r'id="application-status">Submitted<', receipt)
    with translation.override("en"):
        english_month = date_format(application.month, "F Y")  # "March 2026", not "mars 2026"
    assert f"New application for {english_month}</h1>" in receipt
    case = client.get("/e-tjanst/mitt-arende/").content.decode()
    assert "The municipality has received the application" in case and "<td>Submitted</td>" in case
    application.refresh_from_db()
    # what the applicant declared is stored as data, never as English words
    assert application.declaration["housing"]["kind"] == "rental"


# --- the decision: the law's texts stay Swedish --------------------------------------------------------


@pytest.mark.django_db
def test_in_english_the_decision_page_explains_the_swedish_legal_text_beside_it(client, decided):  # noqa: F811
    application, decision, _ = decided
    simulator_login(client, NUMBER)
    url = f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/"
    swedish = client.get(url).content.decode()
    assert "legal-explanation" not in swedish
    choose(client, "en", url)
    page = client.get(url).content.decode()
    explanation = page.split('id="legal-explanation"', 1)[1].split("</section>", 1)[0]
    assert "The legal text is in Swedish" in explanation and "within three weeks" in explanation
    appeal = page.split('<div lang="sv">', 2)[2]
    assert "Om du inte är nöjd med beslutet – så överklagar du" in appeal and "inom tre veckor" in appeal
    assert "(in Swedish)" in page


@pytest.mark.django_db
def test_a_letter_rendered_during_an_english_request_is_the_same_swedish_letter(decided):  # noqa: F811
    _, decision, _ = decided
    swedish = letters.render_html(decision)
    with translation.override("en"):
        assert letters.render_html(decision) == swedish


@pytest.mark.django_db
def test_a_missing_e_service_page_is_in_the_chosen_language_and_a_staff_one_in_swedish(client):
    choose(client, "en")
    missing = client.get("/e-tjanst/finns-inte/")
    page = missing.content.decode()
    assert missing.status_code == 404 and html_lang(page) == "en" and "Page not found" in page
    staff = client.get("/handlaggning/finns-inte/").content.decode()
    assert html_lang(staff) == "sv" and "Sidan finns inte" in staff


def test_the_error_page_is_in_the_chosen_language():
    from django.template import loader

    with translation.override("en"):
        page = loader.get_template("500.html").render({"start_url": "/e-tjanst/"})
    assert html_lang(page) == "en" and "Something went wrong" in page
    with translation.override("sv-ll"):
        page = loader.get_template("500.html").render({"start_url": "/e-tjanst/"})
    assert html_lang(page) == "sv"
