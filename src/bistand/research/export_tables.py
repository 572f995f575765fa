"""The tables of a research export (issue 21 §1): read from the participating municipalities' data and
pseudonymised with the project's key. Reads only; :mod:`bistand.research.services` writes the files.

What leaves the system: pseudonyms (HMAC-SHA256 with the project's key, :mod:`.anonymise`) instead of
personnummer and ids, months instead of dates, the year of birth instead of the birth date, the
municipality's code, codes instead of texts. Never names, personnummer or addresses. Free text only when
the project allows it, and then screened for personnummer, phone numbers, e-mail addresses and every name
of the participating municipalities' persons and staff.

The persons table carries the quasi-identifiers (year of birth, sex, municipality, household type, month
of first assistance); :func:`.anonymise.k_anonymise` coarsens and suppresses it, and the suppressed
persons are taken out of every other table too. Every table is sorted, so that exporting again with no
new data gives the same tables byte for byte.

``COLUMNS`` is the one description of every column: its type and its Swedish and English meaning (the
codebook is written from it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from bistand.assessment.models import DomainRating, MINote, Occasion, Ruler, ScreeningFlag
from bistand.common.months import add_months, age_at, last_day
from bistand.decisions.models import Decision, DecisionLine, DecisionStatus, Outcome
from bistand.followup.dashboard import HOUSEHOLD_TYPES, household_type
from bistand.followup.indicators import ADULT_ROLES, is_man
from bistand.followup.models import MonthRole, PersonMonth, SupportBarrier
from bistand.people.models import Person
from bistand.plans.models import Action, FollowUp, Goal, Plan, PlanResponse
from bistand.plans.models import Referral as PlanReferral

from .anonymise import (
    SuppressionReport,
    k_anonymise,
    month_of,
    pseudonym,
    pseudonym_of,
    screen_free_text,
    ten_year_band,
    year_band,
)
from .models import ResearchProject, Variable

QUASI_IDENTIFIERS = ("birth_year", "sex", "municipality", "household_type", "first_assistance_month")
#: Household types grouped without sex (the codes 3–6 say the adult's sex too), for k-anonymity.
HOUSEHOLD_GROUPS = {"3": "3+5", "5": "3+5", "4": "4+6", "6": "4+6", "7": "7", "8": "8", "1": "1+9", "9": "1+9"}
#: After the month and the five-year band (bistand.research.anonymise.k_anonymise), these steps coarsen further
#: while more than MAX_SUPPRESSED_SHARE of the persons are in groups under k; the municipality is always kept.
K_ANONYMITY_STEPS = (
    ("household_type", "hushållstyp → grupp utan kön (3+5, 4+6, 7, 8, 1+9)", lambda v: HOUSEHOLD_GROUPS.get(v, v)),
    ("birth_year", "födelseår → tioårsgrupp", ten_year_band),
    ("first_assistance_month", "år för första bistånd tas bort (*)", lambda v: "*"),
    ("birth_year", "födelseår → tjugoårsgrupp", lambda v: year_band(v, 20)),
)
MAX_SUPPRESSED_SHARE = 0.05

S, INT, B = "string", "int64", "bool"

#: table → [(column, type, Swedish, English)]
COLUMNS: dict[str, list[tuple[str, str, str, str]]] = {
    "persons": [
        ("person", S, "Personens pseudonym i projektet (HMAC-SHA256)", "The person's pseudonym in the project (HMAC-SHA256)"),
        ("municipality", S, "Kommunkod där personen först fick bistånd under perioden", "Code of the municipality where the person first had assistance in the period"),
        ("birth_year", S, "Födelseår (eller fem-, tio- eller tjugoårsgrupp om k-anonymiteten krävde det)", "Year of birth (or five-, ten- or twenty-year band where k-anonymity required it)"),
        ("sex", S, "Juridiskt kön enligt personnumret: K kvinna, M man", "Legal sex from the personnummer: K woman, M man"),
        ("household_type", S, "Hushållstyp (Socialstyrelsens kod) första månaden; grupp som 3+5 om k-anonymiteten krävde det", "Household type (Socialstyrelsen's code) in the first month; a group such as 3+5 where k-anonymity required it"),
        ("first_assistance_month", S, "Första månaden med bistånd under perioden, ÅÅÅÅ-MM (eller år, eller * om k-anonymiteten krävde det)", "First month with assistance in the period, YYYY-MM (or year, or * where k-anonymity required it)"),
    ],
    "person_months": [
        ("person", S, "Personens pseudonym", "The person's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("month", S, "Månaden biståndet gäller, ÅÅÅÅ-MM", "The month the assistance is for, YYYY-MM"),
        ("household", S, "Hushållets pseudonym", "The household's pseudonym"),
        ("role", S, "Roll: applicant sökande, co_applicant medsökande, child barn", "Role: applicant, co_applicant, child"),
        ("household_type", S, "Hushållstyp (Socialstyrelsens kod)", "Household type (Socialstyrelsen's code)"),
        ("amount_kr", INT, "Hushållets belopp för månaden i hela kronor (på sökandens rad)", "The household's amount for the month in whole kronor (on the applicant's row)"),
        ("need_reason", S, "Försörjningshinder (kod) för vuxna, när det registrerats", "Reason for need (försörjningshinder code) for adults, where recorded"),
    ],
    "decisions": [
        ("person", S, "Sökandens pseudonym", "The applicant's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("month", S, "Månaden beslutet gäller, ÅÅÅÅ-MM", "The month the decision is for, YYYY-MM"),
        ("decided_month", S, "Månaden beslutet fattades, ÅÅÅÅ-MM", "The month the decision was made, YYYY-MM"),
        ("application_kind", S, "Ansökans typ: new, recurring, supplementary", "Kind of application: new, recurring, supplementary"),
        ("outcome", S, "Utfall: granted, partly_refused, refused, dismissed", "Outcome: granted, partly_refused, refused, dismissed"),
        ("automated", B, "Fattat av den automatiserade beslutsfunktionen", "Made by the automated decision function"),
        ("reconsideration", B, "Omprövning av ett tidigare beslut", "Reconsideration of an earlier decision"),
        ("reason_codes", S, "Skäl som koder: post:utfall för varje post som inte beviljades helt, semikolonseparerade", "Reasons as codes: item:outcome for each item not fully granted, separated by semicolons"),
        ("manual_reason_codes", S, "Villkor för automatiskt beslut som inte var uppfyllda (koder)", "Criteria for an automated decision that were not met (codes)"),
    ],
    "assessments": [
        ("occasion", S, "Bedömningstillfällets pseudonym", "The assessment occasion's pseudonym"),
        ("person", S, "Personens pseudonym", "The person's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("worker", S, "Handläggarens pseudonym (om handläggartabellen ingår)", "The case worker's pseudonym (when the case-worker table is allowed)"),
        ("instrument", S, "Instrumentets id", "The instrument's id"),
        ("instrument_version", S, "Instrumentets version", "The instrument's version"),
        ("occasion_kind", S, "Tillfälle: intake första, follow_up uppföljning, exit avslut", "Occasion: intake, follow_up, exit"),
        ("month", S, "Månaden tillfället genomfördes (eller planerades), ÅÅÅÅ-MM", "The month the occasion was held (or planned), YYYY-MM"),
        ("domain", S, "Livsområde (instrumentets kod)", "Life area (the instrument's code)"),
        ("client_status", S, "Klientens skattning: rated, not_relevant, not_assessed, declined (tom: ingen)", "Client's self-rating: rated, not_relevant, not_assessed, declined (empty: none)"),
        ("client_level", INT, "Klientens nivå", "Client's level"),
        ("worker_status", S, "Handläggarens bedömning: rated, not_relevant, not_assessed, declined", "Worker's rating: rated, not_relevant, not_assessed, declined"),
        ("worker_level", INT, "Handläggarens nivå", "Worker's level"),
        ("flags", S, "Screeningflaggor vid tillfället (slag), semikolonseparerade", "Screening flags of the occasion (kind), separated by semicolons"),
    ],
    "mi_rulers": [
        ("occasion", S, "Bedömningstillfällets pseudonym", "The assessment occasion's pseudonym"),
        ("person", S, "Personens pseudonym", "The person's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("month", S, "Månad, ÅÅÅÅ-MM", "Month, YYYY-MM"),
        ("domain", S, "Livsområde", "Life area"),
        ("importance", INT, "Hur viktigt (0–10)", "Importance (0–10)"),
        ("confidence", INT, "Hur säker på att klara det (0–10)", "Confidence (0–10)"),
        ("chosen_by_client", B, "Området valt av klienten", "Area chosen by the client"),
    ],
    "mi_notes": [
        ("occasion", S, "Bedömningstillfällets pseudonym", "The assessment occasion's pseudonym"),
        ("person", S, "Personens pseudonym", "The person's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("month", S, "Månad, ÅÅÅÅ-MM", "Month, YYYY-MM"),
        ("processes", S, "MI-processer som nåddes (engage, focus, evoke, plan), semikolonseparerade", "MI processes reached (engage, focus, evoke, plan), separated by semicolons"),
        *[(f"change_talk_{k}", INT, f"Markeringar för förändringsprat: {sv}", f"Change-talk markers: {k.replace('_', ' ')}")
          for k, sv in (("desire", "önskan"), ("ability", "förmåga"), ("reasons", "skäl"), ("need", "behov"),
                        ("commitment", "åtagande"), ("activation", "aktivering"), ("taking_steps", "tagit steg"),
                        ("sustain", "bevarandeprat"))],
    ],
    "plans": [
        ("plan", S, "Planeringens pseudonym", "The plan's pseudonym"),
        ("person", S, "Personens pseudonym", "The person's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("worker", S, "Ansvarig handläggares pseudonym (om handläggartabellen ingår)", "Responsible case worker's pseudonym (when the case-worker table is allowed)"),
        ("version", INT, "Planeringens version", "The plan's version"),
        ("status", S, "Status: draft, shared, accepted, accepted_with_comment, disputed, closed", "Status: draft, shared, accepted, accepted_with_comment, disputed, closed"),
        ("valid_from_month", S, "Gäller från, ÅÅÅÅ-MM", "Valid from, YYYY-MM"),
        ("shared_month", S, "Delad med klienten, ÅÅÅÅ-MM", "Shared with the client, YYYY-MM"),
        ("acceptance", S, "Klientens senaste svar: accepted, accepted_with_comment, disputed (tom: inget)", "The client's latest answer: accepted, accepted_with_comment, disputed (empty: none)"),
        ("response_month", S, "Månaden för klientens svar, ÅÅÅÅ-MM", "Month of the client's answer, YYYY-MM"),
    ],
    "plan_goals": [
        ("plan", S, "Planeringens pseudonym", "The plan's pseudonym"),
        ("goal", INT, "Målets nummer i planeringen", "The goal's number in the plan"),
        ("life_area", S, "Livsområde (kod)", "Life area (code)"),
        ("origin", S, "Vems mål: client, joint, worker", "Whose goal: client, joint, worker"),
        ("target_level", INT, "Önskad nivå (1–5)", "Target level (1–5)"),
        ("target_month", S, "När målet ska vara nått, ÅÅÅÅ-MM", "Target month, YYYY-MM"),
        ("client_wording", S, "Målet med klientens ord, granskat (bara när projektet får fritext)", "The goal in the client's words, screened (only when the project may have free text)"),
    ],
    "plan_follow_ups": [
        ("plan", S, "Planeringens pseudonym", "The plan's pseudonym"),
        ("month", S, "Uppföljningens månad, ÅÅÅÅ-MM", "Month of the follow-up, YYYY-MM"),
        ("usefulness_client", INT, "Klientens bedömning av nyttan (1–5)", "The client's rating of usefulness (1–5)"),
        ("usefulness_worker", INT, "Handläggarens bedömning av nyttan (1–5)", "The worker's rating of usefulness (1–5)"),
    ],
    "plan_actions": [
        ("plan", S, "Planeringens pseudonym", "The plan's pseudonym"),
        ("action", S, "Åtgärdens pseudonym", "The action's pseudonym"),
        ("goal", INT, "Målets nummer (tom: inget mål)", "The goal's number (empty: no goal)"),
        ("kind", S, "Slag: frivillig insats eller krav", "Kind: voluntary or requirement"),
        ("responsible", S, "Vem ansvarar (kod)", "Responsible party (code)"),
        ("status", S, "Status (kod)", "Status (code)"),
        ("due_month", S, "Klart senast, ÅÅÅÅ-MM", "Due, YYYY-MM"),
        ("status_month", S, "Status ändrad, ÅÅÅÅ-MM", "Status changed, YYYY-MM"),
    ],
    "plan_referrals": [
        ("action", S, "Åtgärdens pseudonym", "The action's pseudonym"),
        ("partner", S, "Mottagare (kod)", "Partner (code)"),
        ("sent_month", S, "Skickad, ÅÅÅÅ-MM", "Sent, YYYY-MM"),
        ("first_contact_month", S, "Första kontakt, ÅÅÅÅ-MM", "First contact, YYYY-MM"),
        ("days_to_first_contact", INT, "Dagar från remiss till första kontakt", "Days from referral to first contact"),
    ],
    "spells": [
        ("person", S, "Personens pseudonym", "The person's pseudonym"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("first_month", S, "Periodens första månad med bistånd, ÅÅÅÅ-MM", "First month of the spell, YYYY-MM"),
        ("last_month", S, "Periodens sista månad, ÅÅÅÅ-MM", "Last month of the spell, YYYY-MM"),
        ("months", INT, "Antal månader i följd", "Number of consecutive months"),
        ("ended", B, "Avslutad inom exportens period", "Ended within the export's period"),
        ("end_reason", S, "Avslutsorsak (kod): work, studies, other_benefit, moved, other, unknown", "Exit reason (code): work, studies, other_benefit, moved, other, unknown"),
        ("returned_month", S, "Första månaden med bistånd igen, ÅÅÅÅ-MM (tom: ingen återkomst inom perioden)", "First month with assistance again, YYYY-MM (empty: no return within the period)"),
        ("months_to_return", INT, "Månader från avslut till återkomst", "Months from exit to return"),
    ],
    "caseworkers": [
        ("worker", S, "Handläggarens pseudonym i projektet", "The case worker's pseudonym in the project"),
        ("municipality", S, "Kommunkod", "Municipality code"),
        ("caseload", INT, "Antal personer med bedömning eller planering hos handläggaren under perioden", "Persons with an assessment or plan by the worker in the period"),
        ("assessments_done", INT, "Genomförda bedömningstillfällen under perioden", "Assessment occasions held in the period"),
        ("mi_support_used", INT, "Tillfällen där MI-stödet användes (anteckning eller linjal)", "Occasions where the MI support was used (note or ruler)"),
    ],
}

#: Which variable group gives which tables (the persons table is always there: it is the base).
TABLES_OF: dict[str, tuple[str, ...]] = {
    Variable.PERSON_MONTHS: ("person_months",),
    Variable.DECISIONS: ("decisions",),
    Variable.ASSESSMENTS: ("assessments",),
    Variable.MI: ("mi_rulers", "mi_notes"),
    Variable.PLANS: ("plans", "plan_goals", "plan_follow_ups", "plan_actions", "plan_referrals"),
    Variable.EXITS: ("spells",),
    Variable.CASEWORKERS: ("caseworkers",),
}


@dataclass
class ExportTables:
    tables: dict[str, list[dict[str, Any]]]
    report: SuppressionReport
    municipalities: list[str]
    person_ids: list[tuple[int, int]] = field(default_factory=list)  # (person id, municipality id) read
    protected_excluded: int = 0


def tables_for(project: ResearchProject) -> list[str]:
    names = ["persons"]
    for variable, tables in TABLES_OF.items():
        if project.allows(variable):
            names += tables
    return names


def columns_for(project: ResearchProject, table: str) -> list[tuple[str, str, str, str]]:
    cols = COLUMNS[table]
    if table == "plan_goals" and not project.allows(Variable.FREE_TEXT):
        cols = [c for c in cols if c[0] != "client_wording"]
    if table in ("assessments", "plans") and not project.allows(Variable.CASEWORKERS):
        cols = [c for c in cols if c[0] != "worker"]
    return cols


def _month_of_time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else month_of(timezone.localtime(moment).date())


def _sex(personnummer: str) -> str:
    return "M" if is_man(personnummer) else "K"


def _joined(values) -> str:
    return ";".join(values)


def build(project: ResearchProject, key: bytes, *, k: int, municipality_ids: list[int]) -> ExportTables:
    """Every table the project allows, pseudonymised, k-anonymised and sorted."""
    first, last = project.period_from, project.period_to
    codes = dict(project.participations.filter(municipality_id__in=municipality_ids)
                 .values_list("municipality_id", "municipality__code"))

    # --- the base: person-months of the period ---------------------------------------------------
    # Persons with protected identity (skyddad identitet) are left out of research exports altogether.
    base = PersonMonth.objects.filter(municipality_id__in=municipality_ids, month__gte=first, month__lte=last)
    protected = base.filter(person__protected_identity=True).values("person__personnummer").distinct().count()
    rows = list(base.filter(person__protected_identity=False).values_list("municipality_id", "household_key", "person_id", "person__personnummer",
                             "person__birth_date", "month", "role", "amount_ore", "end_reason"))
    members: dict[tuple, tuple[list[bool], list[int]]] = defaultdict(lambda: ([], [0]))
    for mid, hkey, _pid, number, born, month, role, *_ in rows:
        adults, children = members[(mid, hkey, month)]
        if role in ADULT_ROLES:
            adults.append(is_man(number))
        elif age_at(born, last_day(month)) < 18:
            children[0] += 1
    htype = {hm: household_type(a, c[0]) for hm, (a, c) in members.items()}
    pseudo: dict[int, str] = {}
    for _mid, _hkey, pid, number, *_ in rows:
        if pid not in pseudo:
            pseudo[pid] = pseudonym(key, number)
    person_municipality = {pid: mid for mid, _h, pid, *_ in rows}

    first_seen: dict[str, tuple] = {}
    for mid, hkey, pid, number, born, month, *_ in sorted(rows, key=lambda r: (r[5], codes[r[0]])):
        p = pseudo[pid]
        if p not in first_seen:
            first_seen[p] = {"person": p, "municipality": codes[mid], "birth_year": born.year,
                             "sex": _sex(number), "household_type": htype[(mid, hkey, month)],
                             "first_assistance_month": month_of(month)}
    persons, report = k_anonymise(first_seen.values(), QUASI_IDENTIFIERS, k, more_steps=K_ANONYMITY_STEPS,
                                  max_suppressed_share=MAX_SUPPRESSED_SHARE)
    for row in persons:  # strings, whether coarsened or not
        row["birth_year"], row["first_assistance_month"] = str(row["birth_year"]), str(row["first_assistance_month"])
    kept = {row["person"] for row in persons}
    tables: dict[str, list[dict[str, Any]]] = {"persons": sorted(persons, key=lambda r: r["person"])}
    wanted = set(tables_for(project))
    keep_pid = {pid for pid, p in pseudo.items() if p in kept}

    def pm(pid: int) -> str | None:
        return pseudo[pid] if pid in keep_pid else None

    # --- person-months with amounts, household type and försörjningshinder ------------------------
    if "person_months" in wanted:
        barriers: dict[tuple[int, dt.date], str] = {}
        for pid, month, code in (SupportBarrier.objects.filter(municipality_id__in=municipality_ids,
                                                               decision__month__gte=first, decision__month__lte=last)
                                 .order_by("decision_id").values_list("person_id", "decision__month", "code")):
            barriers[(pid, month)] = code
        out = []
        for mid, hkey, pid, _n, _b, month, role, amount, _end in rows:
            if pm(pid) is None:
                continue
            out.append({"person": pseudo[pid], "municipality": codes[mid], "month": month_of(month),
                        "household": pseudo_of_household(key, codes[mid], hkey), "role": role,
                        "household_type": htype[(mid, hkey, month)],
                        "amount_kr": None if amount is None else amount // 100,
                        "need_reason": barriers.get((pid, month), "") if role in ADULT_ROLES else ""})
        tables["person_months"] = sorted(out, key=lambda r: (r["person"], r["month"], r["municipality"]))

    # --- exits and returns -------------------------------------------------------------------------
    if "spells" in wanted:
        tables["spells"] = _spells(rows, pseudo, keep_pid, codes, last)

    # --- decisions ---------------------------------------------------------------------------------
    if "decisions" in wanted:
        out = []
        decisions = (Decision.objects.filter(municipality_id__in=municipality_ids, month__gte=first, month__lte=last,
                                             status=DecisionStatus.ISSUED)
                     .values_list("pk", "municipality_id", "application__applicant_id", "month", "issued_at",
                                  "application__kind", "outcome", "automated", "reconsiders_id", "automation_report"))
        decisions = list(decisions)
        lines: dict[int, list[str]] = defaultdict(list)
        for did, item, outcome in (DecisionLine.objects.filter(decision_id__in=[d[0] for d in decisions])
                                   .exclude(outcome=Outcome.GRANTED).order_by("decision_id", "position", "pk")
                                   .values_list("decision_id", "item", "outcome")):
            lines[did].append(f"{item}:{outcome}")
        for did, mid, pid, month, issued, kind, outcome, automated, reconsiders, automation in decisions:
            if pid is None or pm(pid) is None:
                continue
            failed = [row.get("code", "") for row in (automation or []) if isinstance(row, dict) and not row.get("passed")]
            out.append({"person": pseudo[pid], "municipality": codes[mid], "month": month_of(month),
                        "decided_month": _month_of_time(issued), "application_kind": kind,
                        "outcome": outcome, "automated": bool(automated), "reconsideration": reconsiders is not None,
                        "reason_codes": _joined(sorted(lines[did])),
                        "manual_reason_codes": "" if automated else _joined(sorted(failed))})
        tables["decisions"] = sorted(out, key=lambda r: tuple("" if v is None else str(v) for v in r.values()))

    workers = project.allows(Variable.CASEWORKERS)

    def worker_of(user_id) -> str | None:
        return pseudo_of_worker(key, user_id) if (workers and user_id) else None

    # --- assessments and MI ---------------------------------------------------------------------------
    occasions = [o for o in Occasion.objects.filter(municipality_id__in=municipality_ids, person_id__in=keep_pid)
                 .filter(Q(performed_on__gte=first, performed_on__lte=last_day(last))
                         | Q(performed_on__isnull=True, scheduled_for__gte=first, scheduled_for__lte=last_day(last)))
                 .values_list("pk", "municipality_id", "person_id", "worker_id", "instrument_version__instrument__key",
                              "instrument_version__version", "kind", "performed_on", "scheduled_for")]
    occ = {o[0]: o for o in occasions}
    occ_pseudo = {oid: pseudo_of(key, "occasion", oid) for oid in occ}
    if "assessments" in wanted:
        flags: dict[int, list[str]] = defaultdict(list)
        for oid, kind in ScreeningFlag.objects.filter(occasion_id__in=occ).values_list("occasion_id", "kind"):
            flags[oid].append(kind)
        ratings: dict[tuple[int, str], dict[str, tuple]] = defaultdict(dict)
        for oid, domain, rater, status, level in (DomainRating.objects.filter(occasion_id__in=occ)
                                                  .values_list("occasion_id", "domain", "rater", "status", "level")):
            ratings[(oid, domain)][rater] = (status, level)
        out = []
        for (oid, domain), by in ratings.items():
            _o, mid, pid, wid, instrument, version, kind, performed, scheduled = occ[oid]
            client, worker = by.get("client", ("", None)), by.get("worker", ("", None))
            row = {"occasion": occ_pseudo[oid], "person": pseudo[pid], "municipality": codes[mid],
                   "worker": worker_of(wid), "instrument": instrument, "instrument_version": version,
                   "occasion_kind": kind, "month": month_of(performed or scheduled), "domain": domain,
                   "client_status": client[0], "client_level": client[1], "worker_status": worker[0],
                   "worker_level": worker[1], "flags": _joined(sorted(flags[oid]))}
            out.append(row)
        tables["assessments"] = sorted(out, key=lambda r: (r["person"], r["month"], r["occasion"], r["domain"]))
    if "mi_rulers" in wanted:
        out = []
        for oid, domain, imp, conf, chosen in (Ruler.objects.filter(occasion_id__in=occ)
                                               .values_list("occasion_id", "domain", "importance", "confidence",
                                                            "chosen_by_client")):
            o = occ[oid]
            out.append({"occasion": occ_pseudo[oid], "person": pseudo[o[2]], "municipality": codes[o[1]],
                        "month": month_of(o[7] or o[8]), "domain": domain, "importance": imp, "confidence": conf,
                        "chosen_by_client": chosen})
        tables["mi_rulers"] = sorted(out, key=lambda r: (r["person"], r["month"], r["occasion"], r["domain"]))
        out = []
        for oid, processes, talk in (MINote.objects.filter(occasion_id__in=occ)
                                     .values_list("occasion_id", "processes", "change_talk")):
            o = occ[oid]
            row = {"occasion": occ_pseudo[oid], "person": pseudo[o[2]], "municipality": codes[o[1]],
                   "month": month_of(o[7] or o[8]), "processes": _joined(processes or [])}
            for name, *_ in COLUMNS["mi_notes"][5:]:
                row[name] = int((talk or {}).get(name.removeprefix("change_talk_"), 0) or 0)
            out.append(row)
        tables["mi_notes"] = sorted(out, key=lambda r: (r["person"], r["month"], r["occasion"]))

    # --- plans ---------------------------------------------------------------------------------------------
    plans = list(Plan.objects.filter(municipality_id__in=municipality_ids, person_id__in=keep_pid,
                                     valid_from__lte=last_day(last))
                 .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
                 .values_list("pk", "municipality_id", "person_id", "worker_id", "version", "status", "valid_from",
                              "shared_at"))
    plan_pseudo = {p[0]: pseudo_of(key, "plan", p[0]) for p in plans}
    if "plans" in wanted:
        latest: dict[int, tuple] = {}
        for plan_id, kind, at in (PlanResponse.objects.filter(plan_id__in=plan_pseudo)
                                  .order_by("plan_id", "responded_at", "pk").values_list("plan_id", "kind", "responded_at")):
            latest[plan_id] = (kind, at)
        out = []
        for pid_, mid, person_id, wid, version, status, valid_from, shared in plans:
            kind, at = latest.get(pid_, ("", None))
            out.append({"plan": plan_pseudo[pid_], "person": pseudo[person_id], "municipality": codes[mid],
                        "worker": worker_of(wid), "version": version, "status": status,
                        "valid_from_month": month_of(valid_from), "shared_month": _month_of_time(shared),
                        "acceptance": kind, "response_month": _month_of_time(at)})
        tables["plans"] = sorted(out, key=lambda r: (r["person"], r["version"], r["plan"]))
        free_text = project.allows(Variable.FREE_TEXT)
        names = _names(municipality_ids) if free_text else set()
        goal_no: dict[int, int] = {}
        goals_in_plan: dict[int, int] = defaultdict(int)
        out = []
        for gid, plan_id, _position, area, origin, level, target, wording in (
                Goal.objects.filter(plan_id__in=plan_pseudo).order_by("plan_id", "position", "pk")
                .values_list("pk", "plan_id", "position", "domain_code", "origin", "target_level", "target_date",
                             "client_wording")):
            goals_in_plan[plan_id] += 1
            goal_no[gid] = goals_in_plan[plan_id]
            row = {"plan": plan_pseudo[plan_id], "goal": goal_no[gid], "life_area": area, "origin": origin,
                   "target_level": level, "target_month": month_of(target)}
            if free_text:
                row["client_wording"] = screen_free_text(wording, names)
            out.append(row)
        tables["plan_goals"] = sorted(out, key=lambda r: (r["plan"], r["goal"]))
        out = [{"plan": plan_pseudo[plan_id], "month": month_of(held), "usefulness_client": uc, "usefulness_worker": uw}
               for plan_id, held, uc, uw in FollowUp.objects.filter(plan_id__in=plan_pseudo)
               .values_list("plan_id", "held_on", "usefulness_client", "usefulness_worker")]
        tables["plan_follow_ups"] = sorted(out, key=lambda r: tuple("" if v is None else str(v) for v in r.values()))
        actions = list(Action.objects.filter(plan_id__in=plan_pseudo)
                       .values_list("pk", "plan_id", "goal_id", "kind", "responsible", "status", "due_date",
                                    "status_changed_at"))
        action_pseudo = {a[0]: pseudo_of(key, "action", a[0]) for a in actions}
        out = [{"plan": plan_pseudo[plan_id], "action": action_pseudo[aid], "goal": goal_no.get(gid),
                "kind": kind, "responsible": resp, "status": status, "due_month": month_of(due),
                "status_month": _month_of_time(changed)}
               for aid, plan_id, gid, kind, resp, status, due, changed in actions]
        tables["plan_actions"] = sorted(out, key=lambda r: (r["plan"], r["action"]))
        out = [{"action": action_pseudo[aid], "partner": partner, "sent_month": month_of(sent),
                "first_contact_month": month_of(contact),
                "days_to_first_contact": (contact - sent).days if contact else None}
               for aid, partner, sent, contact in PlanReferral.objects.filter(action_id__in=action_pseudo)
               .values_list("action_id", "partner", "sent_on", "first_contact_on")]
        tables["plan_referrals"] = sorted(out, key=lambda r: tuple("" if v is None else str(v) for v in r.values()))

    # --- the case-worker table: a sampling frame for surveys and focus groups -------------------------------
    if "caseworkers" in wanted:
        per: dict[tuple[int, int], dict[str, Any]] = {}

        def entry(wid, mid):
            return per.setdefault((wid, mid), {"persons": set(), "done": 0, "mi": set()})

        mi_occasions = set(MINote.objects.filter(occasion_id__in=occ).values_list("occasion_id", flat=True))
        mi_occasions |= set(Ruler.objects.filter(occasion_id__in=occ).values_list("occasion_id", flat=True))
        for oid, mid, pid, wid, *_rest, performed, _scheduled in occasions:
            if wid is None:
                continue
            e = entry(wid, mid)
            e["persons"].add(pid)
            if performed:
                e["done"] += 1
            if oid in mi_occasions:
                e["mi"].add(oid)
        for _p, mid, person_id, wid, *_rest in plans:
            if wid is not None:
                entry(wid, mid)["persons"].add(person_id)
        out = [{"worker": pseudo_of_worker(key, wid), "municipality": codes[mid], "caseload": len(e["persons"]),
                "assessments_done": e["done"], "mi_support_used": len(e["mi"])} for (wid, mid), e in per.items()]
        tables["caseworkers"] = sorted(out, key=lambda r: (r["municipality"], r["worker"]))

    read = sorted({(pid, person_municipality[pid]) for pid in keep_pid})
    return ExportTables(tables=tables, report=report, municipalities=sorted(codes.values()), person_ids=read,
                        protected_excluded=protected)


def pseudo_of(key: bytes, kind: str, value: object) -> str:
    return pseudonym_of(key, kind, value)


def pseudo_of_household(key: bytes, municipality_code: str, household_key: str) -> str:
    return pseudonym_of(key, "household", f"{municipality_code}:{household_key}")


def pseudo_of_worker(key: bytes, user_id: int) -> str:
    return pseudonym_of(key, "worker", user_id)


def _names(municipality_ids: list[int]) -> set[str]:
    """Every first and last name of the municipalities' persons and of the staff, for the free-text screen."""
    names: set[str] = set()
    for first, last in Person.objects.filter(municipality_id__in=municipality_ids).values_list("first_name", "last_name"):
        names.update(part for part in f"{first} {last}".replace("-", " ").split() if len(part) >= 2)
    for first, last in get_user_model().objects.values_list("first_name", "last_name"):
        names.update(part for part in f"{first} {last}".replace("-", " ").split() if len(part) >= 2)
    return names


def _spells(rows, pseudo, keep_pid, codes, last: dt.date) -> list[dict[str, Any]]:
    """Consecutive months with assistance per person and municipality, how each ended (the household's exit
    reason on the applicant's row of its last month) and whether and when the person came back."""
    months: dict[tuple[int, int], list[tuple[dt.date, str]]] = defaultdict(list)
    end_of: dict[tuple[int, str, dt.date], str] = {}
    for mid, hkey, _pid, _n, _b, month, role, _a, end in rows:
        if role == MonthRole.APPLICANT and end:
            end_of[(mid, hkey, month)] = end
    for mid, hkey, pid, _n, _b, month, *_ in rows:
        if pid in keep_pid:
            months[(pid, mid)].append((month, hkey))
    out = []
    for (pid, mid), items in months.items():
        items.sort()
        spells: list[list[tuple[dt.date, str]]] = []
        for month, hkey in items:
            if spells and add_months(spells[-1][-1][0], 1) == month:
                spells[-1].append((month, hkey))
            else:
                spells.append([(month, hkey)])
        for i, spell in enumerate(spells):
            (start, _h), (end, hkey) = spell[0], spell[-1]
            back = spells[i + 1][0][0] if i + 1 < len(spells) else None
            ended = end < last
            gap = None
            if back is not None:
                gap = (back.year - end.year) * 12 + back.month - end.month
            out.append({"person": pseudo[pid], "municipality": codes[mid], "first_month": month_of(start),
                        "last_month": month_of(end), "months": len(spell), "ended": ended,
                        "end_reason": end_of.get((mid, hkey, end), "") if ended else "",
                        "returned_month": month_of(back), "months_to_return": gap})
    return sorted(out, key=lambda r: (r["person"], r["municipality"], r["first_month"]))


__all__ = ["COLUMNS", "HOUSEHOLD_TYPES", "QUASI_IDENTIFIERS", "TABLES_OF", "ExportTables", "build", "columns_for",
           "tables_for"]
