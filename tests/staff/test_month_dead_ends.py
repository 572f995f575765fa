"""Dead ends found by the whole-month browser flow (tests/e2e/test_whole_month.py), each reproduced here on
its own: a page a user meets during the month that they could not get past, or that fails WCAG 2.1 AA."""

from __future__ import annotations

import datetime as dt
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


def test_after_todays_bank_file_the_page_offers_the_next_banking_day_for_the_payments_still_waiting(client):
    """A payment approved after the day's bank file was made (a re-issued one) must reach a bank file from
    the page: the page offered today again, and making today's file again only gave back the old one."""
    from django.utils import timezone

    from bistand.payments.banking_days import next_banking_day
    from bistand.payments.models import PaymentExport, PaymentStatus
    from bistand.payments.services import export_payments
    from bistand.tenancy.roles import Role
    from tests.factories import MunicipalityFactory, user_with_role
    from tests.payments.factories import debtor_account, issued_decision, payment

    municipality = MunicipalityFactory()
    debtor_account(municipality)
    approver = user_with_role(Role.APPROVER, municipality)
    payment(issued_decision(municipality), status=PaymentStatus.APPROVED, approved_by=approver)
    today = timezone.localdate()
    export_payments(municipality, today, user=approver)
    late = payment(issued_decision(municipality), status=PaymentStatus.APPROVED, approved_by=approver)
    client.force_login(approver)
    page = client.get(reverse("staff:payment_export_list"))
    following = next_banking_day(today + dt.timedelta(days=1))
    assert page.context["form"]["export_date"].value() == following
    response = client.post(reverse("staff:payment_export_create"), {"export_date": following.isoformat()}, follow=True)
    assert "är skapad med 1 utbetalning på" in response.content.decode()  # not "1 utbetalningar"
    late.refresh_from_db()
    assert late.status == PaymentStatus.EXPORTED and late.export.export_date == following
    assert PaymentExport.objects.count() == 2
