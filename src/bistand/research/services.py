"""Writes of the research app: the project register (a municipality's approval, the project's key) and
research exports (issue 21 §1).

Rules a research ethics board and a data protection officer expect, kept here in one place:

- Nothing is exported unless every municipality of the project has approved it (its manager, after the
  municipality's secrecy assessment) and the ethics approval is valid on the day of the export
  (:func:`check_exportable`). Changing what a project covers (variables, period, municipalities, ethics
  approval) after an approval withdraws the approvals: the managers approve the new content again.
- The project's key is made once, with the project, from the operating system's random source, and is
  never changed, shown or exported (:func:`ensure_key`).
- Every export is logged (:class:`~bistand.research.models.ResearchExport`: who, when, the files and their
  SHA-256), writes an audit event, and, when a user exports, one access-log row per person whose data went
  into it (purpose: research).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bistand.audit.models import AccessAction, AccessPurpose
from bistand.audit.services import diff, display_name, log_access, record_change, record_create, snapshot
from bistand.tenancy.current import get_state
from bistand.tenancy.roles import Role

from . import export_files, export_tables
from .models import ProjectKey, ProjectMunicipality, ResearchExport, ResearchProject

KEY_BYTES = 32
#: The fields whose change withdraws the municipalities' approvals.
CONTENT_FIELDS = ("title", "researcher", "region", "ethics_authority", "ethics_reference", "ethics_valid_until",
                  "variables", "period_from", "period_to", "participations")


class ExportRefused(Exception):
    """The project cannot be exported now (message in Swedish, for the page and the command)."""


def ensure_key(project: ResearchProject) -> bytes:
    """The project's key, made the first time (32 random bytes). Never replaced."""
    row, _ = ProjectKey.objects.get_or_create(project=project, defaults={"key": secrets.token_bytes(KEY_BYTES)})
    return bytes(row.key)


def municipality_label(participation: ProjectMunicipality) -> str:
    return f"{participation.municipality.name} ({participation.municipality.code})"


def problems(project: ResearchProject, today: dt.date) -> list[str]:
    """Why the project cannot be exported today (empty: it can)."""
    found = []
    participations = list(project.participations.select_related("municipality"))
    if not participations:
        found.append("Projektet har inga kommuner.")
    for p in participations:
        if not p.approved:
            found.append(f"{municipality_label(p)} har inte godkänt projektet.")
    if not project.ethics_valid_on(today):
        found.append(f"Etikgodkännandet gällde till och med {project.ethics_valid_until:%Y-%m-%d}.")
    if not project.variables:
        found.append("Projektet har inga tillåtna variabler.")
    return found


def check_exportable(project: ResearchProject, today: dt.date | None = None) -> None:
    found = problems(project, today or timezone.localdate())
    if found:
        raise ExportRefused("Projektet kan inte exporteras: " + " ".join(found))


def may_approve(user, participation: ProjectMunicipality) -> bool:
    """A manager (enhetschef) of the municipality, working there now."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    state = get_state(user)
    return (state.municipality is not None and state.municipality.pk == participation.municipality_id
            and Role.MANAGER in state.roles)


def approve(*, user, participation: ProjectMunicipality, secrecy_assessed_on: dt.date | None = None,
            secrecy_decided_by: str = "") -> ProjectMunicipality:
    """The municipality's manager approves the project for the municipality, with the municipality's secrecy
    assessment (date and who decided it). Approving again changes nothing."""
    if not may_approve(user, participation):
        raise PermissionDenied("Bara kommunens enhetschef kan godkänna projektet för kommunen.")
    with transaction.atomic():
        participation = ProjectMunicipality.objects.select_for_update().get(pk=participation.pk)
        if participation.approved:
            return participation
        assessed = secrecy_assessed_on or participation.secrecy_assessed_on
        decided = (secrecy_decided_by or participation.secrecy_decided_by).strip()
        errors = {}
        if assessed is None:
            errors["secrecy_assessed_on"] = "Skriv datum för kommunens sekretessprövning."
        elif assessed > timezone.localdate():
            errors["secrecy_assessed_on"] = "Sekretessprövningen kan inte ha ett datum i framtiden."
        if not decided:
            errors["secrecy_decided_by"] = "Skriv vem som fattade beslutet i sekretessprövningen."
        if errors:
            raise ValidationError(errors)
        fields = ["secrecy_assessed_on", "secrecy_decided_by", "approved_at", "approved_by", "approved_by_name"]
        before = snapshot(participation, fields)
        participation.secrecy_assessed_on, participation.secrecy_decided_by = assessed, decided
        participation.approved_at, participation.approved_by = timezone.now(), user
        participation.approved_by_name = display_name(user)
        participation.save(update_fields=fields)
        record_change(user=user, action="update", instance=participation,
                      municipality_id=participation.municipality_id,
                      changes=diff(before, snapshot(participation, fields)))
    return participation


def withdraw_approvals(*, user, project: ResearchProject, reason: str) -> int:
    """Withdraw every approval of the project (its content changed). Returns how many were withdrawn."""
    count = 0
    for p in project.participations.filter(approved_at__isnull=False):
        fields = ["approved_at", "approved_by", "approved_by_name"]
        before = snapshot(p, fields)
        p.approved_at, p.approved_by, p.approved_by_name = None, None, ""
        p.save(update_fields=fields)
        record_change(user=user, action="update", instance=p, municipality_id=p.municipality_id,
                      changes={**diff(before, snapshot(p, fields)), "reason": {"old": None, "new": reason}})
        count += 1
    return count


def save_project(*, user, project: ResearchProject, changed: list[str] | None = None, created: bool) -> None:
    """After the admin saved a project: the key of a new project; a changed content withdraws approvals.
    Call inside the admin's transaction."""
    ensure_key(project)
    if created:
        record_create(user=user, instance=project, municipality_id=None)
        return
    content = [f for f in (changed or []) if f in CONTENT_FIELDS]
    if content:
        withdraw_approvals(user=user, project=project, reason="Projektets innehåll ändrades: " + ", ".join(content))


def may_download(user, project: ResearchProject) -> bool:
    return bool(user and user.is_authenticated and project.downloaders.filter(pk=user.pk).exists())


def run_export(*, project: ResearchProject, out_dir: Path, user=None, via: str = "command",
               today: dt.date | None = None, k: int | None = None) -> ResearchExport:
    """Export the project into ``out_dir``: the tables as Parquet and CSV, the codebook and the manifest.
    Logs the export; refuses (:class:`ExportRefused`) a project that is not approved and valid, and a user
    who may not download it."""
    check_exportable(project, today)
    if user is not None and not may_download(user, project):
        raise ExportRefused("Du finns inte bland dem som får ladda ner projektets data.")
    k = int(settings.BISTAND_RESEARCH_K if k is None else k)
    key = ensure_key(project)
    ids = list(project.participations.values_list("municipality_id", flat=True))
    built = export_tables.build(project, key, k=k, municipality_ids=ids)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    codebook_tables = {name: export_tables.columns_for(project, name) for name in export_tables.tables_for(project)}
    tables, files = {}, {}
    for name, columns in codebook_tables.items():
        written = export_files.write_table(out_dir, name, built.tables.get(name, []), columns)
        tables[name] = {"rows": written["rows"], "files": sorted(written["files"])}
        files.update(written["files"])
    codebook = export_files.write_codebook(out_dir, codebook_tables)
    files[codebook.name] = export_files.sha256_of(codebook)
    now = timezone.now()
    manifest = {
        "project": {"slug": project.slug, "title": project.title, "researcher": project.researcher,
                    "ethics_authority": project.ethics_authority, "ethics_reference": project.ethics_reference,
                    "ethics_valid_until": project.ethics_valid_until.isoformat(),
                    "period": [f"{project.period_from:%Y-%m}", f"{project.period_to:%Y-%m}"],
                    "variables": sorted(project.variables)},
        "municipalities": built.municipalities,
        "protected_identity_excluded": built.protected_excluded,
        "exported_at": now.isoformat(timespec="seconds"),
        "k_anonymity": {"k": k, "quasi_identifiers": list(export_tables.QUASI_IDENTIFIERS),
                        **built.report.to_dict()},
        "tables": tables,
        "files": dict(sorted(files.items())),
        "pseudonyms": "HMAC-SHA256 med projektets nyckel; nyckeln stannar i kommunens system.",
    }
    manifest_path = export_files.write_manifest(out_dir, manifest)
    with transaction.atomic():
        export = ResearchExport.objects.create(
            project=project, exported_at=now, exported_by=user, exported_by_name=display_name(user), via=via,
            files=[{"name": name, "sha256": sha} for name, sha in sorted(files.items())]
            + [{"name": manifest_path.name, "sha256": export_files.sha256_of(manifest_path)}],
            suppression=manifest["k_anonymity"], manifest_sha256=export_files.sha256_of(manifest_path))
        record_create(user=user, instance=export, municipality_id=None)
        if user is not None and built.person_ids:
            log_access(user=user, persons=[_PersonRef(pid, mid) for pid, mid in built.person_ids],
                       action=AccessAction.EXPORT, target=f"research:export:{project.slug}",
                       purpose=AccessPurpose.RESEARCH)
    return export


class _PersonRef:
    """What :func:`log_access` needs of a person: its id and municipality."""

    __slots__ = ("pk", "municipality_id")

    def __init__(self, pk: int, municipality_id: int) -> None:
        self.pk, self.municipality_id = pk, municipality_id
