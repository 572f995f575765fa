"""The e-ID simulator reads no other app's tables: the test persons its page offers come from sources
that other apps register (the demo registers its households in its AppConfig.ready())."""

from __future__ import annotations

import pytest

from bistand.demo.simulators import eid_suggestions
from bistand.identity import simulator

pytestmark = pytest.mark.django_db


def test_the_demo_registers_its_households_as_the_simulators_suggestions():
    assert eid_suggestions in simulator._suggestion_sources


def test_without_demo_data_nobody_is_suggested():
    assert simulator.suggestions() == []


def test_suggestions_come_from_the_registered_sources_each_personnummer_once_up_to_the_limit(monkeypatch):
    rows = [{"personnummer": f"19900101-99{n:02d}", "name": f"Test {n}", "municipality": "Jönköping"} for n in range(5)]
    monkeypatch.setattr(simulator, "_suggestion_sources", [])
    simulator.register_suggestions(lambda limit: rows[:limit])
    simulator.register_suggestions(lambda limit: rows[2:])
    assert simulator.suggestions(limit=4) == rows[:4]
    assert simulator.suggestions() == rows


def test_the_simulator_page_lists_the_registered_suggestions(client, monkeypatch):
    row = {"personnummer": "19900101-9988", "name": "Testa Testsson", "municipality": "Gislaved"}
    monkeypatch.setattr(simulator, "_suggestion_sources", [lambda limit: [row]])
    start = client.get("/e-tjanst/logga-in/")
    page = client.get(start["Location"]).content.decode()
    assert 'value="19900101-9988"' in page and "Testa Testsson" in page
