"""Builders for assessment tests and for the cross-municipality test (PERSON_LEVEL_BUILDERS)."""

from __future__ import annotations

import copy
import datetime as dt

from bistand.assessment import package
from bistand.assessment.models import (
    DomainRating,
    InstrumentVersion,
    MINote,
    Occasion,
    OccasionKind,
    Rater,
    RatingStatus,
    Ruler,
    ScreeningFlag,
)
from bistand.assessment.selectors import SFP_KEY
from tests.factories import PersonFactory


def sfp_version() -> InstrumentVersion:
    """The shipped SFP version (installed by migration 0002; installed again here after a transactional
    test has flushed the database)."""
    from bistand.assessment.services import install_sfp

    version = InstrumentVersion.objects.filter(instrument__key=SFP_KEY, instrument__municipality__isnull=True).first()
    return version or install_sfp()


def licensed_package(**licence) -> dict:
    """A made-up proprietary package (placeholder texts only) for tenant-only tests."""
    data = copy.deepcopy(package.sfp())
    body = data["instrument"]
    body.update(id="se.example.licensed", name="Licensierat testinstrument", version="2025.1", owner="Rättighetshavare AB")
    body["licence"] = {"type": "proprietary", "redistribution": False, "licensee": "212000-0000", **licence}
    for domain in body["domains"]:
        domain["label"] = f"Område {domain['id']}"
        for anchor in domain["anchors"]:
            anchor["worker"] = anchor["client"] = f"<licensierad text {domain['id']}.{anchor['value']}>"
    return data


def make_occasion(municipality=None, *, person=None, kind=OccasionKind.INTAKE, scheduled_for=None, pk=None,
                  performed_on=None, worker=None, **fields) -> Occasion:
    person = person or PersonFactory(**({"municipality": municipality} if municipality else {}))
    return Occasion.objects.create(
        pk=pk, municipality_id=person.municipality_id, person=person, kind=kind,
        scheduled_for=scheduled_for or dt.date(2026, 11, 1), performed_on=performed_on, worker=worker,
        instrument_version=sfp_version(), **fields,
    )


def _occasion(municipality, made):
    return made.get("assessment.occasion") or make_occasion(person=made.get("people.person") or PersonFactory(municipality=municipality))


def build_occasion(municipality, *, pk=None, made, **fields):
    person = made.get("people.person") or PersonFactory(municipality=municipality)
    return make_occasion(person=person, pk=pk, **fields)


def build_domain_rating(municipality, *, pk=None, made, **fields):
    return DomainRating.objects.create(pk=pk, occasion=_occasion(municipality, made), domain="D1", rater=Rater.CLIENT,
                                       status=RatingStatus.RATED, level=2, comment="Hemlig kommentar", **fields)


def build_screening_flag(municipality, *, pk=None, made, **fields):
    return ScreeningFlag.objects.create(pk=pk, occasion=_occasion(municipality, made), flag="F3", kind="acute",
                                        routine="Rutin", **fields)


def build_mi_note(municipality, *, pk=None, made, **fields):
    return MINote.objects.create(pk=pk, occasion=_occasion(municipality, made), processes=["engage"],
                                 summary="Sammanfattning", **fields)


def build_ruler(municipality, *, pk=None, made, **fields):
    return Ruler.objects.create(pk=pk, occasion=_occasion(municipality, made), domain="D3", importance=7,
                                confidence=4, **fields)
