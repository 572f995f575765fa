"""Reads of applications.

Staff reads go through :func:`bistand.tenancy.scoping.scoped` (the views write the access log). The
applicant's reads take the Person ids of the logged-in applicant (``person_ids``: one per municipality
where the personnummer is known) and return only applications in which one of them is the applicant
or the co-applicant — the applicant only ever sees their own households' applications.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bistand.calculations.inputs import ore_to_json_amount
from bistand.calculations.services import build_input_for_household, members_in_month
from bistand.common.months import add_months, format_month, month_sv, parse_month
from bistand.people import personnummer as pnr
from bistand.people.models import HouseholdMember, HouseholdRole
from bistand.registers import selectors as register_selectors
from bistand.tenancy.scoping import get_scoped_or_404, scoped

from . import declaration as decl
from .models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Attachment,
    CompletionRequest,
    CompletionStatus,
    NormAdjustment,
)

# --- staff and system ---------------------------------------------------------------------------------


def pending_kommunicering(application, *, on=None, among: list | None = None) -> CompletionRequest | None:
    """The application's kommunicering (25 § förvaltningslagen) that is still running on ``on`` (default
    today): not answered and its last day not passed. None when there is none. ``among``: all the
    application's completion requests, when the caller has read them already (then no query)."""
    from django.utils import timezone

    if among is not None:
        on = on or timezone.localdate()
        running = [r for r in among if r.kind == "kommunicering" and r.status == CompletionStatus.OPEN
                   and r.due_date >= on]
        return max(running, key=lambda r: (r.due_date, r.pk), default=None)
    return (CompletionRequest.objects.filter(application_id=application.pk, kind="kommunicering",
                                             status=CompletionStatus.OPEN, due_date__gte=on or timezone.localdate())
            .order_by("-due_date", "-pk").first())


def completed_kommunicering(application, *, on=None) -> CompletionRequest | None:
    """The application's newest kommunicering (25 § förvaltningslagen) that is completed on ``on`` (default
    today): answered by the applicant, or its last day passed. None when there is none."""
    from django.db.models import Q
    from django.utils import timezone

    return (CompletionRequest.objects.filter(application_id=application.pk, kind="kommunicering")
            .filter(Q(status=CompletionStatus.ANSWERED)
                    | Q(status=CompletionStatus.OPEN, due_date__lt=on or timezone.localdate()))
            .order_by("-created_at", "-pk").first())


def pending_kommunicering_for(application_ids, *, on) -> dict[int, object]:
    """:func:`pending_kommunicering` for many applications at once: application id → its last day."""
    result = {}
    for application_id, due in (CompletionRequest.objects.filter(application_id__in=list(application_ids),
                                                                  kind="kommunicering", status=CompletionStatus.OPEN,
                                                                  due_date__gte=on)
                                .values_list("application_id", "due_date")):
        result[application_id] = max(due, result.get(application_id, due))
    return result


def submitted_for_month(municipality, month) -> QuerySet[Application]:
    """The municipality's submitted applications for ``month`` that nobody has started on (the monthly
    run's work list), oldest first. No user: for the system itself."""
    return (
        Application.objects.filter(municipality=municipality, month=parse_month(month), status=ApplicationStatus.SUBMITTED)
        .select_related("household", "applicant", "co_applicant")
        .order_by("submitted_at", "pk")
    )


def applications_for(user) -> QuerySet[Application]:
    return scoped(Application.objects.all(), user)


def application_for(user, pk: int) -> Application:
    """One application ``user`` may see, or 404 (the caller writes the access log)."""
    return get_scoped_or_404(
        Application.objects.select_related("household", "applicant", "co_applicant", "municipality"), user, pk=pk
    )


def attachment_for(user, application_pk: int, pk: int) -> Attachment:
    return get_scoped_or_404(Attachment.objects.select_related("application"), user, pk=pk,
                             application_id=application_pk)


def open_completion_requests(application: Application) -> QuerySet[CompletionRequest]:
    return application.completion_requests.filter(status=CompletionStatus.OPEN).order_by("due_date", "pk")


def declaration_changes(application: Application) -> list[dict[str, Any]]:
    """What the applicant changed compared with the previous application (empty for a first one):
    ``[{"section", "section_label", "label", "old", "new"}]``."""
    previous = application.previous
    if previous is None:
        return []
    return decl.changes(previous.declaration, application.declaration)


# --- the calculation input ----------------------------------------------------------------------------


def _register_facts(application: Application) -> list[Any]:
    return list(register_selectors.register_facts_for(application))


CLAIM_ID_PREFIX = "ansprak-"


def _claimed_children(application: Application) -> list[dict[str, Any]]:
    """The children a *first* application declares that the household register does not have (yet):
    claims with a valid personnummer. The case worker's proposal is calculated with them (the register
    is not changed; see ``services.accept_household_claims``)."""
    if application.kind != "new":
        return []
    claimed = []
    for child in (application.declaration.get("members") or {}).get("children") or []:
        if child.get("person_id") or not child.get("personnummer"):
            continue
        try:
            born = pnr.parse(child["personnummer"]).birth_date
        except ValueError:
            continue
        claimed.append({**child, "birth_date": born})
    return claimed


def _member_person_ids(application: Application) -> dict[str, str]:
    """Declaration member key → person id (as the calculation input's member id); a claimed child of a
    first application gets the id ``ansprak-<key>``."""
    members = application.declaration.get("members") or {}
    ids = {decl.APPLICANT: str(application.applicant_id)}
    partner = members.get("partner")
    if partner and partner.get("person_id"):
        ids["partner"] = str(partner["person_id"])
    for child in members.get("children") or []:
        if child.get("person_id"):
            ids[child["key"]] = str(child["person_id"])
    for child in _claimed_children(application):
        ids[child["key"]] = CLAIM_ID_PREFIX + child["key"]
    return ids


def answer_by(application: Application) -> dt.date | None:
    """The date by which the applicant is promised an answer: ``BISTAND_ANSWER_WITHIN_DAYS`` days after
    the application came in (None before it has come in)."""
    if application.submitted_at is None:
        return None
    days = getattr(settings, "BISTAND_ANSWER_WITHIN_DAYS", 10)
    return timezone.localtime(application.submitted_at).date() + dt.timedelta(days=days)


def member_names(application: Application, *, members: list | None = None) -> dict[str, str]:
    """Calculation member id → the first name to show for that member (in trace lines, letters and the
    e-service): the name in the declaration, else the name in the household register; a claimed child
    by its ``ansprak-<key>`` id. Ids without a name are left out (the label keeps a neutral word).
    ``members``: the household's members in the month (``members_in_month``) when already read."""
    if members is None:
        members = members_in_month([application.household_id], application.month).get(application.household_id, [])
    return _names_of(application, members)


def member_names_many(applications: Iterable[Application]) -> dict[int, dict[str, str]]:
    """:func:`member_names` of many applications (application id → names), one query per month (the
    monthly run stores many letters without a query per decision)."""
    by_month: dict[dt.date, list[Application]] = {}
    for application in applications:
        by_month.setdefault(application.month, []).append(application)
    names = {}
    for month, group in by_month.items():
        members = members_in_month([a.household_id for a in group], month)
        for application in group:
            names[application.pk] = _names_of(application, members.get(application.household_id, []))
    return names


def _names_of(application: Application, members) -> dict[str, str]:
    names: dict[str, str] = {}
    for member in members:
        if member.person.first_name:
            names[str(member.person_id)] = member.person.first_name
    if application.applicant_id and application.applicant.first_name:
        names.setdefault(str(application.applicant_id), application.applicant.first_name)
    declared = application.declaration.get("members") or {}
    ids = _member_person_ids(application)
    for key, member_id in ids.items():
        entry = declared.get("applicant") if key == decl.APPLICANT else declared.get("partner") if key == "partner" else next(
            (c for c in declared.get("children") or [] if c.get("key") == key), None)
        if entry and (entry.get("first_name") or "").strip():
            names[member_id] = entry["first_name"].strip()
    return names


_BARE_ID = r"(?<![0-9A-Za-z-]){id}(?=[,:)])"


def label_with_names(label: str, names: dict[str, str]) -> str:
    """A trace line's label with each member id replaced by the member's name: "Personliga kostnader,
    barn 289, 5 år" → "Personliga kostnader, Ella, 5 år"; "Jobbstimulans, 12: …" → "Jobbstimulans, Dora: …"."""
    for member_id, name in sorted(names.items(), key=lambda item: -len(item[0])):
        label = re.sub(rf"\bbarn {re.escape(member_id)}(?=[,:)])", lambda _m, n=name: n, label)
        label = re.sub(_BARE_ID.format(id=re.escape(member_id)), lambda _m, n=name: n, label)
    return label


def calculation_incomes(application: Application, register_facts: Iterable[Any] | None = None) -> list[dict[str, Any]]:
    """The incomes of the calculation: the declared incomes, except that where a register reports an
    income of the same type for the same person in the month, the register's amount is used; register
    incomes the applicant did not declare are added. Each income says where it came from in ``note``
    (``"Uppgift från dig"`` / ``"Uppgift från Försäkringskassan"`` …). Amounts in kronor."""
    ids = _member_person_ids(application)
    facts = _register_facts(application) if register_facts is None else list(register_facts)
    valid_types = {code for code, _ in decl.INCOME_TYPES}
    from_register: dict[tuple[str, str], list[Any]] = {}
    for fact in facts:
        if getattr(fact, "amount_ore", None) is None or getattr(fact, "kind", None) not in valid_types:
            continue
        if getattr(fact, "period", application.month) != application.month:
            continue
        from_register.setdefault((str(fact.person_id), fact.kind), []).append(fact)
    incomes: list[dict[str, Any]] = []
    used: set[tuple[str, str]] = set()
    for income in application.declaration.get("incomes") or []:
        member = ids.get(income.get("member") or decl.APPLICANT)
        if member is None:  # a member the household does not have: never booked to the applicant
            continue
        key = (member, income["type"])
        if key in from_register:
            if key not in used:
                used.add(key)
                for fact in from_register[key]:
                    incomes.append({"type": fact.kind, "member": member, "amount": ore_to_json_amount(fact.amount_ore),
                                    "note": f"Uppgift från {_agency(fact)}"})
            continue
        incomes.append({"type": income["type"], "member": member, "amount": ore_to_json_amount(int(income["amount_ore"])),
                        "note": "Uppgift från dig"})
    for key, rows in from_register.items():
        if key in used or key[0] not in ids.values():
            continue
        for fact in rows:
            incomes.append({"type": fact.kind, "member": key[0], "amount": ore_to_json_amount(fact.amount_ore),
                            "note": f"Uppgift från {_agency(fact)}"})
    return incomes


def _agency(fact: Any) -> str:
    label = getattr(fact, "agency_label", None)
    return label or str(getattr(fact, "agency", "register"))


#: Parts of the calculation input that apps above this one own (plans: the nedsättning, ``reduction``),
#: registered in their ``AppConfig.ready()``: ``f(application_ids) -> {application_id: {key: value}}``.
_INPUT_PARTS: list[Callable[[Iterable[int]], dict[int, dict[str, Any]]]] = []


def register_input_part(reader: Callable[[Iterable[int]], dict[int, dict[str, Any]]]) -> None:
    """Add a reader of calculation-input parts (see :data:`_INPUT_PARTS`); registering it twice adds it once."""
    if reader not in _INPUT_PARTS:
        _INPUT_PARTS.append(reader)


#: Steps that complete a built calculation input from what it holds, registered by apps above this one in
#: their ``AppConfig.ready()`` (decisions: the rådrum for rent above the ceiling, ``housing_grace``, which
#: depends on the household's composition and rent): ``f(application, document) -> None``, changing it in place.
_INPUT_FINISHERS: list[Callable[[Application, dict[str, Any]], None]] = []


def register_input_finisher(finisher: Callable[[Application, dict[str, Any]], None]) -> None:
    """Add a step that completes the calculation input (see :data:`_INPUT_FINISHERS`); once only."""
    if finisher not in _INPUT_FINISHERS:
        _INPUT_FINISHERS.append(finisher)


def input_parts_by_application(application_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Application id → the registered parts of its calculation input, for many applications at once
    (one query per registered reader)."""
    ids = list(application_ids)
    found: dict[int, dict[str, Any]] = {}
    for reader in _INPUT_PARTS:
        for application_id, part in reader(ids).items():
            found.setdefault(application_id, {}).update(part)
    return found


def calculation_input_for(application: Application, register_facts: Iterable[Any] | None = None, *,
                          members: list | None = None, earlier: list | None = None,
                          adjustments: list | None = None, paid: dict | None = None,
                          parts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The calculation contract's input for the application: the household's members in the month (from
    the people register, with the history of earlier months), the declared costs, and the incomes of
    :func:`calculation_incomes`. Children's days at home and lunch away from home come from the
    declaration; so does the size of the dwelling when the household shares it with other adults.
    Raises ``bistand.calculations.inputs.InputBuildError`` when the household cannot be calculated.
    ``members``, ``earlier`` and ``paid``: what the household's input is built from, read beforehand for many
    applications at once (see ``calculations.services.build_input_for_household``); ``adjustments``: the
    application's norm adjustments, read beforehand (:func:`norm_adjustments_by_application`)."""
    declaration = application.declaration
    ids = _member_person_ids(application)
    costs = [
        {"type": c["type"], "amount": ore_to_json_amount(int(c["amount_ore"])), "note": "Uppgift från dig"}
        for c in declaration.get("costs") or [] if c.get("amount_ore")
    ]
    incomes = calculation_incomes(application, register_facts)
    children = (declaration.get("members") or {}).get("children") or []
    days = {ids[c["key"]]: c["days_present"] for c in children if c["key"] in ids and c.get("days_present") is not None}
    lunch = [ids[c["key"]] for c in children if c["key"] in ids and c.get("lunch_away_from_home")]
    school = {ids[c["key"]]: c.get("in_upper_secondary_school") for c in children if c["key"] in ids}
    claimed = _claimed_children(application)
    if claimed:
        if members is None:
            members = members_in_month([application.household_id], application.month).get(application.household_id, [])
        members = list(members) + [
            SimpleNamespace(pk=0, role=HouseholdRole.CHILD, valid_from=application.month,
                            person_id=CLAIM_ID_PREFIX + c["key"], person=SimpleNamespace(birth_date=c["birth_date"]))
            for c in claimed
        ]
    document = build_input_for_household(application.household, application.month, costs=costs, incomes=incomes,
                                         days_present=days, lunch_away_from_home=lunch, members=members,
                                         in_upper_secondary_school=school,
                                         earlier=earlier, paid=paid)
    members = {a["id"] for a in document["household"]["adults"]} | {c["id"] for c in document["household"]["children"]}
    # An income of a person the register does not have in the household (yet) is not counted for anyone
    # else: it stays out of the calculation, and the application goes to a case worker with that reason
    # (unknown_member_incomes; the automation's criterion incomes_of_known_members).
    document["incomes"] = [income for income in document["incomes"]
                           if income.get("member") is None or income["member"] in members]
    others = int((declaration.get("members") or {}).get("other_adults_in_dwelling") or 0)
    # Young people aged 18–20 declared out of upper-secondary school live there as their own household.
    out_of_school = {person for person, in_school in school.items() if in_school is False} - members
    if others and document["household"].get("dwelling_size") in (None, len(members) + len(out_of_school)):
        document["household"]["dwelling_size"] = len(members) + len(out_of_school) + others
    rows = norm_adjustments_input(application, members, adjustments)
    if rows:
        document["norm_adjustments"] = rows
    if parts is None:
        parts = input_parts_by_application([application.pk]).get(application.pk, {})
    document.update(parts)
    for finisher in _INPUT_FINISHERS:
        finisher(application, document)
    return document


def school_youth_out_of_school(application: Application) -> list[dict[str, Any]]:
    """The declared children who are 18–20 years old in the application's month (by their personnummer)
    and not declared to be in upper-secondary school: ``[{"key", "name", "age", "answer"}]`` with
    ``answer`` False (declared not in school: their own household) or None (not answered). Such a young
    person is a child of the household only while in upper-secondary school (issue 17 §2)."""
    found = []
    for child in (application.declaration.get("members") or {}).get("children") or []:
        number = child.get("personnummer")
        if not number:
            continue
        try:
            age = pnr.parse(number).age(application.month)  # on the first day of the month, as the calculation
        except pnr.PersonnummerError:
            continue
        if 18 <= age <= 20 and child.get("in_upper_secondary_school") is not True:
            found.append({"key": child.get("key"), "name": child.get("first_name") or "Barnet", "age": age,
                          "answer": child.get("in_upper_secondary_school")})
    return found


def adults_without_labour_market_reason(application: Application) -> list[dict[str, Any]]:
    """The declared adults (applicant, partner) who said they are not registered with Arbetsförmedlingen
    and have no reason not to be (12 kap. 3 § SoL): ``[{"who": "applicant" | "partner", "name"}]``. An adult
    without an answer (an application made before the question existed) is not listed: not asked."""
    members = application.declaration.get("members") or {}
    found = []
    for who in ("applicant", "partner"):
        adult = members.get(who) or {}
        if decl.labour_market_unavailable(adult.get("labour_market")):
            found.append({"who": who, "name": adult.get("first_name") or ("Sökanden" if who == "applicant" else "Medsökanden")})
    return found


def labour_market_finding(application: Application) -> str:
    """The adults not available to the labour market without a reason, in plain Swedish ("" when none):
    the automation's criterion ``labour_market_available`` and a paper application's reason say the same."""
    texts = [f"{adult['name']} är inte inskriven på Arbetsförmedlingen som arbetssökande och har inte angett något skäl "
             "att inte vara det" for adult in adults_without_labour_market_reason(application)]
    if not texts:
        return ""
    return "; ".join(texts) + ". Utred om hushållet står till arbetsmarknadens förfogande (12 kap. 3 § SoL)."


def school_youth_finding(application: Application) -> str:
    """The declared children aged 18–20 not (known to be) in upper-secondary school, in plain Swedish
    ("" when none): the criterion ``school_youth_in_school`` and a paper application's reason."""
    texts = []
    for young in school_youth_out_of_school(application):
        if young["answer"] is False:
            texts.append(f"{young['name']} är {young['age']} år och går inte i gymnasieskolan: hen räknas inte som barn "
                         "i hushållet utan som vuxen med ett eget hushåll (egen ansökan) och är inte med i beräkningen")
        else:
            texts.append(f"Det saknas svar på om {young['name']} ({young['age']} år) går i gymnasieskolan")
    return ("; ".join(texts) + ".") if texts else ""


#: The declaration's findings that need a person, by the automation's criterion codes
#: (bistand.casework.reasons shows them under the criterion's own text).
DECLARATION_FINDINGS: dict[str, Callable[[Application], str]] = {
    "labour_market_available": labour_market_finding,
    "school_youth_in_school": school_youth_finding,
}


def declaration_findings(application: Application) -> list[dict[str, str]]:
    """``[{"code", "label"}]``: what in the declaration itself needs a person (see DECLARATION_FINDINGS)."""
    return [{"code": code, "label": text} for code, finding in DECLARATION_FINDINGS.items()
            if (text := finding(application))]


def unknown_member_incomes(application: Application, document: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The declared incomes whose member is not in the household — a member key that names nobody
    (a partner or child the register does not know), or, given the calculation input ``document``, a
    person who is not among its members. They are not in the calculation; a case worker decides whose
    they are. Each: ``{"type", "label", "member" (the declaration's key), "amount_ore"}``."""
    ids = _member_person_ids(application)
    in_household = None
    if document is not None:
        household = document.get("household") or {}
        in_household = ({a["id"] for a in household.get("adults") or ()}
                        | {c["id"] for c in household.get("children") or ()})
    rows = []
    for income in application.declaration.get("incomes") or []:
        key = income.get("member") or decl.APPLICANT
        person = ids.get(key)
        if person is None or (in_household is not None and person not in in_household):
            rows.append({"type": income.get("type"), "label": decl.INCOME_LABELS.get(income.get("type"), income.get("type")),
                         "member": key, "amount_ore": int(income.get("amount_ore") or 0)})
    return rows


def declared_assets(application: Application) -> dict[str, Any]:
    """What the applicant declared as assets (bank balance, vehicle, property …): ``{"rows": [{"kind",
    "label", "value_ore"}], "total_ore"}`` — a criterion of the need test, shown beside the calculation."""
    rows = []
    for asset in application.declaration.get("assets") or []:
        label = decl.ASSET_LABELS.get(asset.get("kind"), asset.get("kind") or "Tillgång")
        if asset.get("description"):
            label += f": {asset['description']}"
        rows.append({"kind": asset.get("kind"), "label": label, "value_ore": int(asset.get("value_ore") or 0)})
    return {"rows": rows, "total_ore": sum(row["value_ore"] for row in rows)}


def norm_adjustments_of(application: Application) -> list[NormAdjustment]:
    """The case worker's higher or lower norm levels of the application, in the order they were made."""
    return list(application.norm_adjustments.select_related("member", "created_by").order_by("created_at", "pk"))


def norm_adjustment_of(application: Application, pk: int) -> NormAdjustment | None:
    """One of the application's norm adjustments (None when it is not this application's)."""
    return NormAdjustment.objects.filter(pk=pk, application=application).first()


def norm_adjustments_by_application(application_ids: Iterable[int]) -> dict[int, list[NormAdjustment]]:
    """Application id → its norm adjustments in order, for many applications in one query."""
    found: dict[int, list[NormAdjustment]] = {}
    for adjustment in NormAdjustment.objects.filter(application_id__in=list(application_ids)).order_by("created_at", "pk"):
        found.setdefault(adjustment.application_id, []).append(adjustment)
    return found


def norm_adjustments_input(application: Application, members: set[str],
                           adjustments: list | None = None) -> list[dict[str, Any]]:
    """The application's norm adjustments as the calculation contract's ``norm_adjustments`` (the member
    only when the person is in the household that month)."""
    rows = []
    for adjustment in norm_adjustments_of(application) if adjustments is None else adjustments:
        row = {"direction": adjustment.direction, "kind": adjustment.kind,
               "amount": ore_to_json_amount(adjustment.amount_ore), "reason": adjustment.reason}
        if adjustment.member_id is not None and str(adjustment.member_id) in members:
            row["member"] = str(adjustment.member_id)
        rows.append(row)
    return rows


# --- the applicant's own applications -----------------------------------------------------------------


def _own(person_ids: Iterable[int]) -> Q:
    ids = list(person_ids)
    return Q(applicant_id__in=ids) | Q(co_applicant_id__in=ids)


def applications_of(person_ids: Iterable[int]) -> QuerySet[Application]:
    """Every application in which one of ``person_ids`` is the applicant or the co-applicant (drafts
    only the applicant's own), newest month first."""
    ids = list(person_ids)
    return (
        Application.objects.filter(_own(ids))
        .exclude(Q(status=ApplicationStatus.DRAFT) & ~Q(applicant_id__in=ids))
        .select_related("municipality", "applicant", "co_applicant", "household")
        .order_by("-month", "-created_at", "-pk")
    )


def own_application(person_ids: Iterable[int], pk: int) -> Application:
    """One of the applicant's own applications, or 404 (the same answer for someone else's)."""
    try:
        return applications_of(person_ids).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404("Sidan finns inte.") from None


def own_attachment(person_ids: Iterable[int], application_pk: int, pk: int) -> Attachment:
    application = own_application(person_ids, application_pk)
    try:
        return application.attachments.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404("Sidan finns inte.") from None


def own_completion_request(person_ids: Iterable[int], pk: int) -> CompletionRequest:
    ids = list(person_ids)
    try:
        return CompletionRequest.objects.select_related("application").get(
            Q(application__applicant_id__in=ids) | Q(application__co_applicant_id__in=ids), pk=pk
        )
    except CompletionRequest.DoesNotExist:
        raise Http404("Sidan finns inte.") from None


def awaiting_confirmation_by(person_ids: Iterable[int]) -> QuerySet[Application]:
    return Application.objects.filter(co_applicant_id__in=list(person_ids),
                                      status=ApplicationStatus.AWAITING_CO_APPLICANT).select_related("applicant")


def pending_household_claims(application: Application) -> list[dict[str, Any]]:
    """What the applicant declared about a partner or children that is not in the household register yet
    (the claims a case worker may accept): role, the typed names and personnummer."""
    members = application.declaration.get("members") or {}
    rows = []
    partner = members.get("partner")
    if partner and not partner.get("person_id"):
        rows.append({"role": "Make, maka eller sambo", **partner})
    for child in members.get("children") or []:
        if not child.get("person_id"):
            rows.append({"role": "Barn", **child})
    return rows


def awaiting_confirmation_for(personnummer: str) -> QuerySet[Application]:
    """Applications waiting for the confirmation of the person with ``personnummer`` (logged in with
    their own e-ID): as the co-applicant, or as the declared partner whom the municipality did not know."""
    return Application.objects.filter(
        Q(co_applicant__personnummer=personnummer)
        | Q(co_applicant__isnull=True, declaration__members__partner__personnummer=personnummer),
        status=ApplicationStatus.AWAITING_CO_APPLICANT,
    ).select_related("applicant", "municipality")


def declaration_sections(application: Application, viewer: str = decl.VIEWER_APPLICANT,
                         ) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The sections of the applicant's declaration in the order of the form: (key, Swedish label, the
    rows "what, value" that were declared; an empty list for a section without answers). ``viewer`` is
    who reads it (the co-applicant reads "du" about themselves, :data:`declaration.VIEWER_PARTNER`)."""
    summary = decl.summary(application.declaration or {}, viewer)
    return [(key, label, summary.get(key, [])) for key, label in decl.SECTIONS]


def open_completion_requests_of(person_ids: Iterable[int]) -> list[CompletionRequest]:
    """The open requests for more information on the applicant's own applications, the earliest due first."""
    ids = list(person_ids)
    if not ids:
        return []
    return list(
        CompletionRequest.objects.filter(
            Q(application__applicant_id__in=ids) | Q(application__co_applicant_id__in=ids), status=CompletionStatus.OPEN
        ).select_related("application").order_by("due_date")
    )


def recurring_offers(applications: Iterable[Application], today: dt.date) -> list[dict[str, Any]]:
    """Households for which the applicant can re-apply (this month or the next): a received application
    of an earlier month and no live (new or recurring, not withdrawn) application for that month.
    ``applications`` are the applicant's own, newest first; one household's offers come from its newest."""
    applications = list(applications)
    offers, seen = [], set()
    live = {(a.household_id, a.month) for a in applications
            if a.kind in (ApplicationKind.NEW, ApplicationKind.RECURRING) and a.status != ApplicationStatus.WITHDRAWN}
    for application in applications:
        if application.household_id in seen or not application.is_received:
            continue
        seen.add(application.household_id)
        for month in (today.replace(day=1), add_months(today.replace(day=1), 1)):
            if month > application.month and (application.household_id, month) not in live:
                offers.append({"household_id": application.household_id, "month": format_month(month),
                               "label": month_sv(month), "municipality": application.municipality.name})
    return offers


def recurring_applicant(person_ids: Iterable[int], household_id: int) -> tuple[Any, Any]:
    """(household, person) for a recurring application of ``household_id`` by the applicant: the person
    must be the household's applicant or partner in the register, or (not yet in the register) the
    applicant of an earlier application of the household; otherwise 404."""
    ids = list(person_ids)
    member = HouseholdMember.objects.filter(
        household_id=household_id, person_id__in=ids, role__in=[HouseholdRole.APPLICANT, HouseholdRole.PARTNER],
    ).select_related("household", "person").first()
    if member is not None:
        return member.household, member.person
    previous = (Application.objects.filter(household_id=household_id, applicant_id__in=ids)
                .select_related("household", "applicant").first())
    if previous is None:
        raise Http404("Sidan finns inte.")
    return previous.household, previous.applicant


__all__ = [
    "application_for",
    "applications_for",
    "applications_of",
    "attachment_for",
    "awaiting_confirmation_by",
    "awaiting_confirmation_for",
    "pending_household_claims",
    "calculation_incomes",
    "calculation_input_for",
    "declaration_changes",
    "declaration_sections",
    "declared_assets",
    "input_parts_by_application",
    "norm_adjustment_of",
    "norm_adjustments_by_application",
    "norm_adjustments_input",
    "norm_adjustments_of",
    "register_input_finisher",
    "register_input_part",
    "open_completion_requests",
    "open_completion_requests_of",
    "own_application",
    "own_attachment",
    "own_completion_request",
    "adults_without_labour_market_reason",
    "recurring_applicant",
    "recurring_offers",
    "submitted_for_month",
    "school_youth_out_of_school",
    "unknown_member_incomes",
]
