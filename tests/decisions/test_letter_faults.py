"""A letter whose rendering fails (disk full, a font that cannot be loaded) leaves the decision and its
stored letter text as they were, tells the staff (and the applicant) in Swedish what happened, and the
letter is made at the next try."""

from __future__ import annotations

import errno

import pytest

from bistand.audit.services import snapshot
from bistand.decisions import letters
from bistand.decisions.models import Decision, DecisionLetter
from tests.decisions.test_stored_letter import portal_letter, staff_letter
from tests.portal.test_decision_pages import decided  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

FAULTS = {
    "disk full": OSError(errno.ENOSPC, "No space left on device"),
    "font missing": OSError(errno.ENOENT, "cannot load font file DejaVuSans.ttf"),
    "renderer error": RuntimeError("No fonts available"),
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_letter_that_cannot_be_rendered_leaves_the_decision_intact_and_tells_the_staff(client, decided, monkeypatch, fault):  # noqa: F811
    application, decision, _ = decided
    before = snapshot(Decision.objects.get(pk=decision.pk))
    stored_before = DecisionLetter.objects.get(decision=decision)

    def fail(html, decision):
        raise FAULTS[fault]

    monkeypatch.setattr(letters, "_letter_pdf", fail)
    response = staff_letter(client, decision)
    assert response.status_code == 503
    text = response.content.decode()
    assert "Beslutsbrevet kunde inte skapas just nu" in text and "Beslutet är fattat och oförändrat" in text
    assert snapshot(Decision.objects.get(pk=decision.pk)) == before
    letter = DecisionLetter.objects.get(decision=decision)
    assert letter.content is None and letter.html == stored_before.html

    portal = portal_letter(client, application, decision)
    assert portal.status_code == 503 and "kunde inte skapas just nu" in portal.content.decode()

    monkeypatch.undo()
    again = staff_letter(client, decision)
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
