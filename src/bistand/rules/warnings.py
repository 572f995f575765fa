"""The warnings of a calculation, in plain Swedish: one function per warning.

Every path that calculates — the single household (`calculate.py`) and the batch engine
(`bistand.engine`) — makes its warning texts with these functions, so a warning is worded in this one
place. The batch engine fills many warnings at once from a template: it calls a function once with
placeholders for the amounts (texts in, text out, no arithmetic here).
"""

from __future__ import annotations

from fractions import Fraction

from bistand.rules.formatting import format_kronor
from bistand.rules.parameters import ParameterValue
from bistand.rules.texts import composition, number_text


def estimated_value(value: ParameterValue, shown: str | None = None) -> str | None:
    """An estimated (not yet officially confirmed) parameter value was used: the warning naming it, or None
    when the value is verified. `shown` is the value as the warning shows it (default: the amount)."""
    if not value.is_estimated:
        return None
    text = shown if shown is not None else format_kronor(value.value)
    return (
        f"Ett uppskattat värde används: {value.label} = {text} ({value.file}). "
        "Värdet är inte bekräftat i en officiell källa och ska kontrolleras."
    )


def child_present_more_days_than_divisor(child_id: str, days: int, divisor: Fraction | int) -> str:
    """A child present part of the month is said to live in the household more days than the divisor."""
    return (
        f"Barnet {child_id} bor i hushållet {days} dagar, fler än nämnaren "
        f"{number_text(divisor)} dagar. Barnet räknas för hela månaden."
    )


def cap_name(cost_label: str, rent: bool, adults: int, children: int) -> str:
    """The name of the ceiling (rent) or cap (other costs) that limits a cost, as the warning says it."""
    if rent:
        return f"kommunens tak för boendekostnad för {composition(adults, children)}"
    return f"kommunens tak för {cost_label.lower()}"


def cap_shown(cap: str, cost_label: str, rent: bool, adults: int, children: int) -> str:
    """How an estimated ceiling or cap is shown in `estimated_value`: '9 500 kr för 1 vuxen och 2 barn'."""
    return f"{cap} för {composition(adults, children)}" if rent else f"{cap} för {cost_label.lower()}"


def cost_above_cap(cost_label: str, total: str, cap_name: str, cap: str, excess: str) -> str:
    """A cost is higher than the municipality's ceiling or cap: only the cap counts. The amounts come as
    texts ('7 450 kr', see `format_kronor`)."""
    return (
        f"{cost_label} {total} är högre än {cap_name}, {cap}. "
        f"Det som är över taket, {excess}, räknas inte med."
    )


def rent_within_grace(cost_label: str, total: str, cap_name: str, cap: str, end: str, after: str) -> str:
    """The rent is above the municipality's ceiling, but the month is inside the rådrum: the full rent
    counts until `end` ('2027-02'); from `after` only the ceiling counts."""
    return (
        f"{cost_label} {total} är högre än {cap_name}, {cap}. Hela hyran räknas med under rådrummet till och "
        f"med {end}; från och med {after} räknas högst taket."
    )
