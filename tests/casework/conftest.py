"""Shared set-up of the case-handling tests: several standard recurring cases in one municipality (each
as tests.decisions.factories.standard_case makes it), with the register simulator reporting what each
declares."""

from __future__ import annotations

import pytest

from tests.decisions.factories import make_delegation, simulator_fixture, standard_case


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    settings.BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT = 0


class Cases:
    """Makes standard cases in one municipality and keeps the simulator's fixtures for all of them."""

    def __init__(self, settings):
        self.settings = settings
        self.fixtures: dict = {}
        self.municipality = None
        self.delegation = None

    def add(self, **arguments):
        case = standard_case(self.settings, municipality=self.municipality, delegation=False, **arguments)
        if self.municipality is None:
            self.municipality = case.municipality
            self.delegation = make_delegation(case.municipality)
        case.delegation = self.delegation
        self.fixtures.update(simulator_fixture(case.application))
        self.settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = dict(self.fixtures)
        return case

    def register_reports(self, application, incomes: dict) -> None:
        """Make the register report ``incomes`` ({member key: [(type, kronor)]}) for the persons of
        ``application`` instead of what they declared."""
        self.fixtures.update(simulator_fixture(application, incomes))
        self.settings.BISTAND_SSBTEK_SIMULATOR_FIXTURES = dict(self.fixtures)


@pytest.fixture
def cases(settings):
    return Cases(settings)
