"""The automation policy: may the automated decision function (automatiserad beslutsfunktion) decide
this application, under the committee's delegation?

:func:`evaluate` checks every criterion — also after one has failed, so that the case worker sees all
the reasons at once — and returns an :class:`AutomationVerdict`: ``automate`` is True only when every
criterion holds. Each failed criterion is reported with its code, a Swedish label and a detail.

Criteria that always apply (not configurable):

* ``delegation_in_force`` — the municipality has a delegation for the decision type, in effect on the
  day, and its kill switch is not pulled;
* ``application_open`` — the application is submitted (not a draft, withdrawn or already decided);
* ``nothing_for_caseworker`` — the applicant did not leave anything for a case worker to answer;
* ``incomes_of_known_members`` — every declared income belongs to a member of the household (one that
  does not is left out of the calculation, never booked to the applicant);
* ``school_youth_in_school`` — every declared child aged 18–20 is declared to be in upper-secondary
  school: one who is not is no child of the household but an adult with their own case (left out of the
  calculation), and one not answered is unknown; either needs a person (issue 17 §2);
* ``labour_market_available`` — every adult who answered the question is registered with
  Arbetsförmedlingen or has a reason not to be (12 kap. 3 § SoL 2025:400; 4 kap. 1 § andra stycket SoL 2001:453); an
  explicit "not registered, no reason" needs a person. A missing answer (an application made before the
  question existed) counts as not asked, so older recurring cases are not all sent to the inbox;
* ``norm_as_riksnorm`` — no higher or lower norm level (12 kap. 7 § tredje stycket SoL): that is an
  individual assessment, never automated;
* ``no_reduction_matter`` — no nedsättning (12 kap. 5 § SoL) now or last month, and no plan requirement
  marked as not carried out: a nedsättning is an individual assessment and is **never automated**
  (the plans app registers the requirement check, :func:`register_reduction_check`);
* ``housing_grace_decided`` — rent above the municipality's ceiling: the first month above it starts the
  household's rådrum (the full rent counts for ``housing_grace_months``, default 3; issue 17 §2), and that
  decision, with its letter paragraph saying from which month the ceiling applies, is made by a case worker:
  a calculation with a rådrum that is not yet stored for the household goes to the inbox. Later months
  inside a stored rådrum (full rent: a grant) may be automated; after it the ceiling makes the rent a partial
  refusal (``full_grant`` sends it to a person);
* ``assets_within_threshold`` — the declared assets (bank balance, vehicle, property …) are at most the
  municipality's threshold (local parameter ``asset_threshold``; without one, no declared asset at all);
* ``calculation_for_application`` — the calculation is of the application's household and month;
* ``full_grant`` — the decision would grant everything applied for: **only grants are automated**; a
  refusal (avslag) or partial refusal (delavslag) always goes to a person.

Criteria the delegation configures (``Delegation.criteria``: ``{code: {"enabled": bool, …}}``; a
missing code or setting has the default of :data:`DEFAULT_CRITERIA`):

* ``recurring`` — a recurring application (återansökan) following an earlier one;
* ``household_and_housing_unchanged`` — the same members and the same housing as the previous application;
* ``register_incomes_match`` — the register's incomes match the declared within ``tolerance_ore`` /
  ``tolerance_percent`` (see :func:`bistand.registers.services.compare_declared`), and every person's
  register data were fetched;
* ``no_open_completion_request`` — no request for more information is waiting for an answer;
* ``amount_close_to_last_month`` — the amount differs from last month's decided amount by at most
  ``max_difference_ore`` or ``max_difference_percent`` of last month's amount, whichever is larger
  (no decision last month: fails);
* ``no_estimated_parameter`` — the calculation used no estimated parameter value (its warnings tell),
  except values from the parameter files listed in ``accepted_files`` (e.g. the municipality's own
  ``local/0680.yaml`` once the committee has adopted it);
* ``current_plan`` — the applicant has a current plan, **when the municipality requires it** (off by
  default). Plans live above decisions, so the check is a hook ``f(person, month) -> bool`` that the
  plans app registers in its ``AppConfig.ready()`` (:func:`register_plan_check`; it registers
  :func:`bistand.plans.selectors.has_current_plan`). Without the hook an enabled criterion fails with a
  detail saying that plans cannot be checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from bistand.applications.models import CompletionRequest, CompletionStatus
from bistand.applications.selectors import (
    declared_assets,
    labour_market_finding,
    school_youth_finding,
    unknown_member_incomes,
)
from bistand.common.formatting import format_kronor
from bistand.common.months import add_months, month_sv
from bistand.rules.parameters import load_parameters

from .models import Decision, DecisionStatus, DecisionType, Delegation, Outcome
from .proposals import norm_level_lines, propose
from .selectors import grace_period, housing_grace_of

#: Default settings of the configurable criteria (see the module docstring).
DEFAULT_CRITERIA: dict[str, dict[str, Any]] = {
    "recurring": {"enabled": True},
    "household_and_housing_unchanged": {"enabled": True},
    "register_incomes_match": {"enabled": True, "tolerance_ore": 10_000, "tolerance_percent": 0},
    "no_open_completion_request": {"enabled": True},
    "amount_close_to_last_month": {"enabled": True, "max_difference_ore": 100_000, "max_difference_percent": 0},
    "no_estimated_parameter": {"enabled": True, "accepted_files": []},
    "current_plan": {"enabled": False},
}

#: Swedish labels of every criterion (the inbox shows them as the reason an application was not automated).
LABELS: dict[str, str] = {
    "delegation_in_force": "Det finns en gällande delegation till automatiserad beslutsfunktion",
    "application_open": "Ansökan är inlämnad och inte redan beslutad",
    "nothing_for_caseworker": "Inget i ansökan behöver besvaras av en handläggare",
    "incomes_of_known_members": "Varje inkomst i ansökan hör till någon i hushållet",
    "school_youth_in_school": "Barn som är 18–20 år går i gymnasieskolan",
    "labour_market_available": "Varje vuxen är inskriven på Arbetsförmedlingen eller har ett skäl att inte vara det",
    "norm_as_riksnorm": "Normen är riksnormen (ingen högre eller lägre nivå av särskilda skäl)",
    "no_reduction_matter": "Ingen nedsättning nu eller förra månaden och inget krav i planeringen som inte blev av",
    "housing_grace_decided": "Hyran är inte över kommunens tak för första gången (rådrummet beslutas av en handläggare)",
    "assets_within_threshold": "Tillgångarna är inte större än kommunens gräns",
    "calculation_for_application": "Beräkningen gäller ansökans hushåll och månad",
    "full_grant": "Beslutet blir bifall (avslag och delavslag fattas av en handläggare)",
    "recurring": "Återansökan",
    "household_and_housing_unchanged": "Hushållet och boendet är oförändrade",
    "register_incomes_match": "Inkomsterna i registren stämmer med ansökan",
    "no_open_completion_request": "Ingen obesvarad begäran om komplettering",
    "no_pending_kommunicering": "Ingen pågående kommunicering (25 § förvaltningslagen)",
    "amount_close_to_last_month": "Beloppet ligger nära förra månadens",
    "no_estimated_parameter": "Beräkningen använder inga uppskattade värden",
    "current_plan": "Sökanden har en aktuell planering",
}

#: The calculation's warning for an estimated parameter value (bistand.rules.calculate._Trace.used).
ESTIMATED_RE = re.compile(r"^Ett uppskattat värde används: (?P<what>.*) \((?P<file>[^()]+\.yaml)\)\. ")

_SETTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "enabled": bool,
    "tolerance_ore": int,
    "tolerance_percent": int,
    "max_difference_ore": int,
    "max_difference_percent": int,
    "accepted_files": list,
}


@dataclass(frozen=True)
class Criterion:
    """One criterion's result: ``detail`` says why it failed (empty when it held)."""

    code: str
    label_sv: str
    detail: str = ""


@dataclass(frozen=True)
class AutomationVerdict:
    automate: bool
    failed: list[Criterion]
    passed: list[Criterion] = field(default_factory=list)
    delegation: Delegation | None = None
    criteria: dict[str, dict[str, Any]] = field(default_factory=dict)  # the settings that were applied

    def report(self) -> list[dict[str, Any]]:
        """Every criterion checked, for the decision's record (``Decision.automation_report``)."""
        rows = [{"code": c.code, "label": c.label_sv, "passed": True, "detail": c.detail,
                 "settings": self.criteria.get(c.code, {})} for c in self.passed]
        rows += [{"code": c.code, "label": c.label_sv, "passed": False, "detail": c.detail,
                  "settings": self.criteria.get(c.code, {})} for c in self.failed]
        order = list(LABELS)
        return sorted(rows, key=lambda r: order.index(r["code"]) if r["code"] in order else len(order))


# --- configuration ---------------------------------------------------------------------------------


def validate_criteria(data: Any) -> list[str]:
    """Problems with a delegation's criteria JSON (Swedish sentences); empty when it can be used."""
    if data in (None, ""):
        return []
    if not isinstance(data, Mapping):
        return ["Villkoren ska vara ett JSON-objekt med ett villkor per nyckel."]
    problems = []
    for code, value in data.items():
        if code not in DEFAULT_CRITERIA:
            problems.append(f"Okänt villkor {code!r}. Kända villkor: {', '.join(DEFAULT_CRITERIA)}.")
            continue
        if not isinstance(value, Mapping):
            problems.append(f"Villkoret {code!r} ska vara ett JSON-objekt, till exempel {{\"enabled\": true}}.")
            continue
        for key, setting in value.items():
            if key not in DEFAULT_CRITERIA[code]:
                problems.append(f"Villkoret {code!r} har ingen inställning {key!r}.")
                continue
            wanted = _SETTING_TYPES[key]
            if wanted is int and (isinstance(setting, bool) or not isinstance(setting, int) or setting < 0):
                problems.append(f"{code}.{key} ska vara ett heltal som är 0 eller större.")
            elif wanted is bool and not isinstance(setting, bool):
                problems.append(f"{code}.{key} ska vara true eller false.")
            elif wanted is list and not (isinstance(setting, list) and all(isinstance(s, str) for s in setting)):
                problems.append(f"{code}.{key} ska vara en lista med filnamn.")
    return problems


def criteria_settings(delegation: Delegation | None) -> dict[str, dict[str, Any]]:
    """The criteria settings of ``delegation`` over the defaults."""
    result = {code: {k: list(v) if isinstance(v, list) else v for k, v in values.items()}
              for code, values in DEFAULT_CRITERIA.items()}
    configured = delegation.criteria if delegation is not None and isinstance(delegation.criteria, Mapping) else {}
    for code, value in configured.items():
        if code in result and isinstance(value, Mapping):
            result[code].update({k: v for k, v in value.items() if k in result[code]})
    return result


def delegation_in_force(municipality_id: int, decision_type: str = DecisionType.MONTHLY_ASSISTANCE,
                        on: dt.date | None = None) -> Delegation | None:
    """The delegation that governs ``decision_type`` in the municipality on the day ``on``: the one with
    the latest ``effective_from`` on or before that day (whether its kill switch is on or not)."""
    on = on or timezone.localdate()
    return (
        Delegation.objects.filter(municipality_id=municipality_id, decision_type=decision_type, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )


# --- the plan hook ---------------------------------------------------------------------------------


_plan_check: Callable[[Any, dt.date], bool] | None = None


def register_plan_check(check: Callable[[Any, dt.date], bool]) -> None:
    """Make ``check(person, month) -> bool`` the hook of the criterion ``current_plan`` (called by the
    plans app's ``AppConfig.ready()``)."""
    global _plan_check
    _plan_check = check


def plan_check() -> Callable[[Any, dt.date], bool] | None:
    """The hook that tells whether a person has a current plan (None when no app registered one)."""
    return _plan_check


_reduction_check: Callable[[Any, dt.date], str] | None = None


def register_reduction_check(check: Callable[[Any, dt.date], str]) -> None:
    """Make ``check(person, month) -> str`` (why a nedsättning may be relevant, "" when nothing is) the
    hook of the criterion ``no_reduction_matter`` (called by the plans app's ``AppConfig.ready()``)."""
    global _reduction_check
    _reduction_check = check


#: The item of a decision's nedsättning line (decisions.proposals.REDUCTION_ITEM).
_REDUCTION_ITEM = "reduction"


# --- the checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preloaded:
    """What :func:`evaluate` would otherwise read from the database for one application, read
    beforehand for many applications at once (the monthly run). The criteria are the same; only where
    the facts come from differs. ``register_facts`` must be given with it."""

    has_decision: bool  # the application already has a decision or a draft (reconsiders is null)
    open_completion_requests: int  # open requests for more information
    last_month_decision: Decision | None  # last_month_decision(household, month)
    persons: list  # registers.selectors.application_persons(application)
    fetches: Mapping[int, Any]  # person id → the newest register fetch of the month
    pending_kommunicering: dt.date | None  # the last day of a kommunicering still running, else None
    # why a nedsättning may be relevant (the plans hook, for the applicant; "" when nothing is) and whether
    # last month's decision had a nedsättning line; None: not read beforehand
    reduction_matter: str | None = None
    last_month_reduced: bool | None = None


@dataclass
class _Context:
    application: Any
    calculation: Any
    register_facts: list | None
    delegation: Delegation | None
    on: dt.date
    settings: dict[str, dict[str, Any]]
    proposal: Any = None
    preloaded: Preloaded | None = None


def _check_delegation(ctx: _Context, _config) -> str:
    delegation = ctx.delegation
    if delegation is None:
        return ("Kommunen har ingen delegation till automatiserad beslutsfunktion för försörjningsstöd som "
                f"gäller {ctx.on:%Y-%m-%d}.")
    if not delegation.active:
        return f"Automatiska beslut är avstängda (nödstoppet) för delegationen {delegation.committee_reference}."
    if delegation.effective_from > ctx.on:
        return f"Delegationen gäller först från {delegation.effective_from:%Y-%m-%d}."
    if delegation.municipality_id != ctx.application.municipality_id:
        return "Delegationen gäller en annan kommun."
    return ""


def _check_open(ctx: _Context, _config) -> str:
    status = getattr(ctx.application, "status", None)
    if status in ("submitted", "in_review"):
        if ctx.preloaded is not None:
            has_decision = ctx.preloaded.has_decision
        else:
            has_decision = Decision.objects.filter(application_id=ctx.application.pk, reconsiders__isnull=True).exists()
        if has_decision:
            return "Det finns redan ett beslut eller ett beslutsutkast för ansökan."
        return ""
    labels = {"draft": "är inte inlämnad", "awaiting_co_applicant": "väntar på att medsökande bekräftar",
              "decided": "är redan beslutad", "withdrawn": "är återkallad"}
    return f"Ansökan {labels.get(status, f'har status {status}')}."


def _check_nothing_for_caseworker(ctx: _Context, _config) -> str:
    if not getattr(ctx.application, "needs_caseworker", False):
        return ""
    reasons = getattr(ctx.application, "caseworker_reasons", None) or []
    labels = [str(r.get("label") or r.get("code")) for r in reasons if isinstance(r, Mapping)]
    return "Ansökan behöver en handläggare" + (": " + "; ".join(labels) if labels else "") + "."


def _check_known_members(ctx: _Context, _config) -> str:
    document = getattr(ctx.calculation, "input_data", None) if ctx.calculation is not None else None
    found = unknown_member_incomes(ctx.application, document)
    if not found:
        return ""
    items = "; ".join(f"{row['label']} {format_kronor(row['amount_ore'])}" for row in found)
    return (f"Ansökan har inkomster för en person som inte finns i hushållet ({items}). De räknas inte för "
            "någon annan; avgör vems inkomsterna är.")


def _check_school_youth(ctx: _Context, _config) -> str:
    return school_youth_finding(ctx.application)


def _check_labour_market(ctx: _Context, _config) -> str:
    return labour_market_finding(ctx.application)


def _check_norm_as_riksnorm(ctx: _Context, _config) -> str:
    if ctx.calculation is None or not (getattr(ctx.calculation, "input_data", None) or {}).get("norm_adjustments"):
        return ""
    labels = [line.label for line in norm_level_lines(ctx.calculation)]
    return ("En handläggare har satt normen till en annan nivå av särskilda skäl (" + "; ".join(labels)
            + "). Det är en individuell bedömning som bara en handläggare beslutar om.")


def _check_reduction(ctx: _Context, _config) -> str:
    """A nedsättning is never automated: not when the calculation has one, not when last month's decision
    had one (is it to continue?), not when a plan requirement was not carried out (is one due?)."""
    document = (getattr(ctx.calculation, "input_data", None) or {}) if ctx.calculation is not None else {}
    if document.get("reduction"):
        return ("En handläggare har gjort en nedsättning av försörjningsstödet (12 kap. 5 § socialtjänstlagen). "
                "Det är en individuell bedömning som bara en handläggare beslutar om.")
    preloaded = ctx.preloaded
    if preloaded is not None and preloaded.last_month_reduced is not None:
        reduced = preloaded.last_month_reduced
    else:
        last = (preloaded.last_month_decision if preloaded is not None
                else last_month_decision(ctx.application.household_id, ctx.application.month))
        reduced = last is not None and last.lines.filter(item=_REDUCTION_ITEM).exists()
    if reduced:
        return ("Förra månadens beslut hade en nedsättning. En handläggare prövar om den ska fortsätta eller "
                "upphöra.")
    if preloaded is not None and preloaded.reduction_matter is not None:
        return preloaded.reduction_matter
    if _reduction_check is None:
        return "Planeringens krav kan inte kontrolleras (ingen kontroll är registrerad)."
    return _reduction_check(ctx.application.applicant, ctx.application.month)


def _check_housing_grace(ctx: _Context, _config) -> str:
    """The first month with the rent above the ceiling starts a rådrum: a case worker decides it."""
    period = grace_period(ctx.calculation) if ctx.calculation is not None else None
    if period is None or housing_grace_of(ctx.application.household_id) is not None:
        return ""
    start, end = period
    return (f"Hyran är högre än kommunens tak och hushållet har inget beslutat rådrum. Rådrummet blir "
            f"{month_sv(start)}–{month_sv(end)} med hela hyran; därefter räknas taket. En handläggare beslutar "
            "om rådrummet (och förlänger det vid behov) och brevet säger från vilken månad taket gäller.")


def _check_assets(ctx: _Context, _config) -> str:
    assets = declared_assets(ctx.application)
    if not assets["rows"]:
        return ""
    document = (getattr(ctx.calculation, "input_data", None) or {}) if ctx.calculation is not None else {}
    municipality = document.get("municipality") or ctx.application.municipality.code
    params = load_parameters(f"{ctx.application.month:%Y-%m}", municipality,
                             getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None))
    threshold = params.asset_threshold.value
    listed = "; ".join(f"{row['label']} {format_kronor(row['value_ore'])}" for row in assets["rows"])
    if threshold is None:
        return (f"Sökanden har uppgett tillgångar ({listed}) och kommunen har ingen gräns för tillgångar i "
                f"automatiska beslut ({params.asset_threshold.file}).")
    if assets["total_ore"] > threshold:
        return (f"Tillgångarna är {format_kronor(assets['total_ore'])} ({listed}), mer än kommunens gräns "
                f"{format_kronor(threshold)} ({params.asset_threshold.file}).")
    return ""


def _check_calculation(ctx: _Context, _config) -> str:
    calc, application = ctx.calculation, ctx.application
    if calc is None:
        return "Det finns ingen beräkning."
    problems = []
    if calc.household_id != application.household_id:
        problems.append("beräkningen gäller ett annat hushåll")
    if calc.month != application.month:
        problems.append(f"beräkningen gäller {month_sv(calc.month)}, ansökan {month_sv(application.month)}")
    return ("Beräkningen hör inte till ansökan: " + ", ".join(problems) + ".") if problems else ""


def _check_full_grant(ctx: _Context, _config) -> str:
    if ctx.calculation is None:
        return "Det finns ingen beräkning att bevilja efter."
    proposal = ctx.proposal
    if proposal.outcome == Outcome.REFUSED:
        return "Beräkningen ger inget försörjningsstöd för månaden (avslag)."
    if proposal.outcome == Outcome.PARTLY_REFUSED:
        items = [line.label for line in proposal.lines if line.outcome != Outcome.GRANTED]
        return "Allt som ansökan gäller räknas inte med (delavslag): " + ", ".join(items) + "."
    return ""


def _check_recurring(ctx: _Context, _config) -> str:
    kind = getattr(ctx.application, "kind", None)
    if kind != "recurring":
        names = {"new": "en nyansökan", "supplementary": "en tilläggsansökan"}
        return f"Ansökan är {names.get(kind, kind)}, inte en återansökan."
    if getattr(ctx.application, "previous_id", None) is None:
        return "Återansökan saknar en tidigare ansökan att bygga på."
    return ""


def _household_of(declaration: Mapping[str, Any]) -> dict[str, Any]:
    members = declaration.get("members") or {}

    def who(member):
        if not isinstance(member, Mapping):
            return None
        return str(member.get("personnummer") or member.get("person_id") or "")

    children = sorted(
        (str(c.get("personnummer") or c.get("person_id") or c.get("key") or ""), c.get("days_present"),
         bool(c.get("lunch_away_from_home")))
        for c in members.get("children") or () if isinstance(c, Mapping)
    )
    return {
        "applicant": who(members.get("applicant")),
        "partner": who(members.get("partner")),
        "children": children,
        "other_adults_in_dwelling": members.get("other_adults_in_dwelling") or 0,
    }


_HOUSING_NAMES = {"kind": "boendeform", "rooms": "antal rum", "persons_in_dwelling": "antal personer i bostaden"}
_HOUSEHOLD_NAMES = {"applicant": "sökande", "partner": "make, maka eller sambo", "children": "barn",
                    "other_adults_in_dwelling": "andra vuxna i bostaden"}


def _check_unchanged(ctx: _Context, _config) -> str:
    previous = getattr(ctx.application, "previous", None)
    if previous is None:
        return "Det finns ingen tidigare ansökan att jämföra med."
    now, before = ctx.application.declaration or {}, previous.declaration or {}
    household_now, household_before = _household_of(now), _household_of(before)
    changed = [_HOUSEHOLD_NAMES[k] for k in household_now if household_now[k] != household_before[k]]
    housing_now, housing_before = now.get("housing") or {}, before.get("housing") or {}
    housing = [_HOUSING_NAMES.get(k, k) for k in sorted(set(housing_now) | set(housing_before))
               if k != "source" and housing_now.get(k) != housing_before.get(k)]
    parts = []
    if changed:
        parts.append("hushållet har ändrats (" + ", ".join(changed) + ")")
    if housing:
        parts.append("boendet har ändrats (" + ", ".join(housing) + ")")
    return ("Sedan förra ansökan: " + "; ".join(parts) + ".") if parts else ""


def _check_register(ctx: _Context, config) -> str:
    from bistand.registers.services import compare_declared

    extra = {}
    if ctx.preloaded is not None:
        extra = {"persons": ctx.preloaded.persons, "fetches": ctx.preloaded.fetches}
    found = compare_declared(ctx.application, tolerance_ore=config["tolerance_ore"],
                             tolerance_percent=config["tolerance_percent"], facts=ctx.register_facts, **extra)
    return " ".join(d.detail for d in found)


def _check_completion(ctx: _Context, _config) -> str:
    if ctx.preloaded is not None:
        count = ctx.preloaded.open_completion_requests
    else:
        count = CompletionRequest.objects.filter(application_id=ctx.application.pk, status=CompletionStatus.OPEN).count()
    if not count:
        return ""
    return ("Det finns en begäran om komplettering som inte är besvarad." if count == 1
            else f"Det finns {count} begäranden om komplettering som inte är besvarade.")


def _check_kommunicering(ctx: _Context, _config) -> str:
    """Always applies (not configurable): the applicant is commenting on register data (25 § FL)."""
    if ctx.preloaded is not None:
        due = ctx.preloaded.pending_kommunicering
    else:
        from bistand.applications.selectors import pending_kommunicering

        running = pending_kommunicering(ctx.application, on=ctx.on)
        due = running.due_date if running is not None else None
    if due is None:
        return ""
    return (f"Sökanden har till {due:%Y-%m-%d} att yttra sig över uppgifter från register (kommunicering enligt "
            "25 § förvaltningslagen). Inget beslut fattas före dess, om sökanden inte svarar tidigare.")


def last_month_decision(household_id: int, month: dt.date) -> Decision | None:
    """The decision in force for the household's previous month: the newest issued decision of that
    month that has not been reconsidered."""
    return (
        Decision.objects.filter(household_id=household_id, month=add_months(month, -1), status=DecisionStatus.ISSUED,
                                reconsidered_by__isnull=True)
        .order_by("-issued_at", "-pk")
        .first()
    )


def _check_amount(ctx: _Context, config) -> str:
    if ctx.calculation is None:
        return "Det finns ingen beräkning."
    if ctx.preloaded is not None:
        last = ctx.preloaded.last_month_decision
    else:
        last = last_month_decision(ctx.application.household_id, ctx.application.month)
    if last is None:
        return f"Det finns inget beslut för {month_sv(add_months(ctx.application.month, -1))} att jämföra med."
    gap = abs(ctx.calculation.amount_ore - last.amount_ore)
    allowed = max(config["max_difference_ore"], last.amount_ore * config["max_difference_percent"] // 100)
    if gap <= allowed:
        return ""
    return (f"Beloppet {format_kronor(ctx.calculation.amount_ore)} skiljer sig {format_kronor(gap)} från förra "
            f"månadens {format_kronor(last.amount_ore)}; högst {format_kronor(allowed)} är tillåtet.")


def estimated_values(calculation, accepted_files: Iterable[str] = ()) -> list[str]:
    """The estimated parameter values the calculation used (from its warnings), except those from the
    accepted parameter files: ``["tak för boendekostnad (Jönköpings kommun) = 5 900 kr … (local/0680.yaml)"]``."""
    accepted = set(accepted_files)
    found = []
    for warning in calculation.result.get("warnings", ()):
        match = ESTIMATED_RE.match(warning)
        if match and match.group("file") not in accepted:
            found.append(f"{match.group('what')} ({match.group('file')})")
    return found


def _check_estimated(ctx: _Context, config) -> str:
    if ctx.calculation is None:
        return "Det finns ingen beräkning."
    found = estimated_values(ctx.calculation, config["accepted_files"])
    return ("Beräkningen använder uppskattade värden: " + "; ".join(found) + ".") if found else ""


def _check_plan(ctx: _Context, _config) -> str:
    hook = plan_check()
    if hook is None:
        return "Kommunen kräver en aktuell planering, men planeringar kan ännu inte kontrolleras i systemet."
    if hook(ctx.application.applicant, ctx.application.month):
        return ""
    return "Sökanden har ingen aktuell planering."


#: Every criterion, in the order they are checked and reported: code → check(ctx, settings) → detail
#: ("" when the criterion holds). Codes in DEFAULT_CRITERIA are configurable, the others always apply.
CHECKS: dict[str, Callable[[_Context, dict[str, Any]], str]] = {
    "delegation_in_force": _check_delegation,
    "application_open": _check_open,
    "nothing_for_caseworker": _check_nothing_for_caseworker,
    "incomes_of_known_members": _check_known_members,
    "school_youth_in_school": _check_school_youth,
    "labour_market_available": _check_labour_market,
    "norm_as_riksnorm": _check_norm_as_riksnorm,
    "no_reduction_matter": _check_reduction,
    "housing_grace_decided": _check_housing_grace,
    "assets_within_threshold": _check_assets,
    "calculation_for_application": _check_calculation,
    "full_grant": _check_full_grant,
    "recurring": _check_recurring,
    "household_and_housing_unchanged": _check_unchanged,
    "register_incomes_match": _check_register,
    "no_open_completion_request": _check_completion,
    "no_pending_kommunicering": _check_kommunicering,
    "amount_close_to_last_month": _check_amount,
    "no_estimated_parameter": _check_estimated,
    "current_plan": _check_plan,
}


def evaluate(application, calculation, register_facts=None, *, delegation: Delegation | None = None,
             on: dt.date | None = None, preloaded: Preloaded | None = None,
             proposal: Any = None) -> AutomationVerdict:
    """Check every criterion for deciding ``application`` automatically on the day ``on`` (default
    today) from ``calculation`` and the register facts (default: the stored facts of the application).
    The delegation is the one in force for the municipality unless given. ``preloaded`` (with
    ``register_facts``) and ``proposal`` (``propose(application, calculation, automated=True)``): facts
    already read or made, for many applications at once."""
    on = on or timezone.localdate()
    if delegation is None:
        delegation = delegation_in_force(application.municipality_id, DecisionType.MONTHLY_ASSISTANCE, on)
    if preloaded is not None and register_facts is None:
        raise ValueError("preloaded needs register_facts")
    configured = criteria_settings(delegation)
    ctx = _Context(application, calculation, None if register_facts is None else list(register_facts),
                   delegation, on, configured, preloaded=preloaded)
    if calculation is not None:
        ctx.proposal = proposal if proposal is not None else propose(application, calculation, automated=True)
    passed: list[Criterion] = []
    failed: list[Criterion] = []
    for code, check in CHECKS.items():
        config = configured.get(code, {})
        if config and not config.get("enabled", True):
            continue
        detail = check(ctx, config)
        (failed if detail else passed).append(Criterion(code, LABELS[code], detail))
    return AutomationVerdict(automate=not failed, failed=failed, passed=passed, delegation=delegation,
                             criteria=configured)


__all__ = [
    "AutomationVerdict",
    "CHECKS",
    "Criterion",
    "DEFAULT_CRITERIA",
    "LABELS",
    "Preloaded",
    "criteria_settings",
    "delegation_in_force",
    "estimated_values",
    "evaluate",
    "last_month_decision",
    "register_reduction_check",
    "validate_criteria",
]
