"""Shared helpers for the rules tests (pure Python: these tests need no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

GOLDEN_DIR = Path(__file__).parent / "golden"


def golden_cases():
    """(file name, local_dir or None, case) for every golden case, in file order."""
    cases = []
    for path in sorted(GOLDEN_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        local_dir = GOLDEN_DIR / data["local_dir"] if data.get("local_dir") else None
        for case in data["cases"]:
            cases.append((path.name, local_dir, case))
    return cases


@pytest.fixture(autouse=True)
def _fresh_parameter_caches():
    """Tests that write their own parameter files must not see another test's cached files."""
    from bistand.rules.parameters import clear_caches

    yield
    clear_caches()
