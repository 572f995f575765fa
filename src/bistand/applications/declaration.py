"""The declared data of an application (``Application.declaration``): its shape, labels and checks.

Version 1 (every fact carries ``"source": "applicant"``)::

    {
      "version": 1,
      "members": {
        "applicant": {"person_id", "personnummer", "first_name", "last_name", "labour_market"},
        "partner": null | {"person_id" (null until known), "personnummer", "first_name", "last_name",
                           "labour_market", "source"},
        "children": [{"key", "person_id", "personnummer", "first_name", "days_present" (null = whole month),
                      "lunch_away_from_home", "in_upper_secondary_school" (true / false / null: asked for
                      a child aged 18–20, who belongs to the household only while in upper-secondary school),
                      "source"}],
        "other_adults_in_dwelling": 0
      },
      "housing": {"kind", "rooms", "persons_in_dwelling", "source"} | {},
      "costs": [{"type", "amount_ore", "source"}],          # contract cost types
      "incomes": [{"type", "member", "amount_ore", "source"}],   # member: "applicant" | "partner" | child key
      "assets": [{"kind", "description", "value_ore", "source"}],
      "bank_account": {"clearing", "account", "source"} | {},
      "answered": ["members", "housing", …],   # sections the applicant has gone through
      "cannot_answer": {"incomes": "Jag vet inte vad a-kassan betalar ut"},
      "message": ""
    }

``labour_market`` (per adult; absent on an application made before the question existed, which counts
as "not asked") is ``{"registered": true | false, "reason": "" | a :class:`LabourMarketReason`,
"reason_text": ""}``: registered with Arbetsförmedlingen as a job seeker, or else the reason not to be
(12 kap. 3 § SoL 2025:400; 4 kap. 1 § andra stycket SoL 2001:453). ``"reason": "none"`` is an explicit "no reason".

Money is integer öre. Nothing here rejects an application: :func:`missing_answers` lists what is still
unanswered (each with a message for its field), and a section the applicant marks "Jag vet inte / kan
inte svara" counts as answered and goes to a case worker instead.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_noop

from bistand.common.formatting import format_kronor
from bistand.people import personnummer as pnr

VERSION = 1
APPLICANT = "applicant"
SOURCE = {"source": "applicant"}

SECTIONS: list[tuple[str, str]] = [
    ("members", gettext_noop("Hushållet")),
    ("housing", gettext_noop("Boende")),
    ("costs", gettext_noop("Kostnader")),
    ("incomes", gettext_noop("Inkomster")),
    ("assets", gettext_noop("Tillgångar")),
    ("bank_account", gettext_noop("Bankkonto")),
]
SECTION_LABELS = dict(SECTIONS)

COST_TYPES: list[tuple[str, str]] = [
    ("rent", gettext_noop("Hyra eller avgift för bostaden")),
    ("household_electricity", gettext_noop("Hushållsel")),
    ("home_insurance", gettext_noop("Hemförsäkring")),
    ("work_travel", gettext_noop("Resor till och från arbetet")),
    ("union_fee", gettext_noop("Avgift till fackförening")),
    ("unemployment_fund_fee", gettext_noop("Avgift till a-kassa")),
    ("childcare_fee", gettext_noop("Avgift för förskola eller fritids")),
    ("medical_care", gettext_noop("Läkarvård")),
    ("medicine", gettext_noop("Medicin")),
    ("dental_care_acute", gettext_noop("Akut tandvård")),
    ("glasses", gettext_noop("Glasögon")),
    ("other", gettext_noop("Annan kostnad")),
]
COST_LABELS = dict(COST_TYPES)

INCOME_TYPES: list[tuple[str, str]] = [
    ("wage", gettext_noop("Lön (efter skatt)")),
    ("unemployment_benefit", gettext_noop("Ersättning från a-kassa")),
    ("sickness_benefit", gettext_noop("Sjukpenning")),
    ("activity_compensation", gettext_noop("Sjuk- eller aktivitetsersättning")),
    ("parental_benefit", gettext_noop("Föräldrapenning")),
    ("pension", gettext_noop("Pension")),
    ("child_benefit", gettext_noop("Barnbidrag")),
    ("housing_allowance", gettext_noop("Bostadsbidrag")),
    ("maintenance_support", gettext_noop("Underhållsstöd")),
    ("student_aid", gettext_noop("Studiemedel eller studiebidrag")),
    ("establishment_allowance", gettext_noop("Etableringsersättning")),
    ("activity_support", gettext_noop("Aktivitetsstöd")),
    ("tax_refund", gettext_noop("Skatteåterbäring")),
    ("other", gettext_noop("Annan inkomst")),
]
INCOME_LABELS = dict(INCOME_TYPES)

HOUSING_KINDS: list[tuple[str, str]] = [
    ("rental", gettext_noop("Hyr i första hand")),
    ("sublet", gettext_noop("Hyr i andra hand")),
    ("lodger", gettext_noop("Inneboende")),
    ("condominium", gettext_noop("Bostadsrätt")),
    ("house", gettext_noop("Eget hus")),
    ("parents", gettext_noop("Bor hos föräldrar")),
    ("homeless", gettext_noop("Har ingen egen bostad")),
    ("other", gettext_noop("Annat")),
]
HOUSING_LABELS = dict(HOUSING_KINDS)

ASSET_KINDS: list[tuple[str, str]] = [
    ("bank", gettext_noop("Pengar på bankkonto")),
    ("vehicle", gettext_noop("Bil, motorcykel eller båt")),
    ("property", gettext_noop("Hus, bostadsrätt eller mark")),
    ("securities", gettext_noop("Aktier eller fonder")),
    ("other", gettext_noop("Annan tillgång")),
]
ASSET_LABELS = dict(ASSET_KINDS)


def empty(applicant) -> dict[str, Any]:
    """A new declaration for ``applicant`` (a Person)."""
    return {
        "version": VERSION,
        "members": {
            "applicant": person_fact(applicant),
            "partner": None,
            "children": [],
            "other_adults_in_dwelling": 0,
        },
        "housing": {},
        "costs": [],
        "incomes": [],
        "assets": [],
        "bank_account": {},
        "answered": [],
        "cannot_answer": {},
        "message": "",
    }


def school_value(answer: Any) -> bool | None:
    """The form's answer to "Går barnet i gymnasieskolan?" ("yes" / "no" / "") → true / false / null."""
    return {"yes": True, "no": False}.get(answer or "")


def school_answer(value: Any) -> str:
    """The stored true / false / null → the form's answer."""
    return {True: "yes", False: "no"}.get(value, "")


class LabourMarketReason(models.TextChoices):
    """Why an adult who is not registered with Arbetsförmedlingen need not be (12 kap. 3 § SoL)."""

    SICK_WITH_CERTIFICATE = "sick_with_certificate", gettext_noop("Jag är sjuk och har läkarintyg")
    SICK_WITHOUT_CERTIFICATE = "sick_without_certificate", gettext_noop("Jag är sjuk men har inget läkarintyg")
    PARENTAL_LEAVE = "parental_leave", gettext_noop("Jag är föräldraledig")
    STUDIES_IN_PLAN = "studies_in_plan", gettext_noop("Jag studerar, och studierna är godkända i min planering med socialtjänsten")
    PENSION = "pension", gettext_noop("Jag har ålderspension, sjukersättning eller aktivitetsersättning")
    OTHER = "other", gettext_noop("Annat skäl")
    NONE = "none", gettext_noop("Jag har inget av de här skälen")


def labour_market_value(registered: str, reason: str = "", reason_text: str = "") -> dict[str, Any]:
    """The form's answers ("yes" / "no", a reason, a text) → the stored ``labour_market`` fact."""
    if registered == "yes":
        return {"registered": True, "reason": "", "reason_text": ""}
    return {"registered": False, "reason": reason or "",
            "reason_text": (reason_text or "").strip() if reason == LabourMarketReason.OTHER else ""}


def labour_market_unavailable(fact: Any) -> bool:
    """True for an explicit "not registered and no reason" (or not registered, no reason chosen); a
    missing answer (an application from before the question) is "not asked", not unavailable."""
    if not isinstance(fact, dict) or fact.get("registered") is not False:
        return False
    return fact.get("reason") in ("", None, LabourMarketReason.NONE)


def labour_market_text(fact: Any) -> str:
    """The stored fact in plain Swedish ("" when not asked)."""
    if not isinstance(fact, dict) or fact.get("registered") is None:
        return ""
    if fact["registered"]:
        return gettext_noop("Inskriven som arbetssökande på Arbetsförmedlingen")
    if labour_market_unavailable(fact):
        return gettext_noop("Inte inskriven på Arbetsförmedlingen och inget skäl")
    reason = fact.get("reason")
    if reason == LabourMarketReason.OTHER:
        return NOT_REGISTERED_OTHER % {"reason": fact.get("reason_text") or REASON_NOT_DESCRIBED}
    label = dict(LabourMarketReason.choices).get(reason, reason)
    return NOT_REGISTERED_BECAUSE % {"reason": label}


#: An "other reason" left empty.
REASON_NOT_DESCRIBED = gettext_noop("inte beskrivet")

#: The parts of a child's row in the summary, joined by CHILD_DETAIL_SEPARATOR (the e-service translates each
#: part: bistand.portal.views.common.sections_in_language).
CHILD_DETAIL_SEPARATOR = ", "
CHILD_NO_PERSONNUMMER = gettext_noop("personnummer saknas")
CHILD_NO_NAME = gettext_noop("namn saknas")
CHILD_DAYS_WITH_YOU = gettext_noop("bor hos dig %(days)s dagar i månaden")
CHILD_DAYS_WITH_US = gettext_noop("bor hos er %(days)s dagar i månaden")
CHILD_DAY_WITH_YOU = gettext_noop("bor hos dig %(days)s dag i månaden")  # one day
CHILD_DAY_WITH_US = gettext_noop("bor hos er %(days)s dag i månaden")
CHILD_LUNCH_AWAY = gettext_noop("äter lunch på förskolan")
CHILD_IN_SCHOOL = gettext_noop("går i gymnasieskolan")
CHILD_NOT_IN_SCHOOL = gettext_noop("går inte i gymnasieskolan")

#: The labour-market answer with its reason, as labour_market_text writes it (the e-service translates them).
NOT_REGISTERED_OTHER = gettext_noop("Inte inskriven på Arbetsförmedlingen. Annat skäl: %(reason)s")
NOT_REGISTERED_BECAUSE = gettext_noop("Inte inskriven på Arbetsförmedlingen. Skäl: %(reason)s")


def person_fact(person) -> dict[str, Any]:
    return {"person_id": person.pk, "personnummer": person.personnummer, "first_name": person.first_name,
            "last_name": person.last_name}


def copy_for_new_month(declaration: dict[str, Any]) -> dict[str, Any]:
    """Last month's declaration as the start of this month's (recurring application): the same facts,
    nothing answered yet this month, no notes."""
    data = copy.deepcopy(declaration)
    data["answered"] = []
    data["cannot_answer"] = {}
    data["message"] = ""
    return data


# --- parsing what people type ------------------------------------------------------------------------

_AMOUNT = re.compile(r"^(\d{1,9})(?:[,.](\d{1,2}))?$")


def parse_amount(text: Any) -> int | None:
    """Kronor as typed ("6 500", "6500,50", "1 250 kr") → öre; None for an empty field. Raises
    ValueError with a Swedish message for anything else."""
    if text is None:
        return None
    value = str(text).replace("\u00a0", " ").strip()
    value = re.sub(r"\s*(kr|kronor|:-)\s*$", "", value, flags=re.IGNORECASE)
    value = value.replace(" ", "")
    if not value:
        return None
    if value.startswith("-"):
        raise ValueError(gettext_noop("Beloppet kan inte vara mindre än noll."))
    match = _AMOUNT.match(value)
    if not match:
        raise ValueError(gettext_noop("Skriv beloppet i kronor med siffror, till exempel 6 500 eller 6 500,50."))
    kronor, ore = match.group(1), (match.group(2) or "0").ljust(2, "0")
    return int(kronor) * 100 + int(ore)


def format_amount(ore: int | None) -> str:
    """öre → how the amount is shown in a form field ("6 500" or "6 500,50")."""
    if ore is None:
        return ""
    kronor, rest = divmod(int(ore), 100)
    text = f"{kronor:,}".replace(",", " ")
    return f"{text},{rest:02d}" if rest else text


def parse_personnummer(text: str) -> str:
    """A personnummer as typed → 12 digits (raises ValueError with the Swedish message)."""
    try:
        return pnr.normalise(text)
    except pnr.PersonnummerError as error:
        raise ValueError(error.message) from None


def clean_clearing(text: str) -> str:
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"\d{4,5}", digits):
        raise ValueError(gettext_noop("Clearingnumret är fyra siffror (Swedbank ibland fem), till exempel 8327-9."))
    return digits


def clean_account(text: str) -> str:
    digits = re.sub(r"[\s.-]", "", text or "")
    if not re.fullmatch(r"\d{5,12}", digits):
        raise ValueError(gettext_noop("Kontonumret ska vara 5–12 siffror. Skriv bara siffror."))
    return digits


# --- what is still unanswered ------------------------------------------------------------------------


#: Who reads a declaration in the e-service: the applicant who wrote it, or the co-applicant (the
#: declared make, maka or sambo), to whom the applicant is "din make, maka eller sambo" and they are "du".
VIEWER_APPLICANT, VIEWER_PARTNER = "applicant", "partner"


def member_keys(declaration: dict[str, Any], viewer: str = VIEWER_APPLICANT) -> list[tuple[str, str]]:
    """(key, Swedish label) of everyone an income can belong to, as ``viewer`` says it."""
    members = declaration.get("members") or {}
    partner = members.get("partner")
    if viewer == VIEWER_PARTNER:
        keys = [(APPLICANT, (members.get("applicant") or {}).get("first_name") or gettext_noop("Din make, maka eller sambo"))]
        if partner:
            keys.append(("partner", gettext_noop("Du")))
    else:
        keys = [(APPLICANT, gettext_noop("Du"))]
        if partner:
            keys.append(("partner", partner.get("first_name") or gettext_noop("Din make, maka eller sambo")))
    for child in members.get("children") or []:
        keys.append((child["key"], child.get("first_name") or gettext_noop("Barn")))
    return keys


def missing_answers(declaration: dict[str, Any]) -> dict[str, str]:
    """Sections the applicant has neither answered nor marked "kan inte svara": section → message."""
    answered = set(declaration.get("answered") or []) | set((declaration.get("cannot_answer") or {}).keys())
    missing = {}
    for section, label in SECTIONS:
        if section not in answered:
            missing[section] = f"Fyll i {label.lower()}, eller markera att du inte kan svara."
    return missing


def caseworker_reasons(declaration: dict[str, Any]) -> list[dict[str, str]]:
    """Why a person (not the automation) must look at the application: the sections the applicant could
    not answer, and children without personnummer."""
    reasons = []
    for section, note in (declaration.get("cannot_answer") or {}).items():
        label = SECTION_LABELS.get(section, section)
        text = f"Sökanden kunde inte svara om {label.lower()}"
        reasons.append({"code": f"cannot_answer:{section}", "label": f"{text}: {note}" if note else text + "."})
    for child in (declaration.get("members") or {}).get("children") or []:
        if not child.get("personnummer"):
            reasons.append({"code": "child_without_personnummer",
                            "label": f"Barnet {child.get('first_name') or ''} saknar personnummer i ansökan.".replace("  ", " ")})
    return reasons


# --- comparing two declarations ----------------------------------------------------------------------


def _money(ore: Any) -> str:
    return "" if ore is None else format_kronor(int(ore))


def _name_and_number(member: dict[str, Any]) -> str:
    return f"{member.get('first_name', '')} {member.get('last_name', '')}, {_pnr(member.get('personnummer'))}".strip()


def summary(declaration: dict[str, Any], viewer: str = VIEWER_APPLICANT) -> dict[str, list[tuple[str, str]]]:
    """Each section as (label, value) rows in plain Swedish, for the review page and for comparing;
    ``viewer`` is who reads it (the co-applicant reads "du" about themselves, see :data:`VIEWER_PARTNER`)."""
    members = declaration.get("members") or {}
    out: dict[str, list[tuple[str, str]]] = {}
    rows: list[tuple[str, str]] = []
    partner = members.get("partner")
    if viewer == VIEWER_PARTNER:
        rows.append((gettext_noop("Din make, maka eller sambo"), _name_and_number(members.get("applicant") or {})))
    else:
        rows.append((gettext_noop("Make, maka eller sambo"), _name_and_number(partner) if partner else gettext_noop("Ingen")))
    home = "er" if viewer == VIEWER_PARTNER else "dig"
    children = members.get("children") or []
    for child in children:
        parts = [_pnr(child.get("personnummer")) or CHILD_NO_PERSONNUMMER]
        if child.get("days_present") is not None:
            days = child["days_present"]
            one = days == 1
            template = (CHILD_DAY_WITH_US if one else CHILD_DAYS_WITH_US) if home == "er" else (CHILD_DAY_WITH_YOU if one else CHILD_DAYS_WITH_YOU)
            parts.append(template % {"days": days})
        if child.get("lunch_away_from_home"):
            parts.append(CHILD_LUNCH_AWAY)
        if child.get("in_upper_secondary_school") is True:
            parts.append(CHILD_IN_SCHOOL)
        elif child.get("in_upper_secondary_school") is False:
            parts.append(CHILD_NOT_IN_SCHOOL)
        rows.append((f"Barn: {child.get('first_name') or CHILD_NO_NAME}", CHILD_DETAIL_SEPARATOR.join(parts)))
    if not children:
        rows.append((gettext_noop("Barn"), gettext_noop("Inga")))
    adults = [(members.get("applicant") or {}, "du" if viewer == VIEWER_APPLICANT else
               (members.get("applicant") or {}).get("first_name") or "din make, maka eller sambo")]
    if partner:
        adults.append((partner, "du" if viewer == VIEWER_PARTNER else partner.get("first_name") or "din make, maka eller sambo"))
    for adult, who in adults:
        text = labour_market_text(adult.get("labour_market"))
        if text:
            rows.append((f"Arbetsförmedlingen: {who}", text))
    rows.append((gettext_noop("Andra vuxna i bostaden"), str(members.get("other_adults_in_dwelling") or 0)))
    out["members"] = rows
    housing = declaration.get("housing") or {}
    out["housing"] = [
        (gettext_noop("Boendeform"), HOUSING_LABELS.get(housing.get("kind"), gettext_noop("Inte ifyllt"))),
        (gettext_noop("Antal rum"), str(housing.get("rooms") or "Inte ifyllt")),
        (gettext_noop("Antal personer i bostaden"), str(housing.get("persons_in_dwelling") or "Inte ifyllt")),
    ]
    out["costs"] = [(COST_LABELS.get(c["type"], c["type"]), _money(c.get("amount_ore"))) for c in declaration.get("costs") or []] or [(gettext_noop("Kostnader"), gettext_noop("Inga"))]
    names = {key: (gettext_noop("du") if label == "Du" else label) for key, label in member_keys(declaration, viewer)}
    out["incomes"] = [
        (_with_whose(INCOME_LABELS.get(i['type'], i['type']), names.get(i.get('member'), 'okänd person')), _money(i.get("amount_ore")))
        for i in declaration.get("incomes") or []
    ] or [(gettext_noop("Inkomster"), gettext_noop("Inga"))]
    out["assets"] = [
        (ASSET_LABELS.get(a["kind"], a["kind"]) + (f": {a['description']}" if a.get("description") else ""), _money(a.get("value_ore")))
        for a in declaration.get("assets") or []
    ] or [(gettext_noop("Tillgångar"), gettext_noop("Inga"))]
    bank = declaration.get("bank_account") or {}
    out["bank_account"] = [(gettext_noop("Konto"), f"{bank.get('clearing')}-{bank.get('account')}" if bank.get("account") else "Inte ifyllt")]
    return out


def _with_whose(label: str, whose: str) -> str:
    """"Barnbidrag (Sara)"; a label that ends in a parenthesis takes the name inside it: "Lön (efter skatt, du)"."""
    return f"{label[:-1]}, {whose})" if label.endswith(")") else f"{label} ({whose})"


def _pnr(number: str | None) -> str:
    if not number:
        return ""
    return f"{number[:8]}-{number[8:]}" if len(number) == 12 else number


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from ``old`` to ``new``, section by section: ``[{"section", "section_label", "label",
    "old", "new"}]`` (rows that differ; a row only on one side has "" on the other)."""
    if not old:
        return []
    before, after = summary(old), summary(new)
    result = []
    for section, section_label in SECTIONS:
        old_rows, new_rows = dict(before.get(section, [])), dict(after.get(section, []))
        for label in list(dict.fromkeys([*old_rows, *new_rows])):
            if old_rows.get(label, "") != new_rows.get(label, ""):
                result.append({"section": section, "section_label": section_label, "label": label,
                               "old": old_rows.get(label, ""), "new": new_rows.get(label, "")})
    return result
