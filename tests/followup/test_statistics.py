"""The monthly statistics files for Socialstyrelsen (HSLF-FS 2015:30, issue 19 §4), against a hand-computed
month: municipality 0680, March 2026.

| household | persons (born) | months | amount/month | försörjningshinder | other |
|---|---|---|---|---|---|
| A-1 (imported) | P1 woman 1990-01-15 applicant; C2 child 2015-05-05 | 2026-01 … 2026-03 | 7 000.50 kr | none recorded | |
| A-2 (imported) | P2 man 2000-06-20 applicant | 2025-10 … 2025-12, end reason work | 5 000 kr | | ended 2025-12 |
| A-3 (imported) | P4 man 1970-02-02 applicant | 2026-01 | 4 000 kr | | ended 2026-01, no reason |
| A-4 (imported) | P3 woman 1985-03-03 applicant | 2025-09 … 2025-10 | 3 000 kr | | ended before the window |
| decided | P6 man 1980-02-02 applicant, P7 woman 1982-03-03 partner, K1 2010-01-01 and K2 2012-06-06 children | 2026-03 | 12 345.50 kr | P6 unemployed_no_benefit, P7 none | P6 in a labour-market measure |

Hand-computed March 2026 file (TAB, CRLF): the decided household (type 8, couple with children; Barn15 = 1:
K2 is 14 in 2026, K1 16; Barn17 = 2; 12 345.50 → 12 346 kr; P6 46 years on 31 March, P7 44) and A-1
(type 6, woman with a child; 7 000.50 → 7 001 kr; P1 36), in personnummer order. End reasons for March
(the four months 2025-11 … 2026-02): A-2 (2025-12, work) and A-3 (2026-01, missing).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from bistand.audit.models import AuditEvent
from bistand.followup import statistics
from bistand.followup.barriers import record_support_barrier
from bistand.followup.models import AssistanceMonth, StatisticsExport
from bistand.followup.services import export_statistics, import_history, sync_decided_months
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdRole
from bistand.plans.models import Action, ActionStatus, Plan, Responsible
from tests.factories import HouseholdFactory, HouseholdMemberFactory, MunicipalityFactory, PersonFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
TODAY = dt.date(2026, 12, 7)
P1 = pnr.test_number(dt.date(1990, 1, 15), 0).normalised
C2 = pnr.test_number(dt.date(2015, 5, 5), 1).normalised
P2 = pnr.test_number(dt.date(2000, 6, 20), 3).normalised
P3 = pnr.test_number(dt.date(1985, 3, 3), 2).normalised
P4 = pnr.test_number(dt.date(1970, 2, 2), 5).normalised
P6 = pnr.test_number(dt.date(1980, 2, 2), 7).normalised
P7 = pnr.test_number(dt.date(1982, 3, 3), 8).normalised
K1 = pnr.test_number(dt.date(2010, 1, 1), 9).normalised
K2 = pnr.test_number(dt.date(2012, 6, 6), 11).normalised


def _history() -> bytes:
    lines = ["municipality,household,personnummer,role,month,amount,end_reason,name"]

    def add(household, number, role, months, amount="", end=None):
        for month in months:
            reason = end if month == months[-1] and end else ""
            lines.append(f"0680,{household},{number},{role},{month},{amount if role == 'applicant' else ''},{reason},")

    add("A-1", P1, "applicant", ["2026-01", "2026-02", "2026-03"], "7000.50")
    add("A-1", C2, "child", ["2026-01", "2026-02", "2026-03"])
    add("A-2", P2, "applicant", ["2025-10", "2025-11", "2025-12"], "5000", end="work")
    add("A-3", P4, "applicant", ["2026-01"], "4000")
    add("A-4", P3, "applicant", ["2025-09", "2025-10"], "3000")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def month(db):
    from tests.payments.factories import issued_decision

    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    import_history(_history(), file_name="historik.csv", today=TODAY)
    household = HouseholdFactory(municipality=municipality)
    people = {}
    for key, number, born, role in [("P6", P6, dt.date(1980, 2, 2), HouseholdRole.APPLICANT),
                                    ("P7", P7, dt.date(1982, 3, 3), HouseholdRole.PARTNER),
                                    ("K1", K1, dt.date(2010, 1, 1), HouseholdRole.CHILD),
                                    ("K2", K2, dt.date(2012, 6, 6), HouseholdRole.CHILD)]:
        people[key] = PersonFactory(municipality=municipality, personnummer=number, birth_date=born)
        HouseholdMemberFactory(household=household, person=people[key], role=role)
    decision = issued_decision(municipality, household=household, month=MARCH)
    for key, role in [("P6", "applicant"), ("P7", "partner")]:
        AssistanceMonth.objects.create(municipality=municipality, household=household, person=people[key], month=MARCH,
                                       decision=decision, amount_ore=1_234_550, role=role)
    sync_decided_months({(household.pk, MARCH)})
    record_support_barrier(actor=None, decision=decision, person=people["P6"], code="unemployed_no_benefit")
    plan = Plan.objects.create(municipality=municipality, person=people["P6"], version=1, status="shared",
                               valid_from=dt.date(2026, 1, 1), shared_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC))
    Action.objects.create(plan=plan, description="Praktik via arbetsmarknadsenheten",
                          responsible=Responsible.LABOUR_MARKET_UNIT, status=ActionStatus.ONGOING)
    return municipality, household


def _assistance_file() -> str:
    rows = [
        ["2026", "03", "0680", "", "8", "1", "2", "12346", P6, "1", "1", "46", "unemployed_no_benefit", "1",
         P7, "2", "2", "44", "", "0", f"{K1},{K2}"],
        ["2026", "03", "0680", "", "6", "1", "1", "7001", P1, "1", "2", "36", "", "0",
         "", "", "", "", "", "", C2],
    ]
    return "".join("\t".join(row) + "\r\n" for row in rows)


END_FILE = (f"2026\t03\t0680\t\t202512\t{P2}\t\twork\r\n"
            f"2026\t03\t0680\t\t202601\t{P4}\t\t\r\n")


def test_a_hand_computed_month_gives_exactly_the_expected_files(month):
    municipality, household = month
    content = statistics.build(municipality, MARCH)
    assert statistics.render(content, "assistance").decode() == _assistance_file()
    assert statistics.render(content, "end_reasons").decode() == END_FILE


def test_the_check_names_each_household_and_the_missing_field(month):
    municipality, household = month
    content = statistics.build(municipality, MARCH)
    assert [str(problem) for problem in content.problems] == [
        f"Hushåll {household.pk}: Försörjningshinder: saknas för medsökande.",
        "Hushåll A-1 (inläst historik): Försörjningshinder: saknas för sökande.",
        "Hushåll A-3 (inläst historik): Avslutsorsak: saknas (sista månaden med bistånd: 2026-01).",
    ]


def test_a_re_export_sends_the_full_month_again_identically_and_logs_each_run(month, tmp_path):
    municipality, _household = month
    first = export_statistics(municipality=municipality, month=MARCH)
    second = export_statistics(municipality=municipality, month=MARCH)
    assert first.files == second.files
    assert StatisticsExport.objects.count() == 2
    log = StatisticsExport.objects.first()
    assert (log.households, log.ended_households, log.problems) == (2, 2, 3)
    assert log.sha256 == first.log.sha256 and log.layout_version == statistics.layout().version
    assert AuditEvent.objects.filter(model="followup.statisticsexport").count() == 2


def test_the_command_prints_what_is_unverified_and_the_check_before_writing_both_files(month, tmp_path):
    out = tmp_path / "ekb-0680-2026-03.txt"
    stdout = io.StringIO()
    call_command("export-statistics", "--municipality", "0680", "--month", "2026-03", "--out", str(out), stdout=stdout)
    text = stdout.getvalue()
    assert "Inte verifierat mot HSLF-FS 2015:30" in text
    assert "Kodlistan Försörjningshinder (version 2026.1-utkast) är preliminär och inte verifierad." in text
    assert "Hushåll A-1 (inläst historik): Försörjningshinder: saknas för sökande." in text
    assert text.index("Kontroll före skrivning: 3 brister") < text.index("Skrev ")
    first = out.read_bytes()
    assert (tmp_path / "ekb-0680-2026-03-avslut.txt").read_bytes().decode() == END_FILE
    call_command("export-statistics", "--municipality", "0680", "--month", "2026-03", "--out", str(out),
                 stdout=io.StringIO())
    assert out.read_bytes() == first
    assert StatisticsExport.objects.count() == 2


def test_the_command_check_only_writes_nothing(month, tmp_path):
    stdout = io.StringIO()
    call_command("export-statistics", "--municipality", "0680", "--month", "2026-03", "--check", stdout=stdout)
    assert "Kontroll gjord; ingen fil skriven." in stdout.getvalue()
    assert StatisticsExport.objects.count() == 0 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--municipality", "9999", "--month", "2026-03", "--check"], "--municipality: kommunen 9999 finns inte"),
    (["--municipality", "0680", "--month", "2026-13", "--check"], "--month: Månaden måste skrivas ÅÅÅÅ-MM"),
    (["--municipality", "0680", "--month", "2026-03"], "--out: ange filen"),
    (["--municipality", "0680", "--month", "2026-03", "--out", "/nonexistent/x.txt"], "--out: mappen"),
])
def test_bad_arguments_get_a_swedish_error_naming_the_option(month, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export-statistics", *args)


def test_a_barrier_recorded_after_the_check_fills_the_field_and_clears_the_problem(month):
    municipality, household = month
    partner = household.members.get(role=HouseholdRole.PARTNER).person
    decision = AssistanceMonth.objects.filter(household=household).first().decision
    record_support_barrier(actor=None, decision=decision, person=partner, code="sick_insufficient")
    content = statistics.build(municipality, MARCH)
    row = statistics.render(content, "assistance").decode().split("\r\n")[0].split("\t")
    assert (row[14], row[18]) == (P7, "sick_insufficient")
    assert [problem.household_key for problem in content.problems] == ["x:A-1", "x:A-3"]


def test_every_layout_column_has_a_source_and_every_barrier_code_a_mapping():
    from bistand.followup.barriers import code_list

    assert statistics.layout().files["assistance"].columns[0].name == "Ar"
    assert set(code_list().barriers) <= set(statistics.codes().lists["forsorjningshinder"].codes)
    from bistand.followup.models import EndReason

    assert set(EndReason.values) == set(statistics.codes().lists["avslutsorsak"].codes)



_birth_dates = st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2026, 3, 1))


@st.composite
def _households(draw):
    def member(role):
        born = draw(_birth_dates)
        return statistics.Member(draw(st.integers(1, 10**6)), pnr.test_number(born, draw(st.integers(0, 19))).normalised,
                                 born, role)

    adults = [member("applicant")] + ([member("co_applicant")] if draw(st.booleans()) else [])
    others = [member("child") for _ in range(draw(st.integers(0, 4)))]
    household = statistics.HouseholdMonth(f"x:{draw(st.integers(1, 999))}", MARCH, adults, others,
                                          draw(st.integers(1, 10**8)), municipality_code="0680")
    for adult in adults:
        if draw(st.booleans()):
            household.barriers[adult.person_id] = draw(st.sampled_from(sorted(statistics.codes().lists["forsorjningshinder"].codes)))
    return household


@given(st.lists(_households(), max_size=6))
@settings(max_examples=60, deadline=None)
def test_every_household_is_one_well_formed_row_with_the_amount_rounded_half_up(households):
    content = statistics.StatisticsMonth(None, MARCH, households, [], [])
    text = statistics.render(content, "assistance").decode()
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) - 1 == len(households)
    width = len(statistics.layout().files["assistance"].columns)
    for line, household in zip(lines, households, strict=False):
        fields = line.split("\t")
        assert len(fields) == width and "\n" not in line
        assert Decimal(fields[7]) == (Decimal(household.amount_ore) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert int(fields[5]) <= int(fields[6]) <= len(household.others)  # under 16 ⊆ under 18 ⊆ the others
        assert fields[4] in statistics.codes().lists["hushallstyp"].codes.values()
    assert statistics.render(content, "assistance").decode() == text
