"""Dead ends found by the whole-month browser flow (tests/e2e/test_whole_month.py), each reproduced here on
its own: a page a user meets during the month that they could not get past, or that fails WCAG 2.1 AA."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.decisions.factories import standard_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_simulator(settings, tmp_path):
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path)


def test_the_income_comparison_scrolls_in_a_box_the_keyboard_reaches(client, settings):
    """At 320 px the table scrolls inside its own box (reflow); a box that scrolls must take keyboard focus
    (WCAG 2.1.1, axe's scrollable-region-focusable), since the table has no link of its own to tab to."""
    case = standard_case(settings)
    client.force_login(case.caseworker)
    assert client.post(reverse("staff:case_fetch_registers", args=[case.application.pk])).status_code == 302
    html = client.get(reverse("staff:case_detail", args=[case.application.pk])).content.decode()
    table = re.search(r"<table[^>]*id=\"income-comparison\"[^>]*>", html).group(0)
    assert 'tabindex="0"' in table
