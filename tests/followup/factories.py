"""Builders of the follow-up models for tests/factories.PERSON_LEVEL_BUILDERS."""

from __future__ import annotations

import datetime as dt

from tests.factories import PersonFactory


def _decision(municipality, made):
    from tests.payments.factories import issued_decision

    return made.get("decisions.decision") or issued_decision(municipality, month=dt.date(2025, 12, 1))


def build_person_month(municipality, *, pk=None, made, **fields):
    from bistand.followup.models import MonthSource, PersonMonth

    person = made.get("people.person") or PersonFactory(municipality=municipality)
    return PersonMonth.objects.create(pk=pk, municipality=municipality, household_key="x:A-1", person=person,
                                      month=dt.date(2025, 12, 1), role="applicant", amount_ore=500000,
                                      source=MonthSource.IMPORTED, **fields)


def build_history_import(municipality, *, pk=None, made, **fields):
    from bistand.followup.models import HistoryImport

    return HistoryImport.objects.create(pk=pk, municipality=municipality, file_name="historik.csv", sha256="0" * 64,
                                        months_created=1, months_replaced=0, persons_created=1, **fields)


def build_support_barrier(municipality, *, pk=None, made, **fields):
    from bistand.followup.models import SupportBarrier

    decision = _decision(municipality, made)
    return SupportBarrier.objects.create(pk=pk, municipality=municipality, decision=decision,
                                         person=decision.application.applicant, code="unemployed_no_benefit",
                                         code_list_version="2026.1", **fields)


def build_household_end(municipality, *, pk=None, made, **fields):
    from bistand.followup.models import HouseholdEnd
    from tests.factories import HouseholdFactory

    household = made.get("people.household")
    if household is None or household.municipality_id != municipality.pk:
        household = HouseholdFactory(municipality=municipality)
    return HouseholdEnd.objects.create(pk=pk, municipality=municipality, household=household,
                                       month=dt.date(2025, 12, 1), reason="work", **fields)


def build_statistics_export(municipality, *, pk=None, made, **fields):
    from bistand.followup.models import StatisticsExport

    return StatisticsExport.objects.create(pk=pk, municipality=municipality, month=dt.date(2025, 12, 1),
                                           layout_version="2026.1-utkast", codes_version="2026.1-utkast",
                                           households=1, ended_households=0, problems=0, sha256="0" * 64,
                                           end_reasons_sha256="0" * 64, **fields)
