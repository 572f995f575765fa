"""An applicant who reads English answers their plan, self-rates before a meeting and appeals a decision in the
e-service, at a phone's 320 px (issue 20): every page is checked for reflow, axe-core and proofreading
(conftest's phone_page), and its fixed texts are English; the law's texts stay Swedish beside an English
explanation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bistand.appeals.models import Appeal
from bistand.assessment.models import Rater
from bistand.plans import services as plan_services
from bistand.plans.models import Plan, PlanStatus, Responsible
from tests.appeals.factories import decision_issued_on, worker
from tests.assessment.factories import make_occasion
from tests.factories import MunicipalityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_applicant_reads_and_answers_plan_self_assessment_and_appeal_in_english(live_server, phone_page):
    from playwright.sync_api import expect

    municipality = MunicipalityFactory(name="Exempelby")
    decision = decision_issued_on(municipality, timezone.localdate() - dt.timedelta(days=3))
    person = decision.application.applicant
    user = worker(municipality)
    plan = plan_services.create_plan(actor=user, person=person, valid_from=timezone.localdate())
    goal = plan_services.add_goal(actor=user, plan=plan, client_wording="Jag vill jobba i en butik", domain_code="D3",
                                  domain_label="Arbete och sysselsättning")
    plan_services.add_action(actor=user, plan=plan, goal=goal, description="Gå en kurs i kundservice",
                             responsible=Responsible.LABOUR_MARKET_UNIT)
    plan_services.add_requirement(actor=user, plan=plan, description="Skriva in dig hos Arbetsförmedlingen",
                                  decision=decision, legal_basis="12 kap. 3–4 §§ socialtjänstlagen (2025:400)")
    plan_services.share_plan(actor=user, plan=plan)
    occasion = make_occasion(person=person, scheduled_for=timezone.localdate() + dt.timedelta(days=7))

    page = phone_page
    page.goto(f"{live_server.url}/e-tjanst/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Sign in with e-ID").click()
    page.get_by_label("Personnummer").fill(f"{person.personnummer[:8]}-{person.personnummer[8:]}")
    page.get_by_role("button", name="Logga in som testpersonen").click()

    # --- the plan: goals apart from the conditions, the provision in Swedish; the applicant agrees ---------------
    page.get_by_role("link", name="My plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My plan")
    page.get_by_role("link", name="Plan from").first.click()
    goals = page.locator("section[aria-labelledby=goals-heading]")
    expect(goals.get_by_role("heading", level=2)).to_have_text("Your goals")
    expect(goals).to_contain_text("Goal 1: Work and occupation")
    expect(goals).to_contain_text("The municipality's employment unit")
    requirements = page.locator("section[aria-labelledby=requirements-heading]")
    expect(requirements.get_by_role("heading", level=2)).to_have_text("Conditions for getting financial support")
    expect(requirements.locator("span[lang=sv]")).to_have_text("12 kap. 3–4 §§ socialtjänstlagen (2025:400)")
    page.get_by_role("button", name="Send your reply").click()  # nothing chosen: an error at the question
    expect(page.get_by_role("alert")).to_contain_text("Choose an answer.")
    page.get_by_label("I agree with the plan", exact=True).check()
    page.get_by_role("button", name="Send your reply").click()
    expect(page.locator("#plan-status")).to_have_text("You have agreed with the plan")

    # --- the self-assessment: one life area per screen, in English; the answers are stored as levels -------------
    page.get_by_role("link", name="My self-assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My self-assessment")
    page.get_by_role("link", name="Answer before the meeting on").click()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Money for what you need")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose an answer, or press “Skip”.")
    page.get_by_label("Most of my money is my own, for example wages or unemployment benefit. I do my own budget.").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Question 2 of 13")).to_be_visible()
    page.get_by_label("I do not want to answer").check()
    page.get_by_role("button", name="Next").click()
    page.goto(f"{live_server.url}/e-tjanst/skattning/{occasion.pk}/skicka/")
    table = page.get_by_role("table", name="Your answers by area")
    expect(table).to_contain_text("Money for what you need")
    expect(table).to_contain_text("No answer")
    page.get_by_role("button", name="Send to my case worker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")

    # --- the appeal: the form and the chain in English, the law's appeal text in Swedish beside an explanation ---
    page.goto(f"{live_server.url}/e-tjanst/ansokan/{decision.application_id}/beslut/{decision.pk}/")
    expect(page.locator("#legal-explanation")).to_contain_text("within three weeks")
    expect(page.get_by_role("heading", name="Appeal here in the e-service")).to_be_visible()
    page.get_by_label("How do you want the decision changed, and why?").fill("Hyran ska räknas i sin helhet.")
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your appeal against decision {decision.pk}")
    chain = page.locator("ol.chain")
    expect(chain).to_contain_text("The appeal was received")
    expect(chain).to_contain_text("Received in time")
    page.get_by_role("link", name="My case").last.click()
    expect(page.locator("ol.events")).to_contain_text("Your appeal has been received")

    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.ACCEPTED
    assert occasion.ratings.get(rater=Rater.CLIENT, domain="D1").level == 4
    assert Appeal.objects.get().text == "Hyran ska räknas i sin helhet."
