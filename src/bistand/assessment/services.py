"""Writes for assessment. Every change is audited in the same transaction (bistand.audit.services)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bistand.audit.models import ChangeAction
from bistand.audit.services import diff, display_name, record_change, record_create, snapshot
from bistand.tenancy.scoping import check_can_act_in

from . import package as pkg
from .models import (
    AssessmentSettings,
    ChangeTalk,
    DomainRating,
    FlagKind,
    Instrument,
    InstrumentVersion,
    MINote,
    MIProcess,
    Occasion,
    OccasionKind,
    Rater,
    RatingStatus,
    Ruler,
    ScreeningFlag,
)

DEFAULT_ROUTINES = {
    FlagKind.VIOLENCE: "Följ kommunens rutin för våld i nära relation: prata med personen enskilt, gör en "
                       "skyddsbedömning samma dag och kontakta din arbetsledare.",
    FlagKind.CHILDREN: "Gör en barnkonsekvensanalys. Om ett barn kan behöva skydd eller stöd: gör en orosanmälan "
                       "till socialtjänsten utan dröjsmål.",
    FlagKind.ACUTE: "Pröva akut bistånd i dag och kontakta din arbetsledare om beslutet ligger utanför din delegation.",
    FlagKind.OTHER: "Kontakta din arbetsledare och kom överens om nästa steg.",
}
DEFAULT_FIRST_WITHIN_DAYS = 28
DEFAULT_FOLLOW_UP_DAYS = 90


class InstrumentInUse(ValidationError):
    """The version is used by an occasion, so its content can never change."""


class ExportRefused(PermissionDenied):
    """The instrument's licence does not allow its content to leave the municipality."""


# --- instruments -----------------------------------------------------------------------------------


def version_in_use(version: InstrumentVersion) -> bool:
    return version.occasions.exists()


@transaction.atomic
def install_package(data: dict, *, municipality=None, user=None) -> InstrumentVersion:
    """Load a validated instrument package, idempotently.

    ``municipality`` None = shipped with the product (only the system or a superuser, and only content
    that may be redistributed). Otherwise the package belongs to that municipality only, and ``user``
    must be an administrator working there. The same version with the same content is a no-op; a version
    whose content differs may replace it only while no occasion uses it (:class:`InstrumentInUse`).
    """
    data = pkg.validate(data)
    body = data["instrument"]
    licence = body["licence"]
    if municipality is None:
        if user is not None and not getattr(user, "is_superuser", False):
            raise PermissionDenied("Bara systemet kan läsa in instrument som gäller alla kommuner.")
        if not licence["redistribution"]:
            raise ValidationError("Ett instrument som inte får spridas kan bara läsas in i en kommun, aldrig för alla.")
    elif user is not None:
        check_can_act_in(user, municipality.pk)
        if not user.has_perm("assessment.add_instrument"):
            raise PermissionDenied("Bara kommunens administratör kan läsa in instrument.")
    checksum = pkg.checksum(data)
    instrument = Instrument.objects.select_for_update().filter(municipality=municipality, key=body["id"]).first()
    fields = dict(name=body["name"], owner=body["owner"], licence_type=licence["type"],
                  redistribution=licence["redistribution"])
    mid = municipality.pk if municipality is not None else None
    if instrument is None:
        instrument = Instrument.objects.create(municipality=municipality, key=body["id"], **fields)
        record_create(user=user, instance=instrument, municipality_id=mid)
    else:
        before = snapshot(instrument)
        for name, value in fields.items():
            setattr(instrument, name, value)
        instrument.save()
        record_change(user=user, action=ChangeAction.UPDATE, instance=instrument, municipality_id=mid,
                      changes=diff(before, snapshot(instrument)))
    version = InstrumentVersion.objects.filter(instrument=instrument, version=body["version"]).first()
    if version is None:
        version = InstrumentVersion.objects.create(instrument=instrument, version=body["version"], content=data,
                                                   checksum=checksum, loaded_by=display_name(user))
        record_create(user=user, instance=version, municipality_id=mid, fields=["instrument", "version", "checksum"])
        return version
    if version.checksum == checksum:
        return version
    if version_in_use(version):
        raise InstrumentInUse(
            f"Version {version.version} av {instrument.name} används redan i bedömningar och kan inte ändras. "
            "Ge det nya innehållet ett nytt versionsnummer."
        )
    before = snapshot(version, ["checksum"])
    version.content, version.checksum, version.loaded_by = data, checksum, display_name(user)
    version.save(update_fields=["content", "checksum", "loaded_by"])
    record_change(user=user, action=ChangeAction.UPDATE, instance=version, municipality_id=mid,
                  changes=diff(before, snapshot(version, ["checksum"])))
    return version


def install_sfp() -> InstrumentVersion:
    return install_package(pkg.sfp())


def export_guard(version: InstrumentVersion) -> None:
    """Raise :class:`ExportRefused` unless the instrument's content may leave the municipality."""
    if not version.instrument.redistribution or version.body["licence"].get("redistribution") is not True:
        raise ExportRefused(
            f"{version.instrument.name} är licensierat och får inte lämnas ut. Innehållet kan inte exporteras."
        )


def export_package(version: InstrumentVersion, *, fmt: str = "yaml") -> str:
    """The package as text, for publication or another municipality; refused for non-redistributable content."""
    export_guard(version)
    if fmt == "json":
        return json.dumps(version.content, ensure_ascii=False, indent=2)
    return yaml.safe_dump(version.content, allow_unicode=True, sort_keys=False)


def research_rows(occasions) -> list[dict]:
    """Coded rows for a research export: only the fields the instrument lists in ``export.research_fields``
    (never anchor texts, comments or free text). Persons are not identified here; pseudonymisation is the
    caller's job."""
    rows = []
    for occasion in occasions:
        allowed = set(occasion.instrument_version.body.get("export", {}).get("research_fields", []))
        for rating in occasion.ratings.all():
            if rating.domain not in allowed:
                continue
            row = {"instrument": occasion.instrument_version.instrument.key,
                   "version": occasion.instrument_version.version, "domain": rating.domain}
            if "occasion.kind" in allowed:
                row["occasion_kind"] = occasion.kind
            if "occasion.date" in allowed:
                row["occasion_month"] = occasion.date.strftime("%Y-%m")
            if "ratings.rater" in allowed:
                row["rater"] = rating.rater
            if "ratings.level" in allowed:
                row["level"] = rating.level
                row["status"] = rating.status
            rows.append(row)
    return rows


# --- municipal settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    first_within_days: int
    follow_up_every_days: int


def schedule_for(municipality, version: InstrumentVersion | None = None) -> Schedule:
    """The municipality's own values, else the instrument's defaults, else 28 and 90 days."""
    own = AssessmentSettings.objects.filter(municipality=municipality).first()
    defaults = version.schedule if version is not None else {}
    return Schedule(
        first_within_days=(own and own.first_assessment_within_days) or defaults.get("first_assessment_within_days")
        or DEFAULT_FIRST_WITHIN_DAYS,
        follow_up_every_days=(own and own.follow_up_every_days) or defaults.get("follow_up_every_days")
        or DEFAULT_FOLLOW_UP_DAYS,
    )


@transaction.atomic
def update_settings(*, user, municipality, **values) -> AssessmentSettings:
    check_can_act_in(user, municipality.pk)
    row, created = AssessmentSettings.objects.get_or_create(municipality=municipality)
    before = {} if created else snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    record_change(user=user, action=ChangeAction.CREATE if created else ChangeAction.UPDATE, instance=row,
                  municipality_id=municipality.pk, changes=diff(before, snapshot(row)))
    return row


def routine_for(municipality, flag: dict) -> str:
    """The municipality's routine for a screening flag, else the package's text, else a default."""
    own = AssessmentSettings.objects.filter(municipality=municipality).first()
    kind = flag.get("kind", FlagKind.OTHER)
    text = getattr(own, f"routine_{kind}", "") if own is not None and kind != FlagKind.OTHER else ""
    return text or flag.get("routine") or DEFAULT_ROUTINES[kind]


# --- occasions and ratings --------------------------------------------------------------------------


@transaction.atomic
def create_occasion(*, user, person, kind: str, scheduled_for: dt.date, version: InstrumentVersion,
                    worker=None, unit=None) -> Occasion:
    check_can_act_in(user, person.municipality_id)
    if kind not in OccasionKind.values:
        raise ValidationError("Okänd typ av bedömning.")
    municipality_id = version.instrument.municipality_id
    if municipality_id is not None and municipality_id != person.municipality_id:
        raise ValidationError("Instrumentet finns inte i den här kommunen.")
    occasion = Occasion.objects.create(
        municipality_id=person.municipality_id, person=person, kind=kind, scheduled_for=scheduled_for,
        instrument_version=version, worker=worker, unit=unit, created_by=display_name(user),
    )
    record_create(user=user, instance=occasion, municipality_id=person.municipality_id)
    return occasion


def _check_rating(occasion: Occasion, domain: str, status: str, level: int | None) -> None:
    version = occasion.instrument_version
    if version.domain(domain) is None:
        raise ValidationError("Området finns inte i instrumentet.")
    if status not in RatingStatus.values:
        raise ValidationError("Okänt svar.")
    if status == RatingStatus.RATED:
        values = {lv["value"] for lv in version.levels}
        if level not in values:
            raise ValidationError("Välj en av nivåerna.")
    elif level is not None:
        raise ValidationError("En nivå kan inte anges tillsammans med det svaret.")


@transaction.atomic
def rate(*, occasion: Occasion, rater: str, domain: str, status: str, level: int | None = None,
         comment: str = "", user=None, client_name: str = "") -> DomainRating:
    """Record (or change) one rater's own rating of one domain. Never touches the other rater's row.

    The client (``rater="client"``, ``user=None``: the e-service has checked who it is) may change
    their answers until they send them; the worker rates from a staff page."""
    if rater == Rater.CLIENT:
        if user is not None:
            raise PermissionDenied("Bara den enskilde själv kan göra sin skattning.")
        occasion = Occasion.objects.select_for_update().get(pk=occasion.pk)
        if occasion.client_submitted_at is not None:
            raise ValidationError("Du har redan skickat din skattning.")
        if occasion.performed_on is not None:
            raise ValidationError("Bedömningen är redan avslutad.")
    elif rater == Rater.WORKER:
        check_can_act_in(user, occasion.municipality_id)
    else:
        raise ValidationError("Okänd bedömare.")
    _check_rating(occasion, domain, status, level)
    by = (client_name or "Den enskilde") if rater == Rater.CLIENT else display_name(user)
    existing = DomainRating.objects.filter(occasion=occasion, domain=domain, rater=rater).first()
    if existing is None:
        row = DomainRating.objects.create(occasion=occasion, domain=domain, rater=rater, status=status, level=level,
                                          comment=comment, rated_by=by)
        record_create(user=user, instance=row, municipality_id=occasion.municipality_id, sensitive=True)
        return row
    before = snapshot(existing)
    existing.status, existing.level, existing.comment = status, level, comment
    existing.rated_at, existing.rated_by = timezone.now(), by
    existing.save()
    record_change(user=user, action=ChangeAction.UPDATE, instance=existing, municipality_id=occasion.municipality_id,
                  changes=diff(before, snapshot(existing)), sensitive=True)
    return existing


@transaction.atomic
def submit_client_rating(occasion: Occasion) -> Occasion:
    occasion = Occasion.objects.select_for_update().get(pk=occasion.pk)
    if occasion.client_submitted_at is None:
        occasion.client_submitted_at = timezone.now()
        occasion.save(update_fields=["client_submitted_at"])
        record_change(user=None, action=ChangeAction.UPDATE, instance=occasion, municipality_id=occasion.municipality_id,
                      changes={"client_submitted_at": {"old": None, "new": occasion.client_submitted_at.isoformat()}})
    return occasion


@transaction.atomic
def complete_occasion(*, user, occasion: Occasion, performed_on: dt.date) -> Occasion:
    check_can_act_in(user, occasion.municipality_id)
    before = snapshot(occasion)
    occasion.performed_on = performed_on
    occasion.save(update_fields=["performed_on"])
    record_change(user=user, action=ChangeAction.UPDATE, instance=occasion, municipality_id=occasion.municipality_id,
                  changes=diff(before, snapshot(occasion)))
    return occasion


# --- screening flags (worker only) ------------------------------------------------------------------


@transaction.atomic
def raise_flag(*, user, occasion: Occasion, flag: str, note: str = "") -> ScreeningFlag:
    """Set a screening flag: the municipality's routine is stored with it and shown to the worker."""
    check_can_act_in(user, occasion.municipality_id)
    definition = occasion.instrument_version.flag(flag)
    if definition is None:
        raise ValidationError("Flaggan finns inte i instrumentet.")
    existing = ScreeningFlag.objects.filter(occasion=occasion, flag=flag).first()
    if existing is not None:
        return existing
    row = ScreeningFlag.objects.create(
        occasion=occasion, flag=flag, kind=definition.get("kind", FlagKind.OTHER), note=note,
        routine=routine_for(occasion.municipality, definition), raised_by=display_name(user),
    )
    record_create(user=user, instance=row, municipality_id=occasion.municipality_id, sensitive=True)
    return row


# --- MI support (worker only) -------------------------------------------------------------------------


@transaction.atomic
def save_mi_note(*, user, occasion: Occasion, processes: list[str], change_talk: dict[str, int],
                 summary: str = "") -> MINote:
    check_can_act_in(user, occasion.municipality_id)
    unknown = set(processes) - set(MIProcess.values)
    if unknown:
        raise ValidationError("Okänd process.")
    talk = {}
    for key, value in change_talk.items():
        if key not in ChangeTalk.values:
            raise ValidationError("Okänd markering.")
        if not isinstance(value, int) or value < 0 or value > 99:
            raise ValidationError("Antalet ska vara 0–99.")
        if value:
            talk[key] = value
    ordered = [p for p in MIProcess.values if p in processes]
    note = MINote.objects.filter(occasion=occasion).first()
    if note is None:
        note = MINote.objects.create(occasion=occasion, processes=ordered, change_talk=talk, summary=summary,
                                     updated_by=display_name(user))
        record_create(user=user, instance=note, municipality_id=occasion.municipality_id, sensitive=True)
        return note
    before = snapshot(note)
    note.processes, note.change_talk, note.summary = ordered, talk, summary
    note.updated_at, note.updated_by = timezone.now(), display_name(user)
    note.save()
    record_change(user=user, action=ChangeAction.UPDATE, instance=note, municipality_id=occasion.municipality_id,
                  changes=diff(before, snapshot(note)), sensitive=True)
    return note


@transaction.atomic
def set_ruler(*, user, occasion: Occasion, domain: str, importance: int | None, confidence: int | None,
              chosen_by_client: bool = True) -> Ruler:
    check_can_act_in(user, occasion.municipality_id)
    if occasion.instrument_version.domain(domain) is None:
        raise ValidationError("Området finns inte i instrumentet.")
    for value in (importance, confidence):
        if value is not None and not 0 <= value <= 10:
            raise ValidationError("Skalan går från 0 till 10.")
    row = Ruler.objects.filter(occasion=occasion, domain=domain).first()
    if row is None:
        row = Ruler.objects.create(occasion=occasion, domain=domain, importance=importance, confidence=confidence,
                                   chosen_by_client=chosen_by_client)
        record_create(user=user, instance=row, municipality_id=occasion.municipality_id, sensitive=True)
        return row
    before = snapshot(row)
    row.importance, row.confidence, row.chosen_by_client = importance, confidence, chosen_by_client
    row.recorded_at = timezone.now()
    row.save()
    record_change(user=user, action=ChangeAction.UPDATE, instance=row, municipality_id=occasion.municipality_id,
                  changes=diff(before, snapshot(row)), sensitive=True)
    return row
