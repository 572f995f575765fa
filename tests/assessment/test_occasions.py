"""Occasions, both ratings kept, screening routine, MI notes and rulers, due/overdue selectors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bistand.assessment import selectors, services
from bistand.assessment.models import AssessmentSettings, DomainRating, OccasionKind, Rater, RatingStatus
from bistand.audit.models import AuditEvent
from bistand.tenancy.roles import Role
from tests.assessment.factories import make_occasion, sfp_version
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    municipality = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, municipality)
    person = PersonFactory(municipality=municipality)
    occasion = services.create_occasion(user=worker, person=person, kind=OccasionKind.INTAKE,
                                        scheduled_for=dt.date(2026, 11, 10), version=sfp_version(), worker=worker)
    return municipality, worker, person, occasion


def test_client_and_worker_ratings_are_both_kept_side_by_side(setup):
    _, worker, _, occasion = setup
    services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D1", status=RatingStatus.RATED, level=4)
    services.rate(occasion=occasion, rater=Rater.WORKER, domain="D1", status=RatingStatus.RATED, level=2, user=worker)
    services.rate(occasion=occasion, rater=Rater.WORKER, domain="D2", status=RatingStatus.RATED, level=3, user=worker)
    services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D2", status=RatingStatus.RATED, level=3)
    rows = {r.code: r for r in selectors.side_by_side(occasion)}
    assert (rows["D1"].client.level, rows["D1"].worker.level, rows["D1"].gap, rows["D1"].topic) == (4, 2, 2, True)
    assert (rows["D2"].gap, rows["D2"].topic) == (0, False)
    assert rows["D3"].client is None and rows["D3"].client_text == "Inte besvarat"
    assert DomainRating.objects.filter(occasion=occasion).count() == 4


def test_a_follow_up_shows_each_raters_change_since_the_latest_earlier_rated_occasion(setup):
    municipality, worker, person, intake = setup
    services.rate(occasion=intake, rater=Rater.CLIENT, domain="D1", status=RatingStatus.RATED, level=1)
    services.rate(occasion=intake, rater=Rater.WORKER, domain="D1", status=RatingStatus.RATED, level=4, user=worker)
    services.rate(occasion=intake, rater=Rater.WORKER, domain="D2", status=RatingStatus.RATED, level=3, user=worker)
    unrated = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                       scheduled_for=dt.date(2026, 12, 1), version=sfp_version(), worker=worker)
    follow_up = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                         scheduled_for=dt.date(2027, 2, 1), version=sfp_version(), worker=worker)
    services.rate(occasion=follow_up, rater=Rater.CLIENT, domain="D1", status=RatingStatus.RATED, level=3)
    services.rate(occasion=follow_up, rater=Rater.WORKER, domain="D1", status=RatingStatus.RATED, level=2, user=worker)
    services.rate(occasion=follow_up, rater=Rater.WORKER, domain="D2", status=RatingStatus.RATED, level=3, user=worker)
    other_person = PersonFactory(municipality=municipality)
    services.create_occasion(user=worker, person=other_person, kind=OccasionKind.INTAKE,
                             scheduled_for=dt.date(2027, 1, 1), version=sfp_version(), worker=worker)

    assert selectors.previous_occasion(intake) is None
    assert selectors.previous_occasion(unrated) == intake
    assert selectors.previous_occasion(follow_up) == intake  # the occasion between has no rating
    rows = {r.code: r for r in selectors.side_by_side(follow_up, intake)}
    assert rows["D1"].client_change == "Den enskilde: 1 → 3 (2 steg bättre)"
    assert rows["D1"].worker_change == "Handläggaren: 4 → 2 (2 steg sämre)"
    assert (rows["D2"].client_change, rows["D2"].worker_change) == ("", "Handläggaren: 3 → 3 (oförändrat)")
    assert rows["D3"].client_change == rows["D3"].worker_change == ""
    # the earlier occasion is read, never changed
    assert DomainRating.objects.get(occasion=intake, rater=Rater.WORKER, domain="D1").level == 4


def test_a_change_is_described_in_words_and_a_missing_level_now_is_shown_as_a_dash():
    assert selectors.describe_change("Den enskilde", None, 3) == ""
    assert selectors.describe_change("Den enskilde", 2, None) == "Den enskilde: 2 → –"
    assert selectors.describe_change("Handläggaren", 5, 4) == "Handläggaren: 5 → 4 (1 steg sämre)"


def test_the_latest_earlier_ruler_per_domain_is_offered_for_comparison(setup):
    _, worker, person, intake = setup
    services.set_ruler(user=worker, occasion=intake, domain="D1", importance=9, confidence=3)
    services.set_ruler(user=worker, occasion=intake, domain="D5", importance=4, confidence=None)
    middle = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                      scheduled_for=dt.date(2027, 1, 1), version=sfp_version(), worker=worker)
    services.set_ruler(user=worker, occasion=middle, domain="D1", importance=8, confidence=5)
    last = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                    scheduled_for=dt.date(2027, 3, 1), version=sfp_version(), worker=worker)
    services.set_ruler(user=worker, occasion=last, domain="D1", importance=10, confidence=9)
    assert {d: (r.importance, r.confidence) for d, r in selectors.previous_rulers(last).items()} == {
        "D1": (8, 5), "D5": (4, None)}
    assert {d: (r.importance, r.confidence) for d, r in selectors.previous_rulers(middle).items()} == {
        "D1": (9, 3), "D5": (4, None)}
    assert selectors.previous_rulers(intake) == {}


def test_rulers_and_levels_of_another_instrument_are_not_offered_for_comparison(setup):
    from tests.assessment.factories import licensed_package

    municipality, worker, person, intake = setup
    services.rate(occasion=intake, rater=Rater.WORKER, domain="D1", status=RatingStatus.RATED, level=2, user=worker)
    services.set_ruler(user=worker, occasion=intake, domain="D1", importance=9, confidence=3)
    admin = user_with_role(Role.ADMIN, municipality)
    other_version = services.install_package(licensed_package(), municipality=municipality, user=admin)
    later = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                     scheduled_for=dt.date(2027, 1, 1), version=other_version, worker=worker)
    assert selectors.previous_occasion(later) is None
    assert selectors.previous_rulers(later) == {}


def test_the_database_refuses_a_second_rating_by_the_same_rater(setup):
    occasion = setup[3]
    DomainRating.objects.create(occasion=occasion, domain="D1", rater=Rater.CLIENT, status="rated", level=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DomainRating.objects.create(occasion=occasion, domain="D1", rater=Rater.CLIENT, status="rated", level=5)


def test_the_database_refuses_a_level_with_not_relevant(setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        DomainRating.objects.create(occasion=setup[3], domain="D1", rater=Rater.WORKER, status="not_relevant", level=3)


def test_a_worker_changing_a_rating_never_touches_the_clients(setup):
    _, worker, _, occasion = setup
    client_row = services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D5", status=RatingStatus.DECLINED)
    services.rate(occasion=occasion, rater=Rater.WORKER, domain="D5", status=RatingStatus.RATED, level=1, user=worker)
    services.rate(occasion=occasion, rater=Rater.WORKER, domain="D5", status=RatingStatus.RATED, level=3, user=worker)
    client_row.refresh_from_db()
    assert (client_row.status, client_row.level) == (RatingStatus.DECLINED, None)
    assert DomainRating.objects.get(occasion=occasion, domain="D5", rater=Rater.WORKER).level == 3
    assert AuditEvent.objects.filter(model="assessment.domainrating", action="update").count() == 1


def test_a_worker_cannot_rate_as_the_client(setup):
    with pytest.raises(PermissionDenied):
        services.rate(occasion=setup[3], rater=Rater.CLIENT, domain="D1", status="rated", level=3, user=setup[1])


def test_the_client_cannot_change_answers_after_sending_them(setup):
    occasion = setup[3]
    services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D1", status="rated", level=3)
    services.submit_client_rating(occasion)
    with pytest.raises(ValidationError):
        services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D1", status="rated", level=5)


@pytest.mark.parametrize("domain, status, level", [("D99", "rated", 3), ("D1", "rated", 6), ("D1", "rated", None),
                                                   ("D1", "declined", 2), ("D1", "maybe", None)])
def test_invalid_ratings_are_refused(setup, domain, status, level):
    with pytest.raises(ValidationError):
        services.rate(occasion=setup[3], rater=Rater.WORKER, domain=domain, status=status, level=level, user=setup[1])


def test_a_worker_of_another_municipality_cannot_rate(setup):
    other = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        services.rate(occasion=setup[3], rater=Rater.WORKER, domain="D1", status="rated", level=3, user=other)


def test_screening_flag_shows_the_default_routine(setup):
    _, worker, _, occasion = setup
    flag = services.raise_flag(user=worker, occasion=occasion, flag="F1", note="Berättade om hot")
    assert flag.kind == "violence"
    assert "skyddsbedömning" in flag.routine
    assert AuditEvent.objects.filter(model="assessment.screeningflag", sensitive=True).exists()


def test_screening_flag_uses_the_municipalitys_own_routine(setup):
    municipality, worker, _, occasion = setup
    AssessmentSettings.objects.create(municipality=municipality, routine_acute="Ring jouren på 010-000 00 00.")
    flag = services.raise_flag(user=worker, occasion=occasion, flag="F3")
    assert flag.routine == "Ring jouren på 010-000 00 00."
    assert services.raise_flag(user=worker, occasion=occasion, flag="F3").pk == flag.pk  # set once


def test_unknown_flag_is_refused(setup):
    with pytest.raises(ValidationError):
        services.raise_flag(user=setup[1], occasion=setup[3], flag="F9")


def test_mi_note_stores_processes_and_change_talk(setup):
    _, worker, _, occasion = setup
    note = services.save_mi_note(user=worker, occasion=occasion, processes=["evoke", "engage"],
                                 change_talk={"desire": 2, "sustain": 1, "need": 0}, summary="Vill börja på sfi.")
    assert note.processes == ["engage", "evoke"] and note.change_talk == {"desire": 2, "sustain": 1}
    with pytest.raises(ValidationError):
        services.save_mi_note(user=worker, occasion=occasion, processes=["talk"], change_talk={})
    with pytest.raises(ValidationError):
        services.save_mi_note(user=worker, occasion=occasion, processes=[], change_talk={"hope": 1})


def test_rulers_are_0_to_10_and_trend_over_occasions(setup):
    _, worker, person, occasion = setup
    services.set_ruler(user=worker, occasion=occasion, domain="D3", importance=8, confidence=3)
    later = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                     scheduled_for=dt.date(2027, 2, 10), version=sfp_version())
    services.set_ruler(user=worker, occasion=later, domain="D3", importance=8, confidence=6)
    assert selectors.ruler_trend(worker, person, "D3") == [(dt.date(2026, 11, 10), 8, 3), (dt.date(2027, 2, 10), 8, 6)]
    with pytest.raises(ValidationError):
        services.set_ruler(user=worker, occasion=later, domain="D3", importance=11, confidence=None)


def test_domain_history_has_client_and_worker_lines(setup):
    _, worker, person, occasion = setup
    services.rate(occasion=occasion, rater=Rater.CLIENT, domain="D6", status="rated", level=2)
    services.rate(occasion=occasion, rater=Rater.WORKER, domain="D6", status="rated", level=1, user=worker)
    later = services.create_occasion(user=worker, person=person, kind=OccasionKind.FOLLOW_UP,
                                     scheduled_for=dt.date(2027, 2, 10), version=sfp_version())
    services.rate(occasion=later, rater=Rater.WORKER, domain="D6", status="rated", level=3, user=worker)
    history = selectors.domain_history(worker, person, "D6")
    assert [(h.client, h.worker) for h in history] == [(2, 1), (None, 3)]
    other = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    assert selectors.domain_history(other, person, "D6") == []


# --- due and overdue -------------------------------------------------------------------------------------


def _application(person, submitted):
    from tests.applications.factories import _build_application

    app = _build_application(person.municipality, made={"people.person": person})
    type(app).objects.filter(pk=app.pk).update(submitted_at=submitted, applicant=person)
    return app


def test_intake_is_due_n_days_after_the_first_application():
    municipality = MunicipalityFactory()
    worker = user_with_role(Role.CASEWORKER, municipality)
    person = PersonFactory(municipality=municipality)
    _application(person, timezone.make_aware(dt.datetime(2026, 11, 1, 10)))
    items = selectors.occasions_due(worker, today=dt.date(2026, 11, 20))
    assert [(i.person.pk, i.kind, i.due_date, i.overdue) for i in items] == [
        (person.pk, "intake", dt.date(2026, 11, 29), False)]
    AssessmentSettings.objects.create(municipality=municipality, first_assessment_within_days=14)
    items = selectors.occasions_due(worker, today=dt.date(2026, 11, 20))
    assert [(i.due_date, i.overdue) for i in items] == [(dt.date(2026, 11, 15), True)]


def test_follow_up_is_due_every_n_days_after_the_last_performed_occasion(setup):
    municipality, worker, person, occasion = setup
    services.complete_occasion(user=worker, occasion=occasion, performed_on=dt.date(2026, 11, 10))
    AssessmentSettings.objects.create(municipality=municipality, follow_up_every_days=30)
    items = selectors.occasions_due(worker, today=dt.date(2026, 12, 15))
    assert [(i.kind, i.due_date, i.overdue) for i in items] == [("follow_up", dt.date(2026, 12, 10), True)]
    assert selectors.occasions_due(worker, today=dt.date(2026, 11, 12)) == []  # not yet within 14 days


def test_a_planned_occasion_is_due_on_its_date_and_exit_ends_follow_ups(setup):
    municipality, worker, person, occasion = setup
    items = selectors.occasions_due(worker, today=dt.date(2026, 11, 11), worker=worker)
    assert [(i.occasion, i.overdue) for i in items] == [(occasion, True)]
    services.complete_occasion(user=worker, occasion=occasion, performed_on=dt.date(2026, 11, 10))
    exit_ = services.create_occasion(user=worker, person=person, kind=OccasionKind.EXIT,
                                     scheduled_for=dt.date(2026, 12, 1), version=sfp_version())
    services.complete_occasion(user=worker, occasion=exit_, performed_on=dt.date(2026, 12, 1))
    assert selectors.occasions_due(worker, today=dt.date(2027, 6, 1)) == []


def test_due_list_is_empty_for_other_municipalities_and_researchers(setup):
    assert selectors.occasions_due(user_with_role(Role.CASEWORKER, MunicipalityFactory()), today=dt.date(2026, 11, 20)) == []
    assert selectors.occasions_due(user_with_role(Role.RESEARCHER, setup[0]), today=dt.date(2026, 11, 20)) == []


class TestRatingsNeverMerge(HypothesisTestCase):
    @settings(max_examples=15, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["client", "worker"]), st.sampled_from(["D1", "D2"]),
                              st.integers(1, 5)), min_size=1, max_size=8))
    def test_each_raters_last_answer_is_what_is_kept(self, answers):
        municipality = MunicipalityFactory()
        worker = user_with_role(Role.CASEWORKER, municipality)
        occasion = make_occasion(municipality)
        for rater, domain, level in answers:
            services.rate(occasion=occasion, rater=rater, domain=domain, status="rated", level=level,
                          user=worker if rater == "worker" else None)
        expected = {(rater, domain): level for rater, domain, level in answers}
        kept = {(r.rater, r.domain): r.level for r in DomainRating.objects.filter(occasion=occasion)}
        assert kept == expected
