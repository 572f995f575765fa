"""Shared helpers for the engine tests (pure Python: these tests need no database)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_parameter_caches():
    """Tests that write their own parameter files must not see another test's cached files."""
    from bistand.rules.parameters import clear_caches

    yield
    clear_caches()
