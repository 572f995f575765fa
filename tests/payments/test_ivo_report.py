"""Unpaid favourable decisions older than three months (SoL 34 kap. 1–3 §§): the manager's list for
the quarterly report to IVO, with a CSV download. A stopped payment counts as unpaid."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from bistand.audit.models import AccessLog
from bistand.common.months import add_months
from bistand.decisions import services as decision_services
from bistand.payments import selectors, services
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role
from tests.payments.factories import debtor_account, issued_decision

pytestmark = pytest.mark.django_db


def in_four_months() -> dt.date:
    return add_months(timezone.localdate().replace(day=1), 4)


@pytest.fixture
def cases():
    municipality = MunicipalityFactory()
    debtor_account(municipality)
    worker = user_with_role(Role.CASEWORKER, municipality)
    manager = user_with_role(Role.MANAGER, municipality)
    never_paid = issued_decision(municipality, decided_by=worker)
    stopped = issued_decision(municipality, decided_by=worker)
    services.cancel(services.schedule_payment(stopped, user=worker), worker, "Kontot stämmer inte.")
    exported = issued_decision(municipality, decided_by=worker)
    services.approve(services.schedule_payment(exported, user=worker), user_with_role(Role.APPROVER, municipality))
    services.export_payments(municipality, timezone.localdate())
    waiting = issued_decision(municipality, decided_by=worker)
    services.schedule_payment(waiting, user=worker)
    reconsidered = issued_decision(municipality, decided_by=worker)
    newer = decision_services.reconsider(reconsidered, worker, caseworker_text="Rättelse.")
    elsewhere = issued_decision(MunicipalityFactory())
    return {"manager": manager, "never_paid": never_paid, "stopped": stopped, "exported": exported,
            "waiting": waiting, "reconsidered": reconsidered, "newer": newer, "elsewhere": elsewhere}


def test_favourable_decisions_not_paid_within_three_months_are_listed_and_a_stop_counts_as_unpaid(cases):
    listed = {row.decision.pk for row in selectors.unpaid_favourable_decisions(cases["manager"], today=in_four_months())}
    assert listed == {cases["never_paid"].pk, cases["stopped"].pk, cases["waiting"].pk, cases["newer"].pk}


def test_decisions_younger_than_three_months_are_not_listed(cases):
    today = add_months(timezone.localdate(), 3) - dt.timedelta(days=1)
    assert selectors.unpaid_favourable_decisions(cases["manager"], today=today) == []


def test_the_manager_sees_the_list_and_downloads_it_as_csv_and_the_reads_are_logged(client, cases, monkeypatch):
    today = in_four_months()
    monkeypatch.setattr(selectors, "unpaid_favourable_decisions",
                        lambda user, today=today, _real=selectors.unpaid_favourable_decisions: _real(user, today=today))
    client.force_login(cases["manager"])
    page = client.get(reverse("staff:unpaid_decisions"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "34 kap." in html and f"beslut {cases['stopped'].pk}" in html.lower()
    assert AccessLog.objects.filter(target="staff:unpaid_decisions").exists()
    download = client.get(reverse("staff:unpaid_decisions") + "?format=csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert {int(r["Beslut"]) for r in rows} == {cases[k].pk for k in ("never_paid", "stopped", "waiting", "newer")}
    stopped = next(r for r in rows if int(r["Beslut"]) == cases["stopped"].pk)
    assert stopped["Utbetalning"] == "Stoppad" and stopped["Beslutsdatum"] == timezone.localdate(cases["stopped"].issued_at).isoformat()


def test_a_case_worker_without_the_manager_permission_cannot_see_the_list(client, cases):
    client.force_login(user_with_role(Role.RESEARCHER, cases["never_paid"].municipality))
    assert client.get(reverse("staff:unpaid_decisions")).status_code in (403, 302)
