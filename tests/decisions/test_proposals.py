"""What a decision says, built from a calculation (no database): invariants over many households, and
the splitting of legal references."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.calculations.services import prepare_calculation
from bistand.decisions.models import Outcome
from bistand.decisions.proposals import NORM_ITEM, ore, propose, split_reference

COST_TYPES = ["rent", "household_electricity", "home_insurance", "glasses", "dental_care_acute"]


def calculation_of(document: dict) -> SimpleNamespace:
    prepared = prepare_calculation(document)
    return SimpleNamespace(result=prepared.result, input_data=prepared.input_data, amount_ore=prepared.amount_ore,
                           month=dt.date(2026, 3, 1))


@settings(max_examples=60, deadline=None)
@given(
    municipality=st.sampled_from(["0680", "0662", "0684", "1480"]),
    adults=st.integers(1, 2),
    costs=st.dictionaries(st.sampled_from(COST_TYPES), st.integers(1, 12_000), max_size=4),
    wage=st.integers(0, 30_000),
)
def test_the_proposal_follows_the_calculation(municipality, adults, costs, wage):
    document = {
        "month": "2026-03",
        "municipality": municipality,
        "household": {"adults": [{"id": str(i + 1), "age": 40} for i in range(adults)]},
        "costs": [{"type": t, "amount": a} for t, a in costs.items()],
        "incomes": [{"type": "wage", "amount": wage, "member": "1"}] if wage else [],
    }
    calculation = calculation_of(document)
    proposal = propose(None, calculation)
    lines = {line.item: line for line in proposal.lines}

    # The items are the norm and each cost applied for, with what was applied for and what counted.
    assert set(lines) == {NORM_ITEM, *costs}
    for cost_type, amount in costs.items():
        line = lines[cost_type]
        assert line.applied_ore == amount * 100
        assert 0 <= line.granted_ore <= line.applied_ore
        assert (line.outcome == Outcome.GRANTED) == (line.granted_ore == line.applied_ore)
        # a reduced item always has the calculation's explanation here, which is never the case worker's reason
        assert line.outcome == Outcome.GRANTED or (line.suggestion and not line.has_own_reason)
    assert sum(line.granted_ore for line in proposal.lines) == ore(calculation.result["need"])

    # The overall outcome: refused without an amount, partly refused when an item is reduced.
    assert (proposal.outcome == Outcome.REFUSED) == (calculation.amount_ore == 0)
    if calculation.amount_ore:
        reduced = any(line.outcome != Outcome.GRANTED for line in proposal.lines)
        assert proposal.outcome == (Outcome.PARTLY_REFUSED if reduced else Outcome.GRANTED)
        assert proposal.amount_ore == calculation.amount_ore
    else:
        assert proposal.amount_ore == 0
    assert ".yaml" not in proposal.legal_basis
    # every item not granted in full waits for the case worker's own reason
    assert proposal.missing_reasons == [line.label for line in proposal.lines if line.outcome != Outcome.GRANTED]


def test_references_are_split_only_outside_parentheses():
    reference = ("12 kap. 8 § socialtjänstlagen (2025:400) (tidigare 4 kap. 1 b § SoL (2001:453); samma regel); "
                 "jobbstimulans.yaml")
    assert split_reference(reference) == [
        "12 kap. 8 § socialtjänstlagen (2025:400) (tidigare 4 kap. 1 b § SoL (2001:453); samma regel)",
        "jobbstimulans.yaml",
    ]
    assert split_reference("12 kap. 7 § socialtjänstlagen (2025:400)") == ["12 kap. 7 § socialtjänstlagen (2025:400)"]
    assert split_reference("") == []
