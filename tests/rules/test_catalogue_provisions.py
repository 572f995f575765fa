"""Issue 17's Proof: docs/rules/catalogue.md names every rule with its provision under the old and the new
law. Every reference the calculation's trace lines cite (references.yaml, one block per Act, chosen by the
decision date) is in the catalogue — lagrum as the catalogue abbreviates them (SoL, SoF), Socialstyrelsen's
allmänna råd as "allmänna råd: SOSFS 2013:1" — and the catalogue's rule table has a column for each Act."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = (ROOT / "docs" / "rules" / "catalogue.md").read_text(encoding="utf-8")
REFERENCES = yaml.safe_load((ROOT / "src" / "bistand" / "rules" / "parameters" / "references.yaml")
                            .read_text(encoding="utf-8"))["values"]


def as_in_catalogue(reference: str) -> str:
    if reference.startswith("Allmänna råd:"):
        return "allmänna råd: SOSFS 2013:1"
    return reference.replace("socialtjänstlagen", "SoL").replace("socialtjänstförordningen", "SoF")


CITED = sorted({(day, key, value) for day, block in REFERENCES.items() for key, value in block.items() if key != "source"})


@pytest.mark.parametrize(("day", "key", "reference"), CITED, ids=[f"{day}-{key}" for day, key, _ in CITED])
def test_every_cited_provision_is_named_in_the_catalogue(day, key, reference):
    assert as_in_catalogue(reference) in CATALOGUE, f"{key} ({day}): {reference}"


def test_the_rule_table_has_the_old_and_the_new_act_side_by_side():
    header = next(line for line in CATALOGUE.splitlines() if line.startswith("| Kod i spårraden"))
    assert re.search(r"beslut före 2025-07-01 \(SoL 2001\)", header)
    assert re.search(r"beslut från 2025-07-01 \(SoL 2025\)", header)


def test_both_acts_are_cited():
    assert set(REFERENCES) == {"2013-07-01", "2025-07-01"}
