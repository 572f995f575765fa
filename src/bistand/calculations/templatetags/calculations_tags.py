"""Template filters for showing stored calculations: amounts in kronor and months in Swedish."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from bistand.common import months
from bistand.common.formatting import format_kronor

register = template.Library()

@register.filter
def ore_kronor(ore) -> str:
    """Integer öre → "12 345 kr" (or "12 345,50 kr"): the one formatter, ``format_kronor``."""
    if ore is None or ore == "":
        return ""
    return format_kronor(int(ore))


@register.filter
def kronor(amount) -> str:
    """An amount in kronor (a stored result's int or Decimal, a report's whole kronor) → "12 345 kr" /
    "1 234,56 kr", by the one formatter. Anything that is not a number is shown as it is."""
    if amount is None or amount == "":
        return ""
    try:
        ore = Decimal(str(amount)) * 100
    except InvalidOperation:
        return str(amount)
    if not ore.is_finite():
        return str(amount)
    return format_kronor(ore)


@register.filter
def month_sv(month) -> str:
    """A month (date, or "YYYY-MM") → "november 2026"."""
    return months.month_sv(month)
