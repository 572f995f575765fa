"""Appeals under förvaltningslagen: lodging in the e-service and on paper, rättidsprövning (44–45 §§ FL,
2 § lagen (1930:173)), omprövning (38–39 §§), forwarding with a yttrande (46 §) and avvisning of a late
appeal by a decision that can itself be appealed."""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bistand.appeals import letters, selectors, services
from bistand.appeals.models import Appeal, AppealLetter, AppealStatus, ProcedureSettings
from bistand.audit.models import AuditEvent
from bistand.decisions.models import Decision
from bistand.decisions.services import DecisionError
from tests.appeals.factories import decision_issued_on, moment, worker
from tests.factories import MunicipalityFactory
from tests.payments.test_reconsideration import calculation_with_rent

pytestmark = pytest.mark.django_db

# Monday 2 November 2026: three weeks later is Monday 23 November.
ISSUED = dt.date(2026, 11, 2)


@pytest.fixture
def municipality():
    return MunicipalityFactory()


def _today(day):
    return mock.patch("bistand.appeals.services.today", return_value=day)


def test_an_appeal_in_the_e_service_on_the_last_day_is_in_time(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    with _today(dt.date(2026, 11, 23)):
        appeal = services.lodge_appeal(decision.application.applicant, decision, "Hyran ska räknas i sin helhet.")
    assert (appeal.notified_via, appeal.notified_on, appeal.deadline) == ("e_service", ISSUED, dt.date(2026, 11, 23))
    assert appeal.in_time and appeal.status == AppealStatus.RECEIVED and appeal.channel == "e_service"
    assert AuditEvent.objects.filter(object_id=str(appeal.pk), action="create").exists()


def test_an_appeal_the_day_after_the_last_day_is_late(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    with _today(dt.date(2026, 11, 24)):
        appeal = services.lodge_appeal(decision.application.applicant, decision, "Jag vill ha mer.")
    assert not appeal.in_time


def test_a_decision_sent_by_post_counts_from_the_municipalitys_post_days(municipality):
    ProcedureSettings.objects.create(municipality=municipality, post_delivery_days=3)
    decision = decision_issued_on(municipality, ISSUED, channel="paper")
    # received Thursday 5 November → last day Thursday 26 November
    appeal = services.register_paper_appeal(worker(municipality), decision, "Brev om hyran.", dt.date(2026, 11, 26))
    assert (appeal.notified_via, appeal.notified_on, appeal.deadline) == ("post", dt.date(2026, 11, 5),
                                                                           dt.date(2026, 11, 26))
    assert appeal.in_time and appeal.channel == "paper" and appeal.registered_by is not None


def test_a_last_day_on_julafton_lets_the_appeal_come_in_after_christmas(municipality):
    decision = decision_issued_on(municipality, dt.date(2026, 12, 3))
    with _today(dt.date(2026, 12, 28)):
        appeal = services.register_paper_appeal(worker(municipality), decision, "Överklagar.", dt.date(2026, 12, 28))
    assert appeal.deadline == dt.date(2026, 12, 28) and appeal.in_time


def test_a_paper_appeal_needs_the_day_it_arrived_and_text(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    with pytest.raises(ValidationError) as missing_day:
        services.register_paper_appeal(worker(municipality), decision, "Text.", None)
    assert "lodged_on" in missing_day.value.message_dict
    with pytest.raises(ValidationError) as missing_text:
        services.register_paper_appeal(worker(municipality), decision, "  ", dt.date(2026, 11, 3))
    assert "text" in missing_text.value.message_dict
    with pytest.raises(ValidationError, match="före beslutet"):
        services.register_paper_appeal(worker(municipality), decision, "Text.", dt.date(2026, 11, 1))
    with _today(dt.date(2026, 11, 20)), pytest.raises(ValidationError, match="senare än i dag"):
        services.register_paper_appeal(worker(municipality), decision, "Text.", dt.date(2026, 11, 21))


def test_only_the_applicant_can_appeal_in_the_e_service_and_staff_only_in_their_municipality(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    other = decision_issued_on(MunicipalityFactory(), ISSUED)
    with pytest.raises(PermissionDenied):
        services.lodge_appeal(other.application.applicant, decision, "Text.")
    with pytest.raises(PermissionDenied):
        services.register_paper_appeal(worker(other.municipality), decision, "Text.", dt.date(2026, 11, 3))


def test_the_same_appeal_sent_twice_is_registered_once(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    first = services.lodge_appeal(decision.application.applicant, decision, "Jag vill ha mer.")
    again = services.lodge_appeal(decision.application.applicant, decision, "Jag vill ha mer.")
    assert first.pk == again.pk and Appeal.objects.count() == 1


def test_forwarding_needs_a_statement_and_stores_the_letter_once(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "Jag vill ha mer.", dt.date(2026, 11, 10))
    with pytest.raises(ValidationError) as no_statement:
        services.forward(appeal, user, statement=" ")
    assert "statement" in no_statement.value.message_dict
    forwarded = services.forward(appeal, user, statement="Nämnden vidhåller beslutet. Hyran överstiger taket.")
    assert forwarded.status == AppealStatus.FORWARDED and forwarded.forwarded_at is not None
    letter = AppealLetter.objects.get(appeal=appeal, kind="forwarding")
    assert "Nämnden vidhåller beslutet" in letter.html and "46 § förvaltningslagen" in letter.html
    assert "kommit in i rätt tid" in letter.html
    assert services.forward(appeal, user, statement="Annat.").statement == forwarded.statement  # idempotent
    assert AppealLetter.objects.filter(appeal=appeal).count() == 1


def test_a_late_appeal_is_not_forwarded_without_an_exception_of_45_paragraph_2(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "Sent.", dt.date(2026, 11, 24))
    with pytest.raises(ValidationError, match="för sent"):
        services.forward(appeal, user, statement="Yttrande.")
    with pytest.raises(ValidationError) as no_reason:
        services.forward(appeal, user, statement="Yttrande.", late_exception="court_in_time")
    assert "late_exception_reason" in no_reason.value.message_dict
    forwarded = services.forward(appeal, user, statement="Yttrande.", late_exception="court_in_time",
                                 late_exception_reason="Förvaltningsrätten fick det 2026-11-20.")
    assert forwarded.status == AppealStatus.FORWARDED and forwarded.counts_as_in_time


def test_an_appeal_in_time_cannot_be_dismissed_as_late(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "I tid.", dt.date(2026, 11, 23))
    with pytest.raises(ValidationError, match="i tid"):
        services.dismiss_late(appeal, user)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.RECEIVED


def test_a_late_appeal_is_dismissed_by_a_decision_that_can_itself_be_appealed(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "Sent.", dt.date(2026, 11, 24))
    with mock.patch("django.utils.timezone.now", return_value=moment(dt.date(2026, 11, 25))):
        dismissed = services.dismiss_late(appeal, user)
    assert dismissed.status == AppealStatus.DISMISSED
    assert "2026-11-23" in dismissed.dismissal_reasons and "45 § förvaltningslagen" in dismissed.dismissal_reasons
    letter = AppealLetter.objects.get(appeal=appeal, kind="dismissal")
    assert "Om du inte är nöjd med beslutet att avvisa ditt överklagande" in letter.html
    assert "inom tre veckor" in letter.html
    assert services.dismiss_late(appeal, user).dismissed_at == dismissed.dismissed_at  # idempotent
    # the avvisning, sent by post (a paper appeal), is appealed in time: 25 November + 2 post days + 3 weeks
    with _today(dt.date(2026, 12, 18)):
        again = services.register_paper_appeal(user, decision, "Det kom i tid, jag postade det 2026-11-20.",
                                               dt.date(2026, 12, 18), appealed_dismissal=dismissed)
    assert (again.notified_on, again.deadline, again.in_time) == (dt.date(2026, 11, 27), dt.date(2026, 12, 18), True)
    assert services.forward(again, user, statement="Överklagandet kom in 2026-11-24.").status == AppealStatus.FORWARDED


def test_an_appeal_of_a_decision_that_was_not_dismissed_as_avvisning_is_refused(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "I tid.", dt.date(2026, 11, 10))
    with pytest.raises(ValidationError, match="avvisning"):
        services.register_paper_appeal(user, decision, "Text.", dt.date(2026, 11, 11), appealed_dismissal=appeal)


def test_the_case_worker_reconsiders_on_appeal_and_the_appeal_then_covers_the_new_decision(municipality):
    decision = decision_issued_on(municipality, ISSUED, rent=5000)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "Hyran är 6 000 kr.", dt.date(2026, 11, 10))
    new = services.reconsider_on_appeal(appeal, user, caseworker_text="Hyresavtalet visar 6 000 kr.",
                                        calculation=calculation_with_rent(decision, 6000))
    assert new.reconsiders_id == decision.pk and new.amount_ore == decision.amount_ore + 100_000
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.RECONSIDERED and appeal.reconsideration_id == new.pk
    assert "överklagande som kom in 2026-11-10" in new.reasons
    with pytest.raises(ValidationError, match="omprövat"):
        services.reconsider_on_appeal(appeal, user, caseworker_text="Igen.")
    services.forward(appeal, user, statement="Omprövat; sökanden vill ändå få prövat mer.")
    assert "39 § förvaltningslagen" in AppealLetter.objects.get(appeal=appeal).html
    steps = [s["title"] for s in selectors.chain(Appeal.objects.get(pk=appeal.pk))]
    assert steps == ["Överklagandet kom in", "Kom in i tid", "Beslutet har omprövats", "Skickat till förvaltningsrätten"]


def test_a_reconsideration_on_appeal_to_the_applicants_detriment_is_refused_as_any_omprövning(municipality):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.register_paper_appeal(user, decision, "Jag vill ha mer.", dt.date(2026, 11, 10))
    with pytest.raises(DecisionError, match="37 § andra stycket"):
        services.reconsider_on_appeal(appeal, user, caseworker_text="Lägre hyra.",
                                      calculation=calculation_with_rent(decision, 5000))
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.RECEIVED
    assert not Decision.objects.filter(reconsiders=decision).exists()


def test_a_stored_letter_is_served_unchanged_after_the_template_changes(municipality, settings, tmp_path):
    decision = decision_issued_on(municipality, ISSUED)
    user = worker(municipality)
    appeal = services.forward(services.register_paper_appeal(user, decision, "Mer.", dt.date(2026, 11, 10)),
                              user, statement="Vidhåller.")
    letter = AppealLetter.objects.get(appeal=appeal)
    first_pdf = letters.render_pdf(letter)
    assert letters.render_pdf(letter) == first_pdf  # the same bytes whenever the PDF is made
    (tmp_path / "appeals").mkdir()
    (tmp_path / "appeals" / "forwarding_letter.html").write_text("<p>En helt ny mall</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0].get("DIRS", [])]}]
    assert "En helt ny mall" in letters.render_html(appeal, "forwarding")
    served = letters.stored_pdf(AppealLetter.objects.get(pk=letter.pk))
    assert served == first_pdf
    assert hashlib.sha256(served).hexdigest() == AppealLetter.objects.get(pk=letter.pk).sha256
