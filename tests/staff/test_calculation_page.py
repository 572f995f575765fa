"""The staff page /handlaggning/berakning/: try a calculation and read its trace."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from bistand.rules import convert_input
from bistand.rules.calculate import calculate
from bistand.tenancy.roles import Role
from tests.factories import UserFactory
from tests.factories import user_with_role as staff_user

pytestmark = pytest.mark.django_db

URL = "/handlaggning/berakning/"
NBSP = "\u00a0"


def kronor(amount) -> str:
    """Swedish money format, written independently of the code under test: öre only where there are any."""
    value = Decimal(str(amount))
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{int(value):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", NBSP).replace("-", "−") + NBSP + "kr"


def form_data(
    *,
    month="2026-03",
    municipality="",
    dwelling_size="",
    adults=({"age": "34"},),
    children=(),
    costs=({"type": "rent", "amount": "6 500"},),
    incomes=(),
    action="calculate",
):
    """The POST data the page's form sends."""
    data = {"month": month, "municipality": municipality, "dwelling_size": dwelling_size, "action": action}
    for prefix, rows in (("adults", adults), ("children", children), ("costs", costs), ("incomes", incomes)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(rows)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    return data


@pytest.fixture
def staff_client(client):
    client.force_login(staff_user())
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside elements with an id."""

    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: (v or "") for k, v in attrs}))

    def by_id(self, element_id):
        return next(attrs for tag, attrs in self.tags if attrs.get("id") == element_id)


# --- access -------------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_a_staff_role_may_not_use_the_page(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.REGIONAL_COORDINATOR])
def test_roles_outside_case_work_may_not_use_the_page(client, role):
    client.force_login(staff_user(role=role))
    assert client.get(URL).status_code == 403


def test_url_name_is_staff_calculation():
    assert reverse("staff:calculation") == URL


# --- the empty form -----------------------------------------------------------------------------------


def test_page_starts_with_one_adult_and_a_rent_row(staff_client):
    response = staff_client.get(URL)

    assert response.status_code == 200
    page = Elements(response.content.decode())
    assert re.fullmatch(r"\d{4}-\d{2}", page.by_id("id_month")["value"])
    assert page.by_id("id_adults-0-age")
    assert "id_adults-1-age" not in response.content.decode()
    assert 'value="rent" selected' in response.content.decode()
    assert "Jönköpings kommun (0680)" in text_of(response)
    assert 'id="result"' not in response.content.decode()


def test_every_form_control_has_a_label(staff_client):
    markup = staff_client.post(URL, form_data(children=({"age": "3"},), incomes=({"type": "wage", "member": "sökande", "amount": "100"},))).content.decode()
    page = Elements(markup)
    labelled = {attrs["for"] for tag, attrs in page.tags if tag == "label"}
    controls = [
        attrs
        for tag, attrs in page.tags
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {"hidden", "submit"}
    ]
    assert controls
    assert [c["id"] for c in controls if c["id"] not in labelled] == []


# --- calculating --------------------------------------------------------------------------------------

FAMILY_FORM = dict(
    month="2026-03",
    municipality="0680",
    adults=({"age": "34", "consecutive_months_on_assistance": "8"}, {"age": "29"}),
    children=({"age": "4", "lunch_away_from_home": "on"}, {"age": "15", "days_present": "12"}),
    costs=({"type": "rent", "amount": "9 800,50"}, {"type": "home_insurance", "amount": "210"}),
    incomes=(
        {"type": "wage", "member": "sökande", "amount": "4 000"},
        {"type": "child_benefit", "member": "medsökande", "amount": "2500"},
    ),
)
FAMILY_DOCUMENT = {
    "month": "2026-03",
    "municipality": "0680",
    "household": {
        "adults": [{"id": "sökande", "age": 34, "consecutive_months_on_assistance": 8}, {"id": "medsökande", "age": 29}],
        "children": [
            {"id": "1", "age": 4, "lunch_away_from_home": True},
            {"id": "2", "age": 15, "days_present": 12},
        ],
    },
    "costs": [{"type": "rent", "amount": Decimal("9800.50")}, {"type": "home_insurance", "amount": 210}],
    "incomes": [
        {"type": "wage", "member": "sökande", "amount": 4000},
        {"type": "child_benefit", "member": "medsökande", "amount": 2500},
    ],
}


def test_calculation_shows_the_amount_and_outcome_of_the_rules_package(staff_client):
    expected = calculate(convert_input(FAMILY_DOCUMENT)).to_dict(trace=True)

    response = staff_client.post(URL, form_data(**FAMILY_FORM))

    assert response.status_code == 200
    text = text_of(response)
    amount = re.search(r'id="result-amount"[^>]*>([^<]*)<', text)[1]
    assert amount == kronor(expected["amount"])
    assert "Rätt till försörjningsstöd" in text
    assert expected["outcome"] == "granted"


def test_trace_table_has_every_line_with_label_amount_and_reference(staff_client):
    expected = calculate(convert_input(FAMILY_DOCUMENT)).to_dict(trace=True)

    text = text_of(staff_client.post(URL, form_data(**FAMILY_FORM)))

    rows = re.findall(
        r'<tr[^>]*data-code="([^"]+)">\s*<th scope="row">(.*?)</th>\s*<td class="num">(.*?)</td>\s*<td>(.*?)</td>',
        text,
        re.S,
    )
    assert rows == [
        (line["code"], line["label"], kronor(line["amount"]), line["reference"]) for line in expected["lines"]
    ]
    assert "<caption>" in text and 'scope="col"' in text


def test_warnings_are_shown(staff_client):
    expected = calculate(convert_input(FAMILY_DOCUMENT)).to_dict(trace=True)
    assert expected["warnings"], "the family's rent is above Jönköping's ceiling"

    text = text_of(staff_client.post(URL, form_data(**FAMILY_FORM)))

    for warning in expected["warnings"]:
        assert f"<li>{warning}</li>" in text


def test_engine_version_and_parameter_hash_are_shown(staff_client):
    metadata = calculate(convert_input(FAMILY_DOCUMENT)).metadata()
    text = text_of(staff_client.post(URL, form_data(**FAMILY_FORM)))
    assert f"version {metadata['engine_version']}" in text
    assert metadata["parameter_hash"] in text


def test_refused_outcome_is_explained(staff_client):
    data = form_data(incomes=({"type": "pension", "member": "sökande", "amount": "50000"},))
    text = text_of(staff_client.post(URL, data))
    assert re.search(r'id="result-amount"[^>]*>0' + NBSP + "kr<", text)
    assert "Ingen rätt till försörjningsstöd" in text


def test_form_keeps_the_values_after_calculating(staff_client):
    page = Elements(staff_client.post(URL, form_data(**FAMILY_FORM)).content.decode())
    assert page.by_id("id_children-1-days_present")["value"] == "12"
    assert page.by_id("id_costs-0-amount")["value"] == "9 800,50"


# --- errors -------------------------------------------------------------------------------------------


def assert_error_at(response, field_id: str, message: str):
    """The message is shown at the field, tied to it with aria-describedby, and linked from the summary."""
    markup = response.content.decode()
    text = html.unescape(markup)
    page = Elements(markup)
    error = re.search(rf'<p class="field-error" id="{re.escape(field_id)}_error">(.*?)</p>', text, re.S)
    assert error, f"no error shown at {field_id}"
    assert message in error[1]
    control = page.by_id(field_id)
    assert f"{field_id}_error" in control["aria-describedby"].split()
    assert control["aria-invalid"] == "true"
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', text, re.S)
    assert summary, "no error summary"
    assert re.search(rf'<a href="#{re.escape(field_id)}">[^<]*{re.escape(message)}[^<]*</a>', summary[0])
    assert 'id="result"' not in markup
    assert "<title>Fel: " in text


def test_rules_error_is_shown_at_the_childs_age(staff_client):
    response = staff_client.post(URL, form_data(children=({"age": "25"},)))
    assert response.status_code == 200
    assert_error_at(response, "id_children-0-age", "Värdet får vara högst 20.")


def test_wage_without_member_is_shown_at_the_member_field(staff_client):
    response = staff_client.post(URL, form_data(incomes=({"type": "wage", "member": "", "amount": "100"},)))
    assert_error_at(response, "id_incomes-0-member", "Lön måste ha en mottagare")


def test_dwelling_smaller_than_household_is_shown_at_dwelling_size(staff_client):
    response = staff_client.post(URL, form_data(children=({"age": "2"},), dwelling_size="1"))
    assert_error_at(response, "id_dwelling_size", "kan inte vara färre än hushållets egna medlemmar (2)")


def test_amount_with_more_than_two_decimals_is_shown_at_the_amount(staff_client):
    response = staff_client.post(URL, form_data(costs=({"type": "rent", "amount": "100,555"},)))
    assert_error_at(response, "id_costs-0-amount", "högst två decimaler")


def test_negative_amount_is_shown_at_the_second_income(staff_client):
    incomes = ({"type": "pension", "member": "sökande", "amount": "10"}, {"type": "other", "amount": "-5"})
    response = staff_client.post(URL, form_data(incomes=incomes))
    assert_error_at(response, "id_incomes-1-amount", "Beloppet får inte vara negativt.")


def test_adult_under_18_is_shown_at_the_adults_age(staff_client):
    response = staff_client.post(URL, form_data(adults=({"age": "17"},)))
    assert_error_at(response, "id_adults-0-age", "Värdet måste vara minst 18.")


def test_month_without_riksnorm_is_shown_at_the_month(staff_client):
    response = staff_client.post(URL, form_data(month="1999-05"))
    assert_error_at(response, "id_month", "Riksnorm saknas för år 1999")


def test_badly_written_month_is_shown_at_the_jobbstimulans_field(staff_client):
    response = staff_client.post(URL, form_data(adults=({"age": "40", "jobbstimulans_since": "mars"},)))
    assert_error_at(response, "id_adults-0-jobbstimulans_since", "ÅÅÅÅ-MM")


def test_text_in_a_number_field_is_shown_before_calculating(staff_client):
    response = staff_client.post(URL, form_data(adults=({"age": "trettio"},), month=""))
    assert_error_at(response, "id_adults-0-age", "Skriv ett heltal")
    assert_error_at(response, "id_month", "Fyll i vilken månad")


def test_every_error_in_the_summary_links_to_an_element_on_the_page(staff_client):
    data = form_data(month="", adults=({"age": ""},), costs=({"type": "rent", "amount": ""},))
    markup = staff_client.post(URL, data).content.decode()
    ids = {attrs.get("id") for _, attrs in Elements(markup).tags}
    summary = re.search(r'<div class="error-summary".*?</div>', markup, re.S)[0]
    anchors = re.findall(r'href="#([^"]+)"', summary)
    assert len(anchors) == 3
    assert set(anchors) <= ids


# --- adding and removing rows -------------------------------------------------------------------------


def test_add_child_shows_a_new_empty_row_focused_and_calculates_nothing(staff_client):
    response = staff_client.post(URL, form_data(action="add-children", adults=({"age": ""},)))

    markup = response.content.decode()
    page = Elements(markup)
    assert "autofocus" in page.by_id("id_children-0-age")
    assert page.by_id("id_children-TOTAL_FORMS")["value"] == "1"
    assert "error-summary" not in markup  # the unfinished adult row is not an error yet
    assert 'id="result"' not in markup


def test_add_row_with_htmx_returns_only_the_page_body(staff_client):
    response = staff_client.post(URL, form_data(action="add-costs"), headers={"HX-Request": "true"})

    markup = response.content.decode()
    assert markup.lstrip().startswith('<div id="calculation-body">')
    assert "<html" not in markup
    assert Elements(markup).by_id("id_costs-1-type")


def test_add_and_remove_buttons_use_htmx_and_work_without_it(staff_client):
    markup = staff_client.get(URL).content.decode()
    buttons = [attrs for tag, attrs in Elements(markup).tags if tag == "button" and attrs.get("value", "").startswith(("add-", "remove-"))]
    assert {b["value"] for b in buttons} >= {"add-adults", "add-children", "add-costs", "add-incomes", "remove-costs-0"}
    assert all(b["type"] == "submit" and b["hx-post"] == URL for b in buttons)


def test_removing_a_child_keeps_incomes_pointing_at_the_same_child(staff_client):
    data = form_data(
        action="remove-children-0",
        children=({"age": "3"}, {"age": "17"}),
        incomes=({"type": "wage", "member": "2", "amount": "900"}, {"type": "wage", "member": "1", "amount": "5"}),
    )
    markup = staff_client.post(URL, data).content.decode()

    assert Elements(markup).by_id("id_children-0-age")["value"] == "17"
    assert "id_children-1-age" not in markup
    first = re.search(r'<select name="incomes-0-member".*?</select>', markup, re.S)[0]
    second = re.search(r'<select name="incomes-1-member".*?</select>', markup, re.S)[0]
    assert re.search(r'<option value="1" selected>Barn 1</option>', first)
    assert 'selected' not in second.replace('value="" selected', "") and 'value="" selected' in second
    assert Elements(markup).by_id("add-children").get("autofocus") is not None


def test_the_only_adult_cannot_be_removed_and_there_are_at_most_two(staff_client):
    one = staff_client.post(URL, form_data(action="remove-adults-0")).content.decode()
    assert Elements(one).by_id("id_adults-TOTAL_FORMS")["value"] == "1"
    assert 'value="remove-adults-0"' not in one

    two = staff_client.post(URL, form_data(action="add-adults")).content.decode()
    assert Elements(two).by_id("id_adults-TOTAL_FORMS")["value"] == "2"
    assert 'value="add-adults"' not in two
    three = staff_client.post(URL, form_data(action="add-adults", adults=({"age": "30"}, {"age": "31"}))).content.decode()
    assert Elements(three).by_id("id_adults-TOTAL_FORMS")["value"] == "2"
