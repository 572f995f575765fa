"""The letter is part of the decision (issue 17 §3): at issue the rendered PDF is stored with its
SHA-256, and every download (staff and e-service) serves that copy — a template change or a library
upgrade never changes a letter already sent; a copy that does not match its checksum is not served."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from bistand.decisions import letters
from bistand.decisions.models import DecisionLetter
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments.factories import issued_decision
from tests.portal.helpers import simulator_login
from tests.portal.test_decision_pages import decided  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

NEW_TEMPLATE = "<!doctype html><html lang='sv'><head><title>Ny mall</title></head><body><p>Ny mall</p></body></html>"


def change_the_template(monkeypatch):
    monkeypatch.setattr(letters, "render_to_string", lambda name, context: NEW_TEMPLATE)


def staff_letter(client, decision):
    client.force_login(user_with_role(Role.CASEWORKER, decision.municipality))
    return client.get(reverse("staff:decision_letter", args=[decision.pk]))


def portal_letter(client, application, decision):
    simulator_login(client, application.applicant.personnummer)
    return client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/brev.pdf")


def test_issuing_a_decision_stores_its_letter_with_the_sha256(client, decided):  # noqa: F811
    _, decision, _ = decided
    stored = DecisionLetter.objects.get(decision=decision)
    assert "<html" in stored.html and stored.html_sha256 == hashlib.sha256(stored.html.encode()).hexdigest()
    assert not stored.stored_on_first_download
    served = staff_letter(client, decision).content
    stored.refresh_from_db()
    assert served.startswith(b"%PDF") and bytes(stored.content) == served
    assert stored.sha256 == hashlib.sha256(served).hexdigest()


def test_after_a_template_change_both_downloads_serve_the_letter_as_issued(client, decided, monkeypatch):  # noqa: F811
    application, decision, _ = decided
    issued = letters.render_pdf(decision)  # what the letter was when the decision was issued
    change_the_template(monkeypatch)
    assert letters.render_pdf(decision) != issued  # the template did change what a new rendering gives
    assert staff_letter(client, decision).content == issued
    assert portal_letter(client, application, decision).content == issued
    assert staff_letter(client, decision).content == issued


def test_a_letter_that_does_not_match_its_sha256_is_not_served(client, decided):  # noqa: F811
    application, decision, _ = decided
    assert staff_letter(client, decision).status_code == 200
    DecisionLetter.objects.filter(decision=decision).update(content=b"%PDF-1.7 changed")
    staff = staff_letter(client, decision)
    assert staff.status_code == 500 and "kontrollsumman" in staff.content.decode() and not staff.content.startswith(b"%PDF")
    portal = portal_letter(client, application, decision)
    assert portal.status_code == 500 and not portal.content.startswith(b"%PDF")


def test_a_stored_html_that_does_not_match_its_sha256_is_not_made_into_a_letter(client, decided):  # noqa: F811
    _, decision, _ = decided
    DecisionLetter.objects.filter(decision=decision).update(html="<html><body>Annat beslut</body></html>")
    response = staff_letter(client, decision)
    assert response.status_code == 500 and not response.content.startswith(b"%PDF")
    assert DecisionLetter.objects.get(decision=decision).content is None


def test_a_decision_issued_before_letters_were_stored_gets_its_letter_stored_on_first_download(client, monkeypatch):
    decision = issued_decision(MunicipalityFactory())  # written as an older decision was: no stored letter
    assert not DecisionLetter.objects.filter(decision=decision).exists()
    first = staff_letter(client, decision).content
    stored = DecisionLetter.objects.get(decision=decision)
    assert stored.stored_on_first_download and bytes(stored.content) == first
    change_the_template(monkeypatch)
    assert staff_letter(client, decision).content == first


def test_a_stored_letter_cannot_be_changed_or_deleted(decided):  # noqa: F811
    _, decision, _ = decided
    client_free = DecisionLetter.objects.get(decision=decision)
    stored = client_free
    stored.html = "<html></html>"
    with pytest.raises(Exception, match="kan inte ändras"):
        stored.save()
    with pytest.raises(Exception, match="kan inte tas bort"):
        stored.delete()
