"""The decision letter for an applicant who chose English or lättläst (issue 20): the letter stays the Swedish
decision, and ends with a short explanation in the chosen language (what was decided, the amount, how to appeal
and by when). The explanation is part of the letter stored at issue, so the stored bytes and checksum hold."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from bistand.applications import selectors, services
from bistand.calculations.services import calculate_and_store
from bistand.common.deadlines import appeal_deadline
from bistand.decisions import letters
from bistand.decisions.models import DecisionLetter
from bistand.decisions.services import issue_decision
from bistand.tenancy.roles import Role
from tests.applications.test_services import fill_all
from tests.decisions.factories import own_reasons
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role
from tests.portal.test_decision_pages import BIRTH, MONTH, NUMBER

pytestmark = pytest.mark.django_db


def issued_for(language: str):
    municipality = MunicipalityFactory(code="0680")
    person = PersonFactory(municipality=municipality, personnummer=NUMBER, birth_date=BIRTH, first_name="Dora",
                           language=language)
    application = services.start_application(person=person, month=MONTH)
    application = fill_all(application, person)
    application = services.submit(application, application.submission_key, person=person).application
    calculation = calculate_and_store(application.household, MONTH, selectors.calculation_input_for(application, []), "system")
    return issue_decision(application, calculation, user_with_role(Role.CASEWORKER, municipality),
                          line_reasons=own_reasons(application, calculation))


def explanation_of(html: str) -> str:
    return html.split('id="explanation"', 1)[1].split("</section>", 1)[0]


def test_an_english_applicants_letter_ends_with_an_english_explanation_and_stays_swedish():
    decision = issued_for("en")
    stored = DecisionLetter.objects.get(decision=decision)  # stored at issue
    assert '<html lang="sv">' in stored.html and "Om du inte är nöjd med beslutet – så överklagar du" in stored.html
    section = stored.html.split('<section class="explanation"', 1)[1]
    assert section.startswith(' id="explanation" lang="en"')
    text = explanation_of(stored.html)
    amount = letters.format_kronor(decision.amount_ore)
    assert "The decision explained in your language" in text and "Swedish version is the one that applies" in text
    assert f"You get {amount} in financial support for March 2026." in text
    with translation.override("en"):
        deadline = date_format(appeal_deadline(timezone.localdate(decision.issued_at)), "j F Y")
    assert "within three weeks" in text and f"the last day is {deadline}" in text


def test_a_lattlast_applicants_letter_explains_in_easy_swedish():
    decision = issued_for("sv-ll")
    text = explanation_of(DecisionLetter.objects.get(decision=decision).html)
    assert 'lang="sv"' in DecisionLetter.objects.get(decision=decision).html.split('id="explanation"', 1)[1][:20]
    assert "Beslutet förklarat med enkla ord" in text and "mars 2026" in text and "Sista dagen att överklaga är" in text


def test_a_swedish_applicants_letter_has_no_explanation():
    decision = issued_for("sv")
    assert 'id="explanation"' not in DecisionLetter.objects.get(decision=decision).html


def test_the_stored_letter_with_its_explanation_is_served_byte_for_byte_after_the_language_changes():
    decision = issued_for("en")
    first = letters.stored_letter(decision)  # the PDF, made from the HTML stored at issue, checked by its SHA-256
    applicant = decision.application.applicant
    applicant.language = "sv"
    applicant.save(update_fields=["language"])
    decision.refresh_from_db()
    assert letters.stored_letter(decision) == first
    assert 'id="explanation"' in DecisionLetter.objects.get(decision=decision).html
