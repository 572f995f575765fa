"""The business limits of a calculation's input, shared by the API and the staff calculation page.

- The month's year is one the rules can calculate: a year with a riksnorm parameter file, or one of
  the years after the last of them, which get provisional values (``parameters.PROVISIONAL_LOOKBACK``).
- An amount (a cost, an income, a child's earnings this year) is at most ``MAX_AMOUNT_KRONOR`` kronor;
  a larger figure is a typing error, not an application, and is refused with the field's path.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .errors import CalculationInputError
from .parameters import PROVISIONAL_LOOKBACK, norm_years

#: The largest amount (kronor) accepted in a cost, an income or a child's earnings this year.
MAX_AMOUNT_KRONOR = 10_000_000


@lru_cache(maxsize=1)
def calculable_years() -> tuple[int, ...]:
    """The years a calculation can be made for, in order: those with a riksnorm file and the provisional
    years after the last of them."""
    packaged = norm_years()
    return (*packaged, *range(packaged[-1] + 1, packaged[-1] + PROVISIONAL_LOOKBACK + 1))


def check_business_limits(household, index: int | None = None) -> None:
    """Refuse a decoded input whose month cannot be calculated or whose amounts exceed the ceiling
    (CalculationInputError naming the field; ``index`` the household's place in a batch)."""
    year = int(household.month[:4])
    if year not in calculable_years():
        raise CalculationInputError("month", f"Riksnorm saknas för år {year}.", index)  # as the rules say
    amounts = [(f"costs[{i}].amount", cost.amount) for i, cost in enumerate(household.costs)]
    amounts += [(f"incomes[{i}].amount", income.amount) for i, income in enumerate(household.incomes)]
    for i, child in enumerate(household.household.children):
        value = child.earnings_this_year_before_month
        if isinstance(value, (int, Decimal)):
            amounts.append((f"household.children[{i}].earnings_this_year_before_month", value))
    for field, value in amounts:
        if value > MAX_AMOUNT_KRONOR:
            raise CalculationInputError(
                field, f"Beloppet får vara högst {MAX_AMOUNT_KRONOR:,} kronor.".replace(",", " "), index
            )
