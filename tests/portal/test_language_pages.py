"""Every page of the e-service in English and lättläst: no fixed Swedish text left untranslated (issue 20).

How a page is checked (``untranslated``): the text of the page's <title> and <main> is read element by
element, leaving out what an element with ``lang="sv"`` encloses (the law's texts, which stay Swedish on
purpose, with an explanation beside them) and the data the test itself wrote (names, the plan's and the
appeal's own words). Then

* no text may contain a Swedish msgid of the catalogue whose translation in the page's language differs
  (a string that was marked but is shown without gettext, e.g. a lower layer's label), and
* in English, no text may look Swedish at all (å, ä, ö or a common Swedish word): this finds a fixed text
  that nobody marked.

The same check on the Swedish page finds its fixed texts, so it cannot pass by finding nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.utils import timezone, translation

from bistand.appeals import services as appeal_services
from bistand.assessment.models import Rater, RatingStatus
from bistand.plans import services as plan_services
from bistand.plans.models import Responsible
from tests.appeals.factories import decision_issued_on, moment, worker
from tests.assessment.factories import make_occasion
from tests.factories import MunicipalityFactory
from tests.portal.helpers import simulator_login
from tests.portal.test_decision_pages import NUMBER, decided_with_child  # noqa: F401

LOCALE = Path(__file__).resolve().parents[2] / "src" / "bistand" / "locale"
PO = {"en": LOCALE / "en" / "LC_MESSAGES" / "django.po", "sv-ll": LOCALE / "sv_LL" / "LC_MESSAGES" / "django.po"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(och|att|inte|du|din|ditt|dina|har|med|som|eller|kan|ska|vill|svar|svara|beslut|"
                     r"fråga|nästa|skicka|tillbaka|planering|planeringen|ansökan|sidan|kom|till)\b", re.IGNORECASE)
# what the tests below write themselves: the applicant's and the case worker's own words are never translated
GOAL = "Jag vill ha ett jobb i ett lager"
ACTION = "Söka tre jobb i veckan"
REQUIREMENT = "Skriva in dig hos Arbetsförmedlingen"
APPEAL_TEXT = "Hyran ska räknas i sin helhet."
# names, kept in every language: the product's (in every <title>) and the authorities' ("Arbetsförmedlingen (the
# Public Employment Service)")
PROPER_NAMES = ("Bistånd", "Arbetsförmedlingen", "Försäkringskassan")
# the Swedish names of the law and the court an English explanation gives in brackets: "(socialtjänstlagen)"
LAW_NAMES = ("(socialtjänstlagen)", "(förvaltningsrätten)", "(riksnormen)")


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self.kept_swedish: list[str] = []  # the texts of <main> inside lang="sv"

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        tags = [tag for tag, _ in self.stack]
        if ("main" in tags or "title" in tags) and "script" not in tags and "style" not in tags \
                and not any(lang == "sv" for tag, lang in self.stack if tag not in ("html",)):
            text = " ".join(data.split())
            if text:
                self.texts.append(text)
        elif "main" in tags and " ".join(data.split()):
            self.kept_swedish.append(" ".join(data.split()))


def texts_of(page: str) -> list[str]:
    parser = _Texts()
    parser.feed(page)
    return parser.texts


def kept_swedish(page: str) -> list[str]:
    """What a page keeps in Swedish on purpose (inside lang="sv"): a page may not hide its fixed texts there."""
    parser = _Texts()
    parser.feed(page)
    return parser.kept_swedish


def _pattern(text: str, whole: bool) -> re.Pattern:
    body = r".+?".join(re.escape(part) for part in re.split(r"%\(\w+\)[sd]", text))
    return re.compile(rf"^{body}$" if whole else rf"(?<![\wåäöÅÄÖ]){body}(?![\wåäöÅÄÖ])")


@lru_cache(maxsize=2)
def _translated_msgids(code: str) -> list[tuple[str, re.Pattern, list[re.Pattern]]]:
    """(msgid, pattern, the translations that contain the msgid) of each catalogue entry whose translation
    differs from its Swedish msgid ("Kom in för sent och prövas inte" is lättläst, not "Kom in för sent")."""
    entries = [e for e in polib.pofile(str(PO[code])) if not e.obsolete and not e.msgid_plural and "<" not in e.msgid]
    found = []
    for entry in entries:
        if entry.msgstr.strip() == entry.msgid.strip() or len(re.sub(r"%\(\w+\)[sd]|\W", "", entry.msgid)) < 6:
            continue  # ("%(kind)s för %(month)s." has too few words of its own to be found)
        # one word ("Klar", "Område"): the whole text must be it
        containing = [_pattern(other.msgstr, False) for other in entries if entry.msgid in other.msgstr]
        found.append((entry.msgid, _pattern(entry.msgid, " " not in entry.msgid.strip()), containing))
    return found


def untranslated(page: str, code: str, data: tuple[str, ...] = ()) -> list[str]:
    problems = []
    data = (*data, *PROPER_NAMES)
    for text in texts_of(page):
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, " ")
        text = " ".join(text.split())
        if not text:
            continue
        for msgid, pattern, containing in _translated_msgids(code):
            if pattern.search(text) and not any(translation.search(text) for translation in containing):
                problems.append(f"{text!r} (the msgid {msgid!r} is not translated)")
                break
        else:
            if code == "en" and SWEDISH.search(text):
                problems.append(f"{text!r} (Swedish, not marked for translation)")
    return problems


def in_language(client, code: str, url: str, method: str = "get", data: dict | None = None):
    client.post("/e-tjanst/sprak/", {"language": code, "next": "/e-tjanst/"})
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    assert response.status_code in ((200, 302, 400) if method == "post" else (200,)), (url, response.status_code)
    return response.content.decode()


# --- the pages ------------------------------------------------------------------------------------------------


@pytest.fixture
def plan_pages(client):
    municipality = MunicipalityFactory(name="Exempelby")
    decision = decision_issued_on(municipality, timezone.localdate() - dt.timedelta(days=3))
    person = decision.application.applicant
    user = worker(municipality)
    plan = plan_services.create_plan(actor=user, person=person, valid_from=dt.date(2026, 1, 1),
                                     valid_to=dt.date(2026, 12, 31), follow_up_due=dt.date(2026, 6, 1))
    goal = plan_services.add_goal(actor=user, plan=plan, client_wording=GOAL, domain_code="D3",
                                  domain_label="Arbete och sysselsättning", target_date=dt.date(2026, 6, 30))
    plan_services.add_action(actor=user, plan=plan, goal=goal, description=ACTION, responsible=Responsible.CLIENT,
                             due_date=dt.date(2026, 2, 1))
    plan_services.add_action(actor=user, plan=plan, description=ACTION, responsible=Responsible.ARBETSFORMEDLINGEN)
    plan_services.add_requirement(actor=user, plan=plan, description=REQUIREMENT, decision=decision,
                                  legal_basis="12 kap. 3–4 §§ socialtjänstlagen (2025:400)", due_date=dt.date(2026, 3, 1))
    plan = plan_services.share_plan(actor=user, plan=plan)
    rated = plan_services.start_follow_up(actor=user, plan=plan, held_on=dt.date(2026, 3, 2))
    plan.refresh_from_db()
    plan_services.respond(plan=plan, person=person, kind="disputed", comment="Det är för långt att resa")
    plan_services.rate_usefulness_client(follow_up=rated, person=person, value=4)
    simulator_login(client, person.personnummer)
    data = (person.first_name, person.last_name, municipality.name, "Det är för långt att resa", GOAL, ACTION,
            REQUIREMENT)
    return {"list": "/e-tjanst/planering/", "detail": f"/e-tjanst/planering/{plan.pk}/"}, data


@pytest.fixture
def assessment_pages(client):
    municipality = MunicipalityFactory(name="Exempelby")
    from tests.factories import PersonFactory

    person = PersonFactory(municipality=municipality, first_name="Sara", last_name="Exempel")
    occasion = make_occasion(person=person, scheduled_for=timezone.localdate() + dt.timedelta(days=7))
    simulator_login(client, person.personnummer)
    return occasion, (person.first_name, person.last_name, municipality.name)


@pytest.fixture
def appeal_pages(client):
    municipality = MunicipalityFactory(name="Exempelby")
    issued = dt.date(2026, 11, 2)
    decision = decision_issued_on(municipality, issued)
    person = decision.application.applicant
    user = worker(municipality)
    in_time = appeal_services.lodge_appeal(person, decision, APPEAL_TEXT)
    late = appeal_services.register_paper_appeal(user, decision, APPEAL_TEXT, dt.date(2026, 11, 30))
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=moment(dt.date(2026, 12, 1))):
        appeal_services.dismiss_late(late, user)
    simulator_login(client, person.personnummer)
    from bistand.decisions.letters import authority

    data = (person.first_name, person.last_name, municipality.name, APPEAL_TEXT, authority(municipality)["committee_name"],
            *LAW_NAMES)
    return {"in_time": f"/e-tjanst/overklagande/{in_time.pk}/", "dismissed": f"/e-tjanst/overklagande/{late.pk}/",
            "decision": f"/e-tjanst/ansokan/{decision.application_id}/beslut/{decision.pk}/"}, data


CODES = ["en", "sv-ll"]


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_the_plan_pages_have_no_untranslated_fixed_text(client, plan_pages, code):
    urls, data = plan_pages
    for url in urls.values():
        page = in_language(client, code, url)
        assert untranslated(page, code, data) == [], url
        assert set(kept_swedish(page)) <= {"12 kap. 3–4 §§ socialtjänstlagen (2025:400)"}  # only the provision
    error = in_language(client, code, urls["detail"], "post", {"kind": "", "comment": ""})
    assert untranslated(error, code, data) == []


@pytest.mark.django_db
def test_in_english_the_plan_says_what_it_is_and_keeps_the_law_in_swedish(client, plan_pages):
    urls, _ = plan_pages
    page = in_language(client, "en", urls["detail"])
    assert "Your goals" in page and "Conditions for getting financial support" in page
    assert "Goal 1: Work and occupation" in page and "– You, " in page and "(in progress)" not in page
    assert '<span lang="sv">12 kap. 3–4 §§ socialtjänstlagen (2025:400)</span>' in page
    assert "I agree with the plan" in page and "You do not agree with the plan" in page
    error = in_language(client, "en", urls["detail"], "post", {"kind": "", "comment": ""})
    assert "Choose an answer." in error


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_the_self_assessment_pages_have_no_untranslated_fixed_text(client, assessment_pages, code):
    occasion, data = assessment_pages
    base = f"/e-tjanst/skattning/{occasion.pk}/"
    step = base + "steg/"
    for url in ["/e-tjanst/skattning/", step + "1/", step + "8/"]:
        page = in_language(client, code, url)
        assert untranslated(page, code, data) == [] and kept_swedish(page) == [], url
    error = in_language(client, code, step + "2/", "post", {"action": "save"})
    assert untranslated(error, code, data) == []
    in_language(client, code, step + "1/", "post", {"action": "save", "answer": "3"})
    in_language(client, code, step + "2/", "post", {"action": "save", "answer": "not_relevant"})
    in_language(client, code, step + "3/", "post", {"action": "save", "answer": "declined"})
    assert untranslated(in_language(client, code, base + "skicka/"), code, data) == []
    client.post(base + "skicka/")
    assert untranslated(in_language(client, code, base + "klar/"), code, data) == []


@pytest.mark.django_db
def test_in_english_the_life_areas_and_answers_are_english_and_stored_as_codes(client, assessment_pages):
    occasion, _ = assessment_pages
    base = f"/e-tjanst/skattning/{occasion.pk}/"
    step = base + "steg/"
    page = in_language(client, "en", step + "1/")
    assert "Money for what you need" in page and "I do not have money for food or rent this month." in page
    assert "Does not apply to me" in page and "I do not want to answer" in page and "Question 1 of 13" in page
    in_language(client, "en", step + "1/", "post", {"action": "save", "answer": "1"})
    rating = occasion.ratings.get(rater=Rater.CLIENT, domain="D1")
    assert (rating.status, rating.level) == (RatingStatus.RATED, 1)  # a code and a level, never English words
    assert occasion.instrument_version.domains[0]["client_label"] == "Pengar till det du behöver"


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_the_appeal_pages_have_no_untranslated_fixed_text(client, appeal_pages, code):
    urls, data = appeal_pages
    for url in urls.values():
        assert untranslated(in_language(client, code, url), code, data) == [], url
    error = in_language(client, code, urls["dismissed"], "post", {"text": ""})
    assert untranslated(error, code, data) == []


@pytest.mark.django_db
def test_in_english_the_appeal_chain_is_english_and_the_dismissal_explained(client, appeal_pages):
    urls, _ = appeal_pages
    page = in_language(client, "en", urls["dismissed"])
    assert "The appeal was received" in page and "Received too late" in page and "The appeal has been refused" in page
    assert 'id="legal-explanation"' in page and "within three weeks" in page
    assert "Om du inte är nöjd med beslutet att avvisa ditt överklagande" in page  # the law's text stays Swedish


def test_the_check_finds_the_fixed_texts_of_a_swedish_page():
    page = ('<html lang="sv"><title>Vad som har hänt</title><main><h2>Annat stöd</h2><p>Mål 1: Skulder</p>'
            '<div lang="sv"><p>Lagstöd</p></div><p>Jag vill ha ett jobb i ett lager</p></main></html>')
    assert [problem.split(" (")[0] for problem in untranslated(page, "sv-ll", (GOAL,))] == ["'Vad som har hänt'", "'Annat stöd'"]
    found = untranslated(page, "en", (GOAL,))
    assert len(found) == 3 and not any("Lagstöd" in problem or GOAL in problem for problem in found)


# --- the decision, the application with its receipt, and "Mitt ärende" ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_the_decision_application_and_case_pages_have_no_untranslated_fixed_text(client, decided_with_child, code):
    application, decision, _, child = decided_with_child
    simulator_login(client, NUMBER)
    from bistand.decisions.letters import authority

    data = (application.applicant.first_name, application.applicant.last_name, child.first_name, application.municipality.name,
            authority(application.municipality)["committee_name"], *LAW_NAMES)
    for url in [f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/", f"/e-tjanst/ansokan/{application.pk}/",
                "/e-tjanst/mitt-arende/"]:
        assert untranslated(in_language(client, code, url), code, data) == [], url


@pytest.mark.django_db
def test_in_english_each_calculation_line_is_named_in_english_beside_the_swedish_trace(client, decided_with_child):
    application, decision, calculation, child = decided_with_child
    simulator_login(client, NUMBER)
    page = in_language(client, "en", f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/")
    table = page.split('id="calculation"', 1)[1].split("</table>", 1)[0]
    assert "Personal costs for Ella" in table and '<span class="muted small" lang="sv">(Personliga kostnader, Ella, ' in table
    assert "Financial support to be paid" in table and "This is the amount paid out." in table
    assert '<span class="muted small" lang="sv">(12 kap.' in table  # the lagrum stays Swedish
    assert calculation.result["lines"][0]["label"].startswith("Personliga kostnader")  # the stored trace is unchanged


# --- the application's own pages (audit of issue 20's applicant bullets in both languages) ----------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_the_application_pages_of_applicant_and_co_applicant_have_no_untranslated_fixed_text(client, code):
    from bistand.applications.models import Application
    from tests.portal.test_applicant_view import CHILD, PARTNER
    from tests.portal.test_application_pages import fill_all_steps, signed_in, start

    municipality = MunicipalityFactory(name="Exempelby")
    data = ("Sara", "Sökande", "Pia", "Partner", "Bo", "Exempelby", "(bostadsrätt)", *LAW_NAMES)
    client.post("/e-tjanst/sprak/", {"language": code, "next": "/e-tjanst/"})
    assert untranslated(in_language(client, code, "/e-tjanst/"), code, data) == []
    signed_in(client, given_name="Sara", family_name="Sökande")
    assert untranslated(in_language(client, code, "/e-tjanst/ansok/"), code, data) == []
    application = start(client, municipality)
    base = f"/e-tjanst/ansokan/{application.pk}/"
    assert untranslated(in_language(client, code, base), code, data) == []  # the draft overview
    fill_all_steps(client, application, {
        "members": {"has_partner": "yes", "partner_personnummer": f"{PARTNER[:8]}-{PARTNER[8:]}",
                    "partner_first_name": "Pia", "partner_last_name": "Partner", "children-TOTAL_FORMS": "1",
                    "children-0-first_name": "Bo", "children-0-personnummer": CHILD,
                    "children-0-days_present": "15", "children-0-lunch_away_from_home": "on"},
    })
    for url in [base + "steg/members/", base + "steg/housing/", base + "steg/costs/", base + "steg/incomes/",
                base + "steg/assets/", base + "steg/bank_account/", base + "bilagor/", base + "granska/"]:
        assert untranslated(in_language(client, code, url), code, data) == [], url
    key = str(Application.objects.get(pk=application.pk).submission_key)
    client.post(base + "granska/", {"submission_key": key})
    assert untranslated(in_language(client, code, base), code, data) == []
    client.post("/e-tjanst/logga-ut/")
    signed_in(client, PARTNER, given_name="Pia", family_name="Partner")
    for url in ["/e-tjanst/mitt-arende/", base + "bekrafta/"]:  # the co-applicant's point of view
        assert untranslated(in_language(client, code, url), code, data) == [], url


@pytest.mark.parametrize("school, english, easy", [
    (True, "goes to upper secondary school", "går i gymnasiet"),
    (False, "does not go to upper secondary school", "går inte i gymnasiet"),
])
def test_a_childs_row_is_translated_part_by_part_and_keeps_the_personnummer(school, english, easy):
    from bistand.applications import declaration as decl
    from bistand.portal.views.common import sections_in_language

    declaration = {"members": {"children": [
        {"key": "barn1", "first_name": "Bo", "personnummer": "200601022385", "days_present": 1,
         "lunch_away_from_home": True, "in_upper_secondary_school": school},
        {"key": "barn2", "first_name": "", "personnummer": "", "days_present": 12},
    ]}}
    rows = [("members", "Hushållet", decl.summary(declaration)["members"])]
    with translation.override("en"):
        members = dict(sections_in_language(rows)[0][2])
    assert members["Child: Bo"] == f"20060102-2385, lives with you 1 day a month, has lunch at preschool, {english}"
    assert members["Child: name missing"] == "personal identity number missing, lives with you 12 days a month"
    with translation.override("sv-ll"):
        members = dict(sections_in_language(rows)[0][2])
    assert members["Barn: Bo"].endswith(f"bor hos dig 1 dag varje månad, äter lunch på förskolan, {easy}")


@pytest.mark.django_db
def test_in_english_the_register_data_on_the_application_page_are_named_in_english(client, decided_with_child):
    from tests.registers.factories import fetch_with_facts

    application, _decision, _, _child = decided_with_child
    fetch_with_facts(application.applicant, application.month, [
        {"agency": "skv", "kind": "wage", "amount": 5000},
        {"agency": "af", "kind": "registration", "amount": None, "payload": {"registered": True}},
    ])
    simulator_login(client, NUMBER)
    page = in_language(client, "en", f"/e-tjanst/ansokan/{application.pk}/")
    register = page.split('id="register-title"', 1)[1].split("</section>", 1)[0]
    assert "Wages" in register and "Skatteverket (the Swedish Tax Agency)" in register
    assert "Registration as a job seeker" in register and "Lön" not in register
