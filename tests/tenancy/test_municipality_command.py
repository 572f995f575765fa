"""bistand municipality add KOD NAMN --region NAMN: creates region and municipality, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bistand.audit.models import AuditEvent
from bistand.tenancy.models import Municipality, Region

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("municipality", *args, stdout=out)
    return out.getvalue()


def test_add_creates_the_region_with_the_county_code_and_the_municipality_in_it():
    output = _run("add", "0680", "Jönköping", "--region", "Region Jönköpings län")
    municipality = Municipality.objects.get(code="0680")
    assert (municipality.name, municipality.region.name, municipality.region.code) == (
        "Jönköping", "Region Jönköpings län", "06")
    assert "är skapad" in output and "local/0680.yaml" in output
    assert AuditEvent.objects.filter(model="tenancy.municipality", action="create").count() == 1


def test_adding_the_same_municipality_again_changes_nothing():
    _run("add", "0680", "Jönköping", "--region", "Region Jönköpings län")
    events = AuditEvent.objects.count()
    output = _run("add", "0680", "Jönköping", "--region", "region jönköpings län")
    assert "inget ändrades" in output
    assert (Municipality.objects.count(), Region.objects.count(), AuditEvent.objects.count()) == (1, 1, events)


def test_a_second_municipality_joins_the_existing_region_and_a_new_name_is_saved():
    _run("add", "0680", "Jönköping", "--region", "Region Jönköpings län")
    _run("add", "0662", "Gislaved", "--region", "Region Jönköpings län")
    _run("add", "0662", "Gislaveds kommun", "--region", "Region Jönköpings län")
    assert Region.objects.count() == 1
    assert Municipality.objects.get(code="0662").name == "Gislaveds kommun"
    assert AuditEvent.objects.filter(model="tenancy.municipality", action="update").count() == 1


def test_a_bad_kommunkod_is_refused_naming_the_field():
    with pytest.raises(CommandError) as caught:
        _run("add", "68", "Jönköping", "--region", "Region Jönköpings län")
    assert str(caught.value).startswith("Kommunkod:")
    assert Municipality.objects.count() == 0 and Region.objects.count() == 0


def test_a_region_code_already_used_by_another_region_is_refused():
    _run("add", "0680", "Jönköping", "--region", "Region Jönköpings län")
    with pytest.raises(CommandError) as caught:
        _run("add", "0685", "Vaggeryd", "--region", "Annan region")
    assert "--region-code" in str(caught.value)
    _run("add", "0685", "Vaggeryd", "--region", "Annan region", "--region-code", "X1")
    assert Region.objects.get(code="X1").name == "Annan region"
