"""Why an application needs a person: the reasons the inbox shows and filters on, in plain Swedish.

Codes are the automation's criterion codes (:data:`bistand.decisions.automation.LABELS`, which are
written as the criterion that must hold) plus a few of the case handling's own. :data:`REASON_LABELS`
says each as what went wrong, for the inbox and the monthly run's summary.
"""

from __future__ import annotations

from bistand.decisions.automation import LABELS

#: The calculation could not be made (the monthly run's own reason; the detail says why).
CALCULATION_FAILED = "calculation_failed"
#: The applicant could not answer everything (Application.needs_caseworker, set at submission).
NEEDS_CASEWORKER = "nothing_for_caseworker"
#: A request for more information waits for an answer.
OPEN_COMPLETION = "no_open_completion_request"
#: Every request for more information has been answered since the run left the application to a person.
COMPLETION_ANSWERED = "completion_answered"
#: A first application (or a supplementary one): never decided automatically.
NOT_RECURRING = "recurring"
#: A recurring application the monthly run has not looked at yet.
WAITING_FOR_RUN = "waiting_for_run"
#: A case worker has started on the application (status "handläggs").
IN_REVIEW = "in_review"

REASON_LABELS: dict[str, str] = {
    "delegation_in_force": "Ingen gällande delegation till automatiska beslut (eller nödstoppet är draget)",
    "application_open": "Ansökan var inte öppen för beslut",
    NEEDS_CASEWORKER: "Sökanden kunde inte svara på allt eller något annat kräver en handläggare",
    "incomes_of_known_members": "En inkomst i ansökan hör till någon som inte finns i hushållet",
    "school_youth_in_school": "Ett barn som är 18–20 år går inte i gymnasieskolan (eller svar saknas)",
    "labour_market_available": "En vuxen är inte inskriven på Arbetsförmedlingen och har inget skäl att inte vara det",
    "norm_as_riksnorm": "Normen är satt högre eller lägre av särskilda skäl",
    "assets_within_threshold": "Sökanden har uppgett tillgångar som en handläggare behöver bedöma",
    "calculation_for_application": "Beräkningen hörde inte till ansökan",
    "full_grant": "Beräkningen ger avslag eller delavslag",
    NOT_RECURRING: "Ny ansökan, inte en återansökan",
    "household_and_housing_unchanged": "Hushållet eller boendet har ändrats",
    "register_incomes_match": "Inkomsterna i registren stämmer inte med ansökan",
    OPEN_COMPLETION: "Obesvarad begäran om komplettering",
    "amount_close_to_last_month": "Beloppet skiljer sig mycket från förra månaden",
    "no_estimated_parameter": "Beräkningen använder ett uppskattat värde",
    "current_plan": "Ingen aktuell planering",
    CALCULATION_FAILED: "Beräkningen kunde inte göras",
    WAITING_FOR_RUN: "Väntar på månadskörningen",
    IN_REVIEW: "En handläggare har börjat med ansökan",
    COMPLETION_ANSWERED: "Kompletteringen är besvarad: läs svaret och fortsätt handläggningen",
}


def reason_label(code: str) -> str:
    """The Swedish text of a reason code (for an unknown criterion: "Inte uppfyllt: <criterion>")."""
    if code in REASON_LABELS:
        return REASON_LABELS[code]
    if code in LABELS:
        return f"Inte uppfyllt: {LABELS[code].lower()}"
    return code


def reason_choices() -> list[tuple[str, str]]:
    """(code, text) of the reasons the inbox can filter on, in the automation's order."""
    order = [*LABELS, CALCULATION_FAILED, IN_REVIEW]
    return [(code, reason_label(code)) for code in order if code != "application_open"]


def codes_text(codes) -> str:
    """``["a", "b"]`` → ``"|a|b|"`` (how :class:`~bistand.casework.models.Referral` stores its codes)."""
    unique = list(dict.fromkeys(c for c in codes if c))
    return "|" + "|".join(unique) + "|" if unique else ""
