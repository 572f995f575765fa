"""Issue 16 §1 (stored XSS): the markup tests (tests/staff/test_markup_escaped.py) must walk *every* htmx
fragment. The templates are read for their hx-get/hx-post targets, and each target must be fetched by a
markup test; a new fragment without one fails here. Also the fragment the walk had missed: the monthly
run's progress, which names the colleague who started the run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from bistand.casework.models import MonthlyRunJob
from bistand.tenancy.roles import Role
from tests.decisions.factories import MONTH
from tests.factories import MunicipalityFactory, user_with_role
from tests.staff.test_markup_escaped import IMG, SCRIPT, assert_escaped

pytestmark = pytest.mark.django_db

SOURCE = Path(__file__).resolve().parents[2] / "src" / "bistand"
TESTS = Path(__file__).resolve().parent
HTMX_TARGET = re.compile(r"hx-(?:get|post|put|patch|delete)=\"([^\"]*)\"")
URL_NAME = re.compile(r"\{%\s*url\s+['\"]([\w:]+)['\"]")
# Fragments posted back to the page's own address ({{ request.path }}): template → what the markup test
# fetches for it (a string of the test module's source).
OWN_ADDRESS = {"staff/calculation_section.html": "CALCULATION_URL", "portal/step_form.html": "/steg/"}


def _markup_tests_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in TESTS.glob("test_markup_escaped*.py"))


def _htmx_targets() -> dict[str, set[str]]:
    """Template (relative to its templates folder) → its hx-* targets."""
    found: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.html"):
        targets = set(HTMX_TARGET.findall(path.read_text(encoding="utf-8")))
        if targets:
            name = path.relative_to(path.parents[[p.name for p in path.parents].index("templates")]).as_posix()
            found[name] = targets
    return found


def test_every_htmx_fragment_in_the_templates_is_walked_by_a_markup_test():
    source = _markup_tests_source()
    targets = _htmx_targets()
    assert targets, "no htmx fragment found: the template scan is broken"
    missing = []
    for template, wanted in sorted(targets.items()):
        for target in wanted:
            named = URL_NAME.search(target)
            if named:
                if f'"{named.group(1)}"' not in source:
                    missing.append(f"{template}: {named.group(1)}")
            elif "request.path" in target:
                if OWN_ADDRESS.get(template) is None or OWN_ADDRESS[template] not in source:
                    missing.append(f"{template}: {target} (add it to OWN_ADDRESS with its markup test)")
            else:
                missing.append(f"{template}: {target} (an address the scan cannot read: use {{% url %}})")
    assert missing == []


def test_the_monthly_run_progress_fragment_escapes_the_name_of_the_colleague_who_started_it(client):
    municipality = MunicipalityFactory()
    starter = user_with_role(Role.MANAGER, municipality, first_name=SCRIPT, last_name=IMG)
    manager = user_with_role(Role.MANAGER, municipality)
    job = MonthlyRunJob.objects.create(municipality=municipality, month=MONTH, started_by=starter, started_from="web")
    client.force_login(manager)
    response = client.get(reverse("staff:monthly_run_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert_escaped(response.content.decode(), SCRIPT, IMG)
