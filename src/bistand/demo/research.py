"""The demo's research project (issue 21 §1): `demo-studie`, a regional project over the three demo
municipalities, approved by each municipality's manager after a (made-up) secrecy assessment, that the demo
researcher (forskare.region) may download — so that `bistand research-export --project demo-studie --out DIR`
works on the demo. Its period covers the demo's history and months; loading the demo again keeps the project
(and its key) and only moves the period and the ethics approval's end when the demo's months moved."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from bistand.common.months import add_months
from bistand.research import services
from bistand.research.models import ProjectMunicipality, ResearchProject, Variable
from bistand.tenancy.models import Municipality, Region

SLUG = "demo-studie"
RESEARCHER_USERNAME = "forskare.region"


def ensure_demo_project(region: Region, municipalities: dict[str, Municipality], first_month: dt.date,
                        last_month: dt.date) -> ResearchProject:
    User = get_user_model()
    valid_until = timezone.localdate().replace(month=12, day=31) + dt.timedelta(days=366)
    wanted = {"title": "Demostudie: stöd till självförsörjning i regionens kommuner",
              "researcher": "Demoforskare, Demouniversitetet", "region": region,
              "ethics_reference": "2026-00000-01 (demo)", "variables": [v.value for v in Variable],
              "period_from": first_month, "period_to": last_month}
    project = ResearchProject.objects.filter(slug=SLUG).first()
    if project is None:
        project = ResearchProject.objects.create(slug=SLUG, ethics_valid_until=valid_until, created_by="Demodata",
                                                 **wanted)
        services.save_project(user=None, project=project, created=True)
    else:
        changed = [f for f, v in wanted.items() if getattr(project, f) != v]
        if project.ethics_valid_until < timezone.localdate():
            project.ethics_valid_until = valid_until
            changed.append("ethics_valid_until")
        if changed:
            for field, value in wanted.items():
                setattr(project, field, value)
            project.save()
            services.save_project(user=None, project=project, changed=changed, created=False)
    researcher = User.objects.filter(username=RESEARCHER_USERNAME).first()
    if researcher is not None:
        project.downloaders.add(researcher)
    for code, municipality in sorted(municipalities.items()):
        participation, _ = ProjectMunicipality.objects.get_or_create(
            project=project, municipality=municipality,
            defaults={"secrecy_assessed_on": dt.date(first_month.year, 1, 15),
                      "secrecy_decided_by": f"Socialnämnden i {municipality.name} (demo)"})
        manager = User.objects.filter(username=f"chef.{code}").first()
        if not participation.approved and manager is not None:
            services.approve(user=manager, participation=participation)
    return project


def demo_period(last_month: dt.date, history_months: int) -> tuple[dt.date, dt.date]:
    """The months of the demo's data: its history before the last month, and the last month."""
    return add_months(last_month, -history_months), last_month
