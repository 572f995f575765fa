"""What the demo gives the simulators: the test persons that the e-ID simulator's page offers to pick
from. Registered in :meth:`bistand.demo.apps.DemoConfig.ready` (the simulators read no demo tables)."""

from __future__ import annotations

from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdMember, HouseholdRole

from .generator import MUNICIPALITIES
from .models import DemoDataset


def eid_suggestions(limit: int) -> list[dict[str, str]]:
    """A few applicants from the demo data (only when the demo data is loaded, only test personnummer,
    never a protected identity)."""
    if not DemoDataset.objects.exists():
        return []
    codes = [spec.code for spec in MUNICIPALITIES]
    members = (
        HouseholdMember.objects.filter(role=HouseholdRole.APPLICANT, valid_to__isnull=True,
                                       person__protected_identity=False, person__municipality__code__in=codes)
        .select_related("person", "person__municipality")
        .order_by("person__municipality__code", "household_id")
    )
    rows, seen = [], set()
    for member in members[: limit * 3]:
        person = member.person
        if person.personnummer in seen or not pnr.is_test_number(person.personnummer):
            continue
        seen.add(person.personnummer)
        rows.append({"personnummer": f"{person.personnummer[:8]}-{person.personnummer[8:]}",
                     "name": f"{person.first_name} {person.last_name}", "municipality": person.municipality.name})
        if len(rows) == limit:
            break
    return rows
