"""The decision form's texts about the items that are not granted in full."""

from __future__ import annotations

from bistand.decisions.proposals import LineProposal
from bistand.staff.forms.cases import DecisionForm


def test_the_hint_of_a_partly_granted_item_writes_its_amounts_with_their_ore_by_the_one_formatter():
    """Before: the hint cut the öre off ("Beviljas 1132 kr av 2000 kr") and used ordinary spaces."""
    line = LineProposal("cost.0", "Hyra", applied_ore=200_000, granted_ore=113_290, outcome="partly", reason="")
    form = DecisionForm(refused_lines=[line])
    assert form.fields["reason_cost.0"].help_text.startswith("Beviljas 1\u00a0132,90\u00a0kr av 2\u00a0000\u00a0kr. ")
