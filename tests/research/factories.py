"""Research projects for tests: registered and approved through bistand.research.services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bistand.research import services
from bistand.research.models import ProjectMunicipality, ResearchProject, Variable
from bistand.tenancy.roles import Role
from tests.factories import user_with_role

ALL_VARIABLES = [v.value for v in Variable]


def make_project(municipalities, *, slug="studie", approved=True, variables=None, downloaders=(), region=None,
                 period=(dt.date(2025, 1, 1), dt.date(2026, 12, 1)), valid_until=None) -> ResearchProject:
    """A project over ``municipalities`` (each with its secrecy assessment), approved by each municipality's
    manager unless ``approved`` is False."""
    project = ResearchProject.objects.create(
        slug=slug, title=f"Studie {slug}", researcher="Forskare vid ett lärosäte", region=region,
        ethics_reference="2025-01234-01", ethics_valid_until=valid_until or timezone.localdate() + dt.timedelta(days=365),
        variables=ALL_VARIABLES if variables is None else variables, period_from=period[0], period_to=period[1])
    services.save_project(user=None, project=project, created=True)
    project.downloaders.add(*downloaders)
    for municipality in municipalities:
        participation = ProjectMunicipality.objects.create(
            project=project, municipality=municipality, secrecy_assessed_on=dt.date(2025, 1, 10),
            secrecy_decided_by="Socialnämnden § 12")
        if approved:
            services.approve(user=manager_of(municipality), participation=participation)
    return project


def manager_of(municipality):
    return user_with_role(Role.MANAGER, municipality)
