"""``bistand demo`` and ``bistand run`` (management commands ``demo`` and ``rundemo``), with a small size."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bistand.calculations.models import StoredCalculation
from bistand.common.months import add_months, month_range, parse_month
from bistand.demo import loader
from bistand.demo.management.commands import rundemo
from bistand.demo.models import DemoDataset
from bistand.people import personnummer as pnr
from bistand.people.models import Household, HouseholdMember, HouseholdRole, Person
from bistand.tenancy.models import Membership, Municipality, Region, Unit
from bistand.tenancy.roles import Role

pytestmark = pytest.mark.django_db

LAST = "2026-06"
SMALL = {"households_per_municipality": 2, "last_month": LAST}


def run_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def snapshot() -> dict:
    """What the demo data says, independent of database ids: each applicant's personnummer with the
    amount of every month, and every person."""
    amounts: dict[str, list] = defaultdict(list)
    applicants = dict(HouseholdMember.objects.filter(role=HouseholdRole.APPLICANT)
                      .values_list("household_id", "person__personnummer"))
    for calc in StoredCalculation.objects.order_by("month"):
        amounts[applicants[calc.household_id]].append(
            (calc.month, calc.amount_ore, calc.result["need"], calc.result["income_counted"], calc.result["warnings"]))
    persons = sorted(Person.objects.values_list("personnummer", "first_name", "last_name", "protected_identity"))
    return {"amounts": dict(amounts), "persons": persons}


def test_the_same_seed_gives_the_same_personnummer_and_amounts():
    run_demo(seed=11)
    first = snapshot()
    run_demo(seed=11, reset=True)
    assert snapshot() == first
    assert len(first["persons"]) >= 6


def test_another_seed_gives_other_data():
    run_demo(seed=11)
    first = snapshot()
    run_demo(seed=12, reset=True)
    assert {p[0] for p in snapshot()["persons"]} != {p[0] for p in first["persons"]}


def test_running_twice_creates_nothing_new():
    run_demo(seed=3)
    counts = loader.demo_counts()
    users = get_user_model().objects.count()
    memberships = Membership.objects.count()
    ids = sorted(StoredCalculation.objects.values_list("pk", flat=True))
    output = run_demo(seed=3)
    assert loader.demo_counts() == counts
    assert get_user_model().objects.count() == users
    assert Membership.objects.count() == memberships
    assert sorted(StoredCalculation.objects.values_list("pk", flat=True)) == ids
    assert "inget nytt" in output
    assert DemoDataset.objects.count() == 1


def test_other_settings_without_reset_are_refused():
    run_demo(seed=3)
    with pytest.raises(CommandError, match="--reset"):
        run_demo(seed=4)


def test_reset_replaces_the_demo_data():
    run_demo(seed=3)
    run_demo(seed=4, households_per_municipality=1, reset=True)
    assert Household.objects.count() == 3
    assert DemoDataset.objects.get().seed == 4


def test_only_skatteverket_test_personnummer_are_used():
    run_demo(seed=5, households_per_municipality=4)
    numbers = list(Person.objects.values_list("personnummer", flat=True))
    assert numbers
    for number in numbers:
        parsed = pnr.parse(number)
        assert parsed.is_test_number, number
        assert 980 <= parsed.birth_number <= 999


def test_region_municipalities_units_users_and_roles_are_created(monkeypatch):
    monkeypatch.setenv(loader.PASSWORD_ENV, "ett-annat-demolösen")
    output = run_demo()
    region = Region.objects.get(name="Region Exempel")
    assert {(m.code, m.name) for m in Municipality.objects.filter(region=region)} == {
        ("0680", "Jönköping"), ("0662", "Gislaved"), ("0684", "Sävsjö")}
    for code in ("0680", "0662", "0684"):
        assert set(Unit.objects.filter(municipality__code=code).values_list("name", flat=True)) == {
            "Försörjningsstöd", "Arbetsmarknadsenheten"}
        for role, prefix in [(Role.CASEWORKER, "handlaggare"), (Role.APPROVER, "attestant"),
                             (Role.MANAGER, "chef"), (Role.ADMIN, "admin")]:
            username = f"{prefix}.{code}"
            assert Membership.objects.filter(user__username=username, role=role, municipality__code=code).exists()
            assert authenticate(username=username, password="ett-annat-demolösen") is not None
            assert username in output
    assert Membership.objects.filter(user__username="samordnare.region", role=Role.REGIONAL_COORDINATOR,
                                     region=region).exists()
    assert Membership.objects.filter(user__username="forskare.region", role=Role.RESEARCHER).count() == 3
    assert get_user_model().objects.get(username="admin.0680").is_staff
    assert not get_user_model().objects.get(username="handlaggare.0680").is_staff
    assert "ett-annat-demolösen" in output and "Region Exempel" in output


def test_the_default_password_is_used_when_none_is_set(monkeypatch):
    monkeypatch.delenv(loader.PASSWORD_ENV, raising=False)
    run_demo()
    assert authenticate(username="handlaggare.0662", password=loader.DEFAULT_PASSWORD) is not None


def test_every_household_has_24_months_ending_with_the_last_month():
    run_demo(seed=8, households_per_municipality=3)
    expected = month_range(add_months(parse_month(LAST), -23), parse_month(LAST))
    households = Household.objects.all()
    assert households.count() == 9
    for household in households:
        months = list(StoredCalculation.objects.filter(household=household).order_by("month").values_list("month", flat=True))
        assert months == expected


def test_the_default_history_ends_with_the_current_month():
    out = io.StringIO()
    call_command("demo", households_per_municipality=1, months=2, stdout=out)
    this_month = parse_month(timezone.localdate())
    last = StoredCalculation.objects.order_by("-month").first().month
    if "Riksnorm saknas" in out.getvalue():  # a year whose riksnorm is not in the files yet
        assert last < this_month
    else:
        assert last == this_month


def test_the_history_tells_a_story():
    run_demo(seed=1, households_per_municipality=10)
    by_household: dict[int, list[int]] = defaultdict(list)
    for household_id, amount in StoredCalculation.objects.order_by("month").values_list("household_id", "amount_ore"):
        by_household[household_id].append(amount)
    left_for_work = [a for a in by_household.values() if a[0] > 0 and a[-1] == 0]
    long_term = [a for a in by_household.values() if all(x > 0 for x in a)]
    assert left_for_work, "some households leave assistance"
    assert long_term, "some households have assistance every month"
    made_by = set(StoredCalculation.objects.values_list("made_by", "made_by_user"))
    assert made_by == {("demo", None)}
    assert any(line["code"].startswith("disregard.jobbstimulans") and line["amount"] > 0
               for calc in StoredCalculation.objects.all() for line in calc.result["lines"])


def test_stored_demo_calculations_match_a_fresh_calculation():
    from bistand.calculations.services import prepare_calculation

    run_demo(seed=2)
    for calc in StoredCalculation.objects.all()[:20]:
        fresh = prepare_calculation(calc.input_data)
        assert (fresh.amount_ore, fresh.result, fresh.input_hash) == (calc.amount_ore, calc.result, calc.input_hash)


def test_persons_with_protected_identity_are_created():
    run_demo(seed=1, households_per_municipality=3)
    assert Person.objects.filter(protected_identity=True).exists()


# --- bistand run --------------------------------------------------------------------------------------


@pytest.fixture
def calls(monkeypatch):
    """The commands ``rundemo`` calls (migrate, runserver), recorded instead of run."""
    recorded = []
    monkeypatch.setattr(rundemo, "call_command", lambda *args, **kwargs: recorded.append((args, kwargs)))
    monkeypatch.setattr(loader, "DEFAULT_HOUSEHOLDS_PER_MUNICIPALITY", 1)
    return recorded


def test_run_migrates_loads_the_demo_into_an_empty_database_prints_logins_and_serves(calls):
    out = io.StringIO()
    call_command("rundemo", stdout=out)
    assert calls[0][0] == ("migrate",)
    assert calls[-1] == (("runserver", "127.0.0.1:8000"), {"use_reloader": False})
    assert Household.objects.count() == 3
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert "handlaggare.0680" in text and "Handläggare" in text and "Jönköping" in text
    assert loader.demo_password() in text


def test_run_does_not_load_the_demo_into_a_database_with_data(calls):
    run_demo(seed=3, households_per_municipality=1)
    before = sorted(StoredCalculation.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("rundemo", "0.0.0.0:8080", stdout=out)
    assert sorted(StoredCalculation.objects.values_list("pk", flat=True)) == before
    assert calls[-1] == (("runserver", "0.0.0.0:8080"), {"use_reloader": False})
    assert "handlaggare.0684" in out.getvalue() and "http://127.0.0.1:8080/" in out.getvalue()


def test_run_without_demo_loads_nothing(calls):
    call_command("rundemo", "--no-demo", stdout=io.StringIO())
    assert not Household.objects.exists() and not Municipality.objects.exists()


@pytest.mark.parametrize("addrport, url", [
    ("127.0.0.1:8000", "http://127.0.0.1:8000/"),
    ("8001", "http://127.0.0.1:8001/"),
    ("0.0.0.0:9000", "http://127.0.0.1:9000/"),
    ("localhost:8000", "http://localhost:8000/"),
])
def test_run_prints_the_address_to_open(addrport, url):
    assert rundemo.url_for(addrport) == url


def test_a_month_without_riksnorm_moves_the_end_of_the_history_back_with_a_notice():
    month, notice = loader.last_calculable_month(parse_month("2026-05"))
    assert (month, notice) == (parse_month("2026-05"), None)
    far = parse_month("2030-03")
    month, notice = (None, None)
    try:
        month, notice = loader.last_calculable_month(far)
    except loader.DemoDataError:
        return  # no riksnorm within 24 months before: refused with a message
    assert month <= far and (month == far) == (notice is None)
