"""Research exports (issue 21 §1): approval before anything leaves, pseudonyms, k-anonymity, the files, the
log. The data are crafted so that each rule has something to act on: six single men born in 1980 with the
same first month (a group of six), one woman born in 1950 (alone: suppressed), one of the men also in a
second municipality, assessments, MI, a plan whose goal names the client and his personnummer."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from bistand.assessment.models import DomainRating, MINote, Rater, RatingStatus, Ruler, ScreeningFlag
from bistand.audit.models import AccessAction, AccessLog, AccessPurpose, AuditEvent
from bistand.followup.barriers import record_support_barrier
from bistand.followup.models import MonthSource, PersonMonth
from bistand.people import personnummer as pnr
from bistand.people.models import Person
from bistand.plans import services as plan_services
from bistand.plans.models import FollowUp, Plan, Referral, Responsible
from bistand.research import services
from bistand.research.anonymise import pseudonym
from bistand.research.models import ProjectKey, ProjectMunicipality, ResearchExport, Variable
from bistand.tenancy.roles import Role
from tests.assessment.factories import make_occasion
from tests.factories import MunicipalityFactory, PersonFactory, RegionFactory, user_with_role
from tests.payments.factories import issued_decision
from tests.research.factories import make_project, manager_of

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, JUN, JUL = (dt.date(2025, m, 1) for m in (1, 2, 3, 6, 7))
PNR_SHAPE = re.compile(r"(?<![\w])(?:19|20)?\d{6}[-+ ]?\d{4}(?![\w])")


def _number(born: dt.date, man: bool, taken: set[str]) -> str:
    for index in range(20):
        number = pnr.test_number(born, index).normalised
        if (index % 2 == 1) == man and number not in taken:
            taken.add(number)
            return number
    raise AssertionError("no test number left")


def _months(person, municipality, months, *, key, end_reason=""):
    for i, month in enumerate(months):
        PersonMonth.objects.create(municipality=municipality, household_key=key, person=person, month=month,
                                   role="applicant", amount_ore=612_345, source=MonthSource.IMPORTED,
                                   end_reason=end_reason if i == len(months) - 1 else "")


@pytest.fixture
def world():
    region = RegionFactory()
    a, b = MunicipalityFactory(region=region), MunicipalityFactory(region=region)
    taken: set[str] = set()
    men = []
    decision = issued_decision(a, month=FEB)
    first = decision.application.applicant
    Person.objects.filter(pk=first.pk).update(birth_date=dt.date(1980, 5, 5),
                                              personnummer=_number(dt.date(1980, 5, 5), True, taken),
                                              first_name="Gunnarsson", last_name="Ekbladh")
    first.refresh_from_db()
    men.append(first)
    for i in range(5):
        born = dt.date(1980, 3 + i, 7)
        men.append(PersonFactory(municipality=a, birth_date=born, personnummer=_number(born, True, taken),
                                 first_name=f"Algot{chr(65 + i)}", last_name=f"Strandqvist{chr(65 + i)}"))
    for i, man in enumerate(men):
        _months(man, a, [JAN, FEB, MAR], key=f"x:H{i}", end_reason="work")
    _months(men[1], a, [JUN], key="x:H1")  # came back after two months
    woman = PersonFactory(municipality=a, birth_date=dt.date(1950, 2, 2), first_name="Ottiliana",
                          last_name="Wärnbrink", personnummer=_number(dt.date(1950, 2, 2), False, taken))
    _months(woman, a, [JAN], key="x:W")
    # The same man in the second municipality (a regional project): the same personnummer.
    moved = PersonFactory(municipality=b, birth_date=men[2].birth_date, personnummer=men[2].personnummer,
                          first_name=men[2].first_name, last_name=men[2].last_name)
    _months(moved, b, [JUL], key="x:M")

    worker = user_with_role(Role.CASEWORKER, a, first_name="Handläggarina", last_name="Kvarnström")
    occasion = make_occasion(person=first, performed_on=dt.date(2025, 2, 10), worker=worker)
    for rater, level in ((Rater.CLIENT, 2), (Rater.WORKER, 3)):
        DomainRating.objects.create(occasion=occasion, domain="D1", rater=rater, status=RatingStatus.RATED,
                                    level=level, comment=f"Gunnarsson säger {first.personnummer}")
    ScreeningFlag.objects.create(occasion=occasion, flag="F3", kind="acute", routine="Rutin", note="Ekbladh")
    MINote.objects.create(occasion=occasion, processes=["engage", "evoke"], change_talk={"desire": 2, "need": 1},
                          summary="Gunnarsson Ekbladh vill jobba")
    Ruler.objects.create(occasion=occasion, domain="D1", importance=8, confidence=4)
    make_occasion(person=woman, performed_on=dt.date(2025, 1, 20), worker=worker)

    plan = plan_services.create_plan(actor=worker, person=first, valid_from=JAN)
    goal = plan_services.add_goal(actor=worker, plan=plan, domain_code="work", domain_label="Arbete", target_level=4,
                                  client_wording=f"Jag, Gunnarsson Ekbladh ({first.personnummer[2:8]}-{first.personnummer[8:]}), "
                                                 "vill ha jobb; ring 070-123 45 67",
                                  target_date=dt.date(2025, 6, 30), worker_note="Ekbladh har truckkort")
    action = plan_services.add_action(actor=worker, plan=plan, goal=goal, description="Söka jobb hos Ekbladh AB",
                                      responsible=Responsible.ARBETSFORMEDLINGEN, due_date=dt.date(2025, 3, 1))
    Referral.objects.create(action=action, partner=Responsible.ARBETSFORMEDLINGEN, sent_on=dt.date(2025, 2, 3),
                            first_contact_on=dt.date(2025, 2, 13), outcome="Träffade Gunnarsson")
    FollowUp.objects.create(plan=plan, held_on=dt.date(2025, 3, 3), usefulness_client=4, usefulness_worker=3,
                            note="Gunnarsson mår bättre")
    researcher = user_with_role(Role.RESEARCHER, a, first_name="Forskarhild", last_name="Lindqvistsson")
    project = make_project([a, b], region=region, downloaders=[researcher])
    return {"a": a, "b": b, "men": men, "woman": woman, "moved": moved, "project": project,
            "researcher": researcher, "worker": worker, "decision": decision}


def _export(project, tmp_path: Path, name="ut", **kwargs):
    out = tmp_path / name
    return services.run_export(project=project, out_dir=out, **kwargs), out


def _read(out: Path, table: str) -> list[dict]:
    return pq.read_table(out / f"{table}.parquet").to_pylist()


def _texts(out: Path) -> dict[str, str]:
    """Every file as text: CSV, JSON as they are; Parquet read back cell by cell, and its raw bytes."""
    texts = {}
    for path in sorted(out.iterdir()):
        if path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
            texts[path.name] = "\n".join(" ".join("" if v is None else str(v) for v in row.values()) for row in rows)
            texts[path.name + " (bytes)"] = path.read_bytes().decode("latin-1")
        else:
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


# --- approval before anything leaves --------------------------------------------------------------------


def test_nothing_is_exported_until_every_municipality_of_the_project_has_approved(tmp_path):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    project = make_project([a, b], approved=False)
    services.approve(user=manager_of(a), participation=project.participations.get(municipality=a))
    with pytest.raises(services.ExportRefused, match=f"{b.name}.*har inte godkänt"):
        _export(project, tmp_path)
    assert not (tmp_path / "ut").exists() and not ResearchExport.objects.exists()


def test_an_expired_ethics_approval_stops_the_export(tmp_path):
    a = MunicipalityFactory()
    project = make_project([a], valid_until=dt.date(2025, 12, 31))
    with pytest.raises(services.ExportRefused, match="Etikgodkännandet gällde till och med 2025-12-31"):
        _export(project, tmp_path, today=dt.date(2026, 1, 1))
    assert not ResearchExport.objects.exists()


def test_only_the_manager_of_the_municipality_approves_it_for_the_municipality():
    a, b = MunicipalityFactory(), MunicipalityFactory()
    project = make_project([a], approved=False)
    participation = project.participations.get()
    for user in (user_with_role(Role.CASEWORKER, a), manager_of(b), user_with_role(Role.RESEARCHER, a)):
        with pytest.raises(PermissionDenied):
            services.approve(user=user, participation=participation)
    participation.refresh_from_db()
    assert not participation.approved
    manager = manager_of(a)
    services.approve(user=manager, participation=participation)
    participation.refresh_from_db()
    assert participation.approved_by == manager
    event = AuditEvent.objects.filter(model="research.projectmunicipality", object_id=str(participation.pk)).last()
    assert event.changes["approved_by"] == {"old": None, "new": manager.pk}


def test_approval_needs_the_municipalitys_secrecy_assessment_and_names_the_missing_field():
    a = MunicipalityFactory()
    project = make_project([a], approved=False)
    participation = project.participations.get()
    ProjectMunicipality.objects.filter(pk=participation.pk).update(secrecy_assessed_on=None, secrecy_decided_by="")
    participation.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.approve(user=manager_of(a), participation=participation)
    assert set(error.value.message_dict) == {"secrecy_assessed_on", "secrecy_decided_by"}
    assert "sekretessprövning" in error.value.message_dict["secrecy_assessed_on"][0]


def test_changing_what_the_project_covers_withdraws_the_approvals(tmp_path):
    a = MunicipalityFactory()
    project = make_project([a])
    project.variables = [Variable.PERSON_MONTHS, Variable.FREE_TEXT]
    project.save()
    services.save_project(user=None, project=project, changed=["variables"], created=False)
    assert not project.participations.get().approved
    with pytest.raises(services.ExportRefused):
        _export(project, tmp_path)


def test_a_user_who_is_not_among_the_downloaders_cannot_export(world, tmp_path):
    with pytest.raises(services.ExportRefused, match="får ladda ner"):
        _export(world["project"], tmp_path, user=world["worker"])


def test_a_new_project_gets_a_new_key_that_is_never_replaced():
    a = MunicipalityFactory()
    one, two = make_project([a], slug="ett"), make_project([a], slug="tva")
    key_one = bytes(ProjectKey.objects.get(project=one).key)
    assert len(key_one) == 32 and key_one != bytes(ProjectKey.objects.get(project=two).key)
    assert services.ensure_key(one) == key_one


# --- what is in the files ----------------------------------------------------------------------------------


def test_no_output_file_holds_a_personnummer_a_name_or_the_key(world, tmp_path):
    _export_, out = _export(world["project"], tmp_path, user=world["researcher"])
    texts = _texts(out)
    assert {"persons.parquet", "persons.csv", "codebook.csv", "manifest.json", "plan_goals.csv"} <= set(texts)
    numbers = set(Person.objects.values_list("personnummer", flat=True))
    names = set()
    for first, last in [*Person.objects.values_list("first_name", "last_name"),
                        *get_user_model().objects.values_list("first_name", "last_name")]:
        names.update(part for part in f"{first} {last}".split() if len(part) >= 3)
    key = bytes(ProjectKey.objects.get(project=world["project"]).key)
    for name, text in texts.items():
        if not name.endswith("(bytes)"):
            assert not PNR_SHAPE.search(text), (name, PNR_SHAPE.search(text))
        for number in numbers:
            assert number not in text and number[2:] not in text and f"{number[2:8]}-{number[8:]}" not in text, name
        for person_name in names:
            assert not re.search(rf"(?<!\w){re.escape(person_name)}(?!\w)", text, re.IGNORECASE), (name, person_name)
        assert key.hex() not in text and key.decode("latin-1") not in text, name


def test_free_text_is_exported_screened_only_when_the_project_allows_it(world, tmp_path):
    _e, out = _export(world["project"], tmp_path)
    wording = _read(out, "plan_goals")[0]["client_wording"]
    assert "vill ha jobb" in wording and "[borttaget]" in wording and "Gunnarsson" not in wording
    project = world["project"]
    project.variables = [v for v in project.variables if v != Variable.FREE_TEXT]
    project.save()
    _e, out = _export(project, tmp_path, name="utan")
    assert "client_wording" not in _read(out, "plan_goals")[0]
    assert "vill ha jobb" not in (out / "plan_goals.csv").read_text()


def test_the_same_person_has_one_pseudonym_across_the_municipalities_and_another_in_another_project(world, tmp_path):
    _e, out = _export(world["project"], tmp_path)
    key = bytes(ProjectKey.objects.get(project=world["project"]).key)
    expected = pseudonym(key, world["men"][2].personnummer)
    rows = [r for r in _read(out, "person_months") if r["person"] == expected]
    assert {r["municipality"] for r in rows} == {world["a"].code, world["b"].code}

    other = make_project([world["a"], world["b"]], slug="annan")
    _e, out_other = _export(other, tmp_path, name="annan")
    assert expected not in {r["person"] for r in _read(out_other, "person_months")}
    assert len({r["person"] for r in _read(out_other, "persons")}) == len({r["person"] for r in _read(out, "persons")})


def test_k_anonymity_coarsens_and_suppresses_the_lone_person_in_every_table_and_says_so(world, tmp_path):
    export, out = _export(world["project"], tmp_path)
    key = bytes(ProjectKey.objects.get(project=world["project"]).key)
    woman = pseudonym(key, world["woman"].personnummer)
    persons = _read(out, "persons")
    assert len(persons) == 6 and woman not in {p["person"] for p in persons}
    assert {(p["birth_year"], p["sex"], p["household_type"], p["first_assistance_month"]) for p in persons} == {
        ("1980–1999", "M", "3+5", "*")}  # one person of seven is more than the 5 % that may be suppressed
    for table in ("person_months", "assessments", "spells"):
        assert woman not in {r["person"] for r in _read(out, table)}, table
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["k_anonymity"]["k"] == 5 and manifest["k_anonymity"]["rows_suppressed"] == 1
    assert [s["step"] for s in manifest["k_anonymity"]["steps"]] == [
        "månad för första bistånd → år", "födelseår → femårsgrupp", "hushållstyp → grupp utan kön (3+5, 4+6, 7, 8, 1+9)",
        "födelseår → tioårsgrupp", "år för första bistånd tas bort (*)", "födelseår → tjugoårsgrupp", "rader i grupper med färre än 5 personer borttagna"]
    assert export.suppression == manifest["k_anonymity"]


def test_the_tables_hold_what_the_project_allows_with_dates_as_months(world, tmp_path):
    _e, out = _export(world["project"], tmp_path)
    months = _read(out, "person_months")
    assert {r["month"] for r in months} == {"2025-01", "2025-02", "2025-03", "2025-06", "2025-07"}
    assert {r["amount_kr"] for r in months} == {6123}
    assessment = _read(out, "assessments")
    assert [(r["domain"], r["client_level"], r["worker_level"], r["flags"], r["month"]) for r in assessment] == [
        ("D1", 2, 3, "acute", "2025-02")]
    notes = _read(out, "mi_notes")
    assert notes[0]["processes"] == "engage;evoke" and notes[0]["change_talk_desire"] == 2
    assert _read(out, "mi_rulers")[0]["importance"] == 8
    referral = _read(out, "plan_referrals")[0]
    assert referral["days_to_first_contact"] == 10 and referral["sent_month"] == "2025-02"
    assert _read(out, "plan_follow_ups")[0]["usefulness_client"] == 4
    decision = _read(out, "decisions")
    assert [(d["month"], d["outcome"], d["automated"]) for d in decision] == [("2025-02", "granted", False)]
    spells = {(s["first_month"], s["last_month"], s["end_reason"], s["returned_month"]) for s in _read(out, "spells")}
    assert ("2025-01", "2025-03", "work", "2025-06") in spells
    workers = _read(out, "caseworkers")
    assert len(workers) == 1 and workers[0]["assessments_done"] == 1 and workers[0]["mi_support_used"] == 1
    assert workers[0]["caseload"] == 1  # the woman was suppressed
    assert assessment[0]["worker"] == workers[0]["worker"]


def test_a_project_without_a_group_of_variables_gets_no_table_for_it(world, tmp_path):
    project = world["project"]
    project.variables = [Variable.PERSON_MONTHS]
    project.save()
    _e, out = _export(project, tmp_path)
    assert sorted(p.name for p in out.iterdir()) == ["codebook.csv", "manifest.json", "person_months.csv",
                                                      "person_months.parquet", "persons.csv", "persons.parquet"]


def test_exporting_again_without_new_data_gives_identical_files_and_the_manifest_lists_their_sha256(world, tmp_path):
    _e, one = _export(world["project"], tmp_path, name="ett")
    _e, two = _export(world["project"], tmp_path, name="tva")
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    for name in names:
        if name != "manifest.json":
            assert (one / name).read_bytes() == (two / name).read_bytes(), name
    first, second = (json.loads((d / "manifest.json").read_text()) for d in (one, two))
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second
    for name, sha in first["files"].items():
        assert hashlib.sha256((one / name).read_bytes()).hexdigest() == sha
    assert first["tables"]["persons"]["rows"] == 6


def test_every_export_is_logged_with_its_files_and_an_access_log_row_per_person(world, tmp_path):
    export, out = _export(world["project"], tmp_path, user=world["researcher"], via="web")
    assert export.exported_by == world["researcher"] and export.via == "web"
    logged = {f["name"]: f["sha256"] for f in export.files}
    assert set(logged) == {p.name for p in out.iterdir()}
    assert logged["manifest.json"] == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    rows = AccessLog.objects.filter(user=world["researcher"], action=AccessAction.EXPORT, purpose=AccessPurpose.RESEARCH)
    exported = {*world["men"], world["moved"]}
    assert {r.person_id for r in rows} == {p.pk for p in exported}
    assert AuditEvent.objects.filter(model="research.researchexport", object_id=str(export.pk)).exists()


def test_the_command_exports_the_project_and_refuses_an_unknown_one(world, tmp_path, capsys):
    call_command("research-export", "--project", world["project"].slug, "--out", str(tmp_path / "cmd"))
    assert (tmp_path / "cmd" / "manifest.json").exists()
    assert "borttagna" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--project"):
        call_command("research-export", "--project", "finns-inte", "--out", str(tmp_path / "x"))


def test_persons_with_protected_identity_are_left_out_of_the_export_and_counted_in_the_manifest(world, tmp_path):
    protected = world["men"][3]
    Person.objects.filter(pk=protected.pk).update(protected_identity=True)
    _e, out = _export(world["project"], tmp_path)
    key = bytes(ProjectKey.objects.get(project=world["project"]).key)
    hidden = pseudonym(key, protected.personnummer)
    for table in ("persons", "person_months", "spells"):
        assert hidden not in {r["person"] for r in _read(out, table)}, table
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["protected_identity_excluded"] == 1 and manifest["tables"]["persons"]["rows"] == 5


def test_person_months_carry_household_type_and_forsorjningshinder_and_plans_their_life_areas_acceptance_and_actions(
        world, tmp_path):
    first = world["men"][0]
    record_support_barrier(actor=world["worker"], decision=world["decision"], person=first,
                           code="part_time_insufficient")
    plan = Plan.objects.get(person=first)
    plan_services.share_plan(actor=world["worker"], plan=plan)
    plan_services.respond(plan=Plan.objects.get(pk=plan.pk), person=first, kind="accepted")
    _e, out = _export(world["project"], tmp_path)
    key = bytes(ProjectKey.objects.get(project=world["project"]).key)
    mine = {r["month"]: r for r in _read(out, "person_months") if r["person"] == pseudonym(key, first.personnummer)}
    assert mine["2025-02"]["need_reason"] == "part_time_insufficient"
    assert mine["2025-01"]["need_reason"] == ""  # no decision of that month recorded one
    # a single man without children: Socialstyrelsen's household type 3 (coarsened only in the persons table)
    assert {r["household_type"] for r in mine.values()} == {"3"}
    plans = _read(out, "plans")
    assert [p["acceptance"] for p in plans] == ["accepted"]
    assert [(g["life_area"], g["plan"]) for g in _read(out, "plan_goals")] == [("work", plans[0]["plan"])]
    assert [(a["responsible"], a["due_month"]) for a in _read(out, "plan_actions")] == [
        ("arbetsformedlingen", "2025-03")]


def test_no_output_file_holds_an_address_from_the_register(world, tmp_path):
    first = world["men"][0]
    Person.objects.filter(pk=first.pk).update(street_address="Kvarnbäcksgränd 17", postal_code="55318",
                                              postal_town="Lillköpinge", care_of="Fröjdholm")
    _e, out = _export(world["project"], tmp_path, user=world["researcher"])
    for name, text in _texts(out).items():
        for part in ("Kvarnbäcksgränd", "55318", "553 18", "Lillköpinge", "Fröjdholm"):
            assert part not in text, (name, part)


def test_the_decisions_table_gives_each_item_not_fully_granted_and_each_unmet_criterion_as_codes(world, tmp_path):
    import uuid

    from django.utils import timezone

    from bistand.applications.models import Application
    from bistand.decisions.models import Decision, DecisionLine

    first = world["men"][0]
    application = Application.objects.get(pk=world["decision"].application_id)
    application.pk, application.month, application.submission_key = None, MAR, uuid.uuid4()
    application._state.adding = True
    application.save()
    decision = Decision.objects.get(pk=world["decision"].pk)
    decision.pk, decision.application, decision.month, decision.status, decision.issued_at = None, application, MAR, "draft", None
    decision._state.adding = True  # a copy, saved as a new draft
    decision.outcome = "partly_refused"
    decision.automation_report = [{"code": "full_grant", "passed": False}, {"code": "no_open_completion", "passed": True},
                                  {"code": "assets_below_threshold", "passed": False}]
    decision.save()
    for position, (item, outcome) in enumerate((("norm", "granted"), ("rent", "partly_refused"), ("dental_care", "refused"))):
        DecisionLine.objects.create(decision=decision, position=position, item=item, label=item, applied_ore=100_000,
                                    granted_ore=100_000 if outcome == "granted" else 0, outcome=outcome,
                                    reason="" if outcome == "granted" else "Skälet för avslaget.")
    Decision.objects.filter(pk=decision.pk).issue_drafts(timezone.now())
    _e, out = _export(world["project"], tmp_path)
    key = bytes(ProjectKey.objects.get(project=world["project"]).key)
    mine = {r["month"]: r for r in _read(out, "decisions") if r["person"] == pseudonym(key, first.personnummer)}
    assert mine["2025-03"]["reason_codes"] == "dental_care:refused;rent:partly_refused"
    assert mine["2025-03"]["manual_reason_codes"] == "assets_below_threshold;full_grant"
    assert mine["2025-03"]["outcome"] == "partly_refused" and mine["2025-03"]["automated"] is False
    assert mine["2025-02"]["reason_codes"] == "" and mine["2025-02"]["manual_reason_codes"] == ""
