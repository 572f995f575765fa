"""The staff's steps that several browser tests take the same way (Playwright): signing in, and raising
the norm for a special diet on a case page."""

from __future__ import annotations

from tests.factories import PASSWORD


def staff_login(page, base_url: str, username: str, path: str = "/konto/logga-in/") -> None:
    """Open ``path`` (a staff page sends an anonymous visitor to the sign-in form and back) and sign in."""
    page.goto(f"{base_url}{path}")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def raise_norm_for_special_diet(page, *, member: str, kronor: int, reason: str) -> None:
    """On the case page: a higher norm level (12 kap. 7 § tredje stycket SoL) for ``member``'s special diet,
    saved (the test checks the message and the calculation)."""
    page.get_by_text("Sätt normen högre eller lägre").click()
    page.get_by_label("Högre nivå").check()
    page.get_by_label("Vad gäller de särskilda skälen?").select_option(label="Särskild kost")
    page.get_by_label("Vem gäller det?").select_option(label=member)
    page.get_by_label("Belopp per månad (kronor)").fill(str(kronor))
    page.get_by_label("Skäl", exact=True).fill(reason)
    page.get_by_role("button", name="Spara ändringen av normen").click()
