"""The staff calculation page answers every number with a page, never a server error."""

from __future__ import annotations

import pytest

from .test_calculation_page import URL, form_data, staff_client  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "amount",
    ["1e30", "1E+300", "9" * 40, "99999999999999999999999999,99", "1e-30", "0,000000000000000000000000001"],
)
def test_an_amount_the_page_cannot_format_is_a_message_not_a_500(staff_client, amount):  # noqa: F811
    response = staff_client.post(URL, form_data(costs=({"type": "rent", "amount": amount},)))
    assert response.status_code == 200
    assert "costs-0-amount" in response.content.decode()


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "9999-12"])
def test_a_month_without_riksnorm_is_a_message_at_the_month(staff_client, month):  # noqa: F811
    response = staff_client.post(URL, form_data(month=month))
    assert response.status_code == 200
    assert "Riksnorm saknas" in response.content.decode()


def test_an_amount_above_the_ceiling_is_refused_at_the_field(staff_client):  # noqa: F811
    response = staff_client.post(URL, form_data(costs=({"type": "rent", "amount": "10 000 000,01"},)))
    assert response.status_code == 200
    assert "10 000 000 kronor" in response.content.decode().replace("\u00a0", " ")
