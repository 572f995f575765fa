"""The applicant's walk through the e-service, one function per step, for the browser tests (Playwright).

Sign in with the simulated e-ID, start an application, then the steps in their order: Hushållet (with the
Arbetsförmedlingen question for each adult), Boende, Kostnader, Inkomster, Tillgångar, Bankkonto, Bilagor,
Granska och skriv under. Each step function waits for its page's heading, fills in what its keyword
arguments say and presses "Spara och fortsätt", so a test calls the steps it does not care about and does
the one it proves by hand, with its own assertions in between. ``apply`` walks the whole way with the
defaults: one adult registered with Arbetsförmedlingen, renting one room first-hand for 5 400 kr, no
incomes or assets, account 5000-1111116, no attachment.

The e-service's words are looked up in the applicant's language (``language="en"`` for English), so a
test of the English pages still fails when a label is not translated.
"""

from __future__ import annotations

from typing import NamedTuple

from bistand.people import personnummer as pnr

WORDS = {
    "sv": {
        "new_application": "Gör en ny ansökan",
        "municipality": "Vilken kommun bor du i?",
        "start": "Börja ansökan",
        "household": "Hushållet",
        "save": "Spara och fortsätt",
        "housing": "Boende",
        "first_hand": "Hyr i första hand",
        "rooms": "Antal rum (utöver kök)",
        "persons": "Hur många personer bor i bostaden, du själv inräknad?",
        "costs": "Kostnader",
        "rent": "Hyra eller avgift för bostaden (kr per månad)",
        "incomes": "Inkomster",
        "add_income": "Lägg till en inkomst",
        "assets": "Tillgångar",
        "no": "Nej",
        "bank_account": "Bankkonto",
        "clearing": "Clearingnummer",
        "account": "Kontonummer",
        "attachments": "Bilagor",
        "review": "Gå vidare till granska och skriv under",
        "review_heading": "Granska och skriv under",
        "sign": "Skriv under och skicka",
    },
    "en": {
        "new_application": "Make a new application",
        "municipality": "Which municipality do you live in?",
        "start": "Start the application",
        "household": "Household",
        "save": "Save and continue",
        "housing": "Housing",
        "first_hand": "Renting directly from the landlord",
        "rooms": "Number of rooms (not counting the kitchen)",
        "persons": "How many people live in the home, including you?",
        "costs": "Costs",
        "rent": "Rent or housing charge (kronor a month)",
        "incomes": "Income",
        "add_income": "Add income",
        "assets": "Savings and property",
        "no": "No",
        "bank_account": "Bank account",
        "clearing": "Clearing number",
        "account": "Account number",
        "attachments": "Attachments",
        "review": "Continue to check and sign",
        "review_heading": "Check and sign",
        "sign": "Sign and send",
    },
}


class Partner(NamedTuple):
    """The make, maka or sambo the applicant names on Hushållet, and the answer to the Arbetsförmedlingen
    question for them (see ``answer_arbetsformedlingen``)."""

    personnummer: str
    first_name: str
    last_name: str
    af_registered: bool = True
    af_reason: str = ""


def _expect_heading(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def save_and_continue(page, *, language: str = "sv") -> None:
    page.get_by_role("button", name=WORDS[language]["save"]).click()


def fill_simulated_e_id(page, personnummer: str, first_name: str = "", last_name: str = "") -> None:
    """On the e-ID simulator's page: sign in as the test person (the names only for a person the system
    does not know yet)."""
    page.get_by_label("Personnummer").fill(personnummer)
    if first_name:
        page.get_by_label("Förnamn").fill(first_name)
        page.get_by_label("Efternamn").fill(last_name)
    page.get_by_role("button", name="Logga in som testpersonen").click()


def sign_in(page, base_url: str, personnummer: str, first_name: str = "", last_name: str = "") -> None:
    """From the e-service's start page through the simulated e-ID; ends on "Mitt ärende"."""
    page.goto(f"{base_url}/e-tjanst/")
    page.get_by_role("link", name="Logga in med e-legitimation").click()
    fill_simulated_e_id(page, personnummer, first_name, last_name)


def sign_in_as(page, base_url: str, person, path: str = "/e-tjanst/mitt-arende/") -> None:
    """A person the system knows opens ``path`` in the e-service and signs in on the way."""
    page.goto(f"{base_url}{path}")
    fill_simulated_e_id(page, pnr.parse(person.personnummer).formatted)


def read_decision(page, base_url: str, person):
    """A person the system knows signs in to "Mitt ärende" and opens the newest decision; returns the
    decision's calculation (``#calculation``)."""
    sign_in_as(page, base_url, person)
    _expect_heading(page, "Mitt ärende")
    page.get_by_role("link", name="Visa beslutet").first.click()
    return page.locator("#calculation")


def start_application(page, *, municipality: str = "Exempelby", language: str = "sv") -> None:
    """From "Mitt ärende": a new application in ``municipality``; ends on the application's overview."""
    words = WORDS[language]
    page.get_by_role("link", name=words["new_application"]).click()
    page.get_by_label(words["municipality"]).select_option(label=municipality)
    page.get_by_role("button", name=words["start"]).click()


def open_household(page, *, language: str = "sv") -> None:
    page.get_by_role("link", name=WORDS[language]["household"]).first.click()


def answer_arbetsformedlingen(page, adult: str = "applicant", *, registered: bool = True, reason: str = "") -> None:
    """The Arbetsförmedlingen question on Hushållet for ``adult`` ("applicant" or "partner"): registered,
    or not registered with ``reason`` (a reason code; none chosen when empty)."""
    page.locator(f"#id_{adult}_af_registered_{0 if registered else 1}").check()
    if not registered and reason:
        page.locator(f"#id_{adult}_af_reason").select_option(reason)


def fill_household(page, *, partner: Partner | None = None, af_registered: bool = True, af_reason: str = "",
                   language: str = "sv") -> None:
    """From the application's overview: Hushållet, with the partner (if any) and the Arbetsförmedlingen
    answer for each adult, saved."""
    open_household(page, language=language)
    if partner:
        page.get_by_role("group", name="Bor du med en make, maka eller sambo?").get_by_label("Ja").check()
        page.get_by_label("Personnummer för din make, maka eller sambo").fill(partner.personnummer)
        page.get_by_label("Förnamn").fill(partner.first_name)
        page.get_by_label("Efternamn").fill(partner.last_name)
        answer_arbetsformedlingen(page, "partner", registered=partner.af_registered, reason=partner.af_reason)
    answer_arbetsformedlingen(page, registered=af_registered, reason=af_reason)
    save_and_continue(page, language=language)


def fill_housing(page, *, rooms: int = 1, persons: int = 1, language: str = "sv") -> None:
    """Boende: renting first-hand."""
    words = WORDS[language]
    _expect_heading(page, words["housing"])
    page.get_by_label(words["first_hand"]).check()
    page.get_by_label(words["rooms"]).fill(str(rooms))
    page.get_by_label(words["persons"]).fill(str(persons))
    save_and_continue(page, language=language)


def fill_costs(page, *, rent: str = "5 400", language: str = "sv") -> None:
    """Kostnader: the rent as the applicant types it."""
    words = WORDS[language]
    _expect_heading(page, words["costs"])
    page.get_by_label(words["rent"]).fill(rent)
    save_and_continue(page, language=language)


def fill_incomes(page, *, incomes: tuple[tuple[str, str, str], ...] = (), language: str = "sv") -> None:
    """Inkomster: ``incomes`` as (type code, member, amount) rows; none by default."""
    words = WORDS[language]
    _expect_heading(page, words["incomes"])
    for row, (kind, member, amount) in enumerate(incomes):
        page.get_by_role("button", name=words["add_income"]).click()
        page.locator(f"#id_incomes-{row}-type").select_option(kind)
        page.locator(f"#id_incomes-{row}-member").select_option(member)
        page.locator(f"#id_incomes-{row}-amount").fill(amount)
    save_and_continue(page, language=language)


def fill_assets(page, *, language: str = "sv") -> None:
    """Tillgångar: no assets."""
    words = WORDS[language]
    _expect_heading(page, words["assets"])
    page.get_by_role("radio", name=words["no"], exact=True).check()
    save_and_continue(page, language=language)


def fill_bank_account(page, *, clearing: str = "5000", account: str = "1111116", language: str = "sv") -> None:
    words = WORDS[language]
    _expect_heading(page, words["bank_account"])
    page.get_by_label(words["clearing"]).fill(clearing)
    page.get_by_label(words["account"]).fill(account)
    save_and_continue(page, language=language)


def attach(page, path, *, kind: str = "rent") -> None:
    """Bilagor: upload the file at ``path`` as ``kind`` (the test checks that it shows)."""
    _expect_heading(page, WORDS["sv"]["attachments"])
    page.get_by_label("Vad är det för fil?").select_option(kind)
    page.get_by_label("Välj fil").set_input_files(str(path))
    page.get_by_role("button", name="Ladda upp filen").click()


def go_to_review(page, *, language: str = "sv") -> None:
    """From Bilagor to "Granska och skriv under"."""
    words = WORDS[language]
    _expect_heading(page, words["attachments"])
    page.get_by_role("link", name=words["review"]).click()
    _expect_heading(page, words["review_heading"])


def sign_and_send(page, *, double_click: bool = False, language: str = "sv"):
    """Sign on "Granska och skriv under"; returns the receipt (the test reads ``#application-status``
    or the receipt's text)."""
    button = page.get_by_role("button", name=WORDS[language]["sign"])
    if double_click:
        button.dblclick()
    else:
        button.click()
    return page.locator("#receipt")


def apply(page, *, municipality: str = "Exempelby", partner: Partner | None = None, af_registered: bool = True,
          af_reason: str = "", rooms: int = 1, persons: int | None = None, rent: str = "5 400",
          clearing: str = "5000", account: str = "1111116"):
    """From "Mitt ärende": the whole walk to a signed application (Swedish); returns the receipt.
    ``persons`` is the applicant and the partner unless given."""
    start_application(page, municipality=municipality)
    fill_household(page, partner=partner, af_registered=af_registered, af_reason=af_reason)
    fill_housing(page, rooms=rooms, persons=persons if persons is not None else (2 if partner else 1))
    fill_costs(page, rent=rent)
    fill_incomes(page)
    fill_assets(page)
    fill_bank_account(page, clearing=clearing, account=account)
    go_to_review(page)
    return sign_and_send(page)
