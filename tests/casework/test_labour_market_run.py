"""The monthly run and availability to the labour market (12 kap. 3 § SoL, issue 17 §2): a recurring
application where an adult explicitly says "not registered with Arbetsförmedlingen, no reason" goes to a
case worker with that reason; a recurring application made before the question existed (no answer) is
still decided automatically — a missing answer is "not asked"."""

from __future__ import annotations

import pytest

from bistand.applications import declaration as decl
from bistand.applications.models import Application
from bistand.casework import monthly
from bistand.casework.models import Referral
from bistand.casework.reasons import reason_label
from bistand.decisions.models import Decision
from tests.decisions.factories import MONTH

pytestmark = pytest.mark.django_db

CODE = "labour_market_available"


def with_answer(case, fact):
    data = case.application.declaration
    data["members"]["applicant"]["labour_market"] = fact
    Application.objects.filter(pk=case.application.pk).update(declaration=data)


def test_not_registered_without_a_reason_goes_to_a_case_worker_with_the_reason(cases):
    case = cases.add()
    with_answer(case, decl.labour_market_value("no", "none"))
    monthly.run_month(case.municipality, MONTH)
    assert not Decision.objects.filter(application=case.application).exists()
    referral = Referral.objects.get(application=case.application)
    assert referral.code_list == [CODE]
    [reason] = referral.reasons
    assert "inte inskriven på Arbetsförmedlingen" in reason["detail"]
    assert reason_label(CODE) == "En vuxen är inte inskriven på Arbetsförmedlingen och har inget skäl att inte vara det"


@pytest.mark.parametrize("fact", [None, decl.labour_market_value("yes"), decl.labour_market_value("no", "pension")])
def test_registered_with_a_reason_or_not_asked_is_still_decided_automatically(cases, fact):
    case = cases.add()
    if fact is not None:
        with_answer(case, fact)
    else:
        assert "labour_market" not in case.application.declaration["members"]["applicant"]
    monthly.run_month(case.municipality, MONTH)
    assert Decision.objects.get(application=case.application).automated
