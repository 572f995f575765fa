"""Instrument packages: schema, the shipped SFP, immutability of used versions, tenant-only packages,
export guard."""

from __future__ import annotations

import copy
import io

import jsonschema
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from bistand.assessment import package
from bistand.assessment.models import Instrument, InstrumentVersion
from bistand.assessment.selectors import default_version, instruments_for, version_for
from bistand.assessment.services import (
    ExportRefused,
    InstrumentInUse,
    export_guard,
    export_package,
    install_package,
    research_rows,
)
from bistand.audit.models import AuditEvent
from bistand.tenancy.roles import Role
from tests.assessment.factories import licensed_package, make_occasion, sfp_version
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_sfp_package_is_valid_against_the_committed_schema():
    data = package.parse(package.SFP_PATH.read_bytes())
    jsonschema.Draft202012Validator(package.schema()).validate(data)
    body = data["instrument"]
    assert len(body["domains"]) == 13
    assert [lv["value"] for lv in body["levels"]] == [1, 2, 3, 4, 5]
    assert body["not_relevant"]["label"] == "Inte aktuellt" and body["not_assessed"]["label"] == "Inte bedömt"
    assert {f["kind"] for f in body["screening_flags"]} == {"violence", "children", "acute"}
    assert body["licence"] == {**body["licence"], "type": "cc-by-4.0", "redistribution": True}


def test_every_sfp_anchor_has_a_separate_client_wording_and_a_crosswalk():
    for domain in package.sfp()["instrument"]["domains"]:
        assert "ss_hinder" in domain["crosswalk"]
        assert domain["client_label"] and domain["question"]
        for anchor in domain["anchors"]:
            assert anchor["client"] and anchor["worker"] and anchor["client"] != anchor["worker"]


def test_sfp_is_shipped_by_migration_to_every_municipality():
    version = sfp_version()
    assert version.instrument.municipality is None
    assert version.checksum == package.checksum(package.sfp())
    assert default_version(MunicipalityFactory()) == version


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b["domains"][0]["anchors"].pop(), "exakt en beskrivning per nivå"),
    (lambda b: b["domains"].append(copy.deepcopy(b["domains"][0])), "samma id"),
    (lambda b: b["export"]["research_fields"].append("X9"), "okänt fält"),
    (lambda b: b["licence"].update(type="proprietary", redistribution=True), "redistribution"),
    (lambda b: b.pop("owner"), "owner"),
])
def test_invalid_packages_are_refused_with_the_reason(mutate, message):
    data = copy.deepcopy(package.sfp())
    mutate(data["instrument"])
    with pytest.raises(ValidationError) as info:
        package.validate(data)
    assert any(message in m for m in info.value.messages)


def test_loading_the_same_package_twice_changes_nothing():
    data = package.sfp()
    first = install_package(data)
    again = install_package(copy.deepcopy(data))
    assert again.pk == first.pk == sfp_version().pk
    assert InstrumentVersion.objects.filter(instrument__key=data["instrument"]["id"]).count() == 1


def test_an_unused_version_may_be_corrected():
    municipality = MunicipalityFactory()
    data = licensed_package()
    version = install_package(data, municipality=municipality)
    data["instrument"]["domains"][0]["label"] = "Rättad rubrik"
    corrected = install_package(data, municipality=municipality)
    assert corrected.pk == version.pk
    corrected.refresh_from_db()
    assert corrected.domain("D1")["label"] == "Rättad rubrik"


def test_a_version_used_by_an_occasion_can_never_change():
    municipality = MunicipalityFactory()
    data = licensed_package()
    version = install_package(data, municipality=municipality)
    from bistand.assessment.models import Occasion
    from tests.factories import PersonFactory

    person = PersonFactory(municipality=municipality)
    Occasion.objects.create(municipality=municipality, person=person, kind="intake", scheduled_for="2026-11-01",
                            instrument_version=version)
    before = version.checksum
    data["instrument"]["domains"][0]["label"] = "Ändrad i efterhand"
    with pytest.raises(InstrumentInUse):
        install_package(data, municipality=municipality)
    version.refresh_from_db()
    assert version.checksum == before
    # a new version number is the way forward; the old occasion stays linked to the old version
    data["instrument"]["version"] = "2025.2"
    newer = install_package(data, municipality=municipality)
    assert newer.pk != version.pk and Occasion.objects.get(person=person).instrument_version_id == version.pk


def test_the_shipped_sfp_is_immutable_once_used():
    make_occasion()
    data = package.sfp()
    data["instrument"]["domains"][0]["anchors"][0]["client"] = "Annan text"
    with pytest.raises(InstrumentInUse):
        install_package(data)


def test_a_licensed_package_is_visible_only_in_its_own_municipality():
    own, other = MunicipalityFactory(), MunicipalityFactory()
    admin = user_with_role(Role.ADMIN, own)
    version = install_package(licensed_package(), municipality=own, user=admin)
    assert version.instrument in instruments_for(own)
    assert version.instrument not in instruments_for(other)
    assert version_for(own, version.pk) == version
    with pytest.raises(InstrumentVersion.DoesNotExist):
        version_for(other, version.pk)
    assert AuditEvent.objects.filter(model="assessment.instrumentversion", municipality_id=own.pk).exists()


def test_only_an_administrator_of_the_municipality_may_load_a_package():
    own, other = MunicipalityFactory(), MunicipalityFactory()
    with pytest.raises(PermissionDenied):
        install_package(licensed_package(), municipality=own, user=user_with_role(Role.CASEWORKER, own))
    with pytest.raises(PermissionDenied):
        install_package(licensed_package(), municipality=own, user=user_with_role(Role.ADMIN, other))
    with pytest.raises(PermissionDenied):
        install_package(package.sfp(), municipality=None, user=user_with_role(Role.ADMIN, own))
    assert not Instrument.objects.filter(key="se.example.licensed").exists()


def test_non_redistributable_content_can_never_be_shipped_to_all_municipalities():
    with pytest.raises(ValidationError):
        install_package(licensed_package())


def test_export_guard_refuses_non_redistributable_content():
    version = install_package(licensed_package(), municipality=MunicipalityFactory())
    with pytest.raises(ExportRefused):
        export_guard(version)
    with pytest.raises(ExportRefused):
        export_package(version)


def test_export_guard_checks_the_stored_package_too():
    version = sfp_version()
    export_guard(version)
    assert "Självförsörjningsprofilen" in export_package(version)
    version.content = copy.deepcopy(version.content)
    version.content["instrument"]["licence"]["redistribution"] = False
    with pytest.raises(ExportRefused):
        export_guard(version)


def test_research_rows_hold_only_listed_coded_fields():
    from bistand.assessment.services import rate

    occasion = make_occasion()
    rate(occasion=occasion, rater="client", domain="D1", status="rated", level=2, comment="Privat text")
    rows = research_rows([occasion])
    assert rows == [{"instrument": "se.bistand.sfp", "version": "0.1", "domain": "D1", "occasion_kind": "intake",
                     "occasion_month": "2026-11", "rater": "client", "level": 2, "status": "rated"}]
    version = occasion.instrument_version
    version.content = copy.deepcopy(version.content)
    version.content["instrument"]["export"]["research_fields"] = ["D2"]
    assert research_rows([occasion]) == []


def test_load_instrument_command_loads_into_one_municipality(tmp_path):
    import yaml

    municipality = MunicipalityFactory()
    path = tmp_path / "paket.yaml"
    path.write_text(yaml.safe_dump(licensed_package(), allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    call_command("load-instrument", str(path), municipality=municipality.code, stdout=out)
    call_command("load-instrument", str(path), municipality=municipality.code, stdout=out)
    assert Instrument.objects.get(key="se.example.licensed").municipality == municipality
    assert InstrumentVersion.objects.filter(instrument__key="se.example.licensed").count() == 1
    with pytest.raises(CommandError):
        call_command("load-instrument", str(path), stdout=out)  # not redistributable: never global


def test_the_orosanmalan_routine_cites_19_kap_1_paragraph_of_the_new_act():
    from bistand.assessment import package

    flags = {flag["id"]: flag for flag in package.sfp()["instrument"]["screening_flags"]}
    assert "19 kap. 1 § socialtjänstlagen (2025:400)" in flags["F2"]["routine"]
    assert "14 kap." not in flags["F2"]["routine"]
