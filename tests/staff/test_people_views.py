"""The staff pages for persons, households and the access log."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from bistand.audit.models import AccessAction, AccessLog
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdRole, Person
from bistand.tenancy.roles import Role
from tests.factories import (
    AccessLogFactory,
    HouseholdMemberFactory,
    MunicipalityFactory,
    PersonFactory,
    RegionFactory,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory(name="Hemby")


@pytest.fixture
def caseworker(municipality):
    return user_with_role(Role.CASEWORKER, municipality)


@pytest.fixture
def manager(municipality):
    return user_with_role(Role.MANAGER, municipality)


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, url
    return response


def shown_pks(response) -> list[int]:
    return [row.pk for row in response.context["rows"]]


class Accessibility(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self):
        super().__init__()
        self.labels, self.inputs, self.tables, self.captions, self.ths = set(), [], 0, 0, []
        self.lang = None
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.inputs.append(attrs)
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.ths.append(attrs)


def check_accessible(content: str):
    parser = Accessibility()
    parser.feed(content)
    assert parser.lang == "sv"
    for field in parser.inputs:
        assert field.get("id") in parser.labels, f"input without a label: {field}"
        for described in (field.get("aria-describedby") or "").split():
            assert described in parser.ids, f"aria-describedby points to a missing id: {described}"
    assert parser.tables == parser.captions
    assert all(th.get("scope") in ("col", "row") for th in parser.ths)


class TestLoginAndPermissions:
    @pytest.mark.parametrize("name", ["person_list", "household_list", "access_log"])
    def test_anonymous_users_go_to_the_login_page(self, client, name):
        response = client.get(reverse(f"staff:{name}"))
        assert response.status_code == 302 and response["Location"].startswith("/konto/logga-in/")

    def test_anonymous_users_go_to_the_login_page_for_object_pages_too(self, client, municipality):
        person = PersonFactory(municipality=municipality)
        response = client.get(reverse("staff:person_edit", args=[person.pk]))
        assert response.status_code == 302 and "next=" in response["Location"]

    @pytest.mark.parametrize("role", [Role.RESEARCHER, Role.REGIONAL_COORDINATOR])
    def test_roles_without_person_data_are_refused(self, client, municipality, role):
        region = RegionFactory()
        user = user_with_role(role, municipality, region=region)
        for name in ("person_list", "household_list", "access_log"):
            page(client, user, reverse(f"staff:{name}"), status=403)

    def test_list_pages_only_answer_get(self, client, caseworker):
        client.force_login(caseworker)
        assert client.post(reverse("staff:person_list")).status_code == 405
        assert client.post(reverse("staff:household_list")).status_code == 405


class TestPersonList:
    def test_lists_the_municipalitys_persons_by_name(self, client, caseworker, municipality):
        b = PersonFactory(municipality=municipality, last_name="Berg")
        a = PersonFactory(municipality=municipality, last_name="Andersson")
        PersonFactory(municipality=MunicipalityFactory(), last_name="Aaberg")
        response = page(client, caseworker, reverse("staff:person_list"))
        assert shown_pks(response) == [a.pk, b.pk]
        check_accessible(response.content.decode())

    @pytest.mark.parametrize("query", ["åsa", "ÅSA ÖST", "Östgård", "sa öst"])
    def test_search_by_name_ignores_case_also_for_swedish_letters(self, client, caseworker, municipality, query):
        wanted = PersonFactory(municipality=municipality, first_name="Åsa", last_name="Östgård",
                               search_name="åsa östgård")
        PersonFactory(municipality=municipality, first_name="Eva", last_name="Berg", search_name="eva berg")
        response = page(client, caseworker, reverse("staff:person_list") + f"?q={query}")
        assert shown_pks(response) == [wanted.pk]

    def test_search_by_personnummer_in_any_form(self, client, caseworker, municipality):
        number = pnr.test_number(dt.date(1985, 3, 12), 7)
        wanted = PersonFactory(municipality=municipality, personnummer=number.normalised, birth_date=number.birth_date)
        PersonFactory(municipality=municipality)
        for query in (number.normalised, number.formatted, number.ten_digit(), number.normalised[2:], "850312"):
            response = page(client, caseworker, reverse("staff:person_list") + f"?q={query}")
            assert shown_pks(response) == [wanted.pk], query

    def test_pages_of_25_and_the_next_link_keeps_the_search(self, client, caseworker, municipality):
        PersonFactory.create_batch(30, municipality=municipality, last_name="Lund", search_name="x lund")
        response = page(client, caseworker, reverse("staff:person_list") + "?q=lund")
        assert len(response.context["rows"]) == 25
        content = response.content.decode()
        assert "?q=lund&amp;page=2" in content and "Sida 1 av 2" in content
        second = page(client, caseworker, reverse("staff:person_list") + "?q=lund&page=2")
        assert len(second.context["rows"]) == 5
        assert page(client, caseworker, reverse("staff:person_list") + "?page=x").context["page"].number == 1


class TestPersonDetail:
    def test_shows_the_person_and_the_household_memberships(self, client, caseworker, municipality):
        household = household_with_members(municipality, adults=2)
        person = household.members.get(role="partner").person
        old = household_with_members(municipality)
        HouseholdMemberFactory(household=old, person=person, role=HouseholdRole.OTHER_ADULT,
                               valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2021, 6, 30))
        response = page(client, caseworker, reverse("staff:person_detail", args=[person.pk]))
        content = response.content.decode()
        assert f"{person.first_name} {person.last_name}" in content
        assert "Make, maka eller sambo" in content and "Annan vuxen i hushållsgemenskap" in content
        assert "2021-06-30" in content and "(tidigare)" in content
        assert reverse("staff:household_detail", args=[household.pk]) in content
        assert reverse("staff:person_edit", args=[person.pk]) in content
        assert reverse("staff:access_log") not in content.split("<main")[1]  # a case worker may not
        check_accessible(content)

    def test_a_manager_gets_a_link_to_the_persons_access_log_but_no_edit_link(self, client, manager, municipality):
        person = PersonFactory(municipality=municipality)
        content = page(client, manager, reverse("staff:person_detail", args=[person.pk])).content.decode()
        assert f"{reverse('staff:access_log')}?person={person.pk}" in content
        assert reverse("staff:person_edit", args=[person.pk]) not in content

    def test_another_municipalitys_person_is_not_found(self, client, caseworker):
        person = PersonFactory(municipality=MunicipalityFactory())
        page(client, caseworker, reverse("staff:person_detail", args=[person.pk]), status=404)


class TestPersonEdit:
    def data(self, person, **changes):
        values = {"personnummer": person.personnummer, "first_name": person.first_name, "last_name": person.last_name,
                  "care_of": "", "street_address": person.street_address, "postal_code": person.postal_code,
                  "postal_town": person.postal_town}
        values.update(changes)
        return values

    def test_the_form_is_filled_in_and_accessible(self, client, caseworker, municipality):
        person = PersonFactory(municipality=municipality)
        response = page(client, caseworker, reverse("staff:person_edit", args=[person.pk]))
        content = response.content.decode()
        assert f'value="{person.personnummer[:8]}-{person.personnummer[8:]}"' in content
        check_accessible(content)

    def test_saving_redirects_to_the_person_with_a_message(self, client, caseworker, municipality):
        person = PersonFactory(municipality=municipality)
        client.force_login(caseworker)
        response = client.post(reverse("staff:person_edit", args=[person.pk]), self.data(person, first_name="Märta"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("staff:person_detail", args=[person.pk])
        assert "Uppgifterna är sparade." in response.content.decode()
        person.refresh_from_db()
        assert person.first_name == "Märta"

    def test_errors_are_shown_in_swedish_at_each_field(self, client, caseworker, municipality):
        person = PersonFactory(municipality=municipality, first_name="Kvar")
        client.force_login(caseworker)
        response = client.post(reverse("staff:person_edit", args=[person.pk]),
                               self.data(person, personnummer="19850230-9800", first_name="", postal_code="12"))
        assert response.status_code == 400
        content = response.content.decode()
        assert "Det finns ingen 30:e februari 1985" in content
        assert "Skriv förnamnet." in content
        assert "Postnumret ska vara fem siffror" in content
        assert 'id="id_personnummer-error"' in content
        assert 'aria-describedby="id_personnummer-hint id_personnummer-error"' in content
        assert 'aria-invalid="true"' in content
        assert 'role="alert"' in content and 'href="#id_first_name"' in content
        check_accessible(content)
        person.refresh_from_db()
        assert person.first_name == "Kvar"

    def test_a_number_already_used_in_the_municipality_is_shown_at_the_field(self, client, caseworker, municipality):
        person, other = PersonFactory(municipality=municipality), PersonFactory(municipality=municipality)
        client.force_login(caseworker)
        response = client.post(reverse("staff:person_edit", args=[person.pk]), self.data(person, personnummer=other.personnummer))
        assert response.status_code == 400
        assert "Det finns redan en person med det numret i kommunen." in response.content.decode()

    def test_a_manager_may_look_but_not_edit(self, client, manager, municipality):
        person = PersonFactory(municipality=municipality)
        page(client, manager, reverse("staff:person_edit", args=[person.pk]), status=403)
        assert client.post(reverse("staff:person_edit", args=[person.pk]), self.data(person, first_name="X")).status_code == 403
        person.refresh_from_db()
        assert person.first_name != "X"


class TestHouseholds:
    def test_the_list_shows_applicant_partner_and_member_count(self, client, caseworker, municipality):
        household = household_with_members(municipality, adults=2, children=2)
        applicant = household.members.get(role="applicant").person
        response = page(client, caseworker, reverse("staff:household_list"))
        content = response.content.decode()
        assert f"{applicant.first_name} {applicant.last_name}" in content
        assert response.context["rows"][0]["member_count"] == 4
        check_accessible(content)

    def test_members_who_have_left_are_not_counted_in_the_list(self, client, caseworker, municipality):
        household = household_with_members(municipality, adults=1, children=1)
        household.members.filter(role="child").update(valid_to=timezone.localdate() - dt.timedelta(days=1))
        response = page(client, caseworker, reverse("staff:household_list"))
        assert response.context["rows"][0]["member_count"] == 1

    def test_the_detail_shows_current_and_earlier_members_with_roles(self, client, caseworker, municipality):
        household = household_with_members(municipality, adults=2, children=1)
        left = PersonFactory(municipality=municipality, first_name="Utflyttad")
        HouseholdMemberFactory(household=household, person=left, role=HouseholdRole.OTHER_ADULT,
                               valid_from=dt.date(2023, 1, 1), valid_to=dt.date(2023, 12, 31))
        response = page(client, caseworker, reverse("staff:household_detail", args=[household.pk]))
        assert [m.role for m, _ in response.context["current"]] == ["applicant", "partner", "child"]
        assert [p.first_name for _, p in response.context["earlier"]] == ["Utflyttad"]
        content = response.content.decode()
        assert "Sökande" in content and "Barn" in content and "Annan vuxen i hushållsgemenskap" in content
        today = date_format(timezone.localdate(), "j F Y")
        current, earlier = content.split("<h2>Tidigare och kommande medlemmar</h2>")
        assert f"<caption>Medlemmar i hushållet {today}</caption>" in current and "Utflyttad" not in current
        assert "<caption>Medlemmar under andra perioder</caption>" in earlier
        assert "<td>2023-01-01</td>" in earlier and "<td>2023-12-31</td>" in earlier
        check_accessible(content)


class TestAccessLogPage:
    @pytest.fixture
    def history(self, municipality, caseworker):
        first, second = PersonFactory(municipality=municipality), PersonFactory(municipality=municipality)
        other_reader = user_with_role(Role.APPROVER, municipality)
        AccessLogFactory(user=caseworker, person=first, action=AccessAction.VIEW)
        AccessLogFactory(user=caseworker, person=second, action=AccessAction.LIST)
        AccessLogFactory(user=other_reader, person=first, action=AccessAction.SEARCH,
                         created_at=timezone.now() - dt.timedelta(days=40))
        AccessLogFactory(person=PersonFactory(municipality=MunicipalityFactory()))  # another municipality
        return first, second, other_reader

    def entries(self, response):
        """The rows shown, apart from those written by the test's own earlier look at the log."""
        return [row["entry"] for row in response.context["rows"] if row["entry"].purpose != "access_review"]

    def test_a_case_worker_cannot_read_the_access_log(self, client, caseworker):
        page(client, caseworker, reverse("staff:access_log"), status=403)

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
    def test_managers_and_administrators_see_their_municipalitys_log(self, client, municipality, history, role):
        user = user_with_role(role, municipality)
        response = page(client, user, reverse("staff:access_log"))
        entries = self.entries(response)
        assert len(entries) == 3 and all(e.municipality_id == municipality.pk for e in entries)
        check_accessible(response.content.decode())

    def test_the_log_of_one_person(self, client, manager, history):
        first, _, _ = history
        for query in (f"?person={first.pk}", f"?personnummer={first.personnummer}"):
            response = page(client, manager, reverse("staff:access_log") + query)
            assert {e.person_id for e in self.entries(response)} == {first.pk}
            assert len(self.entries(response)) == 2
            assert f"Åtkomstlogg för {first.first_name}" in response.content.decode()

    def test_the_log_of_one_user(self, client, manager, caseworker, history):
        response = page(client, manager, reverse("staff:access_log") + f"?user={caseworker.pk}")
        assert {e.user_id for e in self.entries(response)} == {caseworker.pk}
        assert len(self.entries(response)) == 2

    def test_filter_by_kind_and_period(self, client, manager, history):
        response = page(client, manager, reverse("staff:access_log") + "?action=search")
        assert [e.action for e in self.entries(response)] == ["search"]
        today = timezone.localdate()
        response = page(client, manager, reverse("staff:access_log") + f"?date_from={today - dt.timedelta(days=1)}")
        assert len(self.entries(response)) == 2
        response = page(client, manager, reverse("staff:access_log") + f"?date_to={today - dt.timedelta(days=30)}")
        assert len(self.entries(response)) == 1

    def test_wrong_filters_are_explained_at_the_field(self, client, manager, history):
        client.force_login(manager)
        response = client.get(reverse("staff:access_log") + "?personnummer=19851312-9800&date_from=2025-05-01&date_to=2025-04-01")
        assert response.status_code == 400
        content = response.content.decode()
        assert "Månaden 13 finns inte" in content and "Slutdatumet kan inte vara före startdatumet." in content
        assert self.entries(response) == []

    def test_a_person_of_another_municipality_cannot_be_looked_up(self, client, manager, history):
        stranger = PersonFactory(municipality=MunicipalityFactory())
        client.force_login(manager)
        response = client.get(reverse("staff:access_log") + f"?personnummer={stranger.personnummer}")
        assert response.status_code == 400
        assert "Det finns ingen person med det numret i kommunen." in response.content.decode()
        response = client.get(reverse("staff:access_log") + f"?person={stranger.pk}")
        assert self.entries(response) == []

    def test_the_user_filter_offers_only_this_municipalitys_users(self, client, manager, caseworker, history):
        stranger = user_with_role(Role.MANAGER, MunicipalityFactory())
        response = page(client, manager, reverse("staff:access_log"))
        choices = {value for value, _ in response.context["form"].fields["user"].choices}
        assert caseworker.pk in choices and stranger.pk not in choices

    def test_pages_of_50(self, client, manager, municipality, caseworker):
        person = PersonFactory(municipality=municipality)
        AccessLog.objects.bulk_create(
            [AccessLog(user=caseworker, user_display_name="x", person=person, municipality=municipality,
                       action="view", target="staff:person_detail", purpose="casework") for _ in range(60)]
        )
        response = page(client, manager, reverse("staff:access_log"))
        assert len(response.context["rows"]) == 50 and response.context["page"].paginator.num_pages == 2

    def test_the_menu_shows_the_access_log_only_to_those_who_may_read_it(self, client, manager, caseworker):
        # The manager's start page is the dashboard; the list of pages is at ?meny=1 (the menu is on both).
        assert reverse("staff:access_log") in page(client, manager, reverse("staff:home") + "?meny=1").content.decode()
        assert reverse("staff:access_log") in page(client, manager, reverse("staff:followup_dashboard")).content.decode()
        assert reverse("staff:access_log") not in page(client, caseworker, reverse("staff:home")).content.decode()


def test_person_model_ordering_is_by_name(municipality):
    PersonFactory(municipality=municipality, last_name="Ödman")
    PersonFactory(municipality=municipality, last_name="Alm")
    assert [p.last_name for p in Person.objects.all()] == ["Alm", "Ödman"]
