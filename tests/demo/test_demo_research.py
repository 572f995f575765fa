"""The demo's research project `demo-studie` (issue 21 §1): regional, approved by each demo municipality,
downloadable by the demo researcher, so that `bistand research-export --project demo-studie` works."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from bistand.demo import loader
from bistand.demo.generator import MUNICIPALITIES
from bistand.research.models import ProjectKey, ResearchExport, ResearchProject

pytestmark = pytest.mark.django_db


def load(**options):
    with loader.quiet_audit_console():
        return loader.load_demo(households_per_municipality=6, months=2, last_month="2026-06", **options)


def test_the_demo_has_an_approved_regional_project_that_the_command_exports(tmp_path, capsys):
    load()
    project = ResearchProject.objects.get(slug="demo-studie")
    assert sorted(project.participations.values_list("municipality__code", flat=True)) == sorted(
        spec.code for spec in MUNICIPALITIES)
    assert all(p.approved and p.approved_by.username == f"chef.{p.municipality.code}"
               for p in project.participations.select_related("municipality", "approved_by"))
    assert list(project.downloaders.values_list("username", flat=True)) == ["forskare.region"]

    call_command("research-export", "--project", "demo-studie", "--out", str(tmp_path / "ut"))
    manifest = json.loads((tmp_path / "ut" / "manifest.json").read_text())
    assert manifest["municipalities"] == sorted(spec.code for spec in MUNICIPALITIES)
    assert manifest["tables"]["person_months"]["rows"] > 0 and manifest["tables"]["persons"]["rows"] > 0
    assert ResearchExport.objects.filter(project=project).count() == 1


def test_loading_the_demo_again_keeps_the_project_its_key_and_its_approvals():
    load()
    key = bytes(ProjectKey.objects.get(project__slug="demo-studie").key)
    approvals = sorted(ResearchProject.objects.get(slug="demo-studie").participations.values_list("approved_at", flat=True))
    load()
    assert bytes(ProjectKey.objects.get(project__slug="demo-studie").key) == key
    assert sorted(ResearchProject.objects.get(slug="demo-studie").participations
                  .values_list("approved_at", flat=True)) == approvals
