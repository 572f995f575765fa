"""Person-months of decisions paid before the person-month base existed: rebuilt from the
assistance-month facts (adults, the household's amount summed once per decision on the applicant's row)
and the households' children in the month, as ``services.sync_decided_months`` does for new payments."""

import calendar

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    AssistanceMonth = apps.get_model("followup", "AssistanceMonth")
    PersonMonth = apps.get_model("followup", "PersonMonth")
    HouseholdMember = apps.get_model("people", "HouseholdMember")
    facts = {}
    for fact in AssistanceMonth.objects.order_by("pk"):
        facts.setdefault((fact.household_id, fact.month), []).append(fact)
    if not facts:
        return
    done = set(PersonMonth.objects.filter(source="decided").values_list("household_key", "month"))
    children = {}
    for member in HouseholdMember.objects.filter(role="child"):
        children.setdefault(member.household_id, []).append(member)
    taken = set(PersonMonth.objects.values_list("municipality_id", "person_id", "month"))
    now = timezone.now()
    rows = []
    for (household_id, month), household_facts in sorted(facts.items()):
        key = f"h{household_id}"
        if (key, month) in done:
            continue
        municipality_id = household_facts[0].municipality_id
        amounts = {fact.decision_id: fact.amount_ore for fact in household_facts}
        adults = {}
        for fact in household_facts:
            role = "applicant" if fact.role == "applicant" else "co_applicant"
            if adults.get(fact.person_id) != "applicant":
                adults[fact.person_id] = role
        applicants = [person for person, role in adults.items() if role == "applicant"]
        first_applicant = applicants[0] if applicants else next(iter(adults))
        adults = {person: ("applicant" if person == first_applicant else "co_applicant") for person in adults}
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        people = dict(adults)
        for member in children.get(household_id, []):
            if member.valid_from <= last and (member.valid_to is None or member.valid_to >= month):
                people.setdefault(member.person_id, "child")
        for person_id, role in people.items():
            if (municipality_id, person_id, month) in taken:
                continue
            taken.add((municipality_id, person_id, month))
            rows.append(PersonMonth(
                municipality_id=municipality_id, household_key=key, person_id=person_id, month=month, role=role,
                amount_ore=sum(amounts.values()) if role == "applicant" else None, end_reason="", source="decided",
                updated_at=now,
            ))
    PersonMonth.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0004_support_barriers_and_end_reasons"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
