"""The demo plan (pure Python): deterministic, test personnummer only, a mix of households."""

from __future__ import annotations

import datetime as dt

from bistand.demo import generator
from bistand.people import personnummer as pnr

LAST = dt.date(2026, 11, 1)


def plan(seed=1, households=40, months=24):
    return generator.generate(seed=seed, households_per_municipality=households, months=months, last_month=LAST)


def test_the_same_seed_gives_the_same_plan():
    one, two = plan(seed=7, households=5), plan(seed=7, households=5)
    assert [p.personnummer for p in one.persons()] == [p.personnummer for p in two.persons()]
    assert [(p.first_name, p.last_name) for p in one.persons()] == [(p.first_name, p.last_name) for p in two.persons()]
    assert [[(m.costs, m.incomes) for m in h.months] for h in one.households] == \
        [[(m.costs, m.incomes) for m in h.months] for h in two.households]


def test_another_seed_gives_other_persons():
    assert {p.personnummer for p in plan(seed=1, households=5).persons()} != \
        {p.personnummer for p in plan(seed=2, households=5).persons()}


def test_every_personnummer_is_a_unique_skatteverket_test_number():
    numbers = [p.personnummer for p in plan().persons()]
    assert len(numbers) == len(set(numbers))
    for number in numbers:
        parsed = pnr.parse(number)
        assert parsed.is_test_number and 980 <= parsed.birth_number <= 999
        assert parsed.normalised == number  # correct check digit


def test_names_match_the_sex_digit_of_the_personnummer():
    from bistand.demo import names

    for person in plan().persons():
        female = int(person.personnummer[10]) % 2 == 0
        assert person.first_name in (names.FEMALE_FIRST_NAMES if female else names.MALE_FIRST_NAMES)


def test_the_default_plan_has_the_kinds_of_household_the_demo_should_show():
    demo = plan()
    assert len(demo.households) == 3 * 40
    kinds = {h.kind for h in demo.households}
    assert {"single", "couple", "single_parent", "couple_children", "shared_dwelling"} <= kinds
    assert any(m.visiting for h in demo.households for m in h.members), "some children live here part of the month"
    assert any(h.dwelling_size for h in demo.households), "some households share a dwelling"
    assert any(p.protected_identity for p in demo.persons())
    stories = {h.story for h in demo.households}
    assert {"long_term", "to_work"} <= stories


def test_every_household_has_one_month_plan_per_month_ending_with_the_last():
    demo = plan(households=3, months=24)
    for household in demo.households:
        months = [m.month for m in household.months]
        assert len(months) == 24 and months[-1] == LAST and months == demo.months


def test_members_are_adults_and_children_for_the_whole_history():
    demo = plan()
    first, last = demo.first_month, dt.date(2026, 11, 30)
    for household in demo.households:
        for member in household.members:
            age_first = generator.age_at(member.person.birth_date, first)
            age_last = generator.age_at(member.person.birth_date, last)
            if member.role == "child":
                assert member.person.birth_date < first and age_last <= 20
            else:
                assert age_first >= 18


def test_child_benefit_follows_the_parameter_file():
    from bistand.rules.parameters import child_benefit

    demo = plan()
    for household in demo.households:
        for month in household.months:
            benefit = [i for i in month.incomes if i["type"] == "child_benefit"]
            under_16 = [m for m in household.by_role("child")
                        if m.visiting is None and generator.age_at(m.person.birth_date, month.month) < 16]
            if under_16:
                assert [i["amount"] for i in benefit] == [child_benefit(len(under_16), f"{month.month:%Y-%m}") // 100]
            else:
                assert benefit == []
